/* The strings family: "char" and bit/varbit codecs, and rendering of every
 * string-like type (text, varchar, bpchar, name, unknown, xml, json,
 * "char", bytea, uuid, jsonb, jsonpath, inet, cidr, macaddr, macaddr8,
 * bit, varbit) from binary to the server's text output. */
#include <string.h>

#include "pgwire/types_strings.h"

#include "common/common_int.h"
#include "types/types_int.h"

/* ---- "char" ------------------------------------------------------------- */

pgw_status pgw_decode_char_bin(const uint8_t *p, size_t len, uint8_t *out)
{
    if (!p || !out || len != 1)
        return PGW_E_INVALID;
    *out = p[0];
    return PGW_OK;
}

static bool char_is_oct(char c)
{
    return c >= '0' && c <= '7';
}

pgw_status pgw_decode_char_text(const char *p, size_t len, uint8_t *out)
{
    if (!out || (!p && len) || (len && memchr(p, 0, len)))
        return PGW_E_INVALID;
    if (len == 0) {
        *out = 0;
    } else if (len == 4 && p[0] == '\\' && char_is_oct(p[1]) && char_is_oct(p[2]) &&
               char_is_oct(p[3])) {
        /* charin() reads "\ooo"; "\777" wraps to 0xff as it does there. */
        *out = (uint8_t)(((unsigned)(p[1] - '0') << 6 | (unsigned)(p[2] - '0') << 3 |
                          (unsigned)(p[3] - '0')) &
                         0xffu);
    } else {
        *out = (uint8_t)p[0]; /* charin() keeps the first byte of anything else */
    }
    return PGW_OK;
}

pgw_status pgw_encode_char_bin(pgw_buf *out, uint8_t v)
{
    return out ? pgw_buf_put_u8(out, v) : PGW_E_INVALID;
}

pgw_status pgw_encode_char_text(pgw_buf *out, uint8_t v)
{
    if (!out)
        return PGW_E_INVALID;
    if (v == 0)
        return pgw_buf_status(out);
    if (v < 0x80)
        return pgw_buf_put_u8(out, v);
    /* A lone high-bit byte would not be valid text in a multibyte encoding,
     * so charout() prints it in octal. */
    char tmp[4] = {'\\', (char)('0' + (v >> 6)), (char)('0' + ((v >> 3) & 7)),
                   (char)('0' + (v & 7))};
    return pgw_buf_append(out, tmp, 4);
}

/* ---- bit, varbit -------------------------------------------------------- */

static size_t bit_bytes(size_t nbits)
{
    return nbits / 8 + (nbits % 8 != 0);
}

pgw_status pgw_decode_bit_bin(const uint8_t *p, size_t len, pgw_bits *out)
{
    if (!p || !out || len < 4)
        return PGW_E_INVALID;
    int32_t n = (int32_t)pgwi_load_u32(p);
    if (n < 0 || (size_t)n > PGW_BITS_MAX_LEN || bit_bytes((size_t)n) != len - 4)
        return PGW_E_INVALID;
    out->data = p + 4;
    out->nbits = (size_t)n;
    return PGW_OK;
}

static pgw_status check_bits(const pgw_buf *out, pgw_bits v)
{
    if (!out || (!v.data && v.nbits))
        return PGW_E_INVALID;
    if (v.nbits > PGW_BITS_MAX_LEN)
        return PGW_E_TOO_LARGE;
    return PGW_OK;
}

pgw_status pgw_encode_bit_bin(pgw_buf *out, pgw_bits v)
{
    pgw_status rc = check_bits(out, v);
    if (rc != PGW_OK)
        return rc;
    size_t nb = bit_bytes(v.nbits);
    rc = pgw_buf_reserve(out, 4 + nb);
    if (rc != PGW_OK)
        return rc;
    uint8_t *w = out->data + out->len;
    pgwi_store_u32(w, (uint32_t)v.nbits);
    if (nb) {
        memcpy(w + 4, v.data, nb);
        if (v.nbits % 8)
            w[4 + nb - 1] &= (uint8_t)(0xff00u >> (v.nbits % 8));
    }
    out->len += 4 + nb;
    return PGW_OK;
}

pgw_status pgw_encode_bit_text(pgw_buf *out, pgw_bits v)
{
    pgw_status rc = check_bits(out, v);
    if (rc != PGW_OK)
        return rc;
    if (v.nbits == 0)
        return pgw_buf_status(out);
    rc = pgw_buf_reserve(out, v.nbits);
    if (rc != PGW_OK)
        return rc;
    uint8_t *w = out->data + out->len;
    for (size_t i = 0; i < v.nbits; i++)
        w[i] = (v.data[i / 8] >> (7 - i % 8)) & 1 ? '1' : '0';
    out->len += v.nbits;
    return PGW_OK;
}

pgw_status pgw_decode_bit_text(const char *p, size_t len, pgw_buf *out, size_t *nbits)
{
    if (!out || !nbits || (!p && len))
        return PGW_E_INVALID;
    bool hex = len > 0 && (p[0] == 'x' || p[0] == 'X');
    size_t start = len > 0 && (hex || p[0] == 'b' || p[0] == 'B') ? 1 : 0;
    size_t ndig = len - start;
    for (size_t i = start; i < len; i++)
        if (hex ? pgwi_hex_digit(p[i]) < 0 : (p[i] != '0' && p[i] != '1'))
            return PGW_E_INVALID;
    if (hex && ndig > PGW_BITS_MAX_LEN / 4)
        return PGW_E_TOO_LARGE;
    size_t n = hex ? ndig * 4 : ndig;
    if (n > PGW_BITS_MAX_LEN)
        return PGW_E_TOO_LARGE;
    size_t nb = bit_bytes(n);
    if (nb) {
        pgw_status rc = pgw_buf_reserve(out, nb);
        if (rc != PGW_OK)
            return rc;
        uint8_t *w = out->data + out->len;
        memset(w, 0, nb);
        for (size_t i = 0; i < ndig; i++) {
            char c = p[start + i];
            if (hex) {
                unsigned d = (unsigned)pgwi_hex_digit(c);
                w[i / 2] |= (uint8_t)(i % 2 ? d : d << 4);
            } else if (c == '1') {
                w[i / 8] |= (uint8_t)(0x80u >> (i % 8));
            }
        }
        out->len += nb;
    } else {
        pgw_status rc = pgw_buf_status(out);
        if (rc != PGW_OK)
            return rc;
    }
    *nbits = n;
    return PGW_OK;
}

/* ---- rendering ---------------------------------------------------------- */

static bool is_plain_text(uint32_t oid)
{
    switch (oid) {
    case PGW_OID_TEXT:
    case PGW_OID_VARCHAR:
    case PGW_OID_BPCHAR:
    case PGW_OID_NAME:
    case PGW_OID_UNKNOWN:
    case PGW_OID_XML:
    case PGW_OID_JSON:
        return true;
    default:
        return false;
    }
}

bool pgwi_render_strings_supported(uint32_t oid)
{
    if (is_plain_text(oid))
        return true;
    switch (oid) {
    case PGW_OID_CHAR:
    case PGW_OID_BYTEA:
    case PGW_OID_UUID:
    case PGW_OID_JSONB:
    case PGW_OID_JSONPATH:
    case PGW_OID_INET:
    case PGW_OID_CIDR:
    case PGW_OID_MACADDR:
    case PGW_OID_MACADDR8:
    case PGW_OID_BIT:
    case PGW_OID_VARBIT:
        return true;
    default:
        return false;
    }
}

static pgw_status render_value(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                               const pgw_render_ctx *ctx)
{
    pgw_status rc;
    switch (oid) {
    case PGW_OID_CHAR: {
        uint8_t c;
        rc = pgw_decode_char_bin(p, len, &c);
        return rc == PGW_OK ? pgw_encode_char_text(out, c) : rc;
    }
    case PGW_OID_BYTEA:
        return pgw_encode_bytea_text(out, p, len, ctx->bytea_escape);
    case PGW_OID_UUID: {
        pgw_uuid u;
        rc = pgw_decode_uuid_bin(p, len, &u);
        return rc == PGW_OK ? pgw_encode_uuid_text(out, u) : rc;
    }
    case PGW_OID_JSONB:
    case PGW_OID_JSONPATH: {
        const char *t;
        size_t tl;
        rc = pgw_decode_jsonb_bin(p, len, &t, &tl);
        if (rc == PGW_E_UNSUPPORTED)
            return PGW_E_INVALID; /* the type is supported; this value is not */
        return rc == PGW_OK ? pgw_buf_append(out, t, tl) : rc;
    }
    case PGW_OID_INET:
    case PGW_OID_CIDR: {
        pgw_inet v;
        rc = pgw_decode_inet_bin(p, len, &v);
        if (rc != PGW_OK)
            return rc;
        /* The column's type decides the format, not the flag byte. */
        v.is_cidr = oid == PGW_OID_CIDR;
        return pgw_encode_inet_text(out, v);
    }
    case PGW_OID_MACADDR: {
        pgw_macaddr m;
        rc = pgw_decode_macaddr_bin(p, len, &m);
        return rc == PGW_OK ? pgw_encode_macaddr_text(out, m) : rc;
    }
    case PGW_OID_MACADDR8: {
        pgw_macaddr8 m;
        rc = pgw_decode_macaddr8_bin(p, len, &m);
        return rc == PGW_OK ? pgw_encode_macaddr8_text(out, m) : rc;
    }
    case PGW_OID_BIT:
    case PGW_OID_VARBIT: {
        pgw_bits b;
        rc = pgw_decode_bit_bin(p, len, &b);
        return rc == PGW_OK ? pgw_encode_bit_text(out, b) : rc;
    }
    default:
        return PGW_E_UNSUPPORTED;
    }
}

pgw_status pgwi_render_strings(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                               const pgw_render_ctx *ctx)
{
    if (!pgwi_render_strings_supported(oid))
        return PGW_E_UNSUPPORTED;
    if (!out || !ctx || (!p && len))
        return PGW_E_INVALID;
    if (is_plain_text(oid))
        /* The binary form of these types is their text in the client
         * encoding: nothing to convert. */
        return len ? pgw_buf_append(out, p, len) : pgw_buf_status(out);
    static const uint8_t empty[1] = {0};
    size_t mark = out->len;
    pgw_status rc = render_value(out, oid, p ? p : empty, len, ctx);
    if (rc < 0 && pgw_buf_status(out) == PGW_OK)
        out->len = mark;
    return rc;
}
