/* Hostile servers in the extended query protocol: ParseComplete,
 * BindComplete, NoData, ParameterDescription, PortalSuspended (and the
 * rest) out of sequence, for a one-shot parameterised query
 * (pgw_query_params_send, statement cache off: Parse/Bind/Describe(P)/
 * Execute/Sync) and for pgw_prepare_send (Parse/Describe(S)/Sync).
 * Each asserts the exact status, a broken and silent connection, and that
 * the client sent its one exchange and nothing more. Issue 8. */
#include "hostile.h"

enum ext_kind { EXT_QUERY, EXT_PREPARE };

static const char SQL[] = "SELECT $1::int4 AS a";

static void ext_case(const char *name, enum ext_kind kind, pgw_buf *raw, pgw_status want)
{
    assert_int_equal(pgw_buf_status(raw), PGW_OK);
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        fs_script *sc = hr_session();
        fs_expect_parse(sc, SQL);
        if (kind == EXT_QUERY) {
            fs_expect_bind(sc);
            fs_expect_describe(sc, 'P');
            fs_expect_execute(sc);
        } else {
            fs_expect_describe(sc, 'S');
        }
        fs_expect_sync(sc);
        if (raw->len > 0)
            fs_send_raw(sc, raw->data, raw->len);
        fs_close(sc);
        hr_opts ho = {.statement_cache_size = -1};
        hrig r;
        hr_init(&r, sc, HCI, chunk, &ho, chunk == 0 ? name + 5 : NULL);
        assert_int_equal(hr_connect(&r), PGW_OK);
        pgw_status rc;
        pgw_cursor *cur = NULL;
        pgw_stmt *st = NULL;
        if (kind == EXT_QUERY) {
            pgw_param p = {.type = PGW_OID_INT4, .format = PGW_FORMAT_TEXT, .data = "7", .len = 1};
            assert_int_equal(pgw_query_params_send(r.c, SQL, &p, 1, NULL, 0, &cur), PGW_OK);
            rc = hr_walk(&r, cur, NULL);
        } else {
            assert_int_equal(pgw_prepare_send(r.c, "s1", SQL, NULL, 0, &st), PGW_OK);
            rc = hr_stmt(&r, st);
        }
        if (rc != want)
            fail_msg("%s (chunk %zu): got %s (%s), want %s", name, chunk, pgw_status_name(rc),
                     pgw_conn_errmsg(r.c), pgw_status_name(want));
        if (getenv("PGW_SHOW_MESSAGES"))
            fprintf(stderr, "# %s: %s\n", name, pgw_conn_errmsg(r.c));
        if (want == PGW_OK || want == PGW_END || want == PGW_E_SERVER)
            assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
        else
            hr_assert_broken(&r, want);
        if (st != NULL && want != PGW_OK)
            assert_false(pgw_stmt_ready(st));
        /* One exchange and nothing after it. */
        assert_int_equal(fs_count_received(r.fs, 'P'), 1);
        assert_int_equal(fs_count_received(r.fs, 'S'), 1);
        assert_int_equal(fs_count_received(r.fs, 'B'), kind == EXT_QUERY ? 1 : 0);
        assert_int_equal(fs_received_count(r.fs), kind == EXT_QUERY ? 6 : 4);
        pgw_cursor_free(cur);
        pgw_stmt_free(st);
        hr_free(&r);
    }
    pgw_buf_free(raw);
}

#define EXT_SCENARIO(name, kind, want, ...)                                                    \
    static void test_hostile_##name(void **state)                                              \
    {                                                                                          \
        (void)state;                                                                           \
        pgw_buf b = hb_new();                                                                  \
        __VA_ARGS__;                                                                           \
        ext_case(__func__, kind, &b, want);                                                    \
    }

#define M(tag) hb_msg(&b, tag, "", 0)

/* The well-formed answers first: the harness and the scripts are right. */
EXT_SCENARIO(ext_query_in_order_is_ok, EXT_QUERY, PGW_END, M('1'); M('2'); hb_T1(&b);
             hb_msg(&b, 'D', RAW("\x00\x01\x00\x00\x00\x01"
                                 "7"));
             hb_C(&b, "SELECT 1"); hb_Z(&b))
EXT_SCENARIO(ext_prepare_in_order_is_ok, EXT_PREPARE, PGW_OK, M('1');
             hb_msg(&b, 't', RAW("\x00\x01\x00\x00\x00\x17")); hb_T1(&b); hb_Z(&b))

/* ---- one-shot parameterised query ---- */

EXT_SCENARIO(ext_bind_complete_before_parse_complete_is_protocol_error, EXT_QUERY,
             PGW_E_PROTOCOL, M('2'); M('1'); M('n'); hb_C(&b, "SELECT 0"); hb_Z(&b))
EXT_SCENARIO(ext_parse_complete_twice_is_protocol_error, EXT_QUERY, PGW_E_PROTOCOL, M('1');
             M('1'); M('2'); M('n'); hb_C(&b, "SELECT 0"); hb_Z(&b))
EXT_SCENARIO(ext_no_data_before_bind_complete_is_protocol_error, EXT_QUERY, PGW_E_PROTOCOL,
             M('1'); M('n'); M('2'); hb_C(&b, "SELECT 0"); hb_Z(&b))
EXT_SCENARIO(ext_parameter_description_for_a_portal_is_protocol_error, EXT_QUERY,
             PGW_E_PROTOCOL, M('1'); M('2');
             hb_msg(&b, 't', RAW("\x00\x01\x00\x00\x00\x17")); hb_T1(&b);
             hb_C(&b, "SELECT 0"); hb_Z(&b))
EXT_SCENARIO(ext_portal_suspended_before_execute_is_protocol_error, EXT_QUERY,
             PGW_E_PROTOCOL, M('1'); M('2'); M('s'); hb_Z(&b))
EXT_SCENARIO(ext_data_row_before_describe_is_protocol_error, EXT_QUERY, PGW_E_PROTOCOL,
             M('1'); M('2'); hb_msg(&b, 'D', RAW("\x00\x01\x00\x00\x00\x01"
                                                 "7"));
             hb_T1(&b); hb_C(&b, "SELECT 1"); hb_Z(&b))
EXT_SCENARIO(ext_command_complete_before_bind_complete_is_protocol_error, EXT_QUERY,
             PGW_E_PROTOCOL, M('1'); hb_C(&b, "SELECT 0"); hb_Z(&b))
EXT_SCENARIO(ext_ready_for_query_before_command_complete_is_protocol_error, EXT_QUERY,
             PGW_E_PROTOCOL, M('1'); M('2'); M('n'); hb_Z(&b))
EXT_SCENARIO(ext_close_complete_unasked_is_protocol_error, EXT_QUERY, PGW_E_PROTOCOL,
             M('1'); M('3'); M('2'); M('n'); hb_C(&b, "SELECT 0"); hb_Z(&b))
EXT_SCENARIO(ext_parse_complete_with_body_is_protocol_error, EXT_QUERY, PGW_E_PROTOCOL,
             hb_msg(&b, '1', RAW("x")); M('2'); M('n'); hb_C(&b, "SELECT 0"); hb_Z(&b))
/* After an error the server skips to Sync: anything else is out of turn. */
EXT_SCENARIO(ext_bind_complete_after_error_is_protocol_error, EXT_QUERY, PGW_E_PROTOCOL,
             hb_msg(&b, 'E', RAW("SERROR\x00"
                                 "C42601\x00"
                                 "Msyntax\x00\x00"));
             M('2'); hb_Z(&b))
EXT_SCENARIO(ext_error_at_parse_then_ready_is_server_error, EXT_QUERY, PGW_E_SERVER,
             hb_msg(&b, 'E', RAW("SERROR\x00"
                                 "C42601\x00"
                                 "Msyntax\x00\x00"));
             hb_Z(&b))
EXT_SCENARIO(ext_data_row_more_fields_is_protocol_error, EXT_QUERY, PGW_E_PROTOCOL, M('1');
             M('2'); hb_T1(&b);
             hb_msg(&b, 'D', RAW("\x00\x02\x00\x00\x00\x01"
                                 "7\xff\xff\xff\xff"));
             hb_C(&b, "SELECT 1"); hb_Z(&b))
/* The exchange ends at its ReadyForQuery; the extra ones arrive while
 * idle and break the connection at the next step. */
static void test_hostile_ext_ready_for_query_twice_is_protocol_error(void **state)
{
    (void)state;
    fs_script *sc = hr_session();
    fs_expect_parse(sc, SQL);
    fs_expect_bind(sc);
    fs_expect_describe(sc, 'P');
    fs_expect_execute(sc);
    fs_expect_sync(sc);
    fs_send_parse_complete(sc);
    fs_send_bind_complete(sc);
    fs_send_no_data(sc);
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    fs_send_ready(sc, 'I');
    fs_close(sc);
    hr_opts ho = {.statement_cache_size = -1};
    hrig r;
    hr_init(&r, sc, HCI, 0, &ho, "ext_ready_for_query_twice");
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    pgw_param p = {.type = PGW_OID_INT4, .format = PGW_FORMAT_TEXT, .data = "7", .len = 1};
    assert_int_equal(pgw_query_params_send(r.c, SQL, &p, 1, NULL, 0, &cur), PGW_OK);
    assert_int_equal(hr_walk(&r, cur, NULL), PGW_END);
    pgw_cursor_free(cur);
    assert_int_equal(hr_idle(&r), PGW_E_PROTOCOL);
    hr_assert_broken(&r, PGW_E_PROTOCOL);
    assert_int_equal(fs_received_count(r.fs), 6);
    hr_free(&r);
}

/* ---- pgw_prepare_send ---- */

EXT_SCENARIO(prepare_row_description_before_parameter_description_is_protocol_error,
             EXT_PREPARE, PGW_E_PROTOCOL, M('1'); hb_T1(&b);
             hb_msg(&b, 't', RAW("\x00\x01\x00\x00\x00\x17")); hb_Z(&b))
EXT_SCENARIO(prepare_no_data_before_parameter_description_is_protocol_error, EXT_PREPARE,
             PGW_E_PROTOCOL, M('1'); M('n'); hb_Z(&b))
EXT_SCENARIO(prepare_parameter_description_twice_is_protocol_error, EXT_PREPARE,
             PGW_E_PROTOCOL, M('1'); hb_msg(&b, 't', RAW("\x00\x01\x00\x00\x00\x17"));
             hb_msg(&b, 't', RAW("\x00\x01\x00\x00\x00\x17")); hb_T1(&b); hb_Z(&b))
EXT_SCENARIO(prepare_parameter_description_count_beyond_body_is_protocol_error, EXT_PREPARE,
             PGW_E_PROTOCOL, M('1'); hb_msg(&b, 't', RAW("\xff\xff\x00\x00\x00\x17"));
             hb_T1(&b); hb_Z(&b))
EXT_SCENARIO(prepare_parameter_description_trailing_bytes_is_protocol_error, EXT_PREPARE,
             PGW_E_PROTOCOL, M('1');
             hb_msg(&b, 't', RAW("\x00\x01\x00\x00\x00\x17\x00\x00\x00\x19")); hb_T1(&b);
             hb_Z(&b))
EXT_SCENARIO(prepare_bind_complete_is_protocol_error, EXT_PREPARE, PGW_E_PROTOCOL, M('1');
             M('2'); hb_msg(&b, 't', RAW("\x00\x00")); M('n'); hb_Z(&b))
EXT_SCENARIO(prepare_portal_suspended_is_protocol_error, EXT_PREPARE, PGW_E_PROTOCOL, M('1');
             hb_msg(&b, 't', RAW("\x00\x00")); M('s'); hb_Z(&b))
EXT_SCENARIO(prepare_data_row_is_protocol_error, EXT_PREPARE, PGW_E_PROTOCOL, M('1');
             hb_msg(&b, 't', RAW("\x00\x00")); hb_T1(&b);
             hb_msg(&b, 'D', RAW("\x00\x01\xff\xff\xff\xff")); hb_Z(&b))
EXT_SCENARIO(prepare_command_complete_is_protocol_error, EXT_PREPARE, PGW_E_PROTOCOL, M('1');
             hb_msg(&b, 't', RAW("\x00\x00")); M('n'); hb_C(&b, "SELECT 0"); hb_Z(&b))
EXT_SCENARIO(prepare_row_description_negative_count_is_protocol_error, EXT_PREPARE,
             PGW_E_PROTOCOL, M('1'); hb_msg(&b, 't', RAW("\x00\x00"));
             hb_msg(&b, 'T', RAW("\x80\x00")); hb_Z(&b))
EXT_SCENARIO(prepare_ready_for_query_before_describe_is_protocol_error, EXT_PREPARE,
             PGW_E_PROTOCOL, M('1'); hb_Z(&b))
EXT_SCENARIO(prepare_truncated_then_eof_is_closed, EXT_PREPARE, PGW_E_CLOSED, M('1');
             hb_raw(&b, RAW("t\x00\x00\x00\x0a\x00\x01")))

/* ---- the statement cache (the default): Parse/Describe(S)/Sync, then
 * Bind/Execute/Sync. `first` answers the prepare; `second`, when given,
 * answers the execution. ---- */

static void cached_case(const char *name, pgw_buf *first, pgw_buf *second, pgw_status want)
{
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        fs_script *sc = hr_session();
        fs_expect_parse(sc, SQL);
        fs_expect_describe(sc, 'S');
        fs_expect_sync(sc);
        fs_send_raw(sc, first->data, first->len);
        if (second != NULL) {
            fs_expect_bind(sc);
            fs_expect_execute(sc);
            fs_expect_sync(sc);
            fs_send_raw(sc, second->data, second->len);
        }
        fs_close(sc);
        hrig r;
        hr_init(&r, sc, HCI, chunk, NULL, chunk == 0 ? name + 5 : NULL);
        assert_int_equal(hr_connect(&r), PGW_OK);
        pgw_cursor *cur = NULL;
        pgw_param p = {.type = PGW_OID_INT4, .format = PGW_FORMAT_TEXT, .data = "7", .len = 1};
        assert_int_equal(pgw_query_params_send(r.c, SQL, &p, 1, NULL, 0, &cur), PGW_OK);
        pgw_status rc = hr_walk(&r, cur, NULL);
        if (rc != want)
            fail_msg("%s (chunk %zu): got %s (%s), want %s", name, chunk, pgw_status_name(rc),
                     pgw_conn_errmsg(r.c), pgw_status_name(want));
        if (getenv("PGW_SHOW_MESSAGES"))
            fprintf(stderr, "# %s: %s\n", name, pgw_conn_errmsg(r.c));
        hr_assert_broken(&r, want);
        assert_int_equal(fs_received_count(r.fs), second != NULL ? 7 : 4);
        pgw_stmt_cache_stats cs;
        pgw_conn_stmt_cache_stats(r.c, &cs);
        assert_true(cs.size <= 1);
        pgw_cursor_free(cur);
        hr_free(&r);
    }
    pgw_buf_free(first);
    if (second != NULL)
        pgw_buf_free(second);
}

#define T_PDESC hb_msg(&b, 't', RAW("\x00\x01\x00\x00\x00\x17"))

static void test_hostile_cached_describe_row_description_first_is_protocol_error(void **s)
{
    (void)s;
    pgw_buf b = hb_new();
    M('1');
    hb_T1(&b);
    T_PDESC;
    hb_Z(&b);
    cached_case(__func__, &b, NULL, PGW_E_PROTOCOL);
}

static void test_hostile_cached_describe_reply_with_bind_complete_is_protocol_error(void **s)
{
    (void)s;
    pgw_buf b = hb_new();
    M('1');
    T_PDESC;
    M('2');
    hb_T1(&b);
    hb_Z(&b);
    cached_case(__func__, &b, NULL, PGW_E_PROTOCOL);
}

/* The description said one column; the execution's rows carry two. */
static void test_hostile_cached_rows_wider_than_description_is_protocol_error(void **s)
{
    (void)s;
    pgw_buf b = hb_new();
    M('1');
    T_PDESC;
    hb_T1(&b);
    hb_Z(&b);
    pgw_buf b2 = hb_new();
    hb_msg(&b2, '2', "", 0);
    hb_msg(&b2, 'D', RAW("\x00\x02\x00\x00\x00\x01"
                         "7\xff\xff\xff\xff"));
    hb_C(&b2, "SELECT 1");
    hb_Z(&b2);
    cached_case(__func__, &b, &b2, PGW_E_PROTOCOL);
}

static void test_hostile_cached_execution_parse_complete_is_protocol_error(void **s)
{
    (void)s;
    pgw_buf b = hb_new();
    M('1');
    T_PDESC;
    hb_T1(&b);
    hb_Z(&b);
    pgw_buf b2 = hb_new();
    hb_msg(&b2, '1', "", 0);
    hb_msg(&b2, '2', "", 0);
    hb_C(&b2, "SELECT 0");
    hb_Z(&b2);
    cached_case(__func__, &b, &b2, PGW_E_PROTOCOL);
}

static void test_hostile_cached_execution_no_data_is_protocol_error(void **s)
{
    (void)s;
    pgw_buf b = hb_new();
    M('1');
    T_PDESC;
    hb_T1(&b);
    hb_Z(&b);
    pgw_buf b2 = hb_new();
    hb_msg(&b2, '2', "", 0);
    hb_msg(&b2, 'n', "", 0);
    hb_C(&b2, "SELECT 0");
    hb_Z(&b2);
    cached_case(__func__, &b, &b2, PGW_E_PROTOCOL);
}

/* A whole extended-protocol session (startup, Parse/Bind/Describe/Execute/
 * Sync, a row) replayed by a server that hangs up after every possible
 * byte: each cut is a clean PGW_E_CLOSED, never a hang, a success or a
 * leak. */
static void test_hostile_ext_session_cut_at_every_byte_is_closed(void **state)
{
    (void)state;
    pgw_param p = {.type = PGW_OID_INT4, .format = PGW_FORMAT_TEXT, .data = "7", .len = 1};
    hr_opts ho = {.statement_cache_size = -1};
    fs_script *sc = hr_session();
    fs_expect_parse(sc, SQL);
    fs_expect_bind(sc);
    fs_expect_describe(sc, 'P');
    fs_expect_execute(sc);
    fs_expect_sync(sc);
    const char *names[] = {"a"};
    const char *v[] = {"7"};
    fs_send_parse_complete(sc);
    fs_send_bind_complete(sc);
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_data_row_text(sc, v, 1);
    fs_send_command_complete(sc, "SELECT 1");
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 0, &ho, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_params_send(r.c, SQL, &p, 1, NULL, 0, &cur), PGW_OK);
    uint64_t rows = 0;
    assert_int_equal(hr_walk(&r, cur, &rows), PGW_END);
    assert_int_equal(rows, 1);
    pgw_cursor_free(cur);
    size_t total = r.transcript.len;
    uint8_t *t = malloc(total);
    assert_non_null(t);
    memcpy(t, r.transcript.data, total);
    hr_free(&r);
    assert_true(total > 150);
    for (size_t cut = 0; cut < total; cut++) {
        fs_script *raw = fs_script_new();
        fs_expect_startup(raw, "alice", "app");
        if (cut > 0)
            fs_send_raw(raw, t, cut);
        fs_close(raw);
        hrig rc_r;
        hr_init(&rc_r, raw, HCI, cut % 3, &ho, NULL);
        pgw_status rc = hr_connect(&rc_r);
        if (rc == PGW_OK) {
            cur = NULL;
            assert_int_equal(pgw_query_params_send(rc_r.c, SQL, &p, 1, NULL, 0, &cur), PGW_OK);
            rc = hr_walk(&rc_r, cur, NULL);
            pgw_cursor_free(cur);
        }
        if (rc != PGW_E_CLOSED)
            fail_msg("cut at %zu of %zu: got %s (%s)", cut, total, pgw_status_name(rc),
                     pgw_conn_errmsg(rc_r.c));
        hr_assert_broken(&rc_r, PGW_E_CLOSED);
        hr_free(&rc_r);
    }
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_ext_query_in_order_is_ok),
        cmocka_unit_test(test_hostile_ext_prepare_in_order_is_ok),
        cmocka_unit_test(test_hostile_ext_bind_complete_before_parse_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_parse_complete_twice_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_no_data_before_bind_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_parameter_description_for_a_portal_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_portal_suspended_before_execute_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_data_row_before_describe_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_command_complete_before_bind_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_ready_for_query_before_command_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_close_complete_unasked_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_parse_complete_with_body_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_bind_complete_after_error_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_error_at_parse_then_ready_is_server_error),
        cmocka_unit_test(test_hostile_ext_data_row_more_fields_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_ready_for_query_twice_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_row_description_before_parameter_description_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_no_data_before_parameter_description_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_parameter_description_twice_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_parameter_description_count_beyond_body_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_parameter_description_trailing_bytes_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_bind_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_portal_suspended_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_data_row_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_command_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_row_description_negative_count_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_ready_for_query_before_describe_is_protocol_error),
        cmocka_unit_test(test_hostile_prepare_truncated_then_eof_is_closed),
        cmocka_unit_test(test_hostile_cached_describe_row_description_first_is_protocol_error),
        cmocka_unit_test(test_hostile_cached_describe_reply_with_bind_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_cached_rows_wider_than_description_is_protocol_error),
        cmocka_unit_test(test_hostile_cached_execution_parse_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_cached_execution_no_data_is_protocol_error),
        cmocka_unit_test(test_hostile_ext_session_cut_at_every_byte_is_closed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
