/* pgwire — growable byte buffer with sticky failure.
 *
 * Encoders append to a caller-owned pgw_buf. The first failed append (out of
 * memory, or growth past `max`) marks the buffer failed; later appends are
 * no-ops, so a builder checks the status once at the end. This is libpq's
 * PQExpBufferBroken idea. */
#ifndef PGWIRE_PGWIRE_BUF_H
#define PGWIRE_PGWIRE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/alloc.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

typedef struct pgw_buf {
    uint8_t *data;                  /**< bytes; owned by the buffer */
    size_t len;                     /**< bytes in use */
    size_t cap;                     /**< bytes allocated */
    size_t max;                     /**< growth limit; 0 = SIZE_MAX */
    const pgw_allocator *allocator; /**< NULL = libc */
    pgw_status error;               /**< PGW_OK, or the first failure */
    bool wipe;                      /**< zero memory before it is released, moved
                                         from or consumed (buffers holding secrets);
                                         false after pgw_buf_init */
} pgw_buf;

PGW_BEGIN_DECLS

/** Initialise an empty buffer (no allocation yet).
 * @param b          the buffer
 * @param allocator  NULL for libc; must outlive the buffer
 * @param max        growth limit in bytes, 0 for none */
PGW_API void pgw_buf_init(pgw_buf *b, const pgw_allocator *allocator, size_t max);

/** Release the buffer's memory and reset it to empty. NULL-safe. */
PGW_API void pgw_buf_free(pgw_buf *b);

/** Drop the contents and clear the failure flag; keeps the allocation. */
PGW_API void pgw_buf_reset(pgw_buf *b);

/** Ensure room for `extra` more bytes.
 * @return PGW_OK; PGW_E_NOMEM; PGW_E_TOO_LARGE past `max` (both sticky). */
PGW_API pgw_status pgw_buf_reserve(pgw_buf *b, size_t extra);

/** Append n bytes. @return as pgw_buf_reserve */
PGW_API pgw_status pgw_buf_append(pgw_buf *b, const void *p, size_t n);

/** Append one byte / a big-endian int16 / int32. @return as pgw_buf_reserve */
PGW_API pgw_status pgw_buf_put_u8(pgw_buf *b, uint8_t v);
PGW_API pgw_status pgw_buf_put_i16(pgw_buf *b, int16_t v);
PGW_API pgw_status pgw_buf_put_i32(pgw_buf *b, int32_t v);

/** Overwrite 4 bytes at `off` with a big-endian int32 (length back-patching).
 * Does nothing if the buffer has failed or off+4 > len. */
PGW_API void pgw_buf_patch_i32(pgw_buf *b, size_t off, int32_t v);

/** Drop the first n bytes (memmove), e.g. after they were written out. */
PGW_API void pgw_buf_consume(pgw_buf *b, size_t n);

/** PGW_OK or the sticky failure. */
PGW_API pgw_status pgw_buf_status(const pgw_buf *b);

PGW_END_DECLS

#endif
