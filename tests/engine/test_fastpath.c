/* The fast-path exchange against the fake server, in memory: the
 * FunctionCall sent, FunctionCallResponse values (NULL, empty, split
 * across reads), and servers that answer oddly — no response, two, one
 * longer than its message or over the size limit, an error before or
 * after the value, a FATAL, a hang-up, messages with no place here — plus
 * an abandoned call, refused calls and allocation failures. */
#include <stdlib.h>

#include "pgwire/fastpath.h"
#include "rig.h"

#define CI "user=alice dbname=app"
#define FN_OID 4242u

static fs_script *session_start(void)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    return sc;
}

static void connect_rig(rig *r, fs_script *sc, size_t chunk)
{
    rig_init(r, sc, CI, chunk);
    assert_int_equal(rig_connect(r), PGW_OK);
}

/* Drive a call until it stops asking for I/O. */
static pgw_status rig_fastpath(rig *r, pgw_fastpath *fp)
{
    for (;;) {
        pgw_status rc = pgw_fastpath_recv(fp);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!rig_shuttle(r))
            fail_msg("engine stalled in a function call (%s)", pgw_status_name(rc));
    }
}

static const uint8_t arg_a[4] = {0, 0, 0, 40};

/* Send a one-argument binary call and drive it. */
static pgw_status call(rig *r, pgw_fastpath **fp)
{
    pgw_param args[1] = {{0, PGW_FORMAT_BINARY, arg_a, 4}};
    pgw_status rc = pgw_fastpath_send(r->c, FN_OID, args, 1, PGW_FORMAT_BINARY, fp);
    if (rc != PGW_OK)
        return rc;
    return rig_fastpath(r, *fp);
}

static void send_value(fs_script *sc, const void *p, size_t n)
{
    pgw_bytes v = {p, n};
    fs_send_function_call_response(sc, &v);
}

static void test_fastpath_value_and_async_messages_reach_the_caller(void **s)
{
    for (size_t chunk = 0; chunk <= 3; chunk++) {
        fs_script *sc = session_start();
        fs_expect_function_call(sc);
        pgw_field nf[] = {{'S', "NOTICE"}, {'V', "NOTICE"}, {'C', "00000"}, {'M', "hello"}};
        fs_send_notice(sc, nf, 4);
        fs_send_parameter_status(sc, "application_name", "fp");
        send_value(sc, "\0\0\0\x2a", 4);
        fs_send_notification(sc, 77, "chan", "payload");
        fs_send_ready(sc, 'T');
        rig r;
        connect_rig(&r, sc, chunk);
        pgw_fastpath *fp = NULL;
        assert_int_equal(call(&r, &fp), PGW_OK);
        const uint8_t *p;
        size_t len;
        assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_OK);
        assert_int_equal(len, 4);
        assert_memory_equal(p, "\0\0\0\x2a", 4);
        /* Finished calls repeat their status. */
        assert_int_equal(pgw_fastpath_recv(fp), PGW_OK);
        assert_int_equal(r.notices, 1);
        assert_string_equal(pgw_conn_parameter(r.c, "application_name"), "fp");
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
        assert_int_equal(pgw_conn_tx_status(r.c), PGW_TX_IN_BLOCK);
        assert_true(fs_done(r.fs));

        /* What the server got: OID, one binary argument, binary result. */
        const fs_msg *m = fs_received(r.fs, fs_received_count(r.fs) - 1);
        assert_int_equal(m->tag, PGW_FE_FUNCTION_CALL);
        pgw_frame f = {m->tag, m->body, m->len};
        pgw_function_call_msg fc;
        assert_int_equal(pgw_parse_function_call(&f, &fc), PGW_OK);
        assert_int_equal(fc.function_oid, FN_OID);
        assert_int_equal(fc.n_args, 1);
        assert_int_equal(pgw_function_call_arg_format(&fc, 0), 1);
        assert_int_equal(fc.result_format, 1);
        pgw_value_iter it;
        pgw_function_call_args_begin(&fc, &it);
        pgw_value v;
        assert_int_equal(pgw_value_iter_next(&it, &v), PGW_OK);
        assert_int_equal(v.len, 4);
        assert_memory_equal(v.ptr, arg_a, 4);
        pgw_fastpath_free(fp);
        rig_free(&r);
    }
}

static void test_fastpath_null_and_empty_results(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    send_value(sc, NULL, 0); /* length -1 */
    fs_send_ready(sc, 'I');
    fs_expect_function_call(sc);
    send_value(sc, "", 0); /* length 0: an empty value, not NULL */
    fs_send_ready(sc, 'I');
    rig r;
    connect_rig(&r, sc, 1);
    pgw_fastpath *fp = NULL;
    assert_int_equal(call(&r, &fp), PGW_OK);
    const uint8_t *p;
    size_t len = 99;
    assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_E_NULL);
    pgw_fastpath_free(fp);
    assert_int_equal(call(&r, &fp), PGW_OK);
    assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_OK);
    assert_int_equal(len, 0);
    pgw_fastpath_free(fp);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

/* A server answer that breaks the protocol: the call and the connection
 * fail with PGW_E_PROTOCOL and a message saying what was wrong. */
static void expect_broken(fs_script *sc, pgw_status want, const char *msg_part)
{
    rig r;
    connect_rig(&r, sc, 0);
    pgw_fastpath *fp = NULL;
    assert_int_equal(call(&r, &fp), want);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
    if (strstr(pgw_conn_errmsg(r.c), msg_part) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", pgw_conn_errmsg(r.c), msg_part);
    const uint8_t *p;
    size_t len;
    assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_E_STATE);
    assert_int_equal(pgw_fastpath_recv(fp), want);
    /* Nothing else starts on a broken connection. */
    pgw_fastpath *fp2 = NULL;
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, NULL, 0, 1, &fp2), want);
    assert_null(fp2);
    pgw_fastpath_free(fp);
    rig_free(&r);
}

static void test_fastpath_ready_without_a_response_is_protocol_error(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    fs_send_ready(sc, 'I');
    expect_broken(sc, PGW_E_PROTOCOL, "without a FunctionCallResponse");
}

static void test_fastpath_second_response_is_protocol_error(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    send_value(sc, "ab", 2);
    send_value(sc, "cd", 2);
    fs_send_ready(sc, 'I');
    expect_broken(sc, PGW_E_PROTOCOL, "second FunctionCallResponse");
}

static void test_fastpath_value_longer_than_its_message_is_protocol_error(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    /* 'V', length 12: a value length of 100 with 4 bytes behind it. */
    static const uint8_t bad[] = {'V', 0, 0, 0, 12, 0, 0, 0, 100, 'a', 'b', 'c', 'd'};
    fs_send_raw(sc, bad, sizeof bad);
    fs_send_ready(sc, 'I');
    expect_broken(sc, PGW_E_PROTOCOL, "FunctionCallResponse: malformed");
}

static void test_fastpath_value_length_below_minus_one_is_protocol_error(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    static const uint8_t bad[] = {'V', 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xfe};
    fs_send_raw(sc, bad, sizeof bad);
    fs_send_ready(sc, 'I');
    expect_broken(sc, PGW_E_PROTOCOL, "FunctionCallResponse: malformed");
}

static void test_fastpath_trailing_bytes_are_protocol_error(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    static const uint8_t bad[] = {'V', 0, 0, 0, 10, 0, 0, 0, 1, 'x', 'y'};
    fs_send_raw(sc, bad, sizeof bad);
    fs_send_ready(sc, 'I');
    expect_broken(sc, PGW_E_PROTOCOL, "FunctionCallResponse: malformed");
}

static void test_fastpath_response_over_the_size_limit_is_refused(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    uint8_t big[4096];
    memset(big, 'z', sizeof big);
    send_value(sc, big, sizeof big);
    fs_send_ready(sc, 'I');
    rig r;
    connect_rig(&r, sc, 0);
    /* The framer checks the declared length before buffering the body. */
    r.c->limits.max_message = 1024;
    pgw_fastpath *fp = NULL;
    assert_int_equal(call(&r, &fp), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
    assert_non_null(strstr(pgw_conn_errmsg(r.c), "exceeds the limit"));
    pgw_fastpath_free(fp);
    rig_free(&r);
}

static void test_fastpath_unexpected_message_is_protocol_error(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    const char *row[] = {"1"};
    fs_send_data_row_text(sc, row, 1);
    fs_send_ready(sc, 'I');
    expect_broken(sc, PGW_E_PROTOCOL, "in a function call response");
}

static void test_fastpath_value_after_an_error_is_protocol_error(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    fs_send_error_msg(sc, "ERROR", "42883", "function 4242 does not exist");
    send_value(sc, "ab", 2);
    fs_send_ready(sc, 'I');
    expect_broken(sc, PGW_E_PROTOCOL, "after an ErrorResponse");
}

static void test_fastpath_two_errors_are_protocol_error(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    fs_send_error_msg(sc, "ERROR", "42883", "one");
    fs_send_error_msg(sc, "ERROR", "42883", "two");
    fs_send_ready(sc, 'I');
    expect_broken(sc, PGW_E_PROTOCOL, "second ErrorResponse");
}

/* An ErrorResponse then ReadyForQuery: the server's error, the connection
 * idle and usable for the next call. */
static void test_fastpath_error_then_ready_leaves_the_connection_idle(void **s)
{
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        fs_script *sc = session_start();
        fs_expect_function_call(sc);
        fs_send_error_msg(sc, "ERROR", "42883", "function 4242 does not exist");
        fs_send_ready(sc, 'E');
        fs_expect_function_call(sc);
        send_value(sc, "ok", 2);
        fs_send_ready(sc, 'E');
        rig r;
        connect_rig(&r, sc, chunk);
        pgw_fastpath *fp = NULL;
        assert_int_equal(call(&r, &fp), PGW_E_SERVER);
        assert_string_equal(pgw_conn_error(r.c)->sqlstate, "42883");
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
        assert_int_equal(pgw_conn_tx_status(r.c), PGW_TX_IN_ERROR);
        assert_int_equal(pgw_fastpath_recv(fp), PGW_E_SERVER);
        const uint8_t *p;
        size_t len;
        assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_E_STATE);
        pgw_fastpath_free(fp);
        assert_int_equal(call(&r, &fp), PGW_OK);
        assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_OK);
        assert_memory_equal(p, "ok", 2);
        pgw_fastpath_free(fp);
        assert_true(fs_done(r.fs));
        rig_free(&r);
    }
}

/* The value, then an error (e.g. at the implicit commit): the call failed. */
static void test_fastpath_error_after_the_value_fails_the_call(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    send_value(sc, "ab", 2);
    fs_send_error_msg(sc, "ERROR", "40001", "could not serialize access");
    fs_send_ready(sc, 'I');
    rig r;
    connect_rig(&r, sc, 0);
    pgw_fastpath *fp = NULL;
    assert_int_equal(call(&r, &fp), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(r.c)->sqlstate, "40001");
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    pgw_fastpath_free(fp);
    rig_free(&r);
}

static void test_fastpath_fatal_error_closes_the_connection(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    fs_send_error_msg(sc, "FATAL", "57P01", "terminating connection due to administrator command");
    fs_close(sc);
    rig r;
    connect_rig(&r, sc, 0);
    pgw_fastpath *fp = NULL;
    assert_int_equal(call(&r, &fp), PGW_E_CLOSED);
    assert_string_equal(pgw_conn_error(r.c)->sqlstate, "57P01");
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
    pgw_fastpath_free(fp);
    rig_free(&r);
}

static void test_fastpath_hang_up_mid_answer_is_closed(void **s)
{
    for (size_t cut = 0; cut <= 2; cut++) {
        fs_script *sc = session_start();
        fs_expect_function_call(sc);
        if (cut >= 1)
            send_value(sc, "abcd", 4);
        if (cut == 2)
            fs_send_raw(sc, "Z\0\0\0", 4); /* half a ReadyForQuery */
        fs_close(sc);
        rig r;
        connect_rig(&r, sc, 0);
        pgw_fastpath *fp = NULL;
        assert_int_equal(call(&r, &fp), PGW_E_CLOSED);
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
        const uint8_t *p;
        size_t len;
        assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_E_STATE);
        pgw_fastpath_free(fp);
        rig_free(&r);
    }
}

/* A call freed before its answer: the next query skips it. */
static void test_fastpath_abandoned_call_is_skipped_by_the_next_query(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    pgw_field nf[] = {{'S', "NOTICE"}, {'V', "NOTICE"}, {'C', "00000"}, {'M', "mid"}};
    fs_send_notice(sc, nf, 4);
    send_value(sc, "ab", 2);
    fs_send_ready(sc, 'I');
    fs_expect_query(sc, "SELECT 1");
    const char *names[] = {"x"};
    const char *row[] = {"1"};
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_data_row_text(sc, row, 1);
    fs_send_command_complete(sc, "SELECT 1");
    fs_send_ready(sc, 'I');
    rig r;
    connect_rig(&r, sc, 1);
    pgw_param args[1] = {{0, PGW_FORMAT_BINARY, arg_a, 4}};
    pgw_fastpath *fp = NULL;
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, args, 1, PGW_FORMAT_BINARY, &fp), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_E_STATE);
    assert_null(cur);
    pgw_fastpath_free(fp);
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, false), PGW_OK);
    int32_t v = 0;
    assert_int_equal(pgw_cursor_int32(cur, 0, &v), PGW_OK);
    assert_int_equal(v, 1);
    assert_int_equal(rig_cursor(&r, cur, false), PGW_END);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_END);
    pgw_cursor_free(cur);
    assert_int_equal(r.notices, 1);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

static void test_fastpath_send_refuses_bad_arguments_and_busy_connections(void **s)
{
    fs_script *sc = session_start();
    fs_expect_query(sc, "SELECT 1");
    fs_send_empty_query(sc);
    fs_send_ready(sc, 'I');
    rig r;
    connect_rig(&r, sc, 0);
    pgw_fastpath *fp = (pgw_fastpath *)&r; /* must be reset to NULL */
    pgw_param args[2] = {{0, PGW_FORMAT_BINARY, arg_a, 4}, {0, 5, arg_a, 4}};
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, args, 1, 2, &fp), PGW_E_INVALID);
    assert_null(fp);
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, args, 2, 1, &fp), PGW_E_INVALID);
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, NULL, 1, 1, &fp), PGW_E_INVALID);
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, args, 70000, 1, &fp), PGW_E_INVALID);
    assert_int_equal(pgw_fastpath_send(NULL, FN_OID, args, 1, 1, &fp), PGW_E_INVALID);
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, args, 1, 1, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_fastpath_recv(NULL), PGW_E_INVALID);
    pgw_fastpath_free(NULL);
    /* Nothing was queued by the refusals. */
    const uint8_t *p;
    assert_int_equal(pgw_conn_output(r.c, &p), 0);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, args, 1, 1, &fp), PGW_E_STATE);
    assert_null(fp);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_END);
    pgw_cursor_free(cur);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

/* More arguments than the stack arrays hold, NULLs and text among them. */
static void test_fastpath_many_arguments_arrive_intact(void **s)
{
    fs_script *sc = session_start();
    fs_expect_function_call(sc);
    send_value(sc, "ok", 2);
    fs_send_ready(sc, 'I');
    rig r;
    connect_rig(&r, sc, 0);
    pgw_param args[20];
    char text[20][4];
    for (int i = 0; i < 20; i++) {
        snprintf(text[i], sizeof text[i], "%d", i);
        args[i] = (pgw_param){0, (int16_t)(i % 2), i % 5 == 4 ? NULL : text[i], strlen(text[i])};
    }
    pgw_fastpath *fp = NULL;
    assert_int_equal(pgw_fastpath_send(r.c, FN_OID, args, 20, PGW_FORMAT_TEXT, &fp), PGW_OK);
    assert_int_equal(rig_fastpath(&r, fp), PGW_OK);
    const fs_msg *m = fs_received(r.fs, fs_received_count(r.fs) - 1);
    pgw_frame f = {m->tag, m->body, m->len};
    pgw_function_call_msg fc;
    assert_int_equal(pgw_parse_function_call(&f, &fc), PGW_OK);
    assert_int_equal(fc.n_args, 20);
    assert_int_equal(fc.result_format, 0);
    pgw_value_iter it;
    pgw_function_call_args_begin(&fc, &it);
    for (uint16_t i = 0; i < 20; i++) {
        pgw_value v;
        assert_int_equal(pgw_value_iter_next(&it, &v), PGW_OK);
        assert_int_equal(pgw_function_call_arg_format(&fc, i), i % 2);
        if (i % 5 == 4) {
            assert_int_equal(v.len, -1);
        } else {
            assert_int_equal(v.len, (int32_t)strlen(text[i]));
            assert_memory_equal(v.ptr, text[i], strlen(text[i]));
        }
    }
    pgw_fastpath_free(fp);
    rig_free(&r);
}

static void oom_loop(size_t chunk);

/* Every allocation of a call fails in turn: PGW_E_NOMEM or success,
 * never a leak; a value lost to memory is reported with the connection
 * idle. */
static void test_fastpath_out_of_memory_at_every_allocation(void **s)
{
    /* Whole input: the value stays a view. Byte by byte: it is copied
     * before more input is read, and that copy can fail too. */
    for (size_t chunk = 0; chunk <= 1; chunk++)
        oom_loop(chunk);
}

static void oom_loop(size_t chunk)
{
    for (size_t n = 1; n < 64; n++) {
        fs_script *sc = session_start();
        fs_expect_function_call(sc);
        send_value(sc, "value", 5);
        fs_send_ready(sc, 'I');
        rig r;
        connect_rig(&r, sc, chunk);
        r.fa.fail_at = r.fa.calls + n;
        pgw_fastpath *fp = NULL;
        pgw_status rc = call(&r, &fp);
        bool hit = r.fa.failures > 0;
        r.fa.fail_at = 0;
        if (rc == PGW_OK) {
            const uint8_t *p;
            size_t len;
            assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_OK);
            assert_memory_equal(p, "value", 5);
        } else {
            assert_int_equal(rc, PGW_E_NOMEM);
        }
        pgw_fastpath_free(fp);
        rig_free(&r);
        if (!hit)
            return; /* every allocation of the call has been failed once */
    }
    fail_msg("the call kept allocating");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fastpath_value_and_async_messages_reach_the_caller),
        cmocka_unit_test(test_fastpath_null_and_empty_results),
        cmocka_unit_test(test_fastpath_ready_without_a_response_is_protocol_error),
        cmocka_unit_test(test_fastpath_second_response_is_protocol_error),
        cmocka_unit_test(test_fastpath_value_longer_than_its_message_is_protocol_error),
        cmocka_unit_test(test_fastpath_value_length_below_minus_one_is_protocol_error),
        cmocka_unit_test(test_fastpath_trailing_bytes_are_protocol_error),
        cmocka_unit_test(test_fastpath_response_over_the_size_limit_is_refused),
        cmocka_unit_test(test_fastpath_unexpected_message_is_protocol_error),
        cmocka_unit_test(test_fastpath_value_after_an_error_is_protocol_error),
        cmocka_unit_test(test_fastpath_two_errors_are_protocol_error),
        cmocka_unit_test(test_fastpath_error_then_ready_leaves_the_connection_idle),
        cmocka_unit_test(test_fastpath_error_after_the_value_fails_the_call),
        cmocka_unit_test(test_fastpath_fatal_error_closes_the_connection),
        cmocka_unit_test(test_fastpath_hang_up_mid_answer_is_closed),
        cmocka_unit_test(test_fastpath_abandoned_call_is_skipped_by_the_next_query),
        cmocka_unit_test(test_fastpath_send_refuses_bad_arguments_and_busy_connections),
        cmocka_unit_test(test_fastpath_many_arguments_arrive_intact),
        cmocka_unit_test(test_fastpath_out_of_memory_at_every_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
