/* LISTEN/NOTIFY and the query timeout through the fault proxy: the backend
 * terminated while a client waits for notifications, the stream cut or
 * reset in the middle of a notification, a stalled stream (the wait's own
 * timeout answers and the session stays), and a query timeout whose
 * cancel cannot get through (bounded by the grace period). Every wait has
 * a wall-clock bound: a hang is the failure these scenarios exist for. */
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

static pgw_conn *fx_connect(fx *f)
{
    assert_true(fp_wait_done(f->fp, f->conns, 10000));
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
        fail_msg("connect through the proxy: %s", pgw_conn_errmsg(c));
    return c;
}

static void fx_free(fx *f, pgw_conn *c)
{
    pgw_conn_free(c);
    if (!failing_alloc_clean(&f->fa))
        fail_msg("leak: %zu blocks, %zu bytes", f->fa.live_blocks, f->fa.live_bytes);
}

static pgw_conn *admin(void)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, " sslmode=disable");
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, ci) != PGW_OK)
        fail_msg("admin connect: %s", pgw_conn_errmsg(c));
    return c;
}

static void admin_exec(const char *sql)
{
    pgw_conn *a = admin();
    if (pgw_exec(a, sql, NULL) != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(a));
    pgw_close(a);
}

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

/* A listening session through the proxy; *s2c gets the bytes the server
 * had sent when LISTEN completed. */
static pgw_conn *listener(fx *f, uint64_t *s2c)
{
    pgw_conn *c = fx_connect(f);
    assert_int_equal(pgw_exec(c, "LISTEN pgw_fault", NULL), PGW_OK);
    if (s2c != NULL)
        *s2c = fp_bytes(f->fp, FP_S2C);
    return c;
}

/* pg_terminate_backend while the client waits without a time limit: the
 * FATAL 57P01 and the close end the wait promptly, not a hang. */
static void test_fault_notify_backend_terminated_while_waiting_is_closed(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    pgw_conn *c = listener(f, NULL);
    killer k = {.pid = pgw_conn_backend_pid(c), .delay_ms = 300, .killed = false};
    assert_int_equal(pthread_create(&k.t, NULL, kill_run, &k), 0);
    double t0 = now_ms();
    pgw_notification n;
    pgw_status rc = pgw_wait_notification(c, -1, &n);
    double ms = now_ms() - t0;
    pthread_join(k.t, NULL);
    assert_true(k.killed);
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57P01");
    assert_true(ms < 5000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    /* Sticky: the next wait says the same at once. */
    assert_int_equal(pgw_wait_notification(c, -1, &n), PGW_E_CLOSED);
    assert_int_equal(pgw_conn_notification_next(c, &n), PGW_E_CLOSED);
    fx_free(f, c);
}

/* The stream ends in the middle of a notification (cut: EOF; reset:
 * RST): PGW_E_CLOSED promptly. */
static void test_fault_notify_cut_mid_notification_is_closed(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    uint64_t base = 0;
    pgw_conn *c = listener(f, &base);
    fx_free(f, c);
    const fp_action acts[2] = {FP_CUT, FP_RESET};
    for (int i = 0; i < 2; i++) {
        /* 10 bytes into the notification's message. */
        rule(f, FP_S2C, acts[i], base + 10);
        c = listener(f, NULL);
        admin_exec("NOTIFY pgw_fault, 'this one is cut in the middle'");
        double t0 = now_ms();
        pgw_notification n;
        pgw_status rc = pgw_wait_notification(c, 20000, &n);
        double ms = now_ms() - t0;
        assert_int_equal(rc, PGW_E_CLOSED);
        assert_true(ms < 5000.0);
        assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
        assert_int_equal(pgw_conn_notifications_pending(c), 0);
        fx_free(f, c);
        fp_reset_rules(f->fp);
    }
}

/* The server's stream stalls: the wait's own timeout answers, and the
 * session is not broken by it. */
static void test_fault_notify_stall_times_out_and_stays_idle(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    uint64_t base = 0;
    pgw_conn *c = listener(f, &base);
    fx_free(f, c);
    rule(f, FP_S2C, FP_DROP, base);
    c = listener(f, NULL);
    admin_exec("NOTIFY pgw_fault, 'held back'");
    double t0 = now_ms();
    pgw_notification n;
    assert_int_equal(pgw_wait_notification(c, 300, &n), PGW_E_TIMEOUT);
    double ms = now_ms() - t0;
    assert_true(ms >= 250.0 && ms < 3000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    fx_free(f, c);
    fp_reset_rules(f->fp);
}

/* The query timeout fires but its cancel cannot get through (the proxy
 * serves one connection at a time, so the cancel connection is never
 * relayed): the grace period bounds the whole call, and the connection is
 * broken with PGW_E_TIMEOUT rather than left waiting. */
static void test_fault_query_timeout_cancel_blocked_is_bounded_by_grace(void **state)
{
    fx *f = *state;
    fp_reset_rules(f->fp);
    pgw_conn *c = fx_connect(f);
    pgw_conn_set_query_timeout(c, 300);
    pgw_conn_set_cancel_grace(c, 700);
    double t0 = now_ms();
    pgw_status rc = pgw_exec(c, "SELECT pg_sleep(20)", NULL);
    double ms = now_ms() - t0;
    assert_int_equal(rc, PGW_E_TIMEOUT);
    assert_non_null(strstr(pgw_conn_errmsg(c), "query timeout"));
    assert_true(ms >= 250.0 && ms < 5000.0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    fx_free(f, c);
    /* The cancel's connection reaches the proxy once the first is gone. */
    f->conns++;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_notify_backend_terminated_while_waiting_is_closed),
        cmocka_unit_test(test_fault_notify_cut_mid_notification_is_closed),
        cmocka_unit_test(test_fault_notify_stall_times_out_and_stays_idle),
        cmocka_unit_test(test_fault_query_timeout_cancel_blocked_is_bounded_by_grace),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
