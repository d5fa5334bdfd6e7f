/* The numbers codecs against the real server: for a corpus of values (edge
 * cases, every power of two, seeded random values) under several
 * extra_float_digits settings, the server sends `encode(xxx_send(v),'hex')`
 * and its text output over the simple protocol, and for each value
 *   render(bin) == text, encode_bin(decode_bin(bin)) == bin,
 *   encode_text(decode_bin(bin)) == text, decode_text(text) == decode_bin(bin)
 * (the last only where the text is exact). */
#include <math.h>

#include "../../integration/pgtest.h"

static size_t unhex(const char *h, size_t hl, uint8_t *out, size_t cap)
{
    size_t n = hl / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = h[2 * i + (size_t)k];
            v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
    return n;
}

static void exec_ok(pgw_conn *c, const char *sql)
{
    pgw_status rc = pgw_exec(c, sql, NULL);
    if (rc != PGW_OK)
        fail_msg("%s: %s (%s)", sql, pgw_status_name(rc), pgw_conn_errmsg(c));
}

static void expect_text(const pgw_buf *b, const char *p, size_t len, const char *what)
{
    if (b->len != len || memcmp(b->data, p, len) != 0)
        fail_msg("%s: server \"%.*s\", pgwire \"%.*s\"", what, (int)(len > 200 ? 200 : len), p,
                 (int)(b->len > 200 ? 200 : b->len), (const char *)b->data);
}

/* A row's column as (p, len); NULL as (NULL, 0). */
static void col(pgw_cursor *cur, uint16_t i, const char **p, size_t *len)
{
    pgw_status rc = pgw_cursor_text(cur, i, p, len);
    if (rc == PGW_E_NULL) {
        *p = NULL;
        *len = 0;
        return;
    }
    assert_int_equal(rc, PGW_OK);
}

static const char *float8_corpus =
    "SELECT encode(float8send(v),'hex'), v::text FROM ("
    " SELECT (random()-0.5) * 10.0::float8 ^ (trunc(random()*44)-22) FROM generate_series(1,2000)"
    " UNION ALL SELECT random() * 10.0::float8 ^ (trunc(random()*600)-300) FROM generate_series(1,1000)"
    " UNION ALL SELECT power(2::float8, g) FROM generate_series(-1074,1023) g"
    " UNION ALL SELECT -3 * power(2::float8, g) FROM generate_series(-1000,1000,7) g"
    " UNION ALL SELECT g::float8 FROM generate_series(-1000,1000) g"
    " UNION ALL SELECT 10.0::float8 ^ g FROM generate_series(-307,308) g"
    " UNION ALL SELECT 1.5 * 10.0::float8 ^ g FROM generate_series(-300,300) g"
    " UNION ALL SELECT (random() * 2^62)::int8::float8 FROM generate_series(1,500)"
    " UNION ALL VALUES ('NaN'::float8), ('Infinity'), ('-Infinity'), ('-0'), (0), (5e-324),"
    "  (1.7976931348623157e308), (2.2250738585072014e-308), (2.225073858507201e-308), (0.1),"
    "  (0.1::float8 + 0.2), (123456789012345678), (1e15), (1e14), (999999999999999),"
    "  (9007199254740993), (1.2345678901234567e-05), (4.35e-05), (1e-4), (9.5e-5)"
    ") t(v)";

static void run_float8(pgw_conn *c, int efd)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SET extra_float_digits = %d", efd);
    exec_ok(c, sql);
    exec_ok(c, "SELECT setseed(0.25)");
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    ctx.extra_float_digits = efd;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, float8_corpus, &cur), PGW_OK);
    size_t rows = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        const char *hex, *txt;
        size_t hl, tl;
        col(cur, 0, &hex, &hl);
        col(cur, 1, &txt, &tl);
        uint8_t bin[8];
        size_t bl = unhex(hex, hl, bin, sizeof bin);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_render_bin(&out, PGW_OID_FLOAT8, bin, bl, &ctx), PGW_OK);
        expect_text(&out, txt, tl, "render float8");
        double d;
        assert_int_equal(pgw_decode_float8_bin(bin, bl, &d), PGW_OK);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float8_bin(&out, d), PGW_OK);
        assert_int_equal(out.len, 8);
        assert_memory_equal(out.data, bin, 8);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float8_text(&out, d, efd), PGW_OK);
        expect_text(&out, txt, tl, "encode_float8_text");
        if (efd >= 1) {
            double t;
            assert_int_equal(pgw_decode_float8_text(txt, tl, &t), PGW_OK);
            assert_true((isnan(t) && isnan(d)) || memcmp(&t, &d, sizeof d) == 0);
        }
        rows++;
    }
    assert_int_equal(rc, PGW_END);
    assert_true(rows > 7000);
    pgw_cursor_free(cur);
    pgw_buf_free(&out);
}

static const char *float4_corpus =
    "SELECT encode(float4send(v),'hex'), v::text FROM ("
    " SELECT ((random()-0.5) * 10.0 ^ (trunc(random()*40)-20))::float4 FROM generate_series(1,3000)"
    " UNION ALL SELECT power(2::float8, g)::float4 FROM generate_series(-149,127) g"
    " UNION ALL SELECT g::float4 FROM generate_series(-1000,1000) g"
    " UNION ALL SELECT (10.0::float8 ^ g)::float4 FROM generate_series(-37,38) g"
    " UNION ALL SELECT (random() * 2^40)::int8::float4 FROM generate_series(1,500)"
    " UNION ALL VALUES ('NaN'::float4), ('Infinity'), ('-Infinity'), ('-0'), (0), (1.4e-45),"
    "  (3.4028235e38), (1.1754944e-38), (0.1), (16777216), (16777217), (1e6), (123456),"
    "  (41844832)"
    ") t(v)";

static void run_float4(pgw_conn *c, int efd)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SET extra_float_digits = %d", efd);
    exec_ok(c, sql);
    exec_ok(c, "SELECT setseed(0.5)");
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    ctx.extra_float_digits = efd;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, float4_corpus, &cur), PGW_OK);
    size_t rows = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        const char *hex, *txt;
        size_t hl, tl;
        col(cur, 0, &hex, &hl);
        col(cur, 1, &txt, &tl);
        uint8_t bin[4];
        size_t bl = unhex(hex, hl, bin, sizeof bin);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_render_bin(&out, PGW_OID_FLOAT4, bin, bl, &ctx), PGW_OK);
        expect_text(&out, txt, tl, "render float4");
        float f;
        assert_int_equal(pgw_decode_float4_bin(bin, bl, &f), PGW_OK);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float4_bin(&out, f), PGW_OK);
        assert_memory_equal(out.data, bin, 4);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_float4_text(&out, f, efd), PGW_OK);
        expect_text(&out, txt, tl, "encode_float4_text");
        if (efd >= 1) {
            float t;
            assert_int_equal(pgw_decode_float4_text(txt, tl, &t), PGW_OK);
            assert_true((isnan(t) && isnan(f)) || memcmp(&t, &f, sizeof f) == 0);
        }
        rows++;
    }
    assert_int_equal(rc, PGW_END);
    assert_true(rows > 5000);
    pgw_cursor_free(cur);
    pgw_buf_free(&out);
}

static void test_numbers_server_float8_matches_server(void **st)
{
    (void)st;
    pgw_conn *c = pgt_connect();
    const int efds[] = {-15, 0, 1, 3, -3};
    for (size_t i = 0; i < sizeof efds / sizeof efds[0]; i++)
        run_float8(c, efds[i]);
    pgw_close(c);
}

static void test_numbers_server_float4_matches_server(void **st)
{
    (void)st;
    pgw_conn *c = pgt_connect();
    const int efds[] = {-15, 0, 1, 3, -3};
    for (size_t i = 0; i < sizeof efds / sizeof efds[0]; i++)
        run_float4(c, efds[i]);
    pgw_close(c);
}

static void test_numbers_server_numeric_matches_server(void **st)
{
    (void)st;
    pgw_conn *c = pgt_connect();
    exec_ok(c, "SELECT setseed(0.75)");
    /* Columns: numeric_send, text, float8send of v::float8 (where the
     * server's cast neither overflows nor underflows), v::int8 (where v is
     * an integer in range). */
    const char *sql =
        "SELECT encode(numeric_send(v),'hex'), v::text,"
        " CASE WHEN v::text IN ('NaN','Infinity','-Infinity')"
        "  OR (abs(v) < 1e300 AND (v = 0 OR abs(v) > 1e-300))"
        "  THEN encode(float8send(v::float8),'hex') END,"
        " CASE WHEN v = trunc(v) AND v BETWEEN -9223372036854775808 AND 9223372036854775807"
        "  THEN v::int8::text END"
        " FROM ("
        " SELECT round(((random()-0.5) * 10.0^(trunc(random()*60)-30))::numeric,"
        "  (random()*30)::int) FROM generate_series(1,2000)"
        " UNION ALL SELECT (random()*1e18)::numeric(30,0) * 10::numeric ^ (g % 50)"
        "  FROM generate_series(1,300) g"
        " UNION ALL SELECT 1::numeric / g FROM generate_series(1,300) g"
        " UNION ALL SELECT repeat('9', g)::numeric FROM generate_series(1,60) g"
        " UNION ALL SELECT ('0.' || repeat('0', g) || '1')::numeric FROM generate_series(1,60) g"
        " UNION ALL SELECT ('1' || repeat('0', g))::numeric FROM generate_series(1,60) g"
        " UNION ALL SELECT ('-' || repeat('0', g % 7) || '12345.' || repeat('0', g % 5))::numeric"
        "  FROM generate_series(1,40) g"
        " UNION ALL VALUES ('1.50'::numeric), ('NaN'), ('Infinity'), ('-Infinity'), ('-0.00'),"
        "  (0), (0.0), ('1e-5'), (9223372036854775807), (-9223372036854775808),"
        "  (9223372036854775808), (-9223372036854775809), (12345.6789), (0.00001000), (1e100),"
        "  (100), (10000), (100000000), (-1.5e-20), (repeat('7', 1000)::numeric),"
        "  (('0.' || repeat('3', 1000))::numeric), (('9' || repeat('0', 1000) || '.5')::numeric),"
        "  ('1e-16383'::numeric), ('1e300'::numeric), ('1.7976931348623157e308'::numeric),"
        "  ('1.00000000000000011102230246251565404236316680908203125'::numeric),"
        "  ('1.00000000000000011102230246251565404236316680908203126'::numeric)"
        ") t(v)";
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    size_t cap = 1 << 16;
    uint8_t *bin = malloc(cap);
    assert_non_null(bin);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, sql, &cur), PGW_OK);
    size_t rows = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        const char *hex, *txt, *f8, *i8;
        size_t hl, tl, fl, il;
        col(cur, 0, &hex, &hl);
        col(cur, 1, &txt, &tl);
        col(cur, 2, &f8, &fl);
        col(cur, 3, &i8, &il);
        size_t bl = unhex(hex, hl, bin, cap);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_render_bin(&out, PGW_OID_NUMERIC, bin, bl, &ctx), PGW_OK);
        expect_text(&out, txt, tl, "render numeric");
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_numeric_bin(&out, txt, tl), PGW_OK);
        assert_int_equal(out.len, bl);
        assert_memory_equal(out.data, bin, bl);
        double d;
        pgw_status drc = pgw_decode_numeric_bin_double(bin, bl, &d);
        if (f8 != NULL) {
            uint8_t fb[8];
            unhex(f8, fl, fb, sizeof fb);
            double want;
            assert_int_equal(pgw_decode_float8_bin(fb, 8, &want), PGW_OK);
            assert_int_equal(drc, PGW_OK);
            assert_true((isnan(d) && isnan(want)) || d == want);
        }
        int64_t iv;
        pgw_status irc = pgw_decode_numeric_bin_int64(bin, bl, &iv);
        if (i8 != NULL) {
            int64_t want;
            assert_int_equal(pgw_decode_int8_text(i8, il, &want), PGW_OK);
            assert_int_equal(irc, PGW_OK);
            assert_true(iv == want);
        } else {
            assert_int_equal(irc, PGW_E_RANGE);
        }
        rows++;
    }
    if (rc != PGW_END)
        fail_msg("numeric corpus: %s (%s)", pgw_status_name(rc), pgw_conn_errmsg(c));
    assert_true(rows > 2800);
    pgw_cursor_free(cur);
    free(bin);
    pgw_buf_free(&out);
    pgw_close(c);
}

/* numeric_send of int8::numeric and of float8::numeric where the server's
 * 15 digits are the shortest ones. */
static void test_numbers_server_numeric_from_c_values(void **st)
{
    (void)st;
    pgw_conn *c = pgt_connect();
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c,
                               "SELECT v::text, encode(numeric_send(v::numeric),'hex'),"
                               " encode(numeric_send(v::float8::numeric),'hex') FROM unnest("
                               "'{-9223372036854775808,9223372036854775807,0,1,-1,10000,"
                               "100000000,-120000,123456789012}'::int8[]) v",
                               &cur),
                     PGW_OK);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        const char *txt, *hex, *fhex;
        size_t tl, hl, fl;
        col(cur, 0, &txt, &tl);
        col(cur, 1, &hex, &hl);
        col(cur, 2, &fhex, &fl);
        int64_t v;
        assert_int_equal(pgw_decode_int8_text(txt, tl, &v), PGW_OK);
        uint8_t bin[64];
        size_t bl = unhex(hex, hl, bin, sizeof bin);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_encode_numeric_bin_int64(&out, v), PGW_OK);
        assert_int_equal(out.len, bl);
        assert_memory_equal(out.data, bin, bl);
        if (v > -1000000000000000 && v < 1000000000000000) {
            /* Below 10^15 the server's float8::numeric is exact too. */
            bl = unhex(fhex, fl, bin, sizeof bin);
            pgw_buf_reset(&out);
            assert_int_equal(pgw_encode_numeric_bin_double(&out, (double)v), PGW_OK);
            assert_int_equal(out.len, bl);
            assert_memory_equal(out.data, bin, bl);
        }
    }
    assert_int_equal(rc, PGW_END);
    pgw_cursor_free(cur);
    pgw_buf_free(&out);
    pgw_close(c);
}

static void test_numbers_server_scalars_match_server(void **st)
{
    (void)st;
    pgw_conn *c = pgt_connect();
    const char *sql =
        "SELECT 21, encode(int2send(v),'hex'), v::text FROM unnest('{-32768,-1,0,1,32767}'::int2[]) v"
        " UNION ALL SELECT 23, encode(int4send(v),'hex'), v::text"
        "  FROM unnest('{-2147483648,-1,0,7,2147483647}'::int4[]) v"
        " UNION ALL SELECT 20, encode(int8send(v),'hex'), v::text"
        "  FROM unnest('{-9223372036854775808,-1,0,42,9223372036854775807}'::int8[]) v"
        " UNION ALL SELECT 16, encode(boolsend(v),'hex'), textin(boolout(v)) FROM unnest('{t,f}'::bool[]) v"
        " UNION ALL SELECT 26, encode(oidsend(v),'hex'), v::text"
        "  FROM unnest('{0,1,2147483648,4294967295}'::oid[]) v"
        " UNION ALL SELECT 28, encode(xidsend(v),'hex'), v::text FROM unnest('{0,3,4294967295}'::xid[]) v"
        " UNION ALL SELECT 29, encode(cidsend(v),'hex'), v::text FROM unnest('{0,4294967295}'::cid[]) v"
        " UNION ALL SELECT 5069, encode(xid8send(v),'hex'), v::text"
        "  FROM unnest('{0,18446744073709551615}'::xid8[]) v"
        " UNION ALL SELECT 3220, encode(pg_lsn_send(v),'hex'), v::text"
        "  FROM unnest('{16/B374D848,0/0,FFFFFFFF/FFFFFFFF,0/1}'::pg_lsn[]) v"
        " UNION ALL SELECT 27, encode(tidsend(v),'hex'), v::text"
        "  FROM unnest('{\"(0,1)\",\"(4294967295,65535)\",\"(12,0)\"}'::tid[]) v";
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query(c, sql, &cur), PGW_OK);
    size_t rows = 0;
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        const char *o, *hex, *txt;
        size_t ol, hl, tl;
        col(cur, 0, &o, &ol);
        col(cur, 1, &hex, &hl);
        col(cur, 2, &txt, &tl);
        int32_t oid;
        assert_int_equal(pgw_decode_int4_text(o, ol, &oid), PGW_OK);
        uint8_t bin[16];
        size_t bl = unhex(hex, hl, bin, sizeof bin);
        pgw_buf_reset(&out);
        assert_int_equal(pgw_render_bin(&out, (uint32_t)oid, bin, bl, &ctx), PGW_OK);
        expect_text(&out, txt, tl, "render scalar");
        /* Round trips through the C value, both forms. */
        pgw_buf_reset(&out);
        pgw_buf txtout;
        pgw_buf_init(&txtout, NULL, 0);
        switch (oid) {
        case 21: {
            int16_t v, w;
            assert_int_equal(pgw_decode_int2_bin(bin, bl, &v), PGW_OK);
            assert_int_equal(pgw_decode_int2_text(txt, tl, &w), PGW_OK);
            assert_int_equal(v, w);
            assert_int_equal(pgw_encode_int2_bin(&out, v), PGW_OK);
            assert_int_equal(pgw_encode_int2_text(&txtout, v), PGW_OK);
            break;
        }
        case 23: {
            int32_t v, w;
            assert_int_equal(pgw_decode_int4_bin(bin, bl, &v), PGW_OK);
            assert_int_equal(pgw_decode_int4_text(txt, tl, &w), PGW_OK);
            assert_int_equal(v, w);
            assert_int_equal(pgw_encode_int4_bin(&out, v), PGW_OK);
            assert_int_equal(pgw_encode_int4_text(&txtout, v), PGW_OK);
            break;
        }
        case 20: {
            int64_t v, w;
            assert_int_equal(pgw_decode_int8_bin(bin, bl, &v), PGW_OK);
            assert_int_equal(pgw_decode_int8_text(txt, tl, &w), PGW_OK);
            assert_true(v == w);
            assert_int_equal(pgw_encode_int8_bin(&out, v), PGW_OK);
            assert_int_equal(pgw_encode_int8_text(&txtout, v), PGW_OK);
            break;
        }
        case 16: {
            bool v, w;
            assert_int_equal(pgw_decode_bool_bin(bin, bl, &v), PGW_OK);
            assert_int_equal(pgw_decode_bool_text(txt, tl, &w), PGW_OK);
            assert_int_equal(v, w);
            assert_int_equal(pgw_encode_bool_bin(&out, v), PGW_OK);
            assert_int_equal(pgw_encode_bool_text(&txtout, v), PGW_OK);
            break;
        }
        case 26: {
            uint32_t v, w;
            assert_int_equal(pgw_decode_oid_bin(bin, bl, &v), PGW_OK);
            assert_int_equal(pgw_decode_oid_text(txt, tl, &w), PGW_OK);
            assert_true(v == w);
            assert_int_equal(pgw_encode_oid_bin(&out, v), PGW_OK);
            assert_int_equal(pgw_encode_oid_text(&txtout, v), PGW_OK);
            break;
        }
        default:
            /* xid, cid, xid8, pg_lsn, tid: render only. */
            pgw_buf_free(&txtout);
            rows++;
            continue;
        }
        assert_int_equal(out.len, bl);
        assert_memory_equal(out.data, bin, bl);
        expect_text(&txtout, txt, tl, "encode_text");
        pgw_buf_free(&txtout);
        rows++;
    }
    assert_int_equal(rc, PGW_END);
    assert_int_equal(rows, 35);
    pgw_cursor_free(cur);
    pgw_buf_free(&out);
    pgw_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_server_float8_matches_server),
        cmocka_unit_test(test_numbers_server_float4_matches_server),
        cmocka_unit_test(test_numbers_server_numeric_matches_server),
        cmocka_unit_test(test_numbers_server_numeric_from_c_values),
        cmocka_unit_test(test_numbers_server_scalars_match_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
