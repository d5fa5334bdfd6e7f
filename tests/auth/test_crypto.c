/* The crypto seam (OpenSSL backend): published known answers for each
 * primitive, the argument checks in front of libcrypto's int lengths, and
 * that no OpenSSL error is left in the thread's queue. The vectors are
 * FIPS 180-2 (SHA-256 "abc"), RFC 4231 (HMAC-SHA-256 cases 1 and 6),
 * RFC 7914 section 11 (PBKDF2-HMAC-SHA-256) and RFC 1321 (MD5); each was
 * also re-checked with Python's hashlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>

#include "crypto/crypto.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (size_t k = 0; k < 2; k++) {
            char c = hex[2 * i + k];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
    return n;
}

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    uint8_t w[128];
    assert_int_equal(unhex(want, w, sizeof w), n);
    assert_memory_equal(got, w, n);
}

static void test_crypto_sha256_known_answers_match(void **state)
{
    uint8_t d[PGWI_SHA256_LEN];
    assert_int_equal(pgwi_sha256("abc", 3, d), PGW_OK);
    assert_hex(d, sizeof d, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(pgwi_sha256(NULL, 0, d), PGW_OK);
    assert_hex(d, sizeof d, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_crypto_hmac_sha256_rfc4231_match(void **state)
{
    uint8_t key[131], d[PGWI_SHA256_LEN];
    memset(key, 0x0b, 20);
    assert_int_equal(pgwi_hmac_sha256(key, 20, "Hi There", 8, d), PGW_OK);
    assert_hex(d, sizeof d, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    /* A key longer than the block size is hashed first. */
    memset(key, 0xaa, sizeof key);
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    assert_int_equal(pgwi_hmac_sha256(key, sizeof key, msg, strlen(msg), d), PGW_OK);
    assert_hex(d, sizeof d, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_crypto_pbkdf2_sha256_rfc7914_match(void **state)
{
    uint8_t d[64];
    assert_int_equal(pgwi_pbkdf2_sha256("passwd", 6, "salt", 4, 1, d, 64), PGW_OK);
    assert_hex(d, 64,
               "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
               "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    assert_int_equal(pgwi_pbkdf2_sha256("Password", 8, "NaCl", 4, 80000, d, 64), PGW_OK);
    assert_hex(d, 64,
               "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
               "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
    /* An empty password is a valid input (Python hashlib). */
    assert_int_equal(pgwi_pbkdf2_sha256(NULL, 0, "salt", 4, 2, d, 32), PGW_OK);
    assert_hex(d, 32, "62384466264daadc4144018c6bd864648272b34da8980d31521ffcce92ae003b");
}

static void test_crypto_pbkdf2_bad_arguments_are_invalid(void **state)
{
    uint8_t d[32];
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 0, d, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 0x80000000u, d, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 1, d, 0), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 1, NULL, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", (size_t)0x80000000u, "s", 1, 1, d, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_hmac_sha256("k", (size_t)0x80000000u, "d", 1, d), PGW_E_INVALID);
}

static void test_crypto_md5_2_rfc1321_match(void **state)
{
    uint8_t d[PGWI_MD5_LEN];
    assert_int_equal(pgwi_md5_2(NULL, 0, NULL, 0, d), PGW_OK);
    assert_hex(d, sizeof d, "d41d8cd98f00b204e9800998ecf8427e");
    /* The two parts are hashed as one concatenation, wherever the split. */
    assert_int_equal(pgwi_md5_2("message digest", 14, NULL, 0, d), PGW_OK);
    assert_hex(d, sizeof d, "f96b697d7cb7938d525a2f31aaf161d0");
    assert_int_equal(pgwi_md5_2("message ", 8, "digest", 6, d), PGW_OK);
    assert_hex(d, sizeof d, "f96b697d7cb7938d525a2f31aaf161d0");
}

static void test_crypto_random_bytes_fill_and_differ(void **state)
{
    uint8_t a[32], b[32];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    assert_int_equal(pgwi_random_bytes(a, sizeof a), PGW_OK);
    assert_int_equal(pgwi_random_bytes(b, sizeof b), PGW_OK);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(pgwi_random_bytes(NULL, 0), PGW_OK);
}

static void test_crypto_wipe_zeroes_memory(void **state)
{
    uint8_t buf[17];
    memset(buf, 0x5a, sizeof buf);
    pgwi_wipe(buf, sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0);
    pgwi_wipe(NULL, 5); /* NULL-safe */
    pgwi_wipe(buf, 0);
}

static void test_crypto_ct_equal_compares_bytes(void **state)
{
    assert_true(pgwi_ct_equal("abcd", "abcd", 4));
    assert_false(pgwi_ct_equal("abcd", "abce", 4));
    assert_false(pgwi_ct_equal("xbcd", "abcd", 4));
    assert_true(pgwi_ct_equal("abcd", "abce", 3));
    assert_true(pgwi_ct_equal(NULL, NULL, 0));
}

/* Failures inside the seam must not leave errors in OpenSSL's queue for an
 * unrelated caller (e.g. the TLS code) to pick up. */
static void test_crypto_leaves_no_openssl_errors(void **state)
{
    uint8_t d[64];
    ERR_clear_error();
    assert_int_equal(pgwi_sha256("x", 1, d), PGW_OK);
    assert_int_equal(pgwi_hmac_sha256("k", 1, "x", 1, d), PGW_OK);
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 2, d, 32), PGW_OK);
    assert_int_equal(pgwi_md5_2("a", 1, "b", 1, d), PGW_OK);
    assert_int_equal(pgwi_random_bytes(d, 8), PGW_OK);
    assert_int_equal(ERR_peek_error(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crypto_sha256_known_answers_match),
        cmocka_unit_test(test_crypto_hmac_sha256_rfc4231_match),
        cmocka_unit_test(test_crypto_pbkdf2_sha256_rfc7914_match),
        cmocka_unit_test(test_crypto_pbkdf2_bad_arguments_are_invalid),
        cmocka_unit_test(test_crypto_md5_2_rfc1321_match),
        cmocka_unit_test(test_crypto_random_bytes_fill_and_differ),
        cmocka_unit_test(test_crypto_wipe_zeroes_memory),
        cmocka_unit_test(test_crypto_ct_equal_compares_bytes),
        cmocka_unit_test(test_crypto_leaves_no_openssl_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
