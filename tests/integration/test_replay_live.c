/* A session recorded from the fixture at every run — simple and extended
 * queries, binary parameters and results, a prepared statement, errors in
 * both protocols, a failed transaction rolled back, a notice, a
 * notification, a multi-statement query and a 200-row result — replayed
 * through the blocking API cut at every byte offset (tests/hostile/
 * replay.h): every cut fails cleanly, nothing before it changes. Recording
 * live keeps the stream true to the server the suite runs against. */
#include "../hostile/replay.h"
#include "pgtest.h"

/* ---- the recording transport: the default one, with reads kept ---------- */

typedef struct recorder {
    const pgw_transport *inner;
    uint8_t *bytes;
    size_t len, cap;
} recorder;

typedef struct rec_handle {
    recorder *r;
    void *inner;
} rec_handle;

static pgw_status rec_open(void *ud, const pgw_transport_target *t, void **handle, char *errbuf,
                           size_t errlen, int *sys_errno)
{
    recorder *r = ud;
    rec_handle *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->r = r;
    r->len = 0; /* a new connection attempt starts a new stream */
    pgw_status rc = r->inner->open(r->inner->ud, t, &h->inner, errbuf, errlen, sys_errno);
    if (rc != PGW_OK) {
        free(h);
        return rc;
    }
    *handle = h;
    return PGW_OK;
}

static pgw_status rec_read(void *handle, void *buf, size_t n, size_t *got, int *sys_errno)
{
    rec_handle *h = handle;
    pgw_status rc = h->r->inner->read(h->inner, buf, n, got, sys_errno);
    if (rc == PGW_OK) {
        recorder *r = h->r;
        while (r->cap - r->len < *got) {
            r->cap = r->cap ? r->cap * 2 : 65536;
            r->bytes = realloc(r->bytes, r->cap);
            assert_non_null(r->bytes);
        }
        memcpy(r->bytes + r->len, buf, *got);
        r->len += *got;
    }
    return rc;
}

static pgw_status rec_write(void *handle, const void *buf, size_t n, size_t *put, int *sys_errno)
{
    rec_handle *h = handle;
    return h->r->inner->write(h->inner, buf, n, put, sys_errno);
}

static pgw_status rec_wait(void *handle, bool want_read, bool want_write, int timeout_ms,
                           int *sys_errno)
{
    rec_handle *h = handle;
    return h->r->inner->wait(h->inner, want_read, want_write, timeout_ms, sys_errno);
}

static int rec_fd(void *handle)
{
    rec_handle *h = handle;
    return h->r->inner->fd(h->inner);
}

static void rec_close(void *handle)
{
    rec_handle *h = handle;
    h->r->inner->close(h->inner);
    free(h);
}

/* ---- the session ----------------------------------------------------------- */

static size_t session(pgw_conn *c, pgw_status *st, size_t cap)
{
    size_t n = 0;
#define CALL(expr)                                                                          \
    do {                                                                                    \
        if (n < cap)                                                                        \
            st[n++] = (expr);                                                               \
    } while (0)
    pgw_result *r = NULL;
    CALL(pgw_exec(c, "SET client_min_messages = notice", NULL));
    CALL(pgw_query_result(c, "SELECT 1 AS one, NULL::text AS nothing, 'h\xc3\xa9llo'::text", &r));
    pgw_result_free(r);
    r = NULL;
    CALL(pgw_exec(c, "CREATE TEMP TABLE t (id int4, v text, f float8, ts timestamptz)", NULL));
    for (int i = 1; i <= 3; i++) {
        pgw_params *p = NULL;
        assert_int_equal(pgw_params_new(NULL, &p), PGW_OK);
        pgw_params_add_int4(p, i);
        if (i == 2)
            pgw_params_add_null(p, PGW_OID_TEXT);
        else
            pgw_params_add_str(p, "v\xc3\xa9");
        pgw_params_add_float8(p, i * 1.5);
        pgw_params_add_timestamptz(p, (int64_t)i * 86400000000);
        CALL(pgw_exec_params(c, "INSERT INTO t VALUES ($1, $2, $3, $4)", pgw_params_array(p),
                             pgw_params_count(p), NULL));
        pgw_params_free(p);
    }
    pgw_param gt = {.type = PGW_OID_INT4, .format = 0, .data = "1", .len = 1};
    CALL(pgw_query_params_result(c, "SELECT * FROM t WHERE id > $1 ORDER BY id", &gt, 1, &r));
    pgw_result_free(r);
    r = NULL;
    pgw_stmt *s = NULL;
    CALL(pgw_prepare(c, "by_id", "SELECT v, f FROM t WHERE id = $1", NULL, 0, &s));
    if (s != NULL) {
        pgw_param one = {.type = PGW_OID_INT4, .format = 0, .data = "1", .len = 1};
        pgw_param three = {.type = PGW_OID_INT4, .format = 0, .data = "3", .len = 1};
        uint64_t rows = 0;
        CALL(pgw_stmt_exec(s, &one, 1, &rows));
        CALL(pgw_stmt_exec(s, &three, 1, &rows));
        CALL(pgw_stmt_deallocate(s));
        pgw_stmt_free(s);
    } else {
        /* Keep the count of calls fixed: the three the statement would
         * have made fail as the prepare did. */
        pgw_status failed = n > 0 ? st[n - 1] : PGW_E_STATE;
        CALL(failed);
        CALL(failed);
        CALL(failed);
    }
    CALL(pgw_exec(c, "DO $$ BEGIN RAISE NOTICE 'hello notice'; END $$", NULL));
    CALL(pgw_exec(c, "SELECT 1/0", NULL));
    pgw_param zero = {.type = PGW_OID_INT4, .format = 0, .data = "0", .len = 1};
    CALL(pgw_exec_params(c, "SELECT 1/$1", &zero, 1, NULL));
    CALL(pgw_exec(c, "BEGIN", NULL));
    CALL(pgw_exec(c, "SELECT nosuchcolumn", NULL));
    CALL(pgw_exec(c, "SELECT 1", NULL)); /* 25P02: the transaction is aborted */
    CALL(pgw_exec(c, "ROLLBACK", NULL));
    CALL(pgw_exec(c, "LISTEN replay_chan", NULL));
    CALL(pgw_exec(c, "NOTIFY replay_chan, 'payload'", NULL));
    CALL(pgw_exec(c, "SELECT 1; SELECT 2; SELECT 3", NULL));
    CALL(pgw_exec(c, ";", NULL));
    CALL(pgw_query_result(c, "SELECT g, repeat('x', g) FROM generate_series(1, 200) g", &r));
    pgw_result_free(r);
    r = NULL;
    CALL(pgw_exec(c, "SELECT pg_backend_pid()", NULL));
#undef CALL
    return n;
}

static void test_replay_live_session_every_cut_fails_cleanly(void **state)
{
    (void)state;
    char ci[1024];
    snprintf(ci, sizeof ci, "host=%s port=%s dbname=%s user=%s sslmode=disable",
             pgt_env("PGW_TEST_HOST"), pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"),
             pgt_env("PGW_TEST_TRUST_USER"));

    /* Record. */
    recorder rec = {pgw_transport_default(), NULL, 0, 0};
    pgw_transport t = {rec_open, rec_read, rec_write, rec_wait, rec_fd, rec_close, NULL, &rec};
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_with(&c, &o, &t), PGW_OK);
    pgw_status live[RP_MAX_CALLS];
    size_t n = session(c, live, RP_MAX_CALLS);
    pgw_close(c);
    assert_true(n >= 24);
    assert_true(rec.len > 4000);

    /* The replay must reproduce the live statuses exactly: three errors
     * (two divisions by zero, the undefined column) and the aborted
     * transaction's refusal; everything else succeeded. */
    rp_outcome full;
    rp_run(rec.bytes, rec.len, ci, session, &full);
    assert_int_equal(full.connect, PGW_OK);
    assert_int_equal(full.n, n);
    size_t errors = 0;
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(full.st[i], live[i]);
        errors += live[i] == PGW_E_SERVER;
    }
    assert_int_equal(errors, 4);

    size_t cuts = rp_every_cut(rec.bytes, rec.len, ci, session);
    print_message("%zu cuts of a %zu-byte live session, %zu calls\n", cuts, rec.len, n);
    free(rec.bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_live_session_every_cut_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
