/* Functions and procedures against the real server: scalar, composite,
 * SETOF and RETURNS TABLE functions; CALL with IN, INOUT and OUT
 * parameters; procedures that COMMIT and ROLLBACK inside themselves
 * (through the extended protocol the helper uses, and through a simple
 * query), refused inside a transaction block; quoted and schema-qualified
 * names; RAISE EXCEPTION with its SQLSTATE, message and context. */
#include <stdint.h>

#include "pgwire/routine.h"
#include "pgwire/tx.h"

#include "pgtest.h"

#define SCHEMA "pgw_routine"

static pgw_conn *super_connect(const char *extra)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, extra);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK) {
        fprintf(stderr, "# connect failed: %s\n", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        fail_msg("pgw_connect: %s", pgw_status_name(rc));
    }
    return c;
}

static void exec_ok(pgw_conn *c, const char *sql)
{
    pgw_status rc = pgw_exec(c, sql, NULL);
    if (rc != PGW_OK)
        fail_msg("%s: %s (%s)", sql, pgw_conn_errmsg(c), pgw_status_name(rc));
}

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

static int setup(void **s)
{
    (void)s;
    pgw_conn *c = super_connect(NULL);
    exec_ok(c, "DROP SCHEMA IF EXISTS " SCHEMA " CASCADE; CREATE SCHEMA " SCHEMA);
    exec_ok(c, "GRANT USAGE, CREATE ON SCHEMA " SCHEMA " TO PUBLIC");
    exec_ok(c, "CREATE FUNCTION " SCHEMA ".add(a int, b int) RETURNS int LANGUAGE sql "
               "AS 'SELECT a + b'");
    exec_ok(c, "CREATE FUNCTION " SCHEMA ".\"MixedCase\"(t text) RETURNS text LANGUAGE sql "
               "AS $$SELECT upper(t)$$");
    exec_ok(c, "CREATE TYPE " SCHEMA ".point2 AS (x int, label text)");
    exec_ok(c, "CREATE FUNCTION " SCHEMA ".mkpoint(v int) RETURNS " SCHEMA ".point2 "
               "LANGUAGE sql AS $$SELECT v, 'p' || v$$");
    exec_ok(c, "CREATE FUNCTION " SCHEMA ".series(n int) RETURNS SETOF int LANGUAGE sql "
               "AS 'SELECT generate_series(1, n)'");
    exec_ok(c, "CREATE FUNCTION " SCHEMA ".squares(n int) RETURNS TABLE(i int, sq bigint) "
               "LANGUAGE sql AS 'SELECT g, g::bigint * g FROM generate_series(1, n) g'");
    exec_ok(c, "CREATE FUNCTION " SCHEMA ".boom(v int) RETURNS int LANGUAGE plpgsql AS $$\n"
               "BEGIN\n"
               "  IF v > 1 THEN\n"
               "    RAISE EXCEPTION 'boom at %', v USING HINT = 'use a smaller number';\n"
               "  END IF;\n"
               "  RETURN v;\n"
               "END $$");
    exec_ok(c, "CREATE FUNCTION " SCHEMA ".picky(v int) RETURNS int LANGUAGE plpgsql AS $$\n"
               "BEGIN\n"
               "  RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'picky says no';\n"
               "END $$");
    exec_ok(c, "CREATE PROCEDURE " SCHEMA ".adjust(IN a int, INOUT b int, OUT note text) "
               "LANGUAGE plpgsql AS $$\n"
               "BEGIN\n"
               "  b := b + a;\n"
               "  note := 'added ' || a;\n"
               "END $$");
    exec_ok(c, "CREATE PROCEDURE " SCHEMA ".noop(a int) LANGUAGE sql AS 'SELECT a'");
    exec_ok(c, "CREATE TABLE " SCHEMA ".log (id int, note text)");
    exec_ok(c, "GRANT ALL ON " SCHEMA ".log TO PUBLIC");
    /* Commits each row, then rolls the last one back. */
    exec_ok(c, "CREATE PROCEDURE " SCHEMA ".batch(tag text, n int) LANGUAGE plpgsql AS $$\n"
               "BEGIN\n"
               "  FOR i IN 1..n LOOP\n"
               "    INSERT INTO " SCHEMA ".log VALUES (i, tag);\n"
               "    COMMIT;\n"
               "  END LOOP;\n"
               "  INSERT INTO " SCHEMA ".log VALUES (-1, tag);\n"
               "  ROLLBACK;\n"
               "END $$");
    pgw_close(c);
    return 0;
}

static void test_routine_scalar_function(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_params *ps = NULL;
    assert_int_equal(pgw_params_new(NULL, &ps), PGW_OK);
    pgw_params_add_int4(ps, 40);
    pgw_params_add_int4(ps, 2);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_call_function(c, SCHEMA, "add", pgw_params_array(ps), 2, &cur), PGW_OK);
    assert_int_equal(pgw_cursor_ncols(cur), 1);
    assert_string_equal(pgw_cursor_column_name(cur, 0), "add");
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    int32_t v = 0;
    assert_int_equal(pgw_cursor_int32(cur, 0, &v), PGW_OK);
    assert_int_equal(v, 42);
    assert_int_equal(pgw_cursor_next(cur), PGW_END);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);

    /* Untyped text arguments take the signature's types. */
    pgw_param args[2] = {{0, PGW_FORMAT_TEXT, "7", 1}, {0, PGW_FORMAT_TEXT, "8", 1}};
    pgw_result *r = NULL;
    assert_int_equal(pgw_call_function_result(c, SCHEMA, "add", args, 2, &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "15");
    pgw_result_free(r);

    /* A quoted mixed-case name, and the search_path when no schema. */
    pgw_param t = {0, PGW_FORMAT_TEXT, "abc", 3};
    assert_int_equal(pgw_call_function_result(c, SCHEMA, "MixedCase", &t, 1, &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "ABC");
    pgw_result_free(r);
    assert_int_equal(pgw_call_function_result(c, NULL, "upper", &t, 1, &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "ABC");
    pgw_result_free(r);
    pgw_params_free(ps);
    pgw_close(c);
}

static void test_routine_composite_and_set_functions(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_param n = {0, PGW_FORMAT_TEXT, "5", 1};
    pgw_result *r = NULL;
    /* A composite result comes back as its columns. */
    assert_int_equal(pgw_call_function_result(c, SCHEMA, "mkpoint", &n, 1, &r), PGW_OK);
    assert_int_equal(pgw_result_ncols(r), 2);
    assert_int_equal(pgw_result_nrows(r), 1);
    assert_string_equal(pgw_result_column_name(r, 0), "x");
    assert_string_equal(pgw_result_column_name(r, 1), "label");
    assert_string_equal(pgw_result_text(r, 0, 1), "p5");
    pgw_result_free(r);

    /* SETOF streams through the cursor. */
    pgw_cursor *cur = NULL;
    pgw_param big = {0, PGW_FORMAT_TEXT, "10000", 5};
    assert_int_equal(pgw_call_function(c, SCHEMA, "series", &big, 1, &cur), PGW_OK);
    int64_t sum = 0, count = 0;
    while (pgw_cursor_next(cur) == PGW_OK) {
        int64_t v;
        assert_int_equal(pgw_cursor_int64(cur, 0, &v), PGW_OK);
        sum += v;
        count++;
    }
    assert_int_equal(count, 10000);
    assert_int_equal(sum, 50005000);
    assert_string_equal(pgw_cursor_command_tag(cur), "SELECT 10000");
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);

    /* RETURNS TABLE. */
    assert_int_equal(pgw_call_function_result(c, SCHEMA, "squares", &n, 1, &r), PGW_OK);
    assert_int_equal(pgw_result_nrows(r), 5);
    assert_string_equal(pgw_result_column_name(r, 1), "sq");
    int64_t sq;
    assert_int_equal(pgw_result_int64(r, 4, 1, &sq), PGW_OK);
    assert_int_equal(sq, 25);
    pgw_result_free(r);
    pgw_close(c);
}

static void test_routine_raise_exception_reports_p0001_with_context(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_param v = {0, PGW_FORMAT_TEXT, "3", 1};
    pgw_cursor *cur = NULL;
    /* The body runs at Execute: its error may come with the first row. */
    pgw_status rc = pgw_call_function(c, SCHEMA, "boom", &v, 1, &cur);
    if (rc == PGW_OK)
        rc = pgw_cursor_next(cur);
    assert_int_equal(rc, PGW_E_SERVER);
    const pgw_error *e = pgw_conn_error(c);
    assert_string_equal(e->sqlstate, "P0001");
    assert_string_equal(e->message, "boom at 3");
    assert_string_equal(e->hint, "use a smaller number");
    assert_non_null(e->where);
    assert_non_null(strstr(e->where, "PL/pgSQL function " SCHEMA ".boom(integer) line 4 at RAISE"));
    assert_int_equal(pgw_cursor_failed_step(cur), PGW_STEP_EXECUTE);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);

    pgw_result *r = NULL;
    assert_int_equal(pgw_call_function_result(c, SCHEMA, "picky", &v, 1, &r), PGW_E_SERVER);
    assert_null(r);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "22023");
    assert_string_equal(pgw_conn_error(c)->message, "picky says no");

    /* An unknown function fails at Parse, with the server's hint. */
    assert_int_equal(pgw_call_function(c, SCHEMA, "nope", &v, 1, &cur), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42883");
    assert_int_equal(pgw_cursor_failed_step(cur), PGW_STEP_PARSE);
    pgw_cursor_free(cur);
    /* Case matters: the name is quoted. */
    pgw_param t = {0, PGW_FORMAT_TEXT, "x", 1};
    assert_int_equal(pgw_call_function_result(c, SCHEMA, "mixedcase", &t, 1, &r), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42883");
    assert_int_equal(scalar(c, "SELECT 1"), 1);
    pgw_close(c);
}

static void test_routine_procedure_inout_and_out_parameters(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_params *ps = NULL;
    assert_int_equal(pgw_params_new(NULL, &ps), PGW_OK);
    pgw_params_add_int4(ps, 5);
    pgw_params_add_int4(ps, 10);
    pgw_params_add_null(ps, 0); /* the OUT parameter */
    pgw_result *r = NULL;
    assert_int_equal(pgw_call_procedure(c, SCHEMA, "adjust", pgw_params_array(ps), 3, &r), PGW_OK);
    assert_int_equal(pgw_result_ncols(r), 2);
    assert_int_equal(pgw_result_nrows(r), 1);
    assert_string_equal(pgw_result_column_name(r, 0), "b");
    assert_string_equal(pgw_result_column_name(r, 1), "note");
    int32_t b = 0;
    assert_int_equal(pgw_result_int32(r, 0, 0, &b), PGW_OK);
    assert_int_equal(b, 15);
    assert_string_equal(pgw_result_text(r, 0, 1), "added 5");
    assert_string_equal(pgw_result_command_tag(r), "CALL");
    pgw_result_free(r);

    /* Without INOUT/OUT parameters: no columns, no row, tag CALL. */
    pgw_param one = {0, PGW_FORMAT_TEXT, "1", 1};
    assert_int_equal(pgw_call_procedure(c, SCHEMA, "noop", &one, 1, &r), PGW_OK);
    assert_int_equal(pgw_result_ncols(r), 0);
    assert_int_equal(pgw_result_nrows(r), 0);
    assert_string_equal(pgw_result_command_tag(r), "CALL");
    pgw_result_free(r);
    assert_int_equal(pgw_call_procedure(c, SCHEMA, "noop", &one, 1, NULL), PGW_OK);

    /* A function is not a procedure, and the other way round. */
    pgw_param two[2] = {{0, PGW_FORMAT_TEXT, "1", 1}, {0, PGW_FORMAT_TEXT, "2", 1}};
    assert_int_equal(pgw_call_procedure(c, SCHEMA, "add", two, 2, &r), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42809");
    assert_int_equal(pgw_call_function_result(c, SCHEMA, "noop", &one, 1, &r), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42809");
    pgw_params_free(ps);
    pgw_close(c);
}

/* Procedures that commit: through the helper (extended protocol, with and
 * without the statement cache) and through a simple query, then refused in
 * a transaction block. */
static void run_batch_procedure(const char *extra, const char *tag)
{
    pgw_conn *c = super_connect(extra);
    pgw_conn *other = pgt_connect();
    pgw_param args[2] = {{0, PGW_FORMAT_TEXT, tag, strlen(tag)}, {0, PGW_FORMAT_TEXT, "3", 1}};
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    pgw_status rc = pgw_call_procedure(c, SCHEMA, "batch", args, 2, NULL);
    if (rc != PGW_OK)
        fail_msg("CALL batch: %s", pgw_conn_errmsg(c));
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) * 100 + coalesce(max(id), 0) FROM " SCHEMA ".log WHERE note = '%s'",
             tag);
    /* Three committed rows, visible to another session; the rolled-back
     * one is gone. */
    assert_int_equal(scalar(other, sql), 303);
    pgw_close(other);
    pgw_close(c);
}

static void test_routine_procedure_commits_inside_itself(void **s)
{
    (void)s;
    run_batch_procedure(NULL, "cached");

    /* Statement cache off: one unnamed Parse/Bind/Execute/Sync. */
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, NULL);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.statement_cache_size = -1;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect(&c, &o), PGW_OK);
    pgw_param args[2] = {{0, PGW_FORMAT_TEXT, "unnamed", 7}, {0, PGW_FORMAT_TEXT, "3", 1}};
    pgw_status rc = pgw_call_procedure(c, SCHEMA, "batch", args, 2, NULL);
    if (rc != PGW_OK)
        fail_msg("CALL batch (unnamed): %s", pgw_conn_errmsg(c));
    assert_int_equal(scalar(c, "SELECT count(*) FROM " SCHEMA ".log WHERE note = 'unnamed'"), 3);

    /* The simple protocol works the same. */
    exec_ok(c, "CALL " SCHEMA ".batch('simple', 2)");
    assert_int_equal(scalar(c, "SELECT count(*) FROM " SCHEMA ".log WHERE note = 'simple'"), 2);

    /* Inside a transaction block the server refuses the COMMIT. */
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    pgw_param inblock[2] = {{0, PGW_FORMAT_TEXT, "inblock", 7}, {0, PGW_FORMAT_TEXT, "2", 1}};
    assert_int_equal(pgw_call_procedure(c, SCHEMA, "batch", inblock, 2, NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "2D000");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_rollback(c), PGW_OK);
    assert_int_equal(scalar(c, "SELECT count(*) FROM " SCHEMA ".log WHERE note = 'inblock'"), 0);
    pgw_close(c);
}

static void test_routine_refuses_bad_names(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    pgw_result *r = NULL;
    assert_int_equal(pgw_call_function(NULL, NULL, "f", NULL, 0, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_call_function(c, NULL, NULL, NULL, 0, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_call_function(c, NULL, "f", NULL, 0, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_call_function(c, NULL, "", NULL, 0, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_call_function(c, "", "f", NULL, 0, &cur), PGW_E_INVALID);
    assert_null(cur);
    /* Invalid UTF-8 never reaches the server. */
    assert_int_equal(pgw_call_procedure(c, NULL, "bad\xff", NULL, 0, &r), PGW_E_INVALID);
    assert_null(r);
    assert_int_equal(pgw_call_function_result(c, SCHEMA, "f\"; DROP TABLE x; --", NULL, 0, &r),
                     PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42883"); /* just a strange name */
    assert_int_equal(scalar(c, "SELECT 7"), 7);
    pgw_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routine_scalar_function),
        cmocka_unit_test(test_routine_composite_and_set_functions),
        cmocka_unit_test(test_routine_raise_exception_reports_p0001_with_context),
        cmocka_unit_test(test_routine_procedure_inout_and_out_parameters),
        cmocka_unit_test(test_routine_procedure_commits_inside_itself),
        cmocka_unit_test(test_routine_refuses_bad_names),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
