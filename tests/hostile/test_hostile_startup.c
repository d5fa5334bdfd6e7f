/* Hostile servers during startup and authentication: malformed and out of
 * order startup messages, SCRAM attacks (nonce, salt, iteration count,
 * signature, e=, SASLFinal twice, AuthenticationOk before SASLFinal), MD5
 * salts of the wrong length, unknown request codes, and the policy cases
 * where the client must send zero password bytes. Each asserts the exact
 * status, a broken connection, and how many password-type ('p') messages
 * the client sent. Issue 8. */
#include "hostile.h"

#define PCI "user=alice dbname=app password=s3cret"

/* Run startup against `sc` (taken); want the status and exactly `want_p`
 * 'p' messages (PasswordMessage / SASLInitialResponse / SASLResponse). */
static void auth_case_opts(const char *seed, const char *ci, fs_script *sc, pgw_status want,
                           size_t want_p, const hr_opts *ho)
{
    hrig r;
    hr_init(&r, sc, ci, 0, ho, seed);
    pgw_status rc = hr_connect(&r);
    if (rc != want)
        fail_msg("%s: got %s (%s), want %s", seed ? seed : "-", pgw_status_name(rc),
                 pgw_conn_errmsg(r.c), pgw_status_name(want));
    if (getenv("PGW_SHOW_MESSAGES"))
        fprintf(stderr, "# %s: %s\n", seed ? seed : "-", pgw_conn_errmsg(r.c));
    if (want == PGW_OK) {
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_IDLE);
    } else {
        hr_assert_broken(&r, want);
        /* Never the password in an error message. */
        assert_null(strstr(pgw_conn_errmsg(r.c), "s3cret"));
    }
    size_t p = fs_count_received(r.fs, 'p');
    if (p != want_p)
        fail_msg("%s: the client sent %zu password-type messages, want %zu", seed ? seed : "-",
                 p, want_p);
    hr_free(&r);
}

static void auth_case(const char *seed, const char *ci, fs_script *sc, pgw_status want,
                      size_t want_p)
{
    auth_case_opts(seed, ci, sc, want, want_p, NULL);
}

/* The server answers the StartupMessage with `raw` and hangs up. */
static void startup_raw(const char *name, pgw_buf *raw, pgw_status want, size_t want_p)
{
    assert_int_equal(pgw_buf_status(raw), PGW_OK);
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    if (raw->len > 0)
        fs_send_raw(sc, raw->data, raw->len);
    fs_close(sc);
    auth_case(name + 5, PCI, sc, want, want_p);
    pgw_buf_free(raw);
}

#define STARTUP_SCENARIO(name, want, want_p, ...)                                              \
    static void test_hostile_##name(void **state)                                              \
    {                                                                                          \
        (void)state;                                                                           \
        pgw_buf b = hb_new();                                                                  \
        __VA_ARGS__;                                                                           \
        startup_raw(__func__, &b, want, want_p);                                               \
    }

#define AUTH_OK hb_msg(&b, 'R', RAW("\x00\x00\x00\x00"))

/* ---- startup messages ---- */

STARTUP_SCENARIO(startup_length_0x7fffffff_is_too_large, PGW_E_TOO_LARGE, 0,
                 hb_raw(&b, RAW("R\x7f\xff\xff\xff")))
STARTUP_SCENARIO(startup_length_3_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_raw(&b, RAW("R\x00\x00\x00\x03")))
STARTUP_SCENARIO(startup_truncated_then_eof_is_closed, PGW_E_CLOSED, 0,
                 hb_raw(&b, RAW("R\x00\x00\x00\x08\x00\x00")))
STARTUP_SCENARIO(auth_unknown_request_code_is_unsupported, PGW_E_UNSUPPORTED, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00\x00\x63")))
STARTUP_SCENARIO(auth_negative_request_code_is_unsupported, PGW_E_UNSUPPORTED, 0,
                 hb_msg(&b, 'R', RAW("\xff\xff\xff\xff")))
STARTUP_SCENARIO(auth_request_without_code_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00")))
STARTUP_SCENARIO(auth_ok_with_trailing_bytes_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00\x00\x00xx")))
STARTUP_SCENARIO(md5_salt_of_3_bytes_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00\x00\x05\x01\x02\x03")))
STARTUP_SCENARIO(md5_salt_of_5_bytes_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00\x00\x05\x01\x02\x03\x04\x05")))
STARTUP_SCENARIO(md5_salt_missing_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00\x00\x05")))
STARTUP_SCENARIO(auth_ok_twice_is_protocol_error, PGW_E_PROTOCOL, 0, AUTH_OK; AUTH_OK)
STARTUP_SCENARIO(sasl_continue_without_sasl_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00\x00\x0br=x,s=QQ==,i=1")))
STARTUP_SCENARIO(sasl_final_without_sasl_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00\x00\x0cv=AAAA")))
STARTUP_SCENARIO(sasl_mechanism_list_unterminated_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'R', RAW("\x00\x00\x00\x0aSCRAM-SHA-256")))
STARTUP_SCENARIO(backend_key_data_before_auth_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'K', RAW("\x00\x00\x00\x01\x00\x00\x00\x02")))
STARTUP_SCENARIO(backend_key_data_key_of_3_bytes_is_protocol_error, PGW_E_PROTOCOL, 0,
                 AUTH_OK; hb_msg(&b, 'K', RAW("\x00\x00\x00\x01\x01\x02\x03")))
STARTUP_SCENARIO(backend_key_data_key_of_8_bytes_under_3_0_is_protocol_error, PGW_E_PROTOCOL,
                 0, AUTH_OK;
                 hb_msg(&b, 'K', RAW("\x00\x00\x00\x01\x01\x02\x03\x04\x05\x06\x07\x08")))
STARTUP_SCENARIO(backend_key_data_without_key_is_protocol_error, PGW_E_PROTOCOL, 0, AUTH_OK;
                 hb_msg(&b, 'K', RAW("\x00\x00\x00\x01")))
STARTUP_SCENARIO(negotiate_protocol_version_minor_99_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'v', RAW("\x00\x00\x00\x63\x00\x00\x00\x00")))
STARTUP_SCENARIO(negotiate_protocol_version_count_beyond_body_is_protocol_error,
                 PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'v', RAW("\x00\x00\x00\x00\x7f\xff\xff\xff"
                                     "_pq_.x\x00")))
STARTUP_SCENARIO(negotiate_protocol_version_negative_minor_is_protocol_error, PGW_E_PROTOCOL,
                 0, hb_msg(&b, 'v', RAW("\xff\xff\xff\xff\x00\x00\x00\x00")))
STARTUP_SCENARIO(ready_for_query_before_auth_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_Z(&b))
STARTUP_SCENARIO(ready_for_query_unknown_status_in_startup_is_protocol_error, PGW_E_PROTOCOL,
                 0, AUTH_OK; hb_msg(&b, 'Z', RAW("?")))
STARTUP_SCENARIO(data_row_during_startup_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'D', RAW("\x00\x00")))
STARTUP_SCENARIO(unknown_message_type_during_startup_is_protocol_error, PGW_E_PROTOCOL, 0,
                 AUTH_OK; hb_msg(&b, '\x02', "", 0))
STARTUP_SCENARIO(startup_error_response_unterminated_is_protocol_error, PGW_E_PROTOCOL, 0,
                 hb_msg(&b, 'E', RAW("SFATAL\x00Mx")))
STARTUP_SCENARIO(startup_client_encoding_big5_is_unsupported, PGW_E_UNSUPPORTED, 0, AUTH_OK;
                 hb_msg(&b, 'S', RAW("client_encoding\x00"
                                     "BIG5\x00")))
STARTUP_SCENARIO(startup_eof_before_ready_is_closed, PGW_E_CLOSED, 0, AUTH_OK)

/* A FATAL of 1 MB during startup: the server's reason is kept, the
 * connection is broken, the message is bounded by the frame limit. */
static void test_hostile_startup_fatal_1mb_message_is_server_error(void **state)
{
    (void)state;
    size_t big = 1u << 20;
    char *m = malloc(big + 1);
    assert_non_null(m);
    memset(m, 'z', big);
    m[big] = '\0';
    pgw_field f[] = {{'S', "FATAL"}, {'V', "FATAL"}, {'C', "3D000"}, {'M', m}};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_error(sc, f, 4);
    fs_close(sc);
    hrig r;
    hr_init(&r, sc, PCI, 0, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(r.c)->sqlstate, "3D000");
    assert_int_equal(strlen(pgw_conn_error(r.c)->message), big);
    hr_assert_broken(&r, PGW_E_SERVER);
    hr_free(&r);
    free(m);
}

/* ---- SCRAM ---- */

static void scram_tamper(const char *seed, fs_scram_tamper t, bool auth_ok_after,
                         pgw_status want, size_t want_p)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    o.tamper = t;
    fs_scram(sc, &o);
    if (auth_ok_after)
        fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    fs_close(sc);
    auth_case(seed, PCI, sc, want, want_p);
}

static void test_hostile_scram_honest_server_is_ok(void **state)
{
    (void)state;
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    fs_scram(sc, &o);
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    auth_case("scram_honest", PCI, sc, PGW_OK, 2);
}

static void test_hostile_scram_nonce_not_extending_ours_is_auth_error(void **state)
{
    (void)state;
    scram_tamper("scram_foreign_nonce", FS_SCRAM_FOREIGN_NONCE, true, PGW_E_AUTH, 1);
}

static void test_hostile_scram_wrong_server_signature_is_auth_error(void **state)
{
    (void)state;
    scram_tamper("scram_bad_signature", FS_SCRAM_BAD_SIGNATURE, true, PGW_E_AUTH, 2);
}

static void test_hostile_scram_e_error_in_final_is_auth_error(void **state)
{
    (void)state;
    scram_tamper("scram_e_error", FS_SCRAM_ERROR_FINAL, true, PGW_E_AUTH, 2);
}

static void test_hostile_scram_final_twice_is_protocol_error(void **state)
{
    (void)state;
    scram_tamper("scram_final_twice", FS_SCRAM_FINAL_TWICE, true, PGW_E_PROTOCOL, 2);
}

static void test_hostile_scram_auth_ok_before_final_is_auth_error(void **state)
{
    (void)state;
    scram_tamper("scram_auth_ok_before_final", FS_SCRAM_SKIP_FINAL, true, PGW_E_AUTH, 2);
}

/* A server-first message from a template ("{nonce}" = the client's). The
 * client must refuse it before sending any proof: one 'p' message (the
 * SASLInitialResponse) and no SASLResponse. */
static void scram_first(const char *seed, const char *tmpl, size_t len, pgw_status want,
                        const hr_opts *ho)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_server_first(sc, tmpl, len);
    fs_close(sc);
    auth_case_opts(seed, PCI, sc, want, 1, ho);
}

#define SCRAM_FIRST(seed, tmpl, want) scram_first(seed, RAW(tmpl), want, NULL)

static void test_hostile_scram_nonce_equal_to_ours_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_nonce_equal", "r={nonce},s=QSXCR+Q6sek8bf92,i=4096", PGW_E_AUTH);
}

static void test_hostile_scram_nonce_with_control_bytes_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_nonce_ctrl", "r={nonce}\x1b[2J,s=QSXCR+Q6sek8bf92,i=4096", PGW_E_AUTH);
}

static void test_hostile_scram_salt_empty_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_salt_empty", "r={nonce}abc,s=,i=4096", PGW_E_AUTH);
}

static void test_hostile_scram_salt_invalid_base64_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_salt_bad_b64", "r={nonce}abc,s=!!!not*base64,i=4096", PGW_E_AUTH);
    SCRAM_FIRST("scram_salt_bad_pad", "r={nonce}abc,s=QQ=A,i=4096", PGW_E_AUTH);
}

static void test_hostile_scram_salt_missing_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_salt_missing", "r={nonce}abc,i=4096", PGW_E_AUTH);
}

/* 16 KB of salt fits the frame but not the client's salt buffer; 1 MB
 * does not even fit an authentication message's frame limit. */
static void test_hostile_scram_salt_huge_is_refused(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        size_t salt = k == 0 ? 16 * 1024 : 1u << 20;
        size_t cap = salt + 64;
        char *t = malloc(cap);
        assert_non_null(t);
        int head = snprintf(t, cap, "r={nonce}abc,s=");
        memset(t + head, 'A', salt);
        size_t n = (size_t)head + salt;
        memcpy(t + n, ",i=4096", 7);
        n += 7;
        scram_first(k == 0 ? "scram_salt_16k" : NULL, t, n,
                    k == 0 ? PGW_E_AUTH : PGW_E_TOO_LARGE, NULL);
        free(t);
    }
}

static void test_hostile_scram_iterations_0_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_iter_0", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=0", PGW_E_AUTH);
}

static void test_hostile_scram_iterations_negative_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_iter_neg", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=-4096", PGW_E_AUTH);
    SCRAM_FIRST("scram_iter_plus", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=+4096", PGW_E_AUTH);
}

static void test_hostile_scram_iterations_non_numeric_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_iter_abc", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=abc", PGW_E_AUTH);
    SCRAM_FIRST("scram_iter_empty", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=", PGW_E_AUTH);
    SCRAM_FIRST("scram_iter_suffix", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=4096x", PGW_E_AUTH);
    SCRAM_FIRST("scram_iter_hex", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=0x1000", PGW_E_AUTH);
    SCRAM_FIRST("scram_iter_overflow",
                "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=99999999999999999999999", PGW_E_AUTH);
}

/* Refused before any hashing: 2^31-1 rounds of PBKDF2 would take minutes;
 * the refusal must take (much) less than the 250 ms bound even under
 * sanitizers. */
static void test_hostile_scram_iterations_2147483647_is_refused_fast(void **state)
{
    (void)state;
    double t0 = hr_now_ms();
    SCRAM_FIRST("scram_iter_int32_max", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=2147483647",
                PGW_E_AUTH);
    double ms = hr_now_ms() - t0;
    fprintf(stderr, "# refused i=2147483647 in %.1f ms\n", ms);
    assert_true(ms < 250.0);
}

/* The configurable cap: at the cap the exchange succeeds, one over it is
 * refused before hashing. */
static void test_hostile_scram_iterations_over_configured_cap_is_auth_error(void **state)
{
    (void)state;
    hr_opts ho = {.scram_max_iterations = 5000};
    scram_first("scram_iter_over_cap", RAW("r={nonce}abc,s=QSXCR+Q6sek8bf92,i=5001"),
                PGW_E_AUTH, &ho);
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    o.iterations = 5000;
    fs_scram(sc, &o);
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
    auth_case_opts("scram_iter_at_cap", PCI, sc, PGW_OK, 2, &ho);
}

static void test_hostile_scram_mandatory_extension_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_m_ext", "m=ext,r={nonce}abc,s=QSXCR+Q6sek8bf92,i=4096", PGW_E_AUTH);
}

static void test_hostile_scram_garbage_after_iterations_is_auth_error(void **state)
{
    (void)state;
    SCRAM_FIRST("scram_trailing", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=4096,x=1", PGW_E_AUTH);
    SCRAM_FIRST("scram_nul", "r={nonce}abc,s=QSXCR+Q6sek8bf92,i=40\x00"
                             "96",
                PGW_E_AUTH);
}

/* A 20 KB nonce that does extend ours: bounded (the frame limit and the
 * client's own cap), refused without a proof. */
static void test_hostile_scram_huge_nonce_is_auth_error(void **state)
{
    (void)state;
    size_t extra = 20 * 1024;
    size_t cap = extra + 64;
    char *t = malloc(cap);
    assert_non_null(t);
    int head = snprintf(t, cap, "r={nonce}");
    memset(t + head, 'N', extra);
    size_t n = (size_t)head + extra;
    static const char tail[] = ",s=QSXCR+Q6sek8bf92,i=4096";
    memcpy(t + n, tail, sizeof tail - 1);
    n += sizeof tail - 1;
    scram_first("scram_huge_nonce", t, n, PGW_E_AUTH, NULL);
    free(t);
}

/* SASLFinal where server-first belongs. */
static void test_hostile_scram_final_before_continue_is_auth_error(void **state)
{
    (void)state;
    static const char *const mechs[] = {"SCRAM-SHA-256"};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_expect_sasl_initial(sc, "SCRAM-SHA-256");
    fs_send_sasl_final(sc, RAW("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    fs_send_auth_ok(sc);
    fs_close(sc);
    auth_case("scram_final_first", PCI, sc, PGW_E_AUTH, 1);
}

/* ---- policy: zero password bytes where forbidden ---- */

static fs_script *asks(void (*send)(fs_script *))
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    send(sc);
    fs_close(sc);
    return sc;
}

static void send_cleartext(fs_script *sc)
{
    fs_send_auth_cleartext(sc);
}

static void send_md5(fs_script *sc)
{
    static const uint8_t salt[4] = {1, 2, 3, 4};
    fs_send_auth_md5(sc, salt);
}

static void send_sasl(fs_script *sc)
{
    static const char *const mechs[] = {"SCRAM-SHA-256"};
    fs_send_auth_sasl(sc, mechs, 1);
}

static void send_ok(fs_script *sc)
{
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 1, 2);
}

static void test_hostile_require_auth_scram_server_asks_cleartext_sends_nothing(void **state)
{
    (void)state;
    auth_case("require_auth_cleartext", PCI " require_auth=scram-sha-256", asks(send_cleartext),
              PGW_E_AUTH, 0);
    auth_case("require_auth_md5", PCI " require_auth=scram-sha-256", asks(send_md5), PGW_E_AUTH,
              0);
    auth_case("require_auth_not_password", PCI " require_auth=!password",
              asks(send_cleartext), PGW_E_AUTH, 0);
}

/* require_auth bypass: a server that skips authentication altogether. */
static void test_hostile_require_auth_server_skips_auth_is_auth_error(void **state)
{
    (void)state;
    auth_case("require_auth_skip", PCI " require_auth=scram-sha-256", asks(send_ok), PGW_E_AUTH,
              0);
    auth_case("require_auth_md5_skip", PCI " require_auth=md5", asks(send_ok), PGW_E_AUTH, 0);
}

/* Channel-binding downgrade: without TLS there is nothing to bind to, so
 * channel_binding=require refuses SCRAM, cleartext, MD5 and trust alike. */
static void test_hostile_channel_binding_require_without_tls_sends_nothing(void **state)
{
    (void)state;
    const char *ci = PCI " channel_binding=require";
    auth_case("cbind_require_sasl", ci, asks(send_sasl), PGW_E_AUTH, 0);
    auth_case("cbind_require_cleartext", ci, asks(send_cleartext), PGW_E_AUTH, 0);
    auth_case("cbind_require_md5", ci, asks(send_md5), PGW_E_AUTH, 0);
    auth_case("cbind_require_trust", ci, asks(send_ok), PGW_E_AUTH, 0);
}

/* A server offering only SCRAM-SHA-256-PLUS without TLS is a downgrade
 * trick (PLUS needs a TLS channel): refused, no SASLInitialResponse. */
static void test_hostile_sasl_plus_only_without_tls_sends_nothing(void **state)
{
    (void)state;
    static const char *const mechs[] = {"SCRAM-SHA-256-PLUS"};
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_send_auth_sasl(sc, mechs, 1);
    fs_close(sc);
    auth_case("sasl_plus_only_plain", PCI, sc, PGW_E_AUTH, 0);
}

static void test_hostile_no_password_configured_sends_nothing(void **state)
{
    (void)state;
    auth_case("no_password_cleartext", HCI, asks(send_cleartext), PGW_E_AUTH, 0);
    auth_case("no_password_sasl", HCI, asks(send_sasl), PGW_E_AUTH, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_startup_length_0x7fffffff_is_too_large),
        cmocka_unit_test(test_hostile_startup_length_3_is_protocol_error),
        cmocka_unit_test(test_hostile_startup_truncated_then_eof_is_closed),
        cmocka_unit_test(test_hostile_auth_unknown_request_code_is_unsupported),
        cmocka_unit_test(test_hostile_auth_negative_request_code_is_unsupported),
        cmocka_unit_test(test_hostile_auth_request_without_code_is_protocol_error),
        cmocka_unit_test(test_hostile_auth_ok_with_trailing_bytes_is_protocol_error),
        cmocka_unit_test(test_hostile_md5_salt_of_3_bytes_is_protocol_error),
        cmocka_unit_test(test_hostile_md5_salt_of_5_bytes_is_protocol_error),
        cmocka_unit_test(test_hostile_md5_salt_missing_is_protocol_error),
        cmocka_unit_test(test_hostile_auth_ok_twice_is_protocol_error),
        cmocka_unit_test(test_hostile_sasl_continue_without_sasl_is_protocol_error),
        cmocka_unit_test(test_hostile_sasl_final_without_sasl_is_protocol_error),
        cmocka_unit_test(test_hostile_sasl_mechanism_list_unterminated_is_protocol_error),
        cmocka_unit_test(test_hostile_backend_key_data_before_auth_is_protocol_error),
        cmocka_unit_test(test_hostile_backend_key_data_key_of_3_bytes_is_protocol_error),
        cmocka_unit_test(test_hostile_backend_key_data_key_of_8_bytes_under_3_0_is_protocol_error),
        cmocka_unit_test(test_hostile_backend_key_data_without_key_is_protocol_error),
        cmocka_unit_test(test_hostile_negotiate_protocol_version_minor_99_is_protocol_error),
        cmocka_unit_test(test_hostile_negotiate_protocol_version_count_beyond_body_is_protocol_error),
        cmocka_unit_test(test_hostile_negotiate_protocol_version_negative_minor_is_protocol_error),
        cmocka_unit_test(test_hostile_ready_for_query_before_auth_is_protocol_error),
        cmocka_unit_test(test_hostile_ready_for_query_unknown_status_in_startup_is_protocol_error),
        cmocka_unit_test(test_hostile_data_row_during_startup_is_protocol_error),
        cmocka_unit_test(test_hostile_unknown_message_type_during_startup_is_protocol_error),
        cmocka_unit_test(test_hostile_startup_error_response_unterminated_is_protocol_error),
        cmocka_unit_test(test_hostile_startup_client_encoding_big5_is_unsupported),
        cmocka_unit_test(test_hostile_startup_eof_before_ready_is_closed),
        cmocka_unit_test(test_hostile_startup_fatal_1mb_message_is_server_error),
        cmocka_unit_test(test_hostile_scram_honest_server_is_ok),
        cmocka_unit_test(test_hostile_scram_nonce_not_extending_ours_is_auth_error),
        cmocka_unit_test(test_hostile_scram_wrong_server_signature_is_auth_error),
        cmocka_unit_test(test_hostile_scram_e_error_in_final_is_auth_error),
        cmocka_unit_test(test_hostile_scram_final_twice_is_protocol_error),
        cmocka_unit_test(test_hostile_scram_auth_ok_before_final_is_auth_error),
        cmocka_unit_test(test_hostile_scram_nonce_equal_to_ours_is_auth_error),
        cmocka_unit_test(test_hostile_scram_nonce_with_control_bytes_is_auth_error),
        cmocka_unit_test(test_hostile_scram_salt_empty_is_auth_error),
        cmocka_unit_test(test_hostile_scram_salt_invalid_base64_is_auth_error),
        cmocka_unit_test(test_hostile_scram_salt_missing_is_auth_error),
        cmocka_unit_test(test_hostile_scram_salt_huge_is_refused),
        cmocka_unit_test(test_hostile_scram_iterations_0_is_auth_error),
        cmocka_unit_test(test_hostile_scram_iterations_negative_is_auth_error),
        cmocka_unit_test(test_hostile_scram_iterations_non_numeric_is_auth_error),
        cmocka_unit_test(test_hostile_scram_iterations_2147483647_is_refused_fast),
        cmocka_unit_test(test_hostile_scram_iterations_over_configured_cap_is_auth_error),
        cmocka_unit_test(test_hostile_scram_mandatory_extension_is_auth_error),
        cmocka_unit_test(test_hostile_scram_garbage_after_iterations_is_auth_error),
        cmocka_unit_test(test_hostile_scram_huge_nonce_is_auth_error),
        cmocka_unit_test(test_hostile_scram_final_before_continue_is_auth_error),
        cmocka_unit_test(test_hostile_require_auth_scram_server_asks_cleartext_sends_nothing),
        cmocka_unit_test(test_hostile_require_auth_server_skips_auth_is_auth_error),
        cmocka_unit_test(test_hostile_channel_binding_require_without_tls_sends_nothing),
        cmocka_unit_test(test_hostile_sasl_plus_only_without_tls_sends_nothing),
        cmocka_unit_test(test_hostile_no_password_configured_sends_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
