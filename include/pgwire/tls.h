/* pgwire — TLS as a sans-IO engine (implemented in src/tls on OpenSSL).
 *
 * Ciphertext in, ciphertext out: OpenSSL runs over memory BIOs, so the
 * connection engine stays free of system calls and TLS can be tested in
 * memory against a server SSL_CTX. Nothing here touches a socket or a file:
 * certificates, keys and CRLs arrive as PEM bytes (src/io reads the files
 * named by sslrootcert, sslcert, sslkey, sslcrl, sslcrldir).
 *
 * Nothing in OpenSSL is configured process-wide: every pgw_tls owns its
 * SSL_CTX (or holds a reference to the caller's), and the OpenSSL error
 * queue is emptied after every call (the failure is kept on the object).
 *
 * Driving a session: after every call, send what pgw_tls_output() holds
 * (pgw_tls_output_done() for what was sent), and hand every ciphertext
 * byte read from the server to pgw_tls_feed(). Once pgw_tls_handshake()
 * returned PGW_OK, call pgw_tls_read() until it answers PGW_WANT_READ
 * before waiting for the socket: ciphertext already fed may hold several
 * records, and a record may hold more plaintext than one read takes.
 *
 * Built with -Dtls=disabled, every function exists, pgw_tls_supported()
 * is false and pgw_tls_new() fails with PGW_E_UNSUPPORTED. */
#ifndef PGWIRE_PGWIRE_TLS_H
#define PGWIRE_PGWIRE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/alloc.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** What is verified about the server. The strictest mode is 1, the value a
 * truthy misuse lands on. Append-only. */
typedef enum pgw_tls_verify {
    PGW_TLS_VERIFY_NONE = 0, /**< encrypt only (sslmode allow/prefer/require) */
    PGW_TLS_VERIFY_FULL = 1, /**< chain to a trusted root and host name (verify-full) */
    PGW_TLS_VERIFY_CA = 2    /**< chain to a trusted root only (verify-ca) */
} pgw_tls_verify;

/** Protocol versions (the wire values). 0 = the default. */
#define PGW_TLS_VERSION_DEFAULT 0
#define PGW_TLS_1_0 0x0301
#define PGW_TLS_1_1 0x0302
#define PGW_TLS_1_2 0x0303
#define PGW_TLS_1_3 0x0304

/** sslcertmode: whether a client certificate is sent. Append-only. */
typedef enum pgw_tls_certmode {
    PGW_TLS_CERT_ALLOW = 0,   /**< send one if configured and the server asks */
    PGW_TLS_CERT_DISABLE = 1, /**< never send one */
    PGW_TLS_CERT_REQUIRE = 2  /**< fail unless the server asked and one was sent */
} pgw_tls_certmode;

typedef struct pgw_tls_config {
    size_t size;              /**< sizeof(pgw_tls_config), set by _init */
    pgw_tls_verify verify;
    const char *host;         /**< server name as the user wrote it: for verify-full and
                                   SNI; an IPv4/IPv6 literal is matched against IP SANs */
    bool sni;                 /**< send SNI (never for IP literals); default true */
    const uint8_t *root_pem;  /**< trusted roots (sslrootcert contents), PEM; may be NULL */
    size_t root_pem_len;
    bool root_system;         /**< sslrootcert=system: OpenSSL's default store */
    const uint8_t *crl_pem;   /**< CRLs (sslcrl, and every file of sslcrldir), PEM */
    size_t crl_pem_len;
    const uint8_t *cert_pem;  /**< client certificate chain (sslcert), PEM */
    size_t cert_pem_len;
    const uint8_t *key_pem;   /**< client private key (sslkey), PEM, maybe encrypted */
    size_t key_pem_len;
    const char *key_password; /**< sslpassword for an encrypted key; NULL = none */
    pgw_tls_certmode certmode;
    int min_version;          /**< 0 = TLS 1.2 (libpq's default) */
    int max_version;          /**< 0 = the highest OpenSSL supports */
    const char *alpn;         /**< offered ALPN protocol ("postgresql" for direct TLS,
                                   which then requires the server to select it); NULL = none */
    void *ssl_ctx;            /**< a caller's SSL_CTX * to use instead of building one
                                   (its verification settings are the caller's; host-name
                                   checks still apply with PGW_TLS_VERIFY_FULL); NULL = build */
    const pgw_allocator *allocator; /**< for pgwire's own allocations; NULL = libc */
    /* Appended after the first version (size tells which fields a caller knows). */
    bool alpn_optional;       /**< with alpn: accept a server that selects no protocol
                                   (libpq >= 17 offers ALPN on every connection but only
                                   requires it for direct TLS); a different protocol still
                                   fails. false = the server must select alpn */
    /* File names for error messages only (never opened), so they read as
     * libpq's: `could not load private key file "client.key": bad decrypt`.
     * NULL = the message names no file. */
    const char *root_name;    /**< sslrootcert's file */
    const char *crl_name;     /**< sslcrl's file (or sslcrldir) */
    const char *cert_name;    /**< sslcert's file */
    const char *key_name;     /**< sslkey's file */
} pgw_tls_config;

typedef struct pgw_tls pgw_tls;

PGW_BEGIN_DECLS

/** Whether this build has TLS (false with -Dtls=disabled). */
PGW_API bool pgw_tls_supported(void);

/** Fill a config with defaults (verify NONE, sni on, certmode ALLOW). */
PGW_API void pgw_tls_config_init(pgw_tls_config *cfg);

/** Create a client TLS session. Loads and checks the PEM material now, so
 * a bad certificate or key fails here, not mid-handshake.
 *
 * What is loaded:
 * - root_pem (certificates and any CRLs in it) and root_system: the trust
 *   store, used only when verify is CA or FULL (sslmode=require with a root
 *   file means VERIFY_CA: the caller maps libpq's rule). With verify CA or
 *   FULL, one of root_pem, root_system or ssl_ctx is required.
 * - crl_pem: CRLs (with verify CA or FULL); then every certificate of the
 *   chain is checked (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL), so
 *   each CA of the chain needs its CRL. A crl_pem holding no CRL is an error
 *   (libpq silently ignores an unreadable CRL file; we fail closed).
 * - cert_pem/key_pem, unless certmode is DISABLE: the first certificate is
 *   the client's, the rest its chain; the key may be PEM or DER, encrypted
 *   (key_password; OpenSSL never prompts) or not. A certificate without a
 *   key is an error, a key without a certificate is ignored (libpq).
 * - ssl_ctx: used instead of a context of our own. Per session, pgwire
 *   still sets the protocol range, SNI, ALPN, the client certificate
 *   (when given), a certificate callback (to learn whether the server asked
 *   for one, which replaces any SSL_CTX_set_cert_cb of the context), and
 *   with verify CA or FULL SSL_VERIFY_PEER (the context's verify callback
 *   stays); root_pem/root_system/crl_pem, if given, replace the context's
 *   trust store for this session only. The context itself is never changed.
 * cfg and what it points to are only read during the call (copied).
 * @param errbuf  receives a libpq-style message on failure (may be NULL);
 *                with -Dtls=disabled, "SSL support is not compiled in"
 * @return PGW_OK; PGW_E_INVALID (bad PEM, key not matching certificate,
 *         wrong key password, bad version range, verify without roots,
 *         verify FULL without a host, a bad ALPN string); PGW_E_NOMEM;
 *         PGW_E_TLS (OpenSSL refused to set something up);
 *         PGW_E_UNSUPPORTED (built without TLS).
 * Ownership: caller owns *out; release with pgw_tls_free(). */
PGW_API pgw_status pgw_tls_new(pgw_tls **out, const pgw_tls_config *cfg, char *errbuf,
                               size_t errlen);

/** Ciphertext received from the server (copied).
 * @return PGW_OK; PGW_E_NOMEM; the sticky status after a failure. */
PGW_API pgw_status pgw_tls_feed(pgw_tls *t, const uint8_t *p, size_t n);

/** Ciphertext to send. *p borrowed until the next call on t.
 * @return the number of bytes (0 = nothing, *p NULL). */
PGW_API size_t pgw_tls_output(pgw_tls *t, const uint8_t **p);
/** n bytes of pgw_tls_output() were sent (n larger than what is pending
 * counts as all of it). */
PGW_API void pgw_tls_output_done(pgw_tls *t, size_t n);

/** Advance the handshake, then verify the peer as configured (chain, CRL,
 * host name with libpq's rules, ALPN when one was offered, and with
 * certmode REQUIRE that the server asked for a certificate and one was
 * sent). Host names (verify FULL) follow libpq's
 * pq_verify_peer_name_matches_certificate: subjectAltName dNSName and
 * iPAddress entries; the CN only when no SAN has the host's type (so an IP
 * host may match the CN next to DNS SANs); "*." matches one whole left-most
 * label; case-insensitive; IP literals (inet_aton/inet_pton forms)
 * compared as binary addresses.
 * Calling it again after PGW_OK returns PGW_OK.
 * @return PGW_OK when established (the client's last flight may still wait
 *         in pgw_tls_output()); PGW_WANT_WRITE (ciphertext waits in
 *         pgw_tls_output(): send it, then call again); PGW_WANT_READ (feed
 *         more); PGW_E_TLS (handshake or verification failed, sticky:
 *         pgw_tls_errmsg() says why, libpq style, e.g. `server certificate
 *         for "a.example" does not match host name "b.example"`);
 *         PGW_E_NOMEM. */
PGW_API pgw_status pgw_tls_handshake(pgw_tls *t);

/** Decrypt application data into buf (at most cap bytes).
 * @return PGW_OK with *got > 0; PGW_WANT_READ (every byte fed so far is
 *         consumed: feed more ciphertext); PGW_E_CLOSED (close_notify
 *         received; sticky); PGW_E_TLS (a bad record or an alert; sticky);
 *         PGW_E_STATE before the handshake finished; PGW_E_INVALID (cap 0).
 *         *got is 0 unless PGW_OK. */
PGW_API pgw_status pgw_tls_read(pgw_tls *t, uint8_t *buf, size_t cap, size_t *got);

/** Encrypt application data (all of it is taken on PGW_OK; the ciphertext
 * waits in pgw_tls_output()). n may be 0.
 * @return PGW_OK; PGW_E_TLS; PGW_E_NOMEM; PGW_E_STATE before the handshake
 *         finished or after pgw_tls_close(). */
PGW_API pgw_status pgw_tls_write(pgw_tls *t, const uint8_t *p, size_t n);

/** Queue close_notify (once; reads still work until the server's own
 * close_notify). Before the handshake finished nothing is queued.
 * @return PGW_OK; PGW_E_TLS; PGW_E_NOMEM. */
PGW_API pgw_status pgw_tls_close(pgw_tls *t);

/** Plaintext bytes already decrypted and buffered inside OpenSSL (drain
 * them before waiting for the socket). Ciphertext fed but not yet
 * decrypted is not counted: read until PGW_WANT_READ instead of relying on
 * this alone. 0 on a NULL or failed session. */
PGW_API size_t pgw_tls_pending(const pgw_tls *t);

/** The tls-server-end-point channel-binding data (RFC 5929): the hash of
 * the server certificate, SHA-256 when its signature uses MD5 or SHA-1,
 * else the signature's own hash (RSA-PSS: the PSS hash).
 * @param out  at least 64 bytes (the largest digest, SHA-512)
 * @return PGW_OK with *len set; PGW_E_UNSUPPORTED when the signature
 *         algorithm has no defined hash (Ed25519, Ed448: binding must fail
 *         closed) or is unknown to OpenSSL; PGW_E_STATE before the
 *         handshake; PGW_E_TOO_LARGE if cap is below 64; PGW_E_TLS if
 *         hashing failed. *len is 0 unless PGW_OK. */
PGW_API pgw_status pgw_tls_server_end_point(const pgw_tls *t, uint8_t *out, size_t cap,
                                            size_t *len);

/** After the handshake: whether the server asked for a client certificate
 * and one was sent (sslcertmode=require checks this). */
PGW_API bool pgw_tls_client_cert_sent(const pgw_tls *t);
/** After the handshake: whether the server asked for a client certificate
 * (sent or not), for libpq's "server did not request an SSL certificate". */
PGW_API bool pgw_tls_client_cert_requested(const pgw_tls *t);

/** Negotiated protocol ("TLSv1.3") and cipher; NULL before the handshake.
 * Ownership: static strings (OpenSSL's). */
PGW_API const char *pgw_tls_version_name(const pgw_tls *t);
PGW_API const char *pgw_tls_cipher_name(const pgw_tls *t);

/** The last failure as a complete libpq-style message ("SSL error:
 * certificate verify failed: certificate has expired", "server certificate
 * for ..."); "" when none (and for a NULL t). Text taken from the peer's
 * certificate is shown with control and non-ASCII bytes replaced by '?'.
 * Ownership: borrowed — valid until the next call on t. */
PGW_API const char *pgw_tls_errmsg(const pgw_tls *t);
/** The first OpenSSL error code of the last failure, 0 if none. */
PGW_API unsigned long pgw_tls_ssl_error(const pgw_tls *t);

/** Free the session (and our SSL_CTX; a caller's SSL_CTX loses only the
 * reference the session held). No close_notify is sent: call
 * pgw_tls_close() and send its output first for an orderly end. The key
 * password is never kept after pgw_tls_new(). NULL-safe. */
PGW_API void pgw_tls_free(pgw_tls *t);

PGW_END_DECLS

#endif
