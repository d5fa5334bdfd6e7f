/* Connection cost through libpq, the reference: N connections one after
 * another, each PQconnectdb + PQexec("SELECT 1") + PQfinish. Links libpq
 * only (not pgwire), so its start-up and library count are libpq's alone.
 *
 * usage: conn_libpq CONNINFO N [quiet]
 * Prints one CONN line (conn_common.h); with "quiet" nothing, which makes
 * `conn_libpq CONNINFO 1 quiet` the start-up program of bench/spawn.c. */
#include <libpq-fe.h>

#include "conn_common.h"

static int one(const char *conninfo, int *tls)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "conn_libpq: connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    PGresult *r = PQexec(c, "SELECT 1");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        fprintf(stderr, "conn_libpq: SELECT 1: %s", PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        return -1;
    }
    PQclear(r);
    *tls = PQsslInUse(c);
    PQfinish(c);
    return 0;
}

int main(int argc, char **argv)
{
    conn_args a = conn_parse(argc, argv, "conn_libpq");
    int tls = 0;
    conn_measure m;
    conn_begin(&m);
    for (long i = 0; i < a.n; i++)
        if (one(a.conninfo, &tls) != 0)
            return 1;
    conn_end(&m, &a, "libpq", tls);
    return 0;
}
