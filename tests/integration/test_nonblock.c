/* Non-blocking connect, query and fetch (pgwire/nonblock.h) against the
 * fixture: TCP, Unix socket, TLS, every password method, a host list whose
 * first host refuses or stalls (connect_timeout through the deadline), and
 * target_session_attrs — all driven by poll(2) in the test. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pgtest.h"

/* ---- helpers ------------------------------------------------------------ */

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

/* Accepts through the backlog, never answers. */
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

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct drive_stats {
    int waits;    /* times the machine asked to wait */
    int fds;      /* distinct descriptors seen */
    int last_fd;
    int timeouts; /* poll(2) ran out on the deadline */
} drive_stats;

/* pgw_connect_start + pgw_connect_poll under poll(2), with the deadline
 * accessor as poll's timeout. Never waits without a limit for long. */
static pgw_status nb_connect(const char *ci, pgw_conn **out, drive_stats *st)
{
    drive_stats local;
    if (st == NULL)
        st = &local;
    memset(st, 0, sizeof *st);
    st->last_fd = -1;
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_status rc = pgw_connect_start(out, &o);
    if (rc != PGW_OK)
        return rc;
    int64_t give_up = now_ms() + 60000;
    for (;;) {
        rc = pgw_connect_poll(*out);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        int fd = pgw_conn_fd(*out);
        assert_true(fd >= 0); /* valid after every step that waits */
        if (fd != st->last_fd) {
            st->fds++;
            st->last_fd = fd;
        }
        st->waits++;
        int left = pgw_connect_remaining_ms(*out);
        struct pollfd p = {.fd = fd, .events = rc == PGW_WANT_READ ? POLLIN : POLLOUT};
        int n = poll(&p, 1, left < 0 ? 10000 : left);
        if (n == 0 && left >= 0)
            st->timeouts++;
        assert_true(now_ms() < give_up);
    }
}

/* Run sql through the non-blocking query API, returning the first value of
 * the first row as an integer (or -1 for no row). */
static long nb_query_int(pgw_conn *c, const char *sql)
{
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(c, sql, &cur), PGW_OK);
    long v = -1;
    for (;;) {
        pgw_status rc = pgw_cursor_recv(cur);
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
            pgw_status w = pgw_conn_wants(c);
            assert_true(w == PGW_WANT_READ || w == PGW_WANT_WRITE);
            if (w == PGW_WANT_WRITE) {
                pgw_status f = pgw_conn_flush(c);
                assert_true(f == PGW_OK || f == PGW_WANT_WRITE);
                if (f == PGW_OK)
                    continue;
            }
            struct pollfd p = {.fd = pgw_conn_fd(c),
                               .events = w == PGW_WANT_WRITE ? POLLOUT : POLLIN};
            assert_int_equal(poll(&p, 1, 10000), 1);
            if (p.revents & POLLIN) {
                pgw_status r = pgw_conn_consume_input(c);
                assert_true(r == PGW_OK || r == PGW_WANT_READ);
            }
            continue;
        }
        if (rc == PGW_OK) {
            int64_t x = 0;
            assert_int_equal(pgw_cursor_int64(cur, 0, &x), PGW_OK);
            v = (long)x;
            continue;
        }
        assert_int_equal(rc, PGW_END);
        pgw_status n = pgw_cursor_recv_result(cur);
        if (n == PGW_END)
            break;
    }
    pgw_cursor_free(cur);
    /* Idle again: nothing to write, nothing awaited. */
    assert_int_equal(pgw_conn_wants(c), PGW_OK);
    return v;
}

/* Drive to completion, checking results; the connection is idle after. */
static pgw_conn *expect_connect(const char *ci)
{
    pgw_conn *c = NULL;
    pgw_status rc = nb_connect(ci, &c, NULL);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    /* Polling a finished connection keeps answering PGW_OK. */
    assert_int_equal(pgw_connect_poll(c), PGW_OK);
    assert_int_equal(pgw_connect_remaining_ms(c), -1);
    return c;
}

static void role_ci(char *buf, size_t len, const char *role, int tcp, const char *extra)
{
    pgt_conninfo(buf, len, role, tcp, extra);
}

/* ---- tests -------------------------------------------------------------- */

static void test_nonblock_tcp_trust_connects_and_queries(void **state)
{
    (void)state;
    char ci[1024];
    role_ci(ci, sizeof ci, "TRUST", 1, " sslmode=disable");
    pgw_conn *c = expect_connect(ci);
    assert_int_equal(nb_query_int(c, "SELECT 41 + 1"), 42);
    assert_int_equal(nb_query_int(c, "SELECT g FROM generate_series(1, 5000) g"), 5000);
    pgw_close(c);
}

static void test_nonblock_unix_socket_connects(void **state)
{
    (void)state;
    char ci[1024];
    role_ci(ci, sizeof ci, "TRUST", 0, NULL);
    pgw_conn *c = expect_connect(ci);
    assert_int_equal(nb_query_int(c, "SELECT 7"), 7);
    pgw_close(c);
}

static void test_nonblock_every_password_method_authenticates(void **state)
{
    (void)state;
    static const char *const roles[] = {"SCRAM", "MD5", "PASSWORD"};
    static const char *const methods[] = {"scram-sha-256", "md5", "password"};
    for (size_t i = 0; i < 3; i++) {
        char ci[1024];
        role_ci(ci, sizeof ci, roles[i], 1, " sslmode=disable");
        pgw_conn *c = expect_connect(ci);
        const char *m = pgw_conn_auth_method(c);
        assert_non_null(m);
        assert_string_equal(m, methods[i]);
        assert_int_equal(nb_query_int(c, "SELECT 1"), 1);
        pgw_close(c);
    }
}

static void test_nonblock_wrong_password_fails_auth(void **state)
{
    (void)state;
    char ci[1024];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s password=wrong sslmode=disable",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_SCRAM_USER"));
    pgw_conn *c = NULL;
    assert_int_equal(nb_connect(ci, &c, NULL), PGW_E_AUTH);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "28P01");
    assert_int_equal(pgw_connect_poll(c), PGW_E_AUTH); /* stays failed */
    pgw_conn_free(c);
}

static void test_nonblock_tls_verify_full_scram(void **state)
{
    (void)state;
    char ci[1024], extra[512];
    snprintf(extra, sizeof extra, " sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_ROOT_CERT"));
    char uvar[] = "SSL_SCRAM";
    role_ci(ci, sizeof ci, uvar, 1, extra);
    /* verify-full checks the name: use "localhost" rather than the IP
     * only when the certificate says so; the fixture's names both. */
    pgw_conn *c = expect_connect(ci);
    assert_true(pgw_conn_tls_in_use(c));
    assert_string_equal(pgw_conn_auth_method(c), "scram-sha-256-plus");
    assert_true(pgw_conn_channel_binding_used(c));
    assert_int_equal(nb_query_int(c, "SELECT g FROM generate_series(1, 20000) g"), 20000);
    pgw_close(c);
}

static void test_nonblock_sslmode_prefer_falls_back_to_plaintext(void **state)
{
    (void)state;
    /* NOSSL_SCRAM is refused over TLS by pg_hba (hostnossl): prefer retries
     * without TLS, as in the blocking path. */
    char ci[1024];
    role_ci(ci, sizeof ci, "NOSSL_SCRAM", 1, " sslmode=prefer");
    pgw_conn *c = expect_connect(ci);
    assert_false(pgw_conn_tls_in_use(c));
    pgw_close(c);
}

static void test_nonblock_first_host_refuses_second_connects(void **state)
{
    (void)state;
    char ci[1024];
    snprintf(ci, sizeof ci, "host=%s,%s port=%d,%s dbname=%s user=%s sslmode=disable",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_HOST"), closed_port(),
             pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_TRUST_USER"));
    pgw_conn *c = NULL;
    drive_stats st;
    assert_int_equal(nb_connect(ci, &c, &st), PGW_OK);
    assert_int_equal(nb_query_int(c, "SELECT 5"), 5);
    pgw_close(c);
}

static void test_nonblock_every_host_refuses_lists_each_attempt(void **state)
{
    (void)state;
    char ci[1024];
    int p1 = closed_port(), p2 = closed_port();
    snprintf(ci, sizeof ci, "host=127.0.0.1,127.0.0.1 port=%d,%d dbname=x user=y sslmode=disable",
             p1, p2);
    pgw_conn *c = NULL;
    assert_int_equal(nb_connect(ci, &c, NULL), PGW_E_IO);
    const char *msg = pgw_conn_errmsg(c);
    char want[64];
    snprintf(want, sizeof want, "port %d failed: Connection refused", p1);
    assert_non_null(strstr(msg, want));
    snprintf(want, sizeof want, "port %d failed: Connection refused", p2);
    assert_non_null(strstr(msg, want));
    pgw_conn_free(c);
}

static void test_nonblock_connect_timeout_moves_to_next_host(void **state)
{
    (void)state;
    int port;
    int lfd = silent_listener(&port);
    char ci[1024];
    snprintf(ci, sizeof ci,
             "host=127.0.0.1,%s port=%d,%s dbname=%s user=%s sslmode=disable connect_timeout=2",
             pgt_env("PGW_TEST_HOST"), port, pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_TRUST_USER"));
    pgw_conn *c = NULL;
    drive_stats st;
    int64_t t0 = now_ms();
    pgw_status rc = nb_connect(ci, &c, &st);
    int64_t took = now_ms() - t0;
    assert_int_equal(rc, PGW_OK);
    /* The stalled host was given up through the deadline, not by luck. */
    assert_true(st.timeouts >= 1);
    assert_true(took >= 1500);
    pgw_close(c);
    close(lfd);
}

static void test_nonblock_connect_timeout_alone_fails_with_timeout(void **state)
{
    (void)state;
    int port;
    int lfd = silent_listener(&port);
    char ci[512];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%d dbname=x user=y sslmode=disable "
                            "connect_timeout=2", port);
    pgw_conn *c = NULL;
    drive_stats st;
    assert_int_equal(nb_connect(ci, &c, &st), PGW_E_TIMEOUT);
    assert_true(st.timeouts >= 1);
    assert_non_null(strstr(pgw_conn_errmsg(c), "timeout expired"));
    assert_int_equal(pgw_connect_remaining_ms(c), -1);
    pgw_conn_free(c);
    close(lfd);
}

static void test_nonblock_target_session_attrs_standby_rejects_primary(void **state)
{
    (void)state;
    char ci[1024];
    role_ci(ci, sizeof ci, "TRUST", 1, " sslmode=disable target_session_attrs=standby");
    pgw_conn *c = NULL;
    assert_int_equal(nb_connect(ci, &c, NULL), PGW_E_STATE);
    assert_non_null(strstr(pgw_conn_errmsg(c), "server is not in hot standby mode"));
    pgw_conn_free(c);

    role_ci(ci, sizeof ci, "TRUST", 1, " sslmode=disable target_session_attrs=read-write");
    c = expect_connect(ci);
    pgw_close(c);
    /* prefer-standby: the second pass takes the primary. */
    role_ci(ci, sizeof ci, "TRUST", 1, " sslmode=disable target_session_attrs=prefer-standby");
    c = expect_connect(ci);
    pgw_close(c);
}

static void test_nonblock_poll_on_blocking_connection_is_state_error(void **state)
{
    (void)state;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_connect_poll(c), PGW_E_STATE);
    /* The event-loop helpers work on any transport-backed connection. */
    assert_int_equal(pgw_conn_wants(c), PGW_OK);
    assert_int_equal(pgw_conn_flush(c), PGW_OK);
    assert_int_equal(pgw_conn_consume_input(c), PGW_WANT_READ);
    assert_int_equal(nb_query_int(c, "SELECT 3"), 3);
    pgw_close(c);

    /* An engine without a transport has nothing to flush. */
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "user=x";
    pgw_conn *e = NULL;
    assert_int_equal(pgw_conn_new(&e, &o), PGW_OK);
    assert_int_equal(pgw_conn_flush(e), PGW_E_STATE);
    assert_int_equal(pgw_conn_wants(e), PGW_E_STATE);
    assert_int_equal(pgw_connect_poll(e), PGW_E_STATE);
    pgw_conn_free(e);
}

static void test_nonblock_bad_conninfo_fails_at_start(void **state)
{
    (void)state;
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "nonsense=1";
    o.use_environment = false;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_E_INVALID);
    assert_non_null(c);
    assert_non_null(strstr(pgw_conn_errmsg(c), "invalid connection option"));
    pgw_conn_free(c);
}

static void test_nonblock_free_mid_connect_releases_everything(void **state)
{
    (void)state;
    int port;
    int lfd = silent_listener(&port);
    char ci[512];
    snprintf(ci, sizeof ci, "host=127.0.0.1,127.0.0.1 port=%d,%d dbname=x user=y "
                            "sslmode=disable", port, port);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
    pgw_status rc = pgw_connect_poll(c);
    assert_true(rc == PGW_WANT_READ || rc == PGW_WANT_WRITE);
    /* The host options point into the machine's list while it runs; the
     * free must restore them (ASan checks). */
    assert_non_null(pgw_conn_option(c, "host"));
    pgw_conn_free(c);
    close(lfd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonblock_tcp_trust_connects_and_queries),
        cmocka_unit_test(test_nonblock_unix_socket_connects),
        cmocka_unit_test(test_nonblock_every_password_method_authenticates),
        cmocka_unit_test(test_nonblock_wrong_password_fails_auth),
        cmocka_unit_test(test_nonblock_tls_verify_full_scram),
        cmocka_unit_test(test_nonblock_sslmode_prefer_falls_back_to_plaintext),
        cmocka_unit_test(test_nonblock_first_host_refuses_second_connects),
        cmocka_unit_test(test_nonblock_every_host_refuses_lists_each_attempt),
        cmocka_unit_test(test_nonblock_connect_timeout_moves_to_next_host),
        cmocka_unit_test(test_nonblock_connect_timeout_alone_fails_with_timeout),
        cmocka_unit_test(test_nonblock_target_session_attrs_standby_rejects_primary),
        cmocka_unit_test(test_nonblock_poll_on_blocking_connection_is_state_error),
        cmocka_unit_test(test_nonblock_bad_conninfo_fails_at_start),
        cmocka_unit_test(test_nonblock_free_mid_connect_releases_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
