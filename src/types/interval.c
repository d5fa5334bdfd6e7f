/* interval: binary codec, text output in the four IntervalStyles (the
 * server's EncodeInterval), and a decoder for the server's postgres,
 * postgres_verbose and iso_8601 output.
 *
 * The server splits the microseconds into hours, minutes, seconds and a
 * fraction by truncating division, so every part carries the sign of the
 * whole; months split into years and months the same way. The styles'
 * sign rules below (a "+" after a negative field, "ago", the SQL form's
 * single leading sign) all follow from that. */
#include "common/common_int.h"
#include "types/datetime_int.h"
#include "types/types_int.h"

#define USECS_PER_HOUR INT64_C(3600000000)
#define USECS_PER_MINUTE INT64_C(60000000)

/* PostgreSQL 17's infinities: every field at its extreme. */
static int infinite(const pgw_interval *v)
{
    if (v->months == INT32_MAX && v->days == INT32_MAX && v->usec == INT64_MAX)
        return 1;
    if (v->months == INT32_MIN && v->days == INT32_MIN && v->usec == INT64_MIN)
        return -1;
    return 0;
}

pgw_status pgw_decode_interval_bin(const uint8_t *p, size_t len, pgw_interval *out)
{
    if (!p || len != 16 || !out)
        return PGW_E_INVALID;
    uint64_t hi = pgwi_load_u32(p), lo = pgwi_load_u32(p + 4);
    out->usec = (int64_t)(hi << 32 | lo);
    out->days = (int32_t)pgwi_load_u32(p + 8);
    out->months = (int32_t)pgwi_load_u32(p + 12);
    return PGW_OK;
}

pgw_status pgw_encode_interval_bin(pgw_buf *out, pgw_interval v)
{
    if (!out)
        return PGW_E_INVALID;
    uint8_t b[16];
    pgwi_store_u32(b, (uint32_t)((uint64_t)v.usec >> 32));
    pgwi_store_u32(b + 4, (uint32_t)(uint64_t)v.usec);
    pgwi_store_u32(b + 8, (uint32_t)v.days);
    pgwi_store_u32(b + 12, (uint32_t)v.months);
    return pgw_buf_append(out, b, 16);
}

/* ---- output ------------------------------------------------------------------ */

typedef struct parts {
    int64_t year, mon, mday, hour, min, sec, fsec;
} parts;

static uint64_t iv_uabs(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* Signed decimal. */
static char *iv_put_int(char *cp, int64_t v)
{
    if (v < 0)
        *cp++ = '-';
    return pgwi_put_uint(cp, iv_uabs(v), 1);
}

static char *iv_put_str(char *cp, const char *s)
{
    size_t n = strlen(s);
    memcpy(cp, s, n);
    return cp + n;
}

/* The postgres style's "N unit[s]": each nonzero field after a negative
 * one gets an explicit "+" when positive. */
static char *pg_part(char *cp, int64_t v, const char *unit, bool *is_zero, bool *is_before)
{
    if (v == 0)
        return cp;
    if (!*is_zero)
        *cp++ = ' ';
    if (*is_before && v > 0)
        *cp++ = '+';
    cp = iv_put_int(cp, v);
    *cp++ = ' ';
    cp = iv_put_str(cp, unit);
    if (v != 1)
        *cp++ = 's';
    *is_before = v < 0;
    *is_zero = false;
    return cp;
}

/* The verbose style's " N unit[s]": the first nonzero field decides the
 * direction ("ago"), the others are printed relative to it. */
static char *verbose_part(char *cp, int64_t v, const char *unit, bool *is_zero,
                          bool *is_before)
{
    if (v == 0)
        return cp;
    if (*is_zero) {
        *is_before = v < 0;
        if (v < 0)
            v = -v; /* an int32 field or hours: never INT64_MIN */
    } else if (*is_before) {
        v = -v;
    }
    *cp++ = ' ';
    cp = iv_put_int(cp, v);
    *cp++ = ' ';
    cp = iv_put_str(cp, unit);
    if (v != 1)
        *cp++ = 's';
    *is_zero = false;
    return cp;
}

static char *iso_part(char *cp, int64_t v, char unit)
{
    if (v == 0)
        return cp;
    cp = iv_put_int(cp, v);
    *cp++ = unit;
    return cp;
}

static char *put_hms(char *cp, const parts *t)
{
    cp = pgwi_put_uint(cp, iv_uabs(t->hour), 1);
    *cp++ = ':';
    cp = pgwi_put_uint(cp, iv_uabs(t->min), 2);
    *cp++ = ':';
    return pgwi_put_seconds(cp, t->sec, t->fsec, true);
}

static char *fmt_sql(char *cp, parts t)
{
    bool neg = t.year < 0 || t.mon < 0 || t.mday < 0 || t.hour < 0 || t.min < 0 || t.sec < 0 ||
               t.fsec < 0;
    bool pos = t.year > 0 || t.mon > 0 || t.mday > 0 || t.hour > 0 || t.min > 0 || t.sec > 0 ||
               t.fsec > 0;
    bool has_ym = t.year != 0 || t.mon != 0;
    bool has_dt = t.mday != 0 || t.hour != 0 || t.min != 0 || t.sec != 0 || t.fsec != 0;
    bool standard = !(neg && pos) && !(has_ym && has_dt);
    if (neg && standard) {
        *cp++ = '-';
        t.year = -t.year, t.mon = -t.mon, t.mday = -t.mday, t.hour = -t.hour;
        t.min = -t.min, t.sec = -t.sec, t.fsec = -t.fsec;
    }
    if (!neg && !pos) {
        *cp++ = '0';
    } else if (!standard) {
        /* Mixed signs or both kinds of field: every group gets a sign. */
        *cp++ = (t.year < 0 || t.mon < 0) ? '-' : '+';
        cp = pgwi_put_uint(cp, iv_uabs(t.year), 1);
        *cp++ = '-';
        cp = pgwi_put_uint(cp, iv_uabs(t.mon), 1);
        *cp++ = ' ';
        *cp++ = t.mday < 0 ? '-' : '+';
        cp = pgwi_put_uint(cp, iv_uabs(t.mday), 1);
        *cp++ = ' ';
        *cp++ = (t.hour < 0 || t.min < 0 || t.sec < 0 || t.fsec < 0) ? '-' : '+';
        cp = put_hms(cp, &t);
    } else if (has_ym) {
        cp = iv_put_int(cp, t.year);
        *cp++ = '-';
        cp = iv_put_int(cp, t.mon);
    } else {
        if (t.mday != 0) {
            cp = iv_put_int(cp, t.mday);
            *cp++ = ' ';
        }
        /* After the sign was taken out, the hour is printed as is. */
        cp = iv_put_int(cp, t.hour);
        *cp++ = ':';
        cp = pgwi_put_uint(cp, iv_uabs(t.min), 2);
        *cp++ = ':';
        cp = pgwi_put_seconds(cp, t.sec, t.fsec, true);
    }
    return cp;
}

static char *fmt_iso(char *cp, const parts *t)
{
    if (!t->year && !t->mon && !t->mday && !t->hour && !t->min && !t->sec && !t->fsec)
        return iv_put_str(cp, "PT0S");
    *cp++ = 'P';
    cp = iso_part(cp, t->year, 'Y');
    cp = iso_part(cp, t->mon, 'M');
    cp = iso_part(cp, t->mday, 'D');
    if (t->hour || t->min || t->sec || t->fsec)
        *cp++ = 'T';
    cp = iso_part(cp, t->hour, 'H');
    cp = iso_part(cp, t->min, 'M');
    if (t->sec || t->fsec) {
        if (t->sec < 0 || t->fsec < 0)
            *cp++ = '-';
        cp = pgwi_put_seconds(cp, t->sec, t->fsec, false);
        *cp++ = 'S';
    }
    return cp;
}

static char *fmt_postgres(char *cp, const parts *t)
{
    bool is_zero = true, is_before = false;
    cp = pg_part(cp, t->year, "year", &is_zero, &is_before);
    cp = pg_part(cp, t->mon, "mon", &is_zero, &is_before);
    cp = pg_part(cp, t->mday, "day", &is_zero, &is_before);
    if (is_zero || t->hour || t->min || t->sec || t->fsec) {
        bool minus = t->hour < 0 || t->min < 0 || t->sec < 0 || t->fsec < 0;
        if (!is_zero)
            *cp++ = ' ';
        if (minus)
            *cp++ = '-';
        else if (is_before)
            *cp++ = '+';
        cp = pgwi_put_uint(cp, iv_uabs(t->hour), 2);
        *cp++ = ':';
        cp = pgwi_put_uint(cp, iv_uabs(t->min), 2);
        *cp++ = ':';
        cp = pgwi_put_seconds(cp, t->sec, t->fsec, true);
    }
    return cp;
}

static char *fmt_verbose(char *cp, const parts *t)
{
    bool is_zero = true, is_before = false;
    *cp++ = '@';
    cp = verbose_part(cp, t->year, "year", &is_zero, &is_before);
    cp = verbose_part(cp, t->mon, "mon", &is_zero, &is_before);
    cp = verbose_part(cp, t->mday, "day", &is_zero, &is_before);
    cp = verbose_part(cp, t->hour, "hour", &is_zero, &is_before);
    cp = verbose_part(cp, t->min, "min", &is_zero, &is_before);
    if (t->sec || t->fsec) {
        *cp++ = ' ';
        if (t->sec < 0 || (t->sec == 0 && t->fsec < 0)) {
            if (is_zero)
                is_before = true;
            else if (!is_before)
                *cp++ = '-';
        } else if (is_before) {
            *cp++ = '-';
        }
        cp = pgwi_put_seconds(cp, t->sec, t->fsec, false);
        cp = iv_put_str(cp, " sec");
        if (iv_uabs(t->sec) != 1 || t->fsec != 0)
            *cp++ = 's';
        is_zero = false;
    }
    if (is_zero)
        cp = iv_put_str(cp, " 0");
    if (is_before)
        cp = iv_put_str(cp, " ago");
    return cp;
}

pgw_status pgwi_fmt_interval(pgw_buf *out, const pgw_interval *v, pgw_intervalstyle style)
{
    int inf = infinite(v);
    if (inf > 0)
        return pgw_buf_append(out, "infinity", 8);
    if (inf < 0)
        return pgw_buf_append(out, "-infinity", 9);
    parts t;
    t.year = v->months / 12;
    t.mon = v->months % 12;
    t.mday = v->days;
    int64_t time = v->usec;
    t.hour = time / USECS_PER_HOUR;
    time -= t.hour * USECS_PER_HOUR;
    t.min = time / USECS_PER_MINUTE;
    time -= t.min * USECS_PER_MINUTE;
    t.sec = time / PGWI_USECS_PER_SEC;
    t.fsec = time - t.sec * PGWI_USECS_PER_SEC;
    char tmp[192], *cp;
    switch (style) {
    case PGW_INTERVALSTYLE_SQL_STANDARD:
        cp = fmt_sql(tmp, t);
        break;
    case PGW_INTERVALSTYLE_ISO_8601:
        cp = fmt_iso(tmp, &t);
        break;
    case PGW_INTERVALSTYLE_POSTGRES:
        cp = fmt_postgres(tmp, &t);
        break;
    case PGW_INTERVALSTYLE_POSTGRES_VERBOSE:
    default:
        cp = fmt_verbose(tmp, &t);
        break;
    }
    return pgw_buf_append(out, tmp, (size_t)(cp - tmp));
}

pgw_status pgw_encode_interval_text(pgw_buf *out, pgw_interval v, const pgw_render_ctx *ctx)
{
    if (!out)
        return PGW_E_INVALID;
    return pgwi_fmt_interval(out, &v, ctx ? ctx->intervalstyle : PGW_INTERVALSTYLE_POSTGRES);
}

/* ---- input ------------------------------------------------------------------- */

typedef struct acc {
    int64_t months, days, usec;
} acc;

typedef struct cursor {
    const char *p;
    size_t len, i;
} cursor;

static bool at_end(const cursor *c)
{
    return c->i >= c->len;
}

static bool peek(const cursor *c, char ch)
{
    return c->i < c->len && c->p[c->i] == ch;
}

static bool iv_is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Unsigned digits, saturating well above any field's range. */
static bool digits(cursor *c, int64_t *v)
{
    size_t start = c->i;
    int64_t x = 0;
    while (c->i < c->len && iv_is_digit(c->p[c->i])) {
        if (x < INT64_C(100000000000000000))
            x = x * 10 + (c->p[c->i] - '0');
        else
            x = INT64_MAX;
        c->i++;
    }
    *v = x;
    return c->i > start;
}

/* ".ffffff" (one to six digits) as microseconds; nothing if no dot. */
static bool fraction(cursor *c, int64_t *usec)
{
    *usec = 0;
    if (!peek(c, '.'))
        return true;
    c->i++;
    size_t start = c->i;
    int64_t v = 0, scale = 100000;
    while (c->i < c->len && iv_is_digit(c->p[c->i]) && c->i - start < 6) {
        v += (c->p[c->i] - '0') * scale;
        scale /= 10;
        c->i++;
    }
    *usec = v;
    return c->i > start && !(c->i < c->len && iv_is_digit(c->p[c->i]));
}

static bool add_checked(int64_t *a, int64_t b)
{
    if ((b > 0 && *a > INT64_MAX - b) || (b < 0 && *a < INT64_MIN - b))
        return false;
    *a += b;
    return true;
}

static bool mul_add(int64_t *a, int64_t v, int64_t scale)
{
    if (v != 0 && (v > INT64_MAX / scale || v < INT64_MIN / scale))
        return false;
    return add_checked(a, v * scale);
}

static bool word(cursor *c, const char *w)
{
    size_t n = strlen(w);
    if (c->len - c->i < n || memcmp(c->p + c->i, w, n) != 0)
        return false;
    c->i += n;
    return true;
}

/* "[+-]H:MM:SS[.f]" of the postgres form; the sign covers all of it, and
 * is applied while accumulating so that the most negative interval
 * (-2562047788:00:54.775808) reads back. */
static pgw_status hms(cursor *c, int64_t sign, acc *a)
{
    int64_t h, m, s, f;
    if (!digits(c, &h) || !peek(c, ':'))
        return PGW_E_INVALID;
    size_t mstart = ++c->i;
    if (!digits(c, &m) || c->i - mstart != 2 || m > 59 || !peek(c, ':'))
        return PGW_E_INVALID;
    size_t sstart = ++c->i;
    if (!digits(c, &s) || c->i - sstart != 2 || s > 59 || !fraction(c, &f))
        return PGW_E_INVALID;
    if (!mul_add(&a->usec, sign * h, INT64_C(3600000000)) ||
        !add_checked(&a->usec, sign * (m * 60000000 + s * 1000000 + f)))
        return PGW_E_RANGE;
    return PGW_OK;
}

/* A unit name after "N ": the singular or its plural. */
static int unit(cursor *c)
{
    static const char *const names[] = {"year", "mon", "day", "hour", "min", "sec"};
    for (int k = 0; k < 6; k++) {
        if (word(c, names[k])) {
            (void)word(c, "s");
            return k;
        }
    }
    return -1;
}

static pgw_status add_unit(acc *a, int k, int64_t v, int64_t frac_usec)
{
    bool ok;
    switch (k) {
    case 0:
        ok = mul_add(&a->months, v, 12);
        break;
    case 1:
        ok = add_checked(&a->months, v);
        break;
    case 2:
        ok = add_checked(&a->days, v);
        break;
    case 3:
        ok = mul_add(&a->usec, v, INT64_C(3600000000));
        break;
    case 4:
        ok = mul_add(&a->usec, v, 60000000);
        break;
    default:
        ok = mul_add(&a->usec, v, 1000000) && add_checked(&a->usec, frac_usec);
        break;
    }
    return ok ? PGW_OK : PGW_E_RANGE;
}

/* "1 year 2 mons -3 days +04:05:06" and "@ 1 year 2 mons 3 secs ago". */
static pgw_status parse_postgres(cursor *c, acc *a, bool verbose)
{
    bool first = true;
    while (!at_end(c)) {
        if (!first && !word(c, " "))
            return PGW_E_INVALID;
        if (verbose && word(c, "ago")) {
            if (!at_end(c) || first)
                return PGW_E_INVALID;
            if (a->usec == INT64_MIN || a->months == INT64_MIN || a->days == INT64_MIN)
                return PGW_E_RANGE;
            a->months = -a->months, a->days = -a->days, a->usec = -a->usec;
            return PGW_OK;
        }
        first = false;
        int64_t sign = 1, v, f = 0;
        if (peek(c, '-') || peek(c, '+'))
            sign = c->p[c->i++] == '-' ? -1 : 1;
        size_t start = c->i;
        if (!digits(c, &v))
            return PGW_E_INVALID;
        if (!verbose && peek(c, ':')) {
            c->i = start;
            pgw_status rc = hms(c, sign, a);
            if (rc != PGW_OK)
                return rc;
            continue;
        }
        if (verbose && !fraction(c, &f))
            return PGW_E_INVALID;
        if (!word(c, " "))
            return PGW_E_INVALID;
        int k = unit(c);
        if (k < 0 || (f != 0 && k != 5))
            return PGW_E_INVALID;
        pgw_status rc = add_unit(a, k, sign * v, sign * f);
        if (rc != PGW_OK)
            return rc;
    }
    return first ? PGW_E_INVALID : PGW_OK;
}

/* "P1Y2M3DT4H5M6.5S", "PT0S". */
static pgw_status parse_iso(cursor *c, acc *a)
{
    bool in_time = false, any = false;
    c->i++; /* 'P' */
    while (!at_end(c)) {
        if (!in_time && peek(c, 'T')) {
            in_time = true;
            c->i++;
            continue;
        }
        int64_t sign = 1, v, f = 0;
        if (peek(c, '-'))
            sign = -1, c->i++;
        if (!digits(c, &v))
            return PGW_E_INVALID;
        if (in_time && !fraction(c, &f))
            return PGW_E_INVALID;
        if (at_end(c))
            return PGW_E_INVALID;
        char u = c->p[c->i++];
        int k;
        if (!in_time)
            k = u == 'Y' ? 0 : u == 'M' ? 1 : u == 'D' ? 2 : -1;
        else
            k = u == 'H' ? 3 : u == 'M' ? 4 : u == 'S' ? 5 : -1;
        if (k < 0 || (f != 0 && k != 5))
            return PGW_E_INVALID;
        pgw_status rc = add_unit(a, k, sign * v, sign * f);
        if (rc != PGW_OK)
            return rc;
        any = true;
    }
    return any ? PGW_OK : PGW_E_INVALID;
}

pgw_status pgw_decode_interval_text(const char *p, size_t len, pgw_interval *out)
{
    if (!p || !out)
        return PGW_E_INVALID;
    if (len == 8 && memcmp(p, "infinity", 8) == 0) {
        out->months = INT32_MAX, out->days = INT32_MAX, out->usec = INT64_MAX;
        return PGW_OK;
    }
    if (len == 9 && memcmp(p, "-infinity", 9) == 0) {
        out->months = INT32_MIN, out->days = INT32_MIN, out->usec = INT64_MIN;
        return PGW_OK;
    }
    cursor c = {p, len, 0};
    acc a = {0, 0, 0};
    pgw_status rc;
    if (len > 0 && p[0] == 'P') {
        rc = parse_iso(&c, &a);
    } else if (len == 3 && memcmp(p, "@ 0", 3) == 0) {
        rc = PGW_OK; /* the verbose style's zero */
    } else if (len > 1 && p[0] == '@' && p[1] == ' ') {
        c.i = 2;
        rc = parse_postgres(&c, &a, true);
    } else {
        rc = parse_postgres(&c, &a, false);
    }
    if (rc != PGW_OK)
        return rc;
    if (a.months > INT32_MAX || a.months < INT32_MIN || a.days > INT32_MAX || a.days < INT32_MIN)
        return PGW_E_RANGE;
    out->months = (int32_t)a.months;
    out->days = (int32_t)a.days;
    out->usec = a.usec;
    return PGW_OK;
}
