/* Composite types and anonymous records: record_send/record_recv's binary
 * form and record_out/record_in's text form. */
#include "pgwire/containers.h"

#include "common/common_int.h"
#include "types/types_int.h"

/* record_out quotes on isspace() in the C locale. */
static bool rec_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- binary ----------------------------------------------------------- */

pgw_status pgw_record_bin_begin(const uint8_t *p, size_t len, size_t *nfields,
                                pgw_record_bin_iter *it)
{
    if ((!p && len) || !nfields || !it)
        return PGW_E_INVALID;
    if (!p)
        p = (const uint8_t *)""; /* no arithmetic on a null pointer */
    pgwi_reader r;
    pgwi_reader_init(&r, p, len);
    int32_t n = pgwi_read_i32(&r);
    if (r.failed || n < 0 || (uint32_t)n > PGW_RECORD_MAX_FIELDS)
        return PGW_E_INVALID;
    const uint8_t *first = r.p;
    for (int32_t i = 0; i < n; i++) {
        pgwi_read_u32(&r);
        int32_t l = pgwi_read_i32(&r);
        if (l < -1)
            return PGW_E_INVALID;
        if (l >= 0)
            pgwi_read_bytes(&r, (size_t)l);
        if (r.failed)
            return PGW_E_INVALID;
    }
    if (!pgwi_reader_finish(&r))
        return PGW_E_INVALID;
    *nfields = (size_t)n;
    it->p = first;
    it->end = r.end;
    it->left = (size_t)n;
    return PGW_OK;
}

pgw_status pgw_record_bin_next(pgw_record_bin_iter *it, pgw_elem *out)
{
    if (!it || !out)
        return PGW_E_INVALID;
    if (it->left == 0)
        return PGW_END;
    pgwi_reader r;
    pgwi_reader_init(&r, it->p, (size_t)(it->end - it->p));
    uint32_t oid = pgwi_read_u32(&r);
    int32_t n = pgwi_read_i32(&r);
    const uint8_t *v = n >= 0 ? pgwi_read_bytes(&r, (size_t)n) : NULL;
    if (r.failed || n < -1)
        return PGW_E_INVALID;
    out->oid = oid;
    out->is_null = n < 0;
    out->p = v;
    out->len = n < 0 ? 0 : (size_t)n;
    it->p = r.p;
    it->left--;
    return PGW_OK;
}

/* ---- text ----------------------------------------------------------------- */

/* Scan one field starting at p (record_in's rules; range bounds use the
 * same ones with more stop characters). Returns the stop position or NULL
 * for an unterminated quote / trailing backslash. */
static const char *rec_scan_field(const char *p, const char *end, bool range)
{
    bool inq = false;
    while (p < end) {
        char c = *p;
        if (!inq && (c == ',' || c == ')' || (range && c == ']')))
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

/* Describe the raw field [s, e): a field that is one quoted string without
 * escapes is handed out without its quotes. */
static void rec_describe(const char *s, const char *e, pgw_text_elem *out)
{
    size_t n = (size_t)(e - s);
    out->is_null = false;
    out->p = s;
    out->len = n;
    bool special = false;
    for (size_t i = 0; i < n; i++)
        special = special || s[i] == '"' || s[i] == '\\';
    out->needs_unescape = special;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        bool inner = false;
        for (size_t i = 1; i + 1 < n; i++)
            inner = inner || s[i] == '"' || s[i] == '\\';
        if (!inner) {
            out->p = s + 1;
            out->len = n - 2;
            out->needs_unescape = false;
        }
    }
}

pgw_status pgw_record_text_begin(const char *p, size_t len, size_t *nfields,
                                 pgw_record_text_iter *it)
{
    if ((!p && len) || !nfields || !it)
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    const char *s = p, *end = p + len;
    while (s < end && rec_space(*s))
        s++;
    if (s == end || *s != '(')
        return PGW_E_INVALID;
    const char *body = ++s;
    size_t n = 0;
    for (;;) {
        const char *stop = rec_scan_field(s, end, false);
        if (!stop)
            return PGW_E_INVALID;
        if (++n > PGW_RECORD_MAX_FIELDS)
            return PGW_E_INVALID;
        s = stop + 1;
        if (*stop == ')')
            break;
    }
    while (s < end && rec_space(*s))
        s++;
    if (s != end)
        return PGW_E_INVALID;
    *nfields = n;
    it->p = body;
    it->end = end;
    it->left = n;
    return PGW_OK;
}

pgw_status pgw_record_text_next(pgw_record_text_iter *it, pgw_text_elem *out)
{
    if (!it || !out)
        return PGW_E_INVALID;
    if (it->left == 0)
        return PGW_END;
    const char *stop = rec_scan_field(it->p, it->end, false);
    if (!stop)
        return PGW_E_INVALID;
    if (stop == it->p) {
        out->p = NULL;
        out->len = 0;
        out->is_null = true;
        out->needs_unescape = false;
    } else {
        rec_describe(it->p, stop, out);
    }
    it->p = stop + 1;
    it->left--;
    return PGW_OK;
}

pgw_status pgw_record_text_unescape(pgw_buf *out, const char *p, size_t len)
{
    if (!out || (!p && len))
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    /* Check first so that nothing is appended for a malformed span. */
    bool inq = false;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\') {
            if (++i == len)
                return PGW_E_INVALID;
        } else if (p[i] == '"') {
            if (inq && i + 1 < len && p[i + 1] == '"')
                i++;
            else
                inq = !inq;
        }
    }
    if (inq)
        return PGW_E_INVALID;
    size_t mark = out->len, run = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\\') {
            pgw_buf_append(out, p + run, i - run);
            run = ++i; /* keep the escaped character */
        } else if (p[i] == '"') {
            pgw_buf_append(out, p + run, i - run);
            if (inq && i + 1 < len && p[i + 1] == '"') {
                run = ++i; /* "" inside quotes: keep one */
            } else {
                inq = !inq;
                run = i + 1;
            }
        }
    }
    pgw_status rc = pgw_buf_append(out, p + run, len - run);
    if (rc != PGW_OK)
        out->len = mark;
    return rc;
}

pgw_status pgw_range_text_unescape(pgw_buf *out, const char *p, size_t len)
{
    return pgw_record_text_unescape(out, p, len);
}

pgw_status pgw_record_text_quote(pgw_buf *out, const char *p, size_t len)
{
    if (!out || (!p && len))
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    bool quote = len == 0;
    for (size_t i = 0; i < len && !quote; i++) {
        char c = p[i];
        quote = c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' || rec_space(c);
    }
    if (!quote)
        return pgw_buf_append(out, p, len);
    size_t mark = out->len, run = 0;
    pgw_buf_put_u8(out, '"');
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '"' || p[i] == '\\') {
            /* record_out doubles quotes and backslashes */
            pgw_buf_append(out, p + run, i + 1 - run);
            run = i;
        }
    }
    pgw_buf_append(out, p + run, len - run);
    pgw_status rc = pgw_buf_put_u8(out, '"');
    if (rc != PGW_OK)
        out->len = mark;
    return rc;
}

/* ---- builders ------------------------------------------------------------- */

static pgw_status rec_fail(pgw_record_builder *b, pgw_status rc)
{
    if (b->error == PGW_OK)
        b->error = rc;
    if (b->out && b->out->len > b->mark)
        b->out->len = b->mark;
    return b->error;
}

static pgw_status rec_begin(pgw_record_builder *b, pgw_buf *out, size_t nfields, bool text)
{
    if (!b)
        return PGW_E_INVALID;
    memset(b, 0, sizeof *b);
    b->out = out;
    b->mark = out ? out->len : 0;
    b->text = text;
    b->nfields = nfields;
    if (!out || nfields > PGW_RECORD_MAX_FIELDS)
        return rec_fail(b, PGW_E_INVALID);
    b->mark = out->len;
    if (text)
        pgw_buf_put_u8(out, '(');
    else
        pgw_buf_put_i32(out, (int32_t)nfields);
    pgw_status rc = pgw_buf_status(out);
    return rc == PGW_OK ? PGW_OK : rec_fail(b, rc);
}

static pgw_status rec_can_add(pgw_record_builder *b, bool text)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK)
        return b->error;
    if (b->text != text || b->open || b->count >= b->nfields)
        return rec_fail(b, PGW_E_INVALID);
    if (text && b->count > 0)
        pgw_buf_put_u8(b->out, ',');
    return PGW_OK;
}

static pgw_status rec_added(pgw_record_builder *b)
{
    pgw_status rc = pgw_buf_status(b->out);
    if (rc != PGW_OK)
        return rec_fail(b, rc);
    b->count++;
    return PGW_OK;
}

static pgw_status rec_finish(pgw_record_builder *b, bool text)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK)
        return rec_fail(b, b->error);
    if (b->text != text || b->open || b->count != b->nfields)
        return rec_fail(b, PGW_E_INVALID);
    if (text)
        pgw_buf_put_u8(b->out, ')');
    pgw_status rc = pgw_buf_status(b->out);
    return rc == PGW_OK ? PGW_OK : rec_fail(b, rc);
}

pgw_status pgw_record_bin_build_begin(pgw_record_builder *b, pgw_buf *out, size_t nfields)
{
    return rec_begin(b, out, nfields, false);
}

pgw_status pgw_record_bin_build_add(pgw_record_builder *b, uint32_t oid, const void *p, size_t len)
{
    pgw_status rc = rec_can_add(b, false);
    if (rc != PGW_OK)
        return rc;
    if (!p && len)
        return rec_fail(b, PGW_E_INVALID);
    if (len > INT32_MAX)
        return rec_fail(b, PGW_E_TOO_LARGE);
    pgw_buf_put_i32(b->out, (int32_t)oid);
    pgw_buf_put_i32(b->out, (int32_t)len);
    pgw_buf_append(b->out, p, len);
    return rec_added(b);
}

pgw_status pgw_record_bin_build_null(pgw_record_builder *b, uint32_t oid)
{
    pgw_status rc = rec_can_add(b, false);
    if (rc != PGW_OK)
        return rc;
    pgw_buf_put_i32(b->out, (int32_t)oid);
    pgw_buf_put_i32(b->out, -1);
    return rec_added(b);
}

pgw_status pgw_record_bin_build_open(pgw_record_builder *b, uint32_t oid)
{
    pgw_status rc = rec_can_add(b, false);
    if (rc != PGW_OK)
        return rc;
    pgw_buf_put_i32(b->out, (int32_t)oid);
    b->elem_off = b->out->len;
    if (pgw_buf_put_i32(b->out, 0) != PGW_OK)
        return rec_fail(b, pgw_buf_status(b->out));
    b->open = true;
    return PGW_OK;
}

pgw_status pgw_record_bin_build_close(pgw_record_builder *b)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK)
        return b->error;
    if (!b->open)
        return rec_fail(b, PGW_E_INVALID);
    b->open = false;
    pgw_status rc = pgwi_patch_length(b->out, b->elem_off);
    if (rc != PGW_OK)
        return rec_fail(b, rc);
    return rec_added(b);
}

pgw_status pgw_record_bin_build_finish(pgw_record_builder *b)
{
    return rec_finish(b, false);
}

pgw_status pgw_record_text_build_begin(pgw_record_builder *b, pgw_buf *out, size_t nfields)
{
    return rec_begin(b, out, nfields, true);
}

pgw_status pgw_record_text_build_add(pgw_record_builder *b, const char *p, size_t len)
{
    pgw_status rc = rec_can_add(b, true);
    if (rc != PGW_OK)
        return rc;
    if (!p && len)
        return rec_fail(b, PGW_E_INVALID);
    pgw_record_text_quote(b->out, p ? p : "", len);
    return rec_added(b);
}

pgw_status pgw_record_text_build_null(pgw_record_builder *b)
{
    pgw_status rc = rec_can_add(b, true);
    if (rc != PGW_OK)
        return rc;
    return rec_added(b);
}

pgw_status pgw_record_text_build_finish(pgw_record_builder *b)
{
    return rec_finish(b, true);
}
