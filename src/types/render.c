/* The renderer's dispatcher: binary value + OID -> the server's text.
 *
 * Built-in OIDs go to the family that owns them; anything else goes
 * through the caller's type lookup (domains to their base type, enums as
 * their label, arrays/composites/ranges/hstore to the container family). */
#include "pgwire/render.h"

#include "types/types_int.h"

void pgw_render_ctx_init(pgw_render_ctx *ctx)
{
    if (!ctx)
        return;
    ctx->datestyle = PGW_DATESTYLE_ISO;
    ctx->dateorder = PGW_DATEORDER_MDY;
    ctx->intervalstyle = PGW_INTERVALSTYLE_POSTGRES;
    ctx->tz = NULL;
    ctx->extra_float_digits = 1;
    ctx->bytea_escape = false;
    ctx->lookup = NULL;
    ctx->lookup_ud = NULL;
}

static const pgw_type_info *lookup(const pgw_render_ctx *ctx, uint32_t oid)
{
    return ctx->lookup ? ctx->lookup(ctx->lookup_ud, oid) : NULL;
}

static pgw_status render_builtin(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                                 const pgw_render_ctx *ctx, unsigned depth)
{
    pgw_status rc = pgwi_render_numbers(out, oid, p, len, ctx);
    if (rc != PGW_E_UNSUPPORTED)
        return rc;
    rc = pgwi_render_strings(out, oid, p, len, ctx);
    if (rc != PGW_E_UNSUPPORTED)
        return rc;
    rc = pgwi_render_datetime(out, oid, p, len, ctx);
    if (rc != PGW_E_UNSUPPORTED)
        return rc;
    return pgwi_render_container(out, oid, NULL, p, len, ctx, depth);
}

pgw_status pgwi_render_depth(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                             const pgw_render_ctx *ctx, unsigned depth)
{
    if (depth > PGWI_RENDER_MAX_DEPTH)
        return PGW_E_INVALID;
    if (!p && len)
        return PGW_E_INVALID;
    size_t mark = out->len;
    pgw_status rc = render_builtin(out, oid, p, len, ctx, depth);
    if (rc == PGW_E_UNSUPPORTED) {
        const pgw_type_info *ti = lookup(ctx, oid);
        if (ti && ti->kind == 'd' && ti->base && ti->base != oid)
            rc = pgwi_render_depth(out, ti->base, p, len, ctx, depth + 1);
        else if (ti && ti->kind == 'e')
            /* An enum's binary form is its label, exactly as text prints it. */
            rc = pgw_buf_append(out, p, len);
        else if (ti)
            rc = pgwi_render_container(out, oid, ti, p, len, ctx, depth);
    }
    if (rc < 0 && pgw_buf_status(out) == PGW_OK)
        out->len = mark;
    return rc;
}

pgw_status pgw_render_bin(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                          const pgw_render_ctx *ctx)
{
    if (!out || !ctx)
        return PGW_E_INVALID;
    return pgwi_render_depth(out, oid, p, len, ctx, 0);
}

bool pgwi_render_supported_depth(uint32_t oid, const pgw_render_ctx *ctx, unsigned depth)
{
    if (depth > PGWI_RENDER_MAX_DEPTH)
        return false;
    if (pgwi_render_numbers_supported(oid) || pgwi_render_strings_supported(oid) ||
        pgwi_render_datetime_supported(oid) ||
        pgwi_render_container_supported(oid, NULL, ctx, depth))
        return true;
    const pgw_type_info *ti = lookup(ctx, oid);
    if (!ti)
        return false;
    if (ti->kind == 'd')
        return ti->base && ti->base != oid &&
               pgwi_render_supported_depth(ti->base, ctx, depth + 1);
    if (ti->kind == 'e')
        return true;
    return pgwi_render_container_supported(oid, ti, ctx, depth);
}

bool pgw_render_bin_supported(uint32_t oid, const pgw_render_ctx *ctx)
{
    return ctx && pgwi_render_supported_depth(oid, ctx, 0);
}
