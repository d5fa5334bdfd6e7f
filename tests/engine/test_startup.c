/* Startup and authentication of the engine against the fake server, in
 * memory: every method, and the ways a server can fail or cheat. */
#include <stdlib.h>

#include "rig.h"

#define CI "user=alice password=s3cret dbname=app application_name=tests"

static void expect_ready(rig *r)
{
    assert_int_equal(pgw_conn_get_state(r->c), PGW_CONN_IDLE);
    assert_int_equal(pgw_conn_tx_status(r->c), PGW_TX_IDLE);
    assert_true(fs_done(r->fs));
    assert_false(fs_failed(r->fs, NULL));
}

static void test_startup_trust_reaches_idle(void **s)
{
    for (size_t chunk = 0; chunk <= 3; chunk++) {
        fs_script *sc = fs_script_new();
        fs_expect_startup(sc, "alice", "app");
        fs_expect_startup_param(sc, "application_name", "tests");
        fs_expect_startup_param(sc, "client_encoding", "UTF8");
        fs_send_auth_ok(sc);
        fs_send_parameter_status(sc, "server_version", "15.4");
        fs_send_parameter_status(sc, "client_encoding", "UTF8");
        fs_send_backend_key(sc, 4242, 0x01020304);
        fs_send_ready(sc, 'I');
        rig r;
        rig_init(&r, sc, CI, chunk);
        assert_int_equal(rig_connect(&r), PGW_OK);
        expect_ready(&r);
        assert_string_equal(pgw_conn_parameter(r.c, "server_version"), "15.4");
        assert_int_equal(pgw_conn_backend_pid(r.c), 4242);
        const uint8_t *key;
        assert_int_equal(pgw_conn_cancel_key(r.c, &key), 4);
        assert_memory_equal(key, "\x01\x02\x03\x04", 4);
        /* No password went over the wire for trust. */
        assert_int_equal(fs_count_received(r.fs, 'p'), 0);
        rig_free(&r);
    }
}

static void test_startup_cleartext_sends_password(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_cleartext(sc);
    fs_expect_password(sc, "s3cret");
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    rig r;
    rig_init(&r, sc, CI, 1);
    assert_int_equal(rig_connect(&r), PGW_OK);
    expect_ready(&r);
    rig_free(&r);
}

static void test_startup_md5_sends_hash(void **s)
{
    const uint8_t salt[4] = {0x93, 0x01, 0xfe, 0x7a};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_md5(sc, salt);
    fs_expect_md5_password(sc, "alice", "s3cret", salt);
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    expect_ready(&r);
    rig_free(&r);
}

static void test_startup_scram_verifies_server(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    fs_scram(sc, &o);
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    rig r;
    rig_init(&r, sc, CI, 7);
    assert_int_equal(rig_connect(&r), PGW_OK);
    expect_ready(&r);
    rig_free(&r);
}

/* Run a SCRAM script whose server misbehaves; the client must refuse it. */
static void scram_refused(fs_scram_tamper t, uint32_t iterations, bool auth_ok_after,
                          const char *reason)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    o.tamper = t;
    o.iterations = iterations;
    fs_scram(sc, &o);
    if (auth_ok_after) {
        fs_send_auth_ok(sc);
        fs_send_startup_tail(sc, 1, 2);
    }
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_E_AUTH);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
    if (strstr(pgw_conn_errmsg(r.c), reason) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", pgw_conn_errmsg(r.c), reason);
    assert_null(strstr(pgw_conn_errmsg(r.c), "s3cret"));
    /* Sticky: the engine refuses to go on. */
    assert_int_equal(pgw_conn_step(r.c), PGW_E_AUTH);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r.c, "SELECT 1", &cur), PGW_E_AUTH);
    rig_free(&r);
}

static void test_startup_scram_bad_signature_refused(void **s)
{
    scram_refused(FS_SCRAM_BAD_SIGNATURE, 0, true, "SCRAM");
}

static void test_startup_scram_foreign_nonce_refused(void **s)
{
    scram_refused(FS_SCRAM_FOREIGN_NONCE, 0, false, "SCRAM");
}

static void test_startup_scram_auth_ok_without_final_refused(void **s)
{
    /* A server that skips SASLFinal never proved it knew the password. */
    scram_refused(FS_SCRAM_SKIP_FINAL, 0, true, "AuthenticationOk before completing");
}

static void test_startup_scram_error_final_refused(void **s)
{
    scram_refused(FS_SCRAM_ERROR_FINAL, 0, false, "SCRAM");
}

static void test_startup_scram_huge_iterations_refused(void **s)
{
    scram_refused(FS_SCRAM_HONEST, 2147483647u, false, "SCRAM");
}

static void test_startup_no_password_sends_nothing(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_cleartext(sc);
    rig r;
    rig_init(&r, sc, "user=alice dbname=app", 0);
    assert_int_equal(rig_connect(&r), PGW_E_AUTH);
    assert_string_equal(pgw_conn_errmsg(r.c), "fe_sendauth: no password supplied");
    assert_int_equal(fs_count_received(r.fs, 'p'), 0);
    rig_free(&r);
}

static void test_startup_server_error_28P01_is_auth(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_cleartext(sc);
    fs_expect_password(sc, "s3cret");
    fs_send_error_msg(sc, "FATAL", "28P01", "password authentication failed for user \"alice\"");
    fs_close(sc);
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_E_AUTH);
    const pgw_error *e = pgw_conn_error(r.c);
    assert_string_equal(e->sqlstate, "28P01");
    assert_string_equal(e->summary, "FATAL:  password authentication failed for user \"alice\"");
    rig_free(&r);
}

static void test_startup_server_error_other_is_server(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_error_msg(sc, "FATAL", "3D000", "database \"app\" does not exist");
    fs_close(sc);
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(r.c)->sqlstate, "3D000");
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
    rig_free(&r);
}

static void unsupported_auth(int32_t code, const char *msg)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_request(sc, code, NULL, 0);
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_E_UNSUPPORTED);
    assert_string_equal(pgw_conn_errmsg(r.c), msg);
    assert_int_equal(fs_count_received(r.fs, 'p'), 0);
    rig_free(&r);
}

static void test_startup_gss_sspi_kerberos_refused(void **s)
{
    unsupported_auth(PGW_AUTH_GSS, "GSSAPI authentication not supported");
    unsupported_auth(PGW_AUTH_SSPI, "SSPI authentication not supported");
    unsupported_auth(PGW_AUTH_KERBEROS_V5, "Kerberos 5 authentication not supported");
    unsupported_auth(99, "authentication method 99 not supported");
}

static void test_startup_sasl_without_scram_refused(void **s)
{
    const char *mechs[] = {"SCRAM-SHA-256-PLUS"};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_E_AUTH);
    assert_non_null(strstr(pgw_conn_errmsg(r.c), "SCRAM-SHA-256-PLUS"));
    assert_int_equal(fs_count_received(r.fs, 'p'), 0);
    rig_free(&r);
}

/* Each script misbehaves after the startup packet; the status is exact. */
typedef struct hostile {
    const char *name;
    const char *raw; /* bytes after the startup packet */
    size_t len;
    pgw_status want;
} hostile;

#define RAW(s) s, sizeof(s) - 1

static const hostile startup_cases[] = {
    {"length 3", RAW("R\x00\x00\x00\x03"), PGW_E_PROTOCOL},
    {"length 0", RAW("R\x00\x00\x00\x00"), PGW_E_PROTOCOL},
    {"length 0x7FFFFFFF", RAW("R\x7f\xff\xff\xff"), PGW_E_TOO_LARGE},
    {"length 0x80000000 (negative)", RAW("R\x80\x00\x00\x00"), PGW_E_PROTOCOL},
    {"length 0xFFFFFFFF (negative)", RAW("R\xff\xff\xff\xff"), PGW_E_PROTOCOL},
    {"small type over 30000", RAW("K\x00\x01\x00\x00"), PGW_E_TOO_LARGE},
    {"truncated then EOF", RAW("R\x00\x00\x00\x08\x00\x00"), PGW_E_CLOSED},
    {"nothing then EOF", RAW(""), PGW_E_CLOSED},
    {"md5 salt of 3 bytes", RAW("R\x00\x00\x00\x0b\x00\x00\x00\x05\x01\x02\x03"), PGW_E_PROTOCOL},
    {"ReadyForQuery before auth", RAW("Z\x00\x00\x00\x05I"), PGW_E_PROTOCOL},
    {"BackendKeyData before auth", RAW("K\x00\x00\x00\x0c\x00\x00\x00\x01\x00\x00\x00\x02"),
     PGW_E_PROTOCOL},
    {"unknown message type", RAW("\x01\x00\x00\x00\x04"), PGW_E_PROTOCOL},
    {"DataRow during startup", RAW("D\x00\x00\x00\x06\x00\x00"), PGW_E_PROTOCOL},
    {"NegotiateProtocolVersion", RAW("v\x00\x00\x00\x0c\x00\x00\x00\x00\x00\x00\x00\x00"),
     PGW_E_PROTOCOL},
    {"bad ReadyForQuery status",
     RAW("R\x00\x00\x00\x08\x00\x00\x00\x00Z\x00\x00\x00\x05X"), PGW_E_PROTOCOL},
    {"BackendKeyData key of 3 bytes",
     RAW("R\x00\x00\x00\x08\x00\x00\x00\x00K\x00\x00\x00\x0b\x00\x00\x00\x01\x01\x02\x03"),
     PGW_E_PROTOCOL},
    {"second AuthenticationOk",
     RAW("R\x00\x00\x00\x08\x00\x00\x00\x00R\x00\x00\x00\x08\x00\x00\x00\x00"), PGW_E_PROTOCOL},
    {"SASLContinue without SASL", RAW("R\x00\x00\x00\x09\x00\x00\x00\x0bx"), PGW_E_PROTOCOL},
    {"ErrorResponse without terminator", RAW("E\x00\x00\x00\x08SERR"), PGW_E_PROTOCOL},
    {"encoding switched to BIG5",
     RAW("R\x00\x00\x00\x08\x00\x00\x00\x00S\x00\x00\x00\x19" "client_encoding\x00"
         "BIG5\x00"),
     PGW_E_UNSUPPORTED},
};

static void test_startup_hostile_server_scenarios(void **s)
{
    for (size_t i = 0; i < sizeof startup_cases / sizeof startup_cases[0]; i++) {
        const hostile *h = &startup_cases[i];
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            fs_script *sc = fs_script_new();
            fs_expect_startup(sc, "alice", "app");
            if (h->len > 0)
                fs_send_raw(sc, h->raw, h->len);
            fs_close(sc);
            rig r;
            rig_init(&r, sc, CI, chunk);
            pgw_status rc = rig_connect(&r);
            if (rc != h->want)
                fail_msg("%s: got %s (%s), want %s", h->name, pgw_status_name(rc),
                         pgw_conn_errmsg(r.c), pgw_status_name(h->want));
            if (getenv("PGW_SHOW_MESSAGES") && chunk == 0)
                fprintf(stderr, "# %s: %s\n", h->name, pgw_conn_errmsg(r.c));
            assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
            assert_true(pgw_conn_errmsg(r.c)[0] != '\0');
            rig_free(&r);
        }
    }
}

static void test_startup_rejects_nul_free_options_before_wire(void **s)
{
    /* Options come from C strings, so they cannot hold a NUL; an empty
     * user is refused before anything is written. */
    fs_script *sc = fs_script_new();
    rig r;
    rig_init(&r, sc, "user='' dbname=x", 0);
    assert_int_equal(pgw_conn_start(r.c), PGW_E_INVALID);
    const uint8_t *p;
    assert_int_equal(pgw_conn_output(r.c, &p), 0);
    rig_free(&r);
}

static void test_startup_out_of_memory_at_every_allocation(void **s)
{
    /* The whole SCRAM startup with the Nth allocation failing, for every
     * N until it succeeds: a clean status each time, nothing leaked. */
    for (size_t n = 1; n < 200; n++) {
        fs_script *sc = fs_script_new();
        fs_expect_startup(sc, "alice", "app");
        fs_scram_opts o;
        fs_scram_opts_init(&o, "s3cret");
        fs_scram(sc, &o);
        fs_send_auth_ok(sc);
        fs_send_startup_tail(sc, 1, 2);
        rig r;
        memset(&r, 0, sizeof r);
        failing_alloc_init(&r.fa, n);
        r.fs = fs_new(sc);
        pgw_conn_options opt;
        pgw_conn_options_init(&opt);
        opt.conninfo = CI " sslmode=disable";
        opt.allocator = failing_alloc_get(&r.fa);
        pgw_status rc = pgw_conn_new(&r.c, &opt);
        if (rc == PGW_E_NOMEM) {
            assert_null(r.c);
            fs_free(r.fs);
            assert_true(failing_alloc_clean(&r.fa));
            continue;
        }
        assert_int_equal(rc, PGW_OK);
        rc = pgw_conn_start(r.c);
        for (;;) {
            if (rc != PGW_OK && rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
                break;
            rc = pgw_conn_step(r.c);
            if (rc == PGW_OK)
                break;
            if ((rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) && !rig_shuttle(&r))
                fail_msg("stalled at allocation %zu", n);
        }
        bool done = r.fa.failures == 0;
        if (!done) {
            assert_true(rc == PGW_E_NOMEM || rc == PGW_E_AUTH);
            assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
        } else {
            assert_int_equal(rc, PGW_OK);
        }
        rig_free(&r);
        if (done)
            return;
    }
    fail_msg("startup never succeeded");
}

/* ---- TLS negotiation and authentication policy (issue 4) ---------------- */

static void expect_failure(fs_script *sc, const char *ci, size_t chunk, pgw_status want,
                           const char *msg, size_t startups_seen, size_t passwords_seen)
{
    rig r;
    rig_init(&r, sc, ci, chunk);
    pgw_status rc = rig_connect(&r);
    if (rc != want || strstr(pgw_conn_errmsg(r.c), msg) == NULL)
        fail_msg("%s: got %s \"%s\", want %s \"%s\"", ci, pgw_status_name(rc),
                 pgw_conn_errmsg(r.c), pgw_status_name(want), msg);
    assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
    /* What reached the server: the SSLRequest/StartupMessage packets and no
     * password bytes where the policy forbids them. */
    assert_int_equal(fs_count_received(r.fs, 0), startups_seen);
    assert_int_equal(fs_count_received(r.fs, 'p'), passwords_seen);
    assert_false(pgw_conn_tls_in_use(r.c));
    assert_null(strstr(pgw_conn_errmsg(r.c), "s3cret"));
    rig_free(&r);
}

static void test_tls_stuffed_bytes_after_S_are_refused(void **s)
{
    /* CVE-2021-23222: a forged AuthenticationOk behind the 'S'. */
    fs_script *sc = fs_script_new();
    fs_expect_ssl_request(sc);
    fs_send_raw(sc, "SR\x00\x00\x00\x08\x00\x00\x00\x00", 10);
    fs_close(sc);
    expect_failure(sc, CI " sslmode=require", 0, PGW_E_PROTOCOL,
                   "received unencrypted data after SSL response", 1, 0);
    /* Arriving later, the same bytes are fed to TLS and fail the handshake. */
    sc = fs_script_new();
    fs_expect_ssl_request(sc);
    fs_send_raw(sc, "SR\x00\x00\x00\x08\x00\x00\x00\x00", 10);
    fs_close(sc);
    rig r;
    rig_init(&r, sc, CI " sslmode=require", 1);
    pgw_status rc = rig_connect(&r);
    assert_true(rc == PGW_E_TLS || rc == PGW_E_CLOSED);
    assert_int_equal(fs_count_received(r.fs, 0), 1);
    rig_free(&r);
}

static void test_tls_refused_under_require(void **s)
{
    const char *modes[] = {"require", "verify-ca", "verify-full"};
    for (size_t i = 0; i < 3; i++) {
        fs_script *sc = fs_script_new();
        fs_expect_ssl_request(sc);
        fs_send_ssl_response(sc, 'N');
        fs_close(sc);
        char ci[200];
        snprintf(ci, sizeof ci, CI " sslmode=%s sslrootcert=/nonexistent", modes[i]);
        expect_failure(sc, ci, 0, PGW_E_TLS, "server does not support SSL, but SSL was required",
                       1, 0);
    }
}

static void test_tls_error_reply_is_not_shown_nor_retried(void **s)
{
    /* CVE-2024-10977: the server (or a man in the middle) answers the
     * SSLRequest with an ErrorResponse full of bait. */
    const char bait[] = "E\x00\x00\x00\x2a" "SFATAL\x00" "C28000\x00"
                        "Mlooks like query results\x1b[2J\x00\x00";
    for (int prefer = 0; prefer <= 1; prefer++) {
        fs_script *sc = fs_script_new();
        fs_expect_ssl_request(sc);
        fs_send_raw(sc, bait, sizeof bait - 1);
        fs_close(sc);
        rig r;
        rig_init(&r, sc, prefer ? CI " sslmode=prefer" : CI " sslmode=require", 0);
        assert_int_equal(rig_connect(&r), PGW_E_PROTOCOL);
        assert_string_equal(pgw_conn_errmsg(r.c), "server sent an error response during SSL exchange");
        assert_null(strstr(pgw_conn_errmsg(r.c), "query results"));
        /* No plaintext retry, not even under prefer. */
        assert_false(pgwi_conn_retry_other(r.c));
        rig_free(&r);
    }
}

static void test_tls_invalid_answer_and_eof(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_ssl_request(sc);
    fs_send_raw(sc, "X", 1);
    fs_close(sc);
    expect_failure(sc, CI " sslmode=prefer", 0, PGW_E_PROTOCOL,
                   "received invalid response to SSL negotiation: X", 1, 0);
    sc = fs_script_new();
    fs_expect_ssl_request(sc);
    fs_close(sc);
    expect_failure(sc, CI " sslmode=prefer", 0, PGW_E_CLOSED,
                   "server closed the connection unexpectedly", 1, 0);
}

static void test_tls_prefer_continues_in_plaintext_after_N(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_ssl_request(sc);
    fs_send_ssl_response(sc, 'N');
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    rig r;
    rig_init(&r, sc, CI " sslmode=prefer", 1);
    assert_int_equal(rig_connect(&r), PGW_OK);
    assert_false(pgw_conn_tls_in_use(r.c));
    assert_null(pgw_conn_tls_version(r.c));
    assert_string_equal(pgw_conn_auth_method(r.c), "none");
    assert_true(fs_done(r.fs));
    rig_free(&r);
}

static void test_policy_downgrade_to_cleartext_sends_nothing(void **s)
{
    /* A man in the middle answers 'N' and asks for the password in clear. */
    fs_script *sc = fs_script_new();
    fs_expect_ssl_request(sc);
    fs_send_ssl_response(sc, 'N');
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_cleartext(sc);
    fs_close(sc);
    expect_failure(sc, CI " sslmode=prefer require_auth=scram-sha-256", 0, PGW_E_AUTH,
                   "authentication method requirement \"scram-sha-256\" failed: server requested "
                   "a cleartext password",
                   2, 0);
    const uint8_t salt[4] = {1, 2, 3, 4};
    sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_md5(sc, salt);
    fs_close(sc);
    expect_failure(sc, CI " sslmode=disable require_auth=!md5,!password", 0, PGW_E_AUTH,
                   "server requested a hashed password", 1, 0);
}

static void test_policy_auth_ok_without_challenge(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    expect_failure(sc, CI " sslmode=disable require_auth=md5", 0, PGW_E_AUTH,
                   "authentication method requirement \"md5\" failed: server did not complete "
                   "authentication",
                   1, 0);
    sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    expect_failure(sc, CI " sslmode=disable require_auth=!none", 0, PGW_E_AUTH,
                   "server did not complete authentication", 1, 0);
    /* "none" allows trust. */
    sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    rig r;
    rig_init(&r, sc, CI " sslmode=disable require_auth=none,scram-sha-256", 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    rig_free(&r);
}

static void test_policy_channel_binding_require(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_cleartext(sc);
    fs_close(sc);
    expect_failure(sc, CI " sslmode=disable channel_binding=require", 0, PGW_E_AUTH,
                   "channel binding required but not supported by server's authentication request",
                   1, 0);
    sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    expect_failure(sc, CI " sslmode=disable channel_binding=require", 0, PGW_E_AUTH,
                   "channel binding required, but server authenticated client without channel "
                   "binding",
                   1, 0);
    const char *mechs[] = {"SCRAM-SHA-256"};
    sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_close(sc);
    expect_failure(sc, CI " sslmode=disable channel_binding=require", 0, PGW_E_AUTH,
                   "channel binding required, but SSL not in use", 1, 0);
}

static void test_policy_scram_allowed_by_require_auth(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    fs_scram(sc, &o);
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    rig r;
    rig_init(&r, sc, CI " sslmode=disable require_auth=scram-sha-256 channel_binding=prefer", 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    assert_string_equal(pgw_conn_auth_method(r.c), "scram-sha-256");
    assert_false(pgw_conn_channel_binding_used(r.c));
    rig_free(&r);
}

static pgw_status token_cb(void *ud, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", (const char *)ud);
    return PGW_OK;
}

static void oauth_rig(rig *r, fs_script *sc, const char *ci, char *token)
{
    memset(r, 0, sizeof *r);
    failing_alloc_init(&r->fa, 0);
    r->fs = fs_new(sc);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.allocator = failing_alloc_get(&r->fa);
    o.oauth_token = token_cb;
    o.oauth_token_ud = (void *)token;
    assert_int_equal(pgw_conn_new(&r->c, &o), PGW_OK);
}

static void test_oauth_bearer_token_is_sent(void **s)
{
    const char *mechs[] = {"OAUTHBEARER"};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_expect_sasl_initial(sc, "OAUTHBEARER");
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    rig r;
    char tok[] = "eyJhbGciOi.Jz-_~+/=";
    oauth_rig(&r, sc, CI " sslmode=disable require_auth=oauth", tok);
    assert_int_equal(rig_connect(&r), PGW_OK);
    assert_string_equal(pgw_conn_auth_method(r.c), "oauth");
    /* The exact RFC 7628 initial response went out. */
    const fs_msg *m = NULL;
    for (size_t i = 0; i < fs_received_count(r.fs); i++)
        if (fs_received(r.fs, i)->tag == 'p')
            m = fs_received(r.fs, i);
    assert_non_null(m);
    const char want[] = "OAUTHBEARER\0" "\0\0\0\x25" "n,,\x01" "auth=Bearer eyJhbGciOi.Jz-_~+/="
                        "\x01\x01";
    assert_int_equal(m->len, sizeof want - 1);
    assert_memory_equal(m->body, want, sizeof want - 1);
    rig_free(&r);
}

static void test_oauth_refused_token_and_bad_tokens(void **s)
{
    const char *mechs[] = {"OAUTHBEARER"};
    /* The server refuses: JSON in SASLContinue, %x01 back, then its error. */
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_expect_sasl_initial(sc, "OAUTHBEARER");
    fs_send_sasl_continue(sc, "{\"status\":\"invalid_token\"}", 26);
    fs_expect_sasl_response(sc);
    fs_send_error_msg(sc, "FATAL", "28000", "OAuth bearer authentication failed for user \"alice\"");
    fs_close(sc);
    rig r;
    char tok[] = "tok", bad[] = "abc\x01" "auth=Bearer x";
    oauth_rig(&r, sc, CI " sslmode=disable", tok);
    assert_int_equal(rig_connect(&r), PGW_E_AUTH);
    assert_string_equal(pgw_conn_error(r.c)->sqlstate, "28000");
    assert_null(strstr(pgw_conn_errmsg(r.c), "invalid_token"));
    assert_true(fs_done(r.fs));
    rig_free(&r);
    /* A token that would break the framing never leaves the client. */
    sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_close(sc);
    oauth_rig(&r, sc, CI " sslmode=disable", bad);
    assert_int_equal(rig_connect(&r), PGW_E_AUTH);
    assert_string_equal(pgw_conn_errmsg(r.c), "OAuth bearer token is malformed");
    assert_int_equal(fs_count_received(r.fs, 'p'), 0);
    rig_free(&r);
    /* require_auth=scram-sha-256 refuses an OAuth request. */
    sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_close(sc);
    oauth_rig(&r, sc, CI " sslmode=disable require_auth=scram-sha-256", tok);
    assert_int_equal(rig_connect(&r), PGW_E_AUTH);
    assert_non_null(strstr(pgw_conn_errmsg(r.c), "scram-sha-256\" failed: server requested SASL authentication"));
    assert_int_equal(fs_count_received(r.fs, 'p'), 0);
    rig_free(&r);
    /* Without a token source: a clear error, nothing sent. */
    sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_close(sc);
    rig_init(&r, sc, CI, 0);
    assert_int_equal(rig_connect(&r), PGW_E_AUTH);
    assert_non_null(strstr(pgw_conn_errmsg(r.c), "no token source"));
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_startup_trust_reaches_idle),
        cmocka_unit_test(test_startup_cleartext_sends_password),
        cmocka_unit_test(test_startup_md5_sends_hash),
        cmocka_unit_test(test_startup_scram_verifies_server),
        cmocka_unit_test(test_startup_scram_bad_signature_refused),
        cmocka_unit_test(test_startup_scram_foreign_nonce_refused),
        cmocka_unit_test(test_startup_scram_auth_ok_without_final_refused),
        cmocka_unit_test(test_startup_scram_error_final_refused),
        cmocka_unit_test(test_startup_scram_huge_iterations_refused),
        cmocka_unit_test(test_startup_no_password_sends_nothing),
        cmocka_unit_test(test_startup_server_error_28P01_is_auth),
        cmocka_unit_test(test_startup_server_error_other_is_server),
        cmocka_unit_test(test_startup_gss_sspi_kerberos_refused),
        cmocka_unit_test(test_startup_sasl_without_scram_refused),
        cmocka_unit_test(test_startup_hostile_server_scenarios),
        cmocka_unit_test(test_startup_rejects_nul_free_options_before_wire),
        cmocka_unit_test(test_startup_out_of_memory_at_every_allocation),
        cmocka_unit_test(test_tls_stuffed_bytes_after_S_are_refused),
        cmocka_unit_test(test_tls_refused_under_require),
        cmocka_unit_test(test_tls_error_reply_is_not_shown_nor_retried),
        cmocka_unit_test(test_tls_invalid_answer_and_eof),
        cmocka_unit_test(test_tls_prefer_continues_in_plaintext_after_N),
        cmocka_unit_test(test_policy_downgrade_to_cleartext_sends_nothing),
        cmocka_unit_test(test_policy_auth_ok_without_challenge),
        cmocka_unit_test(test_policy_channel_binding_require),
        cmocka_unit_test(test_policy_scram_allowed_by_require_auth),
        cmocka_unit_test(test_oauth_bearer_token_is_sent),
        cmocka_unit_test(test_oauth_refused_token_and_bad_tokens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
