/* Building fake-server scripts: each fs_expect_* appends an expectation,
 * each fs_send_* encodes its message now with the backend builders (so a
 * bad argument is a script error, reported before anything runs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "fs_int.h"

void *fsi_xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);
    if (p == NULL)
        abort();
    return p;
}

static char *xstrdup(const char *s)
{
    if (s == NULL)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = fsi_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

uint8_t *fsi_xmemdup(const void *p, size_t n)
{
    uint8_t *q = fsi_xmalloc(n);
    if (n > 0)
        memcpy(q, p, n);
    return q;
}

/* ------------------------------------------------------------------------
 * Building scripts
 * ------------------------------------------------------------------------ */

fs_script *fs_script_new(void)
{
    fs_script *s = fsi_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    return s;
}

void fs_script_free(fs_script *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++) {
        fs_step *st = &s->steps[i];
        free(st->data);
        free(st->a);
        free(st->b);
        if (st->free_ud != NULL)
            st->free_ud(st->ud);
    }
    free(s->steps);
    free(s);
}

const char *fs_script_error(const fs_script *s)
{
    return s->has_err ? s->err : NULL;
}

size_t fs_script_steps(const fs_script *s)
{
    return s->n;
}

static fs_step *add_step(fs_script *s, step_kind kind, const char *label)
{
    if (s->n == s->cap) {
        size_t cap = s->cap == 0 ? 16 : s->cap * 2;
        fs_step *p = realloc(s->steps, cap * sizeof *p);
        if (p == NULL)
            abort();
        s->steps = p;
        s->cap = cap;
    }
    fs_step *st = &s->steps[s->n++];
    memset(st, 0, sizeof *st);
    st->kind = kind;
    snprintf(st->label, sizeof st->label, "%s", label);
    return st;
}

static void script_error(fs_script *s, const char *label, pgw_status rc)
{
    if (s->has_err)
        return;
    s->has_err = true;
    snprintf(s->err, sizeof s->err, "step %zu (%s): %s", s->n, label, pgw_status_str(rc));
}

/* Send steps: the builder writes into a scratch buffer now. */
#define SEND_STEP(s, label, call)                                                               \
    do {                                                                                       \
        pgw_buf b_;                                                                            \
        pgw_buf_init(&b_, NULL, 0);                                                            \
        pgw_buf *out_ = &b_;                                                                   \
        pgw_status rc_ = (call);                                                               \
        add_send(s, label, &b_, rc_);                                                          \
    } while (0)

static void add_send(fs_script *s, const char *label, pgw_buf *b, pgw_status rc)
{
    fs_step *st = add_step(s, ST_SEND, label);
    if (rc != PGW_OK) {
        script_error(s, label, rc);
    } else {
        st->data = fsi_xmemdup(b->data, b->len);
        st->len = b->len;
    }
    pgw_buf_free(b);
}

static fs_step *add_expect(fs_script *s, expect_kind ex, uint8_t tag, const char *label)
{
    fs_step *st = add_step(s, ST_EXPECT, label);
    st->ex = ex;
    st->tag = tag;
    return st;
}

static void want_text(fs_step *st, const void *p, size_t n)
{
    if (p == NULL)
        return;
    st->has_data = true;
    st->data = fsi_xmemdup(p, n);
    st->len = n;
}

void fs_expect_startup(fs_script *s, const char *user, const char *database)
{
    fs_step *st = add_expect(s, EX_STARTUP, 0, "expect StartupMessage");
    st->a = xstrdup(user);
    st->b = xstrdup(database);
}

void fs_expect_startup_param(fs_script *s, const char *name, const char *value)
{
    fs_step *st = add_step(s, ST_CHECK_PARAM, "check startup parameter");
    st->a = xstrdup(name);
    st->b = xstrdup(value);
}

void fs_expect_ssl_request(fs_script *s)
{
    add_expect(s, EX_SSL, 0, "expect SSLRequest");
}

void fs_expect_gssenc_request(fs_script *s)
{
    add_expect(s, EX_GSSENC, 0, "expect GSSENCRequest");
}

void fs_expect_cancel_request(fs_script *s, int32_t pid, const uint8_t *key, size_t key_len)
{
    fs_step *st = add_expect(s, EX_CANCEL, 0, "expect CancelRequest");
    st->pid = pid;
    want_text(st, key, key_len);
}

void fs_expect_password(fs_script *s, const char *expected)
{
    fs_step *st = add_expect(s, EX_PASSWORD, PGW_FE_PASSWORD, "expect PasswordMessage");
    if (expected != NULL)
        want_text(st, expected, strlen(expected));
}

void fs_expect_md5_password(fs_script *s, const char *user, const char *password,
                            const uint8_t salt[4])
{
    char hash[36];
    fs_md5_hash(user, password, salt, hash);
    fs_expect_password(s, hash);
}

void fs_expect_sasl_initial(fs_script *s, const char *mech)
{
    fs_step *st =
        add_expect(s, EX_SASL_INITIAL, PGW_FE_PASSWORD, "expect SASLInitialResponse");
    if (mech != NULL)
        want_text(st, mech, strlen(mech));
}

void fs_expect_sasl_response(fs_script *s)
{
    add_expect(s, EX_SASL_RESPONSE, PGW_FE_PASSWORD, "expect SASLResponse");
}

const char *fsi_fe_name(uint8_t tag)
{
    switch (tag) {
    case PGW_FE_BIND:
        return "Bind";
    case PGW_FE_CLOSE:
        return "Close";
    case PGW_FE_COPY_DATA:
        return "CopyData";
    case PGW_FE_COPY_DONE:
        return "CopyDone";
    case PGW_FE_COPY_FAIL:
        return "CopyFail";
    case PGW_FE_DESCRIBE:
        return "Describe";
    case PGW_FE_EXECUTE:
        return "Execute";
    case PGW_FE_FLUSH:
        return "Flush";
    case PGW_FE_FUNCTION_CALL:
        return "FunctionCall";
    case PGW_FE_PARSE:
        return "Parse";
    case PGW_FE_PASSWORD:
        return "PasswordMessage";
    case PGW_FE_QUERY:
        return "Query";
    case PGW_FE_SYNC:
        return "Sync";
    case PGW_FE_TERMINATE:
        return "Terminate";
    default:
        return "unknown message";
    }
}

static fs_step *expect_tag(fs_script *s, uint8_t tag)
{
    char label[64];
    snprintf(label, sizeof label, "expect %s", fsi_fe_name(tag));
    return add_expect(s, EX_TAGGED, tag, label);
}

void fs_expect_query(fs_script *s, const char *sql)
{
    fs_step *st = expect_tag(s, PGW_FE_QUERY);
    if (sql != NULL)
        want_text(st, sql, strlen(sql));
}

void fs_expect_parse(fs_script *s, const char *sql)
{
    fs_step *st = expect_tag(s, PGW_FE_PARSE);
    if (sql != NULL)
        want_text(st, sql, strlen(sql));
}

void fs_expect_bind(fs_script *s)
{
    expect_tag(s, PGW_FE_BIND);
}

void fs_expect_describe(fs_script *s, char kind)
{
    expect_tag(s, PGW_FE_DESCRIBE)->kind_byte = kind;
}

void fs_expect_execute(fs_script *s)
{
    expect_tag(s, PGW_FE_EXECUTE);
}

void fs_expect_close_msg(fs_script *s, char kind)
{
    expect_tag(s, PGW_FE_CLOSE)->kind_byte = kind;
}

void fs_expect_sync(fs_script *s)
{
    expect_tag(s, PGW_FE_SYNC);
}

void fs_expect_flush(fs_script *s)
{
    expect_tag(s, PGW_FE_FLUSH);
}

void fs_expect_copy_data(fs_script *s, const void *data, size_t len)
{
    want_text(expect_tag(s, PGW_FE_COPY_DATA), data, len);
}

void fs_expect_copy_done(fs_script *s)
{
    expect_tag(s, PGW_FE_COPY_DONE);
}

void fs_expect_copy_fail(fs_script *s)
{
    expect_tag(s, PGW_FE_COPY_FAIL);
}

void fs_expect_function_call(fs_script *s)
{
    expect_tag(s, PGW_FE_FUNCTION_CALL);
}

void fs_expect_terminate(fs_script *s)
{
    expect_tag(s, PGW_FE_TERMINATE);
}

void fs_expect_msg(fs_script *s, char tag)
{
    expect_tag(s, (uint8_t)tag);
}

/* ---- sending ---- */

void fs_send_ssl_response(fs_script *s, char answer)
{
    SEND_STEP(s, "send SSL response", pgw_build_ssl_response(out_, answer));
}

void fs_send_auth_ok(fs_script *s)
{
    SEND_STEP(s, "send AuthenticationOk", pgw_build_auth_ok(out_));
}

void fs_send_auth_cleartext(fs_script *s)
{
    SEND_STEP(s, "send AuthenticationCleartextPassword", pgw_build_auth_cleartext_password(out_));
}

void fs_send_auth_md5(fs_script *s, const uint8_t salt[4])
{
    SEND_STEP(s, "send AuthenticationMD5Password", pgw_build_auth_md5_password(out_, salt));
}

void fs_send_auth_sasl(fs_script *s, const char *const *mechs, size_t n)
{
    SEND_STEP(s, "send AuthenticationSASL", pgw_build_auth_sasl(out_, mechs, n));
}

void fs_send_sasl_continue(fs_script *s, const void *data, size_t len)
{
    SEND_STEP(s, "send AuthenticationSASLContinue",
              pgw_build_auth_sasl_continue(out_, data, len));
}

void fs_send_sasl_final(fs_script *s, const void *data, size_t len)
{
    SEND_STEP(s, "send AuthenticationSASLFinal", pgw_build_auth_sasl_final(out_, data, len));
}

void fs_send_auth_request(fs_script *s, int32_t code, const void *data, size_t len)
{
    SEND_STEP(s, "send Authentication request", pgw_build_auth_request(out_, code, data, len));
}

void fs_send_parameter_status(fs_script *s, const char *name, const char *value)
{
    SEND_STEP(s, "send ParameterStatus", pgw_build_parameter_status(out_, name, value));
}

void fs_send_backend_key(fs_script *s, int32_t pid, uint32_t key)
{
    uint8_t k[4] = {(uint8_t)(key >> 24), (uint8_t)(key >> 16), (uint8_t)(key >> 8),
                    (uint8_t)key};
    SEND_STEP(s, "send BackendKeyData", pgw_build_backend_key_data(out_, pid, k, 4));
}

void fs_send_negotiate_protocol_version(fs_script *s, int32_t minor, const char *const *options,
                                        size_t n)
{
    SEND_STEP(s, "send NegotiateProtocolVersion",
              pgw_build_negotiate_protocol_version(out_, minor, options, n));
}

void fs_send_ready(fs_script *s, char status)
{
    SEND_STEP(s, "send ReadyForQuery", pgw_build_ready_for_query(out_, status));
}

void fs_send_row_description(fs_script *s, const pgw_column_desc *cols, size_t n)
{
    SEND_STEP(s, "send RowDescription", pgw_build_row_description(out_, cols, n));
}

void fs_send_row_description_text(fs_script *s, const char *const *names, size_t n,
                                  uint32_t type_oid)
{
    pgw_column_desc *cols = fsi_xmalloc(n * sizeof *cols);
    for (size_t i = 0; i < n; i++) {
        cols[i] = (pgw_column_desc){.name = names[i],
                                    .type_oid = type_oid,
                                    .type_size = -1,
                                    .type_modifier = -1,
                                    .format = 0};
    }
    fs_send_row_description(s, cols, n);
    free(cols);
}

void fs_send_data_row(fs_script *s, const pgw_bytes *values, size_t n)
{
    SEND_STEP(s, "send DataRow", pgw_build_data_row(out_, values, n));
}

void fs_send_data_row_text(fs_script *s, const char *const *values, size_t n)
{
    pgw_bytes *v = fsi_xmalloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i].data = values[i];
        v[i].len = values[i] != NULL ? strlen(values[i]) : 0;
    }
    fs_send_data_row(s, v, n);
    free(v);
}

void fs_send_command_complete(fs_script *s, const char *tag)
{
    SEND_STEP(s, "send CommandComplete", pgw_build_command_complete(out_, tag));
}

void fs_send_empty_query(fs_script *s)
{
    SEND_STEP(s, "send EmptyQueryResponse", pgw_build_empty_query_response(out_));
}

void fs_send_error(fs_script *s, const pgw_field *fields, size_t n)
{
    SEND_STEP(s, "send ErrorResponse", pgw_build_error_response(out_, fields, n));
}

void fs_send_error_msg(fs_script *s, const char *severity, const char *sqlstate,
                       const char *message)
{
    pgw_field f[4] = {
        {'S', severity}, {'V', severity}, {'C', sqlstate}, {'M', message}};
    fs_send_error(s, f, 4);
}

void fs_send_notice(fs_script *s, const pgw_field *fields, size_t n)
{
    SEND_STEP(s, "send NoticeResponse", pgw_build_notice_response(out_, fields, n));
}

void fs_send_notification(fs_script *s, int32_t pid, const char *channel, const char *payload)
{
    SEND_STEP(s, "send NotificationResponse",
              pgw_build_notification_response(out_, pid, channel, payload));
}

void fs_send_parse_complete(fs_script *s)
{
    SEND_STEP(s, "send ParseComplete", pgw_build_parse_complete(out_));
}

void fs_send_bind_complete(fs_script *s)
{
    SEND_STEP(s, "send BindComplete", pgw_build_bind_complete(out_));
}

void fs_send_close_complete(fs_script *s)
{
    SEND_STEP(s, "send CloseComplete", pgw_build_close_complete(out_));
}

void fs_send_no_data(fs_script *s)
{
    SEND_STEP(s, "send NoData", pgw_build_no_data(out_));
}

void fs_send_portal_suspended(fs_script *s)
{
    SEND_STEP(s, "send PortalSuspended", pgw_build_portal_suspended(out_));
}

void fs_send_parameter_description(fs_script *s, const uint32_t *oids, size_t n)
{
    SEND_STEP(s, "send ParameterDescription", pgw_build_parameter_description(out_, oids, n));
}

void fs_send_copy_in_response(fs_script *s, int8_t format, const int16_t *col_formats,
                              size_t ncols)
{
    SEND_STEP(s, "send CopyInResponse",
              pgw_build_copy_in_response(out_, format, col_formats, ncols));
}

void fs_send_copy_out_response(fs_script *s, int8_t format, const int16_t *col_formats,
                               size_t ncols)
{
    SEND_STEP(s, "send CopyOutResponse",
              pgw_build_copy_out_response(out_, format, col_formats, ncols));
}

void fs_send_copy_both_response(fs_script *s, int8_t format, const int16_t *col_formats,
                                size_t ncols)
{
    SEND_STEP(s, "send CopyBothResponse",
              pgw_build_copy_both_response(out_, format, col_formats, ncols));
}

void fs_send_copy_data(fs_script *s, const void *data, size_t len)
{
    SEND_STEP(s, "send CopyData", pgw_build_copy_data(out_, data, len));
}

void fs_send_copy_done(fs_script *s)
{
    SEND_STEP(s, "send CopyDone", pgw_build_copy_done(out_));
}

void fs_send_function_call_response(fs_script *s, const pgw_bytes *value)
{
    SEND_STEP(s, "send FunctionCallResponse", pgw_build_function_call_response(out_, value));
}

void fs_send_raw(fs_script *s, const void *bytes, size_t len)
{
    SEND_STEP(s, "send raw bytes", (len > 0 && bytes == NULL) ? PGW_E_INVALID
                                                              : pgw_buf_append(out_, bytes, len));
}

void fs_send_startup_tail(fs_script *s, int32_t pid, uint32_t key)
{
    static const char *const params[][2] = {
        {"server_version", "16.4"},
        {"server_encoding", "UTF8"},
        {"client_encoding", "UTF8"},
        {"DateStyle", "ISO, MDY"},
        {"integer_datetimes", "on"},
        {"standard_conforming_strings", "on"},
        {"TimeZone", "UTC"},
    };
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        fs_send_parameter_status(s, params[i][0], params[i][1]);
    fs_send_backend_key(s, pid, key);
    fs_send_ready(s, 'I');
}

void fs_trust_handshake(fs_script *s, const char *user, const char *database)
{
    fs_expect_startup(s, user, database);
    fs_send_auth_ok(s);
    fs_send_startup_tail(s, 4242, 0x5eed);
}

/* ---- control ---- */

void fs_callback(fs_script *s, fs_callback_fn fn, void *ud, void (*free_ud)(void *))
{
    fs_step *st = add_step(s, ST_CALLBACK, "callback");
    st->fn = fn;
    st->ud = ud;
    st->free_ud = free_ud;
    if (fn == NULL)
        script_error(s, "callback", PGW_E_INVALID);
}

void fs_sleep(fs_script *s, unsigned ms)
{
    add_step(s, ST_SLEEP, "sleep")->ms = ms;
}

void fs_close(fs_script *s)
{
    add_step(s, ST_CLOSE, "close");
}

void fs_reset(fs_script *s)
{
    add_step(s, ST_RESET, "reset");
}

/* MD5 of a concatenation, computed with OpenSSL directly: the fake server
 * checks the library and must not share its crypto seam. */
static void md5_2(const void *a, size_t a_len, const void *b, size_t b_len, uint8_t out[16])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_md5(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, a, a_len) != 1 || EVP_DigestUpdate(ctx, b, b_len) != 1 ||
        EVP_DigestFinal_ex(ctx, out, NULL) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
}

void fs_md5_hash(const char *user, const char *password, const uint8_t salt[4], char out[36])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t d[16];
    char inner[32];
    md5_2(password, strlen(password), user, strlen(user), d);
    for (size_t i = 0; i < 16; i++) {
        inner[2 * i] = hex[d[i] >> 4];
        inner[2 * i + 1] = hex[d[i] & 15];
    }
    md5_2(inner, sizeof inner, salt, 4, d);
    memcpy(out, "md5", 3);
    for (size_t i = 0; i < 16; i++) {
        out[3 + 2 * i] = hex[d[i] >> 4];
        out[3 + 2 * i + 1] = hex[d[i] & 15];
    }
    out[35] = '\0';
}

