/* The pure parsers of the password file and the service file, on bytes:
 * libpq's matching rules, escapes, comments, and its error texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conn/conninfo_int.h"

/* The password libpq would pick for key from text, or NULL. */
static const char *lookup(const char *text, const char *host, const char *port, const char *db,
                          const char *user)
{
    static char out[256];
    pgwi_pgpass_key key = {host, port, db, user};
    const char *pw;
    size_t n;
    if (!pgwi_pgpass_find(text, strlen(text), &key, &pw, &n))
        return NULL;
    assert_true(n < sizeof out);
    pgwi_pgpass_unescape(pw, n, out);
    return out;
}

static void test_pgpass_fields_match_exactly_or_by_star(void **s)
{
    const char *f = "# comment:*:*:*:nope\n"
                    "\n"
                    "db.example:5432:app:alice:pw1\n"
                    "*:5433:*:alice:pw2\n"
                    "localhost:*:*:*:pw3\r\n"
                    "*:*:*:*:pw4";
    assert_string_equal(lookup(f, "db.example", "5432", "app", "alice"), "pw1");
    assert_string_equal(lookup(f, "other", "5433", "x", "alice"), "pw2");
    assert_string_equal(lookup(f, "localhost", "1", "x", "bob"), "pw3"); /* CR stripped */
    assert_string_equal(lookup(f, "db.example", "5432", "app", "bob"), "pw4");
    /* A prefix is not a match, and neither is a longer field. */
    assert_null(lookup("db:5432:app:alice:x\n", "db.example", "5432", "app", "alice"));
    assert_null(lookup("db.example:5432:app:alice:x\n", "db", "5432", "app", "alice"));
    /* "*" matches only as a whole field. */
    assert_null(lookup("db*:5432:app:alice:x\n", "dbx", "5432", "app", "alice"));
    assert_string_equal(lookup("db*:5432:app:alice:x\n", "db*", "5432", "app", "alice"), "x");
    /* Too few fields never match. */
    assert_null(lookup("h:5432:app:alice\n", "h", "5432", "app", "alice"));
    assert_string_equal(lookup("h:5432:app:alice:\n", "h", "5432", "app", "alice"), "");
    /* A comment line is skipped even when it would match. */
    assert_null(lookup("#h:5432:app:alice:x\n", "#h", "5432", "app", "alice"));
    assert_null(lookup("", "h", "1", "d", "u"));
}

static void test_pgpass_backslash_escapes(void **s)
{
    /* Escaped ':' and '\' in the fields and in the password. */
    const char *f = "h\\:x:5432:d\\\\b:u:p\\:w\\\\d:ignored\n";
    assert_string_equal(lookup(f, "h:x", "5432", "d\\b", "u"), "p:w\\d");
    assert_null(lookup(f, "h", "5432", "d\\b", "u"));
    /* A trailing backslash stays literal in the password. */
    assert_string_equal(lookup("*:*:*:*:ab\\\n", "h", "1", "d", "u"), "ab\\");
    /* An escaped '*' is a literal star, not a wildcard. */
    assert_null(lookup("\\*:*:*:*:x\n", "h", "1", "d", "u"));
    assert_string_equal(lookup("\\*:*:*:*:x\n", "*", "1", "d", "u"), "x");
    /* A NUL ends the line's text, as for libpq's C strings. */
    const char nul[] = "h:1:d:u:se\0cret\nh:1:d:v:two\n";
    pgwi_pgpass_key key = {"h", "1", "d", "u"};
    const char *pw;
    size_t n;
    assert_true(pgwi_pgpass_find(nul, sizeof nul - 1, &key, &pw, &n));
    assert_int_equal(n, 2);
    key.user = "v";
    assert_true(pgwi_pgpass_find(nul, sizeof nul - 1, &key, &pw, &n));
    assert_memory_equal(pw, "two", 3);
}

typedef struct svc {
    char vals[PGWI_KW_COUNT][64];
    bool set[PGWI_KW_COUNT];
} svc;

static pgw_status svc_sink(void *ud, int kw, const char *val, size_t len, char *errbuf,
                           size_t errlen)
{
    svc *s = ud;
    assert_true(len < 64);
    if (!s->set[kw]) { /* first line wins, as libpq fills empty slots */
        memcpy(s->vals[kw], val, len);
        s->vals[kw][len] = '\0';
        s->set[kw] = true;
    }
    return PGW_OK;
}

static pgw_status svc_parse(const char *text, const char *name, svc *s, bool *found, char *err)
{
    memset(s, 0, sizeof *s);
    return pgwi_service_parse(text, strlen(text), name, "/etc/pg_service.conf", svc_sink, s,
                              found, err, 256);
}

static void test_service_file_groups_and_values(void **s)
{
    const char *f = "# services\n"
                    "[other]\n"
                    "host=wrong\n"
                    "  [mydb]   \n"
                    "\thost=db.example  \n"
                    "port=6543\n"
                    "dbname= spaced\n"
                    "host=second\n"
                    "# comment inside\n"
                    "\n"
                    "[next]\n"
                    "user=nobody\n";
    svc v;
    bool found;
    char err[256];
    assert_int_equal(svc_parse(f, "mydb", &v, &found, err), PGW_OK);
    assert_true(found);
    assert_string_equal(v.vals[pgwi_kw_lookup("host", 4)], "db.example");
    assert_string_equal(v.vals[pgwi_kw_lookup("port", 4)], "6543");
    assert_string_equal(v.vals[pgwi_kw_lookup("dbname", 6)], " spaced");
    assert_false(v.set[pgwi_kw_lookup("user", 4)]);
    assert_int_equal(svc_parse(f, "missing", &v, &found, err), PGW_OK);
    assert_false(found);
    /* A prefix of a group name is not the group; text after ']' is. */
    assert_int_equal(svc_parse("[mydb2]\nhost=x\n", "mydb", &v, &found, err), PGW_OK);
    assert_false(found);
    assert_int_equal(svc_parse("[mydb] trailing\nhost=x\n", "mydb", &v, &found, err), PGW_OK);
    assert_true(found);
    /* Errors in other groups are not seen. */
    assert_int_equal(svc_parse("[a]\nnonsense\n[b]\nport=1\n", "b", &v, &found, err), PGW_OK);
    assert_true(found);
}

static void test_service_file_errors_have_libpq_text(void **s)
{
    svc v;
    bool found;
    char err[256];
    assert_int_equal(svc_parse("[s]\nhost\n", "s", &v, &found, err), PGW_E_INVALID);
    assert_string_equal(err, "syntax error in service file \"/etc/pg_service.conf\", line 2");
    assert_int_equal(svc_parse("\n[s]\nhost = x\n", "s", &v, &found, err), PGW_E_INVALID);
    assert_string_equal(err, "syntax error in service file \"/etc/pg_service.conf\", line 3");
    assert_int_equal(svc_parse("[s]\nbogus=1\n", "s", &v, &found, err), PGW_E_INVALID);
    assert_string_equal(err, "syntax error in service file \"/etc/pg_service.conf\", line 2");
    assert_int_equal(svc_parse("[s]\nservice=t\n", "s", &v, &found, err), PGW_E_INVALID);
    assert_string_equal(err, "nested service specifications not supported in service file "
                             "\"/etc/pg_service.conf\", line 2");
    /* requiressl is a string-only alias, not a service-file keyword. */
    assert_int_equal(svc_parse("[s]\nrequiressl=1\n", "s", &v, &found, err), PGW_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pgpass_fields_match_exactly_or_by_star),
        cmocka_unit_test(test_pgpass_backslash_escapes),
        cmocka_unit_test(test_service_file_groups_and_values),
        cmocka_unit_test(test_service_file_errors_have_libpq_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
