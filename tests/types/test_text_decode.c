/* Text-format decoders of src/types. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_int8_text_limits_round_trip),
        cmocka_unit_test(test_int8_text_overflow_is_range),
        cmocka_unit_test(test_int_text_malformed_is_invalid),
        cmocka_unit_test(test_int4_int2_limits),
        cmocka_unit_test(test_float8_text_values),
        cmocka_unit_test(test_float8_text_bad_and_overflow),
        cmocka_unit_test(test_bool_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
