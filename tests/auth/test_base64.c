/* Strict base64 (src/auth/base64.c): RFC 4648 section 10 vectors, round
 * trips over every length and byte value, and each kind of malformed
 * input refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth_int.h"

static const struct {
    const char *raw;
    const char *b64;
} rfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_base64_rfc4648_vectors_encode_and_decode(void **state)
{
    for (size_t i = 0; i < sizeof rfc4648 / sizeof rfc4648[0]; i++) {
        const char *raw = rfc4648[i].raw, *b64 = rfc4648[i].b64;
        char enc[16];
        uint8_t dec[16];
        size_t n = 99;
        assert_int_equal(pgwi_base64_encode((const uint8_t *)raw, strlen(raw), enc, sizeof enc, &n),
                         PGW_OK);
        assert_int_equal(n, strlen(b64));
        assert_memory_equal(enc, b64, n);
        assert_int_equal(pgwi_base64_decode(b64, strlen(b64), dec, sizeof dec, &n), PGW_OK);
        assert_int_equal(n, strlen(raw));
        assert_memory_equal(dec, raw, n);
    }
}

static void test_base64_round_trips_every_length_and_byte(void **state)
{
    uint8_t raw[300], dec[300];
    char enc[400];
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (uint8_t)(255 - i * 13);
    for (size_t len = 0; len <= sizeof raw; len++) {
        size_t want, n, m;
        assert_true(pgwi_base64_encoded_len(len, &want));
        assert_int_equal(want, (len + 2) / 3 * 4);
        assert_int_equal(pgwi_base64_encode(raw, len, enc, sizeof enc, &n), PGW_OK);
        assert_int_equal(n, want);
        assert_int_equal(pgwi_base64_decode(enc, n, dec, sizeof dec, &m), PGW_OK);
        assert_int_equal(m, len);
        assert_memory_equal(dec, raw, len);
    }
}

static void test_base64_full_alphabet_decodes(void **state)
{
    const char *all = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t dec[48];
    char enc[64];
    size_t n, m;
    assert_int_equal(pgwi_base64_decode(all, 64, dec, sizeof dec, &n), PGW_OK);
    assert_int_equal(n, 48);
    assert_int_equal(pgwi_base64_encode(dec, n, enc, sizeof enc, &m), PGW_OK);
    assert_memory_equal(enc, all, 64);
}

static void test_base64_malformed_input_is_protocol_error(void **state)
{
    const char *bad[] = {
        "A",        "AB",       "ABC",   "ABCDE",        /* length not a multiple of 4 */
        "AB=",      "Zg=",      "Zg===",                 /* padding count */
        "====",     "A===",     "=AAA",  "AA=A",         /* padding position */
        "Zg==Zg==", "Zm8=Zm9v",                          /* padding mid-stream */
        "Zm9v!A==", "Zm-v",     "Zm_v",  "Zm9\x80",      /* outside the alphabet */
        "Zm 9",     "Zm9\n",    "Zm\t9", "Zm9v\r\nZg==", /* whitespace */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t out[16];
        size_t n = 99;
        assert_int_equal(pgwi_base64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n),
                         PGW_E_PROTOCOL);
        assert_int_equal(n, 0);
    }
    /* An embedded NUL is a bad character, not a terminator. */
    uint8_t out[4];
    size_t n;
    assert_int_equal(pgwi_base64_decode("Zg\0=", 4, out, sizeof out, &n), PGW_E_PROTOCOL);
}

/* Unused low bits in the final group are ignored, as PostgreSQL's decoder
 * ignores them ("Zh==" and "Zg==" both decode to "f"). */
static void test_base64_noncanonical_trailing_bits_are_accepted(void **state)
{
    uint8_t out[4];
    size_t n;
    assert_int_equal(pgwi_base64_decode("Zh==", 4, out, sizeof out, &n), PGW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 'f');
    assert_int_equal(pgwi_base64_decode("Zm9=", 4, out, sizeof out, &n), PGW_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "fo", 2);
}

static void test_base64_small_output_is_too_large(void **state)
{
    uint8_t out[5];
    char enc[8];
    size_t n = 99;
    assert_int_equal(pgwi_base64_decode("Zm9vYmFy", 8, out, 5, &n), PGW_E_TOO_LARGE);
    assert_int_equal(n, 0);
    assert_int_equal(pgwi_base64_decode("Zm9vYmE=", 8, out, 5, &n), PGW_OK);
    assert_int_equal(n, 5);
    /* Malformed wins over too large: the caller learns the real problem. */
    assert_int_equal(pgwi_base64_decode("Zm9vYm!y", 8, out, 5, &n), PGW_E_PROTOCOL);
    assert_int_equal(pgwi_base64_encode((const uint8_t *)"foobar", 6, enc, sizeof enc - 1, &n),
                     PGW_E_TOO_LARGE);
    assert_int_equal(n, 0);
    assert_int_equal(pgwi_base64_encode((const uint8_t *)"fooba", 5, enc, sizeof enc, &n), PGW_OK);
    assert_int_equal(n, 8);
    assert_memory_equal(enc, "Zm9vYmE=", 8);
}

static void test_base64_encoded_len_overflow_is_reported(void **state)
{
    size_t n;
    assert_false(pgwi_base64_encoded_len(SIZE_MAX, &n));
    assert_true(pgwi_base64_encoded_len(0, &n));
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_rfc4648_vectors_encode_and_decode),
        cmocka_unit_test(test_base64_round_trips_every_length_and_byte),
        cmocka_unit_test(test_base64_full_alphabet_decodes),
        cmocka_unit_test(test_base64_malformed_input_is_protocol_error),
        cmocka_unit_test(test_base64_noncanonical_trailing_bits_are_accepted),
        cmocka_unit_test(test_base64_small_output_is_too_large),
        cmocka_unit_test(test_base64_encoded_len_overflow_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
