/* pgwire — value codecs for built-in types (no framing, no I/O).
 *
 * Decoders take a value's bytes (ptr+len, not NUL-terminated) and write a C
 * value; they never allocate. This issue brings the text-format decoders the
 * cursor's conversions need; binary codecs for every built-in type follow
 * with the extended-protocol work. */
#ifndef PGWIRE_PGWIRE_TYPES_H
#define PGWIRE_PGWIRE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/export.h"
#include "pgwire/status.h"

/* OIDs of the built-in types (pg_type.dat). Stable across server versions. */
#define PGW_OID_BOOL 16u
#define PGW_OID_BYTEA 17u
#define PGW_OID_CHAR 18u
#define PGW_OID_NAME 19u
#define PGW_OID_INT8 20u
#define PGW_OID_INT2 21u
#define PGW_OID_INT4 23u
#define PGW_OID_TEXT 25u
#define PGW_OID_OID 26u
#define PGW_OID_JSON 114u
#define PGW_OID_FLOAT4 700u
#define PGW_OID_FLOAT8 701u
#define PGW_OID_UNKNOWN 705u
#define PGW_OID_BPCHAR 1042u
#define PGW_OID_VARCHAR 1043u
#define PGW_OID_DATE 1082u
#define PGW_OID_TIME 1083u
#define PGW_OID_TIMESTAMP 1114u
#define PGW_OID_TIMESTAMPTZ 1184u
#define PGW_OID_INTERVAL 1186u
#define PGW_OID_NUMERIC 1700u
#define PGW_OID_UUID 2950u
#define PGW_OID_JSONB 3802u

PGW_BEGIN_DECLS

/** Decode a text-format integer as PostgreSQL prints it: optional sign,
 * decimal digits, nothing else (no spaces, no "+" prefix ambiguity beyond
 * one sign).
 * @return PGW_OK; PGW_E_INVALID when the text is not an integer;
 *         PGW_E_RANGE when it does not fit the target type. */
PGW_API pgw_status pgw_decode_int2_text(const char *p, size_t len, int16_t *out);
PGW_API pgw_status pgw_decode_int4_text(const char *p, size_t len, int32_t *out);
PGW_API pgw_status pgw_decode_int8_text(const char *p, size_t len, int64_t *out);

/** Decode text-format float4/float8/numeric into a double, including
 * "NaN", "Infinity" and "-Infinity".
 * @return PGW_OK; PGW_E_INVALID for malformed text; PGW_E_RANGE when the
 *         finite value overflows a double. */
PGW_API pgw_status pgw_decode_float8_text(const char *p, size_t len, double *out);

/** Decode text-format bool: "t"/"f" as the server prints it (also "true",
 * "false", "yes", "no", "on", "off", "1", "0", case-insensitive, as the
 * server accepts on input).
 * @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_decode_bool_text(const char *p, size_t len, bool *out);

/* ---- date and time (text format, DateStyle ISO) ------------------------ */

/** What pgw_decode_timestamp(tz)_text() stores for 'infinity' and
 * '-infinity'. No finite timestamp decodes to either value. */
#define PGW_TIMESTAMP_INFINITY INT64_MAX
#define PGW_TIMESTAMP_NEG_INFINITY INT64_MIN
/** What pgw_decode_date_text() stores for 'infinity' and '-infinity' (the
 * server's own representation). No finite date decodes to either value. */
#define PGW_DATE_INFINITY INT32_MAX
#define PGW_DATE_NEG_INFINITY INT32_MIN

/** Decode a text-format timestamptz as the server prints it with DateStyle
 * ISO: "2020-01-01 00:00:01+00", "1999-12-31 19:00:00.5-05",
 * "1900-01-01 05:21:10+05:21:10", "0044-03-15 12:00:00+00 BC",
 * "10000-01-01 00:00:00+00", "infinity", "-infinity". The year has four
 * or more digits, the fraction one to six, the zone offset is +HH, +HH:MM
 * or +HH:MM:SS (under 16 hours); the calendar is the proleptic Gregorian
 * one the server uses. Other DateStyles (Postgres, SQL, German) and
 * anything the server only accepts on input are refused.
 * @param p    the value's bytes (not NUL-terminated)
 * @param len  their length
 * @param usec_since_unix_epoch  receives microseconds since
 *             1970-01-01 00:00:00 UTC, PGW_TIMESTAMP_INFINITY or
 *             PGW_TIMESTAMP_NEG_INFINITY; untouched on failure
 * @return PGW_OK; PGW_E_INVALID for text that is not in this format (or a
 *         date that does not exist, such as February 30); PGW_E_RANGE for
 *         a well-formed value outside int64 microseconds (after
 *         294247-01-10 04:00:54.775806 UTC; the server goes up to 294276).
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_timestamptz_text(const char *p, size_t len,
                                               int64_t *usec_since_unix_epoch);

/** Decode a text-format timestamp (without time zone), as
 * pgw_decode_timestamptz_text() but with no zone offset in the text: the
 * wall-clock fields are counted as if they were UTC.
 * @return PGW_OK; PGW_E_INVALID; PGW_E_RANGE.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_timestamp_text(const char *p, size_t len,
                                             int64_t *usec_since_unix_epoch);

/** Decode a text-format date as the server prints it with DateStyle ISO:
 * "2020-01-01", "4713-01-01 BC", "5874897-12-31", "infinity", "-infinity".
 * @param days_since_unix_epoch  receives days since 1970-01-01 (negative
 *             before), PGW_DATE_INFINITY or PGW_DATE_NEG_INFINITY;
 *             untouched on failure
 * @return PGW_OK; PGW_E_INVALID for text that is not in this format or a
 *         date that does not exist; PGW_E_RANGE for a well-formed date
 *         whose day count does not fit an int32 (never for a date the
 *         server can print).
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_date_text(const char *p, size_t len,
                                        int32_t *days_since_unix_epoch);

PGW_END_DECLS

#endif
