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
 * Blocking parts: host name resolution (getaddrinfo) blocks, as it does in
 * libpq's non-blocking connect; give hostaddr (or a Unix-socket directory)
 * to avoid it. A user-supplied pgw_transport's open() also blocks (it has
 * no non-blocking form); the default transport's does not. */
#ifndef PGWIRE_PGWIRE_NONBLOCK_H
#define PGWIRE_PGWIRE_NONBLOCK_H

#include <stdint.h>

#include "pgwire/client.h"
#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

PGW_BEGIN_DECLS

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
