/* libFuzzer harness for the framers.
 *
 * Input: byte 0 selects the framer and limits, the next 0..7 bytes (their
 * number is in byte 0) are chunk sizes, the rest is the stream.
 *   byte 0 bits 0-2: number of chunk-size bytes
 *   bits 3-4: framer — 0 backend (pgw_frame_next), 1 frontend
 *             (pgw_frame_next_fe), 2 server side (one startup packet, then
 *             frontend messages), 3 backend again
 *   bit 5:    small limits (max_message 200, max_small_message 40)
 *
 * The stream is framed twice: one shot over the whole input, and chunked as
 * an engine would see it, appending chunk after chunk (sizes cycle through
 * the chunk bytes, 0 read as 1) and framing every time. Each framing call
 * gets a fresh allocation of exactly the bytes available, so any read past
 * them is an ASan report.
 *
 * Invariants (abort() on violation):
 *   - both ways yield the same frames (tag, length, body bytes) and stop at
 *     the same offset with the same status;
 *   - PGW_OK: used == header + len, body == input + header, used <= input;
 *   - PGW_WANT_READ: used == 0, need > 0 and input + need never exceeds the
 *     message's declared size;
 *   - an error is decided from the header alone: the same status comes back
 *     when only the header bytes are offered. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 4096

typedef struct frame_rec {
    size_t off; /* offset of the message in the stream */
    uint8_t tag;
    size_t len;
} frame_rec;

typedef struct run {
    frame_rec frames[MAX_FRAMES];
    size_t n;
    size_t stop_off;    /* offset of the first unframed byte */
    pgw_status stop_rc; /* status there: WANT_READ, an error, or OK if all consumed */
} run;

typedef struct config {
    int mode;
    pgw_limits lim;
} config;

static void check(bool ok)
{
    if (!ok)
        abort();
}

/* Frame one message from exactly `len` bytes copied into a fresh block. */
static pgw_status frame_at(const config *cfg, bool startup, const uint8_t *src, size_t len,
                           pgw_frame *f, size_t *used, size_t *need)
{
    uint8_t *copy = malloc(len == 0 ? 1 : len);
    if (copy == NULL)
        abort();
    if (len > 0)
        memcpy(copy, src, len);
    pgw_status rc;
    if (startup)
        rc = pgw_frame_startup_next(copy, len, f, used, need);
    else if (cfg->mode == 1 || cfg->mode == 2)
        rc = pgw_frame_next_fe(copy, len, &cfg->lim, f, used, need);
    else
        rc = pgw_frame_next(copy, len, &cfg->lim, f, used, need);
    size_t hdr = startup ? 4 : 5;
    if (rc == PGW_OK) {
        check(*used == hdr + f->len && *used <= len && f->body == copy + hdr);
        check(f->tag == (startup ? 0 : copy[0]));
        /* Point the view back at the caller's bytes before the copy dies. */
        f->body = src + hdr;
    } else if (rc == PGW_WANT_READ) {
        check(*used == 0 && *need > 0);
        if (len >= hdr) {
            uint32_t word = (uint32_t)copy[hdr - 4] << 24 | (uint32_t)copy[hdr - 3] << 16 |
                            (uint32_t)copy[hdr - 2] << 8 | copy[hdr - 1];
            check(len + *need == hdr - 4 + (size_t)word);
        } else {
            check(len + *need == hdr);
        }
    } else {
        check(rc == PGW_E_PROTOCOL || rc == PGW_E_TOO_LARGE);
        check(*used == 0);
        check(len >= hdr);
    }
    free(copy);
    return rc;
}

static void record(run *r, size_t off, const pgw_frame *f)
{
    if (r->n < MAX_FRAMES) {
        r->frames[r->n].off = off;
        r->frames[r->n].tag = f->tag;
        r->frames[r->n].len = f->len;
    }
    r->n++;
}

static void one_shot(const config *cfg, const uint8_t *s, size_t len, run *r)
{
    size_t off = 0;
    bool startup = cfg->mode == 2;
    r->n = 0;
    for (;;) {
        pgw_frame f;
        size_t used = 0, need = 0;
        if (off == len && !startup) {
            r->stop_rc = PGW_OK;
            break;
        }
        pgw_status rc = frame_at(cfg, startup, s + off, len - off, &f, &used, &need);
        if (rc != PGW_OK) {
            r->stop_rc = rc;
            if (rc < 0) {
                /* The verdict needs nothing past the header. */
                size_t hdr = startup ? 4 : 5;
                pgw_frame g;
                size_t u2, n2;
                check(frame_at(cfg, startup, s + off, hdr, &g, &u2, &n2) == rc);
            }
            break;
        }
        check(f.body == s + off + (startup ? 4 : 5));
        record(r, off, &f);
        off += used;
        startup = false;
    }
    r->stop_off = off;
}

static void chunked(const config *cfg, const uint8_t *s, size_t len, const uint8_t *splits,
                    size_t nsplits, run *r)
{
    size_t have = 0, start = 0, k = 0;
    bool startup = cfg->mode == 2;
    r->n = 0;
    for (;;) {
        pgw_frame f;
        size_t used = 0, need = 0;
        pgw_status rc;
        if (start == have && have == len && !startup) {
            r->stop_rc = PGW_OK;
            break;
        }
        rc = frame_at(cfg, startup, s + start, have - start, &f, &used, &need);
        if (rc == PGW_OK) {
            record(r, start, &f);
            start += used;
            startup = false;
            continue;
        }
        if (rc < 0 || have == len) {
            r->stop_rc = rc;
            break;
        }
        size_t chunk = nsplits > 0 ? splits[k++ % nsplits] : len;
        if (chunk == 0)
            chunk = 1;
        if (chunk > len - have)
            chunk = len - have;
        have += chunk;
    }
    r->stop_off = start;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t nsplits = data[0] & 7u;
    if (size < 1 + nsplits)
        return 0;
    config cfg;
    cfg.mode = (data[0] >> 3) & 3;
    cfg.lim.max_message = (data[0] & 0x20) ? 200 : 0;
    cfg.lim.max_small_message = (data[0] & 0x20) ? 40 : 0;
    const uint8_t *splits = data + 1;
    const uint8_t *s = data + 1 + nsplits;
    size_t len = size - 1 - nsplits;

    run *a = malloc(sizeof *a);
    run *b = malloc(sizeof *b);
    if (a == NULL || b == NULL)
        abort();
    one_shot(&cfg, s, len, a);
    chunked(&cfg, s, len, splits, nsplits, b);

    check(a->n == b->n);
    check(a->stop_off == b->stop_off && a->stop_rc == b->stop_rc);
    for (size_t i = 0; i < a->n && i < MAX_FRAMES; i++) {
        check(a->frames[i].off == b->frames[i].off);
        check(a->frames[i].tag == b->frames[i].tag);
        check(a->frames[i].len == b->frames[i].len);
    }
    free(a);
    free(b);
    return 0;
}
