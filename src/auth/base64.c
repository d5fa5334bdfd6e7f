/* Strict base64 for SCRAM: salts, signatures, nonces and channel-binding
 * data. No whitespace, no URL-safe alphabet, no missing padding: anything a
 * real server would not send is refused rather than guessed at. */
#include "auth/auth_int.h"
#include "common/common_int.h"

static const char alphabet[64] = {
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P',
    'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'a', 'b', 'c', 'd', 'e', 'f',
    'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v',
    'w', 'x', 'y', 'z', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '/',
};

/* Value of one alphabet character, or -1 (which also covers '=' and every
 * byte outside ASCII). */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool pgwi_base64_encoded_len(size_t n, size_t *out)
{
    size_t groups = n / 3 + (n % 3 != 0);
    return pgwi_mul_size(groups, 4, out);
}

pgw_status pgwi_base64_encode(const uint8_t *in, size_t n, char *out, size_t out_cap,
                              size_t *out_len)
{
    size_t need;
    *out_len = 0;
    if (!pgwi_base64_encoded_len(n, &need) || need > out_cap)
        return PGW_E_TOO_LARGE;
    size_t o = 0;
    size_t i = 0;
    for (; n - i >= 3; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = '=';
    }
    *out_len = o;
    return PGW_OK;
}

pgw_status pgwi_base64_decode(const char *in, size_t n, uint8_t *out, size_t out_cap,
                              size_t *out_len)
{
    *out_len = 0;
    if (n % 4 != 0)
        return PGW_E_PROTOCOL;
    if (n == 0)
        return PGW_OK;
    const unsigned char *s = (const unsigned char *)in;
    size_t pad = 0;
    if (s[n - 1] == '=')
        pad = s[n - 2] == '=' ? 2 : 1;
    size_t decoded = n / 4 * 3 - pad;
    /* Validate everything before writing anything, so the size check below
     * reports malformed input as malformed even when it is also long. */
    for (size_t i = 0; i < n - pad; i++) {
        if (sextet(s[i]) < 0)
            return PGW_E_PROTOCOL;
    }
    if (decoded > out_cap)
        return PGW_E_TOO_LARGE;

    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        /* Padding positions count as zero; only the last group has any. */
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            int x = i + k < n - pad ? sextet(s[i + k]) : 0;
            v = (v << 6) | (uint32_t)x;
        }
        size_t take = i + 4 < n ? 3 : 3 - pad;
        out[o++] = (uint8_t)(v >> 16);
        if (take > 1)
            out[o++] = (uint8_t)(v >> 8);
        if (take > 2)
            out[o++] = (uint8_t)v;
    }
    *out_len = o;
    return PGW_OK;
}
