/* Cancelling queries: a query timeout that cancels for you, a cancel
 * handle fired from a signal handler, and a cancel connection used from
 * another thread. Each cancelled query fails with SQLSTATE 57014 and the
 * connection goes on working.
 *
 * usage: cancel CONNINFO */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pgwire.h"

/* What the signal handler may touch: the handle (firing it is
 * async-signal-safe) and a buffer for its error message. */
static pgw_cancel_handle *g_handle;
static char g_errbuf[256];

static void on_alarm(int sig)
{
    (void)sig;
    (void)pgw_cancel_handle_fire(g_handle, g_errbuf, sizeof g_errbuf);
}

static void report(pgw_conn *c, const char *label, pgw_status rc)
{
    if (rc == PGW_E_SERVER)
        printf("%s: %s, SQLSTATE %s\n", label, pgw_status_name(rc), pgw_conn_error(c)->sqlstate);
    else
        printf("%s: %s %s\n", label, pgw_status_name(rc), rc == PGW_OK ? "" : pgw_conn_errmsg(c));
}

static void still_usable(pgw_conn *c)
{
    pgw_result *r = NULL;
    pgw_status rc = pgw_query_result(c, "SELECT 'still usable'", &r);
    printf("  then: %s\n", rc == PGW_OK ? pgw_result_text(r, 0, 0) : pgw_conn_errmsg(c));
    pgw_result_free(r);
}

static void *cancel_later(void *arg)
{
    pgw_cancel_conn *cc = arg;
    struct timespec ts = {0, 300 * 1000000L};
    nanosleep(&ts, NULL);
    pgw_status rc = pgw_cancel(cc); /* TLS when the session uses TLS */
    if (rc != PGW_OK)
        fprintf(stderr, "cancel: %s\n", pgw_cancel_errmsg(cc));
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: cancel CONNINFO\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK) {
        fprintf(stderr, "connect: %s\n", c != NULL ? pgw_conn_errmsg(c) : "out of memory");
        pgw_conn_free(c);
        return 1;
    }

    /* 1. A query timeout: after 300 ms without an answer, the blocking API
     * sends a cancel itself and reads on until the query has ended. */
    pgw_conn_set_query_timeout(c, 300);
    report(c, "query timeout", pgw_exec(c, "SELECT pg_sleep(30)", NULL));
    still_usable(c);
    pgw_conn_set_query_timeout(c, 0);

    /* 2. A handle prepared in advance, fired from a SIGALRM handler. */
    if (pgw_cancel_handle_new(c, &g_handle) != PGW_OK) {
        fprintf(stderr, "cancel handle: %s\n", pgw_conn_errmsg(c));
        pgw_close(c);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    report(c, "signal handler", pgw_exec(c, "SELECT pg_sleep(30)", NULL));
    if (g_errbuf[0] != '\0')
        fprintf(stderr, "%s\n", g_errbuf);
    still_usable(c);
    pgw_cancel_handle_free(g_handle);

    /* 3. A cancel connection, used from another thread. */
    pgw_cancel_conn *cc = NULL;
    if (pgw_cancel_conn_new(c, &cc) != PGW_OK) {
        fprintf(stderr, "cancel connection: %s\n", pgw_conn_errmsg(c));
        pgw_close(c);
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, cc);
    report(c, "other thread", pgw_exec(c, "SELECT pg_sleep(30)", NULL));
    pthread_join(t, NULL);
    still_usable(c);
    pgw_cancel_conn_free(cc);
    pgw_close(c);
    return 0;
}
