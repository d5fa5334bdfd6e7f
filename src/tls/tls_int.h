/* src/tls — TLS as a sans-IO engine: OpenSSL's libssl driven through a pair
 * of memory BIOs. Ciphertext from the server is fed in, ciphertext for the
 * server is taken out, plaintext goes through pgw_tls_read/pgw_tls_write.
 *
 * Owns: the session object (tls_engine.c), building the SSL_CTX/SSL and
 * loading PEM material from bytes (tls_config.c), libpq's host-name rules
 * (tls_verify.c) and the tls-server-end-point hash (tls_cbind.c).
 *
 * May include: common, the public headers and OpenSSL (libssl, libcrypto).
 * Never touches a socket or a file: PEM arrives as bytes (src/io reads the
 * files); the only exception is root_system, where OpenSSL reads its own
 * default store. Nothing is configured process-wide.
 *
 * Invariants: the OpenSSL error queue is cleared before every OpenSSL call
 * whose errors we report and emptied after it, the first code being kept on
 * the session, so no error is ever left in the thread's queue; a failure is
 * sticky (every later call returns it); the key password is used only
 * inside pgw_tls_new() and never copied; messages are one line, libpq's
 * wording, and any text from the peer's certificate is sanitised. */
#ifndef PGWIRE_TLS_TLS_INT_H
#define PGWIRE_TLS_TLS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "pgwire/buf.h"
#include "pgwire/tls.h"

/* Room for one message: libpq's longest (a name mismatch with two quoted
 * names) fits easily; certificate names are cut to PGWI_TLS_NAME_MAX. */
#define PGWI_TLS_ERRMSG_MAX 512
#define PGWI_TLS_NAME_MAX 128

/* Compact the output buffer once this many sent bytes sit in front of it
 * (or when they are more than half of it). */
#define PGWI_TLS_OUT_COMPACT 4096

/* The largest ALPN protocol name (RFC 7301: one length byte). */
#define PGWI_TLS_ALPN_MAX 255

enum pgwi_tls_state {
    PGWI_TLS_NEW,   /* created, handshake not finished */
    PGWI_TLS_UP,    /* handshake done and the peer verified */
    PGWI_TLS_FAILED /* sticky failure (status in t->failure) */
};

struct pgw_tls {
    /* A copy, so the caller's struct need not outlive us (its hooks must).
     * `a` is &alloc_copy, or NULL for libc. */
    pgw_allocator alloc_copy;
    const pgw_allocator *a;

    SSL *ssl;
    BIO *rbio; /* ciphertext from the server (owned by ssl) */
    BIO *wbio; /* ciphertext for the server (owned by ssl) */

    enum pgwi_tls_state state;
    pgw_status failure; /* with PGWI_TLS_FAILED */
    bool shutdown_sent; /* our close_notify is queued; reads still work */
    bool peer_closed;   /* the server's close_notify arrived */
    int min_version;    /* effective range, for the "no common version" hint */
    int max_version;    /* 0 = OpenSSL's highest */

    pgw_tls_verify verify;
    pgw_tls_certmode certmode;
    char *host; /* copy, or NULL; freed with host_len + 1 */
    size_t host_len;
    uint8_t alpn[PGWI_TLS_ALPN_MAX]; /* offered protocol, without the length byte */
    size_t alpn_len;                 /* 0 = none offered */
    bool alpn_optional;

    /* Set by the certificate callback during the handshake. */
    bool cert_requested;
    bool cert_sent;

    /* Ciphertext waiting to be sent: out.data[out_off..out.len). */
    pgw_buf out;
    size_t out_off;

    unsigned long ssl_err;
    char errmsg[PGWI_TLS_ERRMSG_MAX];
};

/* ---- errors (tls_engine.c) -------------------------------------------- */

/** Format a message into t->errmsg. */
void pgwi_tls_msg(pgw_tls *t, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** OpenSSL's reason for an error code, libpq's wording for the gaps
 * ("no SSL error reported", "SSL error code N").
 * @param buf  scratch space for the numeric form. Ownership: the result is
 *             a static string or buf. */
const char *pgwi_tls_reason(unsigned long code, char *buf, size_t cap);

/** Take the first error code off the thread's queue and empty it. */
unsigned long pgwi_tls_take_error(void);

/** Copy certificate text for a message: at most PGWI_TLS_NAME_MAX bytes,
 * control and non-ASCII bytes shown as '?', always NUL-terminated. */
void pgwi_tls_sanitize(char *dst, size_t cap, const char *src, size_t len);

/* ---- building the session (tls_config.c) ------------------------------ */

/** Create t->ssl from cfg (own SSL_CTX or the caller's), load the PEM
 * material, and set versions, verification, SNI, ALPN and the certificate
 * callback. On failure the message is in t->errmsg and t->ssl_err.
 * @return PGW_OK; PGW_E_INVALID; PGW_E_NOMEM; PGW_E_TLS. */
pgw_status pgwi_tls_configure(pgw_tls *t, const pgw_tls_config *cfg);

/** libpq's test for "host is an IP address" (inet_aton or inet_pton for
 * IPv6), which decides between iPAddress and dNSName SANs. */
bool pgwi_tls_host_is_ip(const char *host);

/** libpq's test for "no SNI": only digits and dots, or any ':'. */
bool pgwi_tls_host_skips_sni(const char *host);

/* ---- host-name verification (tls_verify.c) ---------------------------- */

/** Check cert against host with libpq's rules (see pgw_tls_handshake()).
 * @param msg  receives the libpq message when the result is not 1
 * @return 1 match; 0 no match; -1 the certificate holds an unusable name
 *         (embedded NUL, IP address of a bad length). */
int pgwi_tls_verify_host(X509 *cert, const char *host, char *msg, size_t cap);

/** libpq's wildcard rule: "*.rest" matches host when host ends with ".rest"
 * (case-insensitively) and the part before has no dot. */
bool pgwi_tls_wildcard_match(const char *pattern, const char *host);

/* ---- channel binding (tls_cbind.c) ------------------------------------ */

/** RFC 5929 tls-server-end-point hash of cert.
 * @return PGW_OK; PGW_E_UNSUPPORTED (no usable hash); PGW_E_TOO_LARGE
 *         (cap < 64); PGW_E_TLS (hashing failed). */
pgw_status pgwi_tls_end_point_hash(X509 *cert, uint8_t *out, size_t cap, size_t *len);

#endif
