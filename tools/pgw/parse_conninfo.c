/* pgw --parse-conninfo STRING: shows how pgwire (and libpq) read a
 * connection string, through the public pgw_conninfo_parse(). A debugging
 * aid for a string the user already holds, so values (the password too)
 * print raw. */
#include <stdio.h>
#include <string.h>

#include "parse_conninfo.h"
#include "pgwire.h"

int pgwc_parse_conninfo(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "pgw: error: --parse-conninfo takes exactly one connection string\n");
        return 2;
    }
    char err[1024];
    pgw_conninfo *ci = NULL;
    pgw_status rc = pgw_conninfo_parse(&ci, argv[2], NULL, err, sizeof err);
    if (rc != PGW_OK) {
        fprintf(stderr, "pgw: error: %s\n", err[0] != '\0' ? err : pgw_status_str(rc));
        return 1;
    }
    for (size_t i = 0; i < pgw_conninfo_count(ci); i++)
        printf("%s=%s\n", pgw_conninfo_keyword(ci, i), pgw_conninfo_value(ci, i));
    pgw_conninfo_free(ci);
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
