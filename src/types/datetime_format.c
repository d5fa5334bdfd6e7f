/* Text output of date, time, timetz, timestamp and timestamptz, byte for
 * byte what the server's output functions print (EncodeDateOnly,
 * EncodeTimeOnly, EncodeDateTime and EncodeTimezone of its datetime.c) in
 * each DateStyle.
 *
 * Each value is built in a local array and appended in one piece, so a
 * failing buffer never holds half a value. The longest output is the
 * Postgres style's "Www Mon DD HH:MM:SS.ffffff YYYYYYY ABBREVIATION BC"
 * (well under 80 bytes). */
#include "common/common_int.h"
#include "types/datetime_int.h"

static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char day_names[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

/* The server prints at most this many bytes of a zone abbreviation
 * (MAXTZLEN). */
#define MAX_ABBR_PRINTED 10

char *pgwi_put_uint(char *cp, uint64_t v, unsigned width)
{
    char tmp[24];
    unsigned n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width && n < sizeof tmp)
        tmp[n++] = '0';
    while (n)
        *cp++ = tmp[--n];
    return cp;
}

static uint64_t fmt_uabs(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

char *pgwi_put_seconds(char *cp, int64_t sec, int64_t fsec, bool fill)
{
    cp = pgwi_put_uint(cp, fmt_uabs(sec), fill ? 2u : 1u);
    if (fsec == 0)
        return cp;
    uint64_t f = fmt_uabs(fsec);
    if (f >= 1000000) /* cannot happen for a split value; print it whole */
        return pgwi_put_uint(cp, f, 1);
    *cp++ = '.';
    cp = pgwi_put_uint(cp, f, 6);
    while (cp[-1] == '0')
        cp--; /* trailing zeros trimmed; f != 0 keeps one digit */
    return cp;
}

/* "+HH", "+HH:MM" or "+HH:MM:SS" for a displacement in seconds WEST of UTC
 * (the server's sign convention, inverted on output). */
static char *put_zone(char *cp, int32_t zone_west)
{
    uint64_t s = fmt_uabs(zone_west);
    uint64_t h = s / 3600, m = s / 60 % 60, sec = s % 60;
    *cp++ = zone_west <= 0 ? '+' : '-';
    cp = pgwi_put_uint(cp, h, 2);
    if (m || sec) {
        *cp++ = ':';
        cp = pgwi_put_uint(cp, m, 2);
    }
    if (sec) {
        *cp++ = ':';
        cp = pgwi_put_uint(cp, sec, 2);
    }
    return cp;
}

/* The year as printed: four digits at least, BC years counted from 1. */
static char *put_year(char *cp, int64_t year)
{
    return pgwi_put_uint(cp, year > 0 ? (uint64_t)year : (uint64_t)(1 - year), 4);
}

static char *put2(char *cp, int64_t v)
{
    return pgwi_put_uint(cp, (uint64_t)v, 2);
}

static char *fmt_put_str(char *cp, const char *s, size_t n)
{
    memcpy(cp, s, n);
    return cp + n;
}

static pgw_datestyle style_of(const pgw_render_ctx *ctx)
{
    return ctx ? ctx->datestyle : PGW_DATESTYLE_ISO;
}

static bool dmy(const pgw_render_ctx *ctx)
{
    return ctx && ctx->dateorder == PGW_DATEORDER_DMY;
}

pgw_status pgwi_fmt_date(pgw_buf *out, int32_t pg_days, const pgw_render_ctx *ctx)
{
    if (pg_days == INT32_MAX)
        return pgw_buf_append(out, "infinity", 8);
    if (pg_days == INT32_MIN)
        return pgw_buf_append(out, "-infinity", 9);
    if (pg_days < PGWI_DATE_MIN_PG || pg_days >= PGWI_DATE_END_PG)
        return PGW_E_RANGE;
    int64_t y;
    int32_t m, d;
    pgwi_civil_from_days((int64_t)pg_days + PGWI_EPOCH_DIFF_DAYS, &y, &m, &d);
    char tmp[32], *cp = tmp;
    switch (style_of(ctx)) {
    case PGW_DATESTYLE_ISO:
        cp = put_year(cp, y);
        *cp++ = '-';
        cp = put2(cp, m);
        *cp++ = '-';
        cp = put2(cp, d);
        break;
    case PGW_DATESTYLE_SQL:
    case PGW_DATESTYLE_POSTGRES: {
        char sep = style_of(ctx) == PGW_DATESTYLE_SQL ? '/' : '-';
        cp = put2(cp, dmy(ctx) ? d : m);
        *cp++ = sep;
        cp = put2(cp, dmy(ctx) ? m : d);
        *cp++ = sep;
        cp = put_year(cp, y);
        break;
    }
    case PGW_DATESTYLE_GERMAN:
    default:
        cp = put2(cp, d);
        *cp++ = '.';
        cp = put2(cp, m);
        *cp++ = '.';
        cp = put_year(cp, y);
        break;
    }
    if (y <= 0)
        cp = fmt_put_str(cp, " BC", 3);
    return pgw_buf_append(out, tmp, (size_t)(cp - tmp));
}

pgw_status pgwi_fmt_time(pgw_buf *out, int64_t usec)
{
    if (usec < 0 || usec > PGW_TIME_MAX)
        return PGW_E_RANGE;
    char tmp[32], *cp = tmp;
    int64_t sec = usec / PGWI_USECS_PER_SEC;
    cp = put2(cp, sec / 3600);
    *cp++ = ':';
    cp = put2(cp, sec / 60 % 60);
    *cp++ = ':';
    cp = pgwi_put_seconds(cp, sec % 60, usec % PGWI_USECS_PER_SEC, true);
    return pgw_buf_append(out, tmp, (size_t)(cp - tmp));
}

pgw_status pgwi_fmt_timetz(pgw_buf *out, int64_t usec, int32_t zone_west)
{
    if (zone_west <= -PGWI_TZDISP_LIMIT || zone_west >= PGWI_TZDISP_LIMIT)
        return PGW_E_RANGE;
    size_t mark = out->len;
    pgw_status rc = pgwi_fmt_time(out, usec);
    if (rc != PGW_OK)
        return rc;
    char tmp[16];
    char *cp = put_zone(tmp, zone_west);
    rc = pgw_buf_append(out, tmp, (size_t)(cp - tmp));
    if (rc != PGW_OK && pgw_buf_status(out) == PGW_OK)
        out->len = mark;
    return rc;
}

pgw_status pgwi_fmt_timestamp(pgw_buf *out, int64_t pg_usec, bool with_tz,
                              const pgw_render_ctx *ctx)
{
    if (pg_usec == INT64_MAX)
        return pgw_buf_append(out, "infinity", 8);
    if (pg_usec == INT64_MIN)
        return pgw_buf_append(out, "-infinity", 9);
    if (pg_usec < PGWI_TS_MIN_PG || pg_usec >= PGWI_TS_END_PG)
        return PGW_E_RANGE;
    int64_t fsec = pgwi_floormod(pg_usec, PGWI_USECS_PER_SEC);
    int64_t unix_sec = pgwi_floordiv(pg_usec, PGWI_USECS_PER_SEC) + PGWI_EPOCH_DIFF_SECS;
    pgw_tz_info zi;
    zi.utc_offset = 0;
    zi.abbr[0] = '\0';
    if (with_tz)
        (void)pgw_tz_lookup(ctx ? ctx->tz : NULL, unix_sec, &zi);
    int64_t local = unix_sec + zi.utc_offset;
    int64_t days = pgwi_floordiv(local, PGWI_SECS_PER_DAY);
    int64_t sod = pgwi_floormod(local, PGWI_SECS_PER_DAY);
    int64_t y;
    int32_t m, d;
    pgwi_civil_from_days(days, &y, &m, &d);
    int32_t zone_west = -zi.utc_offset;

    char tmp[96], *cp = tmp;
    pgw_datestyle st = style_of(ctx);
    if (st == PGW_DATESTYLE_POSTGRES) {
        int64_t wd = pgwi_floormod(days + 4, 7); /* 1970-01-01 was a Thursday */
        cp = fmt_put_str(cp, day_names[wd], 3);
        *cp++ = ' ';
        if (dmy(ctx)) {
            cp = put2(cp, d);
            *cp++ = ' ';
            cp = fmt_put_str(cp, month_names[m - 1], 3);
        } else {
            cp = fmt_put_str(cp, month_names[m - 1], 3);
            *cp++ = ' ';
            cp = put2(cp, d);
        }
        *cp++ = ' ';
    } else if (st == PGW_DATESTYLE_ISO) {
        cp = put_year(cp, y);
        *cp++ = '-';
        cp = put2(cp, m);
        *cp++ = '-';
        cp = put2(cp, d);
        *cp++ = ' ';
    } else if (st == PGW_DATESTYLE_SQL) {
        cp = put2(cp, dmy(ctx) ? d : m);
        *cp++ = '/';
        cp = put2(cp, dmy(ctx) ? m : d);
        *cp++ = '/';
        cp = put_year(cp, y);
        *cp++ = ' ';
    } else {
        cp = put2(cp, d);
        *cp++ = '.';
        cp = put2(cp, m);
        *cp++ = '.';
        cp = put_year(cp, y);
        *cp++ = ' ';
    }
    cp = put2(cp, sod / 3600);
    *cp++ = ':';
    cp = put2(cp, sod / 60 % 60);
    *cp++ = ':';
    cp = pgwi_put_seconds(cp, sod % 60, fsec, true);
    if (st == PGW_DATESTYLE_POSTGRES) {
        *cp++ = ' ';
        cp = put_year(cp, y);
    }
    if (with_tz) {
        if (st == PGW_DATESTYLE_ISO) {
            cp = put_zone(cp, zone_west);
        } else {
            /* The other styles print the abbreviation, even an empty one
             * (a zone set as a bare offset, "-11:30", has none). */
            size_t n = strlen(zi.abbr);
            *cp++ = ' ';
            cp = fmt_put_str(cp, zi.abbr, n > MAX_ABBR_PRINTED ? MAX_ABBR_PRINTED : n);
        }
    }
    if (y <= 0)
        cp = fmt_put_str(cp, " BC", 3);
    return pgw_buf_append(out, tmp, (size_t)(cp - tmp));
}

/* ---- public text encoders ---------------------------------------------- */

static pgw_status fmt_finish(pgw_buf *out, size_t mark, pgw_status rc)
{
    if (rc != PGW_OK && pgw_buf_status(out) == PGW_OK)
        out->len = mark;
    return rc;
}

pgw_status pgw_encode_date_text(pgw_buf *out, int32_t days_since_unix_epoch,
                                const pgw_render_ctx *ctx)
{
    if (!out)
        return PGW_E_INVALID;
    int32_t d = days_since_unix_epoch;
    if (d != INT32_MAX && d != INT32_MIN) {
        if (d < PGWI_DATE_MIN_PG + PGWI_EPOCH_DIFF_DAYS ||
            d >= PGWI_DATE_END_PG + PGWI_EPOCH_DIFF_DAYS)
            return PGW_E_RANGE;
        d -= PGWI_EPOCH_DIFF_DAYS;
    }
    return fmt_finish(out, out->len, pgwi_fmt_date(out, d, ctx));
}

pgw_status pgw_encode_time_text(pgw_buf *out, int64_t usec)
{
    if (!out)
        return PGW_E_INVALID;
    return fmt_finish(out, out->len, pgwi_fmt_time(out, usec));
}

pgw_status pgw_encode_timetz_text(pgw_buf *out, pgw_timetz v)
{
    if (!out)
        return PGW_E_INVALID;
    if (v.utc_offset <= -PGWI_TZDISP_LIMIT || v.utc_offset >= PGWI_TZDISP_LIMIT)
        return PGW_E_RANGE;
    return fmt_finish(out, out->len, pgwi_fmt_timetz(out, v.usec, -v.utc_offset));
}

static pgw_status fmt_encode_ts(pgw_buf *out, int64_t u, bool with_tz, const pgw_render_ctx *ctx)
{
    if (!out)
        return PGW_E_INVALID;
    int64_t pg = u;
    if (u != INT64_MAX && u != INT64_MIN) {
        /* From 1970 on, u - diff cannot underflow; before, it cannot
         * overflow. Values too early for the server are refused below. */
        if (u < INT64_MIN + PGWI_EPOCH_DIFF_USEC)
            return PGW_E_RANGE;
        pg = u - PGWI_EPOCH_DIFF_USEC;
    }
    return fmt_finish(out, out->len, pgwi_fmt_timestamp(out, pg, with_tz, ctx));
}

pgw_status pgw_encode_timestamp_text(pgw_buf *out, int64_t usec_since_unix_epoch,
                                     const pgw_render_ctx *ctx)
{
    return fmt_encode_ts(out, usec_since_unix_epoch, false, ctx);
}

pgw_status pgw_encode_timestamptz_text(pgw_buf *out, int64_t usec_since_unix_epoch,
                                       const pgw_render_ctx *ctx)
{
    return fmt_encode_ts(out, usec_since_unix_epoch, true, ctx);
}
