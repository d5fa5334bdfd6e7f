/* W3 in binary format through libpq: PQexecParams with resultFormat=1 and
 * the fields decoded by hand (ntohl, memcpy, the 2000-01-01 epoch), what a
 * careful libpq user writes for speed.
 *
 * usage: w3b_libpq CONNINFO ROWS */
#include <arpa/inet.h>
#include <libpq-fe.h>

#include "bench_common.h"

static uint64_t be64(const char *p)
{
    uint32_t hi, lo;
    memcpy(&hi, p, 4);
    memcpy(&lo, p + 4, 4);
    return ((uint64_t)ntohl(hi) << 32) | ntohl(lo);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: w3b_libpq CONNINFO ROWS\n");
        return 2;
    }
    long nrows = w3_rows_arg(argv[2]);
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "w3b_libpq: connect: %s", PQerrorMessage(c));
        return 1;
    }
    const char *sql = "SELECT g, g::text || 'x', g * 1.5::float8, "
                      "timestamptz '2020-01-01' + g * interval '1 second' "
                      "FROM generate_series(1, $1::int4) g";
    char nbuf[32];
    snprintf(nbuf, sizeof nbuf, "%ld", nrows);
    const char *values[1] = {nbuf};
    w3_measure m;
    w3_begin(&m);
    PGresult *r = PQexecParams(c, sql, 1, NULL, values, NULL, NULL, 1);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "w3b_libpq: query: %s", PQerrorMessage(c));
        return 1;
    }
    uint64_t h = W3_SEED, seen = 0;
    int n = PQntuples(r);
    for (int row = 0; row < n; row++) {
        uint32_t g;
        memcpy(&g, PQgetvalue(r, row, 0), 4);
        size_t len = (size_t)PQgetlength(r, row, 1);
        uint64_t du = be64(PQgetvalue(r, row, 2));
        double d;
        memcpy(&d, &du, sizeof d);
        int64_t ts = (int64_t)be64(PQgetvalue(r, row, 3)) + INT64_C(946684800000000);
        h = w3_row(h, (int32_t)ntohl(g), len, d, ts);
        seen++;
    }
    PQclear(r);
    w3_end(&m, "libpq-binary", nrows, seen, h);
    PQfinish(c);
    return seen == (uint64_t)nrows ? 0 : 1;
}
