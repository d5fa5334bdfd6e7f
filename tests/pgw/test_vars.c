/* psql's variables: the special ones' substitutions and checks, the
 * sorted listing, and the error texts (all checked against psql 15; the
 * end-to-end cases vars_* compare whole scripts with psql). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vars.h"

static char last_error[512];

static void capture(void *ud, const char *msg)
{
    (void)ud;
    snprintf(last_error, sizeof last_error, "%s", msg);
}

static int setup(void **state)
{
    pgwc_vars *vs = calloc(1, sizeof *vs);
    if (vs == NULL || !pgwc_vars_init(vs))
        return -1;
    vs->report = capture;
    last_error[0] = '\0';
    *state = vs;
    return 0;
}

static int teardown(void **state)
{
    pgwc_vars_free(*state);
    free(*state);
    return 0;
}

static void test_vars_initial_values_are_psqls(void **state)
{
    pgwc_vars *vs = *state;
    assert_string_equal(pgwc_vars_get(vs, "AUTOCOMMIT"), "on");
    assert_string_equal(pgwc_vars_get(vs, "ON_ERROR_STOP"), "off");
    assert_string_equal(pgwc_vars_get(vs, "LAST_ERROR_SQLSTATE"), "00000");
    assert_string_equal(pgwc_vars_get(vs, "PROMPT1"), "%/%R%x%# ");
    assert_non_null(pgwc_vars_get(vs, "VERSION_NUM"));
    assert_null(pgwc_vars_get(vs, "foo"));
    assert_false(vs->settings.on_error_stop);
    assert_true(vs->settings.autocommit);
}

static void test_vars_plain_set_and_unset(void **state)
{
    pgwc_vars *vs = *state;
    assert_true(pgwc_vars_set(vs, "foo", "bar"));
    assert_string_equal(pgwc_vars_get(vs, "foo"), "bar");
    assert_true(pgwc_vars_set(vs, "foo", ""));
    assert_string_equal(pgwc_vars_get(vs, "foo"), "");
    assert_true(pgwc_vars_set(vs, "foo", NULL));
    assert_null(pgwc_vars_get(vs, "foo"));
    assert_true(pgwc_vars_set(vs, "nosuch", NULL)); /* unsetting nothing is fine */
}

static void test_vars_bool_substitutes_and_checks(void **state)
{
    pgwc_vars *vs = *state;
    assert_true(pgwc_vars_set(vs, "ON_ERROR_STOP", ""));
    assert_string_equal(pgwc_vars_get(vs, "ON_ERROR_STOP"), "on");
    assert_true(vs->settings.on_error_stop);
    assert_false(pgwc_vars_set(vs, "ON_ERROR_STOP", "maybe"));
    assert_string_equal(last_error,
                        "unrecognized value \"maybe\" for \"ON_ERROR_STOP\": Boolean expected");
    assert_string_equal(pgwc_vars_get(vs, "ON_ERROR_STOP"), "on"); /* kept */
    assert_true(pgwc_vars_set(vs, "ON_ERROR_STOP", NULL));
    assert_string_equal(pgwc_vars_get(vs, "ON_ERROR_STOP"), "off");
    assert_false(vs->settings.on_error_stop);
    assert_true(pgwc_vars_set(vs, "QUIET", "1"));
    assert_true(vs->settings.quiet);
}

static void test_vars_enum_and_int_checks(void **state)
{
    pgwc_vars *vs = *state;
    assert_true(pgwc_vars_set(vs, "ECHO", "ERRORS"));
    assert_int_equal(vs->settings.echo, PGWC_ECHO_ERRORS);
    assert_false(pgwc_vars_set(vs, "ECHO", "loud"));
    assert_string_equal(last_error, "unrecognized value \"loud\" for \"ECHO\"\n"
                                    "Available values are: none, errors, queries, all.");
    assert_true(pgwc_vars_set(vs, "ECHO", NULL));
    assert_string_equal(pgwc_vars_get(vs, "ECHO"), "none");
    assert_true(pgwc_vars_set(vs, "FETCH_COUNT", "0x10"));
    assert_int_equal(vs->settings.fetch_count, 16);
    assert_false(pgwc_vars_set(vs, "FETCH_COUNT", "12x"));
    assert_string_equal(last_error, "invalid value \"12x\" for \"FETCH_COUNT\": integer expected");
    assert_true(pgwc_vars_set(vs, "FETCH_COUNT", NULL));
    assert_string_equal(pgwc_vars_get(vs, "FETCH_COUNT"), "0");
    assert_true(pgwc_vars_set(vs, "IGNOREEOF", "abc"));
    assert_string_equal(pgwc_vars_get(vs, "IGNOREEOF"), "10");
    assert_true(pgwc_vars_set(vs, "ON_ERROR_ROLLBACK", "interactive"));
    assert_true(pgwc_vars_set(vs, "ECHO_HIDDEN", "noexec"));
}

static void test_vars_hooked_unset_keeps_no_value(void **state)
{
    pgwc_vars *vs = *state;
    assert_true(pgwc_vars_set(vs, "PROMPT1", NULL));
    assert_null(pgwc_vars_get(vs, "PROMPT1"));
}

static void test_vars_invalid_names_rejected(void **state)
{
    pgwc_vars *vs = *state;
    assert_false(pgwc_vars_set(vs, "bad-name", "1"));
    assert_string_equal(last_error, "invalid variable name: \"bad-name\"");
    assert_false(pgwc_vars_set(vs, "", "1"));
    assert_true(pgwc_vars_set(vs, "caf\xc3\xa9_1", "1")); /* high bytes are letters */
}

static void test_vars_listing_sorted_without_unset(void **state)
{
    pgwc_vars *vs = *state;
    assert_true(pgwc_vars_set(vs, "zz", "last"));
    assert_true(pgwc_vars_set(vs, "B", "it's"));
    assert_true(pgwc_vars_set(vs, "PROMPT2", NULL));
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    pgwc_vars_print(vs, f);
    fclose(f);
    assert_non_null(strstr(buf, "AUTOCOMMIT = 'on'\nB = 'it's'\nCOMP_KEYWORD_CASE"));
    assert_null(strstr(buf, "PROMPT2"));
    assert_non_null(strstr(buf, "\nzz = 'last'\n"));
    assert_int_equal(buf[len - 1], '\n');
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vars_initial_values_are_psqls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars_plain_set_and_unset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars_bool_substitutes_and_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars_enum_and_int_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars_hooked_unset_keeps_no_value, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars_invalid_names_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vars_listing_sorted_without_unset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
