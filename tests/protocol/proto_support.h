/* Helpers shared by the protocol unit tests: captured vectors, stream
 * splitting and a deterministic PRNG. (The failing allocator is the shared
 * one in tests/support/failing_alloc.h.) */
#ifndef PGWIRE_TESTS_PROTOCOL_PROTO_SUPPORT_H
#define PGWIRE_TESTS_PROTOCOL_PROTO_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/proto.h"

/* Load tests/vectors/<name>: hex digits, whitespace and '#' comments.
 * Fails the test on a missing or malformed file.
 * Ownership: caller owns; release with free(). */
uint8_t *vector_load(const char *name, size_t *len);

/* Split a stream of tagged messages (skip_startup untagged packets first,
 * e.g. 1 for a client stream that starts with StartupMessage) into frames
 * with pgw_frame_next_fe (no per-tag ceiling). Fails the test on leftovers.
 * Returns the number of frames (at most cap). Frames borrow from `data`. */
size_t vector_frames(const uint8_t *data, size_t len, size_t skip_startup, pgw_frame *frames,
                     size_t cap);

/* The i-th frame of a vector's stream with the given tag (0-based among
 * frames of that tag); fails the test if there is none. */
pgw_frame vector_frame_with_tag(const pgw_frame *frames, size_t n, uint8_t tag, size_t index);

/* xorshift64*: deterministic so a failing split can be replayed. */
uint64_t test_rand(uint64_t *state);

/* Build a frame over caller bytes. */
pgw_frame frame_of(uint8_t tag, const void *body, size_t len);

#endif
