/* Fuzz the frontend parsers (server side of the codec).
 *
 * Input: one selector byte, then a message body. The selector picks the
 * parser; selector 14 instead treats the rest as a client stream (one
 * startup packet, then tagged messages) framed and dispatched by tag, as a
 * server would. Invariants, checked with abort():
 *  - every view a parser returns lies inside the frame body, and every
 *    string it returns is NUL-terminated inside the body;
 *  - iterating a validated Bind/FunctionCall/StartupMessage cannot fail;
 *  - a message that parses and that the proto.h builder accepts again is
 *    rebuilt byte for byte (parse and build agree on the format). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/buf.h"
#include "pgwire/proto.h"
#include "pgwire/proto_server.h"

static void check(int ok)
{
    if (!ok)
        abort();
}

static int inside(const pgw_frame *f, const void *p, size_t n)
{
    const uint8_t *b = f->body, *q = p;
    return f->len > 0 && q >= b && q <= b + f->len && n <= (size_t)(b + f->len - q);
}

/* A string view must be NUL-terminated inside the body. */
static void check_str(const pgw_frame *f, const char *s)
{
    check(s != NULL && inside(f, s, 1));
    size_t room = (size_t)(f->body + f->len - (const uint8_t *)s);
    check(memchr(s, 0, room) != NULL);
}

/* Compare a rebuilt message with the original frame (header included). */
static void check_rebuilt(const pgw_frame *f, pgw_buf *b, pgw_status rc)
{
    if (rc == PGW_OK) {
        size_t hdr = f->tag != 0 ? 5 : 4;
        check(b->len == f->len + hdr);
        check(memcmp(b->data + hdr, f->body, f->len) == 0);
        if (f->tag != 0)
            check(b->data[0] == f->tag);
    }
    pgw_buf_reset(b);
}

static void fuzz_values(const pgw_frame *f, pgw_value_iter *it, uint16_t n)
{
    pgw_value v;
    uint16_t got = 0;
    pgw_status rc;
    while ((rc = pgw_value_iter_next(it, &v)) == PGW_OK) {
        got++;
        if (v.len == -1)
            check(v.ptr == NULL);
        else
            check(v.len >= 0 && inside(f, v.ptr, (size_t)v.len));
    }
    check(rc == PGW_END && got == n);
}

static void parse_startup(const pgw_frame *f, pgw_buf *b)
{
    int32_t code;
    size_t pos;
    if (pgw_parse_startup_packet(f, &code, &pos) != PGW_OK)
        return;
    if (code == PGW_CANCEL_REQUEST_CODE) {
        int32_t pid;
        const uint8_t *key;
        size_t klen;
        check(pgw_parse_cancel_request(f, &pid, &key, &klen) == PGW_OK);
        check(klen >= 4 && klen <= 256 && inside(f, key, klen));
        check_rebuilt(f, b, pgw_build_cancel_request(b, pid, key, klen));
        return;
    }
    if (((uint32_t)code >> 16) != 3)
        return;
    const char *names[64], *values[64];
    size_t n = 0;
    const char *name, *value;
    pgw_status rc;
    while ((rc = pgw_startup_params_next(f, &pos, &name, &value)) == PGW_OK) {
        check_str(f, name);
        check_str(f, value);
        if (n < 64) {
            names[n] = name;
            values[n] = value;
        }
        n++;
    }
    check(rc == PGW_END && pos == f->len);
    if (code == PGW_PROTOCOL_3_0 && n <= 64)
        check_rebuilt(f, b, pgw_build_startup(b, names, values, n));
    pgw_buf_reset(b);
}

static void parse_bind(const pgw_frame *f, pgw_buf *b)
{
    pgw_bind_msg m;
    if (pgw_parse_bind(f, &m) != PGW_OK)
        return;
    check_str(f, m.portal);
    check_str(f, m.stmt);
    check(m.n_formats <= 1 || m.n_formats == m.n_params);
    pgw_value_iter it;
    pgw_bind_params_begin(&m, &it);
    fuzz_values(f, &it, m.n_params);
    for (uint16_t i = 0; i < m.n_params; i++) {
        int16_t fmt = pgw_bind_param_format(&m, i);
        check(fmt == 0 || fmt == 1);
    }
    for (uint16_t i = 0; i < m.n_result_formats; i++) {
        int16_t fmt = pgw_bind_result_format(&m, i);
        check(fmt == 0 || fmt == 1);
    }
    /* Rebuild: gather the parts into arrays (bounded, to stay small). */
    if (m.n_params > 64 || m.n_formats > 64 || m.n_result_formats > 64)
        return;
    int16_t formats[64], rformats[64];
    pgw_bytes values[64];
    for (uint16_t i = 0; i < m.n_formats; i++)
        formats[i] = (int16_t)((m.formats[2 * i] << 8) | m.formats[2 * i + 1]);
    for (uint16_t i = 0; i < m.n_result_formats; i++)
        rformats[i] = (int16_t)((m.result_formats[2 * i] << 8) | m.result_formats[2 * i + 1]);
    pgw_bind_params_begin(&m, &it);
    pgw_value v;
    for (uint16_t i = 0; i < m.n_params; i++) {
        check(pgw_value_iter_next(&it, &v) == PGW_OK);
        values[i].data = v.len < 0 ? NULL : (const void *)v.ptr;
        values[i].len = v.len < 0 ? 0 : (size_t)v.len;
    }
    check_rebuilt(f, b,
                  pgw_build_bind(b, m.portal, m.stmt, formats, m.n_formats, values, m.n_params,
                                 rformats, m.n_result_formats));
}

static void parse_function_call(const pgw_frame *f, pgw_buf *b)
{
    pgw_function_call_msg m;
    if (pgw_parse_function_call(f, &m) != PGW_OK)
        return;
    check(m.result_format == 0 || m.result_format == 1);
    pgw_value_iter it;
    pgw_function_call_args_begin(&m, &it);
    fuzz_values(f, &it, m.n_args);
    if (m.n_args > 64 || m.n_formats > 64)
        return;
    int16_t formats[64];
    pgw_bytes args[64];
    for (uint16_t i = 0; i < m.n_formats; i++)
        formats[i] = pgw_function_call_arg_format(&m, i);
    pgw_function_call_args_begin(&m, &it);
    pgw_value v;
    for (uint16_t i = 0; i < m.n_args; i++) {
        check(pgw_value_iter_next(&it, &v) == PGW_OK);
        args[i].data = v.len < 0 ? NULL : (const void *)v.ptr;
        args[i].len = v.len < 0 ? 0 : (size_t)v.len;
    }
    check_rebuilt(f, b,
                  pgw_build_function_call(b, m.function_oid, formats, m.n_formats, args, m.n_args,
                                          m.result_format));
}

static void parse_one(unsigned sel, const pgw_frame *f, pgw_buf *b)
{
    switch (sel) {
    case 0:
        parse_startup(f, b);
        break;
    case 1: {
        int32_t pid;
        const uint8_t *key;
        size_t klen;
        if (pgw_parse_cancel_request(f, &pid, &key, &klen) == PGW_OK)
            check(klen >= 4 && klen <= 256 && inside(f, key, klen));
        break;
    }
    case 2: {
        const char *pw;
        size_t len;
        if (pgw_parse_password(f, &pw, &len) == PGW_OK) {
            check_str(f, pw);
            check(strlen(pw) == len && len + 1 == f->len);
            check_rebuilt(f, b, pgw_build_password(b, pw, len));
        }
        break;
    }
    case 3: {
        const char *mech;
        const uint8_t *data;
        int32_t len;
        if (pgw_parse_sasl_initial_response(f, &mech, &data, &len) == PGW_OK) {
            check_str(f, mech);
            check(mech[0] != '\0');
            check(len >= -1);
            if (len == -1)
                check(data == NULL);
            else
                check(inside(f, data, (size_t)len) || (len == 0 && data != NULL));
            check_rebuilt(f, b, pgw_build_sasl_initial_response(b, mech, data,
                                                                len < 0 ? 0 : (size_t)len));
        }
        break;
    }
    case 4: {
        const uint8_t *data;
        size_t len;
        check(pgw_parse_sasl_response(f, &data, &len) == PGW_OK);
        check(data == f->body && len == f->len);
        break;
    }
    case 5: {
        const char *sql;
        size_t len;
        if (pgw_parse_query(f, &sql, &len) == PGW_OK) {
            check_str(f, sql);
            check(strlen(sql) == len);
            check_rebuilt(f, b, pgw_build_query(b, sql, len));
        }
        break;
    }
    case 6: {
        const char *stmt, *sql;
        uint16_t n;
        const uint8_t *view;
        if (pgw_parse_parse(f, &stmt, &sql, &n, &view) == PGW_OK) {
            check_str(f, stmt);
            check_str(f, sql);
            check(n == 0 || inside(f, view, (size_t)n * 4));
            uint32_t types[64];
            if (n <= 64) {
                for (uint16_t i = 0; i < n; i++)
                    types[i] = pgw_param_type_oid(view, i);
                check_rebuilt(f, b, pgw_build_parse(b, stmt, sql, strlen(sql), types, n));
            }
        }
        break;
    }
    case 7:
        parse_bind(f, b);
        break;
    case 8:
    case 10: {
        char kind;
        const char *name;
        pgw_status rc = sel == 8 ? pgw_parse_describe(f, &kind, &name)
                                 : pgw_parse_close(f, &kind, &name);
        if (rc == PGW_OK) {
            check(kind == 'S' || kind == 'P');
            check_str(f, name);
            check_rebuilt(f, b,
                          sel == 8 ? pgw_build_describe(b, kind, name)
                                   : pgw_build_close(b, kind, name));
        }
        break;
    }
    case 9: {
        const char *portal;
        int32_t max_rows;
        if (pgw_parse_execute(f, &portal, &max_rows) == PGW_OK) {
            check_str(f, portal);
            check_rebuilt(f, b, pgw_build_execute(b, portal, max_rows));
        }
        break;
    }
    case 11: {
        const char *msg;
        if (pgw_parse_copy_fail(f, &msg) == PGW_OK) {
            check_str(f, msg);
            check_rebuilt(f, b, pgw_build_copy_fail(b, msg));
        }
        break;
    }
    case 12:
        parse_function_call(f, b);
        break;
    default:
        if (pgw_parse_empty(f) == PGW_OK)
            check(f->len == 0);
        break;
    }
}

/* The parser a server would pick for a tag. */
static unsigned selector_for_tag(uint8_t tag)
{
    switch (tag) {
    case PGW_FE_PASSWORD:
        return 3; /* SASLInitialResponse is the most structured 'p' */
    case PGW_FE_QUERY:
        return 5;
    case PGW_FE_PARSE:
        return 6;
    case PGW_FE_BIND:
        return 7;
    case PGW_FE_DESCRIBE:
        return 8;
    case PGW_FE_EXECUTE:
        return 9;
    case PGW_FE_CLOSE:
        return 10;
    case PGW_FE_COPY_FAIL:
        return 11;
    case PGW_FE_FUNCTION_CALL:
        return 12;
    case PGW_FE_COPY_DATA:
        return 4;
    default:
        return 13;
    }
}

static void fuzz_stream(const uint8_t *data, size_t size, pgw_buf *b)
{
    pgw_frame f;
    size_t used = 0, need = 0;
    pgw_status rc = pgw_frame_startup_next(data, size, &f, &used, &need);
    if (rc != PGW_OK)
        return;
    check(used >= 4 && used <= size && f.len == used - 4 && f.tag == 0);
    parse_one(0, &f, b);
    size_t off = used;
    pgw_limits lim = {.max_message = 1u << 16, .max_small_message = 0};
    while (off < size) {
        rc = pgw_frame_next_fe(data + off, size - off, &lim, &f, &used, &need);
        if (rc != PGW_OK)
            break;
        check(used >= 5 && used <= size - off && f.len == used - 5);
        parse_one(selector_for_tag(f.tag), &f, b);
        if (f.tag == PGW_FE_PASSWORD) {
            parse_one(2, &f, b);
            parse_one(4, &f, b);
        }
        off += used;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 1u << 20);
    unsigned sel = data[0] % 15u;
    if (sel == 14) {
        fuzz_stream(data + 1, size - 1, &b);
    } else {
        static const uint8_t tags[14] = {0,   0,   'p', 'p', 'p', 'Q', 'P',
                                         'B', 'D', 'E', 'C', 'f', 'F', 'S'};
        /* A zero-length body is a NULL-free, zero-length view. */
        pgw_frame f = {.tag = tags[sel], .body = data + 1, .len = size - 1};
        parse_one(sel, &f, &b);
    }
    pgw_buf_free(&b);
    return 0;
}
