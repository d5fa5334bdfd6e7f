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

pgw_status pgwi_pgpass_apply(pgw_conn *c, pgw_getenv_fn ge, void *ud)
{
    /* A password already given (string, service, PGPASSWORD) wins, and
     * the file is not even opened. */
    if (nonempty(c->opt[PGWI_OPT_PASSWORD]))
        return PGW_OK;
    char path[4096];
    const char *file = c->opt[PGWI_OPT_PASSFILE];
    if (nonempty(file)) {
        if (strlen(file) >= sizeof path)
            return PGW_OK;
        memcpy(path, file, strlen(file) + 1);
    } else {
        char home[4096];
        if (!pgwi_home_dir(ge, ud, home, sizeof home) ||
            (size_t)snprintf(path, sizeof path, "%s/.pgpass", home) >= sizeof path)
            return PGW_OK;
    }

    /* libpq's key: the host name as given (a list's first entry today:
     * several hosts are refused before we get here), else hostaddr; no
     * host or the default socket directory means "localhost", so one line
     * serves both the socket and TCP to localhost. */
    const char *host = c->opt[PGWI_OPT_HOST];
    if (!nonempty(host))
        host = c->opt[PGWI_OPT_HOSTADDR];
    if (!nonempty(host) || strcmp(host, PGW_DEFAULT_SOCKET_DIR) == 0)
        host = "localhost";
    const char *port = nonempty(c->opt[PGWI_OPT_PORT]) ? c->opt[PGWI_OPT_PORT] : "5432";
    const char *db = c->opt[PGWI_OPT_DBNAME], *user = c->opt[PGWI_OPT_USER];
    if (!nonempty(db) || !nonempty(user))
        return PGW_OK;

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
    pgwi_pgpass_key key = {host, port, db, user};
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
            char *exact = pgwi_strndup(c->a, v, n);
            pgwi_wipe(v, pwlen + 1);
            pgwi_free(c->a, v, pwlen + 1);
            if (exact == NULL) {
                rc = PGW_E_NOMEM;
            } else {
                char *old = c->opt[PGWI_OPT_PASSWORD];
                if (old != NULL)
                    pgwi_free(c->a, old, strlen(old) + 1);
                c->opt[PGWI_OPT_PASSWORD] = exact;
            }
        }
    }
    pgwi_wipe(text, len + 1);
    pgwi_free(c->a, text, len + 1);
    return rc;
}
