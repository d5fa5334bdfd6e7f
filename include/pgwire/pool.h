/* pgwire — a thread-safe connection pool (implemented in src/pool).
 *
 * A pool hands out connections made with the blocking API (pgwire/client.h)
 * to any number of threads: pgw_pool_acquire() lends one, pgw_pool_release()
 * takes it back, rolls back a transaction left open, optionally resets the
 * session (DISCARD ALL or a hook of yours), and keeps it for the next
 * caller. Connections that broke, expired or fail a check are closed and
 * replaced by new ones on demand.
 *
 * Threads: every pgw_pool_* function may be called from any thread at the
 * same time, except pgw_pool_free(). A lent connection belongs to the
 * thread that acquired it until it is released (a pgw_conn is not
 * thread-safe). The pool starts no thread of its own: expiry and the
 * minimum size are looked after during acquire and release and by
 * pgw_pool_maintain(), which an application with long quiet periods calls
 * from a timer or a thread of its own choosing.
 *
 * Blocking: connecting, checking and resetting run the blocking API
 * outside the pool's lock, so one slow server round trip never blocks
 * other threads' acquires and releases. */
#ifndef PGWIRE_PGWIRE_POOL_H
#define PGWIRE_PGWIRE_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/alloc.h"
#include "pgwire/client.h"
#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

typedef struct pgw_pool pgw_pool;

/** How a released connection is reset before another caller gets it.
 * Whatever the mode, a transaction left open (pgw_conn_tx_status() says
 * PGW_TX_IN_BLOCK or PGW_TX_IN_ERROR) is rolled back first. Append-only. */
typedef enum pgw_pool_reset {
    /** Nothing more: session state (SET, temporary tables, prepared
     * statements, the statement cache) carries over to the next user. The
     * default: it costs no round trip and keeps the statement cache warm. */
    PGW_POOL_RESET_NONE = 0,
    /** Run "DISCARD ALL": every session setting, temporary table, prepared
     * statement, LISTEN and advisory lock is dropped (the engine clears its
     * statement cache too, so pgw_query_params() re-prepares). One round
     * trip per release. */
    PGW_POOL_RESET_DISCARD_ALL = 1,
    /** Call pgw_pool_options.reset_hook. */
    PGW_POOL_RESET_HOOK = 2
} pgw_pool_reset;

/** A callback on one of the pool's connections (reset_hook, init_hook).
 * Runs in the thread that released or acquired the connection, without the
 * pool's lock; it may use the connection with the blocking API but must
 * leave it idle (every cursor freed) and must not call back into the pool.
 * @return PGW_OK to keep the connection; any other status closes it. */
typedef pgw_status (*pgw_pool_conn_fn)(void *ud, pgw_conn *conn);

/** Options for pgw_pool_new(). Initialise with pgw_pool_options_init() and
 * set only what you need. Times are milliseconds. */
typedef struct pgw_pool_options {
    size_t size;                          /**< sizeof(pgw_pool_options), set by _init */
    /** libpq connection string for every connection; NULL = the template's
     * (or none). Copied. */
    const char *conninfo;
    /** Template for every connection (allocator, notice callback,
     * statement_cache_size, io_timeout_ms, ...); NULL = defaults. The
     * struct is copied; what its pointers point at is borrowed and must
     * outlive the pool. conninfo, when set above, replaces the template's. */
    const pgw_conn_options *conn_options;
    /** Transport for pgw_connect_with() (copied); NULL = the default
     * TCP/Unix-socket one. */
    const pgw_transport *transport;
    /** Memory for the pool itself (not its connections: those use the
     * template's); NULL = libc. Must outlive the pool. */
    const pgw_allocator *allocator;
    size_t min_size;        /**< connections kept open even when idle, opened by
                                 pgw_pool_maintain() (default 0) */
    size_t max_size;        /**< most connections open at once, lent or idle (default 10) */
    /** Default wait of pgw_pool_acquire() (PGW_POOL_TIMEOUT_DEFAULT) for a
     * connection to come back when max_size are lent: -1 = no limit,
     * 0 = no wait (default 30000). */
    int acquire_timeout_ms;
    /** Close a connection this long after it was opened, when it is next
     * released or found idle; 0 = never (default 3600000, one hour). */
    int64_t max_lifetime_ms;
    /** Close a connection idle this long, as long as more than min_size are
     * open; 0 = never (default 1800000, 30 minutes). */
    int64_t max_idle_ms;
    /** On acquire, check a connection idle longer than this with "SELECT 1"
     * and replace it when the check fails (a restarted server, a
     * terminated backend, a dropped network path): -1 = never, 0 = on
     * every acquire (default 1000). */
    int64_t check_idle_ms;
    pgw_pool_reset reset;          /**< default PGW_POOL_RESET_NONE */
    pgw_pool_conn_fn reset_hook;   /**< PGW_POOL_RESET_HOOK: runs after the rollback */
    void *reset_ud;
    /** Called once on every new connection before it is first lent (e.g.
     * SET search_path); NULL = none. A failure closes the connection and
     * counts as a failed connect. */
    pgw_pool_conn_fn init_hook;
    void *init_ud;
} pgw_pool_options;

/** pgw_pool_acquire(): wait as long as pgw_pool_options.acquire_timeout_ms. */
#define PGW_POOL_TIMEOUT_DEFAULT (-2)

/** Counters and the current shape of a pool (pgw_pool_get_stats()).
 * Fields are only ever appended. */
typedef struct pgw_pool_stats {
    size_t size;              /**< connections open or being opened: idle + in_use + connecting */
    size_t idle;              /**< open and waiting in the pool */
    size_t in_use;            /**< lent to callers (including those being checked or reset) */
    size_t connecting;        /**< being opened */
    size_t waiting;           /**< threads waiting in pgw_pool_acquire() now */
    uint64_t acquires;        /**< successful pgw_pool_acquire() calls */
    uint64_t waits;           /**< acquires that had to wait for a connection to come back */
    uint64_t timeouts;        /**< acquires that gave up with PGW_E_TIMEOUT */
    uint64_t created;         /**< connections opened successfully */
    uint64_t closed;          /**< connections closed by the pool, for any reason */
    uint64_t failed_connects; /**< connection attempts that failed (init_hook included) */
    uint64_t broken;          /**< released broken, closed or busy: discarded */
    uint64_t rollbacks;       /**< transactions left open and rolled back on release */
    uint64_t resets_failed;   /**< releases whose rollback or reset failed: discarded */
    uint64_t checks_failed;   /**< idle connections that failed the check on acquire */
    uint64_t expired;         /**< closed for max_lifetime_ms or max_idle_ms */
} pgw_pool_stats;

PGW_BEGIN_DECLS

/** Fill `opt` with defaults (see each field). */
PGW_API void pgw_pool_options_init(pgw_pool_options *opt);

/** Create a pool. No connection is opened yet: the first acquire opens
 * one, and pgw_pool_maintain() opens min_size ahead of time.
 * opt->size is honoured: a caller built against an older, smaller struct
 * gets defaults for the fields it does not know.
 * @param out  receives the pool; NULL on failure
 * @param opt  the options (copied)
 * @return PGW_OK;
 *         PGW_E_INVALID (opt or out NULL, opt->size too small, max_size 0,
 *         min_size > max_size, a negative time other than the documented
 *         -1, an unknown reset mode, PGW_POOL_RESET_HOOK without a hook);
 *         PGW_E_NOMEM;
 *         PGW_E_UNSUPPORTED (the system could not create a lock or a
 *         condition variable).
 * Ownership: caller owns *out; release with pgw_pool_free(). */
PGW_API pgw_status pgw_pool_new(pgw_pool **out, const pgw_pool_options *opt);

/** Close every connection and free the pool. Only when no other thread
 * uses the pool any more and every lent connection has been released:
 * connections still lent are closed too, so their holders must not touch
 * them again. NULL-safe. */
PGW_API void pgw_pool_free(pgw_pool *pool);

/** Lend a connection: an idle one (most recently used first; checked with
 * "SELECT 1" when idle longer than check_idle_ms, closed and skipped when
 * expired or when the check fails), else a new one when fewer than
 * max_size are open, else wait for a release. Waiting is not first come,
 * first served: a thread that arrives just as a connection comes back may
 * take it before one that has been waiting.
 * @param timeout_ms  how long to wait for a release: -1 = no limit, 0 = no
 *                    wait, > 0 = milliseconds, PGW_POOL_TIMEOUT_DEFAULT =
 *                    acquire_timeout_ms. Opening a connection is limited by
 *                    its own connect_timeout, not by this.
 * @param out  receives the connection, idle and outside a transaction;
 *             NULL on failure
 * @return PGW_OK;
 *         PGW_E_TIMEOUT (max_size connections stayed lent for timeout_ms);
 *         the status of a failed connection attempt (PGW_E_IO,
 *         PGW_E_RESOLVE, PGW_E_TIMEOUT, PGW_E_AUTH, PGW_E_SERVER,
 *         PGW_E_INVALID for a bad conninfo, PGW_E_TLS, PGW_E_PROTOCOL,
 *         PGW_E_CLOSED, PGW_E_UNSUPPORTED, or init_hook's failure): its
 *         message is in pgw_pool_last_error();
 *         PGW_E_INVALID (pool or out NULL, timeout_ms below -2);
 *         PGW_E_NOMEM.
 * Ownership: borrowed — the pool owns *out; use it from this thread only
 * and give it back with pgw_pool_release() (never pgw_conn_free()). */
PGW_API pgw_status pgw_pool_acquire(pgw_pool *pool, int timeout_ms, pgw_conn **out);

/** Give a lent connection back. In this thread, before it becomes
 * available: a connection that is broken or closed (pgw_conn_get_state()
 * PGW_CONN_BROKEN / PGW_CONN_CLOSED) or still busy (a cursor not freed,
 * COPY in progress) is closed; a transaction left open is rolled back;
 * the reset mode runs; a connection past max_lifetime_ms is closed. A
 * closed connection's place is filled by a new one on a later acquire.
 * @return PGW_OK: the pool has taken the connection back (kept or closed —
 *         the counters in pgw_pool_stats tell which); PGW_E_INVALID: pool
 *         or conn NULL, or conn is not lent by this pool (nothing done).
 * Ownership: takes back conn; the caller must not use it again. */
PGW_API pgw_status pgw_pool_release(pgw_pool *pool, pgw_conn *conn);

/** Give a lent connection back to be closed rather than reused (e.g. the
 * caller changed session state it cannot undo).
 * @return PGW_OK; PGW_E_INVALID as pgw_pool_release().
 * Ownership: takes back conn. */
PGW_API pgw_status pgw_pool_discard(pgw_pool *pool, pgw_conn *conn);

/** Housekeeping without a thread: close idle connections past
 * max_lifetime_ms, and past max_idle_ms while more than min_size are
 * open, then open connections until min_size are open. Runs in the calling
 * thread; acquire and release do the closing part on their own.
 * @return PGW_OK; the status of the first connection attempt that failed
 *         (message in pgw_pool_last_error()); PGW_E_INVALID (pool NULL);
 *         PGW_E_NOMEM. */
PGW_API pgw_status pgw_pool_maintain(pgw_pool *pool);

/** A snapshot of the pool's counters.
 * @param out       receives the snapshot
 * @param out_size  sizeof(pgw_pool_stats) as the caller knows it: only
 *                  that many bytes are written (ABI growth)
 * @return PGW_OK; PGW_E_INVALID (NULL argument). */
PGW_API pgw_status pgw_pool_get_stats(pgw_pool *pool, pgw_pool_stats *out, size_t out_size);

/** The message of the last failed connection attempt (libpq's text, e.g.
 * `connection to server at "127.0.0.1", port 5 failed: Connection
 * refused`), copied into buf (truncated, always NUL-terminated); "" when
 * none failed yet.
 * @return the length of the whole message (as snprintf). */
PGW_API size_t pgw_pool_last_error(pgw_pool *pool, char *buf, size_t len);

PGW_END_DECLS

#endif
