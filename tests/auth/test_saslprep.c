/* SASLprep (RFC 4013) as PostgreSQL applies it, and the NFKC normaliser
 * under it: RFC 4013's examples, every way PostgreSQL falls back to the raw
 * password, NFKC against Python's unicodedata (tests/vectors/nfkc_vectors.txt),
 * SCRAM secrets that a real PostgreSQL 15 server computed with its own
 * SASLprep (tests/vectors/saslprep_pg15.txt), and out of memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/auth.h"
#include "pgwire/buf.h"

#include "auth/auth_int.h"
#include "common/common_int.h"
#include "crypto/crypto.h"
#include "failing_alloc.h"

/* ---- helpers ------------------------------------------------------------ */

/* SASLprep of s, expecting PGW_OK and the UTF-8 string want. */
static void expect_prepared(const char *s, const char *want)
{
    char *out = NULL;
    size_t out_len = 0;
    pgw_status rc = pgwi_saslprep(NULL, s, strlen(s), &out, &out_len);
    if (rc != PGW_OK)
        fail_msg("saslprep of \"%s\": %s, expected PGW_OK", s, pgw_status_name(rc));
    assert_non_null(out);
    assert_int_equal(out_len, strlen(want));
    assert_memory_equal(out, want, out_len);
    pgwi_wipe(out, out_len);
    pgwi_free(NULL, out, out_len);
}

/* SASLprep of n bytes, expecting PGW_END: use the password as given. */
static void expect_raw_n(const char *s, size_t n)
{
    char *out = (char *)"sentinel";
    size_t out_len = 99;
    pgw_status rc = pgwi_saslprep(NULL, s, n, &out, &out_len);
    if (rc != PGW_END) {
        char hex[256] = "";
        for (size_t i = 0; i < n && i < 100; i++)
            snprintf(hex + 2 * i, sizeof hex - 2 * i, "%02x", (unsigned char)s[i]);
        fail_msg("saslprep of %s: %s, expected PGW_END", hex, pgw_status_name(rc));
    }
    assert_null(out);
    assert_int_equal(out_len, 0);
}

static void expect_raw(const char *s)
{
    expect_raw_n(s, strlen(s));
}

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
    size_t n = strlen(h);
    assert_int_equal(n % 2, 0);
    assert_true(n / 2 <= cap);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
    return n / 2;
}

/* ---- RFC 4013 section 3 examples ----------------------------------------- */

static void test_saslprep_rfc4013_soft_hyphen_is_mapped_to_nothing(void **state)
{
    expect_prepared("I\xc2\xad" "X", "IX");
}

/* "user" is ASCII: libpq's fast path uses it as is, without a copy. */
static void test_saslprep_rfc4013_ascii_is_used_as_is(void **state)
{
    expect_raw("user");
    expect_raw("USER");
}

static void test_saslprep_rfc4013_feminine_ordinal_becomes_a(void **state)
{
    expect_prepared("\xc2\xaa", "a");
}

static void test_saslprep_rfc4013_roman_numeral_nine_becomes_ix(void **state)
{
    expect_prepared("\xe2\x85\xa8", "IX");
}

/* RFC 4013 calls U+0007 an error. PostgreSQL never gets that far: alone it
 * is ASCII (fast path); next to a non-ASCII character it is prohibited, and
 * a prohibited password is hashed as given. Either way: the raw bytes. */
static void test_saslprep_rfc4013_control_character_is_used_as_is(void **state)
{
    expect_raw("\x07");
    expect_raw("p\xc3\xa4ss\x07");
}

/* RFC 4013's bidi example: U+0627 U+0031 ends with a digit, not a
 * right-to-left character. */
static void test_saslprep_rfc4013_bidi_violation_is_used_as_is(void **state)
{
    expect_raw("\xd8\xa7" "1");
}

/* ---- where PostgreSQL falls back to the raw password ---------------------- */

static void test_saslprep_ascii_controls_nul_and_empty_take_fast_path(void **state)
{
    expect_raw_n("a\0b\x7f\x1f", 5);
    expect_raw_n("", 0);
    expect_raw_n(NULL, 0);
}

/* pg_utf8_islegal()'s rules: strict UTF-8 only. Each bad sequence sits next
 * to a valid non-ASCII character, so only the invalid part decides. */
static void test_saslprep_invalid_utf8_is_used_as_is(void **state)
{
    static const struct {
        const char *s;
        size_t n;
    } bad[] = {
        {"\xc3\xa4\x80", 3},                 /* lone continuation byte */
        {"\xc3\xa4\xc0\xaf", 4},             /* overlong '/' */
        {"\xc3\xa4\xc1\xbf", 4},             /* overlong, C1 lead */
        {"\xc3\xa4\xe0\x80\xaf", 5},         /* overlong 3-byte */
        {"\xc3\xa4\xed\xa0\x80", 5},         /* surrogate U+D800 */
        {"\xc3\xa4\xed\xbf\xbf", 5},         /* surrogate U+DFFF */
        {"\xc3\xa4\xf0\x80\x80\x80", 6},     /* overlong 4-byte */
        {"\xc3\xa4\xf4\x90\x80\x80", 6},     /* U+110000 */
        {"\xc3\xa4\xf5\x80\x80\x80", 6},     /* F5 lead */
        {"\xc3\xa4\xf8\x88\x80\x80\x80", 7}, /* 5-byte form */
        {"\xc3\xa4\xfe", 3},
        {"\xc3\xa4\xff", 3},
        {"\xc3\xa4\xc3", 3},                 /* truncated at the end */
        {"\xc3\xa4\xe2\x82", 4},             /* truncated at the end */
        {"\xc3\xa4\xf0\x9f\x98", 5},         /* truncated at the end */
        {"\xc3\xa4\xe2\x28\xa1", 5},         /* bad second byte */
        {"\xc3\xa4\xe2\x82\x28", 5},         /* bad third byte */
        {"\xc3\xa4\xf0\x9f\x98\x28", 6},     /* bad fourth byte */
        {"\xc3\x28", 2},                     /* bad continuation */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_raw_n(bad[i].s, bad[i].n);
}

/* The boundaries of each UTF-8 length decode to the right code points
 * (checked through characters SASLprep keeps or maps). */
static void test_saslprep_utf8_length_boundaries_decode(void **state)
{
    expect_prepared("\xc2\xaa", "a");                            /* 2 bytes, low */
    expect_prepared("\xde\xb1", "\xde\xb1");                     /* U+07B1, AL: 2 bytes high */
    expect_prepared("\xe0\xa4\x85", "\xe0\xa4\x85");             /* U+0905, E0 A0..BF */
    expect_prepared("\xed\x9e\xa3", "\xed\x9e\xa3");             /* U+D7A3, ED 80..9F */
    expect_prepared("\xef\xbf\xa0", "\xc2\xa2");                 /* U+FFE0 -> U+00A2 */
    expect_prepared("\xf0\x9d\x90\x80", "A");                    /* U+1D400, F0 90..BF */
    expect_prepared("\xf0\xa0\x80\x80", "\xf0\xa0\x80\x80");     /* U+20000 */
    expect_prepared("\xf0\xaf\xa0\x80", "\xe4\xb8\xbd");         /* U+2F800 -> U+4E3D */
    expect_raw("\xf4\x8f\xbf\xbd");                              /* U+10FFFD: C.3 */
}

static void test_saslprep_empty_after_mapping_is_used_as_is(void **state)
{
    expect_raw("\xc2\xad");
    expect_raw("\xc2\xad\xe2\x80\x8d\xef\xbb\xbf\xef\xb8\x8f"); /* 00AD 200D FEFF FE0F */
}

/* C.1.2 spaces become U+0020. U+200B is in both C.1.2 and B.1: PostgreSQL
 * checks C.1.2 first, so it becomes a space, not nothing. */
static void test_saslprep_non_ascii_spaces_become_space(void **state)
{
    expect_prepared("a\xc2\xa0" "b\xe3\x80\x80" "c\xe2\x80\x89" "d", "a b c d");
    expect_prepared("pa\xe2\x80\x8bss", "pa ss");
}

static void test_saslprep_commonly_mapped_to_nothing_is_removed(void **state)
{
    expect_prepared("p\xc2\xad" "a\xcd\x8fs\xe1\xa0\x86s\xe1\xa0\x8b\xe2\x81\xa0\xef\xb8\x80" "\xc3\xa9",
                    "pass\xc3\xa9");
}

/* Unicode 3.2's unassigned code points (A.1), e.g. every emoji. */
static void test_saslprep_unassigned_code_point_is_used_as_is(void **state)
{
    expect_raw("pass\xf0\x9f\x98\x80"); /* U+1F600 */
    expect_raw("\xc8\xa1");             /* U+0221 */
    expect_raw("\xe1\x86\xa7");         /* U+11A7 */
}

/* One character of each prohibited-output table, after an allowed
 * non-ASCII character so the fast path does not apply. */
static void test_saslprep_prohibited_output_is_used_as_is(void **state)
{
    static const char *const prohibited[] = {
        "\xc3\xa4\x01",             /* C.2.1 U+0001 */
        "\xc3\xa4\x7f",             /* C.2.1 U+007F */
        "\xc3\xa4\xc2\x80",         /* C.2.2 U+0080 */
        "\xc3\xa4\xdb\x9d",         /* C.2.2 U+06DD */
        "\xc3\xa4\xe2\x80\xa8",     /* C.2.2 U+2028 */
        "\xc3\xa4\xf0\x9d\x85\xb3", /* C.2.2 U+1D173 */
        "\xc3\xa4\xee\x80\x80",     /* C.3 U+E000 */
        "\xc3\xa4\xf3\xb0\x80\x80", /* C.3 U+F0000 */
        "\xc3\xa4\xef\xb7\x90",     /* C.4 U+FDD0 */
        "\xc3\xa4\xef\xbf\xbe",     /* C.4 U+FFFE */
        "\xc3\xa4\xef\xbf\xbc",     /* C.6 U+FFFC */
        "\xc3\xa4\xef\xbf\xbd",     /* C.6 U+FFFD */
        "\xc3\xa4\xe2\xbf\xb0",     /* C.7 U+2FF0 */
        "\xc3\xa4\xcd\x80",         /* C.8 U+0340 */
        "\xc3\xa4\xe2\x80\x8e",     /* C.8 U+200E */
        "\xc3\xa4\xe2\x80\xaa",     /* C.8 U+202A */
        "\xc3\xa4\xf3\xa0\x80\x81", /* C.9 U+E0001 */
        "\xc3\xa4\xf3\xa0\x81\xbf", /* C.9 U+E007F */
    };
    for (size_t i = 0; i < sizeof prohibited / sizeof prohibited[0]; i++)
        expect_raw(prohibited[i]);
}

/* RFC 3454 section 6: with any R/AL character, no L character, and R/AL
 * first and last. */
static void test_saslprep_bidi_rules_decide(void **state)
{
    expect_prepared("\xd7\x90\xd7\x91", "\xd7\x90\xd7\x91");           /* R R */
    expect_prepared("\xd7\x90" "1 \xd7\x91", "\xd7\x90" "1 \xd7\x91"); /* R EN WS R */
    expect_raw("\xd7\x90" "a\xd7\x91");                                /* L inside */
    expect_raw("1\xd7\x90");                                           /* starts with EN */
    expect_raw("\xd7\x90 ");                                           /* ends with WS */
    expect_prepared("1 \xc3\xa9", "1 \xc3\xa9");                      /* no R/AL: no rule */
}

/* PostgreSQL runs the prohibition and bidi checks over the mapped input,
 * not the normalised output as RFC 4013 says. Both cases are pinned by
 * secrets a real server computed (saslprep_pg15.txt). */
static void test_saslprep_checks_mapped_input_as_postgres_does(void **state)
{
    /* U+2100 ACCOUNT OF is a neutral; its NFKC "a/c" has L characters. */
    expect_prepared("\xd8\xa7\xe2\x84\x80\xd8\xa7", "\xd8\xa7" "a/c\xd8\xa7");
    /* U+1F101 is unassigned in Unicode 3.2; its NFKC "0," would pass. */
    expect_raw("x\xf0\x9f\x84\x81");
}

static void test_saslprep_normalises_with_nfkc(void **state)
{
    expect_prepared("passe\xcc\x81", "pass\xc3\xa9");                           /* compose */
    expect_prepared("a\xcc\x82\xcc\xa3", "\xe1\xba\xad");                       /* reorder */
    expect_prepared("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab", "\xed\x95\x9c");    /* L V T */
    expect_prepared("\xef\xac\x81\xe3\x8e\x8f\xe2\x91\xa0", "fikg1");           /* compat */
    expect_prepared("\xef\xbd\x90\xef\xbd\x81\xef\xbd\x93\xef\xbd\x93", "pass"); /* fullwidth */
    expect_prepared("\xc3\xa9", "\xc3\xa9");                                    /* unchanged */
}

static void test_saslprep_null_arguments_are_invalid(void **state)
{
    char *out = NULL;
    size_t n = 0;
    assert_int_equal(pgwi_saslprep(NULL, "\xc3\xa4", 2, NULL, &n), PGW_E_INVALID);
    assert_int_equal(pgwi_saslprep(NULL, "\xc3\xa4", 2, &out, NULL), PGW_E_INVALID);
    assert_int_equal(pgwi_saslprep(NULL, NULL, 1, &out, &n), PGW_E_INVALID);
    assert_null(out);
}

/* Every allocation failure is PGW_E_NOMEM with nothing leaked, and every
 * block goes back with the size it was allocated with. */
static void test_saslprep_allocation_failures_are_nomem_without_leaks(void **state)
{
    static const char pw[] = "p\xc3\xa4ssw\xc3\xb6rd\xe2\x85\xa8\xef\xac\x81";
    size_t n;
    for (n = 1; n < 20; n++) {
        failing_alloc fa;
        failing_alloc_init(&fa, n);
        char *out = NULL;
        size_t out_len = 0;
        pgw_status rc = pgwi_saslprep(failing_alloc_get(&fa), pw, sizeof pw - 1, &out, &out_len);
        if (rc == PGW_OK) {
            assert_int_equal(out_len, strlen("p\xc3\xa4ssw\xc3\xb6rdIXfi"));
            assert_memory_equal(out, "p\xc3\xa4ssw\xc3\xb6rdIXfi", out_len);
            pgwi_free(failing_alloc_get(&fa), out, out_len);
            assert_true(failing_alloc_clean(&fa));
            break;
        }
        assert_int_equal(rc, PGW_E_NOMEM);
        assert_null(out);
        assert_true(failing_alloc_clean(&fa));
    }
    assert_true(n > 1);
    assert_true(n < 20);
}

/* ---- NFKC -------------------------------------------------------------------- */

static size_t parse_cps(const char *s, uint32_t *out, size_t cap)
{
    size_t n = 0;
    while (*s != '\0') {
        char *end;
        unsigned long v = strtoul(s, &end, 16);
        assert_true(end != s);
        assert_true(n < cap);
        out[n++] = (uint32_t)v;
        s = end;
        while (*s == ' ')
            s++;
    }
    return n;
}

/* Thousands of cases generated from Python's unicodedata.normalize('NFKC')
 * (and checked against PostgreSQL 15's normalize()). */
static void test_nfkc_matches_unicodedata_vectors(void **state)
{
    FILE *f = fopen(PGW_TEST_VECTORS_DIR "/nfkc_vectors.txt", "r");
    assert_non_null(f);
    char line[1024];
    size_t cases = 0, lineno = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *semi = strchr(line, ';');
        assert_non_null(semi);
        *semi = '\0';
        uint32_t in[64], want[128], got[256];
        size_t n = parse_cps(line, in, 64);
        size_t wn = parse_cps(semi + 1, want, 128);
        size_t bound = 0, gn = 0;
        assert_true(pgwi_nfkc_bound(in, n, &bound));
        assert_true(bound <= 256);
        assert_true(bound >= wn);
        assert_int_equal(pgwi_nfkc(in, n, got, bound, &gn), PGW_OK);
        if (gn != wn || memcmp(got, want, wn * sizeof want[0]) != 0) {
            fclose(f);
            fail_msg("nfkc_vectors.txt line %zu (%s): got %zu code points, first %04X", lineno,
                     line, gn, gn > 0 ? (unsigned)got[0] : 0u);
        }
        cases++;
    }
    fclose(f);
    assert_true(cases >= 9000);
}

static void test_nfkc_capacity_below_bound_is_too_large(void **state)
{
    const uint32_t in[] = {0xFDFA}; /* 18 code points */
    uint32_t out[18];
    size_t bound = 0, n = 7;
    assert_true(pgwi_nfkc_bound(in, 1, &bound));
    assert_int_equal(bound, 18);
    assert_int_equal(pgwi_nfkc(in, 1, out, 17, &n), PGW_E_TOO_LARGE);
    assert_int_equal(n, 0);
    assert_int_equal(pgwi_nfkc(in, 1, out, 18, &n), PGW_OK);
    assert_int_equal(n, 18);
    assert_int_equal(out[0], 0x0635);
}

static void test_nfkc_empty_input_is_empty(void **state)
{
    uint32_t out[1];
    size_t bound = 9, n = 9;
    assert_true(pgwi_nfkc_bound(NULL, 0, &bound));
    assert_int_equal(bound, 0);
    assert_int_equal(pgwi_nfkc(NULL, 0, out, 0, &n), PGW_OK);
    assert_int_equal(n, 0);
}

/* Hangul: LV + T composes only for a real trailing consonant (U+11A8 to
 * U+11C2); U+11A7 (TBASE) stays, as PostgreSQL 15.20 and Python agree. */
static void test_nfkc_hangul_tbase_is_not_a_trailing_consonant(void **state)
{
    const uint32_t lvt[] = {0x1100, 0x1161, 0x11A8}, lv_tbase[] = {0xAC00, 0x11A7};
    uint32_t out[4];
    size_t n = 0;
    assert_int_equal(pgwi_nfkc(lvt, 3, out, 4, &n), PGW_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 0xAC01);
    assert_int_equal(pgwi_nfkc(lv_tbase, 2, out, 4, &n), PGW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(out[0], 0xAC00);
    assert_int_equal(out[1], 0x11A7);
}

/* ---- PostgreSQL 15 equivalence ----------------------------------------------- */

typedef struct pg_case {
    char label[64];
    uint8_t pw[128], prep[128];
    size_t pw_len, prep_len;
    bool raw;
    uint32_t iterations;
    uint8_t salt[64];
    size_t salt_len;
    uint8_t stored_key[PGWI_SHA256_LEN], server_key[PGWI_SHA256_LEN];
} pg_case;

static const char *field(char *line, const char *key)
{
    size_t kl = strlen(key);
    for (char *p = strtok(line, " "); p != NULL; p = strtok(NULL, " "))
        if (strncmp(p, key, kl) == 0 && p[kl] == '=')
            return p + kl + 1;
    return NULL;
}

static void b64(const char *s, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    assert_int_equal(pgwi_base64_decode(s, n, out, cap, out_len), PGW_OK);
}

/* Parse "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>". */
static void parse_secret(const char *s, pg_case *c)
{
    const char *prefix = "SCRAM-SHA-256$";
    assert_int_equal(strncmp(s, prefix, strlen(prefix)), 0);
    s += strlen(prefix);
    char *end;
    c->iterations = (uint32_t)strtoul(s, &end, 10);
    assert_int_equal(*end, ':');
    const char *salt = end + 1;
    const char *dollar = strchr(salt, '$');
    assert_non_null(dollar);
    b64(salt, (size_t)(dollar - salt), c->salt, sizeof c->salt, &c->salt_len);
    const char *colon = strchr(dollar + 1, ':');
    assert_non_null(colon);
    size_t n = 0;
    b64(dollar + 1, (size_t)(colon - dollar - 1), c->stored_key, sizeof c->stored_key, &n);
    assert_int_equal(n, PGWI_SHA256_LEN);
    b64(colon + 1, strlen(colon + 1), c->server_key, sizeof c->server_key, &n);
    assert_int_equal(n, PGWI_SHA256_LEN);
}

static size_t load_pg_cases(pg_case *cases, size_t cap)
{
    FILE *f = fopen(PGW_TEST_VECTORS_DIR "/saslprep_pg15.txt", "r");
    assert_non_null(f);
    char line[1024], copy[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        assert_true(n < cap);
        pg_case *c = &cases[n++];
        memset(c, 0, sizeof *c);
        const char *v;
        strcpy(copy, line);
        assert_non_null(v = field(copy, "case"));
        snprintf(c->label, sizeof c->label, "%s", v);
        strcpy(copy, line);
        assert_non_null(v = field(copy, "pw"));
        c->pw_len = unhex(v, c->pw, sizeof c->pw);
        strcpy(copy, line);
        assert_non_null(v = field(copy, "kind"));
        c->raw = strcmp(v, "raw") == 0;
        assert_true(c->raw || strcmp(v, "prepared") == 0);
        if (!c->raw) {
            strcpy(copy, line);
            assert_non_null(v = field(copy, "prep"));
            c->prep_len = unhex(v, c->prep, sizeof c->prep);
        }
        strcpy(copy, line);
        assert_non_null(v = field(copy, "secret"));
        parse_secret(v, c);
    }
    fclose(f);
    return n;
}

/* What SASLprep makes of the case's password: the bytes a client hashes. */
static void prepared_bytes(const pg_case *c, uint8_t *buf, size_t *len)
{
    char *out = NULL;
    size_t out_len = 0;
    pgw_status rc = pgwi_saslprep(NULL, (const char *)c->pw, c->pw_len, &out, &out_len);
    bool ascii = true;
    for (size_t i = 0; i < c->pw_len; i++)
        if (c->pw[i] >= 0x80)
            ascii = false;
    if (c->raw) {
        if (rc != PGW_END)
            fail_msg("%s: %s, the server hashed the raw password", c->label, pgw_status_name(rc));
    } else if (rc == PGW_END) {
        /* Only pure ASCII is "prepared" by using it as is. */
        if (!ascii)
            fail_msg("%s: PGW_END, the server hashed the prepared password", c->label);
    } else {
        assert_int_equal(rc, PGW_OK);
        if (out_len != c->prep_len || memcmp(out, c->prep, out_len) != 0)
            fail_msg("%s: prepared password differs from the server's", c->label);
    }
    if (rc == PGW_OK) {
        memcpy(buf, out, out_len);
        *len = out_len;
        pgwi_wipe(out, out_len);
        pgwi_free(NULL, out, out_len);
    } else {
        memcpy(buf, c->pw, c->pw_len);
        *len = c->pw_len;
    }
}

/* The server ran its own SASLprep, then PBKDF2; our SASLprep plus PBKDF2
 * (through the crypto seam) must give the same StoredKey and ServerKey. */
static void test_saslprep_matches_postgres15_secrets(void **state)
{
    pg_case cases[40];
    size_t n = load_pg_cases(cases, 40);
    assert_true(n >= 25);
    size_t raw = 0;
    for (size_t i = 0; i < n; i++) {
        const pg_case *c = &cases[i];
        uint8_t pw[128], salted[PGWI_SHA256_LEN], client_key[PGWI_SHA256_LEN],
            stored[PGWI_SHA256_LEN], server[PGWI_SHA256_LEN];
        size_t pw_len = 0;
        prepared_bytes(c, pw, &pw_len);
        raw += c->raw;
        assert_int_equal(pgwi_pbkdf2_sha256(pw, pw_len, c->salt, c->salt_len, c->iterations,
                                            salted, sizeof salted),
                         PGW_OK);
        assert_int_equal(pgwi_hmac_sha256(salted, sizeof salted, "Client Key", 10, client_key),
                         PGW_OK);
        assert_int_equal(pgwi_sha256(client_key, sizeof client_key, stored), PGW_OK);
        assert_int_equal(pgwi_hmac_sha256(salted, sizeof salted, "Server Key", 10, server),
                         PGW_OK);
        if (memcmp(stored, c->stored_key, sizeof stored) != 0 ||
            memcmp(server, c->server_key, sizeof server) != 0)
            fail_msg("%s: StoredKey/ServerKey differ from PostgreSQL's", c->label);
    }
    /* Both outcomes are represented. */
    assert_true(raw >= 5);
    assert_true(n - raw >= 10);
}

/* ---- SCRAM uses SASLprep -------------------------------------------------------- */

#define NONCE "fyko+d2lbbFgONRv9qkxdawL"
#define SNONCE NONCE "3rfcNHYJY1ZVvWVs7j"

static size_t b64enc(const uint8_t *in, size_t n, char *out, size_t cap)
{
    size_t len = 0;
    assert_int_equal(pgwi_base64_encode(in, n, out, cap, &len), PGW_OK);
    out[len] = '\0';
    return len;
}

/* Play PostgreSQL's side of an exchange with the case's recorded secret:
 * pgw_scram must produce a proof the server accepts (SHA-256 of the
 * recovered ClientKey equals StoredKey) and accept its signature. */
static void exchange_with_pg_secret(const pg_case *c)
{
    char salt64[128], sf[256];
    b64enc(c->salt, c->salt_len, salt64, sizeof salt64);
    snprintf(sf, sizeof sf, "r=%s,s=%s,i=%u", SNONCE, salt64, (unsigned)c->iterations);

    pgw_buf cf, cfin;
    pgw_buf_init(&cf, NULL, 0);
    pgw_buf_init(&cfin, NULL, 0);
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_nonce(&s, NULL, (const char *)c->pw, c->pw_len, NULL,
                                                 NONCE, strlen(NONCE), &cf),
                     PGW_OK);
    assert_int_equal(pgw_scram_continue(s, (const uint8_t *)sf, strlen(sf), &cfin), PGW_OK);

    /* AuthMessage = client-first-bare "," server-first "," client-final
     * without its proof. A pgw_buf is not NUL-terminated: copy first. */
    char first[256], final[256];
    assert_true(cf.len > 3 && cf.len < sizeof first && cfin.len < sizeof final);
    memcpy(first, cf.data, cf.len);
    first[cf.len] = '\0';
    memcpy(final, cfin.data, cfin.len);
    final[cfin.len] = '\0';
    assert_int_equal(strncmp(first, "n,,", 3), 0);
    const char *proof = strstr(final, ",p=");
    assert_non_null(proof);
    size_t without = (size_t)(proof - final);
    char auth[1024];
    int an = snprintf(auth, sizeof auth, "%s,%s,%.*s", first + 3, sf, (int)without, final);
    assert_true(an > 0 && (size_t)an < sizeof auth);

    uint8_t sig[PGWI_SHA256_LEN], p[64], key[PGWI_SHA256_LEN], h[PGWI_SHA256_LEN];
    size_t plen = 0;
    b64(proof + 3, strlen(proof + 3), p, sizeof p, &plen);
    assert_int_equal(plen, PGWI_SHA256_LEN);
    assert_int_equal(pgwi_hmac_sha256(c->stored_key, PGWI_SHA256_LEN, auth, (size_t)an, sig),
                     PGW_OK);
    for (size_t i = 0; i < PGWI_SHA256_LEN; i++)
        key[i] = (uint8_t)(p[i] ^ sig[i]);
    assert_int_equal(pgwi_sha256(key, sizeof key, h), PGW_OK);
    if (memcmp(h, c->stored_key, sizeof h) != 0)
        fail_msg("%s: the server would refuse our proof", c->label);

    uint8_t ssig[PGWI_SHA256_LEN];
    assert_int_equal(pgwi_hmac_sha256(c->server_key, PGWI_SHA256_LEN, auth, (size_t)an, ssig),
                     PGW_OK);
    char v[128] = "v=";
    b64enc(ssig, sizeof ssig, v + 2, sizeof v - 2);
    assert_int_equal(pgw_scram_finish(s, (const uint8_t *)v, strlen(v)), PGW_OK);

    pgw_scram_free(s);
    pgw_buf_free(&cf);
    pgw_buf_free(&cfin);
}

static void test_scram_exchange_accepts_postgres15_secrets(void **state)
{
    pg_case cases[40];
    size_t n = load_pg_cases(cases, 40);
    assert_true(n >= 25);
    for (size_t i = 0; i < n; i++)
        exchange_with_pg_secret(&cases[i]);
}

/* Through pgw_scram_begin: a password and its SASLprep form give the same
 * client-final-message. */
static void test_scram_begin_prepares_the_password(void **state)
{
    const char *sf = "r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16";
    const char *pws[] = {"I\xc2\xadX", "\xe2\x85\xa8", "IX"};
    pgw_buf outs[3];
    for (size_t i = 0; i < 3; i++) {
        pgw_buf cf;
        pgw_buf_init(&cf, NULL, 0);
        pgw_buf_init(&outs[i], NULL, 0);
        pgw_scram *s = NULL;
        assert_int_equal(pgwi_scram_begin_with_nonce(&s, NULL, pws[i], strlen(pws[i]), NULL, NONCE,
                                                     strlen(NONCE), &cf),
                         PGW_OK);
        assert_int_equal(pgw_scram_continue(s, (const uint8_t *)sf, strlen(sf), &outs[i]), PGW_OK);
        pgw_scram_free(s);
        pgw_buf_free(&cf);
    }
    assert_int_equal(outs[0].len, outs[2].len);
    assert_memory_equal(outs[0].data, outs[2].data, outs[2].len);
    assert_int_equal(outs[1].len, outs[2].len);
    assert_memory_equal(outs[1].data, outs[2].data, outs[2].len);
    for (size_t i = 0; i < 3; i++)
        pgw_buf_free(&outs[i]);
}

/* pgw_scram_begin passes allocation failures in SASLprep on as
 * PGW_E_NOMEM and leaks nothing. */
static void test_scram_begin_saslprep_allocation_failure_is_nomem(void **state)
{
    static const char pw[] = "p\xc3\xa4ss\xe2\x85\xa8";
    size_t n;
    bool saw_nomem = false;
    for (n = 1; n < 30; n++) {
        failing_alloc fa;
        failing_alloc_init(&fa, n);
        pgw_buf cf;
        pgw_buf_init(&cf, NULL, 0);
        pgw_scram *s = NULL;
        pgw_status rc = pgwi_scram_begin_with_nonce(&s, failing_alloc_get(&fa), pw, sizeof pw - 1,
                                                    NULL, NONCE, strlen(NONCE), &cf);
        pgw_buf_free(&cf);
        if (rc == PGW_OK) {
            pgw_scram_free(s);
            assert_true(failing_alloc_clean(&fa));
            break;
        }
        assert_int_equal(rc, PGW_E_NOMEM);
        assert_null(s);
        assert_true(failing_alloc_clean(&fa));
        saw_nomem = true;
    }
    assert_true(saw_nomem);
    assert_true(n < 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_saslprep_rfc4013_soft_hyphen_is_mapped_to_nothing),
        cmocka_unit_test(test_saslprep_rfc4013_ascii_is_used_as_is),
        cmocka_unit_test(test_saslprep_rfc4013_feminine_ordinal_becomes_a),
        cmocka_unit_test(test_saslprep_rfc4013_roman_numeral_nine_becomes_ix),
        cmocka_unit_test(test_saslprep_rfc4013_control_character_is_used_as_is),
        cmocka_unit_test(test_saslprep_rfc4013_bidi_violation_is_used_as_is),
        cmocka_unit_test(test_saslprep_ascii_controls_nul_and_empty_take_fast_path),
        cmocka_unit_test(test_saslprep_invalid_utf8_is_used_as_is),
        cmocka_unit_test(test_saslprep_utf8_length_boundaries_decode),
        cmocka_unit_test(test_saslprep_empty_after_mapping_is_used_as_is),
        cmocka_unit_test(test_saslprep_non_ascii_spaces_become_space),
        cmocka_unit_test(test_saslprep_commonly_mapped_to_nothing_is_removed),
        cmocka_unit_test(test_saslprep_unassigned_code_point_is_used_as_is),
        cmocka_unit_test(test_saslprep_prohibited_output_is_used_as_is),
        cmocka_unit_test(test_saslprep_bidi_rules_decide),
        cmocka_unit_test(test_saslprep_checks_mapped_input_as_postgres_does),
        cmocka_unit_test(test_saslprep_normalises_with_nfkc),
        cmocka_unit_test(test_saslprep_null_arguments_are_invalid),
        cmocka_unit_test(test_saslprep_allocation_failures_are_nomem_without_leaks),
        cmocka_unit_test(test_nfkc_matches_unicodedata_vectors),
        cmocka_unit_test(test_nfkc_capacity_below_bound_is_too_large),
        cmocka_unit_test(test_nfkc_empty_input_is_empty),
        cmocka_unit_test(test_nfkc_hangul_tbase_is_not_a_trailing_consonant),
        cmocka_unit_test(test_saslprep_matches_postgres15_secrets),
        cmocka_unit_test(test_scram_exchange_accepts_postgres15_secrets),
        cmocka_unit_test(test_scram_begin_prepares_the_password),
        cmocka_unit_test(test_scram_begin_saslprep_allocation_failure_is_nomem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
