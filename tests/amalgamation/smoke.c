/* The amalgamation's smoke program: built from build/amalgamation's
 * pgwire.h + pgwire.o alone (run.sh), it connects with the conninfo in
 * argv[1] (SCRAM role of the fixture) and runs SELECT 1. With no argument it
 * only prints the version. */
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

int main(int argc, char **argv)
{
    printf("pgwire %s\n", pgw_version());
    if (argc < 2)
        return 0;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, argv[1]);
    if (rc != PGW_OK) {
        fprintf(stderr, "connect: %s: %s\n", pgw_status_name(rc), pgw_conn_errmsg(c));
        pgw_conn_free(c);
        return 1;
    }
    pgw_cursor *cur = NULL;
    rc = pgw_query(c, "SELECT 1", &cur);
    int ok = 0;
    if (rc == PGW_OK && pgw_cursor_next(cur) == PGW_OK) {
        const char *p;
        size_t n;
        ok = pgw_cursor_text(cur, 0, &p, &n) == PGW_OK && n == 1 && p[0] == '1';
    }
    if (rc != PGW_OK)
        fprintf(stderr, "query: %s: %s\n", pgw_status_name(rc), pgw_conn_errmsg(c));
    pgw_cursor_free(cur);
    printf("SELECT 1 %s (auth %s, tls %s)\n", ok ? "ok" : "FAILED", pgw_conn_auth_method(c),
           pgw_conn_tls_in_use(c) ? "on" : "off");
    pgw_conn_free(c);
    return ok ? 0 : 1;
}
