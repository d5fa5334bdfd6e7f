/* PLACEHOLDER until the containers family lands. */
#include "types/types_int.h"

pgw_status pgwi_render_container(pgw_buf *out, uint32_t oid, const pgw_type_info *ti,
                                 const uint8_t *p, size_t len, const pgw_render_ctx *ctx,
                                 unsigned depth)
{
    (void)out, (void)oid, (void)ti, (void)p, (void)len, (void)ctx, (void)depth;
    return PGW_E_UNSUPPORTED;
}

bool pgwi_render_container_supported(uint32_t oid, const pgw_type_info *ti,
                                     const pgw_render_ctx *ctx, unsigned depth)
{
    (void)oid, (void)ti, (void)ctx, (void)depth;
    return false;
}
