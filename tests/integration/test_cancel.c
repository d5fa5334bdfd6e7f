/* Cancelling a running query against the real server: the async-signal-
 * safe handle (fired from another thread, over TCP and over the Unix
 * socket), the cancel connection (blocking, non-blocking, and inside TLS),
 * and the query timeout of the blocking API. Each time the query fails
 * with SQLSTATE 57014 and the connection answers the next query. */
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "pgtest.h"

static pgw_conn *connect_ci(const char *ci)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    o.io_timeout_ms = 60000;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &o);
    if (rc != PGW_OK) {
        fprintf(stderr, "# connect: %s\n", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        fail_msg("connect failed: %s", pgw_status_name(rc));
    }
    return c;
}

static pgw_conn *connect_role(const char *role, int tcp, const char *extra)
{
    char ci[2048];
    pgt_conninfo(ci, sizeof ci, role, tcp, extra);
    return connect_ci(ci);
}

/* Send a long query and return once the server is running it (seen from
 * a second connection in pg_stat_activity), so that a cancel cannot
 * arrive before the query and be lost. */
static pgw_cursor *start_sleep(pgw_conn *c)
{
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(c, "SELECT pg_sleep(30)", &cur), PGW_OK);
    assert_int_equal(pgw_conn_pump(c, PGW_WANT_WRITE), PGW_OK);
    pgw_conn *watch = connect_role("SUPER", 1, NULL);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_stat_activity WHERE pid = %d AND state = 'active' "
             "AND query LIKE 'SELECT pg_sleep%%'",
             (int)pgw_conn_backend_pid(c));
    for (int i = 0; i < 200; i++) {
        pgw_result *r = NULL;
        assert_int_equal(pgw_query_result(watch, sql, &r), PGW_OK);
        bool running = strcmp(pgw_result_text(r, 0, 0), "1") == 0;
        pgw_result_free(r);
        if (running)
            break;
        usleep(50 * 1000);
    }
    pgw_close(watch);
    return cur;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The query must end in 57014 well before its 30 s, and the session must
 * still work. */
static void expect_cancelled(pgw_conn *c, pgw_cursor *cur, int64_t started)
{
    /* RowDescription comes first; the error replaces the row. */
    pgw_status rc = pgw_cursor_next_result(cur);
    if (rc == PGW_OK)
        rc = pgw_cursor_next(cur);
    assert_int_equal(rc, PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57014");
    assert_true(now_ms() - started < 20000);
    (void)pgw_cursor_close(cur); /* reports the error again */
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT 40 + 2", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "42");
    pgw_result_free(r);
}

typedef struct fire_arg {
    pgw_cancel_handle *h;
    pgw_status rc;
    char err[256];
} fire_arg;

static void *fire_thread(void *p)
{
    fire_arg *a = p;
    a->rc = pgw_cancel_handle_fire(a->h, a->err, sizeof a->err);
    return NULL;
}

static void handle_cancels(const char *role, int tcp, const char *extra)
{
    pgw_conn *c = connect_role(role, tcp, extra);
    pgw_cancel_handle *h = NULL;
    assert_int_equal(pgw_cancel_handle_new(c, &h), PGW_OK);
    int64_t t0 = now_ms();
    pgw_cursor *cur = start_sleep(c);
    fire_arg a = {.h = h, .rc = PGW_E_STATE, .err = ""};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, fire_thread, &a), 0);
    pthread_join(th, NULL);
    if (a.rc != PGW_OK)
        fprintf(stderr, "# fire: %s\n", a.err);
    assert_int_equal(a.rc, PGW_OK);
    expect_cancelled(c, cur, t0);
    /* The handle can be fired again for the next query. */
    t0 = now_ms();
    cur = start_sleep(c);
    assert_int_equal(pgw_cancel_handle_fire(h, NULL, 0), PGW_OK);
    expect_cancelled(c, cur, t0);
    pgw_cancel_handle_free(h);
    pgw_close(c);
}

static void test_cancel_handle_over_tcp_cancels_sleep(void **state)
{
    (void)state;
    handle_cancels("TRUST", 1, NULL);
}

static void test_cancel_handle_over_unix_socket_cancels_sleep(void **state)
{
    (void)state;
    handle_cancels("TRUST", 0, NULL);
}

/* A session the server accepts only over TLS: the handle's plaintext
 * cancel still reaches it (pg_hba.conf does not apply to cancels). */
static void test_cancel_handle_for_tls_session_cancels_sleep(void **state)
{
    (void)state;
    char extra[1024];
    snprintf(extra, sizeof extra, " sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_ROOT_CERT"));
    handle_cancels("SSL_SCRAM", 1, extra);
}

/* The handle outlives its connection and fails cleanly with an errbuf. */
static void test_cancel_handle_after_server_gone_reports_error(void **state)
{
    (void)state;
    pgw_conn *c = connect_role("TRUST", 1, NULL);
    pgw_cancel_handle *h = NULL;
    assert_int_equal(pgw_cancel_handle_new(c, &h), PGW_OK);
    pgw_close(c);
    /* Nothing runs any more: the cancel is delivered and has no effect. */
    char err[256] = "untouched";
    assert_int_equal(pgw_cancel_handle_fire(h, err, sizeof err), PGW_OK);
    pgw_cancel_handle_free(h);
    assert_int_equal(pgw_cancel_handle_fire(NULL, err, sizeof err), PGW_E_INVALID);
    assert_non_null(strstr(err, "no cancel handle"));
}

static void conn_cancels(const char *role, int tcp, const char *extra, bool tls)
{
    pgw_conn *c = connect_role(role, tcp, extra);
    assert_int_equal(pgw_conn_tls_in_use(c), tls);
    pgw_cancel_conn *cc = NULL;
    assert_int_equal(pgw_cancel_conn_new(c, &cc), PGW_OK);
    int64_t t0 = now_ms();
    pgw_cursor *cur = start_sleep(c);
    pgw_status rc = pgw_cancel(cc);
    if (rc != PGW_OK)
        fprintf(stderr, "# pgw_cancel: %s\n", pgw_cancel_errmsg(cc));
    assert_int_equal(rc, PGW_OK);
    expect_cancelled(c, cur, t0);
    /* Started once: again only after a reset. */
    assert_int_equal(pgw_cancel(cc), PGW_E_STATE);
    pgw_cancel_reset(cc);
    /* Non-blocking this time. */
    t0 = now_ms();
    cur = start_sleep(c);
    rc = pgw_cancel_start(cc);
    while (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
        assert_true(pgw_cancel_fd(cc) >= 0);
        struct pollfd p = {.fd = pgw_cancel_fd(cc),
                           .events = (short)(rc == PGW_WANT_READ ? POLLIN : POLLOUT)};
        assert_true(poll(&p, 1, 20000) == 1);
        rc = pgw_cancel_poll(cc);
    }
    if (rc != PGW_OK)
        fprintf(stderr, "# pgw_cancel_poll: %s\n", pgw_cancel_errmsg(cc));
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(pgw_cancel_fd(cc), -1);
    expect_cancelled(c, cur, t0);
    pgw_cancel_conn_free(cc);
    pgw_close(c);
}

static void test_cancel_conn_plaintext_cancels_sleep(void **state)
{
    (void)state;
    conn_cancels("TRUST", 1, " sslmode=disable", false);
}

static void test_cancel_conn_unix_socket_cancels_sleep(void **state)
{
    (void)state;
    conn_cancels("TRUST", 0, NULL, false);
}

static void test_cancel_conn_tls_verify_full_cancels_sleep(void **state)
{
    (void)state;
    char extra[1024];
    snprintf(extra, sizeof extra, " sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_ROOT_CERT"));
    /* The role the server accepts only over TLS. */
    conn_cancels("SSL_SCRAM", 1, extra, true);
}

static void test_cancel_conn_tls_prefer_cancels_sleep(void **state)
{
    (void)state;
    conn_cancels("SCRAM", 1, " sslmode=prefer", true);
}

/* pgw_conn_set_query_timeout: the blocking API cancels for the caller. */
static void test_cancel_query_timeout_cancels_and_connection_stays_usable(void **state)
{
    (void)state;
    pgw_conn *c = connect_role("TRUST", 1, NULL);
    pgw_conn_set_query_timeout(c, 300);
    int64_t t0 = now_ms();
    uint64_t rows = 0;
    assert_int_equal(pgw_exec(c, "SELECT pg_sleep(30)", &rows), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57014");
    assert_true(now_ms() - t0 < 15000);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    /* Quick queries are untouched. */
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT pg_sleep(0.05), 7", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 1), "7");
    pgw_result_free(r);
    /* Off again: a query longer than the old limit completes. */
    pgw_conn_set_query_timeout(c, 0);
    assert_int_equal(pgw_exec(c, "SELECT pg_sleep(0.5)", NULL), PGW_OK);
    pgw_close(c);
}

/* Over TLS the timeout's cancel is a TLS cancel connection too. */
static void test_cancel_query_timeout_over_tls(void **state)
{
    (void)state;
    char extra[1024];
    snprintf(extra, sizeof extra, " sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_ROOT_CERT"));
    pgw_conn *c = connect_role("SSL_SCRAM", 1, extra);
    pgw_conn_set_query_timeout(c, 300);
    pgw_conn_set_cancel_grace(c, 10000);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT pg_sleep(30)", &r), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57014");
    assert_int_equal(pgw_query_result(c, "SELECT 1", &r), PGW_OK);
    pgw_result_free(r);
    pgw_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cancel_handle_over_tcp_cancels_sleep),
        cmocka_unit_test(test_cancel_handle_over_unix_socket_cancels_sleep),
        cmocka_unit_test(test_cancel_handle_for_tls_session_cancels_sleep),
        cmocka_unit_test(test_cancel_handle_after_server_gone_reports_error),
        cmocka_unit_test(test_cancel_conn_plaintext_cancels_sleep),
        cmocka_unit_test(test_cancel_conn_unix_socket_cancels_sleep),
        cmocka_unit_test(test_cancel_conn_tls_verify_full_cancels_sleep),
        cmocka_unit_test(test_cancel_conn_tls_prefer_cancels_sleep),
        cmocka_unit_test(test_cancel_query_timeout_cancels_and_connection_stays_usable),
        cmocka_unit_test(test_cancel_query_timeout_over_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
