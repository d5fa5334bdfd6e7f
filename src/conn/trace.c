/* Protocol tracing (pgwire/trace.h): decode each message into a name and a
 * one-line summary, and hand it to the connection's callback. Sent messages
 * are found by walking c->out when output is taken; received ones as the
 * engine consumes them. Everything read here may come from a hostile
 * server: all access goes through the bounds-checked reader, and nothing
 * allocates. */
#include "conn/conn_int.h"
#include "pgwire/trace.h"

/* Longest quoted string in a summary, and the summary buffer. */
#define QUOTE_MAX 200
#define SUMMARY_MAX 512

/* ---- a bounded string writer -------------------------------------------- */

typedef struct sw {
    char *p;
    size_t cap; /* usable bytes, excluding the NUL */
    size_t len;
} sw;

static void put(sw *w, const char *s, size_t n)
{
    size_t room = w->cap - w->len;
    if (n > room)
        n = room;
    memcpy(w->p + w->len, s, n);
    w->len += n;
    w->p[w->len] = '\0';
}

static void puts_(sw *w, const char *s)
{
    put(w, s, strlen(s));
}

static void putc_(sw *w, char ch)
{
    put(w, &ch, 1);
}

static void sw_u64(sw *w, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    put(w, tmp + i, sizeof tmp - i);
}

static void sw_i64(sw *w, int64_t v)
{
    if (v < 0) {
        putc_(w, '-');
        sw_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        sw_u64(w, (uint64_t)v);
    }
}

/* A string in double quotes, control characters and quotes escaped, cut
 * to QUOTE_MAX bytes with "..." appended. */
static void put_quoted(sw *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    bool cut = n > QUOTE_MAX;
    if (cut)
        n = QUOTE_MAX;
    putc_(w, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            putc_(w, '\\');
            putc_(w, (char)ch);
        } else if (ch == '\n') {
            puts_(w, "\\n");
        } else if (ch == '\t') {
            puts_(w, "\\t");
        } else if (ch < 0x20 || ch == 0x7f) {
            puts_(w, "\\x");
            putc_(w, hex[ch >> 4]);
            putc_(w, hex[ch & 15]);
        } else {
            putc_(w, (char)ch);
        }
    }
    putc_(w, '"');
    if (cut)
        puts_(w, "...");
}

/* An unquoted word (severity, SQLSTATE, parameter name) from the
 * network: at most max bytes, anything outside printable ASCII as '?', so
 * a summary stays one line. */
static void put_word(sw *w, const char *s, size_t n, size_t max)
{
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        putc_(w, ch > 0x20 && ch < 0x7f ? (char)ch : '?');
    }
}

static void put_cstr_field(sw *w, pgwi_reader *r)
{
    size_t n = 0;
    const char *s = pgwi_read_cstr(r, &n);
    if (s != NULL)
        put_quoted(w, s, n);
}

static void redact(sw *w, size_t len, bool *redacted)
{
    puts_(w, "[redacted ");
    sw_u64(w, len);
    puts_(w, " bytes]");
    *redacted = true;
}

/* ---- frontend messages --------------------------------------------------- */

static const char *untagged(pgwi_reader *r, sw *w, bool *redacted)
{
    uint32_t code = pgwi_read_u32(r);
    if (r->failed)
        return "StartupMessage";
    switch (code) {
    case PGW_SSL_REQUEST_CODE: return "SSLRequest";
    case PGW_GSSENC_REQUEST_CODE: return "GSSENCRequest";
    case PGW_CANCEL_REQUEST_CODE: {
        int32_t pid = pgwi_read_i32(r);
        if (!r->failed) {
            puts_(w, "pid ");
            sw_i64(w, pid);
            puts_(w, " key ");
            redact(w, pgwi_reader_left(r), redacted);
        }
        return "CancelRequest";
    }
    default: break;
    }
    puts_(w, "protocol ");
    sw_u64(w, code >> 16);
    putc_(w, '.');
    sw_u64(w, code & 0xffff);
    /* Parameter pairs up to the final empty name; none of them is secret. */
    for (int i = 0; i < 64; i++) {
        size_t kn = 0, vn = 0;
        const char *k = pgwi_read_cstr(r, &kn);
        if (k == NULL || kn == 0)
            break;
        const char *v = pgwi_read_cstr(r, &vn);
        if (v == NULL)
            break;
        putc_(w, ' ');
        put_word(w, k, kn, 64);
        putc_(w, '=');
        put_quoted(w, v, vn);
    }
    return "StartupMessage";
}

static const char *frontend(uint8_t tag, pgwi_reader *r, size_t len, sw *w, bool *redacted)
{
    switch (tag) {
    case PGW_FE_QUERY:
        put_cstr_field(w, r);
        return "Query";
    case PGW_FE_PARSE: {
        put_cstr_field(w, r);
        putc_(w, ' ');
        put_cstr_field(w, r);
        uint16_t n = pgwi_read_u16(r);
        if (!r->failed) {
            putc_(w, ' ');
            sw_u64(w, n);
            puts_(w, " param types");
        }
        return "Parse";
    }
    case PGW_FE_BIND: {
        puts_(w, "portal ");
        put_cstr_field(w, r);
        puts_(w, " statement ");
        put_cstr_field(w, r);
        uint16_t nf = pgwi_read_u16(r);
        (void)pgwi_read_bytes(r, (size_t)nf * 2);
        uint16_t np = pgwi_read_u16(r);
        if (!r->failed) {
            puts_(w, " params ");
            sw_u64(w, np);
        }
        return "Bind";
    }
    case PGW_FE_EXECUTE: {
        puts_(w, "portal ");
        put_cstr_field(w, r);
        int32_t max = pgwi_read_i32(r);
        if (!r->failed) {
            puts_(w, " max_rows ");
            sw_i64(w, max);
        }
        return "Execute";
    }
    case PGW_FE_DESCRIBE:
    case PGW_FE_CLOSE: {
        uint8_t what = pgwi_read_u8(r);
        if (!r->failed) {
            putc_(w, (char)(what >= 0x20 && what < 0x7f ? what : '?'));
            putc_(w, ' ');
            put_cstr_field(w, r);
        }
        return tag == PGW_FE_DESCRIBE ? "Describe" : "Close";
    }
    case PGW_FE_SYNC: return "Sync";
    case PGW_FE_FLUSH: return "Flush";
    case PGW_FE_TERMINATE: return "Terminate";
    case PGW_FE_COPY_DONE: return "CopyDone";
    case PGW_FE_COPY_DATA:
        sw_u64(w, len);
        puts_(w, " bytes");
        return "CopyData";
    case PGW_FE_COPY_FAIL:
        put_cstr_field(w, r);
        return "CopyFail";
    case PGW_FE_FUNCTION_CALL: {
        uint32_t oid = pgwi_read_u32(r);
        if (!r->failed) {
            puts_(w, "oid ");
            sw_u64(w, oid);
        }
        return "FunctionCall";
    }
    case PGW_FE_PASSWORD:
        redact(w, len, redacted);
        return "PasswordMessage";
    default: return "Unknown";
    }
}

/* ---- backend messages ---------------------------------------------------- */

static const char *authentication(pgwi_reader *r, size_t len, sw *w, bool *redacted)
{
    uint32_t code = pgwi_read_u32(r);
    if (r->failed)
        return "Authentication";
    switch (code) {
    case 0: return "AuthenticationOk";
    case 2: return "AuthenticationKerberosV5";
    case 3: return "AuthenticationCleartextPassword";
    case 5: return "AuthenticationMD5Password";
    case 7: return "AuthenticationGSS";
    case 9: return "AuthenticationSSPI";
    case 8:
    case 11:
    case 12:
        redact(w, len - 4, redacted);
        return code == 8 ? "AuthenticationGSSContinue"
                         : code == 11 ? "AuthenticationSASLContinue" : "AuthenticationSASLFinal";
    case 10:
        for (int i = 0; i < 16; i++) {
            size_t n = 0;
            const char *m = pgwi_read_cstr(r, &n);
            if (m == NULL || n == 0)
                break;
            if (i > 0)
                putc_(w, ' ');
            put_quoted(w, m, n);
        }
        return "AuthenticationSASL";
    default:
        puts_(w, "code ");
        sw_u64(w, code);
        return "Authentication";
    }
}

static const char *error_fields(pgwi_reader *r, sw *w)
{
    const char *sev = NULL, *code = NULL, *msg = NULL;
    size_t sevn = 0, coden = 0, msgn = 0;
    for (int i = 0; i < 64; i++) {
        uint8_t t = pgwi_read_u8(r);
        if (r->failed || t == 0)
            break;
        size_t n = 0;
        const char *v = pgwi_read_cstr(r, &n);
        if (v == NULL)
            break;
        /* V is the untranslated severity; prefer it over S. */
        if (t == 'V' || (t == 'S' && sev == NULL)) {
            sev = v;
            sevn = n;
        } else if (t == 'C') {
            code = v;
            coden = n;
        } else if (t == 'M') {
            msg = v;
            msgn = n;
        }
    }
    if (sev != NULL) {
        put_word(w, sev, sevn, 16);
        putc_(w, ' ');
    }
    if (code != NULL) {
        put_word(w, code, coden, 5);
        putc_(w, ' ');
    }
    if (msg != NULL)
        put_quoted(w, msg, msgn);
    return NULL;
}

static const char *backend(uint8_t tag, pgwi_reader *r, size_t len, sw *w, bool *redacted)
{
    switch (tag) {
    case PGW_BE_AUTHENTICATION: return authentication(r, len, w, redacted);
    case PGW_BE_BACKEND_KEY_DATA: {
        int32_t pid = pgwi_read_i32(r);
        if (!r->failed) {
            puts_(w, "pid ");
            sw_i64(w, pid);
            puts_(w, " key ");
            redact(w, pgwi_reader_left(r), redacted);
        }
        return "BackendKeyData";
    }
    case PGW_BE_PARAMETER_STATUS: {
        size_t kn = 0, vn = 0;
        const char *k = pgwi_read_cstr(r, &kn);
        const char *v = pgwi_read_cstr(r, &vn);
        if (k != NULL && v != NULL) {
            put_word(w, k, kn, 64);
            putc_(w, '=');
            put_quoted(w, v, vn);
        }
        return "ParameterStatus";
    }
    case PGW_BE_READY_FOR_QUERY: {
        uint8_t s = pgwi_read_u8(r);
        if (!r->failed)
            putc_(w, (char)(s >= 0x20 && s < 0x7f ? s : '?'));
        return "ReadyForQuery";
    }
    case PGW_BE_ROW_DESCRIPTION: {
        uint16_t n = pgwi_read_u16(r);
        if (r->failed)
            return "RowDescription";
        sw_u64(w, n);
        puts_(w, n == 1 ? " field" : " fields");
        for (uint16_t i = 0; i < n && i < 16; i++) {
            size_t nn = 0;
            const char *name = pgwi_read_cstr(r, &nn);
            (void)pgwi_read_bytes(r, 6);
            uint32_t oid = pgwi_read_u32(r);
            (void)pgwi_read_bytes(r, 8);
            if (r->failed)
                break;
            putc_(w, ' ');
            put_quoted(w, name, nn > 64 ? 64 : nn);
            putc_(w, ':');
            sw_u64(w, oid);
        }
        if (n > 16)
            puts_(w, " ...");
        return "RowDescription";
    }
    case PGW_BE_DATA_ROW: {
        uint16_t n = pgwi_read_u16(r);
        if (r->failed)
            return "DataRow";
        sw_u64(w, n);
        puts_(w, n == 1 ? " field, lengths" : " fields, lengths");
        for (uint16_t i = 0; i < n && i < 32; i++) {
            int32_t fl = pgwi_read_i32(r);
            if (r->failed)
                break;
            putc_(w, ' ');
            sw_i64(w, fl);
            if (fl > 0)
                (void)pgwi_read_bytes(r, (size_t)fl);
        }
        if (n > 32)
            puts_(w, " ...");
        return "DataRow";
    }
    case PGW_BE_COMMAND_COMPLETE: put_cstr_field(w, r); return "CommandComplete";
    case PGW_BE_ERROR_RESPONSE: error_fields(r, w); return "ErrorResponse";
    case PGW_BE_NOTICE_RESPONSE: error_fields(r, w); return "NoticeResponse";
    case PGW_BE_NOTIFICATION_RESPONSE: {
        int32_t pid = pgwi_read_i32(r);
        if (r->failed)
            return "NotificationResponse";
        puts_(w, "pid ");
        sw_i64(w, pid);
        putc_(w, ' ');
        put_cstr_field(w, r);
        putc_(w, ' ');
        put_cstr_field(w, r);
        return "NotificationResponse";
    }
    case PGW_BE_PARAMETER_DESCRIPTION: {
        uint16_t n = pgwi_read_u16(r);
        if (r->failed)
            return "ParameterDescription";
        sw_u64(w, n);
        puts_(w, n == 1 ? " param" : " params");
        for (uint16_t i = 0; i < n && i < 32; i++) {
            uint32_t oid = pgwi_read_u32(r);
            if (r->failed)
                break;
            putc_(w, ' ');
            sw_u64(w, oid);
        }
        return "ParameterDescription";
    }
    case PGW_BE_COPY_IN_RESPONSE:
    case PGW_BE_COPY_OUT_RESPONSE:
    case PGW_BE_COPY_BOTH_RESPONSE: {
        uint8_t fmt = pgwi_read_u8(r);
        uint16_t n = pgwi_read_u16(r);
        if (!r->failed) {
            puts_(w, fmt == 0 ? "text " : "binary ");
            sw_u64(w, n);
            puts_(w, " columns");
        }
        return tag == PGW_BE_COPY_IN_RESPONSE    ? "CopyInResponse"
               : tag == PGW_BE_COPY_OUT_RESPONSE ? "CopyOutResponse"
                                                 : "CopyBothResponse";
    }
    case PGW_BE_COPY_DATA:
        sw_u64(w, len);
        puts_(w, " bytes");
        return "CopyData";
    case PGW_BE_COPY_DONE: return "CopyDone";
    case PGW_BE_FUNCTION_CALL_RESPONSE: {
        int32_t n = pgwi_read_i32(r);
        if (!r->failed) {
            puts_(w, "length ");
            sw_i64(w, n);
        }
        return "FunctionCallResponse";
    }
    case PGW_BE_NEGOTIATE_PROTOCOL_VERSION: {
        uint32_t minor = pgwi_read_u32(r);
        uint32_t nopts = pgwi_read_u32(r);
        if (!r->failed) {
            puts_(w, "minor ");
            sw_u64(w, minor);
            puts_(w, " unrecognized options ");
            sw_u64(w, nopts);
        }
        return "NegotiateProtocolVersion";
    }
    case PGW_BE_PARSE_COMPLETE: return "ParseComplete";
    case PGW_BE_BIND_COMPLETE: return "BindComplete";
    case PGW_BE_CLOSE_COMPLETE: return "CloseComplete";
    case PGW_BE_NO_DATA: return "NoData";
    case PGW_BE_PORTAL_SUSPENDED: return "PortalSuspended";
    case PGW_BE_EMPTY_QUERY_RESPONSE: return "EmptyQueryResponse";
    default: return "Unknown";
    }
}

size_t pgw_trace_describe(pgw_trace_dir dir, uint8_t tag, const uint8_t *body, size_t len,
                          char *out, size_t outlen, const char **name, bool *redacted)
{
    static const uint8_t empty[1];
    bool red = false;
    const char *nm = "Unknown";
    if (outlen == 0) {
        *name = nm;
        if (redacted != NULL)
            *redacted = false;
        return 0;
    }
    sw w = {out, outlen - 1, 0};
    out[0] = '\0';
    pgwi_reader r;
    pgwi_reader_init(&r, body != NULL ? body : empty, body != NULL ? len : 0);
    if (dir == PGW_TRACE_TO_SERVER)
        nm = tag == 0 ? untagged(&r, &w, &red) : frontend(tag, &r, len, &w, &red);
    else
        nm = backend(tag, &r, len, &w, &red);
    if (r.failed && !red) {
        if (w.len > 0)
            putc_(&w, ' ');
        puts_(&w, "(malformed)");
    }
    *name = nm;
    if (redacted != NULL)
        *redacted = red;
    return w.len;
}

size_t pgw_trace_format(const pgw_trace_event *ev, char *out, size_t outlen)
{
    if (outlen == 0)
        return 0;
    sw w = {out, outlen - 1, 0};
    out[0] = '\0';
    putc_(&w, ev->dir == PGW_TRACE_TO_SERVER ? 'F' : 'B');
    putc_(&w, '\t');
    sw_u64(&w, ev->length);
    putc_(&w, '\t');
    puts_(&w, ev->name != NULL ? ev->name : "Unknown");
    if (ev->summary != NULL && ev->summary[0] != '\0') {
        puts_(&w, "\t ");
        puts_(&w, ev->summary);
    }
    /* The newline survives a cut: one event, one line. */
    if (w.len == w.cap && w.len > 0)
        w.len--;
    putc_(&w, '\n');
    return w.len;
}

/* ---- the connection's hooks -------------------------------------------- */

void pgw_conn_set_trace(pgw_conn *c, pgw_trace_fn fn, void *ud)
{
    c->trace = fn;
    c->trace_ud = ud;
}

static void trace_emit(pgw_conn *c, pgw_trace_dir dir, uint8_t tag, uint32_t length,
                 const uint8_t *body, size_t len)
{
    char summary[SUMMARY_MAX];
    pgw_trace_event ev;
    memset(&ev, 0, sizeof ev);
    ev.dir = dir;
    ev.tag = tag;
    ev.length = length;
    (void)pgw_trace_describe(dir, tag, body, len, summary, sizeof summary, &ev.name,
                             &ev.redacted);
    /* 'p' carries several messages; the authentication state tells which. */
    if (dir == PGW_TRACE_TO_SERVER && tag == PGW_FE_PASSWORD) {
        if ((c->su == PGWI_SU_SASL || c->su == PGWI_SU_OAUTH) && !c->trace_sasl_first_seen) {
            ev.name = "SASLInitialResponse";
            c->trace_sasl_first_seen = true;
        } else if (c->su == PGWI_SU_SASL || c->su == PGWI_SU_SASL_FINAL ||
                   c->su == PGWI_SU_OAUTH_FAILED) {
            ev.name = "SASLResponse";
        }
    }
    ev.summary = summary;
    c->trace(c->trace_ud, &ev);
}

void pgwi_trace_output(pgw_conn *c)
{
    if (c->trace_out_off > c->out.len)
        c->trace_out_off = c->out.len;
    while (c->trace_out_off < c->out.len) {
        const uint8_t *p = c->out.data + c->trace_out_off;
        size_t avail = c->out.len - c->trace_out_off;
        /* Tags are letters; a length word of a startup-phase message
         * (below 16 MiB) starts with a zero byte. */
        if (p[0] == 0) {
            if (avail < 8)
                return;
            uint32_t len = pgwi_load_u32(p);
            if (len < 8 || len > avail) {
                /* Our own builders never do this; stop tracing this batch
                 * rather than misread the rest. */
                if (len < 8)
                    c->trace_out_off = c->out.len;
                return;
            }
            trace_emit(c, PGW_TRACE_TO_SERVER, 0, len, p + 4, len - 4);
            c->trace_out_off += len;
            continue;
        }
        if (avail < 5)
            return;
        uint32_t len = pgwi_load_u32(p + 1);
        if (len < 4) {
            c->trace_out_off = c->out.len;
            return;
        }
        if (len - 4 > avail - 5)
            return;
        trace_emit(c, PGW_TRACE_TO_SERVER, p[0], len, p + 5, len - 4);
        c->trace_out_off += 1 + (size_t)len;
    }
}

void pgwi_trace_input(pgw_conn *c, const uint8_t *p, size_t used)
{
    if (used < 5)
        return;
    trace_emit(c, PGW_TRACE_FROM_SERVER, p[0], pgwi_load_u32(p + 1), p + 5, used - 5);
}
