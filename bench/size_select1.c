/* The smallest useful pgwire program, for the size figures of
 * scripts/bench-size.sh (issue 10): connect with the connection string in
 * argv[1] (SCRAM when the role has a SCRAM secret), run SELECT 1 through
 * the public blocking API, check the answer and print it. Built statically
 * and stripped, it measures what embedding pgwire costs a binary.
 *
 * Exit status: 0 when the server answered 1, 1 otherwise (the message goes
 * to stderr). */
#include <stdint.h>
#include <stdio.h>

#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fputs("size_select1: ", stderr);
    fputs(what, stderr);
    fputs(": ", stderr);
    fputs(c != NULL ? pgw_conn_errmsg(c) : "no connection", stderr);
    fputs("\n", stderr);
    pgw_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    pgw_conn *c = NULL;
    pgw_cursor *cur = NULL;
    int32_t v = 0;

    if (argc != 2) {
        fputs("usage: size_select1 CONNINFO\n", stderr);
        return 2;
    }
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    if (pgw_query(c, "SELECT 1", &cur) != PGW_OK)
        return fail(c, "query");
    /* One row, then the end of the result. */
    pgw_status rc = pgw_cursor_next(cur);
    if (rc == PGW_OK)
        rc = pgw_cursor_int32(cur, 0, &v);
    if (rc == PGW_OK)
        rc = pgw_cursor_next(cur) == PGW_END ? PGW_OK : PGW_E_PROTOCOL;
    pgw_cursor_free(cur);
    if (rc != PGW_OK || v != 1)
        return fail(c, "SELECT 1");
    puts(pgw_conn_tls_in_use(c) ? "1 tls" : "1");
    pgw_close(c);
    return 0;
}
