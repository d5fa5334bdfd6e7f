/* Pipeline mode against the real server: ordered results, errors skipping
 * to the next Sync, Sync points and transactions, prepared and cached
 * statements, discarded results, misuse, and a batch large enough to
 * deadlock a client that only writes. */
#include <stdint.h>
#include <sys/socket.h>

#include "pgtest.h"

static pgw_param int_param(const char *text)
{
    pgw_param p = {PGW_OID_INT4, PGW_FORMAT_TEXT, text, strlen(text)};
    return p;
}

/* The one row of a single-column, single-row result as an int. */
static int32_t read_int_result(pgw_cursor *cur)
{
    int32_t v = -1;
    assert_int_equal(pgw_cursor_next(cur), PGW_OK);
    assert_int_equal(pgw_cursor_int32(cur, 0, &v), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_END);
    assert_string_equal(pgw_cursor_command_tag(cur), "SELECT 1");
    /* One result per queued query. */
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    return v;
}

static void exec_ok(pgw_conn *c, const char *sql)
{
    pgw_status rc = pgw_exec(c, sql, NULL);
    if (rc != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(c));
}

static void test_pipeline_queries_results_arrive_in_order(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    assert_true(pgw_conn_in_pipeline(c));
    pgw_cursor *cur[8];
    char text[8][8];
    for (int i = 0; i < 8; i++) {
        snprintf(text[i], sizeof text[i], "%d", i);
        pgw_param p = int_param(text[i]);
        assert_int_equal(pgw_pipeline_query(c, "SELECT $1::int4 * 10", &p, 1, &cur[i]), PGW_OK);
    }
    assert_int_equal(pgw_pipeline_pending(c), 8);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    assert_int_equal(pgw_pipeline_pending(c), 9);
    for (int i = 0; i < 8; i++) {
        assert_int_equal(read_int_result(cur[i]), i * 10);
        pgw_cursor_free(cur[i]);
    }
    pgw_tx_status tx = PGW_TX_UNKNOWN;
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_OK);
    assert_int_equal(tx, PGW_TX_IDLE);
    assert_int_equal(pgw_pipeline_pending(c), 0);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    assert_false(pgw_conn_in_pipeline(c));
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    exec_ok(c, "SELECT 1");
    pgw_conn_free(c);
}

static void test_pipeline_error_skips_to_next_sync_then_continues(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    pgw_cursor *ok1, *bad, *skip1, *skip2, *after;
    assert_int_equal(pgw_pipeline_query(c, "SELECT 1", NULL, 0, &ok1), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT 1/g FROM generate_series(0, 0) g", NULL, 0,
                                        &bad),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT 3", NULL, 0, &skip1), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT 4", NULL, 0, &skip2), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT 5", NULL, 0, &after), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);

    assert_int_equal(read_int_result(ok1), 1);
    assert_int_equal(pgw_cursor_next(bad), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "22012");
    assert_int_equal(pgw_cursor_failed_step(bad), PGW_STEP_EXECUTE);
    assert_int_equal(pgw_cursor_next_result(bad), PGW_END);
    assert_int_equal(pgw_cursor_next(skip1), PGW_E_ABORTED);
    assert_int_equal(pgw_conn_error(c)->status, PGW_E_ABORTED);
    assert_int_equal(pgw_cursor_next_result(skip1), PGW_END);
    /* Another way to read: materialise it. */
    pgw_result *r = NULL;
    assert_int_equal(pgw_cursor_fetch_all(skip2, &r), PGW_E_ABORTED);
    assert_null(r);
    assert_int_equal(read_int_result(after), 5);
    pgw_cursor_free(ok1);
    pgw_cursor_free(bad);
    pgw_cursor_free(skip1);
    pgw_cursor_free(skip2);
    pgw_cursor_free(after);
    /* Sync points passed by reading were consumed silently. */
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    exec_ok(c, "SELECT 1");
    pgw_conn_free(c);
}

static int64_t count_rows(pgw_conn *c, const char *sql)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, sql, &r), PGW_OK);
    int64_t n = -1;
    assert_int_equal(pgw_result_int64(r, 0, 0, &n), PGW_OK);
    pgw_result_free(r);
    return n;
}

static void test_pipeline_sync_is_an_implicit_transaction(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    exec_ok(c, "CREATE TEMP TABLE pl_implicit (v int)");
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    /* Unit 1 fails at its third query: its inserts roll back together. */
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_implicit VALUES (1)", NULL, 0, NULL),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_implicit VALUES (2)", NULL, 0, NULL),
                     PGW_OK);
    pgw_cursor *bad, *ins3;
    assert_int_equal(pgw_pipeline_query(c, "SELECT 1/0", NULL, 0, &bad), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    /* Unit 2 commits. */
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_implicit VALUES (3)", NULL, 0, &ins3),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    assert_int_equal(pgw_cursor_next_result(bad), PGW_E_SERVER);
    pgw_tx_status tx;
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_OK);
    assert_int_equal(tx, PGW_TX_IDLE);
    assert_int_equal(pgw_cursor_next_result(ins3), PGW_OK);
    assert_string_equal(pgw_cursor_command_tag(ins3), "INSERT 0 1");
    assert_int_equal(pgw_cursor_next_result(ins3), PGW_END);
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_OK);
    /* No Sync left. */
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_E_STATE);
    pgw_cursor_free(bad);
    pgw_cursor_free(ins3);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    assert_int_equal(count_rows(c, "SELECT count(*) FROM pl_implicit"), 1);
    assert_int_equal(count_rows(c, "SELECT max(v) FROM pl_implicit"), 3);
    pgw_conn_free(c);
}

static void test_pipeline_explicit_transaction_status_per_sync(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    exec_ok(c, "CREATE TEMP TABLE pl_tx (v int)");
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "BEGIN", NULL, 0, NULL), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_tx VALUES (1)", NULL, 0, NULL), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK); /* in the block */
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_tx VALUES (2)", NULL, 0, NULL), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "COMMIT", NULL, 0, NULL), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK); /* committed */
    assert_int_equal(pgw_pipeline_query(c, "BEGIN", NULL, 0, NULL), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "INSERT INTO pl_tx VALUES (99)", NULL, 0, NULL),
                     PGW_OK);
    pgw_cursor *bad;
    assert_int_equal(pgw_pipeline_query(c, "SELECT 1/0", NULL, 0, &bad), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK); /* failed block */
    assert_int_equal(pgw_pipeline_query(c, "ROLLBACK", NULL, 0, NULL), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);

    pgw_tx_status tx;
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_OK);
    assert_int_equal(tx, PGW_TX_IN_BLOCK);
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_OK);
    assert_int_equal(tx, PGW_TX_IDLE);
    /* bad is still unread: the Sync after it cannot be read yet. */
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_E_STATE);
    assert_int_equal(pgw_cursor_next_result(bad), PGW_E_SERVER);
    pgw_cursor_free(bad);
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_OK);
    assert_int_equal(tx, PGW_TX_IN_ERROR);
    assert_int_equal(pgw_pipeline_next_sync(c, &tx), PGW_OK);
    assert_int_equal(tx, PGW_TX_IDLE);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_int_equal(count_rows(c, "SELECT sum(v) FROM pl_tx"), 3);
    pgw_conn_free(c);
}

static void test_pipeline_prepared_and_cached_statements(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_stmt *st = NULL;
    assert_int_equal(pgw_prepare(c, "pl_add", "SELECT $1::int4 + 100", NULL, 0, &st), PGW_OK);
    /* Put a parameterised query in the statement cache. */
    pgw_param p7 = int_param("7");
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_params(c, "SELECT $1::int4 * 3", &p7, 1, &cur), PGW_OK);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    pgw_stmt_cache_stats before, after;
    pgw_conn_stmt_cache_stats(c, &before);

    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    pgw_cursor *a[3], *b[3], *u;
    const char *vals[3] = {"1", "2", "3"};
    for (int i = 0; i < 3; i++) {
        pgw_param p = int_param(vals[i]);
        assert_int_equal(pgw_pipeline_stmt(st, &p, 1, &a[i]), PGW_OK);
        assert_int_equal(pgw_pipeline_query(c, "SELECT $1::int4 * 3", &p, 1, &b[i]), PGW_OK);
    }
    /* Not in the cache: prepared into it by this query's own Parse. */
    assert_int_equal(pgw_pipeline_query(c, "SELECT 'unnamed'::text", NULL, 0, &u), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(read_int_result(a[i]), 101 + i);
        /* Cached: AUTO gives int4 in binary. */
        assert_int_equal(pgw_cursor_next_result(b[i]), PGW_OK);
        assert_int_equal(pgw_cursor_column_format(b[i], 0), PGW_FORMAT_BINARY);
        assert_int_equal(pgw_cursor_next(b[i]), PGW_OK);
        int32_t v;
        assert_int_equal(pgw_cursor_int32(b[i], 0, &v), PGW_OK);
        assert_int_equal(v, 3 * (i + 1));
        assert_int_equal(pgw_cursor_next(b[i]), PGW_END);
        assert_int_equal(pgw_cursor_next_result(b[i]), PGW_END);
        pgw_cursor_free(a[i]);
        pgw_cursor_free(b[i]);
    }
    assert_int_equal(pgw_cursor_next(u), PGW_OK);
    const char *t;
    size_t tl;
    assert_int_equal(pgw_cursor_text(u, 0, &t, &tl), PGW_OK);
    assert_int_equal(tl, 7);
    assert_memory_equal(t, "unnamed", 7);
    pgw_cursor_free(u);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    pgw_conn_stmt_cache_stats(c, &after);
    assert_int_equal(after.hits, before.hits + 3);
    assert_int_equal(after.misses, before.misses + 1);
    /* Ready now: a plain parameterised query reuses it. */
    assert_int_equal(pgw_query(c, "SELECT 1", &u), PGW_OK);
    assert_int_equal(pgw_cursor_close(u), PGW_OK);
    assert_int_equal(pgw_query_params(c, "SELECT 'unnamed'::text", NULL, 0, &u), PGW_OK);
    assert_int_equal(pgw_cursor_close(u), PGW_OK);
    pgw_conn_stmt_cache_stats(c, &before);
    assert_int_equal(before.hits, after.hits + 1);
    pgw_stmt_free(st);
    pgw_conn_free(c);
}

/* Many uses of one new statement in one unit of work: the first query's
 * Parse prepares it for the cache and the others only Bind it; when that
 * Parse fails, the others in its unit are skipped, and a use after the
 * Sync parses afresh (reporting the real error, not "does not exist"). */
static void test_pipeline_statement_prepared_within_the_unit(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    pgw_cursor *ok[4], *bad[3];
    const char *vals[4] = {"1", "2", "3", "4"};
    for (int i = 0; i < 4; i++) {
        pgw_param p = int_param(vals[i]);
        assert_int_equal(pgw_pipeline_query(c, "SELECT $1::int4 - 1", &p, 1, &ok[i]), PGW_OK);
    }
    assert_int_equal(pgw_pipeline_query(c, "SELECT * FROM pl_no_such_table", NULL, 0, &bad[0]),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT * FROM pl_no_such_table", NULL, 0, &bad[1]),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT * FROM pl_no_such_table", NULL, 0, &bad[2]),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(read_int_result(ok[i]), i);
        pgw_cursor_free(ok[i]);
    }
    assert_int_equal(pgw_cursor_next(bad[0]), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42P01");
    assert_int_equal(pgw_cursor_failed_step(bad[0]), PGW_STEP_PARSE);
    assert_int_equal(pgw_cursor_next(bad[1]), PGW_E_ABORTED);
    assert_int_equal(pgw_cursor_next(bad[2]), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42P01");
    for (int i = 0; i < 3; i++)
        pgw_cursor_free(bad[i]);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    pgw_stmt_cache_stats st;
    pgw_conn_stmt_cache_stats(c, &st);
    assert_int_equal(st.size, 1); /* the failed one was dropped */
    pgw_param p = int_param("10");
    pgw_cursor *cur;
    assert_int_equal(pgw_query_params(c, "SELECT $1::int4 - 1", &p, 1, &cur), PGW_OK);
    assert_int_equal(read_int_result(cur), 9);
    pgw_cursor_free(cur);
    pgw_conn_free(c);
}

static void test_pipeline_freed_cursors_are_discarded_in_order(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    pgw_cursor *first, *big, *bad, *last;
    assert_int_equal(pgw_pipeline_query(c, "SELECT 1", NULL, 0, &first), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT g FROM generate_series(1, 5000) g", NULL, 0,
                                        &big),
                     PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT 1/0", NULL, 0, &bad), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    assert_int_equal(pgw_pipeline_query(c, "SELECT 42", NULL, 0, &last), PGW_OK);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    /* Out of order: refused, nothing lost. */
    assert_int_equal(pgw_cursor_next(last), PGW_E_STATE);
    assert_int_equal(read_int_result(first), 1);
    /* Half-read, then freed: the rest is skipped. */
    assert_int_equal(pgw_cursor_next(big), PGW_OK);
    pgw_cursor_free(big);
    pgw_cursor_free(bad);
    assert_int_equal(read_int_result(last), 42);
    pgw_cursor_free(first);
    pgw_cursor_free(last);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    exec_ok(c, "SELECT 1");
    pgw_conn_free(c);
}

static void test_pipeline_misuse_is_refused(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_pipeline_query(c, "SELECT 1", NULL, 0, &cur), PGW_E_STATE);
    assert_int_equal(pgw_pipeline_sync(c), PGW_E_STATE);
    assert_int_equal(pgw_pipeline_end(c), PGW_E_STATE);
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    assert_int_equal(pgw_pipeline_begin(c), PGW_E_STATE);
    /* Ordinary queries wait for the pipeline's end. */
    assert_int_equal(pgw_query(c, "SELECT 1", &cur), PGW_E_STATE);
    assert_null(cur);
    assert_int_equal(pgw_pipeline_query(c, "SELECT 1", NULL, 0, &cur), PGW_OK);
    /* No Sync after the query yet. */
    assert_int_equal(pgw_pipeline_end(c), PGW_E_STATE);
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    /* Its result is unread. */
    assert_int_equal(pgw_pipeline_end(c), PGW_E_STATE);
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    /* A refused query text queues nothing. */
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    pgw_param p = {PGW_OID_INT4, 7, "1", 1};
    assert_int_equal(pgw_pipeline_query(c, "SELECT $1", &p, 1, &cur), PGW_E_INVALID);
    assert_int_equal(pgw_pipeline_pending(c), 0);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    exec_ok(c, "SELECT 1");
    pgw_conn_free(c);
}

/* n queries of ~2 KB results each, queued without reading anything, over
 * shrunk socket buffers: a client that only writes would block forever
 * with the server blocked writing results. */
static void huge_batch(pgw_conn *c, int n)
{
    int fd = pgw_conn_fd(c);
    assert_true(fd >= 0);
    /* Small, but above loopback's 64 KiB segments: a receive buffer
     * smaller than one segment stalls TCP itself. */
    int snd = 16384, rcv = 131072;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof snd), 0);
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv), 0);
    pgw_cursor **cur = calloc((size_t)n, sizeof *cur);
    assert_non_null(cur);
    assert_int_equal(pgw_pipeline_begin(c), PGW_OK);
    for (int i = 0; i < n; i++) {
        char text[16];
        snprintf(text, sizeof text, "%d", i);
        pgw_param p = int_param(text);
        assert_int_equal(pgw_pipeline_query(c, "SELECT $1::int4, repeat('x', 2000)", &p, 1,
                                            &cur[i]),
                         PGW_OK);
        if (i % 5000 == 4999)
            assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    }
    assert_int_equal(pgw_pipeline_sync(c), PGW_OK);
    for (int i = 0; i < n; i++) {
        assert_int_equal(pgw_cursor_next(cur[i]), PGW_OK);
        int32_t v;
        assert_int_equal(pgw_cursor_int32(cur[i], 0, &v), PGW_OK);
        assert_int_equal(v, i);
        const char *t;
        size_t tl;
        assert_int_equal(pgw_cursor_text(cur[i], 1, &t, &tl), PGW_OK);
        assert_int_equal(tl, 2000);
        assert_int_equal(pgw_cursor_next(cur[i]), PGW_END);
        assert_int_equal(pgw_cursor_next_result(cur[i]), PGW_END);
        pgw_cursor_free(cur[i]);
    }
    free(cur);
    assert_int_equal(pgw_pipeline_end(c), PGW_OK);
    exec_ok(c, "SELECT 1");
}

/* 20,000 queries, 40 MB of results. */
static void test_pipeline_huge_batch_never_deadlocks(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    huge_batch(c, 20000);
    pgw_conn_free(c);
}

/* The same over TLS: what is read aside is ciphertext, decrypted when the
 * engine gets it. */
static void test_pipeline_huge_batch_over_tls_never_deadlocks(void **s)
{
    (void)s;
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "TRUST", 1, " sslmode=require");
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (!pgw_tls_supported()) {
        /* A build without TLS refuses sslmode=require. */
        assert_true(rc < 0);
        pgw_conn_free(c);
        return;
    }
    if (rc != PGW_OK)
        fail_msg("connect over TLS: %s", pgw_conn_errmsg(c));
    huge_batch(c, 5000);
    pgw_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pipeline_queries_results_arrive_in_order),
        cmocka_unit_test(test_pipeline_error_skips_to_next_sync_then_continues),
        cmocka_unit_test(test_pipeline_sync_is_an_implicit_transaction),
        cmocka_unit_test(test_pipeline_explicit_transaction_status_per_sync),
        cmocka_unit_test(test_pipeline_prepared_and_cached_statements),
        cmocka_unit_test(test_pipeline_statement_prepared_within_the_unit),
        cmocka_unit_test(test_pipeline_freed_cursors_are_discarded_in_order),
        cmocka_unit_test(test_pipeline_misuse_is_refused),
        cmocka_unit_test(test_pipeline_huge_batch_never_deadlocks),
        cmocka_unit_test(test_pipeline_huge_batch_over_tls_never_deadlocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
