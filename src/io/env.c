/* The process environment and the user database, for option defaults,
 * and pgw_conn_new() as the blocking API calls it: with the service file
 * and the password file that libpq would read. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "io/conninfo_io.h"

const char *pgwi_env_lookup(void *ud, const char *name)
{
    (void)ud;
    return getenv(name);
}

static const struct passwd *pw_entry(struct passwd *pw, char *tmp, size_t tmplen)
{
    struct passwd *res = NULL;
    if (getpwuid_r(geteuid(), pw, tmp, tmplen, &res) != 0 || res == NULL)
        return NULL;
    return res;
}

static bool copy_out(const char *s, char *buf, size_t len)
{
    if (s == NULL)
        return false;
    size_t n = strlen(s);
    if (n + 1 > len)
        return false;
    memcpy(buf, s, n + 1);
    return true;
}

bool pgwi_os_user(char *buf, size_t len)
{
    struct passwd pw;
    char tmp[1024];
    const struct passwd *res = pw_entry(&pw, tmp, sizeof tmp);
    return res != NULL && copy_out(res->pw_name, buf, len);
}

bool pgwi_os_home(char *buf, size_t len)
{
    struct passwd pw;
    char tmp[1024];
    const struct passwd *res = pw_entry(&pw, tmp, sizeof tmp);
    return res != NULL && copy_out(res->pw_dir, buf, len);
}

/* Collects a string's options by libpq keyword. */
typedef struct kw_sink {
    const pgw_allocator *a;
    char **vals;
} kw_sink;

static void free_vals(const pgw_allocator *a, char *vals[PGWI_KW_COUNT])
{
    for (int i = 0; i < PGWI_KW_COUNT; i++) {
        if (vals[i] != NULL) {
            size_t n = strlen(vals[i]) + 1;
            pgwi_wipe(vals[i], n);
            pgwi_free(a, vals[i], n);
            vals[i] = NULL;
        }
    }
}

static pgw_status kw_store(void *ud, int kw, const char *val, size_t len, char *errbuf,
                           size_t errlen)
{
    (void)errbuf;
    (void)errlen;
    kw_sink *s = ud;
    char *v = pgwi_strndup(s->a, val, len);
    if (v == NULL)
        return PGW_E_NOMEM;
    if (s->vals[kw] != NULL) {
        size_t n = strlen(s->vals[kw]) + 1;
        pgwi_wipe(s->vals[kw], n);
        pgwi_free(s->a, s->vals[kw], n);
    }
    s->vals[kw] = v;
    return PGW_OK;
}

/* vals[] as a key='value' string the engine parses back. */
static pgw_status render(char *vals[PGWI_KW_COUNT], pgw_buf *out)
{
    for (int i = 0; i < PGWI_KW_COUNT; i++) {
        if (vals[i] == NULL)
            continue;
        const char *kw = pgwi_kw_table[i].keyword;
        pgw_buf_append(out, kw, strlen(kw));
        pgw_buf_append(out, "='", 2);
        for (const char *p = vals[i]; *p != '\0'; p++) {
            if (*p == '\'' || *p == '\\')
                pgw_buf_append(out, "\\", 1);
            pgw_buf_append(out, p, 1);
        }
        pgw_buf_append(out, "' ", 2);
    }
    pgw_buf_append(out, "", 1);
    return pgw_buf_status(out);
}

/* A broken connection that reports `msg` (a service lookup failure comes
 * before every option check in libpq, so it is the error to report). */
static pgw_status fail_with(pgw_conn **out, const pgw_conn_options *o, pgw_status status,
                            const char *msg)
{
    pgw_conn_options bare = *o;
    bare.conninfo = NULL;
    bare.getenv = NULL;
    pgw_status rc = pgw_conn_new(out, &bare);
    if (rc == PGW_E_NOMEM || *out == NULL)
        return PGW_E_NOMEM;
    pgwi_conn_break(*out, status, "%s", msg);
    return status;
}

pgw_status pgwi_conn_new_env(pgw_conn **out, const pgw_conn_options *o)
{
    *out = NULL;
    const pgw_allocator *a = o->allocator;
    char *vals[PGWI_KW_COUNT] = {0};
    char errbuf[1024];
    kw_sink ks = {a, vals};
    pgw_status rc = pgwi_conninfo_scan(a, o->conninfo, kw_store, &ks, errbuf, sizeof errbuf);
    const char *service = NULL;
    int svc_kw = pgwi_kw_lookup("service", 7);
    if (rc == PGW_OK) {
        service = vals[svc_kw];
        if (service == NULL && o->getenv != NULL)
            service = o->getenv(o->getenv_ud, "PGSERVICE");
    }
    if (service == NULL) {
        /* No service (or a malformed string, which pgw_conn_new reports
         * with the same message). */
        free_vals(a, vals);
        rc = pgw_conn_new(out, o);
    } else {
        char name[256];
        if (strlen(service) >= sizeof name) {
            free_vals(a, vals);
            return fail_with(out, o, PGW_E_INVALID, "service name is too long");
        }
        memcpy(name, service, strlen(service) + 1);
        rc = pgwi_service_lookup(a, o->getenv, o->getenv_ud, name, vals, errbuf, sizeof errbuf);
        if (rc != PGW_OK) {
            free_vals(a, vals);
            return rc == PGW_E_NOMEM ? rc : fail_with(out, o, rc, errbuf);
        }
        /* The string's options plus the service's, as one string: the
         * engine then applies the environment and the defaults after
         * both, which is libpq's order. */
        pgw_buf b;
        pgw_buf_init(&b, a, 0);
        b.wipe = true;
        rc = render(vals, &b);
        free_vals(a, vals);
        if (rc != PGW_OK) {
            pgw_buf_free(&b);
            return PGW_E_NOMEM;
        }
        pgw_conn_options o2 = *o;
        o2.conninfo = (const char *)b.data;
        rc = pgw_conn_new(out, &o2);
        pgw_buf_free(&b);
    }
    if (rc == PGW_OK) {
        rc = pgwi_pgpass_apply(*out, o->getenv, o->getenv_ud);
        if (rc != PGW_OK) {
            pgw_conn_free(*out);
            *out = NULL;
        }
    }
    return rc;
}
