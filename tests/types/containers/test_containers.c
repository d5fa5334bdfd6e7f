/* Unit tests of the containers family: arrays, records, ranges,
 * multiranges, hstore (decoders, builders) and their rendering. Binary
 * vectors were captured from PostgreSQL 15 with
 * SELECT encode(array_send(v), 'hex') and friends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/containers.h"
#include "pgwire/render.h"
#include "pgwire/types.h"

/* ---- helpers ------------------------------------------------------------ */

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n;
}

static void assert_buf_str(const pgw_buf *b, const char *want)
{
    size_t n = strlen(want);
    if (b->len != n || (n && memcmp(b->data, want, n) != 0)) {
        fprintf(stderr, "# got  [%.*s]\n# want [%s]\n", (int)b->len, (const char *)b->data, want);
        fail();
    }
}

static void assert_buf_hex(const pgw_buf *b, const char *hex)
{
    uint8_t want[512];
    size_t n = unhex(hex, want, sizeof want);
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

static void assert_span(const pgw_text_elem *e, const char *want, bool needs_unescape)
{
    assert_false(e->is_null);
    assert_int_equal(e->needs_unescape, needs_unescape);
    assert_int_equal(e->len, strlen(want));
    assert_memory_equal(e->p, want, e->len);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A type registry for render tests. */
#define HSTORE_OID 90001u
#define HSTORE_ARRAY_OID 90002u
#define VECRANGE_OID 90003u
#define COMPOSITE_OID 90004u
#define DOMAIN_OID 90005u
#define ENUM_OID 90006u

static const uint32_t composite_attrs[] = {PGW_OID_INT2VECTOR, HSTORE_OID};
static const pgw_type_info test_types[] = {
    {HSTORE_OID, 'b', 'U', ',', 0, 0, 0, "hstore", 0, NULL, NULL},
    {HSTORE_ARRAY_OID, 'b', 'A', ',', HSTORE_OID, 0, 0, "_hstore", 0, NULL, NULL},
    {VECRANGE_OID, 'r', 'R', ',', 0, 0, PGW_OID_OIDVECTOR, "vecrange", 0, NULL, NULL},
    {COMPOSITE_OID, 'c', 'C', ',', 0, 0, 0, "pair", 2, composite_attrs, NULL},
    {DOMAIN_OID, 'd', 'U', ',', 0, PGW_OID_INT2VECTOR, 0, "vecdomain", 0, NULL, NULL},
    {ENUM_OID, 'e', 'E', ',', 0, 0, 0, "mood", 0, NULL, NULL},
};

static const pgw_type_info *test_lookup(void *ud, uint32_t oid)
{
    (void)ud;
    for (size_t i = 0; i < sizeof test_types / sizeof test_types[0]; i++)
        if (test_types[i].oid == oid)
            return &test_types[i];
    return NULL;
}

static void ctx_init(pgw_render_ctx *ctx)
{
    pgw_render_ctx_init(ctx);
    ctx->lookup = test_lookup;
}

/* '[0:1]={1,2}'::int4[] */
static const char ARR_LB0[] =
    "000000010000000000000017000000020000000000000004000000010000000400000002";
/* '[2:3][-1:0]={{1,2},{3,4}}'::int[] */
static const char ARR_2D[] = "000000020000000000000017000000020000000200000002ffffffff00000004"
                             "0000000100000004000000020000000400000003000000040000000400";

/* ---- arrays: binary -------------------------------------------------------- */

static void test_array_bin_lower_bound_zero_decodes(void **s)
{
    uint8_t b[256];
    size_t n = unhex(ARR_LB0, b, sizeof b);
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    assert_int_equal(pgw_array_bin_begin(b, n, &h, &it), PGW_OK);
    assert_int_equal(h.ndim, 1);
    assert_int_equal(h.dims[0], 2);
    assert_int_equal(h.lbounds[0], 0);
    assert_int_equal(h.elem_oid, PGW_OID_INT4);
    assert_int_equal(h.nitems, 2);
    assert_false(h.has_null);
    pgw_elem e;
    for (uint32_t want = 1; want <= 2; want++) {
        assert_int_equal(pgw_array_bin_next(&it, &e), PGW_OK);
        assert_false(e.is_null);
        assert_int_equal(e.len, 4);
        assert_int_equal(e.oid, PGW_OID_INT4);
        assert_int_equal(be32(e.p), want);
    }
    assert_int_equal(pgw_array_bin_next(&it, &e), PGW_END);
    assert_int_equal(pgw_array_bin_next(&it, &e), PGW_END);
}

static void test_array_bin_two_dims_negative_lbound_decodes(void **s)
{
    /* The vector above has one byte too many on purpose: check it is
     * refused, then decode without it. */
    uint8_t b[256];
    size_t n = unhex(ARR_2D, b, sizeof b);
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    assert_int_equal(pgw_array_bin_begin(b, n, &h, &it), PGW_E_INVALID);
    assert_int_equal(pgw_array_bin_begin(b, n - 1, &h, &it), PGW_OK);
    assert_int_equal(h.ndim, 2);
    assert_int_equal(h.dims[0], 2);
    assert_int_equal(h.lbounds[0], 2);
    assert_int_equal(h.dims[1], 2);
    assert_int_equal(h.lbounds[1], -1);
    assert_int_equal(h.nitems, 4);
    pgw_elem e;
    for (uint32_t want = 1; want <= 4; want++) {
        assert_int_equal(pgw_array_bin_next(&it, &e), PGW_OK);
        assert_int_equal(be32(e.p), want);
    }
    assert_int_equal(pgw_array_bin_next(&it, &e), PGW_END);
}

static void test_array_bin_empty_and_nulls_decode(void **s)
{
    uint8_t b[256];
    size_t n = unhex("000000000000000000000017", b, sizeof b);
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    pgw_elem e;
    assert_int_equal(pgw_array_bin_begin(b, n, &h, &it), PGW_OK);
    assert_int_equal(h.ndim, 0);
    assert_int_equal(h.nitems, 0);
    assert_int_equal(pgw_array_bin_next(&it, &e), PGW_END);
    /* '{NULL,NULL}'::text[] */
    n = unhex("0000000100000001000000190000000200000001ffffffffffffffff", b, sizeof b);
    assert_int_equal(pgw_array_bin_begin(b, n, &h, &it), PGW_OK);
    assert_true(h.has_null);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pgw_array_bin_next(&it, &e), PGW_OK);
        assert_true(e.is_null);
        assert_null(e.p);
        assert_int_equal(e.len, 0);
    }
    assert_int_equal(pgw_array_bin_next(&it, &e), PGW_END);
}

/* fuzz_array: a NULL element with the has-nulls flag clear is accepted, as
 * array_recv accepts it (the flag is not a promise); the builder sets the
 * flag exactly when it writes a NULL. */
static void test_array_bin_null_without_flag_is_accepted(void **s)
{
    uint8_t b[64];
    size_t n = unhex("0000000100000000000000170000000100000001ffffffff", b, sizeof b);
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    pgw_elem e;
    assert_int_equal(pgw_array_bin_begin(b, n, &h, &it), PGW_OK);
    assert_false(h.has_null);
    assert_int_equal(pgw_array_bin_next(&it, &e), PGW_OK);
    assert_true(e.is_null);
}

/* fuzz_hstore: empty input given as a NULL pointer is the empty value, with
 * no arithmetic on the null pointer (UBSan). */
static void test_containers_null_pointer_empty_input(void **s)
{
    size_t np = 9;
    pgw_hstore_text_iter hi;
    assert_int_equal(pgw_hstore_text_begin(NULL, 0, &np, &hi), PGW_OK);
    assert_int_equal(np, 0);
    pgw_array_hdr h;
    pgw_array_text_iter ai;
    assert_int_equal(pgw_array_text_begin(NULL, 0, ',', &h, &ai), PGW_E_INVALID);
    pgw_array_bin_iter bi;
    assert_int_equal(pgw_array_bin_begin(NULL, 0, &h, &bi), PGW_E_INVALID);
    pgw_range_text rt;
    assert_int_equal(pgw_decode_range_text(NULL, 0, &rt), PGW_E_INVALID);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(pgw_array_text_unescape(&out, NULL, 0), PGW_OK);
    assert_int_equal(pgw_record_text_quote(&out, NULL, 0), PGW_OK);
    assert_buf_str(&out, "\"\"");
    pgw_buf_free(&out);
}

static void test_array_bin_every_truncation_is_invalid(void **s)
{
    uint8_t b[256];
    size_t n = unhex(ARR_LB0, b, sizeof b);
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    memset(&h, 0x5a, sizeof h);
    pgw_array_hdr before = h;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pgw_array_bin_begin(b, i, &h, &it), PGW_E_INVALID);
        assert_memory_equal(&h, &before, sizeof h); /* untouched on failure */
    }
    b[n] = 0;
    assert_int_equal(pgw_array_bin_begin(b, n + 1, &h, &it), PGW_E_INVALID);
    assert_int_equal(pgw_array_bin_begin(NULL, 4, &h, &it), PGW_E_INVALID);
}

static void check_hostile_array(const char *hex)
{
    uint8_t b[256];
    size_t n = unhex(hex, b, sizeof b);
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    if (pgw_array_bin_begin(b, n, &h, &it) != PGW_E_INVALID) {
        fprintf(stderr, "# accepted %s\n", hex);
        fail();
    }
}

static void test_array_bin_hostile_headers_are_invalid(void **s)
{
    /* ndim 7 */
    check_hostile_array("000000070000000000000017");
    /* ndim -1 */
    check_hostile_array("ffffffff0000000000000017");
    /* flags 2 */
    check_hostile_array("000000000000000200000017");
    /* negative dimension */
    check_hostile_array("000000010000000000000017ffffffff00000001");
    /* upper bound past INT32_MAX: lbound 0x7fffffff, 2 elements */
    check_hostile_array("00000001000000000000001700000002"
                        "7fffffff000000040000000100000004"
                        "00000002");
    /* product overflow: 6 dims of 0x7fffffff */
    check_hostile_array("000000060000000000000017"
                        "7fffffff000000017fffffff000000017fffffff00000001"
                        "7fffffff000000017fffffff000000017fffffff00000001");
    /* 2^28 items claimed (> MaxArraySize) */
    check_hostile_array("00000002000000000000001700004000000000010000400000000001");
    /* one million items claimed, no data */
    check_hostile_array("000000010000000000000017000f424000000001");
    /* element length -2 */
    check_hostile_array("00000001000000000000001700000001"
                        "00000001fffffffe");
    /* element length past the end */
    check_hostile_array("00000001000000000000001700000001"
                        "0000000100000005000000");
    /* element length 0x7fffffff */
    check_hostile_array("00000001000000000000001700000001"
                        "000000017fffffff00");
}

static void test_array_bin_builder_reproduces_server_bytes(void **s)
{
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_array_builder b;
    int32_t dims[] = {2}, lbs[] = {0};
    uint8_t one[] = {0, 0, 0, 1}, two[] = {0, 0, 0, 2};
    assert_int_equal(pgw_array_bin_build_begin(&b, &out, PGW_OID_INT4, 1, dims, lbs), PGW_OK);
    assert_int_equal(pgw_array_bin_build_add(&b, one, 4), PGW_OK);
    /* open/close lets any encoder write the element in place */
    assert_int_equal(pgw_array_bin_build_open(&b), PGW_OK);
    assert_int_equal(pgw_buf_append(&out, two, 4), PGW_OK);
    assert_int_equal(pgw_array_bin_build_close(&b), PGW_OK);
    assert_int_equal(pgw_array_bin_build_finish(&b), PGW_OK);
    assert_buf_hex(&out, ARR_LB0);

    /* '{1,NULL}'::int4[]: the has-nulls flag is set by the NULL */
    pgw_buf_reset(&out);
    dims[0] = 2;
    assert_int_equal(pgw_array_bin_build_begin(&b, &out, PGW_OID_INT4, 1, dims, NULL), PGW_OK);
    assert_int_equal(pgw_array_bin_build_add(&b, one, 4), PGW_OK);
    assert_int_equal(pgw_array_bin_build_null(&b), PGW_OK);
    assert_int_equal(pgw_array_bin_build_finish(&b), PGW_OK);
    assert_buf_hex(&out, "000000010000000100000017000000020000000100000004"
                         "00000001ffffffff");

    /* zero-length dimension: written as the server writes '{}' */
    pgw_buf_reset(&out);
    dims[0] = 0;
    assert_int_equal(pgw_array_bin_build_begin(&b, &out, PGW_OID_INT4, 1, dims, NULL), PGW_OK);
    assert_int_equal(pgw_array_bin_build_finish(&b), PGW_OK);
    assert_buf_hex(&out, "000000000000000000000017");
    pgw_buf_free(&out);
}

static void test_array_builder_wrong_count_restores_buffer(void **s)
{
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_buf_append(&out, "xy", 2);
    pgw_array_builder b;
    int32_t dims[] = {2};
    assert_int_equal(pgw_array_bin_build_begin(&b, &out, PGW_OID_TEXT, 1, dims, NULL), PGW_OK);
    assert_int_equal(pgw_array_bin_build_add(&b, "a", 1), PGW_OK);
    assert_int_equal(pgw_array_bin_build_finish(&b), PGW_E_INVALID);
    assert_int_equal(out.len, 2);
    /* too many elements: sticky failure */
    assert_int_equal(pgw_array_text_build_begin(&b, &out, ',', 1, dims, NULL), PGW_OK);
    assert_int_equal(pgw_array_text_build_add(&b, "a", 1), PGW_OK);
    assert_int_equal(pgw_array_text_build_add(&b, "b", 1), PGW_OK);
    assert_int_equal(pgw_array_text_build_add(&b, "c", 1), PGW_E_INVALID);
    assert_int_equal(out.len, 2);
    assert_int_equal(pgw_array_text_build_finish(&b), PGW_E_INVALID);
    assert_int_equal(out.len, 2);
    /* bad shapes */
    int32_t seven[7] = {1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(pgw_array_bin_build_begin(&b, &out, PGW_OID_TEXT, 7, seven, NULL),
                     PGW_E_INVALID);
    int32_t neg[] = {-1};
    assert_int_equal(pgw_array_bin_build_begin(&b, &out, PGW_OID_TEXT, 1, neg, NULL),
                     PGW_E_INVALID);
    int32_t big[] = {2}, lb[] = {INT32_MAX};
    assert_int_equal(pgw_array_bin_build_begin(&b, &out, PGW_OID_TEXT, 1, big, lb), PGW_E_INVALID);
    assert_int_equal(pgw_array_text_build_begin(&b, &out, '"', 1, big, NULL), PGW_E_INVALID);
    assert_int_equal(out.len, 2);
    /* close without open */
    assert_int_equal(pgw_array_bin_build_begin(&b, &out, PGW_OID_TEXT, 1, big, NULL), PGW_OK);
    assert_int_equal(pgw_array_bin_build_close(&b), PGW_E_INVALID);
    assert_int_equal(out.len, 2);
    pgw_buf_free(&out);
}

/* ---- arrays: text --------------------------------------------------------- */

static void test_array_text_simple_and_null(void **s)
{
    const char *t = "{1,2,NULL}";
    pgw_array_hdr h;
    pgw_array_text_iter it;
    pgw_text_elem e;
    assert_int_equal(pgw_array_text_begin(t, strlen(t), ',', &h, &it), PGW_OK);
    assert_int_equal(h.ndim, 1);
    assert_int_equal(h.dims[0], 3);
    assert_int_equal(h.lbounds[0], 1);
    assert_int_equal(h.nitems, 3);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "1", false);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "2", false);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_true(e.is_null);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_END);
}

static void test_array_text_quoting_and_unescape(void **s)
{
    /* array_out's output for {avb,"ab","","null","a,b","x{","q\"","b\\s"}
     * plus white space array_in ignores. */
    const char *t = " { a b , \"\" ,\"null\", nUlL ,\"q\\\"\",\"b\\\\s\" , x\\,y  } ";
    pgw_array_hdr h;
    pgw_array_text_iter it;
    pgw_text_elem e;
    assert_int_equal(pgw_array_text_begin(t, strlen(t), ',', &h, &it), PGW_OK);
    assert_int_equal(h.nitems, 7);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "a b", false);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "", false);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "null", false);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_true(e.is_null);
    pgw_buf u;
    pgw_buf_init(&u, NULL, 0);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "q\\\"", true);
    assert_int_equal(pgw_array_text_unescape(&u, e.p, e.len), PGW_OK);
    assert_buf_str(&u, "q\"");
    pgw_buf_reset(&u);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "b\\\\s", true);
    assert_int_equal(pgw_array_text_unescape(&u, e.p, e.len), PGW_OK);
    assert_buf_str(&u, "b\\s");
    /* x\,y is one element, its trailing white space dropped */
    pgw_buf_reset(&u);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "x\\,y", true);
    assert_int_equal(pgw_array_text_unescape(&u, e.p, e.len), PGW_OK);
    assert_buf_str(&u, "x,y");
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_END);
    pgw_buf_reset(&u);
    assert_int_equal(pgw_array_text_unescape(&u, "ab\\", 3), PGW_E_INVALID);
    assert_int_equal(u.len, 0);
    pgw_buf_free(&u);
}

static void test_array_text_dims_and_decoration(void **s)
{
    const char *t = "[2:3][-1:0]={{1,2},{3,4}}";
    pgw_array_hdr h;
    pgw_array_text_iter it;
    pgw_text_elem e;
    assert_int_equal(pgw_array_text_begin(t, strlen(t), ',', &h, &it), PGW_OK);
    assert_int_equal(h.ndim, 2);
    assert_int_equal(h.dims[0], 2);
    assert_int_equal(h.lbounds[0], 2);
    assert_int_equal(h.dims[1], 2);
    assert_int_equal(h.lbounds[1], -1);
    char want[2] = "1";
    for (int i = 0; i < 4; i++, want[0]++) {
        assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
        assert_span(&e, want, false);
    }
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_END);
    t = "{}";
    assert_int_equal(pgw_array_text_begin(t, 2, ',', &h, &it), PGW_OK);
    assert_int_equal(h.ndim, 0);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_END);
    /* box arrays use ';' */
    t = "{(1,1),(0,0);(2,2),(1,1)}";
    assert_int_equal(pgw_array_text_begin(t, strlen(t), ';', &h, &it), PGW_OK);
    assert_int_equal(h.nitems, 2);
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_span(&e, "(1,1),(0,0)", false);
}

static void test_array_text_malformed_is_invalid(void **s)
{
    static const char *const bad[] = {
        "",
        "{",
        "}",
        "{1,}",
        "{,1}",
        "{1,,2}",
        "{{1},2}",
        "{1,{2}}",
        "{{1,2},{3}}",
        "{{{{{{{1}}}}}}}",
        "{1}x",
        "{\"a}",
        "{a\"b\"}",
        "{\"b\" c}",
        "{a\\}",
        "[0:2]={1,2}",
        "[1:2]={}",
        "{}}",
        "{{}}",
        "{{1},{}}",
        "[2:1]={1}",
        "[1:1]{1}",
        "1",
        "{a{b}",
        "{{1,2}{3,4}}",
        "[1:1][1:1][1:1][1:1][1:1][1:1][1:1]={{{{{{{1}}}}}}}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pgw_array_hdr h;
        pgw_array_text_iter it;
        if (pgw_array_text_begin(bad[i], strlen(bad[i]), ',', &h, &it) != PGW_E_INVALID) {
            fprintf(stderr, "# accepted [%s]\n", bad[i]);
            fail();
        }
    }
    pgw_array_hdr h;
    pgw_array_text_iter it;
    assert_int_equal(pgw_array_text_begin("{1}", 3, '\\', &h, &it), PGW_E_INVALID);
    assert_int_equal(pgw_array_text_begin("{1}", 3, ' ', &h, &it), PGW_E_INVALID);
}

static void test_array_text_builder_quotes_like_array_out(void **s)
{
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_array_builder b;
    static const char *const el[] = {"",
                                     "NULL",
                                     "null",
                                     "a b",
                                     "a,b",
                                     "x{",
                                     "q\"",
                                     "b\\s",
                                     "a\vb",
                                     "plain",
                                     "\xc3\xa9t\xc3\xa9"};
    int32_t dims[] = {12};
    assert_int_equal(pgw_array_text_build_begin(&b, &out, ',', 1, dims, NULL), PGW_OK);
    for (size_t i = 0; i < 11; i++)
        assert_int_equal(pgw_array_text_build_add(&b, el[i], strlen(el[i])), PGW_OK);
    assert_int_equal(pgw_array_text_build_null(&b), PGW_OK);
    assert_int_equal(pgw_array_text_build_finish(&b), PGW_OK);
    assert_buf_str(&out, "{\"\",\"NULL\",\"null\",\"a b\",\"a,b\",\"x{\",\"q\\\"\",\"b\\\\s\","
                         "\"a\vb\",plain,\xc3\xa9t\xc3\xa9,NULL}");
    /* and back */
    pgw_array_hdr h;
    pgw_array_text_iter it;
    pgw_text_elem e;
    assert_int_equal(pgw_array_text_begin((const char *)out.data, out.len, ',', &h, &it), PGW_OK);
    pgw_buf u;
    pgw_buf_init(&u, NULL, 0);
    for (size_t i = 0; i < 11; i++) {
        assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
        assert_false(e.is_null);
        pgw_buf_reset(&u);
        if (e.needs_unescape)
            assert_int_equal(pgw_array_text_unescape(&u, e.p, e.len), PGW_OK);
        else
            pgw_buf_append(&u, e.p, e.len);
        assert_buf_str(&u, el[i]);
    }
    assert_int_equal(pgw_array_text_next(&it, &e), PGW_OK);
    assert_true(e.is_null);
    pgw_buf_free(&u);

    /* 2-D with lower bounds other than 1 */
    pgw_buf_reset(&out);
    int32_t d2[] = {2, 2}, lb2[] = {0, 1};
    assert_int_equal(pgw_array_text_build_begin(&b, &out, ',', 2, d2, lb2), PGW_OK);
    assert_int_equal(pgw_array_text_build_add(&b, "a", 1), PGW_OK);
    assert_int_equal(pgw_array_text_build_add(&b, "b", 1), PGW_OK);
    assert_int_equal(pgw_array_text_build_add(&b, "c", 1), PGW_OK);
    assert_int_equal(pgw_array_text_build_null(&b), PGW_OK);
    assert_int_equal(pgw_array_text_build_finish(&b), PGW_OK);
    assert_buf_str(&out, "[0:1][1:2]={{a,b},{c,NULL}}");
    /* empty */
    pgw_buf_reset(&out);
    assert_int_equal(pgw_array_text_build_begin(&b, &out, ',', 0, NULL, NULL), PGW_OK);
    assert_int_equal(pgw_array_text_build_finish(&b), PGW_OK);
    assert_buf_str(&out, "{}");
    pgw_buf_free(&out);
}

static void test_array_six_dims_round_trip(void **s)
{
    int32_t dims[6] = {2, 1, 2, 1, 2, 2}, lbs[6] = {1, 1, 1, 1, 1, -3};
    pgw_buf bin, txt;
    pgw_buf_init(&bin, NULL, 0);
    pgw_buf_init(&txt, NULL, 0);
    pgw_array_builder bb, tb;
    assert_int_equal(pgw_array_bin_build_begin(&bb, &bin, PGW_OID_TEXT, 6, dims, lbs), PGW_OK);
    assert_int_equal(pgw_array_text_build_begin(&tb, &txt, ',', 6, dims, lbs), PGW_OK);
    for (int i = 0; i < 16; i++) {
        char v[8];
        int n = snprintf(v, sizeof v, "%d", i);
        if (i == 5) {
            assert_int_equal(pgw_array_bin_build_null(&bb), PGW_OK);
            assert_int_equal(pgw_array_text_build_null(&tb), PGW_OK);
        } else {
            assert_int_equal(pgw_array_bin_build_add(&bb, v, (size_t)n), PGW_OK);
            assert_int_equal(pgw_array_text_build_add(&tb, v, (size_t)n), PGW_OK);
        }
    }
    assert_int_equal(pgw_array_bin_build_finish(&bb), PGW_OK);
    assert_int_equal(pgw_array_text_build_finish(&tb), PGW_OK);
    assert_buf_str(&txt, "[1:2][1:1][1:2][1:1][1:2][-3:-2]={{{{{{0,1},{2,3}}},{{{4,NULL},{6,7}}}}},"
                         "{{{{{8,9},{10,11}}},{{{12,13},{14,15}}}}}}");
    pgw_array_hdr hb, ht;
    pgw_array_bin_iter ib;
    pgw_array_text_iter itx;
    assert_int_equal(pgw_array_bin_begin(bin.data, bin.len, &hb, &ib), PGW_OK);
    assert_int_equal(pgw_array_text_begin((const char *)txt.data, txt.len, ',', &ht, &itx), PGW_OK);
    assert_int_equal(hb.ndim, 6);
    assert_int_equal(ht.ndim, 6);
    assert_true(hb.has_null);
    assert_memory_equal(hb.dims, dims, sizeof dims);
    assert_memory_equal(ht.dims, dims, sizeof dims);
    assert_memory_equal(hb.lbounds, lbs, sizeof lbs);
    assert_memory_equal(ht.lbounds, lbs, sizeof lbs);
    pgw_elem e;
    pgw_text_elem te;
    for (int i = 0; i < 16; i++) {
        assert_int_equal(pgw_array_bin_next(&ib, &e), PGW_OK);
        assert_int_equal(pgw_array_text_next(&itx, &te), PGW_OK);
        assert_int_equal(e.is_null, i == 5);
        assert_int_equal(te.is_null, i == 5);
        if (i != 5) {
            assert_int_equal(e.len, te.len);
            assert_memory_equal(e.p, te.p, e.len);
        }
    }
    assert_int_equal(pgw_array_bin_next(&ib, &e), PGW_END);
    assert_int_equal(pgw_array_text_next(&itx, &te), PGW_END);
    pgw_buf_free(&bin);
    pgw_buf_free(&txt);
}

/* ---- records ------------------------------------------------------------------ */

static void test_record_bin_decodes_server_vector(void **s)
{
    /* record_send(row(1, null::text)) */
    uint8_t b[64];
    size_t n = unhex("0000000200000017000000040000000100000019ffffffff", b, sizeof b);
    size_t nf;
    pgw_record_bin_iter it;
    pgw_elem e;
    assert_int_equal(pgw_record_bin_begin(b, n, &nf, &it), PGW_OK);
    assert_int_equal(nf, 2);
    assert_int_equal(pgw_record_bin_next(&it, &e), PGW_OK);
    assert_int_equal(e.oid, PGW_OID_INT4);
    assert_int_equal(e.len, 4);
    assert_int_equal(be32(e.p), 1);
    assert_int_equal(pgw_record_bin_next(&it, &e), PGW_OK);
    assert_int_equal(e.oid, PGW_OID_TEXT);
    assert_true(e.is_null);
    assert_int_equal(pgw_record_bin_next(&it, &e), PGW_END);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pgw_record_bin_begin(b, i, &nf, &it), PGW_E_INVALID);
    assert_int_equal(pgw_record_bin_begin(b, n + 1, &nf, &it), PGW_E_INVALID);

    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_record_builder rb;
    uint8_t one[] = {0, 0, 0, 1};
    assert_int_equal(pgw_record_bin_build_begin(&rb, &out, 2), PGW_OK);
    assert_int_equal(pgw_record_bin_build_open(&rb, PGW_OID_INT4), PGW_OK);
    pgw_buf_append(&out, one, 4);
    assert_int_equal(pgw_record_bin_build_close(&rb), PGW_OK);
    assert_int_equal(pgw_record_bin_build_null(&rb, PGW_OID_TEXT), PGW_OK);
    assert_int_equal(pgw_record_bin_build_finish(&rb), PGW_OK);
    assert_buf_hex(&out, "0000000200000017000000040000000100000019ffffffff");
    pgw_buf_reset(&out);
    assert_int_equal(pgw_record_bin_build_begin(&rb, &out, 2), PGW_OK);
    assert_int_equal(pgw_record_bin_build_add(&rb, PGW_OID_INT4, one, 4), PGW_OK);
    assert_int_equal(pgw_record_bin_build_finish(&rb), PGW_E_INVALID);
    assert_int_equal(out.len, 0);
    assert_int_equal(pgw_record_bin_build_begin(&rb, &out, PGW_RECORD_MAX_FIELDS + 1),
                     PGW_E_INVALID);
    pgw_buf_free(&out);
}

static void test_record_bin_hostile_is_invalid(void **s)
{
    static const char *const bad[] = {
        "ffffffff",                       /* negative count */
        "00000681",                       /* 1665 fields */
        "0000000100000017fffffffe",       /* length -2 */
        "000000010000001700000005000000", /* past the end */
        "00000001000000177fffffff",       /* huge length */
        "00000000ff",                     /* trailing byte */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[64];
        size_t n = unhex(bad[i], b, sizeof b);
        size_t nf = 77;
        pgw_record_bin_iter it;
        assert_int_equal(pgw_record_bin_begin(b, n, &nf, &it), PGW_E_INVALID);
        assert_int_equal(nf, 77);
    }
}

static void test_record_text_fields_nulls_and_quotes(void **s)
{
    /* record_out of row('a'||chr(11)||'b', '', null, 'a(b', 'x"y') */
    const char *t = "(\"a\vb\",\"\",,\"a(b\",\"x\"\"y\", c\\,d ,x\"y z\"w)";
    size_t nf;
    pgw_record_text_iter it;
    pgw_text_elem e;
    assert_int_equal(pgw_record_text_begin(t, strlen(t), &nf, &it), PGW_OK);
    assert_int_equal(nf, 7);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    assert_span(&e, "a\vb", false);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    assert_span(&e, "", false);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    assert_true(e.is_null);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    assert_span(&e, "a(b", false);
    pgw_buf u;
    pgw_buf_init(&u, NULL, 0);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    assert_true(e.needs_unescape);
    assert_int_equal(pgw_record_text_unescape(&u, e.p, e.len), PGW_OK);
    assert_buf_str(&u, "x\"y");
    pgw_buf_reset(&u);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    assert_int_equal(pgw_record_text_unescape(&u, e.p, e.len), PGW_OK);
    assert_buf_str(&u, " c,d "); /* white space belongs to the field */
    pgw_buf_reset(&u);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    assert_int_equal(pgw_record_text_unescape(&u, e.p, e.len), PGW_OK);
    assert_buf_str(&u, "xy zw");
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_END);
    pgw_buf_reset(&u);
    assert_int_equal(pgw_record_text_unescape(&u, "\"ab", 3), PGW_E_INVALID);
    assert_int_equal(pgw_record_text_unescape(&u, "ab\\", 3), PGW_E_INVALID);
    assert_int_equal(u.len, 0);
    pgw_buf_free(&u);
    /* "()" is one NULL field */
    assert_int_equal(pgw_record_text_begin("()", 2, &nf, &it), PGW_OK);
    assert_int_equal(nf, 1);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    assert_true(e.is_null);
}

static void test_record_text_malformed_is_invalid(void **s)
{
    static const char *const bad[] = {"",      "(",    "(1",    "1)",   "(1)x",
                                      "(\"a)", "(a\\", "(a\\)", "x(1)", "(\"a\"\")"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t nf;
        pgw_record_text_iter it;
        if (pgw_record_text_begin(bad[i], strlen(bad[i]), &nf, &it) != PGW_E_INVALID) {
            fprintf(stderr, "# accepted [%s]\n", bad[i]);
            fail();
        }
    }
    /* 1665 fields */
    char big[1700];
    big[0] = '(';
    memset(big + 1, ',', 1664);
    big[1665] = ')';
    size_t nf;
    pgw_record_text_iter it;
    assert_int_equal(pgw_record_text_begin(big, 1666, &nf, &it), PGW_E_INVALID);
    assert_int_equal(pgw_record_text_begin(big + 1, 1665, &nf, &it), PGW_E_INVALID);
    big[1] = '(';
    memset(big + 1, ',', 1663);
    big[1664] = ')';
    assert_int_equal(pgw_record_text_begin(big, 1665, &nf, &it), PGW_OK);
    assert_int_equal(nf, 1664);
}

static void test_record_text_builder_nested_composite(void **s)
{
    /* row(row(1,'a b'), 'x"y', null, '', E'b\\s')::text */
    pgw_buf inner, out;
    pgw_buf_init(&inner, NULL, 0);
    pgw_buf_init(&out, NULL, 0);
    pgw_record_builder b;
    assert_int_equal(pgw_record_text_build_begin(&b, &inner, 2), PGW_OK);
    assert_int_equal(pgw_record_text_build_add(&b, "1", 1), PGW_OK);
    assert_int_equal(pgw_record_text_build_add(&b, "a b", 3), PGW_OK);
    assert_int_equal(pgw_record_text_build_finish(&b), PGW_OK);
    assert_buf_str(&inner, "(1,\"a b\")");
    assert_int_equal(pgw_record_text_build_begin(&b, &out, 5), PGW_OK);
    assert_int_equal(pgw_record_text_build_add(&b, (const char *)inner.data, inner.len), PGW_OK);
    assert_int_equal(pgw_record_text_build_add(&b, "x\"y", 3), PGW_OK);
    assert_int_equal(pgw_record_text_build_null(&b), PGW_OK);
    assert_int_equal(pgw_record_text_build_add(&b, "", 0), PGW_OK);
    assert_int_equal(pgw_record_text_build_add(&b, "b\\s", 3), PGW_OK);
    assert_int_equal(pgw_record_text_build_finish(&b), PGW_OK);
    assert_buf_str(&out, "(\"(1,\"\"a b\"\")\",\"x\"\"y\",,\"\",\"b\\\\s\")");
    /* and back: the first field unescapes to the inner record */
    size_t nf;
    pgw_record_text_iter it;
    pgw_text_elem e;
    assert_int_equal(pgw_record_text_begin((const char *)out.data, out.len, &nf, &it), PGW_OK);
    assert_int_equal(nf, 5);
    assert_int_equal(pgw_record_text_next(&it, &e), PGW_OK);
    pgw_buf u;
    pgw_buf_init(&u, NULL, 0);
    assert_int_equal(pgw_record_text_unescape(&u, e.p, e.len), PGW_OK);
    assert_buf_str(&u, "(1,\"a b\")");
    pgw_buf_free(&u);
    pgw_buf_free(&inner);
    pgw_buf_free(&out);
}

/* ---- ranges ---------------------------------------------------------------------- */

static void test_range_bin_decode_and_encode(void **s)
{
    /* numrange(null, 5, '[]') */
    uint8_t b[64];
    size_t n = unhex("0c0000000a00010000000000000005", b, sizeof b);
    pgw_range r;
    assert_int_equal(pgw_decode_range_bin(b, n, &r), PGW_OK);
    assert_int_equal(r.flags, PGW_RANGE_LB_INF | PGW_RANGE_UB_INC);
    assert_true(r.lower.is_null);
    assert_false(r.upper.is_null);
    assert_int_equal(r.upper.len, 10);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pgw_decode_range_bin(b, i, &r), PGW_E_INVALID);
    assert_int_equal(pgw_decode_range_bin(b, n + 1, &r), PGW_E_INVALID);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(pgw_encode_range_bin(&out, r.flags, NULL, 0, r.upper.p, r.upper.len), PGW_OK);
    assert_buf_hex(&out, "0c0000000a00010000000000000005");
    /* int4range(1,5) and 'empty' */
    pgw_buf_reset(&out);
    uint8_t one[] = {0, 0, 0, 1}, five[] = {0, 0, 0, 5};
    assert_int_equal(pgw_encode_range_bin(&out, PGW_RANGE_LB_INC, one, 4, five, 4), PGW_OK);
    assert_buf_hex(&out, "02000000040000000100000004"
                         "00000005");
    assert_int_equal(pgw_decode_range_bin(out.data, out.len, &r), PGW_OK);
    assert_int_equal(be32(r.lower.p), 1);
    assert_int_equal(be32(r.upper.p), 5);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_range_bin(&out, PGW_RANGE_EMPTY, one, 4, five, 4), PGW_OK);
    assert_buf_hex(&out, "01");
    assert_int_equal(pgw_decode_range_bin(out.data, out.len, &r), PGW_OK);
    assert_true(r.lower.is_null && r.upper.is_null);
    assert_int_equal(pgw_encode_range_bin(&out, 0x20, NULL, 0, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_encode_range_bin(&out, 0, NULL, 4, NULL, 0), PGW_E_INVALID);
    assert_int_equal(out.len, 1);
    pgw_buf_free(&out);
    static const char *const bad[] = {"20",   "80",        "02ffffffff", "02000000050000",
                                      "0100", "187fffffff"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        n = unhex(bad[i], b, sizeof b);
        assert_int_equal(pgw_decode_range_bin(b, n, &r), PGW_E_INVALID);
    }
}

static void test_range_text_decode_and_encode(void **s)
{
    pgw_range_text r;
    assert_int_equal(pgw_decode_range_text("[1,5)", 5, &r), PGW_OK);
    assert_int_equal(r.flags, PGW_RANGE_LB_INC);
    assert_span(&r.lower, "1", false);
    assert_span(&r.upper, "5", false);
    assert_int_equal(pgw_decode_range_text(" EMPTY ", 7, &r), PGW_OK);
    assert_int_equal(r.flags, PGW_RANGE_EMPTY);
    assert_int_equal(pgw_decode_range_text("(,5]", 4, &r), PGW_OK);
    assert_int_equal(r.flags, PGW_RANGE_LB_INF | PGW_RANGE_UB_INC);
    assert_true(r.lower.is_null);
    assert_int_equal(pgw_decode_range_text("[,]", 3, &r), PGW_OK);
    assert_int_equal(r.flags, PGW_RANGE_LB_INF | PGW_RANGE_UB_INF);
    const char *t = "[\"a b\",\"x\"\"y\")";
    assert_int_equal(pgw_decode_range_text(t, strlen(t), &r), PGW_OK);
    assert_span(&r.lower, "a b", false);
    assert_true(r.upper.needs_unescape);
    pgw_buf u;
    pgw_buf_init(&u, NULL, 0);
    assert_int_equal(pgw_range_text_unescape(&u, r.upper.p, r.upper.len), PGW_OK);
    assert_buf_str(&u, "x\"y");
    pgw_buf_free(&u);
    static const char *const bad[] = {"",        "[1,5",   "1,5)",    "[1]",  "[1,5)x",
                                      "(a,b,c)", "emptyx", "[\"a,5)", "{1,5}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pgw_decode_range_text(bad[i], strlen(bad[i]), &r) != PGW_E_INVALID) {
            fprintf(stderr, "# accepted [%s]\n", bad[i]);
            fail();
        }
    }
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(pgw_encode_range_text(&out, PGW_RANGE_LB_INC, "1", 1, "5", 1), PGW_OK);
    assert_buf_str(&out, "[1,5)");
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_range_text(&out, PGW_RANGE_LB_INF | PGW_RANGE_UB_INC, NULL, 0,
                                           "2020-01-01 00:00:00", 19),
                     PGW_OK);
    assert_buf_str(&out, "(,\"2020-01-01 00:00:00\"]");
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_range_text(&out, PGW_RANGE_UB_INF, "", 0, NULL, 0), PGW_OK);
    assert_buf_str(&out, "(\"\",)");
    pgw_buf_reset(&out);
    assert_int_equal(
        pgw_encode_range_text(&out, PGW_RANGE_LB_INC | PGW_RANGE_UB_INC, "x\"y", 3, "b\\s", 3),
        PGW_OK);
    assert_buf_str(&out, "[\"x\"\"y\",\"b\\\\s\"]");
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_range_text(&out, PGW_RANGE_EMPTY, NULL, 0, NULL, 0), PGW_OK);
    assert_buf_str(&out, "empty");
    pgw_buf_free(&out);
}

static void test_multirange_bin_and_text(void **s)
{
    static const char mr[] = "000000020000001102000000040000000100000004000000030000001102"
                             "000000040000000500000004"
                             "00000007";
    uint8_t b[128];
    size_t n = unhex(mr, b, sizeof b);
    size_t count;
    pgw_multirange_bin_iter it;
    pgw_range r;
    assert_int_equal(pgw_multirange_bin_begin(b, n, &count, &it), PGW_OK);
    assert_int_equal(count, 2);
    assert_int_equal(pgw_multirange_bin_next(&it, &r), PGW_OK);
    assert_int_equal(be32(r.lower.p), 1);
    assert_int_equal(be32(r.upper.p), 3);
    assert_int_equal(pgw_multirange_bin_next(&it, &r), PGW_OK);
    assert_int_equal(be32(r.lower.p), 5);
    assert_int_equal(pgw_multirange_bin_next(&it, &r), PGW_END);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pgw_multirange_bin_begin(b, i, &count, &it), PGW_E_INVALID);
    uint8_t hostile[16];
    size_t hn = unhex("ffffffff", hostile, sizeof hostile);
    assert_int_equal(pgw_multirange_bin_begin(hostile, hn, &count, &it), PGW_E_INVALID);
    hn = unhex("7fffffff0000000120", hostile, sizeof hostile);
    assert_int_equal(pgw_multirange_bin_begin(hostile, hn, &count, &it), PGW_E_INVALID);
    hn = unhex("000000010000000120", hostile, sizeof hostile); /* bad range flags */
    assert_int_equal(pgw_multirange_bin_begin(hostile, hn, &count, &it), PGW_E_INVALID);

    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_multirange_builder mb;
    uint8_t v[4][4] = {{0, 0, 0, 1}, {0, 0, 0, 3}, {0, 0, 0, 5}, {0, 0, 0, 7}};
    assert_int_equal(pgw_multirange_bin_build_begin(&mb, &out), PGW_OK);
    assert_int_equal(pgw_multirange_bin_build_add(&mb, PGW_RANGE_LB_INC, v[0], 4, v[1], 4), PGW_OK);
    assert_int_equal(pgw_multirange_bin_build_add(&mb, PGW_RANGE_LB_INC, v[2], 4, v[3], 4), PGW_OK);
    assert_int_equal(pgw_multirange_bin_build_finish(&mb), PGW_OK);
    assert_buf_hex(&out, mr);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_multirange_text_build_begin(&mb, &out), PGW_OK);
    assert_int_equal(pgw_multirange_text_build_add(&mb, PGW_RANGE_LB_INC, "1", 1, "3", 1), PGW_OK);
    assert_int_equal(pgw_multirange_text_build_add(&mb, PGW_RANGE_LB_INC, "5", 1, "7", 1), PGW_OK);
    assert_int_equal(pgw_multirange_text_build_add(&mb, 0x40, "5", 1, "7", 1), PGW_E_INVALID);
    assert_int_equal(out.len, 0);
    assert_int_equal(pgw_multirange_text_build_begin(&mb, &out), PGW_OK);
    assert_int_equal(pgw_multirange_text_build_add(&mb, PGW_RANGE_LB_INC, "1", 1, "3", 1), PGW_OK);
    assert_int_equal(pgw_multirange_text_build_add(&mb, PGW_RANGE_LB_INC, "5", 1, "7", 1), PGW_OK);
    assert_int_equal(pgw_multirange_text_build_finish(&mb), PGW_OK);
    assert_buf_str(&out, "{[1,3),[5,7)}");
    pgw_buf_reset(&out);
    assert_int_equal(pgw_multirange_text_build_begin(&mb, &out), PGW_OK);
    assert_int_equal(pgw_multirange_text_build_finish(&mb), PGW_OK);
    assert_buf_str(&out, "{}");
    pgw_buf_free(&out);

    pgw_multirange_text_iter ti;
    pgw_range_text rt;
    const char *t = " { [1,3) , empty,(\"a,b\",] } ";
    assert_int_equal(pgw_multirange_text_begin(t, strlen(t), &count, &ti), PGW_OK);
    assert_int_equal(count, 3);
    assert_int_equal(pgw_multirange_text_next(&ti, &rt), PGW_OK);
    assert_span(&rt.upper, "3", false);
    assert_int_equal(pgw_multirange_text_next(&ti, &rt), PGW_OK);
    assert_int_equal(rt.flags, PGW_RANGE_EMPTY);
    assert_int_equal(pgw_multirange_text_next(&ti, &rt), PGW_OK);
    assert_span(&rt.lower, "a,b", false);
    assert_int_equal(rt.flags, PGW_RANGE_UB_INF);
    assert_int_equal(pgw_multirange_text_next(&ti, &rt), PGW_END);
    assert_int_equal(pgw_multirange_text_begin("{}", 2, &count, &ti), PGW_OK);
    assert_int_equal(count, 0);
    static const char *const bad[] = {"",         "{",     "{[1,3)", "{[1,3),}", "{[1,3)[5,7)}",
                                      "{[1,3)}x", "[1,3)", "{,}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pgw_multirange_text_begin(bad[i], strlen(bad[i]), &count, &ti),
                         PGW_E_INVALID);
}

/* ---- hstore ------------------------------------------------------------------------ */

static void test_hstore_bin_decode_and_build(void **s)
{
    /* hstore_send('a=>1,b=>null') */
    static const char hx[] = "00000002000000016100000001310000000162ffffffff";
    uint8_t b[64];
    size_t n = unhex(hx, b, sizeof b);
    size_t np;
    pgw_hstore_bin_iter it;
    pgw_hstore_pair kv;
    assert_int_equal(pgw_hstore_bin_begin(b, n, &np, &it), PGW_OK);
    assert_int_equal(np, 2);
    assert_int_equal(pgw_hstore_bin_next(&it, &kv), PGW_OK);
    assert_int_equal(kv.key_len, 1);
    assert_memory_equal(kv.key, "a", 1);
    assert_int_equal(kv.value.len, 1);
    assert_memory_equal(kv.value.p, "1", 1);
    assert_int_equal(pgw_hstore_bin_next(&it, &kv), PGW_OK);
    assert_memory_equal(kv.key, "b", 1);
    assert_true(kv.value.is_null);
    assert_int_equal(pgw_hstore_bin_next(&it, &kv), PGW_END);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pgw_hstore_bin_begin(b, i, &np, &it), PGW_E_INVALID);
    static const char *const bad[] = {"ffffffff", "00000001ffffffff00000000",
                                      "0000000100000000fffffffe", "000000010000000000000000ff",
                                      "7fffffff00000000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t bn = unhex(bad[i], b, sizeof b);
        assert_int_equal(pgw_hstore_bin_begin(b, bn, &np, &it), PGW_E_INVALID);
    }
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_hstore_builder hb;
    assert_int_equal(pgw_hstore_bin_build_begin(&hb, &out), PGW_OK);
    assert_int_equal(pgw_hstore_bin_build_add(&hb, "a", 1, "1", 1), PGW_OK);
    assert_int_equal(pgw_hstore_bin_build_add(&hb, "b", 1, NULL, 0), PGW_OK);
    assert_int_equal(pgw_hstore_bin_build_finish(&hb), PGW_OK);
    assert_buf_hex(&out, hx);
    assert_int_equal(pgw_hstore_bin_build_begin(&hb, &out), PGW_OK);
    assert_int_equal(pgw_hstore_bin_build_add(&hb, NULL, 0, "1", 1), PGW_E_INVALID);
    assert_int_equal(pgw_hstore_bin_build_finish(&hb), PGW_E_INVALID);
    assert_int_equal(out.len, sizeof hx / 2);
    pgw_buf_free(&out);
}

static void test_hstore_text_parse_and_build(void **s)
{
    /* hstore_out of 'a=>1, "b c"=>NULL, ""=>"x\\\"y"' */
    const char *t = "\"\"=>\"x\\\\\\\"y\", \"a\"=>\"1\", \"b c\"=>NULL";
    size_t np;
    pgw_hstore_text_iter it;
    pgw_hstore_text_pair kv;
    assert_int_equal(pgw_hstore_text_begin(t, strlen(t), &np, &it), PGW_OK);
    assert_int_equal(np, 3);
    assert_int_equal(pgw_hstore_text_next(&it, &kv), PGW_OK);
    assert_span(&kv.key, "", false);
    assert_true(kv.value.needs_unescape);
    pgw_buf u;
    pgw_buf_init(&u, NULL, 0);
    assert_int_equal(pgw_hstore_text_unescape(&u, kv.value.p, kv.value.len), PGW_OK);
    assert_buf_str(&u, "x\\\"y");
    pgw_buf_free(&u);
    assert_int_equal(pgw_hstore_text_next(&it, &kv), PGW_OK);
    assert_span(&kv.key, "a", false);
    assert_span(&kv.value, "1", false);
    assert_int_equal(pgw_hstore_text_next(&it, &kv), PGW_OK);
    assert_span(&kv.key, "b c", false);
    assert_true(kv.value.is_null);
    assert_int_equal(pgw_hstore_text_next(&it, &kv), PGW_END);
    /* bare input, "NULL" quoted is a string, empty hstore */
    t = " a=>1 ,b => \"NULL\",c=>null,NULL=>x=y";
    assert_int_equal(pgw_hstore_text_begin(t, strlen(t), &np, &it), PGW_OK);
    assert_int_equal(np, 4);
    assert_int_equal(pgw_hstore_text_next(&it, &kv), PGW_OK);
    assert_int_equal(pgw_hstore_text_next(&it, &kv), PGW_OK);
    assert_span(&kv.value, "NULL", false);
    assert_int_equal(pgw_hstore_text_next(&it, &kv), PGW_OK);
    assert_true(kv.value.is_null);
    assert_int_equal(pgw_hstore_text_next(&it, &kv), PGW_OK);
    assert_span(&kv.key, "NULL", false);
    assert_span(&kv.value, "x=y", false);
    assert_int_equal(pgw_hstore_text_begin("  ", 2, &np, &it), PGW_OK);
    assert_int_equal(np, 0);
    static const char *const bad[] = {"a=>", "a=1", "\"a=>1", "a=>1 b=>2", "=>1", "a=>\"1", "a\\"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (pgw_hstore_text_begin(bad[i], strlen(bad[i]), &np, &it) != PGW_E_INVALID) {
            fprintf(stderr, "# accepted [%s]\n", bad[i]);
            fail();
        }
    }
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_hstore_builder hb;
    assert_int_equal(pgw_hstore_text_build_begin(&hb, &out), PGW_OK);
    assert_int_equal(pgw_hstore_text_build_add(&hb, "", 0, "x\\\"y", 4), PGW_OK);
    assert_int_equal(pgw_hstore_text_build_add(&hb, "a", 1, "1", 1), PGW_OK);
    assert_int_equal(pgw_hstore_text_build_add(&hb, "b c", 3, NULL, 0), PGW_OK);
    assert_int_equal(pgw_hstore_text_build_finish(&hb), PGW_OK);
    assert_buf_str(&out, "\"\"=>\"x\\\\\\\"y\", \"a\"=>\"1\", \"b c\"=>NULL");
    pgw_buf_free(&out);
}

/* ---- rendering (element types of this family only) ---------------------------------- */

static void render_hex(uint32_t oid, const char *hex, const char *want)
{
    uint8_t b[512];
    size_t n = unhex(hex, b, sizeof b);
    pgw_render_ctx ctx;
    ctx_init(&ctx);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_status rc = pgw_render_bin(&out, oid, b, n, &ctx);
    if (rc != PGW_OK) {
        fprintf(stderr, "# render %u %s: %s\n", oid, hex, pgw_status_name(rc));
        fail();
    }
    assert_buf_str(&out, want);
    pgw_buf_free(&out);
}

static void test_render_vectors_and_hstore(void **s)
{
    render_hex(PGW_OID_INT2VECTOR,
               "0000000100000000000000150000000300000000000000020001000000020002000000020003",
               "1 2 3");
    render_hex(PGW_OID_OIDVECTOR,
               "00000001000000000000001a000000020000000000000004000000010000000400000002", "1 2");
    render_hex(PGW_OID_OIDVECTOR, "00000000000000000000001a", "");
    render_hex(HSTORE_OID, "00000002000000016100000001310000000162ffffffff",
               "\"a\"=>\"1\", \"b\"=>NULL");
    render_hex(HSTORE_OID, "00000001000000015c0000000122", "\"\\\\\"=>\"\\\"\"");
}

/* Binary values built with this family's builders (checked against the
 * server's bytes above), as inputs of the render tests below. */
static void build_int2vector(pgw_buf *out, const int16_t *v, int32_t n)
{
    pgw_array_builder b;
    int32_t lb = 0;
    assert_int_equal(pgw_array_bin_build_begin(&b, out, PGW_OID_INT2, 1, &n, &lb), PGW_OK);
    for (int32_t i = 0; i < n; i++) {
        uint8_t be[2] = {(uint8_t)((uint16_t)v[i] >> 8), (uint8_t)v[i]};
        assert_int_equal(pgw_array_bin_build_add(&b, be, 2), PGW_OK);
    }
    assert_int_equal(pgw_array_bin_build_finish(&b), PGW_OK);
}

static void build_oidvector(pgw_buf *out, const uint32_t *v, int32_t n)
{
    pgw_array_builder b;
    int32_t lb = 0;
    assert_int_equal(pgw_array_bin_build_begin(&b, out, PGW_OID_OID, 1, &n, &lb), PGW_OK);
    for (int32_t i = 0; i < n; i++) {
        uint8_t be[4] = {(uint8_t)(v[i] >> 24), (uint8_t)(v[i] >> 16), (uint8_t)(v[i] >> 8),
                         (uint8_t)v[i]};
        assert_int_equal(pgw_array_bin_build_add(&b, be, 4), PGW_OK);
    }
    assert_int_equal(pgw_array_bin_build_finish(&b), PGW_OK);
}

static void render_buf(uint32_t oid, const pgw_buf *in, const char *want)
{
    pgw_render_ctx ctx;
    ctx_init(&ctx);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_status rc = pgw_render_bin(&out, oid, in->data, in->len, &ctx);
    if (rc != PGW_OK) {
        fprintf(stderr, "# render %u: %s\n", oid, pgw_status_name(rc));
        fail();
    }
    assert_buf_str(&out, want);
    pgw_buf_free(&out);
}

static void test_render_nested_containers_of_own_types(void **s)
{
    pgw_buf a, b, c, d;
    pgw_buf_init(&a, NULL, 0);
    pgw_buf_init(&b, NULL, 0);
    pgw_buf_init(&c, NULL, 0);
    pgw_buf_init(&d, NULL, 0);
    int16_t v12[] = {1, -2}, v3[] = {3};
    build_int2vector(&a, v12, 2);
    build_int2vector(&b, v3, 1);
    /* _int2vector '{"1 -2",3}' (lower bound 1), then with lower bound 0 */
    pgw_array_builder ab;
    int32_t n2 = 2, lb0 = 0;
    assert_int_equal(pgw_array_bin_build_begin(&ab, &c, PGW_OID_INT2VECTOR, 1, &n2, NULL), PGW_OK);
    pgw_array_bin_build_add(&ab, a.data, a.len);
    pgw_array_bin_build_add(&ab, b.data, b.len);
    assert_int_equal(pgw_array_bin_build_finish(&ab), PGW_OK);
    render_buf(1006u, &c, "{\"1 -2\",3}");
    pgw_buf_reset(&c);
    assert_int_equal(pgw_array_bin_build_begin(&ab, &c, PGW_OID_INT2VECTOR, 1, &n2, &lb0), PGW_OK);
    pgw_array_bin_build_null(&ab);
    pgw_array_bin_build_add(&ab, b.data, b.len);
    assert_int_equal(pgw_array_bin_build_finish(&ab), PGW_OK);
    render_buf(1006u, &c, "[0:1]={NULL,3}");

    /* anonymous record (int2vector, hstore NULL, domain over int2vector,
     * enum), then an array of two of them */
    pgw_buf_reset(&c);
    pgw_record_builder rb;
    assert_int_equal(pgw_record_bin_build_begin(&rb, &c, 4), PGW_OK);
    pgw_record_bin_build_add(&rb, PGW_OID_INT2VECTOR, b.data, b.len);
    pgw_record_bin_build_null(&rb, HSTORE_OID);
    pgw_record_bin_build_add(&rb, DOMAIN_OID, a.data, a.len);
    pgw_record_bin_build_add(&rb, ENUM_OID, "ha ppy", 6);
    assert_int_equal(pgw_record_bin_build_finish(&rb), PGW_OK);
    render_buf(PGW_OID_RECORD, &c, "(3,,\"1 -2\",\"ha ppy\")");
    assert_int_equal(pgw_array_bin_build_begin(&ab, &d, PGW_OID_RECORD, 1, &n2, NULL), PGW_OK);
    pgw_array_bin_build_add(&ab, c.data, c.len);
    pgw_array_bin_build_add(&ab, c.data, c.len);
    assert_int_equal(pgw_array_bin_build_finish(&ab), PGW_OK);
    render_buf(PGW_OID_RECORD_ARRAY, &d,
               "{\"(3,,\\\"1 -2\\\",\\\"ha ppy\\\")\",\"(3,,\\\"1 -2\\\",\\\"ha ppy\\\")\"}");
    /* a record holding that array: record_out doubles every quote and
     * backslash of the array's text */
    pgw_buf_reset(&a);
    assert_int_equal(pgw_record_bin_build_begin(&rb, &a, 1), PGW_OK);
    pgw_record_bin_build_add(&rb, PGW_OID_RECORD_ARRAY, d.data, d.len);
    assert_int_equal(pgw_record_bin_build_finish(&rb), PGW_OK);
    render_buf(PGW_OID_RECORD, &a,
               "(\"{\"\"(3,,\\\\\"\"1 -2\\\\\"\",\\\\\"\"ha ppy\\\\\"\")\"\",\"\"(3,,\\\\\"\"1 "
               "-2\\\\\"\",\\\\\"\"ha ppy\\\\\"\")\"\"}\")");
    pgw_buf_free(&a);
    pgw_buf_free(&b);
    pgw_buf_free(&c);
    pgw_buf_free(&d);
}

static void test_render_registry_containers(void **s)
{
    pgw_buf h, a, r, v1, v2;
    pgw_buf_init(&h, NULL, 0);
    pgw_buf_init(&a, NULL, 0);
    pgw_buf_init(&r, NULL, 0);
    pgw_buf_init(&v1, NULL, 0);
    pgw_buf_init(&v2, NULL, 0);
    pgw_hstore_builder hb;
    assert_int_equal(pgw_hstore_bin_build_begin(&hb, &h), PGW_OK);
    pgw_hstore_bin_build_add(&hb, "a", 1, "x\"y", 3);
    pgw_hstore_bin_build_add(&hb, "b\\", 2, NULL, 0);
    assert_int_equal(pgw_hstore_bin_build_finish(&hb), PGW_OK);
    render_buf(HSTORE_OID, &h, "\"a\"=>\"x\\\"y\", \"b\\\\\"=>NULL");
    /* _hstore of that hstore and NULL */
    pgw_array_builder ab;
    int32_t n2 = 2;
    assert_int_equal(pgw_array_bin_build_begin(&ab, &a, HSTORE_OID, 1, &n2, NULL), PGW_OK);
    pgw_array_bin_build_add(&ab, h.data, h.len);
    pgw_array_bin_build_null(&ab);
    assert_int_equal(pgw_array_bin_build_finish(&ab), PGW_OK);
    render_buf(HSTORE_ARRAY_OID, &a,
               "{\"\\\"a\\\"=>\\\"x\\\\\\\"y\\\", \\\"b\\\\\\\\\\\"=>NULL\",NULL}");
    /* a registry range over oidvector */
    uint32_t o12[] = {1, 2}, o3[] = {3};
    build_oidvector(&v1, o12, 2);
    build_oidvector(&v2, o3, 1);
    assert_int_equal(pgw_encode_range_bin(&r, PGW_RANGE_LB_INC, v1.data, v1.len, v2.data, v2.len),
                     PGW_OK);
    render_buf(VECRANGE_OID, &r, "[\"1 2\",3)");
    pgw_buf_reset(&r);
    assert_int_equal(
        pgw_encode_range_bin(&r, PGW_RANGE_LB_INF | PGW_RANGE_UB_INC, NULL, 0, v2.data, v2.len),
        PGW_OK);
    render_buf(VECRANGE_OID, &r, "(,3]");
    pgw_buf_reset(&r);
    assert_int_equal(pgw_encode_range_bin(&r, PGW_RANGE_EMPTY, NULL, 0, NULL, 0), PGW_OK);
    render_buf(VECRANGE_OID, &r, "empty");
    /* a registry composite */
    pgw_buf_reset(&r);
    pgw_record_builder rb;
    assert_int_equal(pgw_record_bin_build_begin(&rb, &r, 2), PGW_OK);
    pgw_record_bin_build_add(&rb, PGW_OID_INT2VECTOR, v2.data, 0 + 0 * v2.len);
    pgw_record_bin_build_add(&rb, HSTORE_OID, h.data, h.len);
    assert_int_equal(pgw_record_bin_build_finish(&rb), PGW_OK);
    /* the int2vector field is malformed (empty bytes): invalid, nothing left */
    pgw_render_ctx ctx;
    ctx_init(&ctx);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(pgw_render_bin(&out, COMPOSITE_OID, r.data, r.len, &ctx), PGW_E_INVALID);
    assert_int_equal(out.len, 0);
    pgw_buf_free(&out);
    pgw_buf_free(&h);
    pgw_buf_free(&a);
    pgw_buf_free(&r);
    pgw_buf_free(&v1);
    pgw_buf_free(&v2);
}

static void test_render_hostile_is_invalid_and_leaves_buffer(void **s)
{
    pgw_render_ctx ctx;
    ctx_init(&ctx);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_buf_append(&out, "keep", 4);
    uint8_t b[64];
    size_t n = unhex("000000070000000000000017", b, sizeof b);
    assert_int_equal(pgw_render_bin(&out, PGW_OID_INT4_ARRAY, b, n, &ctx), PGW_E_INVALID);
    n = unhex("00000002000000016100000001310000000162fffffffe", b, sizeof b);
    assert_int_equal(pgw_render_bin(&out, HSTORE_OID, b, n, &ctx), PGW_E_INVALID);
    n = unhex("20", b, sizeof b);
    assert_int_equal(pgw_render_bin(&out, PGW_OID_INT4RANGE, b, n, &ctx), PGW_E_INVALID);
    /* int2vector with lower bound 0 but a NULL element */
    n = unhex("0000000100000001000000150000000100000000ffffffff", b, sizeof b);
    assert_int_equal(pgw_render_bin(&out, PGW_OID_INT2VECTOR, b, n, &ctx), PGW_E_INVALID);
    assert_int_equal(out.len, 4);

    /* A record nested in itself: fine at 8 levels, refused past the depth
     * limit (before any output, so no exponential quoting). */
    pgw_buf cur, next;
    pgw_buf_init(&cur, NULL, 0);
    pgw_buf_init(&next, NULL, 0);
    pgw_buf_put_i32(&cur, 0);
    for (int level = 1; level <= 70; level++) {
        pgw_record_builder rb;
        pgw_buf_reset(&next);
        assert_int_equal(pgw_record_bin_build_begin(&rb, &next, 1), PGW_OK);
        pgw_record_bin_build_add(&rb, PGW_OID_RECORD, cur.data, cur.len);
        assert_int_equal(pgw_record_bin_build_finish(&rb), PGW_OK);
        pgw_buf t = cur;
        cur = next;
        next = t;
        if (level == 3)
            render_buf(PGW_OID_RECORD, &cur, "(\"(\"\"(\"\"\"\"()\"\"\"\")\"\")\")");
        if (level == 8) {
            pgw_buf o8;
            pgw_buf_init(&o8, NULL, 0);
            assert_int_equal(pgw_render_bin(&o8, PGW_OID_RECORD, cur.data, cur.len, &ctx), PGW_OK);
            pgw_buf_free(&o8);
        }
    }
    assert_int_equal(pgw_render_bin(&out, PGW_OID_RECORD, cur.data, cur.len, &ctx), PGW_E_INVALID);
    assert_int_equal(out.len, 4);
    pgw_buf_free(&cur);
    pgw_buf_free(&next);
    pgw_buf_free(&out);
}

static void test_render_supported_follows_elements(void **s)
{
    pgw_render_ctx ctx;
    ctx_init(&ctx);
    assert_true(pgw_render_bin_supported(PGW_OID_INT2VECTOR, &ctx));
    assert_true(pgw_render_bin_supported(1006u, &ctx)); /* _int2vector */
    assert_true(pgw_render_bin_supported(HSTORE_OID, &ctx));
    assert_true(pgw_render_bin_supported(HSTORE_ARRAY_OID, &ctx));
    assert_true(pgw_render_bin_supported(VECRANGE_OID, &ctx));
    assert_true(pgw_render_bin_supported(COMPOSITE_OID, &ctx));
    /* aclitem has no binary output: neither has its array */
    assert_false(pgw_render_bin_supported(PGW_OID_ACLITEM, &ctx));
    assert_false(pgw_render_bin_supported(1034u, &ctx));
    /* anonymous records: field types unknown before the value arrives */
    assert_false(pgw_render_bin_supported(PGW_OID_RECORD, &ctx));
    assert_false(pgw_render_bin_supported(424242u, &ctx));
    /* without the lookup, hstore is unknown */
    pgw_render_ctx_init(&ctx);
    assert_false(pgw_render_bin_supported(HSTORE_OID, &ctx));
}

/* Elements owned by the other families (numbers, strings, datetime): these
 * pass once those renderers are in the tree. */
static void test_render_arrays_of_builtin_scalars(void **s)
{
    render_hex(PGW_OID_INT4_ARRAY, ARR_LB0, "[0:1]={1,2}");
    /* '{NULL,NULL}'::text[] */
    render_hex(PGW_OID_TEXT_ARRAY, "0000000100000001000000190000000200000001ffffffffffffffff",
               "{NULL,NULL}");
    /* ARRAY['a b', '', 'NULL', 'q"', 'é'] */
    render_hex(PGW_OID_TEXT_ARRAY,
               "00000001000000000000001900000005000000010000000361206200000000000000044e554c4c"
               "00000002712200000002c3a9",
               "{\"a b\",\"\",\"NULL\",\"q\\\"\",\xc3\xa9}");
    /* record_send(row(1, null::text)) */
    render_hex(PGW_OID_RECORD, "0000000200000017000000040000000100000019ffffffff", "(1,)");
    render_hex(PGW_OID_INT4RANGE, "0200000004000000010000000400000005", "[1,5)");
    render_hex(PGW_OID_INT4MULTIRANGE,
               "00000002000000110200000004000000010000000400000003000000110200000004000000050000"
               "000400000007",
               "{[1,3),[5,7)}");
    render_hex(PGW_OID_NUMERIC_ARRAY,
               "0000000100000000000006a400000003000000010000000c0002000000000001000113880000000800"
               "000000c00000000000000a0001ffff40000003000a",
               "{1.5,NaN,-0.001}");
    render_hex(PGW_OID_TIMESTAMP_ARRAY,
               "00000001000000000000045a00000002000000010000000800023e1195ae1000000000087fffffff"
               "ffffffff",
               "{\"2020-01-01 12:00:00\",infinity}");
    render_hex(PGW_OID_DATERANGE, "020000000400001c890000000400001df7", "[2020-01-01,2021-01-01)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_array_bin_lower_bound_zero_decodes),
        cmocka_unit_test(test_array_bin_two_dims_negative_lbound_decodes),
        cmocka_unit_test(test_array_bin_empty_and_nulls_decode),
        cmocka_unit_test(test_array_bin_null_without_flag_is_accepted),
        cmocka_unit_test(test_containers_null_pointer_empty_input),
        cmocka_unit_test(test_array_bin_every_truncation_is_invalid),
        cmocka_unit_test(test_array_bin_hostile_headers_are_invalid),
        cmocka_unit_test(test_array_bin_builder_reproduces_server_bytes),
        cmocka_unit_test(test_array_builder_wrong_count_restores_buffer),
        cmocka_unit_test(test_array_text_simple_and_null),
        cmocka_unit_test(test_array_text_quoting_and_unescape),
        cmocka_unit_test(test_array_text_dims_and_decoration),
        cmocka_unit_test(test_array_text_malformed_is_invalid),
        cmocka_unit_test(test_array_text_builder_quotes_like_array_out),
        cmocka_unit_test(test_array_six_dims_round_trip),
        cmocka_unit_test(test_record_bin_decodes_server_vector),
        cmocka_unit_test(test_record_bin_hostile_is_invalid),
        cmocka_unit_test(test_record_text_fields_nulls_and_quotes),
        cmocka_unit_test(test_record_text_malformed_is_invalid),
        cmocka_unit_test(test_record_text_builder_nested_composite),
        cmocka_unit_test(test_range_bin_decode_and_encode),
        cmocka_unit_test(test_range_text_decode_and_encode),
        cmocka_unit_test(test_multirange_bin_and_text),
        cmocka_unit_test(test_hstore_bin_decode_and_build),
        cmocka_unit_test(test_hstore_text_parse_and_build),
        cmocka_unit_test(test_render_vectors_and_hstore),
        cmocka_unit_test(test_render_nested_containers_of_own_types),
        cmocka_unit_test(test_render_hostile_is_invalid_and_leaves_buffer),
        cmocka_unit_test(test_render_supported_follows_elements),
        cmocka_unit_test(test_render_registry_containers),
        cmocka_unit_test(test_render_arrays_of_builtin_scalars),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
