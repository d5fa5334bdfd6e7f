/* src/tls: client certificates (sslcert/sslkey/sslpassword/sslcertmode):
 * loading from PEM and DER bytes, encrypted keys, mismatches, and whether
 * a certificate is sent per certmode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "tls_fixture.h"

#define PASSWORD "dUmmyP^#+"

static fx_blob client_chain; /* client cert + client CA */
static fx_blob client_leaf;  /* client cert alone */
static fx_blob key_plain, key_encrypted, key_der, key_der_encrypted, other_key;

static int group_setup(void **state)
{
    (void)state;
    const fx_pki *p = fx_pki_get();
    client_leaf = fx_pem_cert(p->client);
    client_chain = fx_blob_cat(fx_pem_cert(p->client), fx_pem_cert(p->client_ca));
    key_plain = fx_pem_key(p->leaf_key, NULL);
    key_encrypted = fx_pem_key(p->leaf_key, PASSWORD);
    key_der = fx_der_key(p->leaf_key, NULL);
    key_der_encrypted = fx_der_key(p->leaf_key, PASSWORD);
    EVP_PKEY *k = fx_ec_key();
    other_key = fx_pem_key(k, NULL);
    EVP_PKEY_free(k);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_blob_free(&client_leaf);
    fx_blob_free(&client_chain);
    fx_blob_free(&key_plain);
    fx_blob_free(&key_encrypted);
    fx_blob_free(&key_der);
    fx_blob_free(&key_der_encrypted);
    fx_blob_free(&other_key);
    fx_pki_free();
    return 0;
}

static void with_cert(pgw_tls_config *cfg, const fx_blob *cert, const fx_blob *key)
{
    fx_client_config(cfg, PGW_TLS_VERIFY_FULL, "localhost");
    cfg->cert_pem = cert->p;
    cfg->cert_pem_len = cert->n;
    if (key != NULL) {
        cfg->key_pem = key->p;
        cfg->key_pem_len = key->n;
    }
}

static pgw_status try_new(const pgw_tls_config *cfg, char *msg, size_t cap)
{
    pgw_tls *t = NULL;
    pgw_status rc = pgw_tls_new(&t, cfg, msg, cap);
    assert_int_equal(ERR_peek_error(), 0);
    pgw_tls_free(t);
    return rc;
}

/* The outcome of a handshake with a server that asks for (or requires) a
 * certificate: status, whether the server got one, what the client says. */
typedef struct outcome {
    pgw_status rc;
    bool server_got_cert;
    bool requested, sent;
    char msg[512];
} outcome;

static outcome handshake(const pgw_tls_config *cfg, const fx_server_spec *spec)
{
    outcome o;
    fx_server s;
    pgw_tls *c = NULL;
    o.rc = fx_connect(cfg, spec, &s, &c);
    X509 *peer = SSL_get1_peer_certificate(s.ssl);
    o.server_got_cert = peer != NULL;
    X509_free(peer);
    o.requested = pgw_tls_client_cert_requested(c);
    o.sent = pgw_tls_client_cert_sent(c);
    snprintf(o.msg, sizeof o.msg, "%s", pgw_tls_errmsg(c));
    pgw_tls_free(c);
    fx_server_free(&s);
    return o;
}

static const fx_server_spec asks = {.request_client_cert = true};

/* ---- sending per certmode ---------------------------------------------- */

static void test_client_cert_sent_when_server_asks(void **state)
{
    pgw_tls_config cfg;
    with_cert(&cfg, &client_chain, &key_plain);
    outcome o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_OK);
    assert_true(o.requested);
    assert_true(o.sent);
    assert_true(o.server_got_cert);
}

static void test_client_cert_not_requested_is_not_sent(void **state)
{
    pgw_tls_config cfg;
    with_cert(&cfg, &client_chain, &key_plain);
    outcome o = handshake(&cfg, NULL);
    assert_int_equal(o.rc, PGW_OK);
    assert_false(o.requested);
    assert_false(o.sent);
}

static void test_client_cert_chain_travels_and_leaf_alone_is_refused(void **state)
{
    /* libpq: "intermediate client certificate is provided by client" and
     * "... is missing" (SSL error: tlsv1 alert unknown ca). */
    fx_server_spec spec = {.require_client_cert = true, .trust_root_only = true};
    pgw_tls_config cfg;
    with_cert(&cfg, &client_chain, &key_plain);
    outcome o = handshake(&cfg, &spec);
    assert_int_equal(o.rc, PGW_OK);
    assert_true(o.server_got_cert);

    with_cert(&cfg, &client_leaf, &key_plain);
    fx_server s;
    pgw_tls *c = NULL;
    /* TLS 1.3: our side of the handshake ends before the server's verdict,
     * which arrives as an alert on the first read. */
    pgw_status rc = fx_connect(&cfg, &spec, &s, &c);
    assert_true(s.failed);
    if (rc == PGW_OK) {
        uint8_t buf[64];
        size_t got;
        rc = pgw_tls_read(c, buf, sizeof buf, &got);
    }
    assert_int_equal(rc, PGW_E_TLS);
    assert_string_equal(pgw_tls_errmsg(c), "SSL error: tlsv1 alert unknown ca");
    assert_int_equal(ERR_peek_error(), 0);
    pgw_tls_free(c);
    fx_server_free(&s);
}

static void test_certmode_disable_never_sends(void **state)
{
    pgw_tls_config cfg;
    with_cert(&cfg, &client_chain, &key_plain);
    cfg.certmode = PGW_TLS_CERT_DISABLE;
    outcome o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_OK);
    assert_true(o.requested);
    assert_false(o.sent);
    assert_false(o.server_got_cert);
    /* Not even read: a broken certificate does not matter. */
    fx_blob junk = fx_blob_str("garbage");
    cfg.cert_pem = junk.p;
    cfg.cert_pem_len = junk.n;
    char msg[256];
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_OK);
    fx_blob_free(&junk);
}

static void test_certmode_disable_drops_a_cert_set_on_the_callers_ctx(void **state)
{
    const fx_pki *p = fx_pki_get();
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_use_certificate(ctx, p->client), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, p->leaf_key), 1);
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    cfg.ssl_ctx = ctx;
    outcome o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_OK);
    assert_true(o.sent);
    assert_true(o.server_got_cert);
    cfg.certmode = PGW_TLS_CERT_DISABLE;
    o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_OK);
    assert_false(o.sent);
    assert_false(o.server_got_cert);
    SSL_CTX_free(ctx);
}

static void test_certmode_require_succeeds_when_sent(void **state)
{
    pgw_tls_config cfg;
    with_cert(&cfg, &client_chain, &key_plain);
    cfg.certmode = PGW_TLS_CERT_REQUIRE;
    outcome o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_OK);
    assert_true(o.sent);
}

static void test_certmode_require_fails_when_server_did_not_ask(void **state)
{
    pgw_tls_config cfg;
    with_cert(&cfg, &client_chain, &key_plain);
    cfg.certmode = PGW_TLS_CERT_REQUIRE;
    outcome o = handshake(&cfg, NULL);
    assert_int_equal(o.rc, PGW_E_TLS);
    assert_string_equal(o.msg, "server did not request an SSL certificate");
}

static void test_certmode_require_fails_without_a_cert(void **state)
{
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "localhost");
    cfg.certmode = PGW_TLS_CERT_REQUIRE;
    outcome o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_E_TLS);
    assert_true(o.requested);
    assert_false(o.sent);
    assert_string_equal(o.msg, "server accepted connection without a valid SSL certificate");
}

static void test_certmode_allow_without_cert_sends_nothing(void **state)
{
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "localhost");
    outcome o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_OK);
    assert_true(o.requested);
    assert_false(o.sent);
    assert_false(o.server_got_cert);
}

/* ---- keys -------------------------------------------------------------- */

static void test_key_formats_all_load(void **state)
{
    pgw_tls_config cfg;
    const fx_blob *keys[] = {&key_plain, &key_der};
    for (size_t i = 0; i < 2; i++) {
        with_cert(&cfg, &client_chain, keys[i]);
        outcome o = handshake(&cfg, &asks);
        assert_int_equal(o.rc, PGW_OK);
        assert_true(o.server_got_cert);
    }
}

static void test_encrypted_key_with_right_password_loads(void **state)
{
    pgw_tls_config cfg;
    const fx_blob *keys[] = {&key_encrypted, &key_der_encrypted};
    for (size_t i = 0; i < 2; i++) {
        with_cert(&cfg, &client_chain, keys[i]);
        cfg.key_password = PASSWORD;
        outcome o = handshake(&cfg, &asks);
        assert_int_equal(o.rc, PGW_OK);
        assert_true(o.server_got_cert);
    }
}

static void test_traditional_encrypted_pem_key_loads(void **state)
{
    /* The older "Proc-Type: 4,ENCRYPTED" form (openssl ec/rsa -aes256). */
    BIO *bio = BIO_new(BIO_s_mem());
    assert_non_null(bio);
    assert_int_equal(PEM_write_bio_PrivateKey_traditional(
                         bio, fx_pki_get()->leaf_key, EVP_aes_256_cbc(),
                         (const unsigned char *)PASSWORD, (int)strlen(PASSWORD), NULL, NULL),
                     1);
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    assert_true(n > 0);
    assert_non_null(strstr(data, "Proc-Type: 4,ENCRYPTED"));
    fx_blob key = {(uint8_t *)data, (size_t)n};
    pgw_tls_config cfg;
    char msg[512];
    with_cert(&cfg, &client_chain, &key);
    cfg.key_password = PASSWORD;
    outcome o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_OK);
    assert_true(o.server_got_cert);
    cfg.key_password = "wrong";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "could not load private key: bad decrypt");
    BIO_free(bio);
}

static void test_encrypted_key_with_wrong_password_is_invalid(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    with_cert(&cfg, &client_chain, &key_encrypted);
    cfg.key_password = "wrong";
    cfg.key_name = "/home/u/.postgresql/client-encrypted-pem.key";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    /* libpq's 001_ssltests.pl: `private key file "...": bad decrypt`. */
    assert_string_equal(msg, "could not load private key file "
                             "\"/home/u/.postgresql/client-encrypted-pem.key\": bad decrypt");
    /* The password never appears in the message. */
    assert_null(strstr(msg, "wrong"));

    with_cert(&cfg, &client_chain, &key_der_encrypted);
    cfg.key_password = "wrong";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "could not load private key: bad decrypt");
}

static void test_encrypted_key_without_password_is_invalid_and_never_prompts(void **state)
{
    /* OpenSSL's default callback would read the terminal. */
    pgw_tls_config cfg;
    char msg[512];
    const fx_blob *keys[] = {&key_encrypted, &key_der_encrypted};
    for (size_t i = 0; i < 2; i++) {
        with_cert(&cfg, &client_chain, keys[i]);
        assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
        assert_string_equal(msg, "could not load private key: the key is encrypted and no "
                                 "sslpassword was given");
    }
    /* An empty password is a (wrong) password. */
    with_cert(&cfg, &client_chain, &key_encrypted);
    cfg.key_password = "";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
}

static void test_overlong_password_is_invalid(void **state)
{
    char pw[2000];
    memset(pw, 'p', sizeof pw - 1);
    pw[sizeof pw - 1] = '\0';
    pgw_tls_config cfg;
    char msg[512];
    with_cert(&cfg, &client_chain, &key_encrypted);
    cfg.key_password = pw;
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "could not load private key: sslpassword is too long");
}

static void test_key_not_matching_cert_is_invalid(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    with_cert(&cfg, &client_chain, &other_key);
    cfg.key_name = "client.key";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "certificate does not match private key file \"client.key\": "
                             "key values mismatch");
}

static void test_cert_without_key_is_invalid(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    with_cert(&cfg, &client_chain, NULL);
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "certificate present, but not private key");
    cfg.key_name = "/home/u/.postgresql/postgresql.key";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_string_equal(msg, "certificate present, but not private key file "
                             "\"/home/u/.postgresql/postgresql.key\"");
}

static void test_key_without_cert_is_ignored(void **state)
{
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "localhost");
    cfg.key_pem = key_plain.p;
    cfg.key_pem_len = key_plain.n;
    outcome o = handshake(&cfg, &asks);
    assert_int_equal(o.rc, PGW_OK);
    assert_false(o.sent);
}

static void test_bad_cert_and_key_bytes_are_invalid(void **state)
{
    pgw_tls_config cfg;
    char msg[512];
    fx_blob junk = fx_blob_str("-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n");
    with_cert(&cfg, &junk, &key_plain);
    cfg.cert_name = "postgresql.crt";
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_non_null(strstr(msg, "could not read certificate file \"postgresql.crt\": "));
    fx_blob_free(&junk);

    /* A chain whose second certificate is broken. */
    fx_blob broken = fx_blob_cat(fx_pem_cert(fx_pki_get()->client),
                                 fx_blob_str("-----BEGIN CERTIFICATE-----\n@@@@\n"
                                             "-----END CERTIFICATE-----\n"));
    with_cert(&cfg, &broken, &key_plain);
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_non_null(strstr(msg, "could not read client certificate: "));
    fx_blob_free(&broken);

    fx_blob badkey = fx_blob_str("not a key at all");
    with_cert(&cfg, &client_chain, &badkey);
    assert_int_equal(try_new(&cfg, msg, sizeof msg), PGW_E_INVALID);
    assert_non_null(strstr(msg, "could not load private key: "));
    fx_blob_free(&badkey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_cert_sent_when_server_asks),
        cmocka_unit_test(test_client_cert_not_requested_is_not_sent),
        cmocka_unit_test(test_client_cert_chain_travels_and_leaf_alone_is_refused),
        cmocka_unit_test(test_certmode_disable_never_sends),
        cmocka_unit_test(test_certmode_disable_drops_a_cert_set_on_the_callers_ctx),
        cmocka_unit_test(test_certmode_require_succeeds_when_sent),
        cmocka_unit_test(test_certmode_require_fails_when_server_did_not_ask),
        cmocka_unit_test(test_certmode_require_fails_without_a_cert),
        cmocka_unit_test(test_certmode_allow_without_cert_sends_nothing),
        cmocka_unit_test(test_key_formats_all_load),
        cmocka_unit_test(test_encrypted_key_with_right_password_loads),
        cmocka_unit_test(test_traditional_encrypted_pem_key_loads),
        cmocka_unit_test(test_encrypted_key_with_wrong_password_is_invalid),
        cmocka_unit_test(test_encrypted_key_without_password_is_invalid_and_never_prompts),
        cmocka_unit_test(test_overlong_password_is_invalid),
        cmocka_unit_test(test_key_not_matching_cert_is_invalid),
        cmocka_unit_test(test_cert_without_key_is_invalid),
        cmocka_unit_test(test_key_without_cert_is_ignored),
        cmocka_unit_test(test_bad_cert_and_key_bytes_are_invalid),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
