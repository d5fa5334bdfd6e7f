/* Connection strings through the public pgw_conninfo_parse(): URIs and
 * key=value pairs, against tables of what libpq 18 makes of them (the
 * cases of libpq's own URI regression suite among them), every malformed
 * case with libpq's message, the allow-list and redaction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire.h"

/* "kw=value\n" per option set, in pgw_conninfo order, or "ERR: message". */
static void render(const char *s, char *out, size_t cap)
{
    char err[512];
    pgw_conninfo *ci = NULL;
    pgw_status rc = pgw_conninfo_parse(&ci, s, NULL, err, sizeof err);
    if (rc != PGW_OK) {
        assert_null(ci);
        assert_int_equal(rc, PGW_E_INVALID);
        snprintf(out, cap, "ERR: %s", err);
        return;
    }
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < pgw_conninfo_count(ci); i++)
        n += (size_t)snprintf(out + n, cap - n, "%s=%s\n", pgw_conninfo_keyword(ci, i),
                              pgw_conninfo_value(ci, i));
    assert_null(pgw_conninfo_keyword(ci, pgw_conninfo_count(ci)));
    pgw_conninfo_free(ci);
}

typedef struct cs_case {
    const char *in, *want;
} cs_case;

static void run_table(const cs_case *t, size_t n)
{
    char got[2048];
    for (size_t i = 0; i < n; i++) {
        render(t[i].in, got, sizeof got);
        if (strcmp(got, t[i].want) != 0)
            fail_msg("%s\n got: %s\nwant: %s", t[i].in, got, t[i].want);
    }
}

static void test_uri_well_formed_matches_libpq(void **s)
{
    static const cs_case t[] = {
        {"postgresql://uri-user:secret@host:12345/db",
         "user=uri-user\npassword=secret\ndbname=db\nhost=host\nport=12345\n"},
        {"postgresql://uri-user@host:12345/db", "user=uri-user\ndbname=db\nhost=host\nport=12345\n"},
        {"postgresql://uri-user@host/db", "user=uri-user\ndbname=db\nhost=host\n"},
        {"postgresql://host:12345/db", "dbname=db\nhost=host\nport=12345\n"},
        {"postgresql://uri-user@host:12345/", "user=uri-user\nhost=host\nport=12345\n"},
        {"postgresql://uri-user@", "user=uri-user\n"},
        {"postgresql://host:12345", "host=host\nport=12345\n"},
        {"postgresql://host/", "host=host\n"},
        {"postgresql://host", "host=host\n"},
        {"postgresql://", ""},
        {"postgres://", ""},
        {"postgres:///", ""},
        {"postgres:///db", "dbname=db\n"},
        {"postgresql://?hostaddr=127.0.0.1", "hostaddr=127.0.0.1\n"},
        {"postgresql://example.com?hostaddr=63.1.2.4", "host=example.com\nhostaddr=63.1.2.4\n"},
        {"postgresql://%68ost/", "host=host\n"},
        {"postgresql://host/db?user=uri-user&port=12345",
         "user=uri-user\ndbname=db\nhost=host\nport=12345\n"},
        {"postgresql://host/db?u%73er=someotheruser&port=12345",
         "user=someotheruser\ndbname=db\nhost=host\nport=12345\n"},
        {"postgresql://host?  user = uri-user & port  = 12345 ",
         "user=uri-user\nhost=host\nport=12345\n"},
        {"postgresql://host?", "host=host\n"},
        {"postgresql://[::1]:12345/db", "dbname=db\nhost=::1\nport=12345\n"},
        {"postgresql://[2001:db8::1234]/", "host=2001:db8::1234\n"},
        {"postgresql://[200z:db8::1234]/", "host=200z:db8::1234\n"},
        {"postgresql://[::1]", "host=::1\n"},
        {"postgres://uri-user@/db", "user=uri-user\ndbname=db\n"},
        {"postgres://?host=/path/to/socket/dir", "host=/path/to/socket/dir\n"},
        {"postgres://@host", "host=host\n"},
        {"postgres://host:/", "host=host\n"},
        {"postgres://:12345/", "port=12345\n"},
        {"postgres://otheruser@:12345/db?host=/path/to/socket",
         "user=otheruser\ndbname=db\nhost=/path/to/socket\nport=12345\n"},
        {"postgres://%2Fvar%2Flib%2Fpostgresql/dbname", "dbname=dbname\nhost=/var/lib/postgresql\n"},
        /* Several hosts fold into positionally aligned lists. */
        {"postgresql://h1,h2/db", "dbname=db\nhost=h1,h2\nport=,\n"},
        {"postgresql://h1:1,h2:2,h3:3", "host=h1,h2,h3\nport=1,2,3\n"},
        {"postgresql://h1,h2:5433/db", "dbname=db\nhost=h1,h2\nport=,5433\n"},
        {"postgresql://[::1]:1,h2/db", "dbname=db\nhost=::1,h2\nport=1,\n"},
        {"postgresql://u@[::1],[fe80::1%25eth0]:6/d", "user=u\ndbname=d\nhost=::1,fe80::1%eth0\nport=,6\n"},
        /* Percent-encoding everywhere; a password with the reserved characters. */
        {"postgresql://al%40ice:p%3As%2Fs%40@h/d%20b",
         "user=al@ice\npassword=p:s/s@\ndbname=d b\nhost=h\n"},
        {"postgresql://u:@h", "user=u\nhost=h\n"},
        {"postgresql://:pw@h", "password=pw\nhost=h\n"},
        /* JDBC's ssl=true and libpq's requiressl. */
        {"postgresql://h?ssl=true", "host=h\nsslmode=require\n"},
        {"postgresql://h?requiressl=1", "host=h\nsslmode=require\n"},
        {"postgresql://h?requiressl=0", "host=h\nsslmode=prefer\n"},
        /* The last setting wins; the query may override the authority. */
        {"postgresql://a@h/db?user=b&dbname=x&dbname=y", "user=b\ndbname=y\nhost=h\n"},
        {"postgresql://h?a%70plication_name=x%26y%3Dz", "host=h\napplication_name=x&y=z\n"},
        {"postgresql://h?options=-c%20search_path%3Dx", "host=h\noptions=-c search_path=x\n"},
        {"postgresql://h?x=1&", "ERR: invalid URI query parameter: \"x\""},
        {"postgresql://h?port=1&", "host=h\nport=1\n"},
        {"postgresql://h?service=s&passfile=/p&target_session_attrs=any",
         "service=s\npassfile=/p\nhost=h\ntarget_session_attrs=any\n"},
    };
    run_table(t, sizeof t / sizeof t[0]);
}

static void test_uri_malformed_has_libpq_messages(void **s)
{
    static const cs_case t[] = {
        {"postgresql://host/db?u%7aer=someotheruser&port=12345",
         "ERR: invalid URI query parameter: \"uzer\""},
        {"postgresql://host?uzer=", "ERR: invalid URI query parameter: \"uzer\""},
        {"postgresql://host?foo=bar", "ERR: invalid URI query parameter: \"foo\""},
        {"postgre://", "ERR: missing \"=\" after \"postgre://\" in connection info string"},
        {"postgres://[::1",
         "ERR: end of string reached when looking for matching \"]\" in IPv6 host address in "
         "URI: \"postgres://[::1\""},
        {"postgres://[]", "ERR: IPv6 host address may not be empty in URI: \"postgres://[]\""},
        {"postgres://[::1]z",
         "ERR: unexpected character \"z\" at position 17 in URI (expected \":\" or \"/\"): "
         "\"postgres://[::1]z\""},
        {"postgresql://h1,[::1]x",
         "ERR: unexpected character \"x\" at position 22 in URI (expected \":\" or \"/\"): "
         "\"postgresql://h1,[::1]x\""},
        {"postgresql://host?zzz", "ERR: missing key/value separator \"=\" in URI query parameter: \"zzz\""},
        {"postgresql://host?value1&value2",
         "ERR: missing key/value separator \"=\" in URI query parameter: \"value1\""},
        {"postgresql://host?port=1&&b=2",
         "ERR: missing key/value separator \"=\" in URI query parameter: \"\""},
        {"postgresql://host?key=key=value",
         "ERR: extra key/value separator \"=\" in URI query parameter: \"key\""},
        {"postgres://host?dbname=%XXfoo", "ERR: invalid percent-encoded token: \"%XXfoo\""},
        {"postgresql://a%00b", "ERR: forbidden value %00 in percent-encoded value: \"a%00b\""},
        {"postgresql://%zz", "ERR: invalid percent-encoded token: \"%zz\""},
        {"postgresql://%1", "ERR: invalid percent-encoded token: \"%1\""},
        {"postgresql://%", "ERR: invalid percent-encoded token: \"%\""},
        {"postgresql://h1,%4", "ERR: invalid percent-encoded token: \"h1,%4\""},
        {"postgresql://u%00@h", "ERR: forbidden value %00 in percent-encoded value: \"u%00\""},
        {"postgresql://h?user=%00", "ERR: forbidden value %00 in percent-encoded value: \"%00\""},
        {"postgresql://host?  user user  =  uri  & port = 12345 12 ",
         "ERR: unexpected spaces found in \"  user user  \", use percent-encoded spaces (%20) "
         "instead"},
        {"postgresql://host?  user  =  uri-user  & port = 12345 12 ",
         "ERR: unexpected spaces found in \" 12345 12 \", use percent-encoded spaces (%20) "
         "instead"},
        {"postgresql://a b@h", "ERR: unexpected spaces found in \"a b\", use percent-encoded spaces (%20) instead"},
    };
    run_table(t, sizeof t / sizeof t[0]);
}

static void test_keyvalue_matches_libpq(void **s)
{
    static const cs_case t[] = {
        {"host=h port=5433 dbname=app user=alice",
         "user=alice\ndbname=app\nhost=h\nport=5433\n"},
        {"  password = 'it\\'s a \\\\ test'  user=a\\ b", "user=a b\npassword=it's a \\ test\n"},
        {"application_name='' dbname=", "dbname=\napplication_name=\n"},
        {"port=1 port=2", "port=2\n"},
        {"host=a,b port=1,2 hostaddr=127.0.0.1,::1", "host=a,b\nhostaddr=127.0.0.1,::1\nport=1,2\n"},
        {"requiressl=1", "sslmode=require\n"},
        {"requiressl=yes", "sslmode=prefer\n"},
        {"a='x'b=1", "ERR: invalid connection option \"a\""},
        {"host='x'port=1", "host=x\nport=1\n"},
        {"host", "ERR: missing \"=\" after \"host\" in connection info string"},
        {"host x=1", "ERR: missing \"=\" after \"host\" in connection info string"},
        {"host='unterminated", "ERR: unterminated quoted string in connection info string"},
        {"bogus=1", "ERR: invalid connection option \"bogus\""},
        {"postgresql:/x", "ERR: missing \"=\" after \"postgresql:/x\" in connection info string"},
        {"POSTGRESQL://h", "ERR: missing \"=\" after \"POSTGRESQL://h\" in connection info string"},
        /* libpq 18's whole table, in its order. */
        {"sslkeylogfile=k oauth_scope=s oauth_client_secret=c oauth_client_id=i oauth_issuer=o "
         "scram_server_key=b scram_client_key=a load_balance_hosts=random "
         "target_session_attrs=any replication=0 gssdelegation=0 gsslib=gssapi krbsrvname=k "
         "gssencmode=disable ssl_max_protocol_version=TLSv1.3 ssl_min_protocol_version=TLSv1.2 "
         "max_protocol_version=3.2 min_protocol_version=3.0 require_auth=md5 requirepeer=p "
         "sslsni=1 sslcrldir=d sslcrl=c sslrootcert=r sslpassword=p sslcertmode=allow sslkey=k "
         "sslcert=c sslcompression=1 sslnegotiation=postgres sslmode=prefer tcp_user_timeout=1 "
         "keepalives_count=1 keepalives_interval=1 keepalives_idle=1 keepalives=1 "
         "fallback_application_name=f application_name=a options=o client_encoding=UTF8 "
         "port=1 hostaddr=h host=h dbname=d connect_timeout=1 channel_binding=prefer passfile=p "
         "password=p user=u service=s",
         "service=s\nuser=u\npassword=p\npassfile=p\nchannel_binding=prefer\nconnect_timeout=1\n"
         "dbname=d\nhost=h\nhostaddr=h\nport=1\nclient_encoding=UTF8\noptions=o\n"
         "application_name=a\nfallback_application_name=f\nkeepalives=1\nkeepalives_idle=1\n"
         "keepalives_interval=1\nkeepalives_count=1\ntcp_user_timeout=1\nsslmode=prefer\n"
         "sslnegotiation=postgres\nsslcompression=1\nsslcert=c\nsslkey=k\nsslcertmode=allow\n"
         "sslpassword=p\nsslrootcert=r\nsslcrl=c\nsslcrldir=d\nsslsni=1\nrequirepeer=p\n"
         "require_auth=md5\nmin_protocol_version=3.0\nmax_protocol_version=3.2\n"
         "ssl_min_protocol_version=TLSv1.2\nssl_max_protocol_version=TLSv1.3\n"
         "gssencmode=disable\nkrbsrvname=k\ngsslib=gssapi\ngssdelegation=0\nreplication=0\n"
         "target_session_attrs=any\nload_balance_hosts=random\nscram_client_key=a\n"
         "scram_server_key=b\noauth_issuer=o\noauth_client_id=i\noauth_client_secret=c\n"
         "oauth_scope=s\nsslkeylogfile=k\n"},
    };
    run_table(t, sizeof t / sizeof t[0]);
}

static void test_conninfo_allow_list_refuses_file_keywords(void **s)
{
    pgw_conninfo_parse_options o;
    pgw_conninfo_parse_options_init(&o);
    o.allowed_keywords = pgw_conninfo_untrusted_keywords();
    char err[256];
    pgw_conninfo *ci = NULL;
    assert_int_equal(pgw_conninfo_parse(&ci, "host=h user=u password=p dbname=d", &o, err,
                                        sizeof err),
                     PGW_OK);
    assert_int_equal(pgw_conninfo_count(ci), 4);
    pgw_conninfo_free(ci);
    assert_int_equal(pgw_conninfo_parse(&ci, "host=h sslkey=/etc/shadow", &o, err, sizeof err),
                     PGW_E_INVALID);
    assert_null(ci);
    assert_string_equal(err, "connection option \"sslkey\" is not allowed here");
    assert_int_equal(pgw_conninfo_parse(&ci, "postgresql://h/d?passfile=/x", &o, err, sizeof err),
                     PGW_E_INVALID);
    assert_string_equal(err, "connection option \"passfile\" is not allowed here");
    /* A URI's parts count as the keywords they set. */
    static const char *const only_host[] = {"host", NULL};
    o.allowed_keywords = only_host;
    assert_int_equal(pgw_conninfo_parse(&ci, "postgresql://h", &o, err, sizeof err), PGW_OK);
    pgw_conninfo_free(ci);
    assert_int_equal(pgw_conninfo_parse(&ci, "postgresql://u@h", &o, err, sizeof err),
                     PGW_E_INVALID);
    assert_string_equal(err, "connection option \"user\" is not allowed here");
}

static void test_conninfo_redaction_hides_secrets(void **s)
{
    char err[256];
    pgw_conninfo *ci = NULL;
    assert_int_equal(pgw_conninfo_parse(&ci,
                                        "postgresql://u:s3cret@h/d?sslpassword=k3y&"
                                        "application_name=it%27s",
                                        NULL, err, sizeof err),
                     PGW_OK);
    assert_string_equal(pgw_conninfo_get(ci, "password"), "s3cret");
    assert_null(pgw_conninfo_get(ci, "port"));
    assert_null(pgw_conninfo_get(ci, "nonsense"));
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_conninfo_format(ci, PGW_CONNINFO_REDACT, &b), PGW_OK);
    pgw_buf_append(&b, "", 1);
    assert_string_equal((const char *)b.data,
                        "user='u' password='********' dbname='d' host='h' "
                        "application_name='it\\'s' sslpassword='********'");
    pgw_buf_reset(&b);
    assert_int_equal(pgw_conninfo_format(ci, 0, &b), PGW_OK);
    pgw_buf_append(&b, "", 1);
    /* The unredacted rendering parses back to the same options. */
    pgw_conninfo *again = NULL;
    assert_int_equal(pgw_conninfo_parse(&again, (const char *)b.data, NULL, err, sizeof err),
                     PGW_OK);
    assert_int_equal(pgw_conninfo_count(again), pgw_conninfo_count(ci));
    for (size_t i = 0; i < pgw_conninfo_count(ci); i++)
        assert_string_equal(pgw_conninfo_value(again, i), pgw_conninfo_value(ci, i));
    pgw_conninfo_free(again);
    pgw_buf_free(&b);
    pgw_conninfo_free(ci);

    pgw_conninfo_parse_options o;
    pgw_conninfo_parse_options_init(&o);
    o.redact_secrets = true;
    assert_int_equal(pgw_conninfo_parse(&ci, "password=x oauth_client_secret=y user=z", &o, err,
                                        sizeof err),
                     PGW_OK);
    assert_string_equal(pgw_conninfo_get(ci, "password"), "********");
    assert_string_equal(pgw_conninfo_get(ci, "oauth_client_secret"), "********");
    assert_string_equal(pgw_conninfo_get(ci, "user"), "z");
    pgw_conninfo_free(ci);
    assert_true(pgw_conninfo_keyword_is_secret("sslpassword"));
    assert_false(pgw_conninfo_keyword_is_secret("user"));
}

static void test_conn_new_takes_uris_and_refuses_parse_only_keywords(void **s)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = "postgresql://al%40ice@db.example:6543/app?application_name=x";
    pgw_conn *c = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), PGW_OK);
    assert_string_equal(pgw_conn_option(c, "user"), "al@ice");
    assert_string_equal(pgw_conn_option(c, "host"), "db.example");
    assert_string_equal(pgw_conn_option(c, "port"), "6543");
    assert_string_equal(pgw_conn_option(c, "dbname"), "app");
    pgw_conn_free(c);

    static const struct {
        const char *ci;
        pgw_status st;
        const char *msg;
    } bad[] = {
        {"postgresql://h?foo=1", PGW_E_INVALID, "invalid URI query parameter: \"foo\""},
        {"oauth_issuer=https://x", PGW_E_INVALID,
         "connection option \"oauth_issuer\" is not supported"},
        {"target_session_attrs=sometimes", PGW_E_INVALID,
         "invalid target_session_attrs value: \"sometimes\""},
        {"load_balance_hosts=on", PGW_E_INVALID, "invalid load_balance_hosts value: \"on\""},
        {"replication=true", PGW_E_UNSUPPORTED, "replication connections are not supported yet"},
        {"gssencmode=require", PGW_E_UNSUPPORTED,
         "gssencmode value \"require\" invalid when GSSAPI support is not compiled in"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.conninfo = bad[i].ci;
        assert_int_equal(pgw_conn_new(&c, &o), bad[i].st);
        assert_string_equal(pgw_conn_errmsg(c), bad[i].msg);
        pgw_conn_free(c);
    }
    static const char *const good[] = {
        "target_session_attrs=any", "load_balance_hosts=random", "load_balance_hosts=disable",
        "replication=off",          "sslcompression=1",           "gssencmode=prefer",
        "passfile=/nonexistent",    "service=whatever",           "requiressl=0",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        o.conninfo = good[i];
        if (pgw_conn_new(&c, &o) != PGW_OK)
            fail_msg("%s: %s", good[i], pgw_conn_errmsg(c));
        pgw_conn_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_well_formed_matches_libpq),
        cmocka_unit_test(test_uri_malformed_has_libpq_messages),
        cmocka_unit_test(test_keyvalue_matches_libpq),
        cmocka_unit_test(test_conninfo_allow_list_refuses_file_keywords),
        cmocka_unit_test(test_conninfo_redaction_hides_secrets),
        cmocka_unit_test(test_conn_new_takes_uris_and_refuses_parse_only_keywords),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
