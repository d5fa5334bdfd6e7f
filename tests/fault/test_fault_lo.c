/* Large objects and the fast path through the fault proxy: the answer to
 * a loread cut at every byte, a backend terminated during a fast-path
 * call, an export whose answers stall, and an import cut on its way to the
 * server (nothing is created). Each scenario asserts the exact status, a
 * wall-clock bound, and (through failing_alloc) that nothing leaked. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "../integration/pgtest.h"
#include "failing_alloc.h"
#include "faultproxy.h"
#include "pgwire/fastpath.h"
#include "pgwire/lo.h"

typedef struct fx {
    fp_proxy *fp;
    uint16_t port;
    failing_alloc fa;
    unsigned conns;
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

static void rule(fx *f, fp_dir d, fp_action a, uint64_t offset)
{
    fp_rule r = {a, offset, 0, 0};
    fp_set(f->fp, d, r);
}

/* Through the proxy as the trust role, on f->fa. */
static pgw_conn *fx_connect(fx *f)
{
    assert_true(fp_wait_done(f->fp, f->conns, 5000));
    f->conns++;
    char ci[1024];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%u dbname=%s user=%s sslmode=disable",
             (unsigned)f->port, pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_TRUST_USER"));
    failing_alloc_init(&f->fa, 0);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    o.allocator = failing_alloc_get(&f->fa);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &o);
    if (rc != PGW_OK)
        fail_msg("connect through the proxy: %s %s", pgw_status_name(rc), pgw_conn_errmsg(c));
    pgw_conn_set_timeout(c, 5000);
    return c;
}

static void fx_free(fx *f, pgw_conn *c)
{
    pgw_conn_free(c);
    if (!failing_alloc_clean(&f->fa))
        fail_msg("leak: %zu blocks, %zu bytes", f->fa.live_blocks, f->fa.live_bytes);
}

/* A direct connection (not through the proxy). */
static pgw_conn *direct(const char *role)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, role, 1, " sslmode=disable");
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK)
        fail_msg("direct connect: %s %s", pgw_status_name(rc), pgw_conn_errmsg(c));
    return c;
}

static void ok(pgw_conn *c, pgw_status rc, const char *what)
{
    if (rc != PGW_OK)
        fail_msg("%s: %s (%s)", what, pgw_conn_errmsg(c), pgw_status_name(rc));
}

/* An object of n bytes owned by the trust role. */
static uint32_t make_object(size_t n)
{
    pgw_conn *c = direct("TRUST");
    uint8_t *data = malloc(n);
    assert_non_null(data);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    uint32_t oid;
    int32_t fd;
    ok(c, pgw_exec(c, "BEGIN", NULL), "BEGIN");
    ok(c, pgw_lo_create(c, 0, &oid), "lo_create");
    ok(c, pgw_lo_open(c, oid, PGW_LO_WRITE, &fd), "lo_open");
    ok(c, pgw_lo_write(c, fd, data, n, NULL), "lo_write");
    ok(c, pgw_exec(c, "COMMIT", NULL), "COMMIT");
    free(data);
    pgw_close(c);
    return oid;
}

static void drop_object(uint32_t oid)
{
    pgw_conn *c = direct("TRUST");
    ok(c, pgw_lo_unlink(c, oid), "lo_unlink");
    pgw_close(c);
}

static int64_t count_objects(void)
{
    pgw_conn *c = direct("SUPER");
    pgw_result *r = NULL;
    ok(c, pgw_query_result(c, "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata", &r),
       "count");
    int64_t n = -1;
    assert_int_equal(pgw_result_int64(r, 0, 0, &n), PGW_OK);
    pgw_result_free(r);
    pgw_close(c);
    return n;
}

/* BEGIN and lo_open (with the function lookup) on a proxied connection. */
static int32_t open_object(pgw_conn *c, uint32_t oid)
{
    int32_t fd = -1;
    ok(c, pgw_exec(c, "BEGIN", NULL), "BEGIN");
    ok(c, pgw_lo_open(c, oid, PGW_LO_READ, &fd), "lo_open");
    return fd;
}

/* The answer to a fast-path loread (FunctionCallResponse, ReadyForQuery)
 * cut after every one of its bytes: PGW_E_CLOSED, never a short read
 * reported as success; the connection broken and sticky; no leak. */
static void test_fault_lo_read_answer_cut_at_every_byte_is_closed(void **state)
{
    fx *f = *state;
    uint32_t oid = make_object(20);
    fp_reset_rules(f->fp);
    pgw_conn *c = fx_connect(f);
    int32_t fd = open_object(c, oid);
    uint64_t base = fp_bytes(f->fp, FP_S2C);
    char buf[32];
    size_t n = 0;
    ok(c, pgw_lo_read(c, fd, buf, 20, &n), "lo_read");
    assert_int_equal(n, 20);
    uint64_t len = fp_bytes(f->fp, FP_S2C) - base;
    /* 'V' + length + value length + 20 bytes, 'Z' + length + status. */
    assert_int_equal(len, 1 + 4 + 4 + 20 + 1 + 4 + 1);
    fx_free(f, c);

    for (uint64_t k = 0; k < len; k++) {
        rule(f, FP_S2C, FP_CUT, base + k);
        c = fx_connect(f);
        fd = open_object(c, oid);
        double t0 = now_ms();
        n = 99;
        pgw_status rc = pgw_lo_read(c, fd, buf, 20, &n);
        if (rc != PGW_E_CLOSED)
            fail_msg("cut at +%llu: %s (%s)", (unsigned long long)k, pgw_status_name(rc),
                     pgw_conn_errmsg(c));
        assert_int_equal(n, 0);
        assert_true(now_ms() - t0 < 3000.0);
        assert_true(fp_triggered(f->fp, FP_S2C));
        assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
        assert_int_equal(pgw_lo_close(c, fd), PGW_E_CLOSED);
        fx_free(f, c);
    }
    fp_reset_rules(f->fp);
    drop_object(oid);
}

/* pg_terminate_backend during a fast-path call (pg_sleep by OID): the
 * FATAL 57P01 arrives in place of the FunctionCallResponse. */
typedef struct killer {
    pthread_t t;
    int32_t pid;
    bool killed;
} killer;

static void *kill_run(void *arg)
{
    killer *k = arg;
    sleep_ms(300);
    pgw_conn *a = direct("SUPER");
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

static void test_fault_lo_terminate_backend_in_a_fastpath_call_is_closed_57P01(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    pgw_conn *c = fx_connect(f);
    pgw_result *r = NULL;
    ok(c, pgw_query_result(c, "SELECT 'pg_sleep(float8)'::regprocedure::oid", &r), "oid");
    int64_t fn = 0;
    assert_int_equal(pgw_result_int64(r, 0, 0, &fn), PGW_OK);
    pgw_result_free(r);
    pgw_param arg = {0, PGW_FORMAT_TEXT, "10", 2};
    killer k = {0};
    k.pid = pgw_conn_backend_pid(c);
    assert_int_equal(pthread_create(&k.t, NULL, kill_run, &k), 0);
    double t0 = now_ms();
    pgw_status rc = pgw_fastpath_call(c, (uint32_t)fn, &arg, 1, PGW_FORMAT_BINARY, NULL, NULL);
    double ms = now_ms() - t0;
    pthread_join(k.t, NULL);
    assert_true(k.killed);
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57P01");
    assert_true(ms < 5000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fx_free(f, c);
}

/* The server's answers stop in the middle of an export: the timeout
 * bounds the wait; the connection is broken, nothing leaks. */
static void test_fault_lo_export_stall_is_bounded_by_io_timeout(void **state)
{
    fx *f = *state;
    uint32_t oid = make_object(3 * PGW_LO_CHUNK);
    fp_reset_rules(f->fp);
    pgw_conn *c = fx_connect(f);
    uint64_t base = fp_bytes(f->fp, FP_S2C);
    fx_free(f, c);
    char path[128];
    snprintf(path, sizeof path, "/tmp/pgw-fault-lo-%ld.bin", (long)getpid());
    /* Past the function lookup and into the second chunk. */
    rule(f, FP_S2C, FP_DROP, base + 2000 + PGW_LO_CHUNK + 1000);
    c = fx_connect(f);
    pgw_conn_set_timeout(c, 400);
    double t0 = now_ms();
    pgw_status rc = pgw_lo_export(c, oid, path);
    double ms = now_ms() - t0;
    assert_int_equal(rc, PGW_E_TIMEOUT);
    assert_true(ms >= 350.0 && ms < 2500.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fx_free(f, c);
    unlink(path);
    fp_reset_rules(f->fp);
    drop_object(oid);
}

/* An import cut on its way to the server: the transaction it started
 * never committed, so no object was created. */
static void test_fault_lo_import_cut_mid_upload_creates_nothing(void **state)
{
    fx *f = *state;
    char path[128];
    snprintf(path, sizeof path, "/tmp/pgw-fault-lo-in-%ld.bin", (long)getpid());
    FILE *fh = fopen(path, "wb");
    assert_non_null(fh);
    for (size_t i = 0; i < 2 * PGW_LO_CHUNK; i++)
        fputc((int)(i & 0xff), fh);
    assert_int_equal(fclose(fh), 0);
    fp_reset_rules(f->fp);
    pgw_conn *c = fx_connect(f);
    uint64_t base = fp_bytes(f->fp, FP_C2S);
    fx_free(f, c);
    int64_t before = count_objects();
    rule(f, FP_C2S, FP_CUT, base + 500 + PGW_LO_CHUNK / 2);
    c = fx_connect(f);
    uint32_t oid = 7;
    double t0 = now_ms();
    pgw_status rc = pgw_lo_import(c, path, &oid);
    assert_true(rc == PGW_E_CLOSED || rc == PGW_E_IO);
    assert_true(now_ms() - t0 < 3000.0);
    assert_int_equal(oid, 0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fx_free(f, c);
    fp_reset_rules(f->fp);
    /* The backend notices the cut and rolls back; give it a moment. */
    for (int i = 0; i < 50 && count_objects() != before; i++)
        sleep_ms(100);
    assert_int_equal(count_objects(), before);
    unlink(path);
}

/* One session of every large-object call inside a transaction that is
 * rolled back (nothing persists, whatever fails). */
static pgw_status lo_session(pgw_conn *c, const char *in, const char *out)
{
    uint8_t data[300], back[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    uint32_t oid, oid2;
    int32_t fd;
    int64_t pos;
    size_t n;
    pgw_status rc;
    if ((rc = pgw_exec(c, "BEGIN", NULL)) != PGW_OK ||
        (rc = pgw_lo_create(c, 0, &oid)) != PGW_OK ||
        (rc = pgw_lo_open(c, oid, PGW_LO_READ | PGW_LO_WRITE, &fd)) != PGW_OK ||
        (rc = pgw_lo_write(c, fd, data, sizeof data, NULL)) != PGW_OK ||
        (rc = pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_SET, &pos)) != PGW_OK ||
        (rc = pgw_lo_read(c, fd, back, sizeof back, &n)) != PGW_OK ||
        (rc = pgw_lo_tell64(c, fd, &pos)) != PGW_OK ||
        (rc = pgw_lo_truncate64(c, fd, 10)) != PGW_OK || (rc = pgw_lo_close(c, fd)) != PGW_OK ||
        (rc = pgw_lo_import(c, in, &oid2)) != PGW_OK ||
        (rc = pgw_lo_export(c, oid2, out)) != PGW_OK ||
        (rc = pgw_lo_set_method(c, PGW_LO_METHOD_SQL)) != PGW_OK ||
        (rc = pgw_lo_open(c, oid2, PGW_LO_READ, &fd)) != PGW_OK ||
        (rc = pgw_lo_read(c, fd, back, sizeof back, &n)) != PGW_OK ||
        (rc = pgw_lo_unlink(c, oid)) != PGW_OK || (rc = pgw_exec(c, "ROLLBACK", NULL)) != PGW_OK)
        return rc;
    assert_int_equal(n, sizeof data);
    assert_memory_equal(back, data, sizeof data);
    return PGW_OK;
}

/* Every allocation after connecting fails in turn: the session stops with
 * PGW_E_NOMEM (or copes), and freeing the connection releases every
 * block. */
static void test_fault_lo_out_of_memory_at_every_allocation(void **state)
{
    fx *f = *state;
    char in[128], out[128];
    snprintf(in, sizeof in, "/tmp/pgw-fault-lo-oom-%ld.in", (long)getpid());
    snprintf(out, sizeof out, "/tmp/pgw-fault-lo-oom-%ld.out", (long)getpid());
    FILE *fh = fopen(in, "wb");
    assert_non_null(fh);
    for (int i = 0; i < 300; i++)
        fputc(i & 0xff, fh);
    assert_int_equal(fclose(fh), 0);
    fp_reset_rules(f->fp);
    bool finished = false;
    for (size_t k = 1; k < 2000 && !finished; k++) {
        pgw_conn *c = fx_connect(f);
        f->fa.fail_at = f->fa.calls + k;
        pgw_status rc = lo_session(c, in, out);
        bool hit = f->fa.failures > 0;
        /* Some allocations degrade instead of failing (the statement
         * cache switches itself off): success is fine then too. */
        if (hit && rc != PGW_E_NOMEM && rc != PGW_OK)
            fail_msg("allocation %zu: %s (%s)", k, pgw_status_name(rc), pgw_conn_errmsg(c));
        if (!hit)
            assert_int_equal(rc, PGW_OK);
        f->fa.fail_at = 0;
        fx_free(f, c);
        finished = !hit;
    }
    assert_true(finished);
    unlink(in);
    unlink(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_lo_read_answer_cut_at_every_byte_is_closed),
        cmocka_unit_test(test_fault_lo_terminate_backend_in_a_fastpath_call_is_closed_57P01),
        cmocka_unit_test(test_fault_lo_export_stall_is_bounded_by_io_timeout),
        cmocka_unit_test(test_fault_lo_import_cut_mid_upload_creates_nothing),
        cmocka_unit_test(test_fault_lo_out_of_memory_at_every_allocation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
