/* COPY FROM STDIN of N rows through libpq, the reference: the same text
 * rows as copy_pgwire's text mode, one PQputCopyData call per row, as
 * libpq programs do.
 *
 * usage: copy_libpq CONNINFO ROWS */
#include <libpq-fe.h>

#include "copy_common.h"

static int fail(PGconn *c, const char *what)
{
    fprintf(stderr, "copy_libpq: %s: %s", what, PQerrorMessage(c));
    PQfinish(c);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: copy_libpq CONNINFO ROWS\n");
        return 2;
    }
    long nrows = w3_rows_arg(argv[2]);
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK)
        return fail(c, "connect");
    const char *table = "copy_bench_libpq_text";
    char sql[256];
    copy_table_sql(sql, sizeof sql, table);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        return fail(c, "create");
    PQclear(r);
    snprintf(sql, sizeof sql, "COPY %s FROM STDIN", table);

    int64_t c0 = cpu_us(), t0 = now_us();
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COPY_IN)
        return fail(c, "begin");
    PQclear(r);
    char line[64];
    for (long i = 0; i < nrows; i++) {
        size_t n = copy_text_row(line, (uint32_t)i);
        if (PQputCopyData(c, line, (int)n) != 1)
            return fail(c, "put");
    }
    if (PQputCopyEnd(c, NULL) != 1)
        return fail(c, "end");
    uint64_t loaded = 0;
    while ((r = PQgetResult(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            PQclear(r);
            return fail(c, "result");
        }
        loaded = strtoull(PQcmdTuples(r), NULL, 10);
        PQclear(r);
    }
    int64_t wall = now_us() - t0, cpu = cpu_us() - c0;
    copy_report("libpq-text", nrows, loaded, wall, cpu);
    snprintf(sql, sizeof sql, "DROP TABLE %s", table);
    PQclear(PQexec(c, sql));
    PQfinish(c);
    return loaded == (uint64_t)nrows ? 0 : 1;
}
