/* Self-test of the fake server: scripts driven by hand-built frontend bytes
 * (the proto.h builders), answers checked with the client-side parsers, in
 * memory and over a loopback socket; plus the SCRAM server checked against
 * an exchange recorded from PostgreSQL 15, and the failing allocator. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "failing_alloc.h"
#include "fakeserver.h"
#include "pgwire/auth.h"
#include "pgwire/buf.h"
#include "pgwire/proto.h"
#include "pgwire/proto_server.h"

/* ------------------------------------------------------------------------
 * Helpers: a hand-driven client
 * ------------------------------------------------------------------------ */

#define MAX_FRAMES 64

/* Everything the server has written so far, framed. */
typedef struct answer {
    uint8_t *bytes;
    size_t len;
    pgw_frame f[MAX_FRAMES];
    size_t n;
} answer;

static void answer_free(answer *a)
{
    free(a->bytes);
    memset(a, 0, sizeof *a);
}

/* Take all output and frame it as backend messages. */
static void take(fs_server *fs, answer *a)
{
    answer_free(a);
    const uint8_t *p;
    size_t n = fs_output(fs, &p);
    a->bytes = malloc(n + 1);
    assert_non_null(a->bytes);
    if (n > 0)
        memcpy(a->bytes, p, n);
    a->len = n;
    fs_output_done(fs, n);
    size_t off = 0;
    while (off < n) {
        size_t used;
        assert_true(a->n < MAX_FRAMES);
        assert_int_equal(pgw_frame_next(a->bytes + off, n - off, NULL, &a->f[a->n], &used, NULL),
                         PGW_OK);
        a->n++;
        off += used;
    }
}

/* The answer's tags as a string, e.g. "RSSSSSSSKZ". */
static const char *tags(const answer *a)
{
    static char s[MAX_FRAMES + 1];
    for (size_t i = 0; i < a->n; i++)
        s[i] = (char)a->f[i].tag;
    s[a->n] = '\0';
    return s;
}

static pgw_status feed_buf(fs_server *fs, pgw_buf *b)
{
    pgw_status rc = fs_feed(fs, b->data, b->len);
    pgw_buf_reset(b);
    return rc;
}

static void send_startup(fs_server *fs, const char *user, const char *db)
{
    const char *names[] = {"user", "application_name", "database"};
    const char *values[] = {user, "fstest", db};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_startup(&b, names, values, db != NULL ? 3 : 2), PGW_OK);
    (void)feed_buf(fs, &b);
    pgw_buf_free(&b);
}

static pgw_status send_query(fs_server *fs, const char *sql)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_query(&b, sql, strlen(sql)), PGW_OK);
    pgw_status rc = feed_buf(fs, &b);
    pgw_buf_free(&b);
    return rc;
}

static pgw_status send_terminate(fs_server *fs)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_terminate(&b), PGW_OK);
    pgw_status rc = feed_buf(fs, &b);
    pgw_buf_free(&b);
    return rc;
}

static void assert_failed_with(fs_server *fs, const char *needle)
{
    const char *msg = NULL;
    assert_true(fs_failed(fs, &msg));
    assert_non_null(msg);
    if (strstr(msg, needle) == NULL)
        fail_msg("failure \"%s\" does not mention \"%s\"", msg, needle);
}

static void assert_ok(fs_server *fs)
{
    const char *msg = NULL;
    if (fs_failed(fs, &msg))
        fail_msg("fake server failed: %s", msg);
}

/* ------------------------------------------------------------------------
 * In memory
 * ------------------------------------------------------------------------ */

static fs_script *select_one_script(void)
{
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, "alice", "shop");
    fs_expect_query(s, "SELECT 1");
    const char *names[] = {"?column?"};
    fs_send_row_description_text(s, names, 1, 23);
    const char *vals[] = {"1"};
    fs_send_data_row_text(s, vals, 1);
    fs_send_command_complete(s, "SELECT 1");
    fs_send_ready(s, 'I');
    fs_expect_terminate(s);
    assert_null(fs_script_error(s));
    return s;
}

static void test_fakeserver_trust_and_query_completes(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    answer a = {0};
    take(fs, &a);
    assert_int_equal(a.n, 0); /* nothing before the StartupMessage */

    send_startup(fs, "alice", "shop");
    take(fs, &a);
    assert_string_equal(tags(&a), "RSSSSSSSKZ");
    int32_t code;
    const uint8_t *data;
    size_t len;
    assert_int_equal(pgw_parse_authentication(&a.f[0], &code, &data, &len), PGW_OK);
    assert_int_equal(code, PGW_AUTH_OK);
    const char *name, *value;
    assert_int_equal(pgw_parse_parameter_status(&a.f[1], &name, &value), PGW_OK);
    assert_string_equal(name, "server_version");
    int32_t pid;
    const uint8_t *key;
    size_t key_len;
    assert_int_equal(pgw_parse_backend_key_data(&a.f[8], &pid, &key, &key_len), PGW_OK);
    assert_int_equal(pid, 4242);
    assert_int_equal(key_len, 4);
    char st;
    assert_int_equal(pgw_parse_ready_for_query(&a.f[9], &st), PGW_OK);
    assert_int_equal(st, 'I');
    assert_string_equal(fs_startup_param(fs, "application_name"), "fstest");
    assert_null(fs_startup_param(fs, "options"));

    assert_int_equal(send_query(fs, "SELECT 1"), PGW_OK);
    take(fs, &a);
    assert_string_equal(tags(&a), "TDCZ");
    pgw_column_desc col;
    uint16_t ncols;
    assert_int_equal(pgw_parse_row_description(&a.f[0], &col, 1, &ncols), PGW_OK);
    assert_int_equal(ncols, 1);
    assert_string_equal(col.name, "?column?");
    assert_int_equal(col.type_oid, 23);
    pgw_value v;
    assert_int_equal(pgw_parse_data_row(&a.f[1], &v, 1, &ncols), PGW_OK);
    assert_int_equal(v.len, 1);
    assert_memory_equal(v.ptr, "1", 1);

    assert_false(fs_done(fs));
    assert_int_equal(send_terminate(fs), PGW_OK);
    assert_true(fs_done(fs));
    assert_ok(fs);
    assert_int_equal(fs_received_count(fs), 3);
    assert_int_equal(fs_received(fs, 0)->tag, 0);
    assert_int_equal(fs_received(fs, 1)->tag, 'Q');
    assert_int_equal(fs_count_received(fs, 'X'), 1);
    assert_int_equal(fs_count_received(fs, 'p'), 0);
    answer_free(&a);
    fs_free(fs);
}

static void test_fakeserver_bytewise_feed_completes(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const char *names[] = {"user", "database"};
    const char *values[] = {"alice", "shop"};
    assert_int_equal(pgw_build_startup(&b, names, values, 2), PGW_OK);
    assert_int_equal(pgw_build_query(&b, "SELECT 1", 8), PGW_OK);
    assert_int_equal(pgw_build_terminate(&b), PGW_OK);
    for (size_t i = 0; i < b.len; i++)
        assert_int_equal(fs_feed(fs, b.data + i, 1), PGW_OK);
    assert_true(fs_done(fs));
    answer a = {0};
    take(fs, &a);
    assert_string_equal(tags(&a), "RSSSSSSSKZTDCZ");
    answer_free(&a);
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_unexpected_message_fails_with_description(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    send_startup(fs, "alice", "shop");
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_parse(&b, "", "SELECT 1", 8, NULL, 0), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_E_PROTOCOL);
    assert_failed_with(fs, "expect Query");
    assert_failed_with(fs, "Parse");
    assert_false(fs_done(fs));
    /* sticky */
    assert_int_equal(send_query(fs, "SELECT 1"), PGW_E_PROTOCOL);
    assert_int_equal(fs_count_received(fs, 'P'), 1);
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_wrong_query_text_fails_with_both_texts(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    send_startup(fs, "alice", "shop");
    assert_int_equal(send_query(fs, "SELECT 2"), PGW_E_PROTOCOL);
    assert_failed_with(fs, "\"SELECT 2\"");
    assert_failed_with(fs, "\"SELECT 1\"");
    fs_free(fs);
}

static void test_fakeserver_wrong_user_fails(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    send_startup(fs, "mallory", "shop");
    assert_failed_with(fs, "user is \"mallory\", expected \"alice\"");
    fs_free(fs);
}

static void test_fakeserver_malformed_client_message_fails(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    send_startup(fs, "alice", "shop");
    /* Query without its terminating NUL */
    const uint8_t bad[] = {'Q', 0, 0, 0, 6, 'x', 'y'};
    assert_int_equal(fs_feed(fs, bad, sizeof bad), PGW_E_PROTOCOL);
    assert_failed_with(fs, "malformed");
    fs_free(fs);
}

static void test_fakeserver_message_after_script_end_fails(void **state)
{
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, "alice", NULL);
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    assert_true(fs_done(fs));
    assert_int_equal(send_terminate(fs), PGW_E_PROTOCOL);
    assert_failed_with(fs, "end of script");
    assert_false(fs_done(fs));
    fs_free(fs);
}

static void test_fakeserver_eof_before_script_end_fails(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    send_startup(fs, "alice", "shop");
    assert_int_equal(fs_feed_eof(fs), PGW_E_PROTOCOL);
    assert_failed_with(fs, "closed the connection");
    fs_free(fs);
}

static void test_fakeserver_eof_at_script_end_is_clean(void **state)
{
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, "alice", NULL);
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    assert_int_equal(fs_feed_eof(fs), PGW_OK);
    assert_true(fs_done(fs));
    assert_true(fs_closed(fs));
    fs_free(fs);
}

static void test_fakeserver_bad_send_argument_is_script_error(void **state)
{
    fs_script *s = fs_script_new();
    fs_expect_startup(s, NULL, NULL);
    fs_send_ready(s, 'X');
    assert_non_null(fs_script_error(s));
    assert_non_null(strstr(fs_script_error(s), "ReadyForQuery"));
    fs_server *fs = fs_new(s);
    assert_failed_with(fs, "script");
    assert_int_equal(fs_feed(fs, NULL, 0), PGW_E_PROTOCOL);
    fs_free(fs);
}

static void test_fakeserver_ssl_request_then_startup_completes(void **state)
{
    fs_script *s = fs_script_new();
    fs_expect_ssl_request(s);
    fs_send_ssl_response(s, 'N');
    fs_trust_handshake(s, "alice", NULL);
    fs_expect_startup_param(s, "application_name", "fstest");
    fs_server *fs = fs_new(s);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_ssl_request(&b), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_OK);
    const uint8_t *p;
    assert_int_equal(fs_output(fs, &p), 1);
    assert_int_equal(p[0], 'N');
    fs_output_done(fs, 1);
    send_startup(fs, "alice", NULL);
    assert_true(fs_done(fs));
    assert_int_equal(fs_count_received(fs, 0), 2);
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_startup_param_mismatch_fails(void **state)
{
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, "alice", NULL);
    fs_expect_startup_param(s, "application_name", "psql");
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    assert_failed_with(fs, "\"application_name\" is \"fstest\", expected \"psql\"");
    fs_free(fs);
}

static void test_fakeserver_ssl_request_when_startup_expected_fails(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_ssl_request(&b), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_E_PROTOCOL);
    assert_failed_with(fs, "SSLRequest");
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_cancel_request_checked(void **state)
{
    const uint8_t key[4] = {0, 0, 0x5e, 0xed};
    const uint8_t other[4] = {1, 2, 3, 4};
    for (int round = 0; round < 2; round++) {
        fs_script *s = fs_script_new();
        fs_expect_cancel_request(s, 4242, key, 4);
        fs_server *fs = fs_new(s);
        pgw_buf b;
        pgw_buf_init(&b, NULL, 0);
        assert_int_equal(pgw_build_cancel_request(&b, 4242, round == 0 ? key : other, 4), PGW_OK);
        if (round == 0) {
            assert_int_equal(feed_buf(fs, &b), PGW_OK);
            assert_true(fs_done(fs));
        } else {
            assert_int_equal(feed_buf(fs, &b), PGW_E_PROTOCOL);
            assert_failed_with(fs, "different key");
        }
        pgw_buf_free(&b);
        fs_free(fs);
    }
}

static void test_fakeserver_cleartext_password_checked(void **state)
{
    for (int round = 0; round < 2; round++) {
        fs_script *s = fs_script_new();
        fs_expect_startup(s, "alice", NULL);
        fs_send_auth_cleartext(s);
        fs_expect_password(s, "secret");
        fs_send_auth_ok(s);
        fs_send_ready(s, 'I');
        fs_server *fs = fs_new(s);
        send_startup(fs, "alice", NULL);
        answer a = {0};
        take(fs, &a);
        assert_string_equal(tags(&a), "R");
        pgw_buf b;
        pgw_buf_init(&b, NULL, 0);
        const char *pw = round == 0 ? "secret" : "hunter2";
        assert_int_equal(pgw_build_password(&b, pw, strlen(pw)), PGW_OK);
        if (round == 0) {
            assert_int_equal(feed_buf(fs, &b), PGW_OK);
            assert_true(fs_done(fs));
            take(fs, &a);
            assert_string_equal(tags(&a), "RZ");
        } else {
            assert_int_equal(feed_buf(fs, &b), PGW_E_PROTOCOL);
            assert_failed_with(fs, "wrong password");
            /* the message must not contain the password itself */
            const char *msg;
            fs_failed(fs, &msg);
            assert_null(strstr(msg, "hunter2"));
        }
        answer_free(&a);
        pgw_buf_free(&b);
        fs_free(fs);
    }
}

static void test_fakeserver_md5_hash_matches_reference(void **state)
{
    const uint8_t salt[4] = {1, 2, 3, 4};
    char h[36];
    fs_md5_hash("alice", "secret", salt, h);
    /* python: 'md5' + md5(md5(b'secretalice').hexdigest().encode() + salt) */
    assert_string_equal(h, "md598a0412b9c31436fc53776e863350083");

    fs_script *s = fs_script_new();
    fs_expect_startup(s, "alice", NULL);
    fs_send_auth_md5(s, salt);
    fs_expect_md5_password(s, "alice", "secret", salt);
    fs_send_auth_ok(s);
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);
    int32_t code;
    const uint8_t *data;
    size_t len;
    assert_int_equal(pgw_parse_authentication(&a.f[0], &code, &data, &len), PGW_OK);
    assert_int_equal(code, PGW_AUTH_MD5_PASSWORD);
    assert_int_equal(len, 4);
    assert_memory_equal(data, salt, 4);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_password(&b, h, 35), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_OK);
    assert_true(fs_done(fs));
    answer_free(&a);
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_extended_protocol_expectations_pass(void **state)
{
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, "alice", NULL);
    fs_expect_parse(s, "SELECT $1::int");
    fs_expect_bind(s);
    fs_expect_describe(s, 'P');
    fs_expect_execute(s);
    fs_expect_sync(s);
    fs_send_parse_complete(s);
    fs_send_bind_complete(s);
    const char *names[] = {"int4"};
    fs_send_row_description_text(s, names, 1, 23);
    const char *vals[] = {NULL};
    fs_send_data_row_text(s, vals, 1);
    fs_send_command_complete(s, "SELECT 1");
    fs_send_ready(s, 'I');
    fs_expect_close_msg(s, 'S');
    fs_expect_flush(s);
    fs_send_close_complete(s);
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);

    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const uint32_t types[] = {23};
    assert_int_equal(pgw_build_parse(&b, "", "SELECT $1::int", 14, types, 1), PGW_OK);
    pgw_bytes v = {"7", 1};
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, &v, 1, NULL, 0), PGW_OK);
    assert_int_equal(pgw_build_describe(&b, 'P', ""), PGW_OK);
    assert_int_equal(pgw_build_execute(&b, "", 0), PGW_OK);
    assert_int_equal(pgw_build_sync(&b), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_OK);
    take(fs, &a);
    assert_string_equal(tags(&a), "12TDCZ");
    pgw_value val;
    uint16_t n;
    assert_int_equal(pgw_parse_data_row(&a.f[3], &val, 1, &n), PGW_OK);
    assert_int_equal(val.len, -1);

    /* Describe with the wrong kind is caught */
    assert_int_equal(pgw_build_close(&b, 'S', "s1"), PGW_OK);
    assert_int_equal(pgw_build_flush(&b), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_OK);
    assert_true(fs_done(fs));
    take(fs, &a);
    assert_string_equal(tags(&a), "3");
    answer_free(&a);
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_wrong_describe_kind_fails(void **state)
{
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, "alice", NULL);
    fs_expect_describe(s, 'S');
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_describe(&b, 'P', ""), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_E_PROTOCOL);
    assert_failed_with(fs, "kind is 'P', expected 'S'");
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_copy_data_payload_checked(void **state)
{
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, "alice", NULL);
    fs_expect_query(s, NULL);
    const int16_t fmts[] = {0, 0};
    fs_send_copy_in_response(s, 0, fmts, 2);
    fs_expect_copy_data(s, "1\tone\n", 6);
    fs_expect_copy_data(s, "2\ttwo\n", 6);
    fs_expect_copy_done(s);
    fs_send_command_complete(s, "COPY 2");
    fs_send_ready(s, 'I');
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    assert_int_equal(send_query(fs, "COPY t FROM STDIN"), PGW_OK);
    answer a = {0};
    take(fs, &a);
    assert_int_equal(a.f[a.n - 1].tag, 'G');
    int8_t format;
    uint16_t ncols;
    const uint8_t *cf;
    assert_int_equal(pgw_parse_copy_response(&a.f[a.n - 1], &format, &ncols, &cf), PGW_OK);
    assert_int_equal(ncols, 2);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_copy_data(&b, "1\tone\n", 6), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_OK);
    assert_int_equal(pgw_build_copy_data(&b, "2\tTWO\n", 6), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_E_PROTOCOL);
    assert_failed_with(fs, "CopyData payload differs");
    answer_free(&a);
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_raw_bytes_sent_verbatim(void **state)
{
    fs_script *s = fs_script_new();
    fs_send_raw(s, "\x5a\x00\x00\x00\x05Q", 6); /* ReadyForQuery with status 'Q' */
    fs_close(s);
    fs_server *fs = fs_new(s);
    const uint8_t *p;
    assert_int_equal(fs_output(fs, &p), 6);
    assert_memory_equal(p, "\x5a\x00\x00\x00\x05Q", 6);
    assert_true(fs_closed(fs));
    assert_true(fs_done(fs));
    /* after the hang-up input goes nowhere */
    assert_int_equal(send_terminate(fs), PGW_OK);
    assert_int_equal(fs_received_count(fs), 0);
    fs_free(fs);
}

static bool echo_query_as_notice(fs_server *fs, void *ud)
{
    int *calls = ud;
    (*calls)++;
    const fs_msg *m = fs_last_received(fs);
    if (m == NULL || m->tag != 'Q')
        return fs_fail(fs, "callback: last message is not a Query");
    pgw_field f[2] = {{'S', "NOTICE"}, {'M', (const char *)m->body}};
    return pgw_build_notice_response(fs_out(fs), f, 2) == PGW_OK;
}

static void test_fakeserver_callback_sees_last_message(void **state)
{
    int calls = 0;
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, "alice", NULL);
    fs_expect_query(s, NULL);
    fs_callback(s, echo_query_as_notice, &calls, NULL);
    fs_send_empty_query(s);
    fs_send_ready(s, 'I');
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);
    assert_int_equal(send_query(fs, "hello"), PGW_OK);
    take(fs, &a);
    assert_string_equal(tags(&a), "NIZ");
    pgw_field_iter it;
    pgw_field f;
    assert_int_equal(pgw_fields_begin(&a.f[0], &it), PGW_OK);
    assert_int_equal(pgw_fields_next(&it, &f), PGW_OK);
    assert_int_equal(pgw_fields_next(&it, &f), PGW_OK);
    assert_int_equal(f.code, 'M');
    assert_string_equal(f.value, "hello");
    assert_int_equal(calls, 1);
    assert_true(fs_done(fs));
    answer_free(&a);
    fs_free(fs);
}

static bool refuse(fs_server *fs, void *ud)
{
    return fs_fail(fs, "callback says no");
}

static void test_fakeserver_failing_callback_fails_script(void **state)
{
    fs_script *s = fs_script_new();
    fs_callback(s, refuse, NULL, NULL);
    fs_server *fs = fs_new(s);
    const uint8_t *p;
    assert_int_equal(fs_output(fs, &p), 0);
    assert_failed_with(fs, "callback says no");
    fs_free(fs);
}

static void test_fakeserver_error_msg_fields_parse(void **state)
{
    fs_script *s = fs_script_new();
    fs_send_error_msg(s, "FATAL", "28000", "no pg_hba.conf entry");
    fs_send_notification(s, 7, "chan", "payload");
    fs_server *fs = fs_new(s);
    answer a = {0};
    take(fs, &a);
    assert_string_equal(tags(&a), "EA");
    pgw_field_iter it;
    pgw_field f;
    char codes[8] = {0};
    size_t i = 0;
    assert_int_equal(pgw_fields_begin(&a.f[0], &it), PGW_OK);
    while (pgw_fields_next(&it, &f) == PGW_OK && i < 7)
        codes[i++] = f.code;
    assert_string_equal(codes, "SVCM");
    assert_string_equal(f.value, "no pg_hba.conf entry");
    int32_t pid;
    const char *ch, *pl;
    assert_int_equal(pgw_parse_notification_response(&a.f[1], &pid, &ch, &pl), PGW_OK);
    assert_int_equal(pid, 7);
    assert_string_equal(ch, "chan");
    assert_string_equal(pl, "payload");
    answer_free(&a);
    fs_free(fs);
}

/* ------------------------------------------------------------------------
 * SCRAM
 * ------------------------------------------------------------------------ */

/* From tests/vectors/scram_pg15.txt: an exchange a real PostgreSQL 15
 * server accepted. The fake server, given the same salt and server nonce,
 * must produce byte-identical server messages. */
#define PG15_PASSWORD "correct horse,battery=staple"
#define PG15_CLIENT_FIRST "n,,n=,r=cGd3aXJlLXBnMTUtdmVjdG9y"
#define PG15_SERVER_NONCE "DBuiPm5qTv2Y1ktfwzN5W679"
#define PG15_SERVER_FIRST                                                                      \
    "r=cGd3aXJlLXBnMTUtdmVjdG9yDBuiPm5qTv2Y1ktfwzN5W679,s=vdJpBymoiOwenAQOlIXXug==,i=4096"
#define PG15_CLIENT_FINAL                                                                      \
    "c=biws,r=cGd3aXJlLXBnMTUtdmVjdG9yDBuiPm5qTv2Y1ktfwzN5W679,p=RTFJgYDrJ3mJrQTX2/"          \
    "fHAFloI0pfNndLMqrKYD29YUI="
#define PG15_SERVER_FINAL "v=HAvTjPFM5WuMrmZnIwgW92SrTcpIKsPHyQNRltnhmPM="

static const uint8_t pg15_salt[16] = {0xbd, 0xd2, 0x69, 0x07, 0x29, 0xa8, 0x88, 0xec,
                                      0x1e, 0x9c, 0x04, 0x0e, 0x94, 0x85, 0xd7, 0xba};

static fs_server *pg15_scram_server(const char *password, fs_scram_tamper tamper,
                                    bool expect_bad)
{
    fs_script *s = fs_script_new();
    fs_expect_startup(s, "alice", NULL);
    fs_scram_opts o;
    fs_scram_opts_init(&o, password);
    o.salt = pg15_salt;
    o.salt_len = sizeof pg15_salt;
    o.iterations = 4096;
    o.server_nonce = PG15_SERVER_NONCE;
    o.tamper = tamper;
    o.expect_bad_proof = expect_bad;
    fs_scram(s, &o);
    fs_send_auth_ok(s);
    fs_send_ready(s, 'I');
    assert_null(fs_script_error(s));
    return fs_new(s);
}

/* Feed the recorded client side; return the payload of the last 'R'. */
static void scram_round(fs_server *fs, const char *client_msg, bool initial, answer *a)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    if (initial)
        assert_int_equal(pgw_build_sasl_initial_response(&b, "SCRAM-SHA-256",
                                                         (const uint8_t *)client_msg,
                                                         strlen(client_msg)),
                         PGW_OK);
    else
        assert_int_equal(
            pgw_build_sasl_response(&b, (const uint8_t *)client_msg, strlen(client_msg)),
            PGW_OK);
    (void)fs_feed(fs, b.data, b.len);
    pgw_buf_free(&b);
    take(fs, a);
}

static void assert_auth_payload(const pgw_frame *f, int32_t want_code, const char *want)
{
    int32_t code;
    const uint8_t *data;
    size_t len;
    assert_int_equal(f->tag, 'R');
    assert_int_equal(pgw_parse_authentication(f, &code, &data, &len), PGW_OK);
    assert_int_equal(code, want_code);
    if (want != NULL) {
        assert_int_equal(len, strlen(want));
        assert_memory_equal(data, want, len);
    }
}

static void test_fakeserver_scram_matches_recorded_pg15_exchange(void **state)
{
    fs_server *fs = pg15_scram_server(PG15_PASSWORD, FS_SCRAM_HONEST, false);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);
    assert_int_equal(a.n, 1);
    int32_t code;
    const uint8_t *data;
    size_t len;
    assert_int_equal(pgw_parse_authentication(&a.f[0], &code, &data, &len), PGW_OK);
    assert_int_equal(code, PGW_AUTH_SASL);
    size_t pos = 0;
    const char *mech;
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &mech), PGW_OK);
    assert_string_equal(mech, "SCRAM-SHA-256");

    scram_round(fs, PG15_CLIENT_FIRST, true, &a);
    assert_int_equal(a.n, 1);
    assert_auth_payload(&a.f[0], PGW_AUTH_SASL_CONTINUE, PG15_SERVER_FIRST);

    scram_round(fs, PG15_CLIENT_FINAL, false, &a);
    assert_ok(fs);
    assert_string_equal(tags(&a), "RRZ");
    assert_auth_payload(&a.f[0], PGW_AUTH_SASL_FINAL, PG15_SERVER_FINAL);
    assert_auth_payload(&a.f[1], PGW_AUTH_OK, NULL);
    assert_true(fs_done(fs));
    answer_free(&a);
    fs_free(fs);
}

static void test_fakeserver_scram_wrong_password_sends_28P01_and_hangs_up(void **state)
{
    fs_server *fs = pg15_scram_server("not the password", FS_SCRAM_HONEST, true);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);
    scram_round(fs, PG15_CLIENT_FIRST, true, &a);
    scram_round(fs, PG15_CLIENT_FINAL, false, &a);
    assert_ok(fs);
    assert_string_equal(tags(&a), "E");
    pgw_field_iter it;
    pgw_field f;
    assert_int_equal(pgw_fields_begin(&a.f[0], &it), PGW_OK);
    bool saw = false;
    while (pgw_fields_next(&it, &f) == PGW_OK)
        saw = saw || (f.code == 'C' && strcmp(f.value, "28P01") == 0);
    assert_true(saw);
    assert_true(fs_closed(fs));
    assert_true(fs_done(fs));
    answer_free(&a);
    fs_free(fs);

    /* the same without expect_bad_proof is a script failure */
    fs = pg15_scram_server("not the password", FS_SCRAM_HONEST, false);
    send_startup(fs, "alice", NULL);
    take(fs, &a);
    scram_round(fs, PG15_CLIENT_FIRST, true, &a);
    scram_round(fs, PG15_CLIENT_FINAL, false, &a);
    assert_failed_with(fs, "client proof does not verify");
    answer_free(&a);
    fs_free(fs);

    /* and a good proof when a bad one was expected fails too */
    fs = pg15_scram_server(PG15_PASSWORD, FS_SCRAM_HONEST, true);
    send_startup(fs, "alice", NULL);
    take(fs, &a);
    scram_round(fs, PG15_CLIENT_FIRST, true, &a);
    scram_round(fs, PG15_CLIENT_FINAL, false, &a);
    assert_failed_with(fs, "wrong password was expected");
    answer_free(&a);
    fs_free(fs);
}

static void test_fakeserver_scram_tampering_changes_server_messages(void **state)
{
    answer a = {0};
    fs_server *fs = pg15_scram_server(PG15_PASSWORD, FS_SCRAM_FOREIGN_NONCE, false);
    send_startup(fs, "alice", NULL);
    take(fs, &a);
    scram_round(fs, PG15_CLIENT_FIRST, true, &a);
    const uint8_t *data;
    size_t len;
    int32_t code;
    assert_int_equal(pgw_parse_authentication(&a.f[0], &code, &data, &len), PGW_OK);
    assert_true(len > 2 && memcmp(data, "r=cGd3", 6) != 0);
    fs_free(fs);

    const fs_scram_tamper finals[] = {FS_SCRAM_BAD_SIGNATURE, FS_SCRAM_ERROR_FINAL,
                                      FS_SCRAM_SKIP_FINAL};
    for (size_t i = 0; i < 3; i++) {
        fs = pg15_scram_server(PG15_PASSWORD, finals[i], false);
        send_startup(fs, "alice", NULL);
        take(fs, &a);
        scram_round(fs, PG15_CLIENT_FIRST, true, &a);
        scram_round(fs, PG15_CLIENT_FINAL, false, &a);
        assert_ok(fs);
        assert_int_equal(pgw_parse_authentication(&a.f[0], &code, &data, &len), PGW_OK);
        if (finals[i] == FS_SCRAM_SKIP_FINAL) {
            assert_string_equal(tags(&a), "RZ");
            assert_int_equal(code, PGW_AUTH_OK);
        } else if (finals[i] == FS_SCRAM_ERROR_FINAL) {
            assert_auth_payload(&a.f[0], PGW_AUTH_SASL_FINAL, "e=invalid-proof");
        } else {
            assert_int_equal(code, PGW_AUTH_SASL_FINAL);
            assert_int_equal(len, strlen(PG15_SERVER_FINAL));
            assert_memory_not_equal(data, PG15_SERVER_FINAL, len);
        }
        fs_free(fs);
    }
    answer_free(&a);
}

static void test_fakeserver_scram_bad_channel_binding_echo_fails(void **state)
{
    fs_server *fs = pg15_scram_server(PG15_PASSWORD, FS_SCRAM_HONEST, false);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);
    scram_round(fs, PG15_CLIENT_FIRST, true, &a);
    /* c=eSws is base64("y,,"), but the client sent "n,," */
    scram_round(fs,
                "c=eSws,r=cGd3aXJlLXBnMTUtdmVjdG9yDBuiPm5qTv2Y1ktfwzN5W679,p=RTFJgYDrJ3mJrQTX2/"
                "fHAFloI0pfNndLMqrKYD29YUI=",
                false, &a);
    assert_failed_with(fs, "channel-binding echo");
    answer_free(&a);
    fs_free(fs);
}

/* The library's own SCRAM client against the fake server's SCRAM server. */
static void test_fakeserver_scram_accepts_library_client(void **state)
{
    fs_script *s = fs_script_new();
    fs_expect_startup(s, "alice", NULL);
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    fs_scram(s, &o);
    fs_send_auth_ok(s);
    fs_server *fs = fs_new(s);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);

    pgw_buf first, final;
    pgw_buf_init(&first, NULL, 0);
    pgw_buf_init(&final, NULL, 0);
    pgw_scram *c = NULL;
    assert_int_equal(pgw_scram_begin(&c, NULL, "s3cret", 6, NULL, &first), PGW_OK);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(
        pgw_build_sasl_initial_response(&b, "SCRAM-SHA-256", first.data, first.len), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_OK);
    take(fs, &a);
    int32_t code;
    const uint8_t *data;
    size_t len;
    assert_int_equal(pgw_parse_authentication(&a.f[0], &code, &data, &len), PGW_OK);
    assert_int_equal(code, PGW_AUTH_SASL_CONTINUE);
    assert_int_equal(pgw_scram_continue(c, data, len, &final), PGW_OK);
    assert_int_equal(pgw_build_sasl_response(&b, final.data, final.len), PGW_OK);
    assert_int_equal(feed_buf(fs, &b), PGW_OK);
    assert_ok(fs);
    take(fs, &a);
    assert_string_equal(tags(&a), "RR");
    assert_int_equal(pgw_parse_authentication(&a.f[0], &code, &data, &len), PGW_OK);
    assert_int_equal(code, PGW_AUTH_SASL_FINAL);
    assert_int_equal(pgw_scram_finish(c, data, len), PGW_OK);
    assert_true(fs_done(fs));
    pgw_scram_free(c);
    pgw_buf_free(&b);
    pgw_buf_free(&first);
    pgw_buf_free(&final);
    answer_free(&a);
    fs_free(fs);
}

/* ------------------------------------------------------------------------
 * Loopback socket
 * ------------------------------------------------------------------------ */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(port);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void write_all(int fd, const pgw_buf *b)
{
    size_t off = 0;
    while (off < b->len) {
        ssize_t w = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);
        assert_true(w > 0);
        off += (size_t)w;
    }
}

/* Read until `want` backend messages have arrived (or 3 s pass). */
static size_t read_messages(int fd, uint8_t *buf, size_t cap, size_t want, char *tag_out)
{
    size_t len = 0, got = 0, off = 0;
    int64_t deadline = mono_ms() + 3000;
    while (got < want) {
        pgw_frame f;
        size_t used;
        if (pgw_frame_next(buf + off, len - off, NULL, &f, &used, NULL) == PGW_OK) {
            tag_out[got++] = (char)f.tag;
            off += used;
            continue;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
        int left = (int)(deadline - mono_ms());
        if (left <= 0 || poll(&p, 1, left) <= 0)
            break;
        ssize_t r = recv(fd, buf + len, cap - len, 0);
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    tag_out[got] = '\0';
    return got;
}

static void test_fakeserver_socket_session_completes(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    uint16_t port = 0;
    assert_int_equal(fs_listen(fs, &port), PGW_OK);
    assert_true(port != 0);
    assert_int_equal(fs_serve_thread_start(fs), PGW_OK);
    assert_int_equal(fs_serve_thread_start(fs), PGW_E_STATE);

    int fd = connect_to(port);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const char *names[] = {"user", "database"};
    const char *values[] = {"alice", "shop"};
    assert_int_equal(pgw_build_startup(&b, names, values, 2), PGW_OK);
    write_all(fd, &b);
    uint8_t buf[4096];
    char t[32];
    assert_int_equal(read_messages(fd, buf, sizeof buf, 10, t), 10);
    assert_string_equal(t, "RSSSSSSSKZ");
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_query(&b, "SELECT 1", 8), PGW_OK);
    write_all(fd, &b);
    assert_int_equal(read_messages(fd, buf, sizeof buf, 4, t), 4);
    assert_string_equal(t, "TDCZ");
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_terminate(&b), PGW_OK);
    write_all(fd, &b);
    /* the server hangs up after the script: EOF */
    assert_int_equal(read_messages(fd, buf, sizeof buf, 1, t), 0);
    close(fd);
    fs_serve_thread_join(fs);
    assert_ok(fs);
    assert_true(fs_done(fs));
    assert_true(fs_closed(fs));
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_socket_silent_client_times_out(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    fs_set_timeout(fs, 200);
    uint16_t port = 0;
    assert_int_equal(fs_listen(fs, &port), PGW_OK);
    int64_t t0 = mono_ms();
    assert_int_equal(fs_serve_thread_start(fs), PGW_OK);
    int fd = connect_to(port);
    fs_serve_thread_join(fs);
    int64_t took = mono_ms() - t0;
    assert_failed_with(fs, "timed out");
    assert_true(took >= 150 && took < 3000);
    close(fd);
    fs_free(fs);
}

static void test_fakeserver_socket_no_client_times_out(void **state)
{
    fs_server *fs = fs_new(select_one_script());
    fs_set_timeout(fs, 100);
    uint16_t port = 0;
    assert_int_equal(fs_listen(fs, &port), PGW_OK);
    assert_int_equal(fs_serve_thread_start(fs), PGW_OK);
    fs_serve_thread_join(fs);
    assert_failed_with(fs, "to connect");
    fs_free(fs);
}

static void test_fakeserver_socket_sleep_delays_answer(void **state)
{
    fs_script *s = fs_script_new();
    fs_expect_startup(s, "alice", NULL);
    fs_sleep(s, 300);
    fs_send_auth_ok(s);
    fs_send_ready(s, 'I');
    fs_expect_terminate(s);
    fs_server *fs = fs_new(s);
    uint16_t port = 0;
    assert_int_equal(fs_listen(fs, &port), PGW_OK);
    assert_int_equal(fs_serve_thread_start(fs), PGW_OK);
    int fd = connect_to(port);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const char *names[] = {"user"};
    const char *values[] = {"alice"};
    assert_int_equal(pgw_build_startup(&b, names, values, 1), PGW_OK);
    /* Terminate arrives during the sleep and is kept for the next step */
    assert_int_equal(pgw_build_terminate(&b), PGW_OK);
    int64_t t0 = mono_ms();
    write_all(fd, &b);
    uint8_t buf[256];
    char t[8];
    assert_int_equal(read_messages(fd, buf, sizeof buf, 2, t), 2);
    assert_true(mono_ms() - t0 >= 250);
    assert_string_equal(t, "RZ");
    close(fd);
    fs_serve_thread_join(fs);
    assert_ok(fs);
    assert_true(fs_done(fs));
    pgw_buf_free(&b);
    fs_free(fs);
}

static void test_fakeserver_socket_close_step_hangs_up(void **state)
{
    fs_script *s = fs_script_new();
    fs_expect_startup(s, NULL, NULL);
    fs_send_error_msg(s, "FATAL", "53300", "sorry, too many clients already");
    fs_close(s);
    fs_server *fs = fs_new(s);
    uint16_t port = 0;
    assert_int_equal(fs_listen(fs, &port), PGW_OK);
    assert_int_equal(fs_serve_thread_start(fs), PGW_OK);
    int fd = connect_to(port);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const char *names[] = {"user"};
    const char *values[] = {"bob"};
    assert_int_equal(pgw_build_startup(&b, names, values, 1), PGW_OK);
    write_all(fd, &b);
    uint8_t buf[256];
    char t[8];
    assert_int_equal(read_messages(fd, buf, sizeof buf, 2, t), 1);
    assert_string_equal(t, "E");
    close(fd);
    fs_serve_thread_join(fs);
    assert_true(fs_done(fs));
    assert_true(fs_closed(fs));
    pgw_buf_free(&b);
    fs_free(fs);
}

/* ------------------------------------------------------------------------
 * Failing allocator
 * ------------------------------------------------------------------------ */

static void test_failing_alloc_fails_nth_and_counts(void **state)
{
    failing_alloc fa;
    failing_alloc_init(&fa, 2);
    pgw_buf b;
    pgw_buf_init(&b, failing_alloc_get(&fa), 0);
    assert_int_equal(pgw_buf_append(&b, "abc", 3), PGW_OK); /* allocation 1 */
    assert_int_equal(fa.live_blocks, 1);
    assert_true(fa.live_bytes >= 3);
    uint8_t big[1024] = {0};
    assert_int_equal(pgw_buf_append(&b, big, sizeof big), PGW_E_NOMEM); /* realloc = 2 */
    assert_int_equal(fa.failures, 1);
    assert_int_equal(b.len, 3);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_buf_append(&b, big, sizeof big), PGW_OK); /* 3: succeeds */
    assert_int_equal(fa.calls, 3);
    assert_true(fa.peak_bytes >= sizeof big);
    assert_false(failing_alloc_clean(&fa));
    pgw_buf_free(&b);
    assert_true(failing_alloc_clean(&fa));
}

static void test_failing_alloc_fail_after_refuses_the_rest(void **state)
{
    failing_alloc fa;
    failing_alloc_init(&fa, 1);
    fa.fail_after = true;
    const pgw_allocator *a = failing_alloc_get(&fa);
    assert_null(a->alloc(a->ud, 8));
    assert_null(a->alloc(a->ud, 8));
    assert_int_equal(fa.failures, 2);
    failing_alloc_init(&fa, 0);
    void *p = a->alloc(a->ud, 8);
    assert_non_null(p);
    p = a->realloc(a->ud, p, 8, 100000);
    assert_non_null(p);
    assert_int_equal(fa.live_bytes, 100000);
    a->free(a->ud, p, 100000);
    assert_true(failing_alloc_clean(&fa));
}

/* ---- hostile-suite extensions (issue 8) ---- */

static void test_fakeserver_scram_server_first_template_uses_client_nonce(void **state)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", NULL);
    fs_scram_server_first(sc, "r={nonce}XY,s=,i={nonce}", 24);
    fs_server *fs = fs_new(sc);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);
    assert_int_equal(a.n, 1);
    assert_auth_payload(&a.f[0], PGW_AUTH_SASL, NULL);
    scram_round(fs, "n,,n=,r=abcDEF", true, &a);
    assert_int_equal(a.n, 1);
    assert_auth_payload(&a.f[0], PGW_AUTH_SASL_CONTINUE, "r=abcDEFXY,s=,i=abcDEF");
    assert_true(fs_done(fs));
    answer_free(&a);
    fs_free(fs);
}

static void test_fakeserver_scram_final_twice_sends_two_finals(void **state)
{
    fs_server *fs = pg15_scram_server(PG15_PASSWORD, FS_SCRAM_FINAL_TWICE, false);
    send_startup(fs, "alice", NULL);
    answer a = {0};
    take(fs, &a);
    scram_round(fs, PG15_CLIENT_FIRST, true, &a);
    scram_round(fs, PG15_CLIENT_FINAL, false, &a);
    assert_ok(fs);
    /* Both finals, then the script's AuthenticationOk and ReadyForQuery. */
    assert_string_equal(tags(&a), "RRRZ");
    assert_auth_payload(&a.f[0], PGW_AUTH_SASL_FINAL, PG15_SERVER_FINAL);
    assert_auth_payload(&a.f[1], PGW_AUTH_SASL_FINAL, PG15_SERVER_FINAL);
    assert_auth_payload(&a.f[2], PGW_AUTH_OK, NULL);
    answer_free(&a);
    fs_free(fs);
}

static void test_fakeserver_reset_in_memory_is_a_close(void **state)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", NULL);
    fs_send_raw(sc, "R\x00\x00", 3);
    fs_reset(sc);
    fs_server *fs = fs_new(sc);
    send_startup(fs, "alice", NULL);
    const uint8_t *p;
    assert_int_equal(fs_output(fs, &p), 3);
    assert_true(fs_closed(fs));
    assert_true(fs_was_reset(fs));
    assert_true(fs_done(fs));
    fs_free(fs);
}

static void test_fakeserver_socket_reset_is_econnreset(void **state)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", NULL);
    fs_reset(sc);
    fs_server *fs = fs_new(sc);
    fs_set_timeout(fs, 3000);
    uint16_t port = 0;
    assert_int_equal(fs_listen(fs, &port), PGW_OK);
    assert_int_equal(fs_serve_thread_start(fs), PGW_OK);
    int fd = connect_to(port);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const char *names[] = {"user"};
    const char *values[] = {"alice"};
    assert_int_equal(pgw_build_startup(&b, names, values, 1), PGW_OK);
    assert_int_equal(send(fd, b.data, b.len, MSG_NOSIGNAL), (ssize_t)b.len);
    pgw_buf_free(&b);
    fs_serve_thread_join(fs);
    uint8_t buf[16];
    ssize_t r = recv(fd, buf, sizeof buf, 0);
    assert_int_equal(r, -1);
    assert_int_equal(errno, ECONNRESET);
    assert_true(fs_was_reset(fs));
    close(fd);
    fs_free(fs);
}

static void test_failing_alloc_max_block_refuses_big_requests(void **state)
{
    failing_alloc fa;
    failing_alloc_init(&fa, 0);
    fa.max_block = 1024;
    const pgw_allocator *a = failing_alloc_get(&fa);
    void *p = a->alloc(a->ud, 1024);
    assert_non_null(p);
    assert_null(a->alloc(a->ud, 1025));
    assert_null(a->realloc(a->ud, p, 1024, (size_t)1 << 31));
    assert_int_equal(fa.largest_request, (size_t)1 << 31);
    assert_int_equal(fa.failures, 2);
    a->free(a->ud, p, 1024);
    assert_true(failing_alloc_clean(&fa));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fakeserver_scram_server_first_template_uses_client_nonce),
        cmocka_unit_test(test_fakeserver_scram_final_twice_sends_two_finals),
        cmocka_unit_test(test_fakeserver_reset_in_memory_is_a_close),
        cmocka_unit_test(test_fakeserver_socket_reset_is_econnreset),
        cmocka_unit_test(test_failing_alloc_max_block_refuses_big_requests),
        cmocka_unit_test(test_fakeserver_trust_and_query_completes),
        cmocka_unit_test(test_fakeserver_bytewise_feed_completes),
        cmocka_unit_test(test_fakeserver_unexpected_message_fails_with_description),
        cmocka_unit_test(test_fakeserver_wrong_query_text_fails_with_both_texts),
        cmocka_unit_test(test_fakeserver_wrong_user_fails),
        cmocka_unit_test(test_fakeserver_malformed_client_message_fails),
        cmocka_unit_test(test_fakeserver_message_after_script_end_fails),
        cmocka_unit_test(test_fakeserver_eof_before_script_end_fails),
        cmocka_unit_test(test_fakeserver_eof_at_script_end_is_clean),
        cmocka_unit_test(test_fakeserver_bad_send_argument_is_script_error),
        cmocka_unit_test(test_fakeserver_ssl_request_then_startup_completes),
        cmocka_unit_test(test_fakeserver_startup_param_mismatch_fails),
        cmocka_unit_test(test_fakeserver_ssl_request_when_startup_expected_fails),
        cmocka_unit_test(test_fakeserver_cancel_request_checked),
        cmocka_unit_test(test_fakeserver_cleartext_password_checked),
        cmocka_unit_test(test_fakeserver_md5_hash_matches_reference),
        cmocka_unit_test(test_fakeserver_extended_protocol_expectations_pass),
        cmocka_unit_test(test_fakeserver_wrong_describe_kind_fails),
        cmocka_unit_test(test_fakeserver_copy_data_payload_checked),
        cmocka_unit_test(test_fakeserver_raw_bytes_sent_verbatim),
        cmocka_unit_test(test_fakeserver_callback_sees_last_message),
        cmocka_unit_test(test_fakeserver_failing_callback_fails_script),
        cmocka_unit_test(test_fakeserver_error_msg_fields_parse),
        cmocka_unit_test(test_fakeserver_scram_matches_recorded_pg15_exchange),
        cmocka_unit_test(test_fakeserver_scram_wrong_password_sends_28P01_and_hangs_up),
        cmocka_unit_test(test_fakeserver_scram_tampering_changes_server_messages),
        cmocka_unit_test(test_fakeserver_scram_bad_channel_binding_echo_fails),
        cmocka_unit_test(test_fakeserver_scram_accepts_library_client),
        cmocka_unit_test(test_fakeserver_socket_session_completes),
        cmocka_unit_test(test_fakeserver_socket_silent_client_times_out),
        cmocka_unit_test(test_fakeserver_socket_no_client_times_out),
        cmocka_unit_test(test_fakeserver_socket_sleep_delays_answer),
        cmocka_unit_test(test_fakeserver_socket_close_step_hangs_up),
        cmocka_unit_test(test_failing_alloc_fails_nth_and_counts),
        cmocka_unit_test(test_failing_alloc_fail_after_refuses_the_rest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
