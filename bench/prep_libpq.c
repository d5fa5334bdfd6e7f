/* Round trips of a prepared statement through libpq: PQprepare once, then
 * PQexecPrepared N times with a binary int4 parameter and a binary result,
 * decoded by hand.
 *
 * usage: prep_libpq CONNINFO N */
#include <arpa/inet.h>
#include <libpq-fe.h>

#include "bench_common.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: prep_libpq CONNINFO N\n");
        return 2;
    }
    long n = w3_rows_arg(argv[2]);
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "prep_libpq: connect: %s", PQerrorMessage(c));
        return 1;
    }
    PGresult *r = PQprepare(c, "bench_add", "SELECT $1::int4 + 1", 0, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "prep_libpq: prepare: %s", PQerrorMessage(c));
        return 1;
    }
    PQclear(r);
    int64_t t0 = now_us(), c0 = cpu_us();
    uint64_t h = W3_SEED;
    for (long i = 0; i < n; i++) {
        uint32_t be = htonl((uint32_t)i);
        const char *values[1] = {(const char *)&be};
        int lengths[1] = {4}, formats[1] = {1};
        r = PQexecPrepared(c, "bench_add", 1, values, lengths, formats, 1);
        if (PQresultStatus(r) != PGRES_TUPLES_OK || PQgetlength(r, 0, 0) != 4) {
            fprintf(stderr, "prep_libpq: execute: %s", PQerrorMessage(c));
            return 1;
        }
        uint32_t v;
        memcpy(&v, PQgetvalue(r, 0, 0), 4);
        v = ntohl(v);
        if ((int32_t)v != (int32_t)i + 1) {
            fprintf(stderr, "prep_libpq: wrong result\n");
            return 1;
        }
        h = w3_mix(h, (uint64_t)(int64_t)(int32_t)v);
        PQclear(r);
    }
    int64_t wall = now_us() - t0, cpu = cpu_us() - c0;
    printf("PREP client=libpq n=%ld wall_us=%" PRId64 " cpu_us=%" PRId64 " checksum=%016" PRIx64
           "\n",
           n, wall, cpu, h);
    PQfinish(c);
    return 0;
}
