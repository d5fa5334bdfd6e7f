/* The statement splitter against psql 15's behaviour. Each expectation
 * below was checked with the real psql (`psql -X -e -o /dev/null -f FILE`
 * prints the statements it sends); tests/differential/split_diff.py does the
 * same comparison on random scripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "split.h"

/* Split `input` (lines end at '\n'; `len` bytes, so NULs can be tested)
 * and compare what comes out with `expected`: statements, and backslash
 * commands as "\name", NULL-terminated. */
static void check_n(const char *input, size_t len, bool std_strings, const char *const *expected)
{
    pgwc_split s;
    pgwc_split_init(&s);
    pgwc_split_set_std_strings(&s, std_strings);
    size_t k = 0, pos = 0;
    char item[4096];
    while (pos < len) {
        const char *nl = memchr(input + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - input) : len;
        pgwc_split_line(&s, input + pos, end - pos);
        for (;;) {
            const char *t;
            size_t tl;
            pgwc_split_result r = pgwc_split_next(&s, &t, &tl);
            if (r == PGWC_SPLIT_EOL)
                break;
            assert_int_not_equal(r, PGWC_SPLIT_NOMEM);
            assert_non_null(expected[k]);
            if (r == PGWC_SPLIT_STATEMENT) {
                assert_int_equal(strlen(t), tl);
                assert_string_equal(t, expected[k]);
                k++;
                continue;
            } else {
                const char *name;
                size_t nl2;
                pgwc_split_command(&s, &name, &nl2);
                snprintf(item, sizeof item, "\\%.*s", (int)nl2, name);
            }
            assert_non_null(expected[k]);
            assert_string_equal(item, expected[k]);
            k++;
        }
        pos = nl ? end + 1 : len;
    }
    const char *t;
    size_t tl;
    if (pgwc_split_finish(&s, &t, &tl)) {
        assert_non_null(expected[k]);
        assert_string_equal(t, expected[k]);
        k++;
    }
    assert_null(expected[k]);
    pgwc_split_free(&s);
}

static void check(const char *input, const char *const *expected)
{
    check_n(input, strlen(input), true, expected);
}

#define STMTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})

static void test_split_semicolons_end_statements(void **state)
{
    check("select 1; select 2;\nselect 3;", STMTS("select 1;", "select 2;", "select 3;"));
}

static void test_split_leading_whitespace_and_dash_comments_dropped(void **state)
{
    check("  -- leading\n\t select 1; -- after\n   \n-- only\n", STMTS("select 1;"));
}

static void test_split_inner_dash_comment_kept(void **state)
{
    check("select 1 -- c ; d\n  ;", STMTS("select 1 -- c ; d\n  ;"));
}

static void test_split_block_comments_nest_and_are_kept(void **state)
{
    check("/* a /* b */ ; */ select 1; select /*/ ; */ 2;",
          STMTS("/* a /* b */ ; */ select 1;", "select /*/ ; */ 2;"));
}

static void test_split_block_comment_spans_lines_with_blank_line(void **state)
{
    check("select /*\n\n;*/ 1;", STMTS("select /*\n\n;*/ 1;"));
}

static void test_split_quotes_hide_semicolons(void **state)
{
    check("select 'a;b''c;', \"x;\"\"y\"; select 2;",
          STMTS("select 'a;b''c;', \"x;\"\"y\";", "select 2;"));
}

static void test_split_e_string_backslash_escapes_quote(void **state)
{
    check("select E'it\\'s;', e'\\\\'; select 2;",
          STMTS("select E'it\\'s;', e'\\\\';", "select 2;"));
}

static void test_split_std_strings_off_makes_plain_strings_escape(void **state)
{
    check_n("select 'a\\';b'; select 2;", 25, false, STMTS("select 'a\\';b';", "select 2;"));
    check("select 'a\\';b'; select 2;", STMTS("select 'a\\';", "b'; select 2;"));
}

static void test_split_number_swallows_string_prefix(void **state)
{
    /* "1e" is a malformed number, so the quote starts a plain string */
    check("select 1e'\\';' ; select 2;", STMTS("select 1e'\\';", "' ; select 2;"));
    check("select 1xe'\\';' ; select 2;", STMTS("select 1xe'\\';", "' ; select 2;"));
    check("select $1e'\\';' ; select 2;", STMTS("select $1e'\\';", "' ; select 2;"));
    /* after a '$' that starts no dollar quote, e'' is an E string */
    check("select $e'\\';' ; select 2;", STMTS("select $e'\\';' ;", "select 2;"));
}

static void test_split_number_swallows_identifier_with_dollars(void **state)
{
    /* "1e1$b$" is the number 1 followed by the identifier "e1$b$" */
    check("select 1e1$b$ ; $b$; select 2;", STMTS("select 1e1$b$ ;", "$b$; select 2;"));
    check("select 1e-3x$y$;$y$; select 2;", STMTS("select 1e-3x$y$;", "$y$; select 2;"));
    check("select 1..$a$;$a$;", STMTS("select 1..$a$;$a$;"));
}

static void test_split_malformed_exponent_is_not_comment(void **state)
{
    check("select 1e--; select 2;\n", STMTS("select 1e--;", "select 2;"));
    check("select 1e+-- c\n;\n", STMTS("select 1e+-- c\n;"));
}

static void test_split_operator_then_comment(void **state)
{
    check("select 1+--x;\n;", STMTS("select 1+--x;\n;"));
    check("select 2*/* ; */3;", STMTS("select 2*/* ; */3;"));
}

static void test_split_dollar_quotes_with_tags(void **state)
{
    check("select $a$ $b$ ; $a$; select $_$;$_$; select $$\n;\n$$;",
          STMTS("select $a$ $b$ ; $a$;", "select $_$;$_$;", "select $$\n;\n$$;"));
}

static void test_split_dollar_after_identifier_or_digit(void **state)
{
    /* a$$ is an identifier; $1 a parameter; 1$$ a number then a quote */
    check("select a$$; select $1;$$;$$; select 1$$;$$;",
          STMTS("select a$$;", "select $1;", "$$;$$;", "select 1$$;$$;"));
}

static void test_split_dollar_quote_wrong_tag_inside(void **state)
{
    check("select $x$ $y$ ; $xx$ ; $x$; select 2;",
          STMTS("select $x$ $y$ ; $xx$ ; $x$;", "select 2;"));
}

static void test_split_parentheses_hold_semicolons(void **state)
{
    check("select (1;\n2); select ((3));", STMTS("select (1;\n2);", "select ((3));"));
    check("select 1); select 2;", STMTS("select 1);", "select 2;"));
}

static void test_split_begin_atomic_body_is_one_statement(void **state)
{
    check("create function f() returns int begin atomic select 1; select 2; end; select 3;",
          STMTS("create function f() returns int begin atomic select 1; select 2; end;",
                "select 3;"));
    check("CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC select case when true then 1 end; "
          "end; select 3;",
          STMTS("CREATE OR REPLACE PROCEDURE p() BEGIN ATOMIC select case when true then 1 "
                "end; end;",
                "select 3;"));
}

static void test_split_begin_outside_routine_ends_at_semicolon(void **state)
{
    check("begin; select 1; end;", STMTS("begin;", "select 1;", "end;"));
    check("create function f() returns int as $$ begin x; end $$; select 3;",
          STMTS("create function f() returns int as $$ begin x; end $$;", "select 3;"));
}

static void test_split_blank_lines_skipped_outside_literals(void **state)
{
    check("select\n\n1;\n\n\nselect '\n\n';", STMTS("select\n1;", "select '\n\n';"));
    check("select 1\n   \n;", STMTS("select 1\n   \n;"));
}

static void test_split_bom_dropped_on_first_line_only(void **state)
{
    check("\xef\xbb\xbfselect 1;\n\xef\xbb\xbfselect 2;",
          STMTS("select 1;", "\xef\xbb\xbfselect 2;"));
}

static void test_split_backslash_semicolon_does_not_end(void **state)
{
    check("select 1 \\; select 2;", STMTS("select 1 ; select 2;"));
    check("select 1 \\: x;", STMTS("select 1 : x;"));
}

static void test_split_backslash_command_skips_rest_of_line(void **state)
{
    check("select 1; \\foo bar; select 3;\nselect 2;", STMTS("select 1;", "\\foo", "select 2;"));
    check("select 1 \\echo x\nselect 2;", STMTS("\\echo", "select 1 \nselect 2;"));
}

static void test_split_backslash_only_line_takes_back_newline(void **state)
{
    check("select 1\n\\x\n;", STMTS("\\x", "select 1\n;"));
    check("select 1\n  \\x\n;", STMTS("\\x", "select 1\n  \n;"));
}

static void test_split_unterminated_statement_at_end(void **state)
{
    check("select 1;\nselect 2\n\n", STMTS("select 1;", "select 2"));
    check("select 'open;\nstill", STMTS("select 'open;\nstill"));
}

static void test_split_string_continuation_only_within_a_line(void **state)
{
    /* a '\r' inside the line is a newline: the E string continues */
    check("select E'a'\r'\\';' ; select 2;", STMTS("select E'a'\r'\\';' ;", "select 2;"));
    /* lines are scanned one by one: no continuation across them */
    check("select E'a'\n'\\';' ; select 2;", STMTS("select E'a'\n'\\';", "' ; select 2;"));
}

static void test_split_variable_references_are_single_tokens(void **state)
{
    check("select :'a;b'; select :x; select :\"q\";",
          STMTS("select :'a;b';", "select :x;", "select :\"q\";"));
}

static void test_split_unicode_and_prefixed_strings(void **state)
{
    check("select U&'d;', u&\"e;\", b'1;', x'2;', n'3;'; select 2;",
          STMTS("select U&'d;', u&\"e;\", b'1;', x'2;', n'3;';", "select 2;"));
}

static void test_split_nul_ends_the_line(void **state)
{
    check_n("select 1\0; x\nselect 2;", 22, true, STMTS("select 1\nselect 2;"));
}

static void test_split_crlf_kept_in_statement(void **state)
{
    check("select 1\r\nfrom x;\r\nselect 2;\r\n", STMTS("select 1\r\nfrom x;", "select 2;"));
}

static void test_split_vertical_tab_is_not_whitespace(void **state)
{
    check("\vselect 1;", STMTS("\vselect 1;"));
    check("\fselect 1;", STMTS("select 1;"));
}

static void test_split_lineno_counts_every_line(void **state)
{
    pgwc_split s;
    pgwc_split_init(&s);
    const char *lines[] = {"select 1;", "", "select", "", "2"};
    const char *t;
    size_t tl;
    for (size_t i = 0; i < 5; i++) {
        pgwc_split_line(&s, lines[i], strlen(lines[i]));
        while (pgwc_split_next(&s, &t, &tl) != PGWC_SPLIT_EOL)
            ;
    }
    assert_int_equal(pgwc_split_lineno(&s), 5);
    assert_true(pgwc_split_finish(&s, &t, &tl));
    assert_string_equal(t, "select\n2");
    assert_false(pgwc_split_finish(&s, &t, &tl));
    pgwc_split_free(&s);
}

static void test_split_in_quote_reports_open_literals(void **state)
{
    const char *inputs[] = {"select 'x", "select \"x", "select $q$", "select /* x", "select E'\\"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        pgwc_split s;
        pgwc_split_init(&s);
        const char *t;
        size_t tl;
        pgwc_split_line(&s, inputs[i], strlen(inputs[i]));
        while (pgwc_split_next(&s, &t, &tl) != PGWC_SPLIT_EOL)
            ;
        assert_true(pgwc_split_in_quote(&s));
        pgwc_split_free(&s);
    }
    pgwc_split s;
    pgwc_split_init(&s);
    const char *t;
    size_t tl;
    pgwc_split_line(&s, "select 'x'", 10);
    while (pgwc_split_next(&s, &t, &tl) != PGWC_SPLIT_EOL)
        ;
    assert_false(pgwc_split_in_quote(&s));
    pgwc_split_free(&s);
}

static void test_split_long_statement_grows_buffer(void **state)
{
    size_t n = 200000;
    char *big = malloc(n + 16);
    assert_non_null(big);
    memcpy(big, "select '", 8);
    memset(big + 8, 'x', n);
    memcpy(big + 8 + n, "';", 3);
    const char *expected[] = {big, NULL};
    check(big, expected);
    free(big);
}

/* ---- variable substitution ----------------------------------------------- */

static int recursive_reports;

static char *test_vars(void *ud, const char *name, pgwc_var_quote q)
{
    (void)ud;
    static const char *const vars[][2] = {
        {"a", "1"}, {"semi", "2; select 3"}, {"quote", "x'y"}, {"self", "[:self]"},
        {"open", "'abc"}};
    if (q == PGWC_VAR_RECURSIVE) {
        recursive_reports++;
        return NULL;
    }
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        if (strcmp(vars[i][0], name) != 0)
            continue;
        char buf[64];
        if (q == PGWC_VAR_LITERAL)
            snprintf(buf, sizeof buf, "L(%s)", vars[i][1]);
        else if (q == PGWC_VAR_IDENT)
            snprintf(buf, sizeof buf, "I(%s)", vars[i][1]);
        else
            snprintf(buf, sizeof buf, "%s", vars[i][1]);
        return strdup(buf);
    }
    return NULL;
}

/* Split one line with the test variables; the statements, '|'-joined. */
static void split_vars(const char *line, const char *expected)
{
    pgwc_split s;
    pgwc_split_init(&s);
    pgwc_split_set_vars(&s, test_vars, NULL);
    char out[1024] = "";
    pgwc_split_line(&s, line, strlen(line));
    const char *t;
    size_t tl;
    pgwc_split_result r;
    while ((r = pgwc_split_next(&s, &t, &tl)) != PGWC_SPLIT_EOL) {
        assert_int_equal(r, PGWC_SPLIT_STATEMENT);
        strncat(out, t, tl);
        strcat(out, "|");
    }
    if (pgwc_split_finish(&s, &t, &tl)) {
        strncat(out, t, tl);
        strcat(out, "$");
    }
    pgwc_split_free(&s);
    assert_string_equal(out, expected);
}

static void test_split_vars_replaced_outside_quotes(void **state)
{
    (void)state;
    split_vars("select :a, :'a', :\"a\";", "select 1, L(1), I(1);|");
    split_vars("select ':a', \":a\", $$:a$$, E':a' /* :a */; -- :a",
               "select ':a', \":a\", $$:a$$, E':a' /* :a */;|");
    split_vars("select 1::int, :=, :nope, :'nope', :\"nope\";",
               "select 1::int, :=, :nope, :'nope', :\"nope\";|");
}

static void test_split_vars_plain_value_is_scanned_again(void **state)
{
    (void)state;
    /* a ';' in a value ends the statement, as in psql */
    split_vars("select :semi;", "select 2;|select 3;|");
    /* a quote opened in a value goes on after it */
    split_vars("select :open;x';", "select 'abc;x';|");
    /* the quoted forms are not scanned again */
    split_vars("select :'quote';", "select L(x'y);|");
}

static void test_split_vars_test_form_and_recursion(void **state)
{
    (void)state;
    split_vars("select :{?a}, :{?nope};", "select TRUE, FALSE;|");
    recursive_reports = 0;
    split_vars("select :self;", "select [:self];|");
    assert_int_equal(recursive_reports, 1);
}

static void test_split_vars_off_by_default(void **state)
{
    (void)state;
    check_n("select :a;\n", 11, true, (const char *const[]){"select :a;", NULL});
}

static void test_split_backslash_args_and_resume(void **state)
{
    (void)state;
    pgwc_split s;
    pgwc_split_init(&s);
    const char *line = "select 1 \\echo hi there \\\\ ; select 2;";
    pgwc_split_line(&s, line, strlen(line));
    const char *t, *args;
    size_t tl, al;
    assert_int_equal(pgwc_split_next(&s, &t, &tl), PGWC_SPLIT_BACKSLASH);
    pgwc_split_command(&s, &t, &tl);
    assert_int_equal(tl, 4);
    assert_memory_equal(t, "echo", 4);
    pgwc_split_args(&s, &args, &al);
    assert_string_equal(args, " hi there \\\\ ; select 2;");
    /* resume after "\\": the statement collected before goes on */
    pgwc_split_resume(&s, 12);
    assert_int_equal(pgwc_split_next(&s, &t, &tl), PGWC_SPLIT_STATEMENT);
    assert_string_equal(t, "select 1  ;");
    assert_int_equal(pgwc_split_next(&s, &t, &tl), PGWC_SPLIT_STATEMENT);
    assert_string_equal(t, "select 2;");
    assert_int_equal(pgwc_split_next(&s, &t, &tl), PGWC_SPLIT_EOL);
    pgwc_split_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_semicolons_end_statements),
        cmocka_unit_test(test_split_leading_whitespace_and_dash_comments_dropped),
        cmocka_unit_test(test_split_inner_dash_comment_kept),
        cmocka_unit_test(test_split_block_comments_nest_and_are_kept),
        cmocka_unit_test(test_split_block_comment_spans_lines_with_blank_line),
        cmocka_unit_test(test_split_quotes_hide_semicolons),
        cmocka_unit_test(test_split_e_string_backslash_escapes_quote),
        cmocka_unit_test(test_split_std_strings_off_makes_plain_strings_escape),
        cmocka_unit_test(test_split_number_swallows_string_prefix),
        cmocka_unit_test(test_split_number_swallows_identifier_with_dollars),
        cmocka_unit_test(test_split_malformed_exponent_is_not_comment),
        cmocka_unit_test(test_split_operator_then_comment),
        cmocka_unit_test(test_split_dollar_quotes_with_tags),
        cmocka_unit_test(test_split_dollar_after_identifier_or_digit),
        cmocka_unit_test(test_split_dollar_quote_wrong_tag_inside),
        cmocka_unit_test(test_split_parentheses_hold_semicolons),
        cmocka_unit_test(test_split_begin_atomic_body_is_one_statement),
        cmocka_unit_test(test_split_begin_outside_routine_ends_at_semicolon),
        cmocka_unit_test(test_split_blank_lines_skipped_outside_literals),
        cmocka_unit_test(test_split_bom_dropped_on_first_line_only),
        cmocka_unit_test(test_split_backslash_semicolon_does_not_end),
        cmocka_unit_test(test_split_backslash_command_skips_rest_of_line),
        cmocka_unit_test(test_split_backslash_only_line_takes_back_newline),
        cmocka_unit_test(test_split_unterminated_statement_at_end),
        cmocka_unit_test(test_split_string_continuation_only_within_a_line),
        cmocka_unit_test(test_split_variable_references_are_single_tokens),
        cmocka_unit_test(test_split_unicode_and_prefixed_strings),
        cmocka_unit_test(test_split_nul_ends_the_line),
        cmocka_unit_test(test_split_crlf_kept_in_statement),
        cmocka_unit_test(test_split_vertical_tab_is_not_whitespace),
        cmocka_unit_test(test_split_lineno_counts_every_line),
        cmocka_unit_test(test_split_in_quote_reports_open_literals),
        cmocka_unit_test(test_split_long_statement_grows_buffer),
        cmocka_unit_test(test_split_vars_replaced_outside_quotes),
        cmocka_unit_test(test_split_vars_plain_value_is_scanned_again),
        cmocka_unit_test(test_split_vars_test_form_and_recursion),
        cmocka_unit_test(test_split_vars_off_by_default),
        cmocka_unit_test(test_split_backslash_args_and_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
