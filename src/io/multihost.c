/* The connect step machine (multihost.h): the host list loop (libpq's
 * try_next_host), one attempt per host with sslmode allow/prefer's retry,
 * target_session_attrs, and load_balance_hosts=random. Both pgw_connect()
 * and pgw_connect_poll() run it; only the waiting differs. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <unistd.h>

#include "io/conninfo_io.h"
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
static void close_transport(pgwi_io *io)
{
    if (io->handle != NULL) {
        io->t.close(io->handle);
        io->handle = NULL;
    }
    io->write_failed = false;
    io->drained = false;
}

static void reset_for_next(pgw_conn *c, pgwi_io *io, bool attempt_tls)
{
    close_transport(io);
    pgwi_conn_restart(c);
    pgwi_conn_clear_error(c);
    /* A Unix-socket host turned TLS off for itself only. */
    c->unix_socket = false;
    c->attempt_tls = attempt_tls;
}

/* The engine's host options name the host being tried while it is tried
 * (TLS checks the certificate against it), then the lists again. */
static void restore_options(pgw_conn *c, pgwi_connector *cs)
{
    if (!cs->overridden)
        return;
    c->opt[PGWI_OPT_HOST] = cs->saved_host;
    c->opt[PGWI_OPT_HOSTADDR] = cs->saved_addr;
    c->opt[PGWI_OPT_PORT] = cs->saved_port;
    cs->overridden = false;
}

void pgwi_connect_release(pgw_conn *c)
{
    pgwi_connector *cs = pgwi_connector_of(c);
    if (cs == NULL || !cs->active)
        return;
    restore_options(c, cs);
    if (cs->cur != NULL) {
        pgw_cursor_free(cs->cur);
        cs->cur = NULL;
    }
    pgw_buf_free(&cs->log);
    pgwi_hosts_free(c->a, &cs->hosts);
    cs->active = false;
}

pgw_status pgwi_connect_begin(pgw_conn *c, const pgw_transport_target *base, int timeout,
                              bool nonblocking)
{
    pgwi_connector *cs = pgwi_connector_of(c);
    /* A password an earlier run took from .pgpass (pgw_reset) is not the
     * user's: drop it, and look it up again per host. */
    char *prev_pw = cs->pgpass_pw;
    if (prev_pw != NULL && c->opt[PGWI_OPT_PASSWORD] == prev_pw)
        c->opt[PGWI_OPT_PASSWORD] = NULL;
    if (prev_pw != NULL) {
        pgwi_wipe(prev_pw, strlen(prev_pw));
        pgwi_free(c->a, prev_pw, strlen(prev_pw) + 1);
    }
    memset(cs, 0, sizeof *cs);
    cs->base = *base;
    cs->timeout = timeout;
    cs->deadline = -1;
    cs->nonblocking = nonblocking;
    cs->phase = PGWI_CS_FAILED;
    cs->final = PGW_E_IO;
    pgw_buf_init(&cs->log, c->a, 0);
    char errbuf[160];
    pgw_status rc = pgwi_hosts_parse(c->a, c->opt[PGWI_OPT_HOST], c->opt[PGWI_OPT_HOSTADDR],
                                     c->opt[PGWI_OPT_PORT], &cs->hosts, errbuf, sizeof errbuf);
    if (rc != PGW_OK) {
        cs->final = rc == PGW_E_NOMEM ? pgwi_conn_break(c, rc, "out of memory")
                                      : pgwi_conn_break(c, rc, "%s", errbuf);
        return cs->final;
    }
    cs->active = true;
    const char *pw = c->opt[PGWI_OPT_PASSWORD];
    cs->pgpass_per_host = (pw == NULL || pw[0] == '\0') && cs->hosts.n > 1;
    const char *lbh = c->opt[PGWI_OPT_LOAD_BALANCE_HOSTS];
    if (lbh != NULL && strcmp(lbh, "random") == 0)
        shuffle(&cs->hosts);
    cs->tsa = pgwi_tsa_from_option(c->opt[PGWI_OPT_TARGET_SESSION_ATTRS]);
    cs->attempt_tls = c->attempt_tls;
    cs->saved_host = c->opt[PGWI_OPT_HOST];
    cs->saved_addr = c->opt[PGWI_OPT_HOSTADDR];
    cs->saved_port = c->opt[PGWI_OPT_PORT];
    /* prefer-standby: a second pass accepts any server. */
    cs->passes = cs->tsa == PGWI_TSA_PREFER_STANDBY ? 2 : 1;
    cs->last = PGW_E_IO;
    cs->phase = PGWI_CS_NEXT_HOST;
    return PGW_OK;
}

static void set_deadline(pgwi_connector *cs)
{
    cs->deadline = cs->timeout < 0 ? -1 : pgwi_now_ms() + cs->timeout;
}

static const char *error_prefix(pgwi_io *io)
{
    const char *prefix = io->t.describe != NULL && io->handle != NULL
                             ? io->t.describe(io->handle)
                             : NULL;
    return prefix != NULL ? prefix : "connection to server failed: ";
}

/* The transport could not be opened: nothing reached a server. */
static pgw_status open_failed(pgw_conn *c, pgw_status rc, const char *errbuf, int e)
{
    pgwi_conn_break(c, rc, "%s", errbuf[0] ? errbuf : "could not connect to the server");
    pgwi_conn_set_errno(c, e);
    /* A pool may retry elsewhere at once. */
    c->err.safe_to_retry = true;
    return rc;
}

/* The transport is open: begin startup under a fresh deadline, so a server
 * that stalls mid-handshake (or a SCRAM exchange made slow on purpose)
 * cannot hang us. */
static pgw_status opened(pgw_conn *c, pgwi_connector *cs)
{
    const pgw_transport_target *t = &cs->target;
    bool have_addr = t->hostaddr != NULL && t->hostaddr[0] != '\0';
    if (!have_addr && (t->host == NULL || t->host[0] == '\0' || t->host[0] == '/'))
        pgwi_conn_set_unix_socket(c);
    set_deadline(cs);
    cs->phase = PGWI_CS_STARTUP;
    return pgw_conn_start(c);
}

/* One I/O turn for an engine that answered `want`: write what the socket
 * takes, read what it has. PGW_OK = progress (step the engine again),
 * PGW_WANT_READ / PGW_WANT_WRITE = wait, < 0 = the connection broke. */
static pgw_status io_turn(pgw_conn *c, pgwi_io *io, pgw_status want)
{
    const uint8_t *p;
    bool had_output = pgw_conn_output(c, &p) > 0;
    pgw_status f = pgwi_io_flush(c, io);
    if (f < 0)
        return f;
    /* Written: the engine moves on. (Nothing to write although it asked:
     * it waits for the server after all, so read.) */
    if (f == PGW_OK && want == PGW_WANT_WRITE && had_output)
        return PGW_OK;
    if (c->eof)
        return f == PGW_WANT_WRITE ? PGW_WANT_WRITE : PGW_OK;
    /* Read even while output is stuck: the server may be blocked writing
     * to us, and its bytes are what frees the socket. */
    pgw_status r = pgwi_io_read(c, io);
    if (r == PGW_WANT_READ)
        return f == PGW_WANT_WRITE ? PGW_WANT_WRITE : PGW_WANT_READ;
    return r;
}

/* The attempt on this host failed (c holds why): allow/prefer's second
 * attempt, or log it and move on. */
static void attempt_failed(pgw_conn *c, pgwi_io *io, pgwi_connector *cs, pgw_status rc)
{
    if (cs->cur != NULL) {
        pgw_cursor_free(cs->cur);
        cs->cur = NULL;
    }
    /* sslmode allow/prefer: one more attempt of the other kind when the
     * first was refused in a way libpq retries (never after a TLS
     * verification failure or an error reply to SSLRequest). */
    if (!cs->retried && cs->phase == PGWI_CS_STARTUP && pgwi_conn_retry_other(c)) {
        cs->retried = true;
        close_transport(io);
        cs->phase = PGWI_CS_OPEN;
        return;
    }
    restore_options(c, cs);
    cs->attempts++;
    cs->last = rc;
    cs->phase = PGWI_CS_NEXT_HOST;
    if (rc == PGW_E_NOMEM) {
        cs->stop = true;
        return;
    }
    /* Keep what this host said: the next attempt clears it. */
    cs->before_last = cs->log.len;
    if (cs->log.len > 0)
        pgw_buf_append(&cs->log, "\n", 1);
    const char *s = c->err.summary != NULL ? c->err.summary : "";
    pgw_buf_append(&cs->log, s, strlen(s));
    /* libpq's documented rule: a server that was reached but refused the
     * login ends the search (a wrong password must not fall through to the
     * next host). */
    if (rc == PGW_E_SERVER || rc == PGW_E_AUTH)
        cs->stop = true;
}

/* Every host failed: libpq's report has one line per attempt, the last
 * one's details (SQLSTATE, errno) kept on the error. */
static pgw_status give_up(pgw_conn *c, pgwi_connector *cs)
{
    pgw_status rc = cs->last;
    if (rc != PGW_E_NOMEM && cs->attempts > 1 && pgw_buf_status(&cs->log) == PGW_OK &&
        cs->before_last > 0) {
        cs->log.len = cs->before_last;
        pgw_buf_append(&cs->log, "\n", 1);
        pgw_buf_append(&cs->log, "", 1);
        if (pgw_buf_status(&cs->log) == PGW_OK)
            pgwi_conn_prefix_error(c, (const char *)cs->log.data);
    }
    pgwi_connect_release(c);
    cs->deadline = -1;
    cs->phase = PGWI_CS_FAILED;
    cs->final = rc;
    return rc;
}

static pgw_status succeed(pgw_conn *c, pgwi_connector *cs)
{
    /* What a cancel connection must reach and verify (cancel_conn.c);
     * copied before release frees the host list the target points into. */
    if (c->io != NULL)
        pgwi_io_note_target(c->io, &cs->target);
    pgwi_connect_release(c);
    cs->deadline = -1;
    cs->phase = PGWI_CS_DONE;
    cs->final = PGW_OK;
    return PGW_OK;
}

/* This host's line of the password file, as the password option (or none).
 * Out of memory leaves it without a password: the server then asks and
 * the attempt fails with libpq's "no password supplied". */
static void pgpass_for_host(pgw_conn *c, pgwi_connector *cs, const pgwi_host *h)
{
    if (cs->pgpass_pw != NULL) {
        if (c->opt[PGWI_OPT_PASSWORD] == cs->pgpass_pw)
            c->opt[PGWI_OPT_PASSWORD] = NULL;
        pgwi_wipe(cs->pgpass_pw, strlen(cs->pgpass_pw));
        pgwi_free(c->a, cs->pgpass_pw, strlen(cs->pgpass_pw) + 1);
        cs->pgpass_pw = NULL;
    }
    char *pw = NULL;
    if (pgwi_pgpass_lookup(c, h->host, h->hostaddr, h->port, &pw) == PGW_OK && pw != NULL) {
        cs->pgpass_pw = pw;
        c->opt[PGWI_OPT_PASSWORD] = pw;
    }
}

/* Pick the next host of this pass (or the next pass); false when none. */
static bool next_host(pgw_conn *c, pgwi_io *io, pgwi_connector *cs)
{
    if (cs->stop)
        return false;
    while (cs->next >= cs->hosts.n) {
        cs->pass++;
        cs->next = 0;
        if (cs->pass >= cs->passes || cs->hosts.n == 0)
            return false;
    }
    if (cs->attempts > 0)
        reset_for_next(c, io, cs->attempt_tls);
    cs->want = cs->pass == 0 ? cs->tsa : PGWI_TSA_ANY;
    const pgwi_host *h = &cs->hosts.v[cs->next++];
    cs->target = cs->base;
    cs->target.host = h->host;
    cs->target.hostaddr = h->hostaddr;
    cs->target.port = h->port[0] != '\0' ? h->port : "5432";
    c->opt[PGWI_OPT_HOST] = h->host;
    c->opt[PGWI_OPT_HOSTADDR] = h->hostaddr;
    c->opt[PGWI_OPT_PORT] = h->port;
    cs->overridden = true;
    cs->retried = false;
    if (cs->pgpass_per_host)
        pgpass_for_host(c, cs, h);
    return true;
}

/* Refuse a server target_session_attrs does not want: a polite Terminate,
 * then libpq's reason as this attempt's error. */
static pgw_status tsa_reject(pgw_conn *c, pgwi_io *io, pgwi_connector *cs, const char *why)
{
    if (cs->cur != NULL) {
        pgw_cursor_free(cs->cur);
        cs->cur = NULL;
    }
    const char *prefix = error_prefix(io);
    /* Close politely: the server should not log an unexpected EOF. */
    if (c->state == PGW_CONN_IDLE && pgw_conn_terminate(c) == PGW_OK) {
        if (cs->nonblocking) {
            (void)pgwi_io_flush(c, io); /* a few bytes on an idle socket */
        } else {
            int saved = c->io_timeout_ms;
            c->io_timeout_ms = cs->timeout > 0 ? cs->timeout : 1000;
            (void)pgw_conn_pump(c, PGW_OK);
            c->io_timeout_ms = saved;
        }
    }
    pgwi_conn_clear_error(c);
    c->state = PGW_CONN_NEW; /* so that break records the new reason */
    return pgwi_conn_break(c, PGW_E_STATE, "%s%s", prefix, why);
}

static pgw_status tsa_failed_query(pgw_conn *c, pgwi_io *io, pgwi_connector *cs)
{
    /* libpq names the query without its schema here. */
    const char *why = cs->want == PGWI_TSA_READ_WRITE || cs->want == PGWI_TSA_READ_ONLY
                          ? "\"SHOW transaction_read_only\" failed"
                          : "\"SELECT pg_is_in_recovery()\" failed";
    return tsa_reject(c, io, cs, why);
}

/* One target_session_attrs decision: PGW_OK accepted, PGW_WANT_READ when a
 * query was sent (phase TSA_WAIT), < 0 rejected. */
static pgw_status tsa_check(pgw_conn *c, pgwi_io *io, pgwi_connector *cs)
{
    const char *query = NULL;
    const char *why = pgwi_tsa_check(cs->want, cs->hs, cs->ro, &query);
    if (query == NULL || cs->round >= 2)
        return why == NULL ? PGW_OK : tsa_reject(c, io, cs, why);
    cs->query = query;
    cs->answered = false;
    pgw_status rc = pgw_query_send(c, query, &cs->cur);
    if (rc != PGW_OK)
        return tsa_failed_query(c, io, cs);
    cs->phase = PGWI_CS_TSA_WAIT;
    return PGW_WANT_READ;
}

/* A host name (not hostaddr, not a socket directory): hand the lookup to
 * a resolver thread whose descriptor stands in as the transport until the
 * answer is in. false when no thread could be started (resolve inline). */
static bool start_resolver_thread(pgwi_io *io, const pgwi_connector *cs)
{
    const pgw_transport_target *t = &cs->target;
    if ((t->hostaddr != NULL && t->hostaddr[0] != '\0') || t->host == NULL ||
        t->host[0] == '\0' || t->host[0] == '/')
        return false;
    pgwi_rthread *r = NULL;
    if (pgwi_rthread_start(t->host, t->port, &r) != PGW_OK)
        return false;
    io->t = pgwi_rthread_transport;
    io->t.open = pgw_transport_default()->open; /* still "the default" */
    io->handle = r;
    return true;
}

/* Deadline of the current attempt passed? */
static bool expired(const pgwi_connector *cs)
{
    return cs->deadline >= 0 && pgwi_now_ms() >= cs->deadline;
}

pgw_status pgwi_connect_step(pgw_conn *c)
{
    pgwi_connector *cs = pgwi_connector_of(c);
    if (cs == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
    pgwi_io *io = c->io;
    char errbuf[2048];
    for (;;) {
        pgw_status rc;
        switch (cs->phase) {
        case PGWI_CS_DONE:
        case PGWI_CS_FAILED:
            return cs->final;

        case PGWI_CS_NEXT_HOST:
            if (!next_host(c, io, cs))
                return give_up(c, cs);
            cs->phase = PGWI_CS_OPEN;
            break;

        case PGWI_CS_OPEN: {
            errbuf[0] = '\0';
            int e = 0;
            set_deadline(cs);
            cs->target.connect_timeout_ms = cs->timeout;
            const pgwi_resolver *res = &((pgwi_io_conn *)c->io)->resolver;
            if ((cs->nonblocking || res->fn != NULL) &&
                io->t.open == pgw_transport_default()->open) {
                if (cs->nonblocking && res->fn == NULL && res->thread &&
                    start_resolver_thread(io, cs)) {
                    cs->phase = PGWI_CS_RESOLVING;
                    return PGW_WANT_READ;
                }
                pgwi_nbsock *h = NULL;
                rc = pgwi_nbsock_begin(&cs->target, res, NULL, 0, &h, errbuf, sizeof errbuf, &e);
                if (h != NULL) {
                    io->t = pgwi_nbsock_transport;
                    io->t.open = pgw_transport_default()->open; /* still "the default" */
                    io->handle = h;
                }
                if (rc == PGW_WANT_WRITE) {
                    cs->phase = PGWI_CS_CONNECTING;
                    return rc;
                }
            } else {
                /* The transport's own open: it waits (with the timeout). */
                rc = io->t.open(io->t.ud, &cs->target, &io->handle, errbuf, sizeof errbuf, &e);
                if (rc != PGW_OK)
                    io->handle = NULL;
            }
            if (rc != PGW_OK) {
                attempt_failed(c, io, cs, open_failed(c, rc, errbuf, e));
                break;
            }
            rc = opened(c, cs);
            if (rc < 0) {
                pgwi_conn_prefix_error(c, error_prefix(io));
                attempt_failed(c, io, cs, c->err.status != PGW_OK ? c->err.status : rc);
            }
            break;
        }

        case PGWI_CS_RESOLVING: {
            errbuf[0] = '\0';
            int e = 0;
            pgw_resolved_addr *addrs = NULL;
            size_t n = 0;
            int gai = 0;
            if (expired(cs)) {
                close_transport(io); /* detach: the thread cleans up */
                snprintf(errbuf, sizeof errbuf,
                         "could not translate host name \"%s\" to address: timeout expired",
                         cs->target.host);
                attempt_failed(c, io, cs, open_failed(c, PGW_E_TIMEOUT, errbuf, 0));
                break;
            }
            if (pgwi_rthread_take(io->handle, &addrs, &n, &gai) != PGW_OK)
                return PGW_WANT_READ; /* a spurious wake-up */
            close_transport(io);
            io->t = pgwi_nbsock_transport;
            io->t.open = pgw_transport_default()->open;
            if (gai != 0) {
                snprintf(errbuf, sizeof errbuf,
                         "could not translate host name \"%s\" to address: %s", cs->target.host,
                         gai_strerror(gai));
                attempt_failed(c, io, cs, open_failed(c, PGW_E_RESOLVE, errbuf, 0));
                break;
            }
            pgwi_nbsock *h = NULL;
            rc = pgwi_nbsock_begin(&cs->target, NULL, addrs, n, &h, errbuf, sizeof errbuf, &e);
            if (h != NULL)
                io->handle = h;
            if (rc == PGW_WANT_WRITE) {
                cs->phase = PGWI_CS_CONNECTING;
                return rc;
            }
            if (rc != PGW_OK) {
                attempt_failed(c, io, cs, open_failed(c, rc, errbuf, e));
                break;
            }
            rc = opened(c, cs);
            if (rc < 0) {
                pgwi_conn_prefix_error(c, error_prefix(io));
                attempt_failed(c, io, cs, c->err.status != PGW_OK ? c->err.status : rc);
            }
            break;
        }

        case PGWI_CS_CONNECTING: {
            errbuf[0] = '\0';
            int e = 0;
            pgwi_nbsock *h = io->handle;
            bool late = expired(cs);
            rc = pgwi_nbsock_continue(h, late, errbuf, sizeof errbuf, &e);
            if (rc == PGW_WANT_WRITE) {
                if (late || e != 0)
                    set_deadline(cs); /* the next address gets its own time */
                return rc;
            }
            if (rc != PGW_OK) {
                close_transport(io);
                attempt_failed(c, io, cs, open_failed(c, rc, errbuf, e));
                break;
            }
            rc = opened(c, cs);
            if (rc < 0) {
                pgwi_conn_prefix_error(c, error_prefix(io));
                attempt_failed(c, io, cs, c->err.status != PGW_OK ? c->err.status : rc);
            }
            break;
        }

        case PGWI_CS_STARTUP:
            rc = pgw_conn_step(c);
            if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
                if (expired(cs)) {
                    rc = pgwi_conn_break(c, PGW_E_TIMEOUT, "timeout expired");
                } else {
                    rc = io_turn(c, io, rc);
                    if (rc == PGW_OK)
                        break;
                    if (rc > 0)
                        return rc;
                }
            }
            if (rc == PGW_OK) {
                if (cs->want == PGWI_TSA_ANY)
                    return succeed(c, cs);
                /* PostgreSQL 14+ reports both at startup and on change. */
                cs->hs = pgwi_tribool_from_param(pgw_conn_parameter(c, "in_hot_standby"));
                cs->ro = pgwi_tribool_from_param(
                    pgw_conn_parameter(c, "default_transaction_read_only"));
                cs->round = 0;
                cs->phase = PGWI_CS_TSA_CHECK;
                break;
            }
            pgwi_conn_prefix_error(c, error_prefix(io));
            attempt_failed(c, io, cs, c->err.status != PGW_OK ? c->err.status : rc);
            break;

        case PGWI_CS_TSA_CHECK:
            rc = tsa_check(c, io, cs);
            if (rc == PGW_OK)
                return succeed(c, cs);
            if (rc < 0)
                attempt_failed(c, io, cs, rc);
            break;

        case PGWI_CS_TSA_WAIT:
        case PGWI_CS_TSA_DRAIN: {
            pgw_result *r = NULL;
            if (cs->phase == PGWI_CS_TSA_WAIT)
                rc = pgw_cursor_collect(cs->cur, &r);
            else
                rc = pgw_cursor_recv_result(cs->cur);
            if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
                if (expired(cs)) {
                    pgwi_conn_break(c, PGW_E_TIMEOUT, "timeout expired");
                    attempt_failed(c, io, cs, tsa_failed_query(c, io, cs));
                    break;
                }
                rc = io_turn(c, io, rc);
                if (rc == PGW_OK)
                    break;
                if (rc > 0)
                    return rc;
                attempt_failed(c, io, cs, tsa_failed_query(c, io, cs));
                break;
            }
            if (cs->phase == PGWI_CS_TSA_WAIT) {
                const char *v =
                    rc == PGW_OK && pgw_result_nrows(r) == 1 ? pgw_result_text(r, 0, 0) : NULL;
                if (v != NULL) {
                    pgwi_tsa_note_answer(cs->query, v, &cs->hs, &cs->ro);
                    cs->answered = true;
                }
                pgw_result_free(r);
                if (rc < 0 && rc != PGW_E_SERVER) {
                    attempt_failed(c, io, cs, tsa_failed_query(c, io, cs));
                    break;
                }
                cs->phase = PGWI_CS_TSA_DRAIN;
                break;
            }
            if (rc == PGW_E_SERVER || rc == PGW_OK)
                break; /* on to ReadyForQuery */
            if (rc == PGW_END && cs->answered) {
                pgw_cursor_free(cs->cur);
                cs->cur = NULL;
                cs->round++;
                cs->phase = PGWI_CS_TSA_CHECK;
                break;
            }
            attempt_failed(c, io, cs, tsa_failed_query(c, io, cs));
            break;
        }
        }
    }
}

pgw_status pgwi_connect_hosts(pgw_conn *c, pgwi_io *io, const pgw_transport_target *base,
                              int timeout)
{
    pgw_status rc = pgwi_connect_begin(c, base, timeout, false);
    if (rc != PGW_OK)
        return rc;
    pgwi_connector *cs = pgwi_connector_of(c);
    for (;;) {
        rc = pgwi_connect_step(c);
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        /* Without connect_timeout the blocking API's own wait limit
         * applies, as it did to every wait of the startup. */
        int left = cs->deadline >= 0 ? pgwi_remaining_ms(cs->deadline)
                                     : (c->io_timeout_ms > 0 ? c->io_timeout_ms : -1);
        int e = 0;
        pgw_status w = io->t.wait(io->handle, rc == PGW_WANT_READ || !c->eof,
                                  rc == PGW_WANT_WRITE, left, &e);
        if (w == PGW_E_TIMEOUT && cs->deadline >= 0)
            continue; /* the step sees the deadline and moves on */
        if (w == PGW_E_TIMEOUT) {
            pgwi_conn_break(c, PGW_E_TIMEOUT, "timeout expired");
        } else if (w != PGW_OK) {
            pgwi_conn_break(c, w, "could not wait for the server: %s", strerror(e));
            pgwi_conn_set_errno(c, e);
        }
    }
}

pgw_status pgwi_connect_again(pgw_conn *c)
{
    pgwi_connector *cs = pgwi_connector_of(c);
    pgwi_io *io = c->io;
    /* The settings of the first connect: where (the host list, parsed
     * again), the socket options, the timeout and the first attempt's TLS
     * choice. Everything else is in the engine's options, untouched. */
    pgw_transport_target base = cs->base;
    int timeout = cs->timeout;
    bool attempt_tls = cs->attempt_tls;
    close_transport(io);
    pgwi_conn_restart(c);
    pgwi_conn_clear_error(c);
    c->unix_socket = false;
    c->attempt_tls = attempt_tls;
    c->tried_tls = false;
    c->tried_plain = false;
    return pgwi_connect_hosts(c, io, &base, timeout);
}
