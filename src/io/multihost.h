/* The connect path as a step machine (multihost.c), shared by the blocking
 * pgw_connect() and the non-blocking pgw_connect_poll(): libpq's connhost
 * loop over the host list (shuffled for load_balance_hosts=random), one
 * attempt per host (open the transport, startup to ReadyForQuery, sslmode
 * allow/prefer's second attempt), target_session_attrs checked on each
 * server that accepted, and the error that lists every attempt. Each step
 * does all the I/O it can without waiting and says what it waits for. */
#ifndef PGWIRE_IO_MULTIHOST_H
#define PGWIRE_IO_MULTIHOST_H

#include "conn/conninfo_int.h"
#include "io/io_int.h"
#include "pgwire/nonblock.h"

/* ---- name resolution (resolve.c) -------------------------------------- */

/* The application's choice, from pgw_conn_options. */
typedef struct pgwi_resolver {
    pgw_resolve_fn fn;
    void *ud;
    bool thread;
} pgwi_resolver;

/* getaddrinfo(3) (AI_NUMERICHOST when numeric) into a malloc'd array:
 * 0, or the EAI_* code (EAI_MEMORY when the array cannot be had). */
int pgwi_gai_addrs(const char *name, const char *port, bool numeric, pgw_resolved_addr **out,
                   size_t *n);
/* The hook, its answer checked: PGW_OK and a malloc'd array, or
 * PGW_E_RESOLVE / PGW_E_NOMEM with libpq's words in errbuf. */
pgw_status pgwi_resolve_hook(const pgwi_resolver *r, const char *host, const char *port,
                             pgw_resolved_addr **out, size_t *n, char *errbuf, size_t errlen);

/* The resolver thread: a transport handle whose fd() becomes readable when
 * the lookup is done and whose close() detaches (the thread frees what is
 * left). start: PGW_OK or PGW_E_IO/PGW_E_NOMEM (no thread was started). */
typedef struct pgwi_rthread pgwi_rthread;
pgw_status pgwi_rthread_start(const char *host, const char *port, pgwi_rthread **out);
/* PGW_WANT_READ (still running), or PGW_OK with the answer taken: the
 * array (caller frees) or *gai != 0. */
pgw_status pgwi_rthread_take(pgwi_rthread *r, pgw_resolved_addr **addrs, size_t *n, int *gai);
extern const pgw_transport pgwi_rthread_transport;

/* ---- the default transport's socket, opened without waiting ------------ */

typedef struct pgwi_nbsock pgwi_nbsock;

/* Resolve and start connecting to the first address: PGW_OK (connected),
 * PGW_WANT_WRITE (in progress: wait for writability, then
 * pgwi_nbsock_continue), or the failure of every address with libpq's
 * words in errbuf (PGW_E_IO, PGW_E_RESOLVE, PGW_E_TIMEOUT, PGW_E_INVALID,
 * PGW_E_NOMEM), *out NULL. Resolution: `addrs` when not NULL (n of them,
 * malloc'd, taken over even on failure), else none for hostaddr or a Unix
 * socket, else r's hook when set, else a blocking getaddrinfo. */
pgw_status pgwi_nbsock_begin(const pgw_transport_target *t, const pgwi_resolver *r,
                             pgw_resolved_addr *addrs, size_t n, pgwi_nbsock **out, char *errbuf,
                             size_t errlen, int *sys_errno);
/* After writability (or, timed_out, when the address's deadline passed):
 * PGW_OK, PGW_WANT_WRITE (the next address is being tried: new fd), or
 * the failure of the last address (errbuf accumulates one line each). On
 * failure the handle is still the caller's to close. */
pgw_status pgwi_nbsock_continue(pgwi_nbsock *h, bool timed_out, char *errbuf, size_t errlen,
                                int *sys_errno);
void pgwi_nbsock_close(void *handle);
/* read/write/wait/fd/close/describe for a pgwi_nbsock handle. */
extern const pgw_transport pgwi_nbsock_transport;

/* ---- the machine ------------------------------------------------------- */

typedef enum pgwi_cs_phase {
    PGWI_CS_NEXT_HOST,  /* pick the next host (or give up) */
    PGWI_CS_OPEN,       /* open the transport for this host */
    PGWI_CS_RESOLVING,  /* the resolver thread is looking the host up */
    PGWI_CS_CONNECTING, /* non-blocking connect(2) in progress */
    PGWI_CS_STARTUP,    /* startup and authentication */
    PGWI_CS_TSA_CHECK,  /* target_session_attrs: decide or ask */
    PGWI_CS_TSA_WAIT,   /* waiting for the answer's first result */
    PGWI_CS_TSA_DRAIN,  /* reading on to ReadyForQuery */
    PGWI_CS_DONE,       /* connected */
    PGWI_CS_FAILED      /* every host failed; final holds the status */
} pgwi_cs_phase;

typedef struct pgwi_connector {
    pgwi_cs_phase phase;
    bool active;       /* begun and not yet released */
    bool nonblocking;  /* pgw_connect_poll: never call a blocking open */
    pgw_status final;  /* the outcome once DONE or FAILED */
    pgw_transport_target base, target;
    int timeout;       /* per attempt, ms; -1 = none */
    int64_t deadline;  /* of the current attempt (monotonic ms); -1 = none */
    pgwi_hosts hosts;
    size_t next;       /* index of the next host in this pass */
    int pass, passes;
    pgwi_tsa tsa, want;
    bool attempt_tls;
    bool retried;      /* sslmode allow/prefer's second attempt made */
    bool stop;
    char *saved_host, *saved_addr, *saved_port;
    bool overridden;   /* c->opt host/hostaddr/port point into hosts */
    pgw_buf log;       /* one line per failed attempt */
    size_t attempts, before_last;
    pgw_status last;   /* the last attempt's status */
    /* target_session_attrs */
    pgwi_tribool hs, ro;
    int round;
    const char *query;
    pgw_cursor *cur;
    bool answered;
    /* A host list without a password given: each host's password comes
     * from .pgpass, looked up per attempt as libpq keeps one per host.
     * pgpass_pw is the lookup installed as the password option (owned). */
    bool pgpass_per_host;
    char *pgpass_pw;
} pgwi_connector;

/* What c->io holds for connections made by this module. */
typedef struct pgwi_io_conn {
    pgwi_io io;
    pgwi_connector cs;
    pgwi_resolver resolver; /* survives pgwi_connect_begin (pgw_reset) */
} pgwi_io_conn;

static inline pgwi_connector *pgwi_connector_of(const pgw_conn *c)
{
    return c->io != NULL ? &((pgwi_io_conn *)c->io)->cs : NULL;
}

/* Prepare the machine: parse the host list; base carries the socket
 * options (its host, hostaddr and port are ignored), timeout the per
 * attempt limit (-1 = none). PGW_OK, or the option error recorded on c. */
pgw_status pgwi_connect_begin(pgw_conn *c, const pgw_transport_target *base, int timeout,
                              bool nonblocking);
/* Advance as far as possible without waiting: PGW_WANT_READ/WRITE (wait on
 * the transport's descriptor, at most until cs->deadline), PGW_OK, or the
 * final failure (recorded on c, one line per attempt). */
pgw_status pgwi_connect_step(pgw_conn *c);
/* Release the machine's memory and restore c's host options. Idempotent. */
void pgwi_connect_release(pgw_conn *c);

/* The blocking driver: begin, then step and wait until done. Returns what
 * pgw_connect() returns. */
/* pgw_reset(): close the transport and connect again, blocking, with the
 * settings of the first pgwi_connect_hosts() (its host list, socket options,
 * timeout and TLS choice). */
pgw_status pgwi_connect_again(pgw_conn *c);
pgw_status pgwi_connect_hosts(pgw_conn *c, pgwi_io *io, const pgw_transport_target *base,
                              int timeout);

/* Non-blocking I/O on the attached transport (nonblock.c): write what the
 * socket takes (PGW_OK = all written, PGW_WANT_WRITE), read once (PGW_OK =
 * bytes or end of stream noted, PGW_WANT_READ = nothing). Errors break c. */
pgw_status pgwi_io_flush(pgw_conn *c, pgwi_io *io);
pgw_status pgwi_io_read(pgw_conn *c, pgwi_io *io);

/* Connection setup shared by pgw_connect_with and pgw_connect_start_with
 * (blocking.c): options, environment, certificate files, the io slot, and
 * the machine begun. */
pgw_status pgwi_connect_setup(pgw_conn **out, const pgw_conn_options *opt,
                              const pgw_transport *transport, bool nonblocking);

#endif
