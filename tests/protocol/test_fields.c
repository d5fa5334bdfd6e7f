/* ErrorResponse / NoticeResponse field iteration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/proto.h"
#include "proto_support.h"

#define MAX_FRAMES 128
#define BODY(...) ((const uint8_t[]){__VA_ARGS__})
#define FRAME(tag, ...) frame_of((tag), BODY(__VA_ARGS__), sizeof(BODY(__VA_ARGS__)))

/* Iterate all fields; return the final status (PGW_END or an error) and
 * check that every value lies inside the body. */
static pgw_status iterate(const pgw_frame *f, pgw_field *out, size_t cap, size_t *n)
{
    pgw_field_iter it;
    *n = 0;
    pgw_status rc = pgw_fields_begin(f, &it);
    if (rc != PGW_OK)
        return rc;
    pgw_field fld;
    while ((rc = pgw_fields_next(&it, &fld)) == PGW_OK) {
        const uint8_t *v = (const uint8_t *)fld.value;
        assert_true(fld.code != 0);
        assert_true(v > f->body && v < f->body + f->len);
        assert_true(strlen(fld.value) < (size_t)(f->body + f->len - v));
        if (*n < cap)
            out[*n] = fld;
        (*n)++;
    }
    return rc;
}

static void test_fields_captured_error_response(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_simple_session.be.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 0, fr, MAX_FRAMES);
    pgw_frame e = vector_frame_with_tag(fr, n, 'E', 0);
    pgw_field f[16];
    size_t nf;
    assert_int_equal(iterate(&e, f, 16, &nf), PGW_END);
    assert_int_equal(nf, 7);
    assert_int_equal(f[0].code, 'S');
    assert_string_equal(f[0].value, "ERROR");
    assert_int_equal(f[1].code, 'V');
    assert_int_equal(f[2].code, 'C');
    assert_string_equal(f[2].value, "22012");
    assert_int_equal(f[3].code, 'M');
    assert_string_equal(f[3].value, "division by zero");
    assert_int_equal(f[6].code, 'R');
    assert_string_equal(f[6].value, "int4div");
    free(in);
}

static void test_fields_captured_notice_and_position(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_simple_session.be.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 0, fr, MAX_FRAMES);
    pgw_frame nt = vector_frame_with_tag(fr, n, 'N', 0);
    pgw_field f[16];
    size_t nf;
    assert_int_equal(iterate(&nt, f, 16, &nf), PGW_END);
    assert_string_equal(f[3].value, "hello notice");
    free(in);

    in = vector_load("pg15_copy_in.be.hex", &len);
    n = vector_frames(in, len, 0, fr, MAX_FRAMES);
    pgw_frame e = vector_frame_with_tag(fr, n, 'E', 0);
    assert_int_equal(iterate(&e, f, 16, &nf), PGW_END);
    bool saw_position = false;
    for (size_t i = 0; i < nf && i < 16; i++) {
        if (f[i].code == 'P') {
            assert_string_equal(f[i].value, "8");
            saw_position = true;
        }
    }
    assert_true(saw_position);
    free(in);
}

static void test_fields_every_truncation_fails(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_simple_session.be.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 0, fr, MAX_FRAMES);
    const pgw_frame msgs[] = {vector_frame_with_tag(fr, n, 'E', 0),
                              vector_frame_with_tag(fr, n, 'N', 0)};
    for (size_t m = 0; m < 2; m++) {
        for (size_t cut = 0; cut < msgs[m].len; cut++) {
            uint8_t *p = malloc(cut + 1);
            assert_non_null(p);
            memcpy(p, msgs[m].body, cut);
            pgw_frame f = frame_of(msgs[m].tag, p, cut);
            pgw_field out[16];
            size_t nf;
            assert_int_equal(iterate(&f, out, 16, &nf), PGW_E_PROTOCOL);
            free(p);
        }
    }
    free(in);
}

static void test_fields_empty_body_is_protocol_error(void **state)
{
    pgw_frame f = frame_of('E', NULL, 0);
    pgw_field_iter it;
    assert_int_equal(pgw_fields_begin(&f, &it), PGW_E_PROTOCOL);
    uint8_t one = 'S';
    f = frame_of('E', &one, 1);
    assert_int_equal(pgw_fields_begin(&f, &it), PGW_E_PROTOCOL);
}

static void test_fields_terminator_only_has_no_fields(void **state)
{
    pgw_frame f = FRAME('N', 0);
    pgw_field_iter it;
    pgw_field fld;
    assert_int_equal(pgw_fields_begin(&f, &it), PGW_OK);
    assert_int_equal(pgw_fields_next(&it, &fld), PGW_END);
    assert_int_equal(pgw_fields_next(&it, &fld), PGW_END);
}

static void test_fields_value_may_not_borrow_the_terminator(void **state)
{
    /* "SERROR\0": ends in a zero byte, but that byte is the value's NUL,
     * so the list terminator is missing. */
    pgw_frame f = FRAME('E', 'S', 'E', 'R', 'R', 'O', 'R', 0);
    pgw_field out[4];
    size_t nf;
    assert_int_equal(iterate(&f, out, 4, &nf), PGW_E_PROTOCOL);
    assert_int_equal(nf, 0);
}

static void test_fields_bytes_after_early_terminator_are_protocol_error(void **state)
{
    pgw_frame f = FRAME('E', 'S', 'x', 0, 0, 'M', 'y', 0, 0);
    pgw_field out[4];
    size_t nf;
    assert_int_equal(iterate(&f, out, 4, &nf), PGW_E_PROTOCOL);
    assert_int_equal(nf, 1);
}

static void test_fields_empty_values_and_unknown_codes_are_returned(void **state)
{
    pgw_frame f = FRAME('N', 'S', 0, 'z', 'q', 0, 0xff, 'v', 0, 0);
    pgw_field out[4];
    size_t nf;
    assert_int_equal(iterate(&f, out, 4, &nf), PGW_END);
    assert_int_equal(nf, 3);
    assert_string_equal(out[0].value, "");
    assert_int_equal(out[1].code, 'z');
    assert_string_equal(out[1].value, "q");
    assert_int_equal((uint8_t)out[2].code, 0xff);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_captured_error_response),
        cmocka_unit_test(test_fields_captured_notice_and_position),
        cmocka_unit_test(test_fields_every_truncation_fails),
        cmocka_unit_test(test_fields_empty_body_is_protocol_error),
        cmocka_unit_test(test_fields_terminator_only_has_no_fields),
        cmocka_unit_test(test_fields_value_may_not_borrow_the_terminator),
        cmocka_unit_test(test_fields_bytes_after_early_terminator_are_protocol_error),
        cmocka_unit_test(test_fields_empty_values_and_unknown_codes_are_returned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
