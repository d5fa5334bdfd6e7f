/* COPY against the real server when the backend goes away: terminated
 * (pg_terminate_backend from a second connection) in the middle of COPY
 * FROM STDIN, the client must report that the outcome is unknown and how
 * much it sent, never success or a plain failure; in the middle of COPY TO
 * STDOUT, the stream must end with PGW_E_CLOSED and the server's 57P01. */
#include "../integration/pgtest.h"

static pgw_conn *connect_super(void)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, NULL);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK)
        fail_msg("connect: %s: %s", pgw_status_name(rc), pgw_conn_errmsg(c));
    return c;
}

static void terminate(pgw_conn *killer, int32_t pid)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d, 5000)", (int)pid);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(killer, sql, &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "t");
    pgw_result_free(r);
}

static void test_fault_terminate_backend_mid_copy_in_is_unknown_outcome(void **s)
{
    (void)s;
    pgw_conn *c = connect_super(), *killer = connect_super();
    pgw_conn_set_timeout(c, 10000);
    assert_int_equal(pgw_exec(c, "DROP TABLE IF EXISTS fault_copy_in; "
                                 "CREATE TABLE fault_copy_in (id int4, v text)",
                              NULL),
                     PGW_OK);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY fault_copy_in FROM STDIN", &cp), PGW_OK);
    char line[64];
    pgw_status rc = PGW_OK;
    int i;
    for (i = 0; i < 20000 && rc == PGW_OK; i++) {
        int n = snprintf(line, sizeof line, "%d\tbefore the kill\n", i);
        rc = pgw_copy_put(cp, line, (size_t)n);
    }
    assert_int_equal(rc, PGW_OK);
    terminate(killer, pgw_conn_backend_pid(c));
    /* Keep sending until the loss shows, then end. */
    for (; i < 5000000 && rc == PGW_OK; i++) {
        int n = snprintf(line, sizeof line, "%d\tafter the kill\n", i);
        rc = pgw_copy_put(cp, line, (size_t)n);
    }
    if (rc == PGW_OK)
        rc = pgw_copy_end(cp, NULL);
    if (getenv("PGW_FAULT_VERBOSE") != NULL)
        fprintf(stderr, "# COPY IN killed: %s after %llu rows, %llu bytes [%s]: %s\n",
                pgw_status_name(rc), (unsigned long long)pgw_copy_rows_sent(cp),
                (unsigned long long)pgw_copy_bytes_sent(cp), pgw_conn_error(c)->sqlstate,
                pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_E_UNKNOWN_OUTCOME);
    assert_true(pgw_copy_rows_sent(cp) >= 20000);
    assert_true(pgw_copy_rows_sent(cp) <= (uint64_t)i);
    assert_true(pgw_copy_bytes_sent(cp) > 20000 * 16);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    /* The same answer again, and the end cannot turn it into success. */
    assert_int_equal(pgw_copy_end(cp, NULL), PGW_E_UNKNOWN_OUTCOME);
    assert_int_equal(pgw_copy_put(cp, "x\n", 2), PGW_E_UNKNOWN_OUTCOME);
    pgw_copy_free(cp);
    pgw_close(c);
    /* A terminated COPY applied nothing. */
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(killer, "SELECT count(*) FROM fault_copy_in", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "0");
    pgw_result_free(r);
    assert_int_equal(pgw_exec(killer, "DROP TABLE fault_copy_in", NULL), PGW_OK);
    pgw_close(killer);
}

static void test_fault_terminate_backend_mid_copy_out_is_closed_57P01(void **s)
{
    (void)s;
    pgw_conn *c = connect_super(), *killer = connect_super();
    pgw_conn_set_timeout(c, 10000);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY (SELECT g, pg_sleep(0.001) FROM "
                                       "generate_series(1, 100000) g) TO STDOUT",
                                    &cp),
                     PGW_OK);
    const uint8_t *p;
    size_t len;
    pgw_status rc;
    int n = 0;
    while ((rc = pgw_copy_get(cp, &p, &len)) == PGW_OK) {
        if (++n == 10)
            terminate(killer, pgw_conn_backend_pid(c));
    }
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57P01");
    assert_true(n >= 10 && n < 100000);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_copy_free(cp);
    pgw_close(c);
    pgw_close(killer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_terminate_backend_mid_copy_in_is_unknown_outcome),
        cmocka_unit_test(test_fault_terminate_backend_mid_copy_out_is_closed_57P01),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
