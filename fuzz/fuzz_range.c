/* Fuzz the range and multirange codecs: the first byte picks range or
 * multirange, binary or text. Invariants: only documented statuses; a valid
 * binary value re-encoded gives the same bytes; a valid text value
 * re-encoded (bounds unescaped, then quoted) decodes to the same flags and
 * bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/containers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ok_or_invalid(pgw_status rc)
{
    if (rc != PGW_OK && rc != PGW_E_INVALID)
        abort();
}

static void range_bin(const uint8_t *p, size_t n)
{
    pgw_range r;
    pgw_status rc = pgw_decode_range_bin(p, n, &r);
    ok_or_invalid(rc);
    if (rc != PGW_OK)
        return;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    if (pgw_encode_range_bin(&out, r.flags, r.lower.p, r.lower.len, r.upper.p, r.upper.len) !=
            PGW_OK ||
        out.len != n || memcmp(out.data, p, n) != 0)
        abort();
    pgw_buf_free(&out);
}

static void multirange_bin(const uint8_t *p, size_t n)
{
    size_t count;
    pgw_multirange_bin_iter it;
    pgw_status rc = pgw_multirange_bin_begin(p, n, &count, &it);
    ok_or_invalid(rc);
    if (rc != PGW_OK)
        return;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_multirange_builder b;
    if (pgw_multirange_bin_build_begin(&b, &out) != PGW_OK)
        abort();
    pgw_range r;
    size_t k = 0;
    while ((rc = pgw_multirange_bin_next(&it, &r)) == PGW_OK) {
        k++;
        if (pgw_multirange_bin_build_add(&b, r.flags, r.lower.p, r.lower.len, r.upper.p,
                                         r.upper.len) != PGW_OK)
            abort();
    }
    if (rc != PGW_END || k != count || pgw_multirange_bin_build_finish(&b) != PGW_OK ||
        out.len != n || memcmp(out.data, p, n) != 0)
        abort();
    pgw_buf_free(&out);
}

/* Flags and unescaped bounds of a text range, for comparison. */
static void canon(const pgw_range_text *r, pgw_buf *c)
{
    pgw_buf_put_u8(c, r->flags);
    const pgw_text_elem *b[2] = {&r->lower, &r->upper};
    for (int i = 0; i < 2; i++) {
        pgw_buf_put_u8(c, b[i]->is_null ? 'N' : 'V');
        if (!b[i]->is_null &&
            (b[i]->needs_unescape ? pgw_range_text_unescape(c, b[i]->p, b[i]->len)
                                  : pgw_buf_append(c, b[i]->p, b[i]->len)) != PGW_OK)
            abort();
        pgw_buf_put_u8(c, 0);
    }
}

/* Re-encode one text range into out; bounds go through scratch buffers. */
static void reencode(const pgw_range_text *r, pgw_buf *out, pgw_multirange_builder *mb)
{
    pgw_buf lo, hi;
    pgw_buf_init(&lo, NULL, 0);
    pgw_buf_init(&hi, NULL, 0);
    if (!r->lower.is_null)
        (r->lower.needs_unescape ? pgw_range_text_unescape(&lo, r->lower.p, r->lower.len)
                                 : pgw_buf_append(&lo, r->lower.p, r->lower.len));
    if (!r->upper.is_null)
        (r->upper.needs_unescape ? pgw_range_text_unescape(&hi, r->upper.p, r->upper.len)
                                 : pgw_buf_append(&hi, r->upper.p, r->upper.len));
    const char *l = (const char *)lo.data, *h = (const char *)hi.data;
    pgw_status rc =
        mb ? pgw_multirange_text_build_add(mb, r->flags, l ? l : "", lo.len, h ? h : "", hi.len)
           : pgw_encode_range_text(out, r->flags, l ? l : "", lo.len, h ? h : "", hi.len);
    if (rc != PGW_OK)
        abort();
    pgw_buf_free(&lo);
    pgw_buf_free(&hi);
}

static void range_text(const char *p, size_t n)
{
    pgw_range_text r, r2;
    pgw_status rc = pgw_decode_range_text(p, n, &r);
    ok_or_invalid(rc);
    if (rc != PGW_OK)
        return;
    pgw_buf out, c1, c2;
    pgw_buf_init(&out, NULL, 0);
    pgw_buf_init(&c1, NULL, 0);
    pgw_buf_init(&c2, NULL, 0);
    reencode(&r, &out, NULL);
    if (pgw_decode_range_text((const char *)out.data, out.len, &r2) != PGW_OK)
        abort();
    canon(&r, &c1);
    canon(&r2, &c2);
    if (c1.len != c2.len || memcmp(c1.data, c2.data, c1.len) != 0)
        abort();
    pgw_buf_free(&out);
    pgw_buf_free(&c1);
    pgw_buf_free(&c2);
}

static void multirange_text(const char *p, size_t n)
{
    size_t count, count2;
    pgw_multirange_text_iter it, it2;
    pgw_status rc = pgw_multirange_text_begin(p, n, &count, &it);
    ok_or_invalid(rc);
    if (rc != PGW_OK)
        return;
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_multirange_builder b;
    if (pgw_multirange_text_build_begin(&b, &out) != PGW_OK)
        abort();
    pgw_range_text r;
    size_t k = 0;
    while ((rc = pgw_multirange_text_next(&it, &r)) == PGW_OK) {
        k++;
        reencode(&r, &out, &b);
    }
    if (rc != PGW_END || k != count || pgw_multirange_text_build_finish(&b) != PGW_OK)
        abort();
    if (pgw_multirange_text_begin((const char *)out.data, out.len, &count2, &it2) != PGW_OK ||
        count2 != count)
        abort();
    pgw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] & 3) {
    case 0:
        range_bin(p, n);
        break;
    case 1:
        range_text((const char *)p, n);
        break;
    case 2:
        multirange_bin(p, n);
        break;
    default:
        multirange_text((const char *)p, n);
        break;
    }
    return 0;
}
