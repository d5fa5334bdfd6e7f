/* Time-zone rules: the TZif parser (files built here, so every field is
 * known), the POSIX TZ string parser, lookups, and pgw_tz_load() against
 * the system tz database and a private $TZDIR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pgwire/datetime.h"

#define S(x) x, strlen(x)

/* ---- a TZif builder ----------------------------------------------------- */

typedef struct zone_type {
    int32_t off;
    uint8_t isdst, abbr;
} zone_type;

static void put32(pgw_buf *b, uint32_t v)
{
    assert_int_equal(pgw_buf_put_i32(b, (int32_t)v), PGW_OK);
}

static void header(pgw_buf *b, char version, uint32_t timecnt, uint32_t typecnt,
                   uint32_t charcnt)
{
    assert_int_equal(pgw_buf_append(b, "TZif", 4), PGW_OK);
    uint8_t pad[16] = {(uint8_t)version};
    assert_int_equal(pgw_buf_append(b, pad, 16), PGW_OK);
    put32(b, 0); /* isutcnt */
    put32(b, 0); /* isstdcnt */
    put32(b, 0); /* leapcnt */
    put32(b, timecnt);
    put32(b, typecnt);
    put32(b, charcnt);
}

/* LMT (+00:20:34) until 1900-01-01, then AAA (+01) with BBB (+02) DST in
 * 2000; the footer continues with EU-style rules. */
static const int64_t trans[] = {INT64_C(-2208988800), 954032400, 972781200};
static const uint8_t idx[] = {1, 2, 1};
static const zone_type types[] = {{1234, 0, 0}, {3600, 0, 4}, {7200, 1, 8}};
static const char chars[] = "LMT\0AAA\0BBB"; /* 12 bytes with the final NUL */
#define FOOTER "AAA-1BBB,M3.5.0/2,M10.5.0/3"

static void block(pgw_buf *b, bool wide, size_t first)
{
    for (size_t i = first; i < 3; i++) {
        if (wide) {
            put32(b, (uint32_t)((uint64_t)trans[i] >> 32));
            put32(b, (uint32_t)(uint64_t)trans[i]);
        } else {
            put32(b, (uint32_t)(int32_t)trans[i]);
        }
    }
    assert_int_equal(pgw_buf_append(b, idx + first, 3 - first), PGW_OK);
    for (size_t i = 0; i < 3; i++) {
        put32(b, (uint32_t)types[i].off);
        uint8_t t[2] = {types[i].isdst, types[i].abbr};
        assert_int_equal(pgw_buf_append(b, t, 2), PGW_OK);
    }
    assert_int_equal(pgw_buf_append(b, chars, 12), PGW_OK);
}

/* version '2' (v1 block without the pre-1901 transition, which does not
 * fit 32 bits) or 0 (v1 only). */
static void build(pgw_buf *b, char version, const char *footer)
{
    pgw_buf_init(b, NULL, 0);
    if (version == 0) {
        header(b, 0, 2, 3, 12);
        block(b, false, 1);
        return;
    }
    header(b, version, 2, 3, 12);
    block(b, false, 1);
    header(b, version, 3, 3, 12);
    block(b, true, 0);
    assert_int_equal(pgw_buf_append(b, "\n", 1), PGW_OK);
    assert_int_equal(pgw_buf_append(b, footer, strlen(footer)), PGW_OK);
    assert_int_equal(pgw_buf_append(b, "\n", 1), PGW_OK);
}

static void expect(const pgw_tz *tz, int64_t t, int32_t off, bool dst, const char *abbr)
{
    pgw_tz_info zi;
    assert_int_equal(pgw_tz_lookup(tz, t, &zi), PGW_OK);
    if (zi.utc_offset != off || zi.is_dst != dst || strcmp(zi.abbr, abbr) != 0)
        fail_msg("at %lld: want %d %d %s, got %d %d %s", (long long)t, off, dst, abbr,
                 zi.utc_offset, zi.is_dst, zi.abbr);
}

static void test_tz_tzif_v2_table_type0_and_footer_rule(void **s)
{
    pgw_buf b;
    build(&b, '2', FOOTER);
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_parse_tzif(b.data, b.len, NULL, &tz), PGW_OK);
    expect(tz, INT64_MIN, 1234, false, "LMT");          /* before the first: type 0 */
    expect(tz, INT64_C(-2208988801), 1234, false, "LMT");
    expect(tz, INT64_C(-2208988800), 3600, false, "AAA");
    expect(tz, 954032399, 3600, false, "AAA");
    expect(tz, 954032400, 7200, true, "BBB");
    expect(tz, 972781199, 7200, true, "BBB");
    expect(tz, 972781200, 3600, false, "AAA");
    /* 2001: the footer. Last Sunday of March 2001 is the 25th; 02:00 AAA
     * is 01:00 UTC = 985482000. October: the 28th, 03:00 BBB = 01:00 UTC. */
    expect(tz, 985481999, 3600, false, "AAA");
    expect(tz, 985482000, 7200, true, "BBB");
    expect(tz, 1004230799, 7200, true, "BBB");
    expect(tz, 1004230800, 3600, false, "AAA");
    /* far future: still the rule (year 292277026596 is out of the
     * calendar's range and clamps, but answers) */
    pgw_tz_info zi;
    assert_int_equal(pgw_tz_lookup(tz, INT64_MAX, &zi), PGW_OK);
    assert_true(zi.utc_offset == 3600 || zi.utc_offset == 7200);
    pgw_tz_free(tz);
    pgw_buf_free(&b);
}

static void test_tz_tzif_v1_uses_32_bit_block_without_rule(void **s)
{
    pgw_buf b;
    build(&b, 0, NULL);
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_parse_tzif(b.data, b.len, NULL, &tz), PGW_OK);
    expect(tz, 0, 1234, false, "LMT");         /* before 2000: type 0 */
    expect(tz, 954032400, 7200, true, "BBB");
    expect(tz, 1004230800, 3600, false, "AAA"); /* after the last: its type */
    pgw_tz_free(tz);
    pgw_buf_free(&b);
}

static void test_tz_tzif_v3_and_empty_footer_are_accepted(void **s)
{
    pgw_buf b;
    build(&b, '3', "");
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_parse_tzif(b.data, b.len, NULL, &tz), PGW_OK);
    expect(tz, 1004230800, 3600, false, "AAA");
    pgw_tz_free(tz);
    pgw_buf_free(&b);
}

static void test_tz_tzif_every_truncation_is_invalid(void **s)
{
    pgw_buf b;
    build(&b, '2', FOOTER);
    for (size_t n = 0; n < b.len; n++) {
        pgw_tz *tz = NULL;
        pgw_status rc = pgw_tz_parse_tzif(b.data, n, NULL, &tz);
        if (rc != PGW_E_INVALID)
            fail_msg("prefix %zu: %d", n, (int)rc);
        assert_null(tz);
    }
    pgw_buf_free(&b);
}

/* Corrupt one byte of a valid file at a known offset. */
static pgw_status corrupt(size_t off, uint8_t v)
{
    pgw_buf b;
    build(&b, '2', FOOTER);
    b.data[off] = v;
    pgw_tz *tz = NULL;
    pgw_status rc = pgw_tz_parse_tzif(b.data, b.len, NULL, &tz);
    pgw_tz_free(tz);
    pgw_buf_free(&b);
    return rc;
}

static void test_tz_tzif_malformed_fields_are_refused(void **s)
{
    /* v1 block: 2*4 + 2 + 3*6 + 12 = 40 bytes; second header at 84; its
     * block at 128: times 128..151, indices 152..154, types from 155
     * (offset, isdst at 159, abbreviation index at 160) */
    assert_int_equal(corrupt(0, 'X'), PGW_E_INVALID);   /* magic */
    assert_int_equal(corrupt(4, '9'), PGW_E_INVALID);   /* version */
    assert_int_equal(corrupt(152, 3), PGW_E_INVALID);   /* type index */
    assert_int_equal(corrupt(159, 2), PGW_E_INVALID);   /* isdst not 0/1 */
    assert_int_equal(corrupt(160, 12), PGW_E_INVALID);  /* abbreviation index */
    assert_int_equal(corrupt(136, 0x80), PGW_E_INVALID); /* transitions out of order */
    assert_int_equal(corrupt(84 + 39, 0), PGW_E_INVALID); /* typecnt 0 */
    assert_int_equal(corrupt(84 + 33, 0xff), PGW_E_TOO_LARGE); /* timecnt huge */
    pgw_buf b;
    build(&b, '2', "not a rule");
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_parse_tzif(b.data, b.len, NULL, &tz), PGW_E_INVALID);
    pgw_buf_free(&b);
    assert_int_equal(pgw_tz_parse_tzif(NULL, 0, NULL, &tz), PGW_E_INVALID);
    assert_null(tz);
}

/* An allocator that fails every allocation. */
static void *no_alloc(void *ud, size_t n)
{
    (void)ud, (void)n;
    return NULL;
}
static void *no_realloc(void *ud, void *p, size_t o, size_t n)
{
    (void)ud, (void)p, (void)o, (void)n;
    return NULL;
}
static void no_free(void *ud, void *p, size_t n)
{
    (void)ud, (void)p, (void)n;
}

static void test_tz_allocation_failure_is_nomem(void **s)
{
    pgw_allocator a = {no_alloc, no_realloc, no_free, NULL};
    pgw_buf b;
    build(&b, '2', FOOTER);
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_parse_tzif(b.data, b.len, &a, &tz), PGW_E_NOMEM);
    assert_int_equal(pgw_tz_parse_posix(S("UTC0"), &a, &tz), PGW_E_NOMEM);
    assert_int_equal(pgw_tz_load("UTC", &a, &tz), PGW_E_NOMEM);
    assert_null(tz);
    pgw_buf_free(&b);
}

/* ---- POSIX TZ strings ----------------------------------------------------- */

static void test_tz_posix_us_rule_transitions(void **s)
{
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_parse_posix(S("EST5EDT,M3.2.0,M11.1.0"), NULL, &tz), PGW_OK);
    /* 2021-03-14 07:00 UTC and 2021-11-07 06:00 UTC */
    expect(tz, 1615705199, -18000, false, "EST");
    expect(tz, 1615705200, -14400, true, "EDT");
    expect(tz, 1636264799, -14400, true, "EDT");
    expect(tz, 1636264800, -18000, false, "EST");
    /* year 1800 and 100000 follow the same rule */
    expect(tz, INT64_C(-5363452800), -18000, false, "EST"); /* 1800-01-15 */
    expect(tz, INT64_C(-5347814400), -14400, true, "EDT");  /* 1800-07-15 */
    pgw_tz_free(tz);
}

static void test_tz_posix_forms(void **s)
{
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_parse_posix(S("<+03>-03"), NULL, &tz), PGW_OK);
    expect(tz, 0, 10800, false, "+03");
    pgw_tz_free(tz);
    assert_int_equal(pgw_tz_parse_posix(S("<+05:45>-05:45"), NULL, &tz), PGW_OK);
    expect(tz, 0, 20700, false, "+05:45");
    pgw_tz_free(tz);
    /* a bare offset, as the server keeps SET TIME ZONE '-11:30' */
    assert_int_equal(pgw_tz_parse_posix(S("-11:30"), NULL, &tz), PGW_OK);
    expect(tz, 0, 41400, false, "");
    pgw_tz_free(tz);
    /* southern hemisphere: DST across the new year (Sydney, 2021) */
    assert_int_equal(pgw_tz_parse_posix(S("AEST-10AEDT,M10.1.0,M4.1.0/3"), NULL, &tz), PGW_OK);
    expect(tz, 1609459200, 39600, true, "AEDT");  /* 2021-01-01 */
    expect(tz, 1617465599, 39600, true, "AEDT");  /* 2021-04-04 02:59:59 AEDT */
    expect(tz, 1617465600, 36000, false, "AEST");
    expect(tz, 1633190399, 36000, false, "AEST"); /* 2021-10-03 01:59:59 AEST */
    expect(tz, 1633190400, 39600, true, "AEDT");
    pgw_tz_free(tz);
    /* Lord Howe: half-hour DST */
    assert_int_equal(
        pgw_tz_parse_posix(S("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"), NULL, &tz), PGW_OK);
    expect(tz, 1617462000, 37800, false, "+1030"); /* 2021-04-03 15:00 UTC */
    expect(tz, 1617461999, 39600, true, "+11");
    pgw_tz_free(tz);
    /* no rule: the US default */
    assert_int_equal(pgw_tz_parse_posix(S("EST5EDT"), NULL, &tz), PGW_OK);
    expect(tz, 1615705200, -14400, true, "EDT");
    pgw_tz_free(tz);
    /* Julian forms: J60 is always March 1; 59 is Feb 29 or March 1 */
    assert_int_equal(pgw_tz_parse_posix(S("AAA0BBB,J60/0,300/0"), NULL, &tz), PGW_OK);
    expect(tz, 951868800 - 1, 0, false, "AAA"); /* 2000-03-01 00:00 UTC - 1 */
    expect(tz, 951868800, 3600, true, "BBB");
    pgw_tz_free(tz);
}

static void test_tz_posix_malformed_is_invalid(void **s)
{
    static const char *const bad[] = {
        "",        "E5",      "EST",          "EST5EDT,M13.1.0,M11.1.0", "EST5EDT,M3.2.0",
        "<+03-03", "EST25",   "EST5EDT,M3.6.0,M11.1.0", "EST5EDT,J0,J1", "EST5 ",
        "EST5EDT,M3.2.7,M11.1.0", "EST5EDT,M3.2.0/200,M11.1.0", "<>0", "ABCDEFGHIJKLMNOP0",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pgw_tz *tz = NULL;
        if (pgw_tz_parse_posix(S(bad[i]), NULL, &tz) != PGW_E_INVALID)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_null(tz);
    }
}

static void test_tz_lookup_null_zone_is_utc(void **s)
{
    expect(NULL, 12345, 0, false, "UTC");
    assert_int_equal(pgw_tz_lookup(NULL, 0, NULL), PGW_E_INVALID);
    pgw_tz_free(NULL);
}

/* ---- loading -------------------------------------------------------------- */

static void test_tz_load_system_zones(void **s)
{
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_load("UTC", NULL, &tz), PGW_OK);
    expect(tz, 0, 0, false, "UTC");
    pgw_tz_free(tz);
    assert_int_equal(pgw_tz_load("Etc/UTC", NULL, &tz), PGW_OK);
    expect(tz, INT64_C(4102444800), 0, false, "UTC");
    pgw_tz_free(tz);
    assert_int_equal(pgw_tz_load("GMT", NULL, &tz), PGW_OK);
    expect(tz, 0, 0, false, "GMT");
    pgw_tz_free(tz);
    assert_int_equal(pgw_tz_load("Etc/GMT+5", NULL, &tz), PGW_OK); /* POSIX sign: UTC-5 */
    expect(tz, 0, -18000, false, "-05");
    pgw_tz_free(tz);
    assert_int_equal(pgw_tz_load("America/New_York", NULL, &tz), PGW_OK);
    expect(tz, 1615705200, -14400, true, "EDT");
    expect(tz, INT64_C(4102444800), -18000, false, "EST"); /* 2100: the footer */
    expect(tz, INT64_C(-3029443200), -17762, false, "LMT"); /* 1874 */
    pgw_tz_free(tz);
    assert_int_equal(pgw_tz_load("Asia/Kathmandu", NULL, &tz), PGW_OK);
    expect(tz, 1600000000, 20700, false, "+0545");
    pgw_tz_free(tz);
    assert_int_equal(pgw_tz_load("<+03>-03", NULL, &tz), PGW_OK); /* not a path */
    expect(tz, 0, 10800, false, "+03");
    pgw_tz_free(tz);
}

static void test_tz_load_refuses_paths_and_unknown_names(void **s)
{
    static const char *const bad[] = {"../../etc/passwd", "/etc/passwd", "America/../UTC",
                                      "No/Such_Zone", "America", "", "UTC\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pgw_tz *tz = NULL;
        if (pgw_tz_load(bad[i], NULL, &tz) != PGW_E_INVALID)
            fail_msg("\"%s\" loaded", bad[i]);
        assert_null(tz);
    }
}

static void test_tz_load_reads_tzdir(void **s)
{
    char dir[] = "/tmp/pgw-tzdir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/Test_Zone", dir);
    pgw_buf b;
    build(&b, '2', FOOTER);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    fclose(f);
    snprintf(path, sizeof path, "%s/Not_A_Zone", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fputs("hello", f);
    fclose(f);
    const char *old = getenv("TZDIR");
    char *saved = old ? strdup(old) : NULL;
    setenv("TZDIR", dir, 1);
    pgw_tz *tz = NULL;
    assert_int_equal(pgw_tz_load("Test_Zone", NULL, &tz), PGW_OK);
    expect(tz, 954032400, 7200, true, "BBB");
    pgw_tz_free(tz);
    tz = NULL;
    assert_int_equal(pgw_tz_load("Not_A_Zone", NULL, &tz), PGW_E_INVALID);
    assert_null(tz);
    if (saved) {
        setenv("TZDIR", saved, 1);
        free(saved);
    } else {
        unsetenv("TZDIR");
    }
    unlink(path);
    snprintf(path, sizeof path, "%s/Test_Zone", dir);
    unlink(path);
    rmdir(dir);
    pgw_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_tzif_v2_table_type0_and_footer_rule),
        cmocka_unit_test(test_tz_tzif_v1_uses_32_bit_block_without_rule),
        cmocka_unit_test(test_tz_tzif_v3_and_empty_footer_are_accepted),
        cmocka_unit_test(test_tz_tzif_every_truncation_is_invalid),
        cmocka_unit_test(test_tz_tzif_malformed_fields_are_refused),
        cmocka_unit_test(test_tz_allocation_failure_is_nomem),
        cmocka_unit_test(test_tz_posix_us_rule_transitions),
        cmocka_unit_test(test_tz_posix_forms),
        cmocka_unit_test(test_tz_posix_malformed_is_invalid),
        cmocka_unit_test(test_tz_lookup_null_zone_is_utc),
        cmocka_unit_test(test_tz_load_system_zones),
        cmocka_unit_test(test_tz_load_refuses_paths_and_unknown_names),
        cmocka_unit_test(test_tz_load_reads_tzdir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
