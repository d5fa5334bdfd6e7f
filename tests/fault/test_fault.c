/* The real server through the fault proxy (issue 8): stalls during the TLS
 * handshake and during SCRAM, cuts and resets mid-query, a trickled
 * result, backends terminated mid-query and while COMMIT is in flight,
 * statement_timeout and idle_in_transaction_session_timeout, and a cut at
 * every byte offset of a short session. Each scenario asserts the exact
 * status, a wall-clock bound on every wait, and (through failing_alloc)
 * that the connection freed every block. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>

#include "../integration/pgtest.h"
#include "failing_alloc.h"
#include "faultproxy.h"

typedef struct fx {
    fp_proxy *fp;
    uint16_t port;
    failing_alloc fa;
    unsigned conns; /* connections made through the proxy so far */
} fx;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static bool show(void)
{
    return getenv("PGW_SHOW_MESSAGES") != NULL;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->fp = fp_start(pgt_env("PGW_TEST_HOST"), (uint16_t)atoi(pgt_env("PGW_TEST_PORT")), &f->port);
    assert_non_null(f->fp);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    fp_stop(f->fp);
    free(f);
    return 0;
}

static void rule(fx *f, fp_dir d, fp_action a, uint64_t offset, int trickle_ms, unsigned recs)
{
    fp_rule r = {a, offset, trickle_ms, recs};
    fp_set(f->fp, d, r);
}

/* Connect through the proxy as `role` on f->fa. Every earlier proxied
 * connection must be finished first, so the proxy applies the rules set
 * since then to this one. */
static pgw_status fx_connect(fx *f, const char *role, const char *extra, pgw_conn **c)
{
    assert_true(fp_wait_done(f->fp, f->conns, 5000));
    f->conns++;
    char uvar[64], pvar[64], ci[1024];
    snprintf(uvar, sizeof uvar, "PGW_TEST_%s_USER", role);
    snprintf(pvar, sizeof pvar, "PGW_TEST_%s_PASSWORD", role);
    const char *pw = getenv(pvar);
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%u dbname=%s user=%s%s%s%s %s", (unsigned)f->port,
             pgt_env("PGW_TEST_DB"), pgt_env(uvar), pw ? " password='" : "", pw ? pw : "",
             pw ? "'" : "", extra ? extra : "sslmode=disable");
    failing_alloc_init(&f->fa, 0);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    o.allocator = failing_alloc_get(&f->fa);
    *c = NULL;
    return pgw_connect(c, &o);
}

static void fx_free(fx *f, pgw_conn *c)
{
    pgw_conn_free(c);
    if (!failing_alloc_clean(&f->fa))
        fail_msg("leak: %zu blocks, %zu bytes", f->fa.live_blocks, f->fa.live_bytes);
}

/* A direct superuser connection (not through the proxy). */
static pgw_conn *admin(void)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, " sslmode=disable");
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK)
        fail_msg("admin connect: %s %s", pgw_status_name(rc), pgw_conn_errmsg(c));
    return c;
}

static void admin_exec(const char *sql)
{
    pgw_conn *a = admin();
    if (pgw_exec(a, sql, NULL) != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(a));
    pgw_close(a);
}

static int64_t admin_count(const char *table)
{
    pgw_conn *a = admin();
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(a, sql, &r), PGW_OK);
    int64_t n = -1;
    assert_int_equal(pgw_result_int64(r, 0, 0, &n), PGW_OK);
    pgw_result_free(r);
    pgw_close(a);
    return n;
}

static bool is_break(pgw_status rc)
{
    return rc == PGW_E_CLOSED || rc == PGW_E_IO;
}

/* ---- a killer thread: pg_terminate_backend(pid) after a delay ---------- */

typedef struct killer {
    pthread_t t;
    int32_t pid;
    int delay_ms;
    bool killed;
} killer;

static void *kill_run(void *arg)
{
    killer *k = arg;
    sleep_ms(k->delay_ms);
    pgw_conn *a = admin();
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d)", (int)k->pid);
    pgw_result *r = NULL;
    if (pgw_query_result(a, sql, &r) == PGW_OK) {
        const char *v = pgw_result_text(r, 0, 0);
        k->killed = v != NULL && strcmp(v, "t") == 0;
        pgw_result_free(r);
    }
    pgw_close(a);
    return NULL;
}

static void kill_later(killer *k, int32_t pid, int delay_ms)
{
    k->pid = pid;
    k->delay_ms = delay_ms;
    k->killed = false;
    assert_int_equal(pthread_create(&k->t, NULL, kill_run, k), 0);
}

/* ---- scenarios --------------------------------------------------------- */

/* The proxy itself is transparent: a session works and is counted. */
static void test_fault_passthrough_session_is_clean(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "SCRAM", NULL, &c), PGW_OK);
    assert_string_equal(pgw_conn_auth_method(c), "scram-sha-256");
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT 41 + 1", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "42");
    pgw_result_free(r);
    assert_true(fp_bytes(f->fp, FP_S2C) > 0 && fp_bytes(f->fp, FP_C2S) > 0);
    assert_false(fp_triggered(f->fp, FP_S2C));
    fx_free(f, c);
}

#ifdef PGW_FAULT_TLS
/* The server answers SSLRequest with 'S', then nothing: the client's
 * ClientHello is never answered. connect_timeout=2 bounds the wait. */
static void test_fault_tls_handshake_stall_is_bounded_by_connect_timeout(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    rule(f, FP_S2C, FP_DROP, 1, 0, 0);
    pgw_conn *c = NULL;
    double t0 = now_ms();
    pgw_status rc = fx_connect(f, "SCRAM", "sslmode=require connect_timeout=2", &c);
    double ms = now_ms() - t0;
    if (show())
        fprintf(stderr, "# tls stall: %s after %.0f ms: %s\n", pgw_status_name(rc), ms,
                pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_E_TIMEOUT);
    assert_true(fp_triggered(f->fp, FP_S2C));
    assert_true(ms >= 1900.0 && ms < 4500.0);
    assert_false(pgw_conn_tls_in_use(c));
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fx_free(f, c);
}

/* TLS is up, then the client's SASLInitialResponse (its third encrypted
 * record, after Finished and the StartupMessage under TLS 1.3) is never
 * forwarded: the client waits for SASLContinue. connect_timeout bounds it. */
static void test_fault_scram_stall_over_tls_is_bounded_by_connect_timeout(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    /* First, the session's shape: TLS 1.3, SCRAM. */
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "SCRAM", "sslmode=require", &c), PGW_OK);
    assert_true(pgw_conn_tls_in_use(c));
    assert_string_equal(pgw_conn_tls_version(c), "TLSv1.3");
    assert_string_equal(pgw_conn_auth_method(c), "scram-sha-256-plus");
    fx_free(f, c);
    /* Then the stall: 8 plaintext bytes (SSLRequest), then records. */
    rule(f, FP_C2S, FP_DROP, 8, 0, 3);
    double t0 = now_ms();
    pgw_status rc = fx_connect(f, "SCRAM", "sslmode=require connect_timeout=2", &c);
    double ms = now_ms() - t0;
    if (show())
        fprintf(stderr, "# scram stall (tls): %s after %.0f ms: %s\n", pgw_status_name(rc), ms,
                pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_E_TIMEOUT);
    assert_true(fp_triggered(f->fp, FP_C2S));
    assert_true(ms >= 1900.0 && ms < 4500.0);
    assert_null(pgw_conn_auth_method(c));
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fx_free(f, c);
}

#endif

/* Without TLS the offsets are readable: the server's first message is
 * AuthenticationSASL (24 bytes: "SCRAM-SHA-256" only); SASLContinue is
 * held back. */
static void test_fault_scram_stall_plaintext_is_bounded_by_connect_timeout(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    rule(f, FP_S2C, FP_DROP, 24, 0, 0);
    pgw_conn *c = NULL;
    double t0 = now_ms();
    pgw_status rc = fx_connect(f, "SCRAM", "sslmode=disable connect_timeout=2", &c);
    double ms = now_ms() - t0;
    assert_int_equal(rc, PGW_E_TIMEOUT);
    assert_true(fp_triggered(f->fp, FP_S2C));
    assert_int_equal(fp_bytes(f->fp, FP_S2C), 24);
    assert_true(fp_bytes(f->fp, FP_C2S) > 24); /* the SASLInitialResponse went out */
    assert_true(ms >= 1900.0 && ms < 4500.0);
    fx_free(f, c);
}

/* Bytes the server sends for a trust-role connection without TLS, up to
 * the first ReadyForQuery (the same for every such connection). */
static uint64_t connect_s2c_len(fx *f, uint64_t *c2s)
{
    fp_reset_rules(f->fp);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    uint64_t n = fp_bytes(f->fp, FP_S2C);
    if (c2s)
        *c2s = fp_bytes(f->fp, FP_C2S);
    fx_free(f, c);
    return n;
}

#define BIG_QUERY "SELECT g, repeat('x', 50) FROM generate_series(1, 1000) g"

/* The server's answer to a query is cut at several offsets (an orderly
 * close): PGW_E_CLOSED, the connection broken and sticky, no leak. */
static void test_fault_cut_mid_query_at_offsets_is_closed(void **state)
{
    fx *f = *state;
    uint64_t base = connect_s2c_len(f, NULL);
    const uint64_t offs[] = {0, 1, 4, 5, 6, 30, 100, 1000, 20000, 60000};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        rule(f, FP_S2C, FP_CUT, base + offs[i], 0, 0);
        pgw_conn *c = NULL;
        assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
        pgw_conn_set_timeout(c, 5000);
        double t0 = now_ms();
        uint64_t rows = 0;
        pgw_status rc = pgw_exec(c, BIG_QUERY, &rows);
        if (show())
            fprintf(stderr, "# cut at +%llu: %s: %s\n", (unsigned long long)offs[i],
                    pgw_status_name(rc), pgw_conn_errmsg(c));
        assert_int_equal(rc, PGW_E_CLOSED);
        assert_true(now_ms() - t0 < 3000.0);
        assert_true(fp_triggered(f->fp, FP_S2C));
        assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
        assert_int_equal(pgw_exec(c, "SELECT 1", NULL), rc);
        fx_free(f, c);
    }
}

/* The query itself is cut on its way to the server: the server sees a
 * truncated message and EOF, the client sees the connection close. */
static void test_fault_cut_client_to_server_mid_query_is_closed(void **state)
{
    fx *f = *state;
    uint64_t c2s = 0;
    (void)connect_s2c_len(f, &c2s);
    const uint64_t offs[] = {0, 1, 5, 20};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        fp_reset_rules(f->fp);
        rule(f, FP_C2S, FP_CUT, c2s + offs[i], 0, 0);
        pgw_conn *c = NULL;
        assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
        pgw_conn_set_timeout(c, 5000);
        double t0 = now_ms();
        pgw_status rc = pgw_exec(c, BIG_QUERY, NULL);
        if (show())
            fprintf(stderr, "# c2s cut at +%llu: %s: %s\n", (unsigned long long)offs[i],
                    pgw_status_name(rc), pgw_conn_errmsg(c));
        assert_true(is_break(rc));
        assert_true(now_ms() - t0 < 3000.0);
        assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
        fx_free(f, c);
    }
}

/* 10,000 rows arriving one byte per write: the result is exact. */
static void test_fault_trickle_10000_rows_is_correct(void **state)
{
    fx *f = *state;
    uint64_t base = connect_s2c_len(f, NULL);
    rule(f, FP_S2C, FP_TRICKLE, base, 0, 0);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 5000);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, "SELECT g, g::text || 'x' FROM generate_series(1, 10000) g", &cur),
                     PGW_OK);
    int64_t sum = 0, n = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int32_t v = 0;
        assert_int_equal(pgw_cursor_int32(cur, 0, &v), PGW_OK);
        const char *p = NULL;
        size_t len = 0;
        assert_int_equal(pgw_cursor_text(cur, 1, &p, &len), PGW_OK);
        char want[32];
        int wl = snprintf(want, sizeof want, "%dx", (int)v);
        assert_int_equal(len, (size_t)wl);
        assert_memory_equal(p, want, len);
        assert_int_equal(v, n + 1);
        sum += v;
        n++;
    }
    assert_int_equal(rc, PGW_END);
    assert_string_equal(pgw_cursor_command_tag(cur), "SELECT 10000");
    assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    assert_int_equal(n, 10000);
    assert_int_equal(sum, 50005000);
    assert_true(fp_triggered(f->fp, FP_S2C));
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    fx_free(f, c);
}

/* One byte per 10 ms: slower than any single read, faster than the
 * 500 ms wait limit, so the query succeeds — slowly. */
static void test_fault_trickle_slow_bytes_within_io_timeout_succeeds(void **state)
{
    fx *f = *state;
    uint64_t base = connect_s2c_len(f, NULL);
    rule(f, FP_S2C, FP_TRICKLE, base, 10, 0);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 500);
    double t0 = now_ms();
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT 7 AS n", &r), PGW_OK);
    double ms = now_ms() - t0;
    assert_string_equal(pgw_result_text(r, 0, 0), "7");
    pgw_result_free(r);
    uint64_t bytes = fp_bytes(f->fp, FP_S2C) - base;
    if (show())
        fprintf(stderr, "# %llu bytes trickled in %.0f ms\n", (unsigned long long)bytes, ms);
    assert_true(bytes > 40);
    assert_true(ms >= (double)(bytes - 1) * 10.0 * 0.9);
    fx_free(f, c);
}

/* A TCP reset in the middle of the result. */
static void test_fault_reset_mid_result_is_closed(void **state)
{
    fx *f = *state;
    uint64_t base = connect_s2c_len(f, NULL);
    rule(f, FP_S2C, FP_RESET, base + 3000, 0, 0);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 5000);
    pgw_cursor *cur = NULL;
    double t0 = now_ms();
    assert_int_equal(pgw_query(c, BIG_QUERY, &cur), PGW_OK);
    long rows = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK)
        rows++;
    if (show())
        fprintf(stderr, "# reset after %ld rows: %s: %s\n", rows, pgw_status_name(rc),
                pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_true(rows > 0 && rows < 1000);
    assert_true(now_ms() - t0 < 3000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_cursor_free(cur);
    fx_free(f, c);
}

/* The result stops mid-stream and the socket stays open: the wait limit
 * (pgw_conn_set_timeout) ends it. */
static void test_fault_stall_mid_result_is_bounded_by_io_timeout(void **state)
{
    fx *f = *state;
    uint64_t base = connect_s2c_len(f, NULL);
    rule(f, FP_S2C, FP_DROP, base + 3000, 0, 0);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 400);
    double t0 = now_ms();
    pgw_status rc = pgw_exec(c, BIG_QUERY, NULL);
    double ms = now_ms() - t0;
    assert_int_equal(rc, PGW_E_TIMEOUT);
    assert_true(ms >= 350.0 && ms < 2500.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fx_free(f, c);
}

/* pg_terminate_backend while a query runs: the server's FATAL 57P01 and
 * EOF give PGW_E_CLOSED with the server's SQLSTATE. */
static void test_fault_terminate_backend_mid_query_is_closed_57P01(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 8000);
    killer k;
    kill_later(&k, pgw_conn_backend_pid(c), 300);
    double t0 = now_ms();
    pgw_status rc = pgw_exec(c, "SELECT pg_sleep(10)", NULL);
    double ms = now_ms() - t0;
    pthread_join(k.t, NULL);
    if (show())
        fprintf(stderr, "# terminated mid-query: %s [%s]: %s\n", pgw_status_name(rc),
                pgw_conn_error(c)->sqlstate, pgw_conn_errmsg(c));
    assert_true(k.killed);
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57P01");
    assert_true(ms < 5000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fx_free(f, c);
}

/* COMMIT runs a deferred trigger that sleeps; the backend is terminated
 * while COMMIT is in flight. The client must not report success, and the
 * row must not be there. */
static void test_fault_terminate_backend_during_commit_is_not_ok(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    admin_exec("DROP TABLE IF EXISTS fault_commit; CREATE TABLE fault_commit(x int);"
               "CREATE OR REPLACE FUNCTION fault_slow() RETURNS trigger LANGUAGE plpgsql AS "
               "$$BEGIN PERFORM pg_sleep(10); RETURN NULL; END$$;"
               "CREATE CONSTRAINT TRIGGER fault_slow AFTER INSERT ON fault_commit "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fault_slow();"
               "GRANT ALL ON fault_commit TO PUBLIC");
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 8000);
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "INSERT INTO fault_commit VALUES (1)", NULL), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_BLOCK);
    killer k;
    kill_later(&k, pgw_conn_backend_pid(c), 300);
    double t0 = now_ms();
    pgw_status rc = pgw_exec(c, "COMMIT", NULL);
    double ms = now_ms() - t0;
    pthread_join(k.t, NULL);
    if (show())
        fprintf(stderr, "# terminated during COMMIT: %s [%s]: %s\n", pgw_status_name(rc),
                pgw_conn_error(c)->sqlstate, pgw_conn_errmsg(c));
    assert_true(k.killed);
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57P01");
    assert_true(ms < 5000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_UNKNOWN);
    fx_free(f, c);
    assert_int_equal(admin_count("fault_commit"), 0);
    admin_exec("DROP TABLE fault_commit; DROP FUNCTION fault_slow()");
}

/* The server commits but its answer to COMMIT is cut: the client cannot
 * know the outcome and must say so (PGW_E_CLOSED), never PGW_OK. The row
 * IS committed — the in-doubt case an application has to resolve. */
static void test_fault_cut_while_commit_in_flight_is_not_ok(void **state)
{
    fx *f = *state;
    admin_exec("DROP TABLE IF EXISTS fault_doubt; CREATE TABLE fault_doubt(x int);"
               "GRANT ALL ON fault_doubt TO PUBLIC");
    fp_reset_rules(f->fp);
    /* Measure where the answer to COMMIT starts. */
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "INSERT INTO fault_doubt VALUES (1)", NULL), PGW_OK);
    uint64_t at = fp_bytes(f->fp, FP_S2C);
    assert_int_equal(pgw_exec(c, "ROLLBACK", NULL), PGW_OK);
    fx_free(f, c);
    const uint64_t offs[] = {0, 3, 12};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        rule(f, FP_S2C, FP_CUT, at + offs[i], 0, 0);
        assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
        pgw_conn_set_timeout(c, 5000);
        assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
        assert_int_equal(pgw_exec(c, "INSERT INTO fault_doubt VALUES (1)", NULL), PGW_OK);
        pgw_status rc = pgw_exec(c, "COMMIT", NULL);
        if (show())
            fprintf(stderr, "# COMMIT answer cut at +%llu: %s\n", (unsigned long long)offs[i],
                    pgw_status_name(rc));
        assert_int_equal(rc, PGW_E_CLOSED);
        assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
        assert_int_equal(pgw_conn_tx_status(c), PGW_TX_UNKNOWN);
        fx_free(f, c);
    }
    fp_reset_rules(f->fp);
    assert_int_equal(admin_count("fault_doubt"), 3);
    admin_exec("DROP TABLE fault_doubt");
}

/* statement_timeout outside a transaction: the server's 57014, the
 * connection idle and usable. */
static void test_fault_statement_timeout_is_server_error_and_idle(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 5000);
    assert_int_equal(pgw_exec(c, "SET statement_timeout = '200ms'", NULL), PGW_OK);
    double t0 = now_ms();
    assert_int_equal(pgw_exec(c, "SELECT pg_sleep(5)", NULL), PGW_E_SERVER);
    assert_true(now_ms() - t0 < 2000.0);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57014");
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_OK);
    fx_free(f, c);
}

/* statement_timeout inside a transaction: the block is failed, later
 * statements are refused (25P02), and COMMIT answers ROLLBACK — the client
 * shows each step and never carries on as if inside a live transaction. */
static void test_fault_statement_timeout_in_transaction_stays_failed(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 5000);
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "SET LOCAL statement_timeout = '200ms'", NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "SELECT pg_sleep(5)", NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57014");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "25P02");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "COMMIT", &r), PGW_OK);
    assert_string_equal(pgw_result_command_tag(r), "ROLLBACK");
    pgw_result_free(r);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    fx_free(f, c);
}

/* idle_in_transaction_session_timeout ends the session while the client
 * sits in a transaction. The next statement must fail (not run in a new
 * implicit transaction), and nothing the transaction did survives. */
static void test_fault_idle_in_transaction_timeout_is_not_silent(void **state)
{
    fx *f = *state;
    admin_exec("DROP TABLE IF EXISTS fault_iit; CREATE TABLE fault_iit(x int);"
               "GRANT ALL ON fault_iit TO PUBLIC");
    fp_reset_rules(f->fp);
    pgw_conn *c = NULL;
    assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
    pgw_conn_set_timeout(c, 5000);
    assert_int_equal(pgw_exec(c, "SET idle_in_transaction_session_timeout = '200ms'", NULL),
                     PGW_OK);
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "INSERT INTO fault_iit VALUES (1)", NULL), PGW_OK);
    sleep_ms(700);
    double t0 = now_ms();
    pgw_status rc = pgw_exec(c, "INSERT INTO fault_iit VALUES (2)", NULL);
    if (show())
        fprintf(stderr, "# after idle-in-transaction timeout: %s [%s]: %s\n",
                pgw_status_name(rc), pgw_conn_error(c)->sqlstate, pgw_conn_errmsg(c));
    assert_true(now_ms() - t0 < 2000.0);
    assert_true(is_break(rc));
    assert_string_equal(pgw_conn_error(c)->sqlstate, "25P03");
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    assert_int_equal(pgw_exec(c, "COMMIT", NULL), rc);
    fx_free(f, c);
    assert_int_equal(admin_count("fault_iit"), 0);
    admin_exec("DROP TABLE fault_iit");
}

/* ---- the every-byte cut ------------------------------------------------ */

/* Rounds of the every-byte session: 1 in CI; scripts/stress.sh sets
 * PGW_FAULT_LONG_SESSION=1 for a longer one. */
static int session_rounds(void)
{
    const char *v = getenv("PGW_FAULT_LONG_SESSION");
    return v != NULL && *v == '1' ? 6 : 1;
}

/* Connect, then per round a simple query and an extended query twice (the
 * second through the statement cache); a long session adds a transaction
 * and a 200-row result each round. Returns the first failure, or PGW_OK. */
static pgw_status short_session(fx *f, int *stage)
{
    pgw_conn *c = NULL;
    int rounds = session_rounds();
    *stage = 0;
    pgw_status rc = fx_connect(f, "TRUST", NULL, &c);
    if (rc == PGW_OK)
        pgw_conn_set_timeout(c, 3000);
    for (int round = 0; round < rounds && rc == PGW_OK; round++) {
        *stage = 1;
        rc = pgw_exec(c, "SELECT 1", NULL);
        for (int i = 0; i < 2 && rc == PGW_OK; i++) {
            *stage = 2 + i;
            pgw_param p = {PGW_OID_INT4, PGW_FORMAT_TEXT, "41", 2};
            pgw_result *r = NULL;
            rc = pgw_query_params_result(c, "SELECT $1::int4 + 1", &p, 1, &r);
            if (rc == PGW_OK && strcmp(pgw_result_text(r, 0, 0), "42") != 0)
                fail_msg("wrong result %s", pgw_result_text(r, 0, 0));
            pgw_result_free(r);
        }
        if (rounds > 1 && rc == PGW_OK) {
            *stage = 4;
            uint64_t n = 0;
            rc = pgw_exec(c, "BEGIN; SELECT g FROM generate_series(1, 200) g", &n);
            if (rc == PGW_OK && n != 200)
                fail_msg("200 rows expected, got %llu", (unsigned long long)n);
            if (rc == PGW_OK)
                rc = pgw_exec(c, "COMMIT", NULL);
        }
    }
    if (rc != PGW_OK && pgw_conn_get_state(c) != PGW_CONN_BROKEN)
        fail_msg("stage %d: %s but state %d", *stage, pgw_status_name(rc),
                 (int)pgw_conn_get_state(c));
    if (rc == PGW_OK) {
        pgw_stmt_cache_stats st;
        pgw_conn_stmt_cache_stats(c, &st);
        if (st.hits != (uint64_t)(2 * rounds - 1) || st.misses != 1)
            fail_msg("statement cache: %llu hits, %llu misses", (unsigned long long)st.hits,
                     (unsigned long long)st.misses);
    }
    fx_free(f, c);
    return rc;
}

static void cut_every_byte(fx *f, fp_dir dir, fp_action action, uint64_t total, uint64_t ok_from,
                           unsigned counts[4])
{
    for (uint64_t off = 0; off < total; off++) {
        fp_reset_rules(f->fp);
        rule(f, dir, action, off, 0, 0);
        int stage = 0;
        double t0 = now_ms();
        pgw_status rc = short_session(f, &stage);
        double ms = now_ms() - t0;
        if (ms > 2500.0)
            fail_msg("%s cut at %llu took %.0f ms", dir == FP_S2C ? "s2c" : "c2s",
                     (unsigned long long)off, ms);
        if (rc == PGW_OK) {
            if (off < ok_from)
                fail_msg("%s cut at %llu: the session succeeded", dir == FP_S2C ? "s2c" : "c2s",
                         (unsigned long long)off);
            counts[0]++;
        } else if (rc == PGW_E_CLOSED) {
            counts[1]++;
        } else if (rc == PGW_E_IO) {
            counts[2]++;
        } else {
            fail_msg("%s cut at %llu (stage %d): %s", dir == FP_S2C ? "s2c" : "c2s",
                     (unsigned long long)off, stage, pgw_status_name(rc));
        }
    }
}

/* Every byte offset in both directions, cut (EOF) or reset (RST): each
 * gives PGW_E_CLOSED or PGW_E_IO at once, never a crash, hang or leak.
 * scripts/stress.sh runs a longer session the same way. */
static void test_fault_cut_at_every_byte_of_short_session_is_clean(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    int stage = 0;
    assert_int_equal(short_session(f, &stage), PGW_OK);
    assert_true(fp_wait_done(f->fp, f->conns, 5000));
    uint64_t s2c = fp_bytes(f->fp, FP_S2C), c2s = fp_bytes(f->fp, FP_C2S);
    assert_true(s2c > 100 && c2s > 50);
    unsigned counts[4] = {0};
    double t0 = now_ms();
    cut_every_byte(f, FP_S2C, FP_CUT, s2c, s2c, counts);
    /* The client's last 5 bytes are Terminate: cutting it loses nothing. */
    cut_every_byte(f, FP_C2S, FP_CUT, c2s, c2s - 5, counts);
    cut_every_byte(f, FP_S2C, FP_RESET, s2c, s2c, counts);
    fprintf(stderr, "# every-byte cut: s2c %llu + c2s %llu bytes, cut and reset: "
                    "%u ok (after the last awaited byte), %u closed, %u io, %.1f s\n",
            (unsigned long long)s2c, (unsigned long long)c2s, counts[0], counts[1], counts[2],
            (now_ms() - t0) / 1000.0);
    assert_int_equal(counts[0], 5);
    fp_reset_rules(f->fp);
}


/* pg_terminate_backend racing the completion of a short query, with no
 * cancel request involved: whichever wins, the client reports it — the
 * query's own PGW_E_CLOSED (57P01), or success followed by PGW_E_CLOSED on
 * the next query — and never a success after the confirmed termination.
 * PGW_FAULT_RACES iterations (20 here; scripts/stress.sh runs 1,000). */
static void test_fault_terminate_racing_completion_is_never_silent(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    const char *v = getenv("PGW_FAULT_RACES");
    long iters = v != NULL ? atol(v) : 20;
    unsigned lost_query = 0, lost_next = 0;
    srand(12345);
    for (long i = 0; i < iters; i++) {
        pgw_conn *c = NULL;
        assert_int_equal(fx_connect(f, "TRUST", NULL, &c), PGW_OK);
        pgw_conn_set_timeout(c, 5000);
        killer k;
        kill_later(&k, pgw_conn_backend_pid(c), rand() % 25);
        pgw_status rc = pgw_exec(c, "SELECT pg_sleep(0.01)", NULL);
        pthread_join(k.t, NULL);
        assert_true(k.killed);
        if (rc == PGW_OK) {
            pgw_status next = pgw_exec(c, "SELECT 1", NULL);
            if (next != PGW_E_CLOSED)
                fail_msg("iteration %ld: after the kill the next query gave %s", i,
                         pgw_status_name(next));
            lost_next++;
        } else {
            if (rc != PGW_E_CLOSED)
                fail_msg("iteration %ld: %s", i, pgw_status_name(rc));
            lost_query++;
        }
        assert_string_equal(pgw_conn_error(c)->sqlstate, "57P01");
        assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
        fx_free(f, c);
    }
    fprintf(stderr, "# terminate races: %ld runs: %u killed the query, %u killed the next one\n",
            iters, lost_query, lost_next);
    assert_int_equal(lost_query + lost_next, (unsigned)iters);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_passthrough_session_is_clean),
#ifdef PGW_FAULT_TLS /* a build with TLS */
        cmocka_unit_test(test_fault_tls_handshake_stall_is_bounded_by_connect_timeout),
        cmocka_unit_test(test_fault_scram_stall_over_tls_is_bounded_by_connect_timeout),
#endif
        cmocka_unit_test(test_fault_scram_stall_plaintext_is_bounded_by_connect_timeout),
        cmocka_unit_test(test_fault_cut_mid_query_at_offsets_is_closed),
        cmocka_unit_test(test_fault_cut_client_to_server_mid_query_is_closed),
        cmocka_unit_test(test_fault_trickle_10000_rows_is_correct),
        cmocka_unit_test(test_fault_trickle_slow_bytes_within_io_timeout_succeeds),
        cmocka_unit_test(test_fault_reset_mid_result_is_closed),
        cmocka_unit_test(test_fault_stall_mid_result_is_bounded_by_io_timeout),
        cmocka_unit_test(test_fault_terminate_backend_mid_query_is_closed_57P01),
        cmocka_unit_test(test_fault_terminate_backend_during_commit_is_not_ok),
        cmocka_unit_test(test_fault_cut_while_commit_in_flight_is_not_ok),
        cmocka_unit_test(test_fault_statement_timeout_is_server_error_and_idle),
        cmocka_unit_test(test_fault_statement_timeout_in_transaction_stays_failed),
        cmocka_unit_test(test_fault_idle_in_transaction_timeout_is_not_silent),
        cmocka_unit_test(test_fault_cut_at_every_byte_of_short_session_is_clean),
        cmocka_unit_test(test_fault_terminate_racing_completion_is_never_silent),
    };
    /* scripts/stress.sh runs one scenario at a time. */
    const char *only = getenv("PGW_FAULT_ONLY");
    if (only != NULL && *only != '\0')
        cmocka_set_test_filter(only);
    return cmocka_run_group_tests(tests, setup, teardown);
}
