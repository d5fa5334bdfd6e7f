/* pgw_reset(): a new session with the settings of the old one, as libpq's
 * reset call does — for a connection that broke, or one whose session state
 * should be thrown away. */
#include "io/io_int.h"
#include "io/multihost.h"
#include "pgwire/pipeline.h"

pgw_status pgw_reset(pgw_conn *c)
{
    if (c == NULL)
        return PGW_E_INVALID;
    if (c->io == NULL || pgwi_connector_of(c) == NULL)
        return pgwi_conn_refuse(c, PGW_E_STATE,
                                "pgw_reset: the connection was not made by pgw_connect()");
    /* Cursors, statements in flight and pipelines hold state of the old
     * session that the new one cannot honour: the caller ends them first. */
    if (c->active != NULL || pgw_conn_in_pipeline(c))
        return pgwi_conn_refuse(c, PGW_E_STATE,
                                "pgw_reset: a query is in progress (free its cursor first)");
    if (c->state == PGW_CONN_IDLE && pgw_conn_terminate(c) == PGW_OK) {
        /* A polite goodbye, bounded: the old server may be gone. */
        int saved = c->io_timeout_ms;
        c->io_timeout_ms = 1000;
        (void)pgw_conn_pump(c, PGW_OK);
        c->io_timeout_ms = saved;
    }
    return pgwi_connect_again(c);
}
