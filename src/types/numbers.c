/* The numbers family: binary codecs of the fixed-width scalars (bool,
 * int2/4/8, oid, float4/8), their text encoders, and the renderer for
 * those plus numeric and the other fixed-width scalars the server prints
 * without catalog lookups (xid, cid, xid8, pg_lsn, tid).
 *
 * reg* types print names looked up in the catalogs and money prints in
 * the server's lc_monetary, so those are left to the server's text
 * format (PGW_E_UNSUPPORTED). */
#include <string.h>

#include "common/common_int.h"
#include "types/types_int.h"

static uint64_t nb_load_u64(const uint8_t *p)
{
    return (uint64_t)pgwi_load_u32(p) << 32 | pgwi_load_u32(p + 4);
}

static void nb_store_u64(uint8_t *p, uint64_t v)
{
    pgwi_store_u32(p, (uint32_t)(v >> 32));
    pgwi_store_u32(p + 4, (uint32_t)v);
}

/* ---- decoders ------------------------------------------------------------ */

pgw_status pgw_decode_bool_bin(const uint8_t *p, size_t len, bool *out)
{
    /* boolsend writes 1 or 0; anything else did not come from a server. */
    if (p == NULL || len != 1 || p[0] > 1)
        return PGW_E_INVALID;
    *out = p[0] == 1;
    return PGW_OK;
}

pgw_status pgw_decode_int2_bin(const uint8_t *p, size_t len, int16_t *out)
{
    if (p == NULL || len != 2)
        return PGW_E_INVALID;
    *out = (int16_t)pgwi_load_u16(p);
    return PGW_OK;
}

pgw_status pgw_decode_int4_bin(const uint8_t *p, size_t len, int32_t *out)
{
    if (p == NULL || len != 4)
        return PGW_E_INVALID;
    *out = (int32_t)pgwi_load_u32(p);
    return PGW_OK;
}

pgw_status pgw_decode_int8_bin(const uint8_t *p, size_t len, int64_t *out)
{
    if (p == NULL || len != 8)
        return PGW_E_INVALID;
    *out = (int64_t)nb_load_u64(p);
    return PGW_OK;
}

pgw_status pgw_decode_oid_bin(const uint8_t *p, size_t len, uint32_t *out)
{
    if (p == NULL || len != 4)
        return PGW_E_INVALID;
    *out = pgwi_load_u32(p);
    return PGW_OK;
}

pgw_status pgw_decode_float4_bin(const uint8_t *p, size_t len, float *out)
{
    if (p == NULL || len != 4)
        return PGW_E_INVALID;
    uint32_t bits = pgwi_load_u32(p);
    memcpy(out, &bits, sizeof *out);
    return PGW_OK;
}

pgw_status pgw_decode_float8_bin(const uint8_t *p, size_t len, double *out)
{
    if (p == NULL || len != 8)
        return PGW_E_INVALID;
    uint64_t bits = nb_load_u64(p);
    memcpy(out, &bits, sizeof *out);
    return PGW_OK;
}

/* ---- binary encoders ----------------------------------------------------- */

pgw_status pgw_encode_bool_bin(pgw_buf *out, bool v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    return pgw_buf_put_u8(out, v ? 1 : 0);
}

pgw_status pgw_encode_int2_bin(pgw_buf *out, int16_t v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    return pgw_buf_put_i16(out, v);
}

pgw_status pgw_encode_int4_bin(pgw_buf *out, int32_t v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    return pgw_buf_put_i32(out, v);
}

pgw_status pgw_encode_int8_bin(pgw_buf *out, int64_t v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    uint8_t b[8];
    nb_store_u64(b, (uint64_t)v);
    return pgw_buf_append(out, b, 8);
}

pgw_status pgw_encode_oid_bin(pgw_buf *out, uint32_t v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    uint8_t b[4];
    pgwi_store_u32(b, v);
    return pgw_buf_append(out, b, 4);
}

pgw_status pgw_encode_float4_bin(pgw_buf *out, float v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint8_t b[4];
    pgwi_store_u32(b, bits);
    return pgw_buf_append(out, b, 4);
}

pgw_status pgw_encode_float8_bin(pgw_buf *out, double v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint8_t b[8];
    nb_store_u64(b, bits);
    return pgw_buf_append(out, b, 8);
}

/* ---- text encoders ------------------------------------------------------- */

/* Decimal digits of v at s (at most 20); returns their count. */
static size_t put_u64(char *s, uint64_t v)
{
    char rev[20];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        s[i] = rev[n - 1 - i];
    return n;
}

static pgw_status append_signed(pgw_buf *out, int64_t v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    char s[24];
    size_t o = 0;
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        s[o++] = '-';
        mag = (uint64_t)0 - mag;
    }
    o += put_u64(s + o, mag);
    return pgw_buf_append(out, s, o);
}

static pgw_status append_unsigned(pgw_buf *out, uint64_t v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    char s[24];
    return pgw_buf_append(out, s, put_u64(s, v));
}

pgw_status pgw_encode_bool_text(pgw_buf *out, bool v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    return pgw_buf_append(out, v ? "t" : "f", 1);
}

pgw_status pgw_encode_int2_text(pgw_buf *out, int16_t v)
{
    return append_signed(out, v);
}

pgw_status pgw_encode_int4_text(pgw_buf *out, int32_t v)
{
    return append_signed(out, v);
}

pgw_status pgw_encode_int8_text(pgw_buf *out, int64_t v)
{
    return append_signed(out, v);
}

pgw_status pgw_encode_oid_text(pgw_buf *out, uint32_t v)
{
    return append_unsigned(out, v);
}

/* ---- rendering ----------------------------------------------------------- */

static size_t put_hex32(char *s, uint32_t v)
{
    static const char hex[] = "0123456789ABCDEF";
    char rev[8];
    size_t n = 0;
    do {
        rev[n++] = hex[v & 0xF];
        v >>= 4;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        s[i] = rev[n - 1 - i];
    return n;
}

pgw_status pgwi_render_numbers(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                               const pgw_render_ctx *ctx)
{
    int efd = ctx ? ctx->extra_float_digits : 1;
    pgw_status rc;
    switch (oid) {
    case PGW_OID_BOOL: {
        bool b;
        rc = pgw_decode_bool_bin(p, len, &b);
        return rc != PGW_OK ? rc : pgw_encode_bool_text(out, b);
    }
    case PGW_OID_INT2: {
        int16_t v;
        rc = pgw_decode_int2_bin(p, len, &v);
        return rc != PGW_OK ? rc : pgw_encode_int2_text(out, v);
    }
    case PGW_OID_INT4: {
        int32_t v;
        rc = pgw_decode_int4_bin(p, len, &v);
        return rc != PGW_OK ? rc : pgw_encode_int4_text(out, v);
    }
    case PGW_OID_INT8: {
        int64_t v;
        rc = pgw_decode_int8_bin(p, len, &v);
        return rc != PGW_OK ? rc : pgw_encode_int8_text(out, v);
    }
    case PGW_OID_OID:
    case PGW_OID_XID:
    case PGW_OID_CID: {
        /* All three are unsigned 32-bit words printed in decimal. */
        uint32_t v;
        rc = pgw_decode_oid_bin(p, len, &v);
        return rc != PGW_OK ? rc : pgw_encode_oid_text(out, v);
    }
    case PGW_OID_XID8: {
        if (p == NULL || len != 8)
            return PGW_E_INVALID;
        return append_unsigned(out, nb_load_u64(p));
    }
    case PGW_OID_FLOAT4: {
        float v;
        rc = pgw_decode_float4_bin(p, len, &v);
        return rc != PGW_OK ? rc : pgw_encode_float4_text(out, v, efd);
    }
    case PGW_OID_FLOAT8: {
        double v;
        rc = pgw_decode_float8_bin(p, len, &v);
        return rc != PGW_OK ? rc : pgw_encode_float8_text(out, v, efd);
    }
    case PGW_OID_NUMERIC:
        return pgw_decode_numeric_bin(p, len, out);
    case PGW_OID_PG_LSN: {
        /* "%X/%X" of the high and low halves. */
        if (p == NULL || len != 8)
            return PGW_E_INVALID;
        char s[24];
        size_t o = put_hex32(s, pgwi_load_u32(p));
        s[o++] = '/';
        o += put_hex32(s + o, pgwi_load_u32(p + 4));
        return pgw_buf_append(out, s, o);
    }
    case PGW_OID_TID: {
        /* Block number (uint32) and line pointer (uint16): "(0,1)". */
        if (p == NULL || len != 6)
            return PGW_E_INVALID;
        char s[24];
        size_t o = 0;
        s[o++] = '(';
        o += put_u64(s + o, pgwi_load_u32(p));
        s[o++] = ',';
        o += put_u64(s + o, pgwi_load_u16(p + 4));
        s[o++] = ')';
        return pgw_buf_append(out, s, o);
    }
    default:
        return PGW_E_UNSUPPORTED;
    }
}

bool pgwi_render_numbers_supported(uint32_t oid)
{
    switch (oid) {
    case PGW_OID_BOOL:
    case PGW_OID_INT2:
    case PGW_OID_INT4:
    case PGW_OID_INT8:
    case PGW_OID_OID:
    case PGW_OID_XID:
    case PGW_OID_CID:
    case PGW_OID_XID8:
    case PGW_OID_FLOAT4:
    case PGW_OID_FLOAT8:
    case PGW_OID_NUMERIC:
    case PGW_OID_PG_LSN:
    case PGW_OID_TID:
        return true;
    default:
        return false;
    }
}
