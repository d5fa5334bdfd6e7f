/* Fuzz the hstore codecs: the first byte picks the binary or the text form.
 * Invariants: only documented statuses; a valid binary hstore rebuilt gives
 * the same bytes; a valid text hstore rebuilt (unescape, then quote as
 * hstore_out) parses back to the same pairs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/containers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_bin(const uint8_t *p, size_t n)
{
    size_t np;
    pgw_hstore_bin_iter it;
    pgw_status rc = pgw_hstore_bin_begin(p, n, &np, &it);
    if (rc != PGW_OK) {
        if (rc != PGW_E_INVALID)
            abort();
        return;
    }
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    pgw_hstore_builder b;
    if (pgw_hstore_bin_build_begin(&b, &out) != PGW_OK)
        abort();
    pgw_hstore_pair kv;
    size_t k = 0;
    while ((rc = pgw_hstore_bin_next(&it, &kv)) == PGW_OK) {
        k++;
        const void *key = kv.key ? (const void *)kv.key : "";
        const void *val = kv.value.is_null ? NULL : kv.value.p ? (const void *)kv.value.p : "";
        if (pgw_hstore_bin_build_add(&b, key, kv.key_len, val, kv.value.len) != PGW_OK)
            abort();
    }
    if (rc != PGW_END || k != np || pgw_hstore_bin_build_finish(&b) != PGW_OK || out.len != n ||
        memcmp(out.data, p, n) != 0)
        abort();
    pgw_buf_free(&out);
}

static void unescape(pgw_buf *u, const pgw_text_elem *e)
{
    pgw_buf_reset(u);
    if ((e->needs_unescape ? pgw_hstore_text_unescape(u, e->p, e->len)
                           : pgw_buf_append(u, e->p, e->len)) != PGW_OK)
        abort();
}

/* All pairs, unescaped, in one buffer for comparison. */
static void canon(const char *p, size_t n, pgw_buf *c)
{
    size_t np;
    pgw_hstore_text_iter it;
    if (pgw_hstore_text_begin(p, n, &np, &it) != PGW_OK)
        abort();
    pgw_hstore_text_pair kv;
    pgw_buf u;
    pgw_buf_init(&u, NULL, 0);
    while (pgw_hstore_text_next(&it, &kv) == PGW_OK) {
        unescape(&u, &kv.key);
        pgw_buf_append(c, u.data, u.len);
        pgw_buf_put_u8(c, 0);
        pgw_buf_put_u8(c, kv.value.is_null ? 'N' : 'V');
        if (!kv.value.is_null) {
            unescape(&u, &kv.value);
            pgw_buf_append(c, u.data, u.len);
        }
        pgw_buf_put_u8(c, 0);
    }
    pgw_buf_free(&u);
}

static void fuzz_text(const char *p, size_t n)
{
    size_t np;
    pgw_hstore_text_iter it;
    pgw_status rc = pgw_hstore_text_begin(p, n, &np, &it);
    if (rc != PGW_OK) {
        if (rc != PGW_E_INVALID)
            abort();
        return;
    }
    pgw_buf out, k, v, c1, c2;
    pgw_buf_init(&out, NULL, 0);
    pgw_buf_init(&k, NULL, 0);
    pgw_buf_init(&v, NULL, 0);
    pgw_buf_init(&c1, NULL, 0);
    pgw_buf_init(&c2, NULL, 0);
    pgw_hstore_builder b;
    if (pgw_hstore_text_build_begin(&b, &out) != PGW_OK)
        abort();
    pgw_hstore_text_pair kv;
    while (pgw_hstore_text_next(&it, &kv) == PGW_OK) {
        unescape(&k, &kv.key);
        if (!kv.value.is_null)
            unescape(&v, &kv.value);
        const char *key = k.data ? (const char *)k.data : "";
        const char *val = kv.value.is_null ? NULL : v.data ? (const char *)v.data : "";
        if (pgw_hstore_text_build_add(&b, key, k.len, val, kv.value.is_null ? 0 : v.len) != PGW_OK)
            abort();
    }
    if (pgw_hstore_text_build_finish(&b) != PGW_OK)
        abort();
    canon(p, n, &c1);
    canon((const char *)out.data, out.len, &c2);
    if (c1.len != c2.len || (c1.len && memcmp(c1.data, c2.data, c1.len) != 0))
        abort();
    pgw_buf_free(&out);
    pgw_buf_free(&k);
    pgw_buf_free(&v);
    pgw_buf_free(&c1);
    pgw_buf_free(&c2);
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
