/* The blocking side of pipeline mode, and the pump that keeps a pipeline
 * from deadlocking.
 *
 * The trap: a client writes a long batch while the server answers each
 * query as it goes. Once the client stops reading, the server's socket
 * buffer fills, the server blocks in its write and stops reading ours,
 * and then our write blocks too: both sides wait forever. So this pump
 * never waits for writability alone: whenever a write would block it also
 * waits for readability, and reads what arrived into the pipeline's
 * backlog, which the engine gets before any later socket read (the order
 * of the stream is kept). The engine's own input buffer stays bounded;
 * the backlog holds what the caller has not read yet. */
#include <errno.h>
#include <string.h>

#include "conn/extended_int.h"
#include "conn/pipeline_int.h"
#include "io/io_int.h"
#include "io/pipeline_io.h"

#define READ_CHUNK 65536
/* Output queued past this is written at once: the server starts on the
 * batch while the caller is still queuing it. */
#define FLUSH_THRESHOLD 65536

/* Whatever the socket has now, into the backlog (never blocks). */
static pgw_status stash_some(pgw_conn *c, pgwi_io *io)
{
    size_t avail;
    uint8_t *p = pgwi_pipe_stash_reserve(c, READ_CHUNK, &avail);
    if (p == NULL)
        return c->err.status;
    size_t got = 0;
    int e = 0;
    pgw_status rc = io->t.read(io->handle, p, avail, &got, &e);
    if (rc == PGW_OK) {
        pgwi_pipe_stash_commit(c, got);
        io->drained = got < avail;
        return PGW_OK;
    }
    if (rc == PGW_WANT_READ) {
        io->drained = true;
        return PGW_OK;
    }
    if (rc == PGW_E_CLOSED) {
        pgwi_pipe_stash_eof(c);
        return PGW_OK;
    }
    return pgwi_io_error(c, rc, e, "receive");
}

pgw_status pgwi_pipeline_pump(pgw_conn *c, pgw_status want)
{
    pgwi_io *io = c->io;
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    int64_t deadline = c->io_timeout_ms > 0 ? pgwi_now_ms() + c->io_timeout_ms : -1;
    for (;;) {
        const uint8_t *p;
        size_t n = pgw_conn_output(c, &p);
        if (n == 0)
            break;
        if (io->write_failed) {
            pgw_conn_output_done(c, n);
            break;
        }
        size_t put = 0;
        int e = 0;
        pgw_status rc = io->t.write(io->handle, p, n, &put, &e);
        if (rc == PGW_OK) {
            pgw_conn_output_done(c, put);
            continue;
        }
        if (rc != PGW_WANT_WRITE) {
            /* As the ordinary pump: the server's last words, if any, are
             * in what we read next, so drop the output and read on. */
            io->write_failed = true;
            pgw_conn_output_done(c, n);
            break;
        }
        bool at_eof = c->eof || (c->pipe != NULL && c->pipe->backlog_eof);
        rc = io->t.wait(io->handle, !at_eof, true, pgwi_remaining_ms(deadline), &e);
        if (rc != PGW_OK)
            return pgwi_io_error(c, rc, e, "send");
        if (!at_eof) {
            rc = stash_some(c, io);
            if (rc < 0)
                return rc;
        }
    }
    if (want != PGW_WANT_READ)
        return PGW_OK;
    if (pgwi_pipe_stashed(c))
        return pgwi_pipe_unstash(c, READ_CHUNK);
    for (;;) {
        if (c->eof)
            return PGW_OK;
        if (io->drained) {
            int e = 0;
            pgw_status rc = io->t.wait(io->handle, true, false, pgwi_remaining_ms(deadline), &e);
            if (rc != PGW_OK)
                return pgwi_io_error(c, rc, e, "receive");
        }
        pgw_status rc = pgwi_io_read_once(c, io);
        if (rc != PGW_WANT_READ)
            return rc;
    }
}

static pgw_status need_io(pgw_conn *c)
{
    if (c == NULL)
        return PGW_E_INVALID;
    if (c->io == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
    return PGW_OK;
}

/* Write the output once it is large enough to be worth a system call
 * (and before it grows without bound). */
static pgw_status flush_over(pgw_conn *c, size_t threshold)
{
    if (c->out.len < threshold)
        return PGW_OK;
    pgw_status rc = pgw_conn_pump(c, PGW_WANT_WRITE);
    return rc < 0 ? rc : PGW_OK;
}

#define PIPE_BLOCKING(call, c)                                                                 \
    for (;;) {                                                                                 \
        pgw_status rc_ = (call);                                                               \
        if (rc_ != PGW_WANT_READ && rc_ != PGW_WANT_WRITE)                                     \
            return rc_;                                                                        \
        pgw_status prc_ = pgw_conn_pump((c), rc_);                                             \
        if (prc_ < 0)                                                                          \
            return prc_;                                                                       \
    }

pgw_status pgw_pipeline_begin(pgw_conn *c)
{
    pgw_status rc = need_io(c);
    if (rc != PGW_OK)
        return rc;
    PIPE_BLOCKING(pgw_pipeline_start(c), c);
}

pgw_status pgw_pipeline_query(pgw_conn *c, const char *sql, const pgw_param *params,
                              size_t nparams, pgw_cursor **out)
{
    if (out != NULL)
        *out = NULL;
    pgw_status rc = need_io(c);
    if (rc != PGW_OK)
        return rc;
    rc = pgw_pipeline_query_send(c, sql, params, nparams, NULL, 0, out);
    if (rc != PGW_OK)
        return rc;
    return flush_over(c, FLUSH_THRESHOLD);
}

pgw_status pgw_pipeline_stmt(pgw_stmt *st, const pgw_param *params, size_t nparams,
                             pgw_cursor **out)
{
    if (out != NULL)
        *out = NULL;
    if (st == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = st->c;
    pgw_status rc = need_io(c);
    if (rc != PGW_OK)
        return rc;
    rc = pgw_pipeline_stmt_send(st, params, nparams, NULL, 0, out);
    if (rc != PGW_OK)
        return rc;
    return flush_over(c, FLUSH_THRESHOLD);
}

pgw_status pgw_pipeline_sync(pgw_conn *c)
{
    pgw_status rc = need_io(c);
    if (rc == PGW_OK)
        rc = pgw_pipeline_sync_send(c);
    if (rc == PGW_OK)
        rc = flush_over(c, 1);
    return rc;
}

pgw_status pgw_pipeline_flush(pgw_conn *c)
{
    pgw_status rc = need_io(c);
    if (rc == PGW_OK)
        rc = pgw_pipeline_flush_send(c);
    if (rc == PGW_OK)
        rc = flush_over(c, 1);
    return rc;
}

pgw_status pgw_pipeline_next_sync(pgw_conn *c, pgw_tx_status *tx)
{
    pgw_status rc = need_io(c);
    if (rc != PGW_OK)
        return rc;
    PIPE_BLOCKING(pgw_pipeline_sync_recv(c, tx), c);
}

pgw_status pgw_pipeline_end(pgw_conn *c)
{
    pgw_status rc = need_io(c);
    if (rc != PGW_OK)
        return rc;
    PIPE_BLOCKING(pgw_pipeline_finish(c), c);
}
