/* Startup and authentication against the real server: every method over
 * TCP and the Unix socket, and the ways a connection attempt fails. */
#include "pgtest.h"

static void connect_ok(const char *role, int tcp)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, role, tcp, " application_name=pgw_it");
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s/%s: %s\n", role, tcp ? "tcp" : "unix", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_non_null(pgw_conn_parameter(c, "server_version"));
    assert_string_equal(pgw_conn_parameter(c, "client_encoding"), "UTF8");
    assert_string_equal(pgw_conn_parameter(c, "application_name"), "pgw_it");
    assert_true(pgw_conn_backend_pid(c) > 0);
    const uint8_t *key;
    assert_int_equal(pgw_conn_cancel_key(c, &key), 4);

    /* The session is really that role. */
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT current_user, pg_backend_pid()", &r), PGW_OK);
    char uvar[64];
    snprintf(uvar, sizeof uvar, "PGW_TEST_%s_USER", role);
    assert_string_equal(pgw_result_text(r, 0, 0), getenv(uvar));
    int32_t pid;
    assert_int_equal(pgw_result_int32(r, 0, 1, &pid), PGW_OK);
    assert_int_equal(pid, pgw_conn_backend_pid(c));
    pgw_result_free(r);
    pgw_close(c);
}

static void test_connect_scram_tcp_succeeds(void **s) { connect_ok("SCRAM", 1); }
static void test_connect_scram_unix_succeeds(void **s) { connect_ok("SCRAM", 0); }
static void test_connect_md5_tcp_succeeds(void **s) { connect_ok("MD5", 1); }
static void test_connect_md5_unix_succeeds(void **s) { connect_ok("MD5", 0); }
static void test_connect_password_tcp_succeeds(void **s) { connect_ok("PASSWORD", 1); }
static void test_connect_password_unix_succeeds(void **s) { connect_ok("PASSWORD", 0); }
static void test_connect_trust_tcp_succeeds(void **s) { connect_ok("TRUST", 1); }
static void test_connect_trust_unix_succeeds(void **s) { connect_ok("TRUST", 0); }

static void test_connect_ipv6_loopback_succeeds(void **s)
{
    const char *h6 = getenv("PGW_TEST_HOST6");
    /* The fixture exports PGW_TEST_HOST6 empty only when the machine has
     * no ::1; that is a property of the machine, reported, not hidden. */
    if (h6 == NULL || *h6 == '\0') {
        fprintf(stderr, "# no IPv6 loopback on this machine; testing 127.0.0.1 instead\n");
        h6 = pgt_env("PGW_TEST_HOST");
    }
    char ci[512];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s", h6, pgt_env("PGW_TEST_PORT"),
             pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_TRUST_USER"));
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_OK);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT family(inet_client_addr())", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), strchr(h6, ':') ? "6" : "4");
    pgw_result_free(r);
    pgw_close(c);
}

static void test_connect_hostaddr_is_used(void **s)
{
    char ci[512];
    snprintf(ci, sizeof ci, "host=no-such-name.invalid hostaddr=%s port=%s dbname=%s user=%s",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_TRUST_USER"));
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_OK);
    pgw_close(c);
}

/* SASLprep: the server stored the prepared form of a non-ASCII password;
 * equivalent spellings must log in, a different one must not. */
static void scram_utf8_login(const char *pw, pgw_status want)
{
    char ci[1024];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s password='%s'",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_SCRAM_UTF8_USER"), pw);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != want)
        fprintf(stderr, "# SCRAM_UTF8: %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, want);
    if (want == PGW_E_AUTH)
        assert_string_equal(pgw_conn_error(c)->sqlstate, "28P01");
    pgw_close(c);
}

static void test_connect_scram_non_ascii_password_tcp_succeeds(void **s) { connect_ok("SCRAM_UTF8", 1); }
static void test_connect_scram_non_ascii_password_unix_succeeds(void **s) { connect_ok("SCRAM_UTF8", 0); }

static void test_connect_scram_saslprep_equivalent_passwords_succeed(void **s)
{
    scram_utf8_login("p\xc3\xa4ssw\xc3\xb6rdIX", PGW_OK);                   /* prepared form */
    scram_utf8_login("pa\xcc\x88ssw\xc3\xb6rd\xe2\x85\xa8", PGW_OK);        /* a + U+0308 */
    scram_utf8_login("p\xc3\xa4\xc2\xadssw\xc3\xb6rd\xe2\x85\xa8", PGW_OK); /* U+00AD */
    scram_utf8_login("p\xc3\xa4ssw\xc3\xb6rd\xe2\x85\xa9", PGW_E_AUTH);     /* U+2169 = X */
}

static void wrong_password(const char *role, int tcp)
{
    char ci[1024], uvar[64];
    snprintf(uvar, sizeof uvar, "PGW_TEST_%s_USER", role);
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s password=wrong-Sentinel-pw",
             tcp ? pgt_env("PGW_TEST_HOST") : pgt_env("PGW_TEST_SOCKDIR"),
             pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"), pgt_env(uvar));
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_E_AUTH);
    const pgw_error *e = pgw_conn_error(c);
    assert_string_equal(e->sqlstate, "28P01");
    assert_string_equal(e->severity_nonlocalized, "FATAL");
    assert_non_null(strstr(e->message, "password authentication failed"));
    assert_non_null(strstr(pgw_conn_errmsg(c), "failed: FATAL:  password authentication failed"));
    /* The password never appears in what we report. */
    assert_null(strstr(pgw_conn_errmsg(c), "Sentinel"));
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_conn_free(c);
}

static void test_connect_scram_wrong_password_is_28P01(void **s) { wrong_password("SCRAM", 1); }
static void test_connect_md5_wrong_password_is_28P01(void **s) { wrong_password("MD5", 0); }
static void test_connect_password_wrong_password_is_28P01(void **s) { wrong_password("PASSWORD", 1); }

static void test_connect_missing_password_is_auth_error(void **s)
{
    char ci[512];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s", pgt_env("PGW_TEST_HOST"),
             pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_SCRAM_USER"));
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect(&c, &o), PGW_E_AUTH);
    assert_non_null(strstr(pgw_conn_errmsg(c), "fe_sendauth: no password supplied"));
    pgw_conn_free(c);
}

static void test_connect_hba_reject_reports_server_message(void **s)
{
    for (int tcp = 0; tcp <= 1; tcp++) {
        char ci[1024];
        pgt_conninfo(ci, sizeof ci, "REJECT", tcp, NULL);
        pgw_conn *c = NULL;
        assert_int_equal(pgw_connect_str(&c, ci), PGW_E_AUTH);
        const pgw_error *e = pgw_conn_error(c);
        assert_string_equal(e->sqlstate, "28000");
        assert_non_null(strstr(e->message, "pg_hba.conf rejects connection"));
        pgw_conn_free(c);
    }
}

static void test_connect_unknown_database_is_3D000(void **s)
{
    char ci[512];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=no_such_db user=%s", pgt_env("PGW_TEST_HOST"),
             pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_TRUST_USER"));
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, ci), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "3D000");
    assert_non_null(strstr(pgw_conn_errmsg(c), "database \"no_such_db\" does not exist"));
    pgw_conn_free(c);
}

static void test_connect_refused_port_is_io_error(void **s)
{
    /* A port nothing listens on: bind one, note it, close it. */
    char ci[256];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=1 user=x dbname=x connect_timeout=5");
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    assert_int_equal(rc, PGW_E_IO);
    assert_non_null(strstr(pgw_conn_errmsg(c),
                           "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"));
    assert_int_not_equal(pgw_conn_error(c)->sys_errno, 0);
    pgw_conn_free(c);
}

static void test_connect_missing_socket_is_io_error(void **s)
{
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, "host=/nonexistent-dir port=5432 user=x"), PGW_E_IO);
    assert_non_null(strstr(pgw_conn_errmsg(c),
                           "connection to server on socket \"/nonexistent-dir/.s.PGSQL.5432\" failed"));
    pgw_conn_free(c);
}

static void test_connect_unresolvable_host_is_resolve_error(void **s)
{
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, "host=no-such-host.invalid user=x"), PGW_E_RESOLVE);
    assert_non_null(strstr(pgw_conn_errmsg(c), "could not translate host name \"no-such-host.invalid\""));
    pgw_conn_free(c);
}

static void test_connect_bad_conninfo_reports_libpq_text(void **s)
{
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_str(&c, "host=x foo=bar"), PGW_E_INVALID);
    assert_string_equal(pgw_conn_errmsg(c), "invalid connection option \"foo\"");
    pgw_conn_free(c);
    assert_int_equal(pgw_connect_str(&c, "host='x"), PGW_E_INVALID);
    assert_string_equal(pgw_conn_errmsg(c), "unterminated quoted string in connection info string");
    pgw_conn_free(c);
}

static void test_connect_environment_variables_are_used(void **s)
{
    setenv("PGHOST", pgt_env("PGW_TEST_HOST"), 1);
    setenv("PGPORT", pgt_env("PGW_TEST_PORT"), 1);
    setenv("PGDATABASE", pgt_env("PGW_TEST_DB"), 1);
    setenv("PGUSER", pgt_env("PGW_TEST_SCRAM_USER"), 1);
    setenv("PGPASSWORD", pgt_env("PGW_TEST_SCRAM_PASSWORD"), 1);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, NULL);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_string_equal(pgw_conn_option(c, "user"), getenv("PGW_TEST_SCRAM_USER"));
    assert_null(pgw_conn_option(c, "password")); /* never handed out */
    pgw_close(c);

    /* conninfo wins over the environment. */
    char ci[256];
    snprintf(ci, sizeof ci, "user=%s password=''", pgt_env("PGW_TEST_TRUST_USER"));
    assert_int_equal(pgw_connect_str(&c, ci), PGW_OK);
    assert_string_equal(pgw_conn_option(c, "user"), getenv("PGW_TEST_TRUST_USER"));
    pgw_close(c);

    /* use_environment=false ignores them. */
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.use_environment = false;
    o.conninfo = "host=/nonexistent-dir";
    assert_int_equal(pgw_connect(&c, &o), PGW_E_IO);
    assert_string_equal(pgw_conn_option(c, "port"), "5432");
    pgw_conn_free(c);
    unsetenv("PGHOST");
    unsetenv("PGPORT");
    unsetenv("PGDATABASE");
    unsetenv("PGUSER");
    unsetenv("PGPASSWORD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_scram_tcp_succeeds),
        cmocka_unit_test(test_connect_scram_unix_succeeds),
        cmocka_unit_test(test_connect_md5_tcp_succeeds),
        cmocka_unit_test(test_connect_md5_unix_succeeds),
        cmocka_unit_test(test_connect_password_tcp_succeeds),
        cmocka_unit_test(test_connect_password_unix_succeeds),
        cmocka_unit_test(test_connect_trust_tcp_succeeds),
        cmocka_unit_test(test_connect_trust_unix_succeeds),
        cmocka_unit_test(test_connect_ipv6_loopback_succeeds),
        cmocka_unit_test(test_connect_hostaddr_is_used),
        cmocka_unit_test(test_connect_scram_wrong_password_is_28P01),
        cmocka_unit_test(test_connect_scram_non_ascii_password_tcp_succeeds),
        cmocka_unit_test(test_connect_scram_non_ascii_password_unix_succeeds),
        cmocka_unit_test(test_connect_scram_saslprep_equivalent_passwords_succeed),
        cmocka_unit_test(test_connect_md5_wrong_password_is_28P01),
        cmocka_unit_test(test_connect_password_wrong_password_is_28P01),
        cmocka_unit_test(test_connect_missing_password_is_auth_error),
        cmocka_unit_test(test_connect_hba_reject_reports_server_message),
        cmocka_unit_test(test_connect_unknown_database_is_3D000),
        cmocka_unit_test(test_connect_refused_port_is_io_error),
        cmocka_unit_test(test_connect_missing_socket_is_io_error),
        cmocka_unit_test(test_connect_unresolvable_host_is_resolve_error),
        cmocka_unit_test(test_connect_bad_conninfo_reports_libpq_text),
        cmocka_unit_test(test_connect_environment_variables_are_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
