/* The README's demo: connect, create a table, insert rows, query them.
 *
 * Usage: demo [CONNINFO]   (or PGW_DEMO_CONNINFO, or the PG* variables)
 * Run by scripts/demo.sh against a throwaway server. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgwire.h"

static int fail(pgw_conn *c, const char *step)
{
    fprintf(stderr, "demo: %s failed: %s\n", step, pgw_conn_errmsg(c));
    pgw_close(c);
    return 1;
}

static void on_notice(void *ud, const pgw_error *n)
{
    (void)ud;
    printf("  notice from the server: %s\n", n->summary);
}

int main(int argc, char **argv)
{
    const char *conninfo = argc > 1 ? argv[1] : getenv("PGW_DEMO_CONNINFO");
    pgw_conn_options opt;
    pgw_conn_options_init(&opt);
    opt.conninfo = conninfo;
    opt.notice = on_notice;

    pgw_conn *c = NULL;
    /* The conninfo may hold a password: never echo it. */
    printf("1. connecting (%s)\n", conninfo ? "connection string given" : "PG* environment variables");
    if (pgw_connect(&c, &opt) != PGW_OK)
        return fail(c, "connect");
    const char *host = pgw_conn_option(c, "host");
    printf("   connected to %s port %s as %s: server %s, backend pid %" PRId32 "\n",
           host ? host : "the default socket", pgw_conn_option(c, "port"),
           pgw_conn_option(c, "user"), pgw_conn_parameter(c, "server_version"),
           pgw_conn_backend_pid(c));

    printf("2. creating table demo_vendors\n");
    if (pgw_exec(c, "DROP TABLE IF EXISTS demo_vendors;"
                    "CREATE TABLE demo_vendors (vendor_id serial PRIMARY KEY, vendor_name text NOT NULL)",
                 NULL) != PGW_OK)
        return fail(c, "create table");

    printf("3. inserting rows\n");
    uint64_t n = 0;
    if (pgw_exec(c, "INSERT INTO demo_vendors (vendor_name) VALUES ('3M Co.'), ('AKM Semiconductor Inc.'),"
                    " ('Asahi Glass Co Ltd.'), ('Daikin Industries Ltd.'), ('Dynacast International Inc.')",
                 &n) != PGW_OK)
        return fail(c, "insert");
    printf("   inserted %" PRIu64 " rows\n", n);

    printf("4. querying rows (streamed, one at a time)\n");
    pgw_cursor *cur = NULL;
    if (pgw_query(c, "SELECT vendor_id, vendor_name FROM demo_vendors ORDER BY vendor_name", &cur) !=
        PGW_OK) {
        pgw_cursor_free(cur);
        return fail(c, "select");
    }
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int32_t id;
        const char *name;
        size_t len;
        pgw_cursor_int32(cur, 0, &id);
        pgw_cursor_text(cur, 1, &name, &len);
        printf("   %3" PRId32 "  %.*s\n", id, (int)len, name);
    }
    if (rc != PGW_END) {
        pgw_cursor_free(cur);
        return fail(c, "fetch");
    }
    printf("   %s\n", pgw_cursor_command_tag(cur));
    pgw_cursor_free(cur);

    printf("5. a failing statement leaves the connection usable\n");
    if (pgw_exec(c, "SELECT * FROM no_such_table", NULL) == PGW_E_SERVER) {
        const pgw_error *e = pgw_conn_error(c);
        printf("   error %s: %s\n", e->sqlstate, e->message);
    }
    pgw_result *res = NULL;
    if (pgw_query_result(c, "SELECT count(*) FROM demo_vendors", &res) != PGW_OK)
        return fail(c, "count");
    printf("   still connected: %s vendors\n", pgw_result_text(res, 0, 0));
    pgw_result_free(res);

    printf("6. cleaning up\n");
    if (pgw_exec(c, "DROP TABLE demo_vendors", NULL) != PGW_OK)
        return fail(c, "drop table");
    pgw_close(c);
    printf("done\n");
    return 0;
}
