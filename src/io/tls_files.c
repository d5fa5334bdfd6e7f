/* The files behind sslrootcert, sslcert, sslkey, sslcrl and sslcrldir:
 * read here (src/tls never touches a file) with libpq's defaults under
 * ~/.postgresql/ and its rules — a missing client certificate means none
 * is sent, a private key readable by others is refused. */
#include <dirent.h>
#include <pwd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io_int.h"

/* Certificates and keys are small; anything this large is not one. */
#define MAX_PEM_FILE (4u * 1024 * 1024)

static bool home_file(char *out, size_t len, const char *name)
{
    const char *home = getenv("HOME");
    char pwbuf[1024];
    if (home == NULL || *home == '\0') {
        struct passwd pw, *res = NULL;
        if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &res) != 0 || res == NULL)
            return false;
        home = res->pw_dir;
    }
    int n = snprintf(out, len, "%s/.postgresql/%s", home, name);
    return n > 0 && (size_t)n < len;
}

/* Append the whole file to buf. Returns 0, or errno. */
static int read_file(const char *path, pgw_buf *buf)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno;
    uint8_t chunk[8192];
    size_t n;
    int err = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf->len + n > MAX_PEM_FILE) {
            err = EFBIG;
            break;
        }
        if (pgw_buf_append(buf, chunk, n) != PGW_OK) {
            err = ENOMEM;
            break;
        }
    }
    if (err == 0 && ferror(f))
        err = EIO;
    fclose(f);
    return err;
}

static pgw_status hand_over(pgw_conn *c, pgw_tls_pem which, pgw_buf *buf)
{
    pgw_status rc = pgw_conn_set_tls_pem(c, which, buf->data, buf->len);
    pgw_buf_free(buf);
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "out of memory");
    return PGW_OK;
}

static pgw_status load_one(pgw_conn *c, pgw_tls_pem which, const char *path, const char *what)
{
    pgw_buf buf;
    pgw_buf_init(&buf, NULL, 0);
    buf.wipe = which == PGW_TLS_PEM_KEY;
    int err = read_file(path, &buf);
    if (err != 0) {
        pgw_buf_free(&buf);
        pgwi_conn_break(c, PGW_E_INVALID, "could not read %s \"%s\": %s", what, path,
                        strerror(err));
        pgwi_conn_set_errno(c, err);
        return PGW_E_INVALID;
    }
    pgw_status rc = hand_over(c, which, &buf);
    if (rc == PGW_OK)
        rc = pgwi_conn_set_pem_name(c, (int)which, path);
    return rc;
}

/* libpq's check: a private key must not be readable by others. */
static pgw_status check_key_file(pgw_conn *c, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int err = errno;
        pgwi_conn_break(c, PGW_E_INVALID, "certificate present, but not private key file \"%s\"",
                        path);
        pgwi_conn_set_errno(c, err);
        return PGW_E_INVALID;
    }
    if (!S_ISREG(st.st_mode))
        return pgwi_conn_break(c, PGW_E_INVALID, "private key file \"%s\" is not a regular file",
                               path);
    /* Root-owned keys may be group-readable (system-wide keys read through
     * a supplementary group); any other owner's must not be. */
    if (st.st_uid == 0 ? (st.st_mode & (S_IWGRP | S_IXGRP | S_IRWXO)) != 0
                       : (st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
        return pgwi_conn_break(c, PGW_E_INVALID,
                               "private key file \"%s\" has group or world access; file must have "
                               "permissions u=rw (0600) or less if owned by the current user, or "
                               "permissions u=rw,g=r (0640) or less if owned by root",
                               path);
    return PGW_OK;
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

pgw_status pgwi_load_tls_files(pgw_conn *c)
{
    if (c->sslmode == PGWI_SSL_DISABLE)
        return PGW_OK;
    char path[4096];
    const char *v;

    /* Trusted roots. */
    v = pgw_conn_option(c, "sslrootcert");
    if (!(v != NULL && strcmp(v, "system") == 0)) {
        bool have = false;
        if (v != NULL && *v != '\0')
            have = snprintf(path, sizeof path, "%s", v) < (int)sizeof path;
        else
            have = home_file(path, sizeof path, "root.crt");
        if (have && exists(path)) {
            pgw_status rc = load_one(c, PGW_TLS_PEM_ROOT, path, "root certificate file");
            if (rc != PGW_OK)
                return rc;
        } else if (c->sslmode >= PGWI_SSL_VERIFY_CA && c->ssl_ctx == NULL) {
            /* (A caller's SSL_CTX brings its own trust store.) */
            if (!have)
                return pgwi_conn_break(c, PGW_E_INVALID,
                                       "could not get home directory to locate root certificate "
                                       "file\nEither provide the file, use the system's trusted "
                                       "roots with sslrootcert=system, or change sslmode to "
                                       "disable server certificate verification.");
            return pgwi_conn_break(c, PGW_E_INVALID,
                                   "root certificate file \"%s\" does not exist\nEither provide "
                                   "the file, use the system's trusted roots with "
                                   "sslrootcert=system, or change sslmode to disable server "
                                   "certificate verification.",
                                   path);
        }
    }

    /* Revocation lists: a file, and every file of a directory. */
    pgw_buf crl;
    pgw_buf_init(&crl, NULL, 0);
    v = pgw_conn_option(c, "sslcrl");
    bool explicit_crl = v != NULL && *v != '\0';
    if (explicit_crl ? snprintf(path, sizeof path, "%s", v) < (int)sizeof path
                     : home_file(path, sizeof path, "root.crl")) {
        if (exists(path) && read_file(path, &crl) != 0) {
            pgw_buf_free(&crl);
            return pgwi_conn_break(c, PGW_E_INVALID, "could not read SSL CRL file \"%s\"", path);
        }
    }
    v = pgw_conn_option(c, "sslcrldir");
    if (v != NULL && *v != '\0') {
        DIR *d = opendir(v);
        if (d != NULL) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                    continue;
                if (snprintf(path, sizeof path, "%s/%s", v, e->d_name) >= (int)sizeof path)
                    continue;
                struct stat st;
                if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                    continue;
                (void)pgw_buf_append(&crl, "\n", 1);
                if (read_file(path, &crl) != 0) {
                    closedir(d);
                    pgw_buf_free(&crl);
                    return pgwi_conn_break(c, PGW_E_INVALID,
                                           "could not read SSL CRL file \"%s\"", path);
                }
            }
            closedir(d);
        }
    }
    if (crl.len > 0) {
        pgw_status rc = hand_over(c, PGW_TLS_PEM_CRL, &crl);
        if (rc != PGW_OK)
            return rc;
    } else {
        pgw_buf_free(&crl);
    }

    /* Client certificate and key (not with sslcertmode=disable). */
    v = pgw_conn_option(c, "sslcertmode");
    if (v != NULL && strcmp(v, "disable") == 0)
        return PGW_OK;
    v = pgw_conn_option(c, "sslcert");
    bool have = v != NULL && *v != '\0' ? snprintf(path, sizeof path, "%s", v) < (int)sizeof path
                                         : home_file(path, sizeof path, "postgresql.crt");
    /* libpq: no certificate file simply means no client certificate. */
    if (!have || !exists(path))
        return PGW_OK;
    pgw_status rc = load_one(c, PGW_TLS_PEM_CERT, path, "certificate file");
    if (rc != PGW_OK)
        return rc;
    v = pgw_conn_option(c, "sslkey");
    have = v != NULL && *v != '\0' ? snprintf(path, sizeof path, "%s", v) < (int)sizeof path
                                   : home_file(path, sizeof path, "postgresql.key");
    if (!have)
        return pgwi_conn_break(c, PGW_E_INVALID,
                               "could not get home directory to locate client certificate files");
    rc = check_key_file(c, path);
    if (rc != PGW_OK)
        return rc;
    return load_one(c, PGW_TLS_PEM_KEY, path, "private key file");
}
