/* The hostile-server suite's rig: a pgw_conn against the scripted fake
 * server in memory (no sockets, no threads), with the checks every
 * scenario shares.
 *
 *  - Bounded: the rig moves bytes until the client stops asking for I/O;
 *    when neither side can make progress the test fails ("stalled")
 *    instead of hanging, and the meson timeout bounds a loop in the client.
 *  - No leaks: every connection runs on a failing_alloc whose live blocks
 *    must be zero at hr_free() (ASan/LSan in CI cover libc memory too).
 *  - Exact outcome: the status, the connection state afterwards, that a
 *    broken connection stays broken with the same status and writes
 *    nothing more, and what the client sent (fs_count_received()).
 *
 * With PGW_HOSTILE_SEED_DIR set, each in-memory scenario also writes what
 * the server sent as a seed for fuzz/fuzz_conn (one byte of chunk size,
 * then the transcript) to <dir>/<scenario>; that is how fuzz/corpus/conn/
 * hostile_* were made. */
#ifndef PGWIRE_TESTS_HOSTILE_HOSTILE_H
#define PGWIRE_TESTS_HOSTILE_HOSTILE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "failing_alloc.h"
#include "fakeserver.h"
#include "pgwire.h"

#define RAW(s) s, sizeof(s) - 1
#define HCI "user=alice dbname=app"

/* Options a scenario may change; zero = the library's default. */
typedef struct hr_opts {
    size_t max_message_size;
    uint32_t scram_max_iterations;
    int statement_cache_size;
    size_t max_block; /* failing_alloc cap on any single allocation; 0 = 64 MiB */
} hr_opts;

typedef struct hrig {
    pgw_conn *c;
    fs_server *fs;
    failing_alloc fa;
    size_t chunk; /* server bytes per delivery; 0 = all at once */
    bool eof_sent;
    int notices;
    size_t notice_bytes;
    char last_notice[256];
    pgw_buf transcript; /* every byte the server sent */
    char seed_name[96];
} hrig;

static inline void hr_notice(void *ud, const pgw_error *n)
{
    hrig *r = ud;
    r->notices++;
    if (n->message != NULL)
        r->notice_bytes += strlen(n->message);
    snprintf(r->last_notice, sizeof r->last_notice, "%s", n->message ? n->message : "");
}

static inline pgw_status hr_init_opts(hrig *r, fs_script *script, const char *conninfo,
                                      size_t chunk, const hr_opts *ho, const char *seed)
{
    memset(r, 0, sizeof *r);
    failing_alloc_init(&r->fa, 0);
    /* No hostile byte stream may make the client ask for a huge block. */
    r->fa.max_block = ho != NULL && ho->max_block != 0 ? ho->max_block : (size_t)64 << 20;
    r->chunk = chunk;
    pgw_buf_init(&r->transcript, NULL, 0);
    snprintf(r->seed_name, sizeof r->seed_name, "%s", seed != NULL ? seed : "");
    const char *err = fs_script_error(script);
    if (err != NULL)
        fail_msg("script: %s", err);
    r->fs = fs_new(script);
    static char ci[1024];
    if (strstr(conninfo, "sslmode=") == NULL)
        snprintf(ci, sizeof ci, "%s sslmode=disable", conninfo);
    else
        snprintf(ci, sizeof ci, "%s", conninfo);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.allocator = failing_alloc_get(&r->fa);
    o.notice = hr_notice;
    o.notice_ud = r;
    if (ho != NULL) {
        o.max_message_size = ho->max_message_size;
        o.scram_max_iterations = ho->scram_max_iterations;
        o.statement_cache_size = ho->statement_cache_size;
    }
    return pgw_conn_new(&r->c, &o);
}

static inline void hr_init(hrig *r, fs_script *script, const char *conninfo, size_t chunk,
                           const hr_opts *ho, const char *seed)
{
    assert_int_equal(hr_init_opts(r, script, conninfo, chunk, ho, seed), PGW_OK);
}

/* Move bytes both ways once; false when nothing could move. */
static inline bool hr_shuttle(hrig *r)
{
    bool moved = false;
    const uint8_t *p;
    size_t n = pgw_conn_output(r->c, &p);
    if (n > 0) {
        fs_feed(r->fs, p, n);
        pgw_conn_output_done(r->c, n);
        moved = true;
    }
    n = fs_output(r->fs, &p);
    if (n > 0) {
        if (r->chunk > 0 && n > r->chunk)
            n = r->chunk;
        pgw_buf_append(&r->transcript, p, n);
        pgw_conn_input(r->c, p, n);
        fs_output_done(r->fs, n);
        moved = true;
    } else if (fs_closed(r->fs) && !r->eof_sent) {
        pgw_conn_input_eof(r->c);
        r->eof_sent = true;
        moved = true;
    }
    return moved;
}

/* Hand the client's pending bytes to the server (nothing comes back). */
static inline void hr_flush(hrig *r)
{
    const uint8_t *p;
    size_t n = pgw_conn_output(r->c, &p);
    if (n > 0) {
        fs_feed(r->fs, p, n);
        pgw_conn_output_done(r->c, n);
    }
}

/* Drive startup to a final status. */
static inline pgw_status hr_connect(hrig *r)
{
    pgw_status rc = pgw_conn_start(r->c);
    if (rc != PGW_OK)
        return rc;
    for (;;) {
        rc = pgw_conn_step(r->c);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            break;
        if (!hr_shuttle(r))
            fail_msg("client stalled in startup (%s)", pgw_status_name(rc));
    }
    hr_flush(r);
    return rc;
}

/* Run pgw_conn_step while idle until the input is used up. */
static inline pgw_status hr_idle(hrig *r)
{
    pgw_status rc;
    for (;;) {
        rc = pgw_conn_step(r->c);
        if (rc != PGW_OK && rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!hr_shuttle(r))
            return rc;
    }
}

/* One cursor call until it stops asking for I/O. */
static inline pgw_status hr_cursor(hrig *r, pgw_cursor *cur, bool next_result)
{
    for (;;) {
        pgw_status rc = next_result ? pgw_cursor_recv_result(cur) : pgw_cursor_recv(cur);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!hr_shuttle(r))
            fail_msg("client stalled in a query (%s)", pgw_status_name(rc));
    }
}

/* pgw_stmt_recv until it stops asking for I/O. */
static inline pgw_status hr_stmt(hrig *r, pgw_stmt *st)
{
    for (;;) {
        pgw_status rc = pgw_stmt_recv(st);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!hr_shuttle(r))
            fail_msg("client stalled preparing (%s)", pgw_status_name(rc));
    }
}

/* Walk every result and row of a cursor, past server errors, to the end
 * or the first failure. A server error is reported when the walk otherwise
 * ended well. */
static inline pgw_status hr_walk(hrig *r, pgw_cursor *cur, uint64_t *rows)
{
    pgw_status rc, server_error = PGW_OK;
    uint64_t n = 0;
    for (;;) {
        rc = hr_cursor(r, cur, true);
        if (rc == PGW_E_SERVER) {
            server_error = rc;
            continue;
        }
        if (rc != PGW_OK)
            break;
        while ((rc = hr_cursor(r, cur, false)) == PGW_OK) {
            n++;
            /* Touch every field: a view past the input would show in ASan. */
            for (uint16_t i = 0; i < pgw_cursor_ncols(cur); i++) {
                pgw_value v;
                assert_int_equal(pgw_cursor_value(cur, i, &v), PGW_OK);
                if (v.len > 0) {
                    volatile uint8_t sink = v.ptr[0];
                    sink ^= v.ptr[v.len - 1];
                    (void)sink;
                }
            }
        }
        if (rc == PGW_E_SERVER) {
            server_error = rc;
            continue;
        }
        if (rc != PGW_END)
            break;
    }
    if (rows != NULL)
        *rows = n;
    if (rc == PGW_END && server_error != PGW_OK)
        rc = server_error;
    return rc;
}

/* A broken connection: the state, a message, the same status from every
 * later call, and not one byte more on the wire. */
static inline void hr_assert_broken(hrig *r, pgw_status want)
{
    assert_int_equal(pgw_conn_get_state(r->c), PGW_CONN_BROKEN);
    assert_true(pgw_conn_errmsg(r->c)[0] != '\0');
    assert_int_equal(pgw_conn_tx_status(r->c), PGW_TX_UNKNOWN);
    hr_flush(r);
    pgw_cursor *again = NULL;
    assert_int_equal(pgw_query_send(r->c, "SELECT 1", &again), want);
    assert_null(again);
    assert_int_equal(pgw_conn_step(r->c), want);
    const uint8_t *p;
    assert_int_equal(pgw_conn_output(r->c, &p), 0);
}

static inline void hr_write_seed(hrig *r)
{
    const char *dir = getenv("PGW_HOSTILE_SEED_DIR");
    if (dir == NULL || r->seed_name[0] == '\0' || r->transcript.len == 0)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, r->seed_name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    /* fuzz_conn: chunk = first byte % 17 + 1; 16 gives 17-byte reads. */
    uint8_t chunk_byte = 16;
    fwrite(&chunk_byte, 1, 1, f);
    fwrite(r->transcript.data, 1, r->transcript.len, f);
    fclose(f);
}

static inline void hr_free(hrig *r)
{
    hr_write_seed(r);
    pgw_conn_free(r->c);
    fs_free(r->fs);
    pgw_buf_free(&r->transcript);
    if (!failing_alloc_clean(&r->fa))
        fail_msg("leak: %zu blocks, %zu bytes", r->fa.live_blocks, r->fa.live_bytes);
}

static inline double hr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* A script that has finished startup (trust) for alice/app. */
static inline fs_script *hr_session(void)
{
    fs_script *sc = fs_script_new();
    fs_trust_handshake(sc, "alice", "app");
    return sc;
}

/* ---- building hostile byte streams ------------------------------------- */

static inline pgw_buf hb_new(void)
{
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    return b;
}

/* A frame with a correct length word around an arbitrary body. */
static inline void hb_msg(pgw_buf *b, char tag, const void *body, size_t n)
{
    pgw_buf_put_u8(b, (uint8_t)tag);
    pgw_buf_put_i32(b, (int32_t)(n + 4));
    if (n > 0)
        pgw_buf_append(b, body, n);
}

static inline void hb_raw(pgw_buf *b, const void *p, size_t n)
{
    pgw_buf_append(b, p, n);
}

/* RowDescription: one text-format int4 column "a". */
static inline void hb_T1(pgw_buf *b)
{
    hb_msg(b, 'T',
           RAW("\x00\x01"
               "a\x00"
               "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x17\x00\x04\xff\xff\xff\xff\x00\x00"));
}

static inline void hb_Z(pgw_buf *b)
{
    hb_msg(b, 'Z', RAW("I"));
}

static inline void hb_C(pgw_buf *b, const char *tag)
{
    hb_msg(b, 'C', tag, strlen(tag) + 1);
}

/* ErrorResponse / NoticeResponse from (code, value) pairs, well formed. */
static inline void hb_fields(pgw_buf *b, char tag, const pgw_field *f, size_t n)
{
    assert_int_equal(tag == 'E' ? pgw_build_error_response(b, f, n)
                                : pgw_build_notice_response(b, f, n),
                     PGW_OK);
}

#endif
