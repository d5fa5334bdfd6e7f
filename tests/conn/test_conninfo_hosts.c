/* The host list of a connection string (libpq's pairing rules and error
 * texts) and the target_session_attrs decision table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "conn/conninfo_int.h"
#include "pgwire.h"

static pgw_status parse(const char *host, const char *addr, const char *port, pgwi_hosts *h,
                        char *err, size_t errlen)
{
    return pgwi_hosts_parse(NULL, host, addr, port, h, err, errlen);
}

static void test_hosts_three_hosts_one_port_share_it(void **state)
{
    (void)state;
    pgwi_hosts h;
    char err[160];
    assert_int_equal(parse("a,b,c", NULL, "6000", &h, err, sizeof err), PGW_OK);
    assert_int_equal(h.n, 3);
    assert_string_equal(h.v[0].host, "a");
    assert_string_equal(h.v[2].host, "c");
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(h.v[i].port, "6000");
        assert_string_equal(h.v[i].hostaddr, "");
    }
    pgwi_hosts_free(NULL, &h);
    assert_null(h.v);
}

static void test_hosts_port_per_host_pairs_in_order(void **state)
{
    (void)state;
    pgwi_hosts h;
    char err[160];
    assert_int_equal(parse("h1,h2", NULL, "5432,5433", &h, err, sizeof err), PGW_OK);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].port, "5432");
    assert_string_equal(h.v[1].port, "5433");
    pgwi_hosts_free(NULL, &h);
}

static void test_hosts_empty_elements_mean_defaults(void **state)
{
    (void)state;
    pgwi_hosts h;
    char err[160];
    assert_int_equal(parse("a,,/tmp", NULL, ",5433,", &h, err, sizeof err), PGW_OK);
    assert_int_equal(h.n, 3);
    assert_string_equal(h.v[1].host, "");
    assert_string_equal(h.v[2].host, "/tmp");
    assert_string_equal(h.v[0].port, "");
    assert_string_equal(h.v[1].port, "5433");
    pgwi_hosts_free(NULL, &h);
}

static void test_hosts_nothing_given_is_one_default_entry(void **state)
{
    (void)state;
    pgwi_hosts h;
    char err[160];
    assert_int_equal(parse(NULL, "", NULL, &h, err, sizeof err), PGW_OK);
    assert_int_equal(h.n, 1);
    assert_string_equal(h.v[0].host, "");
    assert_string_equal(h.v[0].port, "");
    pgwi_hosts_free(NULL, &h);
}

static void test_hosts_two_ports_three_hosts_is_libpq_error(void **state)
{
    (void)state;
    pgwi_hosts h;
    char err[160];
    assert_int_equal(parse("a,b,c", NULL, "1,2", &h, err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "could not match 2 port numbers to 3 hosts");
    assert_null(h.v);
    assert_int_equal(h.n, 0);
}

static void test_hosts_hostaddr_sets_count_and_host_must_match(void **state)
{
    (void)state;
    pgwi_hosts h;
    char err[160];
    assert_int_equal(parse("a,b,c", "127.0.0.1,::1", NULL, &h, err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "could not match 3 host names to 2 hostaddr values");
    assert_int_equal(parse("a,b", "127.0.0.1,::1", "7", &h, err, sizeof err), PGW_OK);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[1].host, "b");
    assert_string_equal(h.v[1].hostaddr, "::1");
    pgwi_hosts_free(NULL, &h);
    /* hostaddr alone: one entry per address, no host names. */
    assert_int_equal(parse(NULL, "10.0.0.1,10.0.0.2", "1,2", &h, err, sizeof err), PGW_OK);
    assert_int_equal(h.n, 2);
    assert_string_equal(h.v[0].host, "");
    pgwi_hosts_free(NULL, &h);
}

static void test_hosts_bad_port_in_list_is_libpq_error(void **state)
{
    (void)state;
    pgwi_hosts h;
    char err[160];
    assert_int_equal(parse("a,b", NULL, "5432,70000", &h, err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "invalid port number: \"70000\"");
    assert_int_equal(parse("a,b", NULL, "5432,x", &h, err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "invalid integer value \"x\" for connection option \"port\"");
    assert_null(h.v);
}

static void test_conn_new_multi_host_uri_is_accepted(void **state)
{
    (void)state;
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.use_environment = false;
    o.conninfo = "postgresql://h1:5432,h2:5433/db?target_session_attrs=primary";
    pgw_conn *c = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), PGW_OK);
    assert_string_equal(pgw_conn_option(c, "host"), "h1,h2");
    assert_string_equal(pgw_conn_option(c, "port"), "5432,5433");
    pgw_conn_free(c);
}

static void test_conn_new_mismatched_ports_fails_with_libpq_text(void **state)
{
    (void)state;
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.use_environment = false;
    o.conninfo = "host=a,b,c port=1,2";
    pgw_conn *c = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), PGW_E_INVALID);
    assert_non_null(c);
    assert_string_equal(pgw_conn_error(c)->summary, "could not match 2 port numbers to 3 hosts");
    pgw_conn_free(c);
    o.conninfo = "target_session_attrs=sometimes";
    assert_int_equal(pgw_conn_new(&c, &o), PGW_E_INVALID);
    assert_string_equal(pgw_conn_error(c)->summary,
                        "invalid target_session_attrs value: \"sometimes\"");
    pgw_conn_free(c);
}

static void test_tsa_option_names_map_to_values(void **state)
{
    (void)state;
    assert_int_equal(pgwi_tsa_from_option(NULL), PGWI_TSA_ANY);
    assert_int_equal(pgwi_tsa_from_option("any"), PGWI_TSA_ANY);
    assert_int_equal(pgwi_tsa_from_option("read-write"), PGWI_TSA_READ_WRITE);
    assert_int_equal(pgwi_tsa_from_option("read-only"), PGWI_TSA_READ_ONLY);
    assert_int_equal(pgwi_tsa_from_option("primary"), PGWI_TSA_PRIMARY);
    assert_int_equal(pgwi_tsa_from_option("standby"), PGWI_TSA_STANDBY);
    assert_int_equal(pgwi_tsa_from_option("prefer-standby"), PGWI_TSA_PREFER_STANDBY);
    assert_int_equal(pgwi_tribool_from_param(NULL), PGWI_UNKNOWN);
    assert_int_equal(pgwi_tribool_from_param("on"), PGWI_YES);
    assert_int_equal(pgwi_tribool_from_param("off"), PGWI_NO);
}

static void test_tsa_reported_state_decides_without_query(void **state)
{
    (void)state;
    const char *q;
    /* A primary with default_transaction_read_only off. */
    assert_null(pgwi_tsa_check(PGWI_TSA_READ_WRITE, PGWI_NO, PGWI_NO, &q));
    assert_null(q);
    assert_null(pgwi_tsa_check(PGWI_TSA_PRIMARY, PGWI_NO, PGWI_NO, &q));
    assert_string_equal(pgwi_tsa_check(PGWI_TSA_READ_ONLY, PGWI_NO, PGWI_NO, &q),
                        "session is not read-only");
    assert_string_equal(pgwi_tsa_check(PGWI_TSA_STANDBY, PGWI_NO, PGWI_NO, &q),
                        "server is not in hot standby mode");
    assert_string_equal(pgwi_tsa_check(PGWI_TSA_PREFER_STANDBY, PGWI_NO, PGWI_NO, &q),
                        "server is not in hot standby mode");
    /* A standby. */
    assert_string_equal(pgwi_tsa_check(PGWI_TSA_READ_WRITE, PGWI_YES, PGWI_NO, &q),
                        "session is read-only");
    assert_string_equal(pgwi_tsa_check(PGWI_TSA_PRIMARY, PGWI_YES, PGWI_NO, &q),
                        "server is in hot standby mode");
    assert_null(pgwi_tsa_check(PGWI_TSA_STANDBY, PGWI_YES, PGWI_NO, &q));
    assert_null(pgwi_tsa_check(PGWI_TSA_READ_ONLY, PGWI_YES, PGWI_NO, &q));
    /* A primary whose default_transaction_read_only is on: read-only but
     * still a primary. */
    assert_string_equal(pgwi_tsa_check(PGWI_TSA_READ_WRITE, PGWI_NO, PGWI_YES, &q),
                        "session is read-only");
    assert_null(pgwi_tsa_check(PGWI_TSA_PRIMARY, PGWI_NO, PGWI_YES, &q));
    assert_null(pgwi_tsa_check(PGWI_TSA_ANY, PGWI_UNKNOWN, PGWI_UNKNOWN, &q));
    assert_null(q);
}

static void test_tsa_unreported_state_asks_libpq_query(void **state)
{
    (void)state;
    const char *q;
    pgwi_tribool hs = PGWI_UNKNOWN, ro = PGWI_UNKNOWN;
    assert_null(pgwi_tsa_check(PGWI_TSA_READ_WRITE, hs, PGWI_NO, &q));
    assert_string_equal(q, "SHOW transaction_read_only");
    pgwi_tsa_note_answer(q, "on", &hs, &ro);
    assert_int_equal(hs, PGWI_YES);
    assert_int_equal(ro, PGWI_YES);
    assert_string_equal(pgwi_tsa_check(PGWI_TSA_READ_WRITE, hs, ro, &q), "session is read-only");
    assert_null(q);

    hs = PGWI_UNKNOWN;
    ro = PGWI_UNKNOWN;
    assert_null(pgwi_tsa_check(PGWI_TSA_STANDBY, hs, ro, &q));
    assert_string_equal(q, "SELECT pg_catalog.pg_is_in_recovery()");
    pgwi_tsa_note_answer(q, "f", &hs, &ro);
    assert_int_equal(hs, PGWI_NO);
    assert_int_equal(ro, PGWI_UNKNOWN);
    assert_string_equal(pgwi_tsa_check(PGWI_TSA_STANDBY, hs, ro, &q),
                        "server is not in hot standby mode");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hosts_three_hosts_one_port_share_it),
        cmocka_unit_test(test_hosts_port_per_host_pairs_in_order),
        cmocka_unit_test(test_hosts_empty_elements_mean_defaults),
        cmocka_unit_test(test_hosts_nothing_given_is_one_default_entry),
        cmocka_unit_test(test_hosts_two_ports_three_hosts_is_libpq_error),
        cmocka_unit_test(test_hosts_hostaddr_sets_count_and_host_must_match),
        cmocka_unit_test(test_hosts_bad_port_in_list_is_libpq_error),
        cmocka_unit_test(test_conn_new_multi_host_uri_is_accepted),
        cmocka_unit_test(test_conn_new_mismatched_ports_fails_with_libpq_text),
        cmocka_unit_test(test_tsa_option_names_map_to_values),
        cmocka_unit_test(test_tsa_reported_state_decides_without_query),
        cmocka_unit_test(test_tsa_unreported_state_asks_libpq_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
