/* pgwire — the blocking API (implemented in src/io).
 *
 * These functions loop over the engine: step → poll → read/write, with
 * timeouts, until the operation is done. They are what most programs call.
 * Event loops use the engine (pgwire/conn.h, pgwire/cursor.h) with
 * pgw_conn_fd() instead. */
#ifndef PGWIRE_PGWIRE_CLIENT_H
#define PGWIRE_PGWIRE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/conn.h"
#include "pgwire/cursor.h"
#include "pgwire/export.h"
#include "pgwire/status.h"
#include "pgwire/stmt.h"

/** Where and how the transport should connect: the resolved connection
 * options, already validated. */
typedef struct pgw_transport_target {
    const char *host;        /**< name, IP literal, or a Unix-socket directory ("/...");
                                  NULL or "" = the default socket directory */
    const char *hostaddr;    /**< numeric address to use instead of resolving host, or NULL */
    const char *port;        /**< decimal port, never NULL */
    int connect_timeout_ms;  /**< per address; -1 = no limit */
    int keepalives;          /**< 0 = off, 1 = on (libpq's default) */
    int keepalives_idle;     /**< seconds; 0 = the system's default */
    int keepalives_interval; /**< seconds; 0 = the system's default */
    int keepalives_count;    /**< probes; 0 = the system's default */
    int tcp_user_timeout_ms; /**< 0 = the system's default */
} pgw_transport_target;

/** A replaceable transport: how bytes reach the server. The default one
 * speaks TCP (every address getaddrinfo returns, IPv4 and IPv6, each given
 * the connect timeout) and Unix sockets (a host starting with '/'). A user
 * transport may tunnel, record or inject faults. Every function must honour
 * the time limits it is given (-1 = no limit). */
typedef struct pgw_transport {
    /** Open a connection. On failure write a message to errbuf (libpq
     * style: `connection to server at "h" (addr), port p failed: Connection
     * refused`) and return PGW_E_IO, PGW_E_RESOLVE, PGW_E_TIMEOUT,
     * PGW_E_INVALID or PGW_E_NOMEM. *sys_errno receives the errno, if any. */
    pgw_status (*open)(void *ud, const pgw_transport_target *target, void **handle,
                       char *errbuf, size_t errlen, int *sys_errno);
    /** Read up to n bytes: PGW_OK with *got > 0; PGW_WANT_READ when nothing
     * is available now; PGW_E_CLOSED at end of stream or on a reset;
     * PGW_E_IO. */
    pgw_status (*read)(void *handle, void *buf, size_t n, size_t *got, int *sys_errno);
    /** Write up to n bytes: PGW_OK with *put > 0; PGW_WANT_WRITE; PGW_E_CLOSED
     * (the peer is gone); PGW_E_IO. */
    pgw_status (*write)(void *handle, const void *buf, size_t n, size_t *put, int *sys_errno);
    /** Wait until readable (want_read) and/or writable (want_write):
     * PGW_OK; PGW_E_TIMEOUT; PGW_E_IO. */
    pgw_status (*wait)(void *handle, bool want_read, bool want_write, int timeout_ms,
                       int *sys_errno);
    /** The descriptor for event loops, or -1. */
    int (*fd)(void *handle);
    /** Close and free the handle. */
    void (*close)(void *handle);
    /** Optional: the prefix for startup errors on this handle, e.g.
     * `connection to server at "h" (addr), port p failed: `. NULL = a
     * generic one. */
    const char *(*describe)(void *handle);
    void *ud;
} pgw_transport;

PGW_BEGIN_DECLS

/** The default TCP/Unix-socket transport. Ownership: static. */
PGW_API const pgw_transport *pgw_transport_default(void);

/** Connect and authenticate: resolve options (conninfo, then PG*
 * environment variables unless opt->use_environment is false, then
 * defaults), open the transport, run startup to ReadyForQuery.
 * connect_timeout applies to each address in turn and covers that
 * address's connect and authentication, as in libpq.
 * @param out  receives the connection. On failure other than PGW_E_NOMEM,
 *             *out is a broken connection that holds the error — read
 *             pgw_conn_errmsg(*out), then pgw_conn_free(*out). This departs
 *             from pgwire's usual "NULL on failure" so that libpq-style
 *             connection errors are never lost. On PGW_E_NOMEM *out is NULL.
 * @param opt  NULL for defaults
 * @return PGW_OK; PGW_E_INVALID (bad conninfo); PGW_E_RESOLVE; PGW_E_IO
 *         (connection refused, ...); PGW_E_TIMEOUT; PGW_E_AUTH (wrong
 *         password: SQLSTATE 28P01; pg_hba rejection: 28000; or a client
 *         refusal); PGW_E_SERVER (e.g. 3D000 unknown database);
 *         PGW_E_PROTOCOL; PGW_E_CLOSED; PGW_E_UNSUPPORTED; PGW_E_NOMEM.
 * Ownership: caller owns *out; release with pgw_conn_free(). */
PGW_API pgw_status pgw_connect(pgw_conn **out, const pgw_conn_options *opt);

/** pgw_connect() with only a conninfo string (environment used). */
PGW_API pgw_status pgw_connect_str(pgw_conn **out, const char *conninfo);

/** pgw_connect() over a caller-supplied transport (copied). */
PGW_API pgw_status pgw_connect_with(pgw_conn **out, const pgw_conn_options *opt,
                                    const pgw_transport *transport);

/** The socket of a connection made by pgw_connect(), -1 otherwise. */
PGW_API int pgw_conn_fd(const pgw_conn *c);

/** Set the limit on any single wait of the blocking API (ms; 0 = none). */
PGW_API void pgw_conn_set_timeout(pgw_conn *c, int timeout_ms);

/** Write pending output and read until the engine has what it needs.
 * The building block of the functions below, usable with the engine API.
 * Reading ends the current row of any cursor (its views may move).
 * When the server has gone away the engine is told (end of input) and
 * PGW_OK is returned: the next engine call reports PGW_E_CLOSED with
 * whatever the server said last (e.g. a FATAL error).
 * @param want  the status the engine answered (PGW_WANT_READ/PGW_WANT_WRITE)
 * @return PGW_OK; PGW_E_TIMEOUT; PGW_E_IO; PGW_E_STATE (no transport);
 *         the connection's sticky status when it is broken. */
PGW_API pgw_status pgw_conn_pump(pgw_conn *c, pgw_status want);

/** Run a query and position the cursor on its first result.
 * @return PGW_OK; PGW_E_SERVER (first statement failed: the cursor is
 *         still returned so later results can be read — free it); the
 *         errors of pgw_query_send and pgw_conn_pump.
 * Ownership: caller owns *out (also after PGW_E_SERVER); release with
 * pgw_cursor_free(). *out is NULL for other failures. */
PGW_API pgw_status pgw_query(pgw_conn *c, const char *sql, pgw_cursor **out);

/** Blocking pgw_cursor_recv(): PGW_OK (row), PGW_END, or an error. */
PGW_API pgw_status pgw_cursor_next(pgw_cursor *cur);

/** Blocking pgw_cursor_recv_result(): PGW_OK, PGW_END, or an error. */
PGW_API pgw_status pgw_cursor_next_result(pgw_cursor *cur);

/** Blocking pgw_cursor_collect(). */
PGW_API pgw_status pgw_cursor_fetch_all(pgw_cursor *cur, pgw_result **out);

/** Read and discard everything up to ReadyForQuery, then free the cursor,
 * leaving the connection idle. Returns the first error seen (PGW_OK if
 * none). NULL-safe. */
PGW_API pgw_status pgw_cursor_close(pgw_cursor *cur);

/** Run sql (one or more statements) and wait for completion, discarding
 * rows. *rows (may be NULL) receives the row count of the last statement's
 * tag (0 when it has none).
 * @return PGW_OK; PGW_E_SERVER (the connection stays usable); other errors
 *         of pgw_query. */
PGW_API pgw_status pgw_exec(pgw_conn *c, const char *sql, uint64_t *rows);

/** Run sql and materialise the last statement's result (what libpq users know from its exec call).
 * @return PGW_OK with *out set; PGW_E_SERVER (*out NULL); other errors.
 * Ownership: caller owns *out; release with pgw_result_free(). */
PGW_API pgw_status pgw_query_result(pgw_conn *c, const char *sql, pgw_result **out);

/* ---- the extended query protocol (see pgwire/stmt.h) ------------------ */

/** Run a parameterised query (pgw_query_params_send() with the default
 * result formats) and position the cursor on its result.
 * @return as pgw_query(); PGW_E_SERVER: the cursor is returned, and
 *         pgw_cursor_failed_step() tells whether Parse, Bind or Execute
 *         failed. Ownership: caller owns *out (also after PGW_E_SERVER). */
PGW_API pgw_status pgw_query_params(pgw_conn *c, const char *sql, const pgw_param *params,
                                    size_t nparams, pgw_cursor **out);

/** Run a parameterised statement to completion, discarding rows; *rows (may
 * be NULL) receives its row count. @return as pgw_exec(). */
PGW_API pgw_status pgw_exec_params(pgw_conn *c, const char *sql, const pgw_param *params,
                                   size_t nparams, uint64_t *rows);

/** Run a parameterised query and materialise its result.
 * @return as pgw_query_result(). Ownership: caller owns *out. */
PGW_API pgw_status pgw_query_params_result(pgw_conn *c, const char *sql,
                                           const pgw_param *params, size_t nparams,
                                           pgw_result **out);

/** Prepare a named statement and wait until it is described.
 * @return PGW_OK with *out ready; PGW_E_SERVER (*out NULL; the error's
 *         fields in pgw_conn_error(); the connection is idle); the errors
 *         of pgw_prepare_send() and pgw_conn_pump().
 * Ownership: caller owns *out; release with pgw_stmt_free(). */
PGW_API pgw_status pgw_prepare(pgw_conn *c, const char *name, const char *sql,
                               const uint32_t *param_types, size_t n_types, pgw_stmt **out);

/** Execute a prepared statement and position the cursor on its result.
 * @return as pgw_query_params(). Ownership: caller owns *out. */
PGW_API pgw_status pgw_stmt_execute(pgw_stmt *st, const pgw_param *params, size_t nparams,
                                    pgw_cursor **out);

/** Execute a prepared statement to completion, discarding rows.
 * @return as pgw_exec_params(). */
PGW_API pgw_status pgw_stmt_exec(pgw_stmt *st, const pgw_param *params, size_t nparams,
                                 uint64_t *rows);

/** Close (DEALLOCATE) the statement on the server and wait. The handle
 * stays valid (not ready) until pgw_stmt_free().
 * @return PGW_OK; PGW_E_SERVER; connection-level errors. */
PGW_API pgw_status pgw_stmt_deallocate(pgw_stmt *st);

/** Load the connection's type registry for these OIDs from the catalogs
 * (pg_type, pg_range, pg_attribute), following array elements, domain
 * bases, range subtypes and composite attributes, so that values of
 * extension and user-defined types (hstore, enums, composites, domains,
 * ranges) render and decode without registering anything by hand. Built-in
 * and already known OIDs are skipped; pgw_prepare() calls it for a
 * statement's parameter and column types.
 * @return PGW_OK; errors of pgw_query_params_result(); PGW_E_NOMEM. */
PGW_API pgw_status pgw_conn_load_types(pgw_conn *c, const uint32_t *oids, size_t n);

/** Close the connection and open a new session with the same settings, as
 * libpq's reset call does: the same host list (tried again in order, with
 * target_session_attrs and load_balance_hosts), the same TLS, certificate,
 * channel-binding and authentication requirements, the same timeouts and
 * keepalives, the same handlers (notice, trace, notifications). Use it on a
 * connection that broke (PGW_CONN_BROKEN, e.g. the backend was terminated)
 * or to drop a session's state. The new session starts fresh: session
 * settings (SET), temporary tables, LISTENs, prepared statements (a
 * pgw_stmt of the old session must be prepared again) and the statement
 * cache are gone; notifications already queued stay queued. Blocking, for
 * connections made by pgw_connect() or pgw_connect_start().
 * @return PGW_OK (idle, a new backend pid); PGW_E_STATE (a cursor or a
 *         pipeline is open: free or end it first; or not made by
 *         pgw_connect); otherwise the connection failure, as from
 *         pgw_connect() — the connection is then broken and pgw_reset() may
 *         be called again. */
PGW_API pgw_status pgw_reset(pgw_conn *c);

/** Send Terminate (best effort) and free the connection. NULL-safe.
 * Same as pgw_conn_free() for connections made by pgw_connect(). */
PGW_API void pgw_close(pgw_conn *c);

PGW_END_DECLS

#endif
