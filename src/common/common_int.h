/* src/common — what every module shares: allocator plumbing, checked size
 * arithmetic, the bounds-checked big-endian reader.
 *
 * May include: libc and the public headers only. Knows nothing about
 * PostgreSQL messages. Invariant: no function here ever reads past the
 * bounds it was given, and no size computation can wrap. */
#ifndef PGWIRE_COMMON_COMMON_INT_H
#define PGWIRE_COMMON_COMMON_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pgwire/alloc.h"
#include "pgwire/buf.h"
#include "pgwire/status.h"

/* Allocation through the per-object allocator (NULL = libc). */
void *pgwi_alloc(const pgw_allocator *a, size_t n);
/* Zeroed array allocation; NULL on overflow of count*size. */
void *pgwi_alloc_array(const pgw_allocator *a, size_t count, size_t size);
void *pgwi_realloc(const pgw_allocator *a, void *p, size_t old_n, size_t new_n);
void pgwi_free(const pgw_allocator *a, void *p, size_t n);
/* Copy n bytes and add a NUL; NULL on failure. Free with pgwi_free(a, p, n + 1). */
char *pgwi_strndup(const pgw_allocator *a, const char *s, size_t n);

/* Checked size arithmetic: false on overflow. */
static inline bool pgwi_add_size(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return false;
    *out = a + b;
    return true;
}

static inline bool pgwi_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

/* Big-endian loads from memory the caller has bounds-checked. */
static inline uint16_t pgwi_load_u16(const uint8_t *p)
{
    return (uint16_t)(((unsigned)p[0] << 8) | (unsigned)p[1]);
}

static inline uint32_t pgwi_load_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
           (uint32_t)p[3];
}

static inline void pgwi_store_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The bounds-checked reader. Every read checks the remaining length; the
 * first failure is sticky and later reads return zero/NULL, so a parser
 * can read a whole message and check `failed` once (plus finish()). */
typedef struct pgwi_reader {
    const uint8_t *p;
    const uint8_t *end;
    bool failed;
} pgwi_reader;

static inline void pgwi_reader_init(pgwi_reader *r, const uint8_t *p, size_t n)
{
    r->p = p;
    r->end = p + n;
    r->failed = false;
}

static inline size_t pgwi_reader_left(const pgwi_reader *r)
{
    return r->failed ? 0 : (size_t)(r->end - r->p);
}

static inline uint8_t pgwi_read_u8(pgwi_reader *r)
{
    if (r->failed || r->end - r->p < 1) {
        r->failed = true;
        return 0;
    }
    return *r->p++;
}

static inline uint16_t pgwi_read_u16(pgwi_reader *r)
{
    if (r->failed || r->end - r->p < 2) {
        r->failed = true;
        return 0;
    }
    uint16_t v = pgwi_load_u16(r->p);
    r->p += 2;
    return v;
}

static inline int16_t pgwi_read_i16(pgwi_reader *r)
{
    return (int16_t)pgwi_read_u16(r);
}

static inline uint32_t pgwi_read_u32(pgwi_reader *r)
{
    if (r->failed || r->end - r->p < 4) {
        r->failed = true;
        return 0;
    }
    uint32_t v = pgwi_load_u32(r->p);
    r->p += 4;
    return v;
}

static inline int32_t pgwi_read_i32(pgwi_reader *r)
{
    return (int32_t)pgwi_read_u32(r);
}

/* A view of the next n bytes, or NULL (and failed) if fewer remain. */
static inline const uint8_t *pgwi_read_bytes(pgwi_reader *r, size_t n)
{
    if (r->failed || (size_t)(r->end - r->p) < n) {
        r->failed = true;
        return NULL;
    }
    const uint8_t *v = r->p;
    r->p += n;
    return v;
}

/* A NUL-terminated string inside the remaining bytes; *len excludes the NUL.
 * Fails when no NUL is present. */
static inline const char *pgwi_read_cstr(pgwi_reader *r, size_t *len)
{
    if (r->failed) {
        return NULL;
    }
    const uint8_t *nul = memchr(r->p, 0, (size_t)(r->end - r->p));
    if (nul == NULL) {
        r->failed = true;
        return NULL;
    }
    const char *s = (const char *)r->p;
    if (len != NULL)
        *len = (size_t)(nul - r->p);
    r->p = nul + 1;
    return s;
}

/* True when the reader did not fail and consumed every byte: parsers reject
 * trailing bytes. */
static inline bool pgwi_reader_finish(const pgwi_reader *r)
{
    return !r->failed && r->p == r->end;
}

/* Appends for builders that reserved the whole message first: a memcpy
 * when the room is there, the checked pgw_buf path otherwise (which also
 * keeps the sticky failure). Hot on every message sent. */
static inline void pgwi_buf_add(pgw_buf *b, const void *p, size_t n)
{
    if (b->error == PGW_OK && b->cap - b->len >= n) {
        if (n > 0)
            memcpy(b->data + b->len, p, n);
        b->len += n;
        return;
    }
    (void)pgw_buf_append(b, p, n);
}

static inline void pgwi_buf_add_u8(pgw_buf *b, uint8_t v)
{
    if (b->error == PGW_OK && b->cap > b->len) {
        b->data[b->len++] = v;
        return;
    }
    (void)pgw_buf_put_u8(b, v);
}

static inline void pgwi_buf_add_u16(pgw_buf *b, uint16_t v)
{
    uint8_t be[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    pgwi_buf_add(b, be, 2);
}

static inline void pgwi_buf_add_u32(pgw_buf *b, uint32_t v)
{
    uint8_t be[4];
    pgwi_store_u32(be, v);
    pgwi_buf_add(b, be, 4);
}

#endif
