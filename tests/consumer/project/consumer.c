/* A program outside the pgwire tree, built against pgwire as a meson
 * subproject or through pkg-config (tests/consumer/run.sh). It only uses
 * the installed public header. With PGW_CONSUMER_CONNINFO set it also runs
 * SELECT 1 against that server. */
#include <pgwire.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    printf("consumer: pgwire %s\n", pgw_version());
    if (strcmp(pgw_version(), "") == 0)
        return 1;
    const char *ci = getenv("PGW_CONSUMER_CONNINFO");
    if (ci == NULL || *ci == '\0')
        return 0;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc == PGW_OK) {
        pgw_result *r = NULL;
        rc = pgw_query_result(c, "SELECT 1", &r);
        if (rc == PGW_OK && (pgw_result_nrows(r) != 1 || strcmp(pgw_result_text(r, 0, 0), "1") != 0))
            rc = PGW_E_PROTOCOL;
        pgw_result_free(r);
    }
    printf("consumer: SELECT 1: %s\n", pgw_status_name(rc));
    if (rc != PGW_OK)
        fprintf(stderr, "consumer: %s\n", pgw_conn_errmsg(c));
    pgw_conn_free(c);
    return rc == PGW_OK ? 0 : 1;
}
