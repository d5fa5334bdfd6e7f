/* pgw_connect_start/poll and the event-loop helpers against the scripted
 * fake server on a loopback socket: a SCRAM session whose trace is checked
 * message by message, a server that hangs up or refuses during startup, a
 * SCRAM exchange that stalls past connect_timeout, and the
 * target_session_attrs query a server without in_hot_standby makes the
 * client send. */
#include <poll.h>
#include <stdlib.h>
#include <time.h>

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

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct trace_log {
    char names[64][40];
    char text[4096];
    size_t n, text_len;
} trace_log;

static void on_trace(void *ud, const pgw_trace_event *ev)
{
    trace_log *l = ud;
    if (l->n < 64)
        snprintf(l->names[l->n++], sizeof l->names[0], "%c %s",
                 ev->dir == PGW_TRACE_TO_SERVER ? 'F' : 'B', ev->name);
    int w = snprintf(l->text + l->text_len, sizeof l->text - l->text_len, "%s\n", ev->summary);
    if (w > 0 && (size_t)w < sizeof l->text - l->text_len)
        l->text_len += (size_t)w;
}

/* Start and poll to the end under poll(2), honouring the deadline. */
static pgw_status nb_connect(uint16_t port, const char *extra, pgw_conn **c, trace_log *l)
{
    char ci[256];
    snprintf(ci, sizeof ci,
             "host=127.0.0.1 port=%u user=alice dbname=app password=s3cret sslmode=disable %s",
             (unsigned)port, extra ? extra : "");
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_status rc = pgw_connect_start(c, &o);
    if (rc != PGW_OK)
        return rc;
    if (l != NULL)
        pgw_conn_set_trace(*c, on_trace, l);
    for (int i = 0; i < 10000; i++) {
        rc = pgw_connect_poll(*c);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        struct pollfd p = {.fd = pgw_conn_fd(*c),
                           .events = rc == PGW_WANT_READ ? POLLIN : POLLOUT};
        int left = pgw_connect_remaining_ms(*c);
        assert_true(poll(&p, 1, left < 0 ? 5000 : left) >= 0);
    }
    fail_msg("connect did not finish");
    return PGW_E_STATE;
}

/* One query through the non-blocking helpers; its first value as text. */
static void nb_query(pgw_conn *c, const char *sql, char *out, size_t outlen)
{
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(c, sql, &cur), PGW_OK);
    assert_int_equal(pgw_conn_wants(c), PGW_WANT_WRITE);
    out[0] = '\0';
    for (;;) {
        pgw_status rc = pgw_cursor_recv(cur);
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
            if (pgw_conn_flush(c) == PGW_WANT_WRITE)
                continue;
            pgw_status r = pgw_conn_consume_input(c);
            if (r == PGW_WANT_READ) {
                assert_int_equal(pgw_conn_wants(c), PGW_WANT_READ);
                struct pollfd p = {.fd = pgw_conn_fd(c), .events = POLLIN};
                assert_int_equal(poll(&p, 1, 5000), 1);
            } else {
                assert_int_equal(r, PGW_OK);
            }
            continue;
        }
        if (rc == PGW_OK) {
            pgw_value v;
            assert_int_equal(pgw_cursor_value(cur, 0, &v), PGW_OK);
            assert_true(v.len >= 0);
            snprintf(out, outlen, "%.*s", (int)v.len, (const char *)v.ptr);
            continue;
        }
        assert_int_equal(rc, PGW_END);
        if (pgw_cursor_recv_result(cur) == PGW_END)
            break;
    }
    pgw_cursor_free(cur);
    assert_int_equal(pgw_conn_wants(c), PGW_OK);
}

static void test_nonblock_socket_scram_session_is_traced_in_order(void **s)
{
    (void)s;
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
    static trace_log l;
    memset(&l, 0, sizeof l);
    pgw_conn *c = NULL;
    pgw_status rc = nb_connect(port, NULL, &c, &l);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(pgw_conn_backend_pid(c), 77);
    char val[32];
    nb_query(c, "SELECT 42 AS x", val, sizeof val);
    assert_string_equal(val, "42");
    pgw_close(c);
    fs_serve_thread_join(fs);
    const char *msg = NULL;
    if (fs_failed(fs, &msg))
        fail_msg("fake server: %s", msg);
    assert_true(fs_done(fs));
    fs_free(fs);

    static const char *const want[] = {
        "F StartupMessage", "B AuthenticationSASL", "F SASLInitialResponse",
        "B AuthenticationSASLContinue", "F SASLResponse", "B AuthenticationSASLFinal",
        "B AuthenticationOk", "B BackendKeyData", "B ReadyForQuery", "F Query",
        "B RowDescription", "B DataRow", "B CommandComplete", "B ReadyForQuery", "F Terminate"};
    size_t k = 0, params = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.names[i], "B ParameterStatus") == 0) {
            params++;
            continue;
        }
        assert_true(k < sizeof want / sizeof want[0]);
        assert_string_equal(l.names[i], want[k]);
        k++;
    }
    assert_int_equal(k, sizeof want / sizeof want[0]);
    assert_int_equal(params, 7);
    assert_null(strstr(l.text, "s3cret"));
}

static void test_nonblock_socket_hangup_in_startup_is_closed(void **s)
{
    (void)s;
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port, 5000);
    pgw_conn *c = NULL;
    assert_int_equal(nb_connect(port, NULL, &c, NULL), PGW_E_CLOSED);
    assert_non_null(strstr(pgw_conn_errmsg(c), "server closed the connection unexpectedly"));
    assert_non_null(strstr(pgw_conn_errmsg(c), "connection to server at \"127.0.0.1\""));
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

static void test_nonblock_socket_fatal_in_startup_keeps_sqlstate(void **s)
{
    (void)s;
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_error_msg(sc, "FATAL", "3D000", "database \"app\" does not exist");
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port, 5000);
    pgw_conn *c = NULL;
    assert_int_equal(nb_connect(port, NULL, &c, NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "3D000");
    assert_non_null(strstr(pgw_conn_errmsg(c), "database \"app\" does not exist"));
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

static void test_nonblock_socket_stalled_scram_times_out_by_deadline(void **s)
{
    (void)s;
    const char *mechs[] = {"SCRAM-SHA-256"};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_expect_sasl_initial(sc, "SCRAM-SHA-256");
    fs_sleep(sc, 4000); /* never answers within connect_timeout */
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port, 8000);
    pgw_conn *c = NULL;
    int64_t t0 = now_ms();
    assert_int_equal(nb_connect(port, "connect_timeout=2", &c, NULL), PGW_E_TIMEOUT);
    int64_t took = now_ms() - t0;
    assert_true(took >= 1900 && took < 3900);
    assert_non_null(strstr(pgw_conn_errmsg(c), "timeout expired"));
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

/* A server that reports neither in_hot_standby nor
 * default_transaction_read_only: target_session_attrs=read-write asks. */
static fs_server *tsa_server(uint16_t *port, const char *answer, bool accepted)
{
    const char *names[] = {"transaction_read_only"};
    const char *v[] = {answer};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_backend_key(sc, 5, 6);
    fs_send_ready(sc, 'I');
    fs_expect_query(sc, "SHOW transaction_read_only");
    fs_send_row_description_text(sc, names, 1, PGW_OID_TEXT);
    fs_send_data_row_text(sc, v, 1);
    fs_send_command_complete(sc, "SHOW");
    fs_send_ready(sc, 'I');
    if (accepted) {
        fs_expect_query(sc, "SELECT 1");
        fs_send_row_description_text(sc, names, 1, PGW_OID_TEXT);
        fs_send_data_row_text(sc, v, 1);
        fs_send_command_complete(sc, "SELECT 1");
        fs_send_ready(sc, 'I');
    }
    fs_expect_terminate(sc);
    return serve(sc, port, 5000);
}

static void test_nonblock_socket_target_session_attrs_asks_and_accepts(void **s)
{
    (void)s;
    uint16_t port;
    fs_server *fs = tsa_server(&port, "off", true);
    pgw_conn *c = NULL;
    pgw_status rc = nb_connect(port, "target_session_attrs=read-write", &c, NULL);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    char val[32];
    nb_query(c, "SELECT 1", val, sizeof val);
    assert_string_equal(val, "off");
    pgw_close(c);
    fs_serve_thread_join(fs);
    const char *msg = NULL;
    if (fs_failed(fs, &msg))
        fail_msg("fake server: %s", msg);
    assert_true(fs_done(fs));
    fs_free(fs);
}

static void test_nonblock_socket_target_session_attrs_rejects_read_only(void **s)
{
    (void)s;
    uint16_t port;
    fs_server *fs = tsa_server(&port, "on", false);
    pgw_conn *c = NULL;
    assert_int_equal(nb_connect(port, "target_session_attrs=read-write", &c, NULL), PGW_E_STATE);
    assert_non_null(strstr(pgw_conn_errmsg(c), "session is read-only"));
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    const char *msg = NULL;
    if (fs_failed(fs, &msg))
        fail_msg("fake server: %s", msg);
    /* The rejected server was told goodbye (Terminate), not dropped. */
    assert_true(fs_done(fs));
    fs_free(fs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nonblock_socket_scram_session_is_traced_in_order),
        cmocka_unit_test(test_nonblock_socket_hangup_in_startup_is_closed),
        cmocka_unit_test(test_nonblock_socket_fatal_in_startup_keeps_sqlstate),
        cmocka_unit_test(test_nonblock_socket_stalled_scram_times_out_by_deadline),
        cmocka_unit_test(test_nonblock_socket_target_session_attrs_asks_and_accepts),
        cmocka_unit_test(test_nonblock_socket_target_session_attrs_rejects_read_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
