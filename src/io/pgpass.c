/* The password file: where libpq looks for it, its permission checks, and
 * which host name it looks up. Matching is src/conn/pgpass_parse.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/conninfo_io.h"

/* A password file of more than this is not one. */
#define PGPASS_MAX (16u << 20)

/* The library never prints: libpq's stderr warnings become notices. */
static void warn(pgw_conn *c, const char *msg)
{
    if (c->notice == NULL)
        return;
    char summary[4096 + 160];
    snprintf(summary, sizeof summary, "WARNING:  %s", msg);
    pgw_error e;
    memset(&e, 0, sizeof e);
    e.status = PGW_OK;
    e.severity = "WARNING";
    e.severity_nonlocalized = "WARNING";
    e.message = msg;
    e.summary = summary;
    c->notice(c->notice_ud, &e);
}

static bool nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* libpq's key for a host entry: the name as given, else the hostaddr; no
 * host or the default socket directory means "localhost", so one line
 * serves both the socket and TCP to localhost. */
static const char *key_host(const char *host, const char *hostaddr)
{
    if (!nonempty(host))
        host = hostaddr;
    if (!nonempty(host) || strcmp(host, PGW_DEFAULT_SOCKET_DIR) == 0)
        host = "localhost";
    return host;
}

pgw_status pgwi_pgpass_lookup(pgw_conn *c, const char *host, const char *hostaddr,
                              const char *port, char **out)
{
    *out = NULL;
    const char *path = c->opt[PGWI_OPT_PASSFILE];
    const char *db = c->opt[PGWI_OPT_DBNAME], *user = c->opt[PGWI_OPT_USER];
    if (!nonempty(path) || !nonempty(db) || !nonempty(user))
        return PGW_OK;
    if (!nonempty(port))
        port = "5432";

    struct stat st;
    if (stat(path, &st) != 0)
        return PGW_OK; /* no file: nothing to do, silently */
    if (!S_ISREG(st.st_mode)) {
        char msg[4096 + 128];
        snprintf(msg, sizeof msg, "password file \"%s\" is not a plain file", path);
        warn(c, msg);
        return PGW_OK;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char msg[4096 + 128];
        snprintf(msg, sizeof msg,
                 "password file \"%s\" has group or world access; permissions should be u=rw "
                 "(0600) or less",
                 path);
        warn(c, msg);
        return PGW_OK;
    }
    char *text;
    size_t len;
    int e;
    pgw_status rc = pgwi_read_file(c->a, path, PGPASS_MAX, &text, &len, &e);
    if (rc == PGW_E_NOMEM)
        return rc;
    if (rc != PGW_OK)
        return PGW_OK; /* unreadable: as libpq, ignored */
    pgwi_pgpass_key key = {key_host(host, hostaddr), port, db, user};
    const char *pw;
    size_t pwlen;
    rc = PGW_OK;
    if (pgwi_pgpass_find(text, len, &key, &pw, &pwlen)) {
        char *v = pgwi_alloc(c->a, pwlen + 1);
        if (v == NULL) {
            rc = PGW_E_NOMEM;
        } else {
            size_t n = pgwi_pgpass_unescape(pw, pwlen, v);
            /* Keep the allocation's size recoverable by strlen. */
            *out = pgwi_strndup(c->a, v, n);
            pgwi_wipe(v, pwlen + 1);
            pgwi_free(c->a, v, pwlen + 1);
            if (*out == NULL)
                rc = PGW_E_NOMEM;
        }
    }
    pgwi_wipe(text, len + 1);
    pgwi_free(c->a, text, len + 1);
    return rc;
}

pgw_status pgwi_pgpass_apply(pgw_conn *c, pgw_getenv_fn ge, void *ud)
{
    /* A password already given (string, service, PGPASSWORD) wins, and
     * the file is not even opened. */
    if (nonempty(c->opt[PGWI_OPT_PASSWORD]))
        return PGW_OK;
    /* Resolve the file now, as libpq does (its passfile option then names
     * ~/.pgpass), so a per-host lookup needs no environment later. */
    if (!nonempty(c->opt[PGWI_OPT_PASSFILE])) {
        char home[4096], path[4096 + 16];
        if (!pgwi_home_dir(ge, ud, home, sizeof home) ||
            (size_t)snprintf(path, sizeof path, "%s/.pgpass", home) >= sizeof path)
            return PGW_OK;
        char *dup = pgwi_strndup(c->a, path, strlen(path));
        if (dup == NULL)
            return PGW_E_NOMEM;
        char *old = c->opt[PGWI_OPT_PASSFILE];
        if (old != NULL)
            pgwi_free(c->a, old, strlen(old) + 1);
        c->opt[PGWI_OPT_PASSFILE] = dup;
    }
    /* Several hosts: each connection attempt looks up its own host
     * (pgwi_pgpass_lookup from the host loop), as libpq keeps a password
     * per host. */
    const char *host = c->opt[PGWI_OPT_HOST], *hostaddr = c->opt[PGWI_OPT_HOSTADDR];
    if ((host != NULL && strchr(host, ',') != NULL) ||
        (hostaddr != NULL && strchr(hostaddr, ',') != NULL))
        return PGW_OK;
    char *pw;
    pgw_status rc = pgwi_pgpass_lookup(c, host, hostaddr, c->opt[PGWI_OPT_PORT], &pw);
    if (rc == PGW_OK && pw != NULL)
        c->opt[PGWI_OPT_PASSWORD] = pw;
    return rc;
}
