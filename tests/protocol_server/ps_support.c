#include "ps_support.h"

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
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

void ps_stream_load(ps_stream *s, const char *name, size_t untagged)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", PGW_VECTOR_DIR, name);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        fail_msg("cannot open %s", path);
    memset(s, 0, sizeof *s);
    size_t cap = 4096;
    s->bytes = malloc(cap);
    assert_non_null(s->bytes);
    int c, hi = -1;
    bool comment = false;
    while ((c = fgetc(fp)) != EOF) {
        if (comment) {
            comment = c != '\n';
            continue;
        }
        if (c == '#') {
            comment = true;
            continue;
        }
        int v = hexval(c);
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (s->len == cap) {
            cap *= 2;
            s->bytes = realloc(s->bytes, cap);
            assert_non_null(s->bytes);
        }
        s->bytes[s->len++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    fclose(fp);
    assert_int_equal(hi, -1);
    size_t off = 0;
    while (off < s->len) {
        size_t used;
        assert_true(s->n < PS_MAX_FRAMES);
        pgw_status rc = s->n < untagged
                            ? pgw_frame_startup_next(s->bytes + off, s->len - off, &s->f[s->n],
                                                     &used, NULL)
                            : pgw_frame_next_fe(s->bytes + off, s->len - off, NULL, &s->f[s->n],
                                                &used, NULL);
        assert_int_equal(rc, PGW_OK);
        s->n++;
        off += used;
    }
}

void ps_stream_free(ps_stream *s)
{
    free(s->bytes);
    memset(s, 0, sizeof *s);
}

const uint8_t *ps_raw(const pgw_frame *f, size_t *len)
{
    size_t hdr = f->tag != 0 ? 5 : 4;
    *len = f->len + hdr;
    return f->body - hdr;
}

void ps_assert_buf_is_frame(const pgw_buf *b, const pgw_frame *f)
{
    size_t len;
    const uint8_t *raw = ps_raw(f, &len);
    assert_int_equal(b->len, len);
    assert_memory_equal(b->data, raw, len);
}

pgw_frame ps_frame(uint8_t tag, const void *body, size_t len)
{
    pgw_frame f = {.tag = tag, .body = body, .len = len};
    return f;
}
