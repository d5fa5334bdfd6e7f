/* In-memory PKI and TLS server for the src/tls tests (see tls_fixture.h). */
#include "tls_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

/* A failure of the fixture itself, not of the code under test. */
#define fx_check(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fixture failure at %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
            ERR_print_errors_fp(stderr);                                                           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* ---- bytes ------------------------------------------------------------- */

void fx_blob_free(fx_blob *b)
{
    free(b->p);
    b->p = NULL;
    b->n = 0;
}

static fx_blob blob_from(const void *p, size_t n)
{
    fx_blob b = {malloc(n + 1), n};
    fx_check(b.p != NULL);
    if (n > 0)
        memcpy(b.p, p, n);
    b.p[n] = 0;
    return b;
}

fx_blob fx_blob_str(const char *s)
{
    return blob_from(s, strlen(s));
}

fx_blob fx_blob_cat(fx_blob a, fx_blob b)
{
    fx_blob r = {malloc(a.n + b.n + 1), a.n + b.n};
    fx_check(r.p != NULL);
    if (a.n > 0)
        memcpy(r.p, a.p, a.n);
    if (b.n > 0)
        memcpy(r.p + a.n, b.p, b.n);
    r.p[r.n] = 0;
    fx_blob_free(&a);
    fx_blob_free(&b);
    return r;
}

static fx_blob blob_from_bio(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    fx_check(n >= 0);
    fx_blob b = blob_from(data, (size_t)n);
    BIO_free(bio);
    return b;
}

/* ---- keys and certificates -------------------------------------------- */

EVP_PKEY *fx_ec_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    fx_check(k != NULL);
    return k;
}

EVP_PKEY *fx_ed25519_key(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    fx_check(k != NULL);
    return k;
}

EVP_PKEY *fx_rsa_key(unsigned bits)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
    fx_check(k != NULL);
    return k;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    fx_check(ext != NULL);
    fx_check(X509_add_ext(x, ext, -1) == 1);
    X509_EXTENSION_free(ext);
}

static long next_serial = 1000;

X509 *fx_cert(EVP_PKEY *key, const fx_cert_spec *spec)
{
    X509 *x = X509_new();
    fx_check(x != NULL);
    fx_check(X509_set_version(x, 2) == 1);
    fx_check(ASN1_INTEGER_set(X509_get_serialNumber(x),
                              spec->serial != 0 ? spec->serial : next_serial++) == 1);
    fx_check(X509_gmtime_adj(X509_getm_notBefore(x),
                             spec->not_before != 0 ? spec->not_before : -86400) != NULL);
    fx_check(X509_gmtime_adj(X509_getm_notAfter(x),
                             spec->not_after != 0 ? spec->not_after : 365L * 86400) != NULL);
    fx_check(X509_set_pubkey(x, key) == 1);

    X509_NAME *name = X509_get_subject_name(x);
    if (spec->cn != NULL)
        fx_check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                            (const unsigned char *)spec->cn, -1, -1, 0) == 1);
    X509 *issuer = spec->issuer != NULL ? spec->issuer : x;
    fx_check(X509_set_issuer_name(x, X509_get_subject_name(issuer)) == 1);

    if (spec->ca) {
        add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    if (spec->san != NULL)
        add_ext(x, issuer, NID_subject_alt_name, spec->san);

    EVP_PKEY *signer = spec->issuer_key != NULL ? spec->issuer_key : key;
    const EVP_MD *md = spec->md != NULL ? spec->md : EVP_sha256();
    if (EVP_PKEY_is_a(signer, "ED25519") || EVP_PKEY_is_a(signer, "ED448"))
        md = NULL;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    fx_check(mctx != NULL);
    EVP_PKEY_CTX *pctx = NULL;
    fx_check(EVP_DigestSignInit(mctx, &pctx, md, NULL, signer) == 1);
    if (spec->pss) {
        fx_check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1);
        fx_check(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1);
    }
    fx_check(X509_sign_ctx(x, mctx) > 0);
    EVP_MD_CTX_free(mctx);
    return x;
}

X509_CRL *fx_crl(X509 *ca, EVP_PKEY *ca_key, X509 *const *revoked, size_t n)
{
    X509_CRL *crl = X509_CRL_new();
    fx_check(crl != NULL);
    fx_check(X509_CRL_set_version(crl, 1) == 1);
    fx_check(X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) == 1);
    ASN1_TIME *t = X509_gmtime_adj(NULL, -3600);
    fx_check(t != NULL && X509_CRL_set1_lastUpdate(crl, t) == 1);
    ASN1_TIME_free(t);
    t = X509_gmtime_adj(NULL, 30L * 86400);
    fx_check(t != NULL && X509_CRL_set1_nextUpdate(crl, t) == 1);
    for (size_t i = 0; i < n; i++) {
        X509_REVOKED *r = X509_REVOKED_new();
        fx_check(r != NULL);
        fx_check(X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked[i])) == 1);
        ASN1_TIME *when = X509_gmtime_adj(NULL, -60);
        fx_check(when != NULL && X509_REVOKED_set_revocationDate(r, when) == 1);
        ASN1_TIME_free(when);
        fx_check(X509_CRL_add0_revoked(crl, r) == 1);
    }
    fx_check(X509_CRL_sort(crl) == 1);
    fx_check(X509_CRL_sign(crl, ca_key, EVP_sha256()) > 0);
    ASN1_TIME_free(t);
    return crl;
}

fx_blob fx_pem_cert(X509 *x)
{
    BIO *bio = BIO_new(BIO_s_mem());
    fx_check(bio != NULL && PEM_write_bio_X509(bio, x) == 1);
    return blob_from_bio(bio);
}

fx_blob fx_pem_crl(X509_CRL *crl)
{
    BIO *bio = BIO_new(BIO_s_mem());
    fx_check(bio != NULL && PEM_write_bio_X509_CRL(bio, crl) == 1);
    return blob_from_bio(bio);
}

fx_blob fx_pem_key(EVP_PKEY *k, const char *password)
{
    BIO *bio = BIO_new(BIO_s_mem());
    fx_check(bio != NULL);
    const EVP_CIPHER *cipher = password != NULL ? EVP_aes_256_cbc() : NULL;
    fx_check(PEM_write_bio_PKCS8PrivateKey(bio, k, cipher, NULL, 0, NULL,
                                           (void *)(uintptr_t)password) == 1);
    return blob_from_bio(bio);
}

fx_blob fx_der_key(EVP_PKEY *k, const char *password)
{
    BIO *bio = BIO_new(BIO_s_mem());
    fx_check(bio != NULL);
    if (password != NULL)
        fx_check(i2d_PKCS8PrivateKey_bio(bio, k, EVP_aes_256_cbc(), NULL, 0, NULL,
                                         (void *)(uintptr_t)password) == 1);
    else
        fx_check(i2d_PKCS8PrivateKey_bio(bio, k, NULL, NULL, 0, NULL, NULL) == 1);
    return blob_from_bio(bio);
}

fx_blob fx_der_cert(X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    fx_check(n > 0);
    fx_blob b = blob_from(der, (size_t)n);
    OPENSSL_free(der);
    return b;
}

/* ---- the standard PKI -------------------------------------------------- */

static fx_pki pki;
static bool pki_ready;

const fx_pki *fx_pki_get(void)
{
    if (pki_ready)
        return &pki;
    pki.root_key = fx_ec_key();
    pki.server_ca_key = fx_ec_key();
    pki.client_ca_key = fx_ec_key();
    pki.leaf_key = fx_ec_key();
    pki.root = fx_cert(pki.root_key, &(fx_cert_spec){.cn = "Test root CA for pgwire", .ca = true});
    pki.server_ca =
        fx_cert(pki.server_ca_key, &(fx_cert_spec){.cn = "Test CA for pgwire server certs",
                                                   .ca = true,
                                                   .issuer = pki.root,
                                                   .issuer_key = pki.root_key});
    pki.client_ca =
        fx_cert(pki.client_ca_key, &(fx_cert_spec){.cn = "Test CA for pgwire client certs",
                                                   .ca = true,
                                                   .issuer = pki.root,
                                                   .issuer_key = pki.root_key});
    pki.localhost =
        fx_cert(pki.leaf_key, &(fx_cert_spec){.cn = "localhost",
                                              .san = "DNS:localhost,IP:127.0.0.1,IP:::1",
                                              .issuer = pki.server_ca,
                                              .issuer_key = pki.server_ca_key});
    pki.client = fx_cert(pki.leaf_key, &(fx_cert_spec){.cn = "ssltestuser",
                                                       .issuer = pki.client_ca,
                                                       .issuer_key = pki.client_ca_key});
    pki.root_pem = fx_pem_cert(pki.root);
    pki.root_and_server_ca = fx_blob_cat(fx_pem_cert(pki.root), fx_pem_cert(pki.server_ca));
    pki_ready = true;
    return &pki;
}

void fx_pki_free(void)
{
    if (!pki_ready)
        return;
    EVP_PKEY_free(pki.root_key);
    EVP_PKEY_free(pki.server_ca_key);
    EVP_PKEY_free(pki.client_ca_key);
    EVP_PKEY_free(pki.leaf_key);
    X509_free(pki.root);
    X509_free(pki.server_ca);
    X509_free(pki.client_ca);
    X509_free(pki.localhost);
    X509_free(pki.client);
    fx_blob_free(&pki.root_pem);
    fx_blob_free(&pki.root_and_server_ca);
    memset(&pki, 0, sizeof pki);
    pki_ready = false;
}

X509 *fx_server_cert(const char *cn, const char *san)
{
    const fx_pki *p = fx_pki_get();
    return fx_cert(p->leaf_key, &(fx_cert_spec){.cn = cn,
                                                .san = san,
                                                .issuer = p->server_ca,
                                                .issuer_key = p->server_ca_key});
}

/* ---- the server -------------------------------------------------------- */

static int sni_cb(SSL *ssl, int *alert, void *arg)
{
    (void)alert;
    fx_server *s = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name != NULL)
        snprintf(s->sni, sizeof s->sni, "%s", name);
    return SSL_TLSEXT_ERR_OK;
}

static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg)
{
    (void)ssl;
    fx_server *s = arg;
    static const unsigned char other[] = "http/1.1";
    if (s->alpn_other) {
        *out = other;
        *outlen = (unsigned char)(sizeof other - 1);
        return SSL_TLSEXT_ERR_OK;
    }
    size_t want = strlen(s->alpn);
    for (unsigned int i = 0; i < inlen;) {
        unsigned int len = in[i];
        if (i + 1 + len > inlen)
            break;
        if (len == want && memcmp(in + i + 1, s->alpn, want) == 0) {
            *out = in + i + 1;
            *outlen = (unsigned char)len;
            return SSL_TLSEXT_ERR_OK;
        }
        i += 1 + len;
    }
    return SSL_TLSEXT_ERR_NOACK;
}

void fx_server_init(fx_server *s, const fx_server_spec *spec)
{
    const fx_pki *p = fx_pki_get();
    static const fx_server_spec defaults;
    if (spec == NULL)
        spec = &defaults;
    memset(s, 0, sizeof *s);
    s->ctx = SSL_CTX_new(TLS_server_method());
    fx_check(s->ctx != NULL);
    if (spec->cipher_list != NULL)
        fx_check(SSL_CTX_set_cipher_list(s->ctx, spec->cipher_list) == 1);
    if (spec->min_version != 0)
        fx_check(SSL_CTX_set_min_proto_version(s->ctx, spec->min_version) == 1);
    if (spec->max_version != 0)
        fx_check(SSL_CTX_set_max_proto_version(s->ctx, spec->max_version) == 1);

    X509 *cert = spec->cert != NULL ? spec->cert : p->localhost;
    EVP_PKEY *key = spec->key != NULL ? spec->key : p->leaf_key;
    fx_check(SSL_CTX_use_certificate(s->ctx, cert) == 1);
    fx_check(SSL_CTX_use_PrivateKey(s->ctx, key) == 1);
    if (spec->cert == NULL)
        fx_check(SSL_CTX_add1_chain_cert(s->ctx, p->server_ca) == 1);
    for (size_t i = 0; i < spec->nchain; i++)
        fx_check(SSL_CTX_add1_chain_cert(s->ctx, spec->chain[i]) == 1);

    if (spec->request_client_cert || spec->require_client_cert) {
        X509_STORE *store = SSL_CTX_get_cert_store(s->ctx);
        fx_check(X509_STORE_add_cert(store, p->root) == 1);
        if (!spec->trust_root_only)
            fx_check(X509_STORE_add_cert(store, p->client_ca) == 1);
        SSL_CTX_set_verify(s->ctx,
                           SSL_VERIFY_PEER |
                               (spec->require_client_cert ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
                           NULL);
    }
    SSL_CTX_set_tlsext_servername_callback(s->ctx, sni_cb);
    SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
    s->alpn = spec->alpn;
    s->alpn_other = spec->alpn_other;
    if (spec->alpn != NULL || spec->alpn_other)
        SSL_CTX_set_alpn_select_cb(s->ctx, alpn_cb, s);

    s->ssl = SSL_new(s->ctx);
    fx_check(s->ssl != NULL);
    s->rbio = BIO_new(BIO_s_mem());
    s->wbio = BIO_new(BIO_s_mem());
    fx_check(s->rbio != NULL && s->wbio != NULL);
    BIO_set_mem_eof_return(s->rbio, -1);
    BIO_set_mem_eof_return(s->wbio, -1);
    SSL_set_bio(s->ssl, s->rbio, s->wbio);
    SSL_set_accept_state(s->ssl);
    ERR_clear_error();
}

void fx_server_free(fx_server *s)
{
    SSL_free(s->ssl);
    SSL_CTX_free(s->ctx);
    ERR_clear_error();
    memset(s, 0, sizeof *s);
}

size_t fx_to_server(fx_server *s, pgw_tls *c)
{
    const uint8_t *p;
    size_t n = pgw_tls_output(c, &p);
    if (n == 0)
        return 0;
    size_t done = 0;
    fx_check(BIO_write_ex(s->rbio, p, n, &done) == 1 && done == n);
    pgw_tls_output_done(c, n);
    return n;
}

size_t fx_to_client(fx_server *s, pgw_tls *c, size_t chunk)
{
    size_t n = BIO_ctrl_pending(s->wbio);
    if (n == 0)
        return 0;
    uint8_t *buf = malloc(n);
    fx_check(buf != NULL);
    size_t got = 0;
    fx_check(BIO_read_ex(s->wbio, buf, n, &got) == 1 && got == n);
    size_t step = chunk == 0 ? n : chunk;
    for (size_t off = 0; off < n; off += step) {
        size_t m = n - off < step ? n - off : step;
        assert_int_equal(pgw_tls_feed(c, buf + off, m), PGW_OK);
    }
    free(buf);
    return n;
}

static void server_step(fx_server *s)
{
    if (s->done || s->failed)
        return;
    ERR_clear_error();
    int r = SSL_do_handshake(s->ssl);
    if (r == 1) {
        s->done = true;
    } else {
        int err = SSL_get_error(s->ssl, r);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
            s->failed = true;
    }
    ERR_clear_error();
}

pgw_status fx_handshake(fx_server *s, pgw_tls *c)
{
    pgw_status rc = PGW_WANT_READ;
    for (int round = 0; round < 200; round++) {
        ERR_clear_error();
        rc = pgw_tls_handshake(c);
        /* src/tls never leaves anything in the thread's error queue. */
        assert_int_equal(ERR_peek_error(), 0);
        size_t moved = fx_to_server(s, c);
        server_step(s);
        if (rc == PGW_OK || rc < 0) {
            /* Let the server see our last flight (Finished or an alert). */
            server_step(s);
            if (rc == PGW_OK)
                fx_to_client(s, c, 0);
            return rc;
        }
        moved += fx_to_client(s, c, 0);
        if (moved == 0 && rc == PGW_WANT_READ)
            return rc;
    }
    return rc;
}

void fx_client_config(pgw_tls_config *cfg, pgw_tls_verify verify, const char *host)
{
    const fx_pki *p = fx_pki_get();
    pgw_tls_config_init(cfg);
    cfg->verify = verify;
    cfg->host = host;
    cfg->root_pem = p->root_and_server_ca.p;
    cfg->root_pem_len = p->root_and_server_ca.n;
}

pgw_status fx_connect(const pgw_tls_config *cfg, const fx_server_spec *spec, fx_server *s,
                      pgw_tls **out)
{
    char err[512];
    pgw_status rc = pgw_tls_new(out, cfg, err, sizeof err);
    if (rc != PGW_OK)
        fprintf(stderr, "pgw_tls_new: %s\n", err);
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(ERR_peek_error(), 0);
    fx_server_init(s, spec);
    return fx_handshake(s, *out);
}

void fx_server_write(fx_server *s, const uint8_t *p, size_t n)
{
    size_t done = 0;
    ERR_clear_error();
    fx_check(SSL_write_ex(s->ssl, p, n, &done) == 1 && done == n);
}

size_t fx_server_read(fx_server *s, uint8_t *buf, size_t cap)
{
    size_t total = 0;
    while (total < cap) {
        size_t got = 0;
        ERR_clear_error();
        if (SSL_read_ex(s->ssl, buf + total, cap - total, &got) != 1)
            break;
        total += got;
    }
    ERR_clear_error();
    return total;
}
