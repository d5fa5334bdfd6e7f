/* Shared between the files of the datetime family (datetime.c,
 * datetime_format.c, interval.c, tz.c): the calendar, the server's epoch
 * and ranges, and the formatters that work on wire values (counted from
 * 2000-01-01, so that every value the server can send prints, including
 * the thirty years past what an int64 counted from 1970 holds).
 *
 * Owns: nothing but declarations. May include: common, public headers. */
#ifndef PGWIRE_TYPES_DATETIME_INT_H
#define PGWIRE_TYPES_DATETIME_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/datetime.h"
#include "pgwire/render.h"
#include "pgwire/status.h"

#define PGWI_USECS_PER_SEC INT64_C(1000000)
#define PGWI_USECS_PER_DAY INT64_C(86400000000)
#define PGWI_SECS_PER_DAY INT64_C(86400)
/* 1970-01-01 to 2000-01-01 */
#define PGWI_EPOCH_DIFF_DAYS 10957
#define PGWI_EPOCH_DIFF_SECS INT64_C(946684800)
#define PGWI_EPOCH_DIFF_USEC INT64_C(946684800000000)
/* The server's ranges, counted from 2000-01-01: Julian day 0
 * (4714-11-24 BC) up to, not including, 294277-01-01 for timestamps and
 * 5874898-01-01 for dates. */
#define PGWI_TS_MIN_PG INT64_C(-211813488000000000)
#define PGWI_TS_END_PG INT64_C(9223371331200000000)
#define PGWI_DATE_MIN_PG INT32_C(-2451545)
#define PGWI_DATE_END_PG INT32_C(2145031949)
/* A zone displacement is under 16 hours (the server's TZDISP_LIMIT). */
#define PGWI_TZDISP_LIMIT (16 * 3600)

/* Floor division and its remainder (always in [0, d)). */
static inline int64_t pgwi_floordiv(int64_t a, int64_t d)
{
    int64_t q = a / d;
    return (a % d < 0) ? q - 1 : q;
}
static inline int64_t pgwi_floormod(int64_t a, int64_t d)
{
    int64_t r = a % d;
    return r < 0 ? r + d : r;
}

/* Proleptic Gregorian calendar, days since 1970-01-01; |year| < 10^8. */
void pgwi_civil_from_days(int64_t days, int64_t *year, int32_t *month, int32_t *day);
int64_t pgwi_days_from_civil(int64_t year, int32_t month, int32_t day);
bool pgwi_day_exists(int64_t year, int32_t month, int32_t day);

/* Formatters of wire values; PGW_E_RANGE for a value outside the
 * server's range. Each appends in one piece: out->len is unchanged on
 * failure. */
pgw_status pgwi_fmt_date(pgw_buf *out, int32_t pg_days, const pgw_render_ctx *ctx);
pgw_status pgwi_fmt_timestamp(pgw_buf *out, int64_t pg_usec, bool with_tz,
                              const pgw_render_ctx *ctx);
pgw_status pgwi_fmt_time(pgw_buf *out, int64_t usec);
pgw_status pgwi_fmt_timetz(pgw_buf *out, int64_t usec, int32_t zone_west);
pgw_status pgwi_fmt_interval(pgw_buf *out, const pgw_interval *v, pgw_intervalstyle style);

/* AppendSeconds of the server: seconds (two digits when fill) and a
 * trimmed fraction of up to six digits; the sign of both is dropped.
 * Returns the new end. */
char *pgwi_put_seconds(char *cp, int64_t sec, int64_t fsec, bool fill);
/* Decimal digits of v, at least `width` of them. */
char *pgwi_put_uint(char *cp, uint64_t v, unsigned width);

#endif
