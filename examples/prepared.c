/* Parameters, prepared statements and typed values.
 *
 * Creates a small table, inserts rows through one prepared statement with
 * typed parameters (never pasted into the SQL), reads them back through a
 * parameterised query (the automatic statement cache prepares it once), and
 * shows which step failed when the server refuses a value.
 *
 * usage: prepared CONNINFO   (the table goes in the session's search_path) */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, pgw_conn_errmsg(c));
    pgw_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: prepared CONNINFO\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    if (pgw_exec(c, "DROP TABLE IF EXISTS measurements;"
                    "CREATE TABLE measurements (id int PRIMARY KEY, sensor text NOT NULL,"
                    " reading float8, taken timestamptz NOT NULL)",
                 NULL) != PGW_OK)
        return fail(c, "create table");

    /* Prepared once, executed many times; the types are given as OIDs. */
    uint32_t types[] = {PGW_OID_INT4, PGW_OID_TEXT, PGW_OID_FLOAT8, PGW_OID_TIMESTAMPTZ};
    pgw_stmt *ins = NULL;
    if (pgw_prepare(c, "insert_measurement",
                    "INSERT INTO measurements VALUES ($1, $2, $3, $4)", types, 4, &ins) != PGW_OK)
        return fail(c, "prepare");
    printf("prepared %s: %zu parameters\n", pgw_stmt_name(ins), pgw_stmt_nparams(ins));

    pgw_params *p = NULL;
    if (pgw_params_new(NULL, &p) != PGW_OK)
        return fail(c, "params");
    const char *sensors[] = {"north", "south", "it's \"quoted\""};
    for (int32_t i = 0; i < 3; i++) {
        pgw_params_clear(p);
        pgw_params_add_int4(p, i + 1);
        pgw_params_add_text(p, PGW_OID_TEXT, sensors[i], strlen(sensors[i]));
        if (i == 2)
            pgw_params_add_null(p, PGW_OID_FLOAT8); /* no reading */
        else
            pgw_params_add_float8(p, 20.5 + i);
        pgw_params_add_timestamptz(p, INT64_C(1700000000000000) + i * INT64_C(60000000));
        uint64_t rows = 0;
        if (pgw_params_status(p) != PGW_OK ||
            pgw_stmt_exec(ins, pgw_params_array(p), pgw_params_count(p), &rows) != PGW_OK)
            return fail(c, "insert");
        printf("inserted %" PRIu64 " row (id %d)\n", rows, i + 1);
    }

    /* A parameterised query: the statement cache prepares it the first
     * time; int4, float8 and timestamptz arrive in binary. */
    pgw_param min = {PGW_OID_FLOAT8, PGW_FORMAT_TEXT, "0", 1};
    for (int pass = 0; pass < 2; pass++) {
        pgw_cursor *cur = NULL;
        if (pgw_query_params(c,
                             "SELECT id, sensor, reading, taken FROM measurements "
                             "WHERE reading IS NULL OR reading > $1 ORDER BY id",
                             &min, 1, &cur) != PGW_OK)
            return fail(c, "select");
        pgw_status rc;
        while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
            int32_t id;
            const char *sensor, *taken;
            size_t sensor_len, taken_len;
            double reading;
            pgw_cursor_int32(cur, 0, &id);
            pgw_cursor_text(cur, 1, &sensor, &sensor_len);
            pgw_cursor_text(cur, 3, &taken, &taken_len); /* rendered as the server prints it */
            if (pgw_cursor_double(cur, 2, &reading) == PGW_E_NULL)
                printf("%d %.*s (no reading) %.*s\n", id, (int)sensor_len, sensor,
                       (int)taken_len, taken);
            else
                printf("%d %.*s %.1f %.*s\n", id, (int)sensor_len, sensor, reading,
                       (int)taken_len, taken);
        }
        pgw_cursor_close(cur);
        if (rc != PGW_END)
            return fail(c, "fetch");
    }
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    printf("statement cache: %" PRIu64 " miss, %" PRIu64 " hit\n", st.misses, st.hits);

    /* The server refuses a value: the cursor says which step failed, and
     * the connection stays usable. */
    pgw_param bad = {PGW_OID_INT4, PGW_FORMAT_TEXT, "many", 4};
    pgw_cursor *cur = NULL;
    if (pgw_query_params(c, "SELECT * FROM measurements WHERE id = $1", &bad, 1, &cur) ==
        PGW_E_SERVER)
        printf("refused at %s: %s (SQLSTATE %s)\n", pgw_step_name(pgw_cursor_failed_step(cur)),
               pgw_conn_error(c)->message, pgw_conn_error(c)->sqlstate);
    pgw_cursor_close(cur);

    if (pgw_stmt_deallocate(ins) != PGW_OK)
        return fail(c, "deallocate");
    pgw_stmt_free(ins);
    pgw_params_free(p);
    pgw_exec(c, "DROP TABLE measurements", NULL);
    pgw_close(c);
    return 0;
}
