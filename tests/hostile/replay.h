/* Replaying a recorded server byte stream, cut at every offset.
 *
 * A pgw_transport whose reads hand out the recorded stream up to a cut and
 * then report the end of the stream, and whose writes are swallowed: the
 * blocking API runs a session script against it exactly as against the real
 * server. A script is a list of calls whose statuses are compared, cut by
 * cut, with those of the uncut run:
 *  - every call before the cut point returns what it returned uncut;
 *  - the first call that differs fails cleanly — PGW_E_CLOSED (or, for a
 *    COMMIT that was in flight, the unknown outcome) with a message, the
 *    connection broken — and so does every later call;
 *  - nothing crashes, leaks (failing_alloc + ASan) or loops (the transport
 *    never blocks, so a client that waited for more would spin: the read
 *    counter bounds it).
 * One rig serves the psql recording in tests/vectors and a session that
 * tests/integration records from the fixture at every run. */
#ifndef PGWIRE_TESTS_HOSTILE_REPLAY_H
#define PGWIRE_TESTS_HOSTILE_REPLAY_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire.h"

typedef struct rp_stream {
    const uint8_t *bytes;
    size_t len;  /* bytes available before the cut */
    size_t pos;
    size_t reads;/* read calls, to catch a client that spins on EOF */
} rp_stream;

static inline pgw_status rp_open(void *ud, const pgw_transport_target *t, void **handle, char *errbuf,
                          size_t errlen, int *sys_errno)
{
    (void)t;
    (void)errbuf;
    (void)errlen;
    *sys_errno = 0;
    rp_stream *s = ud;
    s->pos = 0;
    s->reads = 0;
    *handle = s;
    return PGW_OK;
}

static pgw_status rp_read(void *handle, void *buf, size_t n, size_t *got, int *sys_errno)
{
    rp_stream *s = handle;
    *sys_errno = 0;
    if (++s->reads > 1000000u)
        fail_msg("the client kept reading after the end of the stream");
    if (s->pos >= s->len)
        return PGW_E_CLOSED;
    /* Odd chunk sizes, so frames straddle reads as on a real socket. */
    size_t k = s->len - s->pos;
    size_t step = 1 + (s->pos * 7919u) % 977u;
    if (k > step)
        k = step;
    if (k > n)
        k = n;
    memcpy(buf, s->bytes + s->pos, k);
    s->pos += k;
    *got = k;
    return PGW_OK;
}

static pgw_status rp_write(void *handle, const void *buf, size_t n, size_t *put, int *sys_errno)
{
    (void)handle;
    (void)buf;
    *sys_errno = 0;
    *put = n;
    return PGW_OK;
}

static pgw_status rp_wait(void *handle, bool want_read, bool want_write, int timeout_ms,
                          int *sys_errno)
{
    (void)handle;
    (void)want_read;
    (void)want_write;
    (void)timeout_ms;
    *sys_errno = 0;
    return PGW_OK;
}

static int rp_fd(void *handle)
{
    (void)handle;
    return -1;
}

static void rp_close(void *handle)
{
    (void)handle;
}

static inline pgw_transport rp_transport(rp_stream *s)
{
    pgw_transport t = {rp_open, rp_read, rp_write, rp_wait, rp_fd, rp_close, NULL, s};
    return t;
}

/* A session script: runs calls on c, recording each status in st[] (at
 * most cap), and returns how many it made. It must keep going after a
 * failure (the rig checks that later calls fail too). */
typedef size_t (*rp_script_fn)(pgw_conn *c, pgw_status *st, size_t cap);

#define RP_MAX_CALLS 128

typedef struct rp_outcome {
    pgw_status connect;
    pgw_status st[RP_MAX_CALLS];
    size_t n;
} rp_outcome;

static inline void rp_run(const uint8_t *bytes, size_t cut, const char *conninfo, rp_script_fn script,
                   rp_outcome *out)
{
    rp_stream s = {bytes, cut, 0, 0};
    pgw_transport t = rp_transport(&s);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = conninfo;
    o.use_environment = false;
    pgw_conn *c = NULL;
    memset(out, 0, sizeof *out);
    out->connect = pgw_connect_with(&c, &o, &t);
    if (out->connect == PGW_OK) {
        out->n = script(c, out->st, RP_MAX_CALLS);
    } else {
        assert_non_null(c);
        assert_true(pgw_conn_errmsg(c)[0] != '\0');
    }
    pgw_conn_free(c);
}

/* Whether a status is a clean end-of-stream failure. */
static inline bool rp_clean_cut(pgw_status st)
{
    return st == PGW_E_CLOSED || st == PGW_E_UNKNOWN_OUTCOME;
}

/* Replay bytes[0..len) uncut (every call must match `expect` when given),
 * then at every cut 0..len-1. Returns the number of cuts checked. */
static inline size_t rp_every_cut(const uint8_t *bytes, size_t len, const char *conninfo,
                           rp_script_fn script)
{
    rp_outcome full, cut;
    rp_run(bytes, len, conninfo, script, &full);
    assert_int_equal(full.connect, PGW_OK);
    assert_true(full.n > 0);
    for (size_t i = 0; i < full.n; i++)
        assert_false(rp_clean_cut(full.st[i]));
    for (size_t k = 0; k < len; k++) {
        rp_run(bytes, k, conninfo, script, &cut);
        if (cut.connect != PGW_OK) {
            if (!rp_clean_cut(cut.connect))
                fail_msg("cut at %zu of %zu: connect returned %s", k, len,
                         pgw_status_name(cut.connect));
            continue;
        }
        assert_int_equal(cut.n, full.n);
        size_t i = 0;
        while (i < cut.n && cut.st[i] == full.st[i])
            i++;
        /* The uncut run ends with the connection still open, so a cut
         * always shows in some call. */
        if (i == cut.n)
            fail_msg("cut at %zu of %zu: every call succeeded as uncut", k, len);
        for (; i < cut.n; i++)
            if (!rp_clean_cut(cut.st[i]))
                fail_msg("cut at %zu of %zu: call %zu returned %s (uncut %s)", k, len, i,
                         pgw_status_name(cut.st[i]), pgw_status_name(full.st[i]));
    }
    return len;
}

/* Hex text (comments from '#' to the end of a line) to bytes. */
static inline uint8_t *rp_load_hex(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    assert_non_null(b);
    int ch, hi = -1;
    bool comment = false;
    while ((ch = fgetc(f)) != EOF) {
        if (comment) {
            comment = ch != '\n';
            continue;
        }
        if (ch == '#') {
            comment = true;
            continue;
        }
        int v = ch >= '0' && ch <= '9'   ? ch - '0'
                : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                         : -1;
        if (v < 0)
            continue;
        if (hi < 0) {
            hi = v;
            continue;
        }
        if (n == cap) {
            cap *= 2;
            b = realloc(b, cap);
            assert_non_null(b);
        }
        b[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    fclose(f);
    *len = n;
    return b;
}

#endif
