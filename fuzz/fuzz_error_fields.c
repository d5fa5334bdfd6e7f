/* libFuzzer harness for ErrorResponse/NoticeResponse field iteration.
 *
 * Input: the message body, copied into an allocation of exactly its size
 * so that any read outside it is an ASan report.
 *
 * Invariants (abort() on violation):
 *   - the iterator agrees with a naive reference reading of the format
 *     (fields of a non-zero code byte and a NUL-terminated value, then one
 *     zero byte ending the body): same number of fields, same codes, same
 *     value pointers, same final status;
 *   - every value and its NUL lie inside the body, before the terminator;
 *   - after PGW_END the iterator keeps answering PGW_END;
 *   - iteration takes at most one step per body byte. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* The reference: walks byte by byte. Returns the final status and stores
 * the offset of each value in offs (at most cap of them). */
static pgw_status reference(const uint8_t *b, size_t len, size_t *offs, size_t cap, size_t *n)
{
    *n = 0;
    if (len == 0 || b[len - 1] != 0)
        return PGW_E_PROTOCOL;
    size_t i = 0;
    while (i < len - 1) {
        if (b[i] == 0)
            return PGW_E_PROTOCOL; /* early terminator, bytes follow */
        size_t v = i + 1;
        size_t j = v;
        while (j < len - 1 && b[j] != 0)
            j++;
        if (j >= len - 1)
            return PGW_E_PROTOCOL; /* value runs into the terminator */
        if (*n < cap)
            offs[*n] = v;
        (*n)++;
        i = j + 1;
    }
    return PGW_END;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *body = malloc(size == 0 ? 1 : size);
    if (body == NULL)
        abort();
    if (size > 0)
        memcpy(body, data, size);
    pgw_frame f;
    f.tag = 'E';
    f.body = body;
    f.len = size;

    size_t cap = size + 1;
    size_t *offs = malloc(sizeof *offs * cap);
    if (offs == NULL)
        abort();
    size_t ref_n = 0;
    pgw_status ref_rc = reference(body, size, offs, cap, &ref_n);

    pgw_field_iter it;
    pgw_status rc = pgw_fields_begin(&f, &it);
    check(rc == PGW_OK || rc == PGW_E_PROTOCOL);
    if (rc == PGW_E_PROTOCOL) {
        /* begin only checks the closing byte. */
        check(size == 0 || body[size - 1] != 0);
        check(ref_rc == PGW_E_PROTOCOL && ref_n == 0);
    } else {
        size_t n = 0;
        pgw_field fld;
        while ((rc = pgw_fields_next(&it, &fld)) == PGW_OK) {
            const uint8_t *v = (const uint8_t *)fld.value;
            check(n < ref_n);
            check(v == body + offs[n]);
            check(fld.code != 0 && (uint8_t)fld.code == body[offs[n] - 1]);
            /* The value's NUL comes before the final terminator. */
            check(memchr(v, 0, (size_t)(body + size - 1 - v)) != NULL);
            n++;
            check(n <= size);
        }
        check(rc == ref_rc && n == ref_n);
        if (rc == PGW_END)
            check(pgw_fields_next(&it, &fld) == PGW_END);
    }
    free(offs);
    free(body);
    return 0;
}
