/* JSONB documents: a parts catalogue searched by containment.
 *
 * Creates parts_catalogue (one jsonb document per part) with a GIN index,
 * inserts the documents as jsonb parameters (pgw_params_add_jsonb(): sent
 * in jsonb's binary form, never pasted into the SQL), finds parts with the
 * containment operator `@>` and reads fields with `->>`, updates a document
 * with `||`, and asks EXPLAIN whether the `@>` search can use the index.
 *
 * usage: jsonb CONNINFO   (the table goes in the session's search_path) */
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

/* Report the connection's error; returns 1 (the caller closes). */
static int report(pgw_conn *c, const char *what)
{
    const pgw_error *e = pgw_conn_error(c);
    if (e->sqlstate[0])
        fprintf(stderr, "jsonb: %s: %s (SQLSTATE %s)\n", what, pgw_conn_errmsg(c), e->sqlstate);
    else /* a client-side failure: connecting, I/O */
        fprintf(stderr, "jsonb: %s: %s\n", what, pgw_conn_errmsg(c));
    return 1;
}

static int fail(pgw_conn *c, const char *what)
{
    report(c, what);
    pgw_close(c);
    return 1;
}

static const char *const documents[] = {
    "{\"name\": \"SIM Tray\", \"category\": \"mechanical\", \"vendor\": \"3M Corp\","
    " \"specs\": {\"material\": \"steel\", \"weight_g\": 1.2}, \"tags\": [\"small\"]}",
    "{\"name\": \"Speaker\", \"category\": \"audio\", \"vendor\": \"Foster Electric\","
    " \"specs\": {\"impedance_ohm\": 8, \"weight_g\": 3.5}, \"tags\": [\"waterproof\"]}",
    "{\"name\": \"Vibrator\", \"category\": \"mechanical\", \"vendor\": \"Dynacast\","
    " \"specs\": {\"material\": \"zinc\", \"weight_g\": 2.0}, \"tags\": []}",
    "{\"name\": \"Antenna\", \"category\": \"radio\", \"vendor\": \"Murata\","
    " \"specs\": {\"bands\": [\"LTE\", \"5G\"], \"weight_g\": 0.8}, \"tags\": [\"small\"]}",
    "{\"name\": \"Home Button\", \"category\": \"mechanical\", \"vendor\": \"3M Corp\","
    " \"specs\": {\"material\": \"sapphire\", \"weight_g\": 0.5},"
    " \"tags\": [\"small\", \"waterproof\"]}",
    "{\"name\": \"LTE Modem\", \"category\": \"radio\", \"vendor\": \"AKM\","
    " \"specs\": {\"bands\": [\"LTE\"], \"weight_g\": 4.1}, \"tags\": []}",
};
#define NDOCS (sizeof documents / sizeof documents[0])

/* Print "part_id name" for every part whose document contains `pattern`. */
static int search(pgw_conn *c, pgw_params *p, const char *pattern)
{
    pgw_params_clear(p);
    pgw_params_add_jsonb(p, pattern, strlen(pattern));
    if (pgw_params_status(p) != PGW_OK) {
        fprintf(stderr, "jsonb: pattern: %s\n", pgw_status_name(pgw_params_status(p)));
        return 1;
    }
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query_params(c,
                                     "SELECT part_id, doc->>'name' FROM parts_catalogue "
                                     "WHERE doc @> $1 ORDER BY part_id",
                                     pgw_params_array(p), pgw_params_count(p), &cur);
    if (rc != PGW_OK) {
        pgw_cursor_close(cur);
        return report(c, "search");
    }
    printf("doc @> %s:\n", pattern);
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int32_t id;
        const char *name;
        size_t len;
        if (pgw_cursor_int32(cur, 0, &id) != PGW_OK ||
            pgw_cursor_text(cur, 1, &name, &len) != PGW_OK) {
            pgw_cursor_close(cur);
            return report(c, "search row");
        }
        printf("  %d %.*s\n", id, (int)len, name);
    }
    pgw_cursor_close(cur);
    return rc == PGW_END ? 0 : report(c, "search fetch");
}

/* EXPLAIN the containment search with sequential scans discouraged: on a
 * table this small the planner would rightly prefer one, so the question
 * is only whether the index *can* serve `@>` (GIN answers it with a bitmap
 * scan). The plan's costs vary; only the node name is looked for. */
static int explain(pgw_conn *c)
{
    if (pgw_exec(c, "SET enable_seqscan = off", NULL) != PGW_OK)
        return report(c, "SET enable_seqscan");
    pgw_result *r = NULL;
    if (pgw_query_result(c,
                         "EXPLAIN SELECT part_id FROM parts_catalogue "
                         "WHERE doc @> '{\"category\": \"radio\"}'",
                         &r) != PGW_OK)
        return report(c, "EXPLAIN");
    int uses_index = 0;
    for (size_t i = 0; i < pgw_result_nrows(r); i++) {
        const char *line = pgw_result_text(r, i, 0);
        if (line != NULL && strstr(line, "Bitmap Index Scan on parts_catalogue_doc_idx") != NULL)
            uses_index = 1;
    }
    pgw_result_free(r);
    if (!uses_index) {
        fprintf(stderr, "jsonb: EXPLAIN shows no Bitmap Index Scan on parts_catalogue_doc_idx\n");
        return 1;
    }
    printf("EXPLAIN: the @> search can use parts_catalogue_doc_idx (Bitmap Index Scan)\n");
    if (pgw_exec(c, "RESET enable_seqscan", NULL) != PGW_OK)
        return report(c, "RESET enable_seqscan");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: jsonb CONNINFO\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    /* jsonb_ops (the default GIN operator class) serves @>, ? and ?|. */
    if (pgw_exec(c, "DROP TABLE IF EXISTS parts_catalogue;"
                    "CREATE TABLE parts_catalogue (part_id int PRIMARY KEY, doc jsonb NOT NULL);"
                    "CREATE INDEX parts_catalogue_doc_idx ON parts_catalogue USING gin (doc)",
                 NULL) != PGW_OK)
        return fail(c, "create table");

    pgw_params *p = NULL;
    if (pgw_params_new(NULL, &p) != PGW_OK)
        return fail(c, "params");
    uint64_t inserted = 0;
    for (size_t i = 0; i < NDOCS; i++) {
        pgw_params_clear(p);
        pgw_params_add_int4(p, (int32_t)i + 1);
        pgw_params_add_jsonb(p, documents[i], strlen(documents[i]));
        uint64_t rows = 0;
        if (pgw_params_status(p) != PGW_OK ||
            pgw_exec_params(c, "INSERT INTO parts_catalogue VALUES ($1, $2)",
                            pgw_params_array(p), pgw_params_count(p), &rows) != PGW_OK) {
            pgw_params_free(p);
            return fail(c, "insert");
        }
        inserted += rows;
    }
    printf("inserted %d documents\n", (int)inserted);

    /* Containment matches on any subset of the document: a key, a nested
     * object, an element of an array. */
    if (search(c, p, "{\"category\": \"mechanical\"}") != 0 ||
        search(c, p, "{\"tags\": [\"waterproof\"]}") != 0 ||
        search(c, p, "{\"vendor\": \"3M Corp\", \"tags\": [\"small\"]}") != 0 ||
        search(c, p, "{\"specs\": {\"bands\": [\"5G\"]}}") != 0) {
        pgw_params_free(p);
        pgw_close(c);
        return 1;
    }

    /* ->> returns text, -> returns jsonb: cast and aggregate like any column. */
    pgw_result *r = NULL;
    if (pgw_query_result(c,
                         "SELECT doc->>'category', count(*),"
                         " sum((doc->'specs'->>'weight_g')::numeric)"
                         " FROM parts_catalogue GROUP BY 1 ORDER BY 1",
                         &r) != PGW_OK) {
        pgw_params_free(p);
        return fail(c, "group by");
    }
    printf("weight by category:\n");
    for (size_t i = 0; i < pgw_result_nrows(r); i++)
        printf("  %s: %s parts, %s g\n", pgw_result_text(r, i, 0), pgw_result_text(r, i, 1),
               pgw_result_text(r, i, 2));
    pgw_result_free(r);

    /* || merges objects (the right-hand keys win); the server stores and
     * prints jsonb normalised: keys sorted, whitespace its own. */
    const char *patch = "{\"tags\": [\"small\", \"waterproof\"], \"stock\": 120}";
    pgw_params_clear(p);
    pgw_params_add_jsonb(p, patch, strlen(patch));
    pgw_params_add_int4(p, 4);
    uint64_t rows = 0;
    if (pgw_params_status(p) != PGW_OK ||
        pgw_exec_params(c, "UPDATE parts_catalogue SET doc = doc || $1 WHERE part_id = $2",
                        pgw_params_array(p), pgw_params_count(p), &rows) != PGW_OK) {
        pgw_params_free(p);
        return fail(c, "update");
    }
    pgw_params_free(p);
    if (pgw_query_result(c, "SELECT doc FROM parts_catalogue WHERE part_id = 4", &r) != PGW_OK)
        return fail(c, "read back");
    printf("updated %d row; part 4 is now:\n  %s\n", (int)rows,
           pgw_result_nrows(r) == 1 ? pgw_result_text(r, 0, 0) : "(missing)");
    pgw_result_free(r);

    if (explain(c) != 0) {
        pgw_close(c);
        return 1;
    }
    if (pgw_exec(c, "DROP TABLE parts_catalogue", NULL) != PGW_OK)
        return fail(c, "drop table");
    pgw_close(c);
    return 0;
}
