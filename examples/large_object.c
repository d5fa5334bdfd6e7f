/* Large objects: write, seek past 3 GiB in a sparse object, read back,
 * truncate, import a file and export it again, then the same calls through
 * SQL instead of the fast path.
 *
 * usage: large_object CONNINFO FILE   (FILE is imported; FILE.copy is
 *                                      written by the export) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire.h"
#include "pgwire/lo.h"

#define GIB ((int64_t)1 << 30)

static int fail(pgw_conn *c, const char *what)
{
    const pgw_error *e = pgw_conn_error(c);
    fprintf(stderr, "%s: %s (SQLSTATE %s)\n", what, pgw_conn_errmsg(c),
            e->sqlstate[0] ? e->sqlstate : "none");
    pgw_close(c);
    return 1;
}

/* Large-object descriptors live until the end of their transaction, so
 * everything between open and close runs inside BEGIN ... COMMIT. */
static int sparse_object(pgw_conn *c, uint32_t *oid)
{
    if (pgw_exec(c, "BEGIN", NULL) != PGW_OK)
        return fail(c, "BEGIN");
    if (pgw_lo_create(c, 0, oid) != PGW_OK)
        return fail(c, "lo_create");
    int32_t fd;
    if (pgw_lo_open(c, *oid, PGW_LO_READ | PGW_LO_WRITE, &fd) != PGW_OK)
        return fail(c, "lo_open");
    const char hello[] = "Hello, large object!";
    if (pgw_lo_write(c, fd, hello, strlen(hello), NULL) != PGW_OK)
        return fail(c, "lo_write");
    /* Far past the end: the gap takes no space (objects are sparse). */
    int64_t pos;
    if (pgw_lo_seek64(c, fd, 3 * GIB, PGW_LO_SEEK_SET, &pos) != PGW_OK)
        return fail(c, "lo_lseek64");
    if (pgw_lo_write(c, fd, "end", 3, NULL) != PGW_OK)
        return fail(c, "lo_write");
    if (pgw_lo_tell64(c, fd, &pos) != PGW_OK)
        return fail(c, "lo_tell64");
    printf("position after writing at 3 GiB: %" PRId64 " (3 GiB + %" PRId64 ")\n", pos,
           pos - 3 * GIB);

    char buf[64];
    size_t n;
    if (pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_SET, NULL) != PGW_OK ||
        pgw_lo_read(c, fd, buf, 20, &n) != PGW_OK)
        return fail(c, "read back");
    printf("first %zu bytes: %.*s\n", n, (int)n, buf);

    if (pgw_lo_truncate64(c, fd, 2 * GIB + 1) != PGW_OK)
        return fail(c, "lo_truncate64");
    if (pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_END, &pos) != PGW_OK)
        return fail(c, "lo_lseek64");
    printf("size after truncating to 2 GiB + 1: %" PRId64 "\n", pos);
    if (pgw_lo_close(c, fd) != PGW_OK)
        return fail(c, "lo_close");
    if (pgw_exec(c, "COMMIT", NULL) != PGW_OK)
        return fail(c, "COMMIT");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: large_object CONNINFO FILE\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");

    uint32_t oid;
    if (sparse_object(c, &oid) != 0)
        return 1;

    /* Import and export run in a transaction of their own when none is
     * open. */
    uint32_t file_oid;
    if (pgw_lo_import(c, argv[2], &file_oid) != PGW_OK)
        return fail(c, "lo_import");
    size_t len = strlen(argv[2]) + sizeof ".copy";
    char *copy = malloc(len);
    if (copy == NULL)
        return fail(c, "malloc");
    snprintf(copy, len, "%s.copy", argv[2]);
    pgw_status rc = pgw_lo_export(c, file_oid, copy);
    free(copy);
    if (rc != PGW_OK)
        return fail(c, "lo_export");
    printf("imported %s and exported it to %s.copy\n", argv[2], argv[2]);

    /* The same functions through SQL (SELECT pg_catalog.loread($1, $2)
     * ...), e.g. behind a proxy that does not forward FunctionCall. */
    pgw_lo_set_method(c, PGW_LO_METHOD_SQL);
    if (pgw_exec(c, "BEGIN", NULL) != PGW_OK)
        return fail(c, "BEGIN");
    int32_t fd;
    char buf[16];
    size_t n;
    if (pgw_lo_open(c, oid, PGW_LO_READ, &fd) != PGW_OK ||
        pgw_lo_seek64(c, fd, 7, PGW_LO_SEEK_SET, NULL) != PGW_OK ||
        pgw_lo_read(c, fd, buf, 5, &n) != PGW_OK)
        return fail(c, "read through SQL");
    printf("through SQL, bytes 7..11: %.*s\n", (int)n, buf);
    if (pgw_exec(c, "COMMIT", NULL) != PGW_OK)
        return fail(c, "COMMIT");

    if (pgw_lo_unlink(c, oid) != PGW_OK || pgw_lo_unlink(c, file_oid) != PGW_OK)
        return fail(c, "lo_unlink");
    /* Gone: the server says so. */
    if (pgw_exec(c, "BEGIN", NULL) != PGW_OK)
        return fail(c, "BEGIN");
    rc = pgw_lo_open(c, oid, PGW_LO_READ, &fd);
    printf("open after unlink: %s, SQLSTATE %s\n", pgw_status_name(rc),
           pgw_conn_error(c)->sqlstate);
    pgw_exec(c, "ROLLBACK", NULL);
    pgw_close(c);
    return 0;
}
