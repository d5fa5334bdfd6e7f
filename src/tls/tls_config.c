/* Building a session from a pgw_tls_config: the SSL_CTX (ours, or the
 * caller's, which is never modified), the SSL object, its memory BIOs, and
 * everything loaded from PEM bytes.
 *
 * Everything that depends on this session's settings is set on the SSL
 * object, not on the context: that is what lets a caller's SSL_CTX be
 * shared between connections with different settings. The trust store
 * built from root_pem/crl_pem becomes the session's verify store
 * (SSL_set0_verify_cert_store), the client certificate and key are set on
 * the SSL, and so are versions, SNI, ALPN and the certificate callback.
 *
 * Where libpq reads files, we read bytes: PEM_X509_INFO_read_bio for roots
 * and CRLs (the same loader X509_load_cert_crl_file uses), PEM_read_bio_X509
 * for the client chain, and for the key PEM first and then DER, as libpq's
 * SSL_use_PrivateKey_file fallback does. A password callback is always
 * installed, so OpenSSL never falls back to prompting on the terminal. */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "common/common_int.h"
#include "tls/tls_int.h"

/* A message prefix: `<what> file "NAME"` when the caller told us the file
 * name (libpq's wording), else the generic form. */
static const char *describe(char *buf, size_t cap, const char *what, const char *without,
                            const char *name)
{
    if (name == NULL || name[0] == '\0') {
        snprintf(buf, cap, "%s", without);
    } else {
        char shown[PGWI_TLS_NAME_MAX + 1];
        pgwi_tls_sanitize(shown, sizeof shown, name, strlen(name));
        snprintf(buf, cap, "%s file \"%s\"", what, shown);
    }
    return buf;
}

/* Record an OpenSSL failure: the first queued code and libpq's message
 * "<what>: <reason>". Returns the status for the code. */
static pgw_status openssl_fail(pgw_tls *t, pgw_status status, const char *what)
{
    unsigned long code = pgwi_tls_take_error();
    char num[48];
    t->ssl_err = code;
    pgwi_tls_msg(t, "%s: %s", what, pgwi_tls_reason(code, num, sizeof num));
    if (ERR_GET_REASON(code) == ERR_R_MALLOC_FAILURE)
        return PGW_E_NOMEM;
    return status;
}

static bool version_ok(int v)
{
    return v >= PGW_TLS_1_0 && v <= PGW_TLS_1_3;
}

/* ---- roots and CRLs --------------------------------------------------- */

/* A password callback that has none: PEM_X509_INFO_read_bio would prompt
 * on the terminal for an encrypted key found among the certificates. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

/* Add the certificates (when want_certs) and CRLs of a PEM blob to store.
 * *ncerts and *ncrls count what was added. Returns 1, or 0 with the
 * OpenSSL error queued. */
static int load_pem_objects(X509_STORE *store, const uint8_t *pem, size_t len, bool want_certs,
                            int *ncerts, int *ncrls)
{
    *ncerts = 0;
    *ncrls = 0;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return 0;
    STACK_OF(X509_INFO) *infos = PEM_X509_INFO_read_bio(bio, NULL, no_password, NULL);
    BIO_free(bio);
    if (infos == NULL)
        return 0;
    int ok = 1;
    for (int i = 0; ok && i < sk_X509_INFO_num(infos); i++) {
        X509_INFO *info = sk_X509_INFO_value(infos, i);
        if (want_certs && info->x509 != NULL) {
            if (!X509_STORE_add_cert(store, info->x509))
                ok = 0;
            else
                (*ncerts)++;
        }
        if (ok && info->crl != NULL) {
            if (!X509_STORE_add_crl(store, info->crl))
                ok = 0;
            else
                (*ncrls)++;
        }
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
    return ok;
}

/* The session's own trust store from root_pem, root_system and crl_pem. */
static pgw_status build_store(pgw_tls *t, const pgw_tls_config *cfg)
{
    char what[PGWI_TLS_NAME_MAX + 80];
    bool have_roots = cfg->root_pem_len > 0 || cfg->root_system;
    bool have_crl = cfg->crl_pem_len > 0;
    if (!have_roots && !have_crl)
        return PGW_OK; /* the caller's context keeps its own store */
    if (!have_roots) {
        /* Only possible with ssl_ctx: a store of ours would hold no roots,
         * and the caller's store is not ours to add CRLs to. */
        pgwi_tls_msg(t, "a certificate revocation list needs root certificates "
                        "(sslrootcert) when an SSL_CTX is supplied");
        return PGW_E_INVALID;
    }

    ERR_clear_error();
    X509_STORE *store = X509_STORE_new();
    if (store == NULL)
        return openssl_fail(t, PGW_E_NOMEM, "could not create certificate store");

    pgw_status rc = PGW_OK;
    int ncerts = 0, ncrls = 0;
    if (cfg->root_system && X509_STORE_set_default_paths(store) != 1)
        rc = openssl_fail(t, PGW_E_TLS, "could not load system root certificate paths");
    if (rc == PGW_OK && cfg->root_pem_len > 0) {
        describe(what, sizeof what, "could not read root certificate",
                 "could not read root certificates", cfg->root_name);
        if (!load_pem_objects(store, cfg->root_pem, cfg->root_pem_len, true, &ncerts, &ncrls)) {
            rc = openssl_fail(t, PGW_E_INVALID, what);
        } else if (ncerts + ncrls == 0) {
            /* What X509_load_cert_crl_file says for such a file. */
            pgwi_tls_msg(t, "%s: no certificate or crl found", what);
            rc = PGW_E_INVALID;
        }
    }
    if (rc == PGW_OK && have_crl) {
        describe(what, sizeof what, "could not load SSL certificate revocation list",
                 "could not load SSL certificate revocation list", cfg->crl_name);
        if (!load_pem_objects(store, cfg->crl_pem, cfg->crl_pem_len, false, &ncerts, &ncrls)) {
            rc = openssl_fail(t, PGW_E_INVALID, what);
        } else if (ncrls == 0) {
            /* libpq ignores an unusable CRL file; checking nothing while the
             * user asked for revocation checks would fail open. */
            pgwi_tls_msg(t, "%s: no CRL found", what);
            rc = PGW_E_INVALID;
        } else {
            unsigned long flags = X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
            X509_STORE_set_flags(store, flags);
            X509_VERIFY_PARAM_set_flags(SSL_get0_param(t->ssl), flags);
        }
    }
    if (rc != PGW_OK) {
        X509_STORE_free(store);
        ERR_clear_error();
        return rc;
    }
    SSL_set0_verify_cert_store(t->ssl, store);
    ERR_clear_error();
    return PGW_OK;
}

/* ---- the client certificate and key ----------------------------------- */

typedef struct key_password {
    const char *password; /* NULL: none given */
    bool asked;           /* OpenSSL wanted a password */
    bool too_long;
} key_password;

static int password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    key_password *kp = u;
    kp->asked = true;
    if (kp->password == NULL || size <= 0)
        return 0;
    size_t n = strlen(kp->password);
    if (n > (size_t)size) {
        kp->too_long = true;
        return -1;
    }
    memcpy(buf, kp->password, n);
    return (int)n;
}

static bool looks_like_pem(const uint8_t *p, size_t n)
{
    static const char marker[] = "-----BEGIN";
    size_t m = sizeof marker - 1;
    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(p + i, marker, m) == 0)
            return true;
    }
    return false;
}

/* The private key from PEM (any format OpenSSL reads, encrypted or not),
 * else from DER (PKCS#8, encrypted or not, or a traditional key). */
static EVP_PKEY *read_key(const uint8_t *p, size_t n, key_password *kp)
{
    BIO *bio = BIO_new_mem_buf(p, (int)n);
    if (bio == NULL)
        return NULL;
    EVP_PKEY *key = NULL;
    if (looks_like_pem(p, n)) {
        key = PEM_read_bio_PrivateKey(bio, NULL, password_cb, kp);
    } else {
        key = d2i_PKCS8PrivateKey_bio(bio, NULL, password_cb, kp);
        if (key == NULL && !kp->asked) {
            /* Not an encrypted PKCS#8 structure: a plain DER key. */
            ERR_clear_error();
            (void)BIO_reset(bio);
            key = d2i_PrivateKey_bio(bio, NULL);
        }
    }
    BIO_free(bio);
    return key;
}

static pgw_status load_client_cert(pgw_tls *t, const pgw_tls_config *cfg)
{
    char what[PGWI_TLS_NAME_MAX + 80];

    describe(what, sizeof what, "could not read certificate", "could not read client certificate",
             cfg->cert_name);
    ERR_clear_error();
    BIO *bio = BIO_new_mem_buf(cfg->cert_pem, (int)cfg->cert_pem_len);
    if (bio == NULL)
        return openssl_fail(t, PGW_E_NOMEM, what);
    X509 *leaf = PEM_read_bio_X509_AUX(bio, NULL, no_password, NULL);
    if (leaf == NULL) {
        BIO_free(bio);
        return openssl_fail(t, PGW_E_INVALID, what);
    }
    pgw_status rc = PGW_OK;
    if (SSL_use_certificate(t->ssl, leaf) != 1)
        rc = openssl_fail(t, PGW_E_INVALID, what);
    X509_free(leaf);
    /* The rest of the file is the chain up to (not including) a root the
     * server trusts, as in SSL_CTX_use_certificate_chain_file. */
    while (rc == PGW_OK) {
        X509 *ca = PEM_read_bio_X509(bio, NULL, no_password, NULL);
        if (ca == NULL) {
            unsigned long code = ERR_peek_last_error();
            if (ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE)
                ERR_clear_error(); /* the end of the chain */
            else
                rc = openssl_fail(t, PGW_E_INVALID, what);
            break;
        }
        if (SSL_add1_chain_cert(t->ssl, ca) != 1)
            rc = openssl_fail(t, PGW_E_INVALID, what);
        X509_free(ca);
    }
    BIO_free(bio);
    if (rc != PGW_OK)
        return rc;

    if (cfg->key_pem_len == 0) {
        describe(what, sizeof what, "certificate present, but not private key",
                 "certificate present, but not private key", cfg->key_name);
        pgwi_tls_msg(t, "%s", what);
        return PGW_E_INVALID;
    }
    describe(what, sizeof what, "could not load private key", "could not load private key",
             cfg->key_name);
    key_password kp = {.password = cfg->key_password};
    ERR_clear_error();
    EVP_PKEY *key = read_key(cfg->key_pem, cfg->key_pem_len, &kp);
    if (key == NULL) {
        unsigned long code = pgwi_tls_take_error();
        char num[48];
        t->ssl_err = code;
        if (kp.asked && kp.password == NULL)
            pgwi_tls_msg(t, "%s: the key is encrypted and no sslpassword was given", what);
        else if (kp.too_long)
            pgwi_tls_msg(t, "%s: sslpassword is too long", what);
        else
            pgwi_tls_msg(t, "%s: %s", what, pgwi_tls_reason(code, num, sizeof num));
        return ERR_GET_REASON(code) == ERR_R_MALLOC_FAILURE ? PGW_E_NOMEM : PGW_E_INVALID;
    }
    describe(what, sizeof what, "certificate does not match private key",
             "certificate does not match private key", cfg->key_name);
    if (SSL_use_PrivateKey(t->ssl, key) != 1 || SSL_check_private_key(t->ssl) != 1)
        rc = openssl_fail(t, PGW_E_INVALID, what);
    EVP_PKEY_free(key);
    return rc;
}

/* Called when the server's CertificateRequest is processed: libpq's
 * cert_cb, which records that a certificate was asked for and whether we
 * have one to send. With certmode DISABLE the certificate is dropped here,
 * so that even one set on a caller's SSL_CTX is never sent. */
static int cert_cb(SSL *ssl, void *arg)
{
    pgw_tls *t = arg;
    t->cert_requested = true;
    if (t->certmode == PGW_TLS_CERT_DISABLE) {
        SSL_certs_clear(ssl);
        return 1;
    }
    if (SSL_get_certificate(ssl) != NULL)
        t->cert_sent = true;
    return 1;
}

/* ---- the session ------------------------------------------------------ */

static pgw_status check_config(pgw_tls *t, const pgw_tls_config *cfg)
{
    if (cfg->verify != PGW_TLS_VERIFY_NONE && cfg->verify != PGW_TLS_VERIFY_CA &&
        cfg->verify != PGW_TLS_VERIFY_FULL) {
        pgwi_tls_msg(t, "invalid certificate verification mode %d", (int)cfg->verify);
        return PGW_E_INVALID;
    }
    if (cfg->certmode != PGW_TLS_CERT_ALLOW && cfg->certmode != PGW_TLS_CERT_DISABLE &&
        cfg->certmode != PGW_TLS_CERT_REQUIRE) {
        pgwi_tls_msg(t, "invalid sslcertmode %d", (int)cfg->certmode);
        return PGW_E_INVALID;
    }
    if (cfg->min_version != 0 && !version_ok(cfg->min_version)) {
        pgwi_tls_msg(t, "invalid value 0x%04x for minimum SSL protocol version",
                     (unsigned)cfg->min_version);
        return PGW_E_INVALID;
    }
    if (cfg->max_version != 0 && !version_ok(cfg->max_version)) {
        pgwi_tls_msg(t, "invalid value 0x%04x for maximum SSL protocol version",
                     (unsigned)cfg->max_version);
        return PGW_E_INVALID;
    }
    t->min_version = cfg->min_version != 0 ? cfg->min_version : PGW_TLS_1_2;
    t->max_version = cfg->max_version;
    if (t->max_version != 0 && t->min_version > t->max_version) {
        pgwi_tls_msg(t, "invalid SSL protocol version range");
        return PGW_E_INVALID;
    }
    if ((cfg->root_pem_len > 0 && cfg->root_pem == NULL) ||
        (cfg->crl_pem_len > 0 && cfg->crl_pem == NULL) ||
        (cfg->cert_pem_len > 0 && cfg->cert_pem == NULL) ||
        (cfg->key_pem_len > 0 && cfg->key_pem == NULL)) {
        pgwi_tls_msg(t, "PEM length given without PEM data");
        return PGW_E_INVALID;
    }
    /* OpenSSL's memory BIOs take an int length. */
    if (cfg->root_pem_len > INT32_MAX || cfg->crl_pem_len > INT32_MAX ||
        cfg->cert_pem_len > INT32_MAX || cfg->key_pem_len > INT32_MAX) {
        pgwi_tls_msg(t, "PEM data too large");
        return PGW_E_INVALID;
    }
    if (cfg->verify != PGW_TLS_VERIFY_NONE && cfg->root_pem_len == 0 && !cfg->root_system &&
        cfg->ssl_ctx == NULL) {
        pgwi_tls_msg(t, "server certificate verification needs root certificates "
                        "(sslrootcert), but none were given");
        return PGW_E_INVALID;
    }
    if (cfg->verify == PGW_TLS_VERIFY_FULL && (cfg->host == NULL || cfg->host[0] == '\0')) {
        pgwi_tls_msg(t, "host name must be specified for a verified SSL connection");
        return PGW_E_INVALID;
    }
    if (cfg->alpn != NULL) {
        size_t n = strlen(cfg->alpn);
        if (n == 0 || n > PGWI_TLS_ALPN_MAX) {
            pgwi_tls_msg(t, "invalid ALPN protocol name");
            return PGW_E_INVALID;
        }
        memcpy(t->alpn, cfg->alpn, n);
        t->alpn_len = n;
        t->alpn_optional = cfg->alpn_optional;
    }
    t->verify = cfg->verify;
    t->certmode = cfg->certmode;
    return PGW_OK;
}

static pgw_status create_ssl(pgw_tls *t, const pgw_tls_config *cfg)
{
    ERR_clear_error();
    SSL_CTX *ctx = cfg->ssl_ctx;
    if (ctx == NULL) {
        ctx = SSL_CTX_new(TLS_client_method());
        if (ctx == NULL)
            return openssl_fail(t, PGW_E_TLS, "could not create SSL context");
    }
    SSL *ssl = SSL_new(ctx);
    /* The session holds its own reference to the context. */
    if (ctx != cfg->ssl_ctx)
        SSL_CTX_free(ctx);
    if (ssl == NULL)
        return openssl_fail(t, PGW_E_TLS, "could not establish SSL connection");
    t->ssl = ssl;

    BIO *rbio = BIO_new(BIO_s_mem());
    BIO *wbio = BIO_new(BIO_s_mem());
    if (rbio == NULL || wbio == NULL) {
        BIO_free(rbio);
        BIO_free(wbio);
        return openssl_fail(t, PGW_E_NOMEM, "could not establish SSL connection");
    }
    /* An empty input BIO means "not yet", never end of stream. */
    BIO_set_mem_eof_return(rbio, -1);
    BIO_set_mem_eof_return(wbio, -1);
    SSL_set_bio(ssl, rbio, wbio);
    t->rbio = rbio;
    t->wbio = wbio;
    SSL_set_connect_state(ssl);

    /* Servers (PostgreSQL among them) refuse renegotiation; refusing it
     * here too keeps SSL_write from ever having to read. */
    SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
    /* libpq: the buffer of a retried non-blocking write may move. */
    SSL_set_mode(ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return PGW_OK;
}

pgw_status pgwi_tls_configure(pgw_tls *t, const pgw_tls_config *cfg)
{
    pgw_status rc = check_config(t, cfg);
    if (rc != PGW_OK)
        return rc;
    rc = create_ssl(t, cfg);
    if (rc != PGW_OK)
        return rc;

    SSL *ssl = t->ssl;
    if (SSL_set_min_proto_version(ssl, t->min_version) != 1)
        return openssl_fail(t, PGW_E_TLS, "could not set minimum SSL protocol version");
    if (t->max_version != 0 && SSL_set_max_proto_version(ssl, t->max_version) != 1)
        return openssl_fail(t, PGW_E_TLS, "could not set maximum SSL protocol version");

    SSL_set_cert_cb(ssl, cert_cb, t);

    if (t->verify != PGW_TLS_VERIFY_NONE) {
        rc = build_store(t, cfg);
        if (rc != PGW_OK)
            return rc;
        /* NULL keeps a caller's context's verify callback. */
        SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
    }

    /* RFC 6066: no SNI for a literal IP address (libpq's test). */
    if (cfg->sni && cfg->host != NULL && cfg->host[0] != '\0' &&
        !pgwi_tls_host_skips_sni(cfg->host)) {
        ERR_clear_error();
        if (SSL_set_tlsext_host_name(ssl, t->host) != 1)
            return openssl_fail(t, PGW_E_TLS, "could not set SSL Server Name Indication (SNI)");
    }

    if (t->alpn_len > 0) {
        unsigned char wire[PGWI_TLS_ALPN_MAX + 1];
        wire[0] = (unsigned char)t->alpn_len;
        memcpy(wire + 1, t->alpn, t->alpn_len);
        ERR_clear_error();
        /* Returns 0 on success, unlike most of OpenSSL. */
        if (SSL_set_alpn_protos(ssl, wire, (unsigned)(t->alpn_len + 1)) != 0)
            return openssl_fail(t, PGW_E_TLS, "could not set SSL ALPN extension");
    }

    /* libpq does not even read the certificate with sslcertmode=disable. */
    if (t->certmode != PGW_TLS_CERT_DISABLE && cfg->cert_pem_len > 0) {
        rc = load_client_cert(t, cfg);
        if (rc != PGW_OK)
            return rc;
    }
    ERR_clear_error();
    return PGW_OK;
}
