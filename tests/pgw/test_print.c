/* pgw's result printer: psql's unaligned, CSV and aligned formats, psql's
 * UTF-8 clean-up, and the held-back output that lets a failing result
 * print nothing (as psql, which prints only complete results). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "print.h"

typedef struct capture {
    char *buf;
    size_t len;
    FILE *f;
    pgwc_printer p;
} capture;

static void cap_open(capture *c, const pgwc_print_opts *o)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
    pgwc_printer_init(&c->p, o, c->f);
}

static const char *cap_text(capture *c)
{
    fflush(c->f);
    return c->buf;
}

static void cap_close(capture *c)
{
    assert_false(pgwc_print_failed(&c->p));
    pgwc_printer_free(&c->p);
    fclose(c->f);
    free(c->buf);
}

static pgw_value val(const char *s)
{
    pgw_value v;
    v.ptr = (const uint8_t *)s;
    v.len = s == NULL ? -1 : (int32_t)strlen(s);
    return v;
}

/* A two-column result: (a int4, b text). */
static void two_columns(capture *c, const char *const *cells, size_t nrows)
{
    const char *names[] = {"a", "b"};
    const uint32_t types[] = {23, 25};
    pgwc_print_begin(&c->p, 2, names, types);
    for (size_t r = 0; r < nrows; r++) {
        pgw_value v[2] = {val(cells[2 * r]), val(cells[2 * r + 1])};
        pgwc_print_row(&c->p, v);
    }
    pgwc_print_end(&c->p);
}

static void test_print_unaligned_header_rows_footer(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    o.format = PGWC_FORMAT_UNALIGNED;
    capture c;
    cap_open(&c, &o);
    const char *cells[] = {"1", NULL, "2", "x|y"};
    two_columns(&c, cells, 2);
    assert_string_equal(cap_text(&c), "a|b\n1|\n2|x|y\n(2 rows)\n");
    cap_close(&c);
}

static void test_print_unaligned_separators_and_tuples_only(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    o.format = PGWC_FORMAT_UNALIGNED;
    o.field_sep = ";";
    o.record_sep = "#";
    capture c;
    cap_open(&c, &o);
    const char *cells[] = {"1", "p", "2", "q"};
    two_columns(&c, cells, 2);
    assert_string_equal(cap_text(&c), "a;b#1;p#2;q#(2 rows)\n");
    cap_close(&c);

    o.tuples_only = true;
    cap_open(&c, &o);
    two_columns(&c, cells, 1);
    two_columns(&c, cells, 0);
    assert_string_equal(cap_text(&c), "1;p\n");
    cap_close(&c);
}

static void test_print_unaligned_one_row_and_no_rows(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    o.format = PGWC_FORMAT_UNALIGNED;
    capture c;
    cap_open(&c, &o);
    const char *cells[] = {"1", "p"};
    two_columns(&c, cells, 1);
    two_columns(&c, cells, 0);
    assert_string_equal(cap_text(&c), "a|b\n1|p\n(1 row)\na|b\n(0 rows)\n");
    cap_close(&c);
}

static void test_print_zero_columns(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    o.format = PGWC_FORMAT_UNALIGNED;
    capture c;
    cap_open(&c, &o);
    pgwc_print_begin(&c.p, 0, NULL, NULL);
    pgwc_print_row(&c.p, NULL);
    pgwc_print_row(&c.p, NULL);
    pgwc_print_end(&c.p);
    assert_string_equal(cap_text(&c), "\n(2 rows)\n");
    cap_close(&c);

    o.format = PGWC_FORMAT_ALIGNED;
    cap_open(&c, &o);
    pgwc_print_begin(&c.p, 0, NULL, NULL);
    pgwc_print_row(&c.p, NULL);
    pgwc_print_end(&c.p);
    assert_string_equal(cap_text(&c), "--\n(1 row)\n\n");
    cap_close(&c);
}

static void test_print_csv_quoting(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    o.format = PGWC_FORMAT_CSV;
    capture c;
    cap_open(&c, &o);
    const char *names[] = {"a,b", "c"};
    const uint32_t types[] = {25, 25};
    pgwc_print_begin(&c.p, 2, names, types);
    pgw_value v1[2] = {val("x\"y"), val(NULL)};
    pgw_value v2[2] = {val("l1\nl2"), val("\\.")};
    pgw_value v3[2] = {val("cr\r"), val("")};
    pgwc_print_row(&c.p, v1);
    pgwc_print_row(&c.p, v2);
    pgwc_print_row(&c.p, v3);
    pgwc_print_end(&c.p);
    assert_string_equal(cap_text(&c), "\"a,b\",c\n\"x\"\"y\",\n\"l1\nl2\",\"\\.\"\n\"cr\r\",\n");
    cap_close(&c);
}

static void test_print_csv_separator_dot_or_backslash_quotes_all(void **state)
{
    pgwc_str s;
    pgwc_str_init(&s);
    pgwc_append_csv_field(&s, "plain", 5, '.');
    pgwc_append_csv_field(&s, "", 0, '\\');
    pgwc_append_csv_field(&s, "plain", 5, ',');
    assert_string_equal(s.data, "\"plain\"\"\"plain");
    pgwc_str_free(&s);
}

static void test_print_validated_drops_what_psql_drops(void **state)
{
    pgwc_str s;
    pgwc_str_init(&s);
    /* a stray continuation byte, a truncated sequence, U+1FFFF (dropped by
     * psql) and U+FFFF (kept by psql's check) */
    const char in[] = "a\x80"
                      "b\xe4\xb8"
                      "c\xf0\x9f\xbf\xbf"
                      "d\xef\xbf\xbf"
                      "e";
    pgwc_append_validated(&s, in, sizeof in - 1, PGWC_ENC_UTF8);
    assert_string_equal(s.data, "abcd\xef\xbf\xbf"
                                "e");
    pgwc_str_reset(&s);
    pgwc_append_validated(&s, in, sizeof in - 1, PGWC_ENC_SINGLE_BYTE);
    assert_memory_equal(s.data, in, sizeof in - 1);
    pgwc_str_free(&s);
}

static void test_print_column_alignment_by_type(void **state)
{
    const uint32_t right[] = {20, 21, 23, 26, 28, 29, 700, 701, 790, 1700, 5069};
    for (size_t i = 0; i < sizeof right / sizeof right[0]; i++)
        assert_int_equal(pgwc_column_align(right[i]), 'r');
    assert_int_equal(pgwc_column_align(25), 'l');
    assert_int_equal(pgwc_column_align(16), 'l');
    assert_int_equal(pgwc_column_align(1184), 'l');
}

static void test_print_aligned_table(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    capture c;
    cap_open(&c, &o);
    const char *cells[] = {"1", "text", "22", NULL};
    two_columns(&c, cells, 2);
    assert_string_equal(cap_text(&c), " a  |  b   \n"
                                      "----+------\n"
                                      "  1 | text\n"
                                      " 22 | \n"
                                      "(2 rows)\n\n");
    cap_close(&c);
}

static void test_print_aligned_multiline_values(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    capture c;
    cap_open(&c, &o);
    const char *names[] = {"x", "n"};
    const uint32_t types[] = {25, 23};
    pgwc_print_begin(&c.p, 2, names, types);
    pgw_value v[2] = {val("a\nbb\tc\r"), val("7")};
    pgwc_print_row(&c.p, v);
    pgwc_print_end(&c.p);
    assert_string_equal(cap_text(&c), "      x      | n \n"
                                      "-------------+---\n"
                                      " a          +| 7\n"
                                      " bb      c\\r | \n"
                                      "(1 row)\n\n");
    cap_close(&c);
}

static void test_print_aligned_fetch_count_groups(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    o.fetch_count = 2;
    capture c;
    cap_open(&c, &o);
    const char *cells[] = {"1", "x", "2", "xx", "3", "xxxxx"};
    two_columns(&c, cells, 3);
    /* the second group keeps the first one's layout only by accident of
     * its own widths, as with psql's FETCH_COUNT */
    assert_string_equal(cap_text(&c), " a | b  \n"
                                      "---+----\n"
                                      " 1 | x\n"
                                      " 2 | xx\n"
                                      " 3 | xxxxx\n"
                                      "(3 rows)\n\n");
    cap_close(&c);
}

static void test_print_abort_drops_held_result(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    o.format = PGWC_FORMAT_UNALIGNED;
    capture c;
    cap_open(&c, &o);
    const char *names[] = {"q"};
    const uint32_t types[] = {23};
    pgwc_print_begin(&c.p, 1, names, types);
    pgw_value v = val("1");
    pgwc_print_row(&c.p, &v);
    pgwc_print_abort(&c.p);
    pgwc_print_flush(&c.p);
    assert_string_equal(cap_text(&c) ? cap_text(&c) : "", "");
    cap_close(&c);
}

static void test_print_large_result_streams(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    o.format = PGWC_FORMAT_UNALIGNED;
    o.hold_bytes = 16;
    capture c;
    cap_open(&c, &o);
    const char *names[] = {"q"};
    const uint32_t types[] = {25};
    pgwc_print_begin(&c.p, 1, names, types);
    for (int i = 0; i < 10; i++) {
        pgw_value v = val("row-value");
        pgwc_print_row(&c.p, &v);
    }
    /* past hold_bytes the rows were written as they came */
    fflush(c.f);
    assert_true(c.len > 16);
    pgwc_print_abort(&c.p);
    assert_non_null(strstr(cap_text(&c), "q\nrow-value\nrow-value"));
    cap_close(&c);
}

static void test_print_status_line(void **state)
{
    pgwc_print_opts o;
    pgwc_print_opts_init(&o);
    capture c;
    cap_open(&c, &o);
    pgwc_print_status(&c.p, "INSERT 0 1");
    assert_string_equal(cap_text(&c), "INSERT 0 1\n");
    cap_close(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_print_unaligned_header_rows_footer),
        cmocka_unit_test(test_print_unaligned_separators_and_tuples_only),
        cmocka_unit_test(test_print_unaligned_one_row_and_no_rows),
        cmocka_unit_test(test_print_zero_columns),
        cmocka_unit_test(test_print_csv_quoting),
        cmocka_unit_test(test_print_csv_separator_dot_or_backslash_quotes_all),
        cmocka_unit_test(test_print_validated_drops_what_psql_drops),
        cmocka_unit_test(test_print_column_alignment_by_type),
        cmocka_unit_test(test_print_aligned_table),
        cmocka_unit_test(test_print_aligned_multiline_values),
        cmocka_unit_test(test_print_aligned_fetch_count_groups),
        cmocka_unit_test(test_print_abort_drops_held_result),
        cmocka_unit_test(test_print_large_result_streams),
        cmocka_unit_test(test_print_status_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
