/* Frontend parsers: round trips from the proto.h builders, byte-identical
 * rebuilds of captured PostgreSQL 15 client streams, every truncation and a
 * trailing byte for every message, and hand-made malformed bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/buf.h"
#include "pgwire/proto.h"
#include "pgwire/proto_server.h"
#include "ps_support.h"

/* The single message in b, framed as a server frames it. */
static pgw_frame only_frame(const pgw_buf *b, bool untagged)
{
    pgw_frame f;
    size_t used;
    pgw_status rc = untagged ? pgw_frame_startup_next(b->data, b->len, &f, &used, NULL)
                             : pgw_frame_next_fe(b->data, b->len, NULL, &f, &used, NULL);
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(used, b->len);
    return f;
}

typedef pgw_status (*checker)(const pgw_frame *f);

/* The parser accepts the body, rejects every strict prefix (each copied to
 * an exact-size allocation so ASan sees any overread) and, unless
 * trailing_ok, rejects the body with one byte more. */
static void assert_strict(const pgw_frame *f, checker check, bool trailing_ok)
{
    assert_int_equal(check(f), PGW_OK);
    for (size_t l = 0; l < f->len; l++) {
        uint8_t *p = malloc(l == 0 ? 1 : l);
        assert_non_null(p);
        if (l > 0)
            memcpy(p, f->body, l);
        pgw_frame t = ps_frame(f->tag, l == 0 ? NULL : p, l);
        if (check(&t) != PGW_E_PROTOCOL)
            fail_msg("'%c' body truncated to %zu of %zu bytes was accepted", f->tag ? f->tag : '0',
                     l, f->len);
        free(p);
    }
    uint8_t *p = malloc(f->len + 1);
    assert_non_null(p);
    if (f->len > 0)
        memcpy(p, f->body, f->len);
    p[f->len] = 0;
    pgw_frame t = ps_frame(f->tag, p, f->len + 1);
    assert_int_equal(check(&t), trailing_ok ? PGW_OK : PGW_E_PROTOCOL);
    free(p);
}

static pgw_status chk_startup(const pgw_frame *f)
{
    int32_t code;
    size_t pos;
    return pgw_parse_startup_packet(f, &code, &pos);
}

static pgw_status chk_cancel(const pgw_frame *f)
{
    int32_t pid;
    const uint8_t *key;
    size_t len;
    return pgw_parse_cancel_request(f, &pid, &key, &len);
}

static pgw_status chk_password(const pgw_frame *f)
{
    const char *pw;
    size_t len;
    return pgw_parse_password(f, &pw, &len);
}

static pgw_status chk_sasl_initial(const pgw_frame *f)
{
    const char *mech;
    const uint8_t *data;
    int32_t len;
    return pgw_parse_sasl_initial_response(f, &mech, &data, &len);
}

static pgw_status chk_query(const pgw_frame *f)
{
    const char *sql;
    size_t len;
    return pgw_parse_query(f, &sql, &len);
}

static pgw_status chk_parse(const pgw_frame *f)
{
    const char *stmt, *sql;
    uint16_t n;
    const uint8_t *types;
    return pgw_parse_parse(f, &stmt, &sql, &n, &types);
}

static pgw_status chk_bind(const pgw_frame *f)
{
    pgw_bind_msg m;
    return pgw_parse_bind(f, &m);
}

static pgw_status chk_describe(const pgw_frame *f)
{
    char kind;
    const char *name;
    return pgw_parse_describe(f, &kind, &name);
}

static pgw_status chk_close(const pgw_frame *f)
{
    char kind;
    const char *name;
    return pgw_parse_close(f, &kind, &name);
}

static pgw_status chk_execute(const pgw_frame *f)
{
    const char *portal;
    int32_t max_rows;
    return pgw_parse_execute(f, &portal, &max_rows);
}

static pgw_status chk_copy_fail(const pgw_frame *f)
{
    const char *msg;
    return pgw_parse_copy_fail(f, &msg);
}

static pgw_status chk_function_call(const pgw_frame *f)
{
    pgw_function_call_msg m;
    return pgw_parse_function_call(f, &m);
}

/* ---- round trips -------------------------------------------------------- */

static void test_parse_startup_round_trips(void **state)
{
    const char *names[] = {"user", "database", "options"};
    const char *values[] = {"alice", "shop", "-c search_path=x"};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_startup(&b, names, values, 3), PGW_OK);
    pgw_frame f = only_frame(&b, true);
    int32_t code;
    size_t pos;
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_OK);
    assert_int_equal(code, PGW_PROTOCOL_3_0);
    const char *n, *v;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(pgw_startup_params_next(&f, &pos, &n, &v), PGW_OK);
        assert_string_equal(n, names[i]);
        assert_string_equal(v, values[i]);
    }
    assert_int_equal(pgw_startup_params_next(&f, &pos, &n, &v), PGW_END);
    assert_int_equal(pos, f.len);
    assert_strict(&f, chk_startup, false);
    pgw_buf_free(&b);
}

static void test_parse_startup_request_codes(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_ssl_request(&b), PGW_OK);
    pgw_frame f = only_frame(&b, true);
    int32_t code;
    size_t pos;
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_OK);
    assert_int_equal(code, PGW_SSL_REQUEST_CODE);
    assert_strict(&f, chk_startup, false);

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_gssenc_request(&b), PGW_OK);
    f = only_frame(&b, true);
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_OK);
    assert_int_equal(code, PGW_GSSENC_REQUEST_CODE);
    assert_strict(&f, chk_startup, false);

    pgw_buf_reset(&b);
    const uint8_t key[4] = {9, 8, 7, 6};
    assert_int_equal(pgw_build_cancel_request(&b, 31337, key, 4), PGW_OK);
    f = only_frame(&b, true);
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_OK);
    assert_int_equal(code, PGW_CANCEL_REQUEST_CODE);
    int32_t pid;
    const uint8_t *k;
    size_t klen;
    assert_int_equal(pgw_parse_cancel_request(&f, &pid, &k, &klen), PGW_OK);
    assert_int_equal(pid, 31337);
    assert_int_equal(klen, 4);
    assert_memory_equal(k, key, 4);
    /* a longer key is protocol 3.2, so one more byte is accepted */
    assert_strict(&f, chk_cancel, true);
    assert_strict(&f, chk_startup, true);
    pgw_buf_free(&b);
}

static void test_parse_startup_other_codes_returned_as_is(void **state)
{
    /* protocol 2.0 and an unknown request: the caller refuses them */
    const uint8_t v2[8] = {0, 2, 0, 0, 'x', 'y', 'z', 0};
    pgw_frame f = ps_frame(0, v2, sizeof v2);
    int32_t code;
    size_t pos;
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_OK);
    assert_int_equal(code, 2 << 16);
    /* protocol 3.2 has the 3.0 layout: parameters are validated */
    const uint8_t v32[] = {0, 3, 0, 2, 'u', 's', 'e', 'r', 0, 'a', 0, 0};
    f = ps_frame(0, v32, sizeof v32);
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_OK);
    assert_int_equal(code, (3 << 16) | 2);
    f = ps_frame(0, v32, sizeof v32 - 1);
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_E_PROTOCOL);
}

static void test_parse_startup_malformed_parameters_rejected(void **state)
{
    int32_t code;
    size_t pos;
    /* a name without a value */
    const uint8_t no_value[] = {0, 3, 0, 0, 'u', 's', 'e', 'r', 0, 0};
    pgw_frame f = ps_frame(0, no_value, sizeof no_value);
    /* "user\0" "\0" reads as user="" followed by nothing: terminator missing */
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_E_PROTOCOL);
    /* bytes after the terminator */
    const uint8_t after[] = {0, 3, 0, 0, 'u', 0, 'a', 0, 0, 'x'};
    f = ps_frame(0, after, sizeof after);
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_E_PROTOCOL);
    /* no parameters at all but the terminator is valid syntax */
    const uint8_t none[] = {0, 3, 0, 0, 0};
    f = ps_frame(0, none, sizeof none);
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_OK);
    const char *n, *v;
    assert_int_equal(pgw_startup_params_next(&f, &pos, &n, &v), PGW_END);
    /* a cancel key of 257 bytes */
    uint8_t big[8 + 257] = {0x04, 0xd2, 0x16, 0x2e};
    f = ps_frame(0, big, sizeof big);
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_E_PROTOCOL);
    f = ps_frame(0, big, 8 + 256);
    assert_int_equal(pgw_parse_startup_packet(&f, &code, &pos), PGW_OK);
    /* CancelRequest parser refuses other codes */
    int32_t pid;
    const uint8_t *key;
    size_t klen;
    const uint8_t ssl_like[12] = {0x04, 0xd2, 0x16, 0x2f, 0, 0, 0, 1, 1, 2, 3, 4};
    f = ps_frame(0, ssl_like, sizeof ssl_like);
    assert_int_equal(pgw_parse_cancel_request(&f, &pid, &key, &klen), PGW_E_PROTOCOL);
}

static void test_parse_password_and_sasl_round_trip(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_password(&b, "md5abc", 6), PGW_OK);
    pgw_frame f = only_frame(&b, false);
    const char *pw;
    size_t len;
    assert_int_equal(pgw_parse_password(&f, &pw, &len), PGW_OK);
    assert_string_equal(pw, "md5abc");
    assert_int_equal(len, 6);
    assert_strict(&f, chk_password, false);

    pgw_buf_reset(&b);
    const char *cf = "n,,n=,r=abc";
    assert_int_equal(
        pgw_build_sasl_initial_response(&b, "SCRAM-SHA-256", (const uint8_t *)cf, strlen(cf)),
        PGW_OK);
    f = only_frame(&b, false);
    const char *mech;
    const uint8_t *data;
    int32_t dlen;
    assert_int_equal(pgw_parse_sasl_initial_response(&f, &mech, &data, &dlen), PGW_OK);
    assert_string_equal(mech, "SCRAM-SHA-256");
    assert_int_equal(dlen, (int32_t)strlen(cf));
    assert_memory_equal(data, cf, strlen(cf));
    assert_strict(&f, chk_sasl_initial, false);

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_sasl_initial_response(&b, "OAUTHBEARER", NULL, 0), PGW_OK);
    f = only_frame(&b, false);
    assert_int_equal(pgw_parse_sasl_initial_response(&f, &mech, &data, &dlen), PGW_OK);
    assert_int_equal(dlen, -1);
    assert_null(data);
    assert_strict(&f, chk_sasl_initial, false);

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_sasl_response(&b, (const uint8_t *)"c=biws", 6), PGW_OK);
    f = only_frame(&b, false);
    assert_int_equal(pgw_parse_sasl_response(&f, &data, &len), PGW_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(data, "c=biws", 6);
    pgw_buf_free(&b);
}

static void test_parse_sasl_initial_malformed_rejected(void **state)
{
    const char *mech;
    const uint8_t *data;
    int32_t len;
    const uint8_t minus2[] = {'M', 0, 0xff, 0xff, 0xff, 0xfe};
    pgw_frame f = ps_frame('p', minus2, sizeof minus2);
    assert_int_equal(pgw_parse_sasl_initial_response(&f, &mech, &data, &len), PGW_E_PROTOCOL);
    const uint8_t no_mech[] = {0, 0, 0, 0, 0};
    f = ps_frame('p', no_mech, sizeof no_mech);
    assert_int_equal(pgw_parse_sasl_initial_response(&f, &mech, &data, &len), PGW_E_PROTOCOL);
    const uint8_t past_end[] = {'M', 0, 0, 0, 0, 9, 'a'};
    f = ps_frame('p', past_end, sizeof past_end);
    assert_int_equal(pgw_parse_sasl_initial_response(&f, &mech, &data, &len), PGW_E_PROTOCOL);
    const uint8_t int_max[] = {'M', 0, 0x7f, 0xff, 0xff, 0xff, 'a'};
    f = ps_frame('p', int_max, sizeof int_max);
    assert_int_equal(pgw_parse_sasl_initial_response(&f, &mech, &data, &len), PGW_E_PROTOCOL);
}

static void test_parse_query_round_trips_and_refuses_interior_nul(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_query(&b, "SELECT 'é'", strlen("SELECT 'é'")), PGW_OK);
    pgw_frame f = only_frame(&b, false);
    const char *sql;
    size_t len;
    assert_int_equal(pgw_parse_query(&f, &sql, &len), PGW_OK);
    assert_string_equal(sql, "SELECT 'é'");
    assert_int_equal(len, strlen("SELECT 'é'"));
    assert_strict(&f, chk_query, false);
    /* the builder refuses an interior NUL, and the parser a body with one */
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_query(&b, "SEL\0ECT", 7), PGW_E_INVALID);
    assert_int_equal(b.len, 0);
    const uint8_t two[] = {'a', 0, 'b', 0};
    f = ps_frame('Q', two, sizeof two);
    assert_int_equal(pgw_parse_query(&f, &sql, &len), PGW_E_PROTOCOL);
    f = ps_frame('p', two, sizeof two);
    assert_int_equal(pgw_parse_password(&f, &sql, &len), PGW_E_PROTOCOL);
    pgw_buf_free(&b);
}

static void test_parse_parse_round_trips(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const uint32_t types[3] = {23, 0, 4294967295u};
    const char *sql = "SELECT $1, $2, $3";
    assert_int_equal(pgw_build_parse(&b, "s1", sql, strlen(sql), types, 3), PGW_OK);
    pgw_frame f = only_frame(&b, false);
    const char *stmt, *got;
    uint16_t n;
    const uint8_t *view;
    assert_int_equal(pgw_parse_parse(&f, &stmt, &got, &n, &view), PGW_OK);
    assert_string_equal(stmt, "s1");
    assert_string_equal(got, sql);
    assert_int_equal(n, 3);
    for (uint16_t i = 0; i < 3; i++)
        assert_int_equal(pgw_param_type_oid(view, i), types[i]);
    assert_strict(&f, chk_parse, false);

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_parse(&b, "", "SELECT 1", 8, NULL, 0), PGW_OK);
    f = only_frame(&b, false);
    assert_int_equal(pgw_parse_parse(&f, &stmt, &got, &n, &view), PGW_OK);
    assert_string_equal(stmt, "");
    assert_int_equal(n, 0);
    assert_strict(&f, chk_parse, false);
    /* a count larger than the bytes present */
    const uint8_t lying[] = {0, 'x', 0, 0xff, 0xff, 0, 0, 0, 23};
    f = ps_frame('P', lying, sizeof lying);
    assert_int_equal(pgw_parse_parse(&f, &stmt, &got, &n, &view), PGW_E_PROTOCOL);
    pgw_buf_free(&b);
}

static void test_parse_bind_round_trips(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const int16_t formats[3] = {0, 1, 0};
    pgw_bytes values[3] = {{"42", 2}, {NULL, 0}, {"", 0}};
    const int16_t rformats[2] = {1, 0};
    assert_int_equal(pgw_build_bind(&b, "p1", "s1", formats, 3, values, 3, rformats, 2), PGW_OK);
    pgw_frame f = only_frame(&b, false);
    pgw_bind_msg m;
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_OK);
    assert_string_equal(m.portal, "p1");
    assert_string_equal(m.stmt, "s1");
    assert_int_equal(m.n_formats, 3);
    assert_int_equal(m.n_params, 3);
    assert_int_equal(m.n_result_formats, 2);
    for (uint16_t i = 0; i < 3; i++)
        assert_int_equal(pgw_bind_param_format(&m, i), formats[i]);
    assert_int_equal(pgw_bind_result_format(&m, 0), 1);
    assert_int_equal(pgw_bind_result_format(&m, 1), 0);
    assert_int_equal(pgw_bind_result_format(&m, 7), 0);
    pgw_value_iter it;
    pgw_value v;
    pgw_bind_params_begin(&m, &it);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_OK);
    assert_int_equal(v.len, 2);
    assert_memory_equal(v.ptr, "42", 2);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_OK);
    assert_int_equal(v.len, -1);
    assert_null(v.ptr);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_OK);
    assert_int_equal(v.len, 0);
    assert_non_null(v.ptr);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_END);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_END);
    assert_strict(&f, chk_bind, false);

    /* one format applies to all; no format means text */
    pgw_buf_reset(&b);
    const int16_t one[1] = {1};
    assert_int_equal(pgw_build_bind(&b, "", "", one, 1, values, 3, one, 1), PGW_OK);
    f = only_frame(&b, false);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_OK);
    assert_int_equal(pgw_bind_param_format(&m, 2), 1);
    assert_int_equal(pgw_bind_result_format(&m, 9), 1);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_bind(&b, "", "", NULL, 0, NULL, 0, NULL, 0), PGW_OK);
    f = only_frame(&b, false);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_OK);
    assert_int_equal(pgw_bind_param_format(&m, 0), 0);
    pgw_bind_params_begin(&m, &it);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_END);
    assert_strict(&f, chk_bind, false);
    pgw_buf_free(&b);
}

static void test_parse_bind_malformed_rejected(void **state)
{
    pgw_bind_msg m;
    /* value length -2 */
    const uint8_t neg[] = {0, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0};
    pgw_frame f = ps_frame('B', neg, sizeof neg);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_E_PROTOCOL);
    /* value length past the end */
    const uint8_t past[] = {0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 'a', 0, 0};
    f = ps_frame('B', past, sizeof past);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_E_PROTOCOL);
    /* INT32_MAX value length */
    const uint8_t huge[] = {0, 0, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff, 0, 0};
    f = ps_frame('B', huge, sizeof huge);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_E_PROTOCOL);
    /* format code 2 */
    const uint8_t fmt2[] = {0, 0, 0, 1, 0, 2, 0, 0, 0, 0};
    f = ps_frame('B', fmt2, sizeof fmt2);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_E_PROTOCOL);
    /* result format code -1 */
    const uint8_t rfmt[] = {0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff};
    f = ps_frame('B', rfmt, sizeof rfmt);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_E_PROTOCOL);
    /* two formats for one parameter */
    const uint8_t mismatch[] = {0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
    f = ps_frame('B', mismatch, sizeof mismatch);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_E_PROTOCOL);
    /* a parameter count far beyond the bytes present */
    const uint8_t count[] = {0, 0, 0, 0, 0xff, 0xff, 0, 0};
    f = ps_frame('B', count, sizeof count);
    assert_int_equal(pgw_parse_bind(&f, &m), PGW_E_PROTOCOL);
    /* an iterator not started from a validated message reports, never reads past */
    const uint8_t bad_iter[] = {0xff, 0xff, 0xff, 0xfe};
    pgw_value_iter it = {bad_iter, bad_iter + sizeof bad_iter, 1};
    pgw_value v;
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_E_PROTOCOL);
    const uint8_t short_iter[] = {0, 0, 0, 5, 'a'};
    it = (pgw_value_iter){short_iter, short_iter + sizeof short_iter, 1};
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_E_PROTOCOL);
}

static void test_parse_describe_close_execute_round_trip(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const char kinds[2] = {'S', 'P'};
    for (size_t i = 0; i < 2; i++) {
        pgw_buf_reset(&b);
        assert_int_equal(pgw_build_describe(&b, kinds[i], "n1"), PGW_OK);
        pgw_frame f = only_frame(&b, false);
        char kind;
        const char *name;
        assert_int_equal(pgw_parse_describe(&f, &kind, &name), PGW_OK);
        assert_int_equal(kind, kinds[i]);
        assert_string_equal(name, "n1");
        assert_strict(&f, chk_describe, false);

        pgw_buf_reset(&b);
        assert_int_equal(pgw_build_close(&b, kinds[i], ""), PGW_OK);
        f = only_frame(&b, false);
        assert_int_equal(pgw_parse_close(&f, &kind, &name), PGW_OK);
        assert_int_equal(kind, kinds[i]);
        assert_string_equal(name, "");
        assert_strict(&f, chk_close, false);
    }
    const uint8_t bad_kind[] = {'X', 0};
    pgw_frame f = ps_frame('D', bad_kind, sizeof bad_kind);
    char kind;
    const char *name;
    assert_int_equal(pgw_parse_describe(&f, &kind, &name), PGW_E_PROTOCOL);
    f = ps_frame('C', bad_kind, sizeof bad_kind);
    assert_int_equal(pgw_parse_close(&f, &kind, &name), PGW_E_PROTOCOL);

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_execute(&b, "c1", 100), PGW_OK);
    f = only_frame(&b, false);
    const char *portal;
    int32_t max_rows;
    assert_int_equal(pgw_parse_execute(&f, &portal, &max_rows), PGW_OK);
    assert_string_equal(portal, "c1");
    assert_int_equal(max_rows, 100);
    assert_strict(&f, chk_execute, false);
    pgw_buf_free(&b);
}

static void test_parse_copy_messages_round_trip(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_copy_fail(&b, "aborted by user"), PGW_OK);
    pgw_frame f = only_frame(&b, false);
    const char *msg;
    assert_int_equal(pgw_parse_copy_fail(&f, &msg), PGW_OK);
    assert_string_equal(msg, "aborted by user");
    assert_strict(&f, chk_copy_fail, false);

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_copy_done(&b), PGW_OK);
    f = only_frame(&b, false);
    assert_int_equal(f.tag, PGW_FE_COPY_DONE);
    assert_strict(&f, pgw_parse_empty, false);
    pgw_buf_free(&b);
}

static void test_parse_empty_frontend_messages(void **state)
{
    pgw_status (*fns[3])(pgw_buf *) = {pgw_build_sync, pgw_build_flush, pgw_build_terminate};
    const char tags[3] = {'S', 'H', 'X'};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    for (size_t i = 0; i < 3; i++) {
        pgw_buf_reset(&b);
        assert_int_equal(fns[i](&b), PGW_OK);
        pgw_frame f = only_frame(&b, false);
        assert_int_equal(f.tag, tags[i]);
        assert_strict(&f, pgw_parse_empty, false);
    }
    pgw_buf_free(&b);
}

static void test_parse_function_call_round_trips(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const int16_t formats[2] = {1, 0};
    pgw_bytes args[2] = {{"\0\0\0\x05", 4}, {NULL, 0}};
    assert_int_equal(pgw_build_function_call(&b, 1598, formats, 2, args, 2, 1), PGW_OK);
    pgw_frame f = only_frame(&b, false);
    pgw_function_call_msg m;
    assert_int_equal(pgw_parse_function_call(&f, &m), PGW_OK);
    assert_int_equal(m.function_oid, 1598);
    assert_int_equal(m.n_args, 2);
    assert_int_equal(m.result_format, 1);
    assert_int_equal(pgw_function_call_arg_format(&m, 0), 1);
    assert_int_equal(pgw_function_call_arg_format(&m, 1), 0);
    pgw_value_iter it;
    pgw_value v;
    pgw_function_call_args_begin(&m, &it);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_OK);
    assert_int_equal(v.len, 4);
    assert_memory_equal(v.ptr, "\0\0\0\x05", 4);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_OK);
    assert_int_equal(v.len, -1);
    assert_int_equal(pgw_value_iter_next(&it, &v), PGW_END);
    assert_strict(&f, chk_function_call, false);

    /* result format 2 */
    const uint8_t bad[] = {0, 0, 0, 1, 0, 0, 0, 0, 0, 2};
    f = ps_frame('F', bad, sizeof bad);
    assert_int_equal(pgw_parse_function_call(&f, &m), PGW_E_PROTOCOL);
    pgw_buf_free(&b);
}

/* ---- captured PostgreSQL 15 client streams ------------------------------ */

static void rebuild(const pgw_frame *f, pgw_buf *b)
{
    switch (f->tag) {
    case 0: {
        int32_t code;
        size_t pos;
        assert_int_equal(pgw_parse_startup_packet(f, &code, &pos), PGW_OK);
        assert_int_equal(code, PGW_PROTOCOL_3_0);
        const char *names[16], *values[16];
        size_t n = 0;
        while (n < 16 && pgw_startup_params_next(f, &pos, &names[n], &values[n]) == PGW_OK)
            n++;
        assert_int_equal(pgw_build_startup(b, names, values, n), PGW_OK);
        break;
    }
    case 'p': {
        const char *mech;
        const uint8_t *data;
        int32_t len;
        /* SASLResponse payloads have no NUL, so only SASLInitialResponse parses */
        if (pgw_parse_sasl_initial_response(f, &mech, &data, &len) == PGW_OK) {
            assert_int_equal(
                pgw_build_sasl_initial_response(b, mech, data, len < 0 ? 0 : (size_t)len),
                PGW_OK);
        } else {
            size_t n;
            assert_int_equal(pgw_parse_sasl_response(f, &data, &n), PGW_OK);
            assert_int_equal(pgw_build_sasl_response(b, data, n), PGW_OK);
        }
        break;
    }
    case 'Q': {
        const char *sql;
        size_t len;
        assert_int_equal(pgw_parse_query(f, &sql, &len), PGW_OK);
        assert_int_equal(pgw_build_query(b, sql, len), PGW_OK);
        break;
    }
    case 'P': {
        const char *stmt, *sql;
        uint16_t n;
        const uint8_t *view;
        uint32_t types[64];
        assert_int_equal(pgw_parse_parse(f, &stmt, &sql, &n, &view), PGW_OK);
        assert_true(n <= 64);
        for (uint16_t i = 0; i < n; i++)
            types[i] = pgw_param_type_oid(view, i);
        assert_int_equal(pgw_build_parse(b, stmt, sql, strlen(sql), types, n), PGW_OK);
        break;
    }
    case 'B': {
        pgw_bind_msg m;
        int16_t formats[64], rformats[64];
        pgw_bytes values[64];
        assert_int_equal(pgw_parse_bind(f, &m), PGW_OK);
        assert_true(m.n_formats <= 64 && m.n_params <= 64 && m.n_result_formats <= 64);
        for (uint16_t i = 0; i < m.n_formats; i++)
            formats[i] = (int16_t)((m.formats[2 * i] << 8) | m.formats[2 * i + 1]);
        for (uint16_t i = 0; i < m.n_result_formats; i++)
            rformats[i] = (int16_t)((m.result_formats[2 * i] << 8) | m.result_formats[2 * i + 1]);
        pgw_value_iter it;
        pgw_value v;
        size_t n = 0;
        pgw_bind_params_begin(&m, &it);
        while (pgw_value_iter_next(&it, &v) == PGW_OK) {
            values[n].data = v.len < 0 ? NULL : (const void *)v.ptr;
            values[n].len = v.len < 0 ? 0 : (size_t)v.len;
            n++;
        }
        assert_int_equal(n, m.n_params);
        assert_int_equal(pgw_build_bind(b, m.portal, m.stmt, formats, m.n_formats, values, n,
                                        rformats, m.n_result_formats),
                         PGW_OK);
        break;
    }
    case 'D':
    case 'C': {
        char kind;
        const char *name;
        if (f->tag == 'D') {
            assert_int_equal(pgw_parse_describe(f, &kind, &name), PGW_OK);
            assert_int_equal(pgw_build_describe(b, kind, name), PGW_OK);
        } else {
            assert_int_equal(pgw_parse_close(f, &kind, &name), PGW_OK);
            assert_int_equal(pgw_build_close(b, kind, name), PGW_OK);
        }
        break;
    }
    case 'E': {
        const char *portal;
        int32_t max_rows;
        assert_int_equal(pgw_parse_execute(f, &portal, &max_rows), PGW_OK);
        assert_int_equal(pgw_build_execute(b, portal, max_rows), PGW_OK);
        break;
    }
    case 'd':
        assert_int_equal(pgw_build_copy_data(b, f->body, f->len), PGW_OK);
        break;
    case 'f': {
        const char *msg;
        assert_int_equal(pgw_parse_copy_fail(f, &msg), PGW_OK);
        assert_int_equal(pgw_build_copy_fail(b, msg), PGW_OK);
        break;
    }
    case 'S':
    case 'H':
    case 'X':
    case 'c':
        assert_int_equal(pgw_parse_empty(f), PGW_OK);
        assert_int_equal(f->tag == 'S'   ? pgw_build_sync(b)
                         : f->tag == 'H' ? pgw_build_flush(b)
                         : f->tag == 'X' ? pgw_build_terminate(b)
                                         : pgw_build_copy_done(b),
                         PGW_OK);
        break;
    default:
        fail_msg("captured frontend message with unexpected tag '%c'", f->tag);
    }
}

static void rebuild_stream(const char *name)
{
    ps_stream s;
    ps_stream_load(&s, name, 1);
    assert_true(s.n > 3);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    for (size_t i = 0; i < s.n; i++) {
        pgw_buf_reset(&b);
        rebuild(&s.f[i], &b);
        ps_assert_buf_is_frame(&b, &s.f[i]);
    }
    pgw_buf_free(&b);
    ps_stream_free(&s);
}

static void test_parse_captured_simple_session_rebuilds_identically(void **state)
{
    rebuild_stream("pg15_simple_session.fe.hex");
}

static void test_parse_captured_extended_session_rebuilds_identically(void **state)
{
    rebuild_stream("pg15_extended.fe.hex");
}

static void test_parse_captured_copy_session_rebuilds_identically(void **state)
{
    rebuild_stream("pg15_copy_in.fe.hex");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_startup_round_trips),
        cmocka_unit_test(test_parse_startup_request_codes),
        cmocka_unit_test(test_parse_startup_other_codes_returned_as_is),
        cmocka_unit_test(test_parse_startup_malformed_parameters_rejected),
        cmocka_unit_test(test_parse_password_and_sasl_round_trip),
        cmocka_unit_test(test_parse_sasl_initial_malformed_rejected),
        cmocka_unit_test(test_parse_query_round_trips_and_refuses_interior_nul),
        cmocka_unit_test(test_parse_parse_round_trips),
        cmocka_unit_test(test_parse_bind_round_trips),
        cmocka_unit_test(test_parse_bind_malformed_rejected),
        cmocka_unit_test(test_parse_describe_close_execute_round_trip),
        cmocka_unit_test(test_parse_copy_messages_round_trip),
        cmocka_unit_test(test_parse_empty_frontend_messages),
        cmocka_unit_test(test_parse_function_call_round_trips),
        cmocka_unit_test(test_parse_captured_simple_session_rebuilds_identically),
        cmocka_unit_test(test_parse_captured_extended_session_rebuilds_identically),
        cmocka_unit_test(test_parse_captured_copy_session_rebuilds_identically),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
