/* src/tls: tls-server-end-point channel binding data (RFC 5929 section
 * 4.1) for every kind of server certificate signature: SHA-256/384/512,
 * SHA-1 (and so MD5's rule) mapped to SHA-256, RSA-PSS using the PSS hash,
 * and Ed25519/Ed448 refused so channel_binding=require fails closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "tls/tls_int.h"
#include "tls_fixture.h"

static EVP_PKEY *rsa_key; /* one RSA key for the whole file: generation is slow */

static int group_setup(void **state)
{
    (void)state;
    fx_pki_get();
    rsa_key = fx_rsa_key(2048);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa_key);
    fx_pki_free();
    return 0;
}

/* The digest of the certificate's DER encoding with md. */
static size_t digest_of(X509 *x, const EVP_MD *md, uint8_t *out)
{
    fx_blob der = fx_der_cert(x);
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(der.p, der.n, out, &n, md, NULL), 1);
    fx_blob_free(&der);
    return n;
}

static void expect_hash(X509 *x, const EVP_MD *md)
{
    uint8_t got[64], want[EVP_MAX_MD_SIZE];
    size_t len = 0;
    assert_int_equal(pgwi_tls_end_point_hash(x, got, sizeof got, &len), PGW_OK);
    size_t n = digest_of(x, md, want);
    assert_int_equal(len, n);
    assert_memory_equal(got, want, n);
    assert_int_equal(ERR_peek_error(), 0);
}

static X509 *signed_with(EVP_PKEY *key, const EVP_MD *md, bool pss)
{
    return fx_cert(
        key, &(fx_cert_spec){.cn = "localhost", .san = "DNS:localhost", .md = md, .pss = pss});
}

static void test_cbind_sha256_signature_uses_sha256(void **state)
{
    X509 *x = signed_with(fx_pki_get()->leaf_key, EVP_sha256(), false);
    expect_hash(x, EVP_sha256());
    X509_free(x);
}

static void test_cbind_sha1_signature_uses_sha256(void **state)
{
    X509 *x = signed_with(fx_pki_get()->leaf_key, EVP_sha1(), false);
    expect_hash(x, EVP_sha256());
    X509_free(x);
}

static void test_cbind_sha384_signature_uses_sha384(void **state)
{
    X509 *x = signed_with(fx_pki_get()->leaf_key, EVP_sha384(), false);
    expect_hash(x, EVP_sha384());
    X509_free(x);
}

static void test_cbind_sha512_signature_uses_sha512(void **state)
{
    X509 *x = signed_with(fx_pki_get()->leaf_key, EVP_sha512(), false);
    expect_hash(x, EVP_sha512());
    X509_free(x);
}

static void test_cbind_rsa_signatures(void **state)
{
    X509 *x = signed_with(rsa_key, EVP_sha256(), false);
    expect_hash(x, EVP_sha256());
    X509_free(x);
    /* PKCS#1 v1.5 with SHA-1, the case RFC 5929 mentions. */
    x = signed_with(rsa_key, EVP_sha1(), false);
    expect_hash(x, EVP_sha256());
    X509_free(x);
    /* RSA-PSS: the hash is in the algorithm parameters (libpq bug #17760). */
    x = signed_with(rsa_key, EVP_sha384(), true);
    expect_hash(x, EVP_sha384());
    X509_free(x);
    x = signed_with(rsa_key, EVP_sha1(), true);
    expect_hash(x, EVP_sha256());
    X509_free(x);
}

static void test_cbind_eddsa_signature_is_unsupported(void **state)
{
    /* pgjdbc CVE-2026-54291: never bind to empty data. */
    EVP_PKEY *ed = fx_ed25519_key();
    X509 *x = signed_with(ed, NULL, false);
    uint8_t out[64];
    size_t len = 99;
    assert_int_equal(pgwi_tls_end_point_hash(x, out, sizeof out, &len), PGW_E_UNSUPPORTED);
    assert_int_equal(len, 0);
    X509_free(x);
    EVP_PKEY_free(ed);

    EVP_PKEY *ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
    assert_non_null(ed448);
    x = signed_with(ed448, NULL, false);
    assert_int_equal(pgwi_tls_end_point_hash(x, out, sizeof out, &len), PGW_E_UNSUPPORTED);
    X509_free(x);
    EVP_PKEY_free(ed448);
    assert_int_equal(ERR_peek_error(), 0);
}

static void test_cbind_small_buffer_is_too_large(void **state)
{
    X509 *x = signed_with(fx_pki_get()->leaf_key, EVP_sha256(), false);
    uint8_t out[64];
    size_t len = 99;
    assert_int_equal(pgwi_tls_end_point_hash(x, out, 63, &len), PGW_E_TOO_LARGE);
    assert_int_equal(len, 0);
    X509_free(x);
}

/* Through a handshake: the hash of the certificate the server presented. */
static void end_point_after_handshake(X509 *cert, EVP_PKEY *key, pgw_status expected,
                                      const EVP_MD *md)
{
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    fx_server s;
    pgw_tls *c = NULL;
    fx_server_spec spec = {.cert = cert, .key = key};
    assert_int_equal(fx_connect(&cfg, &spec, &s, &c), PGW_OK);
    uint8_t out[64], want[EVP_MAX_MD_SIZE];
    size_t len = 99;
    assert_int_equal(pgw_tls_server_end_point(c, out, sizeof out, &len), expected);
    if (expected == PGW_OK) {
        size_t n = digest_of(cert, md, want);
        assert_int_equal(len, n);
        assert_memory_equal(out, want, n);
    } else {
        assert_int_equal(len, 0);
    }
    assert_int_equal(pgw_tls_server_end_point(c, out, 32, &len), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_tls_server_end_point(NULL, out, sizeof out, &len), PGW_E_INVALID);
    assert_int_equal(ERR_peek_error(), 0);
    pgw_tls_free(c);
    fx_server_free(&s);
}

static void test_cbind_after_handshake_matches_presented_cert(void **state)
{
    const fx_pki *p = fx_pki_get();
    end_point_after_handshake(p->localhost, p->leaf_key, PGW_OK, EVP_sha256());
    X509 *x = signed_with(p->leaf_key, EVP_sha384(), false);
    end_point_after_handshake(x, p->leaf_key, PGW_OK, EVP_sha384());
    X509_free(x);
    x = signed_with(p->leaf_key, EVP_sha1(), false);
    end_point_after_handshake(x, p->leaf_key, PGW_OK, EVP_sha256());
    X509_free(x);
    x = signed_with(rsa_key, EVP_sha384(), true);
    end_point_after_handshake(x, rsa_key, PGW_OK, EVP_sha384());
    X509_free(x);
}

static void test_cbind_after_handshake_with_ed25519_cert_is_unsupported(void **state)
{
    EVP_PKEY *ed = fx_ed25519_key();
    X509 *x = signed_with(ed, NULL, false);
    end_point_after_handshake(x, ed, PGW_E_UNSUPPORTED, NULL);
    X509_free(x);
    EVP_PKEY_free(ed);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cbind_sha256_signature_uses_sha256),
        cmocka_unit_test(test_cbind_sha1_signature_uses_sha256),
        cmocka_unit_test(test_cbind_sha384_signature_uses_sha384),
        cmocka_unit_test(test_cbind_sha512_signature_uses_sha512),
        cmocka_unit_test(test_cbind_rsa_signatures),
        cmocka_unit_test(test_cbind_eddsa_signature_is_unsupported),
        cmocka_unit_test(test_cbind_small_buffer_is_too_large),
        cmocka_unit_test(test_cbind_after_handshake_matches_presented_cert),
        cmocka_unit_test(test_cbind_after_handshake_with_ed25519_cert_is_unsupported),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
