/* Helpers shared by the pool's tests against the fixture server. */
#ifndef PGWIRE_TESTS_POOLTEST_H
#define PGWIRE_TESTS_POOLTEST_H

#include <stdint.h>
#include <time.h>

#include "../integration/pgtest.h"
#include "pgwire/pool.h"

static inline void pt_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

static inline int64_t pt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A pool over TCP as the trust role (or the fixture's conninfo), with
 * `extra` appended to the conninfo. The caller adjusts *o first. */
static inline pgw_pool *pt_pool(pgw_pool_options *o, const char *extra)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "TRUST", 1, extra);
    o->conninfo = ci;
    pgw_pool *p = NULL;
    assert_int_equal(pgw_pool_new(&p, o), PGW_OK);
    o->conninfo = NULL; /* copied by the pool; ci goes out of scope */
    return p;
}

static inline pgw_pool_stats pt_stats(pgw_pool *p)
{
    pgw_pool_stats st;
    assert_int_equal(pgw_pool_get_stats(p, &st, sizeof st), PGW_OK);
    return st;
}

/* One integer from a one-row query. */
static inline int64_t pt_int(pgw_conn *c, const char *sql)
{
    pgw_result *r = NULL;
    pgw_status rc = pgw_query_result(c, sql, &r);
    if (rc != PGW_OK)
        fail_msg("%s: %s (%s)", sql, pgw_status_name(rc), pgw_conn_errmsg(c));
    int64_t v = 0;
    assert_int_equal(pgw_result_int64(r, 0, 0, &v), PGW_OK);
    pgw_result_free(r);
    return v;
}

/* Wait until backend `pid` has gone from pg_stat_activity (a terminated
 * backend exits asynchronously). */
static inline void pt_wait_backend_gone(pgw_conn *admin, int32_t pid)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM pg_stat_activity WHERE pid = %d", (int)pid);
    for (int i = 0; i < 500; i++) {
        if (pt_int(admin, sql) == 0)
            return;
        pt_sleep_ms(10);
    }
    fail_msg("backend %d did not exit", (int)pid);
}

#endif
