/* Backend builders: exact bytes, round trips through the client-side
 * parsers of proto.h, byte-identical rebuilds of captured PostgreSQL 15
 * server streams, argument refusal and rollback on buffer failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "failing_alloc.h"
#include "pgwire/buf.h"
#include "pgwire/proto.h"
#include "pgwire/proto_server.h"
#include "ps_support.h"

static void assert_bytes(const pgw_buf *b, const void *want, size_t len)
{
    assert_int_equal(b->len, len);
    assert_memory_equal(b->data, want, len);
}

/* The single message in b, framed as a client would frame it. */
static pgw_frame only_frame(const pgw_buf *b)
{
    pgw_frame f;
    size_t used;
    assert_int_equal(pgw_frame_next(b->data, b->len, NULL, &f, &used, NULL), PGW_OK);
    assert_int_equal(used, b->len);
    return f;
}

/* ---- exact bytes ------------------------------------------------------- */

static void test_build_auth_requests_exact_bytes(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_auth_ok(&b), PGW_OK);
    assert_bytes(&b, "R\0\0\0\x08\0\0\0\0", 9);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_auth_cleartext_password(&b), PGW_OK);
    assert_bytes(&b, "R\0\0\0\x08\0\0\0\x03", 9);
    pgw_buf_reset(&b);
    const uint8_t salt[4] = {0xde, 0xad, 0xbe, 0xef};
    assert_int_equal(pgw_build_auth_md5_password(&b, salt), PGW_OK);
    assert_bytes(&b, "R\0\0\0\x0c\0\0\0\x05\xde\xad\xbe\xef", 13);
    pgw_buf_reset(&b);
    const char *mechs[] = {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"};
    assert_int_equal(pgw_build_auth_sasl(&b, mechs, 2), PGW_OK);
    assert_bytes(&b,
                 "R\0\0\0\x2a\0\0\0\x0a"
                 "SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0",
                 43);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_auth_sasl_continue(&b, (const uint8_t *)"r=x", 3), PGW_OK);
    assert_bytes(&b, "R\0\0\0\x0b\0\0\0\x0br=x", 12);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_auth_sasl_final(&b, (const uint8_t *)"v=y", 3), PGW_OK);
    assert_bytes(&b, "R\0\0\0\x0b\0\0\0\x0cv=y", 12);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_auth_request(&b, PGW_AUTH_GSS, NULL, 0), PGW_OK);
    assert_bytes(&b, "R\0\0\0\x08\0\0\0\x07", 9);
    pgw_buf_free(&b);
}

static void test_build_empty_messages_exact_bytes(void **state)
{
    static const struct {
        pgw_status (*fn)(pgw_buf *);
        char tag;
    } cases[] = {
        {pgw_build_bind_complete, '2'},       {pgw_build_close_complete, '3'},
        {pgw_build_parse_complete, '1'},      {pgw_build_no_data, 'n'},
        {pgw_build_empty_query_response, 'I'}, {pgw_build_portal_suspended, 's'},
    };
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pgw_buf_reset(&b);
        assert_int_equal(cases[i].fn(&b), PGW_OK);
        uint8_t want[5] = {(uint8_t)cases[i].tag, 0, 0, 0, 4};
        assert_bytes(&b, want, 5);
        pgw_frame f = only_frame(&b);
        assert_int_equal(pgw_parse_empty(&f), PGW_OK);
    }
    pgw_buf_free(&b);
}

static void test_build_ssl_response_is_one_byte(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_ssl_response(&b, 'N'), PGW_OK);
    assert_int_equal(pgw_build_ssl_response(&b, 'S'), PGW_OK);
    assert_bytes(&b, "NS", 2);
    assert_int_equal(pgw_build_ssl_response(&b, 'G'), PGW_E_INVALID);
    assert_int_equal(b.len, 2);
    pgw_buf_free(&b);
}

static void test_build_data_row_null_and_empty_exact_bytes(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    pgw_bytes v[3] = {{"ab", 2}, {NULL, 0}, {"", 0}};
    assert_int_equal(pgw_build_data_row(&b, v, 3), PGW_OK);
    assert_bytes(&b,
                 "D\0\0\0\x14\0\x03"
                 "\0\0\0\x02"
                 "ab"
                 "\xff\xff\xff\xff"
                 "\0\0\0\0",
                 21);
    pgw_buf_free(&b);
}

/* ---- round trips through the client-side parsers ------------------------ */

static void test_build_auth_round_trips(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    const char *mechs[] = {"SCRAM-SHA-256"};
    assert_int_equal(pgw_build_auth_sasl(&b, mechs, 1), PGW_OK);
    pgw_frame f = only_frame(&b);
    int32_t code;
    const uint8_t *data;
    size_t len, pos = 0;
    const char *name;
    assert_int_equal(pgw_parse_authentication(&f, &code, &data, &len), PGW_OK);
    assert_int_equal(code, PGW_AUTH_SASL);
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &name), PGW_OK);
    assert_string_equal(name, "SCRAM-SHA-256");
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &name), PGW_END);

    pgw_buf_reset(&b);
    const uint8_t salt[4] = {1, 2, 3, 4};
    assert_int_equal(pgw_build_auth_md5_password(&b, salt), PGW_OK);
    f = only_frame(&b);
    assert_int_equal(pgw_parse_authentication(&f, &code, &data, &len), PGW_OK);
    assert_int_equal(code, PGW_AUTH_MD5_PASSWORD);
    assert_int_equal(len, 4);
    assert_memory_equal(data, salt, 4);
    pgw_buf_free(&b);
}

static void test_build_backend_key_data_round_trips(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    uint8_t key[32];
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (uint8_t)(i * 7);
    assert_int_equal(pgw_build_backend_key_data(&b, 1234, key, sizeof key), PGW_OK);
    pgw_frame f = only_frame(&b);
    int32_t pid;
    const uint8_t *k;
    size_t klen;
    assert_int_equal(pgw_parse_backend_key_data(&f, &pid, &k, &klen), PGW_OK);
    assert_int_equal(pid, 1234);
    assert_int_equal(klen, sizeof key);
    assert_memory_equal(k, key, sizeof key);
    pgw_buf_free(&b);
}

static void test_build_row_description_round_trips(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    pgw_column_desc in[2] = {
        {"id", 16384, 1, 23, 4, -1, 1},
        {"", 0, 0, 25, -1, 68, 0},
    };
    assert_int_equal(pgw_build_row_description(&b, in, 2), PGW_OK);
    pgw_frame f = only_frame(&b);
    pgw_column_desc out[2];
    uint16_t n;
    assert_int_equal(pgw_parse_row_description(&f, out, 2, &n), PGW_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(out[i].name, in[i].name);
        assert_int_equal(out[i].table_oid, in[i].table_oid);
        assert_int_equal(out[i].column_attnum, in[i].column_attnum);
        assert_int_equal(out[i].type_oid, in[i].type_oid);
        assert_int_equal(out[i].type_size, in[i].type_size);
        assert_int_equal(out[i].type_modifier, in[i].type_modifier);
        assert_int_equal(out[i].format, in[i].format);
    }
    pgw_buf_free(&b);
}

static void test_build_data_row_round_trips(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    static uint8_t big[70000];
    memset(big, 'x', sizeof big);
    pgw_bytes v[4] = {{"1", 1}, {NULL, 0}, {big, sizeof big}, {"", 0}};
    assert_int_equal(pgw_build_data_row(&b, v, 4), PGW_OK);
    pgw_frame f = only_frame(&b);
    pgw_value out[4];
    uint16_t n;
    assert_int_equal(pgw_parse_data_row(&f, out, 4, &n), PGW_OK);
    assert_int_equal(n, 4);
    assert_int_equal(out[0].len, 1);
    assert_int_equal(out[1].len, -1);
    assert_int_equal(out[2].len, (int32_t)sizeof big);
    assert_memory_equal(out[2].ptr, big, sizeof big);
    assert_int_equal(out[3].len, 0);

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_data_row(&b, NULL, 0), PGW_OK);
    f = only_frame(&b);
    assert_int_equal(pgw_parse_data_row(&f, NULL, 0, &n), PGW_OK);
    assert_int_equal(n, 0);
    pgw_buf_free(&b);
}

static void test_build_error_and_notice_round_trip(void **state)
{
    pgw_field in[5] = {{'S', "ERROR"},
                       {'V', "ERROR"},
                       {'C', "42P01"},
                       {'M', "relation \"nope\" does not exist"},
                       {'P', "15"}};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    for (int notice = 0; notice < 2; notice++) {
        pgw_buf_reset(&b);
        assert_int_equal(notice ? pgw_build_notice_response(&b, in, 5)
                                : pgw_build_error_response(&b, in, 5),
                         PGW_OK);
        pgw_frame f = only_frame(&b);
        assert_int_equal(f.tag, notice ? 'N' : 'E');
        pgw_field_iter it;
        pgw_field out;
        assert_int_equal(pgw_fields_begin(&f, &it), PGW_OK);
        for (size_t i = 0; i < 5; i++) {
            assert_int_equal(pgw_fields_next(&it, &out), PGW_OK);
            assert_int_equal(out.code, in[i].code);
            assert_string_equal(out.value, in[i].value);
        }
        assert_int_equal(pgw_fields_next(&it, &out), PGW_END);
    }
    pgw_buf_free(&b);
}

static void test_build_copy_responses_round_trip(void **state)
{
    pgw_status (*fns[3])(pgw_buf *, int8_t, const int16_t *, size_t) = {
        pgw_build_copy_in_response, pgw_build_copy_out_response, pgw_build_copy_both_response};
    const char tags[3] = {'G', 'H', 'W'};
    const int16_t cols[3] = {1, 1, 0};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    for (size_t i = 0; i < 3; i++) {
        pgw_buf_reset(&b);
        assert_int_equal(fns[i](&b, 1, cols, 3), PGW_OK);
        pgw_frame f = only_frame(&b);
        assert_int_equal(f.tag, tags[i]);
        int8_t format;
        uint16_t n;
        const uint8_t *view;
        assert_int_equal(pgw_parse_copy_response(&f, &format, &n, &view), PGW_OK);
        assert_int_equal(format, 1);
        assert_int_equal(n, 3);
        for (uint16_t c = 0; c < 3; c++)
            assert_int_equal(pgw_copy_response_format(view, c), cols[c]);
    }
    pgw_buf_free(&b);
}

static void test_build_small_messages_round_trip(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);

    assert_int_equal(pgw_build_command_complete(&b, "INSERT 0 5"), PGW_OK);
    pgw_frame f = only_frame(&b);
    const char *tag;
    size_t len;
    assert_int_equal(pgw_parse_command_complete(&f, &tag, &len), PGW_OK);
    assert_string_equal(tag, "INSERT 0 5");
    assert_int_equal(len, 10);

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_parameter_status(&b, "TimeZone", "Europe/Paris"), PGW_OK);
    f = only_frame(&b);
    const char *name, *value;
    assert_int_equal(pgw_parse_parameter_status(&f, &name, &value), PGW_OK);
    assert_string_equal(name, "TimeZone");
    assert_string_equal(value, "Europe/Paris");

    const char st[3] = {'I', 'T', 'E'};
    for (size_t i = 0; i < 3; i++) {
        pgw_buf_reset(&b);
        assert_int_equal(pgw_build_ready_for_query(&b, st[i]), PGW_OK);
        f = only_frame(&b);
        char got;
        assert_int_equal(pgw_parse_ready_for_query(&f, &got), PGW_OK);
        assert_int_equal(got, st[i]);
    }

    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_notification_response(&b, -7, "jobs", ""), PGW_OK);
    f = only_frame(&b);
    int32_t pid;
    const char *ch, *pl;
    assert_int_equal(pgw_parse_notification_response(&f, &pid, &ch, &pl), PGW_OK);
    assert_int_equal(pid, -7);
    assert_string_equal(ch, "jobs");
    assert_string_equal(pl, "");

    pgw_buf_reset(&b);
    const uint32_t oids[3] = {23, 25, 4294967295u};
    assert_int_equal(pgw_build_parameter_description(&b, oids, 3), PGW_OK);
    f = only_frame(&b);
    uint32_t got_oids[3];
    uint16_t n;
    assert_int_equal(pgw_parse_parameter_description(&f, got_oids, 3, &n), PGW_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(got_oids, oids, sizeof oids);

    pgw_buf_reset(&b);
    pgw_bytes v = {"\x00\x01", 2};
    assert_int_equal(pgw_build_function_call_response(&b, &v), PGW_OK);
    f = only_frame(&b);
    pgw_value out;
    assert_int_equal(pgw_parse_function_call_response(&f, &out), PGW_OK);
    assert_int_equal(out.len, 2);
    assert_memory_equal(out.ptr, "\x00\x01", 2);
    pgw_buf_reset(&b);
    assert_int_equal(pgw_build_function_call_response(&b, NULL), PGW_OK);
    f = only_frame(&b);
    assert_int_equal(pgw_parse_function_call_response(&f, &out), PGW_OK);
    assert_int_equal(out.len, -1);

    pgw_buf_reset(&b);
    const char *opts[2] = {"_pq_.compression", "_pq_.x"};
    assert_int_equal(pgw_build_negotiate_protocol_version(&b, 0, opts, 2), PGW_OK);
    f = only_frame(&b);
    int32_t minor;
    uint32_t nopt;
    size_t pos;
    assert_int_equal(pgw_parse_negotiate_protocol_version(&f, &minor, &nopt, &pos), PGW_OK);
    assert_int_equal(minor, 0);
    assert_int_equal(nopt, 2);
    const char *o;
    assert_int_equal(pgw_cstrings_next(&f, &pos, &o), PGW_OK);
    assert_string_equal(o, "_pq_.compression");
    assert_int_equal(pgw_cstrings_next(&f, &pos, &o), PGW_OK);
    assert_string_equal(o, "_pq_.x");
    assert_int_equal(pgw_cstrings_next(&f, &pos, &o), PGW_END);
    pgw_buf_free(&b);
}

/* ---- captured PostgreSQL 15 server streams ------------------------------ */

/* Parse one captured backend message and rebuild it with the builders. */
static void rebuild(const pgw_frame *f, pgw_buf *b)
{
    switch (f->tag) {
    case 'R': {
        int32_t code;
        const uint8_t *data;
        size_t len;
        assert_int_equal(pgw_parse_authentication(f, &code, &data, &len), PGW_OK);
        if (code == PGW_AUTH_SASL) {
            const char *m[8];
            size_t n = 0, pos = 0;
            while (n < 8 && pgw_sasl_mechanisms_next(data, len, &pos, &m[n]) == PGW_OK)
                n++;
            assert_int_equal(pgw_build_auth_sasl(b, m, n), PGW_OK);
        } else if (code == PGW_AUTH_SASL_CONTINUE) {
            assert_int_equal(pgw_build_auth_sasl_continue(b, data, len), PGW_OK);
        } else if (code == PGW_AUTH_SASL_FINAL) {
            assert_int_equal(pgw_build_auth_sasl_final(b, data, len), PGW_OK);
        } else if (code == PGW_AUTH_OK) {
            assert_int_equal(pgw_build_auth_ok(b), PGW_OK);
        } else {
            assert_int_equal(pgw_build_auth_request(b, code, data, len), PGW_OK);
        }
        break;
    }
    case 'S': {
        const char *n, *v;
        assert_int_equal(pgw_parse_parameter_status(f, &n, &v), PGW_OK);
        assert_int_equal(pgw_build_parameter_status(b, n, v), PGW_OK);
        break;
    }
    case 'K': {
        int32_t pid;
        const uint8_t *key;
        size_t klen;
        assert_int_equal(pgw_parse_backend_key_data(f, &pid, &key, &klen), PGW_OK);
        assert_int_equal(pgw_build_backend_key_data(b, pid, key, klen), PGW_OK);
        break;
    }
    case 'Z': {
        char st;
        assert_int_equal(pgw_parse_ready_for_query(f, &st), PGW_OK);
        assert_int_equal(pgw_build_ready_for_query(b, st), PGW_OK);
        break;
    }
    case 'T': {
        pgw_column_desc cols[64];
        uint16_t n;
        assert_int_equal(pgw_parse_row_description(f, cols, 64, &n), PGW_OK);
        assert_int_equal(pgw_build_row_description(b, cols, n), PGW_OK);
        break;
    }
    case 'D': {
        pgw_value vals[64];
        pgw_bytes out[64];
        uint16_t n;
        assert_int_equal(pgw_parse_data_row(f, vals, 64, &n), PGW_OK);
        for (uint16_t i = 0; i < n; i++) {
            out[i].data = vals[i].len < 0 ? NULL : (const void *)vals[i].ptr;
            out[i].len = vals[i].len < 0 ? 0 : (size_t)vals[i].len;
            if (vals[i].len == 0)
                out[i].data = "";
        }
        assert_int_equal(pgw_build_data_row(b, out, n), PGW_OK);
        break;
    }
    case 'C': {
        const char *tag;
        size_t len;
        assert_int_equal(pgw_parse_command_complete(f, &tag, &len), PGW_OK);
        assert_int_equal(pgw_build_command_complete(b, tag), PGW_OK);
        break;
    }
    case 'E':
    case 'N': {
        pgw_field fields[32];
        size_t n = 0;
        pgw_field_iter it;
        assert_int_equal(pgw_fields_begin(f, &it), PGW_OK);
        while (n < 32 && pgw_fields_next(&it, &fields[n]) == PGW_OK)
            n++;
        assert_int_equal(f->tag == 'E' ? pgw_build_error_response(b, fields, n)
                                       : pgw_build_notice_response(b, fields, n),
                         PGW_OK);
        break;
    }
    case 'G':
    case 'H':
    case 'W': {
        int8_t format;
        uint16_t n;
        const uint8_t *view;
        int16_t cols[64];
        assert_int_equal(pgw_parse_copy_response(f, &format, &n, &view), PGW_OK);
        assert_true(n <= 64);
        for (uint16_t i = 0; i < n; i++)
            cols[i] = pgw_copy_response_format(view, i);
        pgw_status rc = f->tag == 'G'   ? pgw_build_copy_in_response(b, format, cols, n)
                        : f->tag == 'H' ? pgw_build_copy_out_response(b, format, cols, n)
                                        : pgw_build_copy_both_response(b, format, cols, n);
        assert_int_equal(rc, PGW_OK);
        break;
    }
    case 'A': {
        int32_t pid;
        const char *ch, *pl;
        assert_int_equal(pgw_parse_notification_response(f, &pid, &ch, &pl), PGW_OK);
        assert_int_equal(pgw_build_notification_response(b, pid, ch, pl), PGW_OK);
        break;
    }
    case 't': {
        uint32_t oids[64];
        uint16_t n;
        assert_int_equal(pgw_parse_parameter_description(f, oids, 64, &n), PGW_OK);
        assert_int_equal(pgw_build_parameter_description(b, oids, n), PGW_OK);
        break;
    }
    case 'd':
        assert_int_equal(pgw_build_copy_data(b, f->body, f->len), PGW_OK);
        break;
    case 'c':
    case '1':
    case '2':
    case '3':
    case 'n':
    case 'I':
    case 's': {
        assert_int_equal(pgw_parse_empty(f), PGW_OK);
        pgw_status rc = f->tag == 'c'   ? pgw_build_copy_done(b)
                        : f->tag == '1' ? pgw_build_parse_complete(b)
                        : f->tag == '2' ? pgw_build_bind_complete(b)
                        : f->tag == '3' ? pgw_build_close_complete(b)
                        : f->tag == 'n' ? pgw_build_no_data(b)
                        : f->tag == 'I' ? pgw_build_empty_query_response(b)
                                        : pgw_build_portal_suspended(b);
        assert_int_equal(rc, PGW_OK);
        break;
    }
    default:
        fail_msg("captured backend message with unexpected tag '%c'", f->tag);
    }
}

static void rebuild_stream(const char *name)
{
    ps_stream s;
    ps_stream_load(&s, name, 0);
    assert_true(s.n > 5);
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

static void test_build_rebuilds_captured_simple_session(void **state)
{
    rebuild_stream("pg15_simple_session.be.hex");
}

static void test_build_rebuilds_captured_extended_session(void **state)
{
    rebuild_stream("pg15_extended.be.hex");
}

static void test_build_rebuilds_captured_copy_session(void **state)
{
    rebuild_stream("pg15_copy_in.be.hex");
}

/* ---- refused arguments: nothing written --------------------------------- */

static void test_build_bad_arguments_are_invalid_and_write_nothing(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_auth_ok(&b), PGW_OK);
    size_t before = b.len;
    const char *empty_mech[] = {"SCRAM-SHA-256", ""};
    const char *null_mech[] = {NULL};
    const uint8_t key[300] = {0};
    const int16_t bad_cols[2] = {0, 2};
    pgw_bytes one = {"x", 1};
    pgw_column_desc no_name = {NULL, 0, 0, 23, 4, -1, 0};
    pgw_column_desc bad_fmt = {"c", 0, 0, 23, 4, -1, 2};
    pgw_field zero_code = {0, "x"};
    pgw_field null_value = {'M', NULL};
    const char *null_opt[] = {NULL};
    const uint32_t one_oid[1] = {23};

    assert_int_equal(pgw_build_auth_md5_password(&b, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_build_auth_sasl(&b, empty_mech, 2), PGW_E_INVALID);
    assert_int_equal(pgw_build_auth_sasl(&b, null_mech, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_auth_sasl(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_auth_sasl_continue(&b, NULL, 3), PGW_E_INVALID);
    assert_int_equal(pgw_build_auth_request(&b, 7, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_backend_key_data(&b, 1, key, 3), PGW_E_INVALID);
    assert_int_equal(pgw_build_backend_key_data(&b, 1, key, 257), PGW_E_INVALID);
    assert_int_equal(pgw_build_backend_key_data(&b, 1, NULL, 4), PGW_E_INVALID);
    assert_int_equal(pgw_build_command_complete(&b, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_build_copy_in_response(&b, 2, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_copy_out_response(&b, -1, NULL, 0), PGW_E_INVALID);
    assert_int_equal(pgw_build_copy_both_response(&b, 0, bad_cols, 2), PGW_E_INVALID);
    assert_int_equal(pgw_build_copy_in_response(&b, 0, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_copy_in_response(&b, 0, bad_cols, 65536), PGW_E_INVALID);
    assert_int_equal(pgw_build_data_row(&b, &one, 65536), PGW_E_INVALID);
    assert_int_equal(pgw_build_data_row(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_error_response(&b, &zero_code, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_notice_response(&b, &null_value, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_error_response(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_negotiate_protocol_version(&b, 0, null_opt, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_negotiate_protocol_version(&b, 0, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_notification_response(&b, 1, NULL, ""), PGW_E_INVALID);
    assert_int_equal(pgw_build_notification_response(&b, 1, "c", NULL), PGW_E_INVALID);
    assert_int_equal(pgw_build_parameter_description(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_parameter_description(&b, one_oid, 65536), PGW_E_INVALID);
    assert_int_equal(pgw_build_parameter_status(&b, NULL, "v"), PGW_E_INVALID);
    assert_int_equal(pgw_build_parameter_status(&b, "n", NULL), PGW_E_INVALID);
    assert_int_equal(pgw_build_ready_for_query(&b, 'X'), PGW_E_INVALID);
    assert_int_equal(pgw_build_ready_for_query(&b, '\0'), PGW_E_INVALID);
    assert_int_equal(pgw_build_row_description(&b, &no_name, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_row_description(&b, &bad_fmt, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_row_description(&b, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_build_row_description(&b, &bad_fmt, 65536), PGW_E_INVALID);
    assert_int_equal(pgw_build_ssl_response(&b, 'n'), PGW_E_INVALID);
    assert_int_equal(b.len, before);
    assert_int_equal(pgw_buf_status(&b), PGW_OK);
    pgw_buf_free(&b);
}

/* Sizes that cannot fit the int32 length word are refused before any byte
 * is appended or any memory reserved: the data pointers below are never
 * read past their first byte. */
static void test_build_oversize_is_too_large_and_writes_nothing(void **state)
{
    static const uint8_t tiny[1] = {0};
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_auth_ok(&b), PGW_OK);
    size_t before = b.len;

    pgw_bytes huge = {tiny, (size_t)INT32_MAX + 1};
    assert_int_equal(pgw_build_data_row(&b, &huge, 1), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_function_call_response(&b, &huge), PGW_E_TOO_LARGE);
    pgw_bytes halves[2] = {{tiny, 0x40000000}, {tiny, 0x40000000}};
    assert_int_equal(pgw_build_data_row(&b, halves, 2), PGW_E_TOO_LARGE);
    /* body = 4 + len must stay within INT32_MAX - 4 */
    assert_int_equal(pgw_build_auth_sasl_continue(&b, tiny, (size_t)INT32_MAX - 7),
                     PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_auth_request(&b, 7, tiny, SIZE_MAX), PGW_E_TOO_LARGE);
    assert_int_equal(b.len, before);
    assert_int_equal(b.cap < 4096, true);
    assert_int_equal(pgw_buf_status(&b), PGW_OK);
    pgw_buf_free(&b);
}

static void test_build_buffer_limit_rolls_back(void **state)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 16);
    assert_int_equal(pgw_build_auth_ok(&b), PGW_OK); /* 9 bytes */
    assert_int_equal(pgw_build_parameter_status(&b, "client_encoding", "UTF8"),
                     PGW_E_TOO_LARGE);
    assert_int_equal(b.len, 9);
    assert_memory_equal(b.data, "R\0\0\0\x08\0\0\0\0", 9);
    /* sticky: later builders fail without writing */
    assert_int_equal(pgw_build_no_data(&b), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_build_ssl_response(&b, 'N'), PGW_E_TOO_LARGE);
    assert_int_equal(b.len, 9);
    pgw_buf_free(&b);
}

static void test_build_allocation_failure_rolls_back_without_leak(void **state)
{
    for (size_t fail_at = 1; fail_at <= 3; fail_at++) {
        failing_alloc fa;
        failing_alloc_init(&fa, fail_at);
        pgw_buf b;
        pgw_buf_init(&b, failing_alloc_get(&fa), 0);
        pgw_status first = pgw_build_ready_for_query(&b, 'I');
        size_t after_first = b.len;
        static uint8_t big[5000];
        pgw_bytes v = {big, sizeof big};
        pgw_status second = pgw_build_data_row(&b, &v, 1);
        if (fail_at == 1) {
            assert_int_equal(first, PGW_E_NOMEM);
            assert_int_equal(after_first, 0);
        } else {
            assert_int_equal(first, PGW_OK);
            assert_int_equal(after_first, 6);
        }
        if (fail_at == 2) {
            assert_int_equal(second, PGW_E_NOMEM);
            assert_int_equal(b.len, 6);
        }
        if (fail_at == 3)
            assert_int_equal(second, PGW_OK);
        assert_true(fa.failures <= 1);
        pgw_buf_free(&b);
        assert_true(failing_alloc_clean(&fa));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_auth_requests_exact_bytes),
        cmocka_unit_test(test_build_empty_messages_exact_bytes),
        cmocka_unit_test(test_build_ssl_response_is_one_byte),
        cmocka_unit_test(test_build_data_row_null_and_empty_exact_bytes),
        cmocka_unit_test(test_build_auth_round_trips),
        cmocka_unit_test(test_build_backend_key_data_round_trips),
        cmocka_unit_test(test_build_row_description_round_trips),
        cmocka_unit_test(test_build_data_row_round_trips),
        cmocka_unit_test(test_build_error_and_notice_round_trip),
        cmocka_unit_test(test_build_copy_responses_round_trip),
        cmocka_unit_test(test_build_small_messages_round_trip),
        cmocka_unit_test(test_build_rebuilds_captured_simple_session),
        cmocka_unit_test(test_build_rebuilds_captured_extended_session),
        cmocka_unit_test(test_build_rebuilds_captured_copy_session),
        cmocka_unit_test(test_build_bad_arguments_are_invalid_and_write_nothing),
        cmocka_unit_test(test_build_oversize_is_too_large_and_writes_nothing),
        cmocka_unit_test(test_build_buffer_limit_rolls_back),
        cmocka_unit_test(test_build_allocation_failure_rolls_back_without_leak),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
