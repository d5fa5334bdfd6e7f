/* Text-format decoders of src/types. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/types.h"

#define S(x) x, strlen(x)

static void test_int8_text_limits_round_trip(void **s)
{
    int64_t v;
    assert_int_equal(pgw_decode_int8_text(S("9223372036854775807"), &v), PGW_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(pgw_decode_int8_text(S("-9223372036854775808"), &v), PGW_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(pgw_decode_int8_text(S("+42"), &v), PGW_OK);
    assert_true(v == 42);
    assert_int_equal(pgw_decode_int8_text(S("0"), &v), PGW_OK);
    assert_true(v == 0);
}

static void test_int8_text_overflow_is_range(void **s)
{
    int64_t v;
    assert_int_equal(pgw_decode_int8_text(S("9223372036854775808"), &v), PGW_E_RANGE);
    assert_int_equal(pgw_decode_int8_text(S("-9223372036854775809"), &v), PGW_E_RANGE);
    assert_int_equal(pgw_decode_int8_text(S("99999999999999999999999"), &v), PGW_E_RANGE);
}

static void test_int_text_malformed_is_invalid(void **s)
{
    int64_t v;
    const char *bad[] = {"", "-", "+", " 1", "1 ", "1.0", "0x10", "1e3", "--1", "12a", "١"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pgw_decode_int8_text(S(bad[i]), &v), PGW_E_INVALID);
    assert_int_equal(pgw_decode_int8_text(NULL, 0, &v), PGW_E_INVALID);
    /* Malformed text wins over range: the caller learns the real problem. */
    assert_int_equal(pgw_decode_int8_text(S("99999999999999999999x"), &v), PGW_E_INVALID);
}

static void test_int4_int2_limits(void **s)
{
    int32_t i;
    int16_t h;
    assert_int_equal(pgw_decode_int4_text(S("2147483647"), &i), PGW_OK);
    assert_int_equal(i, INT32_MAX);
    assert_int_equal(pgw_decode_int4_text(S("-2147483648"), &i), PGW_OK);
    assert_int_equal(i, INT32_MIN);
    assert_int_equal(pgw_decode_int4_text(S("2147483648"), &i), PGW_E_RANGE);
    assert_int_equal(pgw_decode_int4_text(S("-2147483649"), &i), PGW_E_RANGE);
    assert_int_equal(pgw_decode_int2_text(S("32767"), &h), PGW_OK);
    assert_int_equal(h, 32767);
    assert_int_equal(pgw_decode_int2_text(S("-32768"), &h), PGW_OK);
    assert_int_equal(h, -32768);
    assert_int_equal(pgw_decode_int2_text(S("32768"), &h), PGW_E_RANGE);
}

static void test_float8_text_values(void **s)
{
    double d;
    assert_int_equal(pgw_decode_float8_text(S("1.5"), &d), PGW_OK);
    assert_true(d == 1.5);
    assert_int_equal(pgw_decode_float8_text(S("-2.5e-3"), &d), PGW_OK);
    assert_true(d == -2.5e-3);
    assert_int_equal(pgw_decode_float8_text(S("NaN"), &d), PGW_OK);
    assert_true(isnan(d));
    assert_int_equal(pgw_decode_float8_text(S("Infinity"), &d), PGW_OK);
    assert_true(isinf(d) && d > 0);
    assert_int_equal(pgw_decode_float8_text(S("-Infinity"), &d), PGW_OK);
    assert_true(isinf(d) && d < 0);
    assert_int_equal(pgw_decode_float8_text(S("123456789012345678901234567890.5"), &d), PGW_OK);
    assert_true(d > 1.2e29 && d < 1.3e29);
    assert_int_equal(pgw_decode_float8_text(S(".5"), &d), PGW_OK);
    assert_true(d == 0.5);
}

static void test_float8_text_bad_and_overflow(void **s)
{
    double d;
    const char *bad[] = {"", ".", "e5", "1e", "1e+", "0x1p3", " 1", "1 ", "inff", "1.2.3", "--1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pgw_decode_float8_text(S(bad[i]), &d), PGW_E_INVALID);
    assert_int_equal(pgw_decode_float8_text(S("1e999"), &d), PGW_E_RANGE);
    char big[2000];
    memset(big, '1', sizeof big);
    assert_int_equal(pgw_decode_float8_text(big, sizeof big, &d), PGW_E_INVALID);
}

/* The decoded double must be bit-identical to glibc's strtod (correctly
 * rounded) for the same text; the test runs in the C locale. */
static void expect_same_as_strtod(const char *text)
{
    double got = 0.0, want = strtod(text, NULL);
    pgw_status rc = pgw_decode_float8_text(S(text), &got);
    if (rc != PGW_OK || memcmp(&got, &want, sizeof got) != 0)
        fail_msg("\"%s\": status %d, got %.17g, want %.17g", text, (int)rc, got, want);
}

static void test_float8_text_fast_path_boundaries_match_strtod(void **s)
{
    static const char *cases[] = {
        /* the mantissa limit: 2^53 is exact, 2^53 + 1 is not (falls back) */
        "9007199254740992", "9007199254740993", "9007199254740991", "-9007199254740992",
        "900719925474099.2", "9007199254740992e-22", "9007199254740993e-22",
        /* the exponent limits of the exact powers: 1e22 is exact, 1e23 not */
        "1e22", "1e23", "1e-22", "1e-23", "4.35e-23", "123456789012345e22",
        "9.999999999999999e22", "1.7976931348623157e308", "2.2250738585072014e-308",
        "4.9406564584124654e-324", "5e-324", "1e-400",
        /* beyond 10^22 while mantissa * 10^k stays exact ("15e30") */
        "15e30", "1e37", "1e38", "9007199254740992e15", "900719925474099e16",
        "90071992547409e17",
        /* values the server prints for float8, shortest round-trip form */
        "0.1", "0.2", "0.3", "1.5", "-2.5e-05", "1.2345678901234567e-05", "3.141592653589793",
        "2.718281828459045", "1e+15", "1.7976931348623157e+308", "123456789012345680000",
        "0.30000000000000004", "1.5e+300", "7.5", "1500000",
        /* leading and trailing zeros do not count as significant digits */
        "0000000000000000000000000001.5", "0.000000000000000000000000000015",
        "1.50000000000000000000000000000", "100000000000000000000", "12345678901234567890",
        "1234567890123456789", "0.1234567890123456789", "-0", "0.0", "0e999", "-0.000e-5",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_same_as_strtod(cases[i]);
    double d;
    assert_int_equal(pgw_decode_float8_text(S("-0"), &d), PGW_OK);
    assert_true(d == 0.0 && signbit(d));
}

/* A deterministic sweep: random doubles printed the ways the server and
 * applications print them (shortest-ish %.15g, round-trip %.17g, %e with
 * 1..17 digits), and random exact mantissas with exponents around the
 * fast path's edges. */
static void test_float8_text_random_sweep_matches_strtod(void **s)
{
    uint64_t x = UINT64_C(0x9E3779B97F4A7C15);
    char buf[64];
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        uint64_t bits = x & ~(UINT64_C(0x7FF) << 52);
        bits |= (uint64_t)(1023 - 80 + (int)(x % 160)) << 52; /* 2^-80 .. 2^80 */
        memcpy(&v, &bits, sizeof v);
        snprintf(buf, sizeof buf, "%.15g", v);
        expect_same_as_strtod(buf);
        snprintf(buf, sizeof buf, "%.17g", v);
        expect_same_as_strtod(buf);
        snprintf(buf, sizeof buf, "%.*e", (int)(x >> 60), v);
        expect_same_as_strtod(buf);
        uint64_t mant = (x >> 11) >> (x % 30); /* up to 2^53 - 1, often less */
        int e = (int)((x >> 40) % 64) - 26;   /* -26 .. 37 */
        snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)mant, e);
        expect_same_as_strtod(buf);
    }
}

static void test_int_text_leading_zeros_skipped_twenty_digits_out_of_range(void **s)
{
    int64_t v;
    int32_t i;
    assert_int_equal(pgw_decode_int8_text(S("0000000000000000000000000042"), &v), PGW_OK);
    assert_true(v == 42);
    assert_int_equal(pgw_decode_int8_text(S("-00000000000000000000009223372036854775808"), &v),
                     PGW_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(pgw_decode_int8_text(S("-0"), &v), PGW_OK);
    assert_true(v == 0);
    /* 19 digits fit the accumulator; 20 never fit an int64 */
    assert_int_equal(pgw_decode_int8_text(S("9999999999999999999"), &v), PGW_E_RANGE);
    assert_int_equal(pgw_decode_int8_text(S("18446744073709551616"), &v), PGW_E_RANGE);
    assert_int_equal(pgw_decode_int8_text(S("18446744073709551615"), &v), PGW_E_RANGE);
    assert_int_equal(pgw_decode_int4_text(S("00000000000000000002147483647"), &i), PGW_OK);
    assert_int_equal(i, INT32_MAX);
    assert_int_equal(pgw_decode_int4_text(S("4294967296"), &i), PGW_E_RANGE);
    assert_int_equal(pgw_decode_int4_text(S("-"), &i), PGW_E_INVALID);
    assert_int_equal(pgw_decode_int4_text(S("1-"), &i), PGW_E_INVALID);
}

static void test_bool_text(void **s)
{
    bool b;
    const char *t[] = {"t", "true", "TRUE", "yes", "on", "1", "y"};
    const char *f[] = {"f", "false", "False", "no", "off", "0", "n"};
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(pgw_decode_bool_text(S(t[i]), &b), PGW_OK);
        assert_true(b);
        assert_int_equal(pgw_decode_bool_text(S(f[i]), &b), PGW_OK);
        assert_false(b);
    }
    assert_int_equal(pgw_decode_bool_text(S("tru"), &b), PGW_E_INVALID);
    assert_int_equal(pgw_decode_bool_text(S(""), &b), PGW_E_INVALID);
    assert_int_equal(pgw_decode_bool_text(S("2"), &b), PGW_E_INVALID);
}

/* Digits of 4 to 8 bytes (after an optional sign) take a word-at-a-time
 * fast path; the same text with eight more leading zeros is longer and
 * takes the general loop. Over many generated texts, valid or not, both
 * must give the same status and value (for floats only when the text
 * after the sign starts with a digit, where the zeros change nothing), and
 * every float accepted must equal strtod's reading. */
static void test_int_float_text_fast_path_agrees_with_padded_general(void **s)
{
    static const char alpha[] = "0123456789012345678901234567890.-+e: /\xfa\xff";
    uint32_t x = 12345;
    for (int iter = 0; iter < 400000; iter++) {
        char t[16], pad[32];
        size_t len = 0, n = 4 + (size_t)(iter % 6) - 1; /* 3..8 after the sign */
        x = x * 1103515245u + 12345u;
        if (x >> 30 == 0)
            t[len++] = (x >> 29) & 1 ? '-' : '+';
        for (size_t k = 0; k < n; k++) {
            x = x * 1103515245u + 12345u;
            /* mostly digits, sometimes one of the others */
            t[len++] = (x >> 16) % 8 != 0 ? (char)('0' + (x >> 20) % 10)
                                           : alpha[(x >> 20) % (sizeof alpha - 1)];
        }
        t[len] = '\0';
        size_t sign = t[0] == '-' || t[0] == '+';
        memcpy(pad, t, sign);
        memset(pad + sign, '0', 8);
        memcpy(pad + sign + 8, t + sign, len - sign + 1);
        size_t plen = len + 8;

        int32_t a4 = 0, b4 = 0;
        pgw_status ra = pgw_decode_int4_text(t, len, &a4), rb = pgw_decode_int4_text(pad, plen, &b4);
        if (ra != rb || (ra == PGW_OK && a4 != b4))
            fail_msg("int4 \"%s\": %d/%d %d/%d", t, (int)ra, (int)rb, (int)a4, (int)b4);
        int16_t a2 = 0, b2 = 0;
        ra = pgw_decode_int2_text(t, len, &a2);
        rb = pgw_decode_int2_text(pad, plen, &b2);
        if (ra != rb || (ra == PGW_OK && a2 != b2))
            fail_msg("int2 \"%s\": %d/%d", t, (int)ra, (int)rb);
        int64_t a8 = 0, b8 = 0;
        ra = pgw_decode_int8_text(t, len, &a8);
        rb = pgw_decode_int8_text(pad, plen, &b8);
        if (ra != rb || (ra == PGW_OK && a8 != b8))
            fail_msg("int8 \"%s\": %d/%d", t, (int)ra, (int)rb);

        double fa = 0, fb = 0;
        ra = pgw_decode_float8_text(t, len, &fa);
        if (t[sign] >= '0' && t[sign] <= '9') {
            rb = pgw_decode_float8_text(pad, plen, &fb);
            if (ra != rb || (ra == PGW_OK && (fa != fb || signbit(fa) != signbit(fb))))
                fail_msg("float8 \"%s\": %d/%d %.17g/%.17g", t, (int)ra, (int)rb, fa, fb);
        }
        if (ra == PGW_OK) {
            double want = strtod(t, NULL);
            if (fa != want || signbit(fa) != signbit(want))
                fail_msg("float8 \"%s\": %.17g, strtod %.17g", t, fa, want);
        }
    }
    (void)s;
}

static void test_float4_text_values_and_limits(void **s)
{
    float f = 0;
    assert_int_equal(pgw_decode_float4_text(S("0.1"), &f), PGW_OK);
    assert_true(f == 0.1f);
    /* Rounded once to single precision, not via a double: this text lies
     * just above the midpoint of two floats whose double rounding would
     * land on the even one. */
    assert_int_equal(pgw_decode_float4_text(S("1.00000005960464477550"), &f), PGW_OK);
    assert_true(f == strtof("1.00000005960464477550", NULL) && f > 1.0f);
    assert_int_equal(pgw_decode_float4_text(S("3.4028235e+38"), &f), PGW_OK);
    assert_true(f == 3.4028235e+38f);
    assert_int_equal(pgw_decode_float4_text(S("1e-45"), &f), PGW_OK); /* denormal */
    assert_true(f > 0);
    assert_int_equal(pgw_decode_float4_text(S("-0"), &f), PGW_OK);
    assert_true(f == 0 && signbit(f));
    assert_int_equal(pgw_decode_float4_text(S("-Infinity"), &f), PGW_OK);
    assert_true(isinf(f) && f < 0);
    assert_int_equal(pgw_decode_float4_text(S("NaN"), &f), PGW_OK);
    assert_true(isnan(f));
    f = 7;
    assert_int_equal(pgw_decode_float4_text(S("3.5e38"), &f), PGW_E_RANGE);
    assert_int_equal(pgw_decode_float4_text(S("1e-50"), &f), PGW_E_RANGE);
    assert_int_equal(pgw_decode_float4_text(S("0e-50"), &f), PGW_OK);
    assert_true(f == 0);
    f = 7;
    const char *bad[] = {"", "-", ".", "1e", "1.5e+", "0x1p3", " 1", "1 ", "1,5", "inf inity"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pgw_decode_float4_text(S(bad[i]), &f), PGW_E_INVALID);
    assert_int_equal(pgw_decode_float4_text(NULL, 0, &f), PGW_E_INVALID);
    assert_true(f == 7);
}

static void test_oid_text_unsigned_and_negative_input_forms(void **s)
{
    uint32_t o = 0;
    assert_int_equal(pgw_decode_oid_text(S("4294967295"), &o), PGW_OK);
    assert_true(o == 4294967295u);
    assert_int_equal(pgw_decode_oid_text(S("0"), &o), PGW_OK);
    assert_true(o == 0);
    /* oidin's compatibility forms: -1 is 4294967295, -2147483648 the
     * lowest accepted. */
    assert_int_equal(pgw_decode_oid_text(S("-1"), &o), PGW_OK);
    assert_true(o == 4294967295u);
    assert_int_equal(pgw_decode_oid_text(S("-2147483648"), &o), PGW_OK);
    assert_true(o == 2147483648u);
    assert_int_equal(pgw_decode_oid_text(S("-0"), &o), PGW_OK);
    assert_true(o == 0);
    o = 9;
    assert_int_equal(pgw_decode_oid_text(S("-2147483649"), &o), PGW_E_RANGE);
    assert_int_equal(pgw_decode_oid_text(S("4294967296"), &o), PGW_E_RANGE);
    assert_int_equal(pgw_decode_oid_text(S("abc"), &o), PGW_E_INVALID);
    assert_int_equal(pgw_decode_oid_text(S("1.0"), &o), PGW_E_INVALID);
    assert_true(o == 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int8_text_limits_round_trip),
        cmocka_unit_test(test_int8_text_overflow_is_range),
        cmocka_unit_test(test_int_text_malformed_is_invalid),
        cmocka_unit_test(test_int4_int2_limits),
        cmocka_unit_test(test_float8_text_values),
        cmocka_unit_test(test_float8_text_bad_and_overflow),
        cmocka_unit_test(test_float8_text_fast_path_boundaries_match_strtod),
        cmocka_unit_test(test_float8_text_random_sweep_matches_strtod),
        cmocka_unit_test(test_int_text_leading_zeros_skipped_twenty_digits_out_of_range),
        cmocka_unit_test(test_int_float_text_fast_path_agrees_with_padded_general),
        cmocka_unit_test(test_bool_text),
        cmocka_unit_test(test_float4_text_values_and_limits),
        cmocka_unit_test(test_oid_text_unsigned_and_negative_input_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
