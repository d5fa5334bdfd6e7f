/* libFuzzer harness for the binary COPY reader (pgw_copy_bin_reader).
 *
 * Input: byte 0 picks a chunk step (1..8) and a field cap; the rest is a
 * binary COPY stream, copied into an allocation of exactly its size so
 * that any read outside it is an ASan report.
 *
 * Invariants (abort() on violation):
 *   - every field view lies inside the stream, and a row consumes at least
 *     its field count word;
 *   - reading the whole stream at once and reading it as it grows, step
 *     bytes at a time (refeeding what was not consumed), give the same rows
 *     (field counts, NULLs, offsets, lengths) and the same final status;
 *   - PGW_WANT_READ consumes nothing but a complete header;
 *   - re-encoding the rows read (header, pgw_copy_bin_raw / _null, trailer)
 *     and reading that back gives the same fields, byte for byte. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

#define MAX_ROWS 64
#define CAP_MAX 16

typedef struct row {
    uint16_t n;
    size_t off[CAP_MAX];
    int32_t len[CAP_MAX];
} row;

/* Read everything available: returns the final status, rows in rs. */
static pgw_status read_all(const uint8_t *s, size_t len, uint16_t cap, row *rs, size_t *nr)
{
    pgw_copy_bin_reader r;
    pgw_copy_bin_reader_init(&r);
    pgw_copy_bin_reader_feed(&r, s, len);
    *nr = 0;
    for (;;) {
        pgw_value v[CAP_MAX];
        uint16_t n = 0;
        size_t before = pgw_copy_bin_reader_pending(&r);
        int state_before = r.state;
        pgw_status rc = pgw_copy_bin_reader_next(&r, v, cap, &n);
        size_t after = pgw_copy_bin_reader_pending(&r);
        check(after <= before);
        if (rc != PGW_OK) {
            /* Only a completed header may be consumed before a short row. */
            if (rc == PGW_WANT_READ)
                check(after == before || (state_before == 0 && r.state == 1));
            return rc;
        }
        check(before - after >= 2 && n <= cap);
        if (*nr == MAX_ROWS)
            return PGW_OK; /* enough for one input */
        row *w = &rs[(*nr)++];
        w->n = n;
        for (uint16_t i = 0; i < n; i++) {
            w->len[i] = v[i].len;
            if (v[i].len < 0) {
                check(v[i].len == -1 && v[i].ptr == NULL);
                w->off[i] = 0;
                continue;
            }
            check(v[i].ptr >= s && (size_t)(v[i].ptr - s) <= len &&
                  (size_t)v[i].len <= len - (size_t)(v[i].ptr - s));
            w->off[i] = (size_t)(v[i].ptr - s);
        }
    }
}

/* The same stream revealed step bytes at a time. */
static pgw_status read_growing(const uint8_t *s, size_t len, uint16_t cap, size_t step, row *rs,
                               size_t *nr)
{
    pgw_copy_bin_reader r;
    pgw_copy_bin_reader_init(&r);
    size_t start = 0, end = len < step ? len : step;
    *nr = 0;
    pgw_copy_bin_reader_feed(&r, s, end);
    for (;;) {
        pgw_value v[CAP_MAX];
        uint16_t n = 0;
        pgw_status rc = pgw_copy_bin_reader_next(&r, v, cap, &n);
        if (rc == PGW_WANT_READ || (rc == PGW_END && end < len)) {
            if (end == len)
                return rc;
            /* Refeed the unconsumed rest with step more bytes; the reader
             * keeps its place in the stream (header seen or not). */
            start = end - pgw_copy_bin_reader_pending(&r);
            end = len - end < step ? len : end + step;
            pgw_copy_bin_reader_feed(&r, s + start, end - start);
            continue;
        }
        if (rc != PGW_OK)
            return rc;
        if (*nr == MAX_ROWS)
            return PGW_OK;
        row *w = &rs[(*nr)++];
        w->n = n;
        for (uint16_t i = 0; i < n; i++) {
            w->len[i] = v[i].len;
            w->off[i] = v[i].len < 0 ? 0 : (size_t)(v[i].ptr - s);
        }
    }
}

static bool same_rows(const row *a, size_t na, const row *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t k = 0; k < na; k++) {
        if (a[k].n != b[k].n)
            return false;
        for (uint16_t i = 0; i < a[k].n; i++)
            if (a[k].len[i] != b[k].len[i] || a[k].off[i] != b[k].off[i])
                return false;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    size_t step = (size_t)(data[0] & 7) + 1;
    uint16_t cap = (uint16_t)((data[0] >> 3) & 15) + 1;
    size_t len = size - 1;
    uint8_t *s = malloc(len ? len : 1);
    check(s != NULL);
    if (len)
        memcpy(s, data + 1, len);

    row *a = malloc(2 * MAX_ROWS * sizeof *a);
    check(a != NULL);
    row *b = a + MAX_ROWS;
    size_t na, nb;
    pgw_status ra = read_all(s, len, cap, a, &na);
    pgw_status rb = read_growing(s, len, cap, step, b, &nb);
    check(same_rows(a, na, b, nb));
    if (na < MAX_ROWS)
        check(ra == rb);

    /* Re-encode what was read; it must read back identically. */
    pgw_buf e;
    pgw_buf_init(&e, NULL, 0);
    check(pgw_copy_bin_header(&e) == PGW_OK);
    for (size_t k = 0; k < na; k++) {
        check(pgw_copy_bin_row(&e, a[k].n) == PGW_OK);
        for (uint16_t i = 0; i < a[k].n; i++) {
            if (a[k].len[i] < 0)
                check(pgw_copy_bin_null(&e) == PGW_OK);
            else
                check(pgw_copy_bin_raw(&e, s + a[k].off[i], (size_t)a[k].len[i]) == PGW_OK);
        }
    }
    check(pgw_copy_bin_trailer(&e) == PGW_OK);
    pgw_copy_bin_reader r;
    pgw_copy_bin_reader_init(&r);
    pgw_copy_bin_reader_feed(&r, e.data, e.len);
    for (size_t k = 0; k < na; k++) {
        pgw_value v[CAP_MAX];
        uint16_t n = 0;
        check(pgw_copy_bin_reader_next(&r, v, CAP_MAX, &n) == PGW_OK && n == a[k].n);
        for (uint16_t i = 0; i < n; i++) {
            check(v[i].len == a[k].len[i]);
            if (v[i].len > 0)
                check(memcmp(v[i].ptr, s + a[k].off[i], (size_t)v[i].len) == 0);
        }
    }
    uint16_t n;
    pgw_value v[CAP_MAX];
    check(pgw_copy_bin_reader_next(&r, v, CAP_MAX, &n) == PGW_END);
    check(pgw_copy_bin_reader_next(&r, v, CAP_MAX, &n) == PGW_END);
    pgw_buf_free(&e);
    free(a);
    free(s);
    return 0;
}
