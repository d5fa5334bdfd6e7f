/* The crypto seam: the only place the rest of pgwire gets hashes, MACs, key
 * derivation, randomness, wiping and constant-time comparison from.
 *
 * Owns: the choice of backend (OpenSSL's libcrypto, or the builtin code that
 * comes with -Dcrypto=builtin). May include: common. Nothing outside
 * src/crypto names OpenSSL's crypto functions.
 *
 * Backends: crypto_openssl.c (default) and crypto_builtin.c (sha256.c,
 * md5.c, hmac_sha256.c, getrandom(2); see builtin_int.h). Both give the
 * same results and statuses: PGW_E_INVALID for a PBKDF2 iteration count of
 * 0 and for an HMAC key, PBKDF2 input or output length above INT_MAX
 * (libcrypto's int lengths, adopted by both so callers and tests see one
 * contract); the builtin backend also rejects a NULL pointer with a
 * non-zero length, a caller bug on either. With -Dcrypto=builtin -Dtls=enabled, TLS
 * still uses libssl while everything here is builtin. docs/embedding.md
 * describes the choice. */
#ifndef PGWIRE_CRYPTO_CRYPTO_H
#define PGWIRE_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/status.h"

#define PGWI_SHA256_LEN 32
#define PGWI_MD5_LEN 16

/** SHA-256 of one buffer. @return PGW_OK or PGW_E_UNSUPPORTED. */
pgw_status pgwi_sha256(const void *data, size_t len, uint8_t out[PGWI_SHA256_LEN]);

/** HMAC-SHA-256. @return PGW_OK or PGW_E_UNSUPPORTED. */
pgw_status pgwi_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
                            uint8_t out[PGWI_SHA256_LEN]);

/** PBKDF2-HMAC-SHA-256 (RFC 8018), iterations >= 1. */
pgw_status pgwi_pbkdf2_sha256(const void *pw, size_t pw_len, const void *salt, size_t salt_len,
                              uint32_t iterations, uint8_t *out, size_t out_len);

/** MD5 of the concatenation of two buffers (PostgreSQL's md5 auth hashes
 * password+user, then hex+salt). */
pgw_status pgwi_md5_2(const void *a, size_t a_len, const void *b, size_t b_len,
                      uint8_t out[PGWI_MD5_LEN]);

/** Cryptographically strong random bytes. Never falls back to a weaker
 * source. @return PGW_OK; PGW_E_UNSUPPORTED when the system has no usable
 * generator (OpenSSL's DRBG failed to seed; builtin: getrandom(2) missing
 * or forbidden by seccomp); PGW_E_IO when the builtin backend's getrandom
 * fails otherwise; PGW_E_INVALID (builtin) for NULL with len > 0. errno is
 * preserved. */
pgw_status pgwi_random_bytes(void *out, size_t len);

/** Wipe memory in a way the compiler cannot elide. */
void pgwi_wipe(void *p, size_t len);

/** Constant-time equality of two n-byte buffers: the time depends on n
 * only, never on where the buffers differ. n == 0 is equal. */
bool pgwi_ct_equal(const void *a, const void *b, size_t n);

#endif
