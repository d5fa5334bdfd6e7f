/* bytea text forms: hex ("\x0102") and escape ("a\\b\001"), as byteain()
 * reads them and byteaout() prints them. The binary form is the raw
 * bytes and needs no codec. */
#include "pgwire/types_strings.h"
#include "types/types_int.h"

#include "common/common_int.h"

static bool bytea_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool bytea_is_oct(char c, char max)
{
    return c >= '0' && c <= max;
}

/* First pass: validate and count, so nothing is appended on error and the
 * buffer grows once. */
static pgw_status hex_size(const char *p, size_t len, size_t *n)
{
    size_t digits = 0;
    for (size_t i = 0; i < len; i++) {
        /* The server allows whitespace between digit pairs only. */
        if (bytea_is_space(p[i]) && digits % 2 == 0)
            continue;
        if (pgwi_hex_digit(p[i]) < 0)
            return PGW_E_INVALID;
        digits++;
    }
    if (digits % 2)
        return PGW_E_INVALID;
    *n = digits / 2;
    return PGW_OK;
}

static pgw_status escape_size(const char *p, size_t len, size_t *n)
{
    size_t count = 0;
    for (size_t i = 0; i < len; count++) {
        if (p[i] != '\\') {
            i++;
        } else if (i + 1 < len && p[i + 1] == '\\') {
            i += 2;
        } else if (i + 3 < len && bytea_is_oct(p[i + 1], '3') && bytea_is_oct(p[i + 2], '7') &&
                   bytea_is_oct(p[i + 3], '7')) {
            i += 4;
        } else {
            return PGW_E_INVALID; /* the server's "invalid input syntax for type bytea" */
        }
    }
    *n = count;
    return PGW_OK;
}

pgw_status pgw_decode_bytea_text(const char *p, size_t len, pgw_buf *out)
{
    if (!out || (!p && len))
        return PGW_E_INVALID;
    bool hex = len >= 2 && p[0] == '\\' && p[1] == 'x';
    size_t n = 0;
    pgw_status rc = hex ? hex_size(p + 2, len - 2, &n) : escape_size(p, len, &n);
    if (rc != PGW_OK)
        return rc;
    if (n == 0)
        return pgw_buf_status(out);
    rc = pgw_buf_reserve(out, n);
    if (rc != PGW_OK)
        return rc;
    uint8_t *w = out->data + out->len;
    if (hex) {
        int hi = -1;
        for (size_t i = 2; i < len; i++) {
            int d = pgwi_hex_digit(p[i]);
            if (d < 0)
                continue; /* whitespace, validated above */
            if (hi < 0) {
                hi = d;
            } else {
                *w++ = (uint8_t)(hi << 4 | d);
                hi = -1;
            }
        }
    } else {
        for (size_t i = 0; i < len;) {
            if (p[i] != '\\') {
                *w++ = (uint8_t)p[i++];
            } else if (p[i + 1] == '\\') {
                *w++ = '\\';
                i += 2;
            } else {
                *w++ = (uint8_t)((p[i + 1] - '0') << 6 | (p[i + 2] - '0') << 3 | (p[i + 3] - '0'));
                i += 4;
            }
        }
    }
    out->len += n;
    return PGW_OK;
}

pgw_status pgw_encode_bytea_text(pgw_buf *out, const void *p, size_t len, bool escape_form)
{
    if (!out || (!p && len))
        return PGW_E_INVALID;
    const uint8_t *s = p;
    size_t n;
    if (!escape_form) {
        if (len > (SIZE_MAX - 2) / 2)
            return PGW_E_TOO_LARGE;
        n = 2 + 2 * len;
    } else {
        n = 0;
        for (size_t i = 0; i < len; i++) {
            size_t w = s[i] == '\\' ? 2 : (s[i] < 0x20 || s[i] > 0x7e) ? 4 : 1;
            if (n > SIZE_MAX - w)
                return PGW_E_TOO_LARGE;
            n += w;
        }
        if (n == 0)
            return pgw_buf_status(out);
    }
    pgw_status rc = pgw_buf_reserve(out, n);
    if (rc != PGW_OK)
        return rc;
    static const char hexdig[] = "0123456789abcdef";
    uint8_t *w = out->data + out->len;
    if (!escape_form) {
        *w++ = '\\';
        *w++ = 'x';
        for (size_t i = 0; i < len; i++) {
            *w++ = (uint8_t)hexdig[s[i] >> 4];
            *w++ = (uint8_t)hexdig[s[i] & 0xf];
        }
    } else {
        for (size_t i = 0; i < len; i++) {
            uint8_t c = s[i];
            if (c == '\\') {
                *w++ = '\\';
                *w++ = '\\';
            } else if (c < 0x20 || c > 0x7e) {
                *w++ = '\\';
                *w++ = (uint8_t)('0' + (c >> 6));
                *w++ = (uint8_t)('0' + ((c >> 3) & 7));
                *w++ = (uint8_t)('0' + (c & 7));
            } else {
                *w++ = c;
            }
        }
    }
    out->len += n;
    return PGW_OK;
}
