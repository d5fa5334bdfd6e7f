/* Where option values come from, with a fake environment and files in a
 * temporary directory: libpq's precedence (the string, then the service
 * file, then the PG* variables, then the defaults), the service file's
 * search order and messages, and the password file (lookup, localhost for
 * sockets, skipped when a password is given, the permission warning as a
 * notice). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/conninfo_io.h"

static char dir[256];
static const char *env[32][2];

static const char *fake_getenv(void *ud, const char *name)
{
    (void)ud;
    for (size_t i = 0; i < 32 && env[i][0] != NULL; i++)
        if (strcmp(env[i][0], name) == 0)
            return env[i][1];
    return NULL;
}

static char env_store[32][512];

/* Values are copied: path_of() reuses its buffers. */
static void setenv_fake(const char *name, const char *value)
{
    size_t i = 0;
    while (env[i][0] != NULL && strcmp(env[i][0], name) != 0)
        i++;
    assert_true(i < 31);
    env[i][0] = name;
    env[i][1] = NULL;
    if (value != NULL) {
        snprintf(env_store[i], sizeof env_store[i], "%s", value);
        env[i][1] = env_store[i];
    }
}

static char *path_of(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void write_file(const char *name, const char *text, mode_t mode)
{
    char *p = path_of(name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(p, mode), 0);
}

static int setup(void **st)
{
    snprintf(dir, sizeof dir, "/tmp/pgw-conninfo-env-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **st)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int reset(void **st)
{
    memset(env, 0, sizeof env);
    /* HOME points at the test directory, and no system service file. */
    setenv_fake("HOME", dir);
    setenv_fake("PGSYSCONFDIR", path_of("sys"));
    return 0;
}

static char notices[1024];

static void on_notice(void *ud, const pgw_error *e)
{
    (void)ud;
    assert_string_equal(e->severity, "WARNING");
    snprintf(notices, sizeof notices, "%s", e->message);
}

static pgw_status connect_opts(const char *ci, pgw_conn **c)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.getenv = fake_getenv;
    o.default_user = "osuser";
    o.notice = on_notice;
    notices[0] = '\0';
    return pgwi_conn_new_env(c, &o);
}

static const char *opt(pgw_conn *c, const char *kw)
{
    int k = pgwi_opt_lookup(kw, strlen(kw));
    assert_true(k >= 0);
    return c->opt[k]; /* the password too, which pgw_conn_option() hides */
}

static void test_precedence_string_service_env_default(void **s)
{
    write_file(".pg_service.conf",
               "[svc]\nhost=svchost\nport=7000\ndbname=svcdb\napplication_name=svcapp\n", 0600);
    setenv_fake("PGHOST", "envhost");
    setenv_fake("PGPORT", "8000");
    setenv_fake("PGUSER", "envuser");
    setenv_fake("PGAPPNAME", "envapp");
    pgw_conn *c = NULL;
    assert_int_equal(connect_opts("service=svc host=strhost", &c), PGW_OK);
    assert_string_equal(opt(c, "host"), "strhost");              /* string */
    assert_string_equal(opt(c, "port"), "7000");                 /* service over PGPORT */
    assert_string_equal(opt(c, "dbname"), "svcdb");              /* service */
    assert_string_equal(opt(c, "application_name"), "svcapp");   /* service over PGAPPNAME */
    assert_string_equal(opt(c, "user"), "envuser");              /* environment */
    assert_string_equal(opt(c, "sslmode"), "prefer");            /* default */
    assert_string_equal(opt(c, "service"), "svc");
    pgw_conn_free(c);

    /* PGSERVICE names the service when the string does not. */
    setenv_fake("PGSERVICE", "svc");
    assert_int_equal(connect_opts("", &c), PGW_OK);
    assert_string_equal(opt(c, "host"), "svchost");
    assert_string_equal(opt(c, "service"), "svc");
    pgw_conn_free(c);
    /* A URI works the same way. */
    assert_int_equal(connect_opts("postgresql://urihost/uridb", &c), PGW_OK);
    assert_string_equal(opt(c, "host"), "urihost");
    assert_string_equal(opt(c, "dbname"), "uridb");
    assert_string_equal(opt(c, "port"), "7000");
    pgw_conn_free(c);
}

static void test_service_search_order_and_messages(void **s)
{
    mkdir(path_of("sys"), 0700);
    write_file("sys/pg_service.conf", "[both]\nport=1\n[sysonly]\nport=2\nhost=h'q\\\n", 0600);
    write_file(".pg_service.conf", "[both]\nport=3\n", 0600);
    pgw_conn *c = NULL;
    /* The per-user file first; the system file when the group is not there. */
    assert_int_equal(connect_opts("service=both", &c), PGW_OK);
    assert_string_equal(opt(c, "port"), "3");
    pgw_conn_free(c);
    assert_int_equal(connect_opts("service=sysonly", &c), PGW_OK);
    assert_string_equal(opt(c, "port"), "2");
    assert_string_equal(opt(c, "host"), "h'q\\"); /* raw values survive re-quoting */
    pgw_conn_free(c);
    /* PGSERVICEFILE replaces ~/.pg_service.conf, and must exist. */
    write_file("alt.conf", "[both]\nport=4\n", 0600);
    setenv_fake("PGSERVICEFILE", path_of("alt.conf"));
    assert_int_equal(connect_opts("service=both", &c), PGW_OK);
    assert_string_equal(opt(c, "port"), "4");
    pgw_conn_free(c);
    setenv_fake("PGSERVICEFILE", path_of("missing.conf"));
    assert_int_equal(connect_opts("service=both", &c), PGW_E_INVALID);
    char want[600];
    snprintf(want, sizeof want, "service file \"%s\" not found", path_of("missing.conf"));
    assert_string_equal(pgw_conn_errmsg(c), want);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_conn_free(c);
    setenv_fake("PGSERVICEFILE", path_of("alt.conf"));
    assert_int_equal(connect_opts("service=nope port=1", &c), PGW_E_INVALID);
    assert_string_equal(pgw_conn_errmsg(c), "definition of service \"nope\" not found");
    pgw_conn_free(c);
    /* A service error comes before any check of the options' values. */
    write_file("alt.conf", "[bad]\nhost x\n", 0600);
    assert_int_equal(connect_opts("service=bad sslmode=bogus", &c), PGW_E_INVALID);
    snprintf(want, sizeof want, "syntax error in service file \"%s\", line 2",
             path_of("alt.conf"));
    assert_string_equal(pgw_conn_errmsg(c), want);
    pgw_conn_free(c);
    /* A malformed string is reported as such, service or not. */
    assert_int_equal(connect_opts("service=both x", &c), PGW_E_INVALID);
    assert_string_equal(pgw_conn_errmsg(c), "missing \"=\" after \"x\" in connection info string");
    pgw_conn_free(c);
}

static void test_pgpass_supplies_missing_password(void **s)
{
    write_file(".pgpass",
               "db.example:5432:app:alice:remote\n"
               "localhost:5432:app:alice:local\n"
               "127.0.0.1:6000:*:*:byaddr\n",
               0600);
    pgw_conn *c = NULL;
    assert_int_equal(connect_opts("host=db.example dbname=app user=alice", &c), PGW_OK);
    assert_string_equal(opt(c, "password"), "remote");
    pgw_conn_free(c);
    /* No host, or the default socket directory, is looked up as localhost. */
    assert_int_equal(connect_opts("dbname=app user=alice", &c), PGW_OK);
    assert_string_equal(opt(c, "password"), "local");
    pgw_conn_free(c);
    assert_int_equal(connect_opts("host=" PGW_DEFAULT_SOCKET_DIR " dbname=app user=alice", &c),
                     PGW_OK);
    assert_string_equal(opt(c, "password"), "local");
    pgw_conn_free(c);
    /* Another socket directory is looked up by its path. */
    assert_int_equal(connect_opts("host=/tmp dbname=app user=alice", &c), PGW_OK);
    assert_null(opt(c, "password"));
    pgw_conn_free(c);
    /* hostaddr is the key when there is no host. */
    assert_int_equal(connect_opts("hostaddr=127.0.0.1 port=6000 dbname=x user=y", &c), PGW_OK);
    assert_string_equal(opt(c, "password"), "byaddr");
    pgw_conn_free(c);
    /* A given password wins (the string, or PGPASSWORD). */
    assert_int_equal(connect_opts("host=db.example dbname=app user=alice password=given", &c),
                     PGW_OK);
    assert_string_equal(opt(c, "password"), "given");
    pgw_conn_free(c);
    setenv_fake("PGPASSWORD", "fromenv");
    assert_int_equal(connect_opts("host=db.example dbname=app user=alice", &c), PGW_OK);
    assert_string_equal(opt(c, "password"), "fromenv");
    pgw_conn_free(c);
    setenv_fake("PGPASSWORD", NULL);
    /* passfile / PGPASSFILE name another file. */
    write_file("other.pass", "*:*:*:*:other\n", 0600);
    setenv_fake("PGPASSFILE", path_of("other.pass"));
    assert_int_equal(connect_opts("host=db.example dbname=app user=alice", &c), PGW_OK);
    assert_string_equal(opt(c, "password"), "other");
    pgw_conn_free(c);
    char ci[600];
    snprintf(ci, sizeof ci, "passfile=%s host=db.example dbname=app user=alice",
             path_of(".pgpass"));
    assert_int_equal(connect_opts(ci, &c), PGW_OK);
    assert_string_equal(opt(c, "password"), "remote");
    assert_string_equal(notices, "");
    pgw_conn_free(c);
}

static void test_pgpass_permissions_warn_through_notice(void **s)
{
    write_file(".pgpass", "*:*:*:*:secret\n", 0644);
    pgw_conn *c = NULL;
    assert_int_equal(connect_opts("host=h dbname=d user=u", &c), PGW_OK);
    assert_null(opt(c, "password"));
    char want[700];
    snprintf(want, sizeof want,
             "password file \"%s\" has group or world access; permissions should be u=rw "
             "(0600) or less",
             path_of(".pgpass"));
    assert_string_equal(notices, want);
    pgw_conn_free(c);
    /* No file read, no warning, when a password is given. */
    assert_int_equal(connect_opts("host=h dbname=d user=u password=p", &c), PGW_OK);
    assert_string_equal(notices, "");
    pgw_conn_free(c);
    /* A directory is not a password file. */
    unlink(path_of(".pgpass"));
    mkdir(path_of(".pgpass"), 0700);
    assert_int_equal(connect_opts("host=h dbname=d user=u", &c), PGW_OK);
    snprintf(want, sizeof want, "password file \"%s\" is not a plain file", path_of(".pgpass"));
    assert_string_equal(notices, want);
    pgw_conn_free(c);
    rmdir(path_of(".pgpass"));
    /* No file at all: silence. */
    assert_int_equal(connect_opts("host=h dbname=d user=u", &c), PGW_OK);
    assert_string_equal(notices, "");
    pgw_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_precedence_string_service_env_default, reset),
        cmocka_unit_test_setup(test_service_search_order_and_messages, reset),
        cmocka_unit_test_setup(test_pgpass_supplies_missing_password, reset),
        cmocka_unit_test_setup(test_pgpass_permissions_warn_through_notice, reset),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
