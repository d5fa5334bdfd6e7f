/* LISTEN/NOTIFY, blocking side: read the socket while the connection is
 * idle until a notification is queued or the time is up, and the
 * non-blocking "take what is there" for event loops. A timeout here is an
 * answer, not a failure: the connection stays usable. */
#include <errno.h>
#include <stdio.h>

#include "io/io_int.h"
#include "pgwire/notify.h"

static pgw_status nw_idle_check(pgw_conn *c)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->state == PGW_CONN_CLOSED)
        return PGW_E_CLOSED;
    if (c->io == NULL)
        return pgwi_conn_refuse(c, PGW_E_STATE, "connection has no transport");
    /* Results still owed to a freed cursor are fine (the drain skips
     * them); a live cursor owns the stream. */
    if (c->active != NULL || (c->state != PGW_CONN_IDLE && c->state != PGW_CONN_BUSY))
        return pgwi_conn_refuse(c, PGW_E_STATE, "another command is already in progress");
    return PGW_OK;
}

/* Read everything the socket holds now, without waiting, and let the
 * engine process it. */
static pgw_status nw_absorb(pgw_conn *c, pgwi_io *io)
{
    for (;;) {
        size_t avail;
        uint8_t *p = pgwi_conn_input_reserve(c, 16384, &avail);
        if (p == NULL)
            return c->err.status;
        size_t got = 0;
        int e = 0;
        pgw_status rc = io->t.read(io->handle, p, avail, &got, &e);
        if (rc == PGW_OK) {
            pgwi_conn_input_commit(c, got);
            if (c->state == PGW_CONN_BROKEN)
                return c->err.status;
            continue;
        }
        if (rc == PGW_WANT_READ)
            break;
        if (rc == PGW_E_CLOSED) {
            /* The engine reports it, with the FATAL message if one came. */
            pgw_conn_input_eof(c);
            break;
        }
        pgwi_conn_break(c, rc, "could not receive data from server: %s", strerror(e));
        pgwi_conn_set_errno(c, e);
        return c->err.status;
    }
    io->drained = true;
    pgw_status rc = pgwi_conn_drain(c);
    if (rc == PGW_WANT_WRITE) {
        /* e.g. a CopyFail for an abandoned COPY: send it now. */
        rc = pgw_conn_pump(c, PGW_WANT_WRITE);
        if (rc == PGW_OK)
            rc = PGW_OK;
    }
    return rc < 0 ? rc : PGW_OK;
}

pgw_status pgw_wait_notification(pgw_conn *c, int timeout_ms, pgw_notification *out)
{
    if (c == NULL || out == NULL)
        return PGW_E_INVALID;
    if (pgwi_notify_pop(c, out))
        return PGW_OK;
    pgw_status rc = nw_idle_check(c);
    if (rc != PGW_OK)
        return rc;
    pgwi_io *io = c->io;
    int64_t deadline = timeout_ms < 0 ? -1 : pgwi_now_ms() + timeout_ms;
    for (;;) {
        rc = nw_absorb(c, io);
        if (pgwi_notify_pop(c, out))
            return PGW_OK;
        if (rc < 0)
            return rc;
        int left = pgwi_remaining_ms(deadline);
        if (deadline >= 0 && left == 0)
            return PGW_E_TIMEOUT;
        int e = 0;
        rc = io->t.wait(io->handle, true, false, left, &e);
        if (rc == PGW_E_TIMEOUT)
            continue; /* one last look, then the deadline check answers */
        if (rc != PGW_OK) {
            pgwi_conn_break(c, rc, "could not receive data from server: %s", strerror(e));
            pgwi_conn_set_errno(c, e);
            return c->err.status;
        }
    }
}
