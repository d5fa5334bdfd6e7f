/* A part's drawing as a BLOB, both ways the tutorial shows: in a bytea
 * column and as a large object.
 *
 * The file is read into memory and sent as a binary bytea parameter
 * (pgw_params_add_bytea(): the raw bytes, no hex or escape encoding), then
 * read back asking for the binary result format, so the bytes arrive as
 * they are. The same file is imported as a large object
 * (pgw_lo_import()), its OID kept in the row, read back in chunks through
 * a descriptor and exported to FILE.copy. Each copy is checked against the
 * file byte for byte, and the server compares the two with lo_get().
 *
 * usage: blob CONNINFO FILE   (the tables go in the session's search_path;
 *                              FILE.copy is written by the export) */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire.h"
#include "pgwire/lo.h"

static int report(pgw_conn *c, const char *what)
{
    const pgw_error *e = pgw_conn_error(c);
    if (e->sqlstate[0])
        fprintf(stderr, "blob: %s: %s (SQLSTATE %s)\n", what, pgw_conn_errmsg(c), e->sqlstate);
    else /* a client-side failure: connecting, I/O */
        fprintf(stderr, "blob: %s: %s\n", what, pgw_conn_errmsg(c));
    return 1;
}

/* The whole file in memory; NULL on failure (message printed). */
static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "blob: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    unsigned char *data = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 65536;
            unsigned char *grown = realloc(data, cap);
            if (grown == NULL) {
                fprintf(stderr, "blob: out of memory reading %s\n", path);
                free(data);
                fclose(f);
                return NULL;
            }
            data = grown;
        }
        size_t got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "blob: cannot read %s\n", path);
        free(data);
        return NULL;
    }
    *len = n;
    return data;
}

static const char *same(const void *a, size_t alen, const void *b, size_t blen)
{
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0) ? "identical" : "DIFFERENT";
}

/* bytea: store the drawing, read it back in binary. */
static int bytea_round_trip(pgw_conn *c, const unsigned char *data, size_t len, int *ok)
{
    pgw_params *p = NULL;
    if (pgw_params_new(NULL, &p) != PGW_OK)
        return report(c, "params");
    pgw_params_add_int4(p, 1);
    pgw_params_add_text(p, PGW_OID_TEXT, "png", 3);
    pgw_params_add_bytea(p, data, len);
    uint64_t rows = 0;
    pgw_status rc = pgw_params_status(p);
    if (rc == PGW_OK)
        rc = pgw_exec_params(c,
                             "INSERT INTO part_drawings (part_id, file_extension, drawing_data)"
                             " VALUES ($1, $2, $3)",
                             pgw_params_array(p), pgw_params_count(p), &rows);
    pgw_params_free(p);
    if (rc != PGW_OK)
        return report(c, "insert drawing");
    printf("bytea: stored %zu bytes as a binary parameter\n", len);

    /* Every result column in binary: bytea arrives as its raw bytes. */
    if (pgw_conn_set_result_format(c, PGW_FORMAT_BINARY) != PGW_OK)
        return report(c, "result format");
    pgw_param id = {PGW_OID_INT4, PGW_FORMAT_TEXT, "1", 1};
    pgw_cursor *cur = NULL;
    pgw_value v = {NULL, -1};
    rc = pgw_query_params(c, "SELECT drawing_data FROM part_drawings WHERE part_id = $1", &id, 1,
                          &cur);
    if (rc == PGW_OK)
        rc = pgw_cursor_next(cur);
    if (rc == PGW_OK)
        rc = pgw_cursor_value(cur, 0, &v);
    if (rc != PGW_OK) {
        pgw_cursor_close(cur);
        return report(c, "read drawing");
    }
    if (v.len < 0) {
        pgw_cursor_close(cur);
        fprintf(stderr, "blob: the drawing came back NULL\n");
        return 1;
    }
    const char *verdict = same(v.ptr, (size_t)v.len, data, len);
    printf("bytea: read back %d bytes in %s format: %s\n", (int)v.len,
           pgw_cursor_column_format(cur, 0) == PGW_FORMAT_BINARY ? "binary" : "text", verdict);
    *ok = verdict[0] == 'i';
    rc = pgw_cursor_close(cur);
    pgw_conn_set_result_format(c, PGW_FORMAT_AUTO);
    return rc == PGW_OK ? 0 : report(c, "read drawing");
}

/* Large object: import the file, keep the OID in the row, read it back
 * through a descriptor (inside a transaction: descriptors end with it). */
static int lo_round_trip(pgw_conn *c, const char *path, const unsigned char *data, size_t len,
                         uint32_t *oid, int *ok)
{
    if (pgw_lo_import(c, path, oid) != PGW_OK)
        return report(c, "lo_import");
    char oidtext[16];
    pgw_param p[] = {{PGW_OID_OID, PGW_FORMAT_TEXT, oidtext,
                      (size_t)snprintf(oidtext, sizeof oidtext, "%" PRIu32, *oid)},
                     {PGW_OID_INT4, PGW_FORMAT_TEXT, "1", 1}};
    if (pgw_exec_params(c, "UPDATE part_drawings SET drawing_lo = $1 WHERE part_id = $2", p, 2,
                        NULL) != PGW_OK)
        return report(c, "update drawing_lo");
    printf("large object: imported the file, its OID kept in drawing_lo\n");

    unsigned char *back = malloc(len + 1);
    if (back == NULL) {
        fprintf(stderr, "blob: out of memory\n");
        return 1;
    }
    size_t total = 0;
    int chunks = 0;
    int32_t fd;
    pgw_status rc = pgw_begin(c, NULL);
    if (rc == PGW_OK)
        rc = pgw_lo_open(c, *oid, PGW_LO_READ, &fd);
    /* Read in 64 KiB pieces until a short read; one byte more than the
     * file is asked for in all, so a longer object would show. */
    while (rc == PGW_OK) {
        size_t want = len + 1 - total, n = 0;
        if (want > 65536)
            want = 65536;
        rc = pgw_lo_read(c, fd, back + total, want, &n);
        if (rc != PGW_OK || n == 0)
            break;
        total += n;
        chunks++;
        if (n < want || total == len + 1)
            break;
    }
    if (rc == PGW_OK)
        rc = pgw_lo_close(c, fd);
    if (rc == PGW_OK)
        rc = pgw_commit(c);
    if (rc != PGW_OK) {
        free(back);
        report(c, "read large object");
        pgw_rollback(c);
        return 1;
    }
    const char *verdict = same(back, total, data, len);
    free(back);
    printf("large object: read back %zu bytes in %d chunks: %s\n", total, chunks, verdict);
    *ok = verdict[0] == 'i';
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: blob CONNINFO FILE\n");
        return 2;
    }
    size_t len = 0;
    unsigned char *data = read_file(argv[2], &len);
    if (data == NULL)
        return 1;
    printf("drawing: %zu bytes\n", len);

    pgw_conn *c = NULL;
    int bad = 0, bytea_ok = 0, lo_ok = 0;
    uint32_t oid = 0;
    char *copy = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK) {
        bad = report(c, "connect");
        goto out;
    }
    if (pgw_exec(c, "DROP TABLE IF EXISTS part_drawings;"
                    "CREATE TABLE part_drawings (part_id int PRIMARY KEY,"
                    " file_extension varchar(5) NOT NULL, drawing_data bytea, drawing_lo oid)",
                 NULL) != PGW_OK) {
        bad = report(c, "create table");
        goto out;
    }
    if ((bad = bytea_round_trip(c, data, len, &bytea_ok)) != 0)
        goto out;
    if ((bad = lo_round_trip(c, argv[2], data, len, &oid, &lo_ok)) != 0)
        goto out;

    /* The server's view: the two copies hold the same bytes. */
    pgw_result *r = NULL;
    if (pgw_query_result(c,
                         "SELECT length(drawing_data), drawing_data = lo_get(drawing_lo),"
                         " md5(drawing_data) FROM part_drawings WHERE part_id = 1",
                         &r) != PGW_OK || pgw_result_nrows(r) != 1) {
        pgw_result_free(r);
        bad = report(c, "compare on the server");
        goto out;
    }
    printf("server: length %s, bytea = lo_get(oid): %s, md5 %s\n", pgw_result_text(r, 0, 0),
           pgw_result_text(r, 0, 1), pgw_result_text(r, 0, 2));
    pgw_result_free(r);

    size_t plen = strlen(argv[2]) + sizeof ".copy";
    copy = malloc(plen);
    if (copy == NULL) {
        fprintf(stderr, "blob: out of memory\n");
        bad = 1;
        goto out;
    }
    snprintf(copy, plen, "%s.copy", argv[2]);
    if (pgw_lo_export(c, oid, copy) != PGW_OK) {
        bad = report(c, "lo_export");
        goto out;
    }
    printf("large object: exported to FILE.copy\n");

    /* A large object is not deleted with the row that names it. */
    if (pgw_lo_unlink(c, oid) != PGW_OK) {
        bad = report(c, "lo_unlink");
        goto out;
    }
    oid = 0;
    if (pgw_exec(c, "DROP TABLE part_drawings", NULL) != PGW_OK) {
        bad = report(c, "drop table");
        goto out;
    }
    if (!bytea_ok || !lo_ok) {
        fprintf(stderr, "blob: a copy differs from the file\n");
        bad = 1;
    }
out:
    if (bad && oid != 0 && c != NULL)
        (void)pgw_lo_unlink(c, oid);
    free(copy);
    free(data);
    pgw_close(c);
    return bad ? 1 : 0;
}
