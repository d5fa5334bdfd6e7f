/* The pool while the fixture server restarts under it: idle connections
 * die with the server and are replaced, threads hammering the pool through
 * the restart recover. Runs alone (is_parallel: false): it restarts the
 * shared fixture cluster with `scripts/pg-fixture.sh restart`. */
#include <pthread.h>
#include <stdatomic.h>

#include "pooltest.h"

static void restart_server(void)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "bash '%s' restart '%s' >&2", PGW_FIXTURE_SCRIPT,
             pgt_env("PGW_TEST_FIXTURE_DIR"));
    int rc = system(cmd);
    if (rc != 0)
        fail_msg("%s: status %d", cmd, rc);
}

static void test_pool_server_restart_idle_connections_replaced(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 4;
    o.check_idle_ms = 0;
    pgw_pool *p = pt_pool(&o, NULL);
    pgw_conn *c[4];
    int32_t pids[4];
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pgw_pool_acquire(p, 1000, &c[i]), PGW_OK);
        pids[i] = pgw_conn_backend_pid(c[i]);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pgw_pool_release(p, c[i]), PGW_OK);
    assert_int_equal(pt_stats(p).idle, 4);

    restart_server();

    /* Every idle connection fails its check and is replaced; callers only
     * ever see working connections. */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pgw_pool_acquire(p, 5000, &c[i]), PGW_OK);
        assert_int_equal(pt_int(c[i], "SELECT 1"), 1);
        for (int j = 0; j < 4; j++)
            assert_int_not_equal(pgw_conn_backend_pid(c[i]), pids[j]);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pgw_pool_release(p, c[i]), PGW_OK);
    pgw_pool_stats st = pt_stats(p);
    assert_int_equal(st.checks_failed, 4);
    assert_int_equal(st.closed, 4);
    assert_int_equal(st.created, 8);
    assert_int_equal(st.size, 4);
    assert_int_equal(st.idle, 4);
    pgw_pool_free(p);
}

#define RESTART_THREADS 8

typedef struct worker {
    pgw_pool *pool;
    atomic_int *stop;
    int ok_after;     /* successful queries after the restart finished */
    int errors;       /* failed queries (expected around the restart) */
    int acquire_errors;
    atomic_int *restarted;
} worker;

static void *worker_main(void *arg)
{
    worker *w = arg;
    while (!atomic_load(w->stop)) {
        pgw_conn *c = NULL;
        int after = atomic_load(w->restarted);
        pgw_status rc = pgw_pool_acquire(w->pool, 10000, &c);
        if (rc != PGW_OK) {
            /* While the server is down, connecting is refused. */
            w->acquire_errors++;
            pt_sleep_ms(20);
            continue;
        }
        rc = pgw_exec(c, "BEGIN; SELECT pg_sleep(0.002); SELECT 1", NULL);
        if (rc == PGW_OK && after)
            w->ok_after++;
        else if (rc != PGW_OK)
            w->errors++;
        /* Left open on purpose: rolled back, or discarded if dead. */
        pgw_pool_release(w->pool, c);
    }
    return NULL;
}

static void test_pool_server_restart_under_load_recovers(void **state)
{
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.max_size = 4;
    o.check_idle_ms = -1; /* no check: threads meet dead connections */
    pgw_pool *p = pt_pool(&o, " connect_timeout=5");
    atomic_int stop = 0, restarted = 0;
    worker w[RESTART_THREADS];
    pthread_t th[RESTART_THREADS];
    for (int i = 0; i < RESTART_THREADS; i++) {
        w[i] = (worker){.pool = p, .stop = &stop, .restarted = &restarted};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    pt_sleep_ms(300);
    restart_server();
    atomic_store(&restarted, 1);
    pt_sleep_ms(700);
    atomic_store(&stop, 1);
    int ok_after = 0, errors = 0;
    for (int i = 0; i < RESTART_THREADS; i++) {
        pthread_join(th[i], NULL);
        ok_after += w[i].ok_after;
        errors += w[i].errors + w[i].acquire_errors;
    }
    pgw_pool_stats st = pt_stats(p);
    fprintf(stderr, "# restart under load: %d ok after, %d errors; created %llu closed %llu "
                    "broken %llu failed_connects %llu\n",
            ok_after, errors, (unsigned long long)st.created, (unsigned long long)st.closed,
            (unsigned long long)st.broken, (unsigned long long)st.failed_connects);
    assert_true(ok_after > 0);
    assert_true(st.broken + st.resets_failed >= 1); /* dead connections were discarded */
    assert_true(st.created > 4);                    /* and replaced */
    assert_int_equal(st.in_use, 0);
    assert_true(st.size <= 4);

    /* Afterwards every connection the pool holds works. */
    pgw_conn *c[4];
    size_t n = 0;
    for (; n < 4; n++) {
        assert_int_equal(pgw_pool_acquire(p, 2000, &c[n]), PGW_OK);
        assert_int_equal(pt_int(c[n], "SELECT 2"), 2);
    }
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pgw_pool_release(p, c[i]), PGW_OK);
    pgw_pool_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_server_restart_idle_connections_replaced),
        cmocka_unit_test(test_pool_server_restart_under_load_recovers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
