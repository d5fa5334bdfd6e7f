/* The engine against the fake server, in memory: no sockets, no threads.
 * A rig shuttles bytes between a pgw_conn and an fs_server; `chunk`
 * limits how many server bytes reach the engine per step (1 = byte by
 * byte) so every test also exercises split input. */
#ifndef PGWIRE_TESTS_ENGINE_RIG_H
#define PGWIRE_TESTS_ENGINE_RIG_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "conn/conn_int.h"
#include "failing_alloc.h"
#include "fakeserver.h"
#include "pgwire.h"

typedef struct rig {
    pgw_conn *c;
    fs_server *fs;
    failing_alloc fa;
    size_t chunk; /* 0 = everything at once */
    bool eof_sent;
    int notices;
    char last_notice[256];
} rig;

static inline void rig_notice(void *ud, const pgw_error *n)
{
    rig *r = ud;
    r->notices++;
    snprintf(r->last_notice, sizeof r->last_notice, "%s", n->summary);
}

/* Build a rig for `script` (taken) with a conninfo. */
static inline void rig_init(rig *r, fs_script *script, const char *conninfo, size_t chunk)
{
    memset(r, 0, sizeof *r);
    failing_alloc_init(&r->fa, 0);
    r->chunk = chunk;
    assert_null(fs_script_error(script));
    r->fs = fs_new(script);
    /* The scripts speak plaintext unless a test asks for TLS: default to
     * sslmode=disable instead of libpq's prefer (which sends SSLRequest). */
    static char ci[1024];
    if (strstr(conninfo, "sslmode=") == NULL)
        snprintf(ci, sizeof ci, "%s sslmode=disable", conninfo);
    else
        snprintf(ci, sizeof ci, "%s", conninfo);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.allocator = failing_alloc_get(&r->fa);
    o.notice = rig_notice;
    o.notice_ud = r;
    assert_int_equal(pgw_conn_new(&r->c, &o), PGW_OK);
}

/* Move bytes both ways once; false when nothing could move. */
static inline bool rig_shuttle(rig *r)
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

/* Drive startup to a final status. A stall (the engine waits for bytes
 * the script will never send) fails the test instead of hanging. */
static inline pgw_status rig_connect(rig *r)
{
    pgw_status rc = pgw_conn_start(r->c);
    if (rc != PGW_OK)
        return rc;
    for (;;) {
        rc = pgw_conn_step(r->c);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            break;
        if (!rig_shuttle(r))
            fail_msg("engine stalled in startup (%s)", pgw_status_name(rc));
    }
    /* Deliver what the engine still has to say, so the script sees it. */
    const uint8_t *p;
    size_t n = pgw_conn_output(r->c, &p);
    if (n > 0) {
        fs_feed(r->fs, p, n);
        pgw_conn_output_done(r->c, n);
    }
    return rc;
}

/* Run a cursor call until it stops asking for I/O. */
static inline pgw_status rig_cursor(rig *r, pgw_cursor *cur, bool next_result)
{
    for (;;) {
        pgw_status rc = next_result ? pgw_cursor_recv_result(cur) : pgw_cursor_recv(cur);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!rig_shuttle(r))
            fail_msg("engine stalled in a query (%s)", pgw_status_name(rc));
    }
}

static inline void rig_free(rig *r)
{
    pgw_conn_free(r->c);
    fs_free(r->fs);
    assert_true(failing_alloc_clean(&r->fa));
}

#endif
