/* pgw --trace: the non-blocking connect, so the trace callback is in place
 * before the StartupMessage goes out (a blocking pgw_connect() returns
 * only when the login is over). */
#include <errno.h>
#include <poll.h>

#include "trace_connect.h"

pgw_status pgwc_connect_traced(pgw_conn **out, const pgw_conn_options *opt, pgw_trace_fn fn,
                               void *ud)
{
    pgw_status rc = pgw_connect_start(out, opt);
    if (rc != PGW_OK)
        return rc;
    pgw_conn_set_trace(*out, fn, ud);
    for (;;) {
        rc = pgw_connect_poll(*out);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        struct pollfd p = {.fd = pgw_conn_fd(*out),
                           .events = rc == PGW_WANT_READ ? POLLIN : POLLOUT,
                           .revents = 0};
        /* On a timeout the next poll fails the attempt and moves on. */
        if (poll(&p, 1, pgw_connect_remaining_ms(*out)) < 0 && errno != EINTR)
            return pgw_connect_poll(*out);
    }
}
