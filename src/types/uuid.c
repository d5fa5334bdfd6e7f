/* uuid: 16 bytes in binary; text as uuid_in() reads and uuid_out() prints. */
#include <string.h>

#include "pgwire/types_strings.h"
#include "types/types_int.h"

pgw_status pgw_decode_uuid_bin(const uint8_t *p, size_t len, pgw_uuid *out)
{
    if (!p || !out || len != 16)
        return PGW_E_INVALID;
    memcpy(out->b, p, 16);
    return PGW_OK;
}

pgw_status pgw_decode_uuid_text(const char *p, size_t len, pgw_uuid *out)
{
    if (!p || !out)
        return PGW_E_INVALID;
    size_t i = 0, end = len;
    /* Braces come in pairs. */
    if (len > 0 && p[0] == '{') {
        if (p[len - 1] != '}')
            return PGW_E_INVALID;
        i = 1;
        end = len - 1;
    }
    uint8_t b[16];
    for (size_t k = 0; k < 16; k++) {
        if (end - i < 2)
            return PGW_E_INVALID;
        int hi = pgwi_hex_digit(p[i]), lo = pgwi_hex_digit(p[i + 1]);
        if (hi < 0 || lo < 0)
            return PGW_E_INVALID;
        b[k] = (uint8_t)(hi << 4 | lo);
        i += 2;
        /* The server takes one hyphen after any group of four digits
         * (every second byte), not only in the 8-4-4-4-12 places. */
        if (i < end && p[i] == '-' && k % 2 == 1 && k < 15)
            i++;
    }
    if (i != end)
        return PGW_E_INVALID;
    memcpy(out->b, b, 16);
    return PGW_OK;
}

pgw_status pgw_encode_uuid_bin(pgw_buf *out, pgw_uuid v)
{
    return out ? pgw_buf_append(out, v.b, 16) : PGW_E_INVALID;
}

pgw_status pgw_encode_uuid_text(pgw_buf *out, pgw_uuid v)
{
    static const char hexdig[] = "0123456789abcdef";
    if (!out)
        return PGW_E_INVALID;
    char tmp[36];
    size_t w = 0;
    for (size_t k = 0; k < 16; k++) {
        if (k == 4 || k == 6 || k == 8 || k == 10)
            tmp[w++] = '-';
        tmp[w++] = hexdig[v.b[k] >> 4];
        tmp[w++] = hexdig[v.b[k] & 0xf];
    }
    return pgw_buf_append(out, tmp, w);
}
