/* pgwire — the connection pool's internals.
 *
 * The pool module owns the pool object: a fixed array of max_size slots, a
 * mutex and one condition variable. It may include only the public headers
 * (DESIGN.md: "public API, threads"; tools/check-layering.py enforces it)
 * and it never reaches into a pgw_conn: everything it knows about a
 * connection comes from pgw_conn_get_state(), pgw_conn_tx_status() and the
 * results of the blocking calls it makes on it.
 *
 * Invariants, all under `mu`:
 *   - a slot is FREE (conn NULL), CONNECTING (a thread is opening it, conn
 *     NULL), IDLE (conn open, in the pool) or LENT (conn held by a caller,
 *     or being checked or reset by the pool in the caller's thread);
 *   - n_idle + n_lent + n_connecting == the number of non-FREE slots
 *     <= max_size;
 *   - no blocking call (connect, query, close) runs while `mu` is held: a
 *     slot leaves IDLE for LENT (or FREE, its conn taken into a local) first,
 *     then the lock is dropped.
 * The condition variable is broadcast whenever a slot becomes IDLE or FREE,
 * the two events a waiting acquire can use. */
#ifndef PGWIRE_POOL_POOL_INT_H
#define PGWIRE_POOL_POOL_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/pool.h"

typedef enum pgwi_slot_state {
    PGWI_SLOT_FREE = 0,
    PGWI_SLOT_CONNECTING = 1,
    PGWI_SLOT_IDLE = 2,
    PGWI_SLOT_LENT = 3
} pgwi_slot_state;

typedef struct pgwi_pool_slot {
    pgw_conn *conn;
    pgwi_slot_state state;
    int64_t created_ms;    /* monotonic time the connection was opened */
    int64_t idle_since_ms; /* monotonic time it last became IDLE */
} pgwi_pool_slot;

/* Why a released connection was not kept (a stats counter each). */
typedef enum pgwi_drop_reason {
    PGWI_DROP_NONE = 0,   /* kept */
    PGWI_DROP_BROKEN,     /* broken, closed or busy when released */
    PGWI_DROP_RESET,      /* the rollback, DISCARD ALL or the hook failed */
    PGWI_DROP_EXPIRED,    /* past max_lifetime_ms */
    PGWI_DROP_DISCARDED   /* pgw_pool_discard() */
} pgwi_drop_reason;

struct pgw_pool {
    pgw_pool_options opt;      /* conninfo and conn_options point into this struct */
    pgw_conn_options conn_opt; /* the template every connection is made from */
    pgw_transport transport;
    bool has_transport;
    pgw_allocator alloc;
    bool has_alloc;
    char *conninfo; /* owned copy, or NULL */
    size_t conninfo_size;

    pthread_mutex_t mu;
    pthread_cond_t cond; /* CLOCK_MONOTONIC, for timed waits */

    pgwi_pool_slot *slots; /* opt.max_size of them */
    size_t n_idle, n_lent, n_connecting;
    pgw_pool_stats st;     /* counters; the gauges are computed on demand */
    char last_error[1024];
    size_t last_error_len; /* of the whole message, possibly longer than kept */
};

/* pool_conn.c: the blocking work on one connection, called without `mu`. */

/* Milliseconds on the monotonic clock. */
int64_t pgwi_pool_now_ms(void);

/* Open a connection from the template and run init_hook. On failure the
 * message is stored as the pool's last error (taking `mu` briefly). */
pgw_status pgwi_pool_open(pgw_pool *pool, pgw_conn **out);

/* Decide whether a released connection can be reused, rolling back and
 * resetting it as the options say. */
pgwi_drop_reason pgwi_pool_reset(pgw_pool *pool, pgw_conn *conn, bool *rolled_back);

/* The acquire-time check: true when the connection answered "SELECT 1". */
bool pgwi_pool_check(pgw_conn *conn);

/* Send Terminate when possible and free. */
void pgwi_pool_close(pgw_conn *conn);

#endif
