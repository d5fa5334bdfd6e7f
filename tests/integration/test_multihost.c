/* Several hosts against the fixture: a refused and a silent first host,
 * target_session_attrs on the (primary) fixture, load_balance_hosts. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
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

/* A listening socket nobody accepts from: connect() succeeds through the
 * backlog, then the server never says a word. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 8), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* hosts/ports lists plus extra options, as the trust role. */
static void conninfo(char *buf, size_t len, const char *hosts, const char *ports,
                     const char *extra)
{
    snprintf(buf, len, "host=%s port=%s dbname=%s user=%s sslmode=disable %s", hosts, ports,
             pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_TRUST_USER"), extra ? extra : "");
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void expect_select_one(pgw_conn *c)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT 1", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "1");
    pgw_result_free(r);
}

static void test_multihost_refused_first_host_falls_through_to_fixture(void **state)
{
    (void)state;
    char ports[64], ci[1024];
    snprintf(ports, sizeof ports, "%d,%s", closed_port(), pgt_env("PGW_TEST_PORT"));
    conninfo(ci, sizeof ci, "127.0.0.1,127.0.0.1", ports, NULL);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    expect_select_one(c);
    pgw_conn_free(c);
}

static void test_multihost_uri_with_host_list_connects(void **state)
{
    (void)state;
    char ci[1024];
    snprintf(ci, sizeof ci, "postgresql://127.0.0.1:%d,127.0.0.1:%s/%s?user=%s&sslmode=disable",
             closed_port(), pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_TRUST_USER"));
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_OK);
    expect_select_one(c);
    pgw_conn_free(c);
}

static void test_multihost_all_refused_lists_every_attempt(void **state)
{
    (void)state;
    char ports[64], ci[1024];
    int p1 = closed_port(), p2 = closed_port();
    snprintf(ports, sizeof ports, "%d,%d", p1, p2);
    conninfo(ci, sizeof ci, "127.0.0.1,127.0.0.1", ports, NULL);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_E_IO);
    const char *msg = pgw_conn_error(c)->summary;
    char want1[128], want2[128];
    snprintf(want1, sizeof want1,
             "connection to server at \"127.0.0.1\", port %d failed: Connection refused\n", p1);
    snprintf(want2, sizeof want2,
             "\nconnection to server at \"127.0.0.1\", port %d failed: Connection refused\n", p2);
    /* One line (plus libpq's hint line) per attempt, in order. */
    assert_non_null(strstr(msg, want1));
    assert_true(strstr(msg, want1) == msg);
    assert_non_null(strstr(msg, want2));
    pgw_conn_free(c);
}

static void test_multihost_silent_first_host_times_out_then_fixture(void **state)
{
    (void)state;
    int port;
    int lfd = silent_listener(&port);
    char ports[64], ci[1024];
    snprintf(ports, sizeof ports, "%d,%s", port, pgt_env("PGW_TEST_PORT"));
    conninfo(ci, sizeof ci, "127.0.0.1,127.0.0.1", ports, "connect_timeout=2");
    int64_t t0 = now_ms();
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    int64_t took = now_ms() - t0;
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    /* The silent host had its own 2 s, and no more. */
    assert_true(took >= 1900);
    assert_true(took < 6000);
    expect_select_one(c);
    pgw_conn_free(c);

    /* Alone, it fails with the timeout in libpq's words. */
    snprintf(ports, sizeof ports, "%d", port);
    conninfo(ci, sizeof ci, "127.0.0.1", ports, "connect_timeout=2");
    assert_int_equal(pgw_connect_str(&c, ci), PGW_E_TIMEOUT);
    assert_non_null(strstr(pgw_conn_error(c)->summary, "timeout expired"));
    pgw_conn_free(c);
    close(lfd);
}

static pgw_status connect_tsa(const char *tsa, const char *extra, pgw_conn **c)
{
    char opts[256], ci[1024];
    snprintf(opts, sizeof opts, "target_session_attrs=%s %s", tsa, extra ? extra : "");
    conninfo(ci, sizeof ci, pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"), opts);
    *c = NULL;
    return pgw_connect_str(c, ci);
}

static void expect_refused(const char *tsa, const char *extra, const char *why)
{
    pgw_conn *c;
    assert_int_equal(connect_tsa(tsa, extra, &c), PGW_E_STATE);
    char want[256];
    snprintf(want, sizeof want, "connection to server at \"%s\", port %s failed: %s",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"), why);
    assert_string_equal(pgw_conn_error(c)->summary, want);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_conn_free(c);
}

static void test_multihost_tsa_primary_fixture_accepts_read_write_and_primary(void **state)
{
    (void)state;
    const char *ok[] = {"any", "read-write", "primary", "prefer-standby"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        pgw_conn *c;
        pgw_status rc = connect_tsa(ok[i], NULL, &c);
        if (rc != PGW_OK)
            fprintf(stderr, "# %s: %s\n", ok[i], pgw_conn_errmsg(c));
        assert_int_equal(rc, PGW_OK);
        expect_select_one(c);
        pgw_conn_free(c);
    }
}

static void test_multihost_tsa_primary_fixture_refuses_read_only_and_standby(void **state)
{
    (void)state;
    expect_refused("read-only", NULL, "session is not read-only");
    expect_refused("standby", NULL, "server is not in hot standby mode");
    /* A primary whose sessions default to read-only is read-only. */
    expect_refused("read-write", "options='-c default_transaction_read_only=on'",
                   "session is read-only");
    pgw_conn *c;
    assert_int_equal(connect_tsa("read-only", "options='-c default_transaction_read_only=on'",
                                 &c),
                     PGW_OK);
    pgw_conn_free(c);
}

static void test_multihost_tsa_standby_on_two_hosts_lists_both_refusals(void **state)
{
    (void)state;
    char hosts[128], ci[1024];
    snprintf(hosts, sizeof hosts, "%s,%s", pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_HOST"));
    conninfo(ci, sizeof ci, hosts, pgt_env("PGW_TEST_PORT"), "target_session_attrs=standby");
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_E_STATE);
    char line[256], want[600];
    snprintf(line, sizeof line,
             "connection to server at \"%s\", port %s failed: server is not in hot standby mode",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"));
    snprintf(want, sizeof want, "%s\n%s", line, line);
    assert_string_equal(pgw_conn_error(c)->summary, want);
    pgw_conn_free(c);
}

/* Which loopback the server saw us come from. */
static int client_family(pgw_conn *c)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT family(inet_client_addr())", &r), PGW_OK);
    int f = atoi(pgw_result_text(r, 0, 0));
    pgw_result_free(r);
    return f;
}

static void test_multihost_load_balance_random_uses_both_hosts(void **state)
{
    (void)state;
    char hosts[128], ci[1024];
    snprintf(hosts, sizeof hosts, "%s,%s", pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_HOST6"));
    int seen[2] = {0, 0};
    for (int i = 0; i < 50; i++) {
        conninfo(ci, sizeof ci, hosts, pgt_env("PGW_TEST_PORT"), "load_balance_hosts=random");
        pgw_conn *c = NULL;
        assert_int_equal(pgw_connect_str(&c, ci), PGW_OK);
        seen[client_family(c) == 6]++;
        pgw_conn_free(c);
    }
    assert_true(seen[0] > 0);
    assert_true(seen[1] > 0);

    /* disable keeps the order: always the first. */
    for (int i = 0; i < 5; i++) {
        conninfo(ci, sizeof ci, hosts, pgt_env("PGW_TEST_PORT"), "load_balance_hosts=disable");
        pgw_conn *c = NULL;
        assert_int_equal(pgw_connect_str(&c, ci), PGW_OK);
        assert_int_equal(client_family(c), 4);
        pgw_conn_free(c);
    }
}

static void test_multihost_wrong_password_does_not_try_next_host(void **state)
{
    (void)state;
    char hosts[128], ci[1024];
    snprintf(hosts, sizeof hosts, "%s,%s", pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_HOST"));
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s password=wrong sslmode=disable",
             hosts, pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_SCRAM_USER"));
    pgw_conn *c = NULL;
    assert_true(pgw_connect_str(&c, ci) < 0);
    const char *msg = pgw_conn_error(c)->summary;
    /* One attempt only: the message has no second "connection to". */
    assert_non_null(strstr(msg, "password authentication failed"));
    assert_null(strstr(msg + 1, "connection to server at"));
    pgw_conn_free(c);
}

/* .pgpass per host, as libpq: each entry of a host list looks up its own
 * line (the whole list is no key), and pgw_reset() looks them up again. */
static void pgpass_connect(const char *hosts, const char *ports, const char *lines,
                           bool reset)
{
    char path[] = "/tmp/pgw-pgpass-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, lines, strlen(lines)), (ssize_t)strlen(lines));
    close(fd); /* mkstemp made it 0600, as the file must be */
    char ci[1024];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s sslmode=disable passfile=%s",
             hosts, ports, pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_SCRAM_USER"), path);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &o);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_string_equal(pgw_conn_auth_method(c), "scram-sha-256");
    if (reset) {
        assert_int_equal(pgw_reset(c), PGW_OK);
        assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_OK);
    }
    pgw_close(c);
    unlink(path);
}

static void test_multihost_pgpass_is_looked_up_per_host(void **state)
{
    (void)state;
    char dead[16], ports[64], lines[1024];
    snprintf(dead, sizeof dead, "%d", closed_port());
    snprintf(ports, sizeof ports, "%s,%s", dead, pgt_env("PGW_TEST_PORT"));
    /* The first host (down) has a wrong password, the second the right
     * one: only a per-host lookup finds it. */
    snprintf(lines, sizeof lines, "127.0.0.1:*:*:%s:not-the-password\nlocalhost:%s:*:%s:%s\n",
             pgt_env("PGW_TEST_SCRAM_USER"), pgt_env("PGW_TEST_PORT"),
             pgt_env("PGW_TEST_SCRAM_USER"), pgt_env("PGW_TEST_SCRAM_PASSWORD"));
    pgpass_connect("127.0.0.1,localhost", ports, lines, true);
    /* And the other way round. */
    snprintf(lines, sizeof lines, "localhost:*:*:%s:not-the-password\n127.0.0.1:%s:*:%s:%s\n",
             pgt_env("PGW_TEST_SCRAM_USER"), pgt_env("PGW_TEST_PORT"),
             pgt_env("PGW_TEST_SCRAM_USER"), pgt_env("PGW_TEST_SCRAM_PASSWORD"));
    pgpass_connect("localhost,127.0.0.1", ports, lines, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multihost_refused_first_host_falls_through_to_fixture),
        cmocka_unit_test(test_multihost_uri_with_host_list_connects),
        cmocka_unit_test(test_multihost_all_refused_lists_every_attempt),
        cmocka_unit_test(test_multihost_silent_first_host_times_out_then_fixture),
        cmocka_unit_test(test_multihost_tsa_primary_fixture_accepts_read_write_and_primary),
        cmocka_unit_test(test_multihost_tsa_primary_fixture_refuses_read_only_and_standby),
        cmocka_unit_test(test_multihost_tsa_standby_on_two_hosts_lists_both_refusals),
        cmocka_unit_test(test_multihost_load_balance_random_uses_both_hosts),
        cmocka_unit_test(test_multihost_wrong_password_does_not_try_next_host),
        cmocka_unit_test(test_multihost_pgpass_is_looked_up_per_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
