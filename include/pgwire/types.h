/* pgwire — value codecs for built-in types (no framing, no I/O).
 *
 * Decoders take a value's bytes (ptr+len, not NUL-terminated) and write a C
 * value; they never allocate (variable-length results such as numeric's
 * decimal text are appended to a caller-owned pgw_buf). Encoders append to
 * a caller-owned pgw_buf and append nothing on failure. `_bin` functions
 * handle the binary format (the server's *send / *recv), `_text` ones the
 * text format: encoders print exactly what the server's output function
 * prints for the value. */
#ifndef PGWIRE_PGWIRE_TYPES_H
#define PGWIRE_PGWIRE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
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

/** Decode text-format float4 as the server prints it (or accepts it), read
 * with single-precision rounding (strtof), so that text the server printed
 * for a real gives exactly that real; "NaN", "Infinity", "-Infinity".
 * @param p    the value's bytes (not NUL-terminated)
 * @param len  their length
 * @param out  receives the value; untouched on failure
 * @return PGW_OK; PGW_E_INVALID for malformed text; PGW_E_RANGE when a
 *         finite value overflows a float, or a nonzero one underflows to
 *         zero (as the server's float4in refuses it).
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_float4_text(const char *p, size_t len, float *out);

/** Decode text-format oid: unsigned decimal up to 4294967295 (the server
 * prints that), or as the server accepts on input, a negative number down
 * to -2147483648 meaning 2^32 minus its magnitude.
 * @return PGW_OK; PGW_E_INVALID for malformed text; PGW_E_RANGE outside
 *         those bounds. Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_oid_text(const char *p, size_t len, uint32_t *out);

/* ---- numbers: binary form ----------------------------------------------- */

/** Decode the binary form of bool (one byte, 1 or 0), int2/int4/int8
 * (big-endian two's complement of 2, 4, 8 bytes), oid (4 bytes unsigned;
 * also xid and cid), float4/float8 (IEEE 754 bits, big-endian: NaN,
 * the infinities and -0 come through unchanged).
 * @param p    the value's bytes
 * @param len  their length: must be exactly the type's width
 * @param out  receives the value; untouched on failure
 * @return PGW_OK; PGW_E_INVALID for a wrong length, p == NULL, or a bool
 *         byte other than 0 and 1.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_bool_bin(const uint8_t *p, size_t len, bool *out);
PGW_API pgw_status pgw_decode_int2_bin(const uint8_t *p, size_t len, int16_t *out);
PGW_API pgw_status pgw_decode_int4_bin(const uint8_t *p, size_t len, int32_t *out);
PGW_API pgw_status pgw_decode_int8_bin(const uint8_t *p, size_t len, int64_t *out);
PGW_API pgw_status pgw_decode_oid_bin(const uint8_t *p, size_t len, uint32_t *out);
PGW_API pgw_status pgw_decode_float4_bin(const uint8_t *p, size_t len, float *out);
PGW_API pgw_status pgw_decode_float8_bin(const uint8_t *p, size_t len, double *out);

/** Append the binary form of a value (the bytes only, no length word):
 * exactly what the server's *send function produces for it.
 * @return PGW_OK; PGW_E_INVALID when out is NULL; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE from the buffer (nothing appended).
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_encode_bool_bin(pgw_buf *out, bool v);
PGW_API pgw_status pgw_encode_int2_bin(pgw_buf *out, int16_t v);
PGW_API pgw_status pgw_encode_int4_bin(pgw_buf *out, int32_t v);
PGW_API pgw_status pgw_encode_int8_bin(pgw_buf *out, int64_t v);
PGW_API pgw_status pgw_encode_oid_bin(pgw_buf *out, uint32_t v);
PGW_API pgw_status pgw_encode_float4_bin(pgw_buf *out, float v);
PGW_API pgw_status pgw_encode_float8_bin(pgw_buf *out, double v);

/* ---- numbers: text output ----------------------------------------------- */

/** Append the server's text output for a value: "t"/"f" for bool, plain
 * decimal for the integers and oid (unsigned).
 * @return PGW_OK; PGW_E_INVALID when out is NULL; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE from the buffer.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_encode_bool_text(pgw_buf *out, bool v);
PGW_API pgw_status pgw_encode_int2_text(pgw_buf *out, int16_t v);
PGW_API pgw_status pgw_encode_int4_text(pgw_buf *out, int32_t v);
PGW_API pgw_status pgw_encode_int8_text(pgw_buf *out, int64_t v);
PGW_API pgw_status pgw_encode_oid_text(pgw_buf *out, uint32_t v);

/** Append exactly the text the server's float8out (float4out) prints for
 * v under the given extra_float_digits setting (-15..3; the default is 1).
 * With extra_float_digits >= 1: the shortest decimal that reads back as v
 * (PostgreSQL 12+), in fixed notation when the decimal exponent is in
 * [-4, 15) for float8 and [-4, 6) for float4, else as 1.2345e+20 (at least
 * two exponent digits): "0.1", "1e+100", "1.2345678901234567e-05", "-0".
 * With extra_float_digits <= 0: printf's "%.*g" with 15 (6) +
 * extra_float_digits significant digits, at least 1. NaN prints as "NaN",
 * the infinities as "Infinity" and "-Infinity". The output does not depend
 * on the C locale.
 * @return PGW_OK; PGW_E_INVALID when out is NULL; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE from the buffer.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_encode_float8_text(pgw_buf *out, double v, int extra_float_digits);
PGW_API pgw_status pgw_encode_float4_text(pgw_buf *out, float v, int extra_float_digits);

/* ---- numeric ------------------------------------------------------------- */

/** Append the decimal text of a binary numeric (numeric_send's form),
 * exactly as the server's numeric_out prints it: "1.50" keeps its display
 * scale, "NaN", "Infinity", "-Infinity" (PostgreSQL 14+), values of up to
 * 131072 digits before and 16383 after the point. The bytes are checked
 * as the server's numeric_recv checks them (digit count against the
 * length, sign code, scale at most 16383, every digit below 10000); a
 * well-formed non-canonical value (leading or trailing zero digits, digits
 * beyond the scale, negative zero) prints as the server would print it
 * after receiving it: digits beyond the scale are truncated, zero is never
 * negative.
 * @param p    the value's bytes
 * @param len  their length
 * @param out  the text is appended here (no NUL)
 * @return PGW_OK; PGW_E_INVALID for bytes that are not a binary numeric
 *         (nothing appended) or out == NULL; PGW_E_NOMEM / PGW_E_TOO_LARGE
 *         from the buffer.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_decode_numeric_bin(const uint8_t *p, size_t len, pgw_buf *out);

/** Append the binary form of the numeric written in s, byte for byte what
 * the server's numeric_send gives for `s::numeric`: canonical digits, the
 * display scale the text implies ("1.50" keeps scale 2, "1.5e3" has scale
 * 0, "1e-3" scale 3), zero never negative. Accepted text: an optional sign,
 * digits with an optional point (at least one digit), an optional exponent
 * "e[+-]digits"; or "NaN", "Infinity", "+Infinity", "-Infinity", "inf",
 * "+inf", "-inf" in any case (the infinities need PostgreSQL 14+ on the
 * server). Unlike the server, no surrounding spaces, underscores or
 * non-decimal integer literals.
 * @param out  the binary value is appended here
 * @param s    the text (not NUL-terminated)
 * @param len  its length
 * @return PGW_OK; PGW_E_INVALID for malformed text or NULL arguments;
 *         PGW_E_RANGE when the value does not fit numeric (more than
 *         131072 digits before the point, or a scale above 16383);
 *         PGW_E_NOMEM / PGW_E_TOO_LARGE from the buffer. Nothing is
 *         appended on failure.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_encode_numeric_bin(pgw_buf *out, const char *s, size_t len);

/** Convert a binary numeric to int64 exactly. Digits hidden by the display
 * scale are ignored, as the server ignores them.
 * @return PGW_OK; PGW_E_INVALID for malformed bytes or out == NULL;
 *         PGW_E_RANGE when the value is not an integer (a nonzero digit
 *         after the point: the server's numeric::int8 would round, this
 *         refuses), is outside int64, or is NaN or infinite. *out is
 *         untouched on failure.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_numeric_bin_int64(const uint8_t *p, size_t len, int64_t *out);

/** Convert a binary numeric to the nearest double (correctly rounded);
 * NaN and the infinities convert to themselves, values too small for a
 * double to 0 or a denormal.
 * @return PGW_OK; PGW_E_INVALID for malformed bytes or out == NULL;
 *         PGW_E_RANGE when a finite value is beyond the largest double.
 *         *out is untouched on failure.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_decode_numeric_bin_double(const uint8_t *p, size_t len, double *out);

/** Append the binary numeric of an int64 (scale 0), as int8::numeric.
 * @return PGW_OK; PGW_E_INVALID when out is NULL; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE from the buffer.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_encode_numeric_bin_int64(pgw_buf *out, int64_t v);

/** Append the binary numeric of a double: exactly the shortest decimal
 * that reads back as v (what float8 prints with extra_float_digits >= 1),
 * with the scale that decimal implies (0.1 -> "0.1", 1e20 -> scale 0).
 * This is lossless: pgw_decode_numeric_bin_double() gives v back. (The
 * server's float8::numeric keeps only 15 significant digits.) NaN and
 * the infinities map to numeric's NaN and infinities (PostgreSQL 14+);
 * -0 becomes 0.
 * @return PGW_OK; PGW_E_INVALID when out is NULL; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE from the buffer.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_encode_numeric_bin_double(pgw_buf *out, double v);

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
