/* Hostile servers on a loopback socket, through the blocking API: a server
 * that goes silent (every wait is bounded by connect_timeout or
 * pgw_conn_set_timeout), and one that cuts the connection with a TCP reset
 * in the middle of a message. Each asserts the status, the state, and a
 * wall-clock bound. Issue 8. */
#include "hostile.h"

static fs_server *serve(fs_script *sc, uint16_t *port)
{
    assert_null(fs_script_error(sc));
    fs_server *fs = fs_new(sc);
    fs_set_timeout(fs, 8000);
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

static void finish(fs_server *fs, pgw_conn *c)
{
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    fs_free(fs);
}

/* Rows, then CommandComplete, then nothing: ReadyForQuery never comes. */
static void test_hostile_ready_for_query_never_arrives_times_out(void **state)
{
    (void)state;
    const char *names[] = {"a"};
    const char *v[] = {"1"};
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_data_row_text(sc, v, 1);
    fs_send_command_complete(sc, "SELECT 1");
    fs_sleep(sc, 3000);
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port);
    pgw_conn *c = NULL;
    assert_int_equal(connect_to(port, NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 300);
    double t0 = hr_now_ms();
    uint64_t n = 0;
    assert_int_equal(pgw_exec(c, "SELECT a", &n), PGW_E_TIMEOUT);
    double ms = hr_now_ms() - t0;
    assert_true(ms >= 250.0 && ms < 2000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT 1", &cur), PGW_E_TIMEOUT);
    assert_null(cur);
    finish(fs, c);
}

/* A row stream that stops mid-message and stays open. */
static void test_hostile_stall_mid_message_times_out(void **state)
{
    (void)state;
    const char *names[] = {"a"};
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_raw(sc, RAW("D\x00\x00\x00\x0b\x00\x01\x00"));
    fs_sleep(sc, 3000);
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port);
    pgw_conn *c = NULL;
    assert_int_equal(connect_to(port, NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 300);
    double t0 = hr_now_ms();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT a", &cur), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_E_TIMEOUT);
    assert_true(hr_now_ms() - t0 < 2000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_cursor_free(cur);
    finish(fs, c);
}

/* Half a DataRow, then a TCP reset. */
static void test_hostile_truncated_message_then_rst_is_closed(void **state)
{
    (void)state;
    const char *names[] = {"a"};
    const char *v[] = {"1"};
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_data_row_text(sc, v, 1);
    fs_send_raw(sc, RAW("D\x00\x00\x00\x20\x00\x01"));
    fs_sleep(sc, 100);
    fs_reset(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port);
    pgw_conn *c = NULL;
    assert_int_equal(connect_to(port, NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 5000);
    uint64_t n = 0;
    pgw_status rc = pgw_exec(c, "SELECT a", &n);
    if (getenv("PGW_SHOW_MESSAGES"))
        fprintf(stderr, "# rst: %s (%s)\n", pgw_status_name(rc), pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fs_serve_thread_join(fs);
    assert_true(fs_was_reset(fs));
    finish(fs, c);
}

/* A reset in the middle of the authentication exchange. */
static void test_hostile_rst_during_startup_is_closed(void **state)
{
    (void)state;
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_raw(sc, RAW("R\x00\x00\x00\x0c\x00\x00"));
    fs_sleep(sc, 100);
    fs_reset(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port);
    pgw_conn *c = NULL;
    double t0 = hr_now_ms();
    pgw_status rc = connect_to(port, "connect_timeout=5", &c);
    if (getenv("PGW_SHOW_MESSAGES"))
        fprintf(stderr, "# rst startup: %s (%s)\n", pgw_status_name(rc), pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_true(hr_now_ms() - t0 < 3000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    finish(fs, c);
}

/* The server stops answering in the middle of SCRAM: connect_timeout
 * bounds the whole attempt; no proof was sent. */
static void test_hostile_scram_stall_is_bounded_by_connect_timeout(void **state)
{
    (void)state;
    static const char *const mechs[] = {"SCRAM-SHA-256"};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_expect_sasl_initial(sc, "SCRAM-SHA-256");
    fs_sleep(sc, 4000);
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port);
    pgw_conn *c = NULL;
    double t0 = hr_now_ms();
    assert_int_equal(connect_to(port, "connect_timeout=1", &c), PGW_E_TIMEOUT);
    double ms = hr_now_ms() - t0;
    assert_true(ms >= 900.0 && ms < 3000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_conn_free(c);
    fs_serve_thread_join(fs);
    assert_int_equal(fs_count_received(fs, 'p'), 1);
    fs_free(fs);
}

/* AuthenticationOk, then silence: ReadyForQuery never arrives in startup. */
static void test_hostile_startup_ready_never_arrives_times_out(void **state)
{
    (void)state;
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_parameter_status(sc, "server_version", "16.4");
    fs_sleep(sc, 4000);
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port);
    pgw_conn *c = NULL;
    double t0 = hr_now_ms();
    assert_int_equal(connect_to(port, "connect_timeout=1", &c), PGW_E_TIMEOUT);
    assert_true(hr_now_ms() - t0 < 3000.0);
    finish(fs, c);
}

/* The extended protocol through the blocking API, bounded by the
 * io_timeout_ms connection option: ParseComplete, BindComplete, then
 * silence. */
static void test_hostile_extended_reply_stall_times_out_by_io_timeout_option(void **state)
{
    (void)state;
    fs_script *sc = hr_session();
    fs_expect_parse(sc, NULL);
    fs_expect_bind(sc);
    fs_expect_describe(sc, 'P');
    fs_expect_execute(sc);
    fs_expect_sync(sc);
    fs_send_parse_complete(sc);
    fs_send_bind_complete(sc);
    fs_sleep(sc, 3000);
    fs_close(sc);
    uint16_t port;
    fs_server *fs = serve(sc, &port);
    char ci[256];
    snprintf(ci, sizeof ci,
             "host=127.0.0.1 port=%u user=alice dbname=app sslmode=disable", (unsigned)port);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    o.io_timeout_ms = 300;
    o.statement_cache_size = -1;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect(&c, &o), PGW_OK);
    pgw_param p = {.type = PGW_OID_INT4, .format = PGW_FORMAT_TEXT, .data = "1", .len = 1};
    double t0 = hr_now_ms();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_params(c, "SELECT $1::int4", &p, 1, &cur), PGW_E_TIMEOUT);
    assert_null(cur);
    double ms = hr_now_ms() - t0;
    assert_true(ms >= 250.0 && ms < 2000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    finish(fs, c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_ready_for_query_never_arrives_times_out),
        cmocka_unit_test(test_hostile_stall_mid_message_times_out),
        cmocka_unit_test(test_hostile_truncated_message_then_rst_is_closed),
        cmocka_unit_test(test_hostile_rst_during_startup_is_closed),
        cmocka_unit_test(test_hostile_scram_stall_is_bounded_by_connect_timeout),
        cmocka_unit_test(test_hostile_startup_ready_never_arrives_times_out),
        cmocka_unit_test(test_hostile_extended_reply_stall_times_out_by_io_timeout_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
