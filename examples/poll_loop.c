/* Driving pgwire from your own poll loop: every call below returns at once,
 * and the program does all the waiting itself with poll(2), the way an
 * event loop would (pgwire/nonblock.h). examples/many_conns.c does the same
 * for a hundred connections at a time.
 * Usage: poll_loop [CONNINFO] */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

#include "pgwire.h"

/* Wait until the connection's socket is ready for what it asked. */
static int wait_for(pgw_conn *c, pgw_status want, int timeout_ms)
{
    struct pollfd p = {.fd = pgw_conn_fd(c), .events = want == PGW_WANT_WRITE ? POLLOUT : POLLIN};
    return poll(&p, 1, timeout_ms) < 0 ? -1 : 0;
}

/* Move bytes once for an engine call that answered PGW_WANT_READ/WRITE. */
static int pump(pgw_conn *c)
{
    pgw_status w = pgw_conn_wants(c); /* output pending, or a reply awaited? */
    if (w == PGW_WANT_WRITE && pgw_conn_flush(c) == PGW_WANT_WRITE)
        return wait_for(c, PGW_WANT_WRITE, 10000);
    if (w < 0)
        return -1;
    pgw_status r = pgw_conn_consume_input(c);
    if (r == PGW_WANT_READ)
        return wait_for(c, PGW_WANT_READ, 10000);
    return r < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = argc > 1 ? argv[1] : getenv("PGW_DEMO_CONNINFO");
    pgw_conn *c = NULL;
    /* Connect step by step; the socket may change between hosts. */
    pgw_status rc = pgw_connect_start(&c, &o);
    while (rc == PGW_OK || rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
        if (rc != PGW_OK && wait_for(c, rc, pgw_connect_remaining_ms(c)) < 0)
            break;
        rc = pgw_connect_poll(c);
        if (rc == PGW_OK)
            break;
    }
    if (rc != PGW_OK) {
        fprintf(stderr, "connect: %s\n", c != NULL ? pgw_conn_errmsg(c) : "out of memory");
        pgw_conn_free(c);
        return 1;
    }
    pgw_cursor *cur = NULL;
    if (pgw_query_send(c, "SELECT g, g * g FROM generate_series(1, 5) g", &cur) != PGW_OK)
        return 1;
    for (;;) {
        rc = pgw_cursor_recv(cur);
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
            if (pump(c) < 0)
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
