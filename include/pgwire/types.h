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

PGW_END_DECLS

#endif
