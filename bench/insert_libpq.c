/* Parameterised INSERTs through libpq, the reference for insert_pgwire.c:
 * N rows (int4, text, float8, text parameters with their types given) into
 * a temporary table, one PQexecParams at a time, or in pipeline mode (N
 * PQsendQueryParams, one PQpipelineSync, every result read and checked).
 *
 * usage: insert_libpq CONNINFO N single|pipeline
 * prints: INSERT client=libpq-<mode> n=... wall_us=... cpu_us=... rows=... */
#include <libpq-fe.h>

#include "bench_common.h"

static int fail(PGconn *c, const char *what)
{
    fprintf(stderr, "insert_libpq: %s: %s", what, PQerrorMessage(c));
    PQfinish(c);
    return 1;
}

static const Oid types[3] = {23, 25, 701}; /* int4, text, float8 */

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: insert_libpq CONNINFO N single|pipeline\n");
        return 2;
    }
    long n = w3_rows_arg(argv[2]);
    int pipeline = strcmp(argv[3], "pipeline") == 0;
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK)
        return fail(c, "connect");
    PGresult *r = PQexec(c, "CREATE TEMP TABLE bench_insert (a int4, b text, d float8)");
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return fail(c, "create");
    PQclear(r);
    const char *sql = "INSERT INTO bench_insert VALUES ($1, $2, $3)";
    int64_t t0 = now_us(), c0 = cpu_us();
    if (pipeline && PQenterPipelineMode(c) != 1)
        return fail(c, "pipeline");
    for (long i = 0; i < n; i++) {
        char a[24], b[32], d[32];
        snprintf(a, sizeof a, "%ld", i);
        snprintf(b, sizeof b, "row %ld", i);
        snprintf(d, sizeof d, "%ld.5", i);
        const char *values[3] = {a, b, d};
        if (!pipeline) {
            r = PQexecParams(c, sql, 3, types, values, NULL, NULL, 0);
            if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdTuples(r), "1") != 0)
                return fail(c, "insert");
            PQclear(r);
        } else if (PQsendQueryParams(c, sql, 3, types, values, NULL, NULL, 0) != 1)
            return fail(c, "queue");
    }
    if (pipeline) {
        if (PQpipelineSync(c) != 1)
            return fail(c, "sync");
        for (long i = 0; i < n; i++) {
            r = PQgetResult(c);
            if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdTuples(r), "1") != 0)
                return fail(c, "result");
            PQclear(r);
            if (PQgetResult(c) != NULL) /* the end of this query's results */
                return fail(c, "result end");
        }
        r = PQgetResult(c);
        if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
            return fail(c, "sync result");
        PQclear(r);
        if (PQexitPipelineMode(c) != 1)
            return fail(c, "exit pipeline");
    }
    int64_t wall = now_us() - t0, cpu = cpu_us() - c0;
    r = PQexec(c, "SELECT count(*) FROM bench_insert");
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        return fail(c, "count");
    long count = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    printf("INSERT client=libpq-%s n=%ld wall_us=%" PRId64 " cpu_us=%" PRId64 " rows=%ld\n",
           pipeline ? "pipeline" : "single", n, wall, cpu, count);
    PQfinish(c);
    return count == n ? 0 : 1;
}
