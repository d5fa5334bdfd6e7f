/* COPY in the engine against the fake server, in memory: both directions,
 * chunking, errors and CopyFail, and servers that misbehave (copy
 * messages out of place, malformed CopyInResponse, huge CopyData, a close
 * in the middle of either direction). */
#include <stdlib.h>

#include "rig.h"

#define CI "user=alice dbname=app"

static fs_script *session_start(void)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    return sc;
}

/* Drive the copy calls until they stop asking for I/O. A stall (the
 * engine waits for bytes the script will never send) fails the test. */
static void moved(rig *r, pgw_status rc)
{
    if (!rig_shuttle(r))
        fail_msg("engine stalled in COPY (%s)", pgw_status_name(rc));
}

static pgw_status start(rig *r, pgw_copy *cp)
{
    pgw_status rc;
    while ((rc = pgw_copy_recv_start(cp)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
        moved(r, rc);
    return rc;
}

static pgw_status finish_in(rig *r, pgw_copy *cp, uint64_t *rows)
{
    pgw_status rc;
    while ((rc = pgw_copy_recv_end(cp, rows)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
        moved(r, rc);
    return rc;
}

static pgw_status next_chunk(rig *r, pgw_copy *cp, const uint8_t **p, size_t *len)
{
    pgw_status rc;
    while ((rc = pgw_copy_recv_data(cp, p, len)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
        moved(r, rc);
    return rc;
}

/* Send whatever the engine has queued. */
static void deliver(rig *r)
{
    while (rig_shuttle(r))
        ;
}

static rig *open_rig(rig *r, fs_script *sc, size_t chunk)
{
    rig_init(r, sc, CI, chunk);
    assert_int_equal(rig_connect(r), PGW_OK);
    return r;
}

static void test_copy_in_stages_rows_into_one_message(void **s)
{
    (void)s;
    const int16_t fmts[] = {0, 0};
    fs_script *sc = session_start();
    fs_expect_query(sc, "COPY t FROM STDIN");
    fs_send_copy_in_response(sc, 0, fmts, 2);
    fs_expect_copy_data(sc, "1\ta\n2\tb\n3\tc\n", 12);
    fs_expect_copy_done(sc);
    fs_send_command_complete(sc, "COPY 3");
    fs_send_ready(sc, 'I');
    rig r;
    open_rig(&r, sc, 1);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(pgw_copy_get_direction(cp), PGW_COPY_NONE);
    assert_int_equal(pgw_copy_format(cp), -1);
    assert_int_equal(start(&r, cp), PGW_OK);
    assert_int_equal(pgw_copy_get_direction(cp), PGW_COPY_IN);
    assert_int_equal(pgw_copy_format(cp), 0);
    assert_int_equal(pgw_copy_ncols(cp), 2);
    assert_int_equal(pgw_copy_queue(cp, "1\ta\n", 4, 1), PGW_OK);
    assert_int_equal(pgw_copy_queue(cp, "2\tb\n3\t", 6, 1), PGW_OK);
    assert_int_equal(pgw_copy_queue(cp, "c\n", 2, 1), PGW_OK);
    assert_int_equal(pgw_copy_poll(cp), PGW_OK);
    assert_int_equal(pgw_copy_queue_end(cp), PGW_OK);
    /* COPY IN is over: more data is refused. */
    assert_int_equal(pgw_copy_queue(cp, "x", 1, 0), PGW_E_STATE);
    uint64_t rows = 0;
    assert_int_equal(finish_in(&r, cp, &rows), PGW_OK);
    assert_int_equal(rows, 3);
    assert_int_equal(pgw_copy_rows_sent(cp), 3);
    assert_int_equal(pgw_copy_bytes_sent(cp), 12);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    assert_int_equal(finish_in(&r, cp, &rows), PGW_OK); /* repeatable */
    pgw_copy_free(cp);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

static void test_copy_in_large_put_is_split_into_chunks(void **s)
{
    (void)s;
    const int16_t fmts[] = {1};
    size_t total = 2 * PGW_COPY_CHUNK + 1000 + 10;
    uint8_t *data = malloc(total);
    assert_non_null(data);
    for (size_t i = 0; i < total; i++)
        data[i] = (uint8_t)(i * 7);
    fs_script *sc = session_start();
    fs_expect_query(sc, NULL);
    fs_send_copy_in_response(sc, 1, fmts, 1);
    fs_expect_copy_data(sc, data, PGW_COPY_CHUNK);
    fs_expect_copy_data(sc, data + PGW_COPY_CHUNK, PGW_COPY_CHUNK);
    fs_expect_copy_data(sc, data + 2 * PGW_COPY_CHUNK, 1010);
    fs_expect_copy_done(sc);
    fs_send_command_complete(sc, "COPY 1");
    fs_send_ready(sc, 'I');
    rig r;
    open_rig(&r, sc, 0);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY t FROM STDIN (FORMAT binary)", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_OK);
    assert_int_equal(pgw_copy_format(cp), 1);
    assert_int_equal(pgw_copy_column_format(cp, 0), 1);
    assert_int_equal(pgw_copy_queue(cp, data, 10, 0), PGW_OK);
    assert_int_equal(pgw_copy_queue(cp, data + 10, total - 10, 1), PGW_OK);
    assert_int_equal(pgw_copy_queue_end(cp), PGW_OK);
    uint64_t rows;
    assert_int_equal(finish_in(&r, cp, &rows), PGW_OK);
    assert_int_equal(rows, 1);
    assert_int_equal(pgw_copy_bytes_sent(cp), total);
    pgw_copy_free(cp);
    assert_true(fs_done(r.fs));
    free(data);
    rig_free(&r);
}

static void test_copy_out_chunks_are_views_byte_by_byte(void **s)
{
    (void)s;
    const int16_t fmts[] = {0};
    fs_script *sc = session_start();
    fs_expect_query(sc, NULL);
    fs_send_copy_out_response(sc, 0, fmts, 1);
    fs_send_copy_data(sc, "1\n", 2);
    pgw_field nf[] = {{'S', "NOTICE"}, {'V', "NOTICE"}, {'C', "00000"}, {'M', "mid copy"}};
    fs_send_notice(sc, nf, 4);
    fs_send_copy_data(sc, "", 0);
    fs_send_copy_data(sc, "333\n", 4);
    fs_send_copy_done(sc);
    fs_send_command_complete(sc, "COPY 2");
    fs_send_ready(sc, 'I');
    rig r;
    open_rig(&r, sc, 1);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY t TO STDOUT", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_OK);
    assert_int_equal(pgw_copy_get_direction(cp), PGW_COPY_OUT);
    const uint8_t *p;
    size_t len;
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_OK);
    assert_int_equal(len, 2);
    assert_memory_equal(p, "1\n", 2);
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_OK);
    assert_int_equal(len, 0);
    assert_int_equal(r.notices, 1);
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_OK);
    assert_int_equal(len, 4);
    assert_memory_equal(p, "333\n", 4);
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_END);
    assert_int_equal(pgw_copy_rows(cp), 2);
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_END);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    /* COPY IN calls on a COPY OUT are refused. */
    assert_int_equal(pgw_copy_queue(cp, "x", 1, 0), PGW_E_STATE);
    assert_int_equal(pgw_copy_recv_end(cp, NULL), PGW_E_STATE);
    pgw_copy_free(cp);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

static void test_copy_in_server_error_is_seen_by_poll(void **s)
{
    (void)s;
    const int16_t fmts[] = {0};
    fs_script *sc = session_start();
    fs_expect_query(sc, NULL);
    fs_send_copy_in_response(sc, 0, fmts, 1);
    fs_expect_copy_data(sc, NULL, 0);
    pgw_field ef[] = {{'S', "ERROR"},
                      {'V', "ERROR"},
                      {'C', "22P02"},
                      {'M', "invalid input syntax for type integer: \"x\""},
                      {'W', "COPY t, line 2, column a: \"x\""}};
    fs_send_error(sc, ef, 5);
    fs_send_ready(sc, 'I');
    rig r;
    open_rig(&r, sc, 0);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_OK);
    assert_int_equal(pgw_copy_queue(cp, "1\nx\n", 4, 2), PGW_OK);
    assert_int_equal(pgw_copy_flush(cp), PGW_OK);
    deliver(&r);
    assert_int_equal(pgw_copy_poll(cp), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(r.c)->sqlstate, "22P02");
    assert_string_equal(pgw_conn_error(r.c)->where, "COPY t, line 2, column a: \"x\"");
    assert_int_equal(pgw_copy_queue(cp, "3\n", 2, 1), PGW_E_SERVER);
    assert_int_equal(pgw_copy_queue_end(cp), PGW_E_SERVER);
    assert_int_equal(finish_in(&r, cp, NULL), PGW_E_SERVER);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    assert_int_equal(pgw_copy_rows_sent(cp), 2);
    pgw_copy_free(cp);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

static void test_copy_fail_sends_copy_fail_and_reports_57014(void **s)
{
    (void)s;
    const int16_t fmts[] = {0};
    fs_script *sc = session_start();
    fs_expect_query(sc, NULL);
    fs_send_copy_in_response(sc, 0, fmts, 1);
    fs_expect_copy_fail(sc);
    fs_send_error_msg(sc, "ERROR", "57014", "COPY from stdin failed: user said no");
    fs_send_ready(sc, 'I');
    fs_expect_query(sc, "SELECT 1");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    rig r;
    open_rig(&r, sc, 3);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_OK);
    /* Staged data is dropped: only CopyFail goes out. */
    assert_int_equal(pgw_copy_queue(cp, "1\n", 2, 1), PGW_OK);
    assert_int_equal(pgw_copy_queue_fail(cp, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_copy_queue_fail(cp, "user said no"), PGW_OK);
    assert_int_equal(finish_in(&r, cp, NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(r.c)->sqlstate, "57014");
    const fs_msg *m = fs_received(r.fs, fs_received_count(r.fs) - 1);
    assert_int_equal(m->tag, 'f');
    assert_string_equal((const char *)m->body, "user said no");
    pgw_copy_free(cp);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_END);
    pgw_cursor_free(cur);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

static void test_copy_free_mid_copy_in_fails_the_copy(void **s)
{
    (void)s;
    const int16_t fmts[] = {0};
    fs_script *sc = session_start();
    fs_expect_query(sc, NULL);
    fs_send_copy_in_response(sc, 0, fmts, 1);
    fs_expect_copy_fail(sc);
    fs_send_error_msg(sc, "ERROR", "57014", "COPY from stdin failed: COPY abandoned by the client");
    fs_send_ready(sc, 'I');
    fs_expect_query(sc, "SELECT 1");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    rig r;
    open_rig(&r, sc, 0);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_OK);
    assert_int_equal(pgw_copy_queue(cp, "1\n", 2, 1), PGW_OK);
    pgw_copy_free(cp);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_END);
    pgw_cursor_free(cur);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

/* A cursor freed before its COPY FROM STDIN started: the engine fails the
 * COPY as the answer arrives. Through the extended protocol the server
 * ignored the exchange's Sync in copy mode and now waits for one, so
 * CopyFail needs a Sync after it; a simple Query's must not get one (an
 * extra ReadyForQuery would be owed to nobody). */
static void abandoned_copy_in(bool extended)
{
    const int16_t fmts[] = {0};
    fs_script *sc = session_start();
    if (extended) {
        fs_expect_parse(sc, "COPY t FROM STDIN");
        fs_expect_bind(sc);
        fs_expect_describe(sc, 'P');
        fs_expect_execute(sc);
        fs_expect_sync(sc);
        fs_send_parse_complete(sc);
        fs_send_bind_complete(sc);
        fs_send_no_data(sc);
    } else {
        fs_expect_query(sc, "COPY t FROM STDIN");
    }
    fs_send_copy_in_response(sc, 0, fmts, 1);
    fs_expect_copy_fail(sc);
    if (extended)
        fs_expect_sync(sc);
    fs_send_error_msg(sc, "ERROR", "57014", "COPY from stdin failed: query abandoned by the client");
    fs_send_ready(sc, 'I');
    fs_expect_query(sc, "SELECT 1");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    rig r;
    open_rig(&r, sc, 0);
    r.c->cache_size_option = -1; /* one exchange: Parse/Bind/Describe/Execute/Sync */
    pgw_cursor *cur = NULL;
    if (extended)
        assert_int_equal(pgw_query_params_send(r.c, "COPY t FROM STDIN", NULL, 0, NULL, 0, &cur),
                         PGW_OK);
    else
        assert_int_equal(pgw_query_send(r.c, "COPY t FROM STDIN", &cur), PGW_OK);
    pgw_cursor_free(cur);
    /* The idle engine drains what is owed (an event loop's step). */
    pgw_status rc;
    while ((rc = pgw_conn_step(r.c)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
        if (!rig_shuttle(&r))
            fail_msg("engine stalled draining the abandoned COPY (%s)", pgw_status_name(rc));
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_END);
    pgw_cursor_free(cur);
    const char *why = NULL;
    if (fs_failed(r.fs, &why))
        fail_msg("script: %s", why);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

static void test_copy_abandoned_extended_copy_in_gets_copy_fail_and_sync(void **s)
{
    (void)s;
    abandoned_copy_in(true);
}

static void test_copy_abandoned_simple_copy_in_gets_copy_fail_only(void **s)
{
    (void)s;
    abandoned_copy_in(false);
}

static void test_copy_begin_of_non_copy_and_of_failing_statement(void **s)
{
    (void)s;
    fs_script *sc = session_start();
    fs_expect_query(sc, "SELECT 1");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    fs_expect_query(sc, "COPY nope FROM STDIN");
    fs_send_error_msg(sc, "ERROR", "42P01", "relation \"nope\" does not exist");
    fs_send_ready(sc, 'I');
    rig r;
    open_rig(&r, sc, 0);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "SELECT 1", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_E_INVALID);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    assert_int_equal(pgw_copy_queue(cp, "x", 1, 0), PGW_E_INVALID);
    pgw_copy_free(cp);
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY nope FROM STDIN", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(r.c)->sqlstate, "42P01");
    assert_int_equal(start(&r, cp), PGW_END);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    pgw_copy_free(cp);
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

/* ---- hostile servers ---------------------------------------------------- */

#define Z "\x00"

typedef struct hostile_case {
    const char *name;
    const char *bytes;
    size_t len;
    pgw_status want;
} hostile_case;

#define RAW(s) s, sizeof(s) - 1

static const hostile_case hostile[] = {
    {"CopyData before copy mode", RAW("d\x00\x00\x00\x05x"), PGW_E_PROTOCOL},
    {"CopyDone before copy mode", RAW("c\x00\x00\x00\x04"), PGW_E_PROTOCOL},
    {"CopyInResponse with fewer formats than columns",
     RAW("G\x00\x00\x00\x09" Z "\x00\x02" Z Z), PGW_E_PROTOCOL},
    {"CopyInResponse with trailing bytes", RAW("G\x00\x00\x00\x0a" Z "\x00\x01" Z Z "!"),
     PGW_E_PROTOCOL},
    {"CopyInResponse text with a binary column", RAW("G\x00\x00\x00\x09" Z "\x00\x01" Z "\x01"),
     PGW_E_PROTOCOL},
    {"CopyInResponse overall format 2", RAW("G\x00\x00\x00\x07\x02\x00" Z), PGW_E_PROTOCOL},
    {"CopyOutResponse with a column format 7",
     RAW("H\x00\x00\x00\x09\x01\x00\x01" Z "\x07"), PGW_E_PROTOCOL},
    {"CopyBothResponse (replication)", RAW("W\x00\x00\x00\x07" Z Z Z), PGW_E_UNSUPPORTED},
    {"CopyData beyond max_message_size", RAW("d\x7f\xff\xff\xf0"), PGW_E_TOO_LARGE},
};

static void test_copy_hostile_server_before_copy_mode(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        const hostile_case *hc = &hostile[i];
        fs_script *sc = session_start();
        fs_expect_query(sc, NULL);
        fs_send_raw(sc, hc->bytes, hc->len);
        rig r;
        open_rig(&r, sc, 0);
        pgw_copy *cp = NULL;
        assert_int_equal(pgw_copy_begin_send(r.c, "COPY t FROM STDIN", &cp), PGW_OK);
        pgw_status rc = start(&r, cp);
        if (rc != hc->want)
            fail_msg("%s: %s, expected %s", hc->name, pgw_status_name(rc),
                     pgw_status_name(hc->want));
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
        assert_int_equal(start(&r, cp), hc->want);
        pgw_copy_free(cp);
        rig_free(&r);
    }
}

static void test_copy_hostile_copy_messages_during_copy(void **s)
{
    (void)s;
    const int16_t fmts[] = {0};
    /* CopyData during COPY IN; a second CopyOutResponse; CopyData after
     * CopyDone. */
    for (int k = 0; k < 3; k++) {
        fs_script *sc = session_start();
        fs_expect_query(sc, NULL);
        if (k == 0) {
            fs_send_copy_in_response(sc, 0, fmts, 1);
            fs_send_copy_data(sc, "x", 1);
        } else if (k == 1) {
            fs_send_copy_out_response(sc, 0, fmts, 1);
            fs_send_copy_out_response(sc, 0, fmts, 1);
        } else {
            fs_send_copy_out_response(sc, 0, fmts, 1);
            fs_send_copy_done(sc);
            fs_send_copy_data(sc, "x", 1);
        }
        rig r;
        open_rig(&r, sc, 0);
        pgw_copy *cp = NULL;
        assert_int_equal(pgw_copy_begin_send(r.c, "COPY t", &cp), PGW_OK);
        assert_int_equal(start(&r, cp), PGW_OK);
        deliver(&r);
        if (k == 0) {
            assert_int_equal(pgw_copy_poll(cp), PGW_E_UNKNOWN_OUTCOME);
        } else {
            const uint8_t *p;
            size_t len;
            assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_E_PROTOCOL);
        }
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
        pgw_copy_free(cp);
        rig_free(&r);
    }
}

static void test_copy_out_huge_copy_data_is_too_large(void **s)
{
    (void)s;
    const int16_t fmts[] = {0};
    fs_script *sc = session_start();
    fs_expect_query(sc, NULL);
    fs_send_copy_out_response(sc, 0, fmts, 1);
    fs_send_copy_data(sc, "ok\n", 3);
    fs_send_raw(sc, RAW("d\x00\x10\x00\x05"));
    rig r;
    open_rig(&r, sc, 0);
    r.c->limits.max_message = 1024 * 1024; /* below the declared 1 MiB + 1 */
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY t TO STDOUT", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_OK);
    const uint8_t *p;
    size_t len;
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_OK);
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_E_TOO_LARGE);
    assert_non_null(strstr(pgw_conn_errmsg(r.c), "CopyData"));
    assert_true(r.c->in.cap < 1024 * 1024);
    pgw_copy_free(cp);
    rig_free(&r);
}

static void test_copy_out_server_closes_midway(void **s)
{
    (void)s;
    const int16_t fmts[] = {0};
    fs_script *sc = session_start();
    fs_expect_query(sc, NULL);
    fs_send_copy_out_response(sc, 0, fmts, 1);
    fs_send_copy_data(sc, "1\n", 2);
    fs_send_raw(sc, RAW("d\x00\x00\x00\x06" "2"));
    fs_close(sc);
    rig r;
    open_rig(&r, sc, 2);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin_send(r.c, "COPY t TO STDOUT", &cp), PGW_OK);
    assert_int_equal(start(&r, cp), PGW_OK);
    const uint8_t *p;
    size_t len;
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_OK);
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_E_CLOSED);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
    assert_int_equal(next_chunk(&r, cp, &p, &len), PGW_E_CLOSED);
    pgw_copy_free(cp);
    rig_free(&r);
}

static void test_copy_in_server_closes_midway_is_unknown_outcome(void **s)
{
    (void)s;
    const int16_t fmts[] = {0};
    /* Closed after the data (before the answer to CopyDone), and closed
     * while data is still being sent. */
    for (int k = 0; k < 2; k++) {
        fs_script *sc = session_start();
        fs_expect_query(sc, NULL);
        fs_send_copy_in_response(sc, 0, fmts, 1);
        fs_expect_copy_data(sc, NULL, 0);
        if (k == 0)
            fs_expect_copy_done(sc);
        fs_close(sc);
        rig r;
        open_rig(&r, sc, 0);
        pgw_copy *cp = NULL;
        assert_int_equal(pgw_copy_begin_send(r.c, "COPY t FROM STDIN", &cp), PGW_OK);
        assert_int_equal(start(&r, cp), PGW_OK);
        assert_int_equal(pgw_copy_queue(cp, "1\n2\n", 4, 2), PGW_OK);
        assert_int_equal(pgw_copy_flush(cp), PGW_OK);
        if (k == 0) {
            assert_int_equal(pgw_copy_queue_end(cp), PGW_OK);
            assert_int_equal(finish_in(&r, cp, NULL), PGW_E_UNKNOWN_OUTCOME);
        } else {
            deliver(&r);
            assert_int_equal(pgw_copy_poll(cp), PGW_E_UNKNOWN_OUTCOME);
            assert_int_equal(pgw_copy_queue(cp, "3\n", 2, 1), PGW_E_UNKNOWN_OUTCOME);
            assert_int_equal(pgw_copy_recv_end(cp, NULL), PGW_E_UNKNOWN_OUTCOME);
        }
        assert_int_equal(pgw_copy_rows_sent(cp), 2);
        assert_int_equal(pgw_copy_bytes_sent(cp), 4);
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
        pgw_copy_free(cp);
        rig_free(&r);
    }
}

/* Out of memory at every allocation of a COPY IN and a COPY OUT: a clean
 * status, no leak, no crash. */
static void test_copy_out_of_memory_everywhere(void **s)
{
    (void)s;
    const int16_t fmts[] = {0, 0, 0};
    for (int fail_at = 1; fail_at < 40; fail_at++) {
        fs_script *sc = session_start();
        fs_expect_query(sc, NULL);
        fs_send_copy_out_response(sc, 0, fmts, 3);
        fs_send_copy_data(sc, "1\t2\t3\n", 6);
        fs_send_copy_done(sc);
        fs_send_command_complete(sc, "COPY 1");
        fs_send_ready(sc, 'I');
        rig r;
        open_rig(&r, sc, 0);
        r.fa.fail_at = r.fa.calls + (size_t)fail_at;
        pgw_copy *cp = NULL;
        pgw_status rc = pgw_copy_begin_send(r.c, "COPY t TO STDOUT", &cp);
        if (rc == PGW_OK) {
            rc = start(&r, cp);
            const uint8_t *p;
            size_t len;
            while (rc == PGW_OK)
                rc = next_chunk(&r, cp, &p, &len);
            assert_true(rc == PGW_END || rc == PGW_E_NOMEM);
        } else {
            assert_int_equal(rc, PGW_E_NOMEM);
        }
        pgw_copy_free(cp);
        rig_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_in_stages_rows_into_one_message),
        cmocka_unit_test(test_copy_in_large_put_is_split_into_chunks),
        cmocka_unit_test(test_copy_out_chunks_are_views_byte_by_byte),
        cmocka_unit_test(test_copy_in_server_error_is_seen_by_poll),
        cmocka_unit_test(test_copy_fail_sends_copy_fail_and_reports_57014),
        cmocka_unit_test(test_copy_free_mid_copy_in_fails_the_copy),
        cmocka_unit_test(test_copy_abandoned_extended_copy_in_gets_copy_fail_and_sync),
        cmocka_unit_test(test_copy_abandoned_simple_copy_in_gets_copy_fail_only),
        cmocka_unit_test(test_copy_begin_of_non_copy_and_of_failing_statement),
        cmocka_unit_test(test_copy_hostile_server_before_copy_mode),
        cmocka_unit_test(test_copy_hostile_copy_messages_during_copy),
        cmocka_unit_test(test_copy_out_huge_copy_data_is_too_large),
        cmocka_unit_test(test_copy_out_server_closes_midway),
        cmocka_unit_test(test_copy_in_server_closes_midway_is_unknown_outcome),
        cmocka_unit_test(test_copy_out_of_memory_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
