/* Time-zone rules: a TZif parser (RFC 8536), a POSIX TZ string parser, and
 * the lookup of a zone's offset and abbreviation at an instant.
 *
 * Pure: the bytes come from the caller (src/io/zoneinfo.c reads the
 * files). The rules are one allocation through the caller's allocator.
 *
 * Semantics match the server's tz code: before the first transition the
 * zone is in time type 0; after the last one the footer's POSIX rule
 * decides (the server extends the table with the same rule, repeating it
 * every 400 years, which is what evaluating the rule for the instant's own
 * year gives). */
#include "common/common_int.h"
#include "types/datetime_int.h"

/* Limits against hostile files; real zones stay far below (fat TZif files
 * hold a few hundred transitions and a dozen types). */
#define MAX_TRANSITIONS 65535u
#define MAX_TYPES 256u
#define MAX_CHARS 4096u
#define MAX_ABBR (PGW_TZ_ABBR_SIZE - 1)
/* POSIX offsets are under 25 hours; rule times (RFC 8536 extension) under
 * 168. */
#define MAX_OFFSET_HOURS 24
#define MAX_RULE_HOURS 167

typedef struct tz_type {
    int32_t off; /* east of UTC */
    bool isdst;
    char abbr[PGW_TZ_ABBR_SIZE];
} tz_type;

/* One end of a DST period: a day in the year and a local time of day. */
typedef struct rule_date {
    char kind; /* 'J' Julian 1..365 without Feb 29, 'D' zero-based day, 'M' month.week.day */
    int32_t n, m, w, d;
    int32_t secs;
} rule_date;

typedef struct posix_rule {
    tz_type std, dst;
    bool has_dst;
    rule_date start, end;
} posix_rule;

struct pgw_tz {
    const pgw_allocator *a;
    size_t size;
    uint32_t ntrans, ntypes;
    const int64_t *trans;  /* ascending */
    const uint8_t *idx;    /* type of each transition */
    const tz_type *types;
    bool has_rule;
    posix_rule rule;
};

/* ---- POSIX TZ strings -------------------------------------------------------- */

typedef struct scan {
    const char *p;
    size_t len, i;
} scan;

static bool sc_peek(const scan *s, char c)
{
    return s->i < s->len && s->p[s->i] == c;
}

static bool sc_digit(const scan *s)
{
    return s->i < s->len && s->p[s->i] >= '0' && s->p[s->i] <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_alnum_sign(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == ':';
}

/* "EST" or "<+0545>": three or more characters. The server also takes
 * a bare offset ("-11:30", from SET TIME ZONE '-11:30') as a zone with an
 * empty name, so `allow_empty` lets the standard name be missing. */
static bool parse_name(scan *s, char *abbr, bool allow_empty)
{
    size_t start, n;
    bool quoted = sc_peek(s, '<');
    if (quoted) {
        start = ++s->i;
        while (s->i < s->len && is_alnum_sign(s->p[s->i]))
            s->i++;
        n = s->i - start;
        if (!sc_peek(s, '>'))
            return false;
        s->i++;
    } else {
        start = s->i;
        while (s->i < s->len && is_alpha(s->p[s->i]))
            s->i++;
        n = s->i - start;
    }
    if ((n < 3 && !(n == 0 && allow_empty && !quoted)) || n > MAX_ABBR)
        return false;
    memcpy(abbr, s->p + start, n);
    abbr[n] = '\0';
    return true;
}

static bool parse_num(scan *s, int32_t max, int32_t *out)
{
    int32_t v = 0;
    if (!sc_digit(s))
        return false;
    while (sc_digit(s)) {
        v = v * 10 + (s->p[s->i++] - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

/* "[+-]hh[:mm[:ss]]" in seconds. */
static bool parse_hms(scan *s, int32_t max_hours, int32_t *out)
{
    int32_t sign = 1, h, m = 0, sec = 0;
    if (sc_peek(s, '+') || sc_peek(s, '-'))
        sign = s->p[s->i++] == '-' ? -1 : 1;
    if (!parse_num(s, max_hours, &h))
        return false;
    if (sc_peek(s, ':')) {
        s->i++;
        if (!parse_num(s, 59, &m))
            return false;
        if (sc_peek(s, ':')) {
            s->i++;
            if (!parse_num(s, 59, &sec))
                return false;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return true;
}

static bool parse_rule_date(scan *s, rule_date *r)
{
    r->n = r->m = r->w = r->d = 0;
    if (sc_peek(s, 'J')) {
        s->i++;
        r->kind = 'J';
        if (!parse_num(s, 365, &r->n) || r->n < 1)
            return false;
    } else if (sc_peek(s, 'M')) {
        s->i++;
        r->kind = 'M';
        if (!parse_num(s, 12, &r->m) || r->m < 1 || !sc_peek(s, '.'))
            return false;
        s->i++;
        if (!parse_num(s, 5, &r->w) || r->w < 1 || !sc_peek(s, '.'))
            return false;
        s->i++;
        if (!parse_num(s, 6, &r->d))
            return false;
    } else {
        r->kind = 'D';
        if (!parse_num(s, 365, &r->n))
            return false;
    }
    r->secs = 7200; /* the default transition time, 02:00 */
    if (sc_peek(s, '/')) {
        s->i++;
        if (!parse_hms(s, MAX_RULE_HOURS, &r->secs))
            return false;
    }
    return true;
}

static bool parse_posix(const char *p, size_t len, posix_rule *r)
{
    scan s = {p, len, 0};
    int32_t off;
    memset(r, 0, sizeof *r);
    if (!parse_name(&s, r->std.abbr, true) || !parse_hms(&s, MAX_OFFSET_HOURS, &off))
        return false;
    r->std.off = -off; /* POSIX counts west */
    if (s.i == len)
        return true;
    if (!parse_name(&s, r->dst.abbr, false))
        return false;
    r->has_dst = true;
    r->dst.isdst = true;
    r->dst.off = r->std.off + 3600;
    if (s.i < len && !sc_peek(&s, ',')) {
        if (!parse_hms(&s, MAX_OFFSET_HOURS, &off))
            return false;
        r->dst.off = -off;
    }
    if (s.i == len) {
        /* No rule: the server's tz code falls back to the US rule. */
        scan d = {",M3.2.0,M11.1.0", 15, 0};
        s = d;
    }
    if (!sc_peek(&s, ','))
        return false;
    s.i++;
    if (!parse_rule_date(&s, &r->start) || !sc_peek(&s, ','))
        return false;
    s.i++;
    return parse_rule_date(&s, &r->end) && s.i == s.len;
}

static bool leap(int64_t y)
{
    return pgwi_day_exists(y, 2, 29);
}

/* Days since 1970 of the rule's date in year y. */
static int64_t rule_day(const rule_date *r, int64_t y)
{
    int64_t jan1 = pgwi_days_from_civil(y, 1, 1);
    if (r->kind == 'J')
        return jan1 + r->n - 1 + (leap(y) && r->n >= 60 ? 1 : 0);
    if (r->kind == 'D')
        return jan1 + r->n;
    static const int8_t mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = pgwi_days_from_civil(y, r->m, 1);
    int64_t wday = pgwi_floormod(first + 4, 7); /* 1970-01-01 was a Thursday */
    int64_t day = (r->d - wday + 7) % 7 + (int64_t)(r->w - 1) * 7;
    int64_t mlen = mdays[r->m] + (r->m == 2 && leap(y) ? 1 : 0);
    while (day >= mlen)
        day -= 7;
    return first + day;
}

static const tz_type *rule_eval(const posix_rule *r, int64_t t)
{
    if (!r->has_dst)
        return &r->std;
    /* The year of the instant in standard time. The calendar works for
     * |year| < 10^8: clamp far instants (~95 million years) first, which
     * changes nothing but the year the rule is evaluated in. */
    const int64_t lim = INT64_C(3000000000000000);
    if (t > lim)
        t = lim;
    if (t < -lim)
        t = -lim;
    int64_t local = t + r->std.off;
    int64_t y;
    int32_t m, d;
    pgwi_civil_from_days(pgwi_floordiv(local, PGWI_SECS_PER_DAY), &y, &m, &d);
    int64_t start = rule_day(&r->start, y) * PGWI_SECS_PER_DAY + r->start.secs - r->std.off;
    int64_t end = rule_day(&r->end, y) * PGWI_SECS_PER_DAY + r->end.secs - r->dst.off;
    bool dst;
    if (start < end)
        dst = t >= start && t < end;
    else
        dst = !(t >= end && t < start); /* southern hemisphere */
    return dst ? &r->dst : &r->std;
}

static pgw_status new_tz(const pgw_allocator *a, uint32_t ntrans, uint32_t ntypes, pgw_tz **out)
{
    size_t size = sizeof(pgw_tz) + (size_t)ntrans * (sizeof(int64_t) + 1) +
                  (size_t)ntypes * sizeof(tz_type);
    /* The arrays follow the struct: int64s first (the struct's size is a
     * multiple of 8), then the types (4-aligned), then the bytes. */
    pgw_tz *tz = pgwi_alloc(a, size);
    if (!tz)
        return PGW_E_NOMEM;
    memset(tz, 0, size);
    tz->a = a;
    tz->size = size;
    tz->ntrans = ntrans;
    tz->ntypes = ntypes;
    uint8_t *base = (uint8_t *)(tz + 1);
    tz->trans = (const int64_t *)(void *)base;
    tz->types = (const tz_type *)(void *)(base + (size_t)ntrans * sizeof(int64_t));
    tz->idx = base + (size_t)ntrans * sizeof(int64_t) + (size_t)ntypes * sizeof(tz_type);
    *out = tz;
    return PGW_OK;
}

pgw_status pgw_tz_parse_posix(const char *s, size_t len, const pgw_allocator *a, pgw_tz **out)
{
    if (!s || !out)
        return PGW_E_INVALID;
    posix_rule r;
    if (!parse_posix(s, len, &r))
        return PGW_E_INVALID;
    pgw_tz *tz;
    pgw_status rc = new_tz(a, 0, 0, &tz);
    if (rc != PGW_OK)
        return rc;
    tz->has_rule = true;
    tz->rule = r;
    *out = tz;
    return PGW_OK;
}

void pgw_tz_free(pgw_tz *tz)
{
    if (tz)
        pgwi_free(tz->a, tz, tz->size);
}

/* ---- TZif ------------------------------------------------------------------ */

typedef struct tzif_hdr {
    char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_hdr;

#define TZIF_HDR_LEN 44u

static bool read_hdr(const uint8_t *p, size_t len, tzif_hdr *h)
{
    if (len < TZIF_HDR_LEN || memcmp(p, "TZif", 4) != 0)
        return false;
    h->version = (char)p[4];
    if (h->version != 0 && (h->version < '2' || h->version > '4'))
        return false;
    h->isutcnt = pgwi_load_u32(p + 20);
    h->isstdcnt = pgwi_load_u32(p + 24);
    h->leapcnt = pgwi_load_u32(p + 28);
    h->timecnt = pgwi_load_u32(p + 32);
    h->typecnt = pgwi_load_u32(p + 36);
    h->charcnt = pgwi_load_u32(p + 40);
    return true;
}

/* Bytes of the data block after a header; false when the counts are
 * inconsistent or beyond the limits (*too_large then says which). */
static bool block_size(const tzif_hdr *h, size_t tsize, size_t *out, bool *too_large)
{
    if (h->timecnt > MAX_TRANSITIONS || h->typecnt > MAX_TYPES || h->charcnt > MAX_CHARS ||
        h->leapcnt > MAX_TRANSITIONS) {
        *too_large = true;
        return false;
    }
    if (h->typecnt == 0 || h->charcnt == 0 || (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt))
        return false;
    /* Every count is bounded above, so none of this can wrap. */
    *out = (size_t)h->timecnt * (tsize + 1) + (size_t)h->typecnt * 6 + h->charcnt +
           (size_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;
    return true;
}

static int64_t tz_load_i64(const uint8_t *p)
{
    uint64_t hi = pgwi_load_u32(p), lo = pgwi_load_u32(p + 4);
    return (int64_t)(hi << 32 | lo);
}

/* Fill tz's arrays from a data block (tsize = 4 or 8 bytes per time). */
static pgw_status read_block(const uint8_t *p, const tzif_hdr *h, size_t tsize, pgw_tz *tz)
{
    int64_t *trans = (int64_t *)(void *)(tz + 1);
    tz_type *types = (tz_type *)(void *)((uint8_t *)trans + (size_t)h->timecnt * sizeof(int64_t));
    uint8_t *idx = (uint8_t *)types + (size_t)h->typecnt * sizeof(tz_type);
    const uint8_t *q = p;
    for (uint32_t i = 0; i < h->timecnt; i++, q += tsize) {
        trans[i] = tsize == 8 ? tz_load_i64(q) : (int64_t)(int32_t)pgwi_load_u32(q);
        if (i > 0 && trans[i] <= trans[i - 1])
            return PGW_E_INVALID;
    }
    for (uint32_t i = 0; i < h->timecnt; i++, q++) {
        if (*q >= h->typecnt)
            return PGW_E_INVALID;
        idx[i] = *q;
    }
    const uint8_t *chars = q + (size_t)h->typecnt * 6;
    for (uint32_t i = 0; i < h->typecnt; i++, q += 6) {
        int32_t off = (int32_t)pgwi_load_u32(q);
        uint8_t isdst = q[4], ai = q[5];
        /* RFC 8536: -2^31 is invalid; anything over a day is nonsense the
         * calendar arithmetic need not carry. */
        if (off <= -PGWI_SECS_PER_DAY || off >= PGWI_SECS_PER_DAY || isdst > 1 ||
            ai >= h->charcnt)
            return PGW_E_INVALID;
        const uint8_t *nul = memchr(chars + ai, 0, h->charcnt - ai);
        if (!nul)
            return PGW_E_INVALID;
        size_t n = (size_t)(nul - (chars + ai));
        if (n > MAX_ABBR)
            return PGW_E_TOO_LARGE;
        types[i].off = off;
        types[i].isdst = isdst != 0;
        memcpy(types[i].abbr, chars + ai, n);
        types[i].abbr[n] = '\0';
    }
    /* Leap-second records and the std/wall and UT/local indicators do not
     * change local time (the indicators only matter for POSIX-rule
     * fallbacks that the footer supersedes). */
    return PGW_OK;
}

pgw_status pgw_tz_parse_tzif(const uint8_t *data, size_t len, const pgw_allocator *a,
                             pgw_tz **out)
{
    if (!data || !out)
        return PGW_E_INVALID;
    tzif_hdr h;
    size_t n1, n2;
    bool too_large = false;
    if (!read_hdr(data, len, &h))
        return PGW_E_INVALID;
    if (!block_size(&h, 4, &n1, &too_large))
        return too_large ? PGW_E_TOO_LARGE : PGW_E_INVALID;
    if (len - TZIF_HDR_LEN < n1)
        return PGW_E_INVALID;
    const uint8_t *block = data + TZIF_HDR_LEN;
    size_t tsize = 4;
    posix_rule rule;
    bool has_rule = false;
    if (h.version != 0) {
        /* Version 2+: a second header and a 64-bit block, then the footer. */
        const uint8_t *h2p = block + n1;
        size_t left = len - TZIF_HDR_LEN - n1;
        if (!read_hdr(h2p, left, &h) || h.version == 0)
            return PGW_E_INVALID;
        if (!block_size(&h, 8, &n2, &too_large))
            return too_large ? PGW_E_TOO_LARGE : PGW_E_INVALID;
        if (left - TZIF_HDR_LEN < n2)
            return PGW_E_INVALID;
        block = h2p + TZIF_HDR_LEN;
        tsize = 8;
        const uint8_t *f = block + n2;
        size_t flen = left - TZIF_HDR_LEN - n2;
        if (flen < 2 || f[0] != '\n')
            return PGW_E_INVALID;
        const uint8_t *nl = memchr(f + 1, '\n', flen - 1);
        if (!nl)
            return PGW_E_INVALID;
        size_t rlen = (size_t)(nl - (f + 1));
        if (rlen > 0) {
            if (!parse_posix((const char *)(f + 1), rlen, &rule))
                return PGW_E_INVALID;
            has_rule = true;
        }
    }
    pgw_tz *tz;
    pgw_status rc = new_tz(a, h.timecnt, h.typecnt, &tz);
    if (rc != PGW_OK)
        return rc;
    rc = read_block(block, &h, tsize, tz);
    if (rc != PGW_OK) {
        pgw_tz_free(tz);
        return rc;
    }
    tz->has_rule = has_rule;
    if (has_rule)
        tz->rule = rule;
    *out = tz;
    return PGW_OK;
}

/* ---- lookup ---------------------------------------------------------------- */

static const tz_type utc_type = {0, false, "UTC"};

pgw_status pgw_tz_lookup(const pgw_tz *tz, int64_t unix_sec, pgw_tz_info *out)
{
    if (!out)
        return PGW_E_INVALID;
    const tz_type *t = &utc_type;
    if (tz) {
        if (tz->ntrans == 0 || unix_sec >= tz->trans[tz->ntrans - 1]) {
            if (tz->has_rule)
                t = rule_eval(&tz->rule, unix_sec);
            else if (tz->ntrans)
                t = &tz->types[tz->idx[tz->ntrans - 1]];
            else if (tz->ntypes)
                t = &tz->types[0];
        } else if (unix_sec < tz->trans[0]) {
            t = &tz->types[0];
        } else {
            /* the last transition at or before the instant */
            uint32_t lo = 0, hi = tz->ntrans - 1;
            while (hi - lo > 1) {
                uint32_t mid = lo + (hi - lo) / 2;
                if (tz->trans[mid] <= unix_sec)
                    lo = mid;
                else
                    hi = mid;
            }
            t = &tz->types[tz->idx[lo]];
        }
    }
    out->utc_offset = t->off;
    out->is_dst = t->isdst;
    memcpy(out->abbr, t->abbr, sizeof out->abbr);
    return PGW_OK;
}
