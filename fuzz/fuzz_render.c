/* Fuzz pgw_render_bin over arbitrary OIDs: the first four bytes are the
 * OID (big-endian), the rest is the value. The type lookup declares an
 * hstore, a domain, an enum, a composite, a range and arrays of them, so the
 * registry paths are reached too. Invariants: only documented statuses; on
 * failure the buffer is as it was; the output is bounded by the buffer's
 * limit (nested quoting doubles at each level); rendering is
 * deterministic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/render.h"
#include "pgwire/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Registry OIDs: 100001 hstore, 100002 domain over int4, 100003 enum,
 * 100004 composite (int4, text), 100005 range over int4range's subtype
 * int8, 100006 array of hstore, 100007 multirange of 100005, 100008 a
 * domain over itself (must not loop). */
static const uint32_t comp_attrs[] = {PGW_OID_INT4, PGW_OID_TEXT};
static const pgw_type_info types[] = {
    {100001u, 'b', 'U', ',', 0, 0, 0, "hstore", 0, NULL, NULL},
    {100002u, 'd', 'N', ',', 0, PGW_OID_INT4, 0, "posint", 0, NULL, NULL},
    {100003u, 'e', 'E', ',', 0, 0, 0, "mood", 0, NULL, NULL},
    {100004u, 'c', 'C', ',', 0, 0, 0, "pair", 2, comp_attrs, NULL},
    {100005u, 'r', 'R', ',', 0, 0, PGW_OID_INT8, "bigrange", 0, NULL, NULL},
    {100006u, 'b', 'A', ',', 100001u, 0, 0, "_hstore", 0, NULL, NULL},
    {100007u, 'm', 'R', ',', 0, 0, 100005u, "bigmultirange", 0, NULL, NULL},
    {100008u, 'd', 'U', ',', 0, 100008u, 0, "loop", 0, NULL, NULL},
};

static const pgw_type_info *lookup(void *ud, uint32_t oid)
{
    (void)ud;
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (types[i].oid == oid)
            return &types[i];
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t oid =
        (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    const uint8_t *p = data + 4;
    size_t n = size - 4;
    pgw_render_ctx ctx;
    pgw_render_ctx_init(&ctx);
    ctx.lookup = lookup;
    pgw_buf out, again;
    pgw_buf_init(&out, NULL, 1u << 20);
    pgw_buf_init(&again, NULL, 1u << 20);
    pgw_buf_append(&out, "x", 1);
    pgw_status rc = pgw_render_bin(&out, oid, p, n, &ctx);
    switch (rc) {
    case PGW_OK:
        break;
    case PGW_E_UNSUPPORTED:
    case PGW_E_INVALID:
    case PGW_E_RANGE:
        if (out.len != 1)
            abort();
        break;
    case PGW_E_TOO_LARGE:
    case PGW_E_NOMEM:
        break;
    default:
        abort();
    }
    if (rc == PGW_OK) {
        if (pgw_render_bin(&again, oid, p, n, &ctx) != PGW_OK || again.len + 1 != out.len ||
            (again.len && memcmp(again.data, out.data + 1, again.len) != 0))
            abort();
    }
    (void)pgw_render_bin_supported(oid, &ctx);
    pgw_buf_free(&out);
    pgw_buf_free(&again);
    return 0;
}
