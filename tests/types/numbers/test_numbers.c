/* The numbers codec family: bool, int2/4/8, oid, float4/8 (binary codecs
 * and text output), numeric (binary <-> text, int64, double) and the
 * renderer for those and xid, cid, xid8, pg_lsn, tid. Expected texts were
 * captured from PostgreSQL 15 (`SELECT encode(xxx_send(v),'hex'), v::text`). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/render.h"
#include "pgwire/types.h"
#include "types/types_int.h"

#define S(x) x, strlen(x)

static size_t unhex(const char *h, uint8_t *out)
{
    size_t n = strlen(h) / 2;
    for (size_t i = 0; i < n; i++) {
        unsigned x;
        sscanf(h + 2 * i, "%2x", &x);
        out[i] = (uint8_t)x;
    }
    return n;
}

static double bits_to_double(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t double_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static float bits_to_float(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static uint32_t float_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static void assert_buf(const pgw_buf *b, const char *want)
{
    if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0)
        fail_msg("got \"%.*s\", want \"%s\"", (int)(b->len > 200 ? 200 : b->len),
                 (const char *)b->data, want);
}

/* Deterministic bit patterns for the round-trip sweeps. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* ---- bool, integers, oid ------------------------------------------------ */

static void test_bool_bin_round_trip_and_rejects_other_bytes(void **st)
{
    (void)st;
    bool v = false;
    uint8_t b[2] = {1, 0};
    assert_int_equal(pgw_decode_bool_bin(b, 1, &v), PGW_OK);
    assert_true(v);
    assert_int_equal(pgw_decode_bool_bin(b + 1, 1, &v), PGW_OK);
    assert_false(v);
    uint8_t two = 2;
    v = true;
    assert_int_equal(pgw_decode_bool_bin(&two, 1, &v), PGW_E_INVALID);
    assert_true(v); /* untouched */
    assert_int_equal(pgw_decode_bool_bin(b, 0, &v), PGW_E_INVALID);
    assert_int_equal(pgw_decode_bool_bin(b, 2, &v), PGW_E_INVALID);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(pgw_encode_bool_bin(&out, true), PGW_OK);
    assert_int_equal(pgw_encode_bool_bin(&out, false), PGW_OK);
    assert_memory_equal(out.data, b, 2);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_bool_text(&out, true), PGW_OK);
    assert_int_equal(pgw_encode_bool_text(&out, false), PGW_OK);
    assert_buf(&out, "tf");
    pgw_buf_free(&out);
}

static void test_int_bin_limits_round_trip(void **st)
{
    (void)st;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    uint8_t b[8];
    int64_t i8;
    assert_int_equal(pgw_encode_int8_bin(&out, INT64_MIN), PGW_OK);
    assert_memory_equal(out.data, "\x80\0\0\0\0\0\0\0", 8);
    assert_int_equal(pgw_decode_int8_bin(out.data, 8, &i8), PGW_OK);
    assert_true(i8 == INT64_MIN);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_int8_text(&out, INT64_MIN), PGW_OK);
    assert_buf(&out, "-9223372036854775808");
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_int8_text(&out, INT64_MAX), PGW_OK);
    assert_buf(&out, "9223372036854775807");

    int32_t i4;
    unhex("80000000", b);
    assert_int_equal(pgw_decode_int4_bin(b, 4, &i4), PGW_OK);
    assert_int_equal(i4, INT32_MIN);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_int4_bin(&out, -2), PGW_OK);
    assert_memory_equal(out.data, "\xff\xff\xff\xfe", 4);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_int4_text(&out, INT32_MIN), PGW_OK);
    assert_buf(&out, "-2147483648");

    int16_t i2;
    unhex("8000", b);
    assert_int_equal(pgw_decode_int2_bin(b, 2, &i2), PGW_OK);
    assert_int_equal(i2, INT16_MIN);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_int2_bin(&out, 0x1234), PGW_OK);
    assert_memory_equal(out.data, "\x12\x34", 2);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_int2_text(&out, -32768), PGW_OK);
    assert_int_equal(pgw_encode_int2_text(&out, 0), PGW_OK);
    assert_buf(&out, "-327680");
    pgw_buf_free(&out);
}

static void test_fixed_width_bin_wrong_length_is_invalid(void **st)
{
    (void)st;
    uint8_t b[9] = {0};
    for (size_t n = 0; n <= 9; n++) {
        int16_t i2 = 7;
        int32_t i4 = 7;
        int64_t i8 = 7;
        uint32_t o = 7;
        float f = 7;
        double d = 7;
        if (n != 2)
            assert_int_equal(pgw_decode_int2_bin(b, n, &i2), PGW_E_INVALID);
        if (n != 4) {
            assert_int_equal(pgw_decode_int4_bin(b, n, &i4), PGW_E_INVALID);
            assert_int_equal(pgw_decode_oid_bin(b, n, &o), PGW_E_INVALID);
            assert_int_equal(pgw_decode_float4_bin(b, n, &f), PGW_E_INVALID);
        }
        if (n != 8) {
            assert_int_equal(pgw_decode_int8_bin(b, n, &i8), PGW_E_INVALID);
            assert_int_equal(pgw_decode_float8_bin(b, n, &d), PGW_E_INVALID);
        }
        assert_int_equal(i2 + i4 + i8 + (int64_t)o, 28);
        assert_true(f == 7.0f && d == 7.0);
    }
    int32_t i4;
    assert_int_equal(pgw_decode_int4_bin(NULL, 4, &i4), PGW_E_INVALID);
}

static void test_oid_bin_and_text_are_unsigned(void **st)
{
    (void)st;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(pgw_encode_oid_bin(&out, 4294967295u), PGW_OK);
    uint32_t o;
    assert_int_equal(pgw_decode_oid_bin(out.data, 4, &o), PGW_OK);
    assert_true(o == 4294967295u);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_oid_text(&out, o), PGW_OK);
    assert_buf(&out, "4294967295");
    pgw_buf_free(&out);
}

/* ---- floats: binary --------------------------------------------------- */

static void test_float_bin_keeps_every_bit_pattern(void **st)
{
    (void)st;
    const uint64_t pats[] = {0x8000000000000000u, 0x7ff8000000000000u, 0x7ff0000000000000u,
                             0xfff0000000000000u, 0x0000000000000001u, 0x7ff4000000000001u,
                             0x3fb999999999999au};
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float8_bin(&out, bits_to_double(pats[i])), PGW_OK);
        assert_int_equal(out.len, 8);
        double d;
        assert_int_equal(pgw_decode_float8_bin(out.data, 8, &d), PGW_OK);
        assert_true(double_bits(d) == pats[i]);
        assert_int_equal(out.data[0], (uint8_t)(pats[i] >> 56)); /* big-endian */
    }
    const uint32_t fpats[] = {0x80000000u, 0x7fc00000u, 0x7f800000u, 0xff800000u, 1u,
                              0x3dcccccdu};
    for (size_t i = 0; i < sizeof fpats / sizeof fpats[0]; i++) {
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float4_bin(&out, bits_to_float(fpats[i])), PGW_OK);
        float f;
        assert_int_equal(pgw_decode_float4_bin(out.data, 4, &f), PGW_OK);
        assert_true(float_bits(f) == fpats[i]);
    }
    pgw_buf_free(&out);
}

/* ---- floats: text output ----------------------------------------------- */

typedef struct fvec {
    uint64_t bits;
    int efd;
    const char *text;
} fvec;

static void test_float8_text_matches_server_vectors(void **st)
{
    (void)st;
    static const fvec v[] = {
        {0x3fb999999999999au, 1, "0.1"},
        {0x54b249ad2594c37du, 1, "1e+100"},
        {0x3ee9e409302678bau, 1, "1.2345678901234568e-05"},
        {0x437b69b4ba630f35u, 1, "1.2345678901234568e+17"}, /* 123456789012345678 */
        {0x8000000000000000u, 1, "-0"},
        {0x0000000000000000u, 1, "0"},
        {0x7ff8000000000000u, 1, "NaN"},
        {0x7ff0000000000000u, 1, "Infinity"},
        {0xfff0000000000000u, 1, "-Infinity"},
        {0x0000000000000001u, 1, "5e-324"},
        {0x7fefffffffffffffu, 1, "1.7976931348623157e+308"},
        {0x0010000000000000u, 1, "2.2250738585072014e-308"},
        {0x430c6bf526340000u, 1, "1e+15"},
        {0x42d6bcc41e900000u, 1, "100000000000000"},
        {0x3f1a36e2eb1c432du, 1, "0.0001"},
        {0x3ee4f8b588e368f1u, 1, "1e-05"},
        {0x4340000000000000u, 1, "9.007199254740992e+15"}, /* 2^53 */
        /* The shortest digits would be the midpoint 4.412194971364914e+16,
         * which the server's Ryu never prints. */
        {0x43639815be6f59beu, 1, "4.4121949713649136e+16"},
        {0x3fd3333333333334u, 1, "0.30000000000000004"},
        {0x3fd3333333333334u, 3, "0.30000000000000004"},
        {0x3fd3333333333334u, 0, "0.3"},
        {0x437b69b4ba630f35u, 0, "1.23456789012346e+17"},
        {0x437b69b4ba630f35u, -15, "1e+17"},
        {0x8000000000000000u, 0, "-0"},
        {0x7ff8000000000000u, -15, "NaN"},
        {0xfff0000000000000u, 0, "-Infinity"},
        {0x3ee4f8b588e368f1u, 0, "1e-05"},
        {0x4059000000000000u, 0, "100"},
        {0x4059000000000000u, -14, "1e+02"},
    };
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float8_text(&out, bits_to_double(v[i].bits), v[i].efd),
                         PGW_OK);
        assert_buf(&out, v[i].text);
    }
    pgw_buf_free(&out);
}

static void test_float4_text_matches_server_vectors(void **st)
{
    (void)st;
    static const struct {
        uint32_t bits;
        int efd;
        const char *text;
    } v[] = {
        {0x3dcccccdu, 1, "0.1"},
        {0x4c1fa018u, 1, "4.1844832e+07"}, /* shortest would be a midpoint */
        {0x4b800000u, 1, "1.6777216e+07"},
        {0x49742400u, 1, "1e+06"},
        {0x47f12000u, 1, "123456"},
        {0x00000001u, 1, "1e-45"},
        {0x7f7fffffu, 1, "3.4028235e+38"},
        {0x80000000u, 1, "-0"},
        {0x7fc00000u, 1, "NaN"},
        {0x3dcccccdu, 0, "0.1"},
        {0x3dcccccdu, 3, "0.1"},
        {0x4c1fa018u, 0, "4.18448e+07"},
        {0x4c1fa018u, -15, "4e+07"},
    };
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float4_text(&out, bits_to_float(v[i].bits), v[i].efd),
                         PGW_OK);
        assert_buf(&out, v[i].text);
    }
    pgw_buf_free(&out);
}

/* The shortest text reads back as the same bits (including denormals and
 * -0), for many random bit patterns of both widths. */
static void test_float_text_shortest_round_trips(void **st)
{
    (void)st;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    uint64_t s = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = next_rand(&s);
        if (i % 4 == 0)
            bits &= 0x800FFFFFFFFFFFFFu; /* denormals */
        double d = bits_to_double(bits);
        if (isnan(d))
            continue;
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float8_text(&out, d, 1), PGW_OK);
        assert_true(out.len <= 24);
        double back;
        assert_int_equal(pgw_decode_float8_text((const char *)out.data, out.len, &back), PGW_OK);
        assert_true(double_bits(back) == bits);
        uint32_t fb = (uint32_t)bits;
        float f = bits_to_float(fb);
        if (isnan(f))
            continue;
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float4_text(&out, f, 1), PGW_OK);
        float fback;
        assert_int_equal(pgw_decode_float4_text((const char *)out.data, out.len, &fback),
                         PGW_OK);
        assert_true(float_bits(fback) == fb);
    }
    pgw_buf_free(&out);
}

static void test_float_text_encoders_reject_null_buffer(void **st)
{
    (void)st;
    assert_int_equal(pgw_encode_float8_text(NULL, 1.0, 1), PGW_E_INVALID);
    assert_int_equal(pgw_encode_float4_text(NULL, 1.0f, 1), PGW_E_INVALID);
    assert_int_equal(pgw_encode_int8_text(NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_encode_numeric_bin(NULL, S("1")), PGW_E_INVALID);
}

/* ---- numeric -------------------------------------------------------------- */

typedef struct nvec {
    const char *in;   /* text given to the encoder */
    const char *hex;  /* numeric_send of in::numeric */
    const char *text; /* in::numeric::text */
} nvec;

static const nvec numeric_vectors[] = {
    {"1.50", "000200000000000200011388", "1.50"},
    {"NaN", "00000000c0000000", "NaN"},
    {"Infinity", "00000000d0000020", "Infinity"},
    {"-inf", "00000000f0000020", "-Infinity"},
    {"-0.00", "0000000000000002", "0.00"},
    {"0", "0000000000000000", "0"},
    {"1e-5", "0001fffe0000000503e8", "0.00001"},
    {"10000", "00010001000000000001", "10000"},
    {"9223372036854775807", "0005000400000000039a0d2c0170156516af", "9223372036854775807"},
    {"-12345.6789", "0003000140000004000109291a85", "-12345.6789"},
    {"1.5e3", "000100000000000005dc", "1500"},
    {"+.5", "0001ffff000000011388", "0.5"},
    {"0.000010", "0001fffe0000000603e8", "0.000010"},
};

/* Drop the spaces that keep the vectors readable. */
static size_t unhex_sp(const char *h, uint8_t *out)
{
    char tmp[256];
    size_t o = 0;
    for (; *h; h++)
        if (*h != ' ')
            tmp[o++] = *h;
    tmp[o] = '\0';
    return unhex(tmp, out);
}

static void test_numeric_vectors_both_ways(void **st)
{
    (void)st;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    for (size_t i = 0; i < sizeof numeric_vectors / sizeof numeric_vectors[0]; i++) {
        const nvec *v = &numeric_vectors[i];
        uint8_t bin[64];
        size_t n = unhex_sp(v->hex, bin);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_numeric_bin(&out, S(v->in)), PGW_OK);
        assert_int_equal(out.len, n);
        assert_memory_equal(out.data, bin, n);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_decode_numeric_bin(bin, n, &out), PGW_OK);
        assert_buf(&out, v->text);
    }
    pgw_buf_free(&out);
}

static void test_numeric_1000_digits_round_trip(void **st)
{
    (void)st;
    char big[2100];
    memset(big, '7', 1000);
    big[1000] = '.';
    memset(big + 1001, '3', 1000);
    big[2001] = '\0';
    pgw_buf bin, txt;
    pgw_buf_init(&bin, NULL, 0);
    pgw_buf_init(&txt, NULL, 0);
    assert_int_equal(pgw_encode_numeric_bin(&bin, S(big)), PGW_OK);
    assert_int_equal(bin.len, 8 + 2 * 500);
    assert_int_equal(pgw_decode_numeric_bin(bin.data, bin.len, &txt), PGW_OK);
    assert_buf(&txt, big);
    /* 7.77...e999 is beyond a double; the fraction alone is not. */
    double d = 1;
    assert_int_equal(pgw_decode_numeric_bin_double(bin.data, bin.len, &d), PGW_E_RANGE);
    assert_true(d == 1);
    pgw_buf_reset(&bin);
    pgw_buf_reset(&txt);
    assert_int_equal(pgw_encode_numeric_bin(&bin, S(big + 999)), PGW_OK); /* "7.333..." */
    assert_int_equal(pgw_decode_numeric_bin(bin.data, bin.len, &txt), PGW_OK);
    assert_buf(&txt, big + 999);
    assert_int_equal(pgw_decode_numeric_bin_double(bin.data, bin.len, &d), PGW_OK);
    assert_true(d == 7.0 + 1.0 / 3.0);
    int64_t i;
    assert_int_equal(pgw_decode_numeric_bin_int64(bin.data, bin.len, &i), PGW_E_RANGE);
    pgw_buf_free(&bin);
    pgw_buf_free(&txt);
}

static void test_numeric_weight_limits(void **st)
{
    (void)st;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    /* weight 32767: a 1 followed by 131068 zeros, the largest magnitude. */
    uint8_t top[10];
    unhex("00017fff000000000001", top);
    assert_int_equal(pgw_decode_numeric_bin(top, 10, &out), PGW_OK);
    assert_int_equal(out.len, 131069);
    assert_int_equal(out.data[0], '1');
    assert_int_equal(out.data[131068], '0');
    pgw_buf back;
    pgw_buf_init(&back, NULL, 0);
    assert_int_equal(pgw_encode_numeric_bin(&back, (const char *)out.data, out.len), PGW_OK);
    assert_int_equal(back.len, 10);
    assert_memory_equal(back.data, top, 10);
    double d;
    assert_int_equal(pgw_decode_numeric_bin_double(top, 10, &d), PGW_E_RANGE);
    /* One more digit does not fit numeric. */
    pgw_buf_reset(&back);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("1e131072")), PGW_E_RANGE);
    assert_int_equal(out.len, 0);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("9e131071")), PGW_OK);
    pgw_buf_reset(&out);
    /* weight -32768 with scale 0: every digit is hidden, the value is 0. */
    {
        uint8_t tmp[10];
        unhex_sp("0001 8000 4000 0000 0001", tmp);
        assert_int_equal(pgw_decode_numeric_bin(tmp, 10, &out), PGW_OK);
        assert_buf(&out, "0");
    }
    /* The largest scale, 16383, and one past it. */
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("1e-16383")), PGW_OK);
    pgw_buf_reset(&back);
    assert_int_equal(pgw_decode_numeric_bin(out.data, out.len, &back), PGW_OK);
    assert_int_equal(back.len, 2 + 16383);
    assert_int_equal(back.data[back.len - 1], '1');
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("1e-16384")), PGW_E_RANGE);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("0.00e-16383")), PGW_E_RANGE);
    assert_int_equal(out.len, 0);
    pgw_buf_free(&out);
    pgw_buf_free(&back);
}

static void test_numeric_bin_malformed_is_invalid(void **st)
{
    (void)st;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    uint8_t ok[16];
    size_t n = unhex_sp("0002 0001 4000 0004 0001 0929", ok); /* -12345.0000 */
    assert_int_equal(pgw_decode_numeric_bin(ok, n, &out), PGW_OK);
    assert_buf(&out, "-12345.0000");
    pgw_buf_reset(&out);
    /* Every truncation and one trailing byte. */
    for (size_t k = 0; k < n; k++)
        assert_int_equal(pgw_decode_numeric_bin(ok, k, &out), PGW_E_INVALID);
    uint8_t longer[17];
    memcpy(longer, ok, n);
    longer[n] = 0;
    assert_int_equal(pgw_decode_numeric_bin(longer, n + 1, &out), PGW_E_INVALID);
    const char *bad[] = {
        "0001 0000 0000 0000 2710",      /* digit 10000 */
        "0001 0000 0000 0000 ffff",      /* digit -1 */
        "0000 0000 8000 0000",           /* sign 0x8000 */
        "0000 0000 c001 0000",           /* sign near NaN */
        "0000 0000 0000 4000",           /* dscale 16384 */
        "ffff 0000 0000 0000 0001",      /* ndigits 65535 for one digit */
        "0002 0000 0000 0000 0001",      /* ndigits 2 for one digit */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t b[16];
        size_t bl = unhex_sp(bad[i], b);
        assert_int_equal(pgw_decode_numeric_bin(b, bl, &out), PGW_E_INVALID);
        int64_t iv = 5;
        double dv = 5;
        assert_int_equal(pgw_decode_numeric_bin_int64(b, bl, &iv), PGW_E_INVALID);
        assert_int_equal(pgw_decode_numeric_bin_double(b, bl, &dv), PGW_E_INVALID);
        assert_true(iv == 5 && dv == 5.0);
    }
    assert_int_equal(pgw_decode_numeric_bin(NULL, 0, &out), PGW_E_INVALID);
    assert_int_equal(out.len, 0);
    pgw_buf_free(&out);
}

/* What numeric_recv makes of well-formed bytes the server would never send. */
static void test_numeric_bin_noncanonical_prints_as_server(void **st)
{
    (void)st;
    static const struct {
        const char *hex, *text;
    } v[] = {
        {"0002 0001 0000 0000 0000 0005", "5"},           /* leading zero digit */
        {"0002 0000 0000 0000 0005 0000", "5"},           /* trailing zero digit */
        {"0002 0000 0000 0001 0001 1538", "1.5"},         /* digits beyond dscale */
        {"0001 ffff 4000 0002 0009", "0.00"},             /* -0.0009 at scale 2 */
        {"0000 0005 4000 0000", "0"},                     /* negative zero */
        {"0001 0000 c000 0000 0001", "NaN"},              /* NaN with a digit */
        {"0001 0002 0000 0000 0007", "700000000"},        /* implied zeros */
        {"0001 fffd 0000 000c 0042", "0.000000000066"},   /* zeros after point */
    };
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t b[32];
        size_t n = unhex_sp(v[i].hex, b);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_decode_numeric_bin(b, n, &out), PGW_OK);
        assert_buf(&out, v[i].text);
    }
    pgw_buf_free(&out);
}

static void test_numeric_text_malformed_is_invalid(void **st)
{
    (void)st;
    const char *bad[] = {"",   "-",   "+",    ".",   "1e",  "1e+", "1.2.3", " 1", "1 ",
                         "0x10", "1_000", "e5", "--1", "1e5.0", "nan1", "Infinit", "1,5"};
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pgw_encode_numeric_bin(&out, S(bad[i])), PGW_E_INVALID);
    assert_int_equal(out.len, 0);
    pgw_buf_free(&out);
}

static void test_numeric_int64_conversions(void **st)
{
    (void)st;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    const int64_t vals[] = {INT64_MIN, INT64_MAX, 0, -1, 10000, 100000000, 123456789};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_numeric_bin_int64(&out, vals[i]), PGW_OK);
        int64_t back;
        assert_int_equal(pgw_decode_numeric_bin_int64(out.data, out.len, &back), PGW_OK);
        assert_true(back == vals[i]);
        /* Same bytes as from the decimal text. */
        char t[32];
        snprintf(t, sizeof t, "%lld", (long long)vals[i]);
        pgw_buf ref;
        pgw_buf_init(&ref, NULL, 0);
        assert_int_equal(pgw_encode_numeric_bin(&ref, S(t)), PGW_OK);
        assert_int_equal(ref.len, out.len);
        assert_memory_equal(ref.data, out.data, out.len);
        pgw_buf_free(&ref);
    }
    static const struct {
        const char *text;
        pgw_status rc;
        int64_t v;
    } cases[] = {
        {"9223372036854775808", PGW_E_RANGE, 0},  {"-9223372036854775809", PGW_E_RANGE, 0},
        {"1.5", PGW_E_RANGE, 0},                  {"2.00", PGW_OK, 2},
        {"-0.0001", PGW_E_RANGE, 0},              {"NaN", PGW_E_RANGE, 0},
        {"Infinity", PGW_E_RANGE, 0},             {"1e30", PGW_E_RANGE, 0},
        {"-9223372036854775808.000", PGW_OK, INT64_MIN},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_numeric_bin(&out, S(cases[i].text)), PGW_OK);
        int64_t v = 42;
        assert_int_equal(pgw_decode_numeric_bin_int64(out.data, out.len, &v), cases[i].rc);
        assert_true(v == (cases[i].rc == PGW_OK ? cases[i].v : 42));
    }
    pgw_buf_free(&out);
}

static void test_numeric_double_conversions(void **st)
{
    (void)st;
    pgw_buf out, txt;
    pgw_buf_init(&out, NULL, 0);
    pgw_buf_init(&txt, NULL, 0);
    static const struct {
        double d;
        const char *text;
    } v[] = {
        {0.1, "0.1"}, {-1.5, "-1.5"}, {1e20, "100000000000000000000"}, {-0.0, "0"},
        {1.2345678901234567e-05, "0.000012345678901234568"}, {123456789012345678.0, "123456789012345680"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        pgw_buf_reset(&out);
        pgw_buf_reset(&txt);
        assert_int_equal(pgw_encode_numeric_bin_double(&out, v[i].d), PGW_OK);
        assert_int_equal(pgw_decode_numeric_bin(out.data, out.len, &txt), PGW_OK);
        assert_buf(&txt, v[i].text);
    }
    /* Specials. */
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_numeric_bin_double(&out, (double)NAN), PGW_OK);
    assert_int_equal(pgw_encode_numeric_bin_double(&out, -(double)INFINITY), PGW_OK);
    assert_memory_equal(out.data, "\0\0\0\0\xc0\0\0\0\0\0\0\0\xf0\0\0\x20", 16);
    double d;
    assert_int_equal(pgw_decode_numeric_bin_double(out.data, 8, &d), PGW_OK);
    assert_true(isnan(d));
    assert_int_equal(pgw_decode_numeric_bin_double(out.data + 8, 8, &d), PGW_OK);
    assert_true(isinf(d) && d < 0);
    /* Lossless for random doubles, denormals included. */
    uint64_t s = 12345;
    for (int i = 0; i < 5000; i++) {
        uint64_t bits = next_rand(&s);
        if (i % 3 == 0)
            bits &= 0x800FFFFFFFFFFFFFu;
        double x = bits_to_double(bits);
        if (!isfinite(x))
            continue;
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_numeric_bin_double(&out, x), PGW_OK);
        double back;
        assert_int_equal(pgw_decode_numeric_bin_double(out.data, out.len, &back), PGW_OK);
        assert_true(back == x);
    }
    /* Beyond a double, and below its smallest denormal. */
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("1e400")), PGW_OK);
    assert_int_equal(pgw_decode_numeric_bin_double(out.data, out.len, &d), PGW_E_RANGE);
    pgw_buf_reset(&out);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("-1e-400")), PGW_OK);
    assert_int_equal(pgw_decode_numeric_bin_double(out.data, out.len, &d), PGW_OK);
    assert_true(d == 0);
    /* More digits than the 800 the conversion looks at: the halfway case
     * 1 + 2^-53 rounds to even (1), and a 1 far beyond the cut breaks the
     * tie upwards (the sticky digit). */
    {
        const char *half = "1.00000000000000011102230246251565404236316680908203125";
        char t[1200];
        size_t hl = strlen(half);
        memcpy(t, half, hl);
        t[hl] = '\0';
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_numeric_bin(&out, S(t)), PGW_OK);
        assert_int_equal(pgw_decode_numeric_bin_double(out.data, out.len, &d), PGW_OK);
        assert_true(d == 1.0);
        memset(t + hl, '0', 1000);
        t[hl + 1000] = '1';
        t[hl + 1001] = '\0';
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_numeric_bin(&out, S(t)), PGW_OK);
        assert_int_equal(pgw_decode_numeric_bin_double(out.data, out.len, &d), PGW_OK);
        assert_true(d == 1.0 + 2.220446049250313e-16);
    }
    pgw_buf_free(&out);
    pgw_buf_free(&txt);
}

static void test_numeric_encoder_leaves_buffer_on_failure(void **st)
{
    (void)st;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 12);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("1")), PGW_OK);
    assert_int_equal(out.len, 10);
    assert_int_equal(pgw_encode_numeric_bin(&out, S("12345678")), PGW_E_TOO_LARGE);
    assert_int_equal(out.len, 10);
    pgw_buf_free(&out);
    pgw_buf_init(&out, NULL, 4);
    uint8_t b[16];
    size_t n = unhex_sp("0002 0001 4000 0004 0001 0929", b);
    assert_int_equal(pgw_decode_numeric_bin(b, n, &out), PGW_E_TOO_LARGE);
    assert_int_equal(out.len, 0);
    pgw_buf_free(&out);
}

/* ---- render --------------------------------------------------------------- */

static void test_render_numbers_each_type(void **st)
{
    (void)st;
    static const struct {
        uint32_t oid;
        const char *hex, *text;
    } v[] = {
        {PGW_OID_BOOL, "01", "t"},
        {PGW_OID_BOOL, "00", "f"},
        {PGW_OID_INT2, "8000", "-32768"},
        {PGW_OID_INT4, "7fffffff", "2147483647"},
        {PGW_OID_INT8, "8000000000000000", "-9223372036854775808"},
        {PGW_OID_OID, "ffffffff", "4294967295"},
        {PGW_OID_XID, "ffffffff", "4294967295"},
        {PGW_OID_CID, "00000000", "0"},
        {PGW_OID_XID8, "ffffffffffffffff", "18446744073709551615"},
        {PGW_OID_PG_LSN, "00000016b374d848", "16/B374D848"},
        {PGW_OID_PG_LSN, "0000000000000000", "0/0"},
        {PGW_OID_TID, "000000000001", "(0,1)"},
        {PGW_OID_TID, "ffffffffffff", "(4294967295,65535)"},
        {PGW_OID_FLOAT8, "3fb999999999999a", "0.1"},
        {PGW_OID_FLOAT4, "3dcccccd", "0.1"},
        {PGW_OID_NUMERIC, "000200000000000200011388", "1.50"},
    };
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t b[32];
        size_t n = unhex(v[i].hex, b);
        pgw_buf_reset(&out);
        assert_true(pgwi_render_numbers_supported(v[i].oid));
        assert_int_equal(pgwi_render_numbers(&out, v[i].oid, b, n, &ctx), PGW_OK);
        assert_buf(&out, v[i].text);
        /* A byte short is never a value. */
        pgw_buf_reset(&out);
        assert_int_equal(pgwi_render_numbers(&out, v[i].oid, b, n - 1, &ctx), PGW_E_INVALID);
    }
    /* extra_float_digits reaches the float output. */
    ctx.extra_float_digits = 0;
    uint8_t b[8];
    unhex("3fd3333333333334", b);
    pgw_buf_reset(&out);
    assert_int_equal(pgwi_render_numbers(&out, PGW_OID_FLOAT8, b, 8, &ctx), PGW_OK);
    assert_buf(&out, "0.3");
    pgw_buf_free(&out);
}

static void test_render_numbers_catalog_and_locale_types_unsupported(void **st)
{
    (void)st;
    const uint32_t no[] = {PGW_OID_REGPROC,   PGW_OID_REGTYPE,      PGW_OID_REGCLASS,
                           PGW_OID_REGOPER,   PGW_OID_REGNAMESPACE, PGW_OID_REGROLE,
                           PGW_OID_MONEY,     PGW_OID_TEXT,         PGW_OID_DATE};
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    uint8_t b[8] = {0};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_false(pgwi_render_numbers_supported(no[i]));
        assert_int_equal(pgwi_render_numbers(&out, no[i], b, 4, &ctx), PGW_E_UNSUPPORTED);
    }
    assert_int_equal(out.len, 0);
    pgw_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool_bin_round_trip_and_rejects_other_bytes),
        cmocka_unit_test(test_int_bin_limits_round_trip),
        cmocka_unit_test(test_fixed_width_bin_wrong_length_is_invalid),
        cmocka_unit_test(test_oid_bin_and_text_are_unsigned),
        cmocka_unit_test(test_float_bin_keeps_every_bit_pattern),
        cmocka_unit_test(test_float8_text_matches_server_vectors),
        cmocka_unit_test(test_float4_text_matches_server_vectors),
        cmocka_unit_test(test_float_text_shortest_round_trips),
        cmocka_unit_test(test_float_text_encoders_reject_null_buffer),
        cmocka_unit_test(test_numeric_vectors_both_ways),
        cmocka_unit_test(test_numeric_1000_digits_round_trip),
        cmocka_unit_test(test_numeric_weight_limits),
        cmocka_unit_test(test_numeric_bin_malformed_is_invalid),
        cmocka_unit_test(test_numeric_bin_noncanonical_prints_as_server),
        cmocka_unit_test(test_numeric_text_malformed_is_invalid),
        cmocka_unit_test(test_numeric_int64_conversions),
        cmocka_unit_test(test_numeric_double_conversions),
        cmocka_unit_test(test_numeric_encoder_leaves_buffer_on_failure),
        cmocka_unit_test(test_render_numbers_each_type),
        cmocka_unit_test(test_render_numbers_catalog_and_locale_types_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
