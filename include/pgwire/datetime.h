/* pgwire — date, time, timetz, timestamp, timestamptz and interval values,
 * and time-zone rules.
 *
 * Representation: timestamps are int64 microseconds since
 * 1970-01-01 00:00:00 UTC (timestamp without time zone: the wall clock
 * counted as if it were UTC), dates int32 days since 1970-01-01, times
 * int64 microseconds since midnight (0 ... 86400000000, "24:00:00"
 * included). The infinities are PGW_TIMESTAMP_INFINITY /
 * PGW_TIMESTAMP_NEG_INFINITY and PGW_DATE_INFINITY / PGW_DATE_NEG_INFINITY
 * (pgwire/types.h). The calendar is the proleptic Gregorian one the server
 * uses; years are astronomical (1 BC is year 0, 2 BC is year -1).
 *
 * On the wire (binary format) the server counts from 2000-01-01; the
 * codecs convert. Timestamps from 294247-01-10 on fit the server's int64
 * but not an int64 counted from 1970: those decode to PGW_E_RANGE (the
 * renderer, pgw_render_bin(), prints them all).
 *
 * Text output follows the server's output functions exactly, in every
 * DateStyle and IntervalStyle (pgw_render_ctx, pgwire/render.h).
 *
 * Time zones: a pgw_tz holds a zone's rules, parsed from a TZif file
 * (RFC 8536, versions 1 to 4, with the POSIX TZ footer for instants past
 * the last transition) or from a POSIX TZ string ("EST5EDT,M3.2.0,M11.1.0",
 * "<+03>-03" — what the server reports for SET TIME ZONE '+3').
 * pgw_tz_load() reads a zone by name from the system's tz database. */
#ifndef PGWIRE_PGWIRE_DATETIME_H
#define PGWIRE_PGWIRE_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/alloc.h"
#include "pgwire/buf.h"
#include "pgwire/export.h"
#include "pgwire/render.h"
#include "pgwire/status.h"
#include "pgwire/types.h"

/** Microseconds in a day: the largest time value ("24:00:00"). */
#define PGW_TIME_MAX INT64_C(86400000000)

/** Room for a zone abbreviation and its NUL ("CEST", "+0545", "LMT"). */
#define PGW_TZ_ABBR_SIZE 16

/** A broken-down date and time. */
typedef struct pgw_datetime {
    int32_t year;        /**< astronomical: 1 BC = 0, 2 BC = -1 (print 1 - year "BC") */
    int32_t month;       /**< 1 ... 12 */
    int32_t day;         /**< 1 ... 31 */
    int32_t hour;        /**< 0 ... 23 */
    int32_t minute;      /**< 0 ... 59 */
    int32_t second;      /**< 0 ... 59 */
    int32_t microsecond; /**< 0 ... 999999 */
    int32_t utc_offset;  /**< seconds EAST of UTC of the wall clock above
                              ("+05:30" = 19800); 0 for UTC and for types
                              without a zone */
} pgw_datetime;

/** A time with time zone. */
typedef struct pgw_timetz {
    int64_t usec;       /**< microseconds since local midnight, 0 ... PGW_TIME_MAX */
    int32_t utc_offset; /**< seconds EAST of UTC, as printed ("-05" = -18000);
                             the wire holds the negation. |offset| < 16 hours */
} pgw_timetz;

/** An interval: the server keeps the three parts apart (a month is not a
 * fixed number of days, nor a day of hours). PostgreSQL 17's infinities
 * are all three fields at their maximum / minimum. */
typedef struct pgw_interval {
    int64_t usec;
    int32_t days;
    int32_t months;
} pgw_interval;

/* pgw_tz, the parsed rules of a time zone, is opaque and declared in
 * pgwire/render.h (the render context carries one). */

/** What a zone's rules say for one instant. */
typedef struct pgw_tz_info {
    int32_t utc_offset;           /**< seconds east of UTC */
    bool is_dst;                  /**< daylight-saving time */
    char abbr[PGW_TZ_ABBR_SIZE];  /**< abbreviation, NUL-terminated ("EST", "+03") */
} pgw_tz_info;

PGW_BEGIN_DECLS

/* ---- binary format ------------------------------------------------------ */

/** Decode a binary date (int32 days since 2000-01-01 on the wire).
 * @param days_since_unix_epoch  receives days since 1970-01-01, or
 *             PGW_DATE_INFINITY / PGW_DATE_NEG_INFINITY; untouched on failure
 * @return PGW_OK; PGW_E_INVALID when len is not 4 (or p is NULL);
 *         PGW_E_RANGE for a finite day count that does not fit (never for a
 *         date the server sends).
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_date_bin(const uint8_t *p, size_t len,
                                       int32_t *days_since_unix_epoch);

/** Append the binary form of a date (4 bytes).
 * @return PGW_OK; PGW_E_RANGE for a finite date outside the server's range
 *         (4714-11-24 BC ... 5874897-12-31; nothing appended); PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE from the buffer.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_encode_date_bin(pgw_buf *out, int32_t days_since_unix_epoch);

/** Decode a binary time (int64 microseconds since midnight).
 * @return PGW_OK; PGW_E_INVALID when len is not 8 or the value is outside
 *         0 ... PGW_TIME_MAX.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_time_bin(const uint8_t *p, size_t len, int64_t *usec);

/** Append the binary form of a time (8 bytes).
 * @return PGW_OK; PGW_E_RANGE outside 0 ... PGW_TIME_MAX; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE. */
PGW_API pgw_status pgw_encode_time_bin(pgw_buf *out, int64_t usec);

/** Decode a binary timetz (int64 microseconds, int32 zone in seconds WEST
 * of UTC).
 * @return PGW_OK; PGW_E_INVALID when len is not 12, the time is outside
 *         0 ... PGW_TIME_MAX or the zone is 16 hours or more.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_timetz_bin(const uint8_t *p, size_t len, pgw_timetz *out);

/** Append the binary form of a timetz (12 bytes).
 * @return PGW_OK; PGW_E_RANGE for a time or offset out of range;
 *         PGW_E_NOMEM / PGW_E_TOO_LARGE. */
PGW_API pgw_status pgw_encode_timetz_bin(pgw_buf *out, pgw_timetz v);

/** Decode a binary timestamp (int64 microseconds since 2000-01-01).
 * @param usec_since_unix_epoch  receives microseconds since 1970-01-01
 *             (wall clock as UTC), or the PGW_TIMESTAMP_* infinities
 * @return PGW_OK; PGW_E_INVALID when len is not 8; PGW_E_RANGE for a value
 *         that does not fit counted from 1970 (from 294247-01-10).
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_timestamp_bin(const uint8_t *p, size_t len,
                                            int64_t *usec_since_unix_epoch);

/** As pgw_decode_timestamp_bin(), for timestamptz (an instant, UTC). */
PGW_API pgw_status pgw_decode_timestamptz_bin(const uint8_t *p, size_t len,
                                              int64_t *usec_since_unix_epoch);

/** Append the binary form of a timestamp (8 bytes).
 * @return PGW_OK; PGW_E_RANGE for a finite value before 4714-11-24 BC
 *         (which the server refuses); PGW_E_NOMEM / PGW_E_TOO_LARGE. */
PGW_API pgw_status pgw_encode_timestamp_bin(pgw_buf *out, int64_t usec_since_unix_epoch);

/** As pgw_encode_timestamp_bin(), for timestamptz. */
PGW_API pgw_status pgw_encode_timestamptz_bin(pgw_buf *out, int64_t usec_since_unix_epoch);

/** Decode a binary interval (int64 microseconds, int32 days, int32 months).
 * @return PGW_OK; PGW_E_INVALID when len is not 16.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_interval_bin(const uint8_t *p, size_t len, pgw_interval *out);

/** Append the binary form of an interval (16 bytes).
 * @return PGW_OK; PGW_E_NOMEM / PGW_E_TOO_LARGE. */
PGW_API pgw_status pgw_encode_interval_bin(pgw_buf *out, pgw_interval v);

/* ---- text format -------------------------------------------------------- */

/** Append a date exactly as the server prints it under ctx's DateStyle
 * ("2020-01-31", "01/31/2020", "31.01.2020", "01-31-2020", " BC" suffix,
 * "infinity").
 * @param ctx  session settings; NULL = the defaults (ISO, MDY)
 * @return PGW_OK; PGW_E_RANGE for a date outside the server's range;
 *         PGW_E_NOMEM / PGW_E_TOO_LARGE. On failure out->len is unchanged
 *         (unless the buffer itself failed). */
PGW_API pgw_status pgw_encode_date_text(pgw_buf *out, int32_t days_since_unix_epoch,
                                        const pgw_render_ctx *ctx);

/** Append a time as the server prints it ("13:45:00.25"; every DateStyle
 * prints times the same way).
 * @return PGW_OK; PGW_E_RANGE outside 0 ... PGW_TIME_MAX; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE. */
PGW_API pgw_status pgw_encode_time_text(pgw_buf *out, int64_t usec);

/** Append a timetz as the server prints it ("13:45:00+05:30").
 * @return as pgw_encode_time_text(), PGW_E_RANGE also for the offset. */
PGW_API pgw_status pgw_encode_timetz_text(pgw_buf *out, pgw_timetz v);

/** Append a timestamp as the server prints it under ctx's DateStyle.
 * @return PGW_OK; PGW_E_RANGE before 4714-11-24 BC; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE. */
PGW_API pgw_status pgw_encode_timestamp_text(pgw_buf *out, int64_t usec_since_unix_epoch,
                                             const pgw_render_ctx *ctx);

/** Append a timestamptz as the server prints it under ctx's DateStyle, in
 * ctx->tz (NULL ctx or NULL tz: UTC): offsets in ISO style, zone
 * abbreviations in the Postgres, SQL and German styles.
 * @return as pgw_encode_timestamp_text(). */
PGW_API pgw_status pgw_encode_timestamptz_text(pgw_buf *out, int64_t usec_since_unix_epoch,
                                               const pgw_render_ctx *ctx);

/** Append an interval as the server prints it under ctx's IntervalStyle
 * ("1 year 2 mons 3 days 04:05:06.5", "@ 1 year ago", "+1-2 +3 +4:05:06",
 * "P1Y2M3DT4H5M6.5S").
 * @return PGW_OK; PGW_E_NOMEM / PGW_E_TOO_LARGE. */
PGW_API pgw_status pgw_encode_interval_text(pgw_buf *out, pgw_interval v,
                                            const pgw_render_ctx *ctx);

/** Decode a text-format time as the server prints it: "HH:MM:SS[.ffffff]"
 * (up to "24:00:00").
 * @return PGW_OK; PGW_E_INVALID for anything else. *usec untouched on
 *         failure.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_time_text(const char *p, size_t len, int64_t *usec);

/** Decode a text-format timetz as the server prints it:
 * "HH:MM:SS[.ffffff]+HH[:MM[:SS]]".
 * @return PGW_OK; PGW_E_INVALID. *out untouched on failure. */
PGW_API pgw_status pgw_decode_timetz_text(const char *p, size_t len, pgw_timetz *out);

/** Decode a text-format interval as the server prints it with IntervalStyle
 * postgres ("1 year 2 mons -3 days +04:05:06.5", "00:00:00"), iso_8601
 * ("P1Y2M-3DT4H5M6.5S", "PT0S") or postgres_verbose ("@ 1 year 2 mons
 * 3 days 4 hours 5 mins 6.5 secs ago"), and "infinity" / "-infinity"
 * (PostgreSQL 17). The result is what the server holds (months, days and
 * microseconds kept apart). The sql_standard style is not read.
 * @return PGW_OK; PGW_E_INVALID for other text; PGW_E_RANGE when a part
 *         overflows its field. *out untouched on failure.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_interval_text(const char *p, size_t len, pgw_interval *out);

/* ---- broken-down values -------------------------------------------------- */

/** Split a date into year, month, day (the time fields and offset are 0).
 * @return PGW_OK; PGW_E_RANGE for the infinities. */
PGW_API pgw_status pgw_date_to_datetime(int32_t days_since_unix_epoch, pgw_datetime *out);

/** Days since 1970-01-01 of dt's year, month and day (other fields are
 * ignored).
 * @return PGW_OK; PGW_E_INVALID for a date that does not exist (month 13,
 *         February 30); PGW_E_RANGE for one that does not fit an int32 or
 *         lands on an infinity. */
PGW_API pgw_status pgw_datetime_to_date(const pgw_datetime *dt, int32_t *days_since_unix_epoch);

/** Split a timestamp (or a timestamptz, in UTC) into its fields;
 * utc_offset is 0.
 * @return PGW_OK; PGW_E_RANGE for the infinities. */
PGW_API pgw_status pgw_timestamp_to_datetime(int64_t usec_since_unix_epoch, pgw_datetime *out);

/** Split a timestamptz into the wall-clock fields of zone tz (NULL = UTC),
 * with utc_offset set to the zone's offset at that instant.
 * @return PGW_OK; PGW_E_RANGE for the infinities. */
PGW_API pgw_status pgw_timestamptz_to_datetime(int64_t usec_since_unix_epoch, const pgw_tz *tz,
                                               pgw_datetime *out);

/** Microseconds since 1970-01-01 UTC of dt's wall clock minus its
 * utc_offset (for a timestamp without time zone, leave utc_offset 0).
 * @return PGW_OK; PGW_E_INVALID for fields out of their ranges or a date
 *         that does not exist; PGW_E_RANGE when the result does not fit
 *         (or lands on an infinity). */
PGW_API pgw_status pgw_datetime_to_timestamp(const pgw_datetime *dt,
                                             int64_t *usec_since_unix_epoch);

/* ---- time zones ----------------------------------------------------------- */

/** Parse a TZif file (RFC 8536; versions 1 to 4). Version 2+ files use
 * their 64-bit section and their POSIX TZ footer (for instants after the
 * last transition); instants before the first transition take time type
 * 0. Leap-second records are skipped (the server ignores them too).
 * @param data  the file's bytes
 * @param a     allocator for the result, NULL = libc; must outlive it
 * @param out   receives the rules (free with pgw_tz_free()); untouched on
 *              failure
 * @return PGW_OK; PGW_E_INVALID for a malformed or truncated file or a bad
 *         footer; PGW_E_TOO_LARGE for counts beyond the limits (65535
 *         transitions or leap records, 256 types, 4096 abbreviation bytes,
 *         an abbreviation over 15 bytes);
 *         PGW_E_NOMEM.
 * Ownership: the caller owns *out; data is not retained. */
PGW_API pgw_status pgw_tz_parse_tzif(const uint8_t *data, size_t len, const pgw_allocator *a,
                                     pgw_tz **out);

/** Parse a POSIX TZ string: "UTC0", "<+03>-03", "EST5EDT,M3.2.0,M11.1.0",
 * "AEST-10AEDT,M10.1.0,M4.1.0/3", "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0"
 * (the POSIX sign: positive offsets are WEST of UTC). A DST name with no
 * rule takes the US rule (M3.2.0,M11.1.0), as the server's tz code does.
 * @return PGW_OK; PGW_E_INVALID for a malformed string; PGW_E_NOMEM.
 * Ownership: as pgw_tz_parse_tzif(). */
PGW_API pgw_status pgw_tz_parse_posix(const char *s, size_t len, const pgw_allocator *a,
                                      pgw_tz **out);

/** Load a zone by name: "America/New_York", "UTC", "Etc/GMT+5", or a
 * POSIX TZ string when no such file exists ("EST5EDT", "<+03>-03").
 * Files are read from $TZDIR, else /usr/share/zoneinfo. Names with "..",
 * absolute paths and characters other than letters, digits and "/_+-"
 * are refused before any file is opened (then tried as a POSIX string).
 * @return PGW_OK; PGW_E_INVALID for a name that is neither a readable
 *         zone file nor a POSIX TZ string, or a file that is not TZif;
 *         PGW_E_TOO_LARGE for a file over 1 MiB or counts over the
 *         limits; PGW_E_NOMEM.
 * Ownership: the caller owns *out (pgw_tz_free()). */
PGW_API pgw_status pgw_tz_load(const char *name, const pgw_allocator *a, pgw_tz **out);

/** Free rules from pgw_tz_parse_tzif(), pgw_tz_parse_posix() or
 * pgw_tz_load(). NULL-safe. */
PGW_API void pgw_tz_free(pgw_tz *tz);

/** The offset, DST flag and abbreviation zone tz (NULL = UTC) gives for
 * the instant unix_sec (seconds since 1970-01-01 UTC; any int64).
 * @return PGW_OK; PGW_E_INVALID when out is NULL.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_tz_lookup(const pgw_tz *tz, int64_t unix_sec, pgw_tz_info *out);

PGW_END_DECLS

#endif
