/* The fast-path exchange: FunctionCall out, then FunctionCallResponse or
 * ErrorResponse, then ReadyForQuery.
 *
 * A call occupies the connection exactly like a cursor: it registers a
 * token cursor as c->active, so every other command is refused until
 * ReadyForQuery, and abandoning the call (freeing it early) reuses the
 * cursor machinery — the drain in session.c skips the rest of its answer.
 * The token never reads a frame itself; this file does. */
#include "pgwire/fastpath.h"

#include "conn/cursor_int.h"

enum fp_state {
    FP_WAITING, /* FunctionCall queued; the answer is not complete */
    FP_DONE     /* ReadyForQuery read (or the connection broke) */
};

struct pgw_fastpath {
    pgw_conn *c;
    pgw_cursor *token; /* c->active while the call runs: &token_storage */
    enum fp_state state;
    pgw_status final; /* what pgw_fastpath_recv() answers once done */
    bool got_result;  /* a FunctionCallResponse arrived */
    bool failed;      /* an ErrorResponse arrived */
    bool lost;        /* the value could not be copied (out of memory) */
    bool is_null;
    /* The value: a view into the input buffer while that cannot move (the
     * ReadyForQuery after it was already buffered: the common case, no
     * copy), else a copy made before asking for more input. */
    const uint8_t *view;
    size_t view_len;
    bool viewing;
    pgw_buf value;
    /* The token lives inside the call (one allocation per call): it owns
     * no resources, only its identity matters. */
    pgw_cursor token_storage;
};

/* Few arguments is the rule (large objects take at most three): keep them
 * on the stack, and allocate only for long argument lists. */
#define FP_STACK_ARGS 8

static pgw_status fp_queue_call(pgw_conn *c, uint32_t fn_oid, const pgw_param *args, size_t nargs,
                                int16_t result_format)
{
    int16_t fmt_stack[FP_STACK_ARGS];
    pgw_bytes val_stack[FP_STACK_ARGS];
    int16_t *fmts = fmt_stack;
    pgw_bytes *vals = val_stack;
    if (nargs > FP_STACK_ARGS) {
        fmts = pgwi_alloc_array(c->a, nargs, sizeof *fmts);
        vals = pgwi_alloc_array(c->a, nargs, sizeof *vals);
        if (fmts == NULL || vals == NULL) {
            pgwi_free(c->a, fmts, fmts ? nargs * sizeof *fmts : 0);
            pgwi_free(c->a, vals, vals ? nargs * sizeof *vals : 0);
            return pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < nargs; i++) {
        fmts[i] = args[i].format;
        vals[i].data = args[i].data;
        vals[i].len = args[i].data != NULL ? args[i].len : 0;
    }
    pgw_status rc =
        pgw_build_function_call(&c->out, fn_oid, fmts, nargs, vals, nargs, result_format);
    if (nargs > FP_STACK_ARGS) {
        pgwi_free(c->a, fmts, nargs * sizeof *fmts);
        pgwi_free(c->a, vals, nargs * sizeof *vals);
    }
    if (rc == PGW_E_INVALID)
        return pgwi_conn_refuse(c, rc, "function call: invalid argument format");
    if (rc == PGW_E_TOO_LARGE)
        return pgwi_conn_refuse(c, rc, "function call arguments are too large for one message");
    if (rc != PGW_OK)
        /* The output buffer's sticky failure means the stream is unusable. */
        return pgwi_conn_break(c, rc, "out of memory");
    return PGW_OK;
}

pgw_status pgw_fastpath_send(pgw_conn *c, uint32_t fn_oid, const pgw_param *args, size_t nargs,
                             int16_t result_format, pgw_fastpath **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c == NULL || (nargs > 0 && args == NULL) || nargs > UINT16_MAX ||
        (result_format != PGW_FORMAT_TEXT && result_format != PGW_FORMAT_BINARY))
        return PGW_E_INVALID;
    for (size_t i = 0; i < nargs; i++)
        if (args[i].format != PGW_FORMAT_TEXT && args[i].format != PGW_FORMAT_BINARY)
            return PGW_E_INVALID;
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    pgw_fastpath *fp = pgwi_alloc(c->a, sizeof *fp);
    if (fp == NULL)
        return pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
    memset(fp, 0, sizeof *fp);
    fp->c = c;
    fp->state = FP_WAITING;
    pgw_buf_init(&fp->value, c->a, 0);
    fp->token = &fp->token_storage;
    fp->token->c = c;
    fp->token->state = PGWI_CUR_BEFORE;
    rc = fp_queue_call(c, fn_oid, args, nargs, result_format);
    if (rc != PGW_OK) {
        pgwi_free(c->a, fp, sizeof *fp);
        return rc;
    }
    c->active = fp->token;
    c->state = PGW_CONN_BUSY;
    *out = fp;
    return PGW_OK;
}

static pgw_status fp_done(pgw_fastpath *fp, pgw_status final)
{
    fp->state = FP_DONE;
    fp->final = final;
    return final;
}

/* A failure that ends the call with the connection (broken, or gone). */
static pgw_status fp_fail(pgw_fastpath *fp, pgw_status rc)
{
    if (fp->c->active == fp->token)
        fp->c->active = NULL;
    return fp_done(fp, rc);
}

static pgw_status fp_take_response(pgw_fastpath *fp, const pgw_frame *f)
{
    pgw_conn *c = fp->c;
    /* One call, one value: a second one (or one after the error that ended
     * the call) means the stream cannot be trusted. */
    if (fp->got_result)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected second FunctionCallResponse");
    if (fp->failed)
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "unexpected FunctionCallResponse after an ErrorResponse");
    pgw_value v;
    if (pgw_parse_function_call_response(f, &v) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "FunctionCallResponse: malformed message");
    fp->got_result = true;
    fp->is_null = v.len < 0;
    fp->viewing = v.len > 0;
    fp->view = v.ptr;
    fp->view_len = v.len > 0 ? (size_t)v.len : 0;
    return PGW_OK;
}

/* More input is coming: the bytes the view points at may move. Out of
 * memory here is not the server's fault: read on to ReadyForQuery and
 * report it then, with the connection usable. */
static void fp_pin(pgw_fastpath *fp)
{
    if (!fp->viewing)
        return;
    fp->viewing = false;
    if (pgw_buf_append(&fp->value, fp->view, fp->view_len) != PGW_OK)
        fp->lost = true;
}

static pgw_status fp_take_error(pgw_fastpath *fp, const pgw_frame *f)
{
    pgw_conn *c = fp->c;
    if (fp->failed && !pgwi_error_is_fatal(f))
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected second ErrorResponse");
    pgw_status rc = pgwi_conn_server_error(c, f, PGW_E_SERVER);
    if (rc != PGW_E_SERVER)
        return rc;
    if (pgwi_error_is_fatal(f)) {
        c->err.status = PGW_E_CLOSED;
        c->state = PGW_CONN_BROKEN;
        c->tx = 0;
        return PGW_E_CLOSED;
    }
    /* An error after the value (e.g. at the implicit commit) still fails
     * the call: the server's last word wins. */
    fp->failed = true;
    return PGW_OK;
}

static pgw_status fp_take_ready(pgw_fastpath *fp, const pgw_frame *f)
{
    pgw_conn *c = fp->c;
    if (!fp->got_result && !fp->failed)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "ReadyForQuery without a FunctionCallResponse");
    char st;
    if (pgw_parse_ready_for_query(f, &st) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "ReadyForQuery: malformed message");
    c->tx = st;
    c->active = NULL;
    c->state = PGW_CONN_IDLE;
    if (fp->failed)
        return fp_done(fp, PGW_E_SERVER);
    if (fp->lost)
        return fp_done(fp, pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory"));
    return fp_done(fp, PGW_OK);
}

pgw_status pgw_fastpath_recv(pgw_fastpath *fp)
{
    if (fp == NULL)
        return PGW_E_INVALID;
    if (fp->state == FP_DONE)
        return fp->final;
    pgw_conn *c = fp->c;
    if (c->active != fp->token)
        /* Detached behind our back: pgw_conn_terminate(), or a restart. */
        return fp_done(fp, c->state == PGW_CONN_BROKEN ? c->err.status : PGW_E_CLOSED);
    if (c->abandoned > 0) {
        /* Cannot happen today (a call starts only on an idle connection
         * with nothing owed) but keeps the ordering rule in one place. */
        pgw_status rc = pgwi_conn_drain(c);
        if (rc < 0)
            return fp_fail(fp, rc);
        if (c->abandoned > 0)
            return pgwi_conn_want(c);
    }
    for (;;) {
        pgw_frame f;
        size_t used;
        pgw_status rc = pgwi_conn_peek(c, &f, &used);
        if (rc == PGW_WANT_READ) {
            fp_pin(fp);
            return pgwi_conn_want(c);
        }
        if (rc != PGW_OK)
            return fp_fail(fp, rc);
        pgwi_conn_consume(c, used);
        switch (f.tag) {
        case PGW_BE_FUNCTION_CALL_RESPONSE:
            rc = fp_take_response(fp, &f);
            break;
        case PGW_BE_ERROR_RESPONSE:
            rc = fp_take_error(fp, &f);
            break;
        case PGW_BE_READY_FOR_QUERY:
            rc = fp_take_ready(fp, &f);
            if (fp->state == FP_DONE)
                return rc;
            break;
        default:
            rc = pgwi_conn_async(c, &f);
            if (rc == PGW_END)
                rc = pgwi_conn_break(c, PGW_E_PROTOCOL,
                                     "unexpected message type 0x%02x in a function call "
                                     "response",
                                     f.tag);
            break;
        }
        if (rc != PGW_OK)
            return fp_fail(fp, rc);
    }
}

pgw_status pgw_fastpath_result(const pgw_fastpath *fp, const uint8_t **p, size_t *len)
{
    if (fp == NULL || p == NULL || len == NULL)
        return PGW_E_INVALID;
    if (fp->state != FP_DONE || fp->final != PGW_OK)
        return PGW_E_STATE;
    if (fp->is_null)
        return PGW_E_NULL;
    *p = fp->viewing ? fp->view : fp->value.data;
    *len = fp->viewing ? fp->view_len : fp->value.len;
    return PGW_OK;
}

void pgw_fastpath_free(pgw_fastpath *fp)
{
    if (fp == NULL)
        return;
    pgw_conn *c = fp->c;
    /* Still the active command: the rest of its answer is owed to nobody,
     * and the drain skips it. */
    if (c->active == fp->token)
        pgwi_conn_detach_cursor(c);
    pgw_buf_free(&fp->value);
    pgwi_free(c->a, fp, sizeof *fp);
}
