/* The blocking COPY calls: loops of engine call → pump. COPY IN writes
 * whenever PGW_COPY_FLUSH_THRESHOLD bytes are pending, so a stream of any
 * size runs in bounded memory, and looks at what the server sent after
 * each write, so a failed COPY stops the sender early. */
#include "conn/copy_int.h"
#include "io/io_int.h"

/* Drive an engine call until it stops asking for I/O. */
static pgw_status drive_end(pgw_copy *cp, uint64_t *rows)
{
    for (;;) {
        pgw_status rc = pgw_copy_recv_end(cp, rows);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        pgw_status prc = pgw_conn_pump(cp->c, rc);
        if (prc < 0) {
            rc = pgw_copy_recv_end(cp, rows); /* maps the loss */
            return rc < 0 ? rc : prc;
        }
    }
}

pgw_status pgw_copy_begin(pgw_conn *c, const char *sql, pgw_copy **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c == NULL)
        return PGW_E_INVALID;
    if (c->io == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
    pgw_copy *cp;
    pgw_status rc = pgw_copy_begin_send(c, sql, &cp);
    if (rc != PGW_OK)
        return rc;
    for (;;) {
        rc = pgw_copy_recv_start(cp);
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
            pgw_status prc = pgw_conn_pump(c, rc);
            if (prc < 0) {
                pgw_copy_free(cp);
                return prc;
            }
            continue;
        }
        break;
    }
    if (rc == PGW_OK) {
        *out = cp;
        return PGW_OK;
    }
    pgw_status first = rc;
    /* A failed statement: read on to ReadyForQuery so the connection is
     * idle when we return. */
    while (rc == PGW_E_SERVER || rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
        if (rc != PGW_E_SERVER && pgw_conn_pump(c, rc) < 0)
            break;
        rc = pgw_copy_recv_start(cp);
    }
    pgw_copy_free(cp);
    return first;
}

/* Take what the server has sent, without waiting: a COPY IN whose
 * writes never block would otherwise learn of its failure only at the
 * end. A read error is left for the next blocking call to find. */
static void read_ready(pgw_conn *c)
{
    pgwi_io *io = c->io;
    if (io == NULL || io->handle == NULL || c->eof || c->state == PGW_CONN_BROKEN)
        return;
    size_t avail;
    uint8_t *p = pgwi_conn_input_reserve(c, 4096, &avail);
    if (p == NULL)
        return;
    size_t got = 0;
    int e = 0;
    pgw_status rc = io->t.read(io->handle, p, avail, &got, &e);
    if (rc == PGW_OK)
        pgwi_conn_input_commit(c, got);
    else if (rc == PGW_E_CLOSED)
        pgw_conn_input_eof(c);
}

/* After the engine answered PGW_E_SERVER mid-COPY IN: read to
 * ReadyForQuery, keeping the server's error. */
static pgw_status settle(pgw_copy *cp)
{
    pgw_status rc = drive_end(cp, NULL);
    return rc == PGW_OK ? PGW_E_SERVER : rc;
}

pgw_status pgw_copy_put_rows(pgw_copy *cp, const void *data, size_t len, uint64_t nrows)
{
    if (cp == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = cp->c;
    pgw_status rc = pgw_copy_queue(cp, data, len, nrows);
    if (rc == PGW_E_SERVER)
        return settle(cp);
    if (rc != PGW_OK)
        return rc;
    if (c->out.len < PGW_COPY_FLUSH_THRESHOLD)
        return PGW_OK;
    pgw_status prc = pgw_conn_pump(c, PGW_WANT_WRITE);
    const pgwi_io *io = c->io;
    if (prc >= 0 && io != NULL && io->write_failed) {
        /* The server is gone or going: find its last words (a FATAL
         * message) or the end of the stream. */
        prc = pgw_conn_pump(c, PGW_WANT_READ);
    } else if (prc >= 0) {
        read_ready(c);
    }
    rc = pgw_copy_poll(cp);
    if (rc == PGW_E_SERVER)
        return settle(cp);
    if (rc < 0)
        return rc;
    return prc < 0 ? pgw_copy_poll(cp) : PGW_OK;
}

pgw_status pgw_copy_put(pgw_copy *cp, const void *data, size_t len)
{
    if (cp == NULL || (data == NULL && len > 0))
        return PGW_E_INVALID;
    uint64_t rows = 0;
    if (cp->format == 0) {
        const char *p = data, *end = p + len;
        while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            rows++;
            p++;
        }
    }
    return pgw_copy_put_rows(cp, data, len, rows);
}

pgw_status pgw_copy_end(pgw_copy *cp, uint64_t *rows)
{
    if (rows != NULL)
        *rows = 0;
    if (cp == NULL)
        return PGW_E_INVALID;
    pgw_status rc = pgw_copy_queue_end(cp);
    if (rc != PGW_OK && rc != PGW_E_SERVER)
        return rc;
    return drive_end(cp, rows);
}

pgw_status pgw_copy_fail(pgw_copy *cp, const char *message)
{
    if (cp == NULL)
        return PGW_E_INVALID;
    pgw_status rc = pgw_copy_queue_fail(cp, message);
    if (rc != PGW_OK && rc != PGW_E_SERVER)
        return rc;
    return drive_end(cp, NULL);
}

pgw_status pgw_copy_get(pgw_copy *cp, const uint8_t **p, size_t *len)
{
    if (cp == NULL)
        return PGW_E_INVALID;
    for (;;) {
        pgw_status rc = pgw_copy_recv_data(cp, p, len);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        pgw_status prc = pgw_conn_pump(cp->c, rc);
        if (prc < 0)
            return prc;
    }
}
