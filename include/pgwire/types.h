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
#define PGW_OID_INT2VECTOR 22u
#define PGW_OID_INT4 23u
#define PGW_OID_REGPROC 24u
#define PGW_OID_TEXT 25u
#define PGW_OID_OID 26u
#define PGW_OID_TID 27u
#define PGW_OID_XID 28u
#define PGW_OID_CID 29u
#define PGW_OID_OIDVECTOR 30u
#define PGW_OID_JSON 114u
#define PGW_OID_XML 142u
#define PGW_OID_POINT 600u
#define PGW_OID_LSEG 601u
#define PGW_OID_PATH 602u
#define PGW_OID_BOX 603u
#define PGW_OID_POLYGON 604u
#define PGW_OID_LINE 628u
#define PGW_OID_CIDR 650u
#define PGW_OID_FLOAT4 700u
#define PGW_OID_FLOAT8 701u
#define PGW_OID_UNKNOWN 705u
#define PGW_OID_CIRCLE 718u
#define PGW_OID_MACADDR8 774u
#define PGW_OID_MONEY 790u
#define PGW_OID_MACADDR 829u
#define PGW_OID_INET 869u
#define PGW_OID_ACLITEM 1033u
#define PGW_OID_BPCHAR 1042u
#define PGW_OID_VARCHAR 1043u
#define PGW_OID_DATE 1082u
#define PGW_OID_TIME 1083u
#define PGW_OID_TIMESTAMP 1114u
#define PGW_OID_TIMESTAMPTZ 1184u
#define PGW_OID_INTERVAL 1186u
#define PGW_OID_TIMETZ 1266u
#define PGW_OID_BIT 1560u
#define PGW_OID_VARBIT 1562u
#define PGW_OID_NUMERIC 1700u
#define PGW_OID_REFCURSOR 1790u
#define PGW_OID_REGPROCEDURE 2202u
#define PGW_OID_REGOPER 2203u
#define PGW_OID_REGOPERATOR 2204u
#define PGW_OID_REGCLASS 2205u
#define PGW_OID_REGTYPE 2206u
#define PGW_OID_RECORD 2249u
#define PGW_OID_CSTRING 2275u
#define PGW_OID_VOID 2278u
#define PGW_OID_UUID 2950u
#define PGW_OID_PG_LSN 3220u
#define PGW_OID_TSVECTOR 3614u
#define PGW_OID_TSQUERY 3615u
#define PGW_OID_REGCONFIG 3734u
#define PGW_OID_REGDICTIONARY 3769u
#define PGW_OID_JSONB 3802u
#define PGW_OID_JSONPATH 4072u
#define PGW_OID_REGNAMESPACE 4089u
#define PGW_OID_REGROLE 4096u
#define PGW_OID_REGCOLLATION 4191u
#define PGW_OID_XID8 5069u
#define PGW_OID_INT4RANGE 3904u
#define PGW_OID_NUMRANGE 3906u
#define PGW_OID_TSRANGE 3908u
#define PGW_OID_TSTZRANGE 3910u
#define PGW_OID_DATERANGE 3912u
#define PGW_OID_INT8RANGE 3926u
#define PGW_OID_INT4MULTIRANGE 4451u
#define PGW_OID_NUMMULTIRANGE 4532u
#define PGW_OID_TSMULTIRANGE 4533u
#define PGW_OID_TSTZMULTIRANGE 4534u
#define PGW_OID_DATEMULTIRANGE 4535u
#define PGW_OID_INT8MULTIRANGE 4536u

/* Their array types (pg_type.typarray). */
#define PGW_OID_BOOL_ARRAY 1000u
#define PGW_OID_BYTEA_ARRAY 1001u
#define PGW_OID_CHAR_ARRAY 1002u
#define PGW_OID_NAME_ARRAY 1003u
#define PGW_OID_INT2_ARRAY 1005u
#define PGW_OID_INT4_ARRAY 1007u
#define PGW_OID_TEXT_ARRAY 1009u
#define PGW_OID_BPCHAR_ARRAY 1014u
#define PGW_OID_VARCHAR_ARRAY 1015u
#define PGW_OID_INT8_ARRAY 1016u
#define PGW_OID_FLOAT4_ARRAY 1021u
#define PGW_OID_FLOAT8_ARRAY 1022u
#define PGW_OID_OID_ARRAY 1028u
#define PGW_OID_TIMESTAMP_ARRAY 1115u
#define PGW_OID_DATE_ARRAY 1182u
#define PGW_OID_TIME_ARRAY 1183u
#define PGW_OID_TIMESTAMPTZ_ARRAY 1185u
#define PGW_OID_INTERVAL_ARRAY 1187u
#define PGW_OID_NUMERIC_ARRAY 1231u
#define PGW_OID_TIMETZ_ARRAY 1270u
#define PGW_OID_UUID_ARRAY 2951u
#define PGW_OID_JSON_ARRAY 199u
#define PGW_OID_JSONB_ARRAY 3807u
#define PGW_OID_INET_ARRAY 1041u
#define PGW_OID_CIDR_ARRAY 651u
#define PGW_OID_MACADDR_ARRAY 1040u
#define PGW_OID_MACADDR8_ARRAY 775u
#define PGW_OID_MONEY_ARRAY 791u
#define PGW_OID_RECORD_ARRAY 2287u
#define PGW_OID_INT4RANGE_ARRAY 3905u
#define PGW_OID_NUMRANGE_ARRAY 3907u
#define PGW_OID_TSRANGE_ARRAY 3909u
#define PGW_OID_TSTZRANGE_ARRAY 3911u
#define PGW_OID_DATERANGE_ARRAY 3913u
#define PGW_OID_INT8RANGE_ARRAY 3927u
#define PGW_OID_INT4MULTIRANGE_ARRAY 6150u
#define PGW_OID_NUMMULTIRANGE_ARRAY 6151u
#define PGW_OID_TSMULTIRANGE_ARRAY 6152u
#define PGW_OID_TSTZMULTIRANGE_ARRAY 6153u
#define PGW_OID_DATEMULTIRANGE_ARRAY 6155u
#define PGW_OID_INT8MULTIRANGE_ARRAY 6157u

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
