/* Named portals against the fake server, in memory: the exchange of open,
 * fetch (Describe + Execute with a row limit + Sync) and close, fed byte
 * by byte; servers that answer out of order or end the transaction under
 * the portal; a connection cut in the middle of a batch; and out-of-memory
 * at every allocation of a session. */
#include <stdlib.h>

#include "pgwire/portal.h"

#include "rig.h"

#define CI "user=alice dbname=app"

/* Startup, then BEGIN answered with ReadyForQuery 'T'. */
static fs_script *session_in_tx(void)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    fs_expect_query(sc, "BEGIN");
    fs_send_command_complete(sc, "BEGIN");
    fs_send_ready(sc, 'T');
    return sc;
}

static void rig_begin(rig *r)
{
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r->c, "BEGIN", &cur), PGW_OK);
    assert_int_equal(rig_cursor(r, cur, true), PGW_OK);
    assert_int_equal(rig_cursor(r, cur, true), PGW_END);
    pgw_cursor_free(cur);
    assert_int_equal(pgw_conn_tx_status(r->c), PGW_TX_IN_BLOCK);
}

static pgw_status rig_portal(rig *r, pgw_portal *p)
{
    for (;;) {
        pgw_status rc = pgw_portal_recv(p);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!rig_shuttle(r))
            fail_msg("engine stalled in a portal exchange (%s)", pgw_status_name(rc));
    }
}

static void expect_open(fs_script *sc)
{
    fs_expect_parse(sc, "SELECT g FROM t");
    fs_expect_bind(sc);
    fs_expect_sync(sc);
    fs_send_parse_complete(sc);
    fs_send_bind_complete(sc);
    fs_send_ready(sc, 'T');
}

/* A fetch answered with rows first..first+n-1, then PortalSuspended
 * (suspended) or CommandComplete. */
static void expect_fetch(fs_script *sc, int first, int n, bool suspended)
{
    const char *names[] = {"g"};
    fs_expect_describe(sc, 'P');
    fs_expect_execute(sc);
    fs_expect_sync(sc);
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    for (int i = 0; i < n; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", first + i);
        const char *row[] = {v};
        fs_send_data_row_text(sc, row, 1);
    }
    if (suspended) {
        fs_send_portal_suspended(sc);
    } else {
        char tag[32];
        snprintf(tag, sizeof tag, "SELECT %d", n);
        fs_send_command_complete(sc, tag);
    }
    fs_send_ready(sc, 'T');
}

static void expect_close(fs_script *sc)
{
    fs_expect_close_msg(sc, 'P');
    fs_expect_sync(sc);
    fs_send_close_complete(sc);
    fs_send_ready(sc, 'T');
}

/* Read a batch; returns the rows (checking their values) or -1 with *rc. */
static int read_batch(rig *r, pgw_cursor *cur, int first, pgw_status *rc)
{
    int n = 0;
    while ((*rc = rig_cursor(r, cur, false)) == PGW_OK) {
        int32_t v = 0;
        assert_int_equal(pgw_cursor_int32(cur, 0, &v), PGW_OK);
        assert_int_equal(v, first + n);
        n++;
    }
    return *rc == PGW_END ? n : -1;
}

static void test_portal_engine_walk_byte_by_byte(void **s)
{
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        fs_script *sc = session_in_tx();
        expect_open(sc);
        expect_fetch(sc, 1, 3, true);
        expect_fetch(sc, 4, 2, false);
        expect_close(sc);
        rig r;
        rig_init(&r, sc, CI, chunk);
        assert_int_equal(rig_connect(&r), PGW_OK);
        rig_begin(&r);
        pgw_portal *p = NULL;
        assert_int_equal(pgw_portal_open_send(r.c, "w", "SELECT g FROM t", NULL, 0, NULL, 0, &p),
                         PGW_OK);
        /* Only one exchange at a time. */
        pgw_cursor *busy = NULL;
        assert_int_equal(pgw_portal_fetch_send(p, 3, &busy), PGW_E_STATE);
        assert_int_equal(rig_portal(&r, p), PGW_OK);
        assert_true(pgw_portal_is_open(p));
        pgw_cursor *cur = NULL;
        pgw_status rc;
        assert_int_equal(pgw_portal_fetch_send(p, 3, &cur), PGW_OK);
        assert_int_equal(read_batch(&r, cur, 1, &rc), 3);
        assert_true(pgw_cursor_suspended(cur));
        assert_false(pgw_portal_exhausted(p));
        assert_int_equal(rig_cursor(&r, cur, true), PGW_END); /* ReadyForQuery */
        pgw_cursor_free(cur);
        assert_int_equal(pgw_portal_fetch_send(p, 3, &cur), PGW_OK);
        assert_int_equal(read_batch(&r, cur, 4, &rc), 2);
        assert_false(pgw_cursor_suspended(cur));
        assert_true(pgw_portal_exhausted(p));
        assert_int_equal(pgw_portal_rows_fetched(p), 5);
        pgw_cursor_free(cur); /* ReadyForQuery still owed: skipped later */
        assert_int_equal(pgw_portal_close_send(p), PGW_OK);
        assert_int_equal(rig_portal(&r, p), PGW_OK);
        assert_false(pgw_portal_is_open(p));
        assert_true(fs_done(r.fs));
        pgw_portal_free(p);
        rig_free(&r);
    }
}

/* The exact bytes of the open and of a fetch with its row limit. */
static void test_portal_engine_sends_named_bind_and_row_limit(void **s)
{
    fs_script *sc = session_in_tx();
    expect_open(sc);
    expect_fetch(sc, 1, 0, false);
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    rig_begin(&r);
    pgw_portal *p = NULL;
    int16_t bin = PGW_FORMAT_BINARY;
    assert_int_equal(pgw_portal_open_send(r.c, "mine", "SELECT g FROM t", NULL, 0, &bin, 1, &p),
                     PGW_OK);
    const uint8_t *out;
    size_t n = pgw_conn_output(r.c, &out);
    /* Parse "" ..., then Bind: portal "mine", statement "", 0 parameter
     * formats, 0 values, 1 result format (binary). */
    static const uint8_t bind[] = {'B', 0, 0, 0, 18, 'm', 'i', 'n', 'e', 0, 0, 0,
                                   0,   0, 0, 0, 1,  0,   1,   'S', 0,   0, 0, 4};
    assert_true(n > sizeof bind);
    assert_memory_equal(out + n - sizeof bind, bind, sizeof bind);
    assert_int_equal(rig_portal(&r, p), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_portal_fetch_send(p, 1000, &cur), PGW_OK);
    n = pgw_conn_output(r.c, &out);
    static const uint8_t fetch[] = {'D', 0,   0, 0,    10,   'P', 'm', 'i', 'n', 'e',
                                    0,   'E', 0, 0,    0,    13,  'm', 'i', 'n', 'e',
                                    0,   0,   0, 0x03, 0xe8, 'S', 0,   0,   0,   4};
    assert_int_equal(n, sizeof fetch);
    assert_memory_equal(out, fetch, sizeof fetch);
    pgw_status rc;
    assert_int_equal(read_batch(&r, cur, 1, &rc), 0);
    pgw_cursor_free(cur);
    pgw_portal_free(p);
    rig_free(&r);
}

typedef struct hostile {
    const char *name;
    bool in_open; /* the bad answer comes to the open, else to the fetch */
    void (*answer)(fs_script *sc);
} hostile;

static void ans_suspended_in_open(fs_script *sc)
{
    fs_send_parse_complete(sc);
    fs_send_portal_suspended(sc);
}

static void ans_rows_before_bind_complete(fs_script *sc)
{
    const char *row[] = {"1"};
    fs_send_parse_complete(sc);
    fs_send_data_row_text(sc, row, 1);
}

static void ans_data_row_without_description(fs_script *sc)
{
    const char *row[] = {"1"};
    fs_send_data_row_text(sc, row, 1);
}

static void ans_suspended_before_description(fs_script *sc)
{
    fs_send_portal_suspended(sc);
}

static void ans_two_suspensions(fs_script *sc)
{
    const char *names[] = {"g"};
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_portal_suspended(sc);
    fs_send_portal_suspended(sc);
}

static void ans_ready_mid_batch(fs_script *sc)
{
    const char *names[] = {"g"};
    const char *row[] = {"1"};
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_data_row_text(sc, row, 1);
    fs_send_ready(sc, 'T');
}

static void ans_malformed_suspension(fs_script *sc)
{
    const char *names[] = {"g"};
    static const uint8_t bad[] = {'s', 0, 0, 0, 5, 0};
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_raw(sc, bad, sizeof bad);
}

static const hostile hostile_cases[] = {
    {"PortalSuspended answering the open", true, ans_suspended_in_open},
    {"DataRow before BindComplete", true, ans_rows_before_bind_complete},
    {"DataRow without RowDescription", false, ans_data_row_without_description},
    {"PortalSuspended before RowDescription", false, ans_suspended_before_description},
    {"PortalSuspended twice", false, ans_two_suspensions},
    {"ReadyForQuery in the middle of a batch", false, ans_ready_mid_batch},
    {"PortalSuspended with a body", false, ans_malformed_suspension},
};

static void test_portal_engine_hostile_answers_break_the_connection(void **s)
{
    for (size_t i = 0; i < sizeof hostile_cases / sizeof hostile_cases[0]; i++) {
        const hostile *h = &hostile_cases[i];
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            fs_script *sc = session_in_tx();
            if (h->in_open) {
                fs_expect_parse(sc, NULL);
                fs_expect_bind(sc);
                fs_expect_sync(sc);
            } else {
                expect_open(sc);
                fs_expect_describe(sc, 'P');
                fs_expect_execute(sc);
                fs_expect_sync(sc);
            }
            h->answer(sc);
            fs_close(sc);
            rig r;
            rig_init(&r, sc, CI, chunk);
            assert_int_equal(rig_connect(&r), PGW_OK);
            rig_begin(&r);
            pgw_portal *p = NULL;
            assert_int_equal(
                pgw_portal_open_send(r.c, "h", "SELECT g FROM t", NULL, 0, NULL, 0, &p), PGW_OK);
            pgw_status rc = rig_portal(&r, p);
            if (!h->in_open) {
                assert_int_equal(rc, PGW_OK);
                pgw_cursor *cur = NULL;
                assert_int_equal(pgw_portal_fetch_send(p, 10, &cur), PGW_OK);
                do {
                    rc = rig_cursor(&r, cur, false);
                } while (rc == PGW_OK);
                if (rc == PGW_END)
                    rc = rig_cursor(&r, cur, true);
                while (rc == PGW_END && pgw_conn_get_state(r.c) != PGW_CONN_BROKEN)
                    rc = rig_cursor(&r, cur, true);
                pgw_cursor_free(cur);
            }
            if (rc != PGW_E_PROTOCOL)
                fail_msg("%s (chunk %zu): got %s (%s)", h->name, chunk, pgw_status_name(rc),
                         pgw_conn_errmsg(r.c));
            assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
            /* Sticky: the portal cannot be used any more. */
            pgw_cursor *again = NULL;
            assert_int_equal(pgw_portal_fetch_send(p, 1, &again), PGW_E_PROTOCOL);
            assert_null(again);
            pgw_portal_free(p);
            rig_free(&r);
        }
    }
}

/* The server reports the transaction over (status 'I') after the open: a
 * portal cannot outlive it, so the client refuses to fetch. */
static void test_portal_engine_transaction_ended_refuses_fetch(void **s)
{
    fs_script *sc = session_in_tx();
    fs_expect_parse(sc, NULL);
    fs_expect_bind(sc);
    fs_expect_sync(sc);
    fs_send_parse_complete(sc);
    fs_send_bind_complete(sc);
    fs_send_ready(sc, 'I');
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    rig_begin(&r);
    pgw_portal *p = NULL;
    assert_int_equal(pgw_portal_open_send(r.c, "x", "SELECT 1", NULL, 0, NULL, 0, &p), PGW_OK);
    assert_int_equal(rig_portal(&r, p), PGW_OK);
    assert_false(pgw_portal_is_open(p));
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_portal_fetch_send(p, 1, &cur), PGW_E_STATE);
    assert_null(cur);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    const uint8_t *out;
    assert_int_equal(pgw_conn_output(r.c, &out), 0); /* nothing queued */
    /* Outside a transaction the open itself is refused, nothing sent. */
    pgw_portal *q = NULL;
    assert_int_equal(pgw_portal_open_send(r.c, "y", "SELECT 1", NULL, 0, NULL, 0, &q), PGW_E_STATE);
    assert_null(q);
    assert_int_equal(pgw_conn_output(r.c, &out), 0);
    pgw_portal_free(p);
    rig_free(&r);
}

/* The server goes away in the middle of a batch: the cursor reports the
 * connection closed, the portal is neither exhausted nor usable. */
static void test_portal_engine_cut_mid_batch_reports_closed(void **s)
{
    const char *names[] = {"g"};
    const char *row[] = {"1"};
    fs_script *sc = session_in_tx();
    expect_open(sc);
    fs_expect_describe(sc, 'P');
    fs_expect_execute(sc);
    fs_expect_sync(sc);
    fs_send_row_description_text(sc, names, 1, PGW_OID_INT4);
    fs_send_data_row_text(sc, row, 1);
    fs_close(sc);
    rig r;
    rig_init(&r, sc, CI, 3);
    assert_int_equal(rig_connect(&r), PGW_OK);
    rig_begin(&r);
    pgw_portal *p = NULL;
    assert_int_equal(pgw_portal_open_send(r.c, "cut", "SELECT g FROM t", NULL, 0, NULL, 0, &p),
                     PGW_OK);
    assert_int_equal(rig_portal(&r, p), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_portal_fetch_send(p, 100, &cur), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, false), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, false), PGW_E_CLOSED);
    assert_false(pgw_cursor_suspended(cur));
    assert_false(pgw_portal_exhausted(p));
    assert_false(pgw_portal_is_open(p));
    pgw_cursor_free(cur);
    pgw_portal_free(p);
    rig_free(&r);
}

/* Out of memory at every allocation after BEGIN: each step fails cleanly
 * (PGW_E_NOMEM), nothing leaks, and the sweep ends with a full success. */
static void test_portal_engine_out_of_memory_everywhere(void **s)
{
    for (size_t k = 1;; k++) {
        fs_script *sc = session_in_tx();
        expect_open(sc);
        expect_fetch(sc, 1, 2, true);
        expect_close(sc);
        rig r;
        rig_init(&r, sc, CI, 0);
        assert_int_equal(rig_connect(&r), PGW_OK);
        rig_begin(&r);
        r.fa.fail_at = r.fa.calls + k;
        pgw_portal *p = NULL;
        pgw_cursor *cur = NULL;
        bool done = false;
        pgw_status rc = pgw_portal_open_send(r.c, "m", "SELECT g FROM t", NULL, 0, NULL, 0, &p);
        if (rc == PGW_OK)
            rc = rig_portal(&r, p);
        if (rc == PGW_OK)
            rc = pgw_portal_fetch_send(p, 2, &cur);
        if (rc == PGW_OK) {
            pgw_status rr;
            int n = read_batch(&r, cur, 1, &rr);
            rc = n == 2 ? PGW_OK : rr;
        }
        if (rc == PGW_OK)
            rc = rig_cursor(&r, cur, true) == PGW_END ? PGW_OK : pgw_conn_error(r.c)->status;
        pgw_cursor_free(cur);
        if (rc == PGW_OK)
            rc = pgw_portal_close_send(p);
        if (rc == PGW_OK)
            rc = rig_portal(&r, p);
        if (rc == PGW_OK)
            done = r.fa.failures == 0;
        else if (rc != PGW_E_NOMEM)
            fail_msg("allocation %zu: %s (%s)", k, pgw_status_name(rc), pgw_conn_errmsg(r.c));
        pgw_portal_free(p);
        rig_free(&r); /* asserts that nothing leaked */
        if (done) {
            fprintf(stderr, "# succeeded once %zu allocations could be made\n", k);
            assert_true(k > 3); /* the sweep did fail some allocations */
            break;
        }
        assert_true(k < 1000);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_portal_engine_walk_byte_by_byte),
        cmocka_unit_test(test_portal_engine_sends_named_bind_and_row_limit),
        cmocka_unit_test(test_portal_engine_hostile_answers_break_the_connection),
        cmocka_unit_test(test_portal_engine_transaction_ended_refuses_fetch),
        cmocka_unit_test(test_portal_engine_cut_mid_batch_reports_closed),
        cmocka_unit_test(test_portal_engine_out_of_memory_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
