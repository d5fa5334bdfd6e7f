/* Pipeline mode: many queries in one round trip, grouped into units of
 * work by Sync points; a failure skips the rest of its unit only.
 *
 * usage: pipeline CONNINFO   (the table goes in the session's search_path) */
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, pgw_conn_errmsg(c));
    pgw_close(c);
    return 1;
}

static const char *tx_name(pgw_tx_status tx)
{
    switch (tx) {
    case PGW_TX_IDLE: return "idle";
    case PGW_TX_IN_BLOCK: return "in a transaction block";
    case PGW_TX_IN_ERROR: return "in a failed transaction block";
    default: return "unknown";
    }
}

/* Queue INSERT INTO orders VALUES ($1, $2, $3) with text parameters. */
static pgw_status queue_insert(pgw_conn *c, const char *id, const char *item, const char *qty,
                               pgw_cursor **out)
{
    pgw_param p[3] = {
        {PGW_OID_INT4, PGW_FORMAT_TEXT, id, strlen(id)},
        {PGW_OID_TEXT, PGW_FORMAT_TEXT, item, strlen(item)},
        {PGW_OID_INT4, PGW_FORMAT_TEXT, qty, strlen(qty)},
    };
    return pgw_pipeline_query(c, "INSERT INTO orders VALUES ($1, $2, $3)", p, 3, out);
}

/* One query's outcome: its command tag, or why it has none. */
static void report(pgw_conn *c, const char *label, pgw_cursor *cur)
{
    pgw_status rc = pgw_cursor_next_result(cur);
    if (rc == PGW_OK)
        printf("%s: %s\n", label, pgw_cursor_command_tag(cur));
    else if (rc == PGW_E_SERVER)
        printf("%s: %s, SQLSTATE %s\n", label, pgw_status_name(rc), pgw_conn_error(c)->sqlstate);
    else
        printf("%s: %s\n", label, pgw_status_name(rc));
    pgw_cursor_free(cur);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pipeline CONNINFO\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    if (pgw_exec(c, "CREATE TABLE orders (id int PRIMARY KEY, item text, qty int)", NULL) !=
        PGW_OK)
        return fail(c, "create");

    if (pgw_pipeline_begin(c) != PGW_OK)
        return fail(c, "pipeline");
    pgw_cursor *q[6];
    /* Unit 1: three orders, committed together by the Sync. */
    if (queue_insert(c, "1", "apples", "3", &q[0]) != PGW_OK ||
        queue_insert(c, "2", "pears", "1", &q[1]) != PGW_OK ||
        queue_insert(c, "3", "plums", "2", &q[2]) != PGW_OK || pgw_pipeline_sync(c) != PGW_OK)
        return fail(c, "queue unit 1");
    /* Unit 2: a duplicate key; the order after it is skipped, and the unit
     * rolls back as a whole. */
    if (queue_insert(c, "3", "figs", "9", &q[3]) != PGW_OK ||
        queue_insert(c, "4", "kiwis", "5", &q[4]) != PGW_OK || pgw_pipeline_sync(c) != PGW_OK)
        return fail(c, "queue unit 2");
    /* Unit 3: the pipeline goes on after the failed unit. */
    if (pgw_pipeline_query(c, "SELECT count(*), sum(qty) FROM orders", NULL, 0, &q[5]) !=
            PGW_OK ||
        pgw_pipeline_sync(c) != PGW_OK)
        return fail(c, "queue unit 3");
    printf("queued %zu items (6 queries, 3 Syncs) in one round trip\n", pgw_pipeline_pending(c));

    /* Results come back in order, one per query. */
    pgw_tx_status tx;
    report(c, "order 1", q[0]);
    report(c, "order 2", q[1]);
    report(c, "order 3", q[2]);
    if (pgw_pipeline_next_sync(c, &tx) != PGW_OK)
        return fail(c, "sync 1");
    printf("unit 1: %s\n", tx_name(tx));
    report(c, "order 3 again", q[3]);
    report(c, "order 4", q[4]);
    if (pgw_pipeline_next_sync(c, &tx) != PGW_OK)
        return fail(c, "sync 2");
    printf("unit 2: %s\n", tx_name(tx));
    if (pgw_cursor_next(q[5]) != PGW_OK)
        return fail(c, "count");
    int64_t n = 0, sum = 0;
    if (pgw_cursor_int64(q[5], 0, &n) != PGW_OK || pgw_cursor_int64(q[5], 1, &sum) != PGW_OK)
        return fail(c, "count values");
    printf("orders: %lld rows, %lld items\n", (long long)n, (long long)sum);
    pgw_cursor_free(q[5]);
    if (pgw_pipeline_end(c) != PGW_OK)
        return fail(c, "end");
    printf("pipeline ended: %s\n", tx_name(pgw_conn_tx_status(c)));
    pgw_close(c);
    return 0;
}
