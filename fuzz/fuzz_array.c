/* Fuzz the array codecs: the first byte picks the binary or the text form
 * (and the text delimiter), the rest is the value. Invariants: only
 * documented statuses; iteration yields exactly nitems elements; a valid
 * value rebuilt with the builders decodes to the same shape and elements,
 * and (binary) gives the same bytes. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/containers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_bin(const uint8_t *p, size_t n)
{
    pgw_array_hdr h;
    pgw_array_bin_iter it;
    pgw_status rc = pgw_array_bin_begin(p, n, &h, &it);
    if (rc != PGW_OK) {
        if (rc != PGW_E_INVALID)
            abort();
        return;
    }
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_array_builder b;
    if (pgw_array_bin_build_begin(&b, &out, h.elem_oid, h.ndim, h.dims, h.lbounds) != PGW_OK)
        abort();
    pgw_elem e;
    size_t count = 0;
    bool any_null = false;
    while ((rc = pgw_array_bin_next(&it, &e)) == PGW_OK) {
        any_null = any_null || e.is_null;
        if (e.is_null ? (e.p != NULL || e.len != 0) : (e.p < p || e.p + e.len > p + n))
            abort();
        if ((e.is_null ? pgw_array_bin_build_null(&b) : pgw_array_bin_build_add(&b, e.p, e.len)) !=
            PGW_OK)
            abort();
        count++;
    }
    if (rc != PGW_END || count != h.nitems || pgw_array_bin_build_finish(&b) != PGW_OK)
        abort();
    /* Same bytes, except that the server's (and the builder's) empty array
     * has ndim 0, and the builder sets the has-nulls flag exactly when there
     * is a NULL (array_recv accepts either flag). */
    if (h.nitems > 0 && h.has_null == any_null && (out.len != n || memcmp(out.data, p, n) != 0))
        abort();
    pgw_array_hdr h2;
    if (pgw_array_bin_begin(out.data, out.len, &h2, &it) != PGW_OK || h2.nitems != h.nitems)
        abort();
    pgw_buf_free(&out);
}

static void fuzz_text(const char *p, size_t n, char delim)
{
    pgw_array_hdr h;
    pgw_array_text_iter it;
    pgw_status rc = pgw_array_text_begin(p, n, delim, &h, &it);
    if (rc != PGW_OK) {
        if (rc != PGW_E_INVALID)
            abort();
        return;
    }
    pgw_buf out, u;
    pgw_buf_init(&out, NULL, 0);
    pgw_buf_init(&u, NULL, 0);
    pgw_array_builder b;
    if (pgw_array_text_build_begin(&b, &out, delim, h.ndim, h.dims, h.lbounds) != PGW_OK)
        abort();
    pgw_text_elem e;
    size_t count = 0;
    while ((rc = pgw_array_text_next(&it, &e)) == PGW_OK) {
        count++;
        if (e.is_null) {
            if (pgw_array_text_build_null(&b) != PGW_OK)
                abort();
            continue;
        }
        pgw_buf_reset(&u);
        if (e.needs_unescape ? pgw_array_text_unescape(&u, e.p, e.len) != PGW_OK
                             : pgw_buf_append(&u, e.p, e.len) != PGW_OK)
            abort();
        if (pgw_array_text_build_add(&b, (const char *)u.data, u.len) != PGW_OK)
            abort();
    }
    if (rc != PGW_END || count != h.nitems || pgw_array_text_build_finish(&b) != PGW_OK)
        abort();
    /* What the builder prints parses back to the same shape. */
    pgw_array_hdr h2;
    if (pgw_array_text_begin((const char *)out.data, out.len, delim, &h2, &it) != PGW_OK ||
        h2.ndim != h.ndim || h2.nitems != h.nitems || memcmp(h2.dims, h.dims, sizeof h.dims) != 0 ||
        memcmp(h2.lbounds, h.lbounds, sizeof h.lbounds) != 0)
        abort();
    pgw_buf_free(&out);
    pgw_buf_free(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        fuzz_text((const char *)data + 1, size - 1, (data[0] & 2) ? ';' : ',');
    else
        fuzz_bin(data + 1, size - 1);
    return 0;
}
