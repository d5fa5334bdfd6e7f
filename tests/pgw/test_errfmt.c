/* pgw's server messages: libpq's layout (pqBuildErrorMessage3) and its
 * LINE/caret display (reportErrorPosition), including the display widths
 * of multibyte characters, tabs, line breaks and long lines. The
 * end-to-end cases in tests/pgw/cases compare the same output with psql. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errfmt.h"
#include "text.h"

static char *position(const char *query, long pos, pgwc_encoding enc)
{
    pgwc_str s;
    pgwc_str_init(&s);
    pgwc_format_error_position(&s, query, pos, enc);
    assert_false(s.failed);
    char *r = strdup(s.data ? s.data : "");
    pgwc_str_free(&s);
    return r;
}

static void expect_position(const char *query, long pos, pgwc_encoding enc, const char *want)
{
    char *got = position(query, pos, enc);
    assert_string_equal(got, want);
    free(got);
}

static void test_errpos_caret_under_character(void **state)
{
    expect_position("select nocol", 8, PGWC_ENC_UTF8,
                    "LINE 1: select nocol\n"
                    "               ^\n");
}

static void test_errpos_wide_characters_take_two_columns(void **state)
{
    /* 'é' is one column, '中' two: the caret moves 13 + 1 columns */
    expect_position("select 'é中', x", 14, PGWC_ENC_UTF8,
                    "LINE 1: select 'é中', x\n"
                    "                      ^\n");
}

static void test_errpos_combining_character_counts_one(void **state)
{
    /* a combining accent is width 0 for display, but libpq counts any
     * width below 1 as 1 for the caret */
    expect_position("select 'e\xcc\x81', x", 14, PGWC_ENC_UTF8,
                    "LINE 1: select 'e\xcc\x81', x\n"
                    "                     ^\n");
}

static void test_errpos_single_byte_encoding_counts_bytes(void **state)
{
    /* in SQL_ASCII every byte is a character of width 1 */
    expect_position("select '\xc3\xa9', x", 14, PGWC_ENC_SINGLE_BYTE,
                    "LINE 1: select '\xc3\xa9', x\n"
                    "                     ^\n");
}

static void test_errpos_tab_printed_as_space(void **state)
{
    expect_position("select\t\tx", 9, PGWC_ENC_UTF8,
                    "LINE 1: select  x\n"
                    "                ^\n");
}

static void test_errpos_line_numbers_and_breaks(void **state)
{
    /* "\r\n" is one break; a lone '\r' and a lone '\n' are one each */
    expect_position("a\r\nb\rc\nd e", 10, PGWC_ENC_UTF8,
                    "LINE 4: d e\n"
                    "          ^\n");
    expect_position("a\n\nb", 4, PGWC_ENC_UTF8,
                    "LINE 3: b\n"
                    "        ^\n");
}

static void test_errpos_position_on_line_break(void **state)
{
    /* the position of the newline itself belongs to the line before */
    expect_position("ab\ncd", 3, PGWC_ENC_UTF8,
                    "LINE 1: ab\n"
                    "          ^\n");
}

static void test_errpos_position_just_past_end(void **state)
{
    expect_position("select 1 +", 11, PGWC_ENC_UTF8,
                    "LINE 1: select 1 +\n"
                    "                  ^\n");
}

static void test_errpos_out_of_range_prints_nothing(void **state)
{
    expect_position("select", 8, PGWC_ENC_UTF8, "");
    expect_position("select", 0, PGWC_ENC_UTF8, "");
    expect_position("", 1, PGWC_ENC_UTF8, "LINE 1: \n        ^\n");
}

static void test_errpos_long_line_cut_right(void **state)
{
    char q[200];
    snprintf(q, sizeof q, "select x, '%080d'", 0);
    char *got = position(q, 8, PGWC_ENC_UTF8);
    /* 60 columns of the line, then "..." */
    char want[300];
    snprintf(want, sizeof want, "LINE 1: %.60s...\n               ^\n", q);
    assert_string_equal(got, want);
    free(got);
}

static void test_errpos_long_line_cut_left(void **state)
{
    char q[200];
    snprintf(q, sizeof q, "select '%080d', x", 0);
    size_t len = strlen(q);
    char *got = position(q, (long)len, PGWC_ENC_UTF8);
    /* the window ends at the end of the line: its last 60 columns */
    char want[300];
    snprintf(want, sizeof want, "LINE 1: ...%s\n%*s^\n", q + len - 60, 11 + 59, "");
    assert_string_equal(got, want);
    free(got);
}

static void test_errpos_long_line_cut_both_sides(void **state)
{
    char q[300];
    snprintf(q, sizeof q, "select '%070d', x, '%070d'", 0, 0);
    long pos = 7 + 72 + 3; /* the x */
    char *got = position(q, pos, PGWC_ENC_UTF8);
    /* cut 10 columns right of the position, then 60 columns back */
    size_t loc = (size_t)pos - 1, end = loc + 10, beg = end - 60;
    char want[400];
    snprintf(want, sizeof want, "LINE 1: ...%.*s...\n%*s^\n", (int)(end - beg), q + beg,
             (int)(11 + loc - beg), "");
    assert_string_equal(got, want);
    free(got);
}

/* Property: for ASCII queries the caret is always under the character at
 * the position, and the shown part of the line is at most 60 columns. */
static void test_errpos_caret_always_under_position_ascii(void **state)
{
    uint32_t seed = 12345;
    for (int iter = 0; iter < 2000; iter++) {
        char q[260];
        size_t len = 1 + (seed = seed * 1103515245u + 12345u) % 250;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 40;
            q[i] = r == 0 ? '\n' : r == 1 ? '\r' : (char)('a' + r % 26);
        }
        q[len] = '\0';
        seed = seed * 1103515245u + 12345u;
        size_t loc = (seed >> 8) % len;
        char *got = position(q, (long)loc + 1, PGWC_ENC_UTF8);
        char *nl = strchr(got, '\n');
        assert_non_null(nl);
        const char *line = got;
        const char *caret = strchr(nl + 1, '^');
        assert_non_null(caret);
        size_t col = (size_t)(caret - (nl + 1));
        assert_true(col < (size_t)(nl - line) || q[loc] == '\n' || q[loc] == '\r' ||
                    strstr(line, "...") != NULL);
        if (q[loc] != '\n' && q[loc] != '\r')
            assert_int_equal(line[col], q[loc]);
        const char *body = strchr(line, ':') + 2;
        size_t shown = (size_t)(nl - body);
        if (strncmp(body, "...", 3) == 0)
            shown -= 3;
        if (shown >= 3 && strncmp(nl - 3, "...", 3) == 0)
            shown -= 3;
        assert_true(shown <= 60);
        free(got);
    }
}

static void test_errfmt_full_error_layout(void **state)
{
    pgw_error e;
    memset(&e, 0, sizeof e);
    e.status = PGW_E_SERVER;
    e.severity = "ERROR";
    e.message = "column \"nocol\" does not exist";
    e.detail = "the detail";
    e.hint = "the hint";
    e.where = "somewhere";
    e.position = 8;
    pgwc_str s;
    pgwc_str_init(&s);
    pgwc_format_server_message(&s, &e, "select nocol", PGWC_ENC_UTF8, true);
    assert_string_equal(s.data, "ERROR:  column \"nocol\" does not exist\n"
                                "LINE 1: select nocol\n"
                                "               ^\n"
                                "DETAIL:  the detail\n"
                                "HINT:  the hint\n"
                                "CONTEXT:  somewhere\n");
    pgwc_str_free(&s);
}

static void test_errfmt_notice_has_no_context(void **state)
{
    pgw_error e;
    memset(&e, 0, sizeof e);
    e.severity = "NOTICE";
    e.message = "hello";
    e.where = "PL/pgSQL function inline_code_block line 1 at RAISE";
    pgwc_str s;
    pgwc_str_init(&s);
    pgwc_format_server_message(&s, &e, "do $$ ... $$", PGWC_ENC_UTF8, false);
    assert_string_equal(s.data, "NOTICE:  hello\n");
    pgwc_str_free(&s);
}

static void test_errfmt_internal_query_position(void **state)
{
    pgw_error e;
    memset(&e, 0, sizeof e);
    e.severity = "ERROR";
    e.message = "column \"nocol\" does not exist";
    e.internal_query = "SELECT nocol";
    e.internal_position = 8;
    e.where = "PL/pgSQL function inline_code_block line 1 at PERFORM";
    pgwc_str s;
    pgwc_str_init(&s);
    pgwc_format_server_message(&s, &e, "do $$ begin perform nocol; end $$", PGWC_ENC_UTF8, true);
    assert_string_equal(s.data,
                        "ERROR:  column \"nocol\" does not exist\n"
                        "LINE 1: SELECT nocol\n"
                        "               ^\n"
                        "QUERY:  SELECT nocol\n"
                        "CONTEXT:  PL/pgSQL function inline_code_block line 1 at PERFORM\n");
    pgwc_str_free(&s);
}

static void test_errfmt_position_without_query_text(void **state)
{
    pgw_error e;
    memset(&e, 0, sizeof e);
    e.severity = "ERROR";
    e.message = "oops";
    e.position = 12;
    pgwc_str s;
    pgwc_str_init(&s);
    pgwc_format_server_message(&s, &e, NULL, PGWC_ENC_UTF8, true);
    assert_string_equal(s.data, "ERROR:  oops at character 12\n");
    pgwc_str_free(&s);
}

static void test_text_widths_follow_psql(void **state)
{
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "a"), 1);
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\t"), -1);
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\x7f"), -1);
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\xc2\x80"), -1);        /* U+0080 */
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\xcc\x81"), 0);         /* U+0301 */
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\xe4\xb8\xad"), 2);     /* U+4E2D */
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\xef\xbc\xa1"), 2);     /* U+FF21 */
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\xe2\x80\x8b"), 1);     /* U+200B, Cf */
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\xf0\x9f\x98\x80"), 2); /* U+1F600 */
    assert_int_equal(pgwc_dsplen(PGWC_ENC_UTF8, "\xff"), -1);
    assert_int_equal(pgwc_dsplen(PGWC_ENC_SINGLE_BYTE, "\xe4"), 1);
    assert_int_equal(pgwc_mblen(PGWC_ENC_UTF8, "\xe4\xb8\xad"), 3);
    assert_int_equal(pgwc_mblen_bounded(PGWC_ENC_UTF8, "\xe4\xb8"), 2);
    assert_int_equal(pgwc_mblen(PGWC_ENC_SINGLE_BYTE, "\xe4\xb8\xad"), 1);
    assert_int_equal(pgwc_encoding_from_name("SQL_ASCII"), PGWC_ENC_SINGLE_BYTE);
    assert_int_equal(pgwc_encoding_from_name("UTF8"), PGWC_ENC_UTF8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errpos_caret_under_character),
        cmocka_unit_test(test_errpos_wide_characters_take_two_columns),
        cmocka_unit_test(test_errpos_combining_character_counts_one),
        cmocka_unit_test(test_errpos_single_byte_encoding_counts_bytes),
        cmocka_unit_test(test_errpos_tab_printed_as_space),
        cmocka_unit_test(test_errpos_line_numbers_and_breaks),
        cmocka_unit_test(test_errpos_position_on_line_break),
        cmocka_unit_test(test_errpos_position_just_past_end),
        cmocka_unit_test(test_errpos_out_of_range_prints_nothing),
        cmocka_unit_test(test_errpos_long_line_cut_right),
        cmocka_unit_test(test_errpos_long_line_cut_left),
        cmocka_unit_test(test_errpos_long_line_cut_both_sides),
        cmocka_unit_test(test_errpos_caret_always_under_position_ascii),
        cmocka_unit_test(test_errfmt_full_error_layout),
        cmocka_unit_test(test_errfmt_notice_has_no_context),
        cmocka_unit_test(test_errfmt_internal_query_position),
        cmocka_unit_test(test_errfmt_position_without_query_text),
        cmocka_unit_test(test_text_widths_follow_psql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
