/* What the connection does between queries: dispatching pgw_conn_step()
 * (startup, or idle), skipping results owed to freed cursors, and handling
 * messages that arrive while nobody asked for anything. */
#include "conn/conn_int.h"
#include "conn/pipeline_int.h"

/* Frames owed to freed cursors, and asynchronous messages while idle. */
pgw_status pgwi_conn_drain(pgw_conn *c)
{
    for (;;) {
        if (c->abandoned == 0 && c->active == NULL && c->state == PGW_CONN_BUSY)
            c->state = PGW_CONN_IDLE;
        /* Nothing owed and a cursor waiting: what comes next is its. */
        if (c->abandoned == 0 && c->active != NULL)
            return PGW_OK;
        pgw_frame f;
        size_t used;
        pgw_status rc = pgwi_conn_peek(c, &f, &used);
        if (rc == PGW_WANT_READ) {
            if (c->abandoned == 0)
                return c->out.len > 0 ? PGW_WANT_WRITE : PGW_OK;
            return pgwi_conn_want(c);
        }
        if (rc != PGW_OK)
            return rc;
        if (c->abandoned == 0) {
            /* Idle: only asynchronous messages may arrive. A FATAL error
             * (e.g. the backend was terminated) precedes the server closing
             * the connection. */
            if (f.tag == PGW_BE_ERROR_RESPONSE) {
                pgwi_conn_consume(c, used);
                rc = pgwi_conn_server_error(c, &f, PGW_E_CLOSED);
                c->state = PGW_CONN_BROKEN;
                c->tx = 0;
                return rc;
            }
            rc = pgwi_conn_async(c, &f);
            if (rc == PGW_END)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "unexpected message type 0x%02x while idle", f.tag);
            pgwi_conn_consume(c, used);
            if (rc != PGW_OK)
                return rc;
            continue;
        }
        pgwi_conn_consume(c, used);
        switch (f.tag) {
        case PGW_BE_READY_FOR_QUERY: {
            char st;
            if (pgw_parse_ready_for_query(&f, &st) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "ReadyForQuery: malformed message");
            c->tx = st;
            c->abandoned--;
            c->abandoned_ext >>= 1;
            break;
        }
        case PGW_BE_COPY_IN_RESPONSE:
            if (pgw_build_copy_fail(&c->out, "query abandoned by the client") != PGW_OK ||
                ((c->abandoned_ext & 1u) != 0 && pgw_build_sync(&c->out) != PGW_OK))
                return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
            break;
        case PGW_BE_ERROR_RESPONSE:
            /* The abandoned query failed; nobody is listening for it, but a
             * FATAL one means the server is going away. */
            if (pgwi_error_is_fatal(&f)) {
                rc = pgwi_conn_server_error(c, &f, PGW_E_CLOSED);
                c->state = PGW_CONN_BROKEN;
                c->tx = 0;
                return rc;
            }
            break;
        case PGW_BE_ROW_DESCRIPTION:
        case PGW_BE_DATA_ROW:
        case PGW_BE_COMMAND_COMPLETE:
        case PGW_BE_EMPTY_QUERY_RESPONSE:
        case PGW_BE_COPY_OUT_RESPONSE:
        case PGW_BE_COPY_DATA:
        case PGW_BE_COPY_DONE:
        case PGW_BE_PARSE_COMPLETE:
        case PGW_BE_BIND_COMPLETE:
        case PGW_BE_CLOSE_COMPLETE:
        case PGW_BE_PARAMETER_DESCRIPTION:
        case PGW_BE_NO_DATA:
        case PGW_BE_PORTAL_SUSPENDED:
        case PGW_BE_FUNCTION_CALL_RESPONSE:
            break;
        default:
            rc = pgwi_conn_async(c, &f);
            if (rc == PGW_END)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected message type 0x%02x", f.tag);
            if (rc != PGW_OK)
                return rc;
        }
    }
}

pgw_status pgw_conn_step(pgw_conn *c)
{
    switch (c->state) {
    case PGW_CONN_BROKEN:
        return c->err.status;
    case PGW_CONN_CLOSED:
        return PGW_E_CLOSED;
    case PGW_CONN_NEW:
        return PGW_E_STATE;
    case PGW_CONN_STARTUP:
        return pgwi_startup_step(c);
    case PGW_CONN_BUSY:
        if (c->pipe != NULL)
            return pgwi_pipe_step(c);
        if (c->active != NULL)
            return PGW_E_STATE;
        return pgwi_conn_drain(c);
    case PGW_CONN_IDLE:
        return pgwi_conn_drain(c);
    }
    return PGW_E_STATE;
}
