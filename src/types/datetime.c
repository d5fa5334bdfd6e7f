/* Binary codecs of date, time, timetz, timestamp and timestamptz, their
 * broken-down form, the calendar, and the datetime family's renderer.
 *
 * The wire counts from 2000-01-01; the public values count from 1970 so
 * that they mix with everything else in C. The renderer never converts:
 * it formats wire values directly, because the server's timestamps reach
 * 294276 AD, thirty years more than int64 microseconds since 1970 hold. */
#include "common/common_int.h"
#include "types/datetime_int.h"
#include "types/types_int.h"

/* Added to the year so that the calendar runs on non-negative numbers; a
 * multiple of 400 years, so leap years stay leap years. */
#define YEAR_SHIFT INT64_C(100000000)
#define ERA_DAYS INT64_C(146097)
/* Days from 0000-03-01 to 1970-01-01. */
#define MARCH0_TO_UNIX INT64_C(719468)

bool pgwi_day_exists(int64_t year, int32_t month, int32_t day)
{
    static const int8_t mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1)
        return false;
    if (day <= mdays[month])
        return true;
    int64_t u = year + YEAR_SHIFT;
    bool leap = u % 4 == 0 && (u % 100 != 0 || u % 400 == 0);
    return month == 2 && day == 29 && leap;
}

/* Eras of 400 years counted from a March 1, so that the leap day ends its
 * year and the months follow a fixed 153-day pattern. */
int64_t pgwi_days_from_civil(int64_t year, int32_t month, int32_t day)
{
    int64_t y = year + YEAR_SHIFT - (month <= 2 ? 1 : 0);
    int64_t era = y / 400, yoe = y % 400;
    int64_t mp = month > 2 ? month - 3 : month + 9;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (era - YEAR_SHIFT / 400) * ERA_DAYS + doe - MARCH0_TO_UNIX;
}

void pgwi_civil_from_days(int64_t days, int64_t *year, int32_t *month, int32_t *day)
{
    int64_t z = days + MARCH0_TO_UNIX + (YEAR_SHIFT / 400) * ERA_DAYS;
    int64_t era = z / ERA_DAYS, doe = z % ERA_DAYS;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    *year = yoe + era * 400 - YEAR_SHIFT + (m <= 2 ? 1 : 0);
    *month = (int32_t)m;
    *day = (int32_t)d;
}

/* ---- binary codecs --------------------------------------------------------- */

static int64_t dt_load_i64(const uint8_t *p)
{
    uint64_t hi = pgwi_load_u32(p), lo = pgwi_load_u32(p + 4);
    return (int64_t)(hi << 32 | lo);
}

static int32_t dt_load_i32(const uint8_t *p)
{
    return (int32_t)pgwi_load_u32(p);
}

static pgw_status put_i64(pgw_buf *out, int64_t v)
{
    uint8_t b[8];
    pgwi_store_u32(b, (uint32_t)((uint64_t)v >> 32));
    pgwi_store_u32(b + 4, (uint32_t)(uint64_t)v);
    return pgw_buf_append(out, b, 8);
}

pgw_status pgw_decode_date_bin(const uint8_t *p, size_t len, int32_t *days_since_unix_epoch)
{
    if (!p || len != 4 || !days_since_unix_epoch)
        return PGW_E_INVALID;
    int32_t d = dt_load_i32(p);
    if (d == INT32_MAX || d == INT32_MIN) {
        *days_since_unix_epoch = d;
        return PGW_OK;
    }
    if (d >= INT32_MAX - PGWI_EPOCH_DIFF_DAYS)
        return PGW_E_RANGE;
    *days_since_unix_epoch = d + PGWI_EPOCH_DIFF_DAYS;
    return PGW_OK;
}

pgw_status pgw_encode_date_bin(pgw_buf *out, int32_t days_since_unix_epoch)
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
    return pgw_buf_put_i32(out, d);
}

pgw_status pgw_decode_time_bin(const uint8_t *p, size_t len, int64_t *usec)
{
    if (!p || len != 8 || !usec)
        return PGW_E_INVALID;
    int64_t v = dt_load_i64(p);
    if (v < 0 || v > PGW_TIME_MAX)
        return PGW_E_INVALID;
    *usec = v;
    return PGW_OK;
}

pgw_status pgw_encode_time_bin(pgw_buf *out, int64_t usec)
{
    if (!out)
        return PGW_E_INVALID;
    if (usec < 0 || usec > PGW_TIME_MAX)
        return PGW_E_RANGE;
    return put_i64(out, usec);
}

pgw_status pgw_decode_timetz_bin(const uint8_t *p, size_t len, pgw_timetz *out)
{
    if (!p || len != 12 || !out)
        return PGW_E_INVALID;
    int64_t v = dt_load_i64(p);
    int32_t z = dt_load_i32(p + 8);
    if (v < 0 || v > PGW_TIME_MAX || z <= -PGWI_TZDISP_LIMIT || z >= PGWI_TZDISP_LIMIT)
        return PGW_E_INVALID;
    out->usec = v;
    out->utc_offset = -z;
    return PGW_OK;
}

pgw_status pgw_encode_timetz_bin(pgw_buf *out, pgw_timetz v)
{
    if (!out)
        return PGW_E_INVALID;
    if (v.usec < 0 || v.usec > PGW_TIME_MAX || v.utc_offset <= -PGWI_TZDISP_LIMIT ||
        v.utc_offset >= PGWI_TZDISP_LIMIT)
        return PGW_E_RANGE;
    uint8_t b[12];
    pgwi_store_u32(b, (uint32_t)((uint64_t)v.usec >> 32));
    pgwi_store_u32(b + 4, (uint32_t)(uint64_t)v.usec);
    pgwi_store_u32(b + 8, (uint32_t)-v.utc_offset);
    return pgw_buf_append(out, b, 12);
}

static pgw_status dt_decode_ts(const uint8_t *p, size_t len, int64_t *out)
{
    if (!p || len != 8 || !out)
        return PGW_E_INVALID;
    int64_t v = dt_load_i64(p);
    if (v == INT64_MAX || v == INT64_MIN) {
        *out = v;
        return PGW_OK;
    }
    /* v + diff must fit and must not land on INT64_MAX (infinity). */
    if (v >= INT64_MAX - PGWI_EPOCH_DIFF_USEC)
        return PGW_E_RANGE;
    *out = v + PGWI_EPOCH_DIFF_USEC;
    return PGW_OK;
}

static pgw_status dt_encode_ts(pgw_buf *out, int64_t u)
{
    if (!out)
        return PGW_E_INVALID;
    if (u == INT64_MAX || u == INT64_MIN)
        return put_i64(out, u);
    if (u < PGWI_TS_MIN_PG + PGWI_EPOCH_DIFF_USEC)
        return PGW_E_RANGE;
    /* u < INT64_MAX keeps u - diff below the server's end of time. */
    return put_i64(out, u - PGWI_EPOCH_DIFF_USEC);
}

pgw_status pgw_decode_timestamp_bin(const uint8_t *p, size_t len, int64_t *usec_since_unix_epoch)
{
    return dt_decode_ts(p, len, usec_since_unix_epoch);
}

pgw_status pgw_decode_timestamptz_bin(const uint8_t *p, size_t len,
                                      int64_t *usec_since_unix_epoch)
{
    return dt_decode_ts(p, len, usec_since_unix_epoch);
}

pgw_status pgw_encode_timestamp_bin(pgw_buf *out, int64_t usec_since_unix_epoch)
{
    return dt_encode_ts(out, usec_since_unix_epoch);
}

pgw_status pgw_encode_timestamptz_bin(pgw_buf *out, int64_t usec_since_unix_epoch)
{
    return dt_encode_ts(out, usec_since_unix_epoch);
}

/* ---- broken-down values ------------------------------------------------------ */

pgw_status pgw_date_to_datetime(int32_t days_since_unix_epoch, pgw_datetime *out)
{
    if (!out)
        return PGW_E_INVALID;
    if (days_since_unix_epoch == INT32_MAX || days_since_unix_epoch == INT32_MIN)
        return PGW_E_RANGE;
    int64_t y;
    memset(out, 0, sizeof *out);
    pgwi_civil_from_days(days_since_unix_epoch, &y, &out->month, &out->day);
    out->year = (int32_t)y; /* |days| < 2^31 keeps the year within 6 million */
    return PGW_OK;
}

pgw_status pgw_datetime_to_date(const pgw_datetime *dt, int32_t *days_since_unix_epoch)
{
    if (!dt || !days_since_unix_epoch)
        return PGW_E_INVALID;
    if (!pgwi_day_exists(dt->year, dt->month, dt->day))
        return PGW_E_INVALID;
    /* int32 days reach about 5.88 million years either way; the calendar
     * itself holds only |year| < 10^8. */
    if (dt->year < -6000000 || dt->year > 6000000)
        return PGW_E_RANGE;
    int64_t d = pgwi_days_from_civil(dt->year, dt->month, dt->day);
    if (d <= INT32_MIN || d >= INT32_MAX)
        return PGW_E_RANGE;
    *days_since_unix_epoch = (int32_t)d;
    return PGW_OK;
}

static void split_local(int64_t unix_sec, int64_t fsec, int32_t offset, pgw_datetime *out)
{
    int64_t local = unix_sec + offset;
    int64_t days = pgwi_floordiv(local, PGWI_SECS_PER_DAY);
    int64_t sod = pgwi_floormod(local, PGWI_SECS_PER_DAY);
    int64_t y;
    pgwi_civil_from_days(days, &y, &out->month, &out->day);
    out->year = (int32_t)y;
    out->hour = (int32_t)(sod / 3600);
    out->minute = (int32_t)(sod / 60 % 60);
    out->second = (int32_t)(sod % 60);
    out->microsecond = (int32_t)fsec;
    out->utc_offset = offset;
}

pgw_status pgw_timestamptz_to_datetime(int64_t usec_since_unix_epoch, const pgw_tz *tz,
                                       pgw_datetime *out)
{
    if (!out)
        return PGW_E_INVALID;
    if (usec_since_unix_epoch == INT64_MAX || usec_since_unix_epoch == INT64_MIN)
        return PGW_E_RANGE;
    int64_t sec = pgwi_floordiv(usec_since_unix_epoch, PGWI_USECS_PER_SEC);
    int64_t fsec = pgwi_floormod(usec_since_unix_epoch, PGWI_USECS_PER_SEC);
    pgw_tz_info zi;
    zi.utc_offset = 0;
    if (tz)
        (void)pgw_tz_lookup(tz, sec, &zi);
    split_local(sec, fsec, zi.utc_offset, out);
    return PGW_OK;
}

pgw_status pgw_timestamp_to_datetime(int64_t usec_since_unix_epoch, pgw_datetime *out)
{
    return pgw_timestamptz_to_datetime(usec_since_unix_epoch, NULL, out);
}

pgw_status pgw_datetime_to_timestamp(const pgw_datetime *dt, int64_t *usec_since_unix_epoch)
{
    if (!dt || !usec_since_unix_epoch)
        return PGW_E_INVALID;
    if (!pgwi_day_exists(dt->year, dt->month, dt->day) ||
        dt->hour < 0 || dt->hour > 23 || dt->minute < 0 || dt->minute > 59 || dt->second < 0 ||
        dt->second > 59 || dt->microsecond < 0 || dt->microsecond > 999999 ||
        dt->utc_offset <= -PGWI_TZDISP_LIMIT || dt->utc_offset >= PGWI_TZDISP_LIMIT)
        return PGW_E_INVALID;
    /* Far beyond int64 microseconds, and where the calendar stops. */
    if (dt->year < -1000000 || dt->year > 1000000)
        return PGW_E_RANGE;
    /* |days| < 2^32 here, so the seconds fit easily; the microseconds are
     * checked. */
    int64_t sec = pgwi_days_from_civil(dt->year, dt->month, dt->day) * PGWI_SECS_PER_DAY +
                  dt->hour * 3600 + dt->minute * 60 + dt->second - dt->utc_offset;
    if (sec > (INT64_MAX - 999999) / PGWI_USECS_PER_SEC ||
        sec < INT64_MIN / PGWI_USECS_PER_SEC + 1)
        return PGW_E_RANGE;
    int64_t v = sec * PGWI_USECS_PER_SEC + dt->microsecond;
    if (v == INT64_MAX || v == INT64_MIN)
        return PGW_E_RANGE;
    *usec_since_unix_epoch = v;
    return PGW_OK;
}

/* ---- renderer ------------------------------------------------------------------ */

bool pgwi_render_datetime_supported(uint32_t oid)
{
    switch (oid) {
    case PGW_OID_DATE:
    case PGW_OID_TIME:
    case PGW_OID_TIMETZ:
    case PGW_OID_TIMESTAMP:
    case PGW_OID_TIMESTAMPTZ:
    case PGW_OID_INTERVAL:
        return true;
    default:
        return false;
    }
}

pgw_status pgwi_render_datetime(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                                const pgw_render_ctx *ctx)
{
    if (!pgwi_render_datetime_supported(oid))
        return PGW_E_UNSUPPORTED;
    if (!out || (!p && len))
        return PGW_E_INVALID;
    size_t mark = out->len;
    pgw_status rc;
    switch (oid) {
    case PGW_OID_DATE:
        if (len != 4)
            return PGW_E_INVALID;
        rc = pgwi_fmt_date(out, dt_load_i32(p), ctx);
        break;
    case PGW_OID_TIME:
        if (len != 8)
            return PGW_E_INVALID;
        rc = pgwi_fmt_time(out, dt_load_i64(p));
        break;
    case PGW_OID_TIMETZ:
        if (len != 12)
            return PGW_E_INVALID;
        rc = pgwi_fmt_timetz(out, dt_load_i64(p), dt_load_i32(p + 8));
        break;
    case PGW_OID_TIMESTAMP:
    case PGW_OID_TIMESTAMPTZ:
        if (len != 8)
            return PGW_E_INVALID;
        rc = pgwi_fmt_timestamp(out, dt_load_i64(p), oid == PGW_OID_TIMESTAMPTZ, ctx);
        break;
    default: {
        pgw_interval v;
        rc = pgw_decode_interval_bin(p, len, &v);
        if (rc == PGW_OK)
            rc = pgwi_fmt_interval(out, &v,
                                   ctx ? ctx->intervalstyle : PGW_INTERVALSTYLE_POSTGRES);
        break;
    }
    }
    /* A value the server could never send is not a valid binary value. */
    if (rc == PGW_E_RANGE)
        rc = PGW_E_INVALID;
    if (rc != PGW_OK && pgw_buf_status(out) == PGW_OK)
        out->len = mark;
    return rc;
}
