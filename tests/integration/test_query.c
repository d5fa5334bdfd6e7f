/* The simple query protocol and the streaming cursor against the real
 * server. */
#include <math.h>
#include <unistd.h>

#include "pgtest.h"

static void test_query_select_rows_and_tag(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT g AS n, 'row ' || g AS label, NULL::int AS nothing "
                                  "FROM generate_series(1, 3) g",
                               &cur),
                     PGW_OK);
    assert_true(pgw_cursor_has_rows(cur));
    assert_int_equal(pgw_cursor_ncols(cur), 3);
    assert_string_equal(pgw_cursor_column_name(cur, 0), "n");
    assert_int_equal(pgw_cursor_column_type(cur, 0), PGW_OID_INT4);
    assert_int_equal(pgw_cursor_column_type(cur, 1), PGW_OID_TEXT);
    assert_int_equal(pgw_cursor_column_index(cur, "label"), 1);
    assert_int_equal(pgw_cursor_column_index(cur, "nope"), -1);
    assert_null(pgw_cursor_command_tag(cur));
    int expected = 1;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int32_t n;
        assert_int_equal(pgw_cursor_int32(cur, 0, &n), PGW_OK);
        assert_int_equal(n, expected);
        const char *p;
        size_t len;
        assert_int_equal(pgw_cursor_text(cur, 1, &p, &len), PGW_OK);
        char want[32];
        snprintf(want, sizeof want, "row %d", expected);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(p, want, len);
        assert_true(pgw_cursor_is_null(cur, 2));
        int32_t x;
        assert_int_equal(pgw_cursor_int32(cur, 2, &x), PGW_E_NULL);
        assert_int_equal(pgw_cursor_text(cur, 2, &p, &len), PGW_E_NULL);
        assert_int_equal(pgw_cursor_int32(cur, 1, &x), PGW_E_TYPE);
        pgw_value v;
        assert_int_equal(pgw_cursor_value(cur, 3, &v), PGW_E_INVALID);
        expected++;
    }
    assert_int_equal(rc, PGW_END);
    assert_int_equal(expected, 4);
    assert_string_equal(pgw_cursor_command_tag(cur), "SELECT 3");
    uint64_t rows;
    assert_int_equal(pgw_cursor_rows_affected(cur, &rows), PGW_OK);
    assert_int_equal(rows, 3);
    /* No current row after the end. */
    pgw_value v;
    assert_int_equal(pgw_cursor_value(cur, 0, &v), PGW_E_STATE);
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    pgw_cursor_free(cur);
    pgw_close(c);
}

static void test_query_multi_statement_gives_one_result_each(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c,
                               "CREATE TEMP TABLE t (a int, b text);"
                               "INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, NULL);"
                               "UPDATE t SET b = 'z' WHERE a >= 2;"
                               "SELECT a, b FROM t ORDER BY a;"
                               "DELETE FROM t;"
                               ";",
                               &cur),
                     PGW_OK);
    uint64_t n;
    /* CREATE TABLE: a result without rows, tag without a count. */
    assert_false(pgw_cursor_has_rows(cur));
    assert_string_equal(pgw_cursor_command_tag(cur), "CREATE TABLE");
    assert_int_equal(pgw_cursor_rows_affected(cur, &n), PGW_END);
    assert_int_equal(pgw_cursor_next(cur), PGW_END);

    assert_int_equal(pgw_cursor_next_result(cur), PGW_OK);
    assert_string_equal(pgw_cursor_command_tag(cur), "INSERT 0 3");
    assert_int_equal(pgw_cursor_rows_affected(cur, &n), PGW_OK);
    assert_int_equal(n, 3);

    assert_int_equal(pgw_cursor_next_result(cur), PGW_OK);
    assert_string_equal(pgw_cursor_command_tag(cur), "UPDATE 2");

    assert_int_equal(pgw_cursor_next_result(cur), PGW_OK);
    assert_true(pgw_cursor_has_rows(cur));
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    /* Leave the third row unread: next_result skips it. */
    assert_int_equal(pgw_cursor_next_result(cur), PGW_OK);
    assert_string_equal(pgw_cursor_command_tag(cur), "DELETE 3");
    /* Empty statements inside a string yield nothing (only a wholly empty
     * string gets EmptyQueryResponse). */
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    pgw_cursor_free(cur);
    pgw_close(c);
}

static void test_query_empty_string_is_empty_result(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "", &cur), PGW_OK);
    assert_string_equal(pgw_cursor_command_tag(cur), "");
    assert_int_equal(pgw_cursor_next(cur), PGW_END);
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    pgw_cursor_free(cur);
    pgw_close(c);
}

static void test_query_syntax_error_is_42601_with_position(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT 1 FROM WHERE", &cur), PGW_E_SERVER);
    const pgw_error *e = pgw_conn_error(c);
    assert_int_equal(e->status, PGW_E_SERVER);
    assert_string_equal(e->sqlstate, "42601");
    assert_string_equal(e->severity, "ERROR");
    assert_non_null(strstr(e->message, "syntax error at or near \"WHERE\""));
    assert_int_equal(e->position, 15);
    assert_non_null(e->file);
    assert_non_null(e->routine);
    assert_string_equal(e->summary, "ERROR:  syntax error at or near \"WHERE\"");
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    pgw_cursor_free(cur);
    /* The connection is usable afterwards. */
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    uint64_t n;
    assert_int_equal(pgw_exec(c, "SELECT 1 UNION SELECT 2", &n), PGW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(pgw_conn_error(c)->status, PGW_OK);
    pgw_close(c);
}

static void test_query_error_mid_string_stops_later_statements(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT 1; SELECT 1/0; SELECT 3", &cur), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_END);
    assert_int_equal(pgw_cursor_next_result(cur), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "22012");
    assert_int_equal(pgw_cursor_next(cur), PGW_END);
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    pgw_cursor_free(cur);
    /* A failed explicit transaction reports its state until rolled back. */
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_BLOCK);
    assert_int_equal(pgw_exec(c, "SELECT no_such_column", NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42703");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "25P02");
    assert_int_equal(pgw_exec(c, "ROLLBACK", NULL), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    pgw_close(c);
}

typedef struct notices {
    int count;
    char last[256];
    char sqlstate[6];
} notices;

static void on_notice(void *ud, const pgw_error *n)
{
    notices *ns = ud;
    ns->count++;
    snprintf(ns->last, sizeof ns->last, "%s", n->message);
    memcpy(ns->sqlstate, n->sqlstate, 6);
}

static void test_query_notices_reach_callback(void **s)
{
    pgw_conn *c = pgt_connect();
    notices ns = {0};
    pgw_conn_set_notice_handler(c, on_notice, &ns);
    assert_int_equal(pgw_exec(c,
                              "DO $$ BEGIN RAISE NOTICE 'hello %', 42; "
                              "RAISE WARNING 'careful'; END $$",
                              NULL),
                     PGW_OK);
    assert_int_equal(ns.count, 2);
    assert_string_equal(ns.last, "careful");
    assert_string_equal(ns.sqlstate, "01000");
    /* Notices interleaved with rows. */
    ns.count = 0;
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c,
                               "CREATE FUNCTION pg_temp.noisy(i int) RETURNS int AS $$ BEGIN "
                               "RAISE NOTICE 'row %', i; RETURN i; END $$ LANGUAGE plpgsql;"
                               "SELECT pg_temp.noisy(g) FROM generate_series(1, 100) g",
                               &cur),
                     PGW_OK);
    assert_int_equal(pgw_cursor_next_result(cur), PGW_OK);
    int rows = 0;
    while (pgw_cursor_next(cur) == PGW_OK)
        rows++;
    assert_int_equal(rows, 100);
    assert_int_equal(ns.count, 100);
    assert_string_equal(ns.last, "row 100");
    pgw_cursor_free(cur);
    pgw_close(c);
}

static void test_query_conversions(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c,
                               "SELECT 9223372036854775807::int8, '-9223372036854775808'::int8,"
                               " 2147483648::int8, 1.5::float8, 'NaN'::float8, true, false,"
                               " 123.456::numeric, '-Infinity'::float8",
                               &cur),
                     PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    int64_t i64;
    int32_t i32;
    double d;
    bool b;
    assert_int_equal(pgw_cursor_int64(cur, 0, &i64), PGW_OK);
    assert_true(i64 == INT64_MAX);
    assert_int_equal(pgw_cursor_int64(cur, 1, &i64), PGW_OK);
    assert_true(i64 == INT64_MIN);
    assert_int_equal(pgw_cursor_int32(cur, 2, &i32), PGW_E_RANGE);
    assert_int_equal(pgw_cursor_double(cur, 3, &d), PGW_OK);
    assert_true(d == 1.5);
    assert_int_equal(pgw_cursor_double(cur, 4, &d), PGW_OK);
    assert_true(isnan(d));
    assert_int_equal(pgw_cursor_bool(cur, 5, &b), PGW_OK);
    assert_true(b);
    assert_int_equal(pgw_cursor_bool(cur, 6, &b), PGW_OK);
    assert_false(b);
    assert_int_equal(pgw_cursor_double(cur, 7, &d), PGW_OK);
    assert_true(fabs(d - 123.456) < 1e-9);
    assert_int_equal(pgw_cursor_int64(cur, 7, &i64), PGW_E_INVALID);
    assert_int_equal(pgw_cursor_double(cur, 8, &d), PGW_OK);
    assert_true(isinf(d) && d < 0);
    assert_int_equal(pgw_cursor_bool(cur, 3, &b), PGW_E_TYPE);
    pgw_cursor_free(cur);
    pgw_close(c);
}

static void test_query_materialised_result(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c,
                                      "SELECT 1; SELECT g, md5(g::text) AS h, NULL AS z "
                                      "FROM generate_series(1, 1000) g",
                                      &r),
                     PGW_OK);
    assert_int_equal(pgw_result_nrows(r), 1000);
    assert_int_equal(pgw_result_ncols(r), 3);
    assert_string_equal(pgw_result_column_name(r, 1), "h");
    assert_int_equal(pgw_result_column_index(r, "z"), 2);
    assert_string_equal(pgw_result_command_tag(r), "SELECT 1000");
    int64_t v;
    assert_int_equal(pgw_result_int64(r, 999, 0, &v), PGW_OK);
    assert_int_equal(v, 1000);
    assert_string_equal(pgw_result_text(r, 0, 1), "c4ca4238a0b923820dcc509a6f75849b");
    assert_true(pgw_result_is_null(r, 5, 2));
    assert_null(pgw_result_text(r, 5, 2));
    pgw_value val;
    assert_int_equal(pgw_result_value(r, 1000, 0, &val), PGW_E_INVALID);
    pgw_result_free(r);
    /* An error gives no result and leaves the connection idle. */
    assert_int_equal(pgw_query_result(c, "SELECT 1; SELECT * FROM missing_table", &r),
                     PGW_E_SERVER);
    assert_null(r);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42P01");
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    pgw_close(c);
}

static void test_query_abandoned_cursor_then_new_query(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT g FROM generate_series(1, 50000) g; SELECT 2", &cur),
                     PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    /* A second query while the first is active is refused... */
    pgw_cursor *other = NULL;
    assert_int_equal(pgw_query(c, "SELECT 3", &other), PGW_E_STATE);
    assert_null(other);
    /* ...but after freeing the first, its leftovers are skipped. */
    pgw_cursor_free(cur);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT 'fresh'", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "fresh");
    pgw_result_free(r);
    pgw_close(c);
}

static void test_query_null_sql_is_invalid(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    /* A C string cannot hold a NUL, but a huge statement can be refused. */
    assert_int_equal(pgw_query(c, NULL, &cur), PGW_E_INVALID);
    pgw_close(c);
}

/* A counting allocator: peak live bytes must stay flat however many rows
 * stream past. */
typedef struct counting {
    size_t live, peak;
} counting;

static void *c_alloc(void *ud, size_t n)
{
    counting *k = ud;
    k->live += n;
    if (k->live > k->peak)
        k->peak = k->live;
    return malloc(n);
}

static void *c_realloc(void *ud, void *p, size_t old_n, size_t new_n)
{
    counting *k = ud;
    void *q = realloc(p, new_n);
    if (q != NULL) {
        k->live = k->live - old_n + new_n;
        if (k->live > k->peak)
            k->peak = k->live;
    }
    return q;
}

static void c_free(void *ud, void *p, size_t n)
{
    counting *k = ud;
    k->live -= n;
    free(p);
}

static void stream_rows(int tcp, const char *extra, long nrows);

static void test_query_million_rows_stream_in_constant_memory(void **s)
{
    stream_rows(0, NULL, 1000000);
}

/* The same over TLS: decrypted bytes go through their own path into the
 * input buffer, which must compact just the same. */
static void test_query_rows_over_tls_stream_in_constant_memory(void **s)
{
    stream_rows(1, " sslmode=require", 300000);
}

static void stream_rows(int tcp, const char *extra, long nrows)
{
    counting k = {0, 0};
    pgw_allocator a = {c_alloc, c_realloc, c_free, &k};
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "TRUST", tcp, extra);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.allocator = &a;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect(&c, &o), PGW_OK);
    if (extra != NULL)
        assert_true(pgw_conn_tls_in_use(c));
    pgw_cursor *cur = NULL;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT g, repeat('x', 40) AS pad FROM generate_series(1, %ld) g",
             nrows);
    assert_int_equal(pgw_query(c, sql, &cur), PGW_OK);
    int64_t sum = 0, rows = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int64_t g;
        assert_int_equal(pgw_cursor_int64(cur, 0, &g), PGW_OK);
        sum += g;
        rows++;
    }
    assert_int_equal(rc, PGW_END);
    assert_int_equal(rows, nrows);
    assert_true(sum == (int64_t)nrows * (nrows + 1) / 2);
    char tag[32];
    snprintf(tag, sizeof tag, "SELECT %ld", nrows);
    assert_string_equal(pgw_cursor_command_tag(cur), tag);
    fprintf(stderr, "# %ld rows%s: peak client memory %zu bytes\n", nrows,
            extra != NULL ? " over TLS" : "", k.peak);
    /* Bounded by the read chunk and one message, not by the row count. */
    assert_true(k.peak < 512 * 1024);
    pgw_cursor_free(cur);
    pgw_close(c);
    assert_int_equal(k.live, 0);
}

static void test_query_terminated_backend_reports_closed(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    /* The backend terminates itself in the middle of a statement string. */
    assert_int_equal(pgw_query(c, "SELECT 1; SELECT pg_terminate_backend(pg_backend_pid()); SELECT 3",
                               &cur),
                     PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    pgw_status rc;
    while ((rc = pgw_cursor_next_result(cur)) == PGW_OK)
        ;
    assert_true(rc == PGW_E_CLOSED || rc == PGW_E_IO);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57P01");
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_cursor_free(cur);
    /* Sticky: every later call reports the same failure. */
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), rc);
    pgw_close(c);
}

static void test_query_backend_killed_mid_stream_reports_closed(void **s)
{
    pgw_conn *victim = pgt_connect();
    pgw_conn *killer = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(victim, "SELECT g, pg_sleep(CASE WHEN g = 1000 THEN 0.2 ELSE 0 END)"
                                       " FROM generate_series(1, 1000000) g",
                               &cur),
                     PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", (int)pgw_conn_backend_pid(victim));
    assert_int_equal(pgw_exec(killer, sql, NULL), PGW_OK);
    pgw_status rc;
    long rows = 1;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK)
        rows++;
    fprintf(stderr, "# read %ld rows before the backend went away\n", rows);
    assert_true(rows < 1000000);
    assert_true(rc == PGW_E_CLOSED || rc == PGW_E_IO);
    assert_int_equal(pgw_conn_get_state(victim), PGW_CONN_BROKEN);
    pgw_cursor_free(cur);
    pgw_close(victim);
    pgw_close(killer);
}

static void test_query_io_timeout_is_reported(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_conn_set_timeout(c, 200);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT pg_sleep(3)", &cur), PGW_E_TIMEOUT);
    assert_null(cur);
    assert_string_equal(pgw_conn_errmsg(c), "timeout expired");
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_select_rows_and_tag),
        cmocka_unit_test(test_query_multi_statement_gives_one_result_each),
        cmocka_unit_test(test_query_empty_string_is_empty_result),
        cmocka_unit_test(test_query_syntax_error_is_42601_with_position),
        cmocka_unit_test(test_query_error_mid_string_stops_later_statements),
        cmocka_unit_test(test_query_notices_reach_callback),
        cmocka_unit_test(test_query_conversions),
        cmocka_unit_test(test_query_materialised_result),
        cmocka_unit_test(test_query_abandoned_cursor_then_new_query),
        cmocka_unit_test(test_query_null_sql_is_invalid),
        cmocka_unit_test(test_query_million_rows_stream_in_constant_memory),
        cmocka_unit_test(test_query_rows_over_tls_stream_in_constant_memory),
        cmocka_unit_test(test_query_terminated_backend_reports_closed),
        cmocka_unit_test(test_query_backend_killed_mid_stream_reports_closed),
        cmocka_unit_test(test_query_io_timeout_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
