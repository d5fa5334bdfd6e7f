/* Fuzz the record codecs: the first byte picks the binary or the text form.
 * Invariants: only documented statuses; iteration yields nfields fields;
 * a valid binary record rebuilt with the builder gives the same bytes; a
 * valid text record rebuilt (unescape, then quote) parses back to the same
 * field values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/containers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_bin(const uint8_t *p, size_t n)
{
    size_t nf;
    pgw_record_bin_iter it;
    pgw_status rc = pgw_record_bin_begin(p, n, &nf, &it);
    if (rc != PGW_OK) {
        if (rc != PGW_E_INVALID)
            abort();
        return;
    }
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_record_builder b;
    if (pgw_record_bin_build_begin(&b, &out, nf) != PGW_OK)
        abort();
    pgw_elem e;
    size_t count = 0;
    while ((rc = pgw_record_bin_next(&it, &e)) == PGW_OK) {
        if ((e.is_null ? pgw_record_bin_build_null(&b, e.oid)
                       : pgw_record_bin_build_add(&b, e.oid, e.p, e.len)) != PGW_OK)
            abort();
        count++;
    }
    if (rc != PGW_END || count != nf || pgw_record_bin_build_finish(&b) != PGW_OK || out.len != n ||
        memcmp(out.data, p, n) != 0)
        abort();
    pgw_buf_free(&out);
}

/* Unescape every field of a text record into `vals`, separated by a NUL and
 * a NULL marker, so two records can be compared. */
static size_t fields(const char *p, size_t n, pgw_buf *vals)
{
    size_t nf;
    pgw_record_text_iter it;
    if (pgw_record_text_begin(p, n, &nf, &it) != PGW_OK)
        abort();
    pgw_text_elem e;
    size_t count = 0;
    while (pgw_record_text_next(&it, &e) == PGW_OK) {
        count++;
        pgw_buf_put_u8(vals, e.is_null ? 'N' : 'V');
        if (!e.is_null && (e.needs_unescape ? pgw_record_text_unescape(vals, e.p, e.len)
                                            : pgw_buf_append(vals, e.p, e.len)) != PGW_OK)
            abort();
        pgw_buf_put_u8(vals, 0);
    }
    if (count != nf)
        abort();
    return nf;
}

static void fuzz_text(const char *p, size_t n)
{
    size_t nf;
    pgw_record_text_iter it;
    pgw_status rc = pgw_record_text_begin(p, n, &nf, &it);
    if (rc != PGW_OK) {
        if (rc != PGW_E_INVALID)
            abort();
        return;
    }
    pgw_buf out, u, v1, v2;
    pgw_buf_init(&out, NULL, 0);
    pgw_buf_init(&u, NULL, 0);
    pgw_buf_init(&v1, NULL, 0);
    pgw_buf_init(&v2, NULL, 0);
    pgw_record_builder b;
    if (pgw_record_text_build_begin(&b, &out, nf) != PGW_OK)
        abort();
    pgw_text_elem e;
    while (pgw_record_text_next(&it, &e) == PGW_OK) {
        if (e.is_null) {
            if (pgw_record_text_build_null(&b) != PGW_OK)
                abort();
            continue;
        }
        pgw_buf_reset(&u);
        if (e.needs_unescape ? pgw_record_text_unescape(&u, e.p, e.len) != PGW_OK
                             : pgw_buf_append(&u, e.p, e.len) != PGW_OK)
            abort();
        if (pgw_record_text_build_add(&b, (const char *)u.data, u.len) != PGW_OK)
            abort();
    }
    if (pgw_record_text_build_finish(&b) != PGW_OK)
        abort();
    size_t a = fields(p, n, &v1), c = fields((const char *)out.data, out.len, &v2);
    if (a != c || v1.len != v2.len || (v1.len && memcmp(v1.data, v2.data, v1.len) != 0))
        abort();
    pgw_buf_free(&out);
    pgw_buf_free(&u);
    pgw_buf_free(&v1);
    pgw_buf_free(&v2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_text((const char *)data + 1, size - 1);
    else
        fuzz_bin(data + 1, size - 1);
    return 0;
}
