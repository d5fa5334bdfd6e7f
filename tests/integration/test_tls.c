/* TLS against the real server, with libpq's semantics (its src/test/ssl
 * suite is the model): every sslmode against a role the server accepts
 * only over TLS, one it accepts only without, and one it accepts either
 * way; certificate verification (chain, host name, CRL, system roots);
 * client certificates and their key files; sslcertmode; protocol versions;
 * and the option errors, in libpq's words.
 *
 * The fixture (scripts/pg-fixture.sh) provides the roles and the TLS
 * material through PGW_TEST_* variables; see make_tls_files there for what
 * each file is. Every connection that succeeds is checked from both ends:
 * what pgwire reports and what the server sees in pg_stat_ssl. */
#include <stdbool.h>
#include <sys/stat.h>

#include <openssl/ssl.h>

#include "pgtest.h"

#define CI_LEN 2048

/* ---- helpers ------------------------------------------------------------ */

/* A TCP conninfo for a fixture role ("SSL_SCRAM", "NOSSL_SCRAM", "SCRAM",
 * "CERT", "TRUST", ...) at host (NULL = PGW_TEST_HOST), plus extra. */
static void role_ci(char *buf, size_t len, const char *role, const char *host, const char *extra)
{
    char uvar[64], pvar[64];
    snprintf(uvar, sizeof uvar, "PGW_TEST_%s_USER", role);
    snprintf(pvar, sizeof pvar, "PGW_TEST_%s_PASSWORD", role);
    const char *pw = getenv(pvar);
    snprintf(buf, len, "host=%s port=%s dbname=%s user=%s connect_timeout=20%s%s%s %s",
             host != NULL ? host : pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"),
             pgt_env("PGW_TEST_DB"), pgt_env(uvar), pw ? " password='" : "", pw ? pw : "",
             pw ? "'" : "", extra != NULL ? extra : "");
}

/* Connect without the PG* environment, so nothing outside the conninfo
 * (PGSSLMODE, PGSSLROOTCERT, ...) can change an outcome. */
static pgw_status connect_ci(const char *ci, pgw_conn **out)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    o.io_timeout_ms = 60000;
    return pgw_connect(out, &o);
}

/* Connect, expecting success with or without TLS, and check that the
 * server agrees: pg_stat_ssl for this backend says whether TLS is in use,
 * and with which protocol and cipher. Returns the open connection. */
static pgw_conn *expect_ok(const char *label, const char *ci, bool tls)
{
    pgw_conn *c = NULL;
    pgw_status rc = connect_ci(ci, &c);
    if (rc != PGW_OK) {
        fprintf(stderr, "# %s: expected success, got %s: %s\n", label, pgw_status_name(rc),
                pgw_conn_errmsg(c));
        pgw_conn_free(c);
        fail_msg("%s", label);
    }
    if (pgw_conn_tls_in_use(c) != tls) {
        fprintf(stderr, "# %s: expected %s\n", label, tls ? "TLS" : "no TLS");
        pgw_close(c);
        fail_msg("%s", label);
    }
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c,
                                      "SELECT ssl::text, coalesce(version, ''), "
                                      "coalesce(cipher, ''), coalesce(client_dn, '') "
                                      "FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                                      &r),
                     PGW_OK);
    assert_int_equal(pgw_result_nrows(r), 1);
    assert_string_equal(pgw_result_text(r, 0, 0), tls ? "true" : "false");
    if (tls) {
        assert_non_null(pgw_conn_tls_version(c));
        assert_non_null(pgw_conn_tls_cipher(c));
        assert_string_equal(pgw_conn_tls_version(c), pgw_result_text(r, 0, 1));
        assert_string_equal(pgw_conn_tls_cipher(c), pgw_result_text(r, 0, 2));
    } else {
        assert_null(pgw_conn_tls_version(c));
        assert_null(pgw_conn_tls_cipher(c));
    }
    pgw_result_free(r);
    return c;
}

static void expect_ok_close(const char *label, const char *ci, bool tls)
{
    pgw_close(expect_ok(label, ci, tls));
}

/* Connect, expecting failure: `want` is the status (PGW_OK = any failure),
 * `sqlstate` the server's code when the server refused (or NULL), `msg` a
 * part of the error text (or NULL). */
static void expect_fail(const char *label, const char *ci, pgw_status want, const char *sqlstate,
                        const char *msg)
{
    pgw_conn *c = NULL;
    pgw_status rc = connect_ci(ci, &c);
    if (rc == PGW_OK) {
        fprintf(stderr, "# %s: expected failure, connected (%s)\n", label,
                pgw_conn_tls_in_use(c) ? "TLS" : "no TLS");
        pgw_close(c);
        fail_msg("%s", label);
    }
    const char *got = pgw_conn_errmsg(c);
    bool bad =
        (want != PGW_OK && rc != want) || (msg != NULL && strstr(got, msg) == NULL) ||
        (sqlstate != NULL && (c == NULL || strcmp(pgw_conn_error(c)->sqlstate, sqlstate) != 0));
    if (bad) {
        fprintf(stderr, "# %s:\n#   expected %s%s%s%s: %s\n#   got      %s [%s] %s\n", label,
                want != PGW_OK ? pgw_status_name(want) : "a failure", sqlstate ? " [" : "",
                sqlstate ? sqlstate : "", sqlstate ? "]" : "", msg ? msg : "", pgw_status_name(rc),
                c != NULL ? pgw_conn_error(c)->sqlstate : "", got);
        pgw_conn_free(c);
        fail_msg("%s", label);
    }
    assert_non_null(c);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_conn_free(c);
}

/* The server's pg_hba.conf refusal, as PostgreSQL words it. */
static void hba_msg(char *buf, size_t len, const char *role, const char *encryption)
{
    char uvar[64];
    snprintf(uvar, sizeof uvar, "PGW_TEST_%s_USER", role);
    snprintf(buf, len, "no pg_hba.conf entry for host \"%s\", user \"%s\", database \"%s\", %s",
             pgt_env("PGW_TEST_HOST"), pgt_env(uvar), pgt_env("PGW_TEST_DB"), encryption);
}

/* ---- the sslmode matrix --------------------------------------------------- */

typedef enum outcome {
    OUT_PLAIN,      /* connects without TLS */
    OUT_TLS,        /* connects over TLS */
    OUT_REFUSED_NO, /* pg_hba.conf has no entry without encryption */
    OUT_REFUSED_SSL /* pg_hba.conf has no entry with SSL encryption */
} outcome;

/* One sslmode against the three kinds of server policy. */
static void run_sslmode(const char *sslmode, outcome ssl_only, outcome nossl_only, outcome either)
{
    static const char *const roles[3] = {"SSL_SCRAM", "NOSSL_SCRAM", "SCRAM"};
    const outcome want[3] = {ssl_only, nossl_only, either};
    for (size_t i = 0; i < 3; i++) {
        char extra[512], ci[CI_LEN], label[128], msg[512];
        /* The verifying modes need the root; the others get none, so they
         * also show that no verification is attempted without one. */
        if (sslmode[0] == 'v')
            snprintf(extra, sizeof extra, "sslmode=%s sslrootcert=%s", sslmode,
                     pgt_env("PGW_TEST_ROOT_CERT"));
        else
            snprintf(extra, sizeof extra, "sslmode=%s", sslmode);
        role_ci(ci, sizeof ci, roles[i], NULL, extra);
        snprintf(label, sizeof label, "sslmode=%s, role %s", sslmode, roles[i]);
        switch (want[i]) {
        case OUT_PLAIN:
        case OUT_TLS:
            expect_ok_close(label, ci, want[i] == OUT_TLS);
            break;
        case OUT_REFUSED_NO:
        case OUT_REFUSED_SSL:
            hba_msg(msg, sizeof msg, roles[i],
                    want[i] == OUT_REFUSED_NO ? "no encryption" : "SSL encryption");
            expect_fail(label, ci, PGW_E_AUTH, "28000", msg);
            break;
        }
    }
}

static void test_tls_sslmode_disable_never_uses_tls(void **state)
{
    run_sslmode("disable", OUT_REFUSED_NO, OUT_PLAIN, OUT_PLAIN);
}

/* allow: plaintext first; when the server refuses it, a second attempt
 * over TLS. */
static void test_tls_sslmode_allow_retries_with_tls(void **state)
{
    run_sslmode("allow", OUT_TLS, OUT_PLAIN, OUT_PLAIN);
}

/* prefer: TLS first; when the server refuses that, a second attempt
 * without. */
static void test_tls_sslmode_prefer_retries_without_tls(void **state)
{
    run_sslmode("prefer", OUT_TLS, OUT_PLAIN, OUT_TLS);
}

static void test_tls_sslmode_require_never_falls_back(void **state)
{
    run_sslmode("require", OUT_TLS, OUT_REFUSED_SSL, OUT_TLS);
}

static void test_tls_sslmode_verify_ca_never_falls_back(void **state)
{
    run_sslmode("verify-ca", OUT_TLS, OUT_REFUSED_SSL, OUT_TLS);
}

static void test_tls_sslmode_verify_full_never_falls_back(void **state)
{
    run_sslmode("verify-full", OUT_TLS, OUT_REFUSED_SSL, OUT_TLS);
}

/* sslmode=prefer is the default. */
static void test_tls_default_sslmode_is_prefer(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", NULL, NULL);
    expect_ok_close("no sslmode, role SCRAM", ci, true);
    role_ci(ci, sizeof ci, "NOSSL_SCRAM", NULL, NULL);
    expect_ok_close("no sslmode, role NOSSL_SCRAM", ci, false);
}

/* ---- verifying the server -------------------------------------------------- */

/* require with a root certificate verifies the chain, as verify-ca does. */
static void test_tls_require_with_rootcert_verifies_chain(void **state)
{
    char extra[512], ci[CI_LEN];
    snprintf(extra, sizeof extra, "sslmode=require sslrootcert=%s", pgt_env("PGW_TEST_ROOT_CERT"));
    role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
    expect_ok_close("require, trusted root", ci, true);
    snprintf(extra, sizeof extra, "sslmode=require sslrootcert=%s", pgt_env("PGW_TEST_OTHER_ROOT"));
    role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
    expect_fail("require, untrusted root", ci, PGW_E_TLS, NULL, "certificate verify failed");
}

/* A root certificate file that does not exist: require goes on without
 * verification, the verifying modes stop. */
static void test_tls_missing_rootcert_file_fails_only_verifying_modes(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", NULL, "sslmode=require sslrootcert=/nonexistent/root.crt");
    expect_ok_close("require, no root file", ci, true);
    static const char *const modes[2] = {"verify-ca", "verify-full"};
    for (size_t i = 0; i < 2; i++) {
        char extra[256];
        snprintf(extra, sizeof extra, "sslmode=%s sslrootcert=/nonexistent/root.crt", modes[i]);
        role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
        expect_fail(modes[i], ci, PGW_OK, NULL,
                    "root certificate file \"/nonexistent/root.crt\" does not exist");
    }
}

static void test_tls_untrusted_root_fails_verification(void **state)
{
    static const char *const modes[2] = {"verify-ca", "verify-full"};
    for (size_t i = 0; i < 2; i++) {
        char extra[512], ci[CI_LEN];
        snprintf(extra, sizeof extra, "sslmode=%s sslrootcert=%s", modes[i],
                 pgt_env("PGW_TEST_OTHER_ROOT"));
        role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
        expect_fail(modes[i], ci, PGW_E_TLS, NULL, "certificate verify failed");
    }
    /* The OpenSSL error is captured with the failure. */
    char extra[512], ci[CI_LEN];
    snprintf(extra, sizeof extra, "sslmode=verify-ca sslrootcert=%s",
             pgt_env("PGW_TEST_OTHER_ROOT"));
    role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
    pgw_conn *c = NULL;
    assert_int_equal(connect_ci(ci, &c), PGW_E_TLS);
    assert_int_not_equal(pgw_conn_error(c)->ssl_err, 0);
    pgw_conn_free(c);
}

/* The server sends its intermediate, so the root alone verifies it; a
 * bundle of root and intermediate does too. */
static void test_tls_root_alone_or_bundle_verifies_chain(void **state)
{
    const char *roots[2] = {pgt_env("PGW_TEST_ROOT_CERT"), pgt_env("PGW_TEST_ROOT_CHAIN")};
    for (size_t i = 0; i < 2; i++) {
        char extra[512], ci[CI_LEN];
        snprintf(extra, sizeof extra, "sslmode=verify-full sslrootcert=%s", roots[i]);
        role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
        expect_ok_close(roots[i], ci, true);
    }
}

/* The certificate's SAN holds DNS:localhost, IP:127.0.0.1 and IP:::1. */
static void test_tls_verify_full_matches_san_names(void **state)
{
    char extra[512], ci[CI_LEN];
    snprintf(extra, sizeof extra, "sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_ROOT_CERT"));
    role_ci(ci, sizeof ci, "SCRAM", "localhost", extra);
    expect_ok_close("host=localhost", ci, true);
    role_ci(ci, sizeof ci, "SCRAM", "127.0.0.1", extra);
    expect_ok_close("host=127.0.0.1", ci, true);
    const char *h6 = getenv("PGW_TEST_HOST6");
    if (h6 != NULL && *h6 != '\0') {
        role_ci(ci, sizeof ci, "SCRAM", h6, extra);
        expect_ok_close("host=::1", ci, true);
    } else {
        fprintf(stderr, "# no IPv6 loopback on this machine: ::1 not tested\n");
    }
    /* The name checked is host, also when hostaddr says where to connect. */
    snprintf(extra, sizeof extra, "hostaddr=127.0.0.1 sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_ROOT_CERT"));
    role_ci(ci, sizeof ci, "SCRAM", "localhost", extra);
    expect_ok_close("host=localhost hostaddr=127.0.0.1", ci, true);
}

static void test_tls_verify_full_wrong_host_fails(void **state)
{
    char extra[512], ci[CI_LEN];
    snprintf(extra, sizeof extra, "hostaddr=%s sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_ROOT_CERT"));
    role_ci(ci, sizeof ci, "SCRAM", "wrong.example", extra);
    /* libpq names the first of the certificate's names and counts the rest. */
    expect_fail("host=wrong.example", ci, PGW_E_TLS, NULL,
                "server certificate for \"localhost\" (and 2 other names) does not match "
                "host name \"wrong.example\"");
    /* verify-ca does not look at the name. */
    snprintf(extra, sizeof extra, "hostaddr=%s sslmode=verify-ca sslrootcert=%s",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_ROOT_CERT"));
    role_ci(ci, sizeof ci, "SCRAM", "wrong.example", extra);
    expect_ok_close("verify-ca, host=wrong.example", ci, true);
}

static void test_tls_sni_off_still_verifies(void **state)
{
    char extra[512], ci[CI_LEN];
    snprintf(extra, sizeof extra, "sslsni=0 sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_ROOT_CERT"));
    role_ci(ci, sizeof ci, "SCRAM", "localhost", extra);
    expect_ok_close("sslsni=0", ci, true);
}

/* ---- revocation ------------------------------------------------------------ */

static void crl_case(const char *label, const char *option, const char *var, bool revoked)
{
    char extra[1024], ci[CI_LEN];
    snprintf(extra, sizeof extra, "sslmode=verify-full sslrootcert=%s %s=%s",
             pgt_env("PGW_TEST_ROOT_CERT"), option, pgt_env(var));
    role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
    if (revoked)
        expect_fail(label, ci, PGW_E_TLS, NULL, "certificate verify failed");
    else
        expect_ok_close(label, ci, true);
}

/* A CRL that revokes another certificate of the same CA changes nothing. */
static void test_tls_crl_without_server_succeeds(void **state)
{
    crl_case("sslcrl, spare revoked", "sslcrl", "PGW_TEST_CRL", false);
    crl_case("sslcrldir, spare revoked", "sslcrldir", "PGW_TEST_CRL_DIR", false);
}

static void test_tls_crl_revoking_server_fails(void **state)
{
    crl_case("sslcrl, server revoked", "sslcrl", "PGW_TEST_SERVER_CRL_REVOKED", true);
    crl_case("sslcrldir, server revoked", "sslcrldir", "PGW_TEST_SERVER_CRL_DIR_REVOKED", true);
}

/* ---- sslrootcert=system ------------------------------------------------------- */

/* The system's roots do not include the fixture's CA: verification fails,
 * with libpq's message. */
static void test_tls_system_roots_reject_private_ca(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", "localhost", "sslmode=verify-full sslrootcert=system");
    expect_fail("sslrootcert=system", ci, PGW_E_TLS, NULL, "certificate verify failed");
    /* Without sslmode, sslrootcert=system means verify-full (not prefer,
     * which would have fallen back or skipped verification). */
    role_ci(ci, sizeof ci, "SCRAM", "localhost", "sslrootcert=system");
    expect_fail("sslrootcert=system, no sslmode", ci, PGW_E_TLS, NULL, "certificate verify failed");
}

static void test_tls_system_roots_refuse_weaker_modes(void **state)
{
    static const char *const modes[5] = {"disable", "allow", "prefer", "require", "verify-ca"};
    for (size_t i = 0; i < 5; i++) {
        char extra[256], ci[CI_LEN], msg[256];
        snprintf(extra, sizeof extra, "sslmode=%s sslrootcert=system", modes[i]);
        role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
        snprintf(
            msg, sizeof msg,
            "weak sslmode \"%s\" may not be used with sslrootcert=system (use \"verify-full\")",
            modes[i]);
        expect_fail(modes[i], ci, PGW_E_INVALID, NULL, msg);
    }
}

/* ---- client certificates ------------------------------------------------------ */

/* A conninfo for the cert role with a client certificate and key. */
static void cert_ci(char *ci, size_t len, const char *cert, const char *key, const char *extra)
{
    char opts[1536];
    snprintf(opts, sizeof opts, "sslmode=verify-full sslrootcert=%s sslcert=%s sslkey=%s %s",
             pgt_env("PGW_TEST_ROOT_CERT"), cert, key, extra != NULL ? extra : "");
    role_ci(ci, len, "CERT", NULL, opts);
}

/* Logged in by certificate: the server saw it, and asked for no password. */
static void expect_cert_login(const char *label, const char *ci)
{
    pgw_conn *c = expect_ok(label, ci, true);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c,
                                      "SELECT current_user, client_dn FROM pg_stat_ssl "
                                      "WHERE pid = pg_backend_pid()",
                                      &r),
                     PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), pgt_env("PGW_TEST_CERT_USER"));
    assert_string_equal(pgw_result_text(r, 0, 1), "/CN=pgw_cert");
    pgw_result_free(r);
    assert_non_null(pgw_conn_auth_method(c));
    assert_string_equal(pgw_conn_auth_method(c), "none");
    pgw_close(c);
}

static void test_tls_client_cert_plain_key_logs_in(void **state)
{
    char ci[CI_LEN];
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), pgt_env("PGW_TEST_CLIENT_KEY"), NULL);
    expect_cert_login("plain key", ci);
}

static void test_tls_client_cert_encrypted_key_with_password_logs_in(void **state)
{
    char ci[CI_LEN], extra[256];
    snprintf(extra, sizeof extra, "sslpassword='%s'", pgt_env("PGW_TEST_CLIENT_KEY_PASSWORD"));
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), pgt_env("PGW_TEST_CLIENT_KEY_ENC"),
            extra);
    expect_cert_login("encrypted key", ci);
}

/* A wrong sslpassword, or none: the key cannot be loaded (and nothing
 * prompts for a passphrase). */
static void test_tls_client_cert_encrypted_key_bad_password_fails(void **state)
{
    char ci[CI_LEN], msg[1024];
    const char *key = pgt_env("PGW_TEST_CLIENT_KEY_ENC");
    snprintf(msg, sizeof msg, "could not load private key file \"%s\"", key);
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), key, "sslpassword=wrong-Sentinel");
    expect_fail("wrong sslpassword", ci, PGW_OK, NULL, msg);
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), key, NULL);
    expect_fail("no sslpassword", ci, PGW_OK, NULL, msg);
    /* The passphrase is a secret too. */
    pgw_conn *c = NULL;
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), key, "sslpassword=wrong-Sentinel");
    assert_true(connect_ci(ci, &c) < 0);
    assert_null(strstr(pgw_conn_errmsg(c), "Sentinel"));
    pgw_conn_free(c);
}

static const char key_access_msg[] =
    "has group or world access; file must have permissions u=rw (0600) or less if owned by the "
    "current user, or permissions u=rw,g=r (0640) or less if owned by root";

/* libpq's key file rule: owned by root, at most 0640; owned by anyone
 * else, at most 0600. A 0644 key fails either way. */
static void test_tls_client_key_world_readable_fails(void **state)
{
    const char *key = pgt_env("PGW_TEST_CLIENT_KEY_WORLD");
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    char ci[CI_LEN], msg[1024];
    snprintf(msg, sizeof msg, "private key file \"%s\" %s", key, key_access_msg);
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), key, NULL);
    expect_fail("0644 key", ci, PGW_OK, NULL, msg);
}

/* 0640 is accepted exactly when root owns the file (a system-wide key read
 * through group membership). */
static void test_tls_client_key_group_readable_follows_owner(void **state)
{
    const char *key = pgt_env("PGW_TEST_CLIENT_KEY_GROUP");
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    char ci[CI_LEN], msg[1024];
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), key, NULL);
    if (st.st_uid == 0) {
        expect_cert_login("0640 key owned by root", ci);
    } else {
        snprintf(msg, sizeof msg, "private key file \"%s\" %s", key, key_access_msg);
        expect_fail("0640 key not owned by root", ci, PGW_OK, NULL, msg);
    }
}

static void test_tls_client_cert_without_key_file_fails(void **state)
{
    char ci[CI_LEN];
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), "/nonexistent/client.key", NULL);
    expect_fail("missing key", ci, PGW_OK, NULL,
                "certificate present, but not private key file \"/nonexistent/client.key\"");
}

/* The server checks the certificate's CN against the role. */
static void test_tls_client_cert_wrong_cn_is_refused_by_server(void **state)
{
    char ci[CI_LEN];
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT_WRONG_CN"), pgt_env("PGW_TEST_CLIENT_KEY"),
            NULL);
    expect_fail("CN=pgw_not_a_role", ci, PGW_E_AUTH, "28000",
                "certificate authentication failed for user \"pgw_cert\"");
}

static void test_tls_cert_role_without_certificate_is_refused(void **state)
{
    char extra[512], ci[CI_LEN];
    snprintf(extra, sizeof extra, "sslmode=verify-full sslrootcert=%s",
             pgt_env("PGW_TEST_ROOT_CERT"));
    role_ci(ci, sizeof ci, "CERT", NULL, extra);
    expect_fail("cert role, no certificate", ci, PGW_E_AUTH, "28000",
                "connection requires a valid client certificate");
}

/* A certificate offered to a role that authenticates by password: the
 * server asked for one, got it, and still wants the password. */
static void test_tls_client_cert_with_password_role_is_sent(void **state)
{
    char extra[1536], ci[CI_LEN];
    snprintf(extra, sizeof extra, "sslmode=require sslcert=%s sslkey=%s",
             pgt_env("PGW_TEST_CLIENT_CERT"), pgt_env("PGW_TEST_CLIENT_KEY"));
    role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
    pgw_conn *c = expect_ok("SCRAM role with certificate", ci, true);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c,
                                      "SELECT client_dn FROM pg_stat_ssl "
                                      "WHERE pid = pg_backend_pid()",
                                      &r),
                     PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "/CN=pgw_cert");
    pgw_result_free(r);
    /* channel_binding=prefer, the default, binds over TLS. */
    assert_non_null(pgw_conn_auth_method(c));
    assert_string_equal(pgw_conn_auth_method(c), "scram-sha-256-plus");
    pgw_close(c);
}

/* ---- sslcertmode --------------------------------------------------------------- */

static void test_tls_sslcertmode_disable_withholds_certificate(void **state)
{
    char ci[CI_LEN];
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), pgt_env("PGW_TEST_CLIENT_KEY"),
            "sslcertmode=disable");
    expect_fail("sslcertmode=disable, cert role", ci, PGW_E_AUTH, "28000",
                "connection requires a valid client certificate");
}

static void test_tls_sslcertmode_require_with_certificate_succeeds(void **state)
{
    char ci[CI_LEN];
    cert_ci(ci, sizeof ci, pgt_env("PGW_TEST_CLIENT_CERT"), pgt_env("PGW_TEST_CLIENT_KEY"),
            "sslcertmode=require");
    expect_cert_login("sslcertmode=require, certificate sent", ci);
}

/* The fixture's server asks every TLS client for a certificate (it has a
 * CA file): with none to send, require fails once the server accepts. */
static void test_tls_sslcertmode_require_without_certificate_fails(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", NULL, "sslmode=require sslcertmode=require");
    expect_fail("sslcertmode=require, nothing to send", ci, PGW_E_AUTH, NULL,
                "server accepted connection without a valid SSL certificate");
}

/* Without TLS no server asks for a certificate. */
static void test_tls_sslcertmode_require_unrequested_fails(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "TRUST", NULL, "sslmode=disable sslcertmode=require");
    expect_fail("sslcertmode=require, plaintext", ci, PGW_E_AUTH, NULL,
                "server did not request an SSL certificate");
}

/* ---- protocol versions ---------------------------------------------------------- */

static void expect_version(const char *extra, const char *version)
{
    char ci[CI_LEN], opts[256];
    snprintf(opts, sizeof opts, "sslmode=require %s", extra);
    role_ci(ci, sizeof ci, "SCRAM", NULL, opts);
    pgw_conn *c = expect_ok(extra, ci, true);
    assert_string_equal(pgw_conn_tls_version(c), version);
    pgw_close(c);
}

/* OpenSSL 3 and PostgreSQL 15 both speak TLS 1.3, so it is what they agree
 * on unless told otherwise. */
static void test_tls_protocol_version_limits_are_honoured(void **state)
{
    expect_version("", "TLSv1.3");
    expect_version("ssl_min_protocol_version=TLSv1.3", "TLSv1.3");
    expect_version("ssl_max_protocol_version=TLSv1.2", "TLSv1.2");
    expect_version("ssl_min_protocol_version=TLSv1.2 ssl_max_protocol_version=TLSv1.2", "TLSv1.2");
}

/* ---- option errors, in libpq's words ---------------------------------------------- */

static void expect_invalid(const char *extra, const char *msg)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", NULL, extra);
    expect_fail(extra, ci, PGW_E_INVALID, NULL, msg);
}

static void test_tls_invalid_option_values_are_rejected(void **state)
{
    expect_invalid("sslmode=bogus", "invalid sslmode value: \"bogus\"");
    expect_invalid("sslcertmode=bogus", "invalid sslcertmode value: \"bogus\"");
    expect_invalid("sslnegotiation=bogus", "invalid sslnegotiation value: \"bogus\"");
    expect_invalid("ssl_min_protocol_version=TLSv1.9",
                   "invalid ssl_min_protocol_version value: \"TLSv1.9\"");
    expect_invalid("ssl_max_protocol_version=SSLv3",
                   "invalid ssl_max_protocol_version value: \"SSLv3\"");
    expect_invalid("ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2",
                   "invalid SSL protocol version range");
    /* The default minimum is TLSv1.2, above this maximum. */
    expect_invalid("ssl_max_protocol_version=TLSv1.1", "invalid SSL protocol version range");
}

/* Direct TLS needs a mode that never sends plaintext. */
static void test_tls_direct_negotiation_refuses_weak_modes(void **state)
{
    static const char *const modes[3] = {"disable", "allow", "prefer"};
    for (size_t i = 0; i < 3; i++) {
        char extra[128], msg[256];
        snprintf(extra, sizeof extra, "sslnegotiation=direct sslmode=%s", modes[i]);
        snprintf(msg, sizeof msg,
                 "weak sslmode \"%s\" may not be used with sslnegotiation=direct (use "
                 "\"require\", \"verify-ca\", or \"verify-full\")",
                 modes[i]);
        expect_invalid(extra, msg);
    }
}

/* PostgreSQL 15 does not speak direct TLS: the attempt fails, and does
 * not fall back to the plaintext connection this role would accept. */
static void test_tls_direct_negotiation_against_old_server_fails(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", NULL, "sslnegotiation=direct sslmode=require");
    expect_fail("sslnegotiation=direct", ci, PGW_OK, NULL, NULL);
}

/* The caller's own SSL_CTX (issue 4: "a hook to supply your own SSL_CTX"):
 * its trust store decides; pgwire still checks the host name. */
static void test_tls_caller_ssl_ctx_is_used(void **state)
{
    SSL_CTX *trusting = SSL_CTX_new(TLS_client_method());
    assert_non_null(trusting);
    assert_int_equal(SSL_CTX_load_verify_locations(trusting, pgt_env("PGW_TEST_ROOT_CERT"), NULL),
                     1);
    SSL_CTX *empty = SSL_CTX_new(TLS_client_method());
    assert_non_null(empty);
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SSL_SCRAM", "localhost", " sslmode=verify-full");
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    o.ssl_ctx = trusting;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &o);
    if (rc != PGW_OK)
        fprintf(stderr, "# caller SSL_CTX: %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_true(pgw_conn_tls_in_use(c));
    pgw_close(c);
    /* A context that trusts nothing fails verification... */
    o.ssl_ctx = empty;
    assert_int_equal(pgw_connect(&c, &o), PGW_E_TLS);
    pgw_conn_free(c);
    /* ...and the host name is still checked with the trusting one. */
    role_ci(ci, sizeof ci, "SSL_SCRAM", "127.0.0.1",
            " hostaddr=127.0.0.1 sslmode=verify-full");
    char wrong[CI_LEN + 32];
    assert_true(snprintf(wrong, sizeof wrong, "%s host=wrong.example", ci) < (int)sizeof wrong);
    o.conninfo = wrong;
    o.ssl_ctx = trusting;
    assert_int_equal(pgw_connect(&c, &o), PGW_E_TLS);
    assert_non_null(strstr(pgw_conn_errmsg(c), "does not match host name \"wrong.example\""));
    pgw_conn_free(c);
    SSL_CTX_free(trusting);
    SSL_CTX_free(empty);
}

int main(void)
{
    /* No ~/.postgresql: libpq looks there for root.crt, postgresql.crt and
     * root.crl when the options are unset, and so may pgwire. */
    setenv("HOME", "/nonexistent/pgw-test-home", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_caller_ssl_ctx_is_used),
        cmocka_unit_test(test_tls_sslmode_disable_never_uses_tls),
        cmocka_unit_test(test_tls_sslmode_allow_retries_with_tls),
        cmocka_unit_test(test_tls_sslmode_prefer_retries_without_tls),
        cmocka_unit_test(test_tls_sslmode_require_never_falls_back),
        cmocka_unit_test(test_tls_sslmode_verify_ca_never_falls_back),
        cmocka_unit_test(test_tls_sslmode_verify_full_never_falls_back),
        cmocka_unit_test(test_tls_default_sslmode_is_prefer),
        cmocka_unit_test(test_tls_require_with_rootcert_verifies_chain),
        cmocka_unit_test(test_tls_missing_rootcert_file_fails_only_verifying_modes),
        cmocka_unit_test(test_tls_untrusted_root_fails_verification),
        cmocka_unit_test(test_tls_root_alone_or_bundle_verifies_chain),
        cmocka_unit_test(test_tls_verify_full_matches_san_names),
        cmocka_unit_test(test_tls_verify_full_wrong_host_fails),
        cmocka_unit_test(test_tls_sni_off_still_verifies),
        cmocka_unit_test(test_tls_crl_without_server_succeeds),
        cmocka_unit_test(test_tls_crl_revoking_server_fails),
        cmocka_unit_test(test_tls_system_roots_reject_private_ca),
        cmocka_unit_test(test_tls_system_roots_refuse_weaker_modes),
        cmocka_unit_test(test_tls_client_cert_plain_key_logs_in),
        cmocka_unit_test(test_tls_client_cert_encrypted_key_with_password_logs_in),
        cmocka_unit_test(test_tls_client_cert_encrypted_key_bad_password_fails),
        cmocka_unit_test(test_tls_client_key_world_readable_fails),
        cmocka_unit_test(test_tls_client_key_group_readable_follows_owner),
        cmocka_unit_test(test_tls_client_cert_without_key_file_fails),
        cmocka_unit_test(test_tls_client_cert_wrong_cn_is_refused_by_server),
        cmocka_unit_test(test_tls_cert_role_without_certificate_is_refused),
        cmocka_unit_test(test_tls_client_cert_with_password_role_is_sent),
        cmocka_unit_test(test_tls_sslcertmode_disable_withholds_certificate),
        cmocka_unit_test(test_tls_sslcertmode_require_with_certificate_succeeds),
        cmocka_unit_test(test_tls_sslcertmode_require_without_certificate_fails),
        cmocka_unit_test(test_tls_sslcertmode_require_unrequested_fails),
        cmocka_unit_test(test_tls_protocol_version_limits_are_honoured),
        cmocka_unit_test(test_tls_invalid_option_values_are_rejected),
        cmocka_unit_test(test_tls_direct_negotiation_refuses_weak_modes),
        cmocka_unit_test(test_tls_direct_negotiation_against_old_server_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
