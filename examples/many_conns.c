/* Many connections from one thread: each connects without blocking
 * (pgw_connect_start / pgw_connect_poll) and runs a few queries with the
 * engine's non-blocking calls, while one poll(2) — or epoll(7) on Linux
 * with --epoll — waits for all of them. The queries sleep 50 ms each on
 * the server, so the wall time shows how much they overlapped.
 *
 * Usage: many_conns [-n CONNECTIONS] [-q QUERIES] [--epoll] [CONNINFO]
 *        (CONNINFO defaults to $PGW_DEMO_CONNINFO, then the PG* variables)
 * Prints one line per connection, "conn I: V V V" with the values its
 * queries returned (I * QUERIES + 1 ... I * QUERIES + QUERIES), then the
 * wall time. Exit status 0 when every connection got every right value. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef __linux__
#include <sys/epoll.h>
#include <unistd.h>
#endif

#include "pgwire.h"

enum phase { CONNECTING, SEND, ROWS, NEXT_RESULT, DONE, FAILED };

typedef struct slot {
    int id;
    pgw_conn *c;
    pgw_cursor *cur;
    enum phase phase;
    int done_queries;
    long values[16];
    int fd;       /* as registered with epoll */
    short events; /* as registered, or asked for */
} slot;

static int nqueries = 3;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static short fail(slot *s, const char *what)
{
    fprintf(stderr, "conn %d: %s: %s\n", s->id, what, pgw_conn_errmsg(s->c));
    s->phase = FAILED;
    return 0;
}

/* Move bytes for a cursor that asked for I/O: the events to wait for, or
 * -1 to go on stepping (input arrived). */
static int io(slot *s)
{
    pgw_status f = pgw_conn_flush(s->c);
    if (f < 0)
        return 0;
    if (f == PGW_WANT_WRITE)
        return POLLOUT | POLLIN;
    pgw_status r = pgw_conn_consume_input(s->c);
    if (r == PGW_OK)
        return -1;
    return r == PGW_WANT_READ ? POLLIN : 0;
}

/* Advance one connection as far as it goes without waiting. Returns the
 * poll events it waits for, or 0 when it is done (or failed). */
static short step(slot *s)
{
    for (;;) {
        pgw_status rc;
        switch (s->phase) {
        case CONNECTING:
            rc = pgw_connect_poll(s->c);
            if (rc == PGW_WANT_READ)
                return POLLIN;
            if (rc == PGW_WANT_WRITE)
                return POLLOUT;
            if (rc != PGW_OK)
                return fail(s, "connect");
            s->phase = SEND;
            break;
        case SEND: {
            if (s->done_queries == nqueries) {
                s->phase = DONE;
                return 0;
            }
            char sql[96];
            snprintf(sql, sizeof sql, "SELECT pg_sleep(0.05), %d",
                     s->id * nqueries + s->done_queries + 1);
            if (pgw_query_send(s->c, sql, &s->cur) != PGW_OK)
                return fail(s, "query");
            s->phase = ROWS;
            break;
        }
        case ROWS:
        case NEXT_RESULT:
            rc = s->phase == ROWS ? pgw_cursor_recv(s->cur) : pgw_cursor_recv_result(s->cur);
            if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
                int ev = io(s);
                if (ev == 0)
                    return fail(s, "I/O");
                if (ev > 0)
                    return (short)ev;
                break;
            }
            if (rc == PGW_OK && s->phase == ROWS) {
                int64_t v = 0;
                if (pgw_cursor_int64(s->cur, 1, &v) != PGW_OK)
                    return fail(s, "value");
                s->values[s->done_queries] = (long)v;
                break;
            }
            if (rc == PGW_END && s->phase == ROWS) {
                s->phase = NEXT_RESULT;
                break;
            }
            if (rc == PGW_END) { /* ReadyForQuery: the query is over */
                pgw_cursor_free(s->cur);
                s->cur = NULL;
                s->done_queries++;
                s->phase = SEND;
                break;
            }
            if (rc != PGW_OK)
                return fail(s, "result");
            break; /* the next result of a multi-statement query */
        case DONE:
        case FAILED:
            return 0;
        }
    }
}

/* A connection that finished closes at once: behind a session-mode
 * pooler (pgbouncer) its server connection then serves the next client. */
static void finish(slot *s)
{
    if (s->events != 0 || s->c == NULL)
        return;
    pgw_cursor_free(s->cur);
    s->cur = NULL;
    pgw_close(s->c);
    s->c = NULL;
}

/* The poll(2) loop: one pollfd per live connection, rebuilt each round
 * (descriptors change while connecting). */
static int run_poll(slot *slots, int n)
{
    struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
    int *who = calloc((size_t)n, sizeof *who);
    if (pfd == NULL || who == NULL)
        return -1;
    for (;;) {
        int live = 0, timeout = 10000;
        for (int i = 0; i < n; i++) {
            if (slots[i].events == 0)
                continue;
            pfd[live] = (struct pollfd){.fd = pgw_conn_fd(slots[i].c), .events = slots[i].events};
            who[live++] = i;
            int left = pgw_connect_remaining_ms(slots[i].c);
            if (left >= 0 && left < timeout)
                timeout = left;
        }
        if (live == 0)
            break;
        int r = poll(pfd, (nfds_t)live, timeout);
        if (r < 0 && errno != EINTR)
            return -1;
        for (int k = 0; k < live; k++) {
            slot *s = &slots[who[k]];
            /* Ready, or a connect deadline to act on. */
            if (pfd[k].revents != 0 || (s->phase == CONNECTING &&
                                        pgw_connect_remaining_ms(s->c) == 0)) {
                s->events = step(s);
                finish(s);
            }
        }
    }
    free(pfd);
    free(who);
    return 0;
}

#ifdef __linux__
/* The same with epoll, level-triggered: a descriptor is re-registered when
 * it or the events wanted change. */
static void watch(int ep, slot *s)
{
    int fd = s->events != 0 && s->c != NULL ? pgw_conn_fd(s->c) : -1;
    if (fd != s->fd && s->fd >= 0)
        (void)epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL); /* may be closed already */
    if (fd < 0) {
        s->fd = -1;
        return;
    }
    struct epoll_event e = {.events = (s->events & POLLIN ? EPOLLIN : 0u) |
                                      (s->events & POLLOUT ? EPOLLOUT : 0u),
                            .data.ptr = s};
    if (fd != s->fd) {
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) != 0)
            (void)epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    } else {
        (void)epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    }
    s->fd = fd;
}

static int run_epoll(slot *slots, int n)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return -1;
    for (int i = 0; i < n; i++)
        watch(ep, &slots[i]);
    struct epoll_event ev[64];
    for (;;) {
        int live = 0, timeout = 10000;
        for (int i = 0; i < n; i++) {
            if (slots[i].events == 0)
                continue;
            live++;
            int left = pgw_connect_remaining_ms(slots[i].c);
            if (left >= 0 && left < timeout)
                timeout = left;
        }
        if (live == 0)
            break;
        int r = epoll_wait(ep, ev, 64, timeout);
        if (r < 0 && errno != EINTR) {
            close(ep);
            return -1;
        }
        for (int k = 0; k < r; k++) {
            slot *s = ev[k].data.ptr;
            if (s->c == NULL)
                continue; /* finished earlier in this batch */
            s->events = step(s);
            watch(ep, s);
            finish(s);
        }
        for (int i = 0; i < n; i++) {
            slot *s = &slots[i];
            if (s->events != 0 && s->phase == CONNECTING && pgw_connect_remaining_ms(s->c) == 0) {
                s->events = step(s);
                watch(ep, s);
                finish(s);
            }
        }
    }
    close(ep);
    return 0;
}
#endif

int main(int argc, char **argv)
{
    int n = 100;
    int use_epoll = 0;
    const char *conninfo = getenv("PGW_DEMO_CONNINFO");
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            n = atoi(argv[++i]);
        else if (strcmp(argv[i], "-q") == 0 && i + 1 < argc)
            nqueries = atoi(argv[++i]);
        else if (strcmp(argv[i], "--epoll") == 0)
            use_epoll = 1;
        else
            conninfo = argv[i];
    }
    if (n < 1 || n > 10000 || nqueries < 1 || nqueries > 16) {
        fprintf(stderr, "usage: many_conns [-n 1..10000] [-q 1..16] [--epoll] [CONNINFO]\n");
        return 2;
    }
#ifndef __linux__
    if (use_epoll) {
        fprintf(stderr, "--epoll needs Linux\n");
        return 2;
    }
#endif
    slot *slots = calloc((size_t)n, sizeof *slots);
    if (slots == NULL)
        return 1;
    double t0 = now_s();
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = conninfo;
    for (int i = 0; i < n; i++) {
        slot *s = &slots[i];
        s->id = i;
        s->fd = -1;
        if (pgw_connect_start(&s->c, &o) != PGW_OK) {
            fprintf(stderr, "conn %d: %s\n", i, s->c != NULL ? pgw_conn_errmsg(s->c) : "out of memory");
            s->phase = FAILED;
            pgw_conn_free(s->c);
            s->c = NULL;
            continue;
        }
        s->events = step(s); /* opens the socket */
        finish(s);
    }
    int rc;
#ifdef __linux__
    rc = use_epoll ? run_epoll(slots, n) : run_poll(slots, n);
#else
    rc = run_poll(slots, n);
#endif
    double took = now_s() - t0;
    int good = 0;
    for (int i = 0; i < n; i++) {
        slot *s = &slots[i];
        int ok = s->phase == DONE;
        printf("conn %d:", i);
        for (int q = 0; q < s->done_queries; q++) {
            printf(" %ld", s->values[q]);
            ok = ok && s->values[q] == (long)i * nqueries + q + 1;
        }
        printf("%s\n", ok ? "" : " FAILED");
        good += ok;
    }
    printf("%d of %d connections ran %d queries each correctly (%s)\n", good, n, nqueries,
           use_epoll ? "epoll" : "poll");
    printf("wall time %.2f s; one connection after another would take at least %.2f s\n", took,
           0.05 * n * nqueries);
    free(slots);
    return rc == 0 && good == n ? 0 : 1;
}
