/* The blocking driver (src/io) against the fake server on a loopback
 * socket: a whole session, timeouts that must fire, a server that hangs
 * up, and a user-supplied transport. */
#include <stdlib.h>

#include "rig.h"

static fs_server *serve(fs_script *sc, uint16_t *port, unsigned timeout_ms)
{
    assert_null(fs_script_error(sc));
    fs_server *fs = fs_new(sc);
    fs_set_timeout(fs, timeout_ms);
    assert_int_equal(fs_listen(fs, port), PGW_OK);
    assert_int_equal(fs_serve_thread_start(fs), PGW_OK);
    return fs;
}

static pgw_status connect_to(uint16_t port, const char *extra, pgw_conn **c)
{
    char ci[256];
    snprintf(ci, sizeof ci,
             "host=127.0.0.1 port=%u user=alice dbname=app password=s3cret sslmode=disable %s",
             (unsigned)port, extra ? extra : "");
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    return pgw_connect(c, &o);
}

static void test_socket_scram_session_and_query(void **s)
{
    const char *names[] = {"x"};
    const char *v[] = {"42"};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    fs_scram(sc, &o);
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 77, 0xabcdef01);
    fs_expect_query(sc, "SELECT 42 AS x");
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_data_row_text(sc, v, 1);
    fs_send_command_complete(sc, "SELECT 1");
    fs_send_ready(sc, 'I');
    fs_expect_terminate(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port, 5000);
    pgw_conn *c = NULL;
    pgw_status rc = connect_to(port, NULL, &c);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_true(pgw_conn_fd(c) >= 0);
    assert_int_equal(pgw_conn_backend_pid(c), 77);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT 42 AS x", &r), PGW_OK);
    int32_t x;
    assert_int_equal(pgw_result_int32(r, 0, 0, &x), PGW_OK);
    assert_int_equal(x, 42);
    pgw_result_free(r);
    pgw_close(c); /* sends Terminate */
    fs_serve_thread_join(fs);
    const char *why = NULL;
    if (!fs_done(fs) && fs_failed(fs, &why))
        fail_msg("fake server: %s", why);
    assert_true(fs_done(fs));
    fs_free(fs);
}

static void test_socket_connect_timeout_bounds_a_silent_server(void **s)
{
    /* Accepts, reads the startup packet, then says nothing for 6 s. */
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_sleep(sc, 6000);
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port, 8000);
    pgw_conn *c = NULL;
    assert_int_equal(connect_to(port, "connect_timeout=2", &c), PGW_E_TIMEOUT);
    assert_non_null(strstr(pgw_conn_errmsg(c), "timeout expired"));
    assert_non_null(strstr(pgw_conn_errmsg(c), "connection to server at \"127.0.0.1\""));
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

static void test_socket_io_timeout_bounds_a_stalled_query(void **s)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    fs_expect_query(sc, NULL);
    fs_sleep(sc, 3000);
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port, 5000);
    pgw_conn *c = NULL;
    assert_int_equal(connect_to(port, NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 300);
    uint64_t n;
    assert_int_equal(pgw_exec(c, "SELECT pg_sleep(100)", &n), PGW_E_TIMEOUT);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

static void test_socket_server_hangs_up_mid_result(void **s)
{
    const char *names[] = {"x"};
    const char *v[] = {"1"};
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    fs_expect_query(sc, NULL);
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_data_row_text(sc, v, 1);
    fs_send_raw(sc, "D\x00\x00\x00\x20", 5); /* half a message */
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port, 5000);
    pgw_conn *c = NULL;
    assert_int_equal(connect_to(port, NULL, &c), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT x", &cur), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_E_CLOSED);
    assert_int_equal(pgw_cursor_next(cur), PGW_E_CLOSED);
    pgw_cursor_free(cur);
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

/* A user transport that wraps the default one and counts bytes. */
typedef struct counting_transport {
    const pgw_transport *inner;
    size_t opened, read_bytes, written_bytes;
} counting_transport;

static counting_transport counter;

static pgw_status ct_open(void *ud, const pgw_transport_target *t, void **handle, char *errbuf,
                          size_t errlen, int *e)
{
    counting_transport *ct = ud;
    ct->opened++;
    /* The options arrive resolved and validated. */
    assert_string_equal(t->host, "127.0.0.1");
    assert_int_equal(t->keepalives_idle, 7);
    assert_int_equal(t->keepalives, 1);
    return ct->inner->open(ct->inner->ud, t, handle, errbuf, errlen, e);
}

static pgw_status ct_read(void *h, void *buf, size_t n, size_t *got, int *e)
{
    pgw_status rc = counter.inner->read(h, buf, n, got, e);
    if (rc == PGW_OK)
        counter.read_bytes += *got;
    return rc;
}

static pgw_status ct_write(void *h, const void *buf, size_t n, size_t *put, int *e)
{
    pgw_status rc = counter.inner->write(h, buf, n, put, e);
    if (rc == PGW_OK)
        counter.written_bytes += *put;
    return rc;
}

static pgw_status ct_wait(void *h, bool r, bool w, int t, int *e)
{
    return counter.inner->wait(h, r, w, t, e);
}

static int ct_fd(void *h) { return counter.inner->fd(h); }
static void ct_close(void *h) { counter.inner->close(h); }

static void test_socket_user_transport_carries_the_session(void **s)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    fs_expect_query(sc, "SELECT 1");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    uint16_t port;
    fs_server *fs = serve(sc, &port, 5000);
    memset(&counter, 0, sizeof counter);
    counter.inner = pgw_transport_default();
    pgw_transport t = {ct_open, ct_read, ct_write, ct_wait, ct_fd, ct_close, NULL, &counter};
    char ci[160];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%u user=alice dbname=app keepalives_idle=7 sslmode=disable",
             (unsigned)port);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_with(&c, &o, &t), PGW_OK);
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_OK);
    int fd = pgw_conn_fd(c);
    assert_true(fd >= 0);
    assert_int_equal(counter.opened, 1);
    assert_true(counter.read_bytes > 100);
    assert_true(counter.written_bytes > 20);
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

static void test_socket_localhost_tries_every_address(void **s)
{
    /* The fake server listens on 127.0.0.1 only; "localhost" may resolve
     * to ::1 first, which refuses, and the driver must go on. */
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    uint16_t port;
    fs_server *fs = serve(sc, &port, 5000);
    char ci[128];
    snprintf(ci, sizeof ci, "host=localhost port=%u user=alice dbname=app sslmode=disable", (unsigned)port);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &o);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

static void test_socket_refused_connect_is_safe_to_retry(void **s)
{
    /* Bind a port, close it: nothing listens there any more. */
    fs_script *sc = fs_script_new();
    uint16_t port;
    fs_server *fs = fs_new(sc);
    assert_int_equal(fs_listen(fs, &port), PGW_OK);
    fs_free(fs);
    pgw_conn *c = NULL;
    assert_int_equal(connect_to(port, NULL, &c), PGW_E_IO);
    assert_true(pgw_conn_error(c)->safe_to_retry);
    assert_non_null(strstr(pgw_conn_errmsg(c), "Connection refused"));
    pgw_conn_free(c);
}

/* Review finding: a failed write discarded the FATAL message the server
 * sent before closing (reliability F16: idle_session_timeout). */
static void test_socket_fatal_survives_a_failed_write(void **s)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    fs_send_error_msg(sc, "FATAL", "57P05", "terminating connection due to idle-session timeout");
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port, 5000);
    pgw_conn *c = NULL;
    assert_int_equal(connect_to(port, NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 20000);
    /* A query far larger than the socket buffers, so the write fails. */
    size_t big = 64u * 1024 * 1024;
    char *sql = malloc(big + 1);
    assert_non_null(sql);
    memcpy(sql, "SELECT '", 8);
    memset(sql + 8, 'x', big - 10);
    memcpy(sql + big - 2, "'", 2);
    sql[big] = '\0';
    pgw_status rc = pgw_exec(c, sql, NULL);
    free(sql);
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57P05");
    assert_non_null(strstr(pgw_conn_errmsg(c), "idle-session timeout"));
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_socket_scram_session_and_query),
        cmocka_unit_test(test_socket_connect_timeout_bounds_a_silent_server),
        cmocka_unit_test(test_socket_io_timeout_bounds_a_stalled_query),
        cmocka_unit_test(test_socket_server_hangs_up_mid_result),
        cmocka_unit_test(test_socket_user_transport_carries_the_session),
        cmocka_unit_test(test_socket_localhost_tries_every_address),
        cmocka_unit_test(test_socket_refused_connect_is_safe_to_retry),
        cmocka_unit_test(test_socket_fatal_survives_a_failed_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
