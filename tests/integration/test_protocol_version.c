/* Protocol version negotiation against the real server. The installed
 * server (PostgreSQL 15) speaks 3.0 only: asked for 3.2 it answers with
 * NegotiateProtocolVersion, and the session must go on under 3.0. */
#include "pgtest.h"

/* Connect with `extra` added to the trust role's conninfo. */
static pgw_status connect_with(pgw_conn **c, int tcp, const char *extra)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "TRUST", tcp, extra);
    *c = NULL;
    return pgw_connect_str(c, ci);
}

static int server_minor_protocol(void)
{
    pgw_conn *c = NULL;
    assert_int_equal(connect_with(&c, 1, NULL), PGW_OK);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SHOW server_version_num", &r), PGW_OK);
    int v = atoi(pgw_result_text(r, 0, 0));
    pgw_result_free(r);
    pgw_close(c);
    /* 3.2 arrived with PostgreSQL 18. */
    return v >= 180000 ? 2 : 0;
}

static void test_protocol_version_default_is_3_0(void **s)
{
    pgw_conn *c = NULL;
    assert_int_equal(connect_with(&c, 1, NULL), PGW_OK);
    assert_int_equal(pgw_conn_protocol_version(c), 30000);
    const uint8_t *key;
    assert_int_equal(pgw_conn_cancel_key(c, &key), 4);
    pgw_close(c);
}

static void test_protocol_version_3_2_negotiates_to_server(void **s)
{
    int minor = server_minor_protocol();
    static const char *const asks[] = {" max_protocol_version=3.2",
                                       " max_protocol_version=latest",
                                       " min_protocol_version=3.0 max_protocol_version=3.2"};
    for (int tcp = 0; tcp <= 1; tcp++) {
        for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
            pgw_conn *c = NULL;
            assert_int_equal(connect_with(&c, tcp, asks[i]), PGW_OK);
            assert_int_equal(pgw_conn_protocol_version(c), 30000 + minor);
            /* The session works after the downgrade. */
            pgw_result *r = NULL;
            assert_int_equal(pgw_query_result(c, "SELECT 40 + 2", &r), PGW_OK);
            assert_string_equal(pgw_result_text(r, 0, 0), "42");
            pgw_result_free(r);
            uint64_t rows = 0;
            assert_int_equal(pgw_exec(c, "SELECT 1 UNION ALL SELECT 2", &rows), PGW_OK);
            assert_int_equal(rows, 2);
            const uint8_t *key;
            size_t klen = pgw_conn_cancel_key(c, &key);
            if (minor == 0)
                assert_int_equal(klen, 4);
            else
                assert_true(klen >= 4 && klen <= 256);
            assert_true(pgw_conn_backend_pid(c) > 0);
            pgw_close(c);
        }
    }
}

static void test_protocol_version_min_3_2_refused_by_old_server(void **s)
{
    if (server_minor_protocol() >= 2) {
        fprintf(stderr, "# the server speaks 3.2: nothing to refuse\n");
        return;
    }
    pgw_conn *c = NULL;
    assert_int_equal(connect_with(&c, 1, " min_protocol_version=3.2"), PGW_E_PROTOCOL);
    assert_non_null(strstr(pgw_conn_errmsg(c), "server only supports protocol version 3.0, but "
                                               "min_protocol_version was set to 3.2"));
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_version_default_is_3_0),
        cmocka_unit_test(test_protocol_version_3_2_negotiates_to_server),
        cmocka_unit_test(test_protocol_version_min_3_2_refused_by_old_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
