/* The tutorial's cursor idioms in C: insert one row RETURNING its id,
 * insert many rows, then fetchone, fetchmany(n) and fetchall, an update
 * and a delete with the rows each affected.
 *
 *   fetchone      a streaming cursor (pgw_query): read the first row, then
 *                 pgw_cursor_close() discards the rest
 *   fetchmany(n)  the same cursor read n rows at a time: rows are decoded
 *                 as they arrive, never all held in memory
 *   fetchall      pgw_query_result(): the whole result materialised as a
 *                 pgw_result, indexed by row and column
 *   executemany   one prepared statement executed once per row, inside
 *                 one transaction
 *
 * usage: fetch CONNINFO   (the vendors table goes in the session's
 *                          search_path; it is left there for inspection) */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    const pgw_error *e = pgw_conn_error(c);
    if (e->sqlstate[0])
        fprintf(stderr, "fetch: %s: %s (SQLSTATE %s)\n", what, pgw_conn_errmsg(c), e->sqlstate);
    else /* a client-side failure: connecting, I/O */
        fprintf(stderr, "fetch: %s: %s\n", what, pgw_conn_errmsg(c));
    pgw_close(c);
    return 1;
}

static pgw_param text_param(const char *s)
{
    pgw_param p = {PGW_OID_TEXT, PGW_FORMAT_TEXT, s, strlen(s)};
    return p;
}

/* Print the current row of a cursor over (vendor_id, vendor_name). */
static pgw_status print_row(pgw_cursor *cur, const char *indent)
{
    int32_t id;
    const char *name;
    size_t len;
    pgw_status rc = pgw_cursor_int32(cur, 0, &id);
    if (rc == PGW_OK)
        rc = pgw_cursor_text(cur, 1, &name, &len);
    if (rc == PGW_OK)
        printf("%s%d %.*s\n", indent, id, (int)len, name);
    return rc;
}

/* fetchmany(n): up to n rows from the cursor; *got says how many. Returns
 * PGW_OK while rows may remain, PGW_END once the result is exhausted. */
static pgw_status fetchmany(pgw_cursor *cur, int n, int *got)
{
    *got = 0;
    while (*got < n) {
        pgw_status rc = pgw_cursor_next(cur);
        if (rc != PGW_OK)
            return rc;
        if ((rc = print_row(cur, "    ")) != PGW_OK)
            return rc;
        ++*got;
    }
    return PGW_OK;
}

static const char *const more_vendors[] = {
    "AKM Semiconductor Inc.",   "Asahi Glass Co Ltd.",           "Daikin Industries Ltd.",
    "Dynacast International Inc.", "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd.",
};
#define NMORE (sizeof more_vendors / sizeof more_vendors[0])

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fetch CONNINFO\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    if (pgw_exec(c, "DROP TABLE IF EXISTS vendors;"
                    "CREATE TABLE vendors (vendor_id serial PRIMARY KEY,"
                    " vendor_name varchar(255) NOT NULL)",
                 NULL) != PGW_OK)
        return fail(c, "create table");

    /* Insert one row and get its generated id back in the same round trip. */
    pgw_param name = text_param("3M Co.");
    pgw_cursor *cur = NULL;
    int32_t id = 0;
    if (pgw_query_params(c, "INSERT INTO vendors (vendor_name) VALUES ($1) RETURNING vendor_id",
                         &name, 1, &cur) != PGW_OK ||
        pgw_cursor_next(cur) != PGW_OK || pgw_cursor_int32(cur, 0, &id) != PGW_OK) {
        pgw_cursor_close(cur);
        return fail(c, "insert one");
    }
    if (pgw_cursor_close(cur) != PGW_OK)
        return fail(c, "insert one");
    printf("insert one: %s has vendor_id %d\n", (const char *)name.data, (int)id);

    /* Insert many: prepare once, execute per row, one transaction, so
     * either every row is in or none is. */
    uint32_t types[] = {PGW_OID_TEXT};
    pgw_stmt *ins = NULL;
    if (pgw_begin(c, NULL) != PGW_OK ||
        pgw_prepare(c, "insert_vendor", "INSERT INTO vendors (vendor_name) VALUES ($1)", types,
                    1, &ins) != PGW_OK)
        return fail(c, "prepare");
    uint64_t total = 0;
    for (size_t i = 0; i < NMORE; i++) {
        pgw_param v = text_param(more_vendors[i]);
        uint64_t rows = 0;
        if (pgw_stmt_exec(ins, &v, 1, &rows) != PGW_OK) {
            pgw_stmt_free(ins);
            return fail(c, "insert many");
        }
        total += rows;
    }
    if (pgw_stmt_deallocate(ins) != PGW_OK) {
        pgw_stmt_free(ins);
        return fail(c, "deallocate");
    }
    pgw_stmt_free(ins);
    if (pgw_commit(c) != PGW_OK)
        return fail(c, "commit");
    printf("insert many: %" PRIu64 " rows in one transaction\n", total);

    const char *select = "SELECT vendor_id, vendor_name FROM vendors ORDER BY vendor_name";

    /* fetchone */
    if (pgw_query(c, select, &cur) != PGW_OK)
        return fail(c, "fetchone");
    pgw_status rc = pgw_cursor_next(cur);
    if (rc == PGW_OK) {
        printf("fetchone:\n");
        rc = print_row(cur, "    ");
    }
    if (rc != PGW_OK) {
        pgw_cursor_close(cur);
        return fail(c, "fetchone");
    }
    if (pgw_cursor_close(cur) != PGW_OK) /* the rows not fetched are discarded */
        return fail(c, "fetchone close");

    /* fetchmany(3) until the result runs out. */
    if (pgw_query(c, select, &cur) != PGW_OK)
        return fail(c, "fetchmany");
    for (int batch = 1;; batch++) {
        int got = 0;
        printf("fetchmany(3), batch %d:\n", batch);
        rc = fetchmany(cur, 3, &got);
        if (rc == PGW_END || (rc == PGW_OK && got < 3)) {
            printf("    (%d row(s), end of result)\n", got);
            break;
        }
        if (rc != PGW_OK) {
            pgw_cursor_close(cur);
            return fail(c, "fetchmany");
        }
    }
    if (pgw_cursor_close(cur) != PGW_OK)
        return fail(c, "fetchmany close");

    /* fetchall */
    pgw_result *r = NULL;
    if (pgw_query_result(c, select, &r) != PGW_OK)
        return fail(c, "fetchall");
    printf("fetchall: %zu rows, columns %s, %s\n", pgw_result_nrows(r),
           pgw_result_column_name(r, 0), pgw_result_column_name(r, 1));
    for (size_t i = 0; i < pgw_result_nrows(r); i++)
        printf("    %s %s\n", pgw_result_text(r, i, 0), pgw_result_text(r, i, 1));
    pgw_result_free(r);

    /* Update and delete: the command tag carries the rows affected. */
    pgw_param upd[] = {text_param("3M Corp"), text_param("3M Co.")};
    uint64_t rows = 0;
    if (pgw_exec_params(c, "UPDATE vendors SET vendor_name = $1 WHERE vendor_name = $2", upd,
                        2, &rows) != PGW_OK)
        return fail(c, "update");
    printf("update: %" PRIu64 " row(s) renamed\n", rows);
    pgw_param pattern = text_param("%Ltd.");
    if (pgw_exec_params(c, "DELETE FROM vendors WHERE vendor_name LIKE $1", &pattern, 1,
                        &rows) != PGW_OK)
        return fail(c, "delete");
    printf("delete: %" PRIu64 " row(s) matching '%s'\n", rows, (const char *)pattern.data);
    pgw_param none = text_param("No Such Vendor");
    if (pgw_exec_params(c, "DELETE FROM vendors WHERE vendor_name = $1", &none, 1, &rows) !=
        PGW_OK)
        return fail(c, "delete");
    printf("delete: %" PRIu64 " row(s) named '%s'\n", rows, (const char *)none.data);
    pgw_close(c);
    return 0;
}
