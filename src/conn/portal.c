/* Named portals: Bind to a name, then Execute with a row limit, one batch
 * per round trip, on the extended-protocol exchange machinery of
 * extended.c (its expected-step queue checks every answer).
 *
 * Each exchange ends with Sync, which outside a transaction block commits
 * the implicit transaction and destroys every portal: so a portal is only
 * opened inside a block, and a fetch is refused once the block is gone.
 * Each batch asks for Describe (portal) before its Execute, so its cursor
 * receives a RowDescription (with the formats bound) and reads exactly
 * like the cursor of a one-shot query: the few bytes per batch buy a
 * cursor with no special state. */
#include "pgwire/portal.h"

#include <stdio.h>

#include "conn/cursor_int.h"
#include "conn/extended_int.h"

enum portal_state {
    PORTAL_OPENING, /* Parse/Bind sent, answer pending */
    PORTAL_OPEN,
    PORTAL_CLOSING, /* Close sent, answer pending */
    PORTAL_CLOSED,
    PORTAL_FAILED /* the server refused the open */
};

struct pgw_portal {
    pgw_conn *c;
    char *name;
    size_t name_len;
    enum portal_state state;
    pgw_cursor *op;    /* the open or close in progress */
    pgw_cursor *fetch; /* the latest fetch's cursor while it lives */
    pgw_step failed;
    bool exhausted;
    uint64_t rows; /* over the results of every fetch that ended */
};

static pgw_status portal_check_tx(pgw_conn *c)
{
    if (c->tx == 'T')
        return PGW_OK;
    if (c->tx == 'E')
        return pgwi_conn_refuse(c, PGW_E_STATE,
                                "the transaction has failed: roll it back before using a portal");
    return pgwi_conn_refuse(c, PGW_E_STATE,
                            "a portal needs a transaction block: outside one it would be "
                            "closed by the implicit commit at Sync (begin a transaction first)");
}

/* Argument and state checks shared by both opens, then the handle. */
static pgw_status portal_new(pgw_conn *c, const char *name, pgw_portal **out)
{
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    rc = portal_check_tx(c);
    if (rc != PGW_OK)
        return rc;
    pgw_portal *p = pgwi_alloc(c->a, sizeof *p);
    if (p == NULL)
        return pgwi_conn_fail(c, PGW_E_NOMEM, "out of memory");
    memset(p, 0, sizeof *p);
    p->c = c;
    char gen[40];
    if (name == NULL || *name == '\0') {
        snprintf(gen, sizeof gen, "pgw_portal%llu", (unsigned long long)++c->stmt_counter);
        name = gen;
    }
    p->name_len = strlen(name);
    p->name = pgwi_strndup(c->a, name, p->name_len);
    if (p->name == NULL) {
        pgwi_free(c->a, p, sizeof *p);
        return pgwi_conn_fail(c, PGW_E_NOMEM, "out of memory");
    }
    *out = p;
    return PGW_OK;
}

static void portal_release(pgw_portal *p)
{
    pgwi_free(p->c->a, p->name, p->name_len + 1);
    pgwi_free(p->c->a, p, sizeof *p);
}

/* A message could not be queued: refuse (nothing was sent) or break. */
static pgw_status portal_build_failed(pgw_cursor *cur, size_t mark, pgw_status rc, const char *what)
{
    pgw_conn *c = cur->c;
    pgwi_ext_cursor_discard(cur, mark);
    if (rc == PGW_E_INVALID || rc == PGW_E_TOO_LARGE)
        return pgwi_conn_refuse(c, rc, "%s: %s", what,
                                rc == PGW_E_INVALID
                                    ? "a name or the statement text contains a NUL byte"
                                    : "message too large for the protocol");
    return pgwi_conn_break(c, rc, "out of memory");
}

static void portal_start_op(pgw_portal *p, pgw_cursor *cur, enum portal_state st)
{
    p->op = cur;
    p->state = st;
    p->failed = PGW_STEP_NONE;
    pgwi_ext_cursor_activate(cur);
}

pgw_status pgw_portal_open_send(pgw_conn *c, const char *name, const char *sql,
                                const pgw_param *params, size_t nparams,
                                const int16_t *result_formats, size_t n_result_formats,
                                pgw_portal **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c == NULL || sql == NULL)
        return PGW_E_INVALID;
    pgw_portal *p;
    pgw_status rc = portal_new(c, name, &p);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = NULL;
    rc = pgwi_ext_cursor_new(c, &cur);
    if (rc != PGW_OK) {
        portal_release(p);
        return rc;
    }
    size_t mark = c->out.len;
    rc = pgwi_ext_take_params(cur, params, nparams, result_formats, n_result_formats);
    if (rc != PGW_OK) {
        pgwi_ext_cursor_discard(cur, mark);
        portal_release(p);
        return rc;
    }
    pgwi_ext *x = cur->x;
    /* The column types are unknown before Bind: AUTO means text, as for
     * an uncached one-shot query. */
    int16_t one = PGW_FORMAT_TEXT;
    const int16_t *rf = x->rfmts;
    size_t nrf = x->nrfmts;
    if (nrf == 0 && c->result_format != PGW_FORMAT_AUTO) {
        one = (int16_t)c->result_format;
        rf = &one;
        nrf = 1;
    }
    for (size_t i = 0; i < x->nrfmts; i++)
        if (x->rfmts[i] == PGW_FORMAT_AUTO)
            x->rfmts[i] = PGW_FORMAT_TEXT;
    rc = pgw_build_parse(&c->out, "", sql, strlen(sql), x->types, x->nparams);
    if (rc == PGW_OK)
        rc = pgw_build_bind(&c->out, p->name, "", x->pfmts, x->nparams, x->vals, x->nparams, rf,
                            nrf);
    if (rc == PGW_OK)
        rc = pgw_build_sync(&c->out);
    if (rc != PGW_OK) {
        rc = portal_build_failed(cur, mark, rc, "opening a portal");
        portal_release(p);
        return rc;
    }
    pgwi_ext_expect(cur, PGWI_X_PARSE);
    pgwi_ext_expect(cur, PGWI_X_BIND);
    pgwi_ext_expect(cur, PGWI_X_SYNC);
    portal_start_op(p, cur, PORTAL_OPENING);
    *out = p;
    return PGW_OK;
}

pgw_status pgw_portal_open_stmt_send(pgw_stmt *st, const char *name, const pgw_param *params,
                                     size_t nparams, const int16_t *result_formats,
                                     size_t n_result_formats, pgw_portal **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (st == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = st->c;
    if (!st->ready)
        return pgwi_conn_refuse(c, PGW_E_STATE, "prepared statement \"%s\" is not ready", st->name);
    pgw_portal *p;
    pgw_status rc = portal_new(c, name, &p);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = NULL;
    rc = pgwi_ext_cursor_new(c, &cur);
    if (rc != PGW_OK) {
        portal_release(p);
        return rc;
    }
    size_t mark = c->out.len;
    rc = pgwi_ext_take_params(cur, params, nparams, result_formats, n_result_formats);
    if (rc == PGW_OK)
        rc = pgwi_ext_resolve_formats(cur, &st->desc);
    if (rc != PGW_OK) {
        pgwi_ext_cursor_discard(cur, mark);
        portal_release(p);
        return rc;
    }
    pgwi_ext *x = cur->x;
    rc = pgw_build_bind(&c->out, p->name, st->name, x->pfmts, x->nparams, x->vals, x->nparams,
                        x->resolved, x->nresolved);
    if (rc == PGW_OK)
        rc = pgw_build_sync(&c->out);
    if (rc != PGW_OK) {
        rc = portal_build_failed(cur, mark, rc, "opening a portal");
        portal_release(p);
        return rc;
    }
    pgwi_ext_expect(cur, PGWI_X_BIND);
    pgwi_ext_expect(cur, PGWI_X_SYNC);
    portal_start_op(p, cur, PORTAL_OPENING);
    *out = p;
    return PGW_OK;
}

pgw_status pgw_portal_recv(pgw_portal *p)
{
    if (p == NULL)
        return PGW_E_INVALID;
    for (;;) {
        if (p->op == NULL) {
            if (p->failed != PGW_STEP_NONE)
                return PGW_E_SERVER;
            return p->state == PORTAL_OPEN || p->state == PORTAL_CLOSED ? PGW_OK : PGW_E_STATE;
        }
        pgw_status rc = pgw_cursor_recv_result(p->op);
        if (rc == PGW_E_SERVER)
            continue; /* read on to ReadyForQuery */
        if (rc == PGW_END) {
            pgw_cursor *op = p->op;
            p->failed = pgw_cursor_failed_step(op);
            p->op = NULL;
            pgw_cursor_free(op);
            if (p->failed != PGW_STEP_NONE)
                p->state = p->state == PORTAL_OPENING ? PORTAL_FAILED : PORTAL_OPEN;
            else
                p->state = p->state == PORTAL_OPENING ? PORTAL_OPEN : PORTAL_CLOSED;
            continue;
        }
        if (rc == PGW_OK)
            return pgwi_conn_break(p->c, PGW_E_PROTOCOL, "unexpected result for a portal");
        return rc;
    }
}

pgw_status pgw_portal_fetch_send(pgw_portal *p, size_t max_rows, pgw_cursor **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (p == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = p->c;
    if (max_rows > PGW_PORTAL_MAX_ROWS)
        return pgwi_conn_refuse(c, PGW_E_INVALID,
                                "row limit %zu is more than Execute can carry (%u)", max_rows,
                                PGW_PORTAL_MAX_ROWS);
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    if (p->state != PORTAL_OPEN)
        return pgwi_conn_refuse(c, PGW_E_STATE, "portal \"%s\" is not open", p->name);
    rc = portal_check_tx(c);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = NULL;
    rc = pgwi_ext_cursor_new(c, &cur);
    if (rc != PGW_OK)
        return rc;
    size_t mark = c->out.len;
    rc = pgw_build_describe(&c->out, 'P', p->name);
    if (rc == PGW_OK)
        rc = pgw_build_execute(&c->out, p->name, (int32_t)max_rows);
    if (rc == PGW_OK)
        rc = pgw_build_sync(&c->out);
    if (rc != PGW_OK)
        return portal_build_failed(cur, mark, rc, "fetching from a portal");
    pgwi_ext_expect(cur, PGWI_X_DESC_PORTAL);
    pgwi_ext_expect(cur, PGWI_X_EXEC);
    pgwi_ext_expect(cur, PGWI_X_SYNC);
    /* The previous batch's cursor no longer reports to the portal. */
    if (p->fetch != NULL)
        pgwi_portal_detach(p, p->fetch);
    cur->x->portal = p;
    p->fetch = cur;
    pgwi_ext_cursor_activate(cur);
    *out = cur;
    return PGW_OK;
}

pgw_status pgw_portal_close_send(pgw_portal *p)
{
    if (p == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = p->c;
    pgw_status rc = pgwi_cursor_check_conn(c);
    if (rc != PGW_OK)
        return rc;
    if (p->state != PORTAL_OPEN)
        return pgwi_conn_refuse(c, PGW_E_STATE, "portal \"%s\" is not open", p->name);
    pgw_cursor *cur = NULL;
    rc = pgwi_ext_cursor_new(c, &cur);
    if (rc != PGW_OK)
        return rc;
    size_t mark = c->out.len;
    rc = pgw_build_close(&c->out, 'P', p->name);
    if (rc == PGW_OK)
        rc = pgw_build_sync(&c->out);
    if (rc != PGW_OK)
        return portal_build_failed(cur, mark, rc, "closing a portal");
    pgwi_ext_expect(cur, PGWI_X_CLOSE);
    pgwi_ext_expect(cur, PGWI_X_SYNC);
    portal_start_op(p, cur, PORTAL_CLOSING);
    return PGW_OK;
}

void pgwi_portal_note_end(pgw_portal *p, const pgw_cursor *cur, bool suspended)
{
    if (p->fetch != cur)
        return;
    p->exhausted = !suspended;
    p->rows += cur->row_number;
}

/* The fetch cursor is being freed or replaced. */
void pgwi_portal_detach(pgw_portal *p, const pgw_cursor *cur)
{
    if (p->fetch != cur)
        return;
    if (cur->x != NULL)
        cur->x->portal = NULL;
    p->fetch = NULL;
}

bool pgw_cursor_suspended(const pgw_cursor *cur)
{
    return cur != NULL && cur->x != NULL && cur->suspended;
}

bool pgw_portal_exhausted(const pgw_portal *p)
{
    return p != NULL && p->exhausted;
}

bool pgw_portal_is_open(const pgw_portal *p)
{
    return p != NULL && p->state == PORTAL_OPEN && p->c->tx == 'T';
}

pgw_conn *pgw_portal_conn(const pgw_portal *p)
{
    return p != NULL ? p->c : NULL;
}

const char *pgw_portal_name(const pgw_portal *p)
{
    return p != NULL ? p->name : NULL;
}

uint64_t pgw_portal_rows_fetched(const pgw_portal *p)
{
    return p != NULL ? p->rows : 0;
}

pgw_step pgw_portal_failed_step(const pgw_portal *p)
{
    return p != NULL ? p->failed : PGW_STEP_NONE;
}

void pgw_portal_free(pgw_portal *p)
{
    if (p == NULL)
        return;
    if (p->fetch != NULL)
        pgwi_portal_detach(p, p->fetch);
    if (p->op != NULL) {
        pgw_cursor *op = p->op;
        p->op = NULL;
        pgw_cursor_free(op);
    }
    portal_release(p);
}
