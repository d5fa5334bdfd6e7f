/* pgwire — LISTEN/NOTIFY: asynchronous notifications.
 *
 * After `LISTEN channel`, the server sends a NotificationResponse whenever
 * some session runs `NOTIFY channel, 'payload'` (or pg_notify()) and its
 * transaction commits. The message may arrive at any time: while the
 * connection is idle, or in the middle of the results of an unrelated
 * query. The engine copies each one into a bounded first-in first-out
 * queue on the connection, whenever it arrives, so none is lost between
 * two calls; the application takes them out with
 * pgw_conn_notification_next() (engine, never blocks) or
 * pgw_wait_notification() (blocking driver: reads the socket while idle
 * until one arrives or the time is up).
 *
 * The queue is bounded (by count and by bytes) so that a flood of NOTIFYs
 * cannot exhaust the client's memory; when it is full a new notification
 * is dropped and counted (pgw_conn_notifications_dropped()) — never lost
 * without a trace. A handler set with pgw_conn_set_notification_handler()
 * receives notifications as they are parsed instead of the queue.
 *
 * See https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC
 * and https://www.postgresql.org/docs/current/sql-notify.html. */
#ifndef PGWIRE_PGWIRE_NOTIFY_H
#define PGWIRE_PGWIRE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** Default cap on queued notifications (count). */
#define PGW_NOTIFY_DEFAULT_MAX_COUNT 4096
/** Default cap on the bytes held by queued notifications (channel and
 * payload text). A payload is at most 7999 bytes on a stock server. */
#define PGW_NOTIFY_DEFAULT_MAX_BYTES (4u * 1024u * 1024u)

/** One notification. The strings are NUL-terminated and in the
 * connection's client encoding (UTF-8). */
typedef struct pgw_notification {
    int32_t pid;          /**< process ID of the notifying backend (pgw_conn_backend_pid()
                               of the sender; equal to ours for a self-notify) */
    const char *channel;  /**< the channel name (as the server folded it: unquoted names
                               are lower case) */
    size_t channel_len;
    const char *payload;  /**< "" when NOTIFY gave none */
    size_t payload_len;
} pgw_notification;

/** Called for every notification as the engine parses it, when set with
 * pgw_conn_set_notification_handler(). It runs inside whatever pgwire
 * call read the message: it must not call back into the connection.
 * Ownership: n and its strings are valid only during the call. */
typedef void (*pgw_notification_fn)(void *ud, const pgw_notification *n);

PGW_BEGIN_DECLS

/** Take the oldest queued notification. While the connection is idle it
 * first processes any input already received (pgw_conn_input() or the
 * blocking driver), so an event loop can feed bytes and call this; it
 * never reads the socket itself.
 * @param out  receives the notification
 * @return PGW_OK (*out set); PGW_END (queue empty); PGW_E_INVALID (NULL
 *         argument); when the queue is empty and the connection is broken
 *         or closed, its sticky status (e.g. PGW_E_CLOSED after the
 *         backend was terminated: pgw_conn_error() holds the server's FATAL
 *         error, SQLSTATE 57P01); PGW_E_PROTOCOL for a malformed message
 *         found in the buffered input. Queued notifications are delivered
 *         even after the connection broke.
 * Ownership: the strings in *out belong to the connection and stay valid
 * until the next pgw_conn_notification_next() / pgw_wait_notification()
 * on it, or pgw_conn_free(). */
PGW_API pgw_status pgw_conn_notification_next(pgw_conn *c, pgw_notification *out);

/** Number of notifications waiting in the queue. */
PGW_API size_t pgw_conn_notifications_pending(const pgw_conn *c);

/** Number of notifications dropped because the queue was full (or memory
 * ran out while copying one) since the connection was created. */
PGW_API uint64_t pgw_conn_notifications_dropped(const pgw_conn *c);

/** Bound the queue: at most max_count notifications and max_bytes bytes of
 * channel and payload text (0 = the default for that bound). Notifications
 * already queued stay even if they exceed the new bound; later ones are
 * dropped (and counted) until there is room.
 * @return PGW_OK; PGW_E_NOMEM. */
PGW_API pgw_status pgw_conn_set_notification_limit(pgw_conn *c, size_t max_count,
                                                   size_t max_bytes);

/** Deliver notifications to fn instead of the queue (NULL = back to the
 * queue). Notifications queued before the call stay queued.
 * @return PGW_OK; PGW_E_NOMEM. */
PGW_API pgw_status pgw_conn_set_notification_handler(pgw_conn *c, pgw_notification_fn fn,
                                                     void *ud);

/** Blocking (src/io): wait until a notification is available and take
 * it. Only while the connection is idle (no query running): it reads the
 * socket, processing notices, parameter changes and notifications, until
 * one is queued or the time is up. A handler set with
 * pgw_conn_set_notification_handler() is called for each one that arrives
 * meanwhile, and the wait then ends with PGW_E_TIMEOUT unless the queue
 * holds some.
 * @param timeout_ms  -1 = wait forever; 0 = read what is available now and
 *                    return at once; > 0 = the longest wait in ms
 * @return PGW_OK (*out set); PGW_E_TIMEOUT (none arrived in time; the
 *         connection stays usable); PGW_E_STATE (a query is running, or the
 *         connection has no transport); PGW_E_CLOSED (the server closed the
 *         connection, e.g. the backend was terminated — pgw_conn_error()
 *         then holds the FATAL error it sent, SQLSTATE 57P01, if any);
 *         PGW_E_IO; PGW_E_TLS; PGW_E_PROTOCOL; PGW_E_INVALID (NULL out).
 * Ownership: as pgw_conn_notification_next(). */
PGW_API pgw_status pgw_wait_notification(pgw_conn *c, int timeout_ms, pgw_notification *out);

/* Event loops that poll pgw_conn_fd() read without waiting through
 * pgw_conn_consume_input() (pgwire/nonblock.h), which queues the
 * notifications it finds while idle. */

PGW_END_DECLS

#endif
