/* The builtin primitives (src/crypto/sha256.c, md5.c, hmac_sha256.c,
 * compiled into this test directly, whatever -Dcrypto says) against
 * OpenSSL's libcrypto on pseudo-random inputs: every length from 0 to 300
 * and some long ones, streamed in random pieces, random HMAC key lengths
 * on both sides of the block size, and PBKDF2 with random iteration counts
 * and output lengths. The generator is seeded with a constant, so a
 * failure replays; the seed and case are printed on a mismatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/builtin_int.h"

/* xorshift64*: deterministic and good enough to pick lengths and bytes. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dull;
}

static void fill(uint64_t *s, uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(next(s) >> 56);
}

static size_t below(uint64_t *s, size_t n)
{
    return (size_t)(next(s) % n);
}

#define MAX_MSG 5000

static void test_sha256_and_md5_random_inputs_match_openssl(void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint8_t *msg = malloc(MAX_MSG);
    assert_non_null(msg);
    for (size_t round = 0; round < 400; round++) {
        size_t len = round <= 300 ? round : below(&seed, MAX_MSG);
        fill(&seed, msg, len);

        uint8_t want[32], got[32];
        unsigned int n = 0;
        assert_int_equal(EVP_Digest(msg, len, want, &n, EVP_sha256(), NULL), 1);
        /* Fed in random pieces, some empty, some spanning blocks. */
        pgwi_sha256_ctx c;
        pgwi_sha256_begin(&c);
        for (size_t off = 0; off < len;) {
            size_t piece = below(&seed, 150);
            if (piece > len - off)
                piece = len - off;
            pgwi_sha256_update(&c, msg + off, piece);
            off += piece;
        }
        pgwi_sha256_end(&c, got);
        if (memcmp(want, got, 32) != 0)
            fail_msg("sha256 mismatch at round %zu (len %zu)", round, len);

        assert_int_equal(EVP_Digest(msg, len, want, &n, EVP_md5(), NULL), 1);
        pgwi_md5_ctx m;
        pgwi_md5_begin(&m);
        size_t cut = len > 0 ? below(&seed, len + 1) : 0;
        pgwi_md5_update(&m, msg, cut);
        pgwi_md5_update(&m, msg + cut, len - cut);
        pgwi_md5_end(&m, got);
        if (memcmp(want, got, 16) != 0)
            fail_msg("md5 mismatch at round %zu (len %zu)", round, len);
    }
    free(msg);
}

static void test_hmac_random_keys_match_openssl(void **state)
{
    uint64_t seed = 0x0123456789abcdefull;
    uint8_t key[300], msg[600];
    for (size_t round = 0; round < 500; round++) {
        size_t key_len = below(&seed, sizeof key), len = below(&seed, sizeof msg);
        fill(&seed, key, key_len);
        fill(&seed, msg, len);
        uint8_t want[32], got[32];
        unsigned int n = 0;
        assert_non_null(HMAC(EVP_sha256(), key, (int)key_len, msg, len, want, &n));
        pgwi_hmac_sha256_key k;
        pgwi_hmac_sha256_setkey(&k, key, key_len);
        size_t cut = below(&seed, len + 1);
        pgwi_hmac_sha256_mac2(&k, msg, cut, msg + cut, len - cut, got);
        if (memcmp(want, got, 32) != 0)
            fail_msg("hmac mismatch at round %zu (key %zu, msg %zu)", round, key_len, len);
        /* The keyed state is reusable: a second MAC gives the same answer. */
        pgwi_hmac_sha256_mac2(&k, msg, len, NULL, 0, got);
        assert_memory_equal(want, got, 32);
    }
}

static void test_pbkdf2_random_parameters_match_openssl(void **state)
{
    uint64_t seed = 0xfeedfacecafebeefull;
    uint8_t pw[100], salt[80], want[200], got[200];
    for (size_t round = 0; round < 120; round++) {
        size_t pw_len = below(&seed, sizeof pw), salt_len = below(&seed, sizeof salt);
        size_t out_len = 1 + below(&seed, sizeof want);
        uint32_t iter = 1 + (uint32_t)below(&seed, 64);
        fill(&seed, pw, pw_len);
        fill(&seed, salt, salt_len);
        assert_int_equal(PKCS5_PBKDF2_HMAC((const char *)pw, (int)pw_len, salt, (int)salt_len,
                                           (int)iter, EVP_sha256(), (int)out_len, want),
                         1);
        memset(got, 0xee, sizeof got);
        pgwi_pbkdf2_sha256_raw(pw, pw_len, salt, salt_len, iter, got, out_len);
        if (memcmp(want, got, out_len) != 0)
            fail_msg("pbkdf2 mismatch at round %zu (iter %u, out %zu)", round, iter, out_len);
        /* Nothing is written past out_len. */
        if (out_len < sizeof got)
            assert_int_equal(got[out_len], 0xee);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_and_md5_random_inputs_match_openssl),
        cmocka_unit_test(test_hmac_random_keys_match_openssl),
        cmocka_unit_test(test_pbkdf2_random_parameters_match_openssl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
