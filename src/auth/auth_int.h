/* src/auth — password authentication as pure state machines: SCRAM-SHA-256
 * (and -PLUS) and PostgreSQL's MD5 response, plus the strict base64 they
 * need. Server payload bytes in, client payload bytes out.
 *
 * May include: common and the crypto seam (crypto/crypto.h) only. Never
 * builds protocol frames (conn wraps the payloads), never sees a connection,
 * never does I/O. Invariants: every server byte is treated as hostile and
 * bounded before use; secrets (password copies, salted passwords, keys) live
 * only in memory the module allocated and are wiped with pgwi_wipe() before
 * it is released; error reasons are static strings that never contain
 * server bytes or secrets; after any failure a SCRAM state is dead. */
#ifndef PGWIRE_AUTH_AUTH_INT_H
#define PGWIRE_AUTH_AUTH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/alloc.h"
#include "pgwire/auth.h"
#include "pgwire/buf.h"
#include "pgwire/status.h"

/* ---- base64 (RFC 4648 section 4, standard alphabet, padded) ------------ */

/** Length of the base64 encoding of n bytes: 4 * ceil(n / 3).
 * @return false if that does not fit in a size_t. */
bool pgwi_base64_encoded_len(size_t n, size_t *out);

/** Encode n bytes into out (no NUL is written).
 * @param out_cap   bytes available at out
 * @param out_len   receives the number of characters written
 * @return PGW_OK; PGW_E_TOO_LARGE if out_cap is too small (nothing written). */
pgw_status pgwi_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_cap,
                              size_t *out_len);

/** Decode base64 strictly: the length must be a multiple of 4, every
 * character must be in the alphabet, and '=' may only appear as one or two
 * final padding characters. Empty input decodes to zero bytes (callers that
 * need content check *out_len). Unused bits in the last group are ignored,
 * as PostgreSQL's decoder does, because a SCRAM salt can come from a
 * user-supplied secret that PostgreSQL relays verbatim.
 * @param out_cap   bytes available at out
 * @param out_len   receives the number of bytes written
 * @return PGW_OK; PGW_E_PROTOCOL for malformed input; PGW_E_TOO_LARGE if the
 *         decoded bytes would not fit in out_cap. On failure the contents
 *         of out are unspecified and *out_len is 0. */
pgw_status pgwi_base64_decode(const char *in, size_t n, uint8_t *out, size_t out_cap,
                              size_t *out_len);

/* ---- SCRAM internals ------------------------------------------------- */

/* The client nonce: 18 random bytes, base64-encoded to 24 characters, as
 * libpq does. */
#define PGWI_SCRAM_RAW_NONCE_LEN 18
/* Longest client nonce the test entry points accept. */
#define PGWI_SCRAM_MAX_NONCE_LEN 256
/* Longest server-first-message / server-final-message accepted. A real one
 * is about 100 bytes; the cap bounds what a hostile server can make us
 * copy and hash. */
#define PGWI_SCRAM_MAX_SERVER_MSG 4096
/* Largest decoded salt accepted (PostgreSQL uses 16 bytes). */
#define PGWI_SCRAM_MAX_SALT 1024
/* Largest channel-binding payload accepted (a tls-server-end-point hash is
 * at most 64 bytes). */
#define PGWI_SCRAM_MAX_CBIND 1024

/** pgw_scram_begin() with a caller-chosen client nonce instead of a random
 * one, so recorded exchanges replay byte for byte (tests and fuzzing only;
 * a fixed nonce in production would allow replay attacks).
 * @param nonce      nonce_len printable characters (0x21-0x7E except ','),
 *                   1..PGWI_SCRAM_MAX_NONCE_LEN
 * @return as pgw_scram_begin(), plus PGW_E_INVALID for a bad nonce.
 * Ownership: caller owns *out; release with pgw_scram_free(). */
pgw_status pgwi_scram_begin_with_nonce(pgw_scram **out, const pgw_allocator *a,
                                       const char *password, size_t pw_len,
                                       const pgw_scram_options *opt, const char *nonce,
                                       size_t nonce_len, pgw_buf *client_first);

/** pgwi_scram_begin_with_nonce() that also puts a user name in the
 * client-first-message ("n=<user>", with ',' and '=' escaped as RFC 5802
 * requires). PostgreSQL ignores that name and libpq sends it empty; this
 * entry point exists so the RFC 7677 test vector (user "user") can be
 * checked byte for byte.
 * @return as pgwi_scram_begin_with_nonce(); PGW_E_INVALID for a user name
 *         longer than PGWI_SCRAM_MAX_NONCE_LEN or containing a NUL.
 * Ownership: caller owns *out; release with pgw_scram_free(). */
pgw_status pgwi_scram_begin_with_user(pgw_scram **out, const pgw_allocator *a, const char *password,
                                      size_t pw_len, const pgw_scram_options *opt, const char *user,
                                      size_t user_len, const char *nonce, size_t nonce_len,
                                      pgw_buf *client_first);

/* ---- SASLprep (RFC 4013) and NFKC ------------------------------------- */

/** Prepare a SCRAM password with SASLprep exactly as PostgreSQL's server
 * (before it stores a SCRAM secret) and libpq (before it hashes) do, so the
 * two sides derive the same keys. PostgreSQL falls back to the password as
 * given whenever SASLprep does not succeed, and so must we: PGW_END says
 * "hash the input bytes unchanged". See saslprep.c for where PostgreSQL's
 * rules differ from RFC 4013 (and why we follow PostgreSQL).
 * @param a        allocator for *out and scratch space; NULL for libc
 * @param in       len bytes, any content (need not be NUL-terminated)
 * @param out      receives the prepared password (not NUL-terminated)
 * @param out_len  receives its length, >= 1
 * @return PGW_OK: *out holds the prepared password; hash it instead of in;
 *         PGW_END: use in as is (*out is NULL): pure ASCII (including
 *         control characters and the empty string), not strict UTF-8,
 *         empty after mapping, or a prohibited, unassigned (Unicode 3.2)
 *         or bidi-violating character in the mapped input;
 *         PGW_E_NOMEM; PGW_E_INVALID (NULL out or out_len, or NULL in with
 *         len > 0). Scratch copies are wiped before they are released.
 * Ownership: caller owns *out; wipe it with pgwi_wipe() and release it with
 *            pgwi_free(a, *out, *out_len). */
pgw_status pgwi_saslprep(const pgw_allocator *a, const char *in, size_t len, char **out,
                         size_t *out_len);

/** Upper bound on the NFKC output length of n code points: the length of
 * their full compatibility decomposition.
 * @return false if that does not fit in a size_t. */
bool pgwi_nfkc_bound(const uint32_t *in, size_t n, size_t *out);

/** NFKC (Unicode 14.0, UAX #15) of n code points, as SASLprep's
 * normalisation step; exposed for the NFKC test vectors. Never allocates.
 * Values that are not Unicode scalar values pass through unchanged.
 * @param out    cap code points of room; must not overlap in
 * @param out_n  receives the number of code points written
 * @return PGW_OK; PGW_E_TOO_LARGE if cap < pgwi_nfkc_bound() (or that
 *         overflows), with *out_n 0 and out unspecified.
 * Ownership: writes into the caller's out only. */
pgw_status pgwi_nfkc(const uint32_t *in, size_t n, uint32_t *out, size_t cap, size_t *out_n);

#endif
