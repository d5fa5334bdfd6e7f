/* src/tls: host-name verification with libpq's rules, case by case from
 * PostgreSQL's src/test/ssl/t/001_ssltests.pl (same certificate shapes, same
 * host names, same messages), checked directly on certificates and, for
 * each shape, once through a verify-full handshake. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "tls/tls_int.h"
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

/* Check host against cert directly: the verdict, and the message when it
 * is not a match. */
static void expect_host(X509 *cert, const char *host, int verdict, const char *message)
{
    char msg[PGWI_TLS_ERRMSG_MAX] = "";
    int rc = pgwi_tls_verify_host(cert, host, msg, sizeof msg);
    if (rc != verdict)
        fail_msg("host \"%s\": got %d (%s), expected %d", host, rc, msg, verdict);
    if (message != NULL)
        assert_string_equal(msg, message);
    assert_int_equal(ERR_peek_error(), 0);
}

/* The same through a whole verify-full handshake. */
static void expect_handshake(X509 *cert, const char *host, pgw_status expected)
{
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, host);
    fx_server s;
    pgw_tls *c = NULL;
    fx_server_spec spec = {.cert = cert, .chain = {fx_pki_get()->server_ca}, .nchain = 1};
    pgw_status rc = fx_connect(&cfg, &spec, &s, &c);
    if (rc != expected)
        fail_msg("handshake with host \"%s\": %d (%s)", host, rc, pgw_tls_errmsg(c));
    pgw_tls_free(c);
    fx_server_free(&s);
}

#define MATCH 1
#define NO_MATCH 0

static void test_hostname_cn_only(void **state)
{
    X509 *x = fx_server_cert("common-name.pg-ssltest.test", NULL);
    expect_host(x, "common-name.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "COMMON-NAME.pg-ssltest.TEST", MATCH, NULL);
    expect_host(x, "wronghost.test", NO_MATCH,
                "server certificate for \"common-name.pg-ssltest.test\" does not match host name "
                "\"wronghost.test\"");
    expect_handshake(x, "common-name.pg-ssltest.test", PGW_OK);
    expect_handshake(x, "wronghost.test", PGW_E_TLS);
    X509_free(x);
}

static void test_hostname_ip_in_cn_matches_only_as_written(void **state)
{
    X509 *x = fx_server_cert("192.0.2.1", NULL);
    expect_host(x, "192.0.2.1", MATCH, NULL);
    /* A CN is compared as a string, so the alternative form fails. */
    expect_host(x, "192.000.002.001", NO_MATCH,
                "server certificate for \"192.0.2.1\" does not match host name "
                "\"192.000.002.001\"");
    expect_handshake(x, "192.0.2.1", PGW_OK);
    X509_free(x);
}

static void test_hostname_ip_in_dns_name_matches(void **state)
{
    X509 *x = fx_server_cert(NULL, "DNS:192.0.2.1");
    expect_host(x, "192.0.2.1", MATCH, NULL);
    expect_handshake(x, "192.0.2.1", PGW_OK);
    X509_free(x);
}

static void test_hostname_multiple_alt_names(void **state)
{
    X509 *x = fx_server_cert("common-name.pg-ssltest.test",
                             "DNS:dns1.alt-name.pg-ssltest.test,DNS:dns2.alt-name.pg-ssltest.test,"
                             "DNS:*.wildcard.pg-ssltest.test");
    expect_host(x, "dns1.alt-name.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "dns2.alt-name.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "DNS1.ALT-NAME.PG-SSLTEST.TEST", MATCH, NULL);
    expect_host(x, "foo.wildcard.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "FOO.Wildcard.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "wronghost.alt-name.pg-ssltest.test", NO_MATCH,
                "server certificate for \"dns1.alt-name.pg-ssltest.test\" (and 2 other names) "
                "does not match host name \"wronghost.alt-name.pg-ssltest.test\"");
    /* The wildcard covers one label only. */
    expect_host(x, "deep.subdomain.wildcard.pg-ssltest.test", NO_MATCH,
                "server certificate for \"dns1.alt-name.pg-ssltest.test\" (and 2 other names) "
                "does not match host name \"deep.subdomain.wildcard.pg-ssltest.test\"");
    /* Nor does it match the bare domain. */
    expect_host(x, "wildcard.pg-ssltest.test", NO_MATCH, NULL);
    /* The CN is ignored next to DNS SANs. */
    expect_host(x, "common-name.pg-ssltest.test", NO_MATCH, NULL);
    expect_handshake(x, "foo.wildcard.pg-ssltest.test", PGW_OK);
    expect_handshake(x, "deep.subdomain.wildcard.pg-ssltest.test", PGW_E_TLS);
    X509_free(x);
}

static void test_hostname_single_alt_name(void **state)
{
    X509 *x = fx_server_cert(NULL, "DNS:single.alt-name.pg-ssltest.test");
    expect_host(x, "single.alt-name.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "wronghost.alt-name.pg-ssltest.test", NO_MATCH,
                "server certificate for \"single.alt-name.pg-ssltest.test\" does not match host "
                "name \"wronghost.alt-name.pg-ssltest.test\"");
    expect_host(x, "deep.subdomain.wildcard.pg-ssltest.test", NO_MATCH,
                "server certificate for \"single.alt-name.pg-ssltest.test\" does not match host "
                "name \"deep.subdomain.wildcard.pg-ssltest.test\"");
    expect_handshake(x, "single.alt-name.pg-ssltest.test", PGW_OK);
    X509_free(x);
}

static void test_hostname_ip_alt_names(void **state)
{
    X509 *x = fx_server_cert(NULL, "IP:192.0.2.1,IP:2001:DB8::1");
    expect_host(x, "192.0.2.1", MATCH, NULL);
    /* inet_aton's alternative notations count, as in libpq. */
    expect_host(x, "192.000.002.001", MATCH, NULL);
    expect_host(x, "192.0.513", MATCH, NULL); /* a.b.c: c fills the last 16 bits */
    expect_host(x, "0xc0.0.2.1", MATCH, NULL);
    expect_host(x, "192.0.2.2", NO_MATCH,
                "server certificate for \"192.0.2.1\" (and 1 other name) does not match host "
                "name \"192.0.2.2\"");
    expect_host(x, "2001:DB8::1", MATCH, NULL);
    expect_host(x, "2001:db8:0:0:0:0:0:1", MATCH, NULL);
    expect_host(x, "2001:db8::0.0.0.1", MATCH, NULL);
    expect_host(x, "::1", NO_MATCH,
                "server certificate for \"192.0.2.1\" (and 1 other name) does not match host "
                "name \"::1\"");
    expect_host(x, "2001:DB8::1/128", NO_MATCH,
                "server certificate for \"192.0.2.1\" (and 1 other name) does not match host "
                "name \"2001:DB8::1/128\"");
    expect_handshake(x, "192.0.2.1", PGW_OK);
    expect_handshake(x, "2001:db8::1", PGW_OK);
    expect_handshake(x, "192.0.2.2", PGW_E_TLS);
    X509_free(x);
}

static void test_hostname_cn_and_dns_alt_names_ignores_cn(void **state)
{
    X509 *x = fx_server_cert("common-name.pg-ssltest.test",
                             "DNS:dns1.alt-name.pg-ssltest.test,DNS:dns2.alt-name.pg-ssltest.test");
    expect_host(x, "dns1.alt-name.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "dns2.alt-name.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "common-name.pg-ssltest.test", NO_MATCH,
                "server certificate for \"dns1.alt-name.pg-ssltest.test\" (and 1 other name) "
                "does not match host name \"common-name.pg-ssltest.test\"");
    expect_handshake(x, "common-name.pg-ssltest.test", PGW_E_TLS);
    X509_free(x);
}

static void test_hostname_cn_and_ip_alt_names_falls_back_to_cn(void **state)
{
    /* Only IP SANs: a DNS host may still match the CN. */
    X509 *x = fx_server_cert("common-name.pg-ssltest.test", "IP:192.0.2.1,IP:2001:DB8::1");
    expect_host(x, "common-name.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "192.0.2.1", MATCH, NULL);
    expect_host(x, "2001:db8::1", MATCH, NULL);
    /* All three names are examined and counted. */
    expect_host(x, "other.pg-ssltest.test", NO_MATCH,
                "server certificate for \"192.0.2.1\" (and 2 other names) does not match host "
                "name \"other.pg-ssltest.test\"");
    expect_handshake(x, "common-name.pg-ssltest.test", PGW_OK);
    X509_free(x);
}

static void test_hostname_ip_cn_and_ip_alt_names_ignores_cn(void **state)
{
    X509 *x = fx_server_cert("192.0.2.1", "IP:192.0.2.2,IP:2001:DB8::1");
    expect_host(x, "192.0.2.2", MATCH, NULL);
    expect_host(x, "2001:db8::1", MATCH, NULL);
    expect_host(x, "192.0.2.1", NO_MATCH,
                "server certificate for \"192.0.2.2\" (and 1 other name) does not match host "
                "name \"192.0.2.1\"");
    expect_handshake(x, "192.0.2.1", PGW_E_TLS);
    X509_free(x);
}

static void test_hostname_ip_cn_and_dns_alt_names_matches_cn(void **state)
{
    /* An IP host ignores DNS SANs when deciding on the CN (libpq departs
     * from RFC 6125 here). */
    X509 *x = fx_server_cert("192.0.2.1",
                             "DNS:dns1.alt-name.pg-ssltest.test,DNS:dns2.alt-name.pg-ssltest.test");
    expect_host(x, "192.0.2.1", MATCH, NULL);
    expect_host(x, "dns1.alt-name.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "dns2.alt-name.pg-ssltest.test", MATCH, NULL);
    expect_handshake(x, "192.0.2.1", PGW_OK);
    X509_free(x);
}

static void test_hostname_no_names(void **state)
{
    X509 *x = fx_server_cert(NULL, NULL);
    expect_host(x, "common-name.pg-ssltest.test", NO_MATCH,
                "could not get server's host name from server certificate");
    expect_handshake(x, "common-name.pg-ssltest.test", PGW_E_TLS);
    /* verify-ca does not look at names. */
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_CA, "common-name.pg-ssltest.test");
    fx_server s;
    pgw_tls *c = NULL;
    fx_server_spec spec = {.cert = x, .chain = {fx_pki_get()->server_ca}, .nchain = 1};
    assert_int_equal(fx_connect(&cfg, &spec, &s, &c), PGW_OK);
    pgw_tls_free(c);
    fx_server_free(&s);
    X509_free(x);
}

static void test_hostname_other_san_types_are_not_names(void **state)
{
    /* An e-mail or URI SAN is neither examined nor counted, and does not
     * stop the CN fallback. */
    X509 *x = fx_server_cert("db.pg-ssltest.test",
                             "email:dba@pg-ssltest.test,URI:https://db.pg-ssltest.test/");
    expect_host(x, "db.pg-ssltest.test", MATCH, NULL);
    expect_host(x, "pg-ssltest.test", NO_MATCH,
                "server certificate for \"db.pg-ssltest.test\" does not match host name "
                "\"pg-ssltest.test\"");
    X509_free(x);
}

/* A certificate with hand-made SAN entries (what the text syntax cannot
 * express). */
static X509 *cert_with_raw_san(int type, const void *data, int len)
{
    const fx_pki *p = fx_pki_get();
    X509 *x = fx_server_cert("fallback.pg-ssltest.test", NULL);
    GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
    GENERAL_NAME *gn = GENERAL_NAME_new();
    assert_non_null(names);
    assert_non_null(gn);
    ASN1_STRING *s = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new();
    assert_non_null(s);
    assert_int_equal(ASN1_STRING_set(s, data, len), 1);
    GENERAL_NAME_set0_value(gn, type, s);
    assert_true(sk_GENERAL_NAME_push(names, gn) > 0);
    assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, 0), 1);
    GENERAL_NAMES_free(names);
    assert_true(X509_sign(x, p->server_ca_key, EVP_sha256()) > 0);
    return x;
}

static void test_hostname_embedded_nul_is_an_error(void **state)
{
    /* CVE-2009-4034: "good.test\0.evil.test" must not pass as good.test. */
    static const char name[] = "good.test\0.evil.test";
    X509 *x = cert_with_raw_san(GEN_DNS, name, (int)sizeof name - 1);
    expect_host(x, "good.test", -1, "SSL certificate's name contains embedded null");
    /* The CN is not consulted after such an error. */
    expect_host(x, "fallback.pg-ssltest.test", -1, NULL);
    expect_handshake(x, "good.test", PGW_E_TLS);
    X509_free(x);
}

static void test_hostname_ip_of_bad_length_is_an_error(void **state)
{
    static const unsigned char five[] = {192, 0, 2, 1, 7};
    X509 *x = cert_with_raw_san(GEN_IPADD, five, (int)sizeof five);
    expect_host(x, "192.0.2.1", -1, "certificate contains IP address with invalid length 5");
    X509_free(x);
}

static void test_hostname_hostile_names_are_sanitized_in_messages(void **state)
{
    /* A name with terminal escapes is shown, but defanged (a hostile server
     * chooses its certificate's text). */
    X509 *x = fx_server_cert("\x1b[31mred\x1b[0m.test", NULL);
    expect_host(x, "db.test", NO_MATCH,
                "server certificate for \"?[31mred?[0m.test\" does not match host name "
                "\"db.test\"");
    X509_free(x);
    /* And a very long one is cut. */
    char longname[400];
    memset(longname, 'a', sizeof longname - 6);
    memcpy(longname + sizeof longname - 6, ".test", 6);
    char san[420];
    snprintf(san, sizeof san, "DNS:%s", longname);
    x = fx_server_cert(NULL, san);
    char msg[PGWI_TLS_ERRMSG_MAX];
    assert_int_equal(pgwi_tls_verify_host(x, "db.test", msg, sizeof msg), 0);
    assert_true(strlen(msg) < 250);
    expect_host(x, longname, MATCH, NULL);
    X509_free(x);
}

static void test_hostname_missing_host_is_an_error(void **state)
{
    const fx_pki *p = fx_pki_get();
    expect_host(p->localhost, "", -1, "host name must be specified for a verified SSL connection");
    expect_host(p->localhost, NULL, -1, NULL);
}

static void test_wildcard_rule(void **state)
{
    assert_true(pgwi_tls_wildcard_match("*.a.test", "x.a.test"));
    assert_true(pgwi_tls_wildcard_match("*.a.test", "X.A.TEST"));
    assert_true(pgwi_tls_wildcard_match("*.A.test", "xyz.a.test"));
    assert_false(pgwi_tls_wildcard_match("*.a.test", "a.test"));
    assert_false(pgwi_tls_wildcard_match("*.a.test", ".a.test"));
    assert_false(pgwi_tls_wildcard_match("*.a.test", "y.x.a.test"));
    assert_false(pgwi_tls_wildcard_match("*.a.test", "x.b.test"));
    assert_false(pgwi_tls_wildcard_match("*.", "x."));
    assert_false(pgwi_tls_wildcard_match("*", "x"));
    assert_false(pgwi_tls_wildcard_match("x*.a.test", "xy.a.test"));
    assert_false(pgwi_tls_wildcard_match("x.*.test", "x.a.test"));
    assert_false(pgwi_tls_wildcard_match("a.test", "a.test")); /* not a wildcard */
}

static void test_host_is_ip_and_sni_rules(void **state)
{
    assert_true(pgwi_tls_host_is_ip("127.0.0.1"));
    assert_true(pgwi_tls_host_is_ip("127.1"));
    assert_true(pgwi_tls_host_is_ip("::1"));
    assert_true(pgwi_tls_host_is_ip("2001:db8::0.0.0.1"));
    assert_false(pgwi_tls_host_is_ip("localhost"));
    assert_false(pgwi_tls_host_is_ip("2001:DB8::1/128"));
    assert_false(pgwi_tls_host_is_ip("1.2.3.4.5"));

    assert_true(pgwi_tls_host_skips_sni("127.0.0.1"));
    assert_true(pgwi_tls_host_skips_sni("1.2"));
    assert_true(pgwi_tls_host_skips_sni("::1"));
    assert_true(pgwi_tls_host_skips_sni("fe80::1%eth0"));
    assert_false(pgwi_tls_host_skips_sni("localhost"));
    assert_false(pgwi_tls_host_skips_sni("0x7f.1")); /* libpq sends SNI for this one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostname_cn_only),
        cmocka_unit_test(test_hostname_ip_in_cn_matches_only_as_written),
        cmocka_unit_test(test_hostname_ip_in_dns_name_matches),
        cmocka_unit_test(test_hostname_multiple_alt_names),
        cmocka_unit_test(test_hostname_single_alt_name),
        cmocka_unit_test(test_hostname_ip_alt_names),
        cmocka_unit_test(test_hostname_cn_and_dns_alt_names_ignores_cn),
        cmocka_unit_test(test_hostname_cn_and_ip_alt_names_falls_back_to_cn),
        cmocka_unit_test(test_hostname_ip_cn_and_ip_alt_names_ignores_cn),
        cmocka_unit_test(test_hostname_ip_cn_and_dns_alt_names_matches_cn),
        cmocka_unit_test(test_hostname_no_names),
        cmocka_unit_test(test_hostname_other_san_types_are_not_names),
        cmocka_unit_test(test_hostname_embedded_nul_is_an_error),
        cmocka_unit_test(test_hostname_ip_of_bad_length_is_an_error),
        cmocka_unit_test(test_hostname_hostile_names_are_sanitized_in_messages),
        cmocka_unit_test(test_hostname_missing_host_is_an_error),
        cmocka_unit_test(test_wildcard_rule),
        cmocka_unit_test(test_host_is_ip_and_sni_rules),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
