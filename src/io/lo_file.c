/* Large objects to and from client-side files: pgw_lo_import() and
 * pgw_lo_export(), chunk by chunk, in a transaction of their own when the
 * connection is idle. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "io/lo_int.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

/* An error kept across the ROLLBACK that would otherwise clear it: the
 * server's whole ErrorResponse body (every field survives), or the
 * client-side message. */
typedef struct lo_held_error {
    pgw_status status;
    uint8_t *body;
    size_t len;
    int sys_errno;
    char text[512];
} lo_held_error;

static void lo_hold_error(pgw_conn *c, lo_held_error *h)
{
    memset(h, 0, sizeof *h);
    h->status = c->err.status;
    h->sys_errno = c->err.sys_errno;
    if (c->err.status == PGW_E_SERVER && c->err_body != NULL && c->err_body_len > 1) {
        h->body = pgwi_alloc(c->a, c->err_body_len - 1);
        if (h->body != NULL) {
            h->len = c->err_body_len - 1;
            memcpy(h->body, c->err_body, h->len);
        }
    }
    snprintf(h->text, sizeof h->text, "%s", c->err.summary != NULL ? c->err.summary : "");
}

static void lo_restore_error(pgw_conn *c, lo_held_error *h)
{
    /* A connection that broke meanwhile keeps the error that broke it. */
    if (c->state != PGW_CONN_BROKEN) {
        pgw_frame f = {PGW_BE_ERROR_RESPONSE, h->body, h->len};
        if (h->body == NULL || pgwi_conn_server_error(c, &f, h->status) != h->status)
            pgwi_conn_refuse(c, h->status, "%s", h->text);
        pgwi_conn_set_errno(c, h->sys_errno);
    }
    pgwi_free(c->a, h->body, h->len);
    h->body = NULL;
}

/* Large-object descriptors need a transaction: start one when the
 * connection is idle, and use the caller's otherwise. */
static pgw_status lo_tx_begin(pgw_conn *c, bool *own)
{
    *own = pgw_conn_tx_status(c) == PGW_TX_IDLE;
    return *own ? pgw_exec(c, "BEGIN", NULL) : PGW_OK;
}

static pgw_status lo_tx_end(pgw_conn *c, bool own, pgw_status rc)
{
    if (!own)
        return rc;
    if (rc == PGW_OK)
        return pgw_exec(c, "COMMIT", NULL);
    pgw_conn_state st = pgw_conn_get_state(c);
    if (st != PGW_CONN_IDLE)
        return rc;
    lo_held_error h;
    lo_hold_error(c, &h);
    pgw_exec(c, "ROLLBACK", NULL);
    lo_restore_error(c, &h);
    return rc;
}

static pgw_status lo_file_error(pgw_conn *c, const char *what, const char *path, int e)
{
    pgw_status rc =
        pgwi_conn_refuse(c, PGW_E_IO, "could not %s file \"%s\": %s", what, path, strerror(e));
    pgwi_conn_set_errno(c, e);
    return rc;
}

pgw_status pgw_lo_import(pgw_conn *c, const char *path, uint32_t *oid)
{
    if (oid != NULL)
        *oid = 0;
    if (c == NULL || path == NULL || oid == NULL)
        return PGW_E_INVALID;
    /* The file first: a missing one costs no round trip. */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lo_file_error(c, "open", path, errno);
    uint8_t *buf = pgwi_alloc(c->a, PGW_LO_CHUNK);
    if (buf == NULL) {
        close(fd);
        return pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
    }
    bool own = false;
    uint32_t id = 0;
    int32_t lfd = -1;
    pgw_status rc = lo_tx_begin(c, &own);
    if (rc == PGW_OK)
        rc = pgw_lo_create(c, 0, &id);
    if (rc == PGW_OK)
        rc = pgw_lo_open(c, id, PGW_LO_WRITE, &lfd);
    while (rc == PGW_OK) {
        ssize_t got = read(fd, buf, PGW_LO_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = lo_file_error(c, "read", path, errno);
            break;
        }
        if (got == 0)
            break;
        rc = pgwi_lo_write_chunk(c, lfd, buf, (size_t)got);
    }
    if (rc == PGW_OK)
        rc = pgw_lo_close(c, lfd);
    close(fd);
    pgwi_free(c->a, buf, PGW_LO_CHUNK);
    rc = lo_tx_end(c, own, rc);
    if (rc == PGW_OK)
        *oid = id;
    return rc;
}

/* write(2) all of it, through short writes and signals. */
static int lo_write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t put = write(fd, p, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0)
            return errno;
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

pgw_status pgw_lo_export(pgw_conn *c, uint32_t oid, const char *path)
{
    if (c == NULL || path == NULL)
        return PGW_E_INVALID;
    bool own = false;
    int32_t lfd = -1;
    int fd = -1;
    pgw_buf res;
    pgw_buf_init(&res, c->a, 0);
    pgw_status rc = lo_tx_begin(c, &own);
    /* The object first, as libpq does: a missing object leaves no empty
     * file behind. */
    if (rc == PGW_OK)
        rc = pgw_lo_open(c, oid, PGW_LO_READ, &lfd);
    if (rc == PGW_OK) {
        fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0)
            rc = lo_file_error(c, "open", path, errno);
    }
    while (rc == PGW_OK) {
        rc = pgwi_lo_read_buf(c, lfd, PGW_LO_CHUNK, &res);
        if (rc != PGW_OK || res.len == 0)
            break;
        int e = lo_write_all(fd, res.data, res.len);
        if (e != 0)
            rc = lo_file_error(c, "write", path, e);
    }
    /* close() is where NFS and full disks report deferred write errors. */
    if (fd >= 0 && close(fd) != 0 && rc == PGW_OK)
        rc = lo_file_error(c, "write", path, errno);
    if (rc == PGW_OK)
        rc = pgw_lo_close(c, lfd);
    pgw_buf_free(&res);
    return lo_tx_end(c, own, rc);
}
