/* Calling a PostgreSQL function and a stored procedure, the tutorial's two
 * steps on the suppliers data: a function returning a set of rows
 * (get_parts_by_vendor), a scalar function, a procedure with an INOUT
 * parameter (add_new_part returning the part's id), a procedure that
 * COMMITs inside itself, and a RAISE EXCEPTION coming back with its SQLSTATE.
 *
 * Usage: routines CONNINFO   (the schema is taken from the connection's
 * search_path, so tests can give each run its own).
 * Exit status: 0 on success, 1 on any failure (message on stderr), 2 for a
 * bad command line. Standard output is the same on every run. */
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    const pgw_error *e = pgw_conn_error(c);
    if (e->sqlstate[0] != '\0')
        fprintf(stderr, "routines: %s: %s (SQLSTATE %s)\n", what, pgw_conn_errmsg(c), e->sqlstate);
    else
        fprintf(stderr, "routines: %s: %s\n", what, pgw_conn_errmsg(c));
    pgw_close(c);
    return 1;
}

static const char setup_sql[] =
    "DROP TABLE IF EXISTS vendor_parts, parts, vendors;"
    "CREATE TABLE vendors (vendor_id serial PRIMARY KEY, vendor_name text NOT NULL);"
    "CREATE TABLE parts (part_id serial PRIMARY KEY, part_name text NOT NULL);"
    "CREATE TABLE vendor_parts (vendor_id int REFERENCES vendors, part_id int REFERENCES parts,"
    "  PRIMARY KEY (vendor_id, part_id));"
    "INSERT INTO vendors (vendor_name) VALUES ('3M Co.'), ('AKM Semiconductor Inc.');"
    "CREATE OR REPLACE FUNCTION get_parts_by_vendor(id integer)"
    "  RETURNS TABLE(part_id integer, part_name text) AS $$"
    "  SELECT p.part_id, p.part_name FROM parts p JOIN vendor_parts vp USING (part_id)"
    "  WHERE vp.vendor_id = id ORDER BY p.part_id $$ LANGUAGE sql;"
    "CREATE OR REPLACE FUNCTION part_count() RETURNS bigint AS"
    "  $$ SELECT count(*) FROM parts $$ LANGUAGE sql;"
    "CREATE OR REPLACE PROCEDURE add_new_part(new_part_name text, new_vendor_name text,"
    "  INOUT new_part_id integer DEFAULT NULL) AS $$"
    "DECLARE v_id integer;"
    "BEGIN"
    "  SELECT vendor_id INTO v_id FROM vendors WHERE vendor_name = new_vendor_name;"
    "  IF v_id IS NULL THEN"
    "    RAISE EXCEPTION 'no vendor called %', new_vendor_name USING ERRCODE = 'P0002';"
    "  END IF;"
    "  INSERT INTO parts (part_name) VALUES (new_part_name) RETURNING part_id INTO new_part_id;"
    "  INSERT INTO vendor_parts VALUES (v_id, new_part_id);"
    "END $$ LANGUAGE plpgsql;"
    "CREATE OR REPLACE PROCEDURE rename_in_batches() AS $$"
    "BEGIN"
    "  UPDATE parts SET part_name = upper(part_name) WHERE part_id = 1; COMMIT;"
    "  UPDATE parts SET part_name = upper(part_name) WHERE part_id = 2; ROLLBACK;"
    "END $$ LANGUAGE plpgsql;";

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: routines CONNINFO\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK) {
        fprintf(stderr, "routines: connect: %s\n", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        return 1;
    }
    if (pgw_exec(c, setup_sql, NULL) != PGW_OK)
        return fail(c, "setup");

    /* CALL add_new_part(name, vendor, NULL): the INOUT comes back as a row. */
    const char *parts[][2] = {
        {"SIM Tray", "3M Co."}, {"Speaker", "3M Co."}, {"Antenna", "AKM Semiconductor Inc."}};
    for (size_t i = 0; i < 3; i++) {
        pgw_param p[3] = {
            {PGW_OID_TEXT, PGW_FORMAT_TEXT, parts[i][0], strlen(parts[i][0])},
            {PGW_OID_TEXT, PGW_FORMAT_TEXT, parts[i][1], strlen(parts[i][1])},
            {PGW_OID_INT4, PGW_FORMAT_TEXT, NULL, 0},
        };
        pgw_result *r = NULL;
        if (pgw_call_procedure(c, NULL, "add_new_part", p, 3, &r) != PGW_OK)
            return fail(c, "CALL add_new_part");
        int32_t id = 0;
        if (pgw_result_int32(r, 0, 0, &id) != PGW_OK) {
            pgw_result_free(r);
            return fail(c, "new_part_id");
        }
        printf("CALL add_new_part('%s', '%s'): new_part_id = %d\n", parts[i][0], parts[i][1],
               (int)id);
        pgw_result_free(r);
    }

    /* A set-returning function, streamed row by row. */
    pgw_param vendor = {PGW_OID_INT4, PGW_FORMAT_TEXT, "1", 1};
    pgw_cursor *cur = NULL;
    if (pgw_call_function(c, NULL, "get_parts_by_vendor", &vendor, 1, &cur) != PGW_OK) {
        pgw_cursor_free(cur);
        return fail(c, "get_parts_by_vendor");
    }
    printf("get_parts_by_vendor(1):\n");
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int32_t id = 0;
        const char *name;
        size_t len;
        if (pgw_cursor_int32(cur, 0, &id) != PGW_OK || pgw_cursor_text(cur, 1, &name, &len) != PGW_OK)
            break;
        printf("  %d %.*s\n", (int)id, (int)len, name);
    }
    if (rc != PGW_END) {
        pgw_cursor_free(cur);
        return fail(c, "reading get_parts_by_vendor");
    }
    pgw_cursor_close(cur);

    /* A scalar function, materialised. */
    pgw_result *r = NULL;
    if (pgw_call_function_result(c, NULL, "part_count", NULL, 0, &r) != PGW_OK)
        return fail(c, "part_count");
    printf("part_count() = %s (column \"%s\")\n", pgw_result_text(r, 0, 0),
           pgw_result_column_name(r, 0));
    pgw_result_free(r);

    /* A procedure that commits part of its work and rolls back the rest. */
    if (pgw_call_procedure(c, NULL, "rename_in_batches", NULL, 0, NULL) != PGW_OK)
        return fail(c, "CALL rename_in_batches");
    if (pgw_query_result(c, "SELECT string_agg(part_name, ', ' ORDER BY part_id) FROM parts", &r) !=
        PGW_OK)
        return fail(c, "parts");
    printf("after rename_in_batches (COMMIT, then ROLLBACK): %s\n", pgw_result_text(r, 0, 0));
    pgw_result_free(r);

    /* The procedure's RAISE EXCEPTION comes back with its SQLSTATE. */
    pgw_param bad[3] = {
        {PGW_OID_TEXT, PGW_FORMAT_TEXT, "Battery", 7},
        {PGW_OID_TEXT, PGW_FORMAT_TEXT, "Nobody Ltd.", 11},
        {PGW_OID_INT4, PGW_FORMAT_TEXT, NULL, 0},
    };
    rc = pgw_call_procedure(c, NULL, "add_new_part", bad, 3, NULL);
    const pgw_error *e = pgw_conn_error(c);
    printf("CALL add_new_part('Battery', 'Nobody Ltd.'): %s, SQLSTATE %s: %s\n",
           pgw_status_name(rc), e->sqlstate, e->message != NULL ? e->message : "");
    if (rc != PGW_E_SERVER)
        return fail(c, "the failing CALL");
    if (pgw_exec(c, "DROP TABLE vendor_parts, parts, vendors; DROP FUNCTION get_parts_by_vendor,"
                    " part_count; DROP PROCEDURE add_new_part, rename_in_batches",
                 NULL) != PGW_OK)
        return fail(c, "cleanup");
    pgw_close(c);
    return 0;
}
