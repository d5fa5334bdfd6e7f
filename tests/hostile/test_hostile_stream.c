/* Hostile servers after a good startup: what arrives in answer to a simple
 * Query (or while nothing is outstanding) is malformed, out of order or
 * absurd. Each scenario asserts the exact status, the connection state,
 * that a broken connection stays broken and silent, and that the client
 * sent nothing but its one Query. Issue 8. */
#include "hostile.h"

/* After startup and a Query the server answers with `raw` and hangs up.
 * Played twice: all at once, and one byte per read. */
static void query_case(const char *name, pgw_buf *raw, pgw_status want)
{
    assert_int_equal(pgw_buf_status(raw), PGW_OK);
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        fs_script *sc = hr_session();
        fs_expect_query(sc, "SELECT a");
        if (raw->len > 0)
            fs_send_raw(sc, raw->data, raw->len);
        fs_close(sc);
        hrig r;
        hr_init(&r, sc, HCI, chunk, NULL, chunk == 0 ? name + 5 : NULL);
        assert_int_equal(hr_connect(&r), PGW_OK);
        pgw_cursor *cur = NULL;
        assert_int_equal(pgw_query_send(r.c, "SELECT a", &cur), PGW_OK);
        pgw_status rc = hr_walk(&r, cur, NULL);
        if (rc != want)
            fail_msg("%s (chunk %zu): got %s (%s), want %s", name, chunk, pgw_status_name(rc),
                     pgw_conn_errmsg(r.c), pgw_status_name(want));
        if (getenv("PGW_SHOW_MESSAGES"))
            fprintf(stderr, "# %s: %s\n", name, pgw_conn_errmsg(r.c));
        if (want == PGW_E_SERVER || want == PGW_OK)
            assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
        else
            hr_assert_broken(&r, want);
        /* The client said nothing but its query (and no Terminate: the
         * server is gone or broken). */
        assert_int_equal(fs_count_received(r.fs, 'Q'), 1);
        assert_int_equal(fs_received_count(r.fs), 2);
        pgw_cursor_free(cur);
        hr_free(&r);
    }
    pgw_buf_free(raw);
}

/* The server says `raw` while the client is idle (nothing outstanding). */
static void idle_case(const char *name, pgw_buf *raw, pgw_status want)
{
    fs_script *sc = hr_session();
    fs_send_raw(sc, raw->data, raw->len);
    fs_close(sc);
    hrig r;
    hr_init(&r, sc, HCI, 0, NULL, name + 5);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_status rc = hr_idle(&r);
    if (rc != want)
        fail_msg("%s: got %s (%s), want %s", name, pgw_status_name(rc), pgw_conn_errmsg(r.c),
                 pgw_status_name(want));
    hr_assert_broken(&r, want);
    assert_int_equal(fs_received_count(r.fs), 1); /* the StartupMessage */
    hr_free(&r);
    pgw_buf_free(raw);
}

#define QUERY_SCENARIO(name, want, ...)                                                        \
    static void test_hostile_##name(void **state)                                              \
    {                                                                                          \
        (void)state;                                                                           \
        pgw_buf b = hb_new();                                                                  \
        __VA_ARGS__;                                                                           \
        query_case(__func__, &b, want);                                                        \
    }

#define IDLE_SCENARIO(name, want, ...)                                                         \
    static void test_hostile_##name(void **state)                                              \
    {                                                                                          \
        (void)state;                                                                           \
        pgw_buf b = hb_new();                                                                  \
        __VA_ARGS__;                                                                           \
        idle_case(__func__, &b, want);                                                         \
    }

/* ---- length words ------------------------------------------------------ */

QUERY_SCENARIO(length_0_is_protocol_error, PGW_E_PROTOCOL,
               hb_raw(&b, RAW("D\x00\x00\x00\x00")))
QUERY_SCENARIO(length_1_is_protocol_error, PGW_E_PROTOCOL,
               hb_raw(&b, RAW("D\x00\x00\x00\x01")))
QUERY_SCENARIO(length_2_is_protocol_error, PGW_E_PROTOCOL,
               hb_raw(&b, RAW("C\x00\x00\x00\x02")))
QUERY_SCENARIO(length_3_is_protocol_error, PGW_E_PROTOCOL,
               hb_raw(&b, RAW("Z\x00\x00\x00\x03")))
/* 2 GiB - 1 declared: refused from the header, nothing buffered or
 * allocated for it (the rig's allocator refuses any block over 64 MiB). */
QUERY_SCENARIO(length_0x7fffffff_is_too_large, PGW_E_TOO_LARGE,
               hb_raw(&b, RAW("D\x7f\xff\xff\xff")))
QUERY_SCENARIO(length_0x80000000_is_protocol_error, PGW_E_PROTOCOL,
               hb_raw(&b, RAW("D\x80\x00\x00\x00")))
QUERY_SCENARIO(length_0xffffffff_is_protocol_error, PGW_E_PROTOCOL,
               hb_raw(&b, RAW("D\xff\xff\xff\xff")))
/* A short message type (CommandComplete) may not claim 64 KiB. */
QUERY_SCENARIO(short_type_with_long_length_is_too_large, PGW_E_TOO_LARGE,
               hb_raw(&b, RAW("C\x00\x01\x00\x00")))
QUERY_SCENARIO(truncated_message_then_eof_is_closed, PGW_E_CLOSED,
               hb_T1(&b); hb_raw(&b, RAW("D\x00\x00\x00\x0b\x00\x01")))
QUERY_SCENARIO(truncated_header_then_eof_is_closed, PGW_E_CLOSED,
               hb_T1(&b); hb_raw(&b, RAW("D\x00\x00")))
QUERY_SCENARIO(nothing_then_eof_is_closed, PGW_E_CLOSED, (void)0)

/* ---- RowDescription ------------------------------------------------------ */

QUERY_SCENARIO(row_description_count_beyond_body_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'T', RAW("\xff\xff")); hb_Z(&b))
QUERY_SCENARIO(row_description_negative_count_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'T', RAW("\x80\x00")); hb_Z(&b))
QUERY_SCENARIO(row_description_empty_body_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'T', "", 0); hb_Z(&b))
/* Says one column, carries two: trailing bytes. */
QUERY_SCENARIO(row_description_fewer_declared_than_present_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'T',
                      RAW("\x00\x01"
                          "a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x17\x00\x04\xff\xff\xff\xff\x00\x00"
                          "b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x17\x00\x04\xff\xff\xff\xff\x00\x00"));
               hb_Z(&b))
QUERY_SCENARIO(row_description_name_unterminated_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'T', RAW("\x00\x01"
                                   "abc")); hb_Z(&b))
QUERY_SCENARIO(row_description_format_7_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'T',
                      RAW("\x00\x01"
                          "a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x17\x00\x04\xff\xff\xff\xff\x00\x07"));
               hb_Z(&b))
QUERY_SCENARIO(row_description_twice_in_one_result_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_T1(&b); hb_C(&b, "SELECT 0"); hb_Z(&b))

/* ---- DataRow --------------------------------------------------------------- */

QUERY_SCENARIO(data_row_without_row_description_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'D', RAW("\x00\x01\x00\x00\x00\x01"
                                   "1")); hb_Z(&b))
QUERY_SCENARIO(data_row_fewer_fields_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'D', RAW("\x00\x00")); hb_Z(&b))
QUERY_SCENARIO(data_row_more_fields_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'D', RAW("\x00\x02\x00\x00\x00\x01"
                                              "1\x00\x00\x00\x01"
                                              "2")); hb_Z(&b))
QUERY_SCENARIO(data_row_negative_field_count_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'D', RAW("\xff\xff\x00\x00\x00\x01"
                                              "1")); hb_Z(&b))
QUERY_SCENARIO(data_row_field_length_minus_2_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'D', RAW("\x00\x01\xff\xff\xff\xfe")); hb_Z(&b))
QUERY_SCENARIO(data_row_field_length_int32_min_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'D', RAW("\x00\x01\x80\x00\x00\x00")); hb_Z(&b))
QUERY_SCENARIO(data_row_field_past_the_end_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'D', RAW("\x00\x01\x00\x00\x00\x09"
                                              "1")); hb_Z(&b))
QUERY_SCENARIO(data_row_field_length_int32_max_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'D', RAW("\x00\x01\x7f\xff\xff\xff"
                                              "1")); hb_Z(&b))
QUERY_SCENARIO(data_row_trailing_bytes_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'D', RAW("\x00\x01\x00\x00\x00\x01"
                                              "1xyz")); hb_Z(&b))
QUERY_SCENARIO(data_row_after_command_complete_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_C(&b, "SELECT 0"); hb_msg(&b, 'D', RAW("\x00\x01\xff\xff\xff\xff"));
               hb_Z(&b))

/* Only -1 means NULL: the control case reaches the end cleanly. */
static void test_hostile_data_row_length_minus_1_is_null(void **state)
{
    (void)state;
    pgw_buf b = hb_new();
    hb_T1(&b);
    hb_msg(&b, 'D', RAW("\x00\x01\xff\xff\xff\xff"));
    hb_C(&b, "SELECT 1");
    hb_Z(&b);
    fs_script *sc = hr_session();
    fs_expect_query(sc, "SELECT a");
    fs_send_raw(sc, b.data, b.len);
    hrig r;
    hr_init(&r, sc, HCI, 1, NULL, "data_row_length_minus_1_is_null");
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT a", &cur), PGW_OK);
    assert_int_equal(hr_cursor(&r, cur, false), PGW_OK);
    assert_true(pgw_cursor_is_null(cur, 0));
    int32_t v;
    assert_int_equal(pgw_cursor_int32(cur, 0, &v), PGW_E_NULL);
    assert_int_equal(hr_cursor(&r, cur, false), PGW_END);
    assert_int_equal(hr_cursor(&r, cur, true), PGW_END);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    pgw_cursor_free(cur);
    hr_free(&r);
    pgw_buf_free(&b);
}

/* ---- CommandComplete / ReadyForQuery ------------------------------------ */

QUERY_SCENARIO(command_complete_unterminated_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'C', RAW("SELE")); hb_Z(&b))
QUERY_SCENARIO(command_complete_bytes_after_nul_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'C', RAW("SELECT 1\x00junk")); hb_Z(&b))
QUERY_SCENARIO(command_complete_empty_body_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'C', "", 0); hb_Z(&b))
QUERY_SCENARIO(ready_for_query_unknown_status_is_protocol_error, PGW_E_PROTOCOL,
               hb_C(&b, "SELECT 0"); hb_msg(&b, 'Z', RAW("X")))
QUERY_SCENARIO(ready_for_query_empty_body_is_protocol_error, PGW_E_PROTOCOL,
               hb_C(&b, "SELECT 0"); hb_msg(&b, 'Z', "", 0))
QUERY_SCENARIO(ready_for_query_two_status_bytes_is_protocol_error, PGW_E_PROTOCOL,
               hb_C(&b, "SELECT 0"); hb_msg(&b, 'Z', RAW("II")))
QUERY_SCENARIO(ready_for_query_mid_rows_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_Z(&b))
/* The server never says ReadyForQuery and hangs up: closed, not a hang. */
QUERY_SCENARIO(ready_for_query_never_arrives_then_eof_is_closed, PGW_E_CLOSED,
               hb_T1(&b); hb_C(&b, "SELECT 0"))

/* A tag whose count overflows uint64, or is garbage: the result is read
 * (the statement did run), but no guessed count is reported. */
static void tag_case(const char *seed, const char *tag, pgw_status want_rows, uint64_t want_n)
{
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_command_complete(sc, tag);
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 0, NULL, seed);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "UPDATE t SET a = 1", &cur), PGW_OK);
    assert_int_equal(hr_cursor(&r, cur, true), PGW_OK);
    assert_string_equal(pgw_cursor_command_tag(cur), tag);
    uint64_t n = 12345;
    assert_int_equal(pgw_cursor_rows_affected(cur, &n), want_rows);
    assert_int_equal(n, want_rows == PGW_OK ? want_n : 12345);
    assert_int_equal(hr_cursor(&r, cur, true), PGW_END);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    pgw_cursor_free(cur);
    hr_free(&r);
}

static void test_hostile_command_complete_count_overflow_is_not_a_count(void **state)
{
    (void)state;
    tag_case("command_complete_count_overflow", "UPDATE 18446744073709551616", PGW_E_PROTOCOL,
             0);
    tag_case("command_complete_count_max", "UPDATE 18446744073709551615", PGW_OK, UINT64_MAX);
    tag_case("command_complete_insert_overflow", "INSERT 0 99999999999999999999999",
             PGW_E_PROTOCOL, 0);
}

static void test_hostile_command_complete_garbage_tag_is_not_a_count(void **state)
{
    (void)state;
    tag_case("command_complete_negative", "DELETE -5", PGW_E_PROTOCOL, 0);
    tag_case("command_complete_escape", "SELECT \x1b[2J", PGW_E_PROTOCOL, 0);
    tag_case("command_complete_spaces", "INSERT  0 1", PGW_E_PROTOCOL, 0);
    tag_case("command_complete_unknown_verb", "\x7f\x01garbage 12", PGW_END, 0);
}

/* ---- ErrorResponse / NoticeResponse ------------------------------------- */

QUERY_SCENARIO(error_response_unterminated_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'E', RAW("SERROR")))
QUERY_SCENARIO(error_response_field_without_nul_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'E', RAW("SERROR\x00Mno end")); hb_Z(&b))
QUERY_SCENARIO(notice_response_unterminated_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'N', RAW("SNOTICE")))
QUERY_SCENARIO(second_error_response_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'E', RAW("Mfirst\x00\x00")); hb_msg(&b, 'E', RAW("Msecond\x00\x00"));
               hb_Z(&b))

static void test_hostile_error_response_without_message_is_server_error(void **state)
{
    (void)state;
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_raw(sc, RAW("E\x00\x00\x00\x0c"
                        "C22012\x00\x00"));
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 0, NULL, "error_response_without_message");
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1/0", &cur), PGW_OK);
    assert_int_equal(hr_cursor(&r, cur, true), PGW_E_SERVER);
    const pgw_error *e = pgw_conn_error(r.c);
    assert_string_equal(e->sqlstate, "22012");
    assert_string_equal(e->message, "(no message from the server)");
    assert_int_equal(hr_cursor(&r, cur, true), PGW_END);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    pgw_cursor_free(cur);
    hr_free(&r);
}

/* A 1 MB message field: kept whole (it is under the message limit), the
 * connection stays usable, memory stays proportional. */
static void test_hostile_error_response_1mb_field_is_server_error(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    char *m = malloc(big + 1);
    assert_non_null(m);
    memset(m, 'x', big);
    m[big] = '\0';
    pgw_field f[] = {{'S', "ERROR"}, {'C', "XX000"}, {'M', m}, {'D', m}};
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_error(sc, f, 4);
    fs_send_ready(sc, 'I');
    fs_expect_query(sc, "SELECT 2");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 65536, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(hr_walk(&r, cur, NULL), PGW_E_SERVER);
    assert_int_equal(strlen(pgw_conn_error(r.c)->message), big);
    assert_int_equal(strlen(pgw_conn_error(r.c)->detail), big);
    pgw_cursor_free(cur);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    assert_true(r.fa.peak_bytes < 16 * big);
    assert_int_equal(pgw_query_send(r.c, "SELECT 2", &cur), PGW_OK);
    assert_int_equal(hr_walk(&r, cur, NULL), PGW_END);
    pgw_cursor_free(cur);
    assert_true(fs_done(r.fs));
    hr_free(&r);
    free(m);
}

/* Terminal escape sequences in server text are data: handed over verbatim
 * (the library never prints), never interpreted, never truncating. */
static void test_hostile_error_and_notice_escape_sequences_are_verbatim(void **state)
{
    (void)state;
    static const char evil[] = "\x1b]0;pwned\x07\x1b[2J\x1b[1;31mFAKE ROW\r\n| 1 |\x1b[0m";
    pgw_field nf[] = {{'S', "NOTICE"}, {'C', "00000"}, {'M', evil}};
    pgw_field ef[] = {{'S', "ERROR"}, {'C', "XX000"}, {'M', evil}, {'H', evil}};
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_notice(sc, nf, 3);
    fs_send_error(sc, ef, 4);
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 1, NULL, "error_and_notice_escape_sequences");
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(hr_walk(&r, cur, NULL), PGW_E_SERVER);
    assert_int_equal(r.notices, 1);
    assert_string_equal(r.last_notice, evil);
    assert_string_equal(pgw_conn_error(r.c)->message, evil);
    assert_string_equal(pgw_conn_error(r.c)->hint, evil);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    pgw_cursor_free(cur);
    hr_free(&r);
}

/* A 1 MB notice is delivered whole to the callback, then forgotten: the
 * connection's memory returns to where it was. */
static void test_hostile_notice_response_1mb_field_is_delivered(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    char *m = malloc(big + 1);
    assert_non_null(m);
    memset(m, 'n', big);
    m[big] = '\0';
    pgw_field nf[] = {{'S', "WARNING"}, {'C', "01000"}, {'M', m}, {'W', m}};
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_notice(sc, nf, 4);
    fs_send_command_complete(sc, "DO");
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 65536, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "DO $$ $$", &cur), PGW_OK);
    assert_int_equal(hr_walk(&r, cur, NULL), PGW_END);
    assert_int_equal(r.notices, 1);
    assert_int_equal(r.notice_bytes, big);
    assert_true(r.fa.peak_bytes < 16 * big);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    pgw_cursor_free(cur);
    hr_free(&r);
    free(m);
}

static void test_hostile_notice_without_message_is_delivered(void **state)
{
    (void)state;
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_raw(sc, RAW("N\x00\x00\x00\x05\x00"));
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 0, NULL, "notice_without_message");
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(hr_walk(&r, cur, NULL), PGW_END);
    assert_int_equal(r.notices, 1);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    pgw_cursor_free(cur);
    hr_free(&r);
}

static void test_hostile_notices_100000_in_a_result_keep_memory_flat(void **state)
{
    (void)state;
    const char *names[] = {"a"};
    const char *v[] = {"1"};
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    pgw_field nf[] = {{'S', "NOTICE"}, {'C', "00000"}, {'M', "spam spam spam"}};
    for (int i = 0; i < 100000; i++) {
        fs_send_notice(sc, nf, 3);
        if (i % 1000 == 0)
            fs_send_data_row_text(sc, v, 1);
    }
    fs_send_command_complete(sc, "SELECT 100");
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 65536, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    size_t before = r.fa.peak_bytes;
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT a", &cur), PGW_OK);
    uint64_t rows = 0;
    assert_int_equal(hr_walk(&r, cur, &rows), PGW_END);
    assert_int_equal(rows, 100);
    assert_int_equal(r.notices, 100000);
    /* 2.5 MB of notices through a buffer sized by the read, not the sum. */
    assert_true(r.fa.peak_bytes < before + 512 * 1024);
    pgw_cursor_free(cur);
    hr_free(&r);
}

/* ---- ParameterStatus -------------------------------------------------------- */

QUERY_SCENARIO(parameter_status_client_encoding_big5_mid_query_is_unsupported,
               PGW_E_UNSUPPORTED, hb_T1(&b);
               hb_msg(&b, 'S', RAW("client_encoding\x00"
                                   "BIG5\x00"));
               hb_C(&b, "SELECT 0"); hb_Z(&b))
QUERY_SCENARIO(parameter_status_unterminated_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'S', RAW("TimeZone\x00UTC")); hb_Z(&b))
IDLE_SCENARIO(parameter_status_client_encoding_sjis_while_idle_is_unsupported,
              PGW_E_UNSUPPORTED,
              hb_msg(&b, 'S', RAW("client_encoding\x00"
                                  "SJIS\x00")))

static void test_hostile_parameter_status_flood_is_too_large(void **state)
{
    (void)state;
    fs_script *sc = hr_session();
    char name[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(name, sizeof name, "guc_%d", i);
        fs_send_parameter_status(sc, name, "v");
    }
    fs_close(sc);
    hrig r;
    hr_init(&r, sc, HCI, 0, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    assert_int_equal(hr_idle(&r), PGW_E_TOO_LARGE);
    hr_assert_broken(&r, PGW_E_TOO_LARGE);
    assert_true(r.fa.peak_bytes < 256 * 1024);
    hr_free(&r);
}

/* A server repeating the same parameter forever replaces, never grows. */
static void test_hostile_parameter_status_repeated_keeps_memory_flat(void **state)
{
    (void)state;
    fs_script *sc = hr_session();
    char value[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(value, sizeof value, "zone_%d", i);
        fs_send_parameter_status(sc, "TimeZone", value);
    }
    hrig r;
    hr_init(&r, sc, HCI, 4096, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    size_t before = r.fa.live_bytes;
    assert_int_equal(hr_idle(&r), PGW_OK);
    assert_string_equal(pgw_conn_parameter(r.c, "TimeZone"), "zone_19999");
    /* The input buffer grows to the read size; 20,000 values (~200 KB)
     * kept would show far above that. */
    assert_true(r.fa.peak_bytes < before + 16384);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    hr_free(&r);
}

/* ---- unknown types, messages nobody asked for ----------------------------- */

QUERY_SCENARIO(unknown_message_type_in_a_result_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, '\x7f', "", 0); hb_Z(&b))
QUERY_SCENARIO(unknown_message_type_lowercase_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'x', RAW("whatever")); hb_Z(&b))
IDLE_SCENARIO(unknown_message_type_while_idle_is_protocol_error, PGW_E_PROTOCOL,
              hb_msg(&b, '\x01', "", 0))
IDLE_SCENARIO(data_row_while_idle_is_protocol_error, PGW_E_PROTOCOL,
              hb_msg(&b, 'D', RAW("\x00\x01\x00\x00\x00\x01"
                                  "1")))
IDLE_SCENARIO(command_complete_while_idle_is_protocol_error, PGW_E_PROTOCOL,
              hb_C(&b, "DELETE 1000"))
IDLE_SCENARIO(ready_for_query_while_idle_is_protocol_error, PGW_E_PROTOCOL, hb_Z(&b))
IDLE_SCENARIO(row_description_while_idle_is_protocol_error, PGW_E_PROTOCOL, hb_T1(&b))
IDLE_SCENARIO(parse_complete_while_idle_is_protocol_error, PGW_E_PROTOCOL,
              hb_msg(&b, '1', "", 0))
IDLE_SCENARIO(authentication_ok_while_idle_is_protocol_error, PGW_E_PROTOCOL,
              hb_msg(&b, 'R', RAW("\x00\x00\x00\x00")))
IDLE_SCENARIO(backend_key_data_while_idle_is_protocol_error, PGW_E_PROTOCOL,
              hb_msg(&b, 'K', RAW("\x00\x00\x00\x01\x00\x00\x00\x02")))
IDLE_SCENARIO(function_call_response_while_idle_is_protocol_error, PGW_E_PROTOCOL,
              hb_msg(&b, 'V', RAW("\x00\x00\x00\x01x")))
IDLE_SCENARIO(copy_data_while_idle_is_protocol_error, PGW_E_PROTOCOL,
              hb_msg(&b, 'd', RAW("1\n")))
QUERY_SCENARIO(function_call_response_in_a_query_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'V', RAW("\x00\x00\x00\x01x")); hb_Z(&b))
QUERY_SCENARIO(bind_complete_in_a_simple_query_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, '2', "", 0); hb_Z(&b))
QUERY_SCENARIO(portal_suspended_in_a_simple_query_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 's', "", 0); hb_Z(&b))
QUERY_SCENARIO(authentication_request_in_a_query_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'R', RAW("\x00\x00\x00\x03")); hb_Z(&b))
QUERY_SCENARIO(negotiate_protocol_version_in_a_query_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'v', RAW("\x00\x00\x00\x00\x00\x00\x00\x00")); hb_Z(&b))

/* ---- COPY ----------------------------------------------------------------------- */

QUERY_SCENARIO(copy_out_absurd_column_count_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'H', RAW("\x00\xff\xff\x00\x00")); hb_Z(&b))
QUERY_SCENARIO(copy_in_negative_column_count_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'G', RAW("\x00\x80\x00")); hb_Z(&b))
QUERY_SCENARIO(copy_out_format_9_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'H', RAW("\x09\x00\x01\x00\x00")); hb_Z(&b))
QUERY_SCENARIO(copy_both_response_in_a_query_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'W', RAW("\x00\x00\x00")); hb_Z(&b))
QUERY_SCENARIO(copy_data_outside_copy_is_protocol_error, PGW_E_PROTOCOL,
               hb_msg(&b, 'd', RAW("x")); hb_Z(&b))
QUERY_SCENARIO(copy_done_outside_copy_is_protocol_error, PGW_E_PROTOCOL,
               hb_T1(&b); hb_msg(&b, 'c', "", 0); hb_Z(&b))

/* ---- the configured maximum message size ----------------------------------- */

static pgw_status max_case(size_t max, size_t field_len, size_t *peak)
{
    char *v = malloc(field_len + 1);
    assert_non_null(v);
    memset(v, 'y', field_len);
    v[field_len] = '\0';
    const char *names[] = {"a"};
    const char *vals[] = {v};
    fs_script *sc = hr_session();
    fs_expect_query(sc, NULL);
    fs_send_row_description_text(sc, names, 1, PGW_OID_TEXT);
    fs_send_data_row_text(sc, vals, 1);
    fs_send_command_complete(sc, "SELECT 1");
    fs_send_ready(sc, 'I');
    fs_close(sc);
    hr_opts ho = {.max_message_size = max};
    hrig r;
    hr_init(&r, sc, HCI, 4096, &ho, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT a", &cur), PGW_OK);
    pgw_status rc = hr_walk(&r, cur, NULL);
    if (rc != PGW_END)
        hr_assert_broken(&r, rc);
    *peak = r.fa.peak_bytes;
    pgw_cursor_free(cur);
    hr_free(&r);
    free(v);
    return rc;
}

/* DataRow body = 2 (count) + 4 (length) + value. At the limit it passes;
 * one byte over it is refused from the header, before it is buffered. */
static void test_hostile_message_over_configured_max_is_too_large(void **state)
{
    (void)state;
    size_t max = 64 * 1024, peak;
    assert_int_equal(max_case(max, max - 6, &peak), PGW_END);
    assert_int_equal(max_case(max, max - 5, &peak), PGW_E_TOO_LARGE);
    assert_true(peak < max);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_length_0_is_protocol_error),
        cmocka_unit_test(test_hostile_length_1_is_protocol_error),
        cmocka_unit_test(test_hostile_length_2_is_protocol_error),
        cmocka_unit_test(test_hostile_length_3_is_protocol_error),
        cmocka_unit_test(test_hostile_length_0x7fffffff_is_too_large),
        cmocka_unit_test(test_hostile_length_0x80000000_is_protocol_error),
        cmocka_unit_test(test_hostile_length_0xffffffff_is_protocol_error),
        cmocka_unit_test(test_hostile_short_type_with_long_length_is_too_large),
        cmocka_unit_test(test_hostile_truncated_message_then_eof_is_closed),
        cmocka_unit_test(test_hostile_truncated_header_then_eof_is_closed),
        cmocka_unit_test(test_hostile_nothing_then_eof_is_closed),
        cmocka_unit_test(test_hostile_message_over_configured_max_is_too_large),
        cmocka_unit_test(test_hostile_row_description_count_beyond_body_is_protocol_error),
        cmocka_unit_test(test_hostile_row_description_negative_count_is_protocol_error),
        cmocka_unit_test(test_hostile_row_description_empty_body_is_protocol_error),
        cmocka_unit_test(test_hostile_row_description_fewer_declared_than_present_is_protocol_error),
        cmocka_unit_test(test_hostile_row_description_name_unterminated_is_protocol_error),
        cmocka_unit_test(test_hostile_row_description_format_7_is_protocol_error),
        cmocka_unit_test(test_hostile_row_description_twice_in_one_result_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_without_row_description_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_fewer_fields_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_more_fields_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_negative_field_count_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_field_length_minus_2_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_field_length_int32_min_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_field_past_the_end_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_field_length_int32_max_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_trailing_bytes_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_after_command_complete_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_length_minus_1_is_null),
        cmocka_unit_test(test_hostile_command_complete_unterminated_is_protocol_error),
        cmocka_unit_test(test_hostile_command_complete_bytes_after_nul_is_protocol_error),
        cmocka_unit_test(test_hostile_command_complete_empty_body_is_protocol_error),
        cmocka_unit_test(test_hostile_command_complete_count_overflow_is_not_a_count),
        cmocka_unit_test(test_hostile_command_complete_garbage_tag_is_not_a_count),
        cmocka_unit_test(test_hostile_ready_for_query_unknown_status_is_protocol_error),
        cmocka_unit_test(test_hostile_ready_for_query_empty_body_is_protocol_error),
        cmocka_unit_test(test_hostile_ready_for_query_two_status_bytes_is_protocol_error),
        cmocka_unit_test(test_hostile_ready_for_query_mid_rows_is_protocol_error),
        cmocka_unit_test(test_hostile_ready_for_query_never_arrives_then_eof_is_closed),
        cmocka_unit_test(test_hostile_error_response_unterminated_is_protocol_error),
        cmocka_unit_test(test_hostile_error_response_field_without_nul_is_protocol_error),
        cmocka_unit_test(test_hostile_notice_response_unterminated_is_protocol_error),
        cmocka_unit_test(test_hostile_second_error_response_is_protocol_error),
        cmocka_unit_test(test_hostile_error_response_without_message_is_server_error),
        cmocka_unit_test(test_hostile_error_response_1mb_field_is_server_error),
        cmocka_unit_test(test_hostile_error_and_notice_escape_sequences_are_verbatim),
        cmocka_unit_test(test_hostile_notice_without_message_is_delivered),
        cmocka_unit_test(test_hostile_notice_response_1mb_field_is_delivered),
        cmocka_unit_test(test_hostile_notices_100000_in_a_result_keep_memory_flat),
        cmocka_unit_test(test_hostile_parameter_status_client_encoding_big5_mid_query_is_unsupported),
        cmocka_unit_test(test_hostile_parameter_status_unterminated_is_protocol_error),
        cmocka_unit_test(test_hostile_parameter_status_client_encoding_sjis_while_idle_is_unsupported),
        cmocka_unit_test(test_hostile_parameter_status_flood_is_too_large),
        cmocka_unit_test(test_hostile_parameter_status_repeated_keeps_memory_flat),
        cmocka_unit_test(test_hostile_unknown_message_type_in_a_result_is_protocol_error),
        cmocka_unit_test(test_hostile_unknown_message_type_lowercase_is_protocol_error),
        cmocka_unit_test(test_hostile_unknown_message_type_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_command_complete_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_ready_for_query_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_row_description_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_parse_complete_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_authentication_ok_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_backend_key_data_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_function_call_response_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_copy_data_while_idle_is_protocol_error),
        cmocka_unit_test(test_hostile_function_call_response_in_a_query_is_protocol_error),
        cmocka_unit_test(test_hostile_bind_complete_in_a_simple_query_is_protocol_error),
        cmocka_unit_test(test_hostile_portal_suspended_in_a_simple_query_is_protocol_error),
        cmocka_unit_test(test_hostile_authentication_request_in_a_query_is_protocol_error),
        cmocka_unit_test(test_hostile_negotiate_protocol_version_in_a_query_is_protocol_error),
        cmocka_unit_test(test_hostile_copy_out_absurd_column_count_is_protocol_error),
        cmocka_unit_test(test_hostile_copy_in_negative_column_count_is_protocol_error),
        cmocka_unit_test(test_hostile_copy_out_format_9_is_protocol_error),
        cmocka_unit_test(test_hostile_copy_both_response_in_a_query_is_protocol_error),
        cmocka_unit_test(test_hostile_copy_data_outside_copy_is_protocol_error),
        cmocka_unit_test(test_hostile_copy_done_outside_copy_is_protocol_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
