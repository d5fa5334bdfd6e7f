/* The event-loop API (pgwire/nonblock.h): non-blocking connect over the
 * connect machine (multihost.c), and flush / read / "what now" for loops
 * that do their own waiting. Nothing here ever waits. */
#include <errno.h>
#include <stdio.h>

#include "io/multihost.h"
#include "pgwire/nonblock.h"

pgw_status pgwi_io_flush(pgw_conn *c, pgwi_io *io)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    for (;;) {
        const uint8_t *p;
        size_t n = pgw_conn_output(c, &p);
        if (c->state == PGW_CONN_BROKEN) /* TLS could not encrypt */
            return c->err.status;
        if (n == 0)
            return PGW_OK;
        if (io->write_failed || io->handle == NULL) {
            pgw_conn_output_done(c, n);
            continue;
        }
        size_t put = 0;
        int e = 0;
        pgw_status rc = io->t.write(io->handle, p, n, &put, &e);
        if (rc == PGW_OK) {
            pgw_conn_output_done(c, put);
            continue;
        }
        if (rc == PGW_WANT_WRITE)
            return PGW_WANT_WRITE;
        /* libpq's rule: a failed write is not the error to report. The
         * server usually said why before it went; the reads will find it
         * (or the end of the stream). */
        io->write_failed = true;
        pgw_conn_output_done(c, n);
    }
}

pgw_status pgwi_io_read(pgw_conn *c, pgwi_io *io)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->eof)
        return PGW_OK;
    pgw_status rc = pgwi_io_read_once(c, io);
    if (rc == PGW_OK && c->state == PGW_CONN_BROKEN)
        return c->err.status;
    return rc;
}

pgw_status pgw_connect_start_with(pgw_conn **out, const pgw_conn_options *opt,
                                  const pgw_transport *transport)
{
    if (out == NULL)
        return PGW_E_INVALID;
    return pgwi_connect_setup(out, opt, transport, true);
}

pgw_status pgw_connect_start(pgw_conn **out, const pgw_conn_options *opt)
{
    return pgw_connect_start_with(out, opt, NULL);
}

pgw_status pgw_connect_poll(pgw_conn *c)
{
    pgwi_connector *cs = pgwi_connector_of(c);
    if (cs == NULL || !cs->nonblocking)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection was not made by pgw_connect_start()");
    return pgwi_connect_step(c);
}

int64_t pgw_connect_deadline_ms(const pgw_conn *c)
{
    const pgwi_connector *cs = pgwi_connector_of(c);
    if (cs == NULL || cs->phase == PGWI_CS_DONE || cs->phase == PGWI_CS_FAILED)
        return -1;
    return cs->deadline;
}

int pgw_connect_remaining_ms(const pgw_conn *c)
{
    return pgwi_remaining_ms(pgw_connect_deadline_ms(c));
}

static pgwi_io *transport_of(pgw_conn *c, pgw_status *rc)
{
    pgwi_io *io = c->io;
    if (io == NULL || io->handle == NULL) {
        *rc = pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
        return NULL;
    }
    return io;
}

pgw_status pgw_conn_flush(pgw_conn *c)
{
    pgw_status rc;
    pgwi_io *io = transport_of(c, &rc);
    return io == NULL ? rc : pgwi_io_flush(c, io);
}

pgw_status pgw_conn_consume_input(pgw_conn *c)
{
    pgw_status rc;
    pgwi_io *io = transport_of(c, &rc);
    if (io == NULL)
        return rc;
    rc = pgwi_io_read(c, io);
    /* With no cursor reading the stream, process what arrived now: results
     * owed to a freed cursor are discarded (they cannot pile up in an
     * event loop that reads without a cursor), and notifications and
     * notices of an idle connection are queued and delivered. */
    if (rc == PGW_OK && c->active == NULL &&
        (c->state == PGW_CONN_IDLE || c->state == PGW_CONN_BUSY)) {
        pgw_status drc = pgwi_conn_drain(c);
        if (drc < 0)
            return drc;
    }
    return rc;
}

pgw_status pgw_conn_wants(pgw_conn *c)
{
    pgw_status rc;
    if (transport_of(c, &rc) == NULL)
        return rc;
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    const uint8_t *p;
    if (pgw_conn_output(c, &p) > 0)
        return PGW_WANT_WRITE;
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->state == PGW_CONN_CLOSED || c->terminating)
        return PGW_E_CLOSED;
    if (c->state == PGW_CONN_NEW || c->state == PGW_CONN_STARTUP ||
        c->state == PGW_CONN_BUSY || c->active != NULL || c->abandoned > 0)
        return PGW_WANT_READ;
    return PGW_OK;
}
