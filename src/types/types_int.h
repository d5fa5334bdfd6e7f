/* src/types — OIDs and value codecs. May include: common. No framing (that
 * is src/protocol), no I/O, no allocation in decoders.
 *
 * Internal seams between the codec families of src/types and the
 * renderer (render.c). Each family renders the binary values of the types
 * it owns and answers PGW_E_UNSUPPORTED for any other OID, so render.c can
 * ask each in turn without a central table that would drift.
 *
 * Owns: nothing but declarations. May include: common, public headers. */
#ifndef PGWIRE_TYPES_TYPES_INT_H
#define PGWIRE_TYPES_TYPES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/render.h"
#include "pgwire/status.h"
#include "pgwire/types.h"

/** Nesting limit for arrays of composites of ranges ...: a hostile value
 * must not recurse without bound. */
#define PGWI_RENDER_MAX_DEPTH 64u

/* The value of a hexadecimal digit, or -1. */
static inline int pgwi_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Back-patch the int32 length word at len_off with the byte count written
 * after it (a builder's element opened with a placeholder length).
 * PGW_E_INVALID when nothing was opened there, PGW_E_TOO_LARGE past
 * INT32_MAX. */
static inline pgw_status pgwi_patch_length(pgw_buf *out, size_t len_off)
{
    if (out->len < len_off + 4)
        return PGW_E_INVALID;
    size_t n = out->len - len_off - 4;
    if (n > INT32_MAX)
        return PGW_E_TOO_LARGE;
    pgw_buf_patch_i32(out, len_off, (int32_t)n);
    return PGW_OK;
}

/* numbers.c family (bool, int2/4/8, oid, float4/8, numeric, and the other
 * fixed-width scalars: xid, cid, xid8, pg_lsn, tid, ...). */
pgw_status pgwi_render_numbers(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                               const pgw_render_ctx *ctx);
bool pgwi_render_numbers_supported(uint32_t oid);

/* strings family (text, varchar, bpchar, name, "char", unknown, bytea, uuid,
 * json, jsonb, jsonpath?, inet, cidr, macaddr, macaddr8, xml, ...). */
pgw_status pgwi_render_strings(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                               const pgw_render_ctx *ctx);
bool pgwi_render_strings_supported(uint32_t oid);

/* datetime family (date, time, timetz, timestamp, timestamptz, interval). */
pgw_status pgwi_render_datetime(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                                const pgw_render_ctx *ctx);
bool pgwi_render_datetime_supported(uint32_t oid);

/* containers family (arrays, composites and record, ranges, multiranges,
 * hstore). `ti` is the registry's row for a type that is not built in, or
 * NULL for built-in OIDs; elements are rendered through pgwi_render_depth()
 * with depth + 1. */
pgw_status pgwi_render_container(pgw_buf *out, uint32_t oid, const pgw_type_info *ti,
                                 const uint8_t *p, size_t len, const pgw_render_ctx *ctx,
                                 unsigned depth);
bool pgwi_render_container_supported(uint32_t oid, const pgw_type_info *ti,
                                     const pgw_render_ctx *ctx, unsigned depth);

/* containers.c: the element type of a built-in array (0 when oid is not
 * one), and the subtype of a built-in range (a multirange gives its
 * range). */
uint32_t pgwi_container_builtin_elem(uint32_t array_oid);
uint32_t pgwi_container_builtin_subtype(uint32_t range_or_multirange_oid);

/* render.c: the dispatcher, for containers' elements. */
pgw_status pgwi_render_depth(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                             const pgw_render_ctx *ctx, unsigned depth);
bool pgwi_render_supported_depth(uint32_t oid, const pgw_render_ctx *ctx, unsigned depth);

#endif
