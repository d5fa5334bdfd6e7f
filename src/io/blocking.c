/* The blocking API: loops of engine step → wait → read/write, with
 * timeouts, over a pgw_transport. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "io/conninfo_io.h"
#include "io/io_int.h"
#include "io/multihost.h"
#include "io/pipeline_io.h"
#include "pgwire/datetime.h"

/* Read in large chunks: one recv per 64 KiB of rows keeps system calls off
 * the hot path of a big result. */
#define READ_CHUNK 65536

static void io_free(pgw_conn *c)
{
    pgwi_io *io = c->io;
    if (io == NULL)
        return;
    pgwi_connect_release(c);
    if (io->handle != NULL) {
        /* Best effort Terminate: one non-blocking write, never a wait. */
        if (c->state == PGW_CONN_IDLE || c->state == PGW_CONN_BUSY) {
            pgw_conn_terminate(c);
            const uint8_t *p;
            size_t n = pgw_conn_output(c, &p), put = 0;
            int e = 0;
            if (n > 0 && io->t.write(io->handle, p, n, &put, &e) == PGW_OK)
                pgw_conn_output_done(c, put);
        }
        io->t.close(io->handle);
    }
    pgwi_free(c->a, io, sizeof(pgwi_io_conn));
    c->io = NULL;
    c->io_free = NULL;
}

pgw_status pgwi_io_error(pgw_conn *c, pgw_status rc, int sys_errno, const char *what)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (rc == PGW_E_TIMEOUT)
        pgwi_conn_break(c, rc, "timeout expired");
    else if (rc == PGW_E_CLOSED)
        pgwi_conn_break(c, rc,
                        "server closed the connection unexpectedly\n"
                        "\tThis probably means the server terminated abnormally\n"
                        "\tbefore or while processing the request.");
    else
        pgwi_conn_break(c, rc, "could not %s data %s server: %s", what,
                        what[0] == 's' ? "to" : "from", strerror(sys_errno));
    pgwi_conn_set_errno(c, sys_errno);
    return c->err.status;
}

/* Read once into the engine. */
pgw_status pgwi_io_read_once(pgw_conn *c, pgwi_io *io)
{
    size_t avail;
    uint8_t *p = pgwi_conn_input_reserve(c, READ_CHUNK, &avail);
    if (p == NULL)
        return c->err.status;
    size_t got = 0;
    int e = 0;
    pgw_status rc = io->t.read(io->handle, p, avail, &got, &e);
    if (rc == PGW_OK) {
        io->drained = got < avail;
        pgwi_conn_input_commit(c, got);
        return PGW_OK;
    }
    if (rc == PGW_WANT_READ) {
        io->drained = true;
        return PGW_WANT_READ;
    }
    if (rc == PGW_E_CLOSED) {
        /* Let the engine decide: a FATAL message may already be buffered. */
        pgw_conn_input_eof(c);
        return PGW_OK;
    }
    return pgwi_io_error(c, rc, e, "receive");
}

pgw_status pgw_conn_pump(pgw_conn *c, pgw_status want)
{
    pgwi_io *io = c->io;
    if (io == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->pipe != NULL)
        return pgwi_pipeline_pump(c, want);
    /* One deadline for the whole call, however often poll wakes up. */
    int64_t deadline = c->io_timeout_ms > 0 ? pgwi_now_ms() + c->io_timeout_ms : -1;
    /* Write everything pending, reading whenever the server sends, so that
     * neither side can block the other with full socket buffers. */
    for (;;) {
        const uint8_t *p;
        size_t n = pgw_conn_output(c, &p);
        if (n == 0)
            break;
        if (io->write_failed) {
            pgw_conn_output_done(c, n);
            break;
        }
        size_t put = 0;
        int e = 0;
        pgw_status rc = io->t.write(io->handle, p, n, &put, &e);
        if (rc == PGW_OK) {
            pgw_conn_output_done(c, put);
            continue;
        }
        if (rc != PGW_WANT_WRITE) {
            /* libpq's rule: a failed write is not the error to report. The
             * server usually said why before it went (a FATAL message), so
             * drop the output and let the reads find it, or find the end. */
            io->write_failed = true;
            pgw_conn_output_done(c, n);
            break;
        }
        /* After the server's end of stream only writability matters:
         * polling for a readable EOF would return at once, forever. */
        rc = io->t.wait(io->handle, !c->eof, true, pgwi_remaining_ms(deadline), &e);
        if (rc != PGW_OK)
            return pgwi_io_error(c, rc, e, "send");
        if (c->eof)
            continue;
        rc = pgwi_io_read_once(c, io);
        if (rc < 0)
            return rc;
        /* Results owed to a freed cursor may stream in while a new query
         * goes out; discard them now so they cannot pile up. */
        if (c->abandoned > 0) {
            rc = pgwi_conn_drain(c);
            if (rc < 0)
                return rc;
        }
    }
    if (want != PGW_WANT_READ)
        return PGW_OK;
    for (;;) {
        if (c->eof)
            return PGW_OK;
        if (io->drained) {
            int e = 0;
            pgw_status rc = pgwi_io_wait_read(c, io, deadline, &e);
            if (rc != PGW_OK)
                return pgwi_io_error(c, rc, e, "receive");
        }
        pgw_status rc = pgwi_io_read_once(c, io);
        if (rc != PGW_WANT_READ)
            return rc;
    }
}

void pgw_conn_set_timeout(pgw_conn *c, int timeout_ms)
{
    c->io_timeout_ms = timeout_ms < 0 ? 0 : timeout_ms;
}

int pgw_conn_fd(const pgw_conn *c)
{
    const pgwi_io *io = c->io;
    if (io == NULL || io->handle == NULL || io->t.fd == NULL)
        return -1;
    return io->t.fd(io->handle);
}

/* An integer option already validated by the engine; `def` when unset. */
static int int_option(const pgw_conn *c, const char *kw, int def)
{
    const char *v = pgw_conn_option(c, kw);
    int n;
    if (v == NULL || *v == '\0' || !pgwi_parse_int_option(v, &n))
        return def;
    return n;
}

static int connect_timeout_ms(const pgw_conn *c)
{
    int t = int_option(c, "connect_timeout", 0);
    if (t <= 0)
        return -1;
    /* libpq's rule: anything below 2 s is raised to 2 s. */
    if (t < 2)
        t = 2;
    return t > INT32_MAX / 1000 ? INT32_MAX : t * 1000;
}

static pgw_status load_tz(void *ud, const char *name, const pgw_allocator *a, pgw_tz **out)
{
    (void)ud;
    return pgw_tz_load(name, a, out);
}

pgw_status pgwi_connect_setup(pgw_conn **out, const pgw_conn_options *opt,
                              const pgw_transport *transport, bool nonblocking)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    if (opt != NULL)
        memcpy(&o, opt, opt->size != 0 && opt->size < sizeof o ? opt->size : sizeof o);
    o.size = sizeof o;
    if (o.use_environment && o.getenv == NULL)
        o.getenv = pgwi_env_lookup;
    char osuser[256];
    if (o.default_user == NULL && pgwi_os_user(osuser, sizeof osuser))
        o.default_user = osuser;
    if (transport == NULL)
        transport = pgw_transport_default();

    pgw_conn *c = NULL;
    pgw_status rc = pgwi_conn_new_env(&c, &o); /* + service file, .pgpass */
    *out = c;
    if (rc != PGW_OK)
        return rc;

    /* The io slot with the connect machine in it (multihost.h). */
    pgwi_io_conn *ioc = pgwi_alloc(c->a, sizeof *ioc);
    if (ioc == NULL) {
        pgw_conn_free(c);
        *out = NULL;
        return PGW_E_NOMEM;
    }
    memset(ioc, 0, sizeof *ioc);
    pgwi_io *io = &ioc->io;
    io->t = *transport;
    ioc->resolver.fn = o.resolve;
    ioc->resolver.ud = o.resolve_ud;
    ioc->resolver.thread = o.resolver_thread;
    c->io = io;
    c->io_free = io_free;
    /* TimeZone rules from the system's tz database, so binary timestamptz
     * values render in the session's zone. */
    pgw_conn_set_tz_loader(c, load_tz, NULL);

    rc = pgwi_load_tls_files(c);
    if (rc != PGW_OK)
        return rc;

    int timeout = connect_timeout_ms(c);
    /* Socket options shared by every host; the machine fills in where. */
    pgw_transport_target target = {
        .host = NULL,
        .hostaddr = NULL,
        .port = "5432",
        .connect_timeout_ms = timeout,
        .keepalives = int_option(c, "keepalives", 1) != 0,
        .keepalives_idle = int_option(c, "keepalives_idle", 0),
        .keepalives_interval = int_option(c, "keepalives_interval", 0),
        .keepalives_count = int_option(c, "keepalives_count", 0),
        .tcp_user_timeout_ms = int_option(c, "tcp_user_timeout", 0),
    };
    if (nonblocking)
        return pgwi_connect_begin(c, &target, timeout, true);
    return pgwi_connect_hosts(c, io, &target, timeout);
}

pgw_status pgw_connect_with(pgw_conn **out, const pgw_conn_options *opt,
                            const pgw_transport *transport)
{
    return pgwi_connect_setup(out, opt, transport, false);
}

pgw_status pgw_connect(pgw_conn **out, const pgw_conn_options *opt)
{
    return pgw_connect_with(out, opt, NULL);
}

pgw_status pgw_connect_str(pgw_conn **out, const char *conninfo)
{
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = conninfo;
    return pgw_connect(out, &o);
}

/* Drive a non-blocking cursor call until it stops asking for I/O. */
#define BLOCKING(call, c)                                                                      \
    for (;;) {                                                                                 \
        pgw_status rc_ = (call);                                                               \
        if (rc_ != PGW_WANT_READ && rc_ != PGW_WANT_WRITE)                                     \
            return rc_;                                                                        \
        pgw_status prc_ = pgw_conn_pump((c), rc_);                                             \
        if (prc_ < 0)                                                                          \
            return prc_;                                                                       \
    }

pgw_status pgw_cursor_next(pgw_cursor *cur)
{
    BLOCKING(pgw_cursor_recv(cur), pgw_cursor_conn(cur));
}

pgw_status pgw_cursor_next_result(pgw_cursor *cur)
{
    BLOCKING(pgw_cursor_recv_result(cur), pgw_cursor_conn(cur));
}

pgw_status pgw_cursor_fetch_all(pgw_cursor *cur, pgw_result **out)
{
    BLOCKING(pgw_cursor_collect(cur, out), pgw_cursor_conn(cur));
}

pgw_status pgwi_io_first_result(pgw_conn *c, pgw_status send_rc, pgw_cursor *cur,
                                pgw_cursor **out)
{
    (void)c;
    if (send_rc != PGW_OK)
        return send_rc;
    pgw_status rc = pgw_cursor_next_result(cur);
    if (rc == PGW_OK || rc == PGW_E_SERVER || rc == PGW_END) {
        *out = cur;
        return rc == PGW_E_SERVER ? rc : PGW_OK;
    }
    pgw_cursor_free(cur);
    return rc;
}

pgw_status pgw_query(pgw_conn *c, const char *sql, pgw_cursor **out)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (c->io == NULL)
        return pgwi_conn_fail(c, PGW_E_STATE, "connection has no transport");
    /* Results still owed to abandoned cursors, and the idle connection's
     * pending notices, are dealt with first. */
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query_send(c, sql, &cur);
    return pgwi_io_first_result(c, rc, cur, out);
}

pgw_status pgw_cursor_close(pgw_cursor *cur)
{
    if (cur == NULL)
        return PGW_OK;
    pgw_status first = PGW_OK, rc;
    for (;;) {
        rc = pgw_cursor_next_result(cur);
        if (rc == PGW_END)
            break;
        if (rc == PGW_E_SERVER) {
            if (first == PGW_OK)
                first = rc;
            continue;
        }
        if (rc < 0) {
            if (first == PGW_OK)
                first = rc;
            break;
        }
    }
    pgw_cursor_free(cur);
    return first;
}

pgw_status pgw_exec(pgw_conn *c, const char *sql, uint64_t *rows)
{
    if (rows != NULL)
        *rows = 0;
    pgw_cursor *cur;
    pgw_status rc = pgw_query(c, sql, &cur);
    return pgwi_io_exec_cursor(cur, rc, rows);
}

pgw_status pgwi_io_exec_cursor(pgw_cursor *cur, pgw_status rc, uint64_t *rows)
{
    if (rows != NULL)
        *rows = 0;
    if (cur == NULL)
        return rc;
    pgw_status first = rc;
    for (;;) {
        if (rc == PGW_OK && rows != NULL) {
            /* Reach the end of this result to learn its tag. */
            while ((rc = pgw_cursor_next(cur)) == PGW_OK)
                ;
            uint64_t n = 0;
            if (rc == PGW_END) {
                *rows = pgw_cursor_rows_affected(cur, &n) == PGW_OK ? n : 0;
                rc = PGW_OK;
            }
        }
        if (rc < 0 && first == PGW_OK)
            first = rc;
        if (rc < 0 && rc != PGW_E_SERVER)
            break;
        rc = pgw_cursor_next_result(cur);
        if (rc == PGW_END)
            break;
    }
    pgw_cursor_free(cur);
    return first;
}

pgw_status pgw_query_result(pgw_conn *c, const char *sql, pgw_result **out)
{
    *out = NULL;
    pgw_cursor *cur;
    pgw_status rc = pgw_query(c, sql, &cur);
    return pgwi_io_result_cursor(c, cur, rc, out);
}

pgw_status pgwi_io_result_cursor(pgw_conn *c, pgw_cursor *cur, pgw_status rc, pgw_result **out)
{
    *out = NULL;
    if (cur == NULL)
        return rc;
    pgw_result *last = NULL;
    pgw_status first = rc;
    while (rc == PGW_OK) {
        pgw_result *r = NULL;
        rc = pgw_cursor_fetch_all(cur, &r);
        if (rc != PGW_OK)
            break;
        pgw_result_free(last);
        last = r;
        rc = pgw_cursor_next_result(cur);
    }
    if (rc < 0 && first == PGW_OK)
        first = rc;
    if (rc == PGW_E_SERVER || (rc < 0 && c->state != PGW_CONN_BROKEN)) {
        /* Drain to ReadyForQuery so the connection is idle again. */
        while ((rc = pgw_cursor_next_result(cur)) != PGW_END && rc != PGW_E_CLOSED &&
               c->state != PGW_CONN_BROKEN)
            ;
    }
    pgw_cursor_free(cur);
    if (first != PGW_OK) {
        pgw_result_free(last);
        /* Re-assert the first error: draining may have cleared nothing, but
         * callers read pgw_conn_error() for the failed statement. */
        return first;
    }
    *out = last;
    return PGW_OK;
}

void pgw_close(pgw_conn *c)
{
    pgw_conn_free(c);
}
