/* SQL cursors against the real server: DECLARE with its options and with
 * parameters, FETCH and MOVE in every direction, WITH HOLD across COMMIT,
 * BINARY rows, quoted names, the server's refusals, and a walk whose peak
 * memory does not grow with the row count. */
#include <stdint.h>

#include "pgwire/portal.h"
#include "pgwire/tx.h"

#include "pgtest.h"

static int64_t scalar(pgw_conn *c, const char *sql)
{
    pgw_result *r = NULL;
    if (pgw_query_result(c, sql, &r) != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(c));
    int64_t v = -1;
    assert_int_equal(pgw_result_int64(r, 0, 0, &v), PGW_OK);
    pgw_result_free(r);
    return v;
}

/* FETCH and return the values of column 0 as "a,b,c" (the tag must count
 * them). */
static void fetch_expect(pgw_conn *c, const char *name, pgw_fetch_dir dir, int64_t count,
                         const char *want)
{
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_sqlcursor_fetch(c, name, dir, count, &cur);
    if (rc != PGW_OK)
        fail_msg("FETCH %d %lld: %s", (int)dir, (long long)count, pgw_conn_errmsg(c));
    char got[512] = "";
    size_t n = 0, rows = 0;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        const char *t;
        size_t tl;
        assert_int_equal(pgw_cursor_text(cur, 0, &t, &tl), PGW_OK);
        n += (size_t)snprintf(got + n, sizeof got - n, "%s%.*s", rows ? "," : "", (int)tl, t);
        rows++;
    }
    assert_int_equal(rc, PGW_END);
    uint64_t tagged = 99;
    assert_int_equal(pgw_cursor_rows_affected(cur, &tagged), PGW_OK);
    assert_int_equal(tagged, rows);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    assert_string_equal(got, want);
}

static void test_sql_cursor_scroll_in_every_direction(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    assert_int_equal(pgw_sqlcursor_declare(c, "sc", PGW_SQLCURSOR_SCROLL,
                                           "SELECT g FROM generate_series(1, 10) g", NULL, 0),
                     PGW_OK);
    fetch_expect(c, "sc", PGW_FETCH_NEXT, 0, "1");
    fetch_expect(c, "sc", PGW_FETCH_FORWARD, 3, "2,3,4");
    fetch_expect(c, "sc", PGW_FETCH_PRIOR, 0, "3");
    fetch_expect(c, "sc", PGW_FETCH_FIRST, 0, "1");
    fetch_expect(c, "sc", PGW_FETCH_LAST, 0, "10");
    fetch_expect(c, "sc", PGW_FETCH_ABSOLUTE, 5, "5");
    fetch_expect(c, "sc", PGW_FETCH_ABSOLUTE, -2, "9");
    fetch_expect(c, "sc", PGW_FETCH_RELATIVE, -3, "6");
    fetch_expect(c, "sc", PGW_FETCH_RELATIVE, 0, "6");
    fetch_expect(c, "sc", PGW_FETCH_BACKWARD, 2, "5,4");
    fetch_expect(c, "sc", PGW_FETCH_FORWARD_ALL, 0, "5,6,7,8,9,10");
    fetch_expect(c, "sc", PGW_FETCH_NEXT, 0, ""); /* past the end */
    fetch_expect(c, "sc", PGW_FETCH_BACKWARD_ALL, 0, "10,9,8,7,6,5,4,3,2,1");

    uint64_t moved = 0;
    assert_int_equal(pgw_sqlcursor_move(c, "sc", PGW_FETCH_FORWARD, 4, &moved), PGW_OK);
    assert_int_equal(moved, 4);
    fetch_expect(c, "sc", PGW_FETCH_NEXT, 0, "5");
    assert_int_equal(pgw_sqlcursor_move(c, "sc", PGW_FETCH_FORWARD_ALL, 0, &moved), PGW_OK);
    assert_int_equal(moved, 5);
    assert_int_equal(pgw_sqlcursor_move(c, "sc", PGW_FETCH_ABSOLUTE, 2, &moved), PGW_OK);
    assert_int_equal(moved, 1);
    fetch_expect(c, "sc", PGW_FETCH_NEXT, 0, "3");
    /* Backwards from row 3: rows 2 and 1 (as FETCH would return them). */
    assert_int_equal(pgw_sqlcursor_move(c, "sc", PGW_FETCH_BACKWARD_ALL, 0, &moved), PGW_OK);
    assert_int_equal(moved, 2);
    fetch_expect(c, "sc", PGW_FETCH_NEXT, 0, "1");
    assert_int_equal(pgw_sqlcursor_close(c, "sc"), PGW_OK);
    assert_int_equal(pgw_commit(c), PGW_OK);
    pgw_close(c);
}

static void test_sql_cursor_no_scroll_refuses_backwards(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    assert_int_equal(pgw_sqlcursor_declare(c, "fw", PGW_SQLCURSOR_NO_SCROLL,
                                           "SELECT g FROM generate_series(1, 5) g", NULL, 0),
                     PGW_OK);
    fetch_expect(c, "fw", PGW_FETCH_FORWARD, 2, "1,2");
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_sqlcursor_fetch(c, "fw", PGW_FETCH_PRIOR, 0, &cur), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "55000");
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_rollback(c), PGW_OK);
    pgw_close(c);
}

static void test_sql_cursor_without_hold_needs_a_transaction(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_sqlcursor_declare(c, "lonely", 0, "SELECT 1", NULL, 0), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "25P01");
    /* And it dies with its transaction. */
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    assert_int_equal(pgw_sqlcursor_declare(c, "brief", 0, "SELECT 1", NULL, 0), PGW_OK);
    assert_int_equal(pgw_commit(c), PGW_OK);
    uint64_t moved = 7;
    assert_int_equal(pgw_sqlcursor_move(c, "brief", PGW_FETCH_NEXT, 0, &moved), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "34000");
    assert_int_equal(moved, 0);
    assert_int_equal(pgw_sqlcursor_close(c, "brief"), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "34000");
    pgw_close(c);
}

static void test_sql_cursor_with_hold_survives_commit(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    assert_int_equal(pgw_sqlcursor_declare(c, "held",
                                           PGW_SQLCURSOR_WITH_HOLD | PGW_SQLCURSOR_SCROLL,
                                           "SELECT g FROM generate_series(1, 6) g", NULL, 0),
                     PGW_OK);
    fetch_expect(c, "held", PGW_FETCH_FORWARD, 2, "1,2");
    assert_int_equal(pgw_commit(c), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_cursors WHERE name = 'held' AND "
                               "is_holdable AND is_scrollable"),
                     1);
    /* Outside any transaction, where it was left. */
    fetch_expect(c, "held", PGW_FETCH_NEXT, 0, "3");
    fetch_expect(c, "held", PGW_FETCH_FIRST, 0, "1");
    /* Through a ROLLBACK of a later transaction too. */
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    fetch_expect(c, "held", PGW_FETCH_NEXT, 0, "2");
    assert_int_equal(pgw_rollback(c), PGW_OK);
    fetch_expect(c, "held", PGW_FETCH_FORWARD_ALL, 0, "3,4,5,6");
    assert_int_equal(pgw_sqlcursor_close(c, "held"), PGW_OK);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_cursors WHERE name = 'held'"), 0);

    /* Declared outside a transaction block: allowed with WITH HOLD. */
    assert_int_equal(pgw_sqlcursor_declare(c, "auto", PGW_SQLCURSOR_WITH_HOLD,
                                           "SELECT g FROM generate_series(1, 3) g", NULL, 0),
                     PGW_OK);
    fetch_expect(c, "auto", PGW_FETCH_FORWARD_ALL, 0, "1,2,3");
    assert_int_equal(pgw_sqlcursor_close(c, "auto"), PGW_OK);
    pgw_close(c);
}

static void test_sql_cursor_parameters_binary_and_quoted_names(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    pgw_params *ps = NULL;
    assert_int_equal(pgw_params_new(NULL, &ps), PGW_OK);
    pgw_params_add_int4(ps, 3);
    pgw_params_add_str(ps, "item ");
    const char *odd = "My \"odd\" cursor; DROP TABLE x";
    assert_int_equal(pgw_sqlcursor_declare(c, odd, 0,
                                           "SELECT g, $2::text || g AS label FROM "
                                           "generate_series($1::int, 5) g",
                                           pgw_params_array(ps), 2),
                     PGW_OK);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_cursors WHERE name = 'My \"odd\" cursor; "
                               "DROP TABLE x'"),
                     1);
    fetch_expect(c, odd, PGW_FETCH_FORWARD_ALL, 0, "3,4,5");
    assert_int_equal(pgw_sqlcursor_close(c, odd), PGW_OK);
    /* Again: the DECLARE is now a cached prepared statement (Bind and
     * Execute only), with other values. */
    pgw_params_clear(ps);
    pgw_params_add_int4(ps, 4);
    pgw_params_add_str(ps, "again ");
    assert_int_equal(pgw_sqlcursor_declare(c, odd, 0,
                                           "SELECT g, $2::text || g AS label FROM "
                                           "generate_series($1::int, 5) g",
                                           pgw_params_array(ps), 2),
                     PGW_OK);
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.hits, 1);
    fetch_expect(c, odd, PGW_FETCH_FORWARD_ALL, 0, "4,5");
    assert_int_equal(pgw_sqlcursor_close(c, odd), PGW_OK);
    /* Names are exact: "ODD" is not "odd". */
    assert_int_equal(pgw_sqlcursor_declare(c, "odd", 0, "SELECT 1", NULL, 0), PGW_OK);
    assert_int_equal(pgw_sqlcursor_close(c, "ODD"), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "34000");
    assert_int_equal(pgw_rollback(c), PGW_OK);

    /* BINARY: the rows arrive in binary format and convert the same. */
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    assert_int_equal(pgw_sqlcursor_declare(c, "bin", PGW_SQLCURSOR_BINARY,
                                           "SELECT g, g * 1.5::float8 AS f, 'x' || g AS t "
                                           "FROM generate_series(1, 3) g",
                                           NULL, 0),
                     PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_sqlcursor_fetch(c, "bin", PGW_FETCH_FORWARD, 2, &cur), PGW_OK);
    assert_int_equal(pgw_cursor_column_format(cur, 0), PGW_FORMAT_BINARY);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    int32_t g = 0;
    double f = 0;
    assert_int_equal(pgw_cursor_int32(cur, 0, &g), PGW_OK);
    assert_int_equal(pgw_cursor_double(cur, 1, &f), PGW_OK);
    assert_int_equal(g, 2);
    assert_true(f == 3.0);
    const char *t;
    size_t tl;
    assert_int_equal(pgw_cursor_text(cur, 2, &t, &tl), PGW_OK);
    assert_memory_equal(t, "x2", 2);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    assert_int_equal(pgw_sqlcursor_close(c, "bin"), PGW_OK);
    assert_int_equal(pgw_commit(c), PGW_OK);
    pgw_params_free(ps);
    pgw_close(c);
}

static void test_sql_cursor_refuses_bad_arguments(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_sqlcursor_declare(NULL, "x", 0, "SELECT 1", NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_declare(c, NULL, 0, "SELECT 1", NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_declare(c, "", 0, "SELECT 1", NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_declare(c, "x", 0, "", NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_declare(c, "x", PGW_SQLCURSOR_SCROLL | PGW_SQLCURSOR_NO_SCROLL,
                                           "SELECT 1", NULL, 0),
                     PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_declare(c, "x", 0x100u, "SELECT 1", NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_declare(c, "bad\xc3", 0, "SELECT 1", NULL, 0), PGW_E_INVALID);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_sqlcursor_fetch(c, "x", PGW_FETCH_FORWARD, -1, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_fetch(c, "x", PGW_FETCH_BACKWARD, -1, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_fetch(c, "x", (pgw_fetch_dir)42, 1, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_sqlcursor_fetch(c, "x", PGW_FETCH_NEXT, 0, NULL), PGW_E_INVALID);
    assert_null(cur);
    uint64_t moved = 5;
    assert_int_equal(pgw_sqlcursor_move(c, "", PGW_FETCH_NEXT, 0, &moved), PGW_E_INVALID);
    assert_int_equal(moved, 0);
    assert_int_equal(pgw_sqlcursor_close(c, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    assert_int_equal(scalar(c, "SELECT 5"), 5);
    pgw_close(c);
}

/* ---- constant memory ------------------------------------------------------ */

typedef struct counting {
    pgw_allocator hooks;
    size_t live, peak;
} counting;

static void note(counting *k, size_t add, size_t sub)
{
    k->live = k->live + add - sub;
    if (k->live > k->peak)
        k->peak = k->live;
}

static void *c_alloc(void *ud, size_t n)
{
    void *p = malloc(n);
    if (p != NULL)
        note(ud, n, 0);
    return p;
}

static void *c_realloc(void *ud, void *p, size_t old_n, size_t new_n)
{
    void *q = realloc(p, new_n);
    if (q != NULL)
        note(ud, new_n, old_n);
    return q;
}

static void c_free(void *ud, void *p, size_t n)
{
    free(p);
    note(ud, 0, n);
}

static size_t walk_peak(pgw_conn *c, counting *k, int64_t rows)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT g, 'row ' || g FROM generate_series(1, %lld) g",
             (long long)rows);
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    k->peak = k->live;
    assert_int_equal(pgw_sqlcursor_declare(c, "walk", PGW_SQLCURSOR_NO_SCROLL, sql, NULL, 0),
                     PGW_OK);
    int64_t seen = 0;
    for (;;) {
        pgw_cursor *cur = NULL;
        assert_int_equal(pgw_sqlcursor_fetch(c, "walk", PGW_FETCH_FORWARD, 1000, &cur), PGW_OK);
        int64_t before = seen;
        while (pgw_cursor_next(cur) == PGW_OK) {
            int64_t v;
            if (pgw_cursor_int64(cur, 0, &v) != PGW_OK || v != seen + 1)
                fail_msg("row %lld: wrong value", (long long)seen + 1);
            seen++;
        }
        assert_int_equal(pgw_cursor_close(cur), PGW_OK);
        if (seen == before)
            break;
    }
    assert_int_equal(seen, rows);
    assert_int_equal(pgw_sqlcursor_close(c, "walk"), PGW_OK);
    size_t peak = k->peak;
    assert_int_equal(pgw_commit(c), PGW_OK);
    return peak;
}

static void test_sql_cursor_walk_memory_is_independent_of_row_count(void **s)
{
    (void)s;
    counting k = {{c_alloc, c_realloc, c_free, NULL}, 0, 0};
    k.hooks.ud = &k;
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "TRUST", 1, NULL);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.allocator = &k.hooks;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect(&c, &o), PGW_OK);
    (void)walk_peak(c, &k, 20000);
    size_t small = walk_peak(c, &k, 20000);
    size_t big = walk_peak(c, &k, 200000);
    fprintf(stderr, "# peak live bytes: %zu for 20,000 rows, %zu for 200,000 rows\n", small, big);
    assert_true(small < 384 * 1024);
    assert_true(big < 384 * 1024);
    assert_true(big <= small + 128 * 1024);
    pgw_close(c);
    assert_int_equal(k.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_cursor_scroll_in_every_direction),
        cmocka_unit_test(test_sql_cursor_no_scroll_refuses_backwards),
        cmocka_unit_test(test_sql_cursor_without_hold_needs_a_transaction),
        cmocka_unit_test(test_sql_cursor_with_hold_survives_commit),
        cmocka_unit_test(test_sql_cursor_parameters_binary_and_quoted_names),
        cmocka_unit_test(test_sql_cursor_refuses_bad_arguments),
        cmocka_unit_test(test_sql_cursor_walk_memory_is_independent_of_row_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
