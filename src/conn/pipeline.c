/* Pipeline mode: a FIFO of queued queries and Sync points.
 *
 * Each queued query is an ordinary extended-protocol exchange (a cursor
 * with its queue of expected acknowledgements) without a Sync of its own;
 * the Syncs are nodes of their own, placed where the caller asked. The
 * query at the head of the FIFO is the connection's active cursor while
 * it is read, so the cursor code reads its messages as for a lone query;
 * the query ends when its last expected message (CommandComplete) arrives
 * instead of at ReadyForQuery. Sync nodes consume exactly one
 * ReadyForQuery. Anything else where a Sync's ReadyForQuery is due, or
 * after the last queued item, is a protocol violation.
 *
 * An ErrorResponse ends its query and marks every later query up to the
 * next Sync node as skipped: the server discards their messages, so no
 * message of theirs can arrive (one would be a violation, caught by the
 * Sync node). A broken connection makes every query still pending report
 * PGW_E_UNKNOWN_OUTCOME, lazily, when it is read. */
#include <stdio.h>

#include "conn/cursor_int.h"
#include "conn/extended_int.h"
#include "conn/pipeline_int.h"

enum settle_mode {
    SETTLE_TARGET, /* until the given cursor is at the head */
    SETTLE_SYNC,   /* until a Sync node is at the head */
    SETTLE_ALL,    /* until the FIFO is empty */
    SETTLE_STEP    /* as far as possible without the caller's cursors */
};

static pgwi_pnode *node_at(const pgwi_pipe *p, size_t i)
{
    return &p->ring[(p->head + i) % p->cap];
}

/* Room for one more node, before anything is queued: a failure here must
 * leave the output untouched. */
static pgw_status reserve_node(pgw_conn *c, pgwi_pipe *p)
{
    if (p->n < p->cap)
        return PGW_OK;
    size_t ncap;
    if (!pgwi_mul_size(p->cap, 2, &ncap))
        return pgwi_conn_refuse(c, PGW_E_TOO_LARGE, "pipeline: too many queued queries");
    pgwi_pnode *r = pgwi_alloc_array(c->a, ncap, sizeof *r);
    if (r == NULL)
        return pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
    for (size_t i = 0; i < p->n; i++)
        r[i] = *node_at(p, i);
    pgwi_free(c->a, p->ring, p->cap * sizeof *p->ring);
    p->ring = r;
    p->cap = ncap;
    p->head = 0;
    return PGW_OK;
}

static void push_node(pgwi_pipe *p, pgw_cursor *cur, bool sync)
{
    pgwi_pnode *nd = node_at(p, p->n);
    nd->cur = cur;
    nd->sync = sync;
    p->n++;
}

static void pop_node(pgwi_pipe *p)
{
    p->head = (p->head + 1) % p->cap;
    p->n--;
}

static pgw_tx_status tx_of(char st)
{
    switch (st) {
    case 'I': return PGW_TX_IDLE;
    case 'T': return PGW_TX_IN_BLOCK;
    case 'E': return PGW_TX_IN_ERROR;
    default: return PGW_TX_UNKNOWN;
    }
}

bool pgw_conn_in_pipeline(const pgw_conn *c)
{
    return c != NULL && c->pipe != NULL;
}

size_t pgw_pipeline_pending(const pgw_conn *c)
{
    return c != NULL && c->pipe != NULL ? c->pipe->n : 0;
}

/* Free a cursor the pipeline owns (its user freed it early). */
static void free_orphan(pgw_cursor *cur)
{
    cur->x->pqueued = false;
    cur->x->porphan = false;
    if (cur->x->pfate == PGWI_PF_PENDING)
        cur->x->pfate = PGWI_PF_UNKNOWN_SEEN;
    pgw_cursor_free(cur);
}

static void drop_pipe(pgw_conn *c)
{
    pgwi_pipe *p = c->pipe;
    if (p == NULL)
        return;
    c->active = NULL;
    for (size_t i = 0; i < p->n; i++) {
        pgw_cursor *cur = node_at(p, i)->cur;
        if (cur == NULL)
            continue;
        cur->x->pqueued = false;
        if (cur->x->porphan)
            free_orphan(cur);
    }
    c->active = NULL;
    pgwi_free(c->a, p->ring, p->cap * sizeof *p->ring);
    pgw_buf_free(&p->backlog);
    pgwi_free(c->a, p, sizeof *p);
    c->pipe = NULL;
}

void pgwi_pipe_free(pgw_conn *c)
{
    drop_pipe(c);
}

pgw_status pgw_pipeline_start(pgw_conn *c)
{
    if (c == NULL)
        return PGW_E_INVALID;
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->pipe != NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "already in pipeline mode");
    if (c->abandoned > 0 && c->active == NULL &&
        (c->state == PGW_CONN_BUSY || c->state == PGW_CONN_IDLE)) {
        pgw_status rc = pgwi_conn_drain(c);
        if (rc < 0)
            return rc;
        if (c->abandoned > 0)
            return pgwi_conn_want(c);
    }
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    pgwi_pipe *p = pgwi_alloc(c->a, sizeof *p);
    if (p == NULL)
        return pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
    memset(p, 0, sizeof *p);
    p->cap = 64;
    p->ring = pgwi_alloc_array(c->a, p->cap, sizeof *p->ring);
    if (p->ring == NULL) {
        pgwi_free(c->a, p, sizeof *p);
        return pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
    }
    pgw_buf_init(&p->backlog, c->a, 0);
    p->segment = ++c->stmt_counter;
    c->pipe = p;
    c->state = PGW_CONN_BUSY;
    return PGW_OK;
}

/* May the caller queue work? */
static pgw_status queue_check(pgw_conn *c)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->state == PGW_CONN_CLOSED)
        return pgwi_conn_fail(c, PGW_E_CLOSED, "connection is closed");
    if (c->pipe == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "not in pipeline mode");
    if (c->terminating)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection is being closed");
    return reserve_node(c, c->pipe);
}

static pgw_status add_query(pgw_conn *c, pgw_status rc, pgw_cursor *cur, pgw_cursor **out)
{
    if (rc != PGW_OK)
        return rc;
    pgwi_pipe *p = c->pipe;
    cur->x->pipelined = true;
    cur->x->pqueued = true;
    cur->x->porphan = out == NULL;
    push_node(p, cur, false);
    p->unsynced++;
    if (out != NULL)
        *out = cur;
    return PGW_OK;
}

pgw_status pgw_pipeline_query_send(pgw_conn *c, const char *sql, const pgw_param *params,
                                   size_t nparams, const int16_t *result_formats,
                                   size_t n_result_formats, pgw_cursor **out)
{
    if (out != NULL)
        *out = NULL;
    if (c == NULL || sql == NULL)
        return PGW_E_INVALID;
    pgw_status rc = queue_check(c);
    if (rc != PGW_OK)
        return rc;
    pgwi_conn_clear_error(c);
    pgw_cursor *cur = NULL;
    rc = pgwi_ext_queue(c, NULL, sql, params, nparams, result_formats, n_result_formats, &cur);
    return add_query(c, rc, cur, out);
}

pgw_status pgw_pipeline_stmt_send(pgw_stmt *st, const pgw_param *params, size_t nparams,
                                  const int16_t *result_formats, size_t n_result_formats,
                                  pgw_cursor **out)
{
    if (out != NULL)
        *out = NULL;
    if (st == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = st->c;
    pgw_status rc = queue_check(c);
    if (rc != PGW_OK)
        return rc;
    if (!st->ready)
        return pgwi_conn_fail(c, PGW_E_STATE, "prepared statement \"%s\" is not ready", st->name);
    pgwi_conn_clear_error(c);
    pgw_cursor *cur = NULL;
    rc = pgwi_ext_queue(c, st, NULL, params, nparams, result_formats, n_result_formats, &cur);
    return add_query(c, rc, cur, out);
}

pgw_status pgw_pipeline_sync_send(pgw_conn *c)
{
    if (c == NULL)
        return PGW_E_INVALID;
    pgw_status rc = queue_check(c);
    if (rc != PGW_OK)
        return rc;
    if (pgw_build_sync(&c->out) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    push_node(c->pipe, NULL, true);
    c->pipe->segment = ++c->stmt_counter;
    c->pipe->nsync++;
    c->pipe->unsynced = 0;
    return PGW_OK;
}

pgw_status pgw_pipeline_flush_send(pgw_conn *c)
{
    if (c == NULL)
        return PGW_E_INVALID;
    pgw_status rc = queue_check(c);
    if (rc != PGW_OK)
        return rc;
    if (pgw_build_flush(&c->out) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    return PGW_OK;
}

/* ---- reading --------------------------------------------------------------- */

/* The head is a Sync node: consume its ReadyForQuery. */
static pgw_status read_sync(pgw_conn *c, pgw_tx_status *tx)
{
    pgwi_pipe *p = c->pipe;
    for (;;) {
        pgw_frame f;
        size_t used;
        pgw_status rc = pgwi_conn_peek(c, &f, &used);
        if (rc == PGW_WANT_READ)
            return pgwi_conn_want(c);
        if (rc != PGW_OK)
            return rc;
        if (f.tag == PGW_BE_READY_FOR_QUERY) {
            char st;
            if (pgw_parse_ready_for_query(&f, &st) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "ReadyForQuery: malformed message");
            pgwi_conn_consume(c, used);
            c->tx = st;
            pop_node(p);
            p->nsync--;
            if (tx != NULL)
                *tx = tx_of(st);
            return PGW_OK;
        }
        if (f.tag == PGW_BE_ERROR_RESPONSE && pgwi_error_is_fatal(&f)) {
            /* The server is going away (e.g. the backend was terminated). */
            pgwi_conn_consume(c, used);
            rc = pgwi_conn_server_error(c, &f, PGW_E_CLOSED);
            c->state = PGW_CONN_BROKEN;
            c->tx = 0;
            return rc;
        }
        rc = pgwi_conn_async(c, &f);
        if (rc == PGW_END)
            return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                   "unexpected message type 0x%02x where a pipeline Sync's "
                                   "ReadyForQuery was due",
                                   f.tag);
        pgwi_conn_consume(c, used);
        if (rc != PGW_OK)
            return rc;
    }
}

/* Nothing is queued: only asynchronous messages may arrive. */
static pgw_status read_idle(pgw_conn *c)
{
    for (;;) {
        pgw_frame f;
        size_t used;
        pgw_status rc = pgwi_conn_peek(c, &f, &used);
        if (rc == PGW_WANT_READ)
            return c->out.len > 0 ? PGW_WANT_WRITE : PGW_OK;
        if (rc != PGW_OK)
            return rc;
        if (f.tag == PGW_BE_ERROR_RESPONSE && pgwi_error_is_fatal(&f)) {
            pgwi_conn_consume(c, used);
            rc = pgwi_conn_server_error(c, &f, PGW_E_CLOSED);
            c->state = PGW_CONN_BROKEN;
            c->tx = 0;
            return rc;
        }
        rc = pgwi_conn_async(c, &f);
        if (rc == PGW_END)
            return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                   "unexpected message type 0x%02x: no pipeline query is waiting "
                                   "for results",
                                   f.tag);
        pgwi_conn_consume(c, used);
        if (rc != PGW_OK)
            return rc;
    }
}

/* Read the results of a freed cursor to its end. */
static pgw_status drain_orphan(pgw_conn *c, pgw_cursor *cur)
{
    c->active = cur;
    for (;;) {
        pgw_status rc = pgw_cursor_recv_result(cur);
        if (rc == PGW_OK || rc == PGW_E_SERVER)
            continue;
        if (rc == PGW_END || rc == PGW_E_ABORTED)
            break;
        return rc;
    }
    /* query_done or the error popped its node. */
    free_orphan(cur);
    return PGW_OK;
}

static pgw_status pipe_settle(pgw_conn *c, const pgw_cursor *target, enum settle_mode mode)
{
    pgwi_pipe *p = c->pipe;
    for (;;) {
        if (c->state == PGW_CONN_BROKEN)
            return c->err.status;
        if (p->n == 0) {
            if (mode == SETTLE_STEP)
                return read_idle(c);
            if (mode == SETTLE_ALL)
                return PGW_OK;
            return pgwi_conn_fail(c, PGW_E_STATE, "pipeline: nothing queued to read");
        }
        pgwi_pnode *nd = node_at(p, 0);
        if (nd->sync) {
            if (mode == SETTLE_SYNC)
                return PGW_OK;
            pgw_status rc = read_sync(c, NULL);
            if (rc != PGW_OK)
                return rc;
            continue;
        }
        pgw_cursor *cur = nd->cur;
        if (cur == NULL) {
            pop_node(p);
            continue;
        }
        if (cur == target) {
            c->active = cur;
            return PGW_OK;
        }
        pgwi_ext *x = cur->x;
        if (x->pfate != PGWI_PF_PENDING) {
            pop_node(p);
            x->pqueued = false;
            if (x->porphan)
                free_orphan(cur);
            continue;
        }
        if (x->qn == 0 && cur->state == PGWI_CUR_RESULT_DONE) {
            /* Read to its end (the caller saw PGW_END): nothing more of
             * it can come, so a later query may be read. */
            pgwi_pipe_query_done(cur);
            if (x->porphan)
                free_orphan(cur);
            continue;
        }
        if (x->porphan) {
            pgw_status rc = drain_orphan(c, cur);
            if (rc != PGW_OK)
                return rc;
            continue;
        }
        if (mode == SETTLE_STEP)
            return PGW_OK; /* the caller's cursor is next: its turn to read */
        return pgwi_conn_fail(c, PGW_E_STATE,
                              mode == SETTLE_TARGET
                                  ? "pipeline results are read in order: an earlier query's "
                                    "results have not been read"
                                  : "pipeline: a query's results have not been read");
    }
}

static pgw_status report_unknown(pgw_cursor *cur)
{
    cur->x->pfate = PGWI_PF_UNKNOWN_SEEN;
    if (cur->c->row_owner == cur)
        cur->c->row_owner = NULL;
    if (cur->c->active == cur)
        cur->c->active = NULL;
    return PGW_E_UNKNOWN_OUTCOME;
}

pgw_status pgwi_pipe_enter(pgw_cursor *cur)
{
    pgw_conn *c = cur->c;
    pgwi_ext *x = cur->x;
    switch ((enum pgwi_pfate)x->pfate) {
    case PGWI_PF_DONE:
        return PGW_OK; /* the cursor code answers PGW_END */
    case PGWI_PF_ABORTED:
        x->pfate = PGWI_PF_ABORTED_SEEN;
        if (c->state != PGW_CONN_BROKEN)
            pgwi_conn_refuse(c, PGW_E_ABORTED,
                             "not executed: an earlier statement of the pipeline failed");
        return PGW_E_ABORTED;
    case PGWI_PF_UNKNOWN:
        return report_unknown(cur);
    case PGWI_PF_ABORTED_SEEN:
    case PGWI_PF_UNKNOWN_SEEN:
        return PGW_END;
    case PGWI_PF_PENDING:
        break;
    }
    if (c->state == PGW_CONN_BROKEN) {
        /* Every message of its result arrived before the break: it keeps
         * its result (its unit's commit may still be in doubt). */
        if (x->qn == 0)
            return pgwi_pipe_query_done(cur);
        return report_unknown(cur);
    }
    if (c->pipe == NULL || !x->pqueued)
        return PGW_OK;
    if (c->active == cur)
        return PGW_OK;
    pgw_status rc = pipe_settle(c, cur, SETTLE_TARGET);
    if (rc != PGW_OK && c->state == PGW_CONN_BROKEN)
        return report_unknown(cur);
    return rc;
}

pgw_status pgwi_pipe_query_done(pgw_cursor *cur)
{
    pgw_conn *c = cur->c;
    pgwi_pipe *p = c->pipe;
    cur->x->pfate = PGWI_PF_DONE;
    cur->state = PGWI_CUR_DONE;
    cur->completed = true;
    if (c->row_owner == cur)
        c->row_owner = NULL;
    if (p != NULL && p->n > 0 && node_at(p, 0)->cur == cur) {
        pop_node(p);
        cur->x->pqueued = false;
    }
    if (c->active == cur)
        c->active = NULL;
    return PGW_END;
}

pgw_status pgwi_pipe_outcome(pgw_cursor *cur, pgw_status rc)
{
    if (rc >= 0 || rc == PGW_E_SERVER || rc == PGW_E_ABORTED || rc == PGW_E_UNKNOWN_OUTCOME ||
        cur->c->state != PGW_CONN_BROKEN || cur->x->pfate != PGWI_PF_PENDING)
        return rc;
    return report_unknown(cur);
}

void pgwi_pipe_error(pgw_cursor *cur, const pgw_frame *f)
{
    pgw_conn *c = cur->c;
    pgwi_pipe *p = c->pipe;
    /* A FATAL error ends the session: the fates become unknown. */
    if (pgwi_error_is_fatal(f) || p == NULL)
        return;
    cur->x->pfate = PGWI_PF_DONE;
    cur->completed = true;
    size_t i = 0;
    if (p->n > 0 && node_at(p, 0)->cur == cur) {
        pop_node(p);
        cur->x->pqueued = false;
    } else
        i = p->n; /* not at the head: nothing to mark (cannot happen) */
    for (; i < p->n; i++) {
        pgwi_pnode *nd = node_at(p, i);
        if (nd->sync)
            break;
        if (nd->cur != NULL && nd->cur->x->pfate == PGWI_PF_PENDING)
            nd->cur->x->pfate = PGWI_PF_ABORTED;
    }
    c->active = NULL;
}

bool pgwi_pipe_release(pgw_cursor *cur)
{
    pgw_conn *c = cur->c;
    pgwi_ext *x = cur->x;
    pgwi_pipe *p = c->pipe;
    if (p != NULL && x->pqueued && x->pfate == PGWI_PF_PENDING && x->qn == 0)
        pgwi_pipe_query_done(cur); /* its whole result is here: nothing to discard */
    if (p == NULL || !x->pqueued) {
        if (c->active == cur)
            c->active = NULL;
        return false;
    }
    if (x->pfate == PGWI_PF_PENDING && c->state != PGW_CONN_BROKEN) {
        x->porphan = true;
        if (c->row_owner == cur)
            c->row_owner = NULL;
        return true;
    }
    for (size_t i = 0; i < p->n; i++)
        if (node_at(p, i)->cur == cur) {
            node_at(p, i)->cur = NULL;
            break;
        }
    x->pqueued = false;
    if (c->active == cur)
        c->active = NULL;
    return false;
}

pgw_status pgwi_pipe_step(pgw_conn *c)
{
    return pipe_settle(c, NULL, SETTLE_STEP);
}

pgw_status pgw_pipeline_sync_recv(pgw_conn *c, pgw_tx_status *tx)
{
    if (c == NULL)
        return PGW_E_INVALID;
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->pipe == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "not in pipeline mode");
    if (c->pipe->nsync == 0)
        return pgwi_conn_fail(c, PGW_E_STATE, "pipeline: no Sync point left to read");
    pgw_status rc = pipe_settle(c, NULL, SETTLE_SYNC);
    if (rc != PGW_OK)
        return rc;
    return read_sync(c, tx);
}

pgw_status pgw_pipeline_finish(pgw_conn *c)
{
    if (c == NULL)
        return PGW_E_INVALID;
    pgwi_pipe *p = c->pipe;
    if (p == NULL)
        return c->state == PGW_CONN_BROKEN ? c->err.status
                                           : pgwi_conn_fail(c, PGW_E_STATE, "not in pipeline mode");
    if (c->state == PGW_CONN_BROKEN) {
        drop_pipe(c);
        return c->err.status;
    }
    if (p->unsynced > 0)
        return pgwi_conn_fail(c, PGW_E_STATE,
                              "pipeline: %zu queries queued after the last Sync (call "
                              "pgw_pipeline_sync first)",
                              p->unsynced);
    pgw_status rc = pipe_settle(c, NULL, SETTLE_ALL);
    if (rc != PGW_OK) {
        if (c->state == PGW_CONN_BROKEN)
            drop_pipe(c);
        return rc;
    }
    /* What the driver kept aside after the last Sync (notices, the end of
     * the stream) now belongs to the idle connection. */
    while (pgwi_pipe_stashed(c)) {
        rc = pgwi_pipe_unstash(c, SIZE_MAX);
        if (rc != PGW_OK)
            return rc;
    }
    drop_pipe(c);
    c->state = PGW_CONN_IDLE;
    return PGW_OK;
}

/* ---- input kept aside ------------------------------------------------------ */

uint8_t *pgwi_pipe_stash_reserve(pgw_conn *c, size_t want, size_t *avail)
{
    pgwi_pipe *p = c->pipe;
    pgw_buf *b = &p->backlog;
    if (p->boff > 0 && p->boff == b->len) {
        b->len = 0;
        p->boff = 0;
    } else if (p->boff > 0 && p->boff >= b->len / 2) {
        /* Keep the backlog from creeping: move the unread part down. */
        memmove(b->data, b->data + p->boff, b->len - p->boff);
        b->len -= p->boff;
        p->boff = 0;
    }
    if (pgw_buf_reserve(b, want) != PGW_OK) {
        pgwi_conn_break(c, PGW_E_NOMEM, "out of memory keeping pipeline results aside");
        return NULL;
    }
    *avail = b->cap - b->len;
    return b->data + b->len;
}

void pgwi_pipe_stash_commit(pgw_conn *c, size_t n)
{
    c->pipe->backlog.len += n;
}

void pgwi_pipe_stash_eof(pgw_conn *c)
{
    c->pipe->backlog_eof = true;
}

bool pgwi_pipe_stashed(const pgw_conn *c)
{
    const pgwi_pipe *p = c->pipe;
    return p != NULL && (p->boff < p->backlog.len || p->backlog_eof);
}

pgw_status pgwi_pipe_unstash(pgw_conn *c, size_t chunk)
{
    pgwi_pipe *p = c->pipe;
    size_t n = p->backlog.len - p->boff;
    if (n == 0) {
        if (p->backlog_eof) {
            p->backlog_eof = false;
            pgw_conn_input_eof(c);
        }
        return PGW_OK;
    }
    if (n > chunk)
        n = chunk;
    pgw_status rc = pgw_conn_input(c, p->backlog.data + p->boff, n);
    if (rc != PGW_OK)
        return rc;
    p->boff += n;
    if (p->boff == p->backlog.len) {
        p->backlog.len = 0;
        p->boff = 0;
    }
    return PGW_OK;
}
