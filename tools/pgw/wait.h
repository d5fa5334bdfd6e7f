/* pgw --wait: pg_isready's check, retried until a deadline. */
#ifndef PGWIRE_TOOLS_PGW_WAIT_H
#define PGWIRE_TOOLS_PGW_WAIT_H

#include <stdbool.h>

/** pg_isready's exit statuses (libpq's PGPing values). */
enum {
    PGWC_WAIT_ACCEPTING = 0, /**< the server accepts connections (or asked us to log in) */
    PGWC_WAIT_REJECTING = 1, /**< it answered but refuses connections (starting up) */
    PGWC_WAIT_NO_RESPONSE = 2,
    PGWC_WAIT_NO_ATTEMPT = 3 /**< bad parameters: nothing was tried */
};

/** Try to connect with `conninfo` until the server accepts or rejects
 * connections, or timeout_s seconds pass (0: no limit), pausing between
 * attempts. Unless quiet, print pg_isready's line ("HOST:PORT - accepting
 * connections", "- rejecting connections", "- no response", "- no
 * attempt") to stdout. @return one of the statuses above. */
int pgwc_wait(const char *conninfo, double timeout_s, bool quiet);

#endif
