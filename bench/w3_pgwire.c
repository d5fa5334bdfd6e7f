/* W3 through pgwire: stream the rows with the blocking cursor and convert
 * every field with the cursor's own conversions (the timestamp through
 * pgw_decode_timestamptz_text, as the cursor has no timestamp accessor
 * yet).
 *
 * usage: w3_pgwire CONNINFO ROWS */
#include "bench_common.h"
#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "w3_pgwire: %s: %s\n", what, c ? pgw_conn_errmsg(c) : "out of memory");
    pgw_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: w3_pgwire CONNINFO ROWS\n");
        return 2;
    }
    long nrows = w3_rows_arg(argv[2]);
    char sql[256];
    w3_query(sql, sizeof sql, nrows);

    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");

    w3_measure m;
    w3_begin(&m);
    pgw_cursor *cur = NULL;
    if (pgw_query(c, sql, &cur) != PGW_OK)
        return fail(c, "query");
    uint64_t h = W3_SEED, seen = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int32_t g;
        double d;
        int64_t ts;
        const char *txt, *tstext;
        size_t txtlen, tslen;
        if (pgw_cursor_int32(cur, 0, &g) != PGW_OK || pgw_cursor_text(cur, 1, &txt, &txtlen) != PGW_OK ||
            pgw_cursor_double(cur, 2, &d) != PGW_OK ||
            pgw_cursor_text(cur, 3, &tstext, &tslen) != PGW_OK ||
            pgw_decode_timestamptz_text(tstext, tslen, &ts) != PGW_OK) {
            fprintf(stderr, "w3_pgwire: row %" PRIu64 ": conversion failed\n", seen + 1);
            pgw_cursor_free(cur);
            pgw_close(c);
            return 1;
        }
        h = w3_row(h, g, txtlen, d, ts);
        seen++;
    }
    if (rc != PGW_END) {
        pgw_cursor_free(cur);
        return fail(c, "fetch");
    }
    /* Read up to ReadyForQuery: the query is over only then. */
    if (pgw_cursor_close(cur) != PGW_OK)
        return fail(c, "close");
    w3_end(&m, "pgwire", nrows, seen, h);
    pgw_close(c);
    return seen == (uint64_t)nrows ? 0 : 1;
}
