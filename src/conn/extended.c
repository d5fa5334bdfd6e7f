/* The extended query protocol: Parse/Bind/Describe/Execute/Close/Sync
 * exchanges driven through the cursor, named prepared statements and the
 * automatic statement cache.
 *
 * Each exchange keeps a queue of the acknowledgements it expects; every
 * backend message is checked against the head of that queue, so a server
 * that answers out of order is a protocol violation, and an ErrorResponse
 * is attributed to the step that failed. Every exchange ends in exactly one
 * Sync, so at most one ReadyForQuery is outstanding at any time (a freed
 * cursor owes exactly one). */
#include <stddef.h>
#include <stdio.h>

#include "conn/cursor_int.h"
#include "conn/extended_int.h"
#include "conn/pipeline_int.h"
#include "pgwire/render.h"
#include "pgwire/types.h"

/* ---- the expected-step queue --------------------------------------------- */

static bool xq_push(pgwi_ext *x, enum pgwi_xstep s)
{
    if (x->qh + x->qn >= PGWI_XQ_MAX)
        return false;
    x->q[x->qh + x->qn++] = (uint8_t)s;
    return true;
}

static int xq_head(const pgwi_ext *x)
{
    return x->qn ? x->q[x->qh] : -1;
}

static void xq_pop(pgwi_ext *x)
{
    x->qh++;
    x->qn--;
    if (x->qn == 0)
        x->qh = 0;
    x->got_pdesc = false;
}

static pgw_step step_of(int xs)
{
    switch (xs) {
    case PGWI_X_PARSE: return PGW_STEP_PARSE;
    case PGWI_X_DESC_STMT:
    case PGWI_X_DESC_PORTAL: return PGW_STEP_DESCRIBE;
    case PGWI_X_BIND: return PGW_STEP_BIND;
    case PGWI_X_EXEC: return PGW_STEP_EXECUTE;
    case PGWI_X_CLOSE: return PGW_STEP_CLOSE;
    default: return PGW_STEP_SYNC;
    }
}

const char *pgw_step_name(pgw_step step)
{
    switch (step) {
    case PGW_STEP_NONE: return "none";
    case PGW_STEP_PARSE: return "Parse";
    case PGW_STEP_DESCRIBE: return "Describe";
    case PGW_STEP_BIND: return "Bind";
    case PGW_STEP_EXECUTE: return "Execute";
    case PGW_STEP_CLOSE: return "Close";
    case PGW_STEP_SYNC: return "Sync";
    }
    return "unknown";
}

pgw_step pgw_cursor_failed_step(const pgw_cursor *cur)
{
    return cur && cur->x ? cur->x->failed : PGW_STEP_NONE;
}

/* ---- result formats ------------------------------------------------------ */

/* PGW_FORMAT_AUTO: binary where decoding binary is cheaper than parsing
 * text and rendering it back is exact; text for the rest. */
static int16_t auto_format(uint32_t oid)
{
    switch (oid) {
    case PGW_OID_BOOL:
    case PGW_OID_INT2:
    case PGW_OID_INT4:
    case PGW_OID_INT8:
    case PGW_OID_OID:
    case PGW_OID_FLOAT4:
    case PGW_OID_FLOAT8:
    case PGW_OID_DATE:
    case PGW_OID_TIME:
    case PGW_OID_TIMESTAMP:
    case PGW_OID_TIMESTAMPTZ:
    case PGW_OID_INTERVAL:
    case PGW_OID_UUID:
    case PGW_OID_BYTEA:
        return PGW_FORMAT_BINARY;
    default:
        return PGW_FORMAT_TEXT;
    }
}

static bool format_ok(int16_t f)
{
    return f == PGW_FORMAT_TEXT || f == PGW_FORMAT_BINARY || f == PGW_FORMAT_AUTO;
}

pgw_status pgw_conn_set_result_format(pgw_conn *c, int format)
{
    if (c == NULL || (format != PGW_FORMAT_TEXT && format != PGW_FORMAT_BINARY &&
                      format != PGW_FORMAT_AUTO))
        return PGW_E_INVALID;
    c->result_format = format;
    return PGW_OK;
}

/* ---- exchange state ------------------------------------------------------ */

void pgwi_ext_free(pgw_cursor *cur)
{
    pgwi_ext *x = cur->x;
    if (x == NULL)
        return;
    pgw_conn *c = cur->c;
    /* Abandoned while preparing a cache entry: the Parse may still succeed
     * on the server, so drop the entry and close the name. */
    if (x->entry != NULL && !x->entry->ready && c->cache != NULL)
        pgwi_cache_remove(c, x->entry, true);
    if (x->stmt != NULL && x->stmt->op == cur)
        x->stmt->op = NULL;
    if (x->portal != NULL)
        pgwi_portal_detach(x->portal, cur);
    if (x->block_len)
        pgwi_free(c->a, x->block, x->block_len);
    if (x->resolved != x->resolved_inline)
        pgwi_free(c->a, x->resolved, (size_t)x->resolved_cap * sizeof *x->resolved);
    /* The exchange lives in the cursor's own allocation (new_exchange). */
    cur->x = NULL;
}

/* Copy parameters (and requested result formats) into one block owned by
 * the exchange: phase 2 and retries rebuild Bind from it. */
static pgw_status copy_params(pgw_conn *c, pgwi_ext *x, const char *sql, size_t sql_len,
                              const pgw_param *params, size_t n, const int16_t *rf, size_t nrf)
{
    if (n > PGW_MAX_PARAMS)
        return pgwi_conn_refuse(c, PGW_E_TOO_LARGE,
                              "too many parameters: %zu (the protocol allows at most %u)", n,
                              PGW_MAX_PARAMS);
    if (n && params == NULL)
        return pgwi_conn_refuse(c, PGW_E_INVALID, "parameters missing");
    if (nrf > PGW_MAX_PARAMS || (nrf && rf == NULL))
        return pgwi_conn_refuse(c, PGW_E_INVALID, "invalid result formats");
    for (size_t i = 0; i < nrf; i++)
        if (!format_ok(rf[i]))
            return pgwi_conn_refuse(c, PGW_E_INVALID, "invalid result format code %d", rf[i]);
    size_t data = 0;
    for (size_t i = 0; i < n; i++) {
        const pgw_param *p = &params[i];
        if (p->format != PGW_FORMAT_TEXT && p->format != PGW_FORMAT_BINARY)
            return pgwi_conn_refuse(c, PGW_E_INVALID, "parameter $%zu: invalid format code %d",
                                  i + 1, p->format);
        if (p->data == NULL)
            continue;
        if (p->len > INT32_MAX)
            return pgwi_conn_refuse(c, PGW_E_TOO_LARGE,
                                  "parameter $%zu: %zu bytes is more than a value can hold",
                                  i + 1, p->len);
        if (!pgwi_add_size(data, p->len, &data))
            return pgwi_conn_refuse(c, PGW_E_TOO_LARGE, "parameters too large");
    }
    /* Bind carries each value with a 4-byte length and a 2-byte format
     * code, plus the result formats and two names: refuse what cannot fit
     * its int32 length before copying (or allocating) anything. */
    size_t bind_body;
    if (!pgwi_mul_size(n, 6, &bind_body) || !pgwi_add_size(bind_body, data, &bind_body) ||
        !pgwi_add_size(bind_body, 2 * nrf + 2 * 64 + 8, &bind_body) ||
        bind_body > (size_t)INT32_MAX - 4)
        return pgwi_conn_refuse(c, PGW_E_TOO_LARGE,
                                "parameters too large: the Bind message would exceed the "
                                "protocol's limit of %d bytes",
                                INT32_MAX);
    size_t total = 0, vals_sz, fmts_sz, types_sz, rf_sz;
    if (!pgwi_mul_size(n, sizeof(pgw_bytes), &vals_sz) ||
        !pgwi_mul_size(n, sizeof(uint32_t), &types_sz))
        return pgwi_conn_refuse(c, PGW_E_TOO_LARGE, "parameters too large");
    fmts_sz = n * sizeof(int16_t);
    rf_sz = nrf * sizeof(int16_t);
    if (!pgwi_add_size(vals_sz, types_sz, &total) || !pgwi_add_size(total, fmts_sz, &total) ||
        !pgwi_add_size(total, rf_sz, &total) || !pgwi_add_size(total, data, &total) ||
        !pgwi_add_size(total, sql_len, &total) || !pgwi_add_size(total, 1, &total))
        return pgwi_conn_refuse(c, PGW_E_TOO_LARGE, "parameters too large");
    x->nparams = n;
    x->nrfmts = nrf;
    uint8_t *b;
    if (total <= sizeof x->inline_block.bytes) {
        b = x->inline_block.bytes;
        x->block_len = 0;
    } else {
        b = pgwi_alloc(c->a, total);
        if (b == NULL)
            return pgwi_conn_fail(c, PGW_E_NOMEM, "out of memory");
        x->block_len = total;
    }
    x->block = b;
    /* Layout: vals, types, formats, result formats, bytes (the alignment
     * of each part is at least that of the next). */
    x->vals = (pgw_bytes *)(void *)b;
    x->types = (uint32_t *)(void *)(b + vals_sz);
    x->pfmts = (int16_t *)(void *)(b + vals_sz + types_sz);
    x->rfmts = (int16_t *)(void *)(b + vals_sz + types_sz + fmts_sz);
    uint8_t *d = b + vals_sz + types_sz + fmts_sz + rf_sz;
    for (size_t i = 0; i < n; i++) {
        const pgw_param *p = &params[i];
        x->types[i] = p->type;
        x->pfmts[i] = p->format;
        if (p->data == NULL) {
            x->vals[i].data = NULL;
            x->vals[i].len = 0;
            continue;
        }
        if (p->len)
            memcpy(d, p->data, p->len);
        x->vals[i].data = d;
        x->vals[i].len = p->len;
        d += p->len;
    }
    if (nrf)
        memcpy(x->rfmts, rf, rf_sz);
    if (sql_len)
        memcpy(d, sql, sql_len);
    d[sql_len] = '\0';
    x->sql = (const char *)d;
    x->sql_len = sql_len;
    return PGW_OK;
}

/* The formats to request for a described statement's columns. */
static pgw_status resolve_formats(pgw_conn *c, pgwi_ext *x, const pgwi_desc *d)
{
    uint16_t n = d->has_rows ? d->ncols : 0;
    x->nresolved = 0;
    if (n == 0)
        return PGW_OK;
    if (x->nrfmts > 1 && x->nrfmts != n)
        return pgwi_conn_refuse(c, PGW_E_INVALID,
                              "%zu result formats given for a statement with %u columns",
                              x->nrfmts, (unsigned)n);
    if (x->resolved == NULL) {
        x->resolved = x->resolved_inline;
        x->resolved_cap = (uint16_t)(sizeof x->resolved_inline / sizeof x->resolved_inline[0]);
    }
    if (n > x->resolved_cap) {
        int16_t *r = pgwi_alloc_array(c->a, n, sizeof *r);
        if (r == NULL)
            return pgwi_conn_fail(c, PGW_E_NOMEM, "out of memory");
        if (x->resolved != x->resolved_inline)
            pgwi_free(c->a, x->resolved, (size_t)x->resolved_cap * sizeof *r);
        x->resolved = r;
        x->resolved_cap = n;
    }
    bool all_text = true;
    for (uint16_t i = 0; i < n; i++) {
        int16_t f = x->nrfmts == 0   ? (int16_t)c->result_format
                    : x->nrfmts == 1 ? x->rfmts[0]
                                     : x->rfmts[i];
        if (f == PGW_FORMAT_AUTO)
            f = auto_format(d->cols[i].type_oid);
        x->resolved[i] = f;
        all_text = all_text && f == PGW_FORMAT_TEXT;
    }
    x->nresolved = all_text ? 0 : n;
    return PGW_OK;
}

/* Bind + Execute + Sync for a described, named statement. */
static pgw_status send_bind_exec(pgw_conn *c, pgw_cursor *cur, const char *name,
                                 const pgwi_desc *d)
{
    pgwi_ext *x = cur->x;
    pgw_status rc = resolve_formats(c, x, d);
    if (rc != PGW_OK)
        return rc;
    /* The statement's columns, with the formats asked for: rows follow
     * BindComplete with no RowDescription of their own. */
    x->preloaded = d->has_rows;
    if (d->has_rows) {
        rc = pgwi_cursor_set_columns(cur, d->row_body, d->row_len, d->cols, d->ncols,
                                     x->resolved, x->nresolved);
        if (rc != PGW_OK)
            return rc;
        cur->has_rows = false; /* until BindComplete says the portal exists */
    }
    size_t mark = c->out.len;
    rc = pgw_build_bind(&c->out, "", name, x->pfmts, x->nparams, x->vals, x->nparams,
                        x->resolved, x->nresolved);
    if (rc == PGW_OK)
        rc = pgw_build_execute(&c->out, "", 0);
    if (rc == PGW_OK)
        rc = pgw_build_sync(&c->out);
    if (rc == PGW_E_INVALID || rc == PGW_E_TOO_LARGE) {
        c->out.len = mark;
        return pgwi_conn_refuse(c, rc, "Bind: %s", rc == PGW_E_INVALID
                                                     ? "invalid parameters"
                                                     : "message too large for the protocol");
    }
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "out of memory");
    xq_push(x, PGWI_X_BIND);
    xq_push(x, PGWI_X_EXEC);
    xq_push(x, PGWI_X_SYNC);
    return PGW_OK;
}

/* Parse + Describe(statement) + Sync. */
static pgw_status send_prepare(pgw_conn *c, pgwi_ext *x, const char *name, const char *sql,
                               size_t sql_len, const uint32_t *types, size_t ntypes)
{
    size_t mark = c->out.len;
    pgw_status rc = pgw_build_parse(&c->out, name, sql, sql_len, types, ntypes);
    if (rc == PGW_OK)
        rc = pgw_build_describe(&c->out, 'S', name);
    if (rc == PGW_OK)
        rc = pgw_build_sync(&c->out);
    if (rc == PGW_E_INVALID || rc == PGW_E_TOO_LARGE) {
        c->out.len = mark;
        return pgwi_conn_refuse(c, rc, "Parse: %s", rc == PGW_E_INVALID
                                                      ? "the statement text or name contains a NUL byte"
                                                      : "message too large for the protocol");
    }
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "out of memory");
    xq_push(x, PGWI_X_PARSE);
    xq_push(x, PGWI_X_DESC_STMT);
    xq_push(x, PGWI_X_SYNC);
    return PGW_OK;
}

static pgw_status flush_closes(pgw_conn *c, pgwi_ext *x)
{
    size_t n;
    pgw_status rc = pgwi_cache_flush_closes(c, &n);
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "out of memory");
    for (size_t i = 0; i < n; i++)
        xq_push(x, PGWI_X_CLOSE);
    return PGW_OK;
}

/* A new cursor with an exchange, not yet active. */
/* The cursor and its exchange in one allocation. */
struct xcursor {
    pgw_cursor cur;
    pgwi_ext x;
};

static pgw_status new_exchange(pgw_conn *c, pgw_cursor **out)
{
    c->render = pgw_render_bin;
    struct xcursor *xc = pgwi_alloc(c->a, sizeof *xc);
    if (xc == NULL)
        return pgwi_conn_fail(c, PGW_E_NOMEM, "out of memory");
    memset(&xc->cur, 0, sizeof xc->cur);
    memset(&xc->x, 0, offsetof(pgwi_ext, resolved_inline));
    xc->x.resolved = NULL;
    xc->cur.c = c;
    xc->cur.state = PGWI_CUR_BEFORE;
    xc->cur.alloc_size = sizeof *xc;
    xc->cur.x = &xc->x;
    *out = &xc->cur;
    return PGW_OK;
}

static void discard_exchange(pgw_conn *c, pgw_cursor *cur, size_t out_mark)
{
    /* Nothing of a refused request may reach the server. */
    if (pgw_buf_status(&c->out) == PGW_OK && c->out.len > out_mark)
        c->out.len = out_mark;
    pgwi_ext_free(cur);
    pgwi_cursor_reset_result(cur);
    pgwi_free(c->a, cur, cur->alloc_size);
}

static void activate(pgw_conn *c, pgw_cursor *cur)
{
    c->active = cur;
    c->state = PGW_CONN_BUSY;
}

static bool cache_on(pgw_conn *c)
{
    if (c->cache_size_option < 0)
        return false;
    if (c->cache == NULL) {
        c->cache = pgwi_alloc(c->a, sizeof *c->cache);
        if (c->cache == NULL)
            return false; /* without memory for a cache, run unnamed */
        pgwi_cache_init(c->cache, c->cache_size_option);
    }
    return true;
}

pgw_status pgw_query_params_send(pgw_conn *c, const char *sql, const pgw_param *params,
                                 size_t nparams, const int16_t *result_formats,
                                 size_t n_result_formats, pgw_cursor **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c == NULL || sql == NULL)
        return PGW_E_INVALID;
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = NULL;
    rc = new_exchange(c, &cur);
    if (rc != PGW_OK)
        return rc;
    pgwi_ext *x = cur->x;
    size_t mark = c->out.len;
    size_t sql_len = strlen(sql);
    rc = copy_params(c, x, sql, sql_len, params, nparams, result_formats, n_result_formats);
    if (rc == PGW_OK)
        rc = flush_closes(c, x);
    if (rc == PGW_OK && !cache_on(c)) {
        /* One unnamed round trip; the column types are unknown before
         * Bind, so AUTO means text. */
        int16_t rf1 = PGW_FORMAT_TEXT;
        const int16_t *rf = x->rfmts;
        size_t nrf = x->nrfmts;
        bool has_auto = false;
        for (size_t i = 0; i < nrf; i++)
            has_auto = has_auto || rf[i] == PGW_FORMAT_AUTO;
        if (nrf == 0 && c->result_format != PGW_FORMAT_AUTO) {
            rf1 = (int16_t)c->result_format;
            rf = &rf1;
            nrf = 1;
        } else if (has_auto) {
            for (size_t i = 0; i < nrf; i++)
                if (x->rfmts[i] == PGW_FORMAT_AUTO)
                    x->rfmts[i] = PGW_FORMAT_TEXT;
        }
        rc = pgw_build_parse(&c->out, "", sql, sql_len, x->types, nparams);
        if (rc == PGW_OK)
            rc = pgw_build_bind(&c->out, "", "", x->pfmts, nparams, x->vals, nparams, rf, nrf);
        if (rc == PGW_OK)
            rc = pgw_build_describe(&c->out, 'P', "");
        if (rc == PGW_OK)
            rc = pgw_build_execute(&c->out, "", 0);
        if (rc == PGW_OK)
            rc = pgw_build_sync(&c->out);
        if (rc == PGW_E_INVALID || rc == PGW_E_TOO_LARGE)
            rc = pgwi_conn_refuse(c, rc, "%s", rc == PGW_E_INVALID
                                                 ? "query text contains a NUL byte"
                                                 : "message too large for the protocol");
        else if (rc != PGW_OK)
            rc = pgwi_conn_break(c, rc, "out of memory");
        else {
            xq_push(x, PGWI_X_PARSE);
            xq_push(x, PGWI_X_BIND);
            xq_push(x, PGWI_X_DESC_PORTAL);
            xq_push(x, PGWI_X_EXEC);
            xq_push(x, PGWI_X_SYNC);
        }
    } else if (rc == PGW_OK) {
        pgwi_cache_entry *e = pgwi_cache_find(c, sql, sql_len, x->types, nparams);
        if (e != NULL && e->ready) {
            c->cache->stats.hits++;
            pgwi_cache_touch(c, e);
            x->entry = e;
            rc = send_bind_exec(c, cur, e->name, &e->desc);
        } else {
            if (e != NULL)
                pgwi_cache_remove(c, e, true);
            c->cache->stats.misses++;
            rc = pgwi_cache_insert(c, sql, sql_len, x->types, nparams, &e);
            if (rc != PGW_OK)
                rc = pgwi_conn_fail(c, rc, "out of memory");
            else {
                x->entry = e;
                x->phase2 = true;
                rc = send_prepare(c, x, e->name, sql, sql_len, x->types, nparams);
                if (rc != PGW_OK) {
                    pgwi_cache_remove(c, e, false);
                    x->entry = NULL;
                }
            }
        }
    }
    if (rc != PGW_OK) {
        x->entry = x->entry && x->entry->ready ? NULL : x->entry;
        discard_exchange(c, cur, mark);
        return rc;
    }
    activate(c, cur);
    *out = cur;
    return PGW_OK;
}

/* ---- prepared statements --------------------------------------------------- */

pgw_status pgw_prepare_send(pgw_conn *c, const char *name, const char *sql,
                            const uint32_t *param_types, size_t n_types, pgw_stmt **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c == NULL || sql == NULL || (n_types && param_types == NULL))
        return PGW_E_INVALID;
    if (n_types > PGW_MAX_PARAMS)
        return pgwi_conn_refuse(c, PGW_E_TOO_LARGE,
                              "too many parameter types: %zu (the protocol allows at most %u)",
                              n_types, PGW_MAX_PARAMS);
    if (name != NULL && strncmp(name, "pgw_s", 5) == 0)
        return pgwi_conn_refuse(c, PGW_E_INVALID,
                              "statement names starting with \"pgw_s\" are reserved for the "
                              "statement cache");
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    pgw_stmt *st = pgwi_alloc(c->a, sizeof *st);
    if (st == NULL)
        return pgwi_conn_fail(c, PGW_E_NOMEM, "out of memory");
    memset(st, 0, sizeof *st);
    st->c = c;
    char gen[32];
    if (name == NULL || *name == '\0') {
        snprintf(gen, sizeof gen, "pgw_p%llu", (unsigned long long)++c->stmt_counter);
        name = gen;
    }
    st->name_len = strlen(name);
    st->name = pgwi_strndup(c->a, name, st->name_len);
    pgw_cursor *cur = NULL;
    if (st->name == NULL || new_exchange(c, &cur) != PGW_OK || cur == NULL) {
        pgw_stmt_free(st);
        return pgwi_conn_fail(c, PGW_E_NOMEM, "out of memory");
    }
    size_t mark = c->out.len;
    rc = flush_closes(c, cur->x);
    if (rc == PGW_OK)
        rc = send_prepare(c, cur->x, st->name, sql, strlen(sql), param_types, n_types);
    if (rc != PGW_OK) {
        discard_exchange(c, cur, mark);
        pgw_stmt_free(st);
        return rc;
    }
    cur->x->stmt = st;
    st->op = cur;
    activate(c, cur);
    *out = st;
    return PGW_OK;
}

pgw_status pgw_stmt_recv(pgw_stmt *st)
{
    if (st == NULL)
        return PGW_E_INVALID;
    for (;;) {
        if (st->op == NULL)
            return st->failed != PGW_STEP_NONE ? PGW_E_SERVER : st->ready || st->closed ? PGW_OK
                                                                                     : PGW_E_STATE;
        pgw_status rc = pgw_cursor_recv_result(st->op);
        if (rc == PGW_E_SERVER)
            continue; /* read on to ReadyForQuery */
        if (rc == PGW_END) {
            pgw_cursor *op = st->op;
            st->op = NULL;
            pgw_cursor_free(op);
            continue;
        }
        if (rc == PGW_OK)
            return pgwi_conn_break(st->c, PGW_E_PROTOCOL, "unexpected result while preparing");
        return rc;
    }
}

pgw_step pgw_stmt_failed_step(const pgw_stmt *st)
{
    return st ? st->failed : PGW_STEP_NONE;
}

bool pgw_stmt_ready(const pgw_stmt *st)
{
    return st && st->ready;
}

const char *pgw_stmt_name(const pgw_stmt *st)
{
    return st ? st->name : NULL;
}

size_t pgw_stmt_nparams(const pgw_stmt *st)
{
    return st && st->ready ? st->desc.nparams : 0;
}

uint32_t pgw_stmt_param_type(const pgw_stmt *st, size_t i)
{
    return st && st->ready && i < st->desc.nparams ? st->desc.param_types[i] : 0;
}

uint16_t pgw_stmt_ncols(const pgw_stmt *st)
{
    return st && st->ready && st->desc.has_rows ? st->desc.ncols : 0;
}

const char *pgw_stmt_column_name(const pgw_stmt *st, uint16_t col)
{
    return col < pgw_stmt_ncols(st) ? st->desc.cols[col].name : NULL;
}

uint32_t pgw_stmt_column_type(const pgw_stmt *st, uint16_t col)
{
    return col < pgw_stmt_ncols(st) ? st->desc.cols[col].type_oid : 0;
}

pgw_status pgw_stmt_execute_send(pgw_stmt *st, const pgw_param *params, size_t nparams,
                                 const int16_t *result_formats, size_t n_result_formats,
                                 pgw_cursor **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (st == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = st->c;
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    if (!st->ready)
        return pgwi_conn_fail(c, PGW_E_STATE, "prepared statement \"%s\" is not ready",
                              st->name);
    pgw_cursor *cur = NULL;
    rc = new_exchange(c, &cur);
    if (rc != PGW_OK)
        return rc;
    size_t mark = c->out.len;
    rc = copy_params(c, cur->x, NULL, 0, params, nparams, result_formats, n_result_formats);
    if (rc == PGW_OK)
        rc = flush_closes(c, cur->x);
    if (rc == PGW_OK)
        rc = send_bind_exec(c, cur, st->name, &st->desc);
    if (rc != PGW_OK) {
        discard_exchange(c, cur, mark);
        return rc;
    }
    activate(c, cur);
    *out = cur;
    return PGW_OK;
}

pgw_status pgw_stmt_close_send(pgw_stmt *st)
{
    if (st == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = st->c;
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = NULL;
    rc = new_exchange(c, &cur);
    if (rc != PGW_OK)
        return rc;
    size_t mark = c->out.len;
    rc = pgw_build_close(&c->out, 'S', st->name);
    if (rc == PGW_OK)
        rc = pgw_build_sync(&c->out);
    if (rc != PGW_OK) {
        discard_exchange(c, cur, mark);
        return rc == PGW_E_NOMEM ? pgwi_conn_break(c, rc, "out of memory")
                                 : pgwi_conn_refuse(c, rc, "Close: invalid statement name");
    }
    xq_push(cur->x, PGWI_X_CLOSE);
    xq_push(cur->x, PGWI_X_SYNC);
    cur->x->stmt = st;
    cur->x->closing = true;
    st->failed = PGW_STEP_NONE;
    st->op = cur;
    activate(c, cur);
    return PGW_OK;
}

void pgw_stmt_free(pgw_stmt *st)
{
    if (st == NULL)
        return;
    pgw_conn *c = st->c;
    if (st->op != NULL) {
        pgw_cursor *op = st->op;
        st->op = NULL;
        op->x->stmt = NULL;
        pgw_cursor_free(op);
    }
    pgwi_desc_free(c->a, &st->desc);
    if (st->name != NULL)
        pgwi_free(c->a, st->name, st->name_len + 1);
    pgwi_free(c->a, st, sizeof *st);
}

/* ---- messages ------------------------------------------------------------------ */

static pgw_status take_param_desc(pgw_conn *c, pgwi_desc *d, const pgw_frame *f)
{
    uint16_t n;
    if (pgw_parse_parameter_description(f, NULL, 0, &n) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "ParameterDescription: malformed message");
    pgwi_free(c->a, d->param_types, d->nparams * sizeof *d->param_types);
    d->param_types = NULL;
    d->nparams = 0;
    if (n == 0)
        return PGW_OK;
    uint32_t *t = pgwi_alloc_array(c->a, n, sizeof *t);
    if (t == NULL)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    uint16_t n2;
    if (pgw_parse_parameter_description(f, t, n, &n2) != PGW_OK || n2 != n) {
        pgwi_free(c->a, t, (size_t)n * sizeof *t);
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "ParameterDescription: malformed message");
    }
    d->param_types = t;
    d->nparams = n;
    return PGW_OK;
}

static pgw_status take_row_desc(pgw_conn *c, pgwi_desc *d, const pgw_frame *f)
{
    uint16_t n;
    if (pgw_parse_row_description(f, NULL, 0, &n) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "RowDescription: malformed message");
    uint8_t *body = pgwi_alloc(c->a, f->len ? f->len : 1);
    pgw_column_desc *cols = n ? pgwi_alloc_array(c->a, n, sizeof *cols) : NULL;
    if (body == NULL || (n && cols == NULL)) {
        pgwi_free(c->a, body, f->len ? f->len : 1);
        pgwi_free(c->a, cols, (size_t)n * sizeof *cols);
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    }
    memcpy(body, f->body, f->len);
    pgw_frame copy = {f->tag, body, f->len};
    uint16_t n2 = 0;
    if (n && (pgw_parse_row_description(&copy, cols, n, &n2) != PGW_OK || n2 != n)) {
        pgwi_free(c->a, body, f->len ? f->len : 1);
        pgwi_free(c->a, cols, (size_t)n * sizeof *cols);
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "RowDescription: malformed message");
    }
    pgwi_free(c->a, d->row_body, d->row_len);
    pgwi_free(c->a, d->cols, (size_t)d->ncols * sizeof *d->cols);
    d->row_body = body;
    d->row_len = f->len ? f->len : 1;
    d->cols = cols;
    d->ncols = n;
    d->has_rows = true;
    return PGW_OK;
}

/* Where a statement description goes: the prepared statement or the cache
 * entry this exchange prepares. */
static pgwi_desc *desc_target(pgwi_ext *x)
{
    if (x->stmt != NULL)
        return &x->stmt->desc;
    if (x->entry != NULL)
        return &x->entry->desc;
    return NULL;
}

static int unexpected(pgw_conn *c, const char *what)
{
    return (int)pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected %s in an extended-query exchange",
                                what);
}

static bool is_retryable(const pgw_conn *c)
{
    return strcmp(c->err.sqlstate, "0A000") == 0 || strcmp(c->err.sqlstate, "26000") == 0;
}

static int on_error(pgw_cursor *cur, const pgw_frame *f)
{
    pgw_conn *c = cur->c;
    pgwi_ext *x = cur->x;
    int head = xq_head(x);
    if (head < 0)
        return unexpected(c, "ErrorResponse");
    if (x->pipelined)
        pgwi_pipe_error(cur, f);
    x->failed = step_of(head);
    if (x->stmt != NULL)
        x->stmt->failed = x->failed;
    /* The server skips everything up to Sync. */
    while (x->qn && xq_head(x) != PGWI_X_SYNC)
        xq_pop(x);
    if (x->entry != NULL && x->entry->ready && head == PGWI_X_BIND && !x->retried &&
        !pgwi_error_is_fatal(f)) {
        pgw_status rc = pgwi_conn_server_error(c, f, PGW_E_SERVER);
        if (rc != PGW_E_SERVER)
            return (int)rc;
        if (is_retryable(c)) {
            /* The cached statement is stale: its result type changed
             * (0A000) or the server no longer has it (26000). */
            c->cache->stats.invalidations++;
            pgwi_cache_remove(c, x->entry, strcmp(c->err.sqlstate, "0A000") == 0);
            x->entry = NULL;
            x->retry = true;
            x->deferred_error = true;
            return PGWI_XCONT;
        }
        /* An ordinary error at Bind (a bad parameter value): report it. */
        cur->state = PGWI_CUR_FAILED;
        x->entry = NULL;
        return (int)PGW_E_SERVER;
    }
    if (x->entry != NULL && !x->entry->ready) {
        /* Preparing for the cache failed: nothing to reuse. */
        pgwi_cache_remove(c, x->entry, false);
        x->entry = NULL;
    }
    x->phase2 = false;
    return PGWI_XPASS;
}

static int on_ready(pgw_cursor *cur, const pgw_frame *f)
{
    pgw_conn *c = cur->c;
    pgwi_ext *x = cur->x;
    if (xq_head(x) != PGWI_X_SYNC || x->qn != 1)
        return unexpected(c, "ReadyForQuery");
    char st;
    if (pgw_parse_ready_for_query(f, &st) != PGW_OK)
        return (int)pgwi_conn_break(c, PGW_E_PROTOCOL, "ReadyForQuery: malformed message");
    xq_pop(x);
    if (x->retry) {
        x->retry = false;
        if (st == 'I' && cache_on(c)) {
            /* No transaction to spoil: prepare afresh and run again. */
            pgwi_cache_entry *e = NULL;
            c->tx = st;
            x->retried = true;
            pgw_status rc = flush_closes(c, x);
            if (rc == PGW_OK) {
                rc = pgwi_cache_insert(c, x->sql, x->sql_len, x->types, x->nparams, &e);
                if (rc != PGW_OK)
                    return (int)pgwi_conn_break(c, rc, "out of memory");
                c->cache->stats.misses++;
                x->entry = e;
                x->phase2 = true;
                rc = send_prepare(c, x, e->name, x->sql, x->sql_len, x->types, x->nparams);
            }
            if (rc != PGW_OK)
                return (int)(c->state == PGW_CONN_BROKEN ? rc
                                                         : pgwi_conn_break(c, rc, "retry failed"));
            pgwi_conn_clear_error(c);
            x->deferred_error = false;
            x->failed = PGW_STEP_NONE;
            return PGWI_XCONT;
        }
    }
    if (x->deferred_error) {
        /* Inside a transaction the failure stands (the transaction is
         * aborted); the entry was dropped, the next use prepares anew. */
        x->deferred_error = false;
        pgw_status rc = pgwi_cursor_finish(cur, f);
        if (rc != PGW_END)
            return (int)rc;
        x->entry = NULL;
        return (int)PGW_E_SERVER;
    }
    if (x->phase2 && x->failed == PGW_STEP_NONE && x->entry != NULL) {
        x->phase2 = false;
        c->tx = st;
        x->entry->ready = true;
        pgw_status rc = send_bind_exec(c, cur, x->entry->name, &x->entry->desc);
        if (rc != PGW_OK)
            return (int)(c->state == PGW_CONN_BROKEN ? rc : pgwi_conn_break(c, rc, "%s",
                                                                           c->err.message));
        return PGWI_XCONT;
    }
    if (x->stmt != NULL && x->failed == PGW_STEP_NONE) {
        if (x->closing) {
            x->stmt->ready = false;
            x->stmt->closed = true;
        } else
            x->stmt->ready = true;
    }
    x->entry = NULL;
    return PGWI_XPASS;
}

/* A pipelined query preparing a cache entry: the entry is looked up for
 * each message rather than held (other queries may evict it meanwhile),
 * and is ready once the statement is described. */
static int pipe_prepare_message(pgw_cursor *cur, const pgw_frame *f, bool want_row)
{
    pgwi_ext *x = cur->x;
    pgw_conn *c = cur->c;
    char name[sizeof x->pname];
    memcpy(name, x->pname, sizeof name);
    pgwi_cache_entry *e = c->cache != NULL ? pgwi_cache_find(c, x->sql, x->sql_len, x->types,
                                                             x->nparams)
                                           : NULL;
    if (e != NULL && (e->ready || strcmp(e->name, name) != 0))
        e = NULL; /* evicted meanwhile: the description goes nowhere */
    x->pname[0] = '\0';
    x->entry = e;
    int r = pgwi_ext_message(cur, f, want_row);
    int head = xq_head(x);
    if (head == PGWI_X_PARSE || head == PGWI_X_DESC_STMT)
        memcpy(x->pname, name, sizeof name);
    else if (x->entry != NULL && x->failed == PGW_STEP_NONE) {
        /* Described; a failed Parse was dropped by on_error. */
        x->entry->ready = true;
        x->entry->pseg = 0;
    }
    x->entry = NULL;
    return r;
}

int pgwi_ext_message(pgw_cursor *cur, const pgw_frame *f, bool want_row)
{
    pgw_conn *c = cur->c;
    pgwi_ext *x = cur->x;
    int head = xq_head(x);
    pgw_status rc;
    if (x->pname[0] != '\0')
        return pipe_prepare_message(cur, f, want_row);
    switch (f->tag) {
    case PGW_BE_PARSE_COMPLETE:
        if (head != PGWI_X_PARSE || pgw_parse_empty(f) != PGW_OK)
            return unexpected(c, "ParseComplete");
        xq_pop(x);
        return PGWI_XCONT;
    case PGW_BE_BIND_COMPLETE:
        if (head != PGWI_X_BIND || pgw_parse_empty(f) != PGW_OK)
            return unexpected(c, "BindComplete");
        xq_pop(x);
        if (x->preloaded && xq_head(x) == PGWI_X_EXEC) {
            cur->has_rows = true;
            cur->state = PGWI_CUR_ROWS;
            if (!want_row)
                return (int)PGW_OK;
        }
        return PGWI_XCONT;
    case PGW_BE_CLOSE_COMPLETE:
        if (head != PGWI_X_CLOSE || pgw_parse_empty(f) != PGW_OK)
            return unexpected(c, "CloseComplete");
        xq_pop(x);
        return PGWI_XCONT;
    case PGW_BE_PARAMETER_DESCRIPTION: {
        pgwi_desc *d = desc_target(x);
        if (head != PGWI_X_DESC_STMT || x->got_pdesc)
            return unexpected(c, "ParameterDescription");
        if (d != NULL) {
            rc = take_param_desc(c, d, f);
            if (rc != PGW_OK)
                return (int)rc;
        }
        x->got_pdesc = true;
        return PGWI_XCONT;
    }
    case PGW_BE_NO_DATA:
        if (pgw_parse_empty(f) != PGW_OK)
            return unexpected(c, "NoData");
        if (head == PGWI_X_DESC_STMT && x->got_pdesc) {
            pgwi_desc *d = desc_target(x);
            if (d != NULL)
                d->has_rows = false;
            xq_pop(x);
            return PGWI_XCONT;
        }
        if (head == PGWI_X_DESC_PORTAL) {
            xq_pop(x);
            return PGWI_XCONT;
        }
        return unexpected(c, "NoData");
    case PGW_BE_ROW_DESCRIPTION:
        if (head == PGWI_X_DESC_STMT && x->got_pdesc) {
            pgwi_desc *d = desc_target(x);
            if (d != NULL) {
                rc = take_row_desc(c, d, f);
                if (rc != PGW_OK)
                    return (int)rc;
            }
            xq_pop(x);
            return PGWI_XCONT;
        }
        if (head == PGWI_X_DESC_PORTAL) {
            xq_pop(x);
            return PGWI_XPASS;
        }
        return unexpected(c, "RowDescription");
    case PGW_BE_DATA_ROW:
        return head == PGWI_X_EXEC ? PGWI_XPASS : unexpected(c, "DataRow");
    case PGW_BE_COMMAND_COMPLETE:
    case PGW_BE_EMPTY_QUERY_RESPONSE:
        if (head != PGWI_X_EXEC)
            return unexpected(c, f->tag == PGW_BE_COMMAND_COMPLETE ? "CommandComplete"
                                                                   : "EmptyQueryResponse");
        if (x->portal != NULL)
            pgwi_portal_note_end(x->portal, cur, false);
        xq_pop(x);
        return PGWI_XPASS;
    case PGW_BE_PORTAL_SUSPENDED:
        if (head != PGWI_X_EXEC || pgw_parse_empty(f) != PGW_OK)
            return unexpected(c, "PortalSuspended");
        if (x->portal != NULL)
            pgwi_portal_note_end(x->portal, cur, true);
        xq_pop(x);
        rc = pgwi_cursor_take_tag(cur, "", 0);
        if (rc != PGW_OK)
            return (int)rc;
        cur->suspended = true;
        if (cur->state == PGWI_CUR_SKIP) {
            /* Skipping to the next result: the suspended one is over. */
            pgwi_cursor_reset_result(cur);
            cur->state = PGWI_CUR_HEADER;
            return PGWI_XCONT;
        }
        cur->state = PGWI_CUR_RESULT_DONE;
        return (int)(want_row ? PGW_END : PGW_OK);
    case PGW_BE_ERROR_RESPONSE:
        return on_error(cur, f);
    case PGW_BE_READY_FOR_QUERY:
        return on_ready(cur, f);
    default:
        return PGWI_XPASS;
    }
}

void pgwi_ext_note_tag(pgw_conn *c, const char *tag, size_t len)
{
    if ((len == 11 && memcmp(tag, "DISCARD ALL", 11) == 0) ||
        (len == 14 && memcmp(tag, "DEALLOCATE ALL", 14) == 0))
        pgwi_cache_invalidate_all(c, false);
}

/* ---- hooks for portal.c ------------------------------------------------------ */

pgw_status pgwi_ext_cursor_new(pgw_conn *c, pgw_cursor **out)
{
    return new_exchange(c, out);
}

pgw_status pgwi_ext_take_params(pgw_cursor *cur, const pgw_param *params, size_t n,
                                const int16_t *rf, size_t nrf)
{
    return copy_params(cur->c, cur->x, NULL, 0, params, n, rf, nrf);
}

bool pgwi_ext_expect(pgw_cursor *cur, enum pgwi_xstep s)
{
    return xq_push(cur->x, s);
}

pgw_status pgwi_ext_resolve_formats(pgw_cursor *cur, const pgwi_desc *d)
{
    return resolve_formats(cur->c, cur->x, d);
}

void pgwi_ext_cursor_discard(pgw_cursor *cur, size_t out_mark)
{
    discard_exchange(cur->c, cur, out_mark);
}

void pgwi_ext_cursor_activate(pgw_cursor *cur)
{
    activate(cur->c, cur);
}

/* ---- pipelines (pipeline.c) --------------------------------------------------- */

/* [Parse (+ Describe statement)] + Bind + Describe(portal) + Execute: the
 * unnamed statement, a cache entry prepared here, or one whose Parse went
 * out earlier in the same unit of work (parse false). */
static pgw_status queue_portal(pgw_conn *c, pgwi_ext *x, const char *name, bool parse)
{
    int16_t rf1 = PGW_FORMAT_TEXT;
    const int16_t *rf = x->rfmts;
    size_t nrf = x->nrfmts;
    if (nrf == 0 && c->result_format != PGW_FORMAT_AUTO) {
        rf1 = (int16_t)c->result_format;
        rf = &rf1;
        nrf = 1;
    }
    /* The column types are unknown before Bind: AUTO means text. */
    for (size_t i = 0; i < x->nrfmts; i++)
        if (x->rfmts[i] == PGW_FORMAT_AUTO)
            x->rfmts[i] = PGW_FORMAT_TEXT;
    pgw_status rc = PGW_OK;
    if (parse)
        rc = pgw_build_parse(&c->out, name, x->sql, x->sql_len, x->types, x->nparams);
    if (rc == PGW_OK && parse && name[0] != '\0')
        rc = pgw_build_describe(&c->out, 'S', name);
    if (rc == PGW_OK)
        rc = pgw_build_bind(&c->out, "", name, x->pfmts, x->nparams, x->vals, x->nparams, rf, nrf);
    if (rc == PGW_OK)
        rc = pgw_build_describe(&c->out, 'P', "");
    if (rc == PGW_OK)
        rc = pgw_build_execute(&c->out, "", 0);
    if (rc == PGW_E_INVALID || rc == PGW_E_TOO_LARGE)
        return pgwi_conn_refuse(c, rc, "%s", rc == PGW_E_INVALID
                                                 ? "query text contains a NUL byte"
                                                 : "message too large for the protocol");
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "out of memory");
    if (parse)
        xq_push(x, PGWI_X_PARSE);
    if (parse && name[0] != '\0')
        xq_push(x, PGWI_X_DESC_STMT);
    xq_push(x, PGWI_X_BIND);
    xq_push(x, PGWI_X_DESC_PORTAL);
    xq_push(x, PGWI_X_EXEC);
    return PGW_OK;
}

pgw_status pgwi_ext_queue(pgw_conn *c, pgw_stmt *st, const char *sql, const pgw_param *params,
                          size_t nparams, const int16_t *rf, size_t nrf, pgw_cursor **out)
{
    pgw_cursor *cur = NULL;
    pgw_status rc = new_exchange(c, &cur);
    if (rc != PGW_OK)
        return rc;
    pgwi_ext *x = cur->x;
    size_t mark = c->out.len;
    size_t sql_len = sql != NULL ? strlen(sql) : 0;
    rc = copy_params(c, x, sql, sql_len, params, nparams, rf, nrf);
    if (rc == PGW_OK) {
        /* A statement known to the server runs as Bind + Execute; a cache
         * miss runs unnamed rather than preparing into the cache, so no
         * later query of the pipeline depends on a preparation that might
         * fail. Pending cache Closes wait for the next ordinary exchange. */
        const char *name = NULL, *portal_stmt = "";
        const pgwi_desc *d = NULL;
        bool parse = true;
        if (st != NULL) {
            name = st->name;
            d = &st->desc;
        } else if (cache_on(c)) {
            pgwi_cache_entry *e = pgwi_cache_find(c, sql, sql_len, x->types, nparams);
            if (e != NULL && e->ready) {
                c->cache->stats.hits++;
                pgwi_cache_touch(c, e);
                name = e->name;
                d = &e->desc;
            } else if (e != NULL && e->pseg == c->pipe->segment) {
                /* Parsed earlier in this unit of work: if that Parse
                 * fails, this query is skipped with the rest of the unit. */
                c->cache->stats.hits++;
                pgwi_cache_touch(c, e);
                portal_stmt = e->name;
                parse = false;
            } else if (e == NULL && pgwi_cache_insert(c, sql, sql_len, x->types, nparams, &e) ==
                                        PGW_OK) {
                c->cache->stats.misses++;
                e->pseg = c->pipe->segment;
                portal_stmt = e->name;
                memcpy(x->pname, e->name, sizeof x->pname);
            }
        }
        if (name != NULL) {
            rc = send_bind_exec(c, cur, name, d);
            /* The shared encoder ends with Sync; the pipeline places its
             * Syncs where the caller asks, so take this one back. */
            if (rc == PGW_OK && x->qn > 0 && x->q[x->qh + x->qn - 1] == PGWI_X_SYNC &&
                c->out.len >= mark + 5 && c->out.data[c->out.len - 5] == 'S') {
                c->out.len -= 5;
                x->qn--;
            } else if (rc == PGW_OK)
                rc = pgwi_conn_break(c, PGW_E_PROTOCOL, "pipeline: internal encoding error");
        } else {
            rc = queue_portal(c, x, portal_stmt, parse);
            if (rc != PGW_OK && x->pname[0] != '\0') {
                pgwi_cache_entry *e = pgwi_cache_find(c, sql, sql_len, x->types, nparams);
                if (e != NULL)
                    pgwi_cache_remove(c, e, false);
            }
        }
    }
    if (rc != PGW_OK) {
        discard_exchange(c, cur, mark);
        return rc;
    }
    *out = cur;
    return PGW_OK;
}
