/* The connection pool against the fixture server: many threads on a small
 * pool, reset on release, acquire timeouts, lifetime and idle expiry,
 * terminated backends replaced, statistics. (The server restart is in
 * test_pool_restart.c, which runs alone.) */
#include <pthread.h>
#include <unistd.h>

#include "pooltest.h"

/* ---- many threads hammering a pool of 4 ---------------------------------- */

#define HAMMER_THREADS 16
#define HAMMER_ROUNDS 40

typedef struct hammer {
    pgw_pool *pool;
    const char *table;
    int id;
    int committed;   /* rows this thread committed */
    int left_open;   /* transactions it left open for the pool to roll back */
    int failures;    /* anything unexpected (cmocka asserts only in main) */
    char why[256];
} hammer;

static void hammer_fail(hammer *h, const char *what, pgw_status rc, pgw_conn *c)
{
    if (h->failures++ == 0)
        snprintf(h->why, sizeof h->why, "thread %d: %s: %s %s", h->id, what, pgw_status_name(rc),
                 c ? pgw_conn_errmsg(c) : "");
}

static void *hammer_main(void *arg)
{
    hammer *h = arg;
    char sql[256];
    for (int i = 0; i < HAMMER_ROUNDS; i++) {
        pgw_conn *c = NULL;
        pgw_status rc = pgw_pool_acquire(h->pool, 20000, &c);
        if (rc != PGW_OK) {
            hammer_fail(h, "acquire", rc, NULL);
            continue;
        }
        /* Whatever the previous user left, the pool hands it out clean. */
        if (pgw_conn_get_state(c) != PGW_CONN_IDLE || pgw_conn_tx_status(c) != PGW_TX_IDLE)
            hammer_fail(h, "connection not clean on acquire", PGW_E_STATE, c);
        switch (i % 4) {
        case 0: /* a plain query */
            rc = pgw_exec(c, "SELECT pg_sleep(0.001)", NULL);
            break;
        case 1: /* a committed insert */
            snprintf(sql, sizeof sql, "BEGIN; INSERT INTO %s VALUES (%d, %d); COMMIT", h->table,
                     h->id, i);
            rc = pgw_exec(c, sql, NULL);
            if (rc == PGW_OK)
                h->committed++;
            break;
        case 2: /* an insert left in an open transaction: rolled back on release */
            snprintf(sql, sizeof sql, "BEGIN; INSERT INTO %s VALUES (%d, %d)", h->table, h->id,
                     -i);
            rc = pgw_exec(c, sql, NULL);
            if (rc == PGW_OK && pgw_conn_tx_status(c) == PGW_TX_IN_BLOCK)
                h->left_open++;
            else if (rc == PGW_OK)
                rc = PGW_E_STATE;
            break;
        default: { /* a failed transaction left behind (IN_ERROR) */
            pgw_status e = pgw_exec(c, "BEGIN; SELECT 1/0", NULL);
            rc = (e == PGW_E_SERVER && pgw_conn_tx_status(c) == PGW_TX_IN_ERROR) ? PGW_OK
                                                                               : PGW_E_STATE;
            if (rc == PGW_OK)
                h->left_open++;
            break;
        }
        }
        if (rc != PGW_OK)
            hammer_fail(h, "query", rc, c);
        rc = pgw_pool_release(h->pool, c);
        if (rc != PGW_OK)
            hammer_fail(h, "release", rc, NULL);
    }
    return NULL;
}

static void test_pool_sixteen_threads_on_four_connections_reset_and_counted(void **state)
{
    pgw_conn *admin = pgt_connect();
    char table[64], sql[256];
    snprintf(table, sizeof table, "pgw_pool_hammer_%d", (int)getpid());
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS %s; CREATE TABLE %s (t int, i int)", table,
             table);
    assert_int_equal(pgw_exec(admin, sql, NULL), PGW_OK);

    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 4;
    pgw_pool *p = pt_pool(&o, NULL);

    hammer h[HAMMER_THREADS];
    pthread_t th[HAMMER_THREADS];
    for (int i = 0; i < HAMMER_THREADS; i++) {
        h[i] = (hammer){.pool = p, .table = table, .id = i};
        assert_int_equal(pthread_create(&th[i], NULL, hammer_main, &h[i]), 0);
    }
    int committed = 0, left_open = 0;
    for (int i = 0; i < HAMMER_THREADS; i++) {
        pthread_join(th[i], NULL);
        if (h[i].failures)
            fail_msg("%d failure(s), first: %s", h[i].failures, h[i].why);
        committed += h[i].committed;
        left_open += h[i].left_open;
    }
    assert_int_equal(left_open, HAMMER_THREADS * HAMMER_ROUNDS / 2);

    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.acquires, HAMMER_THREADS * HAMMER_ROUNDS);
    assert_true(st.size <= 4);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.idle, st.size);
    assert_int_equal(st.created, 4); /* never more than max_size, none replaced */
    assert_int_equal(st.closed, 0);
    assert_int_equal(st.rollbacks, (uint64_t)left_open);
    assert_true(st.waits > 0); /* 16 threads, 4 connections */
    assert_int_equal(st.timeouts, 0);
    assert_int_equal(st.failed_connects, 0);
    assert_int_equal(st.waiting, 0);

    /* Only committed rows exist: every transaction left open was rolled
     * back, none leaked into a later user's commit. */
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    assert_int_equal(pt_int(admin, sql), committed);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE i < 0", table);
    assert_int_equal(pt_int(admin, sql), 0);
    snprintf(sql, sizeof sql, "DROP TABLE %s", table);
    assert_int_equal(pgw_exec(admin, sql, NULL), PGW_OK);
    pgw_pool_free(p);
    pgw_close(admin);
}

/* ---- acquire timeouts ----------------------------------------------------- */

typedef struct late_release {
    pgw_pool *pool;
    pgw_conn *conn;
    long after_ms;
} late_release;

static void *release_later(void *arg)
{
    late_release *l = arg;
    pt_sleep_ms(l->after_ms);
    pgw_pool_release(l->pool, l->conn);
    return NULL;
}

static void test_pool_exhausted_acquire_times_out_and_counts(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 2;
    o.acquire_timeout_ms = 150;
    pgw_pool *p = pt_pool(&o, NULL);
    pgw_conn *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(pgw_pool_acquire(p, PGW_POOL_TIMEOUT_DEFAULT, &a), PGW_OK);
    assert_int_equal(pgw_pool_acquire(p, PGW_POOL_TIMEOUT_DEFAULT, &b), PGW_OK);
    assert_ptr_not_equal(a, b);

    int64_t t0 = pt_now_ms();
    assert_int_equal(pgw_pool_acquire(p, 100, &c), PGW_E_TIMEOUT);
    int64_t waited = pt_now_ms() - t0;
    assert_null(c);
    assert_true(waited >= 95 && waited < 2000);
    /* The pool's default (150 ms). */
    t0 = pt_now_ms();
    assert_int_equal(pgw_pool_acquire(p, PGW_POOL_TIMEOUT_DEFAULT, &c), PGW_E_TIMEOUT);
    assert_true(pt_now_ms() - t0 >= 145);
    /* 0 = do not wait at all. */
    assert_int_equal(pgw_pool_acquire(p, 0, &c), PGW_E_TIMEOUT);

    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.timeouts, 3);
    assert_int_equal(st.waits, 2); /* the no-wait call did not wait */
    assert_int_equal(st.in_use, 2);
    assert_int_equal(st.size, 2);

    /* A release while another thread waits hands that thread the
     * connection. */
    late_release l = {p, a, 100};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, release_later, &l), 0);
    assert_int_equal(pgw_pool_acquire(p, 10000, &c), PGW_OK);
    pthread_join(th, NULL);
    assert_ptr_equal(c, a);
    st = pt_stats(p);
    assert_int_equal(st.waits, 3);
    assert_int_equal(st.timeouts, 3);
    assert_int_equal(st.acquires, 3);

    /* Not ours: refused, nothing changes. */
    pgw_conn *stranger = pgt_connect();
    assert_int_equal(pgw_pool_release(p, stranger), PGW_E_INVALID);
    pgw_close(stranger);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    assert_int_equal(pgw_pool_release(p, c), PGW_E_INVALID); /* already back */
    assert_int_equal(pgw_pool_release(p, b), PGW_OK);
    st = pt_stats(p);
    assert_int_equal(st.idle, 2);
    assert_int_equal(st.in_use, 0);
    pgw_pool_free(p);
}

/* ---- expiry --------------------------------------------------------------- */

static void test_pool_max_lifetime_replaces_connection(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 2;
    o.max_lifetime_ms = 1000; /* long enough for a slow sanitizer build */
    pgw_pool *p = pt_pool(&o, NULL);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    int32_t pid1 = pgw_conn_backend_pid(c);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    /* Still young: the same connection comes back. */
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(pgw_conn_backend_pid(c), pid1);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);

    /* Expired while idle: closed on the next acquire, a new one opened. */
    pt_sleep_ms(1100);
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    int32_t pid2 = pgw_conn_backend_pid(c);
    assert_int_not_equal(pid2, pid1);
    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.expired, 1);
    assert_int_equal(st.created, 2);
    assert_int_equal(st.closed, 1);

    /* Expired while lent: closed when released. */
    pt_sleep_ms(1100);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    st = pt_stats(p);
    assert_int_equal(st.expired, 2);
    assert_int_equal(st.closed, 2);
    assert_int_equal(st.size, 0);
    pgw_pool_free(p);
}

static void test_pool_max_idle_closes_down_to_min_size(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 4;
    o.min_size = 1;
    o.max_idle_ms = 1000;
    pgw_pool *p = pt_pool(&o, NULL);

    /* pgw_pool_maintain() opens min_size ahead of time. */
    assert_int_equal(pgw_pool_maintain(p), PGW_OK);
    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.size, 1);
    assert_int_equal(st.idle, 1);

    pgw_conn *c[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pgw_pool_acquire(p, 1000, &c[i]), PGW_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pgw_pool_release(p, c[i]), PGW_OK);
    st = pt_stats(p);
    assert_int_equal(st.idle, 3);

    pt_sleep_ms(1100);
    assert_int_equal(pgw_pool_maintain(p), PGW_OK);
    st = pt_stats(p);
    assert_int_equal(st.size, 1); /* min_size stays */
    assert_int_equal(st.idle, 1);
    assert_int_equal(st.expired, 2);
    assert_int_equal(st.closed, 2);
    assert_int_equal(st.created, 3);
    pgw_pool_free(p);
}

/* ---- broken connections --------------------------------------------------- */

static void terminate(int32_t pid)
{
    char ci[1024], sql[128];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, NULL);
    pgw_conn *admin = NULL;
    assert_int_equal(pgw_connect_str(&admin, ci), PGW_OK);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)::int", (int)pid);
    assert_int_equal(pt_int(admin, sql), 1);
    pt_wait_backend_gone(admin, pid);
    pgw_close(admin);
}

static void test_pool_terminated_backend_fails_check_and_is_replaced(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 2;
    o.check_idle_ms = 0; /* check on every acquire */
    pgw_pool *p = pt_pool(&o, NULL);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    int32_t pid = pgw_conn_backend_pid(c);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);

    terminate(pid);

    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_not_equal(pgw_conn_backend_pid(c), pid);
    assert_int_equal(pt_int(c, "SELECT 42"), 42);
    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.checks_failed, 1);
    assert_int_equal(st.closed, 1);
    assert_int_equal(st.created, 2);
    assert_int_equal(st.size, 1);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    pgw_pool_free(p);
}

static void test_pool_broken_connection_released_is_discarded(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 1;
    o.check_idle_ms = -1; /* no check: the caller meets the dead connection */
    pgw_pool *p = pt_pool(&o, NULL);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    int32_t pid = pgw_conn_backend_pid(c);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);

    terminate(pid);

    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(pgw_conn_backend_pid(c), pid); /* not checked: the same one */
    pgw_status rc = pgw_exec(c, "SELECT 1", NULL);
    assert_true(rc == PGW_E_CLOSED || rc == PGW_E_IO || rc == PGW_E_SERVER);
    pgw_conn_state cs = pgw_conn_get_state(c);
    assert_true(cs == PGW_CONN_BROKEN || cs == PGW_CONN_CLOSED);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.broken, 1);
    assert_int_equal(st.size, 0);

    /* Its place is filled by a new connection. */
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_not_equal(pgw_conn_backend_pid(c), pid);
    assert_int_equal(pt_int(c, "SELECT 7"), 7);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    st = pt_stats(p);
    assert_int_equal(st.created, 2);
    assert_int_equal(st.closed, 1);
    pgw_pool_free(p);
}

/* ---- reset modes ---------------------------------------------------------- */

static void test_pool_discard_all_resets_session_and_statement_cache(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 1;
    o.reset = PGW_POOL_RESET_DISCARD_ALL;
    pgw_pool *p = pt_pool(&o, NULL);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(pgw_exec(c, "SET application_name = 'pgw_pool_dirty'", NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE pgw_pool_tmp (x int)", NULL), PGW_OK);
    pgw_param one = {0, PGW_FORMAT_TEXT, "5", 1};
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_params_result(c, "SELECT $1::int + 1", &one, 1, &r), PGW_OK);
    pgw_result_free(r);
    pgw_stmt_cache_stats cs;
    pgw_conn_stmt_cache_stats(c, &cs);
    assert_int_equal(cs.size, 1);
    int32_t pid = pgw_conn_backend_pid(c);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);

    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(pgw_conn_backend_pid(c), pid); /* same session ... */
    assert_int_equal(pt_int(c, "SELECT count(*) FROM pg_settings WHERE name = "
                               "'application_name' AND setting = 'pgw_pool_dirty'"),
                     0); /* ... reset */
    assert_int_equal(pt_int(c, "SELECT count(*) FROM pg_class WHERE relname = 'pgw_pool_tmp' "
                               "AND relpersistence = 't' AND pg_table_is_visible(oid)"),
                     0);
    assert_int_equal(pt_int(c, "SELECT count(*) FROM pg_prepared_statements"), 0);
    /* The engine saw DISCARD ALL and forgot its statements: the cached
     * query is prepared again and works. */
    pgw_conn_stmt_cache_stats(c, &cs);
    assert_int_equal(cs.size, 0);
    assert_int_equal(pgw_query_params_result(c, "SELECT $1::int + 1", &one, 1, &r), PGW_OK);
    int32_t v = 0;
    assert_int_equal(pgw_result_int32(r, 0, 0, &v), PGW_OK);
    assert_int_equal(v, 6);
    pgw_result_free(r);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    pgw_pool_free(p);
}

static void test_pool_reset_none_keeps_session_state(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 1;
    pgw_pool *p = pt_pool(&o, NULL);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(pgw_exec(c, "SET application_name = 'pgw_pool_kept'", NULL), PGW_OK);
    /* A SET LOCAL inside the transaction left open is rolled back. */
    assert_int_equal(pgw_exec(c, "BEGIN; SET LOCAL statement_timeout = '1234s'", NULL), PGW_OK);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(pt_int(c, "SELECT count(*) FROM pg_settings WHERE name = "
                               "'application_name' AND setting = 'pgw_pool_kept'"),
                     1);
    assert_int_equal(pt_int(c, "SELECT count(*) FROM pg_settings WHERE name = "
                               "'statement_timeout' AND setting = '1234000'"),
                     0);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    assert_int_equal(pt_stats(p).rollbacks, 1);
    pgw_pool_free(p);
}

typedef struct hook_state {
    int resets, inits;
    bool fail_next_reset;
} hook_state;

static pgw_status reset_hook(void *ud, pgw_conn *c)
{
    hook_state *h = ud;
    h->resets++;
    if (h->fail_next_reset) {
        h->fail_next_reset = false;
        return PGW_E_STATE;
    }
    return pgw_exec(c, "RESET ALL", NULL);
}

static pgw_status init_hook(void *ud, pgw_conn *c)
{
    hook_state *h = ud;
    h->inits++;
    return pgw_exec(c, "SET application_name = 'pgw_pool_init'", NULL);
}

static void test_pool_hooks_run_and_failed_reset_closes(void **state)
{
    hook_state h = {0, 0, false};
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 1;
    o.reset = PGW_POOL_RESET_HOOK;
    o.reset_hook = reset_hook;
    o.reset_ud = &h;
    o.init_hook = init_hook;
    o.init_ud = &h;
    pgw_pool *p = pt_pool(&o, NULL);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(h.inits, 1);
    assert_int_equal(pt_int(c, "SELECT count(*) FROM pg_settings WHERE name = "
                               "'application_name' AND setting = 'pgw_pool_init'"),
                     1);
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    assert_int_equal(h.resets, 1);
    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.rollbacks, 1); /* rolled back before the hook */
    assert_int_equal(st.idle, 1);

    h.fail_next_reset = true;
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(pgw_pool_release(p, c), PGW_OK);
    st = pt_stats(p);
    assert_int_equal(st.resets_failed, 1);
    assert_int_equal(st.closed, 1);
    assert_int_equal(st.size, 0);

    /* pgw_pool_discard() closes whatever the state. */
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_OK);
    assert_int_equal(h.inits, 2);
    assert_int_equal(pgw_pool_discard(p, c), PGW_OK);
    st = pt_stats(p);
    assert_int_equal(st.closed, 2);
    assert_int_equal(st.size, 0);
    assert_int_equal(h.resets, 2); /* the hook is not run on a discard */
    pgw_pool_free(p);
}

/* ---- connection failures -------------------------------------------------- */

static void test_pool_connect_failure_reported_and_counted(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 2;
    o.min_size = 1;
    pgw_pool *p = pt_pool(&o, " dbname=pgw_no_such_database");
    pgw_conn *c = (pgw_conn *)&o; /* must be reset to NULL */
    assert_int_equal(pgw_pool_acquire(p, 1000, &c), PGW_E_SERVER);
    assert_null(c);
    char msg[512];
    assert_true(pgw_pool_last_error(p, msg, sizeof msg) > 0);
    assert_non_null(strstr(msg, "pgw_no_such_database"));
    assert_int_equal(pgw_pool_maintain(p), PGW_E_SERVER);
    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.failed_connects, 2);
    assert_int_equal(st.size, 0);
    assert_int_equal(st.created, 0);
    assert_int_equal(st.acquires, 0);
    pgw_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_sixteen_threads_on_four_connections_reset_and_counted),
        cmocka_unit_test(test_pool_exhausted_acquire_times_out_and_counts),
        cmocka_unit_test(test_pool_max_lifetime_replaces_connection),
        cmocka_unit_test(test_pool_max_idle_closes_down_to_min_size),
        cmocka_unit_test(test_pool_terminated_backend_fails_check_and_is_replaced),
        cmocka_unit_test(test_pool_broken_connection_released_is_discarded),
        cmocka_unit_test(test_pool_discard_all_resets_session_and_statement_cache),
        cmocka_unit_test(test_pool_reset_none_keeps_session_state),
        cmocka_unit_test(test_pool_hooks_run_and_failed_reset_closes),
        cmocka_unit_test(test_pool_connect_failure_reported_and_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
