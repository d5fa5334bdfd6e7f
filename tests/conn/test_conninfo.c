/* The key=value connection-string parser: libpq's quoting rules and error
 * texts, and option resolution (conninfo, then environment, then
 * defaults). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conn/conn_int.h"

static char *vals[PGWI_OPT_COUNT];

static pgw_status parse(const char *s, char *err, size_t errlen)
{
    pgwi_conninfo_free(NULL, vals);
    return pgwi_conninfo_parse(NULL, s, vals, err, errlen);
}

static int teardown(void **st)
{
    pgwi_conninfo_free(NULL, vals);
    return 0;
}

static void test_conninfo_plain_values(void **s)
{
    char err[256];
    assert_int_equal(parse("host=localhost port=5433 dbname=app user=alice", err, sizeof err),
                     PGW_OK);
    assert_string_equal(vals[PGWI_OPT_HOST], "localhost");
    assert_string_equal(vals[PGWI_OPT_PORT], "5433");
    assert_string_equal(vals[PGWI_OPT_DBNAME], "app");
    assert_string_equal(vals[PGWI_OPT_USER], "alice");
    assert_null(vals[PGWI_OPT_PASSWORD]);
}

static void test_conninfo_quoting_and_escapes(void **s)
{
    char err[256];
    assert_int_equal(parse("  password = 'it''s'  ", err, sizeof err), PGW_E_INVALID);
    /* libpq: a quote ends the value; the second quote starts a keyword. */
    assert_int_equal(parse("password='it\\'s a \\\\ test' user=a\\ b options='-c x=1'", err,
                           sizeof err),
                     PGW_OK);
    assert_string_equal(vals[PGWI_OPT_PASSWORD], "it's a \\ test");
    assert_string_equal(vals[PGWI_OPT_USER], "a b");
    assert_string_equal(vals[PGWI_OPT_OPTIONS], "-c x=1");
    assert_int_equal(parse("application_name='' host=h", err, sizeof err), PGW_OK);
    assert_string_equal(vals[PGWI_OPT_APPLICATION_NAME], "");
    assert_int_equal(parse("dbname=", err, sizeof err), PGW_OK);
    assert_string_equal(vals[PGWI_OPT_DBNAME], "");
    /* Later values win. */
    assert_int_equal(parse("port=1 port=2", err, sizeof err), PGW_OK);
    assert_string_equal(vals[PGWI_OPT_PORT], "2");
    assert_int_equal(parse("", err, sizeof err), PGW_OK);
    assert_int_equal(parse("   \t\n", err, sizeof err), PGW_OK);
}

static void test_conninfo_errors_have_libpq_text(void **s)
{
    char err[256];
    assert_int_equal(parse("host", err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "missing \"=\" after \"host\" in connection info string");
    assert_int_equal(parse("host localhost", err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "missing \"=\" after \"host\" in connection info string");
    assert_int_equal(parse("host='localhost", err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "unterminated quoted string in connection info string");
    assert_int_equal(parse("password='abc\\'", err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "unterminated quoted string in connection info string");
    assert_int_equal(parse("hots=localhost", err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "invalid connection option \"hots\"");
    assert_int_equal(parse("=x", err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "invalid connection option \"\"");
    /* Nothing of a failed parse is kept. */
    for (int i = 0; i < PGWI_OPT_COUNT; i++)
        assert_null(vals[i]);
}

static void test_conninfo_every_libpq_keyword_is_known(void **s)
{
    const char *kw[] = {"host", "hostaddr", "port", "dbname", "user", "password", "passfile",
                        "require_auth", "channel_binding", "connect_timeout", "client_encoding",
                        "options", "application_name", "fallback_application_name", "keepalives",
                        "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "tcp_user_timeout", "replication", "sslmode", "sslnegotiation",
                        "sslcompression", "sslcert", "sslkey", "sslpassword", "sslcertmode",
                        "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
                        "ssl_min_protocol_version", "ssl_max_protocol_version", "gssencmode",
                        "krbsrvname", "gsslib", "gssdelegation", "service",
                        "target_session_attrs", "load_balance_hosts"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        assert_true(pgwi_opt_lookup(kw[i], strlen(kw[i])) >= 0);
}

static const char *fake_env(void *ud, const char *name)
{
    const char *const *pairs = ud;
    for (size_t i = 0; pairs[i] != NULL; i += 2)
        if (strcmp(pairs[i], name) == 0)
            return pairs[i + 1];
    return NULL;
}

static void test_conn_new_resolves_conninfo_env_defaults(void **s)
{
    const char *env[] = {"PGHOST", "envhost", "PGUSER", "envuser", "PGPORT", "6000",
                         "PGAPPNAME", "envapp", NULL};
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "host=cihost";
    o.getenv = fake_env;
    o.getenv_ud = (void *)env;
    o.default_user = "osuser";
    pgw_conn *c = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), PGW_OK);
    assert_string_equal(pgw_conn_option(c, "host"), "cihost");
    assert_string_equal(pgw_conn_option(c, "user"), "envuser");
    assert_string_equal(pgw_conn_option(c, "dbname"), "envuser");
    assert_string_equal(pgw_conn_option(c, "port"), "6000");
    assert_string_equal(pgw_conn_option(c, "application_name"), "envapp");
    assert_string_equal(pgw_conn_option(c, "sslmode"), "prefer");
    assert_null(pgw_conn_option(c, "no_such_keyword"));
    pgw_conn_free(c);

    /* Without the environment: defaults and the OS user. */
    o.getenv = NULL;
    o.conninfo = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), PGW_OK);
    assert_null(pgw_conn_option(c, "host"));
    assert_string_equal(pgw_conn_option(c, "port"), "5432");
    assert_string_equal(pgw_conn_option(c, "user"), "osuser");
    assert_string_equal(pgw_conn_option(c, "dbname"), "osuser");
    pgw_conn_free(c);
}

static void expect_new_fails(const char *ci, pgw_status want, const char *msg)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.default_user = "u";
    pgw_conn *c = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), want);
    assert_non_null(c);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    assert_string_equal(pgw_conn_errmsg(c), msg);
    /* Broken is sticky. */
    assert_int_equal(pgw_conn_start(c), want);
    pgw_conn_free(c);
}

static void test_conn_new_rejects_bad_values(void **s)
{
    expect_new_fails("port=0", PGW_E_INVALID, "invalid port number: \"0\"");
    expect_new_fails("port=70000", PGW_E_INVALID, "invalid port number: \"70000\"");
    expect_new_fails("port=54x", PGW_E_INVALID,
                     "invalid integer value \"54x\" for connection option \"port\"");
    expect_new_fails("port=' 99999999999'", PGW_E_INVALID,
                     "invalid integer value \"99999999999\" for connection option \"port\"");
    expect_new_fails("keepalives_idle=soon", PGW_E_INVALID,
                     "invalid integer value \"soon\" for connection option \"keepalives_idle\"");
    expect_new_fails("tcp_user_timeout=1.5", PGW_E_INVALID,
                     "invalid integer value \"1.5\" for connection option \"tcp_user_timeout\"");
    expect_new_fails("sslmode=maybe", PGW_E_INVALID, "invalid sslmode value: \"maybe\"");
    expect_new_fails("connect_timeout=abc", PGW_E_INVALID,
                     "invalid integer value \"abc\" for connection option \"connect_timeout\"");
    expect_new_fails("channel_binding=sometimes", PGW_E_INVALID,
                     "invalid channel_binding value: \"sometimes\"");
    expect_new_fails("bogus=1", PGW_E_INVALID, "invalid connection option \"bogus\"");
}

static void test_conn_new_accepts_libpq_integer_forms(void **s)
{
    /* libpq: surrounding white space is fine, and an empty port means the
     * default (an empty PGPORT must not break every connection). */
    const char *ok[] = {"port=' 5433 '", "port=''", "connect_timeout=' 10'", "keepalives=0",
                        "keepalives_idle=30 keepalives_interval=5 keepalives_count=3",
                        "tcp_user_timeout=10000"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        pgw_conn_options o;
        pgw_conn_options_init(&o);
        o.conninfo = ok[i];
        o.default_user = "u";
        pgw_conn *c = NULL;
        if (pgw_conn_new(&c, &o) != PGW_OK)
            fail_msg("%s: %s", ok[i], pgw_conn_errmsg(c));
        pgw_conn_free(c);
    }
}

static void test_conn_new_honours_options_size(void **s)
{
    /* A caller built against a smaller pgw_conn_options: fields past its
     * size take their defaults instead of being read. */
    pgw_conn_options o;
    memset(&o, 0xff, sizeof o);
    o.size = offsetof(pgw_conn_options, getenv);
    o.conninfo = "user=u";
    o.allocator = NULL;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), PGW_OK);
    assert_string_equal(pgw_conn_option(c, "user"), "u");
    pgw_conn_free(c);
}

static void test_conn_new_refuses_what_it_cannot_honour(void **s)
{
    /* Security settings are never silently ignored. */
    expect_new_fails("gssencmode=require", PGW_E_UNSUPPORTED,
                     "gssencmode value \"require\" invalid when GSSAPI support is not compiled in");
    expect_new_fails("host=a,b port=1,2,3", PGW_E_INVALID,
                     "could not match 3 port numbers to 2 hosts");
    expect_new_fails("replication=database", PGW_E_UNSUPPORTED,
                     "replication connections are not supported yet");
}

static void test_conn_new_checks_tls_options_as_libpq(void **s)
{
    expect_new_fails("sslnegotiation=direct", PGW_E_INVALID,
                     "weak sslmode \"prefer\" may not be used with sslnegotiation=direct (use "
                     "\"require\", \"verify-ca\", or \"verify-full\")");
    expect_new_fails("sslnegotiation=fast", PGW_E_INVALID,
                     "invalid sslnegotiation value: \"fast\"");
    expect_new_fails("sslrootcert=system sslmode=require", PGW_E_INVALID,
                     "weak sslmode \"require\" may not be used with sslrootcert=system (use "
                     "\"verify-full\")");
    expect_new_fails("ssl_min_protocol_version=TLSv9", PGW_E_INVALID,
                     "invalid ssl_min_protocol_version value: \"TLSv9\"");
    expect_new_fails("ssl_min_protocol_version=TLSv1.3 ssl_max_protocol_version=TLSv1.2",
                     PGW_E_INVALID, "invalid SSL protocol version range");
    expect_new_fails("sslcertmode=maybe", PGW_E_INVALID, "invalid sslcertmode value: \"maybe\"");
    /* sslrootcert=system alone makes verify-full the default. */
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "sslrootcert=system";
    o.default_user = "u";
    pgw_conn *c = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), PGW_OK);
    assert_string_equal(pgw_conn_option(c, "sslmode"), "verify-full");
    pgw_conn_free(c);
}

static void test_conn_new_parses_require_auth_as_libpq(void **s)
{
    const char *ok[] = {"require_auth=scram-sha-256", "require_auth=password,md5",
                        "require_auth=!password,!md5", "require_auth=none",
                        "require_auth=!none", "require_auth='scram-sha-256, none'",
                        "require_auth=!password,!md5,!gss,!sspi,!scram-sha-256,!none"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        pgw_conn_options o;
        pgw_conn_options_init(&o);
        o.conninfo = ok[i];
        o.default_user = "u";
        pgw_conn *c = NULL;
        if (pgw_conn_new(&c, &o) != PGW_OK)
            fail_msg("%s: %s", ok[i], pgw_conn_errmsg(c));
        pgw_conn_free(c);
    }
    expect_new_fails("require_auth=password,!md5", PGW_E_INVALID,
                     "negative require_auth method \"!md5\" cannot be mixed with non-negative "
                     "methods");
    expect_new_fails("require_auth=!password,md5", PGW_E_INVALID,
                     "require_auth method \"md5\" cannot be mixed with negative methods");
    expect_new_fails("require_auth=md5,md5", PGW_E_INVALID,
                     "require_auth method \"md5\" is specified more than once");
    expect_new_fails("require_auth=!none,!none", PGW_E_INVALID,
                     "require_auth method \"!none\" is specified more than once");
    expect_new_fails("require_auth=kerberos", PGW_E_INVALID,
                     "invalid require_auth value: \"kerberos\"");
    /* Empty elements are not "anything goes": they fail closed. */
    expect_new_fails("require_auth=,", PGW_E_INVALID, "invalid require_auth value: \"\"");
    expect_new_fails("require_auth='md5,'", PGW_E_INVALID, "invalid require_auth value: \"\"");
    expect_new_fails("channel_binding=sometimes", PGW_E_INVALID,
                     "invalid channel_binding value: \"sometimes\"");
}

static void test_conninfo_check_public_api(void **s)
{
    char err[128];
    assert_int_equal(pgw_conninfo_check("host=x port=1", err, sizeof err), PGW_OK);
    assert_int_equal(pgw_conninfo_check("x", err, sizeof err), PGW_E_INVALID);
    assert_string_equal(err, "missing \"=\" after \"x\" in connection info string");
    /* A small error buffer truncates, never overflows. */
    char tiny[8];
    assert_int_equal(pgw_conninfo_check("verylongkeyword=1", tiny, sizeof tiny), PGW_E_INVALID);
    assert_int_equal(strlen(tiny), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_conninfo_plain_values, teardown),
        cmocka_unit_test_teardown(test_conninfo_quoting_and_escapes, teardown),
        cmocka_unit_test_teardown(test_conninfo_errors_have_libpq_text, teardown),
        cmocka_unit_test(test_conninfo_every_libpq_keyword_is_known),
        cmocka_unit_test(test_conn_new_resolves_conninfo_env_defaults),
        cmocka_unit_test(test_conn_new_rejects_bad_values),
        cmocka_unit_test(test_conn_new_accepts_libpq_integer_forms),
        cmocka_unit_test(test_conn_new_honours_options_size),
        cmocka_unit_test(test_conn_new_refuses_what_it_cannot_honour),
        cmocka_unit_test(test_conn_new_checks_tls_options_as_libpq),
        cmocka_unit_test(test_conn_new_parses_require_auth_as_libpq),
        cmocka_unit_test(test_conninfo_check_public_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
