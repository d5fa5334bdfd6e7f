/* pgwire — rendering binary values as PostgreSQL prints them.
 *
 * pgw_render_bin() turns the binary form of a value into exactly the text
 * the server's output function would produce under the same session
 * settings (DateStyle, IntervalStyle, TimeZone, extra_float_digits,
 * bytea_output). It is how `pgw --binary` prints any value, and how the
 * binary codecs are checked against the server byte for byte.
 *
 * Types the client cannot render exactly (no binary output on the server,
 * or text that needs catalog lookups such as reg* types) answer
 * PGW_E_UNSUPPORTED: ask the server for those columns in text format
 * (pgw_render_bin_supported() tells before the query runs). */
#ifndef PGWIRE_PGWIRE_RENDER_H
#define PGWIRE_PGWIRE_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** DateStyle's output format (its first half). */
typedef enum pgw_datestyle {
    PGW_DATESTYLE_ISO = 0,
    PGW_DATESTYLE_POSTGRES = 1,
    PGW_DATESTYLE_SQL = 2,
    PGW_DATESTYLE_GERMAN = 3
} pgw_datestyle;

/** DateStyle's field order (its second half). */
typedef enum pgw_dateorder {
    PGW_DATEORDER_MDY = 0,
    PGW_DATEORDER_DMY = 1,
    PGW_DATEORDER_YMD = 2
} pgw_dateorder;

/** IntervalStyle. */
typedef enum pgw_intervalstyle {
    PGW_INTERVALSTYLE_POSTGRES = 0,
    PGW_INTERVALSTYLE_POSTGRES_VERBOSE = 1,
    PGW_INTERVALSTYLE_SQL_STANDARD = 2,
    PGW_INTERVALSTYLE_ISO_8601 = 3
} pgw_intervalstyle;

/** Time-zone rules (a parsed TZif file or POSIX TZ string); see
 * pgwire/datetime.h. */
typedef struct pgw_tz pgw_tz;

/** What the client knows of a type that is not built in: one row of
 * pg_type (plus pg_attribute for composites). Filled by the connection's
 * type registry (pgw_conn_type_info()) or by the caller. */
typedef struct pgw_type_info {
    uint32_t oid;
    char kind;          /**< pg_type.typtype: 'b' base, 'c' composite, 'd' domain,
                             'e' enum, 'p' pseudo, 'r' range, 'm' multirange */
    char category;      /**< pg_type.typcategory ('A' for arrays) */
    char delim;         /**< array element delimiter (',' for almost every type) */
    uint32_t elem;      /**< arrays: element type (typelem), else 0 */
    uint32_t base;      /**< domains: base type (typbasetype), else 0 */
    uint32_t subtype;   /**< ranges: rngsubtype; multiranges: their range type */
    const char *name;   /**< typname, e.g. "hstore" */
    uint16_t nattrs;    /**< composites: number of live attributes */
    const uint32_t *attr_types;     /**< composites: attribute type OIDs */
    const char *const *attr_names;  /**< composites: attribute names */
} pgw_type_info;

/** Look up a type by OID; NULL when unknown. The result must stay valid
 * for the duration of the render call. */
typedef const pgw_type_info *(*pgw_type_lookup_fn)(void *ud, uint32_t oid);

/** Session settings that change how values print. */
typedef struct pgw_render_ctx {
    pgw_datestyle datestyle;
    pgw_dateorder dateorder;
    pgw_intervalstyle intervalstyle;
    const pgw_tz *tz;           /**< TimeZone rules; NULL = UTC */
    int extra_float_digits;     /**< the server's setting (default 1: shortest exact) */
    bool bytea_escape;          /**< bytea_output = escape (default hex) */
    pgw_type_lookup_fn lookup;  /**< for types that are not built in; may be NULL */
    void *lookup_ud;
} pgw_render_ctx;

PGW_BEGIN_DECLS

/** The server's defaults: DateStyle ISO, MDY; IntervalStyle postgres; UTC;
 * extra_float_digits 1; bytea_output hex; no lookup. */
PGW_API void pgw_render_ctx_init(pgw_render_ctx *ctx);

/** Append the text form of a binary value of type `oid` to out.
 * Arrays, composites, ranges and multiranges recurse into their elements
 * (nesting is limited to 64 levels); domains render as their base type,
 * enums as their label.
 * @return PGW_OK; PGW_E_UNSUPPORTED when the type cannot be rendered on
 *         the client (nothing appended); PGW_E_INVALID when the bytes are
 *         not a valid binary value of that type; PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE from the buffer. On failure out->len is what it
 *         was before the call (unless the buffer itself has failed).
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_render_bin(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                                  const pgw_render_ctx *ctx);

/** Whether pgw_render_bin() can render values of `oid` (recursively, for
 * arrays of known element type, domains, ranges). */
PGW_API bool pgw_render_bin_supported(uint32_t oid, const pgw_render_ctx *ctx);

PGW_END_DECLS

#endif
