/* Text-format date/time decoders of src/types.
 *
 * Every expected value below was computed by PostgreSQL 15 itself: the text
 * is what the server printed for the value (DateStyle ISO, in the time zone
 * noted), the number is what it returned for
 * (extract(epoch from v) * 1000000)::bigint, or v - date '1970-01-01' for
 * dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/types.h"

#define S(x) x, strlen(x)

typedef struct ts_case {
    const char *text;
    int64_t usec;
} ts_case;

static void check_tz(const ts_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t v = 0;
        pgw_status rc = pgw_decode_timestamptz_text(S(c[i].text), &v);
        if (rc != PGW_OK || v != c[i].usec)
            fail_msg("\"%s\": status %d, got %lld, want %lld", c[i].text, (int)rc, (long long)v,
                     (long long)c[i].usec);
    }
}

static void test_timestamptz_text_utc_server_values_match(void **s)
{
    static const ts_case c[] = {
        {"2020-01-01 00:00:01+00", INT64_C(1577836801000000)},
        {"1970-01-01 00:00:00+00", 0},
        {"1969-12-31 23:59:59.999999+00", -1},
        {"2000-02-29 12:34:56.789+00", INT64_C(951827696789000)},
        {"0001-01-01 00:00:00+00", INT64_C(-62135596800000000)},
        {"1900-02-28 23:00:00+00", INT64_C(-2203894800000000)},
        {"10000-01-01 00:00:00+00", INT64_C(253402300800000000)},
        {"294246-12-31 23:59:59.999999+00", INT64_C(9223371244799999999)},
    };
    check_tz(c, sizeof c / sizeof c[0]);
}

static void test_timestamptz_text_offsets_server_values_match(void **s)
{
    static const ts_case c[] = {
        /* TimeZone Asia/Kolkata, including its local mean time of 1900 */
        {"2020-06-15 15:30:00.5+05:30", INT64_C(1592215200500000)},
        {"1900-01-01 05:21:10+05:21:10", INT64_C(-2208988800000000)},
        /* America/Los_Angeles, and its local mean time of 1883 */
        {"2019-12-31 16:00:01.000001-08", INT64_C(1577836801000001)},
        {"1883-11-18 04:07:02-07:52:58", INT64_C(-2717668800000000)},
        /* America/St_Johns: a negative offset with minutes */
        {"2021-06-30 21:30:00-02:30", INT64_C(1625097600000000)},
    };
    check_tz(c, sizeof c / sizeof c[0]);
}

static void test_timestamptz_text_bc_server_values_match(void **s)
{
    static const ts_case c[] = {
        {"0001-12-31 23:59:59+00 BC", INT64_C(-62135596801000000)},
        {"4713-11-24 00:00:00+00 BC", INT64_C(-210835180800000000)},
        {"0001-12-31 05:53:28+05:53:28 BC", INT64_C(-62135683200000000)},
    };
    check_tz(c, sizeof c / sizeof c[0]);
}

static void test_timestamptz_text_infinity_maps_to_limits(void **s)
{
    int64_t v = 0;
    assert_int_equal(pgw_decode_timestamptz_text(S("infinity"), &v), PGW_OK);
    assert_true(v == INT64_MAX && v == PGW_TIMESTAMP_INFINITY);
    assert_int_equal(pgw_decode_timestamptz_text(S("-infinity"), &v), PGW_OK);
    assert_true(v == INT64_MIN && v == PGW_TIMESTAMP_NEG_INFINITY);
    assert_int_equal(pgw_decode_timestamp_text(S("infinity"), &v), PGW_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(pgw_decode_timestamp_text(S("-infinity"), &v), PGW_OK);
    assert_true(v == INT64_MIN);
}

static void test_timestamptz_text_fraction_digits_scale(void **s)
{
    int64_t v = 0;
    assert_int_equal(pgw_decode_timestamptz_text(S("1970-01-01 00:00:00.1+00"), &v), PGW_OK);
    assert_true(v == 100000);
    assert_int_equal(pgw_decode_timestamptz_text(S("1970-01-01 00:00:00.000010+00"), &v),
                     PGW_OK);
    assert_true(v == 10);
    assert_int_equal(pgw_decode_timestamptz_text(S("1970-01-01 00:00:00.12345+00"), &v), PGW_OK);
    assert_true(v == 123450);
}

static void test_timestamptz_text_past_int64_is_range(void **s)
{
    int64_t v = 42;
    /* The last representable microsecond is INT64_MAX - 1 (INT64_MAX itself
     * means infinity). */
    assert_int_equal(pgw_decode_timestamptz_text(S("294247-01-10 04:00:54.775806+00"), &v),
                     PGW_OK);
    assert_true(v == INT64_MAX - 1);
    assert_int_equal(pgw_decode_timestamptz_text(S("294247-01-10 04:00:54.775807+00"), &v),
                     PGW_E_RANGE);
    /* An offset east of UTC brings it back into range. */
    assert_int_equal(pgw_decode_timestamptz_text(S("294247-01-10 05:00:54.775806+01"), &v),
                     PGW_OK);
    assert_true(v == INT64_MAX - 1);
    /* The server's own maximum lies beyond int64 microseconds since 1970. */
    v = 42;
    assert_int_equal(pgw_decode_timestamptz_text(S("294276-12-31 23:59:59.999999+00"), &v),
                     PGW_E_RANGE);
    assert_int_equal(pgw_decode_timestamp_text(S("294276-12-31 23:59:59.999999"), &v),
                     PGW_E_RANGE);
    assert_int_equal(pgw_decode_timestamptz_text(S("99999999999999999999-01-01 00:00:00+00"), &v),
                     PGW_E_RANGE);
    /* Nine-digit years, BC too, are range errors, never wrapped values. */
    assert_int_equal(pgw_decode_timestamptz_text(S("999999999-01-01 00:00:00+00 BC"), &v),
                     PGW_E_RANGE);
    assert_int_equal(pgw_decode_timestamp_text(S("100000000-01-01 00:00:00 BC"), &v),
                     PGW_E_RANGE);
    assert_int_equal(pgw_decode_timestamp_text(S("99999999-01-01 00:00:00 BC"), &v),
                     PGW_E_RANGE);
    assert_true(v == 42); /* untouched on failure */
}

static void test_timestamptz_text_malformed_is_invalid(void **s)
{
    static const char *bad[] = {
        "",
        "Infinity",                         /* not the server's spelling */
        "2020-01-01",                       /* a date, not a timestamp */
        "2020-01-01 00:00:01",              /* no zone */
        "2020-01-01T00:00:01+00",           /* ISO 8601 "T" is input-only */
        "2020-01-01 00:00:01 +00",
        "2020-01-01 00:00:01+0",
        "2020-01-01 00:00:01+000",
        "2020-01-01 00:00:01+00:",
        "2020-01-01 00:00:01+00:3",
        "2020-01-01 00:00:01+00:30:",
        "2020-01-01 00:00:01+16",           /* beyond the server's limit */
        "2020-01-01 00:00:01+05:60",
        "2020-01-01 00:00:01Z",
        "2020-01-01 00:00:01.+00",
        "2020-01-01 00:00:01.1234567+00",   /* seven fraction digits */
        "2020-01-01 24:00:00+00",
        "2020-01-01 23:60:00+00",
        "2020-01-01 23:59:60+00",           /* the server never prints leap seconds */
        "2020-01-01 0:00:01+00",
        "2020-1-01 00:00:01+00",
        "020-01-01 00:00:01+00",            /* years have at least four digits */
        "02020-01-01 00:00:01+00",          /* and no extra leading zero */
        "0000-01-01 00:00:00+00",           /* there is no year 0 */
        "2020-00-01 00:00:00+00",
        "2020-13-01 00:00:00+00",
        "2020-01-00 00:00:00+00",
        "2020-01-32 00:00:00+00",
        "2019-02-29 00:00:00+00",           /* not a leap year */
        "1900-02-29 00:00:00+00",           /* centuries are not, */
        "2020-04-31 00:00:00+00",
        "2020-01-01 00:00:01+00 AD",
        "2020-01-01 00:00:01+00 BC ",
        "2020-01-01 00:00:01+00BC",
        "2020-01-01 00:00:01+00 bc",
        "+2020-01-01 00:00:01+00",
        "Wed Jan 01 00:00:01 2020 UTC",     /* DateStyle Postgres */
        "01/01/2020 00:00:01 UTC",          /* DateStyle SQL */
        "2020-01-01 00:00:01+00\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 42;
        pgw_status rc = pgw_decode_timestamptz_text(S(bad[i]), &v);
        if (rc != PGW_E_INVALID || v != 42)
            fail_msg("\"%s\": status %d, want PGW_E_INVALID", bad[i], (int)rc);
    }
    int64_t v;
    assert_int_equal(pgw_decode_timestamptz_text(NULL, 0, &v), PGW_E_INVALID);
    /* Malformed text wins over range, as for the integer decoders. */
    assert_int_equal(pgw_decode_timestamptz_text(S("99999999999-01-01 00:00:00+00 XX"), &v),
                     PGW_E_INVALID);
}

static void test_timestamptz_text_leap_days_valid(void **s)
{
    int64_t v;
    /* 2000 is a leap year (divisible by 400); 1 BC is astronomical year 0,
     * a leap year too, as the server counts it. */
    assert_int_equal(pgw_decode_timestamptz_text(S("2000-02-29 00:00:00+00"), &v), PGW_OK);
    assert_int_equal(pgw_decode_timestamptz_text(S("0001-02-29 00:00:00+00 BC"), &v), PGW_OK);
    assert_int_equal(pgw_decode_timestamptz_text(S("0002-02-29 00:00:00+00 BC"), &v),
                     PGW_E_INVALID);
    assert_int_equal(pgw_decode_timestamptz_text(S("0005-02-29 00:00:00+00 BC"), &v), PGW_OK);
}

/* The common shape (four-digit year, "+HH" or "+HH:MM") takes a fast path;
 * the same instant with the zone spelled "+HH:MM:SS" takes the general one.
 * Both must agree with a value counted independently from a running day
 * number, for every day of 1890..2110 at varied times, fractions and
 * zones. */
static void test_timestamptz_text_fast_and_general_paths_agree(void **s)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    static const char *fracs[] = {"", ".5", ".000001", ".123456", ".05"};
    static const int64_t frac_us[] = {0, 500000, 1, 123456, 50000};
    static const int zones[][2] = {{0, 0}, {5, 30}, {-8, 0}, {-3, 30}, {15, 59}, {-15, 0}};
    int64_t day = -29219; /* 1890-01-01 */
    unsigned k = 0;
    for (int y = 1890; y <= 2110; y++) {
        bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        for (int m = 1; m <= 12; m++) {
            int nd = mdays[m - 1] + (m == 2 && leap ? 1 : 0);
            for (int d = 1; d <= nd; d++, day++, k++) {
                int hh = (int)(k * 7 % 24), mi = (int)(k * 13 % 60), ss = (int)(k * 17 % 60);
                size_t fi = k % 5, zi = k % 6;
                int zh = zones[zi][0], zm = zones[zi][1];
                char zone[16], fast[64], general[64];
                if (zm != 0)
                    snprintf(zone, sizeof zone, "%c%02d:%02d", zh < 0 ? '-' : '+', zh < 0 ? -zh : zh,
                             zm);
                else
                    snprintf(zone, sizeof zone, "%c%02d", zh < 0 ? '-' : '+', zh < 0 ? -zh : zh);
                snprintf(fast, sizeof fast, "%04d-%02d-%02d %02d:%02d:%02d%s%s", y, m, d, hh, mi, ss,
                         fracs[fi], zone);
                snprintf(general, sizeof general, "%04d-%02d-%02d %02d:%02d:%02d%s%c%02d:%02d:00", y,
                         m, d, hh, mi, ss, fracs[fi], zh < 0 ? '-' : '+', zh < 0 ? -zh : zh, zm);
                int64_t off = (int64_t)(zh < 0 ? -1 : 1) * ((zh < 0 ? -zh : zh) * 3600 + zm * 60);
                int64_t want = (day * 86400 + hh * 3600 + mi * 60 + ss - off) * 1000000 + frac_us[fi];
                int64_t a = 0, b = 0;
                if (pgw_decode_timestamptz_text(S(fast), &a) != PGW_OK || a != want ||
                    pgw_decode_timestamptz_text(S(general), &b) != PGW_OK || b != want)
                    fail_msg("%s / %s: %lld / %lld, want %lld", fast, general, (long long)a,
                             (long long)b, (long long)want);
                /* and without the zone, as a timestamp */
                fast[strlen(fast) - strlen(zone)] = '\0';
                if (pgw_decode_timestamp_text(S(fast), &a) != PGW_OK || a != want + off * 1000000)
                    fail_msg("%s: %lld", fast, (long long)a);
            }
        }
    }
}

/* Malformed and odd texts near the fast path's shape: a whole-second
 * timestamptz with a "+HH" zone, one byte replaced. Spelling the zone
 * "+HH:00:00" instead sends the text to the general path; both spellings
 * must give the same status and value, so the fast path accepts nothing
 * the general one refuses and reads nothing differently. */
static void test_timestamptz_text_mutations_agree_with_general(void **s)
{
    static const char alpha[] = "0123456789-: .+T/\xfa\xff";
    uint32_t x = 777;
    for (int iter = 0; iter < 300000; iter++) {
        char t[48], g[64];
        x = x * 1103515245u + 12345u;
        unsigned y = 1 + (x >> 8) % 9999, mo = 1 + (x >> 4) % 12, d = 1 + (x >> 12) % 31;
        x = x * 1103515245u + 12345u;
        unsigned hh = (x >> 8) % 25, mi = (x >> 14) % 61, ss = (x >> 20) % 61, zh = (x >> 26) % 17;
        int n = snprintf(t, sizeof t, "%04u-%02u-%02u %02u:%02u:%02u%c%02u", y, mo, d, hh, mi, ss,
                         (x & 1) ? '-' : '+', zh);
        x = x * 1103515245u + 12345u;
        if ((x >> 28) != 0) /* mostly one byte replaced before the zone */
            t[(x >> 8) % (unsigned)(n - 3)] = alpha[(x >> 16) % (sizeof alpha - 1)];
        snprintf(g, sizeof g, "%s:00:00", t);
        int64_t a = 0, b = 0;
        pgw_status ra = pgw_decode_timestamptz_text(t, (size_t)n, &a);
        pgw_status rb = pgw_decode_timestamptz_text(g, strlen(g), &b);
        if (ra != rb || (ra == PGW_OK && a != b))
            fail_msg("\"%s\": %d/%d %lld/%lld", t, (int)ra, (int)rb, (long long)a, (long long)b);
    }
    (void)s;
}

static void test_timestamp_text_server_values_match(void **s)
{
    static const ts_case c[] = {
        {"2020-01-01 00:00:01", INT64_C(1577836801000000)},
        {"1582-10-04 23:59:59.5", INT64_C(-12220156800500000)},
        {"0001-02-29 00:00:00 BC", INT64_C(-62162121600000000)},
        {"294246-06-01 00:00:00", INT64_C(9223352755200000000)},
        {"2038-01-19 03:14:08", INT64_C(2147483648000000)},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int64_t v = 0;
        pgw_status rc = pgw_decode_timestamp_text(S(c[i].text), &v);
        if (rc != PGW_OK || v != c[i].usec)
            fail_msg("\"%s\": status %d, got %lld, want %lld", c[i].text, (int)rc, (long long)v,
                     (long long)c[i].usec);
    }
}

static void test_timestamp_text_zone_is_invalid(void **s)
{
    int64_t v;
    assert_int_equal(pgw_decode_timestamp_text(S("2020-01-01 00:00:01+00"), &v), PGW_E_INVALID);
    assert_int_equal(pgw_decode_timestamp_text(S("2020-01-01 00:00:01 BC+00"), &v),
                     PGW_E_INVALID);
    assert_int_equal(pgw_decode_timestamp_text(S("2020-01-01"), &v), PGW_E_INVALID);
    assert_int_equal(pgw_decode_timestamp_text(NULL, 0, &v), PGW_E_INVALID);
}

static void test_date_text_server_values_match(void **s)
{
    static const struct {
        const char *text;
        int32_t days;
    } c[] = {
        {"2020-01-01", 18262},       {"1969-12-31", -1},         {"4713-01-01 BC", -2440550},
        {"5874897-12-31", 2145042905}, {"2000-02-29", 11016},     {"0001-01-01", -719162},
        {"0001-12-31 BC", -719163},  {"2100-03-01", 47541},      {"1970-01-01", 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        int32_t v = 0;
        pgw_status rc = pgw_decode_date_text(S(c[i].text), &v);
        if (rc != PGW_OK || v != c[i].days)
            fail_msg("\"%s\": status %d, got %d, want %d", c[i].text, (int)rc, (int)v,
                     (int)c[i].days);
    }
}

static void test_date_text_infinity_and_range(void **s)
{
    int32_t v = 0;
    assert_int_equal(pgw_decode_date_text(S("infinity"), &v), PGW_OK);
    assert_true(v == INT32_MAX && v == PGW_DATE_INFINITY);
    assert_int_equal(pgw_decode_date_text(S("-infinity"), &v), PGW_OK);
    assert_true(v == INT32_MIN && v == PGW_DATE_NEG_INFINITY);
    /* Well-formed but beyond int32 days (the server stops at 5874897). */
    v = 7;
    assert_int_equal(pgw_decode_date_text(S("5881580-07-11"), &v), PGW_E_RANGE);
    assert_int_equal(pgw_decode_date_text(S("5881580-07-10"), &v), PGW_OK);
    assert_true(v == INT32_MAX - 1);
    assert_int_equal(pgw_decode_date_text(S("5877642-06-23 BC"), &v), PGW_E_RANGE);
    assert_int_equal(pgw_decode_date_text(S("5877642-06-24 BC"), &v), PGW_OK);
    assert_true(v == INT32_MIN + 1);
    assert_int_equal(pgw_decode_date_text(S("999999999-12-31 BC"), &v), PGW_E_RANGE);
    assert_int_equal(pgw_decode_date_text(S("99999999-12-31"), &v), PGW_E_RANGE);
}

static void test_date_text_malformed_is_invalid(void **s)
{
    static const char *bad[] = {
        "", "2020-01-01 00:00:00", "2020-01-01 BC ", "2020-1-1", "20-01-01", "2020-02-30",
        "2020/01/01", "0000-01-01", "-2020-01-01", "2020-01-01BC", "Infinity", "01-01-2020",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t v = 42;
        pgw_status rc = pgw_decode_date_text(S(bad[i]), &v);
        if (rc != PGW_E_INVALID || v != 42)
            fail_msg("\"%s\": status %d, want PGW_E_INVALID", bad[i], (int)rc);
    }
    int32_t v;
    assert_int_equal(pgw_decode_date_text(NULL, 0, &v), PGW_E_INVALID);
}

/* Walk every day of 1600..2400 and check that consecutive days decode to
 * consecutive counts: catches any month-length or leap-rule slip that the
 * sample values above miss. */
static void test_date_text_every_day_is_consecutive(void **s)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int32_t prev = 0;
    bool first = true;
    for (int y = 1600; y <= 2400; y++) {
        bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        for (int m = 1; m <= 12; m++) {
            int nd = mdays[m - 1] + (m == 2 && leap ? 1 : 0);
            for (int d = 1; d <= nd; d++) {
                char buf[40];
                snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
                int32_t v;
                assert_int_equal(pgw_decode_date_text(S(buf), &v), PGW_OK);
                if (!first && v != prev + 1)
                    fail_msg("%s: %d after %d", buf, (int)v, (int)prev);
                prev = v;
                first = false;
            }
            char bad[40];
            snprintf(bad, sizeof bad, "%04d-%02d-%02d", y, m, nd + 1);
            int32_t v;
            assert_int_equal(pgw_decode_date_text(S(bad), &v), PGW_E_INVALID);
        }
    }
    /* 2000-01-01 is day 10957 */
    int32_t v;
    assert_int_equal(pgw_decode_date_text(S("2000-01-01"), &v), PGW_OK);
    assert_int_equal(v, 10957);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timestamptz_text_utc_server_values_match),
        cmocka_unit_test(test_timestamptz_text_offsets_server_values_match),
        cmocka_unit_test(test_timestamptz_text_bc_server_values_match),
        cmocka_unit_test(test_timestamptz_text_infinity_maps_to_limits),
        cmocka_unit_test(test_timestamptz_text_fraction_digits_scale),
        cmocka_unit_test(test_timestamptz_text_past_int64_is_range),
        cmocka_unit_test(test_timestamptz_text_malformed_is_invalid),
        cmocka_unit_test(test_timestamptz_text_leap_days_valid),
        cmocka_unit_test(test_timestamptz_text_fast_and_general_paths_agree),
        cmocka_unit_test(test_timestamptz_text_mutations_agree_with_general),
        cmocka_unit_test(test_timestamp_text_server_values_match),
        cmocka_unit_test(test_timestamp_text_zone_is_invalid),
        cmocka_unit_test(test_date_text_server_values_match),
        cmocka_unit_test(test_date_text_infinity_and_range),
        cmocka_unit_test(test_date_text_malformed_is_invalid),
        cmocka_unit_test(test_date_text_every_day_is_consecutive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
