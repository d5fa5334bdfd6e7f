/* Helpers for the server-side codec tests: captured PostgreSQL 15 streams
 * from tests/vectors/, framed into messages. */
#ifndef PGWIRE_TESTS_PROTOCOL_SERVER_PS_SUPPORT_H
#define PGWIRE_TESTS_PROTOCOL_SERVER_PS_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/proto.h"

#define PS_MAX_FRAMES 128

/* A captured stream split into frames that borrow from `bytes`. */
typedef struct ps_stream {
    uint8_t *bytes;
    size_t len;
    pgw_frame f[PS_MAX_FRAMES];
    size_t n;
} ps_stream;

/* Load tests/vectors/<name> (hex, '#' comments) and frame it: the first
 * `untagged` messages with pgw_frame_startup_next, the rest with
 * pgw_frame_next_fe. Fails the test on a missing file or leftovers. */
void ps_stream_load(ps_stream *s, const char *name, size_t untagged);
void ps_stream_free(ps_stream *s);

/* The whole message (tag, length word, body) a frame came from. */
const uint8_t *ps_raw(const pgw_frame *f, size_t *len);

/* Assert that b holds exactly the bytes of frame f's message. */
void ps_assert_buf_is_frame(const pgw_buf *b, const pgw_frame *f);

/* A frame over caller bytes. */
pgw_frame ps_frame(uint8_t tag, const void *body, size_t len);

#endif
