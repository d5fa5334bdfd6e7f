/* The libpq side of scripts/bench-size.sh: connect, SELECT 1, print it.
 * Built there with pkg-config (dynamic), to measure libpq's footprint. */
#include <stdio.h>
#include <libpq-fe.h>
int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK) {
        fputs(PQerrorMessage(c), stderr);
        PQfinish(c);
        return 1;
    }
    PGresult *r = PQexec(c, "SELECT 1");
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    if (ok)
        puts(PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : 1;
}
