/* pgw's command line: psql's options and their order, -v variables with
 * psql's value rules, and the connection string built from the flags. */
#include <getopt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "options.h"

/* Parse a NULL-terminated argument list (getopt keeps global state: start
 * it afresh each time). */
static pgwc_parse_result parse(pgwc_options *o, const char *const *args)
{
    char *argv[32];
    int argc = 0;
    argv[argc++] = (char *)(uintptr_t) "pgw";
    for (; *args != NULL; args++)
        argv[argc++] = (char *)(uintptr_t)*args;
    argv[argc] = NULL;
    optind = 0;
    return pgwc_options_parse(o, argc, argv);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_options_bool_values_follow_psql(void **state)
{
    const char *yes[] = {"on", "ON", "t", "tr", "TRUE", "y", "yes", "1"};
    const char *no[] = {"of", "off", "f", "false", "n", "no", "0"};
    const char *bad[] = {"o", "", "2", "maybe", "onn", "truee"};
    bool b;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        b = false;
        assert_true(pgwc_parse_bool(yes[i], &b));
        assert_true(b);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        b = true;
        assert_true(pgwc_parse_bool(no[i], &b));
        assert_false(b);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(pgwc_parse_bool(bad[i], &b));
}

static void test_options_actions_keep_their_order(void **state)
{
    pgwc_options o;
    assert_int_equal(parse(&o, ARGS("-c", "select 1", "-f", "a.sql", "--command=select 2",
                                    "--file", "-")),
                     PGWC_PARSE_RUN);
    assert_int_equal(o.nactions, 4);
    assert_false(o.actions[0].is_file);
    assert_string_equal(o.actions[0].val, "select 1");
    assert_true(o.actions[1].is_file);
    assert_string_equal(o.actions[1].val, "a.sql");
    assert_string_equal(o.actions[2].val, "select 2");
    assert_string_equal(o.actions[3].val, "-");
    pgwc_options_free(&o);
}

static void test_options_format_flags_last_one_wins(void **state)
{
    pgwc_options o;
    assert_int_equal(parse(&o, ARGS("--csv", "-A", "-t", "-F", ";", "-R", "#")), PGWC_PARSE_RUN);
    assert_int_equal(o.print.format, PGWC_FORMAT_UNALIGNED);
    assert_true(o.print.tuples_only);
    assert_string_equal(o.print.field_sep, ";");
    assert_string_equal(o.print.record_sep, "#");
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("-A", "--csv")), PGWC_PARSE_RUN);
    assert_int_equal(o.print.format, PGWC_FORMAT_CSV);
    pgwc_options_free(&o);
}

static void test_options_variables_set_and_unset(void **state)
{
    pgwc_options o;
    assert_int_equal(parse(&o, ARGS("-v", "ON_ERROR_STOP=1", "--set=QUIET=on",
                                    "--variable=FETCH_COUNT=0x10", "-v", "OTHER=x")),
                     PGWC_PARSE_RUN);
    assert_true(o.vars.settings.on_error_stop);
    assert_true(o.vars.settings.quiet);
    assert_int_equal(o.vars.settings.fetch_count, 16);
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("-v", "ON_ERROR_STOP=1", "-v", "ON_ERROR_STOP")),
                     PGWC_PARSE_RUN);
    assert_false(o.vars.settings.on_error_stop);
    pgwc_options_free(&o);
}

static void test_options_bad_values_are_errors(void **state)
{
    pgwc_options o;
    assert_int_equal(parse(&o, ARGS("-v", "ON_ERROR_STOP=maybe")), PGWC_PARSE_ERROR);
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("-v", "FETCH_COUNT=12x")), PGWC_PARSE_ERROR);
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("-v", "=x")), PGWC_PARSE_ERROR);
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("-v", "bad-name=x")), PGWC_PARSE_ERROR);
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("-Z")), PGWC_PARSE_ERROR);
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("--no-such-option")), PGWC_PARSE_ERROR);
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("-c")), PGWC_PARSE_ERROR);
    pgwc_options_free(&o);
}

static void test_options_conninfo_in_libpq_order(void **state)
{
    pgwc_options o;
    assert_int_equal(parse(&o, ARGS("-h", "db host", "-p", "5433", "-U", "o'brien", "-d",
                                    "app\\db")),
                     PGWC_PARSE_RUN);
    pgwc_str ci;
    assert_true(pgwc_options_conninfo(&o, &ci));
    assert_string_equal(ci.data, "host='db host' port='5433' user='o\\'brien' "
                                 "dbname='app\\\\db' fallback_application_name='pgw'");
    pgwc_str_free(&ci);
    pgwc_options_free(&o);
}

static void test_options_dbname_uri_expanded_after_flags(void **state)
{
    pgwc_options o;
    assert_int_equal(parse(&o, ARGS("-h", "a", "-p", "1", "-d", "postgresql://b:5433/x%20y")),
                     PGWC_PARSE_RUN);
    pgwc_str ci;
    assert_true(pgwc_options_conninfo(&o, &ci));
    /* a URI's keywords come after the flags (they win), quoted, in
     * libpq's keyword order */
    assert_string_equal(ci.data, "host='a' port='1' dbname='x y' host='b' port='5433' "
                                 "fallback_application_name='pgw'");
    pgwc_str_free(&ci);
    pgwc_options_free(&o);
}

static void test_options_dbname_conninfo_overrides_flags(void **state)
{
    pgwc_options o;
    assert_int_equal(parse(&o, ARGS("-h", "a", "-d", "host=b dbname=x")), PGWC_PARSE_RUN);
    pgwc_str ci;
    assert_true(pgwc_options_conninfo(&o, &ci));
    /* later keywords win in a connection string: -d's host=b */
    assert_string_equal(ci.data, "host='a' host=b dbname=x fallback_application_name='pgw'");
    pgwc_str_free(&ci);
    pgwc_options_free(&o);
}

static void test_options_positional_dbname_and_user(void **state)
{
    pgwc_options o;
    assert_int_equal(parse(&o, ARGS("-A", "mydb", "me", "-t")), PGWC_PARSE_RUN);
    assert_string_equal(o.dbname, "mydb");
    assert_string_equal(o.user, "me");
    assert_true(o.print.tuples_only);
    pgwc_options_free(&o);
    assert_int_equal(parse(&o, ARGS("-d", "given", "other")), PGWC_PARSE_RUN);
    assert_string_equal(o.dbname, "given");
    assert_string_equal(o.user, "other");
    pgwc_options_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_bool_values_follow_psql),
        cmocka_unit_test(test_options_actions_keep_their_order),
        cmocka_unit_test(test_options_format_flags_last_one_wins),
        cmocka_unit_test(test_options_variables_set_and_unset),
        cmocka_unit_test(test_options_bad_values_are_errors),
        cmocka_unit_test(test_options_conninfo_in_libpq_order),
        cmocka_unit_test(test_options_dbname_conninfo_overrides_flags),
        cmocka_unit_test(test_options_dbname_uri_expanded_after_flags),
        cmocka_unit_test(test_options_positional_dbname_and_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
