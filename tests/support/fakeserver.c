/* The fake server's walker: runs a script on client bytes.
 *
 * Expectations frame and parse the client's bytes with the codec's
 * frontend parsers, so a malformed message from the client is caught even
 * when the script does not look at its content. Every message received is
 * recorded for the test to inspect. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_int.h"

#include "common/common_int.h"

/* ------------------------------------------------------------------------
 * Running
 * ------------------------------------------------------------------------ */

fs_server *fs_new(fs_script *s)
{
    fs_server *fs = fsi_xmalloc(sizeof *fs);
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
    snprintf(buf, n, "%s ('%c', %zu bytes)", fsi_fe_name(f->tag), c >= 32 && c < 127 ? c : '?',
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
    m->body = fsi_xmemdup(f->body, f->len);
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
    size_t n = fs->in.len - fs->in_off;
    if (n == 0)
        return PGW_WANT_READ;
    const uint8_t *p = fs->in.data + fs->in_off;
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
        case ST_RESET:
            fs->closed = true;
            fs->reset = st->kind == ST_RESET;
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

bool fs_was_reset(const fs_server *fs)
{
    return fs->reset;
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
