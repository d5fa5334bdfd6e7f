/* Text-format decoders for integers, oid, floating point and bool. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/common_int.h"
#include "types/types_int.h"

/* Four bytes as a little-endian word, whatever the host's byte order. */
static inline uint32_t tn_load_le32(const char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint32_t x;
    memcpy(&x, p, sizeof x);
    return x;
#else
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
#endif
}

/* Accumulate the run of decimal digits at p[*i..len) into *acc (acc * 10 +
 * digit each, modulo 2^64: the callers bound the digit count before they
 * trust the result) and leave *i at the first byte that is not a digit.
 * Every value of a result set goes through here, so four digits are
 * checked and combined at once while four bytes remain: the high nibbles
 * must be 3 and adding 6 must not carry out of any low nibble; then pairs
 * of digits are merged in place (d0*10+d1 fits a byte) and the two pairs
 * combined. */
static inline void scan_digits(const char *p, size_t len, size_t *i, uint64_t *acc)
{
    size_t j = *i;
    uint64_t m = *acc;
    while (len - j >= 4) {
        uint32_t w = tn_load_le32(p + j);
        if ((w & 0xF0F0F0F0u) != 0x30303030u || ((w + 0x06060606u) & 0xF0F0F0F0u) != 0x30303030u)
            break;
        uint32_t v = w - 0x30303030u;
        v = v * 10 + (v >> 8);
        m = m * 10000 + (v & 0xFFu) * 100 + ((v >> 16) & 0xFFu);
        j += 4;
    }
    for (; j < len; j++) {
        unsigned d = (unsigned)(unsigned char)p[j] - '0';
        if (d > 9)
            break;
        m = m * 10 + d;
    }
    *i = j;
    *acc = m;
}

#define ONES8 UINT64_C(0x0101010101010101)

/* Four to eight digits at once (the length of most values in a result
 * set): p[0..len) as one word of digit values, byte 7 the last, the bytes
 * in front of the first one 0. Reads exactly len bytes with two four-byte
 * loads that overlap when len < 8; the overlapping bytes are the same and
 * the OR keeps them. 4 <= len <= 8 only. */
static inline uint64_t load_digits8(const char *p, size_t len)
{
    unsigned pad = (unsigned)(8 - len) * 8; /* 0..32 */
    uint64_t w = (uint64_t)tn_load_le32(p) << pad | (uint64_t)tn_load_le32(p + len - 4) << 32;
    return w ^ (0x30 * ONES8) << pad;
}

/* Nonzero in every byte of a load_digits8 word that was not an ASCII
 * digit (its high nibble was not 3 or its value is above 9), zero in
 * every byte that was, up to the first one that was not: a byte of 0xFA
 * or more carries into the next. */
static inline uint64_t non_digits8(uint64_t v)
{
    return (v | (v + 0x06 * ONES8)) & 0xF0 * ONES8;
}

/* The value of eight digit values (byte 0 the most significant): pairs of
 * digits merged in place (d*10 + next fits a byte), then the four pairs
 * weighted and summed by two multiplications into the upper half. */
static inline uint32_t digits8_value(uint64_t v)
{
    v = v * 10 + (v >> 8);
    const uint64_t pair = UINT64_C(0x000000FF000000FF);
    v = ((v & pair) * (100 + (UINT64_C(1000000) << 32)) +
         ((v >> 16) & pair) * (1 + (UINT64_C(10000) << 32))) >> 32;
    return (uint32_t)v;
}

/* Parse into a magnitude and check it against the limit for the sign once,
 * at the end: up to 19 significant digits fit a uint64 (10^19 - 1 < 2^64),
 * so the loop needs no per-digit overflow test (or division). More
 * significant digits are out of range for every target type. Malformed
 * text wins over range: the whole text is validated first. */
static inline pgw_status tn_parse_int(const char *p, size_t len, uint64_t pos_limit, bool *neg_out,
                                   uint64_t *mag_out)
{
    size_t i = 0;
    bool neg = false;
    if (p == NULL || len == 0)
        return PGW_E_INVALID;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        i = 1;
        if (len == 1)
            return PGW_E_INVALID;
    }
    if (len - i - 4 <= 4) {
        /* 4 to 8 digits: at most 99999999, which no limit needs checked
         * for overflow. Anything else in them takes the general loop. */
        uint64_t w = load_digits8(p + i, len - i);
        if (non_digits8(w) == 0) {
            uint64_t mag = digits8_value(w);
            /* Only int2 can overflow here (pos_limit is a constant). */
            if (pos_limit < 99999999u && mag > pos_limit + (neg ? 1u : 0u))
                return PGW_E_RANGE;
            *neg_out = neg;
            *mag_out = mag;
            return PGW_OK;
        }
    }
    while (i < len && p[i] == '0')
        i++;
    bool too_long = len - i > 19;
    uint64_t mag = 0;
    scan_digits(p, len, &i, &mag);
    if (i != len)
        return PGW_E_INVALID;
    if (too_long || mag > pos_limit + (neg ? 1u : 0u))
        return PGW_E_RANGE;
    *neg_out = neg;
    *mag_out = mag;
    return PGW_OK;
}

pgw_status pgw_decode_int8_text(const char *p, size_t len, int64_t *out)
{
    bool neg;
    uint64_t mag;
    pgw_status rc = tn_parse_int(p, len, (uint64_t)INT64_MAX, &neg, &mag);
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
    pgw_status rc = tn_parse_int(p, len, (uint64_t)INT32_MAX, &neg, &mag);
    if (rc != PGW_OK)
        return rc;
    *out = neg ? (int32_t)(-(int64_t)mag) : (int32_t)mag;
    return PGW_OK;
}

pgw_status pgw_decode_int2_text(const char *p, size_t len, int16_t *out)
{
    bool neg;
    uint64_t mag;
    pgw_status rc = tn_parse_int(p, len, (uint64_t)INT16_MAX, &neg, &mag);
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

/* The rare paths stay out of line, so that the common one does not pay for
 * their stack frames and saved registers. */
#if defined(__GNUC__)
#define COLD_PATH __attribute__((noinline, cold))
#else
#define COLD_PATH
#endif

/* The validated text rewritten without a radix point and handed to strtod:
 * the path for what the fast path below cannot do exactly (more than 19
 * significant digits, a mantissa above 2^53, a large exponent). strtod
 * would also take hex floats and spaces, and it reads the radix character
 * from LC_NUMERIC, so "12.5e3" becomes "125e2", which strtod reads the same
 * in every locale. The caller has checked the syntax and that len <= 1100. */
COLD_PATH static pgw_status decode_float_strtod(const char *p, size_t len, double *out)
{
    char tmp[1200];
    size_t i = 0, o = 0, frac = 0;
    if (p[i] == '-' || p[i] == '+')
        tmp[o++] = p[i++];
    while (i < len && p[i] >= '0' && p[i] <= '9')
        tmp[o++] = p[i++];
    if (i < len && p[i] == '.') {
        i++;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            tmp[o++] = p[i++];
            frac++;
        }
    }
    long exp = 0;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool neg = false;
        if (i < len && (p[i] == '-' || p[i] == '+'))
            neg = p[i++] == '-';
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            /* Saturate: beyond 100000 the value is 0 or infinite anyway. */
            if (exp < 100000)
                exp = exp * 10 + (p[i] - '0');
            i++;
        }
        if (neg)
            exp = -exp;
    }
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

COLD_PATH static pgw_status decode_float_special(const char *p, size_t len, double *out)
{
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
    return PGW_E_INVALID;
}

/* Powers of ten that a double holds exactly (5^22 < 2^53). */
static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#define MANTISSA_EXACT (UINT64_C(1) << 53)

/* Clinger's fast path: when the mantissa and the power of ten are both
 * exact doubles, one IEEE multiplication or division rounds the exact
 * product or quotient once, which is the correctly rounded result. That
 * covers every float8 the server prints with up to 15 significant digits
 * in a moderate range, without strtod's arbitrary-precision machinery.
 * Beyond 10^22 the excess power moves into the mantissa while that stays
 * an exact integer ("15e30" is 15e8 * 1e22). It needs arithmetic carried
 * out in double precision, not x87's extended one (FLT_EVAL_METHOD 0);
 * elsewhere strtod does everything. */
static bool clinger(uint64_t mant, long exp, double *out)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    if (mant > MANTISSA_EXACT || exp < -22 || exp > 22 + 15)
        return false;
    if (exp < 0) {
        *out = (double)mant / exact_pow10[-exp];
        return true;
    }
    for (; exp > 22; exp--) {
        if (mant > MANTISSA_EXACT / 10)
            return false;
        mant *= 10;
    }
    *out = (double)mant * exact_pow10[exp];
    return true;
#else
    (void)mant;
    (void)exp;
    (void)out;
    return false;
#endif
}

/* The byte index of the lowest nonzero byte of a nonzero word. */
static inline unsigned first_byte(uint64_t x)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(x) / 8;
#else
    unsigned k = 0;
    while ((x & 0xFF) == 0) {
        x >>= 8;
        k++;
    }
    return k;
#endif
}

/* The common float8 text: 4 to 8 bytes of digits with at most one radix
 * point that has a digit on each side ("149998.5"). Its mantissa has at
 * most 8 digits and at most 6 of them follow the point, so Clinger's
 * condition always holds and one division gives the correctly rounded
 * value, the same the general path computes. false, leaving *out alone,
 * for anything else. */
static inline bool fast_float(const char *p, size_t len, double *out)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    if (len - 4 > 4)
        return false;
    uint64_t w = load_digits8(p, len);
    uint64_t bad = non_digits8(w);
    if (bad == 0) {
        *out = (double)digits8_value(w);
        return true;
    }
    /* The text starts at byte 8 - len; the point needs a digit before and
     * after it, and is then removed by moving the bytes before it up by
     * one (a 0 enters at byte 0). */
    unsigned k = first_byte(bad);
    if (k <= 8 - len || k >= 7 || (uint8_t)(w >> (8 * k)) != ('.' ^ 0x30))
        return false;
    uint64_t before = (UINT64_C(1) << (8 * k)) - 1;
    w = (w & before) << 8 | (w & ~(before << 8 | 0xFF));
    if (non_digits8(w) != 0)
        return false;
    *out = (double)digits8_value(w) / exact_pow10[7 - k];
    return true;
#else
    (void)p;
    (void)len;
    (void)out;
    return false;
#endif
}

/* Accept exactly what the server prints: [sign] digits [. digits]
 * [e [sign] digits] (numeric's output is at most ~1000 digits, hence the
 * length bound), plus NaN and the infinities. */
pgw_status pgw_decode_float8_text(const char *p, size_t len, double *out)
{
    if (p == NULL || len == 0 || len > 1100)
        return PGW_E_INVALID;
    size_t i = 0;
    bool neg = false;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        i = 1;
    }
    double fv;
    if (fast_float(p + i, len - i, &fv)) {
        *out = neg ? -fv : fv;
        return PGW_OK;
    }
    /* One pass accumulates the significant digits (leading zeros skipped)
     * into a uint64 and tracks the decimal exponent. More than 19 of them
     * may wrap the accumulator: such text goes to strtod and the wrapped
     * value is never used. */
    uint64_t mant = 0;
    size_t start = i, digits, sig;
    long exp = 0;
    unsigned d;
    while (i < len && p[i] == '0')
        i++;
    size_t sig_start = i;
    scan_digits(p, len, &i, &mant);
    sig = i - sig_start;
    digits = i - start;
    if (i < len && p[i] == '.') {
        size_t frac_start = ++i;
        if (sig == 0) {
            /* "0.05": zeros before the first significant digit only scale */
            while (i < len && p[i] == '0')
                i++;
        }
        sig_start = i;
        scan_digits(p, len, &i, &mant);
        sig += i - sig_start;
        digits += i - frac_start;
        exp = -(long)(i - frac_start);
    }
    if (digits == 0)
        return decode_float_special(p, len, out);
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (p[i] == '-' || p[i] == '+'))
            eneg = p[i++] == '-';
        long e = 0;
        size_t ed = 0;
        for (; i < len && (d = (unsigned)(unsigned char)p[i] - '0') <= 9; i++, ed++) {
            /* Saturate: beyond 100000 the value is 0 or infinite anyway. */
            if (e < 100000)
                e = e * 10 + (long)d;
        }
        if (ed == 0)
            return PGW_E_INVALID;
        exp += eneg ? -e : e;
    }
    if (i != len)
        return PGW_E_INVALID;
    if (sig == 0) {
        /* Every digit was zero: the exponent does not matter. */
        *out = neg ? -0.0 : 0.0;
        return PGW_OK;
    }
    double v;
    if (sig <= 19 && clinger(mant, exp, &v)) {
        *out = neg ? -v : v;
        return PGW_OK;
    }
    return decode_float_strtod(p, len, out);
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

pgw_status pgw_decode_oid_text(const char *p, size_t len, uint32_t *out)
{
    bool neg;
    uint64_t mag;
    pgw_status rc = tn_parse_int(p, len, (uint64_t)UINT32_MAX, &neg, &mag);
    if (rc != PGW_OK)
        return rc;
    if (neg) {
        /* oidin takes -2147483648..-1 as the high half, for old dumps. */
        if (mag > UINT64_C(0x80000000))
            return PGW_E_RANGE;
        *out = (uint32_t)(UINT64_C(0x100000000) - mag);
        if (mag == 0)
            *out = 0;
        return PGW_OK;
    }
    *out = (uint32_t)mag;
    return PGW_OK;
}

/* float4 needs single-precision rounding of the decimal text: rounding to
 * a double first and then to a float can round twice and land one unit
 * off. The text is validated, rewritten without a radix point (as for
 * float8) and read by strtof. */
pgw_status pgw_decode_float4_text(const char *p, size_t len, float *out)
{
    if (p == NULL || len == 0 || len > 1100)
        return PGW_E_INVALID;
    char tmp[1200];
    size_t i = 0, o = 0;
    if (p[0] == '-' || p[0] == '+')
        tmp[o++] = p[i++];
    size_t digits = 0, frac = 0;
    bool nonzero = false;
    while (i < len && p[i] >= '0' && p[i] <= '9') {
        nonzero = nonzero || p[i] != '0';
        tmp[o++] = p[i++];
        digits++;
    }
    if (i < len && p[i] == '.') {
        i++;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            nonzero = nonzero || p[i] != '0';
            tmp[o++] = p[i++];
            digits++;
            frac++;
        }
    }
    if (digits == 0) {
        double d;
        pgw_status rc = decode_float_special(p, len, &d);
        if (rc == PGW_OK)
            *out = (float)d;
        return rc;
    }
    long exp = 0;
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (p[i] == '-' || p[i] == '+'))
            eneg = p[i++] == '-';
        size_t ed = i;
        while (i < len && p[i] >= '0' && p[i] <= '9') {
            if (exp < 100000)
                exp = exp * 10 + (p[i] - '0');
            i++;
        }
        if (i == ed)
            return PGW_E_INVALID;
        if (eneg)
            exp = -exp;
    }
    if (i != len)
        return PGW_E_INVALID;
    exp -= (long)frac;
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
    float v = strtof(tmp, NULL);
    if (isinf(v) || (v == 0.0f && nonzero))
        return PGW_E_RANGE;
    *out = v;
    return PGW_OK;
}
