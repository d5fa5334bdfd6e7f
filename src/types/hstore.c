/* hstore (contrib): hstore_send/hstore_recv's binary form and
 * hstore_out/hstore_in's text form. */
#include "pgwire/containers.h"

#include "common/common_int.h"

static bool hs_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- binary ----------------------------------------------------------- */

pgw_status pgw_hstore_bin_begin(const uint8_t *p, size_t len, size_t *npairs,
                                pgw_hstore_bin_iter *it)
{
    if ((!p && len) || !npairs || !it)
        return PGW_E_INVALID;
    if (!p)
        p = (const uint8_t *)""; /* no arithmetic on a null pointer */
    pgwi_reader r;
    pgwi_reader_init(&r, p, len);
    int32_t n = pgwi_read_i32(&r);
    /* A pair takes at least 8 bytes (two length words). */
    if (r.failed || n < 0 || (size_t)n > pgwi_reader_left(&r) / 8)
        return PGW_E_INVALID;
    const uint8_t *first = r.p;
    for (int32_t i = 0; i < n; i++) {
        int32_t kl = pgwi_read_i32(&r);
        if (kl < 0)
            return PGW_E_INVALID; /* hstore keys are never NULL */
        pgwi_read_bytes(&r, (size_t)kl);
        int32_t vl = pgwi_read_i32(&r);
        if (vl < -1)
            return PGW_E_INVALID;
        if (vl >= 0)
            pgwi_read_bytes(&r, (size_t)vl);
        if (r.failed)
            return PGW_E_INVALID;
    }
    if (!pgwi_reader_finish(&r))
        return PGW_E_INVALID;
    *npairs = (size_t)n;
    it->p = first;
    it->end = r.end;
    it->left = (size_t)n;
    return PGW_OK;
}

pgw_status pgw_hstore_bin_next(pgw_hstore_bin_iter *it, pgw_hstore_pair *out)
{
    if (!it || !out)
        return PGW_E_INVALID;
    if (it->left == 0)
        return PGW_END;
    pgwi_reader r;
    pgwi_reader_init(&r, it->p, (size_t)(it->end - it->p));
    int32_t kl = pgwi_read_i32(&r);
    const uint8_t *k = kl >= 0 ? pgwi_read_bytes(&r, (size_t)kl) : NULL;
    int32_t vl = pgwi_read_i32(&r);
    const uint8_t *v = vl >= 0 ? pgwi_read_bytes(&r, (size_t)vl) : NULL;
    if (r.failed || kl < 0 || vl < -1)
        return PGW_E_INVALID;
    out->key = k;
    out->key_len = (size_t)kl;
    out->value.p = v;
    out->value.len = vl < 0 ? 0 : (size_t)vl;
    out->value.is_null = vl < 0;
    out->value.oid = 0;
    it->p = r.p;
    it->left--;
    return PGW_OK;
}

/* ---- text ----------------------------------------------------------------- */

/* One key or value, hstore_in's get_val: quoted (backslash escapes, up to
 * the closing quote) or bare (backslash escapes, up to white space, and up
 * to '=' for a key or ',' for a value). NULL on a malformed token. */
static const char *hs_scan_token(const char *p, const char *end, bool is_value, pgw_text_elem *e)
{
    bool esc = false;
    if (p < end && *p == '"') {
        const char *s = ++p;
        while (p < end && *p != '"') {
            if (*p == '\\') {
                esc = true;
                if (++p == end)
                    return NULL;
            }
            p++;
        }
        if (p == end)
            return NULL;
        e->p = s;
        e->len = (size_t)(p - s);
        e->is_null = false;
        e->needs_unescape = esc;
        return p + 1;
    }
    const char *s = p;
    while (p < end && !hs_space(*p) && *p != (is_value ? ',' : '=')) {
        if (*p == '\\') {
            esc = true;
            if (++p == end)
                return NULL;
        }
        p++;
    }
    if (p == s)
        return NULL;
    e->p = s;
    e->len = (size_t)(p - s);
    e->needs_unescape = esc;
    e->is_null = false;
    if (is_value && !esc && e->len == 4) {
        static const char w[] = "null";
        bool eq = true;
        for (size_t i = 0; i < 4; i++) {
            char c = s[i];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            eq = eq && c == w[i];
        }
        if (eq) {
            e->is_null = true;
            e->p = NULL;
            e->len = 0;
        }
    }
    return p;
}

static const char *hs_skip_space(const char *p, const char *end)
{
    while (p < end && hs_space(*p))
        p++;
    return p;
}

/* Parse one pair at p (white space already skipped, not at the end);
 * returns the position after the pair and its separator, or NULL. */
static const char *hs_scan_pair(const char *p, const char *end, pgw_hstore_text_pair *pair)
{
    p = hs_scan_token(p, end, false, &pair->key);
    if (!p)
        return NULL;
    p = hs_skip_space(p, end);
    if (end - p < 2 || p[0] != '=' || p[1] != '>')
        return NULL;
    p = hs_skip_space(p + 2, end);
    p = hs_scan_token(p, end, true, &pair->value);
    if (!p)
        return NULL;
    p = hs_skip_space(p, end);
    if (p < end) {
        if (*p != ',')
            return NULL;
        p = hs_skip_space(p + 1, end);
    }
    return p;
}

pgw_status pgw_hstore_text_begin(const char *p, size_t len, size_t *npairs,
                                 pgw_hstore_text_iter *it)
{
    if ((!p && len) || !npairs || !it)
        return PGW_E_INVALID;
    if (!p)
        p = ""; /* no arithmetic on a null pointer */
    const char *end = p + len, *s = hs_skip_space(p, end);
    const char *body = s;
    size_t n = 0;
    while (s < end) {
        pgw_hstore_text_pair pair;
        s = hs_scan_pair(s, end, &pair);
        if (!s)
            return PGW_E_INVALID;
        n++;
    }
    *npairs = n;
    it->p = body;
    it->end = end;
    it->left = n;
    return PGW_OK;
}

pgw_status pgw_hstore_text_next(pgw_hstore_text_iter *it, pgw_hstore_text_pair *out)
{
    if (!it || !out)
        return PGW_E_INVALID;
    if (it->left == 0)
        return PGW_END;
    const char *s = hs_scan_pair(it->p, it->end, out);
    if (!s)
        return PGW_E_INVALID;
    it->p = s;
    it->left--;
    return PGW_OK;
}

pgw_status pgw_hstore_text_unescape(pgw_buf *out, const char *p, size_t len)
{
    return pgw_array_text_unescape(out, p, len);
}

/* hstore_out always quotes, escaping quotes and backslashes. */
static void hs_put_quoted(pgw_buf *out, const char *p, size_t len)
{
    size_t run = 0;
    pgw_buf_put_u8(out, '"');
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '"' || p[i] == '\\') {
            pgw_buf_append(out, p + run, i - run);
            pgw_buf_put_u8(out, '\\');
            run = i;
        }
    }
    pgw_buf_append(out, p + run, len - run);
    pgw_buf_put_u8(out, '"');
}

/* ---- builders ------------------------------------------------------------- */

static pgw_status hs_fail(pgw_hstore_builder *b, pgw_status rc)
{
    if (b->error == PGW_OK)
        b->error = rc;
    if (b->out && b->out->len > b->mark)
        b->out->len = b->mark;
    return b->error;
}

static pgw_status hs_begin(pgw_hstore_builder *b, pgw_buf *out, bool text)
{
    if (!b)
        return PGW_E_INVALID;
    memset(b, 0, sizeof *b);
    b->out = out;
    b->mark = out ? out->len : 0;
    b->text = text;
    if (!out)
        return hs_fail(b, PGW_E_INVALID);
    b->mark = out->len;
    if (!text)
        pgw_buf_put_i32(out, 0);
    pgw_status rc = pgw_buf_status(out);
    return rc == PGW_OK ? PGW_OK : hs_fail(b, rc);
}

static pgw_status hs_check(pgw_hstore_builder *b, bool text, const void *key, size_t key_len,
                           const void *value, size_t value_len)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK)
        return b->error;
    if (b->text != text || !b->out || !key)
        return hs_fail(b, PGW_E_INVALID);
    if (key_len > INT32_MAX || (value && value_len > INT32_MAX) || b->count >= INT32_MAX)
        return hs_fail(b, PGW_E_TOO_LARGE);
    return PGW_OK;
}

pgw_status pgw_hstore_bin_build_begin(pgw_hstore_builder *b, pgw_buf *out)
{
    return hs_begin(b, out, false);
}

pgw_status pgw_hstore_bin_build_add(pgw_hstore_builder *b, const void *key, size_t key_len,
                                    const void *value, size_t value_len)
{
    pgw_status rc = hs_check(b, false, key, key_len, value, value_len);
    if (rc != PGW_OK)
        return rc;
    pgw_buf_put_i32(b->out, (int32_t)key_len);
    pgw_buf_append(b->out, key, key_len);
    if (value) {
        pgw_buf_put_i32(b->out, (int32_t)value_len);
        pgw_buf_append(b->out, value, value_len);
    } else {
        pgw_buf_put_i32(b->out, -1);
    }
    rc = pgw_buf_status(b->out);
    if (rc != PGW_OK)
        return hs_fail(b, rc);
    b->count++;
    return PGW_OK;
}

pgw_status pgw_hstore_bin_build_finish(pgw_hstore_builder *b)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK || b->text)
        return hs_fail(b, b->error != PGW_OK ? b->error : PGW_E_INVALID);
    pgw_buf_patch_i32(b->out, b->mark, (int32_t)b->count);
    return PGW_OK;
}

pgw_status pgw_hstore_text_build_begin(pgw_hstore_builder *b, pgw_buf *out)
{
    return hs_begin(b, out, true);
}

pgw_status pgw_hstore_text_build_add(pgw_hstore_builder *b, const char *key, size_t key_len,
                                     const char *value, size_t value_len)
{
    pgw_status rc = hs_check(b, true, key, key_len, value, value_len);
    if (rc != PGW_OK)
        return rc;
    if (b->count > 0)
        pgw_buf_append(b->out, ", ", 2);
    hs_put_quoted(b->out, key ? key : "", key_len);
    pgw_buf_append(b->out, "=>", 2);
    if (value)
        hs_put_quoted(b->out, value, value_len);
    else
        pgw_buf_append(b->out, "NULL", 4);
    rc = pgw_buf_status(b->out);
    if (rc != PGW_OK)
        return hs_fail(b, rc);
    b->count++;
    return PGW_OK;
}

pgw_status pgw_hstore_text_build_finish(pgw_hstore_builder *b)
{
    if (!b)
        return PGW_E_INVALID;
    if (b->error != PGW_OK || !b->text)
        return hs_fail(b, b->error != PGW_OK ? b->error : PGW_E_INVALID);
    return PGW_OK;
}
