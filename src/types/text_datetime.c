/* Text-format decoders for date, time, timetz, timestamp and timestamptz
 * (interval: interval.c): exactly what
 * the server prints with DateStyle ISO (EncodeDateOnly/EncodeDateTime in
 * the backend's datetime.c), nothing it would merely accept on input.
 *
 * No libc time functions: timegm/mktime depend on TZ and the C library's
 * range, and a pure module may not call them (tools/check-symbols.sh). The
 * calendar is the proleptic Gregorian one the server uses, with 1 BC as
 * astronomical year 0 (a leap year).
 *
 * A result set holds one such value per row, so the common shape (a
 * four-digit year) is checked eight bytes at a time and the calendar
 * arithmetic is done in unsigned integers, whose divisions by constants
 * are cheap; everything else takes a byte-by-byte path. */
#include "common/common_int.h"
#include "pgwire/datetime.h"
#include "types/types_int.h"

#define SECS_PER_DAY INT64_C(86400)
#define USECS_PER_SEC INT64_C(1000000)

/* Years from this on are out of range: far beyond any representable value
 * (int64 microseconds reach year ~294247, int32 days year ~5.8 million),
 * and the calendar arithmetic below relies on |year| < YEAR_SATURATE. */
#define YEAR_SATURATE 100000000

/* Added to the astronomical year so that the calendar arithmetic runs on
 * non-negative numbers. A multiple of 400 years, so leap years stay leap
 * years; it covers every year parse_date lets through (|year| < 10^8). */
#define YEAR_SHIFT UINT64_C(100000000)

/* |seconds| below this cannot overflow int64 microseconds, nor reach
 * INT64_MIN/INT64_MAX (reserved for the infinities), whatever the fraction. */
#define SAFE_SECONDS INT64_C(9223372036853)

/* The server limits a time zone displacement to under 16 hours
 * (MAX_TZDISP_HOUR). */
#define MAX_TZ_HOUR 15

typedef struct dt_fields {
    int64_t year; /* astronomical: 1 BC = 0 */
    unsigned month, day;
    unsigned hour, minute, second;
    int64_t usec;
    int64_t tz_sec; /* east of UTC, as printed: "+05:30" = 19800 */
} dt_fields;

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A digit already validated. */
static unsigned dig(const char *p, size_t i)
{
    return (unsigned)(unsigned char)p[i] - '0';
}

/* Exactly two digits at p[i], p[i+1] (the caller checked the bounds). */
static bool two_digits(const char *p, size_t i, unsigned *out)
{
    if (!is_digit(p[i]) || !is_digit(p[i + 1]))
        return false;
    *out = dig(p, i) * 10u + dig(p, i + 1);
    return true;
}

/* Eight bytes as a little-endian word, whatever the host's byte order. */
static uint64_t load_le64(const char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
#else
    const unsigned char *u = (const unsigned char *)p;
    return (uint64_t)u[0] | (uint64_t)u[1] << 8 | (uint64_t)u[2] << 16 | (uint64_t)u[3] << 24 |
           (uint64_t)u[4] << 32 | (uint64_t)u[5] << 40 | (uint64_t)u[6] << 48 |
           (uint64_t)u[7] << 56;
#endif
}

/* Whether eight bytes match a pattern of digits and fixed separators, all
 * at once: the bytes under `hi` (0xF0 for a digit, 0xFF for a separator)
 * must equal `want` (0x30 for a digit, the separator itself), and adding
 * `six` (6 under each digit) must keep each digit below 0x40, i.e. its low
 * nibble is at most 9. No carry can cross bytes once the high nibbles are
 * known to be 3, and when they are not the first test fails anyway. */
static bool match8(uint64_t x, uint64_t hi, uint64_t want, uint64_t six)
{
    uint64_t dhi = six * 0x28; /* 0xF0 under each digit */
    return ((x & hi) == want) & (((x + six) & dhi) == six * 8);
}

/* "YYYY-MM-", "DD HH:MM" and " HH:MM:S" as match8 patterns (byte 0 is
 * the lowest). */
#define DATE8_HI UINT64_C(0xFFF0F0FFF0F0F0F0)
#define DATE8_WANT UINT64_C(0x2D30302D30303030)
#define DATE8_SIX UINT64_C(0x0006060006060606)
#define MID8_HI UINT64_C(0xF0F0FFF0F0FFF0F0)
#define MID8_WANT UINT64_C(0x30303A3030203030)
#define MID8_SIX UINT64_C(0x0606000606000606)
#define TIME8_HI UINT64_C(0xF0FFF0F0FFF0F0FF)
#define TIME8_WANT UINT64_C(0x303A30303A303020)
#define TIME8_SIX UINT64_C(0x0600060600060600)

static bool is_leap(int64_t y)
{
    uint64_t u = (uint64_t)y + YEAR_SHIFT;
    return u % 4 == 0 && (u % 100 != 0 || u % 400 == 0);
}

/* Whether day d exists in month m (1..12) of year y; d >= 1 is checked by
 * the caller. */
static bool day_exists(int64_t y, unsigned m, unsigned d)
{
    static const unsigned char mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d <= mdays[m])
        return true;
    return m == 2 && d == 29 && is_leap(y);
}

/* Days from March 1 to the first of each month (index 1 = January, counted
 * at the end of the previous March-based year). */
static const uint16_t from_march[13] = {0, 306, 337, 0, 31, 61, 92, 122, 153, 184, 214, 245, 275};

/* Days from 1970-01-01 to a proleptic Gregorian date: count whole 400-year
 * eras (146097 days each) from 0000-03-01, so that the leap day is the last
 * day of its year and the months from March follow a fixed pattern. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    uint64_t ys = (uint64_t)y + YEAR_SHIFT - (m <= 2 ? 1u : 0u);
    uint64_t era = ys / 400, yoe = ys % 400;
    uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + from_march[m] + d - 1;
    /* 719468: 0000-03-01 to 1970-01-01; the shift adds YEAR_SHIFT/400 eras */
    return (int64_t)(era * 146097 + doe) -
           (int64_t)((YEAR_SHIFT / 400) * 146097 + 719468);
}

/* "YYYY-MM-DD" with a year of four or more digits (at least four, zero
 * padded; a longer one never starts with 0). On return *i is past the day.
 * *huge is set when the year saturated. */
static bool parse_date(const char *p, size_t len, size_t *i, dt_fields *f, bool *huge)
{
    if (len >= 10 && p[4] == '-') {
        /* the common case: "YYYY-MM-" in one test, then "DD" */
        if (!match8(load_le64(p), DATE8_HI, DATE8_WANT, DATE8_SIX) || !is_digit(p[8]) ||
            !is_digit(p[9]))
            return false;
        f->year = (int64_t)(dig(p, 0) * 1000 + dig(p, 1) * 100 + dig(p, 2) * 10 + dig(p, 3));
        f->month = dig(p, 5) * 10 + dig(p, 6);
        f->day = dig(p, 8) * 10 + dig(p, 9);
        *i = 10;
        return f->year != 0 && f->month >= 1 && f->month <= 12 && f->day >= 1;
    }
    size_t j = 0;
    int64_t y = 0;
    while (j < len && is_digit(p[j])) {
        if (y < YEAR_SATURATE)
            y = y * 10 + (p[j] - '0');
        j++;
    }
    if (y >= YEAR_SATURATE)
        *huge = true; /* and y is not used */
    if (j < 4 || (j > 4 && p[0] == '0') || y == 0)
        return false;
    if (len - j < 6 || p[j] != '-' || p[j + 3] != '-')
        return false;
    if (!two_digits(p, j + 1, &f->month) || !two_digits(p, j + 4, &f->day))
        return false;
    f->year = y;
    *i = j + 6;
    return f->month >= 1 && f->month <= 12 && f->day >= 1;
}

/* " HH:MM:SS" at *i. */
static bool parse_time(const char *p, size_t len, size_t *i, dt_fields *f)
{
    size_t j = *i;
    if (len - j < 9 || !match8(load_le64(p + j), TIME8_HI, TIME8_WANT, TIME8_SIX) ||
        !is_digit(p[j + 8]))
        return false;
    f->hour = dig(p, j + 1) * 10 + dig(p, j + 2);
    f->minute = dig(p, j + 4) * 10 + dig(p, j + 5);
    f->second = dig(p, j + 7) * 10 + dig(p, j + 8);
    *i = j + 9;
    return true;
}

/* "[.ffffff]" at *i: the server trims trailing zeros of the fraction and
 * never prints more than six digits. */
static bool parse_fraction(const char *p, size_t len, size_t *i, int64_t *usec)
{
    static const int32_t scale[7] = {0, 100000, 10000, 1000, 100, 10, 1};
    size_t j = *i;
    *usec = 0;
    if (j == len || p[j] != '.')
        return true;
    size_t start = ++j;
    int32_t v = 0;
    while (j < len && is_digit(p[j]) && j - start < 7)
        v = v * 10 + (p[j++] - '0');
    if (j == start || j - start > 6)
        return false;
    *usec = (int64_t)v * scale[j - start];
    *i = j;
    return true;
}

/* The fast path is inlined into both public decoders (its registers then
 * need no saving); the general path stays out of line, so that the common
 * case does not pay for its frame. */
#if defined(__GNUC__)
#define HOT_INLINE __attribute__((always_inline)) inline
#define COLD_PATH __attribute__((noinline))
#else
#define HOT_INLINE inline
#define COLD_PATH
#endif

/* The fast path's three words, as digit-value patterns: XOR with the
 * pattern turns each digit into its value and each separator into 0; then
 * a digit's value is at most 9 (adding 6 keeps the high nibble 0) and a
 * separator stays 0. A byte of 0xFA or more carries into the next one but
 * fails its own test. "YYYY-MM-" at byte 0, "DD " at 8 (the rest of that
 * word is left to the third), "HH:MM:SS" at 11. */
#define DATE8_XOR UINT64_C(0x2D30302D30303030)
#define DATE8_ADD6 UINT64_C(0x0006060006060606)
#define DATE8_TEST UINT64_C(0xFFF0F0FFF0F0F0F0)
#define DAY3_XOR UINT64_C(0x203030)
#define DAY3_ADD6 UINT64_C(0x000606)
#define DAY3_TEST UINT64_C(0xFFF0F0)
#define HMS8_XOR UINT64_C(0x30303A30303A3030)
#define HMS8_ADD6 UINT64_C(0x0606000606000606)
#define HMS8_TEST UINT64_C(0xF0F0FFF0F0FFF0F0)

/* Nonzero unless v (a word XORed with its pattern) matches it. */
static inline uint64_t mismatch8(uint64_t v, uint64_t add6, uint64_t test)
{
    return (v | (v + add6)) & test;
}

/* The shape of nearly every timestamp the server prints: a four-digit AD
 * year, "YYYY-MM-DD HH:MM:SS", an optional fraction, and for timestamptz a
 * "+HH" or "+HH:MM" zone. Three word tests validate the first 19 bytes,
 * the fields come out of the same words with each digit merged into the
 * one before it (d*10 + next fits a byte), and the three time fields are
 * range-checked at once: 0x80 - limit added to each byte sets its top bit
 * exactly when the field reaches the limit.
 * Returns false, leaving *out alone, for anything it does not take on
 * (including every malformed text): the general path then decides. */
static HOT_INLINE bool fast_timestamp(const char *p, size_t len, bool with_zone, int64_t *out)
{
    if (len < 19)
        return false;
    uint64_t v0 = load_le64(p) ^ DATE8_XOR, v1 = load_le64(p + 8) ^ DAY3_XOR;
    uint64_t v2 = load_le64(p + 11) ^ HMS8_XOR;
    if (mismatch8(v0, DATE8_ADD6, DATE8_TEST) | mismatch8(v1, DAY3_ADD6, DAY3_TEST) |
        mismatch8(v2, HMS8_ADD6, HMS8_TEST))
        return false;
    uint64_t t0 = v0 * 10 + (v0 >> 8), t2 = v2 * 10 + (v2 >> 8);
    unsigned year = (unsigned)((t0 & 0xFF) * 100 + ((t0 >> 16) & 0xFF));
    unsigned month = (unsigned)((t0 >> 40) & 0xFF);
    unsigned day = (unsigned)((v1 & 0xFF) * 10 + ((v1 >> 8) & 0xFF));
    uint64_t hms = t2 & UINT64_C(0x00FF0000FF0000FF); /* hour, minute, second */
    if (((hms + UINT64_C(0x0044000044000068)) & UINT64_C(0x0080000080000080)) != 0)
        return false; /* hour > 23, minute or second > 59 */
    if (year == 0 || month - 1 > 11 || day == 0 || !day_exists(year, month, day))
        return false;
    size_t i = 19;
    int64_t usec;
    if (!parse_fraction(p, len, &i, &usec))
        return false;
    int32_t off = 0;
    if (with_zone) {
        size_t rest = len - i;
        if (rest != 3 && rest != 6)
            return false; /* seconds in the zone, " BC", or junk */
        unsigned sign = (unsigned char)p[i], h1 = dig(p, i + 1), h2 = dig(p, i + 2);
        if ((sign != '+' && sign != '-') || h1 > 9 || h2 > 9)
            return false;
        unsigned h = h1 * 10 + h2, m = 0;
        if (rest == 6) {
            unsigned m1 = dig(p, i + 4), m2 = dig(p, i + 5);
            if (p[i + 3] != ':' || m1 > 9 || m2 > 9)
                return false;
            m = m1 * 10 + m2;
        }
        if (h > MAX_TZ_HOUR || m > 59)
            return false;
        off = (int32_t)(h * 3600 + m * 60);
        if (sign == '-')
            off = -off;
    } else if (i != len) {
        return false;
    }
    /* Years 1..9999: days_from_civil without the era shift, in 32 bits;
     * y*365 + y/4 is y*1461/4, and y/400 is (y/100)/4. No overflow is
     * possible anywhere below. */
    uint32_t y = year - (month <= 2 ? 1u : 0u), c = y / 100;
    uint32_t days0 = (y * 1461 >> 2) - c + (c >> 2) + from_march[month] + day - 1;
    unsigned secs = ((unsigned)(hms & 0xFF) * 60 + (unsigned)((hms >> 24) & 0xFF)) * 60 +
                    (unsigned)(hms >> 48);
    int64_t sec = ((int64_t)days0 - 719468) * SECS_PER_DAY + (int64_t)secs - off;
    *out = sec * USECS_PER_SEC + usec;
    return true;
}

/* "+HH", "+HH:MM" or "+HH:MM:SS" (EncodeTimezone prints minutes and seconds
 * only when they are not zero). */
static bool parse_zone(const char *p, size_t len, size_t *i, dt_fields *f)
{
    size_t j = *i;
    unsigned h, m = 0, s = 0;
    if (len - j < 3 || (p[j] != '+' && p[j] != '-') || !two_digits(p, j + 1, &h))
        return false;
    bool neg = p[j] == '-';
    j += 3;
    if (len - j >= 3 && p[j] == ':') {
        if (!two_digits(p, j + 1, &m))
            return false;
        j += 3;
        if (len - j >= 3 && p[j] == ':') {
            if (!two_digits(p, j + 1, &s))
                return false;
            j += 3;
        }
    }
    if (h > MAX_TZ_HOUR || m > 59 || s > 59)
        return false;
    int64_t off = (int64_t)h * 3600 + (int64_t)m * 60 + (int64_t)s;
    f->tz_sec = neg ? -off : off;
    *i = j;
    return true;
}

/* The optional " BC" suffix, then the end of the text. A BC year n is
 * astronomical year 1 - n. */
static bool parse_era(const char *p, size_t len, size_t i, dt_fields *f)
{
    if (i == len)
        return true;
    if (len - i != 3 || memcmp(p + i, " BC", 3) != 0)
        return false;
    f->year = 1 - f->year;
    return true;
}

static bool is_literal(const char *p, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len == n && memcmp(p, lit, n) == 0;
}

/* sec * 1e6 + usec (usec in [0, 1e6)) without ever overflowing. */
static bool to_usec(int64_t sec, int64_t usec, int64_t *out)
{
    if (sec > -SAFE_SECONDS && sec < SAFE_SECONDS) {
        *out = sec * USECS_PER_SEC + usec;
        return true;
    }
    if (sec >= 0) {
        if (sec > (INT64_MAX - usec) / USECS_PER_SEC)
            return false;
        *out = sec * USECS_PER_SEC + usec;
        return true;
    }
    /* sec*1e6 + usec = (sec+1)*1e6 - (1e6 - usec): the product stays in
     * range whenever the sum does. */
    int64_t s1 = sec + 1;
    if (s1 < INT64_MIN / USECS_PER_SEC)
        return false;
    int64_t base = s1 * USECS_PER_SEC, sub = USECS_PER_SEC - usec;
    if (base < INT64_MIN + sub)
        return false;
    *out = base - sub;
    return true;
}

/* Everything fast_timestamp() leaves. */
COLD_PATH static pgw_status decode_timestamp_general(const char *p, size_t len, bool with_zone,
                                                     int64_t *out)
{
    /* The server's spellings of the special values (EncodeSpecialTimestamp). */
    if (is_literal(p, len, "infinity")) {
        *out = PGW_TIMESTAMP_INFINITY;
        return PGW_OK;
    }
    if (is_literal(p, len, "-infinity")) {
        *out = PGW_TIMESTAMP_NEG_INFINITY;
        return PGW_OK;
    }
    dt_fields f;
    size_t i = 0;
    bool huge = false;
    f.tz_sec = 0;
    if (!parse_date(p, len, &i, &f, &huge) || !parse_time(p, len, &i, &f))
        return PGW_E_INVALID;
    if (f.hour > 23 || f.minute > 59 || f.second > 59 || !parse_fraction(p, len, &i, &f.usec))
        return PGW_E_INVALID;
    if (with_zone && !parse_zone(p, len, &i, &f))
        return PGW_E_INVALID;
    if (!parse_era(p, len, i, &f) || !day_exists(f.year, f.month, f.day))
        return PGW_E_INVALID;
    if (huge)
        return PGW_E_RANGE;
    int64_t sec = days_from_civil(f.year, f.month, f.day) * SECS_PER_DAY +
                  (int64_t)(f.hour * 3600 + f.minute * 60 + f.second) - f.tz_sec;
    int64_t v;
    /* INT64_MIN and INT64_MAX mean -infinity and infinity: a finite value
     * that lands on one of them cannot be told apart, so it is out of range. */
    if (!to_usec(sec, f.usec, &v) || v == INT64_MIN || v == INT64_MAX)
        return PGW_E_RANGE;
    *out = v;
    return PGW_OK;
}

pgw_status pgw_decode_timestamptz_text(const char *p, size_t len, int64_t *usec_since_unix_epoch)
{
    if (p == NULL)
        return PGW_E_INVALID;
    if (fast_timestamp(p, len, true, usec_since_unix_epoch))
        return PGW_OK;
    return decode_timestamp_general(p, len, true, usec_since_unix_epoch);
}

pgw_status pgw_decode_timestamp_text(const char *p, size_t len, int64_t *usec_since_unix_epoch)
{
    if (p == NULL)
        return PGW_E_INVALID;
    if (fast_timestamp(p, len, false, usec_since_unix_epoch))
        return PGW_OK;
    return decode_timestamp_general(p, len, false, usec_since_unix_epoch);
}

pgw_status pgw_decode_date_text(const char *p, size_t len, int32_t *days_since_unix_epoch)
{
    if (p == NULL)
        return PGW_E_INVALID;
    if (is_literal(p, len, "infinity")) {
        *days_since_unix_epoch = PGW_DATE_INFINITY;
        return PGW_OK;
    }
    if (is_literal(p, len, "-infinity")) {
        *days_since_unix_epoch = PGW_DATE_NEG_INFINITY;
        return PGW_OK;
    }
    dt_fields f;
    size_t i = 0;
    bool huge = false;
    if (!parse_date(p, len, &i, &f, &huge) || !parse_era(p, len, i, &f) ||
        !day_exists(f.year, f.month, f.day))
        return PGW_E_INVALID;
    if (huge)
        return PGW_E_RANGE;
    int64_t d = days_from_civil(f.year, f.month, f.day);
    if (d <= INT32_MIN || d >= INT32_MAX)
        return PGW_E_RANGE;
    *days_since_unix_epoch = (int32_t)d;
    return PGW_OK;
}

/* "HH:MM:SS[.ffffff]" as time_out prints it; 24:00:00 is a valid time. */
static bool parse_clock(const char *p, size_t len, size_t *i, int64_t *usec)
{
    unsigned h, m, s;
    if (len < 8 || p[2] != ':' || p[5] != ':' || !two_digits(p, 0, &h) || !two_digits(p, 3, &m) ||
        !two_digits(p, 6, &s))
        return false;
    size_t j = 8;
    int64_t f;
    if (!parse_fraction(p, len, &j, &f))
        return false;
    if (h > 24 || m > 59 || s > 59 || (h == 24 && (m || s || f)))
        return false;
    *usec = ((int64_t)h * 3600 + m * 60 + s) * USECS_PER_SEC + f;
    *i = j;
    return true;
}

pgw_status pgw_decode_time_text(const char *p, size_t len, int64_t *usec)
{
    size_t i;
    int64_t v;
    if (p == NULL || usec == NULL || !parse_clock(p, len, &i, &v) || i != len)
        return PGW_E_INVALID;
    *usec = v;
    return PGW_OK;
}

pgw_status pgw_decode_timetz_text(const char *p, size_t len, pgw_timetz *out)
{
    size_t i;
    int64_t v;
    dt_fields f;
    if (p == NULL || out == NULL || !parse_clock(p, len, &i, &v) || !parse_zone(p, len, &i, &f) ||
        i != len)
        return PGW_E_INVALID;
    out->usec = v;
    out->utc_offset = (int32_t)f.tz_sec;
    return PGW_OK;
}
