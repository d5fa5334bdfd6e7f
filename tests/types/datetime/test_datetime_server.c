/* The datetime family against the real server: for a corpus of values
 * under every DateStyle, every IntervalStyle and several TimeZones, the
 * server's binary form (via the *_send functions) must render to exactly
 * its text, decode and re-encode to the same bytes, and (for the text
 * forms the decoders read) decode from its text to the same value.
 *
 * The zone rules come from the system tz database (pgw_tz_load) under the
 * name the server reports in current_setting('TimeZone'). */
#include <math.h>

#include "../../integration/pgtest.h"
#include "pgwire/datetime.h"

static const char *const ts_values[] = {
    "2020-01-01 00:00:00+00", "1969-12-31 23:59:59.999999+00", "1900-01-01 00:00:00+00",
    "1883-11-18 12:00:00+00", "2038-01-19 03:14:08+00", "2100-06-15 12:30:45.5+00",
    "0001-01-01 00:00:00+00", "0044-03-15 12:00:00+00 BC", "4713-01-01 00:00:00+00 BC",
    "4714-11-24 00:00:00+00 BC", "294276-12-31 23:59:59.999999+00", "10000-01-01 00:00:00+00",
    "infinity", "-infinity",
    /* America/New_York DST 2021 */
    "2021-03-14 06:59:59+00", "2021-03-14 07:00:00+00", "2021-11-07 05:59:59+00",
    "2021-11-07 06:00:00+00",
    /* Europe/Berlin DST 2021 */
    "2021-03-28 00:59:59+00", "2021-03-28 01:00:00+00", "2021-10-31 00:59:59+00",
    "2021-10-31 01:00:00+00",
    /* Australia/Lord_Howe: half-hour DST */
    "2021-04-03 14:59:59+00", "2021-04-03 15:00:00+00", "2021-10-02 15:30:00+00",
    /* Asia/Kathmandu moved to +05:45 in 1986 */
    "1986-01-01 00:00:00+00", "1985-12-31 18:29:59+00",
    /* past the last transition: the footer rule */
    "2050-07-01 12:00:00.123+00", "2200-07-01 12:00:00+00", "2200-12-25 12:00:00+00",
    "2000-02-29 12:34:56.789+00", "1000-01-01 00:00:00+00", "1582-10-10 00:00:00.00001+00",
    "1941-06-01 00:00:00+00", "1916-05-01 00:00:00+00",
};

static const char *const date_values[] = {
    "2020-01-31", "1970-01-01", "0001-01-01", "0001-12-31 BC", "4714-11-24 BC",
    "5874897-12-31", "infinity", "-infinity", "2000-02-29", "1582-10-15", "10000-03-01",
};

static const char *const time_values[] = {
    "00:00:00", "23:59:59.999999", "24:00:00", "12:34:56.5", "01:02:03.000001",
};

static const char *const timetz_values[] = {
    "00:00:00+00", "23:59:59.999999-15:59:59", "24:00:00+15:59", "12:34:56.5+05:45",
    "01:02:03-03:30", "10:00:00-00:00:01",
};

static const char *const interval_values[] = {
    "0", "1 year", "1 mon", "-1 mon", "1 day", "-1 day", "1 sec", "-1 sec", "0.5 sec",
    "-0.5 sec", "1 year 2 mons 3 days 04:05:06.789", "-1 year -2 mons -3 days -04:05:06.789",
    "1 year -2 mons", "-1 year 2 mons 3 days", "3 days -04:00:00", "-3 days +04:00:00",
    "1 day 00:00:00.000001", "2562047788:00:54.775807", "-2562047788:00:54.775807",
    "178956970 years 7 mons", "-178956970 years -8 mons", "2147483647 days",
    "-2147483648 days", "1 min", "-1 min -1 sec", "1 year 1 day", "01:00:00", "-01:00:00",
    "1 mon -1 sec", "13 mons", "-1 day +00:00:00.5", "1 year 00:00:01",
};

/* SET TIME ZONE arguments (quoted here as needed). */
static const char *const zones[] = {
    "'UTC'", "'America/New_York'", "'Europe/Berlin'", "'Australia/Lord_Howe'",
    "'Asia/Kathmandu'", "'+3'", "INTERVAL '+05:45' HOUR TO MINUTE", "'EST5EDT'",
    "'America/St_Johns'", "'Asia/Kolkata'", "'-11:30'",
};

static const char *const datestyles[] = {"ISO", "Postgres", "SQL", "German"};
static const char *const dateorders[] = {"MDY", "DMY", "YMD"};
static const char *const intervalstyles[] = {"postgres", "postgres_verbose", "sql_standard",
                                             "iso_8601"};

typedef struct session {
    pgw_conn *c;
    pgw_render_ctx ctx;
    pgw_tz *tz;
    size_t checked;
} session;

static void exec(session *s, const char *sql)
{
    pgw_status rc = pgw_exec(s->c, sql, NULL);
    if (rc != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(s->c));
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* The zone the server is in now, loaded from the tz database. */
static void load_zone(session *s)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(s->c, "SELECT current_setting('TimeZone')", &r), PGW_OK);
    const char *name = pgw_result_text(r, 0, 0);
    pgw_tz_free(s->tz);
    s->tz = NULL;
    pgw_status rc = pgw_tz_load(name, NULL, &s->tz);
    if (rc != PGW_OK)
        fail_msg("pgw_tz_load(\"%s\"): %s", name, pgw_status_name(rc));
    s->ctx.tz = s->tz;
    pgw_result_free(r);
}

static bool same(const pgw_buf *b, const char *t, size_t n)
{
    return b->len == n && (n == 0 || memcmp(b->data, t, n) == 0);
}

/* Round trips of one value; `iso` says the text is in the style the text
 * decoders read. */
static void check_codecs(session *s, uint32_t oid, const uint8_t *bin, size_t blen,
                         const char *text, size_t tlen)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    bool iso = s->ctx.datestyle == PGW_DATESTYLE_ISO;
    switch (oid) {
    case PGW_OID_TIMESTAMP:
    case PGW_OID_TIMESTAMPTZ: {
        bool tz = oid == PGW_OID_TIMESTAMPTZ;
        int64_t v = 0, w = 0;
        pgw_status rc = tz ? pgw_decode_timestamptz_bin(bin, blen, &v)
                           : pgw_decode_timestamp_bin(bin, blen, &v);
        if (rc == PGW_E_RANGE && strstr(text, "29427") != NULL)
            break; /* past what int64 microseconds since 1970 hold */
        assert_int_equal(rc, PGW_OK);
        assert_int_equal(tz ? pgw_encode_timestamptz_bin(&b, v) : pgw_encode_timestamp_bin(&b, v),
                         PGW_OK);
        assert_true(same(&b, (const char *)bin, blen));
        b.len = 0;
        assert_int_equal(tz ? pgw_encode_timestamptz_text(&b, v, &s->ctx)
                            : pgw_encode_timestamp_text(&b, v, &s->ctx),
                         PGW_OK);
        if (!same(&b, text, tlen))
            fail_msg("encode_text: want \"%s\", got \"%.*s\"", text, (int)b.len, (char *)b.data);
        if (iso) {
            rc = tz ? pgw_decode_timestamptz_text(text, tlen, &w)
                    : pgw_decode_timestamp_text(text, tlen, &w);
            if (rc != PGW_OK || w != v)
                fail_msg("decode_text(\"%s\"): %d", text, (int)rc);
        }
        break;
    }
    case PGW_OID_DATE: {
        int32_t v = 0, w = 0;
        assert_int_equal(pgw_decode_date_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(pgw_encode_date_bin(&b, v), PGW_OK);
        assert_true(same(&b, (const char *)bin, blen));
        b.len = 0;
        assert_int_equal(pgw_encode_date_text(&b, v, &s->ctx), PGW_OK);
        assert_true(same(&b, text, tlen));
        if (iso) {
            assert_int_equal(pgw_decode_date_text(text, tlen, &w), PGW_OK);
            assert_int_equal(w, v);
        }
        break;
    }
    case PGW_OID_TIME: {
        int64_t v = 0, w = -1;
        assert_int_equal(pgw_decode_time_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(pgw_encode_time_bin(&b, v), PGW_OK);
        assert_true(same(&b, (const char *)bin, blen));
        b.len = 0;
        assert_int_equal(pgw_encode_time_text(&b, v), PGW_OK);
        assert_true(same(&b, text, tlen));
        assert_int_equal(pgw_decode_time_text(text, tlen, &w), PGW_OK);
        assert_int_equal(w, v);
        break;
    }
    case PGW_OID_TIMETZ: {
        pgw_timetz v = {0, 0}, w = {-1, -1};
        assert_int_equal(pgw_decode_timetz_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(pgw_encode_timetz_bin(&b, v), PGW_OK);
        assert_true(same(&b, (const char *)bin, blen));
        b.len = 0;
        assert_int_equal(pgw_encode_timetz_text(&b, v), PGW_OK);
        assert_true(same(&b, text, tlen));
        assert_int_equal(pgw_decode_timetz_text(text, tlen, &w), PGW_OK);
        assert_int_equal(w.usec, v.usec);
        assert_int_equal(w.utc_offset, v.utc_offset);
        break;
    }
    default: {
        pgw_interval v = {0, 0, 0}, w = {0, 0, 0};
        assert_int_equal(pgw_decode_interval_bin(bin, blen, &v), PGW_OK);
        assert_int_equal(pgw_encode_interval_bin(&b, v), PGW_OK);
        assert_true(same(&b, (const char *)bin, blen));
        b.len = 0;
        assert_int_equal(pgw_encode_interval_text(&b, v, &s->ctx), PGW_OK);
        assert_true(same(&b, text, tlen));
        if (s->ctx.intervalstyle != PGW_INTERVALSTYLE_SQL_STANDARD) {
            pgw_status rc = pgw_decode_interval_text(text, tlen, &w);
            if (rc != PGW_OK || w.usec != v.usec || w.days != v.days || w.months != v.months)
                fail_msg("decode_interval_text(\"%s\"): %d", text, (int)rc);
        }
        break;
    }
    }
    pgw_buf_free(&b);
}

/* SELECT encode(<send>(v), 'hex'), v::text for each value; check each row. */
static void check_values(session *s, uint32_t oid, const char *type, const char *send,
                         const char *const *vals, size_t n)
{
    char sql[8192];
    size_t off = (size_t)snprintf(sql, sizeof sql,
                                  "SELECT encode(%s(v), 'hex'), v::text FROM (VALUES ", send);
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(sql + off, sizeof sql - off, "%s('%s'::%s)", i ? "," : "",
                                vals[i], type);
    snprintf(sql + off, sizeof sql - off, ") t(v)");
    pgw_result *r = NULL;
    if (pgw_query_result(s->c, sql, &r) != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(s->c));
    assert_int_equal(pgw_result_nrows(r), n);
    for (size_t i = 0; i < n; i++) {
        const char *hex = pgw_result_text(r, i, 0), *text = pgw_result_text(r, i, 1);
        uint8_t bin[16];
        size_t blen = strlen(hex) / 2;
        assert_true(blen <= sizeof bin);
        for (size_t k = 0; k < blen; k++)
            bin[k] = (uint8_t)(hexval(hex[2 * k]) * 16 + hexval(hex[2 * k + 1]));
        pgw_buf out;
        pgw_buf_init(&out, NULL, 0);
        pgw_status rc = pgw_render_bin(&out, oid, bin, blen, &s->ctx);
        if (rc != PGW_OK || !same(&out, text, strlen(text)))
            fail_msg("%s '%s' (DateStyle %d/%d, IntervalStyle %d): server \"%s\", rendered "
                     "\"%.*s\" (%s)",
                     type, vals[i], (int)s->ctx.datestyle, (int)s->ctx.dateorder,
                     (int)s->ctx.intervalstyle, text, (int)out.len, (char *)out.data,
                     pgw_status_name(rc));
        pgw_buf_free(&out);
        check_codecs(s, oid, bin, blen, text, strlen(text));
        s->checked++;
    }
    pgw_result_free(r);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void set_datestyle(session *s, size_t st, size_t ord)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SET DateStyle = '%s, %s'", datestyles[st], dateorders[ord]);
    exec(s, sql);
    s->ctx.datestyle = (pgw_datestyle)st;
    s->ctx.dateorder = (pgw_dateorder)ord;
}

static void test_datetime_server_timestamptz_every_zone_and_style_renders_exactly(void **st)
{
    session s = {pgt_connect(), {0}, NULL, 0};
    pgw_render_ctx_init(&s.ctx);
    for (size_t z = 0; z < N(zones); z++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SET TIME ZONE %s", zones[z]);
        exec(&s, sql);
        load_zone(&s);
        for (size_t ds = 0; ds < N(datestyles); ds++)
            for (size_t o = 0; o < N(dateorders); o++) {
                set_datestyle(&s, ds, o);
                check_values(&s, PGW_OID_TIMESTAMPTZ, "timestamptz", "timestamptz_send",
                             ts_values, N(ts_values));
            }
    }
    assert_int_equal(s.checked, N(zones) * 12 * N(ts_values));
    pgw_tz_free(s.tz);
    pgw_close(s.c);
}

static void test_datetime_server_local_types_every_style_render_exactly(void **st)
{
    session s = {pgt_connect(), {0}, NULL, 0};
    pgw_render_ctx_init(&s.ctx);
    /* timestamp without time zone: the same values, zone dropped */
    const char *local[N(ts_values)];
    char storage[N(ts_values)][64];
    for (size_t i = 0; i < N(ts_values); i++) {
        snprintf(storage[i], sizeof storage[i], "%s", ts_values[i]);
        char *z = strstr(storage[i], "+00");
        if (z)
            memmove(z, z + 3, strlen(z + 3) + 1);
        local[i] = storage[i];
    }
    exec(&s, "SET TIME ZONE 'America/New_York'"); /* must not matter */
    for (size_t ds = 0; ds < N(datestyles); ds++)
        for (size_t o = 0; o < N(dateorders); o++) {
            set_datestyle(&s, ds, o);
            check_values(&s, PGW_OID_TIMESTAMP, "timestamp", "timestamp_send", local,
                         N(ts_values));
            check_values(&s, PGW_OID_DATE, "date", "date_send", date_values, N(date_values));
            check_values(&s, PGW_OID_TIME, "time", "time_send", time_values, N(time_values));
            check_values(&s, PGW_OID_TIMETZ, "timetz", "timetz_send", timetz_values,
                         N(timetz_values));
        }
    assert_true(s.checked > 500);
    pgw_close(s.c);
}

static void test_datetime_server_interval_every_style_renders_exactly(void **st)
{
    session s = {pgt_connect(), {0}, NULL, 0};
    pgw_render_ctx_init(&s.ctx);
    for (size_t is = 0; is < N(intervalstyles); is++) {
        char sql[128];
        snprintf(sql, sizeof sql, "SET IntervalStyle = '%s'", intervalstyles[is]);
        exec(&s, sql);
        s.ctx.intervalstyle = (pgw_intervalstyle)is;
        check_values(&s, PGW_OID_INTERVAL, "interval", "interval_send", interval_values,
                     N(interval_values));
    }
    assert_int_equal(s.checked, N(intervalstyles) * N(interval_values));
    pgw_close(s.c);
}

/* Instants around every New York transition from 1883 to 2037 and a few
 * beyond: the TZif table, the footer rule and the server agree. */
static void test_datetime_server_new_york_transitions_match(void **st)
{
    session s = {pgt_connect(), {0}, NULL, 0};
    pgw_render_ctx_init(&s.ctx);
    exec(&s, "SET TIME ZONE 'America/New_York'");
    load_zone(&s);
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(s.c,
                                      "SELECT encode(timestamptz_send(t), 'hex'), t::text FROM "
                                      "generate_series(timestamptz '1883-11-01', '2100-01-01', "
                                      "interval '1 month 3 hours 7 minutes') t",
                                      &r),
                     PGW_OK);
    size_t n = pgw_result_nrows(r);
    assert_true(n > 2000);
    for (size_t i = 0; i < n; i++) {
        const char *hex = pgw_result_text(r, i, 0), *text = pgw_result_text(r, i, 1);
        uint8_t bin[8];
        for (size_t k = 0; k < 8; k++)
            bin[k] = (uint8_t)(hexval(hex[2 * k]) * 16 + hexval(hex[2 * k + 1]));
        pgw_buf out;
        pgw_buf_init(&out, NULL, 0);
        assert_int_equal(pgw_render_bin(&out, PGW_OID_TIMESTAMPTZ, bin, 8, &s.ctx), PGW_OK);
        if (!same(&out, text, strlen(text)))
            fail_msg("server \"%s\", rendered \"%.*s\"", text, (int)out.len, (char *)out.data);
        pgw_buf_free(&out);
    }
    pgw_result_free(r);
    pgw_tz_free(s.tz);
    pgw_close(s.c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datetime_server_timestamptz_every_zone_and_style_renders_exactly),
        cmocka_unit_test(test_datetime_server_local_types_every_style_render_exactly),
        cmocka_unit_test(test_datetime_server_interval_every_style_renders_exactly),
        cmocka_unit_test(test_datetime_server_new_york_transitions_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
