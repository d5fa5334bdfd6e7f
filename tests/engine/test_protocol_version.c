/* Protocol version negotiation against the fake server, in memory:
 * min_protocol_version / max_protocol_version as libpq 18 reads them, the
 * version word of the StartupMessage, NegotiateProtocolVersion (honest,
 * lying and malformed) and protocol 3.2's variable-length cancel key. */
#include <stdlib.h>

#include "rig.h"

#define CI "user=alice dbname=app"

/* NegotiateProtocolVersion carries a whole version word, as the server's
 * PG_PROTOCOL_LATEST: 3 << 16 | minor. */
#define V(minor) (3 << 16 | (minor))

/* The version word of the first StartupMessage the server received. */
static uint32_t startup_version(const rig *r)
{
    for (size_t i = 0; i < fs_received_count(r->fs); i++) {
        const fs_msg *m = fs_received(r->fs, i);
        if (m->tag == 0 && m->len >= 4)
            return (uint32_t)m->body[0] << 24 | (uint32_t)m->body[1] << 16 |
                   (uint32_t)m->body[2] << 8 | m->body[3];
    }
    fail_msg("no StartupMessage received");
    return 0;
}

/* BackendKeyData with a key of `klen` bytes (0x00, 0x01, ...). */
static void send_key(fs_script *sc, int32_t pid, size_t klen)
{
    uint8_t m[1 + 4 + 4 + 300];
    size_t body = 4 + klen;
    m[0] = 'K';
    m[1] = (uint8_t)((body + 4) >> 24);
    m[2] = (uint8_t)((body + 4) >> 16);
    m[3] = (uint8_t)((body + 4) >> 8);
    m[4] = (uint8_t)(body + 4);
    m[5] = (uint8_t)((uint32_t)pid >> 24);
    m[6] = (uint8_t)((uint32_t)pid >> 16);
    m[7] = (uint8_t)((uint32_t)pid >> 8);
    m[8] = (uint8_t)pid;
    for (size_t i = 0; i < klen; i++)
        m[9 + i] = (uint8_t)i;
    fs_send_raw(sc, m, 9 + klen);
}

/* Trust authentication then a key of klen bytes and ReadyForQuery. */
static void tail_with_key(fs_script *sc, size_t klen)
{
    fs_send_auth_ok(sc);
    fs_send_parameter_status(sc, "server_version", "18.0");
    send_key(sc, 777, klen);
    fs_send_ready(sc, 'I');
}

static void expect_idle(rig *r)
{
    assert_int_equal(pgw_conn_get_state(r->c), PGW_CONN_IDLE);
    assert_true(fs_done(r->fs));
    assert_false(fs_failed(r->fs, NULL));
}

static void expect_connect_fails(rig *r, pgw_status want, const char *msg)
{
    assert_int_equal(rig_connect(r), want);
    assert_int_equal(pgw_conn_get_state(r->c), PGW_CONN_BROKEN);
    assert_string_equal(pgw_conn_errmsg(r->c), msg);
}

static void test_protocol_version_default_asks_3_0(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    tail_with_key(sc, 4);
    rig r;
    rig_init(&r, sc, CI, 0);
    assert_int_equal(pgw_conn_protocol_version(r.c), 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    expect_idle(&r);
    assert_int_equal(startup_version(&r), 0x00030000u);
    assert_int_equal(pgw_conn_protocol_version(r.c), 30000);
    rig_free(&r);
}

static void test_protocol_version_3_2_accepted_with_32_byte_key(void **s)
{
    for (size_t chunk = 0; chunk <= 2; chunk++) {
        fs_script *sc = fs_script_new();
        fs_expect_startup(sc, "alice", "app");
        tail_with_key(sc, 32);
        rig r;
        rig_init(&r, sc, CI " max_protocol_version=3.2", chunk);
        assert_int_equal(rig_connect(&r), PGW_OK);
        expect_idle(&r);
        assert_int_equal(startup_version(&r), 0x00030002u);
        assert_int_equal(pgw_conn_protocol_version(r.c), 30002);
        assert_int_equal(pgw_conn_backend_pid(r.c), 777);
        const uint8_t *key;
        assert_int_equal(pgw_conn_cancel_key(r.c, &key), 32);
        for (size_t i = 0; i < 32; i++)
            assert_int_equal(key[i], i);
        rig_free(&r);
    }
}

static void test_protocol_version_latest_asks_3_2(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    tail_with_key(sc, 4);
    rig r;
    rig_init(&r, sc, CI " max_protocol_version=latest", 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    assert_int_equal(startup_version(&r), 0x00030002u);
    rig_free(&r);
}

static void test_protocol_version_min_3_2_defaults_max_to_latest(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    tail_with_key(sc, 256);
    rig r;
    rig_init(&r, sc, CI " min_protocol_version=3.2", 0);
    assert_int_equal(rig_connect(&r), PGW_OK);
    assert_int_equal(startup_version(&r), 0x00030002u);
    const uint8_t *key;
    assert_int_equal(pgw_conn_cancel_key(r.c, &key), 256);
    assert_int_equal(key[255], 255);
    rig_free(&r);
}

static void test_protocol_version_server_downgrades_to_3_0(void **s)
{
    for (size_t chunk = 0; chunk <= 1; chunk++) {
        fs_script *sc = fs_script_new();
        fs_expect_startup(sc, "alice", "app");
        fs_send_negotiate_protocol_version(sc, V(0), NULL, 0);
        tail_with_key(sc, 4);
        rig r;
        rig_init(&r, sc, CI " max_protocol_version=3.2", chunk);
        assert_int_equal(rig_connect(&r), PGW_OK);
        expect_idle(&r);
        assert_int_equal(startup_version(&r), 0x00030002u);
        assert_int_equal(pgw_conn_protocol_version(r.c), 30000);
        const uint8_t *key;
        assert_int_equal(pgw_conn_cancel_key(r.c, &key), 4);
        rig_free(&r);
    }
}

static void test_protocol_version_downgraded_3_0_refuses_long_key(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_negotiate_protocol_version(sc, V(0), NULL, 0);
    tail_with_key(sc, 32);
    rig r;
    rig_init(&r, sc, CI " max_protocol_version=3.2", 0);
    expect_connect_fails(&r, PGW_E_PROTOCOL,
                         "received invalid BackendKeyData message: cancel key with length 32 "
                         "not allowed in protocol version 3.0 (must be 4 bytes)");
    rig_free(&r);
}

static void test_protocol_version_3_0_refuses_long_key(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    tail_with_key(sc, 8);
    rig r;
    rig_init(&r, sc, CI, 0);
    expect_connect_fails(&r, PGW_E_PROTOCOL,
                         "received invalid BackendKeyData message: cancel key with length 8 "
                         "not allowed in protocol version 3.0 (must be 4 bytes)");
    rig_free(&r);
}

static void test_protocol_version_min_3_2_against_3_0_server_fails(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_negotiate_protocol_version(sc, V(0), NULL, 0);
    fs_send_auth_ok(sc);
    rig r;
    rig_init(&r, sc, CI " min_protocol_version=3.2", 0);
    expect_connect_fails(&r, PGW_E_PROTOCOL,
                         "server only supports protocol version 3.0, but "
                         "min_protocol_version was set to 3.2");
    assert_int_equal(startup_version(&r), 0x00030002u);
    /* Nothing but the StartupMessage went out. */
    assert_int_equal(fs_received_count(r.fs), 1);
    rig_free(&r);
}

/* One NegotiateProtocolVersion scenario that must fail the connection. */
static void npv_fails(const char *ci, const void *raw, size_t rawlen, int32_t minor,
                      const char *const *opts, size_t nopt, const char *msg)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    if (raw != NULL)
        fs_send_raw(sc, raw, rawlen);
    else
        fs_send_negotiate_protocol_version(sc, minor, opts, nopt);
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    rig r;
    rig_init(&r, sc, ci, 0);
    expect_connect_fails(&r, PGW_E_PROTOCOL, msg);
    rig_free(&r);
}

#define NPV "received invalid protocol negotiation message: "

static void test_protocol_version_npv_higher_version_fails(void **s)
{
    npv_fails(CI " max_protocol_version=3.2", NULL, 0, V(3), NULL, 0,
              NPV "server requested downgrade to a higher-numbered version");
    npv_fails(CI, NULL, 0, V(2), NULL, 0,
              NPV "server requested downgrade to a higher-numbered version");
    npv_fails(CI " max_protocol_version=3.2", NULL, 0, 4 << 16, NULL, 0,
              NPV "server requested downgrade to a higher-numbered version");
}

static void test_protocol_version_npv_pre_3_0_fails(void **s)
{
    /* A bare minor number (what the documentation's wording suggests) is a
     * version below 3.0 to libpq 18. */
    npv_fails(CI " max_protocol_version=3.2", NULL, 0, 0, NULL, 0,
              NPV "server requested downgrade to pre-3.0 protocol version");
    npv_fails(CI " max_protocol_version=3.2", NULL, 0, 2 << 16, NULL, 0,
              NPV "server requested downgrade to pre-3.0 protocol version");
}

static void test_protocol_version_npv_3_1_fails(void **s)
{
    npv_fails(CI " max_protocol_version=3.2", NULL, 0, V(1), NULL, 0,
              NPV "server requested downgrade to non-existent 3.1 protocol version");
}

static void test_protocol_version_npv_without_change_fails(void **s)
{
    npv_fails(CI, NULL, 0, V(0), NULL, 0, NPV "server negotiated but asks for no changes");
    npv_fails(CI " max_protocol_version=3.2", NULL, 0, V(2), NULL, 0,
              NPV "server negotiated but asks for no changes");
}

static void test_protocol_version_npv_malformed_fails(void **s)
{
    static const char *const msg = NPV "malformed message";
    /* Truncated: no option count. */
    npv_fails(CI " max_protocol_version=3.2", "v\x00\x00\x00\x08\x00\x00\x00\x00", 9, 0, NULL, 0,
              msg);
    /* A negative minor version. */
    npv_fails(CI " max_protocol_version=3.2",
              "v\x00\x00\x00\x0c\xff\xff\xff\xff\x00\x00\x00\x00", 13, 0, NULL, 0, msg);
    /* More options announced than the body holds. */
    npv_fails(CI " max_protocol_version=3.2",
              "v\x00\x00\x00\x13\x00\x00\x00\x00\x00\x00\x00\x02_pq_.x\x00", 20, 0, NULL, 0, msg);
    /* An option name without its terminator. */
    npv_fails(CI " max_protocol_version=3.2",
              "v\x00\x00\x00\x12\x00\x00\x00\x00\x00\x00\x00\x01_pq_.x", 19, 0, NULL, 0, msg);
}

static void test_protocol_version_npv_unknown_options_fail(void **s)
{
    const char *pq[] = {"_pq_.compression"};
    npv_fails(CI " max_protocol_version=3.2", NULL, 0, V(2), pq, 1,
              NPV "server reported an unsupported parameter that was not requested "
                  "(\"_pq_.compression\")");
    /* Listed alongside a downgrade, still refused. */
    npv_fails(CI " max_protocol_version=3.2", NULL, 0, V(0), pq, 1,
              NPV "server reported an unsupported parameter that was not requested "
                  "(\"_pq_.compression\")");
    const char *bare[] = {"compression"};
    npv_fails(CI, NULL, 0, V(0), bare, 1,
              NPV "server reported unsupported parameter name without a _pq_. prefix "
                  "(\"compression\")");
}

static void test_protocol_version_npv_twice_fails(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_negotiate_protocol_version(sc, V(0), NULL, 0);
    fs_send_negotiate_protocol_version(sc, V(0), NULL, 0);
    fs_send_auth_ok(sc);
    rig r;
    rig_init(&r, sc, CI " max_protocol_version=3.2", 0);
    expect_connect_fails(&r, PGW_E_PROTOCOL, "received duplicate protocol negotiation message");
    rig_free(&r);
}

static void test_protocol_version_npv_after_auth_fails(void **s)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_ok(sc);
    fs_send_negotiate_protocol_version(sc, V(0), NULL, 0);
    rig r;
    rig_init(&r, sc, CI " max_protocol_version=3.2", 0);
    expect_connect_fails(&r, PGW_E_PROTOCOL,
                         "unexpected protocol negotiation message after authentication started");
    rig_free(&r);
}

static void test_protocol_version_key_too_short_or_long_fails(void **s)
{
    static const struct {
        size_t klen;
        const char *msg;
    } cases[] = {
        {3, "received invalid BackendKeyData message: cancel key with length 3 is too short "
            "(minimum 4 bytes)"},
        {0, "received invalid BackendKeyData message: cancel key with length 0 is too short "
            "(minimum 4 bytes)"},
        {257, "received invalid BackendKeyData message: cancel key with length 257 is too long "
              "(maximum 256 bytes)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fs_script *sc = fs_script_new();
        fs_expect_startup(sc, "alice", "app");
        tail_with_key(sc, cases[i].klen);
        rig r;
        rig_init(&r, sc, CI " max_protocol_version=3.2", 0);
        expect_connect_fails(&r, PGW_E_PROTOCOL, cases[i].msg);
        const uint8_t *key;
        assert_int_equal(pgw_conn_cancel_key(r.c, &key), 0);
        rig_free(&r);
    }
}

/* ---- option parsing ---------------------------------------------------- */

static const char *fake_env(void *ud, const char *name)
{
    const char *const *pairs = ud;
    for (; pairs[0] != NULL; pairs += 2)
        if (strcmp(pairs[0], name) == 0)
            return pairs[1];
    return NULL;
}

static pgw_conn *new_conn(const char *ci, const char **env, pgw_status want)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.default_user = "u";
    if (env != NULL) {
        o.getenv = fake_env;
        o.getenv_ud = env;
    }
    pgw_conn *c = NULL;
    assert_int_equal(pgw_conn_new(&c, &o), want);
    assert_non_null(c);
    return c;
}

static void expect_refused(const char *ci, const char **env, const char *msg)
{
    pgw_conn *c = new_conn(ci, env, PGW_E_INVALID);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    assert_string_equal(pgw_conn_errmsg(c), msg);
    assert_int_equal(pgw_conn_start(c), PGW_E_INVALID);
    pgw_conn_free(c);
}

/* The version pgw_conn_start asks for with this string and environment. */
static int32_t asked(const char *ci, const char **env)
{
    pgw_conn *c = new_conn(ci, env, PGW_OK);
    assert_int_equal(pgw_conn_start(c), PGW_OK);
    int32_t v = pgw_conn_protocol_version(c);
    pgw_conn_free(c);
    return v;
}

static void test_protocol_version_bad_values_refused(void **s)
{
    static const char *const bad[] = {"3.3", "4.0", "2.0", "3", "abc", "3.2x", "3.-1",
                                      "latest ", "3,2", ".2"};
    char ci[64], msg[96];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(ci, sizeof ci, "max_protocol_version='%s'", bad[i]);
        snprintf(msg, sizeof msg, "invalid max_protocol_version value: \"%s\"", bad[i]);
        expect_refused(ci, NULL, msg);
        snprintf(ci, sizeof ci, "min_protocol_version='%s'", bad[i]);
        snprintf(msg, sizeof msg, "invalid min_protocol_version value: \"%s\"", bad[i]);
        expect_refused(ci, NULL, msg);
    }
    expect_refused("min_protocol_version=3.2 max_protocol_version=3.0", NULL,
                   "min_protocol_version is greater than max_protocol_version");
    expect_refused("min_protocol_version=latest max_protocol_version=3.0", NULL,
                   "min_protocol_version is greater than max_protocol_version");
}

static void test_protocol_version_values_and_environment(void **s)
{
    assert_int_equal(asked("", NULL), 30000);
    assert_int_equal(asked("max_protocol_version=3.0", NULL), 30000);
    assert_int_equal(asked("max_protocol_version=3.2", NULL), 30002);
    assert_int_equal(asked("max_protocol_version=latest", NULL), 30002);
    /* strtol's leniency, as libpq's parser has it. */
    assert_int_equal(asked("max_protocol_version=' 3.2'", NULL), 30002);
    assert_int_equal(asked("max_protocol_version=+3.+2", NULL), 30002);
    assert_int_equal(asked("max_protocol_version=3.", NULL), 30000);
    assert_int_equal(asked("min_protocol_version=3.0", NULL), 30000);
    assert_int_equal(asked("min_protocol_version=latest", NULL), 30002);
    assert_int_equal(asked("min_protocol_version=3.0 max_protocol_version=3.2", NULL), 30002);
    /* An empty value means the default. */
    assert_int_equal(asked("max_protocol_version=''", NULL), 30000);
    const char *env[] = {"PGMAXPROTOCOLVERSION", "3.2", NULL, NULL};
    assert_int_equal(asked("", env), 30002);
    assert_int_equal(asked("max_protocol_version=3.0", env), 30000);
    const char *envmin[] = {"PGMINPROTOCOLVERSION", "3.2", NULL, NULL};
    assert_int_equal(asked("", envmin), 30002);
    expect_refused("max_protocol_version=3.0", envmin,
                   "min_protocol_version is greater than max_protocol_version");
    const char *envbad[] = {"PGMINPROTOCOLVERSION", "9", NULL, NULL};
    expect_refused("", envbad, "invalid min_protocol_version value: \"9\"");
    assert_int_equal(pgw_conn_protocol_version(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_version_default_asks_3_0),
        cmocka_unit_test(test_protocol_version_3_2_accepted_with_32_byte_key),
        cmocka_unit_test(test_protocol_version_latest_asks_3_2),
        cmocka_unit_test(test_protocol_version_min_3_2_defaults_max_to_latest),
        cmocka_unit_test(test_protocol_version_server_downgrades_to_3_0),
        cmocka_unit_test(test_protocol_version_downgraded_3_0_refuses_long_key),
        cmocka_unit_test(test_protocol_version_3_0_refuses_long_key),
        cmocka_unit_test(test_protocol_version_min_3_2_against_3_0_server_fails),
        cmocka_unit_test(test_protocol_version_npv_higher_version_fails),
        cmocka_unit_test(test_protocol_version_npv_pre_3_0_fails),
        cmocka_unit_test(test_protocol_version_npv_3_1_fails),
        cmocka_unit_test(test_protocol_version_npv_without_change_fails),
        cmocka_unit_test(test_protocol_version_npv_malformed_fails),
        cmocka_unit_test(test_protocol_version_npv_unknown_options_fail),
        cmocka_unit_test(test_protocol_version_npv_twice_fails),
        cmocka_unit_test(test_protocol_version_npv_after_auth_fails),
        cmocka_unit_test(test_protocol_version_key_too_short_or_long_fails),
        cmocka_unit_test(test_protocol_version_bad_values_refused),
        cmocka_unit_test(test_protocol_version_values_and_environment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
