/* LISTEN/NOTIFY and the cancel engine against the fake server, in memory:
 * notifications interleaved with a query's results, during startup and
 * while idle, the queue's bounds and its dropped counter, the handler,
 * a malformed NotificationResponse; and the cancel connection's engine
 * (SSLRequest first when the session used TLS, the CancelRequest bytes,
 * nothing but EOF accepted back), and a server without BackendKeyData. */
#include <stdlib.h>

#include "conn/cancel_int.h"
#include "rig.h"

#define CI "user=alice dbname=app"

static fs_script *session_start(void)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    return sc;
}

static void expect_note(pgw_conn *c, int32_t pid, const char *ch, const char *payload)
{
    pgw_notification n;
    assert_int_equal(pgw_conn_notification_next(c, &n), PGW_OK);
    assert_int_equal(n.pid, pid);
    assert_string_equal(n.channel, ch);
    assert_int_equal(n.channel_len, strlen(ch));
    assert_string_equal(n.payload, payload);
    assert_int_equal(n.payload_len, strlen(payload));
}

static void run_interleaved(size_t chunk)
{
    fs_script *sc = session_start();
    const char *names[] = {"v"};
    const char *row[] = {"1"};
    fs_expect_query(sc, "SELECT v FROM t");
    fs_send_row_description_text(sc, names, 1, PGW_OID_TEXT);
    fs_send_notification(sc, 77, "before_rows", "p1");
    fs_send_data_row_text(sc, row, 1);
    fs_send_notification(sc, 78, "among_rows", "");
    fs_send_data_row_text(sc, row, 1);
    fs_send_command_complete(sc, "SELECT 2");
    fs_send_notification(sc, 79, "before_ready", "Grüße");
    fs_send_ready(sc, 'I');
    rig r;
    rig_init(&r, sc, CI, chunk);
    assert_int_equal(rig_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT v FROM t", &cur), PGW_OK);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_OK);
    int rows = 0;
    pgw_status rc;
    while ((rc = rig_cursor(&r, cur, false)) == PGW_OK)
        rows++;
    assert_int_equal(rc, PGW_END);
    assert_int_equal(rows, 2);
    assert_int_equal(rig_cursor(&r, cur, true), PGW_END);
    pgw_cursor_free(cur);
    /* The rows were not disturbed, and every notification was kept in order. */
    assert_int_equal(pgw_conn_notifications_pending(r.c), 3);
    expect_note(r.c, 77, "before_rows", "p1");
    expect_note(r.c, 78, "among_rows", "");
    expect_note(r.c, 79, "before_ready", "Grüße");
    pgw_notification n;
    assert_int_equal(pgw_conn_notification_next(r.c, &n), PGW_END);
    assert_int_equal(pgw_conn_notifications_dropped(r.c), 0);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    rig_free(&r);
}

static void test_notify_interleaved_in_results_are_queued_in_order(void **state)
{
    (void)state;
    run_interleaved(0);
    run_interleaved(1); /* byte by byte */
    run_interleaved(7);
}

/* Idle: the bytes are fed by the caller's event loop, and
 * pgw_conn_notification_next() processes them itself. */
static void test_notify_idle_input_is_processed_by_next(void **state)
{
    (void)state;
    fs_script *sc = session_start();
    fs_send_notification(sc, 5, "idle", "x");
    fs_send_notification(sc, 5, "idle", "y");
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    pgw_notification n;
    /* The notifications may already have come with the startup tail. */
    while (rig_shuttle(&r))
        ;
    expect_note(r.c, 5, "idle", "x");
    expect_note(r.c, 5, "idle", "y");
    assert_int_equal(pgw_conn_notification_next(r.c, &n), PGW_END);
    assert_int_equal(pgw_conn_notification_next(NULL, &n), PGW_E_INVALID);
    assert_int_equal(pgw_conn_notification_next(r.c, NULL), PGW_E_INVALID);
    rig_free(&r);
}

/* Startup may carry one too (a LISTEN from a previous life is not
 * possible, but a hostile or pooled server may send one): kept. */
static void test_notify_during_startup_is_queued(void **state)
{
    (void)state;
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_notification(sc, 9, "early", "bird");
    fs_send_startup_tail(sc, 4242, 0x5eed);
    rig r;
    rig_init(&r, sc, CI, 3);
    assert_int_equal(rig_connect(&r), PGW_OK);
    expect_note(r.c, 9, "early", "bird");
    rig_free(&r);
}

static void test_notify_queue_full_drops_and_counts(void **state)
{
    (void)state;
    fs_script *sc = session_start();
    for (int i = 0; i < 5; i++)
        fs_send_notification(sc, i, "flood", "12345");
    /* Over the byte bound on its own. */
    fs_send_notification(sc, 99, "big", "0123456789012345678901234567890123456789");
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(pgw_conn_set_notification_limit(r.c, 2, 40), PGW_OK);
    assert_int_equal(rig_connect(&r), PGW_OK);
    while (rig_shuttle(&r))
        ;
    pgw_notification n;
    assert_int_equal(pgw_conn_notification_next(r.c, &n), PGW_OK);
    assert_int_equal(n.pid, 0);
    /* 2 kept (0, 1), 3 dropped by count, the big one by bytes. */
    assert_int_equal(pgw_conn_notifications_dropped(r.c), 4);
    assert_int_equal(pgw_conn_notifications_pending(r.c), 1);
    expect_note(r.c, 1, "flood", "12345");
    assert_int_equal(pgw_conn_notification_next(r.c, &n), PGW_END);
    /* The session is unharmed. */
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    /* Defaults come back with 0. */
    assert_int_equal(pgw_conn_set_notification_limit(r.c, 0, 0), PGW_OK);
    rig_free(&r);
}

typedef struct seen {
    int count;
    int32_t pid;
    char text[64];
} seen;

static void on_note(void *ud, const pgw_notification *n)
{
    seen *s = ud;
    s->count++;
    s->pid = n->pid;
    snprintf(s->text, sizeof s->text, "%s=%s", n->channel, n->payload);
}

static void test_notify_handler_receives_instead_of_queue(void **state)
{
    (void)state;
    fs_script *sc = session_start();
    fs_send_notification(sc, 31, "cb", "one");
    rig r;
    rig_init(&r, sc, CI, 0);
    seen s = {0, 0, ""};
    assert_int_equal(pgw_conn_set_notification_handler(r.c, on_note, &s), PGW_OK);
    assert_int_equal(rig_connect(&r), PGW_OK);
    while (rig_shuttle(&r))
        ;
    pgw_notification n;
    assert_int_equal(pgw_conn_notification_next(r.c, &n), PGW_END);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.pid, 31);
    assert_string_equal(s.text, "cb=one");
    assert_int_equal(pgw_conn_set_notification_handler(r.c, NULL, NULL), PGW_OK);
    rig_free(&r);
}

/* Out of memory while copying a notification costs the notification (and
 * is counted), not the session. */
static void test_notify_out_of_memory_is_counted_as_dropped(void **state)
{
    (void)state;
    for (size_t fail = 1; fail < 200; fail++) {
        fs_script *sc = session_start();
        fs_send_notification(sc, 1, "oom", "payload");
        rig r;
        rig_init(&r, sc, CI, 0);
        assert_int_equal(rig_connect(&r), PGW_OK);
        /* Fail the next allocation from here on: the queue or the entry. */
        r.fa.fail_at = r.fa.calls + fail;
        while (rig_shuttle(&r))
            ;
        pgw_notification n;
        pgw_status rc = pgw_conn_notification_next(r.c, &n);
        r.fa.fail_at = 0;
        bool done = r.fa.failures == 0;
        if (rc == PGW_OK)
            assert_string_equal(n.payload, "payload");
        else if (rc == PGW_END)
            assert_int_equal(pgw_conn_notifications_dropped(r.c), 1);
        else
            assert_int_equal(rc, PGW_E_NOMEM); /* the queue itself: sticky */
        rig_free(&r);
        if (done)
            break;
    }
}

static void malformed(const uint8_t *body, size_t len)
{
    fs_script *sc = session_start();
    uint8_t msg[64];
    msg[0] = 'A';
    uint32_t l = (uint32_t)len + 4;
    msg[1] = (uint8_t)(l >> 24);
    msg[2] = (uint8_t)(l >> 16);
    msg[3] = (uint8_t)(l >> 8);
    msg[4] = (uint8_t)l;
    memcpy(msg + 5, body, len);
    fs_send_raw(sc, msg, len + 5);
    rig r;
    rig_init(&r, sc, CI, 0);
    pgw_status rc = rig_connect(&r);
    if (rc == PGW_OK) {
        while (rig_shuttle(&r))
            ;
        pgw_notification n;
        rc = pgw_conn_notification_next(r.c, &n);
    }
    assert_int_equal(rc, PGW_E_PROTOCOL);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
    assert_non_null(strstr(pgw_conn_errmsg(r.c), "NotificationResponse"));
    rig_free(&r);
}

static void test_notify_malformed_is_protocol_error(void **state)
{
    (void)state;
    malformed((const uint8_t *)"\0\0\0\1ch", 6);            /* channel unterminated */
    malformed((const uint8_t *)"\0\0\0\1ch\0pay", 10);      /* payload unterminated */
    malformed((const uint8_t *)"\0\0\0\1ch\0pay\0xx", 13);  /* trailing bytes */
    malformed((const uint8_t *)"\0\0", 2);                  /* no pid */
}

/* ---- cancel ---------------------------------------------------------------- */

/* Shuttle between a cancel engine and a fake server until it settles. */
static pgw_status cancel_run(pgw_conn *e, fs_server *fs)
{
    for (int guard = 0; guard < 10000; guard++) {
        pgw_status rc = pgwi_cancel_step(e);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        const uint8_t *p;
        size_t n = pgw_conn_output(e, &p);
        if (n > 0) {
            fs_feed(fs, p, n);
            pgw_conn_output_done(e, n);
            continue;
        }
        n = fs_output(fs, &p);
        if (n > 0) {
            pgw_conn_input(e, p, n);
            fs_output_done(fs, n);
            continue;
        }
        if (fs_closed(fs)) {
            pgw_conn_input_eof(e);
            continue;
        }
        fail_msg("cancel engine stalled (%s)", pgw_status_name(rc));
    }
    fail_msg("cancel engine looped");
    return PGW_E_STATE;
}

static pgw_conn *connected(rig *r, const char *ci)
{
    rig_init(r, session_start(), ci, 0);
    assert_int_equal(rig_connect(r), PGW_OK);
    return r->c;
}

static void test_cancel_engine_plaintext_sends_request_then_waits_for_eof(void **state)
{
    (void)state;
    rig r;
    pgw_conn *c = connected(&r, CI);
    const uint8_t key[4] = {0, 0, 0x5e, 0xed};
    pgw_conn *e = NULL;
    assert_int_equal(pgwi_cancel_clone(c, "db.example", NULL, "5433", &e), PGW_OK);
    /* The clone carries the host actually used and no password. */
    assert_string_equal(pgw_conn_option(e, "host"), "db.example");
    assert_string_equal(pgw_conn_option(e, "port"), "5433");
    assert_null(pgw_conn_option(e, "password"));
    assert_string_equal(pgw_conn_option(e, "sslmode"), "disable");
    fs_script *sc = fs_script_new();
    fs_expect_cancel_request(sc, 4242, key, 4);
    fs_close(sc);
    fs_server *fs = fs_new(sc);
    assert_int_equal(pgwi_cancel_begin(e, false), PGW_OK);
    assert_false(pgwi_cancel_delivered(e));
    assert_int_equal(cancel_run(e, fs), PGW_OK);
    assert_true(pgwi_cancel_delivered(e));
    assert_true(fs_done(fs));
    /* Again, on a new transport: the keys survive a restart. */
    fs_free(fs);
    sc = fs_script_new();
    fs_expect_cancel_request(sc, 4242, key, 4);
    fs_close(sc);
    fs = fs_new(sc);
    assert_int_equal(pgwi_cancel_begin(e, false), PGW_OK);
    assert_int_equal(cancel_run(e, fs), PGW_OK);
    fs_free(fs);
    pgw_conn_free(e);
    rig_free(&r);
}

/* A TLS session's cancel starts with SSLRequest; under sslmode=prefer a
 * server that answers 'N' gets the request in plaintext on the same
 * connection, under sslmode=require the cancel fails instead. */
static void test_cancel_engine_tls_sends_ssl_request_first(void **state)
{
    (void)state;
    const uint8_t key[4] = {0, 0, 0x5e, 0xed};
    static const char *const modes[2] = {CI " sslmode=prefer", CI " sslmode=require"};
    for (int i = 0; i < 2; i++) {
        rig r;
        fs_script *sc = fs_script_new();
        fs_expect_ssl_request(sc);
        fs_send_ssl_response(sc, 'N');
        if (i == 0) {
            fs_trust_handshake(sc, "alice", "app");
        }
        rig_init(&r, sc, modes[i], 0);
        pgw_status rc = rig_connect(&r);
        if (i == 1) {
            /* require: no session at all, and so nothing to cancel. */
            assert_int_equal(rc, PGW_E_TLS);
            pgw_cancel_handle *h = NULL;
            assert_int_equal(pgw_cancel_handle_new(r.c, &h), PGW_E_UNSUPPORTED);
            assert_null(h);
            rig_free(&r);
            /* The engine alone: a require clone refuses the 'N'. */
            rig r2;
            pgw_conn *c = connected(&r2, CI);
            pgw_conn *e = NULL;
            assert_int_equal(pgwi_cancel_clone(c, NULL, "127.0.0.1", "5432", &e), PGW_OK);
            e->sslmode = PGWI_SSL_REQUIRE; /* as a require session's clone */
            fs_script *s2 = fs_script_new();
            fs_expect_ssl_request(s2);
            fs_send_ssl_response(s2, 'N');
            fs_server *fs = fs_new(s2);
            assert_int_equal(pgwi_cancel_begin(e, true), PGW_OK);
            assert_int_equal(cancel_run(e, fs), PGW_E_TLS);
            assert_false(pgwi_cancel_delivered(e));
            assert_non_null(strstr(pgw_conn_errmsg(e), "SSL was required"));
            fs_free(fs);
            pgw_conn_free(e);
            rig_free(&r2);
            continue;
        }
        assert_int_equal(rc, PGW_OK);
        pgw_conn *e = NULL;
        assert_int_equal(pgwi_cancel_clone(r.c, "localhost", NULL, "5432", &e), PGW_OK);
        fs_script *s2 = fs_script_new();
        fs_expect_ssl_request(s2);
        fs_send_ssl_response(s2, 'N');
        fs_expect_cancel_request(s2, 4242, key, 4);
        fs_close(s2);
        fs_server *fs = fs_new(s2);
        assert_int_equal(pgwi_cancel_begin(e, true), PGW_OK);
        assert_int_equal(cancel_run(e, fs), PGW_OK);
        assert_true(fs_done(fs));
        fs_free(fs);
        pgw_conn_free(e);
        rig_free(&r);
    }
}

/* A server answers a CancelRequest with nothing: bytes are a protocol
 * error; an EOF before the request went out is a closed connection. */
static void test_cancel_engine_answer_is_protocol_error(void **state)
{
    (void)state;
    const uint8_t key[4] = {0, 0, 0x5e, 0xed};
    rig r;
    pgw_conn *c = connected(&r, CI);
    pgw_conn *e = NULL;
    assert_int_equal(pgwi_cancel_clone(c, NULL, NULL, NULL, &e), PGW_OK);
    fs_script *sc = fs_script_new();
    fs_expect_cancel_request(sc, 4242, key, 4);
    fs_send_raw(sc, "N", 1);
    fs_server *fs = fs_new(sc);
    assert_int_equal(pgwi_cancel_begin(e, false), PGW_OK);
    assert_int_equal(cancel_run(e, fs), PGW_E_PROTOCOL);
    assert_non_null(strstr(pgw_conn_errmsg(e), "unexpected response from server"));
    fs_free(fs);
    /* TLS asked, the server hangs up at once: closed, not delivered. */
    sc = fs_script_new();
    fs_close(sc);
    fs = fs_new(sc);
    assert_int_equal(pgwi_cancel_begin(e, true), PGW_OK);
    assert_int_equal(cancel_run(e, fs), PGW_E_CLOSED);
    assert_false(pgwi_cancel_delivered(e));
    fs_free(fs);
    pgw_conn_free(e);
    rig_free(&r);
}

/* Protocol 3.2: keys of up to 256 bytes travel whole in the request. */
static void test_cancel_engine_3_2_key_of_256_bytes(void **state)
{
    (void)state;
    static const size_t lens[2] = {32, 256};
    for (int i = 0; i < 2; i++) {
        size_t klen = lens[i];
        fs_script *sc = fs_script_new();
        fs_expect_startup(sc, "alice", "app");
        fs_send_auth_ok(sc);
        uint8_t m[1 + 4 + 4 + 256];
        size_t body = 4 + klen;
        m[0] = 'K';
        m[1] = 0;
        m[2] = 0;
        m[3] = (uint8_t)((body + 4) >> 8);
        m[4] = (uint8_t)(body + 4);
        m[5] = 0;
        m[6] = 0;
        m[7] = 0x03;
        m[8] = 0x09; /* pid 777 */
        uint8_t key[256];
        for (size_t k = 0; k < klen; k++)
            key[k] = m[9 + k] = (uint8_t)(k * 7 + 1);
        fs_send_raw(sc, m, 9 + klen);
        fs_send_ready(sc, 'I');
        rig r;
        rig_init(&r, sc, CI " min_protocol_version=3.2", 0);
        assert_int_equal(rig_connect(&r), PGW_OK);
        pgw_conn *e = NULL;
        assert_int_equal(pgwi_cancel_clone(r.c, NULL, NULL, NULL, &e), PGW_OK);
        fs_script *s2 = fs_script_new();
        fs_expect_cancel_request(s2, 777, key, klen);
        fs_close(s2);
        fs_server *fs = fs_new(s2);
        assert_int_equal(pgwi_cancel_begin(e, false), PGW_OK);
        assert_int_equal(cancel_run(e, fs), PGW_OK);
        assert_true(fs_done(fs));
        fs_free(fs);
        pgw_conn_free(e);
        rig_free(&r);
    }
}

/* A server (or proxy) that sends no BackendKeyData cannot be cancelled,
 * and says so without harming the session. */
static void test_cancel_without_backend_key_is_unsupported(void **state)
{
    (void)state;
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_parameter_status(sc, "server_version", "16.4");
    fs_send_ready(sc, 'I');
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    pgw_cancel_handle *h = (pgw_cancel_handle *)1;
    assert_int_equal(pgw_cancel_handle_new(r.c, &h), PGW_E_UNSUPPORTED);
    assert_null(h);
    assert_string_equal(pgw_conn_errmsg(r.c), "cannot cancel: the server sent no cancel key");
    pgw_cancel_conn *cc = (pgw_cancel_conn *)1;
    assert_int_equal(pgw_cancel_conn_new(r.c, &cc), PGW_E_UNSUPPORTED);
    assert_null(cc);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    assert_int_equal(pgw_cancel_handle_new(NULL, &h), PGW_E_INVALID);
    assert_int_equal(pgw_cancel_conn_new(r.c, NULL), PGW_E_INVALID);
    rig_free(&r);
}

/* With a key but no socket (an engine driven by the caller), neither
 * object can be made: the handle needs the socket's peer address. */
static void test_cancel_without_socket_is_unsupported(void **state)
{
    (void)state;
    rig r;
    pgw_conn *c = connected(&r, CI);
    pgw_cancel_handle *h = NULL;
    assert_int_equal(pgw_cancel_handle_new(c, &h), PGW_E_UNSUPPORTED);
    assert_non_null(strstr(pgw_conn_errmsg(c), "no socket"));
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notify_interleaved_in_results_are_queued_in_order),
        cmocka_unit_test(test_notify_idle_input_is_processed_by_next),
        cmocka_unit_test(test_notify_during_startup_is_queued),
        cmocka_unit_test(test_notify_queue_full_drops_and_counts),
        cmocka_unit_test(test_notify_handler_receives_instead_of_queue),
        cmocka_unit_test(test_notify_out_of_memory_is_counted_as_dropped),
        cmocka_unit_test(test_notify_malformed_is_protocol_error),
        cmocka_unit_test(test_cancel_engine_plaintext_sends_request_then_waits_for_eof),
        cmocka_unit_test(test_cancel_engine_tls_sends_ssl_request_first),
        cmocka_unit_test(test_cancel_engine_answer_is_protocol_error),
        cmocka_unit_test(test_cancel_engine_3_2_key_of_256_bytes),
        cmocka_unit_test(test_cancel_without_backend_key_is_unsupported),
        cmocka_unit_test(test_cancel_without_socket_is_unsupported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
