/* LISTEN/NOTIFY: one connection listens, another notifies; the listener
 * waits for each notification with a timeout and prints it.
 *
 * usage: listen CONNINFO [CHANNEL] */
#include <stdio.h>
#include <string.h>

#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, c != NULL ? pgw_conn_errmsg(c) : "out of memory");
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: listen CONNINFO [CHANNEL]\n");
        return 2;
    }
    const char *channel = argc > 2 ? argv[2] : "jobs";
    pgw_conn *listener = NULL, *notifier = NULL;
    if (pgw_connect_str(&listener, argv[1]) != PGW_OK) {
        int rc = fail(listener, "connect");
        pgw_conn_free(listener);
        return rc;
    }
    if (pgw_connect_str(&notifier, argv[1]) != PGW_OK) {
        int rc = fail(notifier, "connect");
        pgw_conn_free(notifier);
        pgw_close(listener);
        return rc;
    }

    /* Quote the channel as an identifier: it is a name, not a string. */
    char sql[512];
    snprintf(sql, sizeof sql, "LISTEN \"%s\"", channel);
    if (pgw_exec(listener, sql, NULL) != PGW_OK)
        return fail(listener, "LISTEN");
    printf("listening on \"%s\"\n", channel);

    /* pg_notify() takes the channel and payload as values. */
    const char *payloads[] = {"first job", "Grüße aus Köln", ""};
    for (size_t i = 0; i < 3; i++) {
        pgw_param p[2] = {{0, PGW_FORMAT_TEXT, channel, strlen(channel)},
                          {0, PGW_FORMAT_TEXT, payloads[i], strlen(payloads[i])}};
        if (pgw_exec_params(notifier, "SELECT pg_notify($1, $2)", p, 2, NULL) != PGW_OK)
            return fail(notifier, "pg_notify");
    }

    /* Wait for each one: up to 5 s, reading the socket while idle. */
    for (;;) {
        pgw_notification n;
        pgw_status rc = pgw_wait_notification(listener, 5000, &n);
        if (rc == PGW_E_TIMEOUT)
            break;
        if (rc != PGW_OK)
            return fail(listener, "wait");
        printf("notification on \"%s\" with payload \"%s\" from %s\n", n.channel, n.payload,
               n.pid == pgw_conn_backend_pid(notifier) ? "the notifier" : "someone else");
        /* The last payload is empty: done. */
        if (n.payload_len == 0)
            break;
    }
    pgw_notification n;
    pgw_status rc = pgw_wait_notification(listener, 200, &n);
    printf("then: %s\n", rc == PGW_E_TIMEOUT ? "nothing more within 200 ms" : pgw_status_name(rc));
    printf("dropped: %llu\n", (unsigned long long)pgw_conn_notifications_dropped(listener));
    pgw_close(notifier);
    pgw_close(listener);
    return 0;
}
