/* numeric: the binary form <-> decimal strings, int64 and double.
 *
 * The binary form (numeric_send) is ndigits, weight, sign, dscale (four
 * 16-bit words) and then ndigits base-10000 digits, the first worth
 * 10000^weight. dscale is the number of decimal digits printed after the
 * point. The server only sends canonical values (no leading or trailing
 * zero digits, nothing hidden by dscale, zero as 0 digits and sign +), but
 * its numeric_recv also takes anything else that is well formed: it
 * truncates digits beyond dscale and strips zeros. The decoders here take
 * the same set of values and mean by them what the server would, so a
 * value read through pgw_decode_numeric_bin() prints the text the server
 * would print after receiving those bytes. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/common_int.h"
#include "types/types_int.h"

#define NUMERIC_POS 0x0000u
#define NUMERIC_NEG 0x4000u
#define NUMERIC_NAN 0xC000u
#define NUMERIC_PINF 0xD000u
#define NUMERIC_NINF 0xF000u
#define NUMERIC_DSCALE_MAX 0x3FFFu
#define NBASE 10000u
/* What numeric_send puts in the dscale word of the infinities: the bits of
 * the on-disk header that hold a short numeric's scale. Matching it keeps
 * encode(decode(x)) == x for every value the server sends. */
#define NUMERIC_INF_DSCALE 0x0020u

/* A validated binary numeric, reduced to what the server keeps of it: the
 * digits [first, last] (first and last nonzero), `last_val` replacing the
 * last digit when dscale cut into it. ndig == 0 means zero. */
typedef struct num {
    uint16_t sign;
    uint16_t dscale;
    int32_t weight; /* of digit `first` */
    const uint8_t *digits;
    size_t first, ndig;
    uint16_t last_val;
} num;

static uint16_t digit_at(const num *n, size_t i)
{
    if (i + 1 == n->ndig)
        return n->last_val;
    return pgwi_load_u16(n->digits + 2 * (n->first + i));
}

static const uint16_t pow10_4[5] = {1, 10, 100, 1000, 10000};

/* Check every field (the bytes are hostile) and reduce the value as the
 * server's numeric_recv would: truncate to dscale, strip zero digits. */
static pgw_status parse_bin(const uint8_t *p, size_t len, num *n)
{
    if (p == NULL || len < 8)
        return PGW_E_INVALID;
    size_t count = pgwi_load_u16(p);
    int32_t weight = (int16_t)pgwi_load_u16(p + 2);
    uint16_t sign = pgwi_load_u16(p + 4);
    uint16_t dscale = pgwi_load_u16(p + 6);
    if (len - 8 != 2 * count)
        return PGW_E_INVALID;
    if (sign != NUMERIC_POS && sign != NUMERIC_NEG && sign != NUMERIC_NAN &&
        sign != NUMERIC_PINF && sign != NUMERIC_NINF)
        return PGW_E_INVALID;
    if (dscale > NUMERIC_DSCALE_MAX)
        return PGW_E_INVALID;
    const uint8_t *d = p + 8;
    for (size_t i = 0; i < count; i++)
        if (pgwi_load_u16(d + 2 * i) >= NBASE)
            return PGW_E_INVALID;
    n->sign = sign;
    n->dscale = dscale;
    n->digits = d;
    n->ndig = 0;
    n->first = 0;
    n->weight = 0;
    n->last_val = 0;
    if (sign != NUMERIC_POS && sign != NUMERIC_NEG)
        return PGW_OK;
    /* Digit i is worth 10000^(weight - i); the fraction digits of digit i
     * are decimal places 4(i - weight) - 3 .. 4(i - weight). Keep those
     * that start within dscale places. */
    size_t visible = count;
    int64_t max_i = (int64_t)weight + ((int64_t)dscale + 3) / 4; /* last digit index shown */
    if (max_i < 0)
        visible = 0;
    else if ((uint64_t)max_i + 1 < (uint64_t)visible)
        visible = (size_t)max_i + 1;
    size_t f = 0;
    while (f < visible && pgwi_load_u16(d + 2 * f) == 0)
        f++;
    size_t l = visible;
    uint16_t lv = 0;
    while (l > f) {
        size_t i = l - 1;
        lv = pgwi_load_u16(d + 2 * i);
        int64_t places = 4 * ((int64_t)i - weight); /* last decimal place of digit i */
        if (places > (int64_t)dscale) {
            /* dscale cuts into this digit: keep its first 4 - cut places */
            unsigned cut = (unsigned)(places - (int64_t)dscale);
            lv = (uint16_t)(lv / pow10_4[cut] * pow10_4[cut]);
        }
        if (lv != 0)
            break;
        l--;
    }
    if (l > f) {
        n->first = f;
        n->ndig = l - f;
        n->weight = weight - (int32_t)f;
        n->last_val = lv;
    } else {
        /* All zero: the server makes it +0. */
        n->sign = NUMERIC_POS;
    }
    return PGW_OK;
}

static char *put4(char *o, unsigned v, bool suppress)
{
    unsigned d[4] = {v / 1000, v / 100 % 10, v / 10 % 10, v % 10};
    for (unsigned k = 0; k < 4; k++) {
        if (suppress && d[k] == 0 && k < 3)
            continue;
        suppress = false;
        *o++ = (char)('0' + d[k]);
    }
    return o;
}

pgw_status pgw_decode_numeric_bin(const uint8_t *p, size_t len, pgw_buf *out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    num n;
    pgw_status rc = parse_bin(p, len, &n);
    if (rc != PGW_OK)
        return rc;
    if (n.sign == NUMERIC_NAN)
        return pgw_buf_append(out, "NaN", 3);
    if (n.sign == NUMERIC_PINF)
        return pgw_buf_append(out, "Infinity", 8);
    if (n.sign == NUMERIC_NINF)
        return pgw_buf_append(out, "-Infinity", 9);
    /* At most 4 * 32768 integer digits and 16383 fraction digits. */
    size_t int_groups = n.ndig && n.weight >= 0 ? (size_t)n.weight + 1 : 0;
    size_t need = 1 + (int_groups ? 4 * int_groups : 1) + 1 + n.dscale;
    rc = pgw_buf_reserve(out, need);
    if (rc != PGW_OK)
        return rc;
    char *start = (char *)out->data + out->len, *o = start;
    if (n.sign == NUMERIC_NEG)
        *o++ = '-';
    if (int_groups == 0) {
        *o++ = '0';
    } else {
        for (size_t i = 0; i < int_groups; i++)
            o = put4(o, i < n.ndig ? digit_at(&n, i) : 0, i == 0);
    }
    if (n.dscale > 0) {
        *o++ = '.';
        /* Fraction digit j (0-based group after the point) is number
         * int_groups + j + ... in our digit list: index weight + 1 + j. */
        char *end = o + n.dscale;
        for (int64_t i = (int64_t)n.weight + 1; o < end; i++) {
            unsigned v = i >= 0 && (uint64_t)i < n.ndig && n.ndig ? digit_at(&n, (size_t)i) : 0;
            char g[4];
            put4(g, v, false);
            size_t take = (size_t)(end - o) < 4 ? (size_t)(end - o) : 4;
            memcpy(o, g, take);
            o += take;
        }
    }
    out->len += (size_t)(o - start);
    return PGW_OK;
}

pgw_status pgw_decode_numeric_bin_int64(const uint8_t *p, size_t len, int64_t *out)
{
    num n;
    pgw_status rc = parse_bin(p, len, &n);
    if (rc != PGW_OK)
        return rc;
    if (out == NULL)
        return PGW_E_INVALID;
    if (n.sign != NUMERIC_POS && n.sign != NUMERIC_NEG)
        return PGW_E_RANGE;
    if (n.ndig == 0) {
        *out = 0;
        return PGW_OK;
    }
    /* A nonzero digit after the point: not an integer. */
    if ((int64_t)n.ndig - 1 > (int64_t)n.weight)
        return PGW_E_RANGE;
    if (n.weight > 4) /* >= 10000^5 = 10^20 */
        return PGW_E_RANGE;
    uint64_t mag = 0;
    for (int32_t i = 0; i <= n.weight; i++) {
        uint64_t d = (size_t)i < n.ndig ? digit_at(&n, (size_t)i) : 0;
        if (mag > (UINT64_MAX - d) / NBASE)
            return PGW_E_RANGE;
        mag = mag * NBASE + d;
    }
    if (n.sign == NUMERIC_NEG) {
        if (mag > (uint64_t)INT64_MAX + 1u)
            return PGW_E_RANGE;
        *out = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            return PGW_E_RANGE;
        *out = (int64_t)mag;
    }
    return PGW_OK;
}

/* Enough significant digits that the correctly rounded double of the
 * truncated text, with a sticky 1 appended for what was cut, is that of
 * the full value (a double needs at most 767 to decide a halfway case). */
#define DOUBLE_GROUPS 200u

pgw_status pgw_decode_numeric_bin_double(const uint8_t *p, size_t len, double *out)
{
    num n;
    pgw_status rc = parse_bin(p, len, &n);
    if (rc != PGW_OK)
        return rc;
    if (out == NULL)
        return PGW_E_INVALID;
    if (n.sign == NUMERIC_NAN) {
        *out = (double)NAN;
        return PGW_OK;
    }
    if (n.sign == NUMERIC_PINF || n.sign == NUMERIC_NINF) {
        *out = n.sign == NUMERIC_PINF ? (double)INFINITY : -(double)INFINITY;
        return PGW_OK;
    }
    if (n.ndig == 0) {
        *out = 0.0;
        return PGW_OK;
    }
    /* "-DDDD...[1]e<exp>": no radix character, so strtod reads it the same
     * in every locale. */
    char s[4 * DOUBLE_GROUPS + 32];
    size_t o = 0;
    if (n.sign == NUMERIC_NEG)
        s[o++] = '-';
    size_t take = n.ndig < DOUBLE_GROUPS ? n.ndig : DOUBLE_GROUPS;
    for (size_t i = 0; i < take; i++)
        o = (size_t)(put4(s + o, digit_at(&n, i), false) - s);
    long exp = 4 * ((long)n.weight - (long)take + 1);
    if (take < n.ndig) {
        /* The last digit is nonzero, so something nonzero was cut. */
        s[o++] = '1';
        exp -= 1;
    }
    s[o++] = 'e';
    if (exp < 0) {
        s[o++] = '-';
        exp = -exp;
    }
    char rev[12];
    size_t nd = 0;
    do {
        rev[nd++] = (char)('0' + exp % 10);
        exp /= 10;
    } while (exp > 0);
    while (nd > 0)
        s[o++] = rev[--nd];
    s[o] = '\0';
    double v = strtod(s, NULL);
    if (v > DBL_MAX || v < -DBL_MAX)
        return PGW_E_RANGE;
    *out = v;
    return PGW_OK;
}

/* Append the 8-byte header and reserve room for ndigits digits, returning
 * where they go (zeroed), or NULL when the buffer failed. */
static uint8_t *begin_bin(pgw_buf *out, size_t ndigits, int32_t weight, uint16_t sign,
                          uint16_t dscale)
{
    if (pgw_buf_reserve(out, 8 + 2 * ndigits) != PGW_OK)
        return NULL;
    uint8_t *h = out->data + out->len;
    h[0] = (uint8_t)(ndigits >> 8);
    h[1] = (uint8_t)ndigits;
    uint16_t w = (uint16_t)(int16_t)weight;
    h[2] = (uint8_t)(w >> 8);
    h[3] = (uint8_t)w;
    h[4] = (uint8_t)(sign >> 8);
    h[5] = (uint8_t)sign;
    h[6] = (uint8_t)(dscale >> 8);
    h[7] = (uint8_t)dscale;
    memset(h + 8, 0, 2 * ndigits);
    return h + 8;
}

static pgw_status put_special(pgw_buf *out, uint16_t sign)
{
    uint16_t dscale = sign == NUMERIC_NAN ? 0 : NUMERIC_INF_DSCALE;
    if (begin_bin(out, 0, 0, sign, dscale) == NULL)
        return pgw_buf_status(out);
    out->len += 8;
    return PGW_OK;
}

static bool num_ieq(const char *p, size_t len, const char *lit)
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

static int64_t floor_div4(int64_t v)
{
    return v >= 0 ? v / 4 : -((-v + 3) / 4);
}

/* Saturation bound for the exponent: far beyond anything that fits. */
#define EXP_LIMIT 100000000

pgw_status pgw_encode_numeric_bin(pgw_buf *out, const char *s, size_t len)
{
    if (out == NULL || s == NULL || len == 0)
        return PGW_E_INVALID;
    if (num_ieq(s, len, "nan"))
        return put_special(out, NUMERIC_NAN);
    if (num_ieq(s, len, "infinity") || num_ieq(s, len, "+infinity") || num_ieq(s, len, "inf") ||
        num_ieq(s, len, "+inf"))
        return put_special(out, NUMERIC_PINF);
    if (num_ieq(s, len, "-infinity") || num_ieq(s, len, "-inf"))
        return put_special(out, NUMERIC_NINF);
    size_t i = 0;
    bool neg = false;
    if (s[0] == '-' || s[0] == '+') {
        neg = s[0] == '-';
        i = 1;
    }
    /* One pass to validate and find the digits: [digits][.digits] with at
     * least one digit, then an optional exponent. */
    size_t int_start = i;
    while (i < len && s[i] >= '0' && s[i] <= '9')
        i++;
    size_t int_end = i, frac_start = i, frac_end = i;
    if (i < len && s[i] == '.') {
        frac_start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        frac_end = i;
    }
    if (int_end == int_start && frac_end == frac_start)
        return PGW_E_INVALID;
    int64_t exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        size_t ed = i;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (exp < EXP_LIMIT)
                exp = exp * 10 + (s[i] - '0');
            i++;
        }
        if (i == ed)
            return PGW_E_INVALID;
        if (eneg)
            exp = -exp;
    }
    if (i != len)
        return PGW_E_INVALID;
    if (int_end - int_start > (size_t)EXP_LIMIT || frac_end - frac_start > (size_t)EXP_LIMIT)
        return PGW_E_RANGE;
    /* Digit k of the digit sequence (integer digits, then fraction
     * digits) is worth 10^(nint - 1 - k + exp). */
    int64_t nint = (int64_t)(int_end - int_start);
    int64_t nfrac = (int64_t)(frac_end - frac_start);
    int64_t dscale = nfrac - exp;
    if (dscale < 0)
        dscale = 0;
    if (dscale > (int64_t)NUMERIC_DSCALE_MAX)
        return PGW_E_RANGE;
#define DIGIT_CHAR(k) ((k) < nint ? s[int_start + (size_t)(k)] : s[frac_start + (size_t)((k) - nint)])
    int64_t total = nint + nfrac, first = 0, last = total - 1;
    while (first < total && DIGIT_CHAR(first) == '0')
        first++;
    if (first == total) {
        /* Zero: no digits, weight 0, and never negative. */
        if (begin_bin(out, 0, 0, NUMERIC_POS, (uint16_t)dscale) == NULL)
            return pgw_buf_status(out);
        out->len += 8;
        return PGW_OK;
    }
    while (DIGIT_CHAR(last) == '0')
        last--;
    int64_t pos_first = nint - 1 - first + exp, pos_last = nint - 1 - last + exp;
    int64_t weight = floor_div4(pos_first), wlast = floor_div4(pos_last);
    if (weight > INT16_MAX)
        return PGW_E_RANGE;
    /* pos_last >= -dscale >= -16383, so weight and wlast are bounded below */
    size_t ndigits = (size_t)(weight - wlast + 1);
    uint8_t *dg = begin_bin(out, ndigits, (int32_t)weight, neg ? NUMERIC_NEG : NUMERIC_POS,
                            (uint16_t)dscale);
    if (dg == NULL)
        return pgw_buf_status(out);
    for (int64_t k = first; k <= last; k++) {
        unsigned dv = (unsigned)(DIGIT_CHAR(k) - '0');
        if (dv == 0)
            continue;
        int64_t pos = nint - 1 - k + exp;
        int64_t gw = floor_div4(pos);
        size_t gi = (size_t)(weight - gw);
        unsigned v = pgwi_load_u16(dg + 2 * gi) + dv * pow10_4[pos - 4 * gw];
        dg[2 * gi] = (uint8_t)(v >> 8);
        dg[2 * gi + 1] = (uint8_t)v;
    }
#undef DIGIT_CHAR
    out->len += 8 + 2 * ndigits;
    return PGW_OK;
}

pgw_status pgw_encode_numeric_bin_int64(pgw_buf *out, int64_t v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint16_t g[5];
    size_t n = 0;
    while (mag != 0) {
        g[n++] = (uint16_t)(mag % NBASE);
        mag /= NBASE;
    }
    /* g[0] is the least significant; drop trailing zero digits. */
    size_t low = 0;
    while (low < n && g[low] == 0)
        low++;
    size_t nd = n - low;
    uint8_t *dg = begin_bin(out, nd, n ? (int32_t)n - 1 : 0, v < 0 ? NUMERIC_NEG : NUMERIC_POS, 0);
    if (dg == NULL)
        return pgw_buf_status(out);
    for (size_t i = 0; i < nd; i++) {
        uint16_t d = g[n - 1 - i];
        dg[2 * i] = (uint8_t)(d >> 8);
        dg[2 * i + 1] = (uint8_t)d;
    }
    out->len += 8 + 2 * nd;
    return PGW_OK;
}
