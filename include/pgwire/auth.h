/* pgwire — password authentication as pure state machines.
 *
 * Server payload bytes in, client payload bytes out: these functions never
 * see a connection or build protocol frames (the engine wraps the payloads
 * in SASLInitialResponse / SASLResponse / PasswordMessage).
 *
 * References: RFC 5802 (SCRAM), RFC 7677 (SCRAM-SHA-256), PostgreSQL
 * documentation "SASL Authentication". */
#ifndef PGWIRE_PGWIRE_AUTH_H
#define PGWIRE_PGWIRE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/alloc.h"
#include "pgwire/buf.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/* A hostile server must not make the client spin in PBKDF2; PostgreSQL
 * itself uses 4096. */
#define PGW_SCRAM_DEFAULT_MAX_ITERATIONS 100000u

/** How the client treats channel binding in the gs2 header. */
typedef enum pgw_scram_cbind {
    PGW_SCRAM_CBIND_NONE = 0,        /**< "n,,": client does not support it */
    PGW_SCRAM_CBIND_UNUSED = 1,      /**< "y,,": client supports it, server did not offer -PLUS */
    PGW_SCRAM_CBIND_TLS_ENDPOINT = 2 /**< "p=tls-server-end-point,,": SCRAM-SHA-256-PLUS */
} pgw_scram_cbind;

typedef struct pgw_scram_options {
    size_t size;                /**< sizeof(pgw_scram_options), for ABI growth */
    uint32_t max_iterations;    /**< 0 = PGW_SCRAM_DEFAULT_MAX_ITERATIONS */
    pgw_scram_cbind cbind;      /**< gs2 channel-binding flag */
    const uint8_t *cbind_data;  /**< tls-server-end-point hash (PLUS only) */
    size_t cbind_len;
} pgw_scram_options;

typedef struct pgw_scram pgw_scram;

PGW_BEGIN_DECLS

/** Fill options with defaults. */
PGW_API void pgw_scram_options_init(pgw_scram_options *opt);

/** Start a SCRAM-SHA-256 exchange: draw a client nonce from the crypto
 * seam and append client-first-message to `client_first`.
 * @param out        receives the state; NULL on failure
 * @param allocator  NULL for libc
 * @param password   pw_len bytes; copied (wiped on free)
 * @param opt        NULL for defaults
 * @return PGW_OK; PGW_E_NOMEM; PGW_E_INVALID (NULL out or buffer, opt->size
 *         too small, a bad cbind value, PLUS without cbind data);
 *         PGW_E_TOO_LARGE (client_first cannot grow); PGW_E_UNSUPPORTED (no
 *         randomness available).
 * Ownership: caller owns *out; release with pgw_scram_free(). */
PGW_API pgw_status pgw_scram_begin(pgw_scram **out, const pgw_allocator *allocator,
                                   const char *password, size_t pw_len,
                                   const pgw_scram_options *opt, pgw_buf *client_first);

/** Consume server-first-message and append client-final-message.
 * Checks: attributes r, s, i in order (an m= extension refused), the server
 * nonce extends ours and is printable, the salt is valid non-empty base64,
 * the iteration count is a positive decimal within the cap.
 * @return PGW_OK; PGW_E_AUTH for a malformed or unacceptable message (see
 *         pgw_scram_error()); PGW_E_STATE if called out of order or after a
 *         failure; PGW_E_NOMEM; PGW_E_INVALID (NULL arguments);
 *         PGW_E_TOO_LARGE (client_final cannot grow); PGW_E_UNSUPPORTED (the
 *         crypto backend failed). */
PGW_API pgw_status pgw_scram_continue(pgw_scram *s, const uint8_t *server_first, size_t len,
                                      pgw_buf *client_final);

/** Consume server-final-message and verify the server signature in constant
 * time. Only after PGW_OK may the caller accept AuthenticationOk.
 * @return PGW_OK; PGW_E_AUTH (e= error from the server, bad or missing
 *         signature, malformed); PGW_E_STATE if called out of order or after
 *         a failure; PGW_E_INVALID (NULL arguments). */
PGW_API pgw_status pgw_scram_finish(pgw_scram *s, const uint8_t *server_final, size_t len);

/** Reason for the first failure, e.g. "server nonce does not extend the
 * client nonce" (later calls on a dead state keep it). Never contains secrets.
 * Ownership: static string; "" when no error. */
PGW_API const char *pgw_scram_error(const pgw_scram *s);

/** Wipe and free. NULL-safe. */
PGW_API void pgw_scram_free(pgw_scram *s);

/** PostgreSQL's MD5 password response: "md5" + hex(md5(hex(md5(password +
 * user)) + salt)), written to out (36 bytes incl. NUL).
 * @return PGW_OK; PGW_E_INVALID (NULL arguments); PGW_E_UNSUPPORTED (the
 *         crypto backend lacks MD5, e.g. a FIPS-only provider). */
PGW_API pgw_status pgw_md5_password(const char *user, size_t user_len, const char *password,
                                    size_t pw_len, const uint8_t salt[4], char out[36]);

PGW_END_DECLS

#endif
