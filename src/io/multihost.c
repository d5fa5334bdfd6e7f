/* The host list loop (libpq's try_next_host), target_session_attrs, and
 * load_balance_hosts=random. Kept out of blocking.c so the one-host path
 * stays readable. */
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include "conn/conninfo_int.h"
#include "io/multihost.h"

/* load_balance_hosts=random: Fisher-Yates with the kernel's generator.
 * The bias of `% k` over 32 random bits is below 2^-24 for any sane host
 * count; when no randomness is available the given order stands. */
static void shuffle(pgwi_hosts *h)
{
    for (size_t i = h->n; i > 1; i--) {
        uint32_t r;
        ssize_t got;
        do
            got = getrandom(&r, sizeof r, GRND_NONBLOCK);
        while (got < 0 && errno == EINTR);
        if (got != (ssize_t)sizeof r)
            return;
        size_t j = (size_t)r % i;
        pgwi_host t = h->v[i - 1];
        h->v[i - 1] = h->v[j];
        h->v[j] = t;
    }
}

/* Forget the last server: close its transport and put the engine back in
 * its first state, as for libpq's next connhost entry. */
static void reset_for_next(pgw_conn *c, pgwi_io *io, bool attempt_tls)
{
    if (io->handle != NULL) {
        io->t.close(io->handle);
        io->handle = NULL;
    }
    io->write_failed = false;
    io->drained = false;
    pgwi_conn_restart(c);
    pgwi_conn_clear_error(c);
    /* A Unix-socket host turned TLS off for itself only. */
    c->unix_socket = false;
    c->attempt_tls = attempt_tls;
}

/* Ask the server what pgwi_tsa_check wants to know; false when the query
 * failed (libpq then rejects the server). */
static bool ask(pgw_conn *c, const char *query, int timeout, pgwi_tribool *hs, pgwi_tribool *ro)
{
    int saved = c->io_timeout_ms;
    if (timeout > 0)
        c->io_timeout_ms = timeout;
    pgw_result *r = NULL;
    pgw_status rc = pgw_query_result(c, query, &r);
    c->io_timeout_ms = saved;
    const char *v = rc == PGW_OK && pgw_result_nrows(r) == 1 ? pgw_result_text(r, 0, 0) : NULL;
    if (v != NULL)
        pgwi_tsa_note_answer(query, v, hs, ro);
    pgw_result_free(r);
    return v != NULL;
}

/* Is this server what target_session_attrs asks for? PGW_OK, or the
 * connection broken with libpq's reason after a polite Terminate. */
static pgw_status check_target(pgw_conn *c, pgwi_io *io, pgwi_tsa want, int timeout)
{
    if (want == PGWI_TSA_ANY)
        return PGW_OK;
    /* PostgreSQL 14+ reports both at startup and on every change. */
    pgwi_tribool hs = pgwi_tribool_from_param(pgw_conn_parameter(c, "in_hot_standby"));
    pgwi_tribool ro =
        pgwi_tribool_from_param(pgw_conn_parameter(c, "default_transaction_read_only"));
    const char *query = NULL, *why = NULL;
    char failed[64];
    for (int round = 0; round < 2; round++) {
        why = pgwi_tsa_check(want, hs, ro, &query);
        if (query == NULL)
            break;
        if (!ask(c, query, timeout, &hs, &ro)) {
            /* libpq names the query without its schema here. */
            snprintf(failed, sizeof failed, "\"%s\" failed",
                     want == PGWI_TSA_READ_WRITE || want == PGWI_TSA_READ_ONLY
                         ? "SHOW transaction_read_only"
                         : "SELECT pg_is_in_recovery()");
            why = failed;
            break;
        }
    }
    if (why == NULL)
        return PGW_OK;
    const char *prefix = io->t.describe != NULL && io->handle != NULL
                             ? io->t.describe(io->handle)
                             : NULL;
    if (prefix == NULL)
        prefix = "connection to server failed: ";
    /* Close politely: the server should not log an unexpected EOF. */
    if (c->state == PGW_CONN_IDLE && pgw_conn_terminate(c) == PGW_OK) {
        int saved = c->io_timeout_ms;
        c->io_timeout_ms = timeout > 0 ? timeout : 1000;
        (void)pgw_conn_pump(c, PGW_OK);
        c->io_timeout_ms = saved;
    }
    pgwi_conn_clear_error(c);
    c->state = PGW_CONN_NEW; /* so that break records the new reason */
    return pgwi_conn_break(c, PGW_E_STATE, "%s%s", prefix, why);
}

pgw_status pgwi_connect_hosts(pgw_conn *c, pgwi_io *io, const pgw_transport_target *base,
                              int timeout)
{
    pgwi_hosts hosts;
    char errbuf[160];
    pgw_status rc = pgwi_hosts_parse(c->a, c->opt[PGWI_OPT_HOST], c->opt[PGWI_OPT_HOSTADDR],
                                     c->opt[PGWI_OPT_PORT], &hosts, errbuf, sizeof errbuf);
    if (rc != PGW_OK)
        return rc == PGW_E_NOMEM ? pgwi_conn_break(c, rc, "out of memory")
                                 : pgwi_conn_break(c, rc, "%s", errbuf);
    const char *lbh = c->opt[PGWI_OPT_LOAD_BALANCE_HOSTS];
    if (lbh != NULL && strcmp(lbh, "random") == 0)
        shuffle(&hosts);
    pgwi_tsa tsa = pgwi_tsa_from_option(c->opt[PGWI_OPT_TARGET_SESSION_ATTRS]);
    bool attempt_tls = c->attempt_tls;
    /* The engine's host options name the host being tried while it is
     * tried (TLS checks the certificate against it), then the lists again. */
    char *saved_host = c->opt[PGWI_OPT_HOST], *saved_addr = c->opt[PGWI_OPT_HOSTADDR],
         *saved_port = c->opt[PGWI_OPT_PORT];
    pgw_buf log;
    pgw_buf_init(&log, c->a, 0);
    size_t attempts = 0, before_last = 0;
    rc = PGW_E_IO;
    /* prefer-standby: a second pass accepts any server. */
    int passes = tsa == PGWI_TSA_PREFER_STANDBY ? 2 : 1;
    bool stop = false;
    for (int pass = 0; pass < passes && rc != PGW_OK && rc != PGW_E_NOMEM && !stop; pass++) {
        pgwi_tsa want = pass == 0 ? tsa : PGWI_TSA_ANY;
        for (size_t i = 0; i < hosts.n; i++) {
            if (attempts > 0)
                reset_for_next(c, io, attempt_tls);
            const pgwi_host *h = &hosts.v[i];
            pgw_transport_target t = *base;
            t.host = h->host;
            t.hostaddr = h->hostaddr;
            t.port = h->port[0] != '\0' ? h->port : "5432";
            c->opt[PGWI_OPT_HOST] = h->host;
            c->opt[PGWI_OPT_HOSTADDR] = h->hostaddr;
            c->opt[PGWI_OPT_PORT] = h->port;
            rc = pgwi_io_attempt_host(c, io, &t, timeout);
            if (rc == PGW_OK)
                rc = check_target(c, io, want, timeout);
            if (rc == PGW_OK)
                pgwi_io_note_target(io, &t);
            c->opt[PGWI_OPT_HOST] = saved_host;
            c->opt[PGWI_OPT_HOSTADDR] = saved_addr;
            c->opt[PGWI_OPT_PORT] = saved_port;
            attempts++;
            if (rc == PGW_OK || rc == PGW_E_NOMEM)
                break;
            /* Keep what this host said: the next attempt clears it. */
            before_last = log.len;
            if (log.len > 0)
                pgw_buf_append(&log, "\n", 1);
            const char *s = c->err.summary != NULL ? c->err.summary : "";
            pgw_buf_append(&log, s, strlen(s));
            /* libpq's documented rule: a server that was reached but
             * refused the login ends the search (a wrong password must not
             * fall through to the next host). */
            if (rc == PGW_E_SERVER || rc == PGW_E_AUTH) {
                stop = true;
                break;
            }
        }
    }
    if (rc != PGW_OK && rc != PGW_E_NOMEM && attempts > 1 && pgw_buf_status(&log) == PGW_OK &&
        before_last > 0) {
        /* libpq's report: one line per attempt, the last one's details
         * (SQLSTATE, errno) kept on the error. */
        log.len = before_last;
        pgw_buf_append(&log, "\n", 1);
        pgw_buf_append(&log, "", 1);
        if (pgw_buf_status(&log) == PGW_OK)
            pgwi_conn_prefix_error(c, (const char *)log.data);
    }
    pgw_buf_free(&log);
    pgwi_hosts_free(c->a, &hosts);
    return rc;
}
