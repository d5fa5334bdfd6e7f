/* Text-format decoders for integers, floating point and bool. */
#include <locale.h>
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
        *out = NAN;
        return PGW_OK;
    }
    if (ieq(p, len, "infinity") || ieq(p, len, "+infinity") || ieq(p, len, "inf")) {
        *out = INFINITY;
        return PGW_OK;
    }
    if (ieq(p, len, "-infinity") || ieq(p, len, "-inf")) {
        *out = -INFINITY;
        return PGW_OK;
    }
    /* strtod needs a NUL-terminated string and accepts more than the server
     * prints (hex floats, leading spaces), so check the shape first:
     * [sign] digits [. digits] [e [sign] digits]. numeric's output is at most
     * ~1000 digits, hence the bound above. */
    size_t i = 0, digits = 0;
    if (p[i] == '-' || p[i] == '+')
        i++;
    while (i < len && p[i] >= '0' && p[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && p[i] == '.') {
        i++;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return PGW_E_INVALID;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < len && (p[i] == '-' || p[i] == '+'))
            i++;
        size_t ed = 0;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            i++;
            ed++;
        }
        if (ed == 0)
            return PGW_E_INVALID;
    }
    if (i != len)
        return PGW_E_INVALID;
    char tmp[1101];
    memcpy(tmp, p, len);
    tmp[len] = '\0';
    /* strtod honours LC_NUMERIC; the server always prints '.', so put the
     * locale's radix character in its place when the program set one. */
    const char *radix = localeconv()->decimal_point;
    if (radix != NULL && radix[0] != '\0' && radix[0] != '.' && radix[1] == '\0') {
        char *dot = memchr(tmp, '.', len);
        if (dot != NULL)
            *dot = radix[0];
    }
    char *end = NULL;
    double v = strtod(tmp, &end);
    if (end != tmp + len)
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
