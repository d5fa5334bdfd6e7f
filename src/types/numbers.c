/* PLACEHOLDER until the numbers family lands. */
#include "types/types_int.h"

pgw_status pgwi_render_numbers(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                               const pgw_render_ctx *ctx)
{
    (void)out, (void)oid, (void)p, (void)len, (void)ctx;
    return PGW_E_UNSUPPORTED;
}

bool pgwi_render_numbers_supported(uint32_t oid)
{
    (void)oid;
    return false;
}
