/* src/tls: session creation and the handshake per verification mode, the
 * chain, CRLs, validity, protocol versions, ALPN, SNI, a caller's SSL_CTX,
 * and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>

#include "failing_alloc.h"
#include "tls_fixture.h"

static int group_setup(void **state)
{
    (void)state;
    fx_pki_get();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_pki_free();
    return 0;
}

/* Handshake against a server spec; returns the status, the client's error
 * message copied to msg. */
static pgw_status try_connect(const pgw_tls_config *cfg, const fx_server_spec *spec, char *msg,
                              size_t cap)
{
    fx_server s;
    pgw_tls *c = NULL;
    pgw_status rc = fx_connect(cfg, spec, &s, &c);
    snprintf(msg, cap, "%s", pgw_tls_errmsg(c));
    pgw_tls_free(c);
    fx_server_free(&s);
    assert_int_equal(ERR_peek_error(), 0);
    return rc;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

/* ---- verification modes ------------------------------------------------ */

static void test_handshake_verify_none_untrusted_self_signed_succeeds(void **state)
{
    EVP_PKEY *k = fx_ec_key();
    X509 *self = fx_cert(k, &(fx_cert_spec){.cn = "nobody-trusts-me"});
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    cfg.host = "localhost";
    fx_server s;
    pgw_tls *c = NULL;
    assert_int_equal(fx_connect(&cfg, &(fx_server_spec){.cert = self, .key = k}, &s, &c), PGW_OK);
    assert_string_equal(pgw_tls_errmsg(c), "");
    assert_non_null(pgw_tls_version_name(c));
    assert_non_null(pgw_tls_cipher_name(c));
    /* A second call after success is a no-op. */
    assert_int_equal(pgw_tls_handshake(c), PGW_OK);
    pgw_tls_free(c);
    fx_server_free(&s);
    X509_free(self);
    EVP_PKEY_free(k);
}

static void test_handshake_verify_ca_trusted_chain_succeeds(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "localhost");
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_OK);
}

static void test_handshake_verify_ca_root_only_with_intermediate_from_server_succeeds(void **state)
{
    /* The server sends leaf + intermediate; the client trusts the root. */
    const fx_pki *p = fx_pki_get();
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "localhost");
    cfg.root_pem = p->root_pem.p;
    cfg.root_pem_len = p->root_pem.n;
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_OK);
}

static void test_handshake_verify_ca_missing_intermediate_fails(void **state)
{
    const fx_pki *p = fx_pki_get();
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "localhost");
    cfg.root_pem = p->root_pem.p;
    cfg.root_pem_len = p->root_pem.n;
    /* The leaf alone: nothing links it to the root. */
    fx_server_spec spec = {.cert = p->localhost, .key = p->leaf_key};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_string_equal(msg, "SSL error: certificate verify failed: "
                             "unable to get local issuer certificate");
}

static void test_handshake_verify_ca_untrusted_root_fails(void **state)
{
    EVP_PKEY *k = fx_ec_key();
    X509 *self = fx_cert(k, &(fx_cert_spec){.cn = "localhost", .san = "DNS:localhost"});
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "localhost");
    assert_int_equal(try_connect(&cfg, &(fx_server_spec){.cert = self, .key = k}, msg, sizeof msg),
                     PGW_E_TLS);
    assert_contains(msg, "SSL error: certificate verify failed");
    X509_free(self);
    EVP_PKEY_free(k);
}

static void test_handshake_verify_full_matching_host_succeeds(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    const char *hosts[] = {"localhost", "LOCALHOST", "127.0.0.1", "::1"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, hosts[i]);
        assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_OK);
    }
}

static void test_handshake_verify_full_wrong_host_fails_with_libpq_message(void **state)
{
    X509 *cn_only = fx_server_cert("common-name.pg-ssltest.test", NULL);
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "wronghost.test");
    fx_server_spec spec = {.cert = cn_only, .chain = {fx_pki_get()->server_ca}, .nchain = 1};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_string_equal(msg, "server certificate for \"common-name.pg-ssltest.test\" does not "
                             "match host name \"wronghost.test\"");
    /* verify-ca and require do not look at the name (libpq's 001 tests). */
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "wronghost.test");
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_OK);
    fx_client_config(&cfg, PGW_TLS_VERIFY_NONE, "wronghost.test");
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_OK);
    X509_free(cn_only);
}

static void test_handshake_failure_is_sticky(void **state)
{
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "elsewhere.test");
    fx_server s;
    pgw_tls *c = NULL;
    assert_int_equal(fx_connect(&cfg, NULL, &s, &c), PGW_E_TLS);
    assert_int_equal(pgw_tls_handshake(c), PGW_E_TLS);
    assert_int_equal(pgw_tls_feed(c, (const uint8_t *)"x", 1), PGW_E_TLS);
    uint8_t buf[16];
    size_t got = 99;
    assert_int_equal(pgw_tls_read(c, buf, sizeof buf, &got), PGW_E_TLS);
    assert_int_equal(got, 0);
    assert_int_equal(pgw_tls_write(c, buf, 1), PGW_E_TLS);
    assert_null(pgw_tls_version_name(c));
    assert_int_equal(pgw_tls_pending(c), 0);
    pgw_tls_free(c);
    fx_server_free(&s);
}

/* ---- validity and revocation ------------------------------------------- */

static void test_handshake_expired_cert_fails_verify_ca_but_not_verify_none(void **state)
{
    const fx_pki *p = fx_pki_get();
    X509 *expired = fx_cert(p->leaf_key, &(fx_cert_spec){.cn = "localhost",
                                                         .san = "DNS:localhost",
                                                         .issuer = p->server_ca,
                                                         .issuer_key = p->server_ca_key,
                                                         .not_before = -20L * 86400,
                                                         .not_after = -86400});
    fx_server_spec spec = {.cert = expired, .chain = {p->server_ca}, .nchain = 1};
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "localhost");
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_string_equal(msg, "SSL error: certificate verify failed: certificate has expired");
    fx_client_config(&cfg, PGW_TLS_VERIFY_NONE, "localhost");
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_OK);
    X509_free(expired);
}

static void test_handshake_not_yet_valid_cert_fails(void **state)
{
    const fx_pki *p = fx_pki_get();
    X509 *future = fx_cert(p->leaf_key, &(fx_cert_spec){.cn = "localhost",
                                                        .issuer = p->server_ca,
                                                        .issuer_key = p->server_ca_key,
                                                        .not_before = 10L * 86400,
                                                        .not_after = 20L * 86400});
    fx_server_spec spec = {.cert = future, .chain = {p->server_ca}, .nchain = 1};
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "localhost");
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_string_equal(msg, "SSL error: certificate verify failed: certificate is not yet valid");
    X509_free(future);
}

static void test_handshake_revoked_cert_fails_only_with_crl(void **state)
{
    const fx_pki *p = fx_pki_get();
    X509 *revoked = fx_server_cert("common-name.pg-ssltest.test", NULL);
    X509_CRL *server_crl = fx_crl(p->server_ca, p->server_ca_key, &revoked, 1);
    X509_CRL *root_crl = fx_crl(p->root, p->root_key, NULL, 0);
    /* libpq's root+server.crl: a CRL for every CA of the chain. */
    fx_blob crls = fx_blob_cat(fx_pem_crl(root_crl), fx_pem_crl(server_crl));
    fx_server_spec spec = {.cert = revoked, .chain = {p->server_ca}, .nchain = 1};
    pgw_tls_config cfg;
    char msg[512];

    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "common-name.pg-ssltest.test");
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_OK);

    cfg.crl_pem = crls.p;
    cfg.crl_pem_len = crls.n;
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_string_equal(msg, "SSL error: certificate verify failed: certificate revoked");

    /* The same CRLs let a certificate that is not revoked through. */
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_OK);

    fx_blob_free(&crls);
    X509_CRL_free(server_crl);
    X509_CRL_free(root_crl);
    X509_free(revoked);
}

static void test_handshake_crl_of_another_ca_fails(void **state)
{
    /* libpq: "CRL belonging to a different CA" fails, because every CA of
     * the chain must have its CRL (X509_V_FLAG_CRL_CHECK_ALL). */
    const fx_pki *p = fx_pki_get();
    X509_CRL *client_crl = fx_crl(p->client_ca, p->client_ca_key, NULL, 0);
    fx_blob crl = fx_pem_crl(client_crl);
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "localhost");
    cfg.crl_pem = crl.p;
    cfg.crl_pem_len = crl.n;
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_E_TLS);
    assert_string_equal(msg, "SSL error: certificate verify failed: unable to get certificate CRL");
    fx_blob_free(&crl);
    X509_CRL_free(client_crl);
}

/* ---- pgw_tls_new validation -------------------------------------------- */

static pgw_status try_new(const pgw_tls_config *cfg, char *msg, size_t cap)
{
    pgw_tls *t = (pgw_tls *)0x1;
    pgw_status rc = pgw_tls_new(&t, cfg, msg, cap);
    assert_int_equal(ERR_peek_error(), 0);
    if (rc != PGW_OK)
        assert_null(t);
    pgw_tls_free(t);
    return rc;
}

static void test_new_verify_without_roots_is_invalid(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.host = "localhost";
    cfg.verify = PGW_TLS_VERIFY_CA;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "server certificate verification needs root certificates "
                             "(sslrootcert), but none were given");
    cfg.verify = PGW_TLS_VERIFY_FULL;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    /* Roots are not needed without verification. */
    cfg.verify = PGW_TLS_VERIFY_NONE;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_OK);
    assert_string_equal(msg, "");
}

static void test_new_verify_full_without_host_is_invalid(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, NULL);
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "host name must be specified for a verified SSL connection");
    cfg.host = "";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    cfg.verify = PGW_TLS_VERIFY_CA;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_OK);
}

static void test_new_bad_root_pem_is_invalid(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "localhost");
    fx_blob junk = fx_blob_str("-----BEGIN CERTIFICATE-----\nnot base64 at all!\n"
                               "-----END CERTIFICATE-----\n");
    cfg.root_pem = junk.p;
    cfg.root_pem_len = junk.n;
    cfg.root_name = "/home/u/.postgresql/root.crt";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_contains(msg, "could not read root certificate file \"/home/u/.postgresql/root.crt\": ");
    fx_blob_free(&junk);

    fx_blob empty = fx_blob_str("no PEM here\n");
    cfg.root_pem = empty.p;
    cfg.root_pem_len = empty.n;
    cfg.root_name = NULL;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "could not read root certificates: no certificate or crl found");
    fx_blob_free(&empty);
}

static void test_new_bad_crl_is_invalid(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "localhost");
    /* Certificates but no CRL: refused rather than checking nothing. */
    cfg.crl_pem = fx_pki_get()->root_pem.p;
    cfg.crl_pem_len = fx_pki_get()->root_pem.n;
    cfg.crl_name = "root.crl";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "could not load SSL certificate revocation list file \"root.crl\": "
                             "no CRL found");
    fx_blob junk = fx_blob_str("-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n");
    cfg.crl_pem = junk.p;
    cfg.crl_pem_len = junk.n;
    cfg.crl_name = NULL;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_contains(msg, "could not load SSL certificate revocation list: ");
    fx_blob_free(&junk);
}

static void test_new_version_range_is_checked(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.max_version = PGW_TLS_1_1; /* below the default minimum, TLS 1.2 */
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "invalid SSL protocol version range");
    cfg.min_version = PGW_TLS_1_3;
    cfg.max_version = PGW_TLS_1_2;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    cfg.min_version = 0x0300; /* SSLv3 */
    cfg.max_version = 0;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "invalid value 0x0300 for minimum SSL protocol version");
    cfg.min_version = 0;
    cfg.max_version = 0x0305;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    cfg.min_version = PGW_TLS_1_2;
    cfg.max_version = PGW_TLS_1_2;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_OK);
}

static void test_new_rejects_bad_arguments(void **state)
{
    pgw_tls_config cfg;
    char msg[64];
    pgw_tls_config_init(&cfg);
    assert_int_equal(pgw_tls_new(NULL, &cfg, msg, sizeof msg), PGW_E_INVALID);
    pgw_tls *t = (pgw_tls *)0x1;
    assert_int_equal(pgw_tls_new(&t, NULL, msg, sizeof msg), PGW_E_INVALID);
    assert_null(t);
    cfg.verify = (pgw_tls_verify)7;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    pgw_tls_config_init(&cfg);
    cfg.certmode = (pgw_tls_certmode)9;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    pgw_tls_config_init(&cfg);
    cfg.alpn = "";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    pgw_tls_config_init(&cfg);
    cfg.root_pem_len = 10; /* and no pointer */
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    /* A NULL error buffer is fine, a tiny one is truncated, not overrun. */
    pgw_tls_config_init(&cfg);
    cfg.verify = PGW_TLS_VERIFY_CA;
    assert_int_equal(pgw_tls_new(&t, &cfg, NULL, 0), PGW_E_INVALID);
    char tiny[8];
    assert_int_equal(pgw_tls_new(&t, &cfg, tiny, sizeof tiny), PGW_E_INVALID);
    assert_string_equal(tiny, "server ");
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_new_accepts_a_config_from_an_older_header(void **state)
{
    /* A caller that knew only the fields up to `allocator`. */
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    cfg.alpn_optional = true; /* beyond what the old caller sent: ignored */
    cfg.size = offsetof(pgw_tls_config, allocator) + sizeof cfg.allocator;
    char msg[128];
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_OK);
}

static void test_supported_is_true(void **state)
{
    assert_true(pgw_tls_supported());
}

/* ---- protocol versions ------------------------------------------------- */

static void test_handshake_tls11_only_server_refused_by_default(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    fx_server_spec spec = {.min_version = TLS1_VERSION,
                           .max_version = TLS1_1_VERSION,
                           .cipher_list = "DEFAULT:@SECLEVEL=0"};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_contains(msg, "SSL error: ");
    assert_contains(msg, "(this may indicate that the server does not support any SSL protocol "
                         "version between TLSv1.2 and TLSv1.3)");
}

static void test_handshake_max_version_is_honoured(void **state)
{
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    fx_server s;
    pgw_tls *c = NULL;
    assert_int_equal(fx_connect(&cfg, NULL, &s, &c), PGW_OK);
    assert_string_equal(pgw_tls_version_name(c), "TLSv1.3");
    pgw_tls_free(c);
    fx_server_free(&s);

    cfg.max_version = PGW_TLS_1_2;
    assert_int_equal(fx_connect(&cfg, NULL, &s, &c), PGW_OK);
    assert_string_equal(pgw_tls_version_name(c), "TLSv1.2");
    pgw_tls_free(c);
    fx_server_free(&s);
}

static void test_handshake_tls13_only_server_refused_with_max_tls12(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.max_version = PGW_TLS_1_2;
    fx_server_spec spec = {.min_version = TLS1_3_VERSION};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_contains(msg, "between TLSv1.2 and TLSv1.2)");
}

/* ---- ALPN -------------------------------------------------------------- */

static void test_handshake_alpn_selected_succeeds(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.alpn = "postgresql";
    fx_server_spec spec = {.alpn = "postgresql"};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_OK);
}

static void test_handshake_alpn_not_selected_fails(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.alpn = "postgresql";
    /* A server without ALPN (PostgreSQL before 17). */
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_E_TLS);
    assert_string_equal(msg, "direct SSL connection was established without ALPN protocol "
                             "negotiation extension");
    /* A server that knows ALPN but not ours. */
    fx_server_spec spec = {.alpn = "h2"};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
}

static void test_handshake_alpn_optional_accepts_no_selection(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.alpn = "postgresql";
    cfg.alpn_optional = true;
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_OK);
    fx_server_spec spec = {.alpn = "postgresql"};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_OK);
}

static void test_handshake_alpn_other_protocol_fails(void **state)
{
    /* A server selecting a protocol we never offered: OpenSSL refuses it
     * during the handshake, and it must never get through either way. */
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.alpn = "postgresql";
    cfg.alpn_optional = true;
    fx_server_spec spec = {.alpn_other = true};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_contains(msg, "SSL error: ");
}

/* ---- SNI --------------------------------------------------------------- */

static const char *sni_seen(const char *host, bool sni)
{
    static char seen[256];
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    cfg.host = host;
    cfg.sni = sni;
    fx_server s;
    pgw_tls *c = NULL;
    assert_int_equal(fx_connect(&cfg, NULL, &s, &c), PGW_OK);
    snprintf(seen, sizeof seen, "%s", s.sni);
    pgw_tls_free(c);
    fx_server_free(&s);
    return seen;
}

static void test_handshake_sni_sent_for_host_names_only(void **state)
{
    assert_string_equal(sni_seen("db.example.test", true), "db.example.test");
    assert_string_equal(sni_seen("db.example.test", false), "");
    /* RFC 6066: never for IP literals (libpq's test: digits and dots, or a
     * colon anywhere). */
    assert_string_equal(sni_seen("127.0.0.1", true), "");
    assert_string_equal(sni_seen("::1", true), "");
    assert_string_equal(sni_seen("2001:db8::1", true), "");
    assert_string_equal(sni_seen("1.2", true), "");
}

/* ---- a caller's SSL_CTX ------------------------------------------------ */

static void test_handshake_caller_ctx_still_checks_host_name(void **state)
{
    /* CVE-2018-10936 (pgjdbc): a custom SSL factory skipped the host check. */
    const fx_pki *p = fx_pki_get();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    assert_int_equal(X509_STORE_add_cert(store, p->root), 1);

    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.ssl_ctx = ctx;
    cfg.verify = PGW_TLS_VERIFY_FULL;
    cfg.host = "localhost";
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_OK);
    cfg.host = "other.test";
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_E_TLS);
    assert_string_equal(msg, "server certificate for \"localhost\" (and 2 other names) does not "
                             "match host name \"other.test\"");
    /* The chain is verified with the context's store even though the
     * context itself verifies nothing. */
    EVP_PKEY *k = fx_ec_key();
    X509 *self = fx_cert(k, &(fx_cert_spec){.cn = "localhost"});
    cfg.host = "localhost";
    fx_server_spec spec = {.cert = self, .key = k};
    assert_int_equal(try_connect(&cfg, &spec, msg, sizeof msg), PGW_E_TLS);
    assert_contains(msg, "certificate verify failed");
    /* And the context was left as it was. */
    assert_int_equal(SSL_CTX_get_verify_mode(ctx), SSL_VERIFY_NONE);
    assert_int_equal(SSL_CTX_get_min_proto_version(ctx), 0);
    X509_free(self);
    EVP_PKEY_free(k);
    SSL_CTX_free(ctx);
}

static void test_new_caller_ctx_with_crl_but_no_roots_is_invalid(void **state)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    const fx_pki *p = fx_pki_get();
    X509_CRL *crl = fx_crl(p->root, p->root_key, NULL, 0);
    fx_blob pem = fx_pem_crl(crl);
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.ssl_ctx = ctx;
    cfg.verify = PGW_TLS_VERIFY_CA;
    cfg.crl_pem = pem.p;
    cfg.crl_pem_len = pem.n;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_contains(msg, "needs root certificates");
    /* With the roots given too, the session gets a store of its own. */
    cfg.root_pem = p->root_and_server_ca.p;
    cfg.root_pem_len = p->root_and_server_ca.n;
    cfg.host = "localhost";
    X509_CRL *server_crl = fx_crl(p->server_ca, p->server_ca_key, NULL, 0);
    fx_blob both = fx_blob_cat(fx_pem_crl(server_crl), fx_blob_str((const char *)pem.p));
    cfg.crl_pem = both.p;
    cfg.crl_pem_len = both.n;
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_OK);
    fx_blob_free(&both);
    fx_blob_free(&pem);
    X509_CRL_free(crl);
    X509_CRL_free(server_crl);
    SSL_CTX_free(ctx);
}

static void test_handshake_system_roots_do_not_trust_a_private_ca(void **state)
{
    /* sslrootcert=system: OpenSSL's own store, which knows nothing of our
     * test root. */
    pgw_tls_config cfg;
    char msg[512];
    pgw_tls_config_init(&cfg);
    cfg.verify = PGW_TLS_VERIFY_FULL;
    cfg.host = "localhost";
    cfg.root_system = true;
    assert_int_equal(try_connect(&cfg, NULL, msg, sizeof msg), PGW_E_TLS);
    assert_contains(msg, "SSL error: certificate verify failed");
}

/* ---- the WANT protocol and output ------------------------------------- */

static void test_handshake_wants_write_then_read(void **state)
{
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    pgw_tls *c = NULL;
    assert_int_equal(pgw_tls_new(&c, &cfg, NULL, 0), PGW_OK);
    const uint8_t *p = (const uint8_t *)"x";
    /* Nothing to send before the first call. */
    assert_int_equal(pgw_tls_output(c, &p), 0);
    assert_null(p);
    /* The ClientHello waits: send it first. */
    assert_int_equal(pgw_tls_handshake(c), PGW_WANT_WRITE);
    size_t n = pgw_tls_output(c, &p);
    assert_true(n > 0);
    assert_int_equal(p[0], 0x16); /* a handshake record */
    /* Sent in two parts. */
    pgw_tls_output_done(c, 1);
    assert_int_equal(pgw_tls_output(c, &p), n - 1);
    assert_int_equal(pgw_tls_handshake(c), PGW_WANT_WRITE);
    pgw_tls_output_done(c, n + 100); /* more than pending counts as all */
    assert_int_equal(pgw_tls_output(c, &p), 0);
    /* Now it waits for the server. */
    assert_int_equal(pgw_tls_handshake(c), PGW_WANT_READ);
    /* Application data before the handshake finished is refused. */
    uint8_t buf[8];
    size_t got;
    assert_int_equal(pgw_tls_read(c, buf, sizeof buf, &got), PGW_E_STATE);
    assert_int_equal(pgw_tls_write(c, buf, 1), PGW_E_STATE);
    uint8_t cb[64];
    size_t cblen;
    assert_int_equal(pgw_tls_server_end_point(c, cb, sizeof cb, &cblen), PGW_E_STATE);
    assert_null(pgw_tls_version_name(c));
    assert_int_equal(pgw_tls_close(c), PGW_OK); /* nothing to close yet */
    pgw_tls_free(c);
}

static void test_handshake_server_bytes_fed_one_at_a_time_succeeds(void **state)
{
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "localhost");
    pgw_tls *c = NULL;
    assert_int_equal(pgw_tls_new(&c, &cfg, NULL, 0), PGW_OK);
    fx_server s;
    fx_server_init(&s, NULL);
    pgw_status rc = PGW_WANT_READ;
    for (int round = 0; round < 100 && rc != PGW_OK; round++) {
        rc = pgw_tls_handshake(c);
        assert_true(rc == PGW_OK || rc == PGW_WANT_READ || rc == PGW_WANT_WRITE);
        fx_to_server(&s, c);
        if (!s.done) {
            int r = SSL_do_handshake(s.ssl);
            if (r == 1)
                s.done = true;
            ERR_clear_error();
        }
        /* Every byte on its own, with a handshake call after each. */
        size_t n = BIO_ctrl_pending(s.wbio);
        for (size_t i = 0; i < n && rc != PGW_OK; i++) {
            uint8_t b;
            assert_int_equal(BIO_read(s.wbio, &b, 1), 1);
            assert_int_equal(pgw_tls_feed(c, &b, 1), PGW_OK);
            rc = pgw_tls_handshake(c);
            assert_true(rc == PGW_OK || rc == PGW_WANT_READ || rc == PGW_WANT_WRITE);
            assert_int_equal(ERR_peek_error(), 0);
        }
    }
    assert_int_equal(rc, PGW_OK);
    pgw_tls_free(c);
    fx_server_free(&s);
}

/* ---- out of memory ----------------------------------------------------- */

static void test_new_and_handshake_survive_every_allocation_failure(void **state)
{
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "localhost");
    bool succeeded = false;
    for (size_t n = 1; n < 100 && !succeeded; n++) {
        failing_alloc fa;
        failing_alloc_init(&fa, n);
        cfg.allocator = failing_alloc_get(&fa);
        pgw_tls *c = NULL;
        char msg[128];
        pgw_status rc = pgw_tls_new(&c, &cfg, msg, sizeof msg);
        if (rc == PGW_OK) {
            fx_server s;
            fx_server_init(&s, NULL);
            rc = fx_handshake(&s, c);
            fx_server_free(&s);
            pgw_tls_free(c);
            if (rc == PGW_OK)
                succeeded = true;
            else
                assert_int_equal(rc, PGW_E_NOMEM);
        } else {
            assert_int_equal(rc, PGW_E_NOMEM);
            assert_null(c);
            assert_string_equal(msg, "out of memory");
        }
        assert_true(failing_alloc_clean(&fa));
        assert_int_equal(ERR_peek_error(), 0);
    }
    assert_true(succeeded);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_verify_none_untrusted_self_signed_succeeds),
        cmocka_unit_test(test_handshake_verify_ca_trusted_chain_succeeds),
        cmocka_unit_test(test_handshake_verify_ca_root_only_with_intermediate_from_server_succeeds),
        cmocka_unit_test(test_handshake_verify_ca_missing_intermediate_fails),
        cmocka_unit_test(test_handshake_verify_ca_untrusted_root_fails),
        cmocka_unit_test(test_handshake_verify_full_matching_host_succeeds),
        cmocka_unit_test(test_handshake_verify_full_wrong_host_fails_with_libpq_message),
        cmocka_unit_test(test_handshake_failure_is_sticky),
        cmocka_unit_test(test_handshake_expired_cert_fails_verify_ca_but_not_verify_none),
        cmocka_unit_test(test_handshake_not_yet_valid_cert_fails),
        cmocka_unit_test(test_handshake_revoked_cert_fails_only_with_crl),
        cmocka_unit_test(test_handshake_crl_of_another_ca_fails),
        cmocka_unit_test(test_new_verify_without_roots_is_invalid),
        cmocka_unit_test(test_new_verify_full_without_host_is_invalid),
        cmocka_unit_test(test_new_bad_root_pem_is_invalid),
        cmocka_unit_test(test_new_bad_crl_is_invalid),
        cmocka_unit_test(test_new_version_range_is_checked),
        cmocka_unit_test(test_new_rejects_bad_arguments),
        cmocka_unit_test(test_new_accepts_a_config_from_an_older_header),
        cmocka_unit_test(test_supported_is_true),
        cmocka_unit_test(test_handshake_tls11_only_server_refused_by_default),
        cmocka_unit_test(test_handshake_max_version_is_honoured),
        cmocka_unit_test(test_handshake_tls13_only_server_refused_with_max_tls12),
        cmocka_unit_test(test_handshake_alpn_selected_succeeds),
        cmocka_unit_test(test_handshake_alpn_not_selected_fails),
        cmocka_unit_test(test_handshake_alpn_optional_accepts_no_selection),
        cmocka_unit_test(test_handshake_alpn_other_protocol_fails),
        cmocka_unit_test(test_handshake_sni_sent_for_host_names_only),
        cmocka_unit_test(test_handshake_caller_ctx_still_checks_host_name),
        cmocka_unit_test(test_new_caller_ctx_with_crl_but_no_roots_is_invalid),
        cmocka_unit_test(test_handshake_system_roots_do_not_trust_a_private_ca),
        cmocka_unit_test(test_handshake_wants_write_then_read),
        cmocka_unit_test(test_handshake_server_bytes_fed_one_at_a_time_succeeds),
        cmocka_unit_test(test_new_and_handshake_survive_every_allocation_failure),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
