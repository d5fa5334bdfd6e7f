/* pgwire — event loops: non-blocking connect, flush, read and "what now".
 *
 * The engine is sans-IO (pgwire/conn.h, pgwire/cursor.h); these functions
 * (implemented in src/io) add the socket work an event loop needs, without
 * ever waiting:
 *
 *   pgw_connect_start(&c, &opt);             // resolves options only
 *   for (;;) {                               // see examples/many_conns.c
 *       rc = pgw_connect_poll(c);            // PGW_WANT_READ/WRITE, PGW_OK, < 0
 *       if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE) break;
 *       wait for pgw_conn_fd(c) (it may change between polls) to become
 *       readable/writable, at most pgw_connect_remaining_ms(c) ms;
 *   }
 *   pgw_query_send(c, sql, &cur);            // queue a query (engine)
 *   pgw_conn_flush(c);                       // write what the socket takes
 *   ... when readable: pgw_conn_consume_input(c); then pgw_cursor_recv(cur)
 *   pgw_conn_wants(c) says which readiness to wait for next.
 *
 * The connect path is the blocking pgw_connect()'s, step by step: every
 * host of a host list, target_session_attrs, sslmode allow/prefer's second
 * attempt, TLS, SCRAM and the other authentication methods.
 *
 * Name resolution: by default a host name is resolved with getaddrinfo(3),
 * which blocks, as in libpq's non-blocking connect. Three ways out: give
 * hostaddr (or a Unix-socket directory), which needs no lookup; install a
 * resolver hook (pgw_conn_options.resolve, below) backed by your own
 * asynchronous resolver's cache; or set pgw_conn_options.resolver_thread,
 * which runs getaddrinfo on a helper thread while pgw_connect_poll()
 * returns PGW_WANT_READ on a descriptor that becomes readable when the
 * answer is in. A user-supplied pgw_transport's open() also blocks (it has
 * no non-blocking form); the default transport's does not. */
#ifndef PGWIRE_PGWIRE_NONBLOCK_H
#define PGWIRE_PGWIRE_NONBLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "pgwire/client.h"
#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

PGW_BEGIN_DECLS

/** Most addresses a resolver hook is offered room for (its `cap`). */
#define PGW_RESOLVE_MAX_ADDRS 16

/** One address a resolver hook found: a socket address of family AF_INET
 * or AF_INET6 (the port filled in) and its length. */
struct pgw_resolved_addr {
    struct sockaddr_storage addr;
    socklen_t len; /**< bytes of addr in use: sizeof(struct sockaddr_in) or _in6 */
};

/* pgw_resolve_fn (declared in pgwire/conn.h, installed as
 * pgw_conn_options.resolve with resolve_ud) resolves one host name of the
 * host list, called as fn(ud, host, port, out, cap, n, errbuf, errlen)
 * from inside pgw_connect() or pgw_connect_poll(), on the caller's thread,
 * once per attempt at that host. Never called for hostaddr entries (used
 * without any lookup) or Unix-socket directories.
 *   host, port  the host-list entry and its port (decimal), NUL-terminated.
 *   out, cap    room for cap (PGW_RESOLVE_MAX_ADDRS) addresses, filled in
 *               the order to try them; *n receives how many.
 *   errbuf      on failure, the reason (at most errlen - 1 bytes and a NUL)
 *               shown after libpq's `could not translate host name "h" to
 *               address: `; left empty, the status's text is shown.
 * The hook must answer at once (it is synchronous: no PGW_WANT_READ); an
 * asynchronous resolver fills a cache the hook reads, or use
 * resolver_thread. Return PGW_OK with 1..cap addresses of family AF_INET
 * or AF_INET6; any failure status (PGW_E_RESOLVE is the natural one), 0
 * addresses, a positive status or a malformed address fails this host's
 * attempt with PGW_E_RESOLVE and the next host is tried.
 * Ownership: host, port and out belong to pgwire and live for the call
 * only; ud is yours and must outlive the connection. */

/* The resolver thread (pgw_conn_options.resolver_thread = true, honoured
 * by pgw_connect_start(); a hook, when also set, wins): for each attempt at
 * a host name, pgw_connect_poll() starts one detached helper thread running
 * getaddrinfo(3) (it inherits the polling thread's signal mask: block
 * signals around pgw_connect_poll() to keep their handlers off it) and
 * returns PGW_WANT_READ while pgw_conn_fd() is the read end of a socket
 * pair the thread writes a byte to when done; the next poll consumes the
 * answer and starts connecting.
 * connect_timeout counts the lookup. The library starts no thread unless
 * asked. If the thread cannot be started, the lookup runs inline.
 * Ownership: the thread owns a copy of the host name and shares a small
 * reference-counted record with the connection; freeing the connection (or
 * moving to the next host) mid-lookup closes its descriptor and drops its
 * reference, and the thread frees the rest when getaddrinfo returns (it
 * cannot be interrupted). Errors keep libpq's text: `could not translate
 * host name "h" to address: <gai_strerror>`. */

/** Begin a non-blocking connection: resolve the options exactly as
 * pgw_connect() does (conninfo, environment, service file, .pgpass,
 * certificate files) and prepare the host list. No network I/O: call
 * pgw_connect_poll() next, at once (not after waiting), which opens the
 * first socket. Set a trace callback (pgwire/trace.h) in between to see the
 * connection's first message.
 * @param out  receives the connection, as for pgw_connect(): on failure
 *             other than PGW_E_NOMEM it is a broken connection holding the
 *             error (read pgw_conn_errmsg(), then pgw_conn_free()).
 * @return PGW_OK; PGW_E_INVALID (bad conninfo or option); PGW_E_UNSUPPORTED;
 *         PGW_E_IO (an unreadable certificate file); PGW_E_NOMEM (*out NULL).
 * Ownership: caller owns *out; release with pgw_conn_free(). */
PGW_API pgw_status pgw_connect_start(pgw_conn **out, const pgw_conn_options *opt);

/** pgw_connect_start() over a caller-supplied transport (copied). Its open()
 * blocks; everything after it does not. */
PGW_API pgw_status pgw_connect_start_with(pgw_conn **out, const pgw_conn_options *opt,
                                          const pgw_transport *transport);

/** Advance the connection as far as it goes without waiting.
 * Call it after pgw_connect_start(), then whenever pgw_conn_fd(c) is ready
 * as asked, and also when pgw_connect_remaining_ms(c) has run out (the
 * attempt then fails with "timeout expired" and the next address or host
 * is tried, as connect_timeout does in the blocking path).
 * @return PGW_WANT_READ / PGW_WANT_WRITE: wait for that on pgw_conn_fd(c)
 *         (re-read the descriptor: a new address or host means a new
 *         socket); PGW_OK: connected and idle (it stays PGW_OK when called
 *         again); on failure the statuses of pgw_connect() (PGW_E_IO,
 *         PGW_E_TIMEOUT, PGW_E_AUTH, PGW_E_SERVER, PGW_E_TLS, PGW_E_STATE
 *         for no server of the kind target_session_attrs asks for, ...),
 *         with the error, one line per failed attempt, in
 *         pgw_conn_errmsg(). PGW_E_STATE also for a connection not made by
 *         pgw_connect_start(). */
PGW_API pgw_status pgw_connect_poll(pgw_conn *c);

/** Milliseconds until the current connection attempt's connect_timeout
 * runs out (0 = already; call pgw_connect_poll()), or -1 when there is no
 * limit (connect_timeout unset or 0) or the connection is made: the value
 * to give poll(2) as its timeout. The clock is CLOCK_MONOTONIC. */
PGW_API int pgw_connect_remaining_ms(const pgw_conn *c);

/** The absolute deadline of the current attempt: CLOCK_MONOTONIC time in
 * milliseconds, or -1 for none. For loops that keep their own timers. */
PGW_API int64_t pgw_connect_deadline_ms(const pgw_conn *c);

/** Write as much pending output as the socket takes now (the event-loop
 * form of the write half of pgw_conn_pump()).
 * After a failed write the output is dropped and PGW_OK returned (libpq's
 * rule): the reason, usually the server's last message, comes with the
 * next read.
 * @return PGW_OK: nothing left to write; PGW_WANT_WRITE: more remains, wait
 *         until writable; PGW_E_STATE (no transport); the sticky status of a
 *         broken connection. */
PGW_API pgw_status pgw_conn_flush(pgw_conn *c);

/** Read what the socket has now into the engine, once (up to 64 KiB), like
 * libpq's consume-input call. A cursor's current row ends (its views may
 * move). When no cursor owns the stream, what arrived is processed at once:
 * results owed to freed cursors are discarded, and notifications (queued
 * for pgw_conn_notification_next() or handed to the handler) and notices
 * of an idle connection are delivered. At the end of the stream the engine
 * is told and PGW_OK returned: the next engine call reports what happened.
 * @return PGW_OK: bytes were read (with an edge-triggered loop, call again
 *         until PGW_WANT_READ); PGW_WANT_READ: nothing available; PGW_E_IO;
 *         PGW_E_STATE (no transport); the sticky status of a broken
 *         connection. */
PGW_API pgw_status pgw_conn_consume_input(pgw_conn *c);

/** What the connection waits for now.
 * @return PGW_WANT_WRITE: output is pending (flush when writable; also
 *         watch for readable); PGW_WANT_READ: a reply is awaited (a query,
 *         startup, or results owed to a freed cursor); PGW_OK: nothing
 *         pending (an idle connection; notifications may still arrive);
 *         PGW_E_CLOSED after Terminate was sent; the sticky status of a
 *         broken connection; PGW_E_STATE (no transport). */
PGW_API pgw_status pgw_conn_wants(pgw_conn *c);

PGW_END_DECLS

#endif
