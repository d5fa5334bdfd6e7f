/* A backend terminated (pg_terminate_backend from another connection) in
 * the middle of a pipeline: the queries whose results had arrived keep
 * them, and every query whose result had not arrived reports
 * PGW_E_UNKNOWN_OUTCOME (the server may or may not have run it), with the
 * server's 57P01 in the connection's error. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "../integration/pgtest.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static pgw_conn *admin(void)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, " sslmode=disable");
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK)
        fail_msg("admin connect: %s %s", pgw_status_name(rc), pgw_conn_errmsg(c));
    return c;
}

static int64_t admin_int(pgw_conn *a, const char *sql)
{
    pgw_result *r = NULL;
    if (pgw_query_result(a, sql, &r) != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(a));
    int64_t n = -1;
    assert_int_equal(pgw_result_int64(r, 0, 0, &n), PGW_OK);
    pgw_result_free(r);
    return n;
}

/* Terminate `pid` once it sleeps in pg_sleep (at most 10 s of looking). */
typedef struct killer {
    pthread_t t;
    int32_t pid;
    bool killed;
} killer;

static void *kill_run(void *arg)
{
    killer *k = arg;
    pgw_conn *a = admin();
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND wait_event = 'PgSleep'",
             (int)k->pid);
    for (int i = 0; i < 1000 && admin_int(a, sql) == 0; i++)
        sleep_ms(10);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)::int", (int)k->pid);
    k->killed = admin_int(a, sql) == 1;
    pgw_close(a);
    return NULL;
}

static void test_fault_pipeline_backend_terminated_mid_pipeline(void **state)
{
    (void)state;
    pgw_conn *a = admin();
    assert_int_equal(pgw_exec(a, "DROP TABLE IF EXISTS pl_fault", NULL), PGW_OK);
    assert_int_equal(pgw_exec(a, "CREATE TABLE pl_fault (v int)", NULL), PGW_OK);
    assert_int_equal(pgw_exec(a, "GRANT ALL ON pl_fault TO PUBLIC", NULL), PGW_OK);

    pgw_conn *c = pgt_connect();
    pgw_conn_set_timeout(c, 15000);
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    pgw_cursor *q[6];
    /* Unit 1 commits; unit 2 dies in its second query; unit 3 never runs. */
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_fault VALUES (1)", NULL, 0, &q[0]),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_fault VALUES (2)", NULL, 0, &q[1]),
                     PGW_OK);
    /* The server holds results until a Sync or a Flush: ask for q[1]'s. */
    assert_int_equal(pgw_pipeline_flush(c), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT pg_sleep(20)", NULL, 0, &q[2]), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_fault VALUES (3)", NULL, 0, &q[3]),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_fault VALUES (4)", NULL, 0, &q[4]),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT 5", NULL, 0, &q[5]), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);

    assert_int_equal(pgw_cursor_next_result(q[0]), PGW_OK);
    assert_string_equal(pgw_cursor_command_tag(q[0]), "INSERT 0 1");
    assert_int_equal(pgw_cursor_next_result(q[0]), PGW_END);
    pgw_tx_status tx;
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_OK);
    assert_int_equal(tx, PGW_TX_IDLE);
    /* Its result arrived (flushed); its unit's fate is still open. */
    assert_int_equal(pgw_cursor_next(q[1]), PGW_END);
    assert_string_equal(pgw_cursor_command_tag(q[1]), "INSERT 0 1");

    killer k = {.pid = pgw_conn_backend_pid(c)};
    assert_int_equal(pthread_create(&k.t, NULL, kill_run, &k), 0);
    /* The server may flush the start of q[2]'s result (its description)
     * before it goes: walk it to its first failure. */
    pgw_status rc = pgw_cursor_next_result(q[2]);
    while (rc == PGW_OK)
        rc = pgw_cursor_next(q[2]);
    pthread_join(k.t, NULL);
    assert_true(k.killed);
    assert_int_equal(rc, PGW_E_UNKNOWN_OUTCOME);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57P01");
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    /* Reported once; then the cursor is over. */
    assert_int_equal(pgw_cursor_next(q[2]), PGW_END);
    for (int i = 3; i < 6; i++) {
        assert_int_equal(pgw_cursor_next(q[i]), PGW_E_UNKNOWN_OUTCOME);
        assert_int_equal(pgw_cursor_next(q[i]), PGW_END);
    }
    /* A query whose whole result arrived keeps it (whether its unit
     * committed is for the application to find out: here it did not). */
    assert_string_equal(pgw_cursor_command_tag(q[1]), "INSERT 0 1");
    assert_int_equal(pgw_cursor_next_result(q[1]), PGW_END);
    assert_string_equal(pgw_cursor_command_tag(q[1]), "INSERT 0 1");
    /* Leaving the pipeline reports the sticky error and drops it. */
    assert_int_equal(pgw_pipeline_end(c), PGW_E_CLOSED);
    assert_false(pgw_conn_in_pipeline(c));
    for (int i = 0; i < 6; i++)
        pgw_cursor_free(q[i]);
    pgw_conn_free(c);

    /* Unit 1 committed; unit 2 was rolled back with the backend. */
    assert_int_equal(admin_int(a, "SELECT count(*) FROM pl_fault"), 1);
    assert_int_equal(admin_int(a, "SELECT max(v) FROM pl_fault"), 1);
    assert_int_equal(pgw_exec(a, "DROP TABLE pl_fault", NULL), PGW_OK);
    pgw_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_pipeline_backend_terminated_mid_pipeline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
