/* COPY in the engine: a pgw_copy drives a simple-query cursor and takes
 * over the copy messages through the cursor's copy hook; everything else
 * (errors, notices, CommandComplete, ReadyForQuery) stays the cursor's.
 *
 * COPY IN data collects in a staging buffer and leaves as CopyData
 * messages of PGW_COPY_CHUNK bytes: a row per message would cost the
 * server one message dispatch per row. COPY OUT chunks are views into the
 * input buffer. Once bytes of COPY IN data may have reached the server, a
 * lost connection is PGW_E_UNKNOWN_OUTCOME: the COPY may have committed. */
#include "conn/copy_int.h"
#include "conn/extended_int.h"

static int copy_message(pgw_cursor *cur, const pgw_frame *f);

pgw_status pgw_copy_begin_send(pgw_conn *c, const char *sql, pgw_copy **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c == NULL || sql == NULL)
        return PGW_E_INVALID;
    pgw_copy *cp = pgwi_alloc(c->a, sizeof *cp);
    if (cp == NULL)
        return pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
    memset(cp, 0, sizeof *cp);
    cp->c = c;
    cp->format = -1;
    pgw_buf_init(&cp->stage, c->a, 0);
    pgw_status rc = pgw_query_send(c, sql, &cp->cur);
    if (rc != PGW_OK) {
        pgwi_free(c->a, cp, sizeof *cp);
        return rc;
    }
    cp->cur->copy = cp;
    cp->cur->copy_message = copy_message;
    cp->state = PGWI_COPY_START;
    *out = cp;
    return PGW_OK;
}

/* The copy messages, seen by the cursor's read loop. */
static int copy_message(pgw_cursor *cur, const pgw_frame *f)
{
    pgw_copy *cp = cur->copy;
    pgw_conn *c = cur->c;
    switch (f->tag) {
    case PGW_BE_COPY_IN_RESPONSE:
    case PGW_BE_COPY_OUT_RESPONSE: {
        const char *name = f->tag == PGW_BE_COPY_IN_RESPONSE ? "CopyInResponse" : "CopyOutResponse";
        if (cp->state != PGWI_COPY_START || cur->state != PGWI_CUR_HEADER)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected %s", name);
        int8_t fmt;
        uint16_t n;
        const uint8_t *fmts;
        if (pgw_parse_copy_response(f, &fmt, &n, &fmts) != PGW_OK)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "%s: malformed message", name);
        if (n > 0) {
            cp->colfmt = pgwi_alloc_array(c->a, n, sizeof *cp->colfmt);
            if (cp->colfmt == NULL)
                return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
            for (uint16_t i = 0; i < n; i++)
                cp->colfmt[i] = pgw_copy_response_format(fmts, i);
        }
        cp->ncols = n;
        cp->format = fmt;
        cp->dir = f->tag == PGW_BE_COPY_IN_RESPONSE ? PGW_COPY_IN : PGW_COPY_OUT;
        cp->state = cp->dir == PGW_COPY_IN ? PGWI_COPY_IN : PGWI_COPY_OUT;
        if (cp->dir == PGW_COPY_IN && pgw_buf_reserve(&cp->stage, PGW_COPY_CHUNK) != PGW_OK)
            return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
        return PGW_OK;
    }
    case PGW_BE_COPY_BOTH_RESPONSE:
        return pgwi_conn_break(c, PGW_E_UNSUPPORTED,
                               "CopyBothResponse: streaming replication is not supported");
    case PGW_BE_COPY_DATA:
        if (cp->state != PGWI_COPY_OUT)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "CopyData received outside COPY OUT");
        cp->chunk = f->body;
        cp->chunk_len = f->len;
        cp->have_chunk = true;
        return PGW_OK;
    case PGW_BE_COPY_DONE:
        if (cp->state != PGWI_COPY_OUT || pgw_parse_empty(f) != PGW_OK)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected CopyDone");
        cp->state = PGWI_COPY_ENDING;
        return PGWI_XCONT;
    default:
        return PGWI_XPASS;
    }
}

/* A failure of the connection itself. Once COPY IN data or its end may
 * have reached the server, nobody knows whether the COPY was applied. */
static pgw_status lost(pgw_copy *cp, pgw_status rc)
{
    pgw_conn *c = cp->c;
    if (c->state != PGW_CONN_BROKEN || rc == PGW_E_SERVER || rc >= 0)
        return rc;
    if (cp->state == PGWI_COPY_DONE && cp->final < 0)
        return cp->final; /* the loss was already classified */
    if (cp->dir == PGW_COPY_IN && cp->state != PGWI_COPY_DONE) {
        cp->state = PGWI_COPY_DONE;
        cp->final = PGW_E_UNKNOWN_OUTCOME;
        return PGW_E_UNKNOWN_OUTCOME;
    }
    cp->state = PGWI_COPY_DONE;
    cp->final = rc;
    return rc;
}

static void note_rows(pgw_copy *cp)
{
    uint64_t n;
    if (cp->cur->tag != NULL && pgw_cursor_rows_affected(cp->cur, &n) == PGW_OK) {
        cp->rows = n;
        cp->have_rows = true;
    }
}

pgw_status pgw_copy_recv_start(pgw_copy *cp)
{
    if (cp == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = cp->c;
    for (;;) {
        switch (cp->state) {
        case PGWI_COPY_START:
        case PGWI_COPY_FAILED:
            break;
        case PGWI_COPY_DONE:
            return cp->final == PGW_OK || cp->final == PGW_E_SERVER ||
                           cp->final == PGW_E_INVALID
                       ? PGW_END
                       : cp->final;
        default:
            return PGW_OK; /* already in copy mode */
        }
        pgw_status rc = pgw_cursor_recv_result(cp->cur);
        if (rc == PGW_OK) {
            if (cp->state != PGWI_COPY_START && cp->state != PGWI_COPY_FAILED)
                return PGW_OK;
            continue; /* a statement before the COPY */
        }
        if (rc == PGW_END) {
            bool failed = cp->state == PGWI_COPY_FAILED;
            cp->state = PGWI_COPY_DONE;
            if (failed)
                return PGW_END;
            cp->final = PGW_E_INVALID;
            return pgwi_conn_refuse(c, PGW_E_INVALID,
                                    "the statement did not start COPY FROM STDIN or TO STDOUT");
        }
        if (rc == PGW_E_SERVER) {
            cp->state = PGWI_COPY_FAILED;
            cp->final = PGW_E_SERVER;
            return rc;
        }
        if (rc < 0) {
            cp->state = PGWI_COPY_DONE;
            cp->final = rc;
        }
        return rc;
    }
}

/* Queue n bytes as CopyData messages of at most PGW_COPY_CHUNK. */
static pgw_status emit(pgw_copy *cp, const uint8_t *p, size_t n)
{
    pgw_conn *c = cp->c;
    while (n > 0) {
        size_t k = n < PGW_COPY_CHUNK ? n : PGW_COPY_CHUNK;
        if (pgw_build_copy_data(&c->out, p, k) != PGW_OK)
            return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
        p += k;
        n -= k;
        cp->dirty = true;
    }
    return PGW_OK;
}

/* Common checks for the COPY IN calls that queue output. */
static pgw_status check_in(pgw_copy *cp)
{
    pgw_conn *c = cp->c;
    if (c->state == PGW_CONN_BROKEN)
        return lost(cp, c->err.status);
    if (cp->state == PGWI_COPY_FAILED)
        return PGW_E_SERVER;
    if (cp->state == PGWI_COPY_DONE && cp->final < 0)
        return cp->final;
    if (cp->state != PGWI_COPY_IN)
        return pgwi_conn_refuse(c, PGW_E_STATE, "no COPY FROM STDIN in progress");
    return PGW_OK;
}

pgw_status pgw_copy_queue(pgw_copy *cp, const void *data, size_t len, uint64_t nrows)
{
    if (cp == NULL || (data == NULL && len > 0))
        return PGW_E_INVALID;
    /* The common case, a row that fits in the staged chunk: one memcpy.
     * (The stage's capacity is a whole chunk from the start of COPY IN.) */
    pgw_buf *st = &cp->stage;
    if (cp->state == PGWI_COPY_IN && st->cap >= PGW_COPY_CHUNK && len < PGW_COPY_CHUNK - st->len &&
        cp->c->state != PGW_CONN_BROKEN) {
        if (len > 0)
            memcpy(st->data + st->len, data, len);
        st->len += len;
        cp->rows_sent += nrows;
        cp->bytes_sent += len;
        return PGW_OK;
    }
    pgw_status rc = check_in(cp);
    if (rc != PGW_OK)
        return rc;
    const uint8_t *p = data;
    size_t total = len;
    pgw_buf *s = &cp->stage;
    if (s->len > 0 || len < PGW_COPY_CHUNK) {
        size_t room = PGW_COPY_CHUNK - s->len;
        size_t k = len < room ? len : room;
        if (pgw_buf_append(s, p, k) != PGW_OK) {
            pgw_buf_free(s);
            pgw_buf_init(s, cp->c->a, 0);
            return pgwi_conn_break(cp->c, PGW_E_NOMEM, "out of memory");
        }
        p += k;
        len -= k;
        if (s->len == PGW_COPY_CHUNK) {
            rc = emit(cp, s->data, s->len);
            s->len = 0;
            if (rc != PGW_OK)
                return lost(cp, rc);
        }
    }
    if (len > 0) {
        /* What is left is whole chunks straight from the caller's bytes,
         * and a tail that starts the next staged chunk. */
        size_t whole = len - len % PGW_COPY_CHUNK;
        rc = emit(cp, p, whole);
        if (rc != PGW_OK)
            return lost(cp, rc);
        if (pgw_buf_append(s, p + whole, len - whole) != PGW_OK)
            return pgwi_conn_break(cp->c, PGW_E_NOMEM, "out of memory");
    }
    cp->rows_sent += nrows;
    cp->bytes_sent += total;
    return PGW_OK;
}

pgw_status pgw_copy_flush(pgw_copy *cp)
{
    if (cp == NULL)
        return PGW_E_INVALID;
    pgw_status rc = check_in(cp);
    if (rc != PGW_OK)
        return rc;
    rc = emit(cp, cp->stage.data, cp->stage.len);
    cp->stage.len = 0;
    return rc != PGW_OK ? lost(cp, rc) : PGW_OK;
}

pgw_status pgw_copy_poll(pgw_copy *cp)
{
    if (cp == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = cp->c;
    if (c->state == PGW_CONN_BROKEN)
        return lost(cp, c->err.status);
    if (cp->state == PGWI_COPY_FAILED)
        return PGW_E_SERVER;
    if (cp->state != PGWI_COPY_IN && cp->state != PGWI_COPY_ENDING)
        return pgwi_conn_refuse(c, PGW_E_STATE, "no COPY FROM STDIN in progress");
    if (cp->dir != PGW_COPY_IN)
        return pgwi_conn_refuse(c, PGW_E_STATE, "no COPY FROM STDIN in progress");
    /* Only when something arrived: an idle check must not wait. */
    if (c->in.len == c->in_off && !c->eof)
        return PGW_OK;
    if (cp->state == PGWI_COPY_ENDING)
        return PGW_OK; /* pgw_copy_recv_end reads the answer */
    pgw_status rc = pgw_cursor_recv_result(cp->cur);
    if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE)
        return PGW_OK;
    if (rc == PGW_E_SERVER) {
        cp->state = PGWI_COPY_FAILED;
        cp->final = PGW_E_SERVER;
        return rc;
    }
    if (rc == PGW_OK || rc == PGW_END)
        return lost(cp, pgwi_conn_break(c, PGW_E_PROTOCOL,
                                        "COPY FROM STDIN ended by the server before CopyDone"));
    return lost(cp, rc);
}

pgw_status pgw_copy_queue_end(pgw_copy *cp)
{
    pgw_status rc = pgw_copy_flush(cp);
    if (rc != PGW_OK)
        return rc;
    if (pgw_build_copy_done(&cp->c->out) != PGW_OK)
        return lost(cp, pgwi_conn_break(cp->c, PGW_E_NOMEM, "out of memory"));
    cp->dirty = true;
    cp->state = PGWI_COPY_ENDING;
    return PGW_OK;
}

pgw_status pgw_copy_queue_fail(pgw_copy *cp, const char *message)
{
    if (cp == NULL || message == NULL)
        return PGW_E_INVALID;
    pgw_status rc = check_in(cp);
    if (rc != PGW_OK)
        return rc;
    cp->stage.len = 0;
    rc = pgw_build_copy_fail(&cp->c->out, message);
    if (rc == PGW_E_TOO_LARGE)
        return pgwi_conn_refuse(cp->c, rc, "CopyFail message is too long");
    if (rc != PGW_OK)
        return lost(cp, pgwi_conn_break(cp->c, PGW_E_NOMEM, "out of memory"));
    cp->dirty = true;
    cp->state = PGWI_COPY_ENDING;
    return PGW_OK;
}

/* Read the COPY's end: CommandComplete (or an error), then ReadyForQuery. */
static pgw_status read_end(pgw_copy *cp)
{
    for (;;) {
        cp->have_chunk = false;
        pgw_status rc = pgw_cursor_recv_result(cp->cur);
        if (rc == PGW_OK) {
            if (cp->have_chunk)
                return PGW_OK;
            note_rows(cp);
            continue;
        }
        if (rc == PGW_END) {
            cp->state = PGWI_COPY_DONE;
            if (cp->final == PGW_OK && !cp->have_rows)
                cp->final = pgwi_conn_break(cp->c, PGW_E_PROTOCOL,
                                            "COPY ended without CommandComplete");
            return cp->final == PGW_OK ? PGW_END : cp->final;
        }
        if (rc == PGW_E_SERVER) {
            cp->state = PGWI_COPY_FAILED;
            cp->final = PGW_E_SERVER;
            continue; /* on to ReadyForQuery: the connection is usable then */
        }
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE)
            return rc;
        return lost(cp, rc);
    }
}

pgw_status pgw_copy_recv_end(pgw_copy *cp, uint64_t *rows)
{
    if (rows != NULL)
        *rows = 0;
    if (cp == NULL)
        return PGW_E_INVALID;
    if (cp->dir != PGW_COPY_IN)
        return pgwi_conn_refuse(cp->c, PGW_E_STATE, "no COPY FROM STDIN in progress");
    if (cp->state == PGWI_COPY_IN)
        return pgwi_conn_refuse(cp->c, PGW_E_STATE, "COPY FROM STDIN not ended yet");
    pgw_status rc;
    if (cp->state == PGWI_COPY_DONE)
        rc = cp->final == PGW_OK ? PGW_END : cp->final;
    else if (cp->c->state == PGW_CONN_BROKEN)
        rc = lost(cp, cp->c->err.status);
    else
        rc = read_end(cp);
    if (rc == PGW_END) {
        if (rows != NULL)
            *rows = cp->rows;
        return PGW_OK;
    }
    if (rc == PGW_OK) /* CopyData in COPY IN: read_end only returns it for COPY OUT */
        return lost(cp, pgwi_conn_break(cp->c, PGW_E_PROTOCOL, "CopyData received during COPY IN"));
    return rc;
}

pgw_status pgw_copy_recv_data(pgw_copy *cp, const uint8_t **p, size_t *len)
{
    if (cp == NULL || p == NULL || len == NULL)
        return PGW_E_INVALID;
    *p = NULL;
    *len = 0;
    if (cp->dir != PGW_COPY_OUT)
        return pgwi_conn_refuse(cp->c, PGW_E_STATE, "no COPY TO STDOUT in progress");
    if (cp->state == PGWI_COPY_DONE)
        return cp->final == PGW_OK ? PGW_END : cp->final;
    pgw_status rc = read_end(cp);
    if (rc == PGW_OK) {
        *p = cp->chunk;
        *len = cp->chunk_len;
    }
    return rc;
}

void pgw_copy_free(pgw_copy *cp)
{
    if (cp == NULL)
        return;
    pgw_conn *c = cp->c;
    /* An unfinished COPY IN would keep the server waiting for data that
     * never comes: fail it; the cursor's results are then skipped. */
    if (cp->state == PGWI_COPY_IN && c->state != PGW_CONN_BROKEN && c->active == cp->cur)
        (void)pgw_build_copy_fail(&c->out, "COPY abandoned by the client");
    if (cp->cur != NULL) {
        cp->cur->copy = NULL;
        cp->cur->copy_message = NULL;
        pgw_cursor_free(cp->cur);
    }
    pgw_buf_free(&cp->stage);
    pgwi_free(c->a, cp->colfmt, (size_t)cp->ncols * sizeof *cp->colfmt);
    pgwi_free(c->a, cp, sizeof *cp);
}

/* ---- accessors ---------------------------------------------------------- */

pgw_conn *pgw_copy_conn(const pgw_copy *cp)
{
    return cp->c;
}

pgw_copy_direction pgw_copy_get_direction(const pgw_copy *cp)
{
    return cp->dir;
}

int pgw_copy_format(const pgw_copy *cp)
{
    return cp->format;
}

uint16_t pgw_copy_ncols(const pgw_copy *cp)
{
    return cp->ncols;
}

int pgw_copy_column_format(const pgw_copy *cp, uint16_t i)
{
    return i < cp->ncols ? cp->colfmt[i] : -1;
}

uint64_t pgw_copy_rows(const pgw_copy *cp)
{
    return cp->rows;
}

uint64_t pgw_copy_rows_sent(const pgw_copy *cp)
{
    return cp->rows_sent;
}

uint64_t pgw_copy_bytes_sent(const pgw_copy *cp)
{
    return cp->bytes_sent;
}
