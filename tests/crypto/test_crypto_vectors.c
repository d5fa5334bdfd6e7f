/* The crypto seam against published known answers, run on whichever
 * backend is built (-Dcrypto=openssl or builtin), so one file holds both
 * to the same standard: FIPS 180-4 SHA-256 (the examples of its companion
 * document, the million-'a' message and every length around a block
 * boundary), RFC 4231 HMAC-SHA-256 cases 1-7, PBKDF2-HMAC-SHA-256 (RFC
 * 7914 section 11 and the widely published "password"/"salt" vectors),
 * the RFC 1321 MD5 suite, then the argument contract, randomness, wiping
 * and constant-time comparison. Boundary-length digests were computed
 * independently with Python's hashlib. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

static void check_sha256(const void *msg, size_t len, const char *want)
{
    uint8_t d[PGWI_SHA256_LEN];
    memset(d, 0, sizeof d);
    assert_int_equal(pgwi_sha256(msg, len, d), PGW_OK);
    assert_hex(d, sizeof d, want);
}

/* ---- SHA-256 ------------------------------------------------------------ */

static void test_sha256_fips_examples_match(void **state)
{
    check_sha256("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    check_sha256("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    check_sha256(m448, strlen(m448),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                       "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    check_sha256(m896, strlen(m896),
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256_million_a_matches(void **state)
{
    size_t n = 1000000;
    char *m = malloc(n);
    assert_non_null(m);
    memset(m, 'a', n);
    check_sha256(m, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(m);
}

/* 55 bytes is the longest message whose padding fits in one block; 56..63
 * need a second one; 64 fills a block exactly. */
static void test_sha256_block_boundary_lengths_match(void **state)
{
    static const struct {
        size_t len;
        const char *hex;
    } v[] = {
        {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
        {127, "c57e9278af78fa3cab38667bef4ce29d783787a2f731d4e12200270f0c32320a"},
        {128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"},
    };
    char m[128];
    memset(m, 'a', sizeof m);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_sha256(m, v[i].len, v[i].hex);
}

/* ---- HMAC-SHA-256: RFC 4231 section 4 -------------------------------------- */

static void check_hmac(const uint8_t *key, size_t key_len, const void *msg, size_t len,
                       const char *want)
{
    uint8_t d[PGWI_SHA256_LEN];
    assert_int_equal(pgwi_hmac_sha256(key, key_len, msg, len, d), PGW_OK);
    /* Case 5 publishes only the first 128 bits. */
    assert_hex(d, strlen(want) / 2, want);
}

static void test_hmac_sha256_rfc4231_cases_match(void **state)
{
    uint8_t key[131], data[50];

    memset(key, 0x0b, 20);
    check_hmac(key, 20, "Hi There", 8,
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    check_hmac((const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28,
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    memset(key, 0xaa, 20);
    memset(data, 0xdd, 50);
    check_hmac(key, 20, data, 50,
               "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    for (size_t i = 0; i < 25; i++)
        key[i] = (uint8_t)(i + 1);
    memset(data, 0xcd, 50);
    check_hmac(key, 25, data, 50,
               "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    memset(key, 0x0c, 20);
    check_hmac(key, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b");
    memset(key, 0xaa, 131);
    const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    check_hmac(key, 131, m6, strlen(m6),
               "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    const char *m7 = "This is a test using a larger than block-size key and a larger than "
                     "block-size data. The key needs to be hashed before being used by the "
                     "HMAC algorithm.";
    check_hmac(key, 131, m7, strlen(m7),
               "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

/* ---- PBKDF2-HMAC-SHA-256 ------------------------------------------------- */

static void check_pbkdf2(const char *pw, size_t pw_len, const char *salt, size_t salt_len,
                         uint32_t iterations, const char *want)
{
    uint8_t d[128];
    size_t n = strlen(want) / 2;
    assert_true(n <= sizeof d);
    assert_int_equal(pgwi_pbkdf2_sha256(pw, pw_len, salt, salt_len, iterations, d, n), PGW_OK);
    assert_hex(d, n, want);
}

static void test_pbkdf2_sha256_published_vectors_match(void **state)
{
    check_pbkdf2("password", 8, "salt", 4, 1,
                 "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
    check_pbkdf2("password", 8, "salt", 4, 2,
                 "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
    check_pbkdf2("password", 8, "salt", 4, 4096,
                 "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a");
    /* Two blocks, the second truncated. */
    check_pbkdf2("passwordPASSWORDpassword", 24, "saltSALTsaltSALTsaltSALTsaltSALTsalt", 36, 4096,
                 "348c89dbcbd32b2f32d814b8116e84cf2b17347ebc1800181c4e2a1fb8dd53e1"
                 "c635518c7dac47e9");
    /* Embedded NULs: lengths are counted, never strlen(). */
    check_pbkdf2("pass\0word", 9, "sa\0lt", 5, 4096, "89b69d0516f829893c696226650a8687");
    /* RFC 7914 section 11. */
    check_pbkdf2("passwd", 6, "salt", 4, 1,
                 "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
                 "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
    check_pbkdf2("Password", 8, "NaCl", 4, 80000,
                 "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
                 "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
    /* Three blocks, the last one byte long. */
    check_pbkdf2("password", 8, "salt", 4, 1,
                 "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"
                 "4dbf3a2f3dad3377264bb7b8e8330d4efc7451418617dabef683735361cdc18c22");
}

/* ---- MD5: RFC 1321 appendix A.5 ----------------------------------------------- */

static void check_md5(const char *a, size_t a_len, const char *b, size_t b_len, const char *want)
{
    uint8_t d[PGWI_MD5_LEN];
    assert_int_equal(pgwi_md5_2(a, a_len, b, b_len, d), PGW_OK);
    assert_hex(d, sizeof d, want);
}

static void test_md5_rfc1321_suite_matches(void **state)
{
    static const struct {
        const char *msg, *hex;
    } v[] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890123456789012345678901234567890123456"
         "7890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t n = strlen(v[i].msg);
        check_md5(v[i].msg, n, NULL, 0, v[i].hex);
        /* pgwi_md5_2 hashes the concatenation, wherever it is split. */
        for (size_t cut = 0; cut <= n; cut++)
            check_md5(v[i].msg, cut, v[i].msg + cut, n - cut, v[i].hex);
    }
}

static void test_md5_block_boundary_lengths_match(void **state)
{
    static const struct {
        size_t len;
        const char *hex;
    } v[] = {
        {55, "ef1772b6dff9a122358552954ad0df65"}, {56, "3b0c8ac703f828b04c6c197006d17218"},
        {63, "b06521f39153d618550606be297466d5"}, {64, "014842d480b571495a4a0363793f7367"},
        {65, "c743a45e0d2e6a95cb859adae0248435"},
    };
    char m[65];
    memset(m, 'a', sizeof m);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_md5(m, v[i].len, NULL, 0, v[i].hex);
}

/* ---- the argument contract (identical for both backends) ------------------ */

static void test_crypto_bad_arguments_are_invalid(void **state)
{
    uint8_t d[32];
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 0, d, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 0x80000000u, d, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 1, d, 0), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", 1, 1, NULL, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", (size_t)0x80000000u, "s", 1, 1, d, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_pbkdf2_sha256("p", 1, "s", (size_t)0x80000000u, 1, d, 32), PGW_E_INVALID);
    assert_int_equal(pgwi_hmac_sha256("k", (size_t)0x80000000u, "d", 1, d), PGW_E_INVALID);
    /* Empty inputs given as NULL are valid. */
    assert_int_equal(pgwi_hmac_sha256(NULL, 0, NULL, 0, d), PGW_OK);
    assert_hex(d, 32, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    assert_int_equal(pgwi_pbkdf2_sha256(NULL, 0, NULL, 0, 1, d, 32), PGW_OK);
}

/* ---- randomness, wiping, comparison ---------------------------------------- */

static void test_random_bytes_fill_differ_and_keep_errno(void **state)
{
    uint8_t a[64], b[64];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    errno = 4242;
    assert_int_equal(pgwi_random_bytes(a, sizeof a), PGW_OK);
    assert_int_equal(errno, 4242);
    assert_int_equal(pgwi_random_bytes(b, sizeof b), PGW_OK);
    assert_memory_not_equal(a, b, sizeof a);
    assert_int_equal(pgwi_random_bytes(NULL, 0), PGW_OK);

    /* A large request (getrandom may return it in pieces) is filled to the
     * end: with 1 MiB of random bytes, every one of the last 64 being zero
     * has probability 2^-512. */
    size_t n = 1u << 20;
    uint8_t *big = calloc(1, n);
    assert_non_null(big);
    assert_int_equal(pgwi_random_bytes(big, n), PGW_OK);
    uint8_t zero[64];
    memset(zero, 0, sizeof zero);
    assert_memory_not_equal(big + n - 64, zero, 64);
    free(big);
}

static void test_wipe_zeroes_memory(void **state)
{
    uint8_t buf[97];
    memset(buf, 0x5a, sizeof buf);
    pgwi_wipe(buf + 1, sizeof buf - 2);
    assert_int_equal(buf[0], 0x5a);
    for (size_t i = 1; i < sizeof buf - 1; i++)
        assert_int_equal(buf[i], 0);
    assert_int_equal(buf[sizeof buf - 1], 0x5a);
    pgwi_wipe(NULL, 5);
    pgwi_wipe(buf, 0);
}

static void test_ct_equal_finds_a_difference_anywhere(void **state)
{
    uint8_t a[40], b[40];
    for (size_t i = 0; i < sizeof a; i++)
        a[i] = b[i] = (uint8_t)(i * 7);
    assert_true(pgwi_ct_equal(a, b, sizeof a));
    for (size_t i = 0; i < sizeof a; i++) {
        b[i] ^= 0x80;
        assert_false(pgwi_ct_equal(a, b, sizeof a));
        assert_true(pgwi_ct_equal(a, b, i)); /* the prefix before it */
        b[i] ^= 0x80;
    }
    assert_true(pgwi_ct_equal(NULL, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_fips_examples_match),
        cmocka_unit_test(test_sha256_million_a_matches),
        cmocka_unit_test(test_sha256_block_boundary_lengths_match),
        cmocka_unit_test(test_hmac_sha256_rfc4231_cases_match),
        cmocka_unit_test(test_pbkdf2_sha256_published_vectors_match),
        cmocka_unit_test(test_md5_rfc1321_suite_matches),
        cmocka_unit_test(test_md5_block_boundary_lengths_match),
        cmocka_unit_test(test_crypto_bad_arguments_are_invalid),
        cmocka_unit_test(test_random_bytes_fill_differ_and_keep_errno),
        cmocka_unit_test(test_wipe_zeroes_memory),
        cmocka_unit_test(test_ct_equal_finds_a_difference_anywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
