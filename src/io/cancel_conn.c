/* The cancel connection's driver: a non-blocking socket to the exact
 * address the session uses, pumping the engine of conn/cancel.c (TLS when
 * the session has it, then the CancelRequest) until the server closes the
 * connection; the plaintext retry sslmode allow/prefer permits; and the
 * query timeout of the blocking API, which sends such a cancel for the
 * caller. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn/cancel_int.h"
#include "io/cancel_int.h"
#include "pgwire/cancel.h"

struct pgw_cancel_conn {
    pgw_conn *e;          /* the engine: options, TLS, the request */
    pgwi_cancel_addr addr;
    int fd;
    bool started, finished, connecting, retried, tls_first;
    pgw_status result;    /* once finished */
    int timeout_ms;       /* the whole blocking pgw_cancel(); -1 = none */
};

static void cc_copy_field(char *dst, size_t cap, const char *src)
{
    size_t n = src != NULL ? strlen(src) : 0;
    if (n >= cap)
        n = 0; /* too long to be a real host name: better none than a wrong one */
    memcpy(dst, src != NULL ? src : "", n);
    dst[n] = '\0';
}

void pgwi_io_note_target(pgwi_io *io, const pgw_transport_target *t)
{
    cc_copy_field(io->used_host, sizeof io->used_host, t->host);
    cc_copy_field(io->used_hostaddr, sizeof io->used_hostaddr, t->hostaddr);
    cc_copy_field(io->used_port, sizeof io->used_port, t->port);
    io->have_used = true;
}

static const char *cc_nonempty(const char *s)
{
    return s != NULL && *s != '\0' ? s : NULL;
}

pgw_status pgw_cancel_conn_new(pgw_conn *c, pgw_cancel_conn **out)
{
    if (c == NULL || out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgwi_cancel_addr addr;
    pgw_status rc = pgwi_cancel_addr_get(c, &addr);
    if (rc != PGW_OK)
        return rc;
    const pgwi_io *io = c->io;
    const char *host = c->opt[PGWI_OPT_HOST], *hostaddr = c->opt[PGWI_OPT_HOSTADDR],
               *port = c->opt[PGWI_OPT_PORT];
    if (io != NULL && io->have_used) {
        host = cc_nonempty(io->used_host);
        hostaddr = cc_nonempty(io->used_hostaddr);
        port = cc_nonempty(io->used_port);
    }
    pgw_conn *e = NULL;
    rc = pgwi_cancel_clone(c, host, hostaddr, port, &e);
    if (rc != PGW_OK) {
        if (rc != PGW_E_NOMEM)
            pgwi_conn_refuse(c, rc, "cannot cancel: %s", e != NULL ? pgw_conn_errmsg(e) : "");
        pgw_conn_free(e);
        return rc;
    }
    pgw_cancel_conn *cc = pgwi_alloc(c->a, sizeof *cc);
    if (cc == NULL) {
        pgw_conn_free(e);
        return PGW_E_NOMEM;
    }
    memset(cc, 0, sizeof *cc);
    cc->e = e;
    cc->addr = addr;
    cc->fd = -1;
    cc->tls_first = pgw_conn_tls_in_use(c);
    cc->timeout_ms = addr.timeout_ms;
    *out = cc;
    return PGW_OK;
}

static void cc_close_fd(pgw_cancel_conn *cc)
{
    if (cc->fd >= 0)
        close(cc->fd);
    cc->fd = -1;
    cc->connecting = false;
}

static pgw_status cc_finish(pgw_cancel_conn *cc, pgw_status rc)
{
    cc_close_fd(cc);
    cc->finished = true;
    cc->result = rc;
    return rc;
}

void pgw_cancel_reset(pgw_cancel_conn *cc)
{
    if (cc == NULL)
        return;
    cc_close_fd(cc);
    cc->started = false;
    cc->finished = false;
    cc->retried = false;
    cc->result = PGW_OK;
}

void pgw_cancel_conn_free(pgw_cancel_conn *cc)
{
    if (cc == NULL)
        return;
    cc_close_fd(cc);
    pgw_conn *e = cc->e;
    pgw_allocator copy;
    const pgw_allocator *a = NULL;
    if (e->a != NULL) {
        copy = *e->a;
        a = &copy;
    }
    pgwi_wipe(cc, sizeof *cc);
    pgwi_free(a, cc, sizeof *cc);
    pgw_conn_free(e);
}

int pgw_cancel_fd(const pgw_cancel_conn *cc)
{
    return cc != NULL ? cc->fd : -1;
}

const char *pgw_cancel_errmsg(const pgw_cancel_conn *cc)
{
    if (cc == NULL)
        return "";
    const char *m = pgw_conn_errmsg(cc->e);
    return m != NULL ? m : "";
}

/* Open a socket and queue the first bytes of an attempt. */
static pgw_status cc_open_attempt(pgw_cancel_conn *cc, bool tls)
{
    cc_close_fd(cc);
    pgw_status rc = pgwi_cancel_begin(cc->e, tls);
    if (rc != PGW_OK)
        return rc;
    bool in_progress;
    cc->fd = pgwi_cancel_socket(&cc->addr, &in_progress);
    if (cc->fd < 0) {
        int e = errno;
        pgwi_conn_break(cc->e, PGW_E_IO, "could not connect to the server to cancel: %s",
                        strerror(e));
        pgwi_conn_set_errno(cc->e, e);
        return PGW_E_IO;
    }
    cc->connecting = in_progress;
    return PGW_OK;
}

/* Whether a failed TLS attempt may be followed by a plaintext one: only
 * before the request went out, only for failures of the TLS negotiation
 * itself, and only when sslmode accepts plaintext (allow, prefer). */
static bool cc_may_retry_plain(pgw_cancel_conn *cc, pgw_status rc)
{
    pgw_conn *e = cc->e;
    return !cc->retried && e->attempt_tls && !pgwi_cancel_delivered(e) &&
           (rc == PGW_E_TLS || rc == PGW_E_CLOSED || rc == PGW_E_IO) &&
           (e->sslmode == PGWI_SSL_ALLOW || e->sslmode == PGWI_SSL_PREFER);
}

static pgw_status cc_advance(pgw_cancel_conn *cc)
{
    pgw_conn *e = cc->e;
    if (cc->connecting) {
        struct pollfd p = {.fd = cc->fd, .events = POLLOUT, .revents = 0};
        if (poll(&p, 1, 0) == 0)
            return PGW_WANT_WRITE;
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(cc->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err != 0) {
            pgwi_conn_break(e, PGW_E_IO, "could not connect to the server to cancel: %s",
                            strerror(err));
            pgwi_conn_set_errno(e, err);
            return PGW_E_IO;
        }
        cc->connecting = false;
    }
    for (;;) {
        pgw_status rc = pgwi_cancel_step(e);
        if (rc == PGW_OK || rc < 0)
            return rc;
        if (rc == PGW_WANT_WRITE) {
            const uint8_t *p;
            size_t n = pgw_conn_output(e, &p);
            if (n == 0) {
                if (e->state == PGW_CONN_BROKEN)
                    return e->err.status;
                continue;
            }
            ssize_t put = send(cc->fd, p, n, MSG_NOSIGNAL);
            if (put > 0) {
                pgw_conn_output_done(e, (size_t)put);
                continue;
            }
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return PGW_WANT_WRITE;
            int err = errno;
            pgwi_conn_break(e, err == EPIPE || err == ECONNRESET ? PGW_E_CLOSED : PGW_E_IO,
                            "could not send the cancel request: %s", strerror(err));
            pgwi_conn_set_errno(e, err);
            return e->err.status;
        }
        /* PGW_WANT_READ */
        uint8_t buf[4096];
        ssize_t got = recv(cc->fd, buf, sizeof buf, 0);
        if (got > 0) {
            pgw_status irc = pgw_conn_input(e, buf, (size_t)got);
            if (irc < 0)
                return irc;
            continue;
        }
        if (got == 0 || (errno == ECONNRESET && pgwi_cancel_delivered(e))) {
            /* The end the server signals completion with (libpq takes a
             * reset after delivery the same way). */
            pgw_conn_input_eof(e);
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return PGW_WANT_READ;
        int err = errno;
        pgwi_conn_break(e, err == ECONNRESET ? PGW_E_CLOSED : PGW_E_IO,
                        "could not receive data from server: %s", strerror(err));
        pgwi_conn_set_errno(e, err);
        return e->err.status;
    }
}

pgw_status pgw_cancel_poll(pgw_cancel_conn *cc)
{
    if (cc == NULL)
        return PGW_E_INVALID;
    if (!cc->started)
        return PGW_E_STATE;
    if (cc->finished)
        return cc->result;
    for (;;) {
        pgw_status rc = cc_advance(cc);
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE)
            return rc;
        if (rc < 0 && cc_may_retry_plain(cc, rc)) {
            cc->retried = true;
            rc = cc_open_attempt(cc, false);
            if (rc == PGW_OK)
                continue;
        }
        return cc_finish(cc, rc);
    }
}

pgw_status pgw_cancel_start(pgw_cancel_conn *cc)
{
    if (cc == NULL)
        return PGW_E_INVALID;
    if (cc->started)
        return PGW_E_STATE;
    cc->started = true;
    cc->finished = false;
    cc->retried = false;
    pgw_status rc = cc_open_attempt(cc, cc->tls_first);
    if (rc != PGW_OK)
        return cc_finish(cc, rc);
    return pgw_cancel_poll(cc);
}

static pgw_status cc_run_blocking(pgw_cancel_conn *cc, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : pgwi_now_ms() + timeout_ms;
    pgw_status rc = pgw_cancel_start(cc);
    while (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
        struct pollfd p = {.fd = cc->fd,
                           .events = (short)(rc == PGW_WANT_READ ? POLLIN : POLLOUT),
                           .revents = 0};
        int w = poll(&p, 1, pgwi_remaining_ms(deadline));
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0) {
            pgwi_conn_break(cc->e, PGW_E_TIMEOUT, "timeout expired while sending the cancel request");
            return cc_finish(cc, PGW_E_TIMEOUT);
        }
        if (w < 0) {
            int err = errno;
            pgwi_conn_break(cc->e, PGW_E_IO, "poll() failed: %s", strerror(err));
            return cc_finish(cc, PGW_E_IO);
        }
        rc = pgw_cancel_poll(cc);
    }
    return rc;
}

pgw_status pgw_cancel(pgw_cancel_conn *cc)
{
    if (cc == NULL)
        return PGW_E_INVALID;
    return cc_run_blocking(cc, cc->timeout_ms);
}

/* ---- the query timeout --------------------------------------------------- */

void pgw_conn_set_query_timeout(pgw_conn *c, int timeout_ms)
{
    pgwi_io *io = c->io;
    if (io != NULL)
        io->query_timeout_ms = timeout_ms < 0 ? 0 : timeout_ms;
}

void pgw_conn_set_cancel_grace(pgw_conn *c, int grace_ms)
{
    pgwi_io *io = c->io;
    if (io != NULL)
        io->cancel_grace_ms = grace_ms < 0 ? 0 : grace_ms;
}

/* Send a cancel for c's query within `limit` ms. On failure the message
 * goes to msg. */
static pgw_status cc_send_cancel(pgw_conn *c, int limit, char *msg, size_t msglen)
{
    pgw_cancel_conn *cc = NULL;
    pgw_status rc = pgw_cancel_conn_new(c, &cc);
    if (rc != PGW_OK) {
        snprintf(msg, msglen, "%s", rc == PGW_E_NOMEM ? "out of memory" : pgw_conn_errmsg(c));
        return rc;
    }
    int t = cc->timeout_ms >= 0 && cc->timeout_ms < limit ? cc->timeout_ms : limit;
    rc = cc_run_blocking(cc, t);
    if (rc != PGW_OK)
        snprintf(msg, msglen, "%s", pgw_cancel_errmsg(cc));
    pgw_cancel_conn_free(cc);
    return rc;
}

pgw_status pgwi_io_wait_read(pgw_conn *c, pgwi_io *io, int64_t deadline, int *sys_errno)
{
    int left = pgwi_remaining_ms(deadline);
    int qt = io->query_timeout_ms;
    if (qt <= 0 || c->state != PGW_CONN_BUSY)
        return io->t.wait(io->handle, true, false, left, sys_errno);
    bool io_first = left >= 0 && left <= qt;
    pgw_status rc = io->t.wait(io->handle, true, false, io_first ? left : qt, sys_errno);
    if (rc != PGW_E_TIMEOUT || io_first)
        return rc;
    /* The query timeout expired: cancel the query and keep reading, so
     * that its 57014 error and ReadyForQuery arrive and the connection
     * stays usable. */
    int grace = io->cancel_grace_ms > 0 ? io->cancel_grace_ms : PGW_CANCEL_DEFAULT_GRACE_MS;
    char msg[512];
    if (cc_send_cancel(c, grace, msg, sizeof msg) != PGW_OK) {
        pgwi_conn_break(c, PGW_E_TIMEOUT,
                        "query timeout expired after %d ms and the cancel request failed: %s", qt,
                        msg);
        return PGW_E_TIMEOUT;
    }
    left = pgwi_remaining_ms(deadline);
    int g = left >= 0 && left < grace ? left : grace;
    rc = io->t.wait(io->handle, true, false, g, sys_errno);
    if (rc == PGW_E_TIMEOUT)
        pgwi_conn_break(c, PGW_E_TIMEOUT,
                        "query timeout expired after %d ms and the server did not answer the "
                        "cancel request within %d ms",
                        qt, g);
    return rc;
}
