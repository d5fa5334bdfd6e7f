/* W3 in binary format through pgwire: the same query as w3_pgwire, run
 * through the extended protocol (pgw_query_params, statement cache on,
 * PGW_FORMAT_AUTO: int4, float8 and timestamptz arrive binary, text as
 * text), every field converted with the cursor's accessors.
 *
 * usage: w3b_pgwire CONNINFO ROWS */
#include "bench_common.h"
#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "w3b_pgwire: %s: %s\n", what, c ? pgw_conn_errmsg(c) : "out of memory");
    pgw_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: w3b_pgwire CONNINFO ROWS\n");
        return 2;
    }
    long nrows = w3_rows_arg(argv[2]);
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    /* The row count is a parameter: one statement whatever the size. */
    const char *sql = "SELECT g, g::text || 'x', g * 1.5::float8, "
                      "timestamptz '2020-01-01' + g * interval '1 second' "
                      "FROM generate_series(1, $1::int4) g";
    pgw_params *p;
    if (pgw_params_new(NULL, &p) != PGW_OK || pgw_params_add_int4(p, (int32_t)nrows) != PGW_OK)
        return fail(c, "params");

    w3_measure m;
    w3_begin(&m);
    pgw_cursor *cur = NULL;
    if (pgw_query_params(c, sql, pgw_params_array(p), 1, &cur) != PGW_OK)
        return fail(c, "query");
    uint64_t h = W3_SEED, seen = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int32_t g;
        double d;
        int64_t ts;
        const char *txt;
        size_t txtlen;
        if (pgw_cursor_int32(cur, 0, &g) != PGW_OK ||
            pgw_cursor_text(cur, 1, &txt, &txtlen) != PGW_OK ||
            pgw_cursor_double(cur, 2, &d) != PGW_OK || pgw_cursor_timestamp(cur, 3, &ts) != PGW_OK) {
            fprintf(stderr, "w3b_pgwire: row %" PRIu64 ": conversion failed\n", seen + 1);
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
    if (pgw_cursor_close(cur) != PGW_OK)
        return fail(c, "close");
    w3_end(&m, "pgwire-binary", nrows, seen, h);
    pgw_params_free(p);
    pgw_close(c);
    return seen == (uint64_t)nrows ? 0 : 1;
}
