/* One connection per thread (issue 10): N threads each open their own
 * connection to the fixture server (SCRAM over TCP) and run queries, at the
 * same time. Connections share nothing, so this must be clean under
 * ThreadSanitizer (scripts/tsan.sh runs it with many threads and queries);
 * the integration suite runs a small version without TSan.
 *
 * PGW_THREADS (default 8) and PGW_THREAD_QUERIES (default 20) set the size. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../integration/pgtest.h"
#include "pgwire.h"

typedef struct worker {
    pthread_t thread;
    int id;
    int queries;
    const char *conninfo;
    int ok;           /* queries whose answer checked out */
    int notices;
    char error[256];  /* first failure, empty when none */
} worker;

static void on_notice(void *ud, const pgw_error *n)
{
    worker *w = ud;
    (void)n;
    w->notices++;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = w->conninfo;
    o.notice = on_notice;
    o.notice_ud = w;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &o);
    if (rc != PGW_OK) {
        snprintf(w->error, sizeof w->error, "connect: %s: %s", pgw_status_name(rc),
                 pgw_conn_errmsg(c));
        pgw_conn_free(c);
        return NULL;
    }
    for (int q = 0; q < w->queries; q++) {
        /* Rows streamed, a notice, and a server error every few queries:
         * each connection keeps its own error and notice state. */
        char sql[256];
        int64_t base = (int64_t)w->id * 100000 + q;
        if (q % 5 == 4) {
            snprintf(sql, sizeof sql, "SELECT 1/0 AS t%d", w->id);
            uint64_t rows;
            rc = pgw_exec(c, sql, &rows);
            const pgw_error *e = pgw_conn_error(c);
            if (rc != PGW_E_SERVER || strcmp(e->sqlstate, "22012") != 0) {
                snprintf(w->error, sizeof w->error, "query %d: want 22012, got %s (%s)", q,
                         pgw_status_name(rc), pgw_conn_errmsg(c));
                break;
            }
            w->ok++;
            continue;
        }
        snprintf(sql, sizeof sql,
                 "DO $$BEGIN RAISE NOTICE 'thread %d'; END$$; "
                 "SELECT %lld + g FROM generate_series(1, 10) g",
                 w->id, (long long)base);
        pgw_cursor *cur = NULL;
        rc = pgw_query(c, sql, &cur);
        int64_t sum = 0, n = 0;
        while (rc == PGW_OK && (rc = pgw_cursor_next_result(cur)) == PGW_OK) {
            while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
                int64_t v;
                if (pgw_cursor_int64(cur, 0, &v) == PGW_OK) {
                    sum += v;
                    n++;
                }
            }
            if (rc == PGW_END)
                rc = PGW_OK;
        }
        pgw_cursor_free(cur);
        if ((rc != PGW_OK && rc != PGW_END) || n != 10 || sum != base * 10 + 55) {
            snprintf(w->error, sizeof w->error, "query %d: %s, %lld rows, sum %lld", q,
                     pgw_status_name(rc), (long long)n, (long long)sum);
            break;
        }
        w->ok++;
    }
    pgw_close(c);
    return NULL;
}

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? atoi(v) : dflt;
}

static void test_threads_own_connections_run_concurrently(void **state)
{
    (void)state;
    int nthreads = env_int("PGW_THREADS", 8);
    int queries = env_int("PGW_THREAD_QUERIES", 20);
    assert_true(nthreads > 0 && nthreads <= 256 && queries > 0);
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SCRAM", 1, " sslmode=disable");
    worker *ws = calloc((size_t)nthreads, sizeof *ws);
    assert_non_null(ws);
    for (int i = 0; i < nthreads; i++) {
        ws[i].id = i;
        ws[i].queries = queries;
        ws[i].conninfo = ci;
        assert_int_equal(pthread_create(&ws[i].thread, NULL, run_worker, &ws[i]), 0);
    }
    for (int i = 0; i < nthreads; i++)
        assert_int_equal(pthread_join(ws[i].thread, NULL), 0);
    int failed = 0;
    for (int i = 0; i < nthreads; i++) {
        if (ws[i].error[0] != '\0') {
            print_error("thread %d: %s\n", i, ws[i].error);
            failed++;
            continue;
        }
        assert_int_equal(ws[i].ok, queries);
        /* Each connection saw exactly its own notices. */
        assert_int_equal(ws[i].notices, queries - queries / 5);
    }
    free(ws);
    assert_int_equal(failed, 0);
    print_message("# %d threads x %d queries, each on its own connection\n", nthreads, queries);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_own_connections_run_concurrently),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
