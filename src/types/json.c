/* jsonb and jsonpath binary forms: a version byte, then the value's text.
 * Version 1 is the only one any server has sent; a later version would
 * mean a different layout, so it is refused rather than guessed at. json's
 * binary form is its text and needs no codec. */
#include "pgwire/types_strings.h"

#define JSON_BIN_VERSION 1u

static pgw_status decode_versioned(const uint8_t *p, size_t len, const char **text,
                                   size_t *text_len)
{
    if (!p || !text || !text_len || len < 1)
        return PGW_E_INVALID;
    if (p[0] != JSON_BIN_VERSION)
        return PGW_E_UNSUPPORTED;
    *text = (const char *)p + 1;
    *text_len = len - 1;
    return PGW_OK;
}

static pgw_status encode_versioned(pgw_buf *out, const char *text, size_t len)
{
    if (!out || (!text && len))
        return PGW_E_INVALID;
    size_t mark = out->len;
    pgw_status rc = pgw_buf_reserve(out, len < SIZE_MAX ? len + 1 : len);
    if (rc == PGW_OK)
        rc = pgw_buf_put_u8(out, JSON_BIN_VERSION);
    if (rc == PGW_OK && len)
        rc = pgw_buf_append(out, text, len);
    if (rc != PGW_OK && pgw_buf_status(out) == PGW_OK)
        out->len = mark;
    return rc;
}

pgw_status pgw_decode_jsonb_bin(const uint8_t *p, size_t len, const char **text, size_t *text_len)
{
    return decode_versioned(p, len, text, text_len);
}

pgw_status pgw_encode_jsonb_bin(pgw_buf *out, const char *text, size_t len)
{
    return encode_versioned(out, text, len);
}

pgw_status pgw_decode_jsonpath_bin(const uint8_t *p, size_t len, const char **text,
                                   size_t *text_len)
{
    return decode_versioned(p, len, text, text_len);
}

pgw_status pgw_encode_jsonpath_bin(pgw_buf *out, const char *text, size_t len)
{
    return encode_versioned(out, text, len);
}
