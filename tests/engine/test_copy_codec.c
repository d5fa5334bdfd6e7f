/* The COPY data codecs without a server: the binary row encoder's exact
 * bytes and its behaviour on failure, the reader on edge cases, and the
 * text/csv escapers. */
#include <stdlib.h>

#include "rig.h"

static void test_copy_codec_encoder_writes_the_documented_bytes(void **s)
{
    (void)s;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_copy_bin_header(&b), PGW_OK);
    assert_int_equal(pgw_copy_bin_row(&b, 4), PGW_OK);
    assert_int_equal(pgw_copy_bin_int2(&b, -2), PGW_OK);
    assert_int_equal(pgw_copy_bin_null(&b), PGW_OK);
    assert_int_equal(pgw_copy_bin_bool(&b, true), PGW_OK);
    assert_int_equal(pgw_copy_bin_numeric(&b, "1", 1), PGW_OK);
    assert_int_equal(pgw_copy_bin_trailer(&b), PGW_OK);
    static const uint8_t want[] = {
        'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0, /* signature */
        0, 0, 0, 0, 0, 0, 0, 0,                                  /* flags, extension */
        0, 4,                                                    /* fields */
        0, 0, 0, 2, 0xff, 0xfe,                                  /* int2 -2 */
        0xff, 0xff, 0xff, 0xff,                                  /* NULL */
        0, 0, 0, 1, 1,                                           /* true */
        0, 0, 0, 10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1,               /* numeric 1 */
        0xff, 0xff};                                             /* trailer */
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    pgw_buf_free(&b);
}

static void test_copy_codec_encoder_failure_leaves_the_buffer_unchanged(void **s)
{
    (void)s;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_copy_bin_row(&b, 2), PGW_OK);
    size_t len = b.len;
    assert_int_equal(pgw_copy_bin_numeric(&b, "12x", 3), PGW_E_INVALID);
    assert_int_equal(b.len, len);
    assert_int_equal(pgw_copy_bin_date(&b, INT32_MIN + 1), PGW_E_RANGE);
    assert_int_equal(b.len, len);
    assert_int_equal(pgw_copy_bin_raw(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_copy_bin_row(&b, 40000), PGW_E_INVALID);
    assert_int_equal(b.len, len);
    assert_int_equal(pgw_buf_status(&b), PGW_OK);
    pgw_buf_free(&b);
    /* A capped buffer: the field that does not fit is refused whole. */
    pgw_buf_init(&b, NULL, 10);
    assert_int_equal(pgw_copy_bin_int4(&b, 1), PGW_OK);
    assert_int_equal(pgw_copy_bin_int4(&b, 2), PGW_E_TOO_LARGE);
    assert_int_equal(b.len, 8);
    pgw_buf_free(&b);
}

static void test_copy_codec_reader_edge_cases(void **s)
{
    (void)s;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    pgw_copy_bin_header(&b);
    pgw_copy_bin_row(&b, 0);
    pgw_copy_bin_row(&b, 2);
    pgw_copy_bin_text(&b, "", 0);
    pgw_copy_bin_null(&b);
    pgw_copy_bin_trailer(&b);
    pgw_copy_bin_reader r;
    pgw_value v[2];
    uint16_t n = 99;
    /* Nothing fed: want more. */
    pgw_copy_bin_reader_init(&r);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 2, &n), PGW_WANT_READ);
    /* Every truncation of the stream wants more, and never misreads. */
    for (size_t cut = 0; cut < b.len; cut++) {
        pgw_copy_bin_reader_init(&r);
        pgw_copy_bin_reader_feed(&r, b.data, cut);
        pgw_status rc;
        while ((rc = pgw_copy_bin_reader_next(&r, v, 2, &n)) == PGW_OK)
            ;
        assert_int_equal(rc, PGW_WANT_READ);
    }
    pgw_copy_bin_reader_init(&r);
    pgw_copy_bin_reader_feed(&r, b.data, b.len);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 2, &n), PGW_OK);
    assert_int_equal(n, 0);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 1, &n), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 2, &n), PGW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].len, 0);
    assert_int_equal(v[1].len, -1);
    assert_null(v[1].ptr);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 2, &n), PGW_END);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 2, &n), PGW_END);
    assert_int_equal(pgw_copy_bin_reader_pending(&r), 0);
    /* A corrupted signature byte, and a flag bit that must not be set. */
    b.data[7] = 0xfe;
    pgw_copy_bin_reader_init(&r);
    pgw_copy_bin_reader_feed(&r, b.data, b.len);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 2, &n), PGW_E_PROTOCOL);
    b.data[7] = 0xff;
    b.data[12] = 0x01; /* flags bit 16: OIDs */
    pgw_copy_bin_reader_init(&r);
    pgw_copy_bin_reader_feed(&r, b.data, b.len);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 2, &n), PGW_E_UNSUPPORTED);
    b.data[12] = 0;
    b.data[14] = 0x01; /* flags bit 0: ignorable */
    pgw_copy_bin_reader_init(&r);
    pgw_copy_bin_reader_feed(&r, b.data, b.len);
    assert_int_equal(pgw_copy_bin_reader_next(&r, v, 2, &n), PGW_OK);
    pgw_buf_free(&b);
}

static void test_copy_codec_text_and_csv_escapes(void **s)
{
    (void)s;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_copy_text_value(&b, "a\\b\tc\nd\re", 9), PGW_OK);
    assert_int_equal(b.len, 13);
    assert_memory_equal(b.data, "a\\\\b\\tc\\nd\\re", 13);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_copy_text_value(&b, "x\0y", 3), PGW_E_INVALID);
    assert_int_equal(b.len, 0);
    assert_int_equal(pgw_copy_text_null(&b), PGW_OK);
    assert_memory_equal(b.data, "\\N", 2);
    static const struct {
        const char *in, *out;
    } csv[] = {{"plain", "plain"},       {"", "\"\""},         {"a,b", "\"a,b\""},
               {"say \"hi\"", "\"say \"\"hi\"\"\""}, {"l1\nl2", "\"l1\nl2\""},
               {" lead", "\" lead\""},   {"trail ", "\"trail \""}, {"\\.", "\"\\.\""},
               {"\\N", "\\N"}};
    for (size_t i = 0; i < sizeof csv / sizeof csv[0]; i++) {
        pgw_buf_reset(&b);
        assert_int_equal(pgw_copy_csv_value(&b, csv[i].in, strlen(csv[i].in)), PGW_OK);
        assert_int_equal(b.len, strlen(csv[i].out));
        assert_memory_equal(b.data, csv[i].out, b.len);
    }
    pgw_buf_reset(&b);
    assert_int_equal(pgw_copy_csv_value(&b, "a\0,", 3), PGW_E_INVALID);
    assert_int_equal(pgw_copy_csv_value(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(b.len, 0);
    pgw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_codec_encoder_writes_the_documented_bytes),
        cmocka_unit_test(test_copy_codec_encoder_failure_leaves_the_buffer_unchanged),
        cmocka_unit_test(test_copy_codec_reader_edge_cases),
        cmocka_unit_test(test_copy_codec_text_and_csv_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
