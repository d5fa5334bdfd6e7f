/* The crypto seam on OpenSSL 3 libcrypto.
 *
 * Every entry point clears the thread's OpenSSL error queue before calling
 * into libcrypto and again when a call failed: the seam reports a status
 * and leaves nothing behind for callers (or for an unrelated later
 * ERR_get_error() in the TLS code) to trip over. libcrypto's one-shot APIs
 * take int lengths, so sizes are range-checked before the narrowing. */
#include <limits.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "crypto/crypto.h"

/* libcrypto reads nothing through a zero-length pointer, but some entry
 * points assert non-NULL; hand them a harmless address instead. */
static const unsigned char empty_input[1] = {0};

static const void *nonnull(const void *p)
{
    return p != NULL ? p : empty_input;
}

static pgw_status seam_fail(void)
{
    ERR_clear_error();
    return PGW_E_UNSUPPORTED;
}

pgw_status pgwi_sha256(const void *data, size_t len, uint8_t out[PGWI_SHA256_LEN])
{
    unsigned int n = 0;
    ERR_clear_error();
    if (EVP_Digest(nonnull(data), len, out, &n, EVP_sha256(), NULL) != 1 || n != PGWI_SHA256_LEN)
        return seam_fail();
    return PGW_OK;
}

pgw_status pgwi_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                            uint8_t out[PGWI_SHA256_LEN])
{
    unsigned int n = 0;
    if (key_len > INT_MAX)
        return PGW_E_INVALID;
    ERR_clear_error();
    /* HMAC() (unlike the HMAC_CTX family) is not deprecated in OpenSSL 3. */
    if (HMAC(EVP_sha256(), nonnull(key), (int)key_len, nonnull(data), len, out, &n) == NULL ||
        n != PGWI_SHA256_LEN)
        return seam_fail();
    return PGW_OK;
}

pgw_status pgwi_pbkdf2_sha256(const void *pw, size_t pw_len, const void *salt, size_t salt_len,
                              uint32_t iterations, uint8_t *out, size_t out_len)
{
    /* passlen -1 would mean strlen() to OpenSSL: never let a size become it. */
    if (iterations == 0 || iterations > INT_MAX || pw_len > INT_MAX || salt_len > INT_MAX ||
        out_len == 0 || out_len > INT_MAX || out == NULL)
        return PGW_E_INVALID;
    ERR_clear_error();
    if (PKCS5_PBKDF2_HMAC(nonnull(pw), (int)pw_len, nonnull(salt), (int)salt_len, (int)iterations,
                          EVP_sha256(), (int)out_len, out) != 1)
        return seam_fail();
    return PGW_OK;
}

pgw_status pgwi_md5_2(const void *a, size_t a_len, const void *b, size_t b_len,
                      uint8_t out[PGWI_MD5_LEN])
{
    unsigned int n = 0;
    ERR_clear_error();
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        return seam_fail();
    /* EVP_md5() is served by the default provider; under a FIPS-only
     * configuration the init fails and md5 auth is reported unsupported. */
    int ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, nonnull(a), a_len) == 1 &&
             EVP_DigestUpdate(ctx, nonnull(b), b_len) == 1 &&
             EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == PGWI_MD5_LEN;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return seam_fail();
    return PGW_OK;
}

pgw_status pgwi_random_bytes(void *out, size_t len)
{
    unsigned char *p = out;
    ERR_clear_error();
    while (len > 0) {
        int chunk = len > INT_MAX ? INT_MAX : (int)len;
        if (RAND_bytes(p, chunk) != 1)
            return seam_fail();
        p += chunk;
        len -= (size_t)chunk;
    }
    return PGW_OK;
}

void pgwi_wipe(void *p, size_t len)
{
    if (p != NULL && len > 0)
        OPENSSL_cleanse(p, len);
}

bool pgwi_ct_equal(const void *a, const void *b, size_t n)
{
    if (n == 0)
        return true;
    return CRYPTO_memcmp(a, b, n) == 0;
}
