/* The crypto seam without OpenSSL (-Dcrypto=builtin): the primitives of
 * sha256.c, md5.c and hmac_sha256.c, randomness from the kernel through
 * getrandom(2), and libc-only wiping and comparison.
 *
 * Argument checks mirror crypto_openssl.c's exactly (including its INT_MAX
 * ceilings, which come from libcrypto's int lengths), so that a caller
 * sees the same statuses whichever backend is built and one test file
 * checks both. */
#include <errno.h>
#include <limits.h>
#include <sys/random.h>

#include "crypto/builtin_int.h"
#include "crypto/crypto.h"

pgw_status pgwi_sha256(const void *data, size_t len, uint8_t out[PGWI_SHA256_LEN])
{
    if (out == NULL || (data == NULL && len > 0))
        return PGW_E_INVALID;
    pgwi_sha256_ctx c;
    pgwi_sha256_begin(&c);
    pgwi_sha256_update(&c, data, len);
    pgwi_sha256_end(&c, out);
    return PGW_OK;
}

pgw_status pgwi_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                            uint8_t out[PGWI_SHA256_LEN])
{
    if (key_len > INT_MAX || out == NULL || (key == NULL && key_len > 0) ||
        (data == NULL && len > 0))
        return PGW_E_INVALID;
    pgwi_hmac_sha256_key k;
    pgwi_hmac_sha256_setkey(&k, key, key_len);
    pgwi_hmac_sha256_mac2(&k, data, len, NULL, 0, out);
    pgwi_builtin_wipe(&k, sizeof k);
    return PGW_OK;
}

pgw_status pgwi_pbkdf2_sha256(const void *pw, size_t pw_len, const void *salt, size_t salt_len,
                              uint32_t iterations, uint8_t *out, size_t out_len)
{
    if (iterations == 0 || iterations > INT_MAX || pw_len > INT_MAX || salt_len > INT_MAX ||
        out_len == 0 || out_len > INT_MAX || out == NULL || (pw == NULL && pw_len > 0) ||
        (salt == NULL && salt_len > 0))
        return PGW_E_INVALID;
    pgwi_pbkdf2_sha256_raw(pw, pw_len, salt, salt_len, iterations, out, out_len);
    return PGW_OK;
}

pgw_status pgwi_md5_2(const void *a, size_t a_len, const void *b, size_t b_len,
                      uint8_t out[PGWI_MD5_LEN])
{
    if (out == NULL || (a == NULL && a_len > 0) || (b == NULL && b_len > 0))
        return PGW_E_INVALID;
    pgwi_md5_ctx c;
    pgwi_md5_begin(&c);
    pgwi_md5_update(&c, a, a_len);
    pgwi_md5_update(&c, b, b_len);
    pgwi_md5_end(&c, out);
    return PGW_OK;
}

/* getrandom(2) with flags 0 reads the kernel's CSPRNG and blocks only until
 * it has been seeded once at boot; reads of up to 256 bytes are never
 * short, longer ones can be, and a signal can interrupt a blocked call, so
 * both are retried. There is deliberately no fallback: /dev/urandom may be
 * missing in a chroot or scratch container, and anything weaker than the
 * kernel's generator would make SCRAM nonces guessable. errno is restored:
 * the seam reports through its status, never through errno. */
pgw_status pgwi_random_bytes(void *out, size_t len)
{
    unsigned char *p = out;
    int saved = errno;
    pgw_status rc = PGW_OK;

    if (p == NULL && len > 0)
        return PGW_E_INVALID;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            /* ENOSYS: kernel older than 3.17; EPERM: a seccomp filter that
             * forbids the call. Both mean "no usable generator here". */
            rc = errno == ENOSYS || errno == EPERM ? PGW_E_UNSUPPORTED : PGW_E_IO;
            break;
        }
        if (n == 0 || (size_t)n > len) {
            rc = PGW_E_IO;
            break;
        }
        p += (size_t)n;
        len -= (size_t)n;
    }
    errno = saved;
    return rc;
}

void pgwi_wipe(void *p, size_t len)
{
    pgwi_builtin_wipe(p, len);
}

/* Every byte is visited and the verdict depends only on the OR of the
 * differences, so the time taken says nothing about where two secrets
 * first differ. The volatile accumulator keeps the compiler from turning
 * the loop back into an early-exit memcmp. */
bool pgwi_ct_equal(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    volatile unsigned char acc = 0;
    for (size_t i = 0; i < n; i++)
        acc = (unsigned char)(acc | (x[i] ^ y[i]));
    return acc == 0;
}
