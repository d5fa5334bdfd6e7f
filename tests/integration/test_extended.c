/* The extended query protocol against the real server: parameters in both
 * formats, the statement cache (hits, invalidation and transparent retry),
 * prepared statements, and errors at each step leaving the connection
 * usable. */
#include "pgtest.h"

static pgw_conn *connect_cache(int cache_size)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "TRUST", 1, NULL);
    pgw_conn_options opt;
    pgw_conn_options_init(&opt);
    opt.conninfo = ci;
    opt.statement_cache_size = cache_size;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &opt);
    if (rc != PGW_OK) {
        fprintf(stderr, "# connect failed: %s\n", pgw_conn_errmsg(c));
        fail_msg("pgw_connect: %s", pgw_status_name(rc));
    }
    return c;
}

/* SELECT $1::int4 + 1, $2 || '!', $3 IS NULL with int4 binary, inferred
 * text and NULL parameters; checks the values. */
static void run_basic(pgw_conn *c, int32_t in, int expect_format)
{
    pgw_params *p;
    assert_int_equal(pgw_params_new(NULL, &p), PGW_OK);
    pgw_params_add_int4(p, in);
    pgw_params_add_text(p, PGW_OID_TEXT, "it's", 4);
    pgw_params_add_null(p, PGW_OID_INT4);
    assert_int_equal(pgw_params_status(p), PGW_OK);
    assert_int_equal(pgw_params_count(p), 3);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_params(c, "SELECT $1::int4 + 1 AS n, $2 || '!' AS s, $3 IS NULL AS z",
                                      pgw_params_array(p), pgw_params_count(p), &cur),
                     PGW_OK);
    assert_int_equal(pgw_cursor_ncols(cur), 3);
    assert_string_equal(pgw_cursor_column_name(cur, 1), "s");
    assert_int_equal(pgw_cursor_column_format(cur, 0), expect_format);
    assert_int_equal(pgw_cursor_column_format(cur, 1), PGW_FORMAT_TEXT);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    int32_t n;
    assert_int_equal(pgw_cursor_int32(cur, 0, &n), PGW_OK);
    assert_int_equal(n, in + 1);
    const char *s;
    size_t len;
    assert_int_equal(pgw_cursor_text(cur, 1, &s, &len), PGW_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(s, "it's!", 5);
    bool z;
    assert_int_equal(pgw_cursor_bool(cur, 2, &z), PGW_OK);
    assert_true(z);
    assert_int_equal(pgw_cursor_next(cur), PGW_END);
    assert_string_equal(pgw_cursor_command_tag(cur), "SELECT 1");
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    pgw_cursor_free(cur);
    pgw_params_free(p);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
}

static void test_params_cache_off_one_round_trip(void **s)
{
    pgw_conn *c = connect_cache(-1);
    run_basic(c, 41, PGW_FORMAT_TEXT); /* types unknown before Bind: AUTO = text */
    run_basic(c, -7, PGW_FORMAT_TEXT);
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.capacity, 0);
    assert_int_equal(st.hits + st.misses, 0);
    pgw_close(c);
}

static void test_params_cache_hits_and_binary_auto(void **s)
{
    pgw_conn *c = connect_cache(0);
    for (int i = 0; i < 5; i++)
        run_basic(c, i * 1000, PGW_FORMAT_BINARY);
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.misses, 1);
    assert_int_equal(st.hits, 4);
    assert_int_equal(st.size, 1);
    assert_int_equal(st.capacity, 256);
    /* The server holds exactly one statement of ours. */
    pgw_result *r;
    assert_int_equal(pgw_query_result(c, "SELECT count(*) FROM pg_prepared_statements", &r),
                     PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "1");
    pgw_result_free(r);
    pgw_close(c);
}

static void test_cache_eviction_closes_on_server(void **s)
{
    pgw_conn *c = connect_cache(3);
    char sql[64];
    for (int i = 0; i < 10; i++) {
        snprintf(sql, sizeof sql, "SELECT %d + $1::int4", i);
        pgw_param prm = {PGW_OID_INT4, PGW_FORMAT_TEXT, "1", 1};
        uint64_t rows;
        assert_int_equal(pgw_exec_params(c, sql, &prm, 1, &rows), PGW_OK);
        assert_int_equal(rows, 1);
    }
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.size, 3);
    assert_int_equal(st.evictions, 7);
    /* Closes of evicted entries ride along with the next exchange. */
    pgw_param none = {0, 0, NULL, 0};
    (void)none;
    pgw_result *r;
    assert_int_equal(pgw_query_params_result(c, "SELECT count(*)::int4 FROM pg_prepared_statements",
                                             NULL, 0, &r),
                     PGW_OK);
    int32_t n;
    assert_int_equal(pgw_result_int32(r, 0, 0, &n), PGW_OK);
    assert_true(n <= 4);
    pgw_result_free(r);
    pgw_close(c);
}

static void test_cache_retry_after_alter_table(void **s)
{
    pgw_conn *c = connect_cache(0);
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE ext_t(a int); INSERT INTO ext_t VALUES (1)",
                              NULL),
                     PGW_OK);
    pgw_result *r;
    assert_int_equal(pgw_query_params_result(c, "SELECT * FROM ext_t", NULL, 0, &r), PGW_OK);
    assert_int_equal(pgw_result_ncols(r), 1);
    pgw_result_free(r);
    assert_int_equal(pgw_exec(c, "ALTER TABLE ext_t ADD COLUMN b text DEFAULT 'x'", NULL), PGW_OK);
    /* 0A000 "cached plan must not change result type": re-prepared and
     * retried without the caller seeing it (no transaction open). */
    assert_int_equal(pgw_query_params_result(c, "SELECT * FROM ext_t", NULL, 0, &r), PGW_OK);
    assert_int_equal(pgw_result_ncols(r), 2);
    assert_string_equal(pgw_result_text(r, 0, 1), "x");
    pgw_result_free(r);
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.invalidations, 1);

    /* Inside a transaction the error stands: the transaction is spoiled. */
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    assert_int_equal(pgw_query_params_result(c, "SELECT * FROM ext_t", NULL, 0, &r), PGW_OK);
    pgw_result_free(r);
    assert_int_equal(pgw_exec(c, "ALTER TABLE ext_t DROP COLUMN b", NULL), PGW_OK);
    pgw_cursor *cur;
    assert_int_equal(pgw_query_params(c, "SELECT * FROM ext_t", NULL, 0, &cur), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "0A000");
    assert_int_equal(pgw_cursor_failed_step(cur), PGW_STEP_BIND);
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    pgw_cursor_free(cur);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_exec(c, "ROLLBACK", NULL), PGW_OK);
    /* The rollback restored column b; the next use prepares afresh. */
    assert_int_equal(pgw_query_params_result(c, "SELECT * FROM ext_t", NULL, 0, &r), PGW_OK);
    assert_int_equal(pgw_result_ncols(r), 2);
    pgw_result_free(r);
    pgw_close(c);
}

static void test_cache_after_discard_all_and_deallocate(void **s)
{
    pgw_conn *c = connect_cache(0);
    pgw_result *r;
    assert_int_equal(pgw_query_params_result(c, "SELECT 7::int4", NULL, 0, &r), PGW_OK);
    pgw_result_free(r);
    assert_int_equal(pgw_exec(c, "DISCARD ALL", NULL), PGW_OK);
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.size, 0);
    assert_int_equal(pgw_query_params_result(c, "SELECT 7::int4", NULL, 0, &r), PGW_OK);
    int32_t v;
    assert_int_equal(pgw_result_int32(r, 0, 0, &v), PGW_OK);
    assert_int_equal(v, 7);
    pgw_result_free(r);
    /* A DEALLOCATE of one of ours the cache cannot see: 26000 at Bind,
     * retried transparently. */
    assert_int_equal(pgw_query_result(c, "SELECT name FROM pg_prepared_statements", &r), PGW_OK);
    char name[64];
    snprintf(name, sizeof name, "DEALLOCATE %s", pgw_result_text(r, 0, 0));
    pgw_result_free(r);
    assert_int_equal(pgw_exec(c, name, NULL), PGW_OK);
    assert_int_equal(pgw_query_params_result(c, "SELECT 7::int4", NULL, 0, &r), PGW_OK);
    pgw_result_free(r);
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.invalidations, 2);
    pgw_close(c);
}

static void test_cache_clear_closes_and_spares_the_busy_entry(void **s)
{
    pgw_conn *c = connect_cache(0);
    pgw_result *r;
    for (int i = 0; i < 3; i++) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT %d::int4", i);
        assert_int_equal(pgw_query_params_result(c, sql, NULL, 0, &r), PGW_OK);
        pgw_result_free(r);
    }
    /* Cleared while a cached statement is being prepared for a cursor
     * in flight: that one survives until its exchange is over. */
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_params_send(c, "SELECT 42::int4 AS v", NULL, 0, NULL, 0, &cur),
                     PGW_OK);
    pgw_conn_stmt_cache_clear(c);
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.size, 1);
    assert_int_equal(st.invalidations, 3);
    pgw_status rc;
    while ((rc = pgw_cursor_recv(cur)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
        assert_true(pgw_conn_pump(c, rc) >= 0);
    assert_int_equal(rc, PGW_OK);
    int32_t v;
    assert_int_equal(pgw_cursor_int32(cur, 0, &v), PGW_OK);
    assert_int_equal(v, 42);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    /* The three cleared statements are closed with the next exchange of the
     * extended protocol (this one; its own statement makes the second). */
    assert_int_equal(pgw_query_params_result(c, "SELECT count(*)::int4 FROM pg_prepared_statements",
                                             NULL, 0, &r),
                     PGW_OK);
    int32_t n = 0;
    assert_int_equal(pgw_result_int32(r, 0, 0, &n), PGW_OK);
    assert_int_equal(n, 2);
    pgw_result_free(r);
    pgw_close(c);
}

static void expect_step(pgw_conn *c, const char *sql, const pgw_param *p, size_t n,
                        pgw_step step, const char *sqlstate)
{
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query_params(c, sql, p, n, &cur);
    if (rc == PGW_OK) /* an error while executing arrives after the columns */
        rc = pgw_cursor_next(cur);
    assert_int_equal(rc, PGW_E_SERVER);
    assert_non_null(cur);
    assert_string_equal(pgw_conn_error(c)->sqlstate, sqlstate);
    assert_int_equal(pgw_cursor_failed_step(cur), step);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    /* Usable afterwards. */
    uint64_t rows;
    assert_int_equal(pgw_exec_params(c, "SELECT 1", NULL, 0, &rows), PGW_OK);
    assert_int_equal(rows, 1);
}

static void run_error_steps(int cache)
{
    pgw_conn *c = connect_cache(cache);
    expect_step(c, "SELEC 1", NULL, 0, PGW_STEP_PARSE, "42601");
    expect_step(c, "SELECT * FROM no_such_table", NULL, 0, PGW_STEP_PARSE, "42P01");
    pgw_param one = {PGW_OID_INT4, PGW_FORMAT_TEXT, "1", 1};
    (void)one;
    /* A type the server cannot infer. */
    expect_step(c, "SELECT $1", NULL, 0, PGW_STEP_BIND, "08P01");
    pgw_param bad_text = {PGW_OID_INT4, PGW_FORMAT_TEXT, "abc", 3};
    expect_step(c, "SELECT $1::int4", &bad_text, 1, PGW_STEP_BIND, "22P02");
    pgw_param short_bin = {PGW_OID_INT4, PGW_FORMAT_BINARY, "\x00\x01\x02", 3};
    expect_step(c, "SELECT $1::int4", &short_bin, 1, PGW_STEP_BIND, "08P01");
    pgw_param zero = {PGW_OID_INT4, PGW_FORMAT_TEXT, "0", 1};
    /* A column, not a constant the planner would fold at Bind. */
    expect_step(c, "SELECT 1 / (g - $1::int4) FROM generate_series(0, 0) g", &zero, 1,
                PGW_STEP_EXECUTE, "22012");
    pgw_close(c);
}

static void test_errors_at_each_step_cache_on(void **s)
{
    run_error_steps(0);
}

static void test_errors_at_each_step_cache_off(void **s)
{
    run_error_steps(-1);
}

static void test_client_refusals_before_the_wire(void **s)
{
    pgw_conn *c = connect_cache(0);
    pgw_cursor *cur = NULL;
    /* 65,536 parameters cannot be expressed in the protocol. */
    size_t n = 65536;
    pgw_param *many = calloc(n, sizeof *many);
    assert_non_null(many);
    for (size_t i = 0; i < n; i++)
        many[i] = (pgw_param){PGW_OID_INT4, PGW_FORMAT_TEXT, "1", 1};
    assert_int_equal(pgw_query_params(c, "SELECT 1", many, n, &cur), PGW_E_TOO_LARGE);
    assert_null(cur);
    /* 65,535 work. */
    char *sql = malloc(65535 * 8 + 64);
    assert_non_null(sql);
    size_t off = (size_t)sprintf(sql, "SELECT cardinality(ARRAY[");
    for (size_t i = 1; i <= 65535; i++)
        off += (size_t)sprintf(sql + off, "%s$%zu", i > 1 ? "," : "", i);
    sprintf(sql + off, "])");
    pgw_result *r;
    pgw_status rc = pgw_query_params_result(c, sql, many, 65535, &r);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    int32_t count;
    assert_int_equal(pgw_result_int32(r, 0, 0, &count), PGW_OK);
    assert_int_equal(count, 65535);
    pgw_result_free(r);
    free(sql);
    free(many);
    /* A bad format code and a NUL in the SQL never reach the server. */
    pgw_param badfmt = {PGW_OID_INT4, 7, "1", 1};
    assert_int_equal(pgw_query_params(c, "SELECT $1", &badfmt, 1, &cur), PGW_E_INVALID);
    int16_t rf = 9;
    assert_int_equal(pgw_query_params_send(c, "SELECT 1", NULL, 0, &rf, 1, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_prepare(c, "pgw_s1", "SELECT 1", NULL, 0, &(pgw_stmt *){NULL}),
                     PGW_E_INVALID);
    uint64_t rows;
    assert_int_equal(pgw_exec_params(c, "SELECT 2", NULL, 0, &rows), PGW_OK);
    pgw_close(c);
}

static void test_prepared_statement_lifecycle(void **s)
{
    pgw_conn *c = connect_cache(0);
    pgw_stmt *st = NULL;
    uint32_t types[2] = {PGW_OID_INT8, 0};
    assert_int_equal(pgw_prepare(c, "ext_add", "SELECT $1 + $2::int4 AS total, $2::text AS t",
                                 types, 2, &st),
                     PGW_OK);
    assert_true(pgw_stmt_ready(st));
    assert_string_equal(pgw_stmt_name(st), "ext_add");
    assert_int_equal(pgw_stmt_nparams(st), 2);
    assert_int_equal(pgw_stmt_param_type(st, 0), PGW_OID_INT8);
    assert_int_equal(pgw_stmt_param_type(st, 1), PGW_OID_INT4);
    assert_int_equal(pgw_stmt_ncols(st), 2);
    assert_string_equal(pgw_stmt_column_name(st, 0), "total");
    assert_int_equal(pgw_stmt_column_type(st, 0), PGW_OID_INT8);
    assert_int_equal(pgw_stmt_column_type(st, 1), PGW_OID_TEXT);
    pgw_params *p;
    assert_int_equal(pgw_params_new(NULL, &p), PGW_OK);
    for (int64_t i = 0; i < 50; i++) {
        pgw_params_clear(p);
        pgw_params_add_int8(p, INT64_C(1) << 40);
        pgw_params_add_int4(p, (int32_t)i);
        pgw_cursor *cur;
        assert_int_equal(pgw_stmt_execute(st, pgw_params_array(p), 2, &cur), PGW_OK);
        assert_int_equal(pgw_cursor_column_format(cur, 0), PGW_FORMAT_BINARY);
        assert_int_equal(pgw_cursor_next(cur), PGW_OK);
        int64_t v;
        assert_int_equal(pgw_cursor_int64(cur, 0, &v), PGW_OK);
        assert_int_equal(v, (INT64_C(1) << 40) + i);
        assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    }
    pgw_params_free(p);
    /* Wrong parameter count: Bind fails, the statement stays usable. */
    pgw_param one = {PGW_OID_INT8, PGW_FORMAT_TEXT, "5", 1};
    pgw_cursor *cur;
    assert_int_equal(pgw_stmt_execute(st, &one, 1, &cur), PGW_E_SERVER);
    assert_int_equal(pgw_cursor_failed_step(cur), PGW_STEP_BIND);
    pgw_cursor_close(cur);
    /* Prepared under its name on the server. */
    pgw_result *r;
    assert_int_equal(pgw_query_result(c, "SELECT count(*) FROM pg_prepared_statements "
                                         "WHERE name = 'ext_add'", &r),
                     PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "1");
    pgw_result_free(r);
    assert_int_equal(pgw_stmt_deallocate(st), PGW_OK);
    assert_false(pgw_stmt_ready(st));
    assert_int_equal(pgw_stmt_execute(st, NULL, 0, &cur), PGW_E_STATE);
    assert_int_equal(pgw_query_result(c, "SELECT count(*) FROM pg_prepared_statements "
                                         "WHERE name = 'ext_add'", &r),
                     PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "0");
    pgw_result_free(r);
    pgw_stmt_free(st);

    /* A statement the server refuses, and a generated name. */
    assert_int_equal(pgw_prepare(c, NULL, "SELECT FROM WHERE", NULL, 0, &st), PGW_E_SERVER);
    assert_null(st);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42601");
    assert_int_equal(pgw_prepare(c, NULL, "INSERT INTO pg_temp.nothing VALUES (1)", NULL, 0, &st),
                     PGW_E_SERVER);
    assert_int_equal(pgw_prepare(c, NULL, "SELECT 1 WHERE false", NULL, 0, &st), PGW_OK);
    assert_memory_equal(pgw_stmt_name(st), "pgw_p", 5);
    assert_int_equal(pgw_stmt_nparams(st), 0);
    uint64_t rows = 9;
    assert_int_equal(pgw_stmt_exec(st, NULL, 0, &rows), PGW_OK);
    assert_int_equal(rows, 0);
    pgw_stmt_free(st);
    /* A statement with no result columns (NoData). */
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE ext_ins(a int)", NULL), PGW_OK);
    assert_int_equal(pgw_prepare(c, "ins", "INSERT INTO ext_ins VALUES ($1)", NULL, 0, &st), PGW_OK);
    assert_int_equal(pgw_stmt_ncols(st), 0);
    pgw_param v = {0, PGW_FORMAT_TEXT, "12", 2};
    assert_int_equal(pgw_stmt_exec(st, &v, 1, &rows), PGW_OK);
    assert_int_equal(rows, 1);
    pgw_stmt_free(st);
    pgw_close(c);
}

static void test_result_formats_override(void **s)
{
    pgw_conn *c = connect_cache(0);
    int16_t all_bin = PGW_FORMAT_BINARY;
    pgw_cursor *cur;
    assert_int_equal(pgw_query_params_send(c, "SELECT 5::int4 AS a, 'x'::text AS b", NULL, 0,
                                           &all_bin, 1, &cur),
                     PGW_OK);
    pgw_status rc;
    while ((rc = pgw_cursor_recv_result(cur)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
        assert_true(pgw_conn_pump(c, rc) >= 0);
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(pgw_cursor_column_format(cur, 0), PGW_FORMAT_BINARY);
    assert_int_equal(pgw_cursor_column_format(cur, 1), PGW_FORMAT_BINARY);
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    pgw_value v;
    assert_int_equal(pgw_cursor_value(cur, 0, &v), PGW_OK);
    assert_int_equal(v.len, 4);
    assert_memory_equal(v.ptr, "\x00\x00\x00\x05", 4);
    pgw_cursor_close(cur);
    /* Text for every column, by connection default. */
    assert_int_equal(pgw_conn_set_result_format(c, PGW_FORMAT_TEXT), PGW_OK);
    assert_int_equal(pgw_query_params(c, "SELECT 5::int4 AS a", NULL, 0, &cur), PGW_OK);
    assert_int_equal(pgw_cursor_column_format(cur, 0), PGW_FORMAT_TEXT);
    pgw_cursor_close(cur);
    assert_int_equal(pgw_conn_set_result_format(c, 3), PGW_E_INVALID);
    pgw_close(c);
}

static void test_typed_params_round_trip(void **s)
{
    pgw_conn *c = connect_cache(0);
    pgw_params *p;
    assert_int_equal(pgw_params_new(NULL, &p), PGW_OK);
    pgw_params_add_bool(p, true);
    pgw_params_add_int2(p, INT16_MIN);
    pgw_params_add_int8(p, INT64_MAX);
    pgw_params_add_float8(p, -0.5);
    pgw_params_add_float4(p, 1.5f);
    pgw_params_add_bytea(p, "\x00\xff", 2);
    pgw_params_add_timestamptz(p, INT64_C(1700000000123456));
    pgw_params_add_date(p, -1);
    static const uint8_t u[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                                  0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
    pgw_params_add_uuid(p, u);
    pgw_params_add_jsonb(p, "{\"a\": [1, 2]}", 13);
    pgw_params_add_timestamp(p, PGW_TIMESTAMP_INFINITY);
    assert_int_equal(pgw_params_status(p), PGW_OK);
    pgw_result *r;
    assert_int_equal(pgw_conn_set_result_format(c, PGW_FORMAT_TEXT), PGW_OK);
    assert_int_equal(pgw_query_params_result(c,
                         "SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, "
                         "$7 AT TIME ZONE 'UTC', $8::text, $9::text, $10->'a'->>1, $11::text",
                         pgw_params_array(p), pgw_params_count(p), &r),
                     PGW_OK);
    const char *want[] = {"true", "-32768", "9223372036854775807", "-0.5", "1.5", "\\x00ff",
                          "2023-11-14 22:13:20.123456", "1969-12-31",
                          "12345678-9abc-def0-0123-456789abcdef", "2", "infinity"};
    for (uint16_t i = 0; i < 11; i++)
        assert_string_equal(pgw_result_text(r, 0, i), want[i]);
    pgw_result_free(r);
    pgw_params_free(p);
    pgw_close(c);
}

/* pgw_cursor_text() and pgw_result_text() mean the same in both formats:
 * each value is fetched as text (simple query) and in binary (every column
 * binary), under several session settings, and the texts must agree. */
static void test_binary_text_matches_server_text(void **s)
{
    pgw_conn *c = connect_cache(0);
    static const char *const settings[] = {
        "SET TimeZone = 'UTC'",
        "SET TimeZone = 'America/New_York'; SET DateStyle = 'SQL, DMY'",
        "SET TimeZone = 'Asia/Kathmandu'; SET DateStyle = 'Postgres, MDY'; "
        "SET IntervalStyle = 'iso_8601'",
        "SET TimeZone = 'Europe/Berlin'; SET DateStyle = 'German'; "
        "SET IntervalStyle = 'sql_standard'; SET extra_float_digits = 1",
    };
    static const char *const exprs[] = {
        "42::int4", "(-32768)::int2", "9223372036854775807::int8", "4294967295::oid",
        "1.5::float4", "0.1::float8", "'-Infinity'::float8", "'NaN'::float8", "true",
        "12345.678900::numeric", "'-0.000001'::numeric", "'NaN'::numeric",
        "'hello'::text", "'x'::varchar(3)", "'ab'::char(4)", "'\\x00ff'::bytea",
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", "'{\"a\": [1, null]}'::jsonb",
        "'192.168.0.1/24'::inet", "'::ffff:1.2.3.4'::inet", "'08:00:2b:01:02:03'::macaddr",
        "'2020-02-29 13:14:15.5+02'::timestamptz", "'1999-12-31 23:59:59.999999'::timestamp",
        "'0044-03-15 BC'::date", "'infinity'::timestamptz", "'13:14:15.001'::time",
        "'13:14:15+05:30'::timetz", "'1 year 2 mons -3 days 04:05:06.7'::interval",
        "ARRAY[1, NULL, 3]::int4[]", "'{{a,\"b c\"},{NULL,\"\"}}'::text[]",
        "'[1,5)'::int4range", "'{[2020-01-01,2020-02-01)}'::datemultirange",
        "ROW(1, 'x y', NULL::int)", "'2021-06-01 12:00+00'::timestamptz - '2020-01-01'::date",
    };
    for (size_t si = 0; si < sizeof settings / sizeof settings[0]; si++) {
        assert_int_equal(pgw_exec(c, settings[si], NULL), PGW_OK);
        for (size_t ei = 0; ei < sizeof exprs / sizeof exprs[0]; ei++) {
            char sql[512];
            snprintf(sql, sizeof sql, "SELECT %s", exprs[ei]);
            pgw_result *text_r = NULL;
            if (pgw_query_result(c, sql, &text_r) != PGW_OK)
                fail_msg("%s: %s", sql, pgw_conn_errmsg(c));
            int16_t bin = PGW_FORMAT_BINARY;
            pgw_cursor *cur = NULL;
            assert_int_equal(pgw_query_params_send(c, sql, NULL, 0, &bin, 1, &cur), PGW_OK);
            pgw_status rc;
            while ((rc = pgw_cursor_recv(cur)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
                assert_true(pgw_conn_pump(c, rc) >= 0);
            if (rc != PGW_OK)
                fail_msg("%s: %s %s", sql, pgw_status_name(rc), pgw_conn_errmsg(c));
            assert_int_equal(pgw_cursor_column_format(cur, 0), PGW_FORMAT_BINARY);
            const char *p;
            size_t len;
            rc = pgw_cursor_text(cur, 0, &p, &len);
            const char *want = pgw_result_text(text_r, 0, 0);
            if (rc != PGW_OK || len != strlen(want) || memcmp(p, want, len) != 0)
                fail_msg("%s under \"%s\": binary rendered %s \"%.*s\", server printed \"%s\"",
                         sql, settings[si], pgw_status_name(rc), rc == PGW_OK ? (int)len : 0,
                         rc == PGW_OK ? p : "", want);
            assert_int_equal(pgw_cursor_close(cur), PGW_OK);
            pgw_result_free(text_r);
        }
    }
    pgw_close(c);
}

/* Binary parameters round-trip through the server for every family: a
 * value fetched in binary is sent back as a binary parameter of its type,
 * and the server's text of it must equal the original's. Then the value's
 * text is sent as a text parameter and must come back byte-identical in
 * binary. */
static void test_binary_params_round_trip_every_family(void **s)
{
    pgw_conn *c = connect_cache(0);
    static const char *const exprs[] = {
        "true", "(-32768)::int2", "2147483647::int4", "(-9223372036854775808)::int8",
        "4294967295::oid", "'-0'::float4", "'1e-310'::float8", "'Infinity'::float8",
        "repeat('9', 1000)::numeric", "'-12.3400'::numeric", "'NaN'::numeric",
        "'Infinity'::numeric", "E'caf\\u00e9 \"q\" '' \\\\'::text", "'x'::\"char\"",
        "'\\x00ff10'::bytea", "''::bytea", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
        "'[1, {\"a\": null}]'::jsonb", "'$.a[*] ? (@ > 1)'::jsonpath", "'::1/128'::inet",
        "'10.0.0.0/8'::cidr", "'08:00:2b:01:02:03'::macaddr", "B'10101'::varbit",
        "'4713-01-01 BC'::date", "'294276-12-31'::date", "'infinity'::date", "'24:00:00'::time",
        "'00:00:00.000001-15:59'::timetz", "'1900-01-01 00:00:00.5'::timestamp",
        "'2038-01-19 03:14:08+00'::timestamptz", "'-178000000 years'::interval",
        "'{}'::int4[]", "'{NULL,NULL}'::text[]", "'[0:1][1:2]={{1,2},{3,4}}'::int8[]",
        "'{{{{{{1}}}}}}'::int4[]", "'(1,\"(x,)\")'::pg_temp.rt_outer", "'(,)'::int4range", "'empty'::numrange",
        "'{[1,3),[5,7)}'::int4multirange", "'a=>1, b=>NULL'::hstore",
    };
    /* Anonymous records cannot be input: a named composite instead. */
    assert_int_equal(pgw_exec(c, "CREATE TYPE pg_temp.rt_inner AS (x text, y int);"
                                 "CREATE TYPE pg_temp.rt_outer AS (a int, b pg_temp.rt_inner)",
                              NULL),
                     PGW_OK);
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        char sql[1200];
        snprintf(sql, sizeof sql, "SELECT %s, (%s)::text, %s", exprs[i], exprs[i], exprs[i]);
        int16_t fmts[3] = {PGW_FORMAT_BINARY, PGW_FORMAT_TEXT, PGW_FORMAT_TEXT};
        pgw_cursor *cur = NULL;
        assert_int_equal(pgw_query_params_send(c, sql, NULL, 0, fmts, 3, &cur), PGW_OK);
        pgw_status rc;
        while ((rc = pgw_cursor_recv(cur)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
            assert_true(pgw_conn_pump(c, rc) >= 0);
        if (rc != PGW_OK)
            fail_msg("%s: %s", sql, pgw_conn_errmsg(c));
        uint32_t oid = pgw_cursor_column_type(cur, 0);
        pgw_value v;
        assert_int_equal(pgw_cursor_value(cur, 0, &v), PGW_OK);
        size_t blen = (size_t)v.len;
        uint8_t *bin = malloc(blen ? blen : 1);
        memcpy(bin, v.ptr, blen);
        const char *t;
        size_t tlen;
        assert_int_equal(pgw_cursor_text(cur, 1, &t, &tlen), PGW_OK);
        char *text = strndup(t, tlen); /* the cast to text */
        assert_int_equal(pgw_cursor_text(cur, 2, &t, &tlen), PGW_OK);
        char *out = strndup(t, tlen); /* the output function's text */
        assert_int_equal(pgw_cursor_close(cur), PGW_OK);
        /* composites and hstore are not built in: the registry learns them */
        assert_int_equal(pgw_conn_load_types(c, &oid, 1), PGW_OK);

        /* binary parameter -> the server's text */
        pgw_param p = {oid, PGW_FORMAT_BINARY, bin, blen};
        pgw_result *r = NULL;
        if (pgw_query_params_result(c, "SELECT $1::text", &p, 1, &r) != PGW_OK)
            fail_msg("%s as a binary parameter: %s", exprs[i], pgw_conn_errmsg(c));
        if (strcmp(pgw_result_text(r, 0, 0), text) != 0)
            fail_msg("%s: sent back in binary, the server printed \"%s\", not \"%s\"", exprs[i],
                     pgw_result_text(r, 0, 0), text);
        pgw_result_free(r);

        /* text parameter -> the same binary bytes */
        pgw_param tp = {oid, PGW_FORMAT_TEXT, out, strlen(out)};
        assert_int_equal(pgw_query_params_send(c, "SELECT $1", &tp, 1, fmts, 1, &cur), PGW_OK);
        while ((rc = pgw_cursor_recv(cur)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
            assert_true(pgw_conn_pump(c, rc) >= 0);
        if (rc != PGW_OK)
            fail_msg("%s as a text parameter: %s", exprs[i], pgw_conn_errmsg(c));
        assert_int_equal(pgw_cursor_value(cur, 0, &v), PGW_OK);
        if ((size_t)v.len != blen || (blen && memcmp(v.ptr, bin, blen) != 0))
            fail_msg("%s: binary differs after a text round trip", exprs[i]);
        /* and the client renders it as the server printed it */
        assert_int_equal(pgw_cursor_text(cur, 0, &t, &tlen), PGW_OK);
        if (tlen != strlen(out) || memcmp(t, out, tlen) != 0)
            fail_msg("%s: rendered \"%.*s\", server printed \"%s\"", exprs[i], (int)tlen, t,
                     out);
        assert_int_equal(pgw_cursor_close(cur), PGW_OK);
        free(text);
        free(out);
        free(bin);
    }
    pgw_close(c);
}

/* Extension and user-defined types: pgw_prepare() loads them into the
 * registry, and their binary values render as the server prints them. */
static void test_registry_renders_user_types(void **s)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, NULL);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_OK);
    /* Other suites create hstore concurrently: IF NOT EXISTS can still
     * race, so try a few times. */
    pgw_status ext = PGW_E_SERVER;
    for (int i = 0; i < 5 && ext != PGW_OK; i++)
        ext = pgw_exec(c, "CREATE EXTENSION IF NOT EXISTS hstore", NULL);
    assert_int_equal(ext, PGW_OK);
    assert_int_equal(pgw_exec(c,
                              "DROP TYPE IF EXISTS ext_pair, ext_mood, ext_frange CASCADE;"
                              "DROP DOMAIN IF EXISTS ext_posint CASCADE;"
                              "CREATE TYPE ext_mood AS ENUM ('sad', 'happy');"
                              "CREATE DOMAIN ext_posint AS int CHECK (VALUE > 0);"
                              "CREATE TYPE ext_pair AS (a ext_posint, b ext_mood, c text[]);"
                              "CREATE TYPE ext_frange AS RANGE (subtype = float8)",
                              NULL),
                     PGW_OK);
    const char *sql = "SELECT ARRAY[ROW(1, 'happy', '{x,\"y z\"}')::ext_pair, NULL], "
                      "'sad'::ext_mood, '[1.5,2.5)'::ext_frange, "
                      "'a=>1, \"b c\"=>NULL'::hstore, ARRAY['happy'::ext_mood]";
    pgw_result *want = NULL;
    assert_int_equal(pgw_query_result(c, sql, &want), PGW_OK);
    pgw_stmt *st = NULL;
    assert_int_equal(pgw_prepare(c, NULL, sql, NULL, 0, &st), PGW_OK);
    for (uint16_t i = 0; i < pgw_stmt_ncols(st); i++)
        assert_non_null(pgw_conn_type_info(c, pgw_stmt_column_type(st, i)));
    const pgw_type_info *ti = pgw_conn_type_info(c, pgw_stmt_column_type(st, 3));
    assert_string_equal(ti->name, "hstore");
    int16_t bin = PGW_FORMAT_BINARY;
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_stmt_execute_send(st, NULL, 0, &bin, 1, &cur), PGW_OK);
    pgw_status rc;
    while ((rc = pgw_cursor_recv(cur)) == PGW_WANT_READ || rc == PGW_WANT_WRITE)
        assert_true(pgw_conn_pump(c, rc) >= 0);
    assert_int_equal(rc, PGW_OK);
    for (uint16_t i = 0; i < pgw_cursor_ncols(cur); i++) {
        assert_int_equal(pgw_cursor_column_format(cur, i), PGW_FORMAT_BINARY);
        const char *p;
        size_t len;
        assert_int_equal(pgw_cursor_text(cur, i, &p, &len), PGW_OK);
        const char *w = pgw_result_text(want, 0, i);
        if (len != strlen(w) || memcmp(p, w, len) != 0)
            fail_msg("column %u: rendered \"%.*s\", server printed \"%s\"", (unsigned)i,
                     (int)len, p, w);
    }
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    pgw_result_free(want);
    pgw_stmt_free(st);
    assert_int_equal(pgw_exec(c, "DROP TYPE ext_pair, ext_mood, ext_frange CASCADE; "
                                 "DROP DOMAIN ext_posint",
                              NULL),
                     PGW_OK);
    pgw_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_params_cache_off_one_round_trip),
        cmocka_unit_test(test_params_cache_hits_and_binary_auto),
        cmocka_unit_test(test_cache_eviction_closes_on_server),
        cmocka_unit_test(test_cache_retry_after_alter_table),
        cmocka_unit_test(test_cache_after_discard_all_and_deallocate),
        cmocka_unit_test(test_cache_clear_closes_and_spares_the_busy_entry),
        cmocka_unit_test(test_errors_at_each_step_cache_on),
        cmocka_unit_test(test_errors_at_each_step_cache_off),
        cmocka_unit_test(test_client_refusals_before_the_wire),
        cmocka_unit_test(test_prepared_statement_lifecycle),
        cmocka_unit_test(test_result_formats_override),
        cmocka_unit_test(test_typed_params_round_trip),
        cmocka_unit_test(test_binary_text_matches_server_text),
        cmocka_unit_test(test_registry_renders_user_types),
        cmocka_unit_test(test_binary_params_round_trip_every_family),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
