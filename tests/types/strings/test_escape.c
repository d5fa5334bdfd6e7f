/* Unit tests of escaping and of the client-encoding verifiers. The
 * invalid-multibyte cases are the CVE-2025-1094 class: a broken lead byte
 * must never swallow the quote that follows it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/buf.h"
#include "pgwire/escape.h"

#define S(x) x, (sizeof x - 1)

typedef pgw_status (*escape_fn)(pgw_buf *, const char *, size_t, const pgw_escape_ctx *);

static pgw_escape_ctx ctx_of(pgw_encoding enc, bool scs)
{
    pgw_escape_ctx c;
    pgw_escape_ctx_init(&c);
    c.encoding = enc;
    c.standard_conforming_strings = scs;
    return c;
}

static void expect(escape_fn fn, pgw_encoding enc, bool scs, const char *in, size_t len,
                   const char *want)
{
    pgw_escape_ctx c = ctx_of(enc, scs);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    pgw_status rc = fn(&b, in, len, &c);
    if (rc != PGW_OK)
        fail_msg("escaping \"%.*s\" in %s: %d", (int)len, in, pgw_encoding_name(enc), rc);
    if (b.len != strlen(want) || (b.len && memcmp(b.data, want, b.len) != 0))
        fail_msg("got [%.*s], want [%s]", (int)b.len, (const char *)b.data, want);
    pgw_buf_free(&b);
}

static void expect_invalid(escape_fn fn, pgw_encoding enc, const char *in, size_t len)
{
    pgw_escape_ctx c = ctx_of(enc, true);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_buf_append(&b, "pre", 3), PGW_OK);
    pgw_status rc = fn(&b, in, len, &c);
    if (rc != PGW_E_INVALID)
        fail_msg("input %zu bytes in %s: got %d, want PGW_E_INVALID", len, pgw_encoding_name(enc),
                 rc);
    assert_int_equal(b.len, 3);
    pgw_buf_free(&b);
}

static void test_escape_literal_plain_and_quotes(void **s)
{
    expect(pgw_escape_literal, PGW_ENC_UTF8, true, S("abc"), "'abc'");
    expect(pgw_escape_literal, PGW_ENC_UTF8, true, S(""), "''");
    expect(pgw_escape_literal, PGW_ENC_UTF8, true, S("it's"), "'it''s'");
    expect(pgw_escape_literal, PGW_ENC_UTF8, true, S("''"), "''''''");
    expect(pgw_escape_literal, PGW_ENC_UTF8, true, S("\"x\""), "'\"x\"'");
    expect(pgw_escape_literal, PGW_ENC_UTF8, true, S("caf\xc3\xa9 \xf0\x9f\x98\x80"),
           "'caf\xc3\xa9 \xf0\x9f\x98\x80'");
    expect(pgw_escape_literal, PGW_ENC_UTF8, true, NULL, 0, "''");
}

static void test_escape_literal_backslash_uses_e_form(void **s)
{
    /* Same output under either standard_conforming_strings. */
    for (int scs = 0; scs < 2; scs++) {
        expect(pgw_escape_literal, PGW_ENC_UTF8, scs, S("a\\b"), " E'a\\\\b'");
        expect(pgw_escape_literal, PGW_ENC_UTF8, scs, S("\\'"), " E'\\\\'''");
        expect(pgw_escape_literal, PGW_ENC_UTF8, scs, S("\\"), " E'\\\\'");
    }
}

static void test_escape_identifier_doubles_double_quotes(void **s)
{
    expect(pgw_escape_identifier, PGW_ENC_UTF8, true, S("t"), "\"t\"");
    expect(pgw_escape_identifier, PGW_ENC_UTF8, true, S("My \"T\""), "\"My \"\"T\"\"\"");
    expect(pgw_escape_identifier, PGW_ENC_UTF8, false, S("a\\b'c"), "\"a\\b'c\"");
    expect(pgw_escape_identifier, PGW_ENC_UTF8, true, S(""), "\"\"");
}

static void test_escape_string_depends_on_scs(void **s)
{
    expect(pgw_escape_string, PGW_ENC_UTF8, true, S("a'b\\c"), "a''b\\c");
    expect(pgw_escape_string, PGW_ENC_UTF8, false, S("a'b\\c"), "a''b\\\\c");
    expect(pgw_escape_string, PGW_ENC_UTF8, false, S(""), "");
    expect(pgw_escape_string, PGW_ENC_UTF8, true, S("\""), "\"");
}

static void test_escape_invalid_utf8_is_refused(void **s)
{
    static const struct {
        const char *p;
        size_t n;
    } bad[] = {
        {S("\xc3")},             /* truncated */
        {S("\xc3'")},            /* lead byte followed by a quote */
        {S("a\xc3'); DROP--")},  /* the CVE-2025-1094 shape */
        {"\xc3\0", 2},           /* lead byte followed by NUL */
        {"a\0b", 3},             /* NUL */
        {S("\xc0\xaf")},         /* overlong '/' */
        {S("\xc1\xbf")},         /* overlong */
        {S("\xe0\x80\xaf")},     /* overlong 3-byte */
        {S("\xf0\x80\x80\xaf")}, /* overlong 4-byte */
        {S("\xed\xa0\x80")},     /* UTF-16 surrogate U+D800 */
        {S("\xed\xbf\xbf")},     /* surrogate U+DFFF */
        {S("\xf4\x90\x80\x80")}, /* past U+10FFFF */
        {S("\xf5\x80\x80\x80")}, /* invalid lead */
        {S("\xff")},
        {S("\x80")},         /* continuation without lead */
        {S("\xe2\x82")},     /* truncated 3-byte */
        {S("\xf0\x9f\x98")}, /* truncated 4-byte */
        {S("\xe2'\xac")},
    };
    escape_fn fns[] = {pgw_escape_literal, pgw_escape_identifier, pgw_escape_string};
    for (size_t f = 0; f < 3; f++)
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            expect_invalid(fns[f], PGW_ENC_UTF8, bad[i].p, bad[i].n);
}

static void test_escape_sjis_backslash_trail_is_not_doubled(void **s)
{
    /* 0x95 0x5c is one SJIS character whose second byte looks like a
     * backslash: it must be copied as one character, never doubled, or the
     * server would see a different string. */
    expect(pgw_escape_literal, PGW_ENC_SJIS, true, S("\x95\x5c"), "'\x95\x5c'");
    expect(pgw_escape_string, PGW_ENC_SJIS, false, S("\x95\x5c'"), "\x95\x5c''");
    expect(pgw_escape_literal, PGW_ENC_BIG5, true, S("\xa4\x5c"), "'\xa4\x5c'");
    expect(pgw_escape_literal, PGW_ENC_GBK, true, S("\x81\x5c\\"), " E'\x81\x5c\\\\'");
    expect(pgw_escape_literal, PGW_ENC_SJIS, true, S("\xb1"), "'\xb1'"); /* half-width kana */
}

static void test_escape_multibyte_lead_before_quote_is_refused(void **s)
{
    static const struct {
        pgw_encoding enc;
        const char *p;
        size_t n;
    } bad[] = {
        {PGW_ENC_SJIS, S("\x95'")},
        {PGW_ENC_SJIS, S("\x95")},
        {PGW_ENC_SJIS, S("\x80\x40")},
        {PGW_ENC_SHIFT_JIS_2004, S("\xfd\x40")},
        {PGW_ENC_BIG5, S("\xa4'")},
        {PGW_ENC_BIG5, S("\xa4\x80")},
        {PGW_ENC_BIG5, S("\x80\x40")},
        {PGW_ENC_GBK, S("\x81'")},
        {PGW_ENC_GBK, S("\xff\x40")},
        {PGW_ENC_UHC, S("\x81'")},
        {PGW_ENC_UHC, S("\x81\x5c")},
        {PGW_ENC_GB18030, S("\x81'")},
        {PGW_ENC_GB18030, S("\x81\x30\x81")},
        {PGW_ENC_GB18030, S("\x81\x30\x81'")},
        {PGW_ENC_EUC_JP, S("\xa1'")},
        {PGW_ENC_EUC_JP, S("\x8e\x41")},
        {PGW_ENC_EUC_JP, S("\x8f\xa1'")},
        {PGW_ENC_EUC_JIS_2004, S("\xa1")},
        {PGW_ENC_EUC_CN, S("\xa1'")},
        {PGW_ENC_EUC_KR, S("\x80\xa1")},
        {PGW_ENC_EUC_TW, S("\x8e\xa1\xa1'")},
        {PGW_ENC_EUC_TW, S("\x8f\xa1\xa1")},
        {PGW_ENC_EUC_TW, S("\x8e\xa8\xa1\xa1")},
        {PGW_ENC_JOHAB, S("\x88'")},
        {PGW_ENC_MULE_INTERNAL, S("\x81'")},
        {PGW_ENC_LATIN1, "\xe9\0", 2},
        {PGW_ENC_SQL_ASCII, "\0", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_invalid(pgw_escape_literal, bad[i].enc, bad[i].p, bad[i].n);
        expect_invalid(pgw_escape_string, bad[i].enc, bad[i].p, bad[i].n);
        assert_int_equal(pgw_verify_mbstr(bad[i].enc, bad[i].p, bad[i].n), PGW_E_INVALID);
    }
}

static void test_escape_valid_multibyte_in_each_encoding(void **s)
{
    static const struct {
        pgw_encoding enc;
        const char *p;
        size_t n;
    } ok[] = {
        {PGW_ENC_EUC_JP, S("\xa4\xa2")},
        {PGW_ENC_EUC_JP, S("\x8e\xb1")},
        {PGW_ENC_EUC_JP, S("\x8f\xa2\xaf")},
        {PGW_ENC_EUC_CN, S("\xb0\xa1")},
        {PGW_ENC_EUC_KR, S("\xb0\xa1")},
        {PGW_ENC_EUC_TW, S("\x8e\xa2\xa1\xa1")},
        {PGW_ENC_EUC_TW, S("\xc4\xa1")},
        {PGW_ENC_SJIS, S("\x82\xa0")},
        {PGW_ENC_BIG5, S("\xa4\x40")},
        {PGW_ENC_GBK, S("\xb0\xa1")},
        {PGW_ENC_UHC, S("\xb0\xa1")},
        {PGW_ENC_UHC, S("\x81\x41")},
        {PGW_ENC_GB18030, S("\x81\x30\x81\x30")},
        {PGW_ENC_GB18030, S("\xb0\xa1")},
        {PGW_ENC_JOHAB, S("\x88\xa1")},
        {PGW_ENC_LATIN1, S("\xe9\xff")},
        {PGW_ENC_WIN1251, S("\xc0")},
        {PGW_ENC_KOI8R, S("\xc1")},
        {PGW_ENC_SQL_ASCII, S("\xff\xfe")},
        {PGW_ENC_MULE_INTERNAL, S("\x81\xa1")},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char want[16];
        snprintf(want, sizeof want, "'%.*s''x'", (int)ok[i].n, ok[i].p);
        char in[16];
        memcpy(in, ok[i].p, ok[i].n);
        memcpy(in + ok[i].n, "'x", 2);
        expect(pgw_escape_literal, ok[i].enc, true, in, ok[i].n + 2, want);
        assert_int_equal(pgw_verify_mbstr(ok[i].enc, ok[i].p, ok[i].n), PGW_OK);
    }
}

static void test_escape_bad_arguments(void **s)
{
    pgw_escape_ctx c;
    pgw_escape_ctx_init(&c);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_escape_literal(NULL, "a", 1, &c), PGW_E_INVALID);
    assert_int_equal(pgw_escape_literal(&b, NULL, 1, &c), PGW_E_INVALID);
    assert_int_equal(pgw_escape_literal(&b, "a", 1, NULL), PGW_E_INVALID);
    c.encoding = (pgw_encoding)99;
    assert_int_equal(pgw_escape_literal(&b, "a", 1, &c), PGW_E_UNSUPPORTED);
    assert_int_equal(pgw_verify_mbstr((pgw_encoding)99, "a", 1), PGW_E_UNSUPPORTED);
    assert_int_equal(pgw_mbchar_len((pgw_encoding)99, "a", 1), 0);
    assert_int_equal(b.len, 0);
    pgw_buf_free(&b);
}

static void test_escape_buffer_limit_leaves_len(void **s)
{
    pgw_escape_ctx c;
    pgw_escape_ctx_init(&c);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 6);
    assert_int_equal(pgw_buf_append(&b, "x", 1), PGW_OK);
    assert_int_equal(pgw_escape_literal(&b, S("abcd"), &c), PGW_E_TOO_LARGE);
    assert_int_equal(b.len, 1);
    pgw_buf_free(&b);
}

static void test_encoding_names_follow_server(void **s)
{
    static const struct {
        const char *name;
        pgw_encoding enc;
    } cases[] = {
        {"UTF8", PGW_ENC_UTF8},
        {"utf-8", PGW_ENC_UTF8},
        {"Unicode", PGW_ENC_UTF8},
        {"SQL_ASCII", PGW_ENC_SQL_ASCII},
        {"latin1", PGW_ENC_LATIN1},
        {"ISO_8859_1", PGW_ENC_LATIN1},
        {"ISO-8859-15", PGW_ENC_LATIN9},
        {"iso885916", PGW_ENC_LATIN10},
        {"ISO_8859_5", PGW_ENC_ISO_8859_5},
        {"WIN", PGW_ENC_WIN1251},
        {"ALT", PGW_ENC_WIN866},
        {"KOI8", PGW_ENC_KOI8R},
        {"ShiftJIS", PGW_ENC_SJIS},
        {"Mskanji", PGW_ENC_SJIS},
        {"WIN932", PGW_ENC_SJIS},
        {"SHIFT_JIS_2004", PGW_ENC_SHIFT_JIS_2004},
        {"EUC_JIS_2004", PGW_ENC_EUC_JIS_2004},
        {"WIN936", PGW_ENC_GBK},
        {"WIN949", PGW_ENC_UHC},
        {"WIN950", PGW_ENC_BIG5},
        {"TCVN", PGW_ENC_WIN1258},
        {"GB18030", PGW_ENC_GB18030},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pgw_encoding e = PGW_ENC_MULE_INTERNAL;
        assert_int_equal(pgw_encoding_from_name(cases[i].name, &e), PGW_OK);
        assert_int_equal(e, cases[i].enc);
    }
    for (int i = 0; i < PGW_ENC_COUNT; i++) {
        const char *n = pgw_encoding_name((pgw_encoding)i);
        assert_non_null(n);
        pgw_encoding e;
        assert_int_equal(pgw_encoding_from_name(n, &e), PGW_OK);
        assert_int_equal(e, i);
    }
    pgw_encoding e = PGW_ENC_UTF8;
    assert_int_equal(pgw_encoding_from_name("UTF16", &e), PGW_E_UNSUPPORTED);
    assert_int_equal(pgw_encoding_from_name("", &e), PGW_E_UNSUPPORTED);
    assert_int_equal(pgw_encoding_from_name("a-very-long-name-that-no-encoding-has-at-all", &e),
                     PGW_E_UNSUPPORTED);
    assert_int_equal(e, PGW_ENC_UTF8);
    assert_int_equal(pgw_encoding_from_name(NULL, &e), PGW_E_INVALID);
    assert_null(pgw_encoding_name((pgw_encoding)PGW_ENC_COUNT));
}

/* Walk an escaped literal as the server's lexer would (by characters of
 * the client encoding): every quote inside must be doubled, and the
 * literal must end exactly at the last byte. */
static bool literal_balanced(pgw_encoding enc, const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (i + 2 <= n && p[0] == ' ' && p[1] == 'E')
        i = 2;
    if (i >= n || p[i] != '\'')
        return false;
    i++;
    while (i < n) {
        size_t l = pgw_mbchar_len(enc, (const char *)p + i, n - i);
        if (l == 0)
            return false;
        if (l == 1 && p[i] == '\'') {
            if (i + 1 == n)
                return true;
            if (p[i + 1] != '\'')
                return false;
            i += 2;
            continue;
        }
        i += l;
    }
    return false;
}

static void test_escape_every_short_input_stays_balanced(void **s)
{
    /* All strings of up to three bytes over an alphabet of troublemakers,
     * in every encoding: either refused, or a balanced literal whose
     * body, undoubled, is the input. */
    static const uint8_t alpha[] = {'\'', '\\', 'a',  0x30, 0x40, 0x5c, 0x80, 0x81, 0x8e, 0x8f,
                                    0xa1, 0xa7, 0xc3, 0xe0, 0xed, 0xf0, 0xfe, 0xff, 0xb0};
    size_t na = sizeof alpha;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    for (int enc = 0; enc < PGW_ENC_COUNT; enc++) {
        pgw_escape_ctx c = ctx_of((pgw_encoding)enc, true);
        for (size_t len = 1; len <= 3; len++) {
            size_t total = len == 1 ? na : len == 2 ? na * na : na * na * na;
            for (size_t k = 0; k < total; k++) {
                uint8_t in[3];
                size_t x = k;
                for (size_t j = 0; j < len; j++) {
                    in[j] = alpha[x % na];
                    x /= na;
                }
                pgw_buf_reset(&b);
                pgw_status rc = pgw_escape_literal(&b, (const char *)in, len, &c);
                if (rc != PGW_OK) {
                    assert_int_equal(rc, PGW_E_INVALID);
                    assert_int_equal(b.len, 0);
                    continue;
                }
                if (!literal_balanced((pgw_encoding)enc, b.data, b.len))
                    fail_msg("unbalanced literal in %s", pgw_encoding_name((pgw_encoding)enc));
            }
        }
    }
    pgw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_literal_plain_and_quotes),
        cmocka_unit_test(test_escape_literal_backslash_uses_e_form),
        cmocka_unit_test(test_escape_identifier_doubles_double_quotes),
        cmocka_unit_test(test_escape_string_depends_on_scs),
        cmocka_unit_test(test_escape_invalid_utf8_is_refused),
        cmocka_unit_test(test_escape_sjis_backslash_trail_is_not_doubled),
        cmocka_unit_test(test_escape_multibyte_lead_before_quote_is_refused),
        cmocka_unit_test(test_escape_valid_multibyte_in_each_encoding),
        cmocka_unit_test(test_escape_bad_arguments),
        cmocka_unit_test(test_escape_buffer_limit_leaves_len),
        cmocka_unit_test(test_encoding_names_follow_server),
        cmocka_unit_test(test_escape_every_short_input_stays_balanced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
