/* The fake server's script and the walker that runs it on client bytes.
 *
 * Sending steps are encoded when the script is built (so a bad argument is
 * a script error, reported before anything runs); expectations frame and
 * parse the client's bytes with the codec's frontend parsers, so a
 * malformed message from the client is caught even when the script does
 * not look at its content. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_int.h"

#include "common/common_int.h"
#include "crypto/crypto.h"

typedef enum step_kind {
    ST_SEND,
    ST_EXPECT,
    ST_CHECK_PARAM,
    ST_CALLBACK,
    ST_SLEEP,
    ST_CLOSE
} step_kind;

typedef enum expect_kind {
    EX_STARTUP,
    EX_SSL,
    EX_GSSENC,
    EX_CANCEL,
    EX_PASSWORD,
    EX_SASL_INITIAL,
    EX_SASL_RESPONSE,
    EX_TAGGED /* any other tagged message, by tag */
} expect_kind;

typedef struct fs_step {
    step_kind kind;
    expect_kind ex;
    char label[64];
    uint8_t tag;     /* EX_TAGGED */
    char kind_byte;  /* Describe/Close 'S'/'P'; 0 = any */
    uint8_t *data;   /* send: the bytes; expect: wanted text/bytes */
    size_t len;
    bool has_data;   /* expectation checks `data` */
    char *a, *b;     /* startup user/database; param name/value */
    int32_t pid;
    fs_callback_fn fn;
    void *ud;
    void (*free_ud)(void *);
    unsigned ms;
} fs_step;

struct fs_script {
    fs_step *steps;
    size_t n, cap;
    char err[256];
    bool has_err;
};

static void *xmalloc(size_t n)
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
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

static uint8_t *xmemdup(const void *p, size_t n)
{
    uint8_t *q = xmalloc(n);
    if (n > 0)
        memcpy(q, p, n);
    return q;
}

/* ------------------------------------------------------------------------
 * Building scripts
 * ------------------------------------------------------------------------ */

fs_script *fs_script_new(void)
{
    fs_script *s = xmalloc(sizeof *s);
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
        st->data = xmemdup(b->data, b->len);
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
    st->data = xmemdup(p, n);
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

static const char *fe_name(uint8_t tag)
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
    snprintf(label, sizeof label, "expect %s", fe_name(tag));
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
    pgw_column_desc *cols = xmalloc(n * sizeof *cols);
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
    pgw_bytes *v = xmalloc(n * sizeof *v);
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

void fs_md5_hash(const char *user, const char *password, const uint8_t salt[4], char out[36])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t d[PGWI_MD5_LEN];
    char inner[32];
    (void)pgwi_md5_2(password, strlen(password), user, strlen(user), d);
    for (size_t i = 0; i < PGWI_MD5_LEN; i++) {
        inner[2 * i] = hex[d[i] >> 4];
        inner[2 * i + 1] = hex[d[i] & 15];
    }
    (void)pgwi_md5_2(inner, sizeof inner, salt, 4, d);
    memcpy(out, "md5", 3);
    for (size_t i = 0; i < PGWI_MD5_LEN; i++) {
        out[3 + 2 * i] = hex[d[i] >> 4];
        out[3 + 2 * i + 1] = hex[d[i] & 15];
    }
    out[35] = '\0';
}

/* ------------------------------------------------------------------------
 * Running
 * ------------------------------------------------------------------------ */

fs_server *fs_new(fs_script *s)
{
    fs_server *fs = xmalloc(sizeof *fs);
    memset(fs, 0, sizeof *fs);
    fs->script = s;
    pgw_buf_init(&fs->in, NULL, 0);
    pgw_buf_init(&fs->out, NULL, 0);
    fs->startup_phase = true;
    fs->last_startup = SIZE_MAX;
    fs->listen_fd = -1;
    fs->conn_fd = -1;
    fs->timeout_ms = 5000;
    /* Leading send steps run at the first fs_output/fs_feed, once the
     * mode (memory or socket) is known: a leading sleep depends on it. */
    if (s->has_err)
        fs_fail(fs, "script: %s", s->err);
    return fs;
}

void fs_free(fs_server *fs)
{
    if (fs == NULL)
        return;
    fsi_socket_close(fs);
    for (size_t i = 0; i < fs->n_recv; i++)
        free(fs->recv[i].body);
    free(fs->recv);
    pgw_buf_free(&fs->in);
    pgw_buf_free(&fs->out);
    fs_script_free(fs->script);
    free(fs);
}

bool fs_fail(fs_server *fs, const char *fmt, ...)
{
    if (fs->failed)
        return false; /* keep the first, most precise reason */
    fs->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fs->err, sizeof fs->err, fmt, ap);
    va_end(ap);
    return false;
}

static const fs_step *cur(const fs_server *fs)
{
    return fs->step < fs->script->n ? &fs->script->steps[fs->step] : NULL;
}

/* "step 3 (expect Query)" */
static const char *where(const fs_server *fs, char *buf, size_t n)
{
    const fs_step *st = cur(fs);
    snprintf(buf, n, "step %zu (%s)", fs->step + 1, st != NULL ? st->label : "end of script");
    return buf;
}

static const char *startup_name(int32_t code)
{
    switch (code) {
    case PGW_SSL_REQUEST_CODE:
        return "SSLRequest";
    case PGW_GSSENC_REQUEST_CODE:
        return "GSSENCRequest";
    case PGW_CANCEL_REQUEST_CODE:
        return "CancelRequest";
    default:
        return ((uint32_t)code >> 16) == 3 ? "StartupMessage" : "startup packet";
    }
}

/* A short description of a received message for failure reports. */
static void describe(const pgw_frame *f, char *buf, size_t n)
{
    if (f->tag == 0) {
        int32_t code = f->len >= 4 ? (int32_t)pgwi_load_u32(f->body) : 0;
        snprintf(buf, n, "%s (code %d, %zu bytes)", startup_name(code), (int)code, f->len);
        return;
    }
    if (f->tag == PGW_FE_QUERY) {
        int shown = f->len > 60 ? 60 : (int)f->len;
        if (shown > 0 && f->body[shown - 1] == '\0')
            shown--;
        snprintf(buf, n, "Query \"%.*s\"", shown, (const char *)f->body);
        return;
    }
    char c = (char)f->tag;
    snprintf(buf, n, "%s ('%c', %zu bytes)", fe_name(f->tag), c >= 32 && c < 127 ? c : '?',
             f->len);
}

static void record(fs_server *fs, const pgw_frame *f)
{
    if (fs->n_recv == fs->cap_recv) {
        size_t cap = fs->cap_recv == 0 ? 16 : fs->cap_recv * 2;
        fs_msg *p = realloc(fs->recv, cap * sizeof *p);
        if (p == NULL)
            abort();
        fs->recv = p;
        fs->cap_recv = cap;
    }
    fs_msg *m = &fs->recv[fs->n_recv++];
    m->tag = f->tag;
    m->body = xmemdup(f->body, f->len);
    m->len = f->len;
}

static bool text_eq(const fs_step *st, const void *p, size_t n)
{
    return st->len == n && (n == 0 || memcmp(st->data, p, n) == 0);
}

static bool mismatch(fs_server *fs, const fs_step *st, const char *what, const void *got,
                     size_t got_len)
{
    char w[96];
    return fs_fail(fs, "%s: %s is \"%.*s\", expected \"%.*s\"", where(fs, w, sizeof w), what,
                   (int)(got_len > 80 ? 80 : got_len), (const char *)got,
                   (int)(st->len > 80 ? 80 : st->len), (const char *)st->data);
}

static bool check_startup(fs_server *fs, const fs_step *st, const pgw_frame *f, int32_t code)
{
    char w[96];
    if (((uint32_t)code >> 16) != 3)
        return fs_fail(fs, "%s: got %s with code %d", where(fs, w, sizeof w), startup_name(code),
                       (int)code);
    size_t pos = 4;
    const char *name, *value, *user = NULL, *db = NULL;
    pgw_status rc;
    while ((rc = pgw_startup_params_next(f, &pos, &name, &value)) == PGW_OK) {
        if (strcmp(name, "user") == 0)
            user = value;
        else if (strcmp(name, "database") == 0)
            db = value;
    }
    if (user == NULL)
        return fs_fail(fs, "%s: StartupMessage has no \"user\" parameter",
                       where(fs, w, sizeof w));
    if (st->a != NULL && strcmp(st->a, user) != 0)
        return fs_fail(fs, "%s: user is \"%s\", expected \"%s\"", where(fs, w, sizeof w), user,
                       st->a);
    if (st->b != NULL && (db == NULL || strcmp(st->b, db) != 0))
        return fs_fail(fs, "%s: database is \"%s\", expected \"%s\"", where(fs, w, sizeof w),
                       db != NULL ? db : "(absent)", st->b);
    return true;
}

/* Check an untagged startup packet against the current expectation. */
static bool check_untagged(fs_server *fs, const fs_step *st, const pgw_frame *f)
{
    char w[96], d[128];
    int32_t code;
    size_t pos;
    if (pgw_parse_startup_packet(f, &code, &pos) != PGW_OK) {
        describe(f, d, sizeof d);
        return fs_fail(fs, "%s: malformed %s", where(fs, w, sizeof w), d);
    }
    expect_kind want;
    if (code == PGW_SSL_REQUEST_CODE)
        want = EX_SSL;
    else if (code == PGW_GSSENC_REQUEST_CODE)
        want = EX_GSSENC;
    else if (code == PGW_CANCEL_REQUEST_CODE)
        want = EX_CANCEL;
    else
        want = EX_STARTUP;
    if (st == NULL || st->kind != ST_EXPECT || st->ex != want) {
        describe(f, d, sizeof d);
        return fs_fail(fs, "%s: got %s", where(fs, w, sizeof w), d);
    }
    switch (want) {
    case EX_STARTUP:
        if (!check_startup(fs, st, f, code))
            return false;
        fs->startup_phase = false;
        fs->last_startup = fs->n_recv - 1;
        return true;
    case EX_CANCEL:
        if (st->has_data) {
            int32_t pid;
            const uint8_t *key;
            size_t key_len;
            (void)pgw_parse_cancel_request(f, &pid, &key, &key_len);
            if (pid != st->pid || key_len != st->len || memcmp(key, st->data, key_len) != 0)
                return fs_fail(fs, "%s: CancelRequest for pid %d with a different key",
                               where(fs, w, sizeof w), (int)pid);
        }
        return true;
    default:
        return true;
    }
}

/* Validate a tagged message with its parser; for messages with a main text
 * (Query SQL, Parse SQL, CopyData payload) return it for comparison. */
static pgw_status parse_tagged(const pgw_frame *f, const void **text, size_t *text_len,
                               char *kind)
{
    *text = NULL;
    *text_len = 0;
    *kind = 0;
    switch (f->tag) {
    case PGW_FE_QUERY: {
        const char *sql;
        pgw_status rc = pgw_parse_query(f, &sql, text_len);
        *text = sql;
        return rc;
    }
    case PGW_FE_PARSE: {
        const char *stmt, *sql;
        uint16_t n;
        const uint8_t *types;
        pgw_status rc = pgw_parse_parse(f, &stmt, &sql, &n, &types);
        if (rc == PGW_OK) {
            *text = sql;
            *text_len = strlen(sql);
        }
        return rc;
    }
    case PGW_FE_BIND: {
        pgw_bind_msg m;
        return pgw_parse_bind(f, &m);
    }
    case PGW_FE_DESCRIBE:
    case PGW_FE_CLOSE: {
        const char *name;
        return f->tag == PGW_FE_DESCRIBE ? pgw_parse_describe(f, kind, &name)
                                         : pgw_parse_close(f, kind, &name);
    }
    case PGW_FE_EXECUTE: {
        const char *portal;
        int32_t max_rows;
        return pgw_parse_execute(f, &portal, &max_rows);
    }
    case PGW_FE_COPY_DATA:
        *text = f->body;
        *text_len = f->len;
        return PGW_OK;
    case PGW_FE_COPY_FAIL: {
        const char *msg;
        return pgw_parse_copy_fail(f, &msg);
    }
    case PGW_FE_FUNCTION_CALL: {
        pgw_function_call_msg m;
        return pgw_parse_function_call(f, &m);
    }
    case PGW_FE_SYNC:
    case PGW_FE_FLUSH:
    case PGW_FE_TERMINATE:
    case PGW_FE_COPY_DONE:
        return pgw_parse_empty(f);
    default:
        return PGW_OK; /* 'p' is parsed by the expectation, which knows its kind */
    }
}

static bool check_password_msg(fs_server *fs, const fs_step *st, const pgw_frame *f)
{
    char w[96];
    switch (st->ex) {
    case EX_PASSWORD: {
        const char *pw;
        size_t len;
        if (pgw_parse_password(f, &pw, &len) != PGW_OK)
            return fs_fail(fs, "%s: malformed PasswordMessage", where(fs, w, sizeof w));
        if (st->has_data && !text_eq(st, pw, len))
            return fs_fail(fs, "%s: wrong password (%zu bytes)", where(fs, w, sizeof w), len);
        return true;
    }
    case EX_SASL_INITIAL: {
        const char *mech;
        const uint8_t *data;
        int32_t len;
        if (pgw_parse_sasl_initial_response(f, &mech, &data, &len) != PGW_OK)
            return fs_fail(fs, "%s: malformed SASLInitialResponse", where(fs, w, sizeof w));
        if (st->has_data && !text_eq(st, mech, strlen(mech)))
            return mismatch(fs, st, "mechanism", mech, strlen(mech));
        return true;
    }
    default: /* EX_SASL_RESPONSE: any bytes are a valid payload */
        return true;
    }
}

static bool check_tagged(fs_server *fs, const fs_step *st, const pgw_frame *f)
{
    char w[96], d[128];
    const void *text;
    size_t text_len;
    char kind;
    if (parse_tagged(f, &text, &text_len, &kind) != PGW_OK) {
        describe(f, d, sizeof d);
        return fs_fail(fs, "%s: malformed %s", where(fs, w, sizeof w), d);
    }
    if (st == NULL || st->kind != ST_EXPECT || st->tag != f->tag) {
        describe(f, d, sizeof d);
        return fs_fail(fs, "%s: got %s", where(fs, w, sizeof w), d);
    }
    if (f->tag == PGW_FE_PASSWORD)
        return check_password_msg(fs, st, f);
    if (st->kind_byte != 0 && st->kind_byte != kind)
        return fs_fail(fs, "%s: kind is '%c', expected '%c'", where(fs, w, sizeof w), kind,
                       st->kind_byte);
    if (st->has_data && !text_eq(st, text, text_len)) {
        if (f->tag == PGW_FE_COPY_DATA)
            return fs_fail(fs, "%s: CopyData payload differs (%zu bytes, expected %zu)",
                           where(fs, w, sizeof w), text_len, st->len);
        return mismatch(fs, st, "text", text, text_len);
    }
    return true;
}

/* Frame, record and check one message from the input buffer.
 * @return PGW_OK (step satisfied), PGW_WANT_READ, or PGW_E_PROTOCOL. */
static pgw_status take_message(fs_server *fs)
{
    char w[96];
    const uint8_t *p = fs->in.data + fs->in_off;
    size_t n = fs->in.len - fs->in_off;
    pgw_frame f;
    size_t used = 0;
    pgw_status rc = fs->startup_phase ? pgw_frame_startup_next(p, n, &f, &used, NULL)
                                      : pgw_frame_next_fe(p, n, NULL, &f, &used, NULL);
    if (rc == PGW_WANT_READ)
        return rc;
    if (rc != PGW_OK) {
        fs_fail(fs, "%s: cannot frame the client's %s bytes: %s", where(fs, w, sizeof w),
                fs->startup_phase ? "startup" : "message", pgw_status_str(rc));
        return PGW_E_PROTOCOL;
    }
    fs->in_off += used;
    record(fs, &f);
    const fs_step *st = cur(fs);
    bool ok = f.tag == 0 ? check_untagged(fs, st, &f) : check_tagged(fs, st, &f);
    /* Compact once the consumed prefix dominates, as the engine does. */
    if (fs->in_off > 4096 || fs->in_off * 2 > fs->in.len) {
        pgw_buf_consume(&fs->in, fs->in_off);
        fs->in_off = 0;
    }
    return ok ? PGW_OK : PGW_E_PROTOCOL;
}

static bool check_param(fs_server *fs, const fs_step *st)
{
    char w[96];
    const char *v = fs_startup_param(fs, st->a);
    if (v == NULL)
        return fs_fail(fs, "%s: startup parameter \"%s\" is missing", where(fs, w, sizeof w),
                       st->a);
    if (st->b != NULL && strcmp(v, st->b) != 0)
        return fs_fail(fs, "%s: startup parameter \"%s\" is \"%s\", expected \"%s\"",
                       where(fs, w, sizeof w), st->a, v, st->b);
    return true;
}

fsi_wait fsi_advance(fs_server *fs)
{
    for (;;) {
        if (fs->failed || fs->closed)
            return FSI_STOPPED;
        const fs_step *st = cur(fs);
        if (st == NULL) {
            /* Script finished: any further complete message is unexpected. */
            if (fs->in.len > fs->in_off) {
                pgw_status rc = take_message(fs);
                if (rc == PGW_WANT_READ)
                    return FSI_STOPPED;
                continue;
            }
            return FSI_STOPPED;
        }
        switch (st->kind) {
        case ST_SEND:
            if (pgw_buf_append(&fs->out, st->data, st->len) != PGW_OK)
                abort();
            fs->step++;
            break;
        case ST_CHECK_PARAM:
            if (!check_param(fs, st))
                return FSI_STOPPED;
            fs->step++;
            break;
        case ST_CALLBACK: {
            /* A callback that hangs up (fsi_hang_up) has moved the step to
             * the end itself. */
            size_t at = fs->step;
            if (!st->fn(fs, st->ud)) {
                char w[96];
                fs->step = at;
                fs_fail(fs, "%s: callback failed", where(fs, w, sizeof w));
                return FSI_STOPPED;
            }
            if (fs->step == at)
                fs->step++;
            break;
        }
        case ST_SLEEP:
            if (fs->socket_mode && !fs->sleeping_ok)
                return FSI_SLEEP;
            fs->sleeping_ok = false;
            fs->step++;
            break;
        case ST_CLOSE:
            fs->closed = true;
            fs->step++;
            return FSI_STOPPED;
        case ST_EXPECT: {
            pgw_status rc = take_message(fs);
            if (rc == PGW_WANT_READ)
                return FSI_WANT_INPUT;
            if (rc != PGW_OK)
                return FSI_STOPPED;
            fs->step++;
            break;
        }
        }
    }
}

unsigned fsi_sleep_ms(const fs_server *fs)
{
    const fs_step *st = cur(fs);
    return st != NULL && st->kind == ST_SLEEP ? st->ms : 0;
}

void fsi_sleep_done(fs_server *fs)
{
    fs->sleeping_ok = true;
}

void fsi_buffer_input(fs_server *fs, const uint8_t *p, size_t n)
{
    if (pgw_buf_append(&fs->in, p, n) != PGW_OK)
        abort();
}

void fsi_hang_up(fs_server *fs)
{
    fs->closed = true;
    fs->step = fs->script->n;
}

pgw_status fs_feed(fs_server *fs, const uint8_t *client_bytes, size_t n)
{
    if (fs->failed)
        return PGW_E_PROTOCOL;
    /* After a hang-up the bytes go nowhere, as on a closed socket. */
    if (fs->closed)
        return PGW_OK;
    if (n > 0)
        fsi_buffer_input(fs, client_bytes, n);
    (void)fsi_advance(fs);
    return fs->failed ? PGW_E_PROTOCOL : PGW_OK;
}

pgw_status fs_feed_eof(fs_server *fs)
{
    if (fs->failed)
        return PGW_E_PROTOCOL;
    if (fs->closed)
        return PGW_OK;
    (void)fsi_advance(fs);
    if (fs->failed)
        return PGW_E_PROTOCOL;
    char w[96];
    if (cur(fs) != NULL) {
        fs_fail(fs, "%s: the client closed the connection", where(fs, w, sizeof w));
        return PGW_E_PROTOCOL;
    }
    if (fs->in.len > fs->in_off) {
        fs_fail(fs, "end of script: the client closed the connection inside a message "
                    "(%zu bytes pending)",
                fs->in.len - fs->in_off);
        return PGW_E_PROTOCOL;
    }
    fs->closed = true;
    return PGW_OK;
}

size_t fs_output(fs_server *fs, const uint8_t **p)
{
    (void)fsi_advance(fs);
    *p = fs->out.data;
    return fs->out.len;
}

void fs_output_done(fs_server *fs, size_t n)
{
    pgw_buf_consume(&fs->out, n);
}

bool fs_done(const fs_server *fs)
{
    return !fs->failed && fs->step == fs->script->n;
}

bool fs_failed(const fs_server *fs, const char **msg)
{
    if (msg != NULL)
        *msg = fs->failed ? fs->err : NULL;
    return fs->failed;
}

bool fs_closed(const fs_server *fs)
{
    return fs->closed;
}

size_t fs_step_index(const fs_server *fs)
{
    return fs->step;
}

size_t fs_received_count(const fs_server *fs)
{
    return fs->n_recv;
}

const fs_msg *fs_received(const fs_server *fs, size_t i)
{
    return i < fs->n_recv ? &fs->recv[i] : NULL;
}

size_t fs_count_received(const fs_server *fs, uint8_t tag)
{
    size_t n = 0;
    for (size_t i = 0; i < fs->n_recv; i++)
        n += fs->recv[i].tag == tag;
    return n;
}

const char *fs_startup_param(const fs_server *fs, const char *name)
{
    if (fs->last_startup == SIZE_MAX)
        return NULL;
    const fs_msg *m = &fs->recv[fs->last_startup];
    pgw_frame f = {.tag = 0, .body = m->body, .len = m->len};
    size_t pos = 4;
    const char *n, *v;
    while (pgw_startup_params_next(&f, &pos, &n, &v) == PGW_OK) {
        if (strcmp(n, name) == 0)
            return v;
    }
    return NULL;
}

const fs_msg *fs_last_received(const fs_server *fs)
{
    return fs->n_recv > 0 ? &fs->recv[fs->n_recv - 1] : NULL;
}

pgw_buf *fs_out(fs_server *fs)
{
    return &fs->out;
}
