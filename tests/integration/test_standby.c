/* target_session_attrs against a real primary and its streaming hot standby
 * (the fixture starts one: PGW_TEST_STANDBY_PORT), the primary down, load
 * balancing over both, and the promotion of a standby of the test's own
 * (`scripts/pg-fixture.sh standby/promote/standby-stop`). Runs alone: it
 * adds a server to the shared fixture. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pgtest.h"

/* A TCP port on 127.0.0.1 that refuses: bound, read, closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* Connect as the trust role to 127.0.0.1 on the given port list. */
static pgw_status connect_ports(const char *ports, const char *extra, pgw_conn **c)
{
    char h[300], ci[1024];
    /* One host entry per port: libpq pairs the two lists by position. */
    snprintf(h, sizeof h, "%s", pgt_env("PGW_TEST_HOST"));
    for (const char *p = strchr(ports, ','); p != NULL; p = strchr(p + 1, ',')) {
        strncat(h, ",", sizeof h - strlen(h) - 1);
        strncat(h, pgt_env("PGW_TEST_HOST"), sizeof h - strlen(h) - 1);
    }
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s sslmode=disable %s", h, ports,
             pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_TRUST_USER"), extra ? extra : "");
    *c = NULL;
    return pgw_connect_str(c, ci);
}

/* Whether the connected server is in recovery (asked, not taken from the
 * routing code under test). */
static bool in_recovery(pgw_conn *c)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT pg_is_in_recovery()", &r), PGW_OK);
    bool v = strcmp(pgw_result_text(r, 0, 0), "t") == 0;
    pgw_result_free(r);
    return v;
}

/* Connect with target_session_attrs=tsa over `ports` and say where it went:
 * 'P' primary, 'S' standby; a failure fails the test with the message. */
static char route(const char *ports, const char *tsa)
{
    char opts[128];
    snprintf(opts, sizeof opts, "target_session_attrs=%s", tsa);
    pgw_conn *c;
    pgw_status rc = connect_ports(ports, opts, &c);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s over %s: %s\n", tsa, ports, pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    char where = in_recovery(c) ? 'S' : 'P';
    pgw_close(c);
    return where;
}

static void ports2(char *buf, size_t len, const char *a, const char *b)
{
    snprintf(buf, len, "%s,%s", a, b);
}

static void test_standby_fixture_standby_is_in_hot_standby(void **state)
{
    (void)state;
    pgw_conn *c;
    assert_int_equal(connect_ports(pgt_env("PGW_TEST_STANDBY_PORT"), NULL, &c), PGW_OK);
    assert_true(in_recovery(c));
    /* PostgreSQL 14+ reports in_hot_standby at startup. */
    assert_non_null(pgw_conn_parameter(c, "in_hot_standby"));
    assert_string_equal(pgw_conn_parameter(c, "in_hot_standby"), "on");
    /* A standby refuses writes with 25006. */
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE t (x int)", NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "25006");
    pgw_close(c);
}

static void test_standby_primary_first_routes_each_attribute(void **state)
{
    (void)state;
    char ps[64];
    ports2(ps, sizeof ps, pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_STANDBY_PORT"));
    assert_int_equal(route(ps, "any"), 'P');
    assert_int_equal(route(ps, "read-write"), 'P');
    assert_int_equal(route(ps, "primary"), 'P');
    assert_int_equal(route(ps, "read-only"), 'S');
    assert_int_equal(route(ps, "standby"), 'S');
    assert_int_equal(route(ps, "prefer-standby"), 'S');
}

static void test_standby_standby_first_routes_each_attribute(void **state)
{
    (void)state;
    char sp[64];
    ports2(sp, sizeof sp, pgt_env("PGW_TEST_STANDBY_PORT"), pgt_env("PGW_TEST_PORT"));
    assert_int_equal(route(sp, "any"), 'S');
    assert_int_equal(route(sp, "read-write"), 'P');
    assert_int_equal(route(sp, "primary"), 'P');
    assert_int_equal(route(sp, "read-only"), 'S');
    assert_int_equal(route(sp, "standby"), 'S');
    assert_int_equal(route(sp, "prefer-standby"), 'S');
}

static void test_standby_alone_refuses_read_write_with_libpq_text(void **state)
{
    (void)state;
    pgw_conn *c;
    const char *sport = pgt_env("PGW_TEST_STANDBY_PORT");
    assert_int_equal(connect_ports(sport, "target_session_attrs=read-write", &c), PGW_E_STATE);
    char want[256];
    snprintf(want, sizeof want, "connection to server at \"%s\", port %s failed: session is read-only",
             pgt_env("PGW_TEST_HOST"), sport);
    assert_string_equal(pgw_conn_error(c)->summary, want);
    pgw_conn_free(c);
    assert_int_equal(connect_ports(sport, "target_session_attrs=primary", &c), PGW_E_STATE);
    snprintf(want, sizeof want,
             "connection to server at \"%s\", port %s failed: server is in hot standby mode",
             pgt_env("PGW_TEST_HOST"), sport);
    assert_string_equal(pgw_conn_error(c)->summary, want);
    pgw_conn_free(c);
    /* prefer-standby over the primary alone falls back to it. */
    assert_int_equal(route(pgt_env("PGW_TEST_PORT"), "prefer-standby"), 'P');
}

/* The primary down (its port refuses): only attributes the standby meets
 * connect, and the error for the others lists both hosts. */
static void test_standby_primary_down_connects_only_when_allowed(void **state)
{
    (void)state;
    char dead[16], ds[64];
    snprintf(dead, sizeof dead, "%d", closed_port());
    ports2(ds, sizeof ds, dead, pgt_env("PGW_TEST_STANDBY_PORT"));
    assert_int_equal(route(ds, "any"), 'S');
    assert_int_equal(route(ds, "read-only"), 'S');
    assert_int_equal(route(ds, "standby"), 'S');
    assert_int_equal(route(ds, "prefer-standby"), 'S');
    const char *refused[] = {"read-write", "primary"};
    for (size_t i = 0; i < 2; i++) {
        char opts[64];
        snprintf(opts, sizeof opts, "target_session_attrs=%s", refused[i]);
        pgw_conn *c;
        assert_int_equal(connect_ports(ds, opts, &c) < 0, true);
        const char *msg = pgw_conn_error(c)->summary;
        char first[128], second[128];
        snprintf(first, sizeof first, "port %s failed: Connection refused", dead);
        snprintf(second, sizeof second, "port %s failed: ", pgt_env("PGW_TEST_STANDBY_PORT"));
        if (strstr(msg, first) == NULL || strstr(msg, second) == NULL)
            fprintf(stderr, "# %s\n", msg);
        assert_non_null(strstr(msg, first));
        assert_non_null(strstr(msg, second));
        pgw_conn_free(c);
    }
}

/* load_balance_hosts=random spreads connections over both servers. The
 * chance that 40 random picks all land on one of two is 2^-39. */
static void test_standby_load_balance_spreads_over_primary_and_standby(void **state)
{
    (void)state;
    char ps[64];
    ports2(ps, sizeof ps, pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_STANDBY_PORT"));
    int hits[2] = {0, 0};
    for (int i = 0; i < 40; i++) {
        pgw_conn *c;
        assert_int_equal(connect_ports(ps, "load_balance_hosts=random", &c), PGW_OK);
        hits[in_recovery(c) ? 1 : 0]++;
        pgw_close(c);
    }
    assert_true(hits[0] > 0);
    assert_true(hits[1] > 0);
    /* With standby routing, random order still picks only the standby. */
    for (int i = 0; i < 10; i++) {
        pgw_conn *c;
        assert_int_equal(
            connect_ports(ps, "load_balance_hosts=random target_session_attrs=standby", &c),
            PGW_OK);
        assert_true(in_recovery(c));
        pgw_close(c);
    }
}

static int fixture(const char *cmd, const char *name, char *out, size_t outlen)
{
    char line[1024];
    snprintf(line, sizeof line, "bash '%s' %s '%s' %s", PGW_FIXTURE_SCRIPT, cmd,
             pgt_env("PGW_TEST_FIXTURE_DIR"), name);
    FILE *p = popen(line, "r");
    assert_non_null(p);
    if (out != NULL) {
        out[0] = '\0';
        if (fgets(out, (int)outlen, p) != NULL)
            out[strcspn(out, "\n")] = '\0';
    }
    return pclose(p);
}

/* Promotion: a standby of our own answers `standby` before and `read-write`
 * after; an open session sees in_hot_standby turn off (ParameterStatus). */
static void test_standby_promotion_changes_routing(void **state)
{
    (void)state;
    char sport[32];
    assert_int_equal(fixture("standby", "promo", sport, sizeof sport), 0);
    assert_true(atoi(sport) > 0);
    char ps[64];
    ports2(ps, sizeof ps, sport, pgt_env("PGW_TEST_STANDBY_PORT"));

    pgw_conn *watch;
    assert_int_equal(connect_ports(sport, NULL, &watch), PGW_OK);
    assert_string_equal(pgw_conn_parameter(watch, "in_hot_standby"), "on");
    char where_before = route(sport, "standby");
    pgw_conn *c;
    assert_int_equal(connect_ports(sport, "target_session_attrs=read-write", &c), PGW_E_STATE);
    pgw_conn_free(c);

    assert_int_equal(fixture("promote", "promo", NULL, 0), 0);

    /* New connections: the promoted server is a primary now. */
    assert_int_equal(route(sport, "read-write"), 'P');
    assert_int_equal(route(ps, "primary"), 'P');
    /* The first host is no longer a standby, so `standby` moves on to the
     * fixture's standby (the second host). */
    assert_int_equal(route(ps, "standby"), 'S');
    assert_int_equal(connect_ports(sport, "target_session_attrs=standby", &c), PGW_E_STATE);
    assert_non_null(strstr(pgw_conn_error(c)->summary, "server is not in hot standby mode"));
    pgw_conn_free(c);

    /* The open session learns of it with its next exchange. */
    assert_false(in_recovery(watch));
    assert_string_equal(pgw_conn_parameter(watch, "in_hot_standby"), "off");
    pgw_close(watch);

    assert_int_equal(where_before, 'S');
    assert_int_equal(fixture("standby-stop", "promo", NULL, 0), 0);
}

int main(void)
{
    if (pgt_env("PGW_TEST_STANDBY_PORT") == NULL) {
        /* The harness always starts one; running this alone without it is a
         * setup error, not a reason to pass. */
        fprintf(stderr, "PGW_TEST_STANDBY_PORT is not set: start scripts/pg-fixture.sh\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_standby_fixture_standby_is_in_hot_standby),
        cmocka_unit_test(test_standby_primary_first_routes_each_attribute),
        cmocka_unit_test(test_standby_standby_first_routes_each_attribute),
        cmocka_unit_test(test_standby_alone_refuses_read_write_with_libpq_text),
        cmocka_unit_test(test_standby_primary_down_connects_only_when_allowed),
        cmocka_unit_test(test_standby_load_balance_spreads_over_primary_and_standby),
        cmocka_unit_test(test_standby_promotion_changes_routing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
