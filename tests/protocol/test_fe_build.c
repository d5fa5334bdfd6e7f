/* Frontend builders: exact bytes, argument checks, size overflow, buffer
 * failures and rollback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/buf.h"
#include "failing_alloc.h"
#include "pgwire/proto.h"
#include "proto_support.h"

#define MAX_FRAMES 64

/* Bytes of a captured message including its tag and length word. */
static const uint8_t *raw_of(const pgw_frame *f, size_t *len)
{
    size_t hdr = f->tag != 0 ? 5 : 4;
    *len = f->len + hdr;
    return f->body - hdr;
}

static void assert_buf_equals_frame(const pgw_buf *b, size_t off, const pgw_frame *f)
{
    size_t len;
    const uint8_t *raw = raw_of(f, &len);
    assert_int_equal(b->len - off, len);
    assert_memory_equal(b->data + off, raw, len);
}

static void assert_buf_bytes(const pgw_buf *b, const void *want, size_t len)
{
    assert_int_equal(b->len, len);
    assert_memory_equal(b->data, want, len);
}

static void test_build_startup_matches_captured_pgbench(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_extended.fe.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    vector_frames(in, len, 1, fr, MAX_FRAMES);
    const char *names[] = {"user", "database", "application_name"};
    const char *values[] = {"postgres", "postgres", "pgbench"};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_startup(&b, names, values, 3), PGW_OK);
    assert_buf_equals_frame(&b, 0, &fr[0]);
    pgw_buf_free(&b);
    free(in);
}

static void test_build_sasl_messages_match_captured_exchange(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_extended.fe.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    vector_frames(in, len, 1, fr, MAX_FRAMES);
    /* fr[1]: SASLInitialResponse "SCRAM-SHA-256\0" int32 len, data. */
    const size_t mech = sizeof "SCRAM-SHA-256";
    assert_true(fr[1].len > mech + 4);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_sasl_initial_response(&b, "SCRAM-SHA-256", fr[1].body + mech + 4,
                                                     fr[1].len - mech - 4),
                     PGW_OK);
    assert_buf_equals_frame(&b, 0, &fr[1]);
    size_t off = b.len;
    assert_int_equal(pgw_build_sasl_response(&b, fr[2].body, fr[2].len), PGW_OK);
    assert_buf_equals_frame(&b, off, &fr[2]);
    pgw_buf_free(&b);
    free(in);
}

static void test_build_extended_query_matches_captured_pgbench(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_extended.fe.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 1, fr, MAX_FRAMES);
    assert_int_equal(n, 10);
    static const char sql[] = "SELECT $1::int4 AS x, 'abc'::text AS s;";
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    size_t off = 0;

    assert_int_equal(pgw_build_parse(&b, "P_0", sql, sizeof sql - 1, NULL, 0), PGW_OK);
    assert_buf_equals_frame(&b, off, &fr[3]);
    off = b.len;
    assert_int_equal(pgw_build_sync(&b), PGW_OK);
    assert_buf_equals_frame(&b, off, &fr[4]);
    off = b.len;
    pgw_bytes v = {"42", 2};
    int16_t rf = 0;
    assert_int_equal(pgw_build_bind(&b, "", "P_0", NULL, 0, &v, 1, &rf, 1), PGW_OK);
    assert_buf_equals_frame(&b, off, &fr[5]);
    off = b.len;
    assert_int_equal(pgw_build_describe(&b, 'P', ""), PGW_OK);
    assert_buf_equals_frame(&b, off, &fr[6]);
    off = b.len;
    assert_int_equal(pgw_build_execute(&b, "", 0), PGW_OK);
    assert_buf_equals_frame(&b, off, &fr[7]);
    off = b.len;
    assert_int_equal(pgw_build_sync(&b), PGW_OK);
    assert_buf_equals_frame(&b, off, &fr[8]);
    off = b.len;
    assert_int_equal(pgw_build_terminate(&b), PGW_OK);
    assert_buf_equals_frame(&b, off, &fr[9]);
    pgw_buf_free(&b);
    free(in);
}

static void test_build_query_matches_every_captured_query(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_simple_session.fe.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 1, fr, MAX_FRAMES);
    size_t queries = 0;
    for (size_t i = 0; i < n; i++) {
        if (fr[i].tag != 'Q')
            continue;
        pgw_buf b;
        pgw_buf_init(&b, NULL, 0);
        /* The body is the text and its NUL. */
        assert_int_equal(pgw_build_query(&b, (const char *)fr[i].body, fr[i].len - 1), PGW_OK);
        assert_buf_equals_frame(&b, 0, &fr[i]);
        pgw_buf_free(&b);
        queries++;
    }
    assert_int_equal(queries, 17);
    free(in);
}

static void test_build_copy_in_matches_captured(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_copy_in.fe.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 1, fr, MAX_FRAMES);
    pgw_frame d = vector_frame_with_tag(fr, n, 'd', 0);
    pgw_frame c = vector_frame_with_tag(fr, n, 'c', 0);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_copy_data(&b, d.body, d.len), PGW_OK);
    assert_buf_equals_frame(&b, 0, &d);
    size_t off = b.len;
    assert_int_equal(pgw_build_copy_done(&b), PGW_OK);
    assert_buf_equals_frame(&b, off, &c);
    pgw_buf_free(&b);
    free(in);
}

static void test_build_fixed_messages_exact_bytes(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);

    static const uint8_t ssl[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    assert_int_equal(pgw_build_ssl_request(&b), PGW_OK);
    assert_buf_bytes(&b, ssl, sizeof ssl);
    pgw_buf_reset(&b);

    static const uint8_t gss[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30};
    assert_int_equal(pgw_build_gssenc_request(&b), PGW_OK);
    assert_buf_bytes(&b, gss, sizeof gss);
    pgw_buf_reset(&b);

    static const uint8_t key[] = {0xa5, 0x7e, 0xfe, 0x68};
    static const uint8_t cancel[] = {0, 0, 0, 16, 0x04, 0xd2, 0x16, 0x2e, 0, 0, 0x15, 0x66,
                                     0xa5, 0x7e, 0xfe, 0x68};
    assert_int_equal(pgw_build_cancel_request(&b, 0x1566, key, 4), PGW_OK);
    assert_buf_bytes(&b, cancel, sizeof cancel);
    pgw_buf_reset(&b);

    static const uint8_t flush[] = {'H', 0, 0, 0, 4};
    assert_int_equal(pgw_build_flush(&b), PGW_OK);
    assert_buf_bytes(&b, flush, sizeof flush);
    pgw_buf_reset(&b);

    static const uint8_t pw[] = {'p', 0, 0, 0, 11, 's', 'e', 'c', 'r', 'e', 't', 0};
    assert_int_equal(pgw_build_password(&b, "secret", 6), PGW_OK);
    assert_buf_bytes(&b, pw, sizeof pw);
    pgw_buf_reset(&b);

    static const uint8_t close_s[] = {'C', 0, 0, 0, 8, 'S', 's', '1', 0};
    assert_int_equal(pgw_build_close(&b, 'S', "s1"), PGW_OK);
    assert_buf_bytes(&b, close_s, sizeof close_s);
    pgw_buf_reset(&b);

    static const uint8_t desc_s[] = {'D', 0, 0, 0, 6, 'S', 0};
    assert_int_equal(pgw_build_describe(&b, 'S', NULL), PGW_OK);
    assert_buf_bytes(&b, desc_s, sizeof desc_s);
    pgw_buf_reset(&b);

    static const uint8_t exec[] = {'E', 0, 0, 0, 11, 'c', '1', 0, 0, 0, 0, 100};
    assert_int_equal(pgw_build_execute(&b, "c1", 100), PGW_OK);
    assert_buf_bytes(&b, exec, sizeof exec);
    pgw_buf_reset(&b);

    static const uint8_t fail[] = {'f', 0, 0, 0, 8, 'o', 'o', 'p', 0};
    assert_int_equal(pgw_build_copy_fail(&b, "oop"), PGW_OK);
    assert_buf_bytes(&b, fail, sizeof fail);
    pgw_buf_reset(&b);

    /* No initial response: length -1 and nothing after it. */
    static const uint8_t sasl0[] = {'p', 0, 0, 0, 14, 'P', 'L', 'A', 'I', 'N', 0,
                                    0xff, 0xff, 0xff, 0xff};
    assert_int_equal(pgw_build_sasl_initial_response(&b, "PLAIN", NULL, 0), PGW_OK);
    assert_buf_bytes(&b, sasl0, sizeof sasl0);
    pgw_buf_reset(&b);

    static const uint8_t q0[] = {'Q', 0, 0, 0, 5, 0};
    assert_int_equal(pgw_build_query(&b, "", 0), PGW_OK);
    assert_buf_bytes(&b, q0, sizeof q0);
    pgw_buf_free(&b);
}

static void test_build_parse_with_types_exact_bytes(void **state)
{
    static const uint32_t types[] = {23, 0xFFFFFFFFu};
    static const uint8_t want[] = {'P', 0, 0, 0, 23, 's', 0, 'S', 'E', 'L', 'E', 'C', 'T', 0,
                                   0, 2, 0, 0, 0, 23, 0xff, 0xff, 0xff, 0xff};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_parse(&b, "s", "SELECT", 6, types, 2), PGW_OK);
    assert_buf_bytes(&b, want, sizeof want);
    pgw_buf_free(&b);
}

static void test_build_bind_null_and_binary_exact_bytes(void **state)
{
    int16_t fmts[] = {1, 0};
    pgw_bytes vals[] = {{"\x00\x01", 2}, {NULL, 0}};
    int16_t rfmt[] = {1};
    static const uint8_t want[] = {'B', 0, 0, 0, 30, 'p', 0, 's', 0,
                                   0, 2, 0, 1, 0, 0,                 /* formats */
                                   0, 2, 0, 0, 0, 2, 0, 1,           /* value 0 */
                                   0xff, 0xff, 0xff, 0xff,           /* NULL */
                                   0, 1, 0, 1};                      /* result formats */
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_bind(&b, "p", "s", fmts, 2, vals, 2, rfmt, 1), PGW_OK);
    assert_buf_bytes(&b, want, sizeof want);
    pgw_buf_free(&b);
}

static void test_build_function_call_exact_bytes(void **state)
{
    int16_t fmt = 1;
    pgw_bytes args[] = {{"\x00\x00\x00\x07", 4}, {NULL, 0}};
    static const uint8_t want[] = {'F', 0, 0, 0, 28, 0, 0, 0x03, 0xe8, /* oid 1000 */
                                   0, 1, 0, 1,                         /* formats */
                                   0, 2, 0, 0, 0, 4, 0, 0, 0, 7,       /* arg 0 */
                                   0xff, 0xff, 0xff, 0xff,             /* NULL */
                                   0, 1};                              /* result */
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_function_call(&b, 1000, &fmt, 1, args, 2, 1), PGW_OK);
    assert_buf_bytes(&b, want, sizeof want);
    pgw_buf_free(&b);
}

/* Prefill a buffer so a refused build can be seen not to touch it. */
static void prefill(pgw_buf *b)
{
    pgw_buf_init(b, NULL, 0);
    assert_int_equal(pgw_buf_append(b, "keep", 4), PGW_OK);
}

static void assert_untouched(const pgw_buf *b)
{
    assert_int_equal(b->len, 4);
    assert_memory_equal(b->data, "keep", 4);
    assert_int_equal(b->error, PGW_OK);
}

static void test_build_interior_nul_is_invalid_and_writes_nothing(void **state)
{
    static const char bad[] = "SELECT\0 1";
    const size_t n = sizeof bad - 1;
    pgw_buf b;
    prefill(&b);
    assert_int_equal(pgw_build_query(&b, bad, n), PGW_E_INVALID);
    assert_untouched(&b);
    assert_int_equal(pgw_build_parse(&b, "s", bad, n, NULL, 0), PGW_E_INVALID);
    assert_untouched(&b);
    assert_int_equal(pgw_build_password(&b, "pa\0ss", 5), PGW_E_INVALID);
    assert_untouched(&b);
    /* A NUL as the very last byte given is interior too: the builder adds
     * the terminator itself. */
    assert_int_equal(pgw_build_query(&b, "x", 2), PGW_E_INVALID);
    assert_untouched(&b);
    pgw_buf_free(&b);
}

static void test_build_bad_arguments_are_invalid_and_write_nothing(void **state)
{
    pgw_buf b;
    prefill(&b);
    static const uint8_t key[257] = {0};
    const char *nu[] = {"database"};
    const char *vu[] = {"x"};
    const char *ne[] = {"user", ""};
    const char *ve[] = {"u", "x"};
    const char *nn[] = {"user"};
    const char *vn[] = {NULL};
    int16_t f2[] = {0, 2};
    int16_t f01[] = {0, 1};
    pgw_bytes v3[3] = {{"a", 1}, {"b", 1}, {"c", 1}};

    assert_int_equal(pgw_build_startup(&b, nu, vu, 1), PGW_E_INVALID); /* no user */
    assert_int_equal(pgw_build_startup(&b, ne, ve, 2), PGW_E_INVALID); /* empty name */
    assert_int_equal(pgw_build_startup(&b, nn, vn, 1), PGW_E_INVALID); /* NULL value */
    assert_int_equal(pgw_build_startup(&b, NULL, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_cancel_request(&b, 1, key, 3), PGW_E_INVALID);
    assert_int_equal(pgw_build_cancel_request(&b, 1, key, 257), PGW_E_INVALID);
    assert_int_equal(pgw_build_cancel_request(&b, 1, NULL, 4), PGW_E_INVALID);
    assert_int_equal(pgw_build_describe(&b, 'X', "s"), PGW_E_INVALID);
    assert_int_equal(pgw_build_close(&b, 's', "s"), PGW_E_INVALID);
    assert_int_equal(pgw_build_query(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_copy_data(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_copy_fail(&b, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_build_sasl_initial_response(&b, "", NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_sasl_initial_response(&b, NULL, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_sasl_initial_response(&b, "X", NULL, 3), PGW_E_INVALID);
    assert_int_equal(pgw_build_sasl_response(&b, NULL, 3), PGW_E_INVALID);
    /* Two format codes for three parameters. */
    assert_int_equal(pgw_build_bind(&b, "", "", f01, 2, v3, 3, NULL, 0), PGW_E_INVALID);
    /* Format code 2 does not exist, for parameters or results. */
    assert_int_equal(pgw_build_bind(&b, "", "", f2, 2, v3, 2, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, v3, 1, f2, 2), PGW_E_INVALID);
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, NULL, 1, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 1, v3, 1, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_function_call(&b, 1, NULL, 0, v3, 1, 2), PGW_E_INVALID);
    assert_int_equal(pgw_build_function_call(&b, 1, f01, 2, v3, 3, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_parse(&b, "", "x", 1, NULL, 2), PGW_E_INVALID);
    assert_untouched(&b);
    pgw_buf_free(&b);
}

static void test_build_count_65535_ok_65536_invalid(void **state)
{
    const size_t max = 65535;
    uint32_t *types = calloc(max + 1, sizeof *types);
    pgw_bytes *vals = calloc(max + 1, sizeof *vals);
    int16_t *fmts = calloc(max + 1, sizeof *fmts);
    assert_non_null(types);
    assert_non_null(vals);
    assert_non_null(fmts);
    for (size_t i = 0; i <= max; i++)
        vals[i].data = NULL; /* all NULL: 4 bytes each */

    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_parse(&b, "", "x", 1, types, max), PGW_OK);
    /* The count is unsigned 16-bit on the wire: 0xFFFF. */
    assert_int_equal(b.data[8], 0xff);
    assert_int_equal(b.data[9], 0xff);
    assert_int_equal(b.len, 1 + 4 + 1 + 2 + 2 + 4 * max);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_parse(&b, "", "x", 1, types, max + 1), PGW_E_INVALID);
    assert_int_equal(b.len, 0);

    assert_int_equal(pgw_build_bind(&b, "", "", fmts, max, vals, max, fmts, max), PGW_OK);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, vals, max + 1, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_bind(&b, "", "", fmts, max + 1, vals, max + 1, NULL, 0),
                     PGW_E_INVALID);
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, NULL, 0, fmts, max + 1), PGW_E_INVALID);
    assert_int_equal(b.len, 0);

    assert_int_equal(pgw_build_function_call(&b, 1, fmts, max, vals, max, 0), PGW_OK);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_function_call(&b, 1, NULL, 0, vals, max + 1, 0), PGW_E_INVALID);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.error, PGW_OK);

    pgw_buf_free(&b);
    free(types);
    free(vals);
    free(fmts);
}

/* The size checks below run before any value byte is read, so a one-byte
 * object may stand in for a 2 GiB value: a builder that copied first would
 * read out of bounds, which ASan reports. That is the point of the test
 * (CVE-2024-27304: lengths that wrap the int32 length word). */
static const uint8_t one_byte[1] = {'x'};

static void test_build_bind_value_past_int32_is_too_large_and_writes_nothing(void **state)
{
    pgw_buf b;
    prefill(&b);
    /* One value of INT32_MAX-3 bytes: fits int32 alone, not the message. */
    pgw_bytes v = {one_byte, (size_t)INT32_MAX - 3};
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, &v, 1, NULL, 0), PGW_E_TOO_LARGE);
    assert_untouched(&b);
    /* Exactly INT32_MAX bytes, and one more. */
    v.len = (size_t)INT32_MAX;
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, &v, 1, NULL, 0), PGW_E_TOO_LARGE);
    v.len = (size_t)INT32_MAX + 1;
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, &v, 1, NULL, 0), PGW_E_TOO_LARGE);
    v.len = SIZE_MAX;
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, &v, 1, NULL, 0), PGW_E_TOO_LARGE);
    assert_untouched(&b);
    pgw_buf_free(&b);
}

static void test_build_bind_values_summing_past_2_32_is_too_large(void **state)
{
    pgw_buf b;
    prefill(&b);
    /* Two lengths whose sum is exactly 2^32: 0 in 32-bit arithmetic. */
    pgw_bytes two[2] = {{one_byte, 0x80000000u}, {one_byte, 0x80000000u}};
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, two, 2, NULL, 0), PGW_E_TOO_LARGE);
    /* Three lengths, each a valid int32, summing to 0x120000000. */
    pgw_bytes three[3] = {{one_byte, 0x60000000u}, {one_byte, 0x60000000u},
                          {one_byte, 0x60000000u}};
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, three, 3, NULL, 0), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_function_call(&b, 1, NULL, 0, three, 3, 0), PGW_E_TOO_LARGE);
    /* Lengths that wrap size_t itself. */
    pgw_bytes wrap[2] = {{one_byte, SIZE_MAX - 2}, {one_byte, 8}};
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, wrap, 2, NULL, 0), PGW_E_TOO_LARGE);
    assert_untouched(&b);
    pgw_buf_free(&b);
}

static void test_build_length_word_boundary_copy_data(void **state)
{
    pgw_buf b;
    prefill(&b);
    /* Length word = 4 + len; INT32_MAX-3 makes it INT32_MAX+1. Refused by
     * the builder itself: the buffer is not marked failed. */
    assert_int_equal(pgw_build_copy_data(&b, one_byte, (size_t)INT32_MAX - 3), PGW_E_TOO_LARGE);
    assert_untouched(&b);
    assert_int_equal(pgw_build_sasl_response(&b, one_byte, (size_t)INT32_MAX - 3),
                     PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_query(&b, (const char *)one_byte, (size_t)INT32_MAX - 4),
                     PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_query(&b, (const char *)one_byte, SIZE_MAX), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_parse(&b, "", (const char *)one_byte, SIZE_MAX, NULL, 0),
                     PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_password(&b, (const char *)one_byte, (size_t)INT32_MAX),
                     PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_sasl_initial_response(&b, "M", one_byte, (size_t)INT32_MAX + 1),
                     PGW_E_TOO_LARGE);
    assert_untouched(&b);
    pgw_buf_free(&b);

    /* INT32_MAX-4 fits the length word; a buffer capped at 1 KiB refuses to
     * grow (before any byte is copied), so the failure comes from the buffer
     * and is sticky. */
    pgw_buf_init(&b, NULL, 1024);
    assert_int_equal(pgw_buf_append(&b, "keep", 4), PGW_OK);
    assert_int_equal(pgw_build_copy_data(&b, one_byte, (size_t)INT32_MAX - 4), PGW_E_TOO_LARGE);
    assert_int_equal(b.len, 4);
    assert_int_equal(b.error, PGW_E_TOO_LARGE);
    pgw_buf_free(&b);
}

static void test_build_startup_over_server_cap_is_too_large(void **state)
{
    char *big = malloc(10001);
    assert_non_null(big);
    /* Body = 4 (version) + "user\0" (5) + value + NUL + final NUL. */
    size_t fit = 10000 - 4 - 5 - 1 - 1;
    memset(big, 'u', fit);
    big[fit] = '\0';
    const char *names[] = {"user"};
    const char *values[] = {big};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_startup(&b, names, values, 1), PGW_OK);
    assert_int_equal(b.len, 10004);
    pgw_buf_reset(&b);
    big[fit] = 'u';
    big[fit + 1] = '\0';
    assert_int_equal(pgw_build_startup(&b, names, values, 1), PGW_E_TOO_LARGE);
    assert_int_equal(b.len, 0);
    pgw_buf_free(&b);
    free(big);
}

static void test_build_on_failed_buffer_returns_sticky_error(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 8);
    assert_int_equal(pgw_buf_append(&b, "123456789", 9), PGW_E_TOO_LARGE);
    size_t len = b.len;
    assert_int_equal(pgw_build_sync(&b), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_query(&b, "x", 1), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_ssl_request(&b), PGW_E_TOO_LARGE);
    assert_int_equal(b.len, len);
    pgw_buf_free(&b);
}

static void test_build_appends_after_existing_content(void **state)
{
    pgw_buf b;
    prefill(&b);
    assert_int_equal(pgw_build_sync(&b), PGW_OK);
    assert_int_equal(pgw_build_ssl_request(&b), PGW_OK);
    static const uint8_t want[] = {'k', 'e', 'e', 'p', 'S', 0, 0, 0, 4,
                                   0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    assert_buf_bytes(&b, want, sizeof want);
    pgw_buf_free(&b);
}

/* ---- out of memory ---------------------------------------------------- */

static const char *const su_names[] = {"user", "database"};
static const char *const su_values[] = {"alice", "db"};
static const uint32_t ptypes[] = {23, 25};
static const int16_t bfmts[] = {1};
static const pgw_bytes bvals[] = {{"abc", 3}, {NULL, 0}};
static const uint8_t ckey[] = {1, 2, 3, 4};

typedef pgw_status (*builder_fn)(pgw_buf *);

static pgw_status b_startup(pgw_buf *b)
{
    return pgw_build_startup(b, su_names, su_values, 2);
}
static pgw_status b_ssl(pgw_buf *b)
{
    return pgw_build_ssl_request(b);
}
static pgw_status b_gss(pgw_buf *b)
{
    return pgw_build_gssenc_request(b);
}
static pgw_status b_cancel(pgw_buf *b)
{
    return pgw_build_cancel_request(b, 7, ckey, sizeof ckey);
}
static pgw_status b_password(pgw_buf *b)
{
    return pgw_build_password(b, "hunter2", 7);
}
static pgw_status b_sasl_init(pgw_buf *b)
{
    return pgw_build_sasl_initial_response(b, "SCRAM-SHA-256", (const uint8_t *)"n,,n=,r=x", 9);
}
static pgw_status b_sasl(pgw_buf *b)
{
    return pgw_build_sasl_response(b, (const uint8_t *)"c=biws", 6);
}
static pgw_status b_query(pgw_buf *b)
{
    return pgw_build_query(b, "SELECT 1", 8);
}
static pgw_status b_parse(pgw_buf *b)
{
    return pgw_build_parse(b, "s1", "SELECT $1, $2", 13, ptypes, 2);
}
static pgw_status b_bind(pgw_buf *b)
{
    return pgw_build_bind(b, "p", "s1", bfmts, 1, bvals, 2, bfmts, 1);
}
static pgw_status b_describe(pgw_buf *b)
{
    return pgw_build_describe(b, 'S', "s1");
}
static pgw_status b_execute(pgw_buf *b)
{
    return pgw_build_execute(b, "p", 10);
}
static pgw_status b_close(pgw_buf *b)
{
    return pgw_build_close(b, 'P', "p");
}
static pgw_status b_sync(pgw_buf *b)
{
    return pgw_build_sync(b);
}
static pgw_status b_flush(pgw_buf *b)
{
    return pgw_build_flush(b);
}
static pgw_status b_terminate(pgw_buf *b)
{
    return pgw_build_terminate(b);
}
static pgw_status b_copy_data(pgw_buf *b)
{
    return pgw_build_copy_data(b, "1\tx\n", 4);
}
static pgw_status b_copy_done(pgw_buf *b)
{
    return pgw_build_copy_done(b);
}
static pgw_status b_copy_fail(pgw_buf *b)
{
    return pgw_build_copy_fail(b, "cancelled");
}
static pgw_status b_function_call(pgw_buf *b)
{
    return pgw_build_function_call(b, 1000, bfmts, 1, bvals, 2, 1);
}

static const builder_fn all_builders[] = {
    b_startup, b_ssl,     b_gss,     b_cancel,    b_password,  b_sasl_init,  b_sasl,
    b_query,   b_parse,   b_bind,    b_describe,  b_execute,   b_close,      b_sync,
    b_flush,   b_terminate, b_copy_data, b_copy_done, b_copy_fail, b_function_call,
};

/* Run `fn` with allocation budgets 0, 1, ... until it succeeds; every failed
 * run must report PGW_E_NOMEM, leave len as it was and leak nothing. With
 * `prefilled` the buffer already holds 250 bytes of a 256-byte block, so the
 * builder has to grow it. */
static size_t run_until_success(builder_fn fn, bool prefilled)
{
    for (size_t budget = 0;; budget++) {
        assert_true(budget < 16);
        failing_alloc fa;
        failing_alloc_init(&fa, 0);
        pgw_buf b;
        pgw_buf_init(&b, failing_alloc_get(&fa), 0);
        uint8_t fill[250];
        memset(fill, 'z', sizeof fill);
        if (prefilled)
            assert_int_equal(pgw_buf_append(&b, fill, sizeof fill), PGW_OK);
        size_t before = b.len;
        /* Allow `budget` more allocations, then refuse all of them. */
        fa.fail_at = fa.calls + budget + 1;
        fa.fail_after = true;
        pgw_status rc = fn(&b);
        if (rc == PGW_OK) {
            assert_true(b.len > before);
            pgw_buf_free(&b);
            assert_true(failing_alloc_clean(&fa));
            return budget; /* the number of failed runs */
        }
        assert_int_equal(rc, PGW_E_NOMEM);
        assert_true(fa.failures > 0);
        assert_int_equal(b.len, before);
        assert_int_equal(b.error, PGW_E_NOMEM);
        if (prefilled)
            assert_memory_equal(b.data, fill, sizeof fill);
        pgw_buf_free(&b);
        assert_true(failing_alloc_clean(&fa));
    }
}

static void test_build_every_builder_under_failing_allocator_is_nomem_then_ok(void **state)
{
    for (size_t i = 0; i < sizeof all_builders / sizeof all_builders[0]; i++) {
        /* From an empty buffer every builder must allocate, so the first
         * run always fails. */
        assert_true(run_until_success(all_builders[i], false) >= 1);
        run_until_success(all_builders[i], true);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_startup_matches_captured_pgbench),
        cmocka_unit_test(test_build_sasl_messages_match_captured_exchange),
        cmocka_unit_test(test_build_extended_query_matches_captured_pgbench),
        cmocka_unit_test(test_build_query_matches_every_captured_query),
        cmocka_unit_test(test_build_copy_in_matches_captured),
        cmocka_unit_test(test_build_fixed_messages_exact_bytes),
        cmocka_unit_test(test_build_parse_with_types_exact_bytes),
        cmocka_unit_test(test_build_bind_null_and_binary_exact_bytes),
        cmocka_unit_test(test_build_function_call_exact_bytes),
        cmocka_unit_test(test_build_interior_nul_is_invalid_and_writes_nothing),
        cmocka_unit_test(test_build_bad_arguments_are_invalid_and_write_nothing),
        cmocka_unit_test(test_build_count_65535_ok_65536_invalid),
        cmocka_unit_test(test_build_bind_value_past_int32_is_too_large_and_writes_nothing),
        cmocka_unit_test(test_build_bind_values_summing_past_2_32_is_too_large),
        cmocka_unit_test(test_build_length_word_boundary_copy_data),
        cmocka_unit_test(test_build_startup_over_server_cap_is_too_large),
        cmocka_unit_test(test_build_on_failed_buffer_returns_sticky_error),
        cmocka_unit_test(test_build_appends_after_existing_content),
        cmocka_unit_test(test_build_every_builder_under_failing_allocator_is_nomem_then_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
