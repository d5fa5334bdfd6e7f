/* LISTEN/NOTIFY against the real server: one connection listens, another
 * notifies. Delivery while idle and in the middle of an unrelated query,
 * payloads (UTF-8, the 7999-byte maximum, empty), several channels, the
 * wait's timeout with nothing pending, a self-notify's pid, the handler,
 * and the queue's bound with its dropped counter. */
#include <time.h>
#include <unistd.h>

#include "pgtest.h"

static pgw_conn *conn(void)
{
    return pgt_connect();
}

static void exec_ok(pgw_conn *c, const char *sql)
{
    pgw_status rc = pgw_exec(c, sql, NULL);
    if (rc != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(c));
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_notify_idle_delivery_with_pid_and_payload(void **state)
{
    (void)state;
    pgw_conn *l = conn(), *s = conn();
    exec_ok(l, "LISTEN pgw_idle");
    exec_ok(s, "NOTIFY pgw_idle, 'hello'");
    pgw_notification n;
    assert_int_equal(pgw_wait_notification(l, 10000, &n), PGW_OK);
    assert_string_equal(n.channel, "pgw_idle");
    assert_int_equal(n.channel_len, 8);
    assert_string_equal(n.payload, "hello");
    assert_int_equal(n.payload_len, 5);
    assert_int_equal(n.pid, pgw_conn_backend_pid(s));
    /* Nothing else pending: a zero timeout polls once and says so. */
    assert_int_equal(pgw_wait_notification(l, 0, &n), PGW_E_TIMEOUT);
    assert_int_equal(pgw_conn_notification_next(l, &n), PGW_END);
    assert_int_equal(pgw_conn_get_state(l), PGW_CONN_IDLE);
    pgw_close(s);
    pgw_close(l);
}

static void test_notify_wait_timeout_with_nothing_pending(void **state)
{
    (void)state;
    pgw_conn *l = conn();
    exec_ok(l, "LISTEN pgw_quiet");
    pgw_notification n;
    int64_t t0 = now_ms();
    assert_int_equal(pgw_wait_notification(l, 200, &n), PGW_E_TIMEOUT);
    int64_t took = now_ms() - t0;
    assert_true(took >= 150);
    /* A timeout is an answer, not a failure. */
    exec_ok(l, "SELECT 1");
    pgw_close(l);
}

/* Notifications that arrive among the results of another query are kept
 * for later. */
static void test_notify_delivered_during_a_query(void **state)
{
    (void)state;
    pgw_conn *l = conn(), *s = conn();
    exec_ok(l, "LISTEN pgw_busy");
    exec_ok(s, "NOTIFY pgw_busy, 'one'");
    exec_ok(s, "NOTIFY pgw_busy, 'two'");
    /* The listener is idle but has not read them yet: the next query's
     * results come after them on the wire. */
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(l, "SELECT pg_sleep(0.2), 5", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 1), "5");
    pgw_result_free(r);
    assert_int_equal(pgw_conn_notifications_pending(l), 2);
    pgw_notification n;
    assert_int_equal(pgw_conn_notification_next(l, &n), PGW_OK);
    assert_string_equal(n.payload, "one");
    assert_int_equal(pgw_conn_notification_next(l, &n), PGW_OK);
    assert_string_equal(n.payload, "two");
    assert_int_equal(pgw_conn_notification_next(l, &n), PGW_END);
    pgw_close(s);
    pgw_close(l);
}

static void test_notify_payloads_utf8_max_and_empty(void **state)
{
    (void)state;
    pgw_conn *l = conn(), *s = conn();
    exec_ok(l, "LISTEN pgw_payload");
    exec_ok(s, "NOTIFY pgw_payload, 'Grüße, 世界 🐘'");
    exec_ok(s, "SELECT pg_notify('pgw_payload', repeat('x', 7999))");
    exec_ok(s, "NOTIFY pgw_payload");
    /* 8000 bytes is one too many for the server. */
    assert_int_equal(pgw_exec(s, "SELECT pg_notify('pgw_payload', repeat('y', 8000))", NULL),
                     PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(s)->sqlstate, "22023");
    pgw_notification n;
    assert_int_equal(pgw_wait_notification(l, 10000, &n), PGW_OK);
    assert_string_equal(n.payload, "Grüße, 世界 🐘");
    assert_int_equal(pgw_wait_notification(l, 10000, &n), PGW_OK);
    assert_int_equal(n.payload_len, 7999);
    for (size_t i = 0; i < n.payload_len; i++)
        assert_int_equal(n.payload[i], 'x');
    assert_int_equal(n.payload[7999], '\0');
    assert_int_equal(pgw_wait_notification(l, 10000, &n), PGW_OK);
    assert_string_equal(n.payload, "");
    assert_int_equal(n.payload_len, 0);
    assert_int_equal(pgw_wait_notification(l, 100, &n), PGW_E_TIMEOUT);
    pgw_close(s);
    pgw_close(l);
}

static void test_notify_multiple_channels_in_commit_order(void **state)
{
    (void)state;
    pgw_conn *l = conn(), *s = conn();
    exec_ok(l, "LISTEN pgw_a; LISTEN \"pgw_B\"");
    exec_ok(s, "BEGIN; NOTIFY pgw_a, '1'; NOTIFY \"pgw_B\", '2'; NOTIFY pgw_unheard, '3'; "
               "NOTIFY pgw_a, '4'; COMMIT");
    const char *want[3][2] = {{"pgw_a", "1"}, {"pgw_B", "2"}, {"pgw_a", "4"}};
    for (int i = 0; i < 3; i++) {
        pgw_notification n;
        assert_int_equal(pgw_wait_notification(l, 10000, &n), PGW_OK);
        assert_string_equal(n.channel, want[i][0]);
        assert_string_equal(n.payload, want[i][1]);
    }
    pgw_notification n;
    assert_int_equal(pgw_wait_notification(l, 100, &n), PGW_E_TIMEOUT);
    exec_ok(l, "UNLISTEN *");
    exec_ok(s, "NOTIFY pgw_a, 'late'");
    assert_int_equal(pgw_wait_notification(l, 200, &n), PGW_E_TIMEOUT);
    pgw_close(s);
    pgw_close(l);
}

static void test_notify_self_notify_carries_own_pid(void **state)
{
    (void)state;
    pgw_conn *l = conn();
    exec_ok(l, "LISTEN pgw_self");
    /* The server delivers it right after the command's CommandComplete. */
    exec_ok(l, "NOTIFY pgw_self, 'me'");
    pgw_notification n;
    assert_int_equal(pgw_conn_notification_next(l, &n), PGW_OK);
    assert_string_equal(n.payload, "me");
    assert_int_equal(n.pid, pgw_conn_backend_pid(l));
    pgw_close(l);
}

typedef struct seen {
    int count;
    char last[64];
} seen;

static void on_note(void *ud, const pgw_notification *n)
{
    seen *s = ud;
    s->count++;
    snprintf(s->last, sizeof s->last, "%s:%s", n->channel, n->payload);
}

static void test_notify_handler_and_queue_bound(void **state)
{
    (void)state;
    pgw_conn *l = conn(), *s = conn();
    exec_ok(l, "LISTEN pgw_bound");
    assert_int_equal(pgw_conn_set_notification_limit(l, 1, 0), PGW_OK);
    /* One simple query, one implicit transaction: all three at commit. */
    exec_ok(s, "NOTIFY pgw_bound, 'a'; NOTIFY pgw_bound, 'b'; NOTIFY pgw_bound, 'c'");
    for (int i = 0; i < 500 && pgw_conn_notifications_pending(l) +
                                       pgw_conn_notifications_dropped(l) < 3; i++) {
        pgw_status r = pgw_conn_consume_input(l);
        assert_true(r == PGW_OK || r == PGW_WANT_READ);
        usleep(10 * 1000);
    }
    /* The first is kept, the others dropped and counted. */
    assert_int_equal(pgw_conn_notifications_pending(l), 1);
    assert_int_equal(pgw_conn_notifications_dropped(l), 2);
    pgw_notification n;
    assert_int_equal(pgw_conn_notification_next(l, &n), PGW_OK);
    assert_string_equal(n.payload, "a");
    /* With a handler, notifications go to it instead of the queue. */
    seen sn = {0, ""};
    assert_int_equal(pgw_conn_set_notification_handler(l, on_note, &sn), PGW_OK);
    exec_ok(s, "NOTIFY pgw_bound, 'h'");
    for (int i = 0; i < 500 && sn.count == 0; i++) {
        pgw_status r = pgw_conn_consume_input(l);
        assert_true(r == PGW_OK || r == PGW_WANT_READ);
        usleep(10 * 1000);
    }
    assert_int_equal(sn.count, 1);
    assert_string_equal(sn.last, "pgw_bound:h");
    assert_int_equal(pgw_conn_notifications_pending(l), 0);
    assert_int_equal(pgw_wait_notification(l, 0, &n), PGW_E_TIMEOUT);
    pgw_close(s);
    pgw_close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notify_idle_delivery_with_pid_and_payload),
        cmocka_unit_test(test_notify_wait_timeout_with_nothing_pending),
        cmocka_unit_test(test_notify_delivered_during_a_query),
        cmocka_unit_test(test_notify_payloads_utf8_max_and_empty),
        cmocka_unit_test(test_notify_multiple_channels_in_commit_order),
        cmocka_unit_test(test_notify_self_notify_carries_own_pid),
        cmocka_unit_test(test_notify_handler_and_queue_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
