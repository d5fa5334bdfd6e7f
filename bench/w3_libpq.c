/* W3 through libpq, the reference.
 *
 * usage: w3_libpq CONNINFO ROWS exec|single pgw|libc
 *   exec    PQexec: the whole result is materialised, then walked
 *   single  PQsendQuery + PQsetSingleRowMode: one PGresult per row
 *   pgw     convert with pgwire's text decoders, the same conversion work
 *           the pgwire client does, so the comparison isolates the client
 *           library (bench.sh's headline figures)
 *   libc    convert as typical libpq code does: atoi, strlen, strtod; the
 *           timestamp still goes through pgwire's decoder, as C has no
 *           parser for it (sscanf + timegm would cost ~4,700 instructions
 *           a row and swamp every other figure)
 * Both conversions give the same values, so the checksum must equal
 * w3_pgwire's. */
#include <libpq-fe.h>

#include "bench_common.h"
#include "pgwire/types.h"

static int convert_row(const PGresult *r, int row, int libc, uint64_t *h)
{
    int32_t g;
    size_t len;
    double d;
    int64_t ts;
    if (libc) {
        g = atoi(PQgetvalue(r, row, 0));
        len = strlen(PQgetvalue(r, row, 1));
        d = strtod(PQgetvalue(r, row, 2), NULL);
        if (pgw_decode_timestamptz_text(PQgetvalue(r, row, 3), (size_t)PQgetlength(r, row, 3),
                                        &ts) != PGW_OK)
            return -1;
    } else {
        if (pgw_decode_int4_text(PQgetvalue(r, row, 0), (size_t)PQgetlength(r, row, 0), &g) !=
                PGW_OK ||
            pgw_decode_float8_text(PQgetvalue(r, row, 2), (size_t)PQgetlength(r, row, 2), &d) !=
                PGW_OK ||
            pgw_decode_timestamptz_text(PQgetvalue(r, row, 3), (size_t)PQgetlength(r, row, 3),
                                        &ts) != PGW_OK)
            return -1;
        len = (size_t)PQgetlength(r, row, 1);
    }
    *h = w3_row(*h, g, len, d, ts);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5 || (strcmp(argv[3], "exec") != 0 && strcmp(argv[3], "single") != 0) ||
        (strcmp(argv[4], "pgw") != 0 && strcmp(argv[4], "libc") != 0)) {
        fprintf(stderr, "usage: w3_libpq CONNINFO ROWS exec|single pgw|libc\n");
        return 2;
    }
    long nrows = w3_rows_arg(argv[2]);
    int single = strcmp(argv[3], "single") == 0;
    int libc = strcmp(argv[4], "libc") == 0;
    char sql[256];
    w3_query(sql, sizeof sql, nrows);

    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "w3_libpq: connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return 1;
    }
    char name[32];
    snprintf(name, sizeof name, "libpq-%s%s", single ? "single-row" : "exec",
             libc ? "-libc" : "");

    w3_measure m;
    w3_begin(&m);
    uint64_t h = W3_SEED, seen = 0;
    int bad = 0;
    if (!single) {
        PGresult *r = PQexec(c, sql);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            fprintf(stderr, "w3_libpq: query: %s", PQerrorMessage(c));
            PQclear(r);
            PQfinish(c);
            return 1;
        }
        int n = PQntuples(r);
        for (int i = 0; i < n && !bad; i++, seen++)
            bad = convert_row(r, i, libc, &h) != 0;
        /* Measured before PQclear: the materialised result is the cost. */
        w3_end(&m, name, nrows, seen, h);
        PQclear(r);
    } else {
        if (!PQsendQuery(c, sql) || !PQsetSingleRowMode(c)) {
            fprintf(stderr, "w3_libpq: send: %s", PQerrorMessage(c));
            PQfinish(c);
            return 1;
        }
        PGresult *r;
        while ((r = PQgetResult(c)) != NULL) {
            ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_SINGLE_TUPLE) {
                if (!bad)
                    bad = convert_row(r, 0, libc, &h) != 0;
                seen++;
            } else if (st != PGRES_TUPLES_OK) {
                fprintf(stderr, "w3_libpq: query: %s", PQerrorMessage(c));
                bad = 1;
            }
            PQclear(r);
        }
        w3_end(&m, name, nrows, seen, h);
    }
    PQfinish(c);
    if (bad) {
        fprintf(stderr, "w3_libpq: a conversion failed\n");
        return 1;
    }
    return seen == (uint64_t)nrows ? 0 : 1;
}
