/* Backslash-command arguments as psql 15's psqlscanslash.l reads them
 * (checked with psql's \echo, which prints its arguments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "slash.h"

static char *vars(void *ud, const char *name, pgwc_var_quote q)
{
    (void)ud;
    if (strcmp(name, "v") != 0)
        return NULL;
    return strdup(q == PGWC_VAR_LITERAL ? "'val'" : q == PGWC_VAR_IDENT ? "\"val\"" : "val");
}

static char errors[256];

static void on_error(void *ud, const char *msg)
{
    (void)ud;
    snprintf(errors, sizeof errors, "%s", msg);
}

/* The arguments of `line`, '|'-joined, each followed by its quote char
 * when it had one ("arg'"), and what is left after them. */
static void args(const char *line, const char *expected, const char *rest)
{
    pgwc_slash_args a;
    pgwc_slash_args_init(&a, line, strlen(line), vars, NULL);
    a.error = on_error;
    pgwc_str arg, all;
    pgwc_str_init(&arg);
    pgwc_str_init(&all);
    pgwc_str_puts(&all, "");
    char q;
    while (pgwc_slash_next_arg(&a, &arg, &q)) {
        pgwc_str_append(&all, arg.data, arg.len);
        if (q != 0)
            pgwc_str_putc(&all, q);
        pgwc_str_putc(&all, '|');
    }
    size_t used = pgwc_slash_args_end(&a);
    assert_string_equal(all.data, expected);
    assert_string_equal(line + used, rest);
    pgwc_str_free(&arg);
    pgwc_str_free(&all);
}

static void test_slash_args_split_on_whitespace(void **state)
{
    (void)state;
    args("  a  bc\td  ", "a|bc|d|", "");
    args("", "", "");
}

static void test_slash_args_single_quotes_take_escapes(void **state)
{
    (void)state;
    args("'a b' 'it''s' x'y'z", "a b'|it's'|xyz'|", "");
    args("'\\t\\n\\101\\x41\\q'", "\t\nAAq'|", "");
}

static void test_slash_args_double_quotes_are_kept(void **state)
{
    (void)state;
    args("\"a b\" c", "\"a b\"\"|c|", "");
}

static void test_slash_args_variables(void **state)
{
    (void)state;
    args(":v :'v' :\"v\" :nope :{?v} :{?nope} a:v",
         "val:|'val':|\"val\":|:nope:|TRUE:|FALSE:|aval:|", "");
    args(":'nope' :\"nope\"", ":'nope':|:\"nope\":|", ""); /* undefined: as written */
    errors[0] = '\0';
    args(":'v", "", ""); /* no closing quote: ':' then an open quote */
    assert_string_equal(errors, "unterminated quoted string");
}

static void test_slash_args_backslash_ends_them(void **state)
{
    (void)state;
    args("a b\\\\ select 1;", "a|b|", " select 1;");
    args("a \\echo b", "a|", "\\echo b");
}

static void test_slash_args_unterminated_quote_is_an_error(void **state)
{
    (void)state;
    errors[0] = '\0';
    args("a 'b c", "a|", "");
    assert_string_equal(errors, "unterminated quoted string");
}

static void test_slash_args_backticks_run_the_shell(void **state)
{
    (void)state;
    args("`printf 'x\\n\\n'`y", "x\ny`|", "");
}

static void test_slash_whole_line_trims(void **state)
{
    (void)state;
    pgwc_slash_args a;
    const char *line = "  copy t from 'f' \\\\ x  ";
    pgwc_slash_args_init(&a, line, strlen(line), NULL, NULL);
    pgwc_str s;
    pgwc_str_init(&s);
    assert_true(pgwc_slash_whole_line(&a, &s));
    assert_string_equal(s.data, "copy t from 'f' \\\\ x");
    assert_false(pgwc_slash_whole_line(&a, &s));
    pgwc_str_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slash_args_split_on_whitespace),
        cmocka_unit_test(test_slash_args_single_quotes_take_escapes),
        cmocka_unit_test(test_slash_args_double_quotes_are_kept),
        cmocka_unit_test(test_slash_args_variables),
        cmocka_unit_test(test_slash_args_backslash_ends_them),
        cmocka_unit_test(test_slash_args_unterminated_quote_is_an_error),
        cmocka_unit_test(test_slash_args_backticks_run_the_shell),
        cmocka_unit_test(test_slash_whole_line_trims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
