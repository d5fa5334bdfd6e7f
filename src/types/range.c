/* Ranges and multiranges: range_send/range_recv, multirange_send and the
 * text forms of range_out/range_in and multirange_out/multirange_in. */
#include "pgwire/containers.h"

#include "common/common_int.h"

#define RNG_KNOWN_FLAGS                                                                            \
    (PGW_RANGE_EMPTY | PGW_RANGE_LB_INC | PGW_RANGE_UB_INC | PGW_RANGE_LB_INF | PGW_RANGE_UB_INF)

static bool rng_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool rng_has_lower(unsigned flags)
{
    return !(flags & (PGW_RANGE_EMPTY | PGW_RANGE_LB_INF));
}

static bool rng_has_upper(unsigned flags)
{
    return !(flags & (PGW_RANGE_EMPTY | PGW_RANGE_UB_INF));
}

static void rng_null_elem(pgw_elem *e)
{
    e->p = NULL;
    e->len = 0;
    e->oid = 0;
    e->is_null = true;
}

static bool rng_read_bound(pgwi_reader *r, pgw_elem *e)
{
    int32_t n = pgwi_read_i32(r);
    if (n < 0)
        return false;
    const uint8_t *v = pgwi_read_bytes(r, (size_t)n);
    if (r->failed)
        return false;
    e->p = v;
    e->len = (size_t)n;
    e->oid = 0;
    e->is_null = false;
    return true;
}

pgw_status pgw_decode_range_bin(const uint8_t *p, size_t len, pgw_range *out)
{
    if ((!p && len) || !out)
        return PGW_E_INVALID;
    if (!p)
        p = (const uint8_t *)""; /* no arithmetic on a null pointer */
    pgwi_reader r;
    pgwi_reader_init(&r, p, len);
    unsigned flags = pgwi_read_u8(&r);
    if (r.failed || (flags & ~RNG_KNOWN_FLAGS))
        return PGW_E_INVALID;
    pgw_range v;
    v.flags = (uint8_t)flags;
    rng_null_elem(&v.lower);
    rng_null_elem(&v.upper);
    if (rng_has_lower(flags) && !rng_read_bound(&r, &v.lower))
        return PGW_E_INVALID;
    if (rng_has_upper(flags) && !rng_read_bound(&r, &v.upper))
        return PGW_E_INVALID;
    if (!pgwi_reader_finish(&r))
        return PGW_E_INVALID;
    *out = v;
    return PGW_OK;
}

pgw_status pgw_encode_range_bin(pgw_buf *out, uint8_t flags, const void *lower, size_t lower_len,
                                const void *upper, size_t upper_len)
{
    if (!out || (flags & ~RNG_KNOWN_FLAGS))
        return PGW_E_INVALID;
    bool lo = rng_has_lower(flags), hi = rng_has_upper(flags);
    if ((lo && !lower && lower_len) || (hi && !upper && upper_len))
        return PGW_E_INVALID;
    if ((lo && lower_len > INT32_MAX) || (hi && upper_len > INT32_MAX))
        return PGW_E_TOO_LARGE;
    size_t mark = out->len;
    pgw_buf_put_u8(out, flags);
    if (lo) {
        pgw_buf_put_i32(out, (int32_t)lower_len);
        pgw_buf_append(out, lower, lower_len);
    }
    if (hi) {
        pgw_buf_put_i32(out, (int32_t)upper_len);
        pgw_buf_append(out, upper, upper_len);
    }
    pgw_status rc = pgw_buf_status(out);
    if (rc != PGW_OK)
        out->len = mark;
    return rc;
}

/* ---- text ----------------------------------------------------------------- */

static bool rng_ci_prefix(const char *p, const char *end, const char *word)
{
    for (; *word; word++, p++) {
        if (p == end)
            return false;
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != *word)
            return false;
    }
    return true;
}

/* One bound, range_parse_bound's rules: up to an unquoted ',' ')' or ']';
 * quotes may cover any part, "" inside quotes is a quote, a backslash takes
 * the next character. NULL for an unterminated bound. */
static const char *rng_scan_bound(const char *p, const char *end)
{
    bool inq = false;
    while (p < end) {
        char c = *p;
        if (!inq && (c == ',' || c == ')' || c == ']'))
            return p;
        if (c == '\\') {
            if (++p == end)
                return NULL;
        } else if (c == '"') {
            if (!inq)
                inq = true;
            else if (p + 1 < end && p[1] == '"')
                p++;
            else
                inq = false;
        }
        p++;
    }
    return NULL;
}

static void rng_describe(const char *s, const char *e, pgw_text_elem *out)
{
    size_t n = (size_t)(e - s);
    bool special = false, inner = false;
    for (size_t i = 0; i < n; i++) {
        bool sp = s[i] == '"' || s[i] == '\\';
        special = special || sp;
        inner = inner || (sp && i > 0 && i + 1 < n);
    }
    out->is_null = n == 0;
    out->p = n ? s : NULL;
    out->len = n;
    out->needs_unescape = special;
    /* A bound that is one quoted string without escapes needs no work. */
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"' && !inner) {
        out->p = s + 1;
        out->len = n - 2;
        out->needs_unescape = false;
    }
}

/* Parse a range starting at p (after any white space); *stop receives the
 * position after it. */
static bool rng_scan_range(const char *p, const char *end, const char **stop, pgw_range_text *out)
{
    while (p < end && rng_space(*p))
        p++;
    pgw_range_text v;
    memset(&v, 0, sizeof v);
    if (rng_ci_prefix(p, end, "empty")) {
        v.flags = PGW_RANGE_EMPTY;
        v.lower.is_null = v.upper.is_null = true;
        *stop = p + 5;
        *out = v;
        return true;
    }
    if (p == end || (*p != '[' && *p != '('))
        return false;
    unsigned flags = *p++ == '[' ? PGW_RANGE_LB_INC : 0;
    const char *e = rng_scan_bound(p, end);
    if (!e || *e != ',')
        return false;
    rng_describe(p, e, &v.lower);
    p = e + 1;
    e = rng_scan_bound(p, end);
    if (!e || *e == ',')
        return false;
    rng_describe(p, e, &v.upper);
    if (*e == ']')
        flags |= PGW_RANGE_UB_INC;
    /* An infinite bound is never inclusive (what the server stores). */
    if (v.lower.is_null)
        flags = (flags & ~PGW_RANGE_LB_INC) | PGW_RANGE_LB_INF;
    if (v.upper.is_null)
        flags = (flags & ~PGW_RANGE_UB_INC) | PGW_RANGE_UB_INF;
    v.flags = (uint8_t)flags;
    *stop = e + 1;
    *out = v;
    return true;
}

pgw_status pgw_decode_range_text(const char *p, size_t len, pgw_range_text *out)
{
    if ((!p && len) || !out)
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    const char *end = p + len, *s;
    pgw_range_text v;
    if (!rng_scan_range(p, end, &s, &v))
        return PGW_E_INVALID;
    while (s < end && rng_space(*s))
        s++;
    if (s != end)
        return PGW_E_INVALID;
    *out = v;
    return PGW_OK;
}

/* range_bound_escape: quote when empty or containing a character the
 * parser stops on or white space; double quotes and backslashes. */
static void rng_put_bound(pgw_buf *out, const char *p, size_t len)
{
    bool quote = len == 0;
    for (size_t i = 0; i < len && !quote; i++) {
        char c = p[i];
        quote = c == '"' || c == '\\' || c == '(' || c == ')' || c == '[' || c == ']' || c == ',' ||
                rng_space(c);
    }
    if (!quote) {
        pgw_buf_append(out, p, len);
        return;
    }
    size_t run = 0;
    pgw_buf_put_u8(out, '"');
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '"' || p[i] == '\\') {
            pgw_buf_append(out, p + run, i + 1 - run);
            run = i;
        }
    }
    pgw_buf_append(out, p + run, len - run);
    pgw_buf_put_u8(out, '"');
}

pgw_status pgw_encode_range_text(pgw_buf *out, uint8_t flags, const char *lower, size_t lower_len,
                                 const char *upper, size_t upper_len)
{
    if (!out || (flags & ~RNG_KNOWN_FLAGS))
        return PGW_E_INVALID;
    bool lo = rng_has_lower(flags), hi = rng_has_upper(flags);
    if ((lo && !lower && lower_len) || (hi && !upper && upper_len))
        return PGW_E_INVALID;
    size_t mark = out->len;
    if (flags & PGW_RANGE_EMPTY) {
        pgw_buf_append(out, "empty", 5);
    } else {
        pgw_buf_put_u8(out, (flags & PGW_RANGE_LB_INC) ? '[' : '(');
        if (lo)
            rng_put_bound(out, lower ? lower : "", lower_len);
        pgw_buf_put_u8(out, ',');
        if (hi)
            rng_put_bound(out, upper ? upper : "", upper_len);
        pgw_buf_put_u8(out, (flags & PGW_RANGE_UB_INC) ? ']' : ')');
    }
    pgw_status rc = pgw_buf_status(out);
    if (rc != PGW_OK)
        out->len = mark;
    return rc;
}

/* ---- multiranges ---------------------------------------------------------- */

pgw_status pgw_multirange_bin_begin(const uint8_t *p, size_t len, size_t *count,
                                    pgw_multirange_bin_iter *it)
{
    if ((!p && len) || !count || !it)
        return PGW_E_INVALID;
    if (!p)
        p = (const uint8_t *)""; /* no arithmetic on a null pointer */
    pgwi_reader r;
    pgwi_reader_init(&r, p, len);
    int32_t n = pgwi_read_i32(&r);
    /* Each range takes at least 5 bytes (length word and flags). */
    if (r.failed || n < 0 || (size_t)n > pgwi_reader_left(&r) / 5)
        return PGW_E_INVALID;
    const uint8_t *first = r.p;
    for (int32_t i = 0; i < n; i++) {
        int32_t l = pgwi_read_i32(&r);
        if (l < 0)
            return PGW_E_INVALID;
        const uint8_t *v = pgwi_read_bytes(&r, (size_t)l);
        pgw_range rg;
        if (r.failed || pgw_decode_range_bin(v, (size_t)l, &rg) != PGW_OK)
            return PGW_E_INVALID;
    }
    if (!pgwi_reader_finish(&r))
        return PGW_E_INVALID;
    *count = (size_t)n;
    it->p = first;
    it->end = r.end;
    it->left = (size_t)n;
    return PGW_OK;
}

pgw_status pgw_multirange_bin_next(pgw_multirange_bin_iter *it, pgw_range *out)
{
    if (!it || !out)
        return PGW_E_INVALID;
    if (it->left == 0)
        return PGW_END;
    pgwi_reader r;
    pgwi_reader_init(&r, it->p, (size_t)(it->end - it->p));
    int32_t l = pgwi_read_i32(&r);
    const uint8_t *v = l >= 0 ? pgwi_read_bytes(&r, (size_t)l) : NULL;
    if (r.failed || l < 0)
        return PGW_E_INVALID;
    pgw_status rc = pgw_decode_range_bin(v, (size_t)l, out);
    if (rc != PGW_OK)
        return rc;
    it->p = r.p;
    it->left--;
    return PGW_OK;
}

static const char *rng_skip_space(const char *p, const char *end)
{
    while (p < end && rng_space(*p))
        p++;
    return p;
}

pgw_status pgw_multirange_text_begin(const char *p, size_t len, size_t *count,
                                     pgw_multirange_text_iter *it)
{
    if ((!p && len) || !count || !it)
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    const char *end = p + len, *s = rng_skip_space(p, end);
    if (s == end || *s != '{')
        return PGW_E_INVALID;
    const char *body = ++s;
    size_t n = 0;
    s = rng_skip_space(s, end);
    if (s < end && *s == '}') {
        s++;
    } else {
        for (;;) {
            pgw_range_text rg;
            if (!rng_scan_range(s, end, &s, &rg))
                return PGW_E_INVALID;
            n++;
            s = rng_skip_space(s, end);
            if (s == end)
                return PGW_E_INVALID;
            if (*s++ == '}')
                break;
            if (s[-1] != ',')
                return PGW_E_INVALID;
        }
    }
    if (rng_skip_space(s, end) != end)
        return PGW_E_INVALID;
    *count = n;
    it->p = body;
    it->end = end;
    it->left = n;
    return PGW_OK;
}

pgw_status pgw_multirange_text_next(pgw_multirange_text_iter *it, pgw_range_text *out)
{
    if (!it || !out)
        return PGW_E_INVALID;
    if (it->left == 0)
        return PGW_END;
    const char *s = it->p;
    if (!rng_scan_range(s, it->end, &s, out))
        return PGW_E_INVALID;
    s = rng_skip_space(s, it->end);
    if (s < it->end && *s == ',')
        s++;
    it->p = s;
    it->left--;
    return PGW_OK;
}

static pgw_status mr_fail(pgw_multirange_builder *b, pgw_status rc)
{
    if (b->error == PGW_OK)
        b->error = rc;
    if (b->out && b->out->len > b->mark)
        b->out->len = b->mark;
    return b->error;
}

static pgw_status mr_begin(pgw_multirange_builder *b, pgw_buf *out, bool text)
{
    if (!b)
        return PGW_E_INVALID;
    memset(b, 0, sizeof *b);
    b->out = out;
    b->mark = out ? out->len : 0;
    b->text = text;
    if (!out)
        return mr_fail(b, PGW_E_INVALID);
    b->mark = out->len;
    if (text)
        pgw_buf_put_u8(out, '{');
    else
        pgw_buf_put_i32(out, 0);
    pgw_status rc = pgw_buf_status(out);
    return rc == PGW_OK ? PGW_OK : mr_fail(b, rc);
}

static pgw_status mr_check(pgw_multirange_builder *b, bool text)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK)
        return b->error;
    if (b->text != text || !b->out)
        return mr_fail(b, PGW_E_INVALID);
    if (b->count >= INT32_MAX)
        return mr_fail(b, PGW_E_TOO_LARGE);
    return PGW_OK;
}

pgw_status pgw_multirange_bin_build_begin(pgw_multirange_builder *b, pgw_buf *out)
{
    return mr_begin(b, out, false);
}

pgw_status pgw_multirange_bin_build_add(pgw_multirange_builder *b, uint8_t flags, const void *lower,
                                        size_t lower_len, const void *upper, size_t upper_len)
{
    pgw_status rc = mr_check(b, false);
    if (rc != PGW_OK)
        return rc;
    size_t off = b->out->len;
    pgw_buf_put_i32(b->out, 0);
    rc = pgw_buf_status(b->out);
    if (rc == PGW_OK)
        rc = pgw_encode_range_bin(b->out, flags, lower, lower_len, upper, upper_len);
    if (rc != PGW_OK)
        return mr_fail(b, rc);
    pgw_buf_patch_i32(b->out, off, (int32_t)(b->out->len - off - 4));
    b->count++;
    return PGW_OK;
}

pgw_status pgw_multirange_bin_build_finish(pgw_multirange_builder *b)
{
    pgw_status rc = mr_check(b, false);
    if (rc != PGW_OK)
        return mr_fail(b, rc);
    pgw_buf_patch_i32(b->out, b->mark, (int32_t)b->count);
    return PGW_OK;
}

pgw_status pgw_multirange_text_build_begin(pgw_multirange_builder *b, pgw_buf *out)
{
    return mr_begin(b, out, true);
}

pgw_status pgw_multirange_text_build_add(pgw_multirange_builder *b, uint8_t flags,
                                         const char *lower, size_t lower_len, const char *upper,
                                         size_t upper_len)
{
    pgw_status rc = mr_check(b, true);
    if (rc != PGW_OK)
        return rc;
    if (b->count > 0)
        pgw_buf_put_u8(b->out, ',');
    rc = pgw_buf_status(b->out);
    if (rc == PGW_OK)
        rc = pgw_encode_range_text(b->out, flags, lower, lower_len, upper, upper_len);
    if (rc != PGW_OK)
        return mr_fail(b, rc);
    b->count++;
    return PGW_OK;
}

pgw_status pgw_multirange_text_build_finish(pgw_multirange_builder *b)
{
    pgw_status rc = mr_check(b, true);
    if (rc != PGW_OK)
        return mr_fail(b, rc);
    rc = pgw_buf_put_u8(b->out, '}');
    return rc == PGW_OK ? PGW_OK : mr_fail(b, rc);
}
