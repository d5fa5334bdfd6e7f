/* Escaping against the real server: nasty strings, escaped on the client,
 * must come back from the server unchanged — as literals under both
 * values of standard_conforming_strings, as identifiers (the column name),
 * and in client encodings where a trail byte looks like a backslash. */
#include <stdbool.h>
#include <stdint.h>

#include "pgwire/escape.h"

#include "../../integration/pgtest.h"

static const char *const nasty[] = {
    "",
    "plain",
    "'",
    "''",
    "\\",
    "\\'",
    "'\\",
    "\\\\'';",
    "it's",
    "'; DROP TABLE nope; --",
    "a\"b\"\"c",
    "\\x41",
    "E'x'",
    "$$ $q$ $",
    "\n\t\r\x01\x7f",
    "h\xc3\xa9llo w\xc3\xb6rld",
    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
    "emoji \xf0\x9f\x98\x80'\\",
    "/* not a comment */ -- nor this",
    "U&'\\0041'",
};

/* SELECT <sql>, returning the single text value. */
static void select_value(pgw_conn *c, const char *sql, pgw_buf *out)
{
    pgw_cursor *cur = NULL;
    if (pgw_query(c, sql, &cur) != PGW_OK)
        fail_msg("query failed: %s\n%s", pgw_conn_errmsg(c), sql);
    if (pgw_cursor_next(cur) != PGW_OK)
        fail_msg("no row: %s\n%s", pgw_conn_errmsg(c), sql);
    const char *p;
    size_t len;
    assert_int_equal(pgw_cursor_text(cur, 0, &p, &len), PGW_OK);
    assert_int_equal(pgw_buf_append(out, p, len), PGW_OK);
    assert_int_equal(pgw_cursor_next(cur), PGW_END);
    pgw_cursor_free(cur);
}

static void check_literal_round_trip(pgw_conn *c, const pgw_escape_ctx *ctx, const char *s,
                                     size_t n)
{
    pgw_buf sql, got;
    pgw_buf_init(&sql, NULL, 0);
    pgw_buf_init(&got, NULL, 0);
    /* pgw_escape_literal: correct whatever standard_conforming_strings is. */
    assert_int_equal(pgw_buf_append(&sql, "SELECT", 6), PGW_OK);
    assert_int_equal(pgw_escape_literal(&sql, s, n, ctx), PGW_OK);
    assert_int_equal(pgw_buf_put_u8(&sql, 0), PGW_OK);
    select_value(c, (const char *)sql.data, &got);
    if (got.len != n || (n && memcmp(got.data, s, n) != 0))
        fail_msg("literal %s came back as [%.*s]", (const char *)sql.data, (int)got.len,
                 (const char *)got.data);
    /* pgw_escape_string inside plain quotes: correct for the session's
     * standard_conforming_strings. */
    pgw_buf_reset(&sql);
    pgw_buf_reset(&got);
    assert_int_equal(pgw_buf_append(&sql, "SELECT '", 8), PGW_OK);
    assert_int_equal(pgw_escape_string(&sql, s, n, ctx), PGW_OK);
    assert_int_equal(pgw_buf_append(&sql, "'", 2), PGW_OK); /* with the NUL */
    select_value(c, (const char *)sql.data, &got);
    if (got.len != n || (n && memcmp(got.data, s, n) != 0))
        fail_msg("string %s came back as [%.*s]", (const char *)sql.data, (int)got.len,
                 (const char *)got.data);
    pgw_buf_free(&sql);
    pgw_buf_free(&got);
}

static void test_escape_server_literals_round_trip_both_scs(void **s)
{
    pgw_conn *c = pgt_connect();
    assert_int_equal(
        pgw_exec(c, "SET client_encoding = 'UTF8'; SET escape_string_warning = off", NULL), PGW_OK);
    for (int scs = 0; scs < 2; scs++) {
        assert_int_equal(pgw_exec(c,
                                  scs ? "SET standard_conforming_strings = on"
                                      : "SET standard_conforming_strings = off",
                                  NULL),
                         PGW_OK);
        pgw_escape_ctx ctx;
        pgw_escape_ctx_init(&ctx);
        ctx.standard_conforming_strings = scs == 1;
        for (size_t i = 0; i < sizeof nasty / sizeof nasty[0]; i++)
            check_literal_round_trip(c, &ctx, nasty[i], strlen(nasty[i]));
    }
    pgw_close(c);
}

static void test_escape_server_identifiers_name_the_column(void **s)
{
    pgw_conn *c = pgt_connect();
    pgw_escape_ctx ctx;
    pgw_escape_ctx_init(&ctx);
    for (size_t i = 0; i < sizeof nasty / sizeof nasty[0]; i++) {
        size_t n = strlen(nasty[i]);
        if (n == 0)
            continue; /* a zero-length identifier is an error on the server */
        pgw_buf sql;
        pgw_buf_init(&sql, NULL, 0);
        assert_int_equal(pgw_buf_append(&sql, "SELECT 1 AS ", 12), PGW_OK);
        assert_int_equal(pgw_escape_identifier(&sql, nasty[i], n, &ctx), PGW_OK);
        assert_int_equal(pgw_buf_put_u8(&sql, 0), PGW_OK);
        pgw_cursor *cur = NULL;
        if (pgw_query(c, (const char *)sql.data, &cur) != PGW_OK)
            fail_msg("query failed: %s\n%s", pgw_conn_errmsg(c), (const char *)sql.data);
        assert_string_equal(pgw_cursor_column_name(cur, 0), nasty[i]);
        pgw_cursor_free(cur);
        pgw_buf_free(&sql);
    }
    pgw_close(c);
}

/* Client encodings whose trail bytes include 0x5c: the escaped text must
 * keep those characters whole, and the server (which converts to the
 * database encoding before lexing) must give back the same bytes. */
static void test_escape_server_multibyte_client_encodings(void **s)
{
    static const struct {
        const char *encoding;
        const char *text;
    } cases[] = {
        {"SJIS", "\x95\x5c'\\\x83\x5c"}, /* two characters ending in 0x5c */
        {"BIG5", "\xa5\x5c'\xa4\x40\\"},   {"GBK", "\x81\x5c'\xb0\xa1"},
        {"EUC_JP", "\xa4\xa2'\\\x8e\xb1"}, {"LATIN1", "caf\xe9 '\\ \xff"},
        {"UTF8", "\xe2\x82\xac'\\"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* The connection accepts a client_encoding other than UTF8 only
         * when it asked for it. */
        char extra[64], ci[1024];
        snprintf(extra, sizeof extra, " client_encoding=%s", cases[i].encoding);
        pgt_conninfo(ci, sizeof ci, "TRUST", 1, extra);
        pgw_conn *c = NULL;
        if (pgw_connect_str(&c, ci) != PGW_OK)
            fail_msg("connect with%s: %s", extra, pgw_conn_errmsg(c));
        assert_string_equal(pgw_conn_parameter(c, "client_encoding"), cases[i].encoding);
        assert_int_equal(pgw_exec(c, "SET escape_string_warning = off", NULL), PGW_OK);
        pgw_escape_ctx ctx;
        pgw_escape_ctx_init(&ctx);
        assert_int_equal(
            pgw_encoding_from_name(pgw_conn_parameter(c, "client_encoding"), &ctx.encoding),
            PGW_OK);
        for (int scs = 0; scs < 2; scs++) {
            assert_int_equal(pgw_exec(c,
                                      scs ? "SET standard_conforming_strings = on"
                                          : "SET standard_conforming_strings = off",
                                      NULL),
                             PGW_OK);
            ctx.standard_conforming_strings = scs == 1;
            check_literal_round_trip(c, &ctx, cases[i].text, strlen(cases[i].text));
        }
        pgw_close(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_server_literals_round_trip_both_scs),
        cmocka_unit_test(test_escape_server_identifiers_name_the_column),
        cmocka_unit_test(test_escape_server_multibyte_client_encodings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
