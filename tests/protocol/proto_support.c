#include "proto_support.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#ifndef PGW_VECTOR_DIR
#error "PGW_VECTOR_DIR must name tests/vectors"
#endif

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

uint8_t *vector_load(const char *name, size_t *len)
{
    char path[1024];
    int w = snprintf(path, sizeof path, "%s/%s", PGW_VECTOR_DIR, name);
    assert_true(w > 0 && (size_t)w < sizeof path);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open vector %s", path);
    size_t cap = 4096, n = 0;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    int c, hi = -1;
    bool comment = false;
    while ((c = fgetc(f)) != EOF) {
        if (comment) {
            comment = c != '\n';
            continue;
        }
        if (c == '#') {
            comment = true;
            continue;
        }
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
            continue;
        int v = hexval(c);
        if (v < 0)
            fail_msg("bad character in %s", path);
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n == cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    fclose(f);
    if (hi >= 0)
        fail_msg("odd number of hex digits in %s", path);
    *len = n;
    return out;
}

size_t vector_frames(const uint8_t *data, size_t len, size_t skip_startup, pgw_frame *frames,
                     size_t cap)
{
    size_t off = 0, n = 0;
    for (size_t i = 0; i < skip_startup; i++) {
        pgw_frame f;
        size_t used = 0;
        assert_int_equal(pgw_frame_startup_next(data + off, len - off, &f, &used, NULL), PGW_OK);
        assert_true(n < cap);
        frames[n++] = f;
        off += used;
    }
    while (off < len) {
        pgw_frame f;
        size_t used = 0;
        assert_int_equal(pgw_frame_next_fe(data + off, len - off, NULL, &f, &used, NULL), PGW_OK);
        assert_true(n < cap);
        frames[n++] = f;
        off += used;
    }
    return n;
}

pgw_frame vector_frame_with_tag(const pgw_frame *frames, size_t n, uint8_t tag, size_t index)
{
    for (size_t i = 0; i < n; i++) {
        if (frames[i].tag != tag)
            continue;
        if (index-- == 0)
            return frames[i];
    }
    fail_msg("no frame with tag '%c'", tag);
    return frames[0]; /* not reached */
}

uint64_t test_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

pgw_frame frame_of(uint8_t tag, const void *body, size_t len)
{
    pgw_frame f;
    f.tag = tag;
    f.body = body;
    f.len = len;
    return f;
}
