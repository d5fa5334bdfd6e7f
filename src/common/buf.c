#include "pgwire/buf.h"

#include "common/common_int.h"

/* memset through a volatile pointer: the compiler cannot prove the store
 * dead and drop it (what explicit_bzero does, without needing it). */
static void *(*const volatile zero_fn)(void *, int, size_t) = memset;

static void zero(void *p, size_t n)
{
    if (p != NULL && n > 0)
        zero_fn(p, 0, n);
}

void pgw_buf_init(pgw_buf *b, const pgw_allocator *allocator, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->allocator = allocator;
    b->error = PGW_OK;
    b->wipe = false;
}

void pgw_buf_free(pgw_buf *b)
{
    if (b == NULL)
        return;
    if (b->wipe)
        zero(b->data, b->cap);
    pgwi_free(b->allocator, b->data, b->cap);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->error = PGW_OK;
}

void pgw_buf_reset(pgw_buf *b)
{
    if (b->wipe)
        zero(b->data, b->len);
    b->len = 0;
    b->error = PGW_OK;
}

pgw_status pgw_buf_reserve(pgw_buf *b, size_t extra)
{
    if (b->error != PGW_OK)
        return b->error;
    size_t need;
    size_t max = b->max == 0 ? SIZE_MAX : b->max;
    if (!pgwi_add_size(b->len, extra, &need) || need > max) {
        b->error = PGW_E_TOO_LARGE;
        return b->error;
    }
    if (need <= b->cap)
        return PGW_OK;
    /* Grow geometrically so a stream of appends is amortised O(1). */
    size_t cap = b->cap < 256 ? 256 : b->cap;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            cap = need;
            break;
        }
        cap *= 2;
    }
    if (cap > max)
        cap = max;
    uint8_t *p;
    if (b->wipe && b->data != NULL) {
        /* realloc may leave the old block behind unwiped: move by hand. */
        p = pgwi_alloc(b->allocator, cap);
        if (p != NULL) {
            memcpy(p, b->data, b->len);
            zero(b->data, b->cap);
            pgwi_free(b->allocator, b->data, b->cap);
        }
    } else {
        p = pgwi_realloc(b->allocator, b->data, b->cap, cap);
    }
    if (p == NULL) {
        b->error = PGW_E_NOMEM;
        return b->error;
    }
    b->data = p;
    b->cap = cap;
    return PGW_OK;
}

pgw_status pgw_buf_append(pgw_buf *b, const void *p, size_t n)
{
    pgw_status rc = pgw_buf_reserve(b, n);
    if (rc != PGW_OK)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return PGW_OK;
}

pgw_status pgw_buf_put_u8(pgw_buf *b, uint8_t v)
{
    return pgw_buf_append(b, &v, 1);
}

pgw_status pgw_buf_put_i16(pgw_buf *b, int16_t v)
{
    uint16_t u = (uint16_t)v;
    uint8_t be[2] = {(uint8_t)(u >> 8), (uint8_t)u};
    return pgw_buf_append(b, be, 2);
}

pgw_status pgw_buf_put_i32(pgw_buf *b, int32_t v)
{
    uint8_t be[4];
    pgwi_store_u32(be, (uint32_t)v);
    return pgw_buf_append(b, be, 4);
}

void pgw_buf_patch_i32(pgw_buf *b, size_t off, int32_t v)
{
    if (b->error != PGW_OK || off > b->len || b->len - off < 4)
        return;
    pgwi_store_u32(b->data + off, (uint32_t)v);
}

void pgw_buf_consume(pgw_buf *b, size_t n)
{
    if (n >= b->len) {
        if (b->wipe)
            zero(b->data, b->len);
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    /* The vacated tail still holds a copy of the moved bytes. */
    if (b->wipe)
        zero(b->data + b->len - n, n);
    b->len -= n;
}

pgw_status pgw_buf_status(const pgw_buf *b)
{
    return b->error;
}
