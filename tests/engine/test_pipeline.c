/* Pipeline mode against the fake server, in memory, whole and byte by
 * byte: results in order, an error skipping to the Sync, and servers that
 * answer in an order the protocol does not allow (results for queries
 * never sent, a missing ReadyForQuery, results after an error before the
 * Sync, ReadyForQuery inside a query), a session cut or a FATAL error in
 * the middle (unknown outcomes), and results of freed cursors. */
#include <stdlib.h>

#include "rig.h"

#define CI "user=alice dbname=app"

/* What the client sends for one pipelined query (the statement cache is
 * off in these sessions: the unnamed statement). */
static void expect_pq(fs_script *sc)
{
    fs_expect_parse(sc, NULL);
    fs_expect_bind(sc);
    fs_expect_describe(sc, 'P');
    fs_expect_execute(sc);
}

/* The answer to one query: one row, one column "v". */
static void answer_row(fs_script *sc, const char *v)
{
    const char *names[] = {"v"};
    const char *row[] = {v};
    fs_send_parse_complete(sc);
    fs_send_bind_complete(sc);
    fs_send_row_description_text(sc, names, 1, PGW_OID_TEXT);
    fs_send_data_row_text(sc, row, 1);
    fs_send_command_complete(sc, "SELECT 1");
}

static fs_script *session_start(void)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    return sc;
}

static void start(rig *r, fs_script *sc, size_t chunk)
{
    rig_init(r, sc, CI, chunk);
    assert_int_equal(rig_connect(r), PGW_OK);
    r->c->cache_size_option = -1; /* unnamed statements: a fixed script */
    assert_int_equal(pgw_pipeline_start(r->c), PGW_OK);
}

static pgw_cursor *queue(rig *r, const char *sql)
{
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_pipeline_query_send(r->c, sql, NULL, 0, NULL, 0, &cur), PGW_OK);
    return cur;
}

static pgw_status next_sync(rig *r, pgw_tx_status *tx)
{
    for (;;) {
        pgw_status rc = pgw_pipeline_sync_recv(r->c, tx);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!rig_shuttle(r))
            fail_msg("engine stalled reading a Sync (%s)", pgw_status_name(rc));
    }
}

static pgw_status finish(rig *r)
{
    for (;;) {
        pgw_status rc = pgw_pipeline_finish(r->c);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!rig_shuttle(r))
            fail_msg("engine stalled ending the pipeline (%s)", pgw_status_name(rc));
    }
}

/* Read a one-row result and check its value. */
static void read_row(rig *r, pgw_cursor *cur, const char *want)
{
    assert_int_equal(rig_cursor(r, cur, false), PGW_OK);
    const char *p;
    size_t n;
    assert_int_equal(pgw_cursor_text(cur, 0, &p, &n), PGW_OK);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(p, want, n);
    assert_int_equal(rig_cursor(r, cur, false), PGW_END);
    assert_string_equal(pgw_cursor_command_tag(cur), "SELECT 1");
    assert_int_equal(rig_cursor(r, cur, true), PGW_END);
}

static void test_pipeline_engine_results_errors_and_syncs_in_order(void **s)
{
    (void)s;
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        fs_script *sc = session_start();
        for (int i = 0; i < 4; i++)
            expect_pq(sc);
        fs_expect_sync(sc);
        expect_pq(sc);
        fs_expect_sync(sc);
        answer_row(sc, "a");
        fs_send_parse_complete(sc);
        fs_send_bind_complete(sc);
        fs_send_no_data(sc);
        fs_send_error_msg(sc, "ERROR", "22012", "division by zero");
        fs_send_ready(sc, 'I');
        answer_row(sc, "e");
        fs_send_ready(sc, 'I');
        rig r;
        start(&r, sc, chunk);
        pgw_cursor *q[5];
        for (int i = 0; i < 4; i++)
            q[i] = queue(&r, "SELECT x");
        assert_int_equal(pgw_pipeline_sync_send(r.c), PGW_OK);
        q[4] = queue(&r, "SELECT x");
        assert_int_equal(pgw_pipeline_sync_send(r.c), PGW_OK);
        assert_int_equal(pgw_pipeline_pending(r.c), 7);
        read_row(&r, q[0], "a");
        assert_int_equal(rig_cursor(&r, q[1], true), PGW_E_SERVER);
        assert_string_equal(pgw_conn_error(r.c)->sqlstate, "22012");
        assert_int_equal(rig_cursor(&r, q[1], true), PGW_END);
        assert_int_equal(rig_cursor(&r, q[2], false), PGW_E_ABORTED);
        assert_int_equal(rig_cursor(&r, q[2], false), PGW_END);
        assert_int_equal(rig_cursor(&r, q[3], true), PGW_E_ABORTED);
        pgw_tx_status tx = PGW_TX_UNKNOWN;
        assert_int_equal(next_sync(&r, &tx), PGW_OK);
        assert_int_equal(tx, PGW_TX_IDLE);
        read_row(&r, q[4], "e");
        assert_int_equal(finish(&r), PGW_OK);
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
        assert_true(fs_done(r.fs));
        for (int i = 0; i < 5; i++)
            pgw_cursor_free(q[i]);
        rig_free(&r);
    }
}

static void test_pipeline_engine_freed_cursors_results_are_discarded(void **s)
{
    (void)s;
    fs_script *sc = session_start();
    for (int i = 0; i < 3; i++)
        expect_pq(sc);
    fs_expect_sync(sc);
    answer_row(sc, "a");
    answer_row(sc, "b");
    answer_row(sc, "c");
    fs_send_ready(sc, 'I');
    rig r;
    start(&r, sc, 1);
    pgw_cursor *a = queue(&r, "SELECT a");
    assert_int_equal(pgw_pipeline_query_send(r.c, "SELECT b", NULL, 0, NULL, 0, NULL), PGW_OK);
    pgw_cursor *c3 = queue(&r, "SELECT c");
    assert_int_equal(pgw_pipeline_sync_send(r.c), PGW_OK);
    pgw_cursor_free(a); /* before any of its results arrived */
    /* Positioned on its result, then freed: its rows are discarded. */
    assert_int_equal(rig_cursor(&r, c3, true), PGW_OK);
    assert_int_equal(pgw_pipeline_pending(r.c), 2);
    pgw_cursor_free(c3);
    assert_int_equal(pgw_pipeline_pending(r.c), 2);
    assert_int_equal(finish(&r), PGW_OK);
    assert_true(fs_done(r.fs));
    rig_free(&r); /* the failing allocator checks nothing leaked */
}

/* Hostile orders: what the server sends after the client's pipeline of
 * two queries, a Sync, one query, a Sync. */
typedef struct hostile {
    const char *name;
    void (*answer)(fs_script *sc);
    pgw_status q0, q1, sync, q2; /* what reading each reports */
} hostile;

static void extra_result(fs_script *sc)
{
    answer_row(sc, "a");
    answer_row(sc, "b");
    fs_send_command_complete(sc, "SELECT 1"); /* for no query */
    fs_send_ready(sc, 'I');
}

static void missing_ready(fs_script *sc)
{
    answer_row(sc, "a");
    answer_row(sc, "b");
    answer_row(sc, "c"); /* the next unit's, before the Sync's ReadyForQuery */
    fs_send_ready(sc, 'I');
}

static void results_after_error(fs_script *sc)
{
    fs_send_error_msg(sc, "ERROR", "42601", "syntax error");
    fs_send_parse_complete(sc); /* the server must skip to the Sync */
    fs_send_ready(sc, 'I');
}

static void ready_inside_query(fs_script *sc)
{
    fs_send_parse_complete(sc);
    fs_send_bind_complete(sc);
    fs_send_ready(sc, 'I');
}

static void two_errors(fs_script *sc)
{
    answer_row(sc, "a");
    fs_send_error_msg(sc, "ERROR", "22012", "division by zero");
    fs_send_error_msg(sc, "ERROR", "22012", "division by zero");
    fs_send_ready(sc, 'I');
}

static void cut_in_second_query(fs_script *sc)
{
    answer_row(sc, "a");
    fs_send_parse_complete(sc);
    fs_close(sc);
}

static void fatal_in_second_query(fs_script *sc)
{
    answer_row(sc, "a");
    fs_send_parse_complete(sc);
    fs_send_error_msg(sc, "FATAL", "57P01", "terminating connection due to administrator command");
    fs_close(sc);
}

static void cut_before_ready(fs_script *sc)
{
    answer_row(sc, "a");
    answer_row(sc, "b");
    fs_close(sc);
}

static const hostile cases[] = {
    {"result for a query never sent", extra_result, PGW_OK, PGW_OK, PGW_E_PROTOCOL,
     PGW_E_UNKNOWN_OUTCOME},
    {"missing ReadyForQuery", missing_ready, PGW_OK, PGW_OK, PGW_E_PROTOCOL,
     PGW_E_UNKNOWN_OUTCOME},
    {"results after an error before the Sync", results_after_error, PGW_E_SERVER, PGW_E_ABORTED,
     PGW_E_PROTOCOL, PGW_E_UNKNOWN_OUTCOME},
    {"ReadyForQuery inside a query", ready_inside_query, PGW_E_UNKNOWN_OUTCOME,
     PGW_E_UNKNOWN_OUTCOME, PGW_E_PROTOCOL, PGW_E_UNKNOWN_OUTCOME},
    {"a second error for one query", two_errors, PGW_OK, PGW_E_SERVER, PGW_E_PROTOCOL,
     PGW_E_UNKNOWN_OUTCOME},
    {"session cut inside the second query", cut_in_second_query, PGW_OK, PGW_E_UNKNOWN_OUTCOME,
     PGW_E_CLOSED, PGW_E_UNKNOWN_OUTCOME},
    {"FATAL inside the second query", fatal_in_second_query, PGW_OK, PGW_E_UNKNOWN_OUTCOME,
     PGW_E_CLOSED, PGW_E_UNKNOWN_OUTCOME},
    {"session cut before the Sync's ReadyForQuery", cut_before_ready, PGW_OK, PGW_OK,
     PGW_E_CLOSED, PGW_E_UNKNOWN_OUTCOME},
};

/* Read a cursor to its end; the first status other than OK/END, or END. */
static pgw_status walk(rig *r, pgw_cursor *cur)
{
    pgw_status rc;
    while ((rc = rig_cursor(r, cur, true)) == PGW_OK)
        while ((rc = rig_cursor(r, cur, false)) == PGW_OK)
            ;
    return rc == PGW_END ? PGW_OK : rc;
}

static void test_pipeline_engine_hostile_orders(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const hostile *h = &cases[i];
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            fs_script *sc = session_start();
            expect_pq(sc);
            expect_pq(sc);
            fs_expect_sync(sc);
            expect_pq(sc);
            fs_expect_sync(sc);
            h->answer(sc);
            rig r;
            start(&r, sc, chunk);
            pgw_cursor *q0 = queue(&r, "SELECT a"), *q1 = queue(&r, "SELECT b");
            assert_int_equal(pgw_pipeline_sync_send(r.c), PGW_OK);
            pgw_cursor *q2 = queue(&r, "SELECT c");
            assert_int_equal(pgw_pipeline_sync_send(r.c), PGW_OK);
            pgw_status got[4];
            got[0] = walk(&r, q0);
            got[1] = walk(&r, q1);
            got[2] = next_sync(&r, NULL);
            got[3] = walk(&r, q2);
            pgw_status want[4] = {h->q0, h->q1, h->sync, h->q2};
            for (int k = 0; k < 4; k++)
                if (got[k] != want[k])
                    fail_msg("%s (chunk %zu): step %d got %s, want %s (%s)", h->name, chunk, k,
                             pgw_status_name(got[k]), pgw_status_name(want[k]),
                             pgw_conn_errmsg(r.c));
            assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
            /* Broken: the pipeline ends with the sticky error. */
            pgw_status end = finish(&r);
            assert_true(end < 0);
            assert_false(pgw_conn_in_pipeline(r.c));
            pgw_cursor_free(q0);
            pgw_cursor_free(q1);
            pgw_cursor_free(q2);
            rig_free(&r);
        }
    }
}

static void test_pipeline_engine_message_after_everything_is_refused(void **s)
{
    (void)s;
    fs_script *sc = session_start();
    expect_pq(sc);
    fs_expect_sync(sc);
    answer_row(sc, "a");
    fs_send_ready(sc, 'I');
    fs_send_bind_complete(sc); /* nothing is queued any more */
    rig r;
    start(&r, sc, 0);
    pgw_cursor *q = queue(&r, "SELECT a");
    assert_int_equal(pgw_pipeline_sync_send(r.c), PGW_OK);
    read_row(&r, q, "a");
    assert_int_equal(next_sync(&r, NULL), PGW_OK);
    pgw_status rc;
    for (;;) {
        rc = pgw_conn_step(r.c);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE && rc != PGW_OK)
            break;
        if (!rig_shuttle(&r))
            break;
    }
    assert_int_equal(rc, PGW_E_PROTOCOL);
    pgw_cursor_free(q);
    assert_int_equal(finish(&r), PGW_E_PROTOCOL);
    rig_free(&r);
}

static void test_pipeline_engine_refusals_leave_output_untouched(void **s)
{
    (void)s;
    fs_script *sc = session_start();
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    pgw_cursor *cur = (pgw_cursor *)1;
    assert_int_equal(pgw_pipeline_query_send(r.c, "SELECT 1", NULL, 0, NULL, 0, &cur),
                     PGW_E_STATE);
    assert_null(cur);
    assert_int_equal(pgw_pipeline_sync_send(r.c), PGW_E_STATE);
    assert_int_equal(pgw_pipeline_sync_recv(r.c, NULL), PGW_E_STATE);
    assert_int_equal(pgw_pipeline_finish(r.c), PGW_E_STATE);
    assert_int_equal(pgw_pipeline_start(r.c), PGW_OK);
    assert_int_equal(pgw_pipeline_start(r.c), PGW_E_STATE);
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_E_STATE);
    const uint8_t *p;
    assert_int_equal(pgw_conn_output(r.c, &p), 0);
    pgw_param bad = {PGW_OID_INT4, 9, "1", 1};
    assert_int_equal(pgw_pipeline_query_send(r.c, "SELECT $1", &bad, 1, NULL, 0, &cur),
                     PGW_E_INVALID);
    assert_int_equal(pgw_pipeline_query_send(r.c, NULL, NULL, 0, NULL, 0, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_conn_output(r.c, &p), 0);
    assert_int_equal(pgw_pipeline_pending(r.c), 0);
    assert_int_equal(pgw_pipeline_stmt_send(NULL, NULL, 0, NULL, 0, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_pipeline_sync_recv(r.c, NULL), PGW_E_STATE);
    assert_int_equal(pgw_pipeline_finish(r.c), PGW_OK);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    rig_free(&r);
}

/* Every allocation of a pipeline failing in turn: a clean refusal or a
 * broken connection, never a leak or a crash. */
static void test_pipeline_engine_allocation_failures_are_clean(void **s)
{
    (void)s;
    for (size_t fail_at = 1; fail_at < 40; fail_at++) {
        fs_script *sc = session_start();
        expect_pq(sc);
        expect_pq(sc);
        fs_expect_sync(sc);
        answer_row(sc, "a");
        answer_row(sc, "b");
        fs_send_ready(sc, 'I');
        rig r;
        rig_init(&r, sc, CI, 0);
        assert_int_equal(rig_connect(&r), PGW_OK);
        r.c->cache_size_option = -1;
        r.fa.fail_at = r.fa.calls + fail_at; /* the fail_at-th from now */
        pgw_cursor *q[2] = {NULL, NULL};
        pgw_status rc = pgw_pipeline_start(r.c);
        for (int i = 0; i < 2 && rc == PGW_OK; i++)
            rc = pgw_pipeline_query_send(r.c, "SELECT a", NULL, 0, NULL, 0, &q[i]);
        if (rc == PGW_OK)
            rc = pgw_pipeline_sync_send(r.c);
        for (int i = 0; i < 2 && rc == PGW_OK; i++)
            rc = walk(&r, q[i]);
        if (rc == PGW_OK)
            rc = finish(&r);
        assert_true(rc == PGW_OK || rc == PGW_E_NOMEM || rc == PGW_E_STATE ||
                    rc == PGW_E_UNKNOWN_OUTCOME);
        r.fa.fail_at = 0;
        pgw_cursor_free(q[0]);
        pgw_cursor_free(q[1]);
        rig_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_engine_results_errors_and_syncs_in_order),
        cmocka_unit_test(test_pipeline_engine_freed_cursors_results_are_discarded),
        cmocka_unit_test(test_pipeline_engine_hostile_orders),
        cmocka_unit_test(test_pipeline_engine_message_after_everything_is_refused),
        cmocka_unit_test(test_pipeline_engine_refusals_leave_output_untouched),
        cmocka_unit_test(test_pipeline_engine_allocation_failures_are_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
