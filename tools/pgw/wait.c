/* pgw --wait, pg_isready for scripts: the same answer and exit status as
 * pg_isready (libpq's PQping), but retried until the server answers or the
 * timeout passes, which is what a compose file or CI job waiting for its
 * database wants.
 *
 * PQping's rules: the server is up ("accepting") when the connection
 * works, when authentication fails (the server asked for it), and when it
 * sends any error other than 57P03 ("the database system is starting up",
 * "... is shutting down": "rejecting"). No answer at all is "no
 * response"; options that cannot be used are "no attempt". */
#include "wait.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgwire.h"

#include "text.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One attempt, classified as PQping does. */
static int ping(const char *conninfo, long connect_timeout, char *where, size_t wlen)
{
    pgwc_str ci;
    pgwc_str_init(&ci);
    pgwc_str_puts(&ci, conninfo);
    if (connect_timeout > 0) {
        pgwc_str_puts(&ci, " connect_timeout=");
        pgwc_str_putu(&ci, (unsigned long long)connect_timeout);
    }
    if (ci.failed) {
        pgwc_str_free(&ci);
        return PGWC_WAIT_NO_ATTEMPT;
    }
    pgw_conn_options co;
    pgw_conn_options_init(&co);
    co.conninfo = ci.data;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &co);
    pgwc_str_free(&ci);
    if (c != NULL) {
        /* pg_isready shows hostaddr when given, else host (the default
         * socket directory when there is none) */
        const char *h = pgw_conn_option(c, "hostaddr");
        if (h == NULL || *h == '\0')
            h = pgw_conn_option(c, "host");
        if (h == NULL || *h == '\0')
            h = "/var/run/postgresql";
        const char *p = pgw_conn_option(c, "port");
        snprintf(where, wlen, "%s:%s", h, p != NULL && *p ? p : "5432");
    }
    const pgw_error *e = c != NULL ? pgw_conn_error(c) : NULL;
    int st;
    if (rc == PGW_OK || rc == PGW_E_AUTH)
        st = PGWC_WAIT_ACCEPTING;
    else if (e != NULL && e->sqlstate[0] != '\0')
        st = strcmp(e->sqlstate, "57P03") == 0 ? PGWC_WAIT_REJECTING : PGWC_WAIT_ACCEPTING;
    else if (rc == PGW_E_INVALID && c != NULL && strstr(pgw_conn_errmsg(c), "\"port\"") != NULL)
        st = PGWC_WAIT_NO_RESPONSE; /* libpq checks the port only when it connects */
    else if (rc == PGW_E_INVALID || rc == PGW_E_NOMEM || rc == PGW_E_UNSUPPORTED)
        st = PGWC_WAIT_NO_ATTEMPT;
    else
        st = PGWC_WAIT_NO_RESPONSE;
    pgw_close(c);
    return st;
}

int pgwc_wait(const char *conninfo, double timeout_s, bool quiet)
{
    char err[512];
    if (pgw_conninfo_check(conninfo, err, sizeof err) != PGW_OK) {
        /* pg_isready stops on a connection string it cannot parse */
        fprintf(stderr, "pgw: error: %s\n", err);
        return PGWC_WAIT_NO_ATTEMPT;
    }
    double deadline = now_s() + timeout_s;
    char where[512] = "";
    int st;
    for (;;) {
        long left = 0;
        if (timeout_s > 0) {
            double l = deadline - now_s();
            left = l < 1 ? 1 : (long)(l + 0.999);
        }
        st = ping(conninfo, left, where, sizeof where);
        if (st == PGWC_WAIT_ACCEPTING || st == PGWC_WAIT_NO_ATTEMPT)
            break;
        if (timeout_s > 0 && now_s() + 0.25 >= deadline)
            break;
        pause_ms(250);
    }
    if (!quiet) {
        static const char *const words[] = {"accepting connections", "rejecting connections",
                                            "no response", "no attempt"};
        printf("%s - %s\n", where[0] ? where : "/var/run/postgresql:5432", words[st]);
        fflush(stdout);
    }
    return st;
}
