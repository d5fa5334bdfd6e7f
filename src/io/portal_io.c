/* The blocking forms of the named-portal calls: loops over the engine's
 * pgw_portal_*_send / pgw_portal_recv (src/conn/portal.c). */
#include "pgwire/portal.h"

#include "conn/extended_int.h"
#include "io/io_int.h"

static pgw_status pio_need_transport(pgw_conn *c)
{
    if (c->io == NULL)
        return pgwi_conn_refuse(c, PGW_E_STATE, "connection has no transport");
    return PGW_OK;
}

static pgw_status pio_wait(pgw_portal *p, pgw_conn *c)
{
    for (;;) {
        pgw_status rc = pgw_portal_recv(p);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        pgw_status prc = pgw_conn_pump(c, rc);
        if (prc < 0)
            return prc;
    }
}

static pgw_status pio_finish_open(pgw_conn *c, pgw_status rc, pgw_portal *p, pgw_portal **out)
{
    if (rc != PGW_OK)
        return rc;
    rc = pio_wait(p, c);
    if (rc != PGW_OK) {
        pgw_portal_free(p);
        return rc;
    }
    *out = p;
    return PGW_OK;
}

pgw_status pgw_portal_open(pgw_conn *c, const char *name, const char *sql, const pgw_param *params,
                           size_t nparams, pgw_portal **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c == NULL)
        return PGW_E_INVALID;
    pgw_status rc = pio_need_transport(c);
    if (rc != PGW_OK)
        return rc;
    pgw_portal *p = NULL;
    rc = pgw_portal_open_send(c, name, sql, params, nparams, NULL, 0, &p);
    return pio_finish_open(c, rc, p, out);
}

pgw_status pgw_portal_open_stmt(pgw_stmt *st, const char *name, const pgw_param *params,
                                size_t nparams, pgw_portal **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (st == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = st->c;
    pgw_status rc = pio_need_transport(c);
    if (rc != PGW_OK)
        return rc;
    pgw_portal *p = NULL;
    rc = pgw_portal_open_stmt_send(st, name, params, nparams, NULL, 0, &p);
    return pio_finish_open(c, rc, p, out);
}

pgw_status pgw_portal_fetch(pgw_portal *p, size_t max_rows, pgw_cursor **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (p == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = pgw_portal_conn(p);
    pgw_status rc = pio_need_transport(c);
    if (rc != PGW_OK)
        return rc;
    pgw_cursor *cur = NULL;
    rc = pgw_portal_fetch_send(p, max_rows, &cur);
    return pgwi_io_first_result(c, rc, cur, out);
}

pgw_status pgw_portal_close(pgw_portal *p)
{
    if (p == NULL)
        return PGW_E_INVALID;
    pgw_conn *c = pgw_portal_conn(p);
    pgw_status rc = pio_need_transport(c);
    if (rc != PGW_OK)
        return rc;
    rc = pgw_portal_close_send(p);
    if (rc != PGW_OK)
        return rc;
    return pio_wait(p, c);
}
