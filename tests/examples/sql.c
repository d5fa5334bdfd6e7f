/* A minimal SQL runner for the examples suite: the test scripts use it to
 * give each test its own schema and to look at what an example left in the
 * database. It prints every row of every result as psql -At does (fields
 * joined by '|', NULL as an empty string). pgw -At can take its place once
 * tools/pgw is in.
 *
 * Usage: sql CONNINFO SQL     exit status 0, or 1 with the error on stderr */
#include <stdio.h>

#include "pgwire.h"

static int fail(pgw_conn *c, pgw_cursor *cur)
{
    fprintf(stderr, "sql: %s\n", pgw_conn_errmsg(c));
    pgw_cursor_free(cur);
    pgw_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sql CONNINFO SQL\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, NULL);
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query(c, argv[2], &cur);
    if (rc != PGW_OK)
        return fail(c, cur);
    do {
        while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
            for (uint16_t i = 0; i < pgw_cursor_ncols(cur); i++) {
                const char *p = "";
                size_t n = 0;
                rc = pgw_cursor_text(cur, i, &p, &n);
                if (rc != PGW_OK && rc != PGW_E_NULL)
                    return fail(c, cur);
                if (i > 0)
                    putchar('|');
                fwrite(p, 1, rc == PGW_OK ? n : 0, stdout);
            }
            putchar('\n');
        }
        if (rc != PGW_END)
            return fail(c, cur);
    } while ((rc = pgw_cursor_next_result(cur)) == PGW_OK);
    if (rc != PGW_END)
        return fail(c, cur);
    pgw_cursor_free(cur);
    pgw_close(c);
    return fflush(stdout) == 0 ? 0 : 1;
}
