/* Authentication policy against the real server: channel_binding with
 * each server method, over TLS and without, and require_auth with libpq's
 * cases from src/test/authentication/t/001_password.pl, adapted to the
 * fixture's roles (one per server method: pgw_trust, pgw_password,
 * pgw_md5, pgw_scram), with libpq's error texts.
 *
 * require_auth runs over the Unix socket, as libpq's test does (the
 * fixture gives each of those roles its method there too); channel
 * binding over TCP, with and without TLS. */
#include <stdbool.h>

#include "pgtest.h"

#define CI_LEN 2048

/* ---- helpers ------------------------------------------------------------ */

/* A conninfo for a fixture role over TCP (tcp = true) or the socket. */
static void role_ci(char *buf, size_t len, const char *role, bool tcp, const char *extra)
{
    char uvar[64], pvar[64];
    snprintf(uvar, sizeof uvar, "PGW_TEST_%s_USER", role);
    snprintf(pvar, sizeof pvar, "PGW_TEST_%s_PASSWORD", role);
    const char *pw = getenv(pvar);
    snprintf(buf, len, "host=%s port=%s dbname=%s user=%s connect_timeout=20%s%s%s %s",
             tcp ? pgt_env("PGW_TEST_HOST") : pgt_env("PGW_TEST_SOCKDIR"), pgt_env("PGW_TEST_PORT"),
             pgt_env("PGW_TEST_DB"), pgt_env(uvar), pw ? " password='" : "", pw ? pw : "",
             pw ? "'" : "", extra != NULL ? extra : "");
}

/* Connect without the PG* environment (PGCHANNELBINDING, PGREQUIREAUTH and
 * PGSSLMODE would change the outcomes). */
static pgw_status connect_ci(const char *ci, pgw_conn **out)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    o.io_timeout_ms = 60000;
    return pgw_connect(out, &o);
}

static pgw_conn *expect_ok(const char *label, const char *ci)
{
    pgw_conn *c = NULL;
    pgw_status rc = connect_ci(ci, &c);
    if (rc != PGW_OK) {
        fprintf(stderr, "# %s: expected success, got %s: %s\n", label, pgw_status_name(rc),
                pgw_conn_errmsg(c));
        pgw_conn_free(c);
        fail_msg("%s", label);
    }
    return c;
}

/* want: the status (PGW_OK = any failure); msg: part of the error text. */
static void expect_fail(const char *label, const char *ci, pgw_status want, const char *msg)
{
    pgw_conn *c = NULL;
    pgw_status rc = connect_ci(ci, &c);
    if (rc == PGW_OK) {
        fprintf(stderr, "# %s: expected failure, connected (auth method %s)\n", label,
                pgw_conn_auth_method(c) ? pgw_conn_auth_method(c) : "?");
        pgw_close(c);
        fail_msg("%s", label);
    }
    const char *got = pgw_conn_errmsg(c);
    if ((want != PGW_OK && rc != want) || (msg != NULL && strstr(got, msg) == NULL)) {
        fprintf(stderr, "# %s:\n#   expected %s: %s\n#   got      %s: %s\n", label,
                want != PGW_OK ? pgw_status_name(want) : "a failure", msg ? msg : "",
                pgw_status_name(rc), got);
        pgw_conn_free(c);
        fail_msg("%s", label);
    }
    assert_non_null(c);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    /* Whatever went wrong, the password is not in what we report. */
    const char *pw = getenv("PGW_TEST_SCRAM_PASSWORD");
    if (pw != NULL && *pw != '\0')
        assert_null(strstr(got, pw));
    pgw_conn_free(c);
}

/* The SCRAM method pgwire reports for a connection, and whether the
 * server agrees that TLS is in use. */
static void check_binding(pgw_conn *c, bool tls, bool bound)
{
    assert_int_equal(pgw_conn_tls_in_use(c), tls);
    assert_int_equal(pgw_conn_channel_binding_used(c), bound);
    assert_non_null(pgw_conn_auth_method(c));
    assert_string_equal(pgw_conn_auth_method(c), bound ? "scram-sha-256-plus" : "scram-sha-256");
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c,
                                      "SELECT ssl::text FROM pg_stat_ssl "
                                      "WHERE pid = pg_backend_pid()",
                                      &r),
                     PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), tls ? "true" : "false");
    pgw_result_free(r);
}

/* ---- channel_binding ------------------------------------------------------ */

static void scram_binding(const char *sslmode, const char *channel_binding, bool tls, bool bound)
{
    char extra[128], ci[CI_LEN], label[160];
    snprintf(extra, sizeof extra, "sslmode=%s channel_binding=%s", sslmode, channel_binding);
    snprintf(label, sizeof label, "SCRAM, %s", extra);
    role_ci(ci, sizeof ci, "SCRAM", true, extra);
    pgw_conn *c = expect_ok(label, ci);
    check_binding(c, tls, bound);
    pgw_close(c);
}

static void test_auth_channel_binding_require_over_tls_binds(void **state)
{
    scram_binding("require", "require", true, true);
}

/* prefer (the default) binds whenever TLS is in use. */
static void test_auth_channel_binding_prefer_over_tls_binds(void **state)
{
    scram_binding("require", "prefer", true, true);
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", true, "sslmode=require");
    pgw_conn *c = expect_ok("SCRAM, no channel_binding", ci);
    check_binding(c, true, true);
    pgw_close(c);
}

static void test_auth_channel_binding_disable_over_tls_does_not_bind(void **state)
{
    scram_binding("require", "disable", true, false);
}

static void test_auth_channel_binding_prefer_without_tls_does_not_bind(void **state)
{
    scram_binding("disable", "prefer", false, false);
}

static void test_auth_channel_binding_require_without_tls_fails(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", true, "sslmode=disable channel_binding=require");
    expect_fail("SCRAM over TCP, no TLS", ci, PGW_E_AUTH,
                "channel binding required, but SSL not in use");
    role_ci(ci, sizeof ci, "SCRAM", false, "channel_binding=require");
    expect_fail("SCRAM over the socket", ci, PGW_E_AUTH,
                "channel binding required, but SSL not in use");
}

/* MD5 and cleartext requests cannot bind: refused before any password
 * byte is sent. */
static void test_auth_channel_binding_require_with_md5_fails(void **state)
{
    static const char *const roles[2] = {"MD5", "PASSWORD"};
    for (size_t i = 0; i < 2; i++) {
        char ci[CI_LEN];
        role_ci(ci, sizeof ci, roles[i], true, "sslmode=require channel_binding=require");
        expect_fail(roles[i], ci, PGW_E_AUTH,
                    "channel binding required but not supported by server's authentication "
                    "request");
    }
}

/* A server that lets the client in without SCRAM (trust, cert) has not
 * proved it holds the certificate's key. */
static void test_auth_channel_binding_require_without_sasl_fails(void **state)
{
    char ci[CI_LEN], extra[1536];
    role_ci(ci, sizeof ci, "TRUST", true, "sslmode=require channel_binding=require");
    expect_fail("trust", ci, PGW_E_AUTH,
                "channel binding required, but server authenticated client without channel "
                "binding");
    snprintf(extra, sizeof extra,
             "sslmode=verify-full sslrootcert=%s sslcert=%s sslkey=%s channel_binding=require",
             pgt_env("PGW_TEST_ROOT_CERT"), pgt_env("PGW_TEST_CLIENT_CERT"),
             pgt_env("PGW_TEST_CLIENT_KEY"));
    role_ci(ci, sizeof ci, "CERT", true, extra);
    expect_fail("cert", ci, PGW_E_AUTH,
                "channel binding required, but server authenticated client without channel "
                "binding");
}

static void test_auth_channel_binding_invalid_value_is_rejected(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", true, "channel_binding=bogus");
    expect_fail("channel_binding=bogus", ci, PGW_E_INVALID,
                "invalid channel_binding value: \"bogus\"");
}

/* ---- require_auth ----------------------------------------------------------- */

typedef struct ra_case {
    const char *require_auth;
    const char *reason; /* NULL: connects; else why libpq refuses */
} ra_case;

/* What the server asked for, in libpq's words. */
#define RA_NOT_COMPLETED "server did not complete authentication"
#define RA_CLEARTEXT "server requested a cleartext password"
#define RA_HASHED "server requested a hashed password"
#define RA_SASL "server requested SASL authentication"

/* Run the cases against role (whose server method pgwire should report as
 * `method` on success). */
static void run_require_auth(const char *role, const char *method, const ra_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char extra[256], ci[CI_LEN], label[256];
        snprintf(extra, sizeof extra, "require_auth='%s'", cases[i].require_auth);
        snprintf(label, sizeof label, "role %s, require_auth=%s", role, cases[i].require_auth);
        role_ci(ci, sizeof ci, role, false, extra);
        if (cases[i].reason == NULL) {
            pgw_conn *c = expect_ok(label, ci);
            assert_non_null(pgw_conn_auth_method(c));
            assert_string_equal(pgw_conn_auth_method(c), method);
            pgw_close(c);
        } else {
            char msg[512];
            snprintf(msg, sizeof msg, "authentication method requirement \"%s\" failed: %s",
                     cases[i].require_auth, cases[i].reason);
            expect_fail(label, ci, PGW_E_AUTH, msg);
        }
    }
}

#define N_CASES(a) (sizeof(a) / sizeof((a)[0]))

/* trust: the server asks for nothing, so every method that must be used
 * fails, and every method that is forbidden is not used. */
static void test_auth_require_auth_trust_server_matches_libpq(void **state)
{
    static const ra_case cases[] = {
        {"", NULL},
        {"gss", RA_NOT_COMPLETED},
        {"sspi", RA_NOT_COMPLETED},
        {"password", RA_NOT_COMPLETED},
        {"md5", RA_NOT_COMPLETED},
        {"scram-sha-256", RA_NOT_COMPLETED},
        {"password,scram-sha-256", RA_NOT_COMPLETED},
        {"!gss", NULL},
        {"!sspi", NULL},
        {"!password", NULL},
        {"!md5", NULL},
        {"!scram-sha-256", NULL},
        {"!password,!scram-sha-256", NULL},
        {"none", NULL},
        {"!none", RA_NOT_COMPLETED},
        /* A list that forbids everything allows nothing. */
        {"!password,!md5,!scram-sha-256,!none", RA_NOT_COMPLETED},
    };
    run_require_auth("TRUST", "none", cases, N_CASES(cases));
}

static void test_auth_require_auth_password_server_matches_libpq(void **state)
{
    static const ra_case cases[] = {
        {"password", NULL},
        {"!none", NULL},
        {"scram-sha-256,password,md5", NULL},
        {"md5", RA_CLEARTEXT},
        {"scram-sha-256", RA_CLEARTEXT},
        {"none", RA_CLEARTEXT},
        {"!password", RA_CLEARTEXT},
        {"!password,!md5,!scram-sha-256", RA_CLEARTEXT},
    };
    run_require_auth("PASSWORD", "password", cases, N_CASES(cases));
}

static void test_auth_require_auth_scram_server_matches_libpq(void **state)
{
    static const ra_case cases[] = {
        {"scram-sha-256", NULL},
        {"!none", NULL},
        {"password,scram-sha-256,md5", NULL},
        {"password", RA_SASL},
        {"md5", RA_SASL},
        {"none", RA_SASL},
        {"!scram-sha-256", RA_SASL},
        {"!password,!md5,!scram-sha-256", RA_SASL},
    };
    run_require_auth("SCRAM", "scram-sha-256", cases, N_CASES(cases));
}

static void test_auth_require_auth_md5_server_matches_libpq(void **state)
{
    static const ra_case cases[] = {
        {"md5", NULL},
        {"!none", NULL},
        {"md5,scram-sha-256,password", NULL},
        {"password", RA_HASHED},
        {"scram-sha-256", RA_HASHED},
        {"none", RA_HASHED},
        {"!md5", RA_HASHED},
        {"!password,!md5,!scram-sha-256", RA_HASHED},
    };
    run_require_auth("MD5", "md5", cases, N_CASES(cases));
}

/* SCRAM-SHA-256-PLUS is SCRAM for require_auth. */
static void test_auth_require_auth_scram_plus_counts_as_scram(void **state)
{
    char ci[CI_LEN];
    role_ci(ci, sizeof ci, "SCRAM", true,
            "sslmode=require channel_binding=require require_auth=scram-sha-256");
    pgw_conn *c = expect_ok("SCRAM-PLUS, require_auth=scram-sha-256", ci);
    check_binding(c, true, true);
    pgw_close(c);
    role_ci(ci, sizeof ci, "SCRAM", true, "sslmode=require require_auth=!scram-sha-256");
    expect_fail("SCRAM-PLUS, require_auth=!scram-sha-256", ci, PGW_E_AUTH,
                "authentication method requirement \"!scram-sha-256\" failed: " RA_SASL);
}

/* Certificate authentication sends no request: it counts as none. */
static void test_auth_require_auth_cert_login_counts_as_none(void **state)
{
    char extra[1536], ci[CI_LEN];
#define CERT_OPTS "sslmode=verify-full sslrootcert=%s sslcert=%s sslkey=%s %s"
    snprintf(extra, sizeof extra, CERT_OPTS, pgt_env("PGW_TEST_ROOT_CERT"),
             pgt_env("PGW_TEST_CLIENT_CERT"), pgt_env("PGW_TEST_CLIENT_KEY"), "require_auth=none");
    role_ci(ci, sizeof ci, "CERT", true, extra);
    pgw_conn *c = expect_ok("cert, require_auth=none", ci);
    assert_non_null(pgw_conn_auth_method(c));
    assert_string_equal(pgw_conn_auth_method(c), "none");
    pgw_close(c);
    snprintf(extra, sizeof extra, CERT_OPTS, pgt_env("PGW_TEST_ROOT_CERT"),
             pgt_env("PGW_TEST_CLIENT_CERT"), pgt_env("PGW_TEST_CLIENT_KEY"),
             "require_auth=scram-sha-256");
    role_ci(ci, sizeof ci, "CERT", true, extra);
    expect_fail("cert, require_auth=scram-sha-256", ci, PGW_E_AUTH,
                "authentication method requirement \"scram-sha-256\" failed: " RA_NOT_COMPLETED);
}

/* Lists libpq refuses before connecting: mixed signs, duplicates (a typo
 * where typos are risky), unknown methods. */
static void test_auth_require_auth_invalid_lists_are_rejected(void **state)
{
    static const struct {
        const char *value;
        const char *msg;
    } cases[] = {
        {"scram-sha-256,!md5",
         "negative require_auth method \"!md5\" cannot be mixed with non-negative methods"},
        {"!password,!none,scram-sha-256",
         "require_auth method \"scram-sha-256\" cannot be mixed with negative methods"},
        {"password,md5,password", "require_auth method \"password\" is specified more than once"},
        {"!password,!md5,!password",
         "require_auth method \"!password\" is specified more than once"},
        {"none,md5,none", "require_auth method \"none\" is specified more than once"},
        {"!none,!md5,!none", "require_auth method \"!none\" is specified more than once"},
        {"scram-sha-256,scram-sha-256",
         "require_auth method \"scram-sha-256\" is specified more than once"},
        {"!scram-sha-256,!scram-sha-256",
         "require_auth method \"!scram-sha-256\" is specified more than once"},
        {"none,abcdefg", "invalid require_auth value: \"abcdefg\""},
    };
    for (size_t i = 0; i < N_CASES(cases); i++) {
        char extra[256], ci[CI_LEN];
        snprintf(extra, sizeof extra, "require_auth='%s'", cases[i].value);
        /* The trust role would connect: only the option can fail this. */
        role_ci(ci, sizeof ci, "TRUST", false, extra);
        expect_fail(cases[i].value, ci, PGW_E_INVALID, cases[i].msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_channel_binding_require_over_tls_binds),
        cmocka_unit_test(test_auth_channel_binding_prefer_over_tls_binds),
        cmocka_unit_test(test_auth_channel_binding_disable_over_tls_does_not_bind),
        cmocka_unit_test(test_auth_channel_binding_prefer_without_tls_does_not_bind),
        cmocka_unit_test(test_auth_channel_binding_require_without_tls_fails),
        cmocka_unit_test(test_auth_channel_binding_require_with_md5_fails),
        cmocka_unit_test(test_auth_channel_binding_require_without_sasl_fails),
        cmocka_unit_test(test_auth_channel_binding_invalid_value_is_rejected),
        cmocka_unit_test(test_auth_require_auth_trust_server_matches_libpq),
        cmocka_unit_test(test_auth_require_auth_password_server_matches_libpq),
        cmocka_unit_test(test_auth_require_auth_scram_server_matches_libpq),
        cmocka_unit_test(test_auth_require_auth_md5_server_matches_libpq),
        cmocka_unit_test(test_auth_require_auth_scram_plus_counts_as_scram),
        cmocka_unit_test(test_auth_require_auth_cert_login_counts_as_none),
        cmocka_unit_test(test_auth_require_auth_invalid_lists_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
