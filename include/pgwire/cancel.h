/* pgwire — cancelling a running query, and query timeouts (src/io).
 *
 * PostgreSQL cancels a query when a *separate* connection to the server
 * sends a CancelRequest carrying the backend's process ID and the secret
 * key it sent in BackendKeyData at startup. The server answers nothing: it
 * closes that connection, and the cancelled query fails with SQLSTATE
 * 57014 (query_canceled) on the original connection, which stays usable.
 * Whether the query was still running is the server's business: a cancel
 * that arrives after the query finished has no effect.
 *
 * Two ways to send one:
 *
 *  - pgw_cancel_handle: prepared in advance (the server's address resolved,
 *    the request bytes built) and fired with pgw_cancel_handle_fire(),
 *    which is async-signal-safe: it uses only socket, connect, poll, send,
 *    recv and close, allocates nothing and writes errors into a buffer the
 *    caller provides. Fire it from a SIGINT handler or another thread. It
 *    always sends the request in plaintext (the key crosses the network
 *    unencrypted), as the traditional cancel does.
 *
 *  - pgw_cancel_conn: a cancel connection that carries every security
 *    setting of the original connection (sslmode, sslnegotiation,
 *    certificates and keys, sslrootcert, CRLs, the caller's SSL_CTX, TLS
 *    versions, SNI, keepalives, connect_timeout) and reaches the exact
 *    server and address the original connection uses. When the original
 *    connection runs over TLS, the CancelRequest travels inside TLS too
 *    (SSLRequest first, or direct TLS with sslnegotiation=direct); if
 *    that attempt fails before the request is delivered and sslmode
 *    allows plaintext (allow or prefer), a plaintext attempt follows, as
 *    libpq does. Blocking (pgw_cancel()) or non-blocking
 *    (pgw_cancel_start() / pgw_cancel_poll() with pgw_cancel_fd()).
 *    Not async-signal-safe (it allocates and may run OpenSSL).
 *
 * Both are independent of the pgw_conn once created: use them from any
 * thread while the connection's own thread is blocked in a query. A
 * connection over a Unix-domain socket cancels over the same socket path.
 *
 * A server (or a proxy such as some poolers) that sent no BackendKeyData
 * cannot be cancelled: creating either object then fails with
 * PGW_E_UNSUPPORTED and pgw_conn_errmsg() says "cannot cancel: the server
 * sent no cancel key".
 *
 * See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS */
#ifndef PGWIRE_PGWIRE_CANCEL_H
#define PGWIRE_PGWIRE_CANCEL_H

#include <stdbool.h>
#include <stddef.h>

#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** Default grace period of the query timeout (ms): how long to wait for
 * the server's answer after the cancel was sent. */
#define PGW_CANCEL_DEFAULT_GRACE_MS 5000

/** A cancel prepared in advance, safe to fire from a signal handler. */
typedef struct pgw_cancel_handle pgw_cancel_handle;

/** A cancel connection with the original connection's security settings. */
typedef struct pgw_cancel_conn pgw_cancel_conn;

PGW_BEGIN_DECLS

/* ---- the async-signal-safe handle -------------------------------------- */

/** Prepare a cancel for c's session: copy the server's socket address
 * (the peer of pgw_conn_fd(c)), the keepalive settings, connect_timeout,
 * and build the CancelRequest (keys of 4 to 256 bytes).
 * Only on a connection made by the blocking API (pgw_connect()), after
 * startup. Call it from the connection's thread; the handle is then
 * independent of c and stays valid after pgw_conn_free(c).
 * @return PGW_OK; PGW_E_UNSUPPORTED (the server sent no BackendKeyData,
 *         or the transport has no socket; the reason in pgw_conn_errmsg(c),
 *         the connection is not affected); PGW_E_STATE (not connected);
 *         PGW_E_IO (the socket's peer address could not be read);
 *         PGW_E_INVALID (NULL argument); PGW_E_NOMEM.
 * Ownership: caller owns *out; release with pgw_cancel_handle_free(). */
PGW_API pgw_status pgw_cancel_handle_new(pgw_conn *c, pgw_cancel_handle **out);

/** Send the CancelRequest and wait for the server to close the connection
 * (so a query sent after this returns cannot be the one cancelled).
 * Async-signal-safe; errno is preserved. Waits at most connect_timeout
 * (as set on the original connection) for each step, else without limit.
 * @param errbuf  receives a NUL-terminated message on failure (may be NULL)
 * @param errlen  its size (256 is plenty)
 * @return PGW_OK (the request was delivered; whether it cancels anything
 *         is the server's business); PGW_E_IO (socket, connect, send or
 *         recv failed: errbuf says which, with the errno);
 *         PGW_E_TIMEOUT; PGW_E_INVALID (NULL handle). */
PGW_API pgw_status pgw_cancel_handle_fire(const pgw_cancel_handle *h, char *errbuf,
                                          size_t errlen);

/** Free a handle (wiping the key). NULL-safe. Not async-signal-safe. */
PGW_API void pgw_cancel_handle_free(pgw_cancel_handle *h);

/* ---- the cancel connection --------------------------------------------- */

/** Prepare a cancel connection for c's session (nothing is sent yet).
 * Call it from the connection's thread; the object is then independent of
 * c. Only on a connection made by the blocking API, after startup.
 * @return PGW_OK; PGW_E_UNSUPPORTED (no BackendKeyData: see above, or the
 *         transport has no socket); PGW_E_STATE (not connected);
 *         PGW_E_IO (peer address unreadable); PGW_E_INVALID; PGW_E_NOMEM.
 *         On failure *out is NULL and the reason is in pgw_conn_errmsg(c).
 * Ownership: caller owns *out; release with pgw_cancel_conn_free(). */
PGW_API pgw_status pgw_cancel_conn_new(pgw_conn *c, pgw_cancel_conn **out);

/** Send the cancel and wait until the server has processed it (closed the
 * connection). The whole call (both attempts, when a plaintext one follows
 * a failed TLS one) is bounded by the original connection's
 * connect_timeout, if it had one; otherwise it waits as long as it takes.
 * @return PGW_OK; PGW_E_IO; PGW_E_TIMEOUT; PGW_E_TLS (the TLS handshake or
 *         verification failed and sslmode does not allow plaintext);
 *         PGW_E_CLOSED (the server closed the connection before the
 *         request was delivered); PGW_E_PROTOCOL (the server answered
 *         something); PGW_E_STATE (already started: pgw_cancel_reset()
 *         first); PGW_E_NOMEM. The message: pgw_cancel_errmsg(). */
PGW_API pgw_status pgw_cancel(pgw_cancel_conn *cc);

/** Non-blocking: open the socket (a non-blocking connect) and queue the
 * first bytes. Then poll pgw_cancel_fd() for what the status asks and
 * call pgw_cancel_poll() when it is ready.
 * @return PGW_WANT_WRITE / PGW_WANT_READ (poll the fd, then call
 *         pgw_cancel_poll()); PGW_OK (done already); the failures of
 *         pgw_cancel(). */
PGW_API pgw_status pgw_cancel_start(pgw_cancel_conn *cc);

/** Non-blocking: do what can be done without waiting.
 * @return PGW_OK (the cancel was delivered and the server closed the
 *         connection); PGW_WANT_READ / PGW_WANT_WRITE (poll pgw_cancel_fd()
 *         again: its descriptor may change when a plaintext attempt follows
 *         a refused TLS one); the failures of pgw_cancel(). */
PGW_API pgw_status pgw_cancel_poll(pgw_cancel_conn *cc);

/** The socket of the attempt in progress, or -1. */
PGW_API int pgw_cancel_fd(const pgw_cancel_conn *cc);

/** The last failure's message ("" when none). Ownership: borrowed, valid
 * until the next call on cc. */
PGW_API const char *pgw_cancel_errmsg(const pgw_cancel_conn *cc);

/** Close the socket and forget the attempt, so the object can send
 * another cancel. */
PGW_API void pgw_cancel_reset(pgw_cancel_conn *cc);

/** Close and free. NULL-safe. */
PGW_API void pgw_cancel_conn_free(pgw_cancel_conn *cc);

/* ---- query timeout (blocking API) ---------------------------------------- */

/** A limit on how long the blocking API waits for the server while a
 * query runs before it cancels the query for you. When one wait for the
 * server's reply (no byte arriving) exceeds timeout_ms, a cancel is sent
 * over a cancel connection (pgw_cancel_conn, with the connection's
 * security settings) and reading goes on: the query then fails with
 * PGW_E_SERVER, SQLSTATE 57014, and the connection stays usable. If the
 * server does not answer within the grace period
 * (pgw_conn_set_cancel_grace()) after the cancel, or the cancel cannot be
 * sent, the connection is broken with PGW_E_TIMEOUT.
 * Distinct from pgw_conn_set_timeout() (io_timeout_ms), a per-wait limit
 * that breaks the connection at once; when both are set, the smaller wins.
 * Only on connections made by the blocking API; 0 (the default) = off. */
PGW_API void pgw_conn_set_query_timeout(pgw_conn *c, int timeout_ms);

/** The grace period after the query timeout's cancel (ms; 0 = the default,
 * PGW_CANCEL_DEFAULT_GRACE_MS). It also bounds sending the cancel. */
PGW_API void pgw_conn_set_cancel_grace(pgw_conn *c, int grace_ms);

PGW_END_DECLS

#endif
