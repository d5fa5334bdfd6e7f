/* float4/float8 text output exactly as the server prints it, and the
 * double -> numeric conversion that needs the same digits.
 *
 * With extra_float_digits >= 1 (the default) the server prints the
 * shortest decimal that reads back to the same value (Ryu, PostgreSQL 12+),
 * in fixed notation when the decimal exponent of the first digit is in
 * [-4, 15) for float8 and [-4, 6) for float4, else as d.ddde+XX with at
 * least two exponent digits. With extra_float_digits <= 0 it prints
 * printf's "%.*g" with DBL_DIG (FLT_DIG) + extra_float_digits digits, at
 * least 1.
 *
 * src/types may not call snprintf (tools/check-symbols.sh), so the digits
 * come from an exact decimal expansion of the binary value (a small bignum
 * in base 10^9), rounded half-to-even like glibc's printf; the shortest
 * length is the smallest precision whose correctly rounded digits strtod
 * (strtof) reads back to the same value. At a power of two the rounding
 * interval is lopsided (the gap below is half the gap above), so there the
 * other neighbour at that length is tried too, as Ryu's interval search
 * would find it. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "common/common_int.h"
#include "types/types_int.h"

/* 5^13 and 10^9 fit a uint32; a limb times either plus a carry fits a
 * uint64. A double's exact expansion has at most 767 significant digits
 * (plus 17 from the mantissa): 100 limbs of 9 digits are enough. */
#define LIMB_BASE 1000000000u
#define MAX_LIMBS 100u
#define POW5_13 1220703125u
#define KEEP_DIGITS 20u

typedef struct exact_dec {
    char d[KEEP_DIGITS]; /* first significant digits ('0'..'9') */
    unsigned n;          /* how many of them */
    int exp10;           /* decimal exponent of d[0] */
    bool sticky;         /* a nonzero digit follows d[n-1] */
} exact_dec;

typedef struct bignum {
    uint32_t limb[MAX_LIMBS]; /* little-endian, base 10^9 */
    unsigned n;
} bignum;

static void big_mul_small(bignum *b, uint64_t m)
{
    uint64_t carry = 0;
    for (unsigned i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->limb[i] * m + carry;
        b->limb[i] = (uint32_t)(t % LIMB_BASE);
        carry = t / LIMB_BASE;
    }
    while (carry != 0 && b->n < MAX_LIMBS) {
        b->limb[b->n++] = (uint32_t)(carry % LIMB_BASE);
        carry /= LIMB_BASE;
    }
}

static unsigned count_digits_u32(uint32_t v)
{
    unsigned n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* The exact decimal digits of mant * 2^e2 (mant > 0). */
static void exact_digits(uint64_t mant, int e2, exact_dec *x)
{
    bignum b;
    b.n = 0;
    while (mant != 0) {
        b.limb[b.n++] = (uint32_t)(mant % LIMB_BASE);
        mant /= LIMB_BASE;
    }
    int k = 0; /* value = b * 10^-k */
    if (e2 > 0) {
        for (int left = e2; left > 0; left -= 32)
            big_mul_small(&b, UINT64_C(1) << (left > 32 ? 32 : left));
    } else if (e2 < 0) {
        /* m * 2^-k = m * 5^k / 10^k */
        k = -e2;
        int left = k;
        for (; left >= 13; left -= 13)
            big_mul_small(&b, POW5_13);
        uint64_t m = 1;
        for (; left > 0; left--)
            m *= 5;
        big_mul_small(&b, m);
    }
    unsigned top = b.n - 1;
    unsigned tdig = count_digits_u32(b.limb[top]);
    unsigned total = tdig + 9u * top;
    x->exp10 = (int)total - 1 - k;
    x->n = 0;
    x->sticky = false;
    /* Walk the digits from the most significant one; past the ones kept,
     * only whether a limb is nonzero matters. */
    for (unsigned li = b.n; li-- > 0;) {
        uint32_t v = b.limb[li];
        if (x->n == KEEP_DIGITS) {
            if (v != 0) {
                x->sticky = true;
                break;
            }
            continue;
        }
        unsigned nd = li == top ? tdig : 9u;
        char tmp[9];
        for (unsigned j = nd; j-- > 0;) {
            tmp[j] = (char)('0' + v % 10);
            v /= 10;
        }
        for (unsigned j = 0; j < nd; j++) {
            if (x->n < KEEP_DIGITS)
                x->d[x->n++] = tmp[j];
            else if (tmp[j] != '0')
                x->sticky = true;
        }
    }
    /* Trailing zeros carry no information. */
    while (x->n > 1 && x->d[x->n - 1] == '0')
        x->n--;
}

/* Round x to p significant digits (half to even, as printf does), write
 * them to out (exactly p digits, trailing zeros kept) and return the
 * exponent of the first one. *dir is -1 when the result is below the
 * exact value, +1 above, 0 exact. */
static int round_digits(const exact_dec *x, unsigned p, char *out, int *dir)
{
    int e = x->exp10;
    for (unsigned i = 0; i < p; i++)
        out[i] = i < x->n ? x->d[i] : '0';
    bool rest = x->sticky;
    for (unsigned i = p + 1; i < x->n; i++)
        rest = rest || x->d[i] != '0';
    char r = p < x->n ? x->d[p] : '0';
    bool up;
    if (r == '0' && !rest) {
        *dir = 0;
        return e;
    }
    if (r > '5' || (r == '5' && (rest || ((out[p - 1] - '0') & 1))))
        up = true;
    else
        up = false;
    *dir = up ? 1 : -1;
    if (up) {
        unsigned i = p;
        while (i > 0 && out[i - 1] == '9')
            out[--i] = '0';
        if (i == 0) {
            out[0] = '1';
            e++;
        } else {
            out[i - 1]++;
        }
    }
    return e;
}

/* The neighbour of the p digits in c on the other side of the exact value:
 * one unit in the last place up (dir < 0) or down (dir > 0). */
static int step_digits(char *c, unsigned p, int e, int dir)
{
    unsigned i = p;
    if (dir < 0) {
        while (i > 0 && c[i - 1] == '9')
            c[--i] = '0';
        if (i == 0) {
            c[0] = '1';
            return e + 1;
        }
        c[i - 1]++;
        return e;
    }
    while (i > 0 && c[i - 1] == '0')
        c[--i] = '9';
    c[i - 1]--; /* c is nonzero, so some digit was above 0 */
    if (c[0] == '0') {
        /* 1000 - 1 = 0999: shift to 999 with one less exponent; the last
         * digit becomes a 9 (still p digits, one unit lower). */
        memmove(c, c + 1, p - 1);
        c[p - 1] = '9';
        return e - 1;
    }
    return e;
}

static size_t ff_put_int(char *s, long v)
{
    char rev[24];
    size_t n = 0, o = 0;
    if (v < 0) {
        s[o++] = '-';
        v = -v;
    }
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        s[o++] = rev[--n];
    return o;
}

/* Whether the digits c[0..p) * 10^(e-p+1) read back as exactly v. The text
 * has no radix character, so strtod reads it the same in every locale. */
static const double ff_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
static const float ff_pow10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f,
                                       1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

static bool reads_back(const char *c, unsigned p, int e, double v, bool single)
{
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
    /* Clinger's fast path: when the digits and the power of ten are both
     * exact in the format, one multiplication or division rounds exactly
     * once, as strtod would. Most values a database holds take this path. */
    int k = e - (int)p + 1;
    uint64_t m = 0;
    for (unsigned i = 0; i < p; i++)
        m = m * 10 + (uint64_t)(c[i] - '0');
    if (single) {
        if (m <= (UINT64_C(1) << 24) && k >= -10 && k <= 10) {
            float f = (float)m;
            f = k < 0 ? f / ff_pow10f[-k] : f * ff_pow10f[k];
            return f == (float)v;
        }
    } else if (m <= (UINT64_C(1) << 53) && k >= -22 && k <= 22) {
        double d = (double)m;
        d = k < 0 ? d / ff_pow10[-k] : d * ff_pow10[k];
        return d == v;
    }
#endif
    char s[48];
    memcpy(s, c, p);
    size_t o = p;
    s[o++] = 'e';
    o += ff_put_int(s + o, (long)e - (long)p + 1);
    s[o] = '\0';
    if (single) {
        float f = strtof(s, NULL);
        return f == (float)v;
    }
    return strtod(s, NULL) == v;
}

static unsigned strip_zeros(const char *c, unsigned p)
{
    while (p > 1 && c[p - 1] == '0')
        p--;
    return p;
}

/* Whether the p digits in c (above v when dir > 0, below when dir < 0) are
 * exactly the midpoint between v and its neighbour on that side. The
 * server never prints a midpoint, even one that strtod would read back by
 * rounding half to even (PostgreSQL builds Ryu without
 * STRICTLY_SHORTEST, for readers that get ties wrong), so such a
 * candidate does not count. A midpoint has at most 17 (9) significant
 * digits only when it is a large integer or nearly: callers skip the test
 * for e2 < -2. */
static bool is_midpoint(const char *c, unsigned p, int e, uint64_t mant, int e2, bool pow2,
                        int dir)
{
    uint64_t mm;
    int me2;
    if (dir > 0) {
        mm = 2 * mant + 1;
        me2 = e2 - 1;
    } else if (pow2) {
        /* the gap below a power of two is half the gap above */
        mm = 4 * mant - 1;
        me2 = e2 - 2;
    } else {
        mm = 2 * mant - 1;
        me2 = e2 - 1;
    }
    exact_dec x;
    exact_digits(mm, me2, &x);
    if (x.sticky)
        return false;
    unsigned n = strip_zeros(c, p);
    return n == x.n && e == x.exp10 && memcmp(c, x.d, n) == 0;
}

typedef struct fdigits {
    char d[KEEP_DIGITS];
    unsigned n; /* no trailing zeros */
    int e;      /* exponent of d[0] */
} fdigits;

/* Split a finite nonzero |v| into mantissa * 2^e2 (as a float or a
 * double, by the format's bits). */
static void ff_decompose(double v, bool single, uint64_t *mant, int *e2, bool *pow2)
{
    if (single) {
        float f = (float)v;
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        uint32_t m = bits & 0x7FFFFFu, ex = (bits >> 23) & 0xFFu;
        *pow2 = m == 0 && ex > 1;
        if (ex == 0) {
            *mant = m;
            *e2 = -149;
        } else {
            *mant = m | 0x800000u;
            *e2 = (int)ex - 150;
        }
        return;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    uint64_t m = bits & ((UINT64_C(1) << 52) - 1);
    unsigned ex = (unsigned)(bits >> 52) & 0x7FFu;
    *pow2 = m == 0 && ex > 1;
    if (ex == 0) {
        *mant = m;
        *e2 = -1074;
    } else {
        *mant = m | (UINT64_C(1) << 52);
        *e2 = (int)ex - 1075;
    }
}

/* The shortest digits that read back as v (finite, > 0); among those of
 * that length the nearest to v. */
static void shortest(double v, bool single, fdigits *out)
{
    uint64_t mant;
    int e2;
    bool pow2;
    ff_decompose(v, single, &mant, &e2, &pow2);
    /* Integers below 2^53 (2^24): every digit is needed, and the exact
     * digits are the integer's; the common case skips strtod. */
    if (e2 <= 0 && e2 > -53 && (mant & ((UINT64_C(1) << -e2) - 1)) == 0) {
        uint64_t u = mant >> -e2;
        char rev[20];
        unsigned n = 0;
        while (u != 0) {
            rev[n++] = (char)('0' + u % 10);
            u /= 10;
        }
        out->e = (int)n - 1;
        for (unsigned i = 0; i < n; i++)
            out->d[i] = rev[n - 1 - i];
        out->n = strip_zeros(out->d, n);
        return;
    }
    exact_dec x;
    exact_digits(mant, e2, &x);
    /* Whether some p-digit decimal reads back is monotone in p (the nearest
     * p-digit decimal is also a (p+1)-digit one), so search for the least. */
    unsigned lo = 1, hi = single ? 9u : 17u;
    char best[KEEP_DIGITS];
    int best_e = 0;
    unsigned best_p = 0;
    while (lo <= hi) {
        unsigned p = (lo + hi) / 2;
        char c[KEEP_DIGITS];
        int dir;
        int e = round_digits(&x, p, c, &dir);
        bool ok = reads_back(c, p, e, v, single) &&
                  !(e2 >= -2 && dir != 0 && is_midpoint(c, p, e, mant, e2, pow2, dir));
        if (!ok && pow2 && dir != 0) {
            e = step_digits(c, p, e, dir);
            ok = reads_back(c, p, e, v, single) &&
                 !(e2 >= -2 && is_midpoint(c, p, e, mant, e2, pow2, -dir));
        }
        if (ok) {
            memcpy(best, c, p);
            best_e = e;
            best_p = p;
            if (p == 1)
                break;
            hi = p - 1;
        } else {
            lo = p + 1;
        }
    }
    /* 17 (9) correctly rounded digits are always strictly inside the
     * rounding interval, so best is set; stay defined regardless. */
    if (best_p == 0) {
        int dir;
        best_p = single ? 9u : 17u;
        best_e = round_digits(&x, best_p, best, &dir);
    }
    out->n = strip_zeros(best, best_p);
    memcpy(out->d, best, out->n);
    out->e = best_e;
}

/* printf's %.*g digits: v rounded to p significant digits. */
static void rounded(double v, bool single, unsigned p, fdigits *out)
{
    uint64_t mant;
    int e2;
    bool pow2;
    ff_decompose(v, single, &mant, &e2, &pow2);
    exact_dec x;
    exact_digits(mant, e2, &x);
    char c[KEEP_DIGITS];
    int dir;
    out->e = round_digits(&x, p, c, &dir);
    out->n = strip_zeros(c, p);
    memcpy(out->d, c, out->n);
}

/* Fixed notation when lo <= e < hi, else d.ddde+XX. Writes at most
 * 1 + 17 + 1 + 4 + 15 + ... < 40 bytes. */
static size_t layout(char *s, bool neg, const fdigits *f, int hi)
{
    size_t o = 0;
    if (neg)
        s[o++] = '-';
    int e = f->e;
    unsigned n = f->n;
    if (e >= -4 && e < hi) {
        if (e < 0) {
            s[o++] = '0';
            s[o++] = '.';
            for (int z = -e - 1; z > 0; z--)
                s[o++] = '0';
            memcpy(s + o, f->d, n);
            o += n;
        } else if ((int)n <= e + 1) {
            memcpy(s + o, f->d, n);
            o += n;
            for (int z = e + 1 - (int)n; z > 0; z--)
                s[o++] = '0';
        } else {
            memcpy(s + o, f->d, (size_t)e + 1);
            o += (size_t)e + 1;
            s[o++] = '.';
            memcpy(s + o, f->d + e + 1, n - (unsigned)e - 1);
            o += n - (unsigned)e - 1;
        }
        return o;
    }
    s[o++] = f->d[0];
    if (n > 1) {
        s[o++] = '.';
        memcpy(s + o, f->d + 1, n - 1);
        o += n - 1;
    }
    s[o++] = 'e';
    s[o++] = e < 0 ? '-' : '+';
    if (e < 0)
        e = -e;
    if (e < 10)
        s[o++] = '0';
    o += ff_put_int(s + o, e);
    return o;
}

/* The server's text for v (a float4 value when single). */
static size_t format_float(char *s, double v, bool single, int extra_float_digits)
{
    if (v != v) {
        memcpy(s, "NaN", 3);
        return 3;
    }
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bool neg = (bits >> 63) != 0;
    double a = neg ? -v : v;
    if (a > DBL_MAX) {
        if (neg) {
            memcpy(s, "-Infinity", 9);
            return 9;
        }
        memcpy(s, "Infinity", 8);
        return 8;
    }
    if (a == 0) {
        if (neg) {
            memcpy(s, "-0", 2);
            return 2;
        }
        s[0] = '0';
        return 1;
    }
    fdigits f;
    if (extra_float_digits > 0) {
        shortest(a, single, &f);
        return layout(s, neg, &f, single ? 6 : 15);
    }
    int p = (single ? FLT_DIG : DBL_DIG) + extra_float_digits;
    if (p < 1)
        p = 1;
    rounded(a, single, (unsigned)p, &f);
    return layout(s, neg, &f, p);
}

pgw_status pgw_encode_float8_text(pgw_buf *out, double v, int extra_float_digits)
{
    if (out == NULL)
        return PGW_E_INVALID;
    char s[48];
    size_t n = format_float(s, v, false, extra_float_digits);
    return pgw_buf_append(out, s, n);
}

pgw_status pgw_encode_float4_text(pgw_buf *out, float v, int extra_float_digits)
{
    if (out == NULL)
        return PGW_E_INVALID;
    char s[48];
    size_t n = format_float(s, (double)v, true, extra_float_digits);
    return pgw_buf_append(out, s, n);
}

pgw_status pgw_encode_numeric_bin_double(pgw_buf *out, double v)
{
    if (out == NULL)
        return PGW_E_INVALID;
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    bool neg = (bits >> 63) != 0;
    double a = neg ? -v : v;
    if (v != v)
        return pgw_encode_numeric_bin(out, "NaN", 3);
    if (a > DBL_MAX)
        return neg ? pgw_encode_numeric_bin(out, "-Infinity", 9)
                   : pgw_encode_numeric_bin(out, "Infinity", 8);
    if (a == 0)
        return pgw_encode_numeric_bin(out, "0", 1);
    /* The shortest digits that read back as v, as "-DDDDe-N": numeric keeps
     * exactly those, with the scale they imply (0.1 -> scale 1). */
    fdigits f;
    shortest(a, false, &f);
    char s[48];
    size_t o = 0;
    if (neg)
        s[o++] = '-';
    memcpy(s + o, f.d, f.n);
    o += f.n;
    s[o++] = 'e';
    o += ff_put_int(s + o, (long)f.e - (long)f.n + 1);
    return pgw_encode_numeric_bin(out, s, o);
}
