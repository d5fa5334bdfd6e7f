/* Text-format decoders for integers, floating point and bool. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/common_int.h"
#include "types/types_int.h"

/* Parse into a magnitude with overflow detection against `limit` (the
 * largest magnitude allowed for the sign), so INT64_MIN round-trips without
 * ever overflowing a signed type. */
static pgw_status parse_int(const char *p, size_t len, uint64_t pos_limit, uint64_t neg_limit,
                            bool *neg_out, uint64_t *mag_out)
{
    size_t i = 0;
    bool neg = false;
    if (p == NULL || len == 0)
        return PGW_E_INVALID;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        i = 1;
    }
    if (i == len)
        return PGW_E_INVALID;
    uint64_t limit = neg ? neg_limit : pos_limit;
    uint64_t mag = 0;
    bool overflow = false;
    for (; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch < '0' || ch > '9')
            return PGW_E_INVALID;
        unsigned d = ch - '0';
        if (mag > (limit - d) / 10)
            overflow = true; /* keep scanning: malformed text wins over range */
        else
            mag = mag * 10 + d;
    }
    if (overflow)
        return PGW_E_RANGE;
    *neg_out = neg;
    *mag_out = mag;
    return PGW_OK;
}

pgw_status pgw_decode_int8_text(const char *p, size_t len, int64_t *out)
{
    bool neg;
    uint64_t mag;
    pgw_status rc = parse_int(p, len, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1u, &neg, &mag);
    if (rc != PGW_OK)
        return rc;
    if (neg)
        *out = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
    else
        *out = (int64_t)mag;
    return PGW_OK;
}

pgw_status pgw_decode_int4_text(const char *p, size_t len, int32_t *out)
{
    bool neg;
    uint64_t mag;
    pgw_status rc = parse_int(p, len, (uint64_t)INT32_MAX, (uint64_t)INT32_MAX + 1u, &neg, &mag);
    if (rc != PGW_OK)
        return rc;
    *out = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
    return PGW_OK;
}

pgw_status pgw_decode_int2_text(const char *p, size_t len, int16_t *out)
{
    bool neg;
    uint64_t mag;
    pgw_status rc = parse_int(p, len, (uint64_t)INT16_MAX, (uint64_t)INT16_MAX + 1u, &neg, &mag);
    if (rc != PGW_OK)
        return rc;
    *out = neg ? (int16_t)(-(int64_t)mag) : (int16_t)mag;
    return PGW_OK;
}

static bool ieq(const char *p, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (len != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return false;
    }
    return true;
}

pgw_status pgw_decode_float8_text(const char *p, size_t len, double *out)
{
    if (p == NULL || len == 0 || len > 1100)
        return PGW_E_INVALID;
    if (ieq(p, len, "nan")) {
        *out = (double)NAN;
        return PGW_OK;
    }
    if (ieq(p, len, "infinity") || ieq(p, len, "+infinity") || ieq(p, len, "inf")) {
        *out = (double)INFINITY;
        return PGW_OK;
    }
    if (ieq(p, len, "-infinity") || ieq(p, len, "-inf")) {
        *out = -(double)INFINITY;
        return PGW_OK;
    }
    /* Accept exactly what the server prints: [sign] digits [. digits]
     * [e [sign] digits] (numeric's output is at most ~1000 digits, hence the
     * bound above). strtod would also take hex floats and spaces, and it
     * reads the radix character from LC_NUMERIC, so the value is rewritten
     * without a radix point — "12.5e3" becomes "125e2" — which strtod
     * reads the same in every locale. */
    char tmp[1200];
    size_t i = 0, o = 0, digits = 0, frac = 0;
    if (p[i] == '-' || p[i] == '+')
        tmp[o++] = p[i++];
    while (i < len && p[i] >= '0' && p[i] <= '9') {
        tmp[o++] = p[i++];
        digits++;
    }
    if (i < len && p[i] == '.') {
        i++;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            tmp[o++] = p[i++];
            digits++;
            frac++;
        }
    }
    if (digits == 0)
        return PGW_E_INVALID;
    long exp = 0;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool neg = false;
        if (i < len && (p[i] == '-' || p[i] == '+'))
            neg = p[i++] == '-';
        size_t ed = 0;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            /* Saturate: beyond 100000 the value is 0 or infinite anyway. */
            if (exp < 100000)
                exp = exp * 10 + (p[i] - '0');
            i++;
            ed++;
        }
        if (ed == 0)
            return PGW_E_INVALID;
        if (neg)
            exp = -exp;
    }
    if (i != len)
        return PGW_E_INVALID;
    exp -= (long)frac;
    /* Append "e<exp>"; |exp| < 102000, so 8 bytes suffice. */
    tmp[o++] = 'e';
    if (exp < 0) {
        tmp[o++] = '-';
        exp = -exp;
    }
    char rev[12];
    size_t nd = 0;
    do {
        rev[nd++] = (char)('0' + exp % 10);
        exp /= 10;
    } while (exp > 0);
    while (nd > 0)
        tmp[o++] = rev[--nd];
    tmp[o] = '\0';
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (end == NULL || *end != '\0')
        return PGW_E_INVALID;
    if (isinf(v))
        return PGW_E_RANGE;
    *out = v;
    return PGW_OK;
}

pgw_status pgw_decode_bool_text(const char *p, size_t len, bool *out)
{
    if (p == NULL)
        return PGW_E_INVALID;
    if (ieq(p, len, "t") || ieq(p, len, "true") || ieq(p, len, "yes") || ieq(p, len, "on") ||
        ieq(p, len, "1") || ieq(p, len, "y")) {
        *out = true;
        return PGW_OK;
    }
    if (ieq(p, len, "f") || ieq(p, len, "false") || ieq(p, len, "no") || ieq(p, len, "off") ||
        ieq(p, len, "0") || ieq(p, len, "n")) {
        *out = false;
        return PGW_OK;
    }
    return PGW_E_INVALID;
}
