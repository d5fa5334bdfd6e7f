/* pgw_reset(): a new session with the old one's settings — after the
 * backend was terminated, over TLS with SCRAM and channel binding, across a
 * host list — and its refusals. */
#include <stdlib.h>

#include "pgtest.h"

static int32_t server_pid(pgw_conn *c)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT pg_backend_pid()", &r), PGW_OK);
    int32_t pid = 0;
    assert_int_equal(pgw_result_int32(r, 0, 0, &pid), PGW_OK);
    pgw_result_free(r);
    return pid;
}

static const char *setting(pgw_conn *c, const char *sql, char *buf, size_t len)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, sql, &r), PGW_OK);
    snprintf(buf, len, "%s", pgw_result_text(r, 0, 0));
    pgw_result_free(r);
    return buf;
}

static void terminate(int32_t pid)
{
    char ci[512], sql[96];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s sslmode=disable",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_SUPER_USER"));
    pgw_conn *su = NULL;
    assert_int_equal(pgw_connect_str(&su, ci), PGW_OK);
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", (int)pid);
    assert_int_equal(pgw_exec(su, sql, NULL), PGW_OK);
    pgw_close(su);
}

static void test_reset_after_backend_terminated_gives_a_fresh_session(void **state)
{
    (void)state;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_exec(c, "SET application_name = 'before_reset'", NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE gone (x int)", NULL), PGW_OK);
    int32_t old = server_pid(c);
    terminate(old);
    /* The next call finds the connection gone. */
    assert_true(pgw_exec(c, "SELECT 1", NULL) < 0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);

    assert_int_equal(pgw_reset(c), PGW_OK);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    int32_t now = server_pid(c);
    assert_int_not_equal(now, old);
    assert_int_equal(pgw_conn_backend_pid(c), now);
    char buf[128];
    assert_string_not_equal(setting(c, "SHOW application_name", buf, sizeof buf),
                            "before_reset");
    assert_int_equal(pgw_exec(c, "SELECT * FROM gone", NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42P01");
    pgw_close(c);
}

static void test_reset_of_a_healthy_connection_drops_its_session(void **state)
{
    (void)state;
    pgw_conn *c = pgt_connect();
    int32_t old = server_pid(c);
    /* Parameterised queries fill the statement cache; the new session
     * knows none of them, and the cache must not pretend otherwise. */
    pgw_param one = {.type = PGW_OID_INT4, .format = 0, .data = "1", .len = 1};
    for (int i = 0; i < 3; i++)
        assert_int_equal(pgw_exec_params(c, "SELECT $1::int + 1", &one, 1, NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    assert_int_equal(pgw_reset(c), PGW_OK);
    assert_int_not_equal(server_pid(c), old);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_int_equal(pgw_exec_params(c, "SELECT $1::int + 1", &one, 1, NULL), PGW_OK);
    pgw_close(c);
}

static void test_reset_keeps_tls_scram_and_channel_binding(void **state)
{
    (void)state;
    char ci[1024];
    snprintf(ci, sizeof ci,
             "host=%s port=%s dbname=%s user=%s password=%s sslmode=verify-full "
             "sslrootcert=%s channel_binding=require",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_SCRAM_USER"), pgt_env("PGW_TEST_SCRAM_PASSWORD"),
             pgt_env("PGW_TEST_ROOT_CERT"));
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    int32_t old = server_pid(c);
    terminate(old);
    assert_true(pgw_exec(c, "SELECT 1", NULL) < 0);
    rc = pgw_reset(c);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_true(pgw_conn_tls_in_use(c));
    assert_true(pgw_conn_channel_binding_used(c));
    assert_string_equal(pgw_conn_auth_method(c), "scram-sha-256-plus");
    char buf[16];
    assert_string_equal(setting(c, "SELECT ssl::text FROM pg_stat_ssl WHERE pid = "
                                   "pg_backend_pid()",
                                buf, sizeof buf),
                        "true");
    assert_int_not_equal(server_pid(c), old);
    pgw_close(c);
}

/* A host list: the reset walks it again from the start (the first host,
 * down, is tried and skipped as at connect time). */
static void test_reset_walks_the_host_list_again(void **state)
{
    (void)state;
    char ci[1024];
    snprintf(ci, sizeof ci, "host=%s,%s port=1,%s dbname=%s user=%s sslmode=disable",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"),
             pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_TRUST_USER"));
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_OK);
    terminate(server_pid(c));
    assert_true(pgw_exec(c, "SELECT 1", NULL) < 0);
    assert_int_equal(pgw_reset(c), PGW_OK);
    char want[64];
    snprintf(want, sizeof want, "1,%s", pgt_env("PGW_TEST_PORT"));
    assert_string_equal(pgw_conn_option(c, "port"), want);
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_OK);
    pgw_close(c);
}

static void test_reset_refused_with_an_open_cursor_and_failure_is_retryable(void **state)
{
    (void)state;
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT generate_series(1, 3)", &cur), PGW_OK);
    assert_int_equal(pgw_reset(c), PGW_E_STATE);
    /* Refused before anything happened: the cursor still works. */
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    assert_int_equal(pgw_reset(c), PGW_OK);
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_OK);
    pgw_close(c);

    /* An engine-only connection has no transport to reset. */
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "user=u dbname=d";
    pgw_conn *e = NULL;
    assert_int_equal(pgw_conn_new(&e, &o), PGW_OK);
    assert_int_equal(pgw_reset(e), PGW_E_STATE);
    assert_non_null(strstr(pgw_conn_errmsg(e), "pgw_connect"));
    pgw_conn_free(e);
    assert_int_equal(pgw_reset(NULL), PGW_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reset_after_backend_terminated_gives_a_fresh_session),
        cmocka_unit_test(test_reset_of_a_healthy_connection_drops_its_session),
        cmocka_unit_test(test_reset_keeps_tls_scram_and_channel_binding),
        cmocka_unit_test(test_reset_walks_the_host_list_again),
        cmocka_unit_test(test_reset_refused_with_an_open_cursor_and_failure_is_retryable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
