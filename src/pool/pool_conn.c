/* The blocking work the pool does on one connection: open, check, reset,
 * close. Always called without the pool's lock, in the thread of the
 * caller that acquired or released the connection. */
#include "pool/pool_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t pgwi_pool_now_ms(void)
{
    struct timespec ts;
    /* CLOCK_MONOTONIC: lifetimes and waits must not jump with the wall
     * clock. It cannot fail with a valid clock id and pointer. */
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

static void set_last_error(pgw_pool *pool, const char *msg)
{
    pthread_mutex_lock(&pool->mu);
    int n = snprintf(pool->last_error, sizeof pool->last_error, "%s", msg ? msg : "");
    pool->last_error_len = n > 0 ? (size_t)n : 0;
    pthread_mutex_unlock(&pool->mu);
}

pgw_status pgwi_pool_open(pgw_pool *pool, pgw_conn **out)
{
    pgw_conn *c = NULL;
    pgw_status rc = pool->has_transport
                        ? pgw_connect_with(&c, &pool->conn_opt, &pool->transport)
                        : pgw_connect(&c, &pool->conn_opt);
    *out = NULL;
    if (rc != PGW_OK) {
        /* pgw_connect leaves a broken connection holding libpq's message
         * (or NULL when it could not allocate: errmsg says so). */
        set_last_error(pool, pgw_conn_errmsg(c));
        pgw_conn_free(c);
        return rc < 0 ? rc : PGW_E_PROTOCOL;
    }
    if (pool->opt.init_hook != NULL) {
        rc = pool->opt.init_hook(pool->opt.init_ud, c);
        if (rc != PGW_OK || pgw_conn_get_state(c) != PGW_CONN_IDLE ||
            pgw_conn_tx_status(c) != PGW_TX_IDLE) {
            char msg[sizeof pool->last_error];
            const char *detail = pgw_conn_errmsg(c);
            snprintf(msg, sizeof msg, "pool init hook failed (%s)%s%s",
                     pgw_status_name(rc), *detail ? ": " : "", detail);
            set_last_error(pool, msg);
            pgwi_pool_close(c);
            /* A hook that returned OK but left a transaction or a cursor
             * open has broken the contract: report it as a state error. */
            return rc < 0 ? rc : PGW_E_STATE;
        }
    }
    *out = c;
    return PGW_OK;
}

/* True when `c` can take a query and no transaction is open. */
static bool clean(const pgw_conn *c)
{
    return pgw_conn_get_state(c) == PGW_CONN_IDLE && pgw_conn_tx_status(c) == PGW_TX_IDLE;
}

pgwi_drop_reason pgwi_pool_reset(pgw_pool *pool, pgw_conn *conn, bool *rolled_back)
{
    *rolled_back = false;
    /* A cursor not freed or a COPY in progress (BUSY) would need the rest
     * of its result drained, which the pool cannot do without knowing what
     * the caller meant; closing is the safe answer. */
    if (pgw_conn_get_state(conn) != PGW_CONN_IDLE)
        return PGWI_DROP_BROKEN;

    pgw_tx_status tx = pgw_conn_tx_status(conn);
    if (tx == PGW_TX_IN_BLOCK || tx == PGW_TX_IN_ERROR) {
        if (pgw_exec(conn, "ROLLBACK", NULL) != PGW_OK)
            return PGWI_DROP_RESET;
        *rolled_back = true;
    }
    if (!clean(conn))
        return PGWI_DROP_RESET;

    switch (pool->opt.reset) {
    case PGW_POOL_RESET_NONE:
        break;
    case PGW_POOL_RESET_DISCARD_ALL:
        /* DISCARD ALL refuses to run inside a transaction block, which is
         * why the rollback comes first. */
        if (pgw_exec(conn, "DISCARD ALL", NULL) != PGW_OK)
            return PGWI_DROP_RESET;
        break;
    case PGW_POOL_RESET_HOOK:
        if (pool->opt.reset_hook(pool->opt.reset_ud, conn) != PGW_OK)
            return PGWI_DROP_RESET;
        break;
    }
    return clean(conn) ? PGWI_DROP_NONE : PGWI_DROP_RESET;
}

bool pgwi_pool_check(pgw_conn *conn)
{
    /* A server that restarted or a backend that was terminated left a
     * FATAL message and a closed socket behind: the query fails with
     * PGW_E_CLOSED or PGW_E_IO and the connection is no longer IDLE. */
    return pgw_exec(conn, "SELECT 1", NULL) == PGW_OK && clean(conn);
}

void pgwi_pool_close(pgw_conn *conn)
{
    pgw_close(conn);
}
