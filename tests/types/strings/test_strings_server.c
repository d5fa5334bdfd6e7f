/* The strings codec family against the real server: for a corpus of edge
 * values of every type, the server's binary form (via the type's send
 * function, hex-encoded) and its text output are fetched with the simple
 * protocol, and
 *   render(bin) == text                      (under bytea_output hex and escape)
 *   encode_bin(decode_bin(bin)) == bin
 *   decode_text(text) == decode_bin(bin)
 *   encode_text(decode_bin(bin)) == text. */
#include <stdbool.h>
#include <stdint.h>

#include "pgwire/render.h"
#include "pgwire/types_strings.h"

#include "../../integration/pgtest.h"

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

static void unhex(const char *p, size_t len, pgw_buf *out)
{
    assert_int_equal(len % 2, 0);
    for (size_t i = 0; i < len; i += 2)
        assert_int_equal(pgw_buf_put_u8(out, (uint8_t)(hexval(p[i]) << 4 | hexval(p[i + 1]))),
                         PGW_OK);
}

static void assert_same(const pgw_buf *got, const char *want, size_t wlen, const char *what)
{
    if (got->len != wlen || (wlen && memcmp(got->data, want, wlen) != 0))
        fail_msg("%s: got [%.*s] want [%.*s]", what, (int)got->len,
                 got->data ? (const char *)got->data : "", (int)wlen, want);
}

/* The per-type codec checks; text is the server's output of the value. */
static void check_codecs(uint32_t oid, const uint8_t *bin, size_t blen, const char *text,
                         size_t tlen, bool bytea_escape)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    switch (oid) {
    case PGW_OID_CHAR: {
        uint8_t v, t;
        assert_int_equal(pgw_decode_char_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(pgw_decode_char_text(text, tlen, &t), PGW_OK);
        assert_int_equal(v, t);
        assert_int_equal(pgw_encode_char_text(&b, v), PGW_OK);
        assert_same(&b, text, tlen, "char text");
        pgw_buf_reset(&b);
        assert_int_equal(pgw_encode_char_bin(&b, v), PGW_OK);
        assert_same(&b, (const char *)bin, blen, "char bin");
        break;
    }
    case PGW_OID_BYTEA:
        assert_int_equal(pgw_decode_bytea_text(text, tlen, &b), PGW_OK);
        assert_same(&b, (const char *)bin, blen, "bytea decode text");
        pgw_buf_reset(&b);
        assert_int_equal(pgw_encode_bytea_text(&b, bin, blen, bytea_escape), PGW_OK);
        assert_same(&b, text, tlen, "bytea encode text");
        break;
    case PGW_OID_UUID: {
        pgw_uuid v, t;
        assert_int_equal(pgw_decode_uuid_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(pgw_decode_uuid_text(text, tlen, &t), PGW_OK);
        assert_memory_equal(v.b, t.b, 16);
        assert_int_equal(pgw_encode_uuid_text(&b, v), PGW_OK);
        assert_same(&b, text, tlen, "uuid text");
        pgw_buf_reset(&b);
        assert_int_equal(pgw_encode_uuid_bin(&b, v), PGW_OK);
        assert_same(&b, (const char *)bin, blen, "uuid bin");
        break;
    }
    case PGW_OID_JSONB:
    case PGW_OID_JSONPATH: {
        const char *t;
        size_t tl;
        assert_int_equal(oid == PGW_OID_JSONB ? pgw_decode_jsonb_bin(bin, blen, &t, &tl)
                                              : pgw_decode_jsonpath_bin(bin, blen, &t, &tl),
                         PGW_OK);
        assert_int_equal(tl, tlen);
        assert_memory_equal(t, text, tl);
        assert_int_equal(oid == PGW_OID_JSONB ? pgw_encode_jsonb_bin(&b, text, tlen)
                                              : pgw_encode_jsonpath_bin(&b, text, tlen),
                         PGW_OK);
        assert_same(&b, (const char *)bin, blen, "json bin");
        break;
    }
    case PGW_OID_INET:
    case PGW_OID_CIDR: {
        pgw_inet v, t;
        assert_int_equal(pgw_decode_inet_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(v.is_cidr, oid == PGW_OID_CIDR);
        pgw_status rc = oid == PGW_OID_CIDR ? pgw_decode_cidr_text(text, tlen, &t)
                                            : pgw_decode_inet_text(text, tlen, &t);
        if (rc != PGW_OK)
            fail_msg("decode text [%.*s]: %d", (int)tlen, text, rc);
        assert_memory_equal(&v, &t, sizeof v);
        assert_int_equal(pgw_encode_inet_text(&b, v), PGW_OK);
        assert_same(&b, text, tlen, "inet text");
        pgw_buf_reset(&b);
        assert_int_equal(pgw_encode_inet_bin(&b, v), PGW_OK);
        assert_same(&b, (const char *)bin, blen, "inet bin");
        break;
    }
    case PGW_OID_MACADDR: {
        pgw_macaddr v, t;
        assert_int_equal(pgw_decode_macaddr_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(pgw_decode_macaddr_text(text, tlen, &t), PGW_OK);
        assert_memory_equal(v.b, t.b, 6);
        assert_int_equal(pgw_encode_macaddr_text(&b, v), PGW_OK);
        assert_same(&b, text, tlen, "macaddr text");
        pgw_buf_reset(&b);
        assert_int_equal(pgw_encode_macaddr_bin(&b, v), PGW_OK);
        assert_same(&b, (const char *)bin, blen, "macaddr bin");
        break;
    }
    case PGW_OID_MACADDR8: {
        pgw_macaddr8 v, t;
        assert_int_equal(pgw_decode_macaddr8_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(pgw_decode_macaddr8_text(text, tlen, &t), PGW_OK);
        assert_memory_equal(v.b, t.b, 8);
        assert_int_equal(pgw_encode_macaddr8_text(&b, v), PGW_OK);
        assert_same(&b, text, tlen, "macaddr8 text");
        pgw_buf_reset(&b);
        assert_int_equal(pgw_encode_macaddr8_bin(&b, v), PGW_OK);
        assert_same(&b, (const char *)bin, blen, "macaddr8 bin");
        break;
    }
    case PGW_OID_BIT:
    case PGW_OID_VARBIT: {
        pgw_bits v;
        assert_int_equal(pgw_decode_bit_bin(bin, blen, &v), PGW_OK);
        size_t n = 0;
        assert_int_equal(pgw_decode_bit_text(text, tlen, &b, &n), PGW_OK);
        assert_int_equal(n, v.nbits);
        assert_same(&b, (const char *)bin + 4, blen - 4, "bit decode text");
        pgw_buf_reset(&b);
        assert_int_equal(pgw_encode_bit_text(&b, v), PGW_OK);
        assert_same(&b, text, tlen, "bit text");
        pgw_buf_reset(&b);
        assert_int_equal(pgw_encode_bit_bin(&b, v), PGW_OK);
        assert_same(&b, (const char *)bin, blen, "bit bin");
        break;
    }
    default:
        break; /* text-like: the binary form is the text, checked by render */
    }
    pgw_buf_free(&b);
}

/* Run `SELECT encode(send(v),'hex'), v FROM (<values>) t(v)` and check
 * every row; returns the row count. */
static size_t check_query(pgw_conn *c, const char *send, const char *values, bool bytea_escape)
{
    char sql[16384];
    snprintf(sql, sizeof sql, "SELECT encode(%s(v), 'hex'), v FROM (%s) t(v)", send, values);
    pgw_cursor *cur = NULL;
    if (pgw_query(c, sql, &cur) != PGW_OK)
        fail_msg("query failed: %s\n%s", pgw_conn_errmsg(c), sql);
    uint32_t oid = pgw_cursor_column_type(cur, 1);
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    ctx.bytea_escape = bytea_escape;
    assert_true(pgw_render_bin_supported(oid, &ctx));
    size_t rows = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        const char *hex, *text;
        size_t hlen, tlen;
        assert_int_equal(pgw_cursor_text(cur, 0, &hex, &hlen), PGW_OK);
        assert_int_equal(pgw_cursor_text(cur, 1, &text, &tlen), PGW_OK);
        pgw_buf bin, out;
        pgw_buf_init(&bin, NULL, 0);
        pgw_buf_init(&out, NULL, 0);
        unhex(hex, hlen, &bin);
        static const uint8_t none[1];
        const uint8_t *bp = bin.len ? bin.data : none;
        rc = pgw_render_bin(&out, oid, bp, bin.len, &ctx);
        if (rc != PGW_OK)
            fail_msg("render %s [%.*s]: %d", send, (int)hlen, hex, rc);
        assert_same(&out, text, tlen, send);
        check_codecs(oid, bp, bin.len, text, tlen, bytea_escape);
        pgw_buf_free(&bin);
        pgw_buf_free(&out);
        rows++;
    }
    assert_int_equal(rc, PGW_END);
    pgw_cursor_free(cur);
    return rows;
}

static const struct {
    const char *send;
    const char *values;
} corpus[] = {
    {"textsend",
     "VALUES (''), ('abc'), ('it''s'), (E'back\\\\slash'), ('h\xc3\xa9llo'), "
     "('\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e'), (E'tab\\there\\nnl'), (repeat('x', 5000)), "
     "('\xf0\x9f\x98\x80')"},
    {"varcharsend", "VALUES ('a'::varchar), ('x y'::varchar(10)), (''::varchar)"},
    {"bpcharsend", "VALUES ('ab'::char(5)), ('x'::char), (''::char(3))"},
    {"namesend", "VALUES ('pg_catalog'::name), (''::name), (repeat('n', 70)::name)"},
    {"json_send", "VALUES ('{\"a\": [1, 2]}'::json), ('  \"s\" '::json), ('null'::json)"},
    {"xml_send", "VALUES ('<a>x</a>'::xml), ('text'::xml)"},
    {"charsend", "SELECT ('\\' || (i >> 6) || ((i >> 3) & 7) || (i & 7))::\"char\" "
                 "FROM generate_series(0, 255) i"},
    {"byteasend", "VALUES ('\\x'::bytea), ('\\x00ff'), ('abc\\\\'), ('\\000'), "
                  "(decode(repeat('00', 3), 'hex')), ((SELECT string_agg(set_byte('\\x00'::bytea, "
                  "0, i), '') FROM generate_series(0, 255) i))"},
    {"uuid_send",
     "VALUES ('a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid), "
     "('{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A11}'), ('00000000000000000000000000000000'), "
     "('ffffffff-ffff-ffff-ffff-ffffffffffff')"},
    {"jsonb_send", "VALUES ('{\"b\": 1, \"a\": [true, null, \"x\\\"y\"]}'::jsonb), ('\"str\"'), "
                   "('1e100'), ('[]'), ('{}'), ('\"\\u00e9\"'), ('-0.0')"},
    {"jsonpath_send", "VALUES ('$.a[*] ? (@ > 1)'::jsonpath), ('strict $.\"key\"'), ('$'), "
                      "('$.a.b[1 to last]')"},
    {"inet_send",
     "VALUES ('::1'::inet), ('1:0:2:3:4:5:6:7'), ('1:0:0:2::'), ('::ffff:1.2.3.4'), "
     "('::1.2.3.4'), ('::1:0'), ('0:0:0:0:0:ffff:0:0'), ('1::'), ('::'), ('1:0:0:1:0:0:1:1'), "
     "('10/8'), ('10.1.2.3/8'), ('::ffff:1.2.3.4/120'), ('::/0'), ('0.0.0.0/0'), ('::0.0.1.0'), "
     "('::1:2:3:4:5:6'), ('::ffff:0:1.2.3.4'), ('0:0:1::'), ('::ffff'), ('1.2.3.4'), "
     "('255.255.255.255/32'), ('fe80::202:b3ff:fe1e:8329/64'), ('2001:db8::1'), "
     "('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), ('1:2:3:4:5:6:1.2.3.4'), ('::ffff:0.0.0.0'), "
     "('0:0:0:0:0:0:0:1/127'), ('1:2::3:0:0:4'), ('1:0:0:2:0:0:0:3')"},
    /* 400 pseudo-random IPv6 addresses with many zero and ffff groups,
     * to exercise the zero-compression and embedded-IPv4 rules. */
    {"inet_send", "SELECT (array_to_string(ARRAY(SELECT CASE WHEN get_byte(h, g) < 140 THEN '0' "
                  "WHEN get_byte(h, g) < 160 THEN 'ffff' ELSE substr(md5(i || '/' || g), 1, "
                  "1 + get_byte(h, g) % 4) END FROM generate_series(0, 7) g), ':') || '/' || "
                  "(CASE WHEN i % 3 = 0 THEN 128 ELSE i % 129 END))::inet "
                  "FROM (SELECT i, decode(md5(i::text), 'hex') AS h FROM generate_series(1, 400) i) x"},
    {"cidr_send", "SELECT network((array_to_string(ARRAY(SELECT CASE WHEN get_byte(h, g) < 140 "
                  "THEN '0' ELSE substr(md5(i || '/' || g), 1, 4) END FROM generate_series(0, 7) g), "
                  "':') || '/' || (i % 129))::inet) "
                  "FROM (SELECT i, decode(md5(i::text), 'hex') AS h FROM generate_series(1, 200) i) x"},
    {"inet_send", "SELECT (get_byte(h, 0) || '.' || get_byte(h, 1) || '.' || get_byte(h, 2) || '.' "
                  "|| get_byte(h, 3) || '/' || (i % 33))::inet "
                  "FROM (SELECT i, decode(md5(i::text), 'hex') AS h FROM generate_series(1, 100) i) x"},
    {"cidr_send", "VALUES ('10'::cidr), ('10.1/16'), ('192.168.1'), ('224'), ('128.1'), "
                  "('::/0'), ('1.2.3.4'), ('2001:db8::/32'), ('0.0.0.0/0'), ('::1/128'), "
                  "('::ffff:1.2.3.0/120'), ('240')"},
    {"macaddr_send", "VALUES ('08:00:2b:01:02:03'::macaddr), ('FF-FF-FF-FF-FF-FF'), "
                     "('000000000000'), ('0800.2b01.0203')"},
    {"macaddr8_send", "VALUES ('08:00:2b:01:02:03:04:05'::macaddr8), ('08:00:2b:01:02:03'), "
                      "('ffffffffffffffff')"},
    {"bit_send", "VALUES (B'101'::bit(3)), (B'1'::bit), (B'11111111'::bit(8)), "
                 "(B'101010101'::bit(9)), (X'1F'::bit(8))"},
    {"varbit_send", "VALUES (''::varbit), ('1'::varbit), ('0000000000000001'), "
                    "('10101010101'), (repeat('1', 1000)::varbit)"},
};

static void run_corpus(bool bytea_escape)
{
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_exec(c, "SET client_encoding = 'UTF8'", NULL), PGW_OK);
    assert_int_equal(
        pgw_exec(c, bytea_escape ? "SET bytea_output = escape" : "SET bytea_output = hex", NULL),
        PGW_OK);
    size_t total = 0;
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        size_t n = check_query(c, corpus[i].send, corpus[i].values, bytea_escape);
        if (n == 0)
            fail_msg("%s: no rows", corpus[i].send);
        total += n;
    }
    assert_true(total > 1000);
    pgw_close(c);
}

static void test_strings_server_corpus_bytea_hex(void **s)
{
    run_corpus(false);
}

static void test_strings_server_corpus_bytea_escape(void **s)
{
    run_corpus(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_server_corpus_bytea_hex),
        cmocka_unit_test(test_strings_server_corpus_bytea_escape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
