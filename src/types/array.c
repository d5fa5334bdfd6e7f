/* Arrays: array_send/array_recv's binary form and array_out/array_in's
 * text form, as iterators over views and builders that append. */
#include "pgwire/containers.h"

#include "common/common_int.h"
#include "types/types_int.h"

/* array_out quotes elements containing the characters array_in would split
 * or trim on; its white space is scanner_isspace()'s plus \v (PG 15's
 * array_isspace). */
static bool arr_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool arr_bad_delim(char d)
{
    return d == '"' || d == '\\' || d == '{' || d == '}' || d == '\0' || arr_space(d);
}

static bool arr_is_null_word(const char *p, size_t n)
{
    static const char w[] = "null";
    if (n != 4)
        return false;
    for (size_t i = 0; i < 4; i++) {
        char c = p[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != w[i])
            return false;
    }
    return true;
}

/* Validate a shape and count its elements: the rules array_recv applies
 * (no negative length, no upper bound past INT32_MAX, at most MaxArraySize
 * elements). */
static bool arr_shape_items(unsigned ndim, const int32_t *dims, const int32_t *lbounds,
                            size_t *nitems)
{
    if (ndim > PGW_ARRAY_MAX_DIMS)
        return false;
    size_t n = ndim ? 1 : 0;
    for (unsigned i = 0; i < ndim; i++) {
        int32_t d = dims[i];
        int32_t lb = lbounds ? lbounds[i] : 1;
        if (d < 0)
            return false;
        if (d > 0 && lb > INT32_MAX - (d - 1))
            return false;
        if (!pgwi_mul_size(n, (size_t)d, &n) || n > PGW_ARRAY_MAX_ITEMS)
            return false;
    }
    *nitems = n;
    return true;
}

/* ---- binary decoding ---------------------------------------------------- */

pgw_status pgw_array_bin_begin(const uint8_t *p, size_t len, pgw_array_hdr *hdr,
                               pgw_array_bin_iter *it)
{
    if ((!p && len) || !hdr || !it)
        return PGW_E_INVALID;
    if (!p)
        p = (const uint8_t *)""; /* no arithmetic on a null pointer */
    pgwi_reader r;
    pgwi_reader_init(&r, p, len);
    int32_t ndim = pgwi_read_i32(&r);
    int32_t flags = pgwi_read_i32(&r);
    uint32_t elem = pgwi_read_u32(&r);
    if (r.failed || ndim < 0 || ndim > PGW_ARRAY_MAX_DIMS || (flags != 0 && flags != 1))
        return PGW_E_INVALID;
    pgw_array_hdr h;
    memset(&h, 0, sizeof h);
    h.ndim = (unsigned)ndim;
    h.has_null = flags == 1;
    h.elem_oid = elem;
    for (unsigned i = 0; i < h.ndim; i++) {
        h.dims[i] = pgwi_read_i32(&r);
        h.lbounds[i] = pgwi_read_i32(&r);
    }
    if (r.failed || !arr_shape_items(h.ndim, h.dims, h.lbounds, &h.nitems))
        return PGW_E_INVALID;
    /* Each element needs at least its length word: refuse an absurd count
     * before walking it. */
    size_t min;
    if (!pgwi_mul_size(h.nitems, 4, &min) || min > pgwi_reader_left(&r))
        return PGW_E_INVALID;
    const uint8_t *first = r.p;
    for (size_t i = 0; i < h.nitems; i++) {
        int32_t n = pgwi_read_i32(&r);
        if (n < -1)
            return PGW_E_INVALID;
        if (n >= 0)
            pgwi_read_bytes(&r, (size_t)n);
        if (r.failed)
            return PGW_E_INVALID;
    }
    if (!pgwi_reader_finish(&r))
        return PGW_E_INVALID;
    *hdr = h;
    it->p = first;
    it->end = r.end;
    it->left = h.nitems;
    it->elem_oid = elem;
    return PGW_OK;
}

pgw_status pgw_array_bin_next(pgw_array_bin_iter *it, pgw_elem *out)
{
    if (!it || !out)
        return PGW_E_INVALID;
    if (it->left == 0)
        return PGW_END;
    /* pgw_array_bin_begin() checked every length; stay defensive anyway so a
     * hand-made iterator cannot read past its end. */
    pgwi_reader r;
    pgwi_reader_init(&r, it->p, (size_t)(it->end - it->p));
    int32_t n = pgwi_read_i32(&r);
    const uint8_t *v = n >= 0 ? pgwi_read_bytes(&r, (size_t)n) : NULL;
    if (r.failed || n < -1)
        return PGW_E_INVALID;
    out->oid = it->elem_oid;
    out->is_null = n < 0;
    out->p = v;
    out->len = n < 0 ? 0 : (size_t)n;
    it->p = r.p;
    it->left--;
    return PGW_OK;
}

/* ---- text decoding -------------------------------------------------------- */

typedef enum arr_tok {
    ARR_TOK_END,
    ARR_TOK_OPEN,
    ARR_TOK_CLOSE,
    ARR_TOK_DELIM,
    ARR_TOK_ELEM,
    ARR_TOK_BAD
} arr_tok;

/* The next token of an array literal's body; *pp advances past it. */
static arr_tok arr_lex(const char **pp, const char *end, char delim, pgw_text_elem *e)
{
    const char *p = *pp;
    while (p < end && arr_space(*p))
        p++;
    if (p == end) {
        *pp = p;
        return ARR_TOK_END;
    }
    char c = *p;
    if (c == '{' || c == '}' || c == delim) {
        *pp = p + 1;
        return c == '{' ? ARR_TOK_OPEN : c == '}' ? ARR_TOK_CLOSE : ARR_TOK_DELIM;
    }
    bool esc = false;
    if (c == '"') {
        const char *s = ++p;
        while (p < end && *p != '"') {
            if (*p == '\\') {
                esc = true;
                if (++p == end)
                    return ARR_TOK_BAD;
            }
            p++;
        }
        if (p == end)
            return ARR_TOK_BAD;
        e->p = s;
        e->len = (size_t)(p - s);
        e->is_null = false;
        e->needs_unescape = esc;
        *pp = p + 1;
        return ARR_TOK_ELEM;
    }
    /* Unquoted: up to a delimiter or brace; trailing unescaped white space
     * is not part of the element. */
    const char *s = p, *last = p;
    while (p < end && *p != delim && *p != '{' && *p != '}') {
        if (*p == '"')
            return ARR_TOK_BAD;
        if (*p == '\\') {
            esc = true;
            if (++p == end)
                return ARR_TOK_BAD;
            last = p + 1;
        } else if (!arr_space(*p)) {
            last = p + 1;
        }
        p++;
    }
    if (p < end && *p == '{')
        return ARR_TOK_BAD;
    e->p = s;
    e->len = (size_t)(last - s);
    e->is_null = !esc && arr_is_null_word(s, e->len);
    e->needs_unescape = esc;
    if (e->is_null)
        e->p = NULL, e->len = 0;
    *pp = last;
    return ARR_TOK_ELEM;
}

static bool arr_parse_int(const char **pp, const char *end, int32_t *out)
{
    const char *p = *pp;
    bool neg = false;
    if (p < end && (*p == '-' || *p == '+'))
        neg = *p++ == '-';
    if (p == end || *p < '0' || *p > '9')
        return false;
    int64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        v = v * 10 + (*p++ - '0');
        if (v > (int64_t)INT32_MAX + 1)
            return false;
    }
    v = neg ? -v : v;
    if (v > INT32_MAX || v < INT32_MIN)
        return false;
    *out = (int32_t)v;
    *pp = p;
    return true;
}

/* "[lb:ub][lb:ub]=" (or "[ub]", lower bound 1) before the braces. */
static bool arr_parse_decoration(const char **pp, const char *end, unsigned *ndim, int32_t *dims,
                                 int32_t *lbs)
{
    const char *p = *pp;
    unsigned n = 0;
    while (p < end && *p == '[') {
        if (n == PGW_ARRAY_MAX_DIMS)
            return false;
        p++;
        int32_t a, b;
        if (!arr_parse_int(&p, end, &a))
            return false;
        if (p < end && *p == ':') {
            p++;
            if (!arr_parse_int(&p, end, &b))
                return false;
        } else {
            b = a;
            a = 1;
        }
        if (p == end || *p != ']' || b < a)
            return false;
        p++;
        if ((int64_t)b - a + 1 > INT32_MAX)
            return false;
        lbs[n] = a;
        dims[n] = (int32_t)((int64_t)b - a + 1);
        n++;
    }
    if (n == 0)
        return true;
    while (p < end && arr_space(*p))
        p++;
    if (p == end || *p != '=')
        return false;
    *pp = p + 1;
    *ndim = n;
    return true;
}

pgw_status pgw_array_text_begin(const char *p, size_t len, char delim, pgw_array_hdr *hdr,
                                pgw_array_text_iter *it)
{
    if ((!p && len) || !hdr || !it || arr_bad_delim(delim))
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    const char *s = p, *end = p + len;
    while (s < end && arr_space(*s))
        s++;
    unsigned dec_ndim = 0;
    int32_t dec_dims[PGW_ARRAY_MAX_DIMS], dec_lbs[PGW_ARRAY_MAX_DIMS];
    if (!arr_parse_decoration(&s, end, &dec_ndim, dec_dims, dec_lbs))
        return PGW_E_INVALID;
    const char *body = s;

    /* One pass over the structure, as array_in's ArrayCount: every depth
     * holds either elements or sub-arrays, and every sub-array at a depth
     * has the same length. */
    enum { ARR_LV_NONE, ARR_LV_ELEMS, ARR_LV_SUBS } kind[PGW_ARRAY_MAX_DIMS] = {ARR_LV_NONE};
    int32_t dims[PGW_ARRAY_MAX_DIMS];
    size_t count[PGW_ARRAY_MAX_DIMS];
    for (unsigned i = 0; i < PGW_ARRAY_MAX_DIMS; i++)
        dims[i] = -1;
    unsigned nest = 0, ndim = 0;
    bool want_item = true; /* after '{' or a delimiter */
    bool first_in = true;  /* right after '{' (so '}' closes an empty level) */
    size_t nelems = 0;
    pgw_text_elem e;
    arr_tok t = arr_lex(&s, end, delim, &e);
    if (t != ARR_TOK_OPEN)
        return PGW_E_INVALID;
    nest = 1;
    count[0] = 0;
    for (;;) {
        t = arr_lex(&s, end, delim, &e);
        switch (t) {
        case ARR_TOK_OPEN:
            if (!want_item || nest == PGW_ARRAY_MAX_DIMS || kind[nest - 1] == ARR_LV_ELEMS)
                return PGW_E_INVALID;
            kind[nest - 1] = ARR_LV_SUBS;
            count[nest] = 0;
            nest++;
            want_item = true;
            first_in = true;
            break;
        case ARR_TOK_ELEM:
            if (!want_item || kind[nest - 1] == ARR_LV_SUBS)
                return PGW_E_INVALID;
            kind[nest - 1] = ARR_LV_ELEMS;
            count[nest - 1]++;
            nelems++;
            want_item = false;
            first_in = false;
            break;
        case ARR_TOK_DELIM:
            if (want_item)
                return PGW_E_INVALID;
            want_item = true;
            break;
        case ARR_TOK_CLOSE: {
            unsigned lvl = nest - 1;
            if (want_item && !first_in)
                return PGW_E_INVALID; /* "{1,}" */
            if (first_in) {
                /* "{}": only the whole array may be empty. */
                if (nest != 1)
                    return PGW_E_INVALID;
            } else {
                if (kind[lvl] == ARR_LV_ELEMS) {
                    if (ndim == 0)
                        ndim = nest;
                    else if (ndim != nest)
                        return PGW_E_INVALID;
                }
                if (count[lvl] > (size_t)INT32_MAX)
                    return PGW_E_INVALID;
                if (dims[lvl] < 0)
                    dims[lvl] = (int32_t)count[lvl];
                else if ((size_t)dims[lvl] != count[lvl])
                    return PGW_E_INVALID;
            }
            nest--;
            if (nest > 0)
                count[nest - 1]++;
            want_item = false;
            first_in = false;
            break;
        }
        case ARR_TOK_END:
        case ARR_TOK_BAD:
            return PGW_E_INVALID;
        }
        if (nest == 0)
            break;
    }
    while (s < end && arr_space(*s))
        s++;
    if (s != end)
        return PGW_E_INVALID;

    pgw_array_hdr h;
    memset(&h, 0, sizeof h);
    if (nelems == 0) {
        if (dec_ndim != 0)
            return PGW_E_INVALID;
    } else {
        h.ndim = ndim;
        for (unsigned i = 0; i < ndim; i++) {
            h.dims[i] = dims[i];
            h.lbounds[i] = 1;
        }
        if (dec_ndim) {
            if (dec_ndim != ndim)
                return PGW_E_INVALID;
            for (unsigned i = 0; i < ndim; i++) {
                if (dec_dims[i] != dims[i])
                    return PGW_E_INVALID;
                h.lbounds[i] = dec_lbs[i];
            }
        }
        if (!arr_shape_items(h.ndim, h.dims, h.lbounds, &h.nitems) || h.nitems != nelems)
            return PGW_E_INVALID;
    }
    *hdr = h;
    it->p = body;
    it->end = end;
    it->left = nelems;
    it->delim = delim;
    return PGW_OK;
}

pgw_status pgw_array_text_next(pgw_array_text_iter *it, pgw_text_elem *out)
{
    if (!it || !out)
        return PGW_E_INVALID;
    if (it->left == 0)
        return PGW_END;
    for (;;) {
        pgw_text_elem e;
        arr_tok t = arr_lex(&it->p, it->end, it->delim, &e);
        if (t == ARR_TOK_ELEM) {
            *out = e;
            it->left--;
            return PGW_OK;
        }
        if (t == ARR_TOK_END || t == ARR_TOK_BAD)
            return PGW_E_INVALID;
    }
}

pgw_status pgw_array_text_unescape(pgw_buf *out, const char *p, size_t len)
{
    if (!out || (!p && len))
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    if (len && p[len - 1] == '\\') {
        /* Only a lone (unescaped) trailing backslash is an error. */
        size_t n = 0;
        while (n < len && p[len - 1 - n] == '\\')
            n++;
        if (n % 2)
            return PGW_E_INVALID;
    }
    size_t mark = out->len;
    size_t i = 0, run = 0;
    while (i < len) {
        if (p[i] == '\\') {
            pgw_buf_append(out, p + run, i - run);
            run = i + 1;
            i += 2;
        } else {
            i++;
        }
    }
    pgw_status rc = pgw_buf_append(out, p + run, len - run);
    if (rc != PGW_OK)
        out->len = mark;
    return rc;
}

pgw_status pgw_array_text_quote(pgw_buf *out, const char *p, size_t len, char delim)
{
    if (!out || (!p && len))
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    bool quote = len == 0 || arr_is_null_word(p, len);
    size_t esc = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '"' || c == '\\') {
            quote = true;
            esc++;
        } else if (c == '{' || c == '}' || c == delim || arr_space(c)) {
            quote = true;
        }
    }
    if (!quote)
        return pgw_buf_append(out, p, len);
    size_t mark = out->len, need;
    if (!pgwi_add_size(len, esc, &need) || !pgwi_add_size(need, 2, &need))
        return PGW_E_TOO_LARGE;
    pgw_status rc = pgw_buf_reserve(out, need);
    if (rc != PGW_OK)
        return rc;
    pgw_buf_put_u8(out, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '"' || p[i] == '\\') {
            pgw_buf_append(out, p + run, i - run);
            pgw_buf_put_u8(out, '\\');
            run = i;
        }
    }
    pgw_buf_append(out, p + run, len - run);
    rc = pgw_buf_put_u8(out, '"');
    if (rc != PGW_OK)
        out->len = mark;
    return rc;
}

/* ---- builders ------------------------------------------------------------- */

/* Decimal integer (the library's pure modules do not link printf). */
static void arr_put_int(pgw_buf *out, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    pgw_buf_append(out, tmp + i, sizeof tmp - i);
}

static pgw_status arr_fail(pgw_array_builder *b, pgw_status rc)
{
    if (b->error == PGW_OK)
        b->error = rc;
    if (b->out && b->out->len > b->mark)
        b->out->len = b->mark;
    return b->error;
}

static pgw_status arr_build_begin(pgw_array_builder *b, pgw_buf *out, bool text, char delim,
                                  uint32_t elem_oid, unsigned ndim, const int32_t *dims,
                                  const int32_t *lbounds)
{
    if (!b)
        return PGW_E_INVALID;
    memset(b, 0, sizeof *b);
    b->out = out;
    b->mark = out ? out->len : 0;
    b->text = text;
    b->delim = delim;
    if (!out || (ndim && !dims) || (text && arr_bad_delim(delim)) ||
        !arr_shape_items(ndim, dims, lbounds, &b->nitems))
        return arr_fail(b, PGW_E_INVALID);
    if (b->nitems == 0)
        ndim = 0; /* array_recv turns any zero-length array into ndim 0 */
    b->ndim = ndim;
    for (unsigned i = 0; i < ndim; i++)
        b->dims[i] = dims[i];
    if (!text) {
        pgw_buf_put_i32(out, (int32_t)ndim);
        b->flags_off = out->len;
        pgw_buf_put_i32(out, 0);
        pgw_buf_put_i32(out, (int32_t)elem_oid);
        for (unsigned i = 0; i < ndim; i++) {
            pgw_buf_put_i32(out, dims[i]);
            pgw_buf_put_i32(out, lbounds ? lbounds[i] : 1);
        }
    } else if (ndim == 0) {
        pgw_buf_append(out, "{}", 2);
    } else {
        bool deco = false;
        for (unsigned i = 0; lbounds && i < ndim; i++)
            deco = deco || lbounds[i] != 1;
        for (unsigned i = 0; deco && i < ndim; i++) {
            pgw_buf_put_u8(out, '[');
            arr_put_int(out, lbounds[i]);
            pgw_buf_put_u8(out, ':');
            arr_put_int(out, (int64_t)lbounds[i] + dims[i] - 1);
            pgw_buf_put_u8(out, ']');
        }
        if (deco)
            pgw_buf_put_u8(out, '=');
        for (unsigned i = 0; i < ndim; i++)
            pgw_buf_put_u8(out, '{');
    }
    pgw_status rc = pgw_buf_status(out);
    return rc == PGW_OK ? PGW_OK : arr_fail(b, rc);
}

/* Text: the braces and delimiter before the next element. Counting which
 * innermost dimensions just wrapped tells how many levels close and
 * reopen. */
static void arr_text_sep(pgw_array_builder *b)
{
    if (b->count == 0)
        return;
    unsigned k = 0;
    for (unsigned i = b->ndim; i-- > 0;) {
        if (++b->idx[i] < b->dims[i])
            break;
        b->idx[i] = 0;
        k++;
    }
    for (unsigned i = 0; i < k; i++)
        pgw_buf_put_u8(b->out, '}');
    pgw_buf_put_u8(b->out, (uint8_t)b->delim);
    for (unsigned i = 0; i < k; i++)
        pgw_buf_put_u8(b->out, '{');
}

static pgw_status arr_can_add(pgw_array_builder *b, bool text)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK)
        return b->error;
    if (b->text != text || b->open || b->count >= b->nitems)
        return arr_fail(b, PGW_E_INVALID);
    return PGW_OK;
}

static pgw_status arr_added(pgw_array_builder *b)
{
    pgw_status rc = pgw_buf_status(b->out);
    if (rc != PGW_OK)
        return arr_fail(b, rc);
    b->count++;
    return PGW_OK;
}

pgw_status pgw_array_bin_build_begin(pgw_array_builder *b, pgw_buf *out, uint32_t elem_oid,
                                     unsigned ndim, const int32_t *dims, const int32_t *lbounds)
{
    return arr_build_begin(b, out, false, ',', elem_oid, ndim, dims, lbounds);
}

pgw_status pgw_array_bin_build_add(pgw_array_builder *b, const void *p, size_t len)
{
    pgw_status rc = arr_can_add(b, false);
    if (rc != PGW_OK)
        return rc;
    if (!p && len)
        return arr_fail(b, PGW_E_INVALID);
    if (len > INT32_MAX)
        return arr_fail(b, PGW_E_TOO_LARGE);
    pgw_buf_put_i32(b->out, (int32_t)len);
    pgw_buf_append(b->out, p, len);
    return arr_added(b);
}

pgw_status pgw_array_bin_build_null(pgw_array_builder *b)
{
    pgw_status rc = arr_can_add(b, false);
    if (rc != PGW_OK)
        return rc;
    pgw_buf_patch_i32(b->out, b->flags_off, 1);
    pgw_buf_put_i32(b->out, -1);
    return arr_added(b);
}

pgw_status pgw_array_bin_build_open(pgw_array_builder *b)
{
    pgw_status rc = arr_can_add(b, false);
    if (rc != PGW_OK)
        return rc;
    b->elem_off = b->out->len;
    if (pgw_buf_put_i32(b->out, 0) != PGW_OK)
        return arr_fail(b, pgw_buf_status(b->out));
    b->open = true;
    return PGW_OK;
}

pgw_status pgw_array_bin_build_close(pgw_array_builder *b)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK)
        return b->error;
    if (!b->open)
        return arr_fail(b, PGW_E_INVALID);
    b->open = false;
    pgw_status rc = pgwi_patch_length(b->out, b->elem_off);
    if (rc != PGW_OK)
        return arr_fail(b, rc);
    return arr_added(b);
}

static pgw_status arr_build_finish(pgw_array_builder *b, bool text)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK)
        return arr_fail(b, b->error);
    if (b->text != text || b->open || b->count != b->nitems)
        return arr_fail(b, PGW_E_INVALID);
    if (text)
        for (unsigned i = 0; i < b->ndim; i++)
            pgw_buf_put_u8(b->out, '}');
    pgw_status rc = pgw_buf_status(b->out);
    return rc == PGW_OK ? PGW_OK : arr_fail(b, rc);
}

pgw_status pgw_array_bin_build_finish(pgw_array_builder *b)
{
    return arr_build_finish(b, false);
}

pgw_status pgw_array_text_build_begin(pgw_array_builder *b, pgw_buf *out, char delim, unsigned ndim,
                                      const int32_t *dims, const int32_t *lbounds)
{
    return arr_build_begin(b, out, true, delim, 0, ndim, dims, lbounds);
}

pgw_status pgw_array_text_build_add(pgw_array_builder *b, const char *p, size_t len)
{
    pgw_status rc = arr_can_add(b, true);
    if (rc != PGW_OK)
        return rc;
    if (!p && len)
        return arr_fail(b, PGW_E_INVALID);
    arr_text_sep(b);
    pgw_array_text_quote(b->out, p ? p : "", len, b->delim);
    return arr_added(b);
}

pgw_status pgw_array_text_build_null(pgw_array_builder *b)
{
    pgw_status rc = arr_can_add(b, true);
    if (rc != PGW_OK)
        return rc;
    arr_text_sep(b);
    pgw_buf_append(b->out, "NULL", 4);
    return arr_added(b);
}

pgw_status pgw_array_text_build_finish(pgw_array_builder *b)
{
    return arr_build_finish(b, true);
}
