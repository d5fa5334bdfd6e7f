/* The blocking forms of the extended query protocol: loops over the
 * engine's pgw_query_params_send / pgw_prepare_send / pgw_stmt_* calls. */
#include "io/io_int.h"
#include "conn/extended_int.h"
#include "pgwire/stmt.h"

static pgw_status need_transport(pgw_conn *c)
{
    if (c == NULL)
        return PGW_E_INVALID;
    if (c->io == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
    return PGW_OK;
}

pgw_status pgw_query_params(pgw_conn *c, const char *sql, const pgw_param *params,
                            size_t nparams, pgw_cursor **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgw_status rc = need_transport(c);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = NULL;
    rc = pgw_query_params_send(c, sql, params, nparams, NULL, 0, &cur);
    return pgwi_io_first_result(c, rc, cur, out);
}

pgw_status pgw_exec_params(pgw_conn *c, const char *sql, const pgw_param *params,
                           size_t nparams, uint64_t *rows)
{
    pgw_cursor *cur;
    pgw_status rc = pgw_query_params(c, sql, params, nparams, &cur);
    return pgwi_io_exec_cursor(cur, rc, rows);
}

pgw_status pgw_query_params_result(pgw_conn *c, const char *sql, const pgw_param *params,
                                   size_t nparams, pgw_result **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    pgw_cursor *cur;
    pgw_status rc = pgw_query_params(c, sql, params, nparams, &cur);
    return pgwi_io_result_cursor(c, cur, rc, out);
}

static pgw_status wait_stmt(pgw_stmt *st, pgw_conn *c)
{
    for (;;) {
        pgw_status rc = pgw_stmt_recv(st);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        pgw_status prc = pgw_conn_pump(c, rc);
        if (prc < 0)
            return prc;
    }
}

pgw_status pgw_prepare(pgw_conn *c, const char *name, const char *sql,
                       const uint32_t *param_types, size_t n_types, pgw_stmt **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgw_status rc = need_transport(c);
    if (rc != PGW_OK)
        return rc;
    pgw_stmt *st;
    rc = pgw_prepare_send(c, name, sql, param_types, n_types, &st);
    if (rc != PGW_OK)
        return rc;
    rc = wait_stmt(st, c);
    if (rc != PGW_OK) {
        pgw_stmt_free(st);
        return rc;
    }
    /* Types the registry does not know yet: load them now, while the
     * connection is idle, so the statement's values render. */
    const pgwi_desc *d = &st->desc;
    uint32_t small[32];
    size_t n = d->nparams + (d->has_rows ? d->ncols : 0), k = 0;
    uint32_t *oids = n <= 32 ? small : pgwi_alloc_array(c->a, n, sizeof *oids);
    if (oids != NULL) {
        for (size_t i = 0; i < d->nparams; i++)
            oids[k++] = d->param_types[i];
        for (uint16_t i = 0; d->has_rows && i < d->ncols; i++)
            oids[k++] = d->cols[i].type_oid;
        /* A failure here leaves those values unrendered, not the statement
         * unusable. */
        (void)pgw_conn_load_types(c, oids, k);
        if (oids != small)
            pgwi_free(c->a, oids, n * sizeof *oids);
    }
    *out = st;
    return PGW_OK;
}

pgw_status pgw_stmt_execute(pgw_stmt *st, const pgw_param *params, size_t nparams,
                            pgw_cursor **out)
{
    if (out == NULL || st == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgw_conn *c = st->c;
    pgw_status rc = need_transport(c);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = NULL;
    rc = pgw_stmt_execute_send(st, params, nparams, NULL, 0, &cur);
    return pgwi_io_first_result(c, rc, cur, out);
}

pgw_status pgw_stmt_exec(pgw_stmt *st, const pgw_param *params, size_t nparams, uint64_t *rows)
{
    pgw_cursor *cur;
    pgw_status rc = pgw_stmt_execute(st, params, nparams, &cur);
    return pgwi_io_exec_cursor(cur, rc, rows);
}

pgw_status pgw_stmt_deallocate(pgw_stmt *st)
{
    if (st == NULL)
        return PGW_E_INVALID;
    pgw_status rc = need_transport(st->c);
    if (rc != PGW_OK)
        return rc;
    rc = pgw_stmt_close_send(st);
    if (rc != PGW_OK)
        return rc;
    return wait_stmt(st, st->c);
}
