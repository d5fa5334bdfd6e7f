/* COPY: load rows with COPY FROM STDIN in text and in binary format (the
 * row encoder), read them back with COPY TO STDOUT in csv, and see what a
 * bad row and an aborted COPY report.
 *
 * usage: copy CONNINFO   (the table goes in the session's search_path) */
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, pgw_conn_errmsg(c));
    pgw_close(c);
    return 1;
}

/* Text format: values escaped by the helper, tab-separated, \N for NULL. */
static pgw_status load_text(pgw_conn *c, uint64_t *rows)
{
    static const char *const names[] = {"plain", "tab\tand\nnewline", "back\\slash"};
    static const char *const prices[] = {"1.50", NULL, "0.99"};
    pgw_copy *cp = NULL;
    pgw_status rc = pgw_copy_begin(c, "COPY items (id, name, price) FROM STDIN", &cp);
    if (rc != PGW_OK)
        return rc;
    pgw_buf line;
    pgw_buf_init(&line, NULL, 0);
    for (int i = 0; i < 3 && rc == PGW_OK; i++) {
        pgw_buf_reset(&line);
        char id[16];
        int n = snprintf(id, sizeof id, "%d\t", i + 1);
        pgw_buf_append(&line, id, (size_t)n);
        pgw_copy_text_value(&line, names[i], strlen(names[i]));
        pgw_buf_put_u8(&line, '\t');
        if (prices[i] != NULL)
            pgw_copy_text_value(&line, prices[i], strlen(prices[i]));
        else
            pgw_copy_text_null(&line);
        pgw_buf_put_u8(&line, '\n');
        rc = pgw_buf_status(&line);
        if (rc == PGW_OK)
            rc = pgw_copy_put(cp, line.data, line.len); /* one row per put: it is buffered */
    }
    pgw_buf_free(&line);
    if (rc == PGW_OK)
        rc = pgw_copy_end(cp, rows);
    pgw_copy_free(cp);
    return rc;
}

/* Binary format: header, rows of typed fields, trailer. */
static pgw_status load_binary(pgw_conn *c, uint64_t *rows)
{
    pgw_copy *cp = NULL;
    pgw_status rc = pgw_copy_begin(c, "COPY items (id, name, price, added) FROM STDIN "
                                      "(FORMAT binary)",
                                   &cp);
    if (rc != PGW_OK)
        return rc;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    pgw_copy_bin_header(&b);
    for (int32_t id = 4; id <= 5; id++) {
        char name[32];
        int n = snprintf(name, sizeof name, "binary item %d", (int)id);
        pgw_copy_bin_row(&b, 4);
        pgw_copy_bin_int4(&b, id);
        pgw_copy_bin_text(&b, name, (size_t)n);
        pgw_copy_bin_numeric(&b, id == 4 ? "12.345" : "-7", id == 4 ? 6 : 2);
        pgw_copy_bin_date(&b, 19782 + id); /* days since 1970-01-01 */
    }
    pgw_copy_bin_trailer(&b);
    rc = pgw_buf_status(&b);
    if (rc == PGW_OK)
        rc = pgw_copy_put_rows(cp, b.data, b.len, 2);
    pgw_buf_free(&b);
    if (rc == PGW_OK)
        rc = pgw_copy_end(cp, rows);
    pgw_copy_free(cp);
    return rc;
}

/* COPY TO STDOUT: each chunk is one csv line, a view into the input. */
static pgw_status dump_csv(pgw_conn *c)
{
    pgw_copy *cp = NULL;
    pgw_status rc = pgw_copy_begin(c, "COPY (SELECT * FROM items ORDER BY id) TO STDOUT "
                                      "(FORMAT csv, HEADER)",
                                   &cp);
    if (rc != PGW_OK)
        return rc;
    const uint8_t *p;
    size_t len;
    while ((rc = pgw_copy_get(cp, &p, &len)) == PGW_OK)
        fwrite(p, 1, len, stdout);
    if (rc == PGW_END) {
        printf("(%llu rows)\n", (unsigned long long)pgw_copy_rows(cp));
        rc = PGW_OK;
    }
    pgw_copy_free(cp);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: copy CONNINFO\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    if (pgw_exec(c, "SET client_min_messages = warning; DROP TABLE IF EXISTS items; "
                    "CREATE TABLE items (id int4 PRIMARY KEY, name text, price numeric, "
                    "added date)",
                 NULL) != PGW_OK)
        return fail(c, "create");

    uint64_t rows = 0;
    if (load_text(c, &rows) != PGW_OK)
        return fail(c, "text COPY");
    printf("text COPY: %llu rows\n", (unsigned long long)rows);
    if (load_binary(c, &rows) != PGW_OK)
        return fail(c, "binary COPY");
    printf("binary COPY: %llu rows\n", (unsigned long long)rows);
    if (dump_csv(c) != PGW_OK)
        return fail(c, "COPY TO STDOUT");

    /* A bad row: the server names the line; nothing of the COPY is kept. */
    pgw_copy *cp = NULL;
    if (pgw_copy_begin(c, "COPY items (id, name, price) FROM STDIN", &cp) != PGW_OK)
        return fail(c, "COPY");
    const char *bad = "6\tfine\t1\n7\tbroken\tnot-a-number\n";
    pgw_status rc = pgw_copy_put(cp, bad, strlen(bad));
    if (rc == PGW_OK)
        rc = pgw_copy_end(cp, NULL);
    const pgw_error *e = pgw_conn_error(c);
    printf("bad row: %s, SQLSTATE %s, %s\n", pgw_status_name(rc), e->sqlstate,
           e->where != NULL ? e->where : "");
    pgw_copy_free(cp);

    /* Aborting a COPY on purpose. */
    if (pgw_copy_begin(c, "COPY items (id, name) FROM STDIN", &cp) != PGW_OK)
        return fail(c, "COPY");
    pgw_copy_put(cp, "8\tnever\n", 8);
    rc = pgw_copy_fail(cp, "changed my mind");
    printf("aborted: %s, SQLSTATE %s: %s\n", pgw_status_name(rc), e->sqlstate, e->message);
    pgw_copy_free(cp);

    pgw_result *r = NULL;
    if (pgw_query_result(c, "SELECT count(*) FROM items", &r) != PGW_OK)
        return fail(c, "count");
    printf("items: %s rows\n", pgw_result_text(r, 0, 0));
    pgw_result_free(r);
    pgw_close(c);
    return 0;
}
