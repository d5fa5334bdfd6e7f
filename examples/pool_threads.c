/* The connection pool from several threads.
 *
 * Eight threads share a pool of at most four connections and each runs 50
 * short transactions (increment a counter row, log which thread did it):
 * acquire, BEGIN, two statements, COMMIT, release. The row lock on the
 * counter orders the increments, so the count comes out exact however the
 * threads interleave. Then one caller "forgets" to commit: the pool rolls
 * the transaction back when the connection comes back, before anyone else
 * can see it. Only counters that do not depend on timing are printed (how
 * many connections were opened, or how many acquires had to wait, depend
 * on the scheduler).
 *
 * usage: pool_threads CONNINFO   (the tables go in the session's search_path) */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

#define NTHREADS 8
#define NTX 50
#define POOL_MAX 4

typedef struct worker {
    pgw_pool *pool;
    int32_t id;
    int failed; /* set by the worker, read by main after the join */
} worker;

/* One transaction on a borrowed connection. On failure the error is
 * printed here, while the connection is still ours to ask. */
static int one_transaction(worker *w, pgw_conn *c)
{
    pgw_param who = {PGW_OID_INT4, PGW_FORMAT_TEXT, NULL, 0};
    char idtext[16];
    who.len = (size_t)snprintf(idtext, sizeof idtext, "%d", (int)w->id);
    who.data = idtext;
    const char *what = "BEGIN";
    if (pgw_begin(c, NULL) == PGW_OK) {
        what = "UPDATE";
        if (pgw_exec(c, "UPDATE counter SET n = n + 1 WHERE id = 1", NULL) == PGW_OK) {
            what = "INSERT";
            if (pgw_exec_params(c, "INSERT INTO counter_log (thread) VALUES ($1)", &who, 1,
                                NULL) == PGW_OK) {
                what = "COMMIT";
                if (pgw_commit(c) == PGW_OK)
                    return 0;
            }
        }
    }
    fprintf(stderr, "pool_threads: thread %d: %s: %s\n", (int)w->id, what, pgw_conn_errmsg(c));
    return 1;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < NTX; i++) {
        pgw_conn *c = NULL;
        pgw_status rc = pgw_pool_acquire(w->pool, PGW_POOL_TIMEOUT_DEFAULT, &c);
        if (rc != PGW_OK) {
            char msg[256];
            pgw_pool_last_error(w->pool, msg, sizeof msg);
            fprintf(stderr, "pool_threads: thread %d: acquire: %s%s%s\n", (int)w->id,
                    pgw_status_name(rc), msg[0] ? ": " : "", msg);
            w->failed = 1;
            return NULL;
        }
        int bad = one_transaction(w, c);
        /* Back to the pool either way: a failed transaction is rolled back
         * on release, a broken connection closed and replaced later. */
        pgw_pool_release(w->pool, c);
        if (bad) {
            w->failed = 1;
            return NULL;
        }
    }
    return NULL;
}

static int report(pgw_conn *c, const char *what)
{
    fprintf(stderr, "pool_threads: %s: %s\n", what, pgw_conn_errmsg(c));
    return 1;
}

/* Tables on a connection of our own, outside the pool. */
static int setup(const char *conninfo)
{
    pgw_conn *c = NULL;
    int bad = 0;
    if (pgw_connect_str(&c, conninfo) != PGW_OK)
        bad = report(c, "connect");
    else if (pgw_exec(c, "DROP TABLE IF EXISTS counter, counter_log;"
                         "CREATE TABLE counter (id int PRIMARY KEY, n int NOT NULL);"
                         "INSERT INTO counter VALUES (1, 0);"
                         "CREATE TABLE counter_log (thread int NOT NULL)",
                      NULL) != PGW_OK)
        bad = report(c, "create tables");
    pgw_close(c);
    return bad;
}

/* Read the results through the pool too. */
static int show(pgw_pool *pool, const char *label)
{
    pgw_conn *c = NULL;
    if (pgw_pool_acquire(pool, PGW_POOL_TIMEOUT_DEFAULT, &c) != PGW_OK) {
        fprintf(stderr, "pool_threads: acquire for %s failed\n", label);
        return 1;
    }
    pgw_result *r = NULL;
    int bad = 0;
    char ntx[16];
    pgw_param each = {PGW_OID_INT8, PGW_FORMAT_TEXT, ntx,
                      (size_t)snprintf(ntx, sizeof ntx, "%d", NTX)};
    if (pgw_query_params_result(c,
                                "SELECT (SELECT n FROM counter WHERE id = 1),"
                                " (SELECT count(*) FROM counter_log),"
                                " (SELECT count(DISTINCT thread) FROM counter_log),"
                                " (SELECT bool_and(k = $1) FROM"
                                "   (SELECT count(*) AS k FROM counter_log GROUP BY thread) t)",
                                &each, 1, &r) != PGW_OK ||
        pgw_result_nrows(r) != 1) {
        bad = report(c, label);
    } else {
        const char *same = pgw_result_text(r, 0, 3);
        printf("%s: counter %s, %s log rows from %s threads, %d each: %s\n", label,
               pgw_result_text(r, 0, 0), pgw_result_text(r, 0, 1), pgw_result_text(r, 0, 2),
               NTX, same != NULL && strcmp(same, "t") == 0 ? "yes" : "no");
    }
    pgw_result_free(r);
    pgw_pool_release(pool, c);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pool_threads CONNINFO\n");
        return 2;
    }
    if (setup(argv[1]) != 0)
        return 1;

    pgw_pool_options opt;
    pgw_pool_options_init(&opt);
    opt.conninfo = argv[1];
    opt.max_size = POOL_MAX;
    opt.acquire_timeout_ms = 60000;
    pgw_pool *pool = NULL;
    if (pgw_pool_new(&pool, &opt) != PGW_OK) {
        fprintf(stderr, "pool_threads: pgw_pool_new failed\n");
        return 1;
    }

    worker workers[NTHREADS];
    pthread_t threads[NTHREADS];
    int started = 0, failed = 0;
    for (int i = 0; i < NTHREADS; i++) {
        workers[i] = (worker){.pool = pool, .id = i + 1, .failed = 0};
        if (pthread_create(&threads[i], NULL, run_worker, &workers[i]) != 0) {
            fprintf(stderr, "pool_threads: pthread_create failed\n");
            failed = 1;
            break;
        }
        started++;
    }
    for (int i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
        failed |= workers[i].failed;
    }
    if (failed) {
        pgw_pool_free(pool);
        return 1;
    }
    printf("%d threads x %d transactions through a pool of at most %d connections\n",
           NTHREADS, NTX, POOL_MAX);
    if (show(pool, "after the threads") != 0) {
        pgw_pool_free(pool);
        return 1;
    }

    /* A caller that leaves a transaction open: release rolls it back. */
    pgw_conn *c = NULL;
    if (pgw_pool_acquire(pool, PGW_POOL_TIMEOUT_DEFAULT, &c) != PGW_OK ||
        pgw_begin(c, NULL) != PGW_OK ||
        pgw_exec(c, "UPDATE counter SET n = n + 1000 WHERE id = 1", NULL) != PGW_OK) {
        fprintf(stderr, "pool_threads: open transaction: %s\n",
                c != NULL ? pgw_conn_errmsg(c) : "acquire failed");
        if (c != NULL)
            pgw_pool_release(pool, c);
        pgw_pool_free(pool);
        return 1;
    }
    pgw_pool_release(pool, c);
    if (show(pool, "after a release without COMMIT") != 0) {
        pgw_pool_free(pool);
        return 1;
    }

    pgw_pool_stats st;
    pgw_pool_get_stats(pool, &st, sizeof st);
    printf("pool: %" PRIu64 " acquires, %" PRIu64 " rolled back on release, %" PRIu64
           " broken, %" PRIu64 " failed connects, %zu lent now, at most %d open: %s\n",
           st.acquires, st.rollbacks, st.broken, st.failed_connects, st.in_use, POOL_MAX,
           st.created <= POOL_MAX && st.size <= POOL_MAX ? "yes" : "no");
    pgw_pool_free(pool);
    return 0;
}
