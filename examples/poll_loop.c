/* Driving the engine from your own poll loop: the non-blocking API.
 *
 * pgw_connect() is used for the socket here for brevity; after that every
 * call is non-blocking and the program waits with poll(2) itself, the way
 * an event loop would.  Usage: poll_loop [CONNINFO] */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgwire.h"

/* Move bytes between the socket and the engine once. */
static int pump(pgw_conn *c, pgw_status want)
{
    struct pollfd p = {.fd = pgw_conn_fd(c), .events = want == PGW_WANT_WRITE ? POLLOUT : POLLIN};
    if (poll(&p, 1, 10000) <= 0)
        return -1;
    /* pgw_conn_pump does the read/write for the descriptor we polled. */
    return pgw_conn_pump(c, want) < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argc > 1 ? argv[1] : getenv("PGW_DEMO_CONNINFO")) != PGW_OK) {
        fprintf(stderr, "connect: %s\n", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        return 1;
    }
    pgw_cursor *cur = NULL;
    if (pgw_query_send(c, "SELECT g, g * g FROM generate_series(1, 5) g", &cur) != PGW_OK)
        return 1;
    pgw_status rc;
    for (;;) {
        rc = pgw_cursor_recv(cur);
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
            if (pump(c, rc) < 0)
                break;
            continue;
        }
        if (rc != PGW_OK)
            break;
        int64_t a, b;
        pgw_cursor_int64(cur, 0, &a);
        pgw_cursor_int64(cur, 1, &b);
        printf("%lld squared is %lld\n", (long long)a, (long long)b);
    }
    int ok = rc == PGW_END;
    if (!ok)
        fprintf(stderr, "query: %s\n", pgw_conn_errmsg(c));
    pgw_cursor_free(cur);
    pgw_close(c);
    return ok ? 0 : 1;
}
