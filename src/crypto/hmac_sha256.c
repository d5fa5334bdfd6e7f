/* HMAC-SHA-256 (RFC 2104) and PBKDF2-HMAC-SHA-256 (RFC 8018, 5.2) over
 * sha256.c.
 *
 * The key is absorbed once into an inner and an outer hash state; each MAC
 * then starts from copies of those states. For SCRAM's PBKDF2 that halves
 * the work (two compressions per iteration instead of four), which is the
 * one place where the builtin backend's speed is visible to a user. */
#include <string.h>

#include "crypto/builtin_int.h"

void pgwi_hmac_sha256_setkey(pgwi_hmac_sha256_key *k, const void *key, size_t key_len)
{
    uint8_t block[PGWI_SHA256_BLOCK];
    memset(block, 0, sizeof block);
    if (key_len > PGWI_SHA256_BLOCK) {
        pgwi_sha256_ctx h;
        pgwi_sha256_begin(&h);
        pgwi_sha256_update(&h, key, key_len);
        pgwi_sha256_end(&h, block);
    } else if (key_len > 0) {
        memcpy(block, key, key_len);
    }

    /* ipad = 0x36 and opad = 0x5c repeated; 0x36 ^ 0x5c = 0x6a turns the
     * inner pad into the outer one in place. */
    for (size_t i = 0; i < sizeof block; i++)
        block[i] ^= 0x36;
    pgwi_sha256_begin(&k->inner);
    pgwi_sha256_update(&k->inner, block, sizeof block);
    for (size_t i = 0; i < sizeof block; i++)
        block[i] ^= 0x6a;
    pgwi_sha256_begin(&k->outer);
    pgwi_sha256_update(&k->outer, block, sizeof block);
    pgwi_builtin_wipe(block, sizeof block);
}

void pgwi_hmac_sha256_mac2(const pgwi_hmac_sha256_key *k, const void *a, size_t a_len,
                           const void *b, size_t b_len, uint8_t out[32])
{
    uint8_t inner[32];
    pgwi_sha256_ctx h = k->inner;
    pgwi_sha256_update(&h, a, a_len);
    pgwi_sha256_update(&h, b, b_len);
    pgwi_sha256_end(&h, inner);
    h = k->outer;
    pgwi_sha256_update(&h, inner, sizeof inner);
    pgwi_sha256_end(&h, out);
    pgwi_builtin_wipe(inner, sizeof inner);
}

void pgwi_pbkdf2_sha256_raw(const void *pw, size_t pw_len, const void *salt, size_t salt_len,
                            uint32_t iterations, uint8_t *out, size_t out_len)
{
    pgwi_hmac_sha256_key k;
    uint8_t u[32], t[32], index[4];

    pgwi_hmac_sha256_setkey(&k, pw, pw_len);
    /* Block i (from 1) is U_1 ^ ... ^ U_c with U_1 = PRF(P, S || INT(i))
     * and U_j = PRF(P, U_{j-1}); the last block is truncated. */
    for (uint32_t block = 1; out_len > 0; block++) {
        index[0] = (uint8_t)(block >> 24);
        index[1] = (uint8_t)(block >> 16);
        index[2] = (uint8_t)(block >> 8);
        index[3] = (uint8_t)block;
        pgwi_hmac_sha256_mac2(&k, salt, salt_len, index, sizeof index, u);
        memcpy(t, u, sizeof t);
        for (uint32_t j = 1; j < iterations; j++) {
            pgwi_hmac_sha256_mac2(&k, u, sizeof u, NULL, 0, u);
            for (size_t i = 0; i < sizeof t; i++)
                t[i] ^= u[i];
        }
        size_t n = out_len < sizeof t ? out_len : sizeof t;
        memcpy(out, t, n);
        out += n;
        out_len -= n;
    }
    pgwi_builtin_wipe(&k, sizeof k);
    pgwi_builtin_wipe(u, sizeof u);
    pgwi_builtin_wipe(t, sizeof t);
}
