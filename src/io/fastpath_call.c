/* The blocking form of the fast-path interface: a loop over the engine's
 * pgw_fastpath_send() / pgw_fastpath_recv(). */
#include "pgwire/fastpath.h"

#include "io/io_int.h"

pgw_status pgw_fastpath_call(pgw_conn *c, uint32_t fn_oid, const pgw_param *args, size_t nargs,
                             int16_t result_format, pgw_buf *result, bool *is_null)
{
    if (is_null != NULL)
        *is_null = false;
    if (c == NULL)
        return PGW_E_INVALID;
    if (c->io == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
    pgw_fastpath *fp;
    pgw_status rc = pgw_fastpath_send(c, fn_oid, args, nargs, result_format, &fp);
    if (rc != PGW_OK)
        return rc;
    for (;;) {
        rc = pgw_fastpath_recv(fp);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            break;
        pgw_status prc = pgw_conn_pump(c, rc);
        if (prc < 0) {
            rc = prc;
            break;
        }
    }
    if (rc == PGW_OK) {
        const uint8_t *p;
        size_t len;
        pgw_status vr = pgw_fastpath_result(fp, &p, &len);
        if (vr == PGW_E_NULL) {
            if (is_null != NULL)
                *is_null = true;
        } else if (result != NULL && len > 0 && pgw_buf_append(result, p, len) != PGW_OK) {
            rc = pgwi_conn_refuse(c, PGW_E_NOMEM, "out of memory");
        }
    }
    pgw_fastpath_free(fp);
    return rc;
}
