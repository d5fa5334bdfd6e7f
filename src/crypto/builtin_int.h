/* The builtin crypto primitives behind -Dcrypto=builtin: SHA-256 (FIPS
 * 180-4), MD5 (RFC 1321), HMAC-SHA-256 (RFC 2104) and PBKDF2-HMAC-SHA-256
 * (RFC 8018) in plain C, with no dependency beyond <stdint.h>/<string.h>.
 *
 * Owns: the streaming contexts and the keyed HMAC state. May include:
 * nothing but libc (not even common: the tests compile these files on
 * their own next to OpenSSL to compare the two). Only crypto_builtin.c
 * and tests use this header; everyone else goes through crypto/crypto.h.
 *
 * Invariants: a context is plain data (copyable with '=' or memcpy, which
 * PBKDF2 relies on to reuse the keyed inner/outer states); nothing
 * allocates; every function is total on its documented inputs. Contexts
 * hold key-derived state: callers wipe them (pgwi_wipe) when done. */
#ifndef PGWIRE_CRYPTO_BUILTIN_INT_H
#define PGWIRE_CRYPTO_BUILTIN_INT_H

#include <stddef.h>
#include <stdint.h>

#define PGWI_SHA256_BLOCK 64
#define PGWI_MD5_BLOCK 64

/** SHA-256 streaming state. */
typedef struct pgwi_sha256_ctx {
    uint32_t h[8];
    uint64_t total;                 /* bytes hashed so far */
    uint8_t buf[PGWI_SHA256_BLOCK]; /* partial block */
    size_t used;                    /* bytes in buf, < 64 */
} pgwi_sha256_ctx;

void pgwi_sha256_begin(pgwi_sha256_ctx *c);
/** Hash len more bytes; data may be NULL when len is 0. */
void pgwi_sha256_update(pgwi_sha256_ctx *c, const void *data, size_t len);
/** Write the digest; the context must be begun again before reuse. */
void pgwi_sha256_end(pgwi_sha256_ctx *c, uint8_t out[32]);

/** MD5 streaming state (same conventions as SHA-256's). */
typedef struct pgwi_md5_ctx {
    uint32_t h[4];
    uint64_t total;
    uint8_t buf[PGWI_MD5_BLOCK];
    size_t used;
} pgwi_md5_ctx;

void pgwi_md5_begin(pgwi_md5_ctx *c);
void pgwi_md5_update(pgwi_md5_ctx *c, const void *data, size_t len);
void pgwi_md5_end(pgwi_md5_ctx *c, uint8_t out[16]);

/** HMAC-SHA-256 keyed once: the inner and outer hashes with the padded key
 * already absorbed, so each MAC under the same key costs two compressions
 * fewer (PBKDF2 computes thousands of them). */
typedef struct pgwi_hmac_sha256_key {
    pgwi_sha256_ctx inner, outer;
} pgwi_hmac_sha256_key;

/** Key the state; key may be NULL when key_len is 0. Keys longer than the
 * block size are hashed first (RFC 2104). */
void pgwi_hmac_sha256_setkey(pgwi_hmac_sha256_key *k, const void *key, size_t key_len);
/** MAC of the concatenation of two buffers (either may be empty/NULL) under
 * a keyed state, which is left unchanged for the next call. */
void pgwi_hmac_sha256_mac2(const pgwi_hmac_sha256_key *k, const void *a, size_t a_len,
                           const void *b, size_t b_len, uint8_t out[32]);

/** PBKDF2-HMAC-SHA-256 with no argument checks beyond what the algorithm
 * needs: iterations >= 1 and out_len <= 2^32 - 1 blocks are the caller's
 * (crypto_builtin.c's) to enforce. Wipes its own intermediate state. */
void pgwi_pbkdf2_sha256_raw(const void *pw, size_t pw_len, const void *salt, size_t salt_len,
                            uint32_t iterations, uint8_t *out, size_t out_len);

/** Zero memory through a path the optimiser may not remove (explicit_bzero
 * where libc has it, a volatile store loop otherwise). */
void pgwi_builtin_wipe(void *p, size_t len);

#endif
