/* The connection service file: which files libpq reads, in which order,
 * and its messages when a service cannot be found. The parsing itself is
 * src/conn/service_parse.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/conninfo_io.h"

/* libpq's SYSCONFDIR. Debian's libpq uses /etc/postgresql-common, which is
 * what psql on the systems we test reads; builds elsewhere may override. */
#ifndef PGW_SYSCONFDIR
#define PGW_SYSCONFDIR "/etc/postgresql-common"
#endif

/* A service file of more than this is not a configuration file. */
#define SERVICE_FILE_MAX (16u << 20)

pgw_status pgwi_read_file(const pgw_allocator *a, const char *path, size_t max, char **data,
                          size_t *len, int *sys_errno)
{
    *data = NULL;
    *len = 0;
    *sys_errno = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *sys_errno = errno;
        return PGW_E_IO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *sys_errno = errno;
        close(fd);
        return PGW_E_IO;
    }
    if (!S_ISREG(st.st_mode)) {
        *sys_errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        return PGW_E_IO;
    }
    if (st.st_size < 0 || (uint64_t)st.st_size > max) {
        close(fd);
        return PGW_E_TOO_LARGE;
    }
    size_t cap = (size_t)st.st_size;
    char *buf = pgwi_alloc(a, cap + 1);
    if (buf == NULL) {
        close(fd);
        return PGW_E_NOMEM;
    }
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *sys_errno = errno;
            pgwi_wipe(buf, cap + 1);
            pgwi_free(a, buf, cap + 1);
            close(fd);
            return PGW_E_IO;
        }
        if (n == 0)
            break; /* the file shrank; use what is there */
        got += (size_t)n;
    }
    close(fd);
    /* Report the allocation's size as the length so that the caller frees
     * what was allocated; a shrunken tail is NULs, which end lines. */
    memset(buf + got, 0, cap + 1 - got);
    *data = buf;
    *len = cap;
    return PGW_OK;
}

bool pgwi_home_dir(pgw_getenv_fn ge, void *ud, char *buf, size_t len)
{
    const char *home = ge != NULL ? ge(ud, "HOME") : NULL;
    if (home != NULL && home[0] != '\0') {
        size_t n = strlen(home);
        if (n + 1 > len)
            return false;
        memcpy(buf, home, n + 1);
        return true;
    }
    return pgwi_os_home(buf, len);
}

typedef struct svc_sink {
    const pgw_allocator *a;
    char **vals;
} svc_sink;

/* The string's own settings win, and within the file the first line for
 * a keyword wins (libpq fills only empty slots). */
static pgw_status svc_store(void *ud, int kw, const char *val, size_t len, char *errbuf,
                            size_t errlen)
{
    (void)errbuf;
    (void)errlen;
    svc_sink *s = ud;
    if (s->vals[kw] != NULL)
        return PGW_OK;
    s->vals[kw] = pgwi_strndup(s->a, val, len);
    return s->vals[kw] != NULL ? PGW_OK : PGW_E_NOMEM;
}

/* Parse one file. `must_exist`: a missing file is an error (the one named
 * by PGSERVICEFILE) rather than skipped. */
static pgw_status parse_file(const pgw_allocator *a, const char *path, bool must_exist,
                             const char *service, char *vals[PGWI_KW_COUNT], bool *found,
                             char *errbuf, size_t errlen)
{
    char *text;
    size_t len;
    int e;
    *found = false;
    pgw_status rc = pgwi_read_file(a, path, SERVICE_FILE_MAX, &text, &len, &e);
    if (rc == PGW_E_NOMEM)
        return rc;
    if (rc == PGW_E_TOO_LARGE) {
        snprintf(errbuf, errlen, "service file \"%s\" is too large", path);
        return PGW_E_INVALID;
    }
    if (rc != PGW_OK) {
        if (!must_exist && e == ENOENT)
            return PGW_OK;
        snprintf(errbuf, errlen, "service file \"%s\" not found", path);
        return PGW_E_INVALID;
    }
    svc_sink s = {a, vals};
    rc = pgwi_service_parse(text, len, service, path, svc_store, &s, found, errbuf, errlen);
    pgwi_wipe(text, len + 1); /* a service may hold a password */
    pgwi_free(a, text, len + 1);
    return rc;
}

pgw_status pgwi_service_lookup(const pgw_allocator *a, pgw_getenv_fn ge, void *ud,
                               const char *service, char *vals[PGWI_KW_COUNT], char *errbuf,
                               size_t errlen)
{
    char path[4096];
    bool found = false;
    pgw_status rc;
    const char *env = ge != NULL ? ge(ud, "PGSERVICEFILE") : NULL;
    if (env != NULL) {
        rc = parse_file(a, env, true, service, vals, &found, errbuf, errlen);
        if (rc != PGW_OK || found)
            return rc;
    } else {
        char home[4096];
        if (pgwi_home_dir(ge, ud, home, sizeof home) &&
            (size_t)snprintf(path, sizeof path, "%s/.pg_service.conf", home) < sizeof path) {
            rc = parse_file(a, path, false, service, vals, &found, errbuf, errlen);
            if (rc != PGW_OK || found)
                return rc;
        }
    }
    const char *sysconf = ge != NULL ? ge(ud, "PGSYSCONFDIR") : NULL;
    if (sysconf == NULL)
        sysconf = PGW_SYSCONFDIR;
    if ((size_t)snprintf(path, sizeof path, "%s/pg_service.conf", sysconf) < sizeof path) {
        rc = parse_file(a, path, false, service, vals, &found, errbuf, errlen);
        if (rc != PGW_OK || found)
            return rc;
    }
    snprintf(errbuf, errlen, "definition of service \"%s\" not found", service);
    return PGW_E_INVALID;
}
