/* pgw --trace: connect with a protocol trace from the first message. */
#ifndef PGWIRE_TOOLS_PGW_TRACE_CONNECT_H
#define PGWIRE_TOOLS_PGW_TRACE_CONNECT_H

#include "pgwire.h"

/** pgw_connect() with `fn` set as the trace callback before any byte is
 * sent: pgw_connect_start(), then pgw_connect_poll() under poll(2) with the
 * connect_timeout deadline. Returns and fills *out as pgw_connect() does. */
pgw_status pgwc_connect_traced(pgw_conn **out, const pgw_conn_options *opt, pgw_trace_fn fn,
                               void *ud);

#endif
