/* Connection cost through pgwire: N connections one after another, each
 * pgw_connect_str + pgw_exec("SELECT 1") + pgw_close, as an application
 * that connects per request does.
 *
 * usage: conn_pgwire CONNINFO N [quiet]
 * Prints one CONN line (conn_common.h); with "quiet" nothing, which makes
 * `conn_pgwire CONNINFO 1 quiet` the start-up program of bench/spawn.c. */
#include "conn_common.h"
#include "pgwire.h"

static int one(const char *conninfo, int *tls)
{
    pgw_conn *c = NULL;
    uint64_t rows = 0;
    if (pgw_connect_str(&c, conninfo) != PGW_OK) {
        fprintf(stderr, "conn_pgwire: connect: %s\n", pgw_conn_errmsg(c));
        pgw_close(c);
        return -1;
    }
    if (pgw_exec(c, "SELECT 1", &rows) != PGW_OK || rows != 1) {
        fprintf(stderr, "conn_pgwire: SELECT 1: %s\n", pgw_conn_errmsg(c));
        pgw_close(c);
        return -1;
    }
    *tls = pgw_conn_tls_in_use(c);
    pgw_close(c);
    return 0;
}

int main(int argc, char **argv)
{
    conn_args a = conn_parse(argc, argv, "conn_pgwire");
    int tls = 0;
    conn_measure m;
    conn_begin(&m);
    for (long i = 0; i < a.n; i++)
        if (one(a.conninfo, &tls) != 0)
            return 1;
    conn_end(&m, &a, "pgwire", tls);
    return 0;
}
