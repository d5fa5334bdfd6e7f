/* src/protocol — helpers shared by the codec's builders and parsers.
 *
 * The protocol module turns bytes into views and values into bytes; it owns
 * no state and performs no I/O. May include: common/common_int.h and the
 * public headers. Invariants: decoders never allocate and never read outside
 * the frame they are given; builders only append, and on failure leave the
 * buffer's len exactly as they found it.
 *
 * Every message is written the same way:
 *
 *     size_t start = pgwi_msg_begin(out, PGW_FE_QUERY);
 *     ...append the body...
 *     return pgwi_msg_finish(out, start);
 *
 * Arguments that can be checked up front (interior NULs, counts, sizes) are
 * checked before pgwi_msg_begin so that nothing is written for them;
 * pgwi_msg_finish is the backstop for buffer failures and oversize bodies. */
#ifndef PGWIRE_PROTOCOL_PROTOCOL_INT_H
#define PGWIRE_PROTOCOL_PROTOCOL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/common_int.h"
#include "pgwire/buf.h"
#include "pgwire/proto.h"
#include "pgwire/status.h"

/* Largest value of the int32 length word, which counts itself. */
#define PGWI_MAX_LENGTH_WORD ((size_t)INT32_MAX)
/* Counts (parameters, formats, columns) are int16 on the wire but the server
 * reads them as unsigned 16-bit, so 65535 is the true ceiling. */
#define PGWI_MAX_COUNT ((size_t)UINT16_MAX)

/* Start a message: append the tag (unless tag is 0, the untagged startup
 * packets) and a zero placeholder for the length word.
 * @return the offset of the message's first byte, for pgwi_msg_finish. */
static inline size_t pgwi_msg_begin(pgw_buf *out, uint8_t tag)
{
    size_t start = out->len;
    if (tag != 0)
        pgwi_buf_add_u8(out, tag);
    pgwi_buf_add_u32(out, 0);
    return start;
}

/* Finish the message begun at `start`: check the buffer's sticky status and
 * that the length (which counts itself but not the tag) fits in int32, then
 * back-patch it.
 * @return PGW_OK; the buffer's failure (PGW_E_NOMEM, PGW_E_TOO_LARGE); or
 *         PGW_E_TOO_LARGE for a body too long for the length word. On
 *         failure out->len is truncated back to `start`. */
static inline pgw_status pgwi_msg_finish(pgw_buf *out, size_t start)
{
    pgw_status rc = pgw_buf_status(out);
    if (rc != PGW_OK) {
        if (out->len > start)
            out->len = start;
        return rc;
    }
    /* The placeholder is still zero here, so a zero first byte means no tag
     * was written: real tags are never 0. */
    if (out->len < start + 4) {
        /* Cannot happen when begin succeeded; refuse rather than patch. */
        out->len = start;
        return PGW_E_INVALID;
    }
    size_t len_off = out->data[start] != 0 ? start + 1 : start;
    size_t length = out->len - len_off;
    if (out->len < len_off + 4 || length > PGWI_MAX_LENGTH_WORD) {
        out->len = start;
        return PGW_E_TOO_LARGE;
    }
    pgwi_store_u32(out->data + len_off, (uint32_t)length);
    return PGW_OK;
}

/* True when the n bytes at s contain a NUL (C-string fields cannot). */
static inline bool pgwi_has_nul(const char *s, size_t n)
{
    return n > 0 && memchr(s, 0, n) != NULL;
}

/* Append s and its terminating NUL (n bytes of s, which has no interior NUL
 * — callers check with pgwi_has_nul first). */
static inline void pgwi_put_cstr(pgw_buf *out, const char *s, size_t n)
{
    pgwi_buf_add(out, s, n);
    pgwi_buf_add_u8(out, 0);
}

/* Append a big-endian int16 / uint16 / uint32 (sticky-failure appends). */
static inline void pgwi_put_i16(pgw_buf *out, int16_t v)
{
    pgwi_buf_add_u16(out, (uint16_t)v);
}

static inline void pgwi_put_u16(pgw_buf *out, uint16_t v)
{
    pgwi_buf_add_u16(out, v);
}

static inline void pgwi_put_i32(pgw_buf *out, int32_t v)
{
    pgwi_buf_add_u32(out, (uint32_t)v);
}

static inline void pgwi_put_u32(pgw_buf *out, uint32_t v)
{
    (void)pgw_buf_put_i32(out, (int32_t)v);
}

/* A message with an empty body (Sync, Flush, BindComplete, ...). */
static inline pgw_status pgwi_build_empty(pgw_buf *out, uint8_t tag)
{
    size_t start = pgwi_msg_begin(out, tag);
    return pgwi_msg_finish(out, start);
}

/* A reader over a frame body; a NULL body with length 0 reads as empty
 * (pointer arithmetic on NULL is undefined even for an offset of 0). */
static inline void pgwi_frame_reader(pgwi_reader *r, const pgw_frame *f)
{
    static const uint8_t empty_body[1] = {0};
    if (f->body == NULL)
        pgwi_reader_init(r, empty_body, 0);
    else
        pgwi_reader_init(r, f->body, f->len);
}

/* Parsers end here: every byte consumed, nothing failed. */
static inline pgw_status pgwi_parse_finish(const pgwi_reader *r)
{
    return pgwi_reader_finish(r) ? PGW_OK : PGW_E_PROTOCOL;
}

#endif
