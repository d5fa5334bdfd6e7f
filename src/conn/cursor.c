/* The simple-query state machine and the streaming cursor.
 *
 * One Query can yield several results (one per statement); each is a
 * RowDescription + DataRows + CommandComplete, a CommandComplete alone, an
 * EmptyQueryResponse, or an ErrorResponse that ends the string. Rows are
 * handed out as views into the input buffer and never copied. */
#include <stdio.h>

#include "conn/cursor_int.h"
#include "conn/extended_int.h"
#include "conn/pipeline_int.h"
#include "pgwire/types.h"

void pgwi_cursor_reset_result(pgw_cursor *cur)
{
    pgw_conn *c = cur->c;
    if (cur->rendered != NULL) {
        for (uint16_t i = 0; i < cur->ncols; i++)
            pgw_buf_free(&cur->rendered[i]);
        pgwi_free(c->a, cur->rendered, (size_t)cur->ncols * sizeof *cur->rendered);
        cur->rendered = NULL;
    }
    pgwi_free(c->a, cur->desc_block, cur->desc_block_len);
    if (cur->tag != cur->tag_inline)
        pgwi_free(c->a, cur->tag, cur->tag_len + 1);
    cur->desc_block = NULL;
    cur->desc_block_len = 0;
    cur->cols = NULL;
    cur->vals = NULL;
    cur->ncols = 0;
    cur->has_rows = false;
    if (cur->c->row_owner == cur)
        cur->c->row_owner = NULL;
    cur->row_number = 0;
    cur->tag = NULL;
    cur->tag_len = 0;
    cur->in_copy_out = false;
}

static pgw_status take_description(pgw_cursor *cur, const pgw_frame *f);

pgw_status pgwi_cursor_check_conn(pgw_conn *c)
{
    switch (c->state) {
    case PGW_CONN_BROKEN:
        return c->err.status;
    case PGW_CONN_CLOSED:
        return pgwi_conn_fail(c, PGW_E_CLOSED, "connection is closed");
    case PGW_CONN_NEW:
    case PGW_CONN_STARTUP:
        return pgwi_conn_fail(c, PGW_E_STATE, "connection is not ready for queries");
    case PGW_CONN_IDLE:
    case PGW_CONN_BUSY:
        break;
    }
    if (c->terminating)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection is being closed");
    if (c->active != NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "another command is already in progress");
    if (c->pipe != NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "the connection is in pipeline mode");
    pgwi_conn_clear_error(c);
    return PGW_OK;
}

pgw_cursor *pgwi_cursor_new(pgw_conn *c)
{
    pgw_cursor *cur = pgwi_alloc(c->a, sizeof *cur);
    if (cur == NULL)
        return NULL;
    memset(cur, 0, sizeof *cur);
    cur->alloc_size = sizeof *cur;
    cur->c = c;
    cur->state = PGWI_CUR_BEFORE;
    return cur;
}

pgw_status pgw_query_send(pgw_conn *c, const char *sql, pgw_cursor **out)
{
    if (out == NULL || sql == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = pgwi_cursor_new(c);
    if (cur == NULL)
        return pgwi_conn_fail(c, PGW_E_NOMEM, "out of memory");
    rc = pgw_build_query(&c->out, sql, strlen(sql));
    if (rc != PGW_OK) {
        pgwi_free(c->a, cur, cur->alloc_size);
        if (rc == PGW_E_INVALID || rc == PGW_E_TOO_LARGE)
            return pgwi_conn_refuse(c, rc, "query text %s", rc == PGW_E_INVALID
                                                            ? "contains a NUL byte"
                                                            : "is too long for one message");
        /* The output buffer's sticky failure means the stream is unusable. */
        return pgwi_conn_break(c, rc, "out of memory");
    }
    c->active = cur;
    c->state = PGW_CONN_BUSY;
    *out = cur;
    return PGW_OK;
}

/* Allocate the description block for n columns and a body of len bytes. */
static pgw_status alloc_description(pgw_cursor *cur, uint16_t n, size_t len, uint8_t **body)
{
    pgw_conn *c = cur->c;
    pgwi_cursor_reset_result(cur);
    size_t cols_sz = (size_t)n * sizeof *cur->cols, vals_sz = (size_t)n * sizeof *cur->vals;
    size_t total = cols_sz + vals_sz + len + 1;
    uint8_t *blk = pgwi_alloc(c->a, total);
    if (blk == NULL)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    cur->desc_block = blk;
    cur->desc_block_len = total;
    cur->cols = (pgw_column_desc *)(void *)blk;
    cur->vals = (pgw_value *)(void *)(blk + cols_sz);
    *body = blk + cols_sz + vals_sz;
    cur->ncols = n;
    return PGW_OK;
}

pgw_status pgwi_cursor_set_columns(pgw_cursor *cur, const uint8_t *row_body, size_t row_len,
                                   const pgw_column_desc *cols, uint16_t ncols,
                                   const int16_t *formats, uint16_t n)
{
    uint8_t *body;
    pgw_status rc = alloc_description(cur, ncols, row_len, &body);
    if (rc != PGW_OK)
        return rc;
    memcpy(body, row_body, row_len);
    /* The parsed columns of the source, their names moved to our copy. */
    for (uint16_t i = 0; i < ncols; i++) {
        cur->cols[i] = cols[i];
        cur->cols[i].name = (const char *)body + ((const uint8_t *)cols[i].name - row_body);
        cur->cols[i].format = n == 0 ? 0 : n == 1 ? formats[0] : i < n ? formats[i] : 0;
    }
    cur->has_rows = true;
    return PGW_OK;
}

static pgw_status take_description(pgw_cursor *cur, const pgw_frame *f)
{
    pgw_conn *c = cur->c;
    uint16_t n;
    if (pgw_parse_row_description(f, NULL, 0, &n) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "RowDescription: malformed message");
    uint8_t *body;
    pgw_status rc = alloc_description(cur, n, f->len, &body);
    if (rc != PGW_OK)
        return rc;
    memcpy(body, f->body, f->len);
    pgw_frame copy = {f->tag, body, f->len};
    uint16_t n2;
    if (pgw_parse_row_description(&copy, cur->cols, n, &n2) != PGW_OK || n2 != n)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "RowDescription: malformed message");
    cur->has_rows = true;
    return PGW_OK;
}

pgw_status pgwi_cursor_take_tag(pgw_cursor *cur, const char *tag, size_t len)
{
    pgw_conn *c = cur->c;
    if (cur->tag != cur->tag_inline)
        pgwi_free(c->a, cur->tag, cur->tag_len + 1);
    if (len < sizeof cur->tag_inline) {
        memcpy(cur->tag_inline, tag, len);
        cur->tag_inline[len] = '\0';
        cur->tag = cur->tag_inline;
    } else
        cur->tag = pgwi_strndup(c->a, tag, len);
    cur->tag_len = len;
    if (cur->tag == NULL)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    pgwi_ext_note_tag(c, cur->tag, len);
    return PGW_OK;
}

/* ReadyForQuery ends the cursor's query: the connection is idle again. */
pgw_status pgwi_cursor_finish(pgw_cursor *cur, const pgw_frame *f)
{
    pgw_conn *c = cur->c;
    char st;
    if (pgw_parse_ready_for_query(f, &st) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "ReadyForQuery: malformed message");
    c->tx = st;
    cur->state = PGWI_CUR_DONE;
    cur->completed = true;
    if (cur->c->row_owner == cur)
        cur->c->row_owner = NULL;
    c->active = NULL;
    c->state = PGW_CONN_IDLE;
    return PGW_END;
}

/* The error ends the statement string. FATAL/PANIC also end the session:
 * report the connection as closed, keeping the server's fields. */
static pgw_status take_error(pgw_cursor *cur, const pgw_frame *f)
{
    pgw_conn *c = cur->c;
    pgw_status rc = pgwi_conn_server_error(c, f, PGW_E_SERVER);
    if (rc != PGW_E_SERVER)
        return rc;
    if (cur->c->row_owner == cur)
        cur->c->row_owner = NULL;
    const char *sev = c->err.severity_nonlocalized ? c->err.severity_nonlocalized : c->err.severity;
    if (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0) {
        c->err.status = PGW_E_CLOSED;
        c->state = PGW_CONN_BROKEN;
        c->tx = 0;
        cur->state = PGWI_CUR_DONE;
        c->active = NULL;
        return PGW_E_CLOSED;
    }
    cur->state = PGWI_CUR_FAILED;
    return PGW_E_SERVER;
}

/* Read frames until the cursor reaches a point the caller asked for.
 * want_row: stop at a row (PGW_OK) or the end of the result (PGW_END);
 * otherwise stop when positioned on the next result (PGW_OK) or at the end
 * of the query (PGW_END). */
static pgw_status advance(pgw_cursor *cur, bool want_row)
{
    pgw_conn *c = cur->c;
    if (cur->x != NULL && cur->x->pipelined) {
        pgw_status prc = pgwi_pipe_enter(cur);
        if (prc != PGW_OK)
            return prc;
    }
    if (c->active != cur) {
        /* Detached: finished, freed by terminate, or the stream broke. */
        if (c->state == PGW_CONN_BROKEN && !cur->completed)
            return c->err.status;
        return PGW_END;
    }
    if (cur->c->row_owner == cur)
        cur->c->row_owner = NULL;
    for (;;) {
        switch (cur->state) {
        case PGWI_CUR_BEFORE:
            cur->state = PGWI_CUR_HEADER;
            continue;
        case PGWI_CUR_RESULT_DONE:
            if (want_row)
                return PGW_END;
            pgwi_cursor_reset_result(cur);
            cur->state = PGWI_CUR_HEADER;
            continue;
        case PGWI_CUR_ROWS:
            if (!want_row)
                cur->state = PGWI_CUR_SKIP;
            break;
        case PGWI_CUR_DONE:
            return PGW_END;
        default:
            break;
        }
        /* A pipelined query ends with its last expected message. */
        if (cur->x != NULL && cur->x->pipelined && cur->x->qn == 0 &&
            cur->state == PGWI_CUR_HEADER)
            return pgwi_pipe_query_done(cur);
        if (c->abandoned > 0) {
            pgw_status rc = pgwi_conn_drain(c);
            if (rc < 0 || c->abandoned > 0)
                return rc < 0 ? rc : pgwi_conn_want(c);
        }
        pgw_frame f;
        size_t used;
        pgw_status rc = pgwi_conn_peek(c, &f, &used);
        if (rc == PGW_WANT_READ)
            return pgwi_conn_want(c);
        if (rc != PGW_OK)
            return rc;
        pgwi_conn_consume(c, used);

        if (cur->x != NULL) {
            int xr = pgwi_ext_message(cur, &f, want_row);
            if (xr == PGWI_XCONT)
                continue;
            if (xr != PGWI_XPASS)
                return (pgw_status)xr;
        }
        if (cur->copy_message != NULL) {
            int cr = cur->copy_message(cur, &f);
            if (cr == PGWI_XCONT)
                continue;
            if (cr != PGWI_XPASS)
                return (pgw_status)cr;
        }
        if (cur->in_copy_out && (f.tag == PGW_BE_COPY_DATA || f.tag == PGW_BE_COPY_DONE)) {
            if (f.tag == PGW_BE_COPY_DONE)
                cur->in_copy_out = false;
            continue;
        }
        switch (f.tag) {
        case PGW_BE_ROW_DESCRIPTION:
            if (cur->state != PGWI_CUR_HEADER)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected RowDescription");
            rc = take_description(cur, &f);
            if (rc != PGW_OK)
                return rc;
            cur->state = PGWI_CUR_ROWS;
            if (!want_row)
                return PGW_OK;
            continue;
        case PGW_BE_DATA_ROW: {
            if (cur->state != PGWI_CUR_ROWS && cur->state != PGWI_CUR_SKIP)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "DataRow received without a RowDescription");
            uint16_t n;
            rc = pgw_parse_data_row(&f, cur->vals, cur->ncols, &n);
            if (rc == PGW_OK && n != cur->ncols)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "DataRow: %u fields where RowDescription has %u",
                                       (unsigned)n, (unsigned)cur->ncols);
            if (rc == PGW_E_TOO_LARGE)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "DataRow: more fields than RowDescription has (%u)",
                                       (unsigned)cur->ncols);
            if (rc != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "DataRow: malformed message");
            cur->row_number++;
            if (cur->state == PGWI_CUR_SKIP)
                continue;
            c->row_owner = cur;
            return PGW_OK;
        }
        case PGW_BE_COMMAND_COMPLETE: {
            if (cur->state != PGWI_CUR_HEADER && cur->state != PGWI_CUR_ROWS &&
                cur->state != PGWI_CUR_SKIP)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected CommandComplete");
            const char *tag;
            size_t tlen;
            if (pgw_parse_command_complete(&f, &tag, &tlen) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "CommandComplete: malformed message");
            bool was_header = cur->state == PGWI_CUR_HEADER;
            rc = pgwi_cursor_take_tag(cur, tag, tlen);
            if (rc != PGW_OK)
                return rc;
            if (cur->state == PGWI_CUR_SKIP) {
                pgwi_cursor_reset_result(cur);
                cur->state = PGWI_CUR_HEADER;
                continue;
            }
            cur->state = PGWI_CUR_RESULT_DONE;
            if (want_row)
                return PGW_END;
            if (was_header)
                return PGW_OK; /* positioned on a result without rows */
            continue;
        }
        case PGW_BE_EMPTY_QUERY_RESPONSE:
            if (cur->state != PGWI_CUR_HEADER || pgw_parse_empty(&f) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected EmptyQueryResponse");
            rc = pgwi_cursor_take_tag(cur, "", 0);
            if (rc != PGW_OK)
                return rc;
            cur->state = PGWI_CUR_RESULT_DONE;
            return want_row ? PGW_END : PGW_OK;
        case PGW_BE_ERROR_RESPONSE:
            /* One error ends a simple Query; a second one is only legal as
             * the server going away (FATAL after ERROR). */
            if (cur->state == PGWI_CUR_FAILED && !pgwi_error_is_fatal(&f))
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected second ErrorResponse");
            return take_error(cur, &f);
        case PGW_BE_READY_FOR_QUERY:
            if (cur->state == PGWI_CUR_ROWS || cur->state == PGWI_CUR_SKIP)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "ReadyForQuery received in the middle of a result");
            return pgwi_cursor_finish(cur, &f);
        case PGW_BE_COPY_IN_RESPONSE: {
            /* COPY FROM STDIN through a plain query: the COPY API comes
             * with the session work. Fail the COPY so the server reports an
             * error and the connection stays usable. */
            int8_t fmt;
            uint16_t n;
            const uint8_t *fmts;
            if (cur->state != PGWI_CUR_HEADER ||
                pgw_parse_copy_response(&f, &fmt, &n, &fmts) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected CopyInResponse");
            if (pgw_build_copy_fail(&c->out, "COPY FROM STDIN needs pgw_copy_begin(), not a plain query")
                != PGW_OK)
                return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
            /* The server swallowed our Sync in copy mode and now skips to
             * the next one: send it, or both sides wait forever. */
            if (cur->x != NULL && pgw_build_sync(&c->out) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
            continue;
        }
        case PGW_BE_COPY_OUT_RESPONSE: {
            int8_t fmt;
            uint16_t n;
            const uint8_t *fmts;
            if (cur->state != PGWI_CUR_HEADER ||
                pgw_parse_copy_response(&f, &fmt, &n, &fmts) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected CopyOutResponse");
            cur->in_copy_out = true; /* data discarded; the tag reports the count */
            continue;
        }
        default:
            rc = pgwi_conn_async(c, &f);
            if (rc == PGW_END)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "unexpected message type 0x%02x in a query response",
                                       f.tag);
            if (rc != PGW_OK)
                return rc;
            continue;
        }
    }
}

pgw_status pgw_cursor_recv(pgw_cursor *cur)
{
    pgw_conn *c = cur->c;
    /* The hot path of a big result: the next message is a whole DataRow of
     * the current result. Everything unusual (other messages, a partial
     * frame, a malformed row) goes through advance(), which reports it. */
    if (cur->state == PGWI_CUR_ROWS && c->active == cur && c->abandoned == 0 &&
        !cur->in_copy_out) {
        size_t avail = c->in.len - c->in_off;
        if (avail >= 5) {
            const uint8_t *p = c->in.data + c->in_off;
            uint32_t len = pgwi_load_u32(p + 1);
            if (p[0] == PGW_BE_DATA_ROW && len >= 4 && len - 4 <= c->limits.max_message &&
                avail - 5 >= len - 4) {
                pgw_frame f = {PGW_BE_DATA_ROW, p + 5, len - 4};
                uint16_t n;
                if (pgw_parse_data_row(&f, cur->vals, cur->ncols, &n) == PGW_OK &&
                    n == cur->ncols) {
                    if (c->trace != NULL)
                        pgwi_trace_input(c, p, 1 + (size_t)len);
                    c->in_off += 1 + (size_t)len;
                    cur->row_number++;
                    c->row_owner = cur;
                    return PGW_OK;
                }
            }
        }
    }
    if (cur->state == PGWI_CUR_FAILED)
        return c->state == PGW_CONN_BROKEN && !cur->completed ? c->err.status : PGW_END;
    pgw_status rc = advance(cur, true);
    return rc < 0 && cur->x != NULL && cur->x->pipelined ? pgwi_pipe_outcome(cur, rc) : rc;
}

pgw_status pgw_cursor_recv_result(pgw_cursor *cur)
{
    pgw_status rc = advance(cur, false);
    return rc < 0 && cur->x != NULL && cur->x->pipelined ? pgwi_pipe_outcome(cur, rc) : rc;
}

void pgw_cursor_free(pgw_cursor *cur)
{
    if (cur == NULL)
        return;
    pgw_conn *c = cur->c;
    if (cur->x != NULL && cur->x->pipelined && pgwi_pipe_release(cur))
        return; /* the pipeline discards its results, then frees it */
    if (c->active == cur)
        pgwi_conn_detach_cursor(c);
    if (cur->collecting != NULL)
        pgw_result_free(cur->collecting);
    pgwi_ext_free(cur);
    pgwi_cursor_reset_result(cur);
    pgwi_free(c->a, cur, cur->alloc_size);
}

pgw_conn *pgw_cursor_conn(const pgw_cursor *cur)
{
    return cur->c;
}

pgw_status pgw_cursor_collect(pgw_cursor *cur, pgw_result **out)
{
    *out = NULL;
    pgw_status rc;
    if (cur->state == PGWI_CUR_DONE && cur->c->active != cur)
        return cur->completed || cur->c->state != PGW_CONN_BROKEN ? PGW_END
                                                                   : cur->c->err.status;
    if (cur->state == PGWI_CUR_BEFORE || cur->state == PGWI_CUR_HEADER) {
        rc = advance(cur, false);
        if (rc == PGW_END)
            return PGW_END;
        if (rc != PGW_OK)
            return rc;
    }
    if (cur->collecting == NULL) {
        rc = pgwi_result_new(cur->c, cur, &cur->collecting);
        if (rc != PGW_OK)
            return pgwi_conn_fail(cur->c, rc, "out of memory");
    }
    for (;;) {
        rc = pgw_cursor_recv(cur);
        if (rc == PGW_OK) {
            rc = pgwi_result_add_row(cur->collecting, cur->c, cur->vals, cur->ncols);
            if (rc != PGW_OK) {
                pgw_result_free(cur->collecting);
                cur->collecting = NULL;
                return pgwi_conn_fail(cur->c, rc, "out of memory");
            }
            continue;
        }
        if (rc == PGW_END && cur->tag != NULL) {
            rc = pgwi_result_set_tag(cur->collecting, cur->tag, cur->tag_len);
            if (rc != PGW_OK) {
                pgw_result_free(cur->collecting);
                cur->collecting = NULL;
                return pgwi_conn_fail(cur->c, rc, "out of memory");
            }
            *out = cur->collecting;
            cur->collecting = NULL;
            return PGW_OK;
        }
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE)
            return rc;
        pgw_result_free(cur->collecting);
        cur->collecting = NULL;
        /* PGW_END without a tag: the query ended (a failed result already
         * reported its error). */
        return rc;
    }
}

/* ---- accessors ---------------------------------------------------------- */

uint16_t pgw_cursor_ncols(const pgw_cursor *cur)
{
    return cur->ncols;
}

bool pgw_cursor_has_rows(const pgw_cursor *cur)
{
    return cur->has_rows;
}

const char *pgw_cursor_column_name(const pgw_cursor *cur, uint16_t col)
{
    return col < cur->ncols ? cur->cols[col].name : NULL;
}

uint32_t pgw_cursor_column_type(const pgw_cursor *cur, uint16_t col)
{
    return col < cur->ncols ? cur->cols[col].type_oid : 0;
}

int pgw_cursor_column_format(const pgw_cursor *cur, uint16_t col)
{
    return col < cur->ncols ? cur->cols[col].format : -1;
}

int pgw_cursor_column_index(const pgw_cursor *cur, const char *name)
{
    for (uint16_t i = 0; i < cur->ncols; i++)
        if (strcmp(cur->cols[i].name, name) == 0)
            return i;
    return -1;
}

const char *pgw_cursor_command_tag(const pgw_cursor *cur)
{
    return cur->tag;
}

pgw_status pgw_cursor_rows_affected(const pgw_cursor *cur, uint64_t *rows)
{
    if (cur->tag == NULL)
        return PGW_E_STATE;
    return pgw_command_tag_rows(cur->tag, cur->tag_len, rows);
}

uint64_t pgw_cursor_row_number(const pgw_cursor *cur)
{
    return cur->row_number;
}

static pgw_status field(const pgw_cursor *cur, uint16_t col, const pgw_value **v)
{
    if (cur->c->row_owner != cur)
        return PGW_E_STATE;
    if (col >= cur->ncols)
        return PGW_E_INVALID;
    *v = &cur->vals[col];
    return PGW_OK;
}

pgw_status pgw_cursor_value(const pgw_cursor *cur, uint16_t col, pgw_value *out)
{
    const pgw_value *v;
    pgw_status rc = field(cur, col, &v);
    if (rc == PGW_OK)
        *out = *v;
    return rc;
}

bool pgw_cursor_is_null(const pgw_cursor *cur, uint16_t col)
{
    const pgw_value *v;
    return field(cur, col, &v) == PGW_OK && v->len < 0;
}

/* A binary value rendered as the server would have printed it. The buffers
 * belong to the cursor (logically const: a cache of the current row). Kept
 * out of line so the text fast path stays small. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static pgw_status render_text(const pgw_cursor *cur, uint16_t col, const pgw_value *v,
                              const char **p, size_t *len)
{
    pgw_cursor *mc = (pgw_cursor *)(uintptr_t)cur;
    pgw_conn *c = cur->c;
    if (mc->rendered == NULL) {
        mc->rendered = pgwi_alloc_array(c->a, cur->ncols, sizeof *mc->rendered);
        if (mc->rendered == NULL)
            return PGW_E_NOMEM;
        for (uint16_t i = 0; i < cur->ncols; i++)
            pgw_buf_init(&mc->rendered[i], c->a, 0);
    }
    pgw_buf *b = &mc->rendered[col];
    if (pgw_buf_status(b) != PGW_OK) {
        pgw_buf_free(b);
        pgw_buf_init(b, c->a, 0);
    }
    pgw_status rc = pgwi_value_render(c, v, cur->cols[col].type_oid, b);
    if (rc != PGW_OK)
        return rc;
    *p = (const char *)b->data;
    *len = b->len;
    return PGW_OK;
}

pgw_status pgw_cursor_text(const pgw_cursor *cur, uint16_t col, const char **p, size_t *len)
{
    if (cur->c->row_owner != cur)
        return PGW_E_STATE;
    if (col >= cur->ncols)
        return PGW_E_INVALID;
    const pgw_value *v = &cur->vals[col];
    if (v->len < 0)
        return PGW_E_NULL;
    if (cur->cols[col].format != 0 && !pgwi_binary_is_text(cur->cols[col].type_oid))
        return render_text(cur, col, v, p, len);
    *p = (const char *)v->ptr;
    *len = (size_t)v->len;
    return PGW_OK;
}

/* Both formats go through the type-checked conversions of convert.c. */
/* The common case of each (the text of the accessor's own type) goes
 * straight to its decoder: one row of a big result calls these millions of
 * times. */
#define CURSOR_CONVERSION(fn, ctype, conv, fast_oid, fast_decoder)                               \
    pgw_status fn(const pgw_cursor *cur, uint16_t col, ctype *out)                             \
    {                                                                                          \
        if (cur->c->row_owner != cur)                                                          \
            return PGW_E_STATE;                                                                \
        if (col >= cur->ncols)                                                                 \
            return PGW_E_INVALID;                                                              \
        const pgw_value *v = &cur->vals[col];                                                  \
        if (cur->cols[col].format == 0 && cur->cols[col].type_oid == (fast_oid) && v->len >= 0) \
            return fast_decoder((const char *)v->ptr, (size_t)v->len, out);                    \
        return conv(v, cur->cols[col].format, cur->cols[col].type_oid, out);                   \
    }

CURSOR_CONVERSION(pgw_cursor_int32, int32_t, pgwi_value_int32, PGW_OID_INT4, pgw_decode_int4_text)
CURSOR_CONVERSION(pgw_cursor_int64, int64_t, pgwi_value_int64, PGW_OID_INT8, pgw_decode_int8_text)
CURSOR_CONVERSION(pgw_cursor_double, double, pgwi_value_double, PGW_OID_FLOAT8,
                  pgw_decode_float8_text)
CURSOR_CONVERSION(pgw_cursor_bool, bool, pgwi_value_bool, PGW_OID_BOOL, pgw_decode_bool_text)
CURSOR_CONVERSION(pgw_cursor_timestamp, int64_t, pgwi_value_timestamp, PGW_OID_TIMESTAMPTZ,
                  pgw_decode_timestamptz_text)
CURSOR_CONVERSION(pgw_cursor_date, int32_t, pgwi_value_date, PGW_OID_DATE, pgw_decode_date_text)
