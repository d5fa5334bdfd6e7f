/* The async-signal-safe cancel: everything is prepared while the
 * connection is up (the server's address, the request bytes), so firing
 * needs only socket, setsockopt, connect, poll, send, recv and close — all
 * on POSIX's list of async-signal-safe functions — and no allocation, no
 * stdio, no locale. Error texts are assembled by hand for the same reason. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "conn/cancel_int.h"
#include "io/cancel_int.h"
#include "pgwire/cancel.h"

struct pgw_cancel_handle {
    pgw_allocator alloc_copy;
    bool has_alloc;
    pgwi_cancel_addr addr;
    uint8_t req[4 + 4 + 4 + 256]; /* length, code, pid, key of up to 256 bytes */
    size_t req_len;
};

static int ch_int_opt(const pgw_conn *c, const char *kw, int def)
{
    const char *v = pgw_conn_option(c, kw);
    int n;
    if (v == NULL || *v == '\0' || !pgwi_parse_int_option(v, &n))
        return def;
    return n;
}

pgw_status pgwi_cancel_addr_get(pgw_conn *c, pgwi_cancel_addr *out)
{
    pgw_status rc = pgwi_cancel_check(c);
    if (rc != PGW_OK)
        return rc;
    int fd = pgw_conn_fd(c);
    if (fd < 0) {
        pgwi_conn_refuse(c, PGW_E_UNSUPPORTED,
                         "cannot cancel: the connection's transport has no socket");
        return PGW_E_UNSUPPORTED;
    }
    memset(out, 0, sizeof *out);
    out->len = sizeof out->ss;
    if (getpeername(fd, (struct sockaddr *)&out->ss, &out->len) != 0) {
        int e = errno;
        pgwi_conn_refuse(c, PGW_E_IO, "cannot cancel: could not get the server's address: %s",
                         strerror(e));
        return PGW_E_IO;
    }
    if (out->ss.ss_family == AF_UNIX && out->len <= offsetof(struct sockaddr_un, sun_path) + 1) {
        /* An unnamed peer: rebuild the path the connection used. */
        const pgwi_io *io = c->io;
        struct sockaddr_un *sun = (struct sockaddr_un *)&out->ss;
        const char *dir = io != NULL && io->have_used && io->used_host[0] == '/'
                              ? io->used_host
                              : PGW_DEFAULT_SOCKET_DIR;
        const char *port = io != NULL && io->have_used && io->used_port[0] ? io->used_port
                                                                          : "5432";
        int n = snprintf(sun->sun_path, sizeof sun->sun_path, "%s/.s.PGSQL.%s", dir, port);
        if (n < 0 || (size_t)n >= sizeof sun->sun_path) {
            pgwi_conn_refuse(c, PGW_E_IO, "cannot cancel: socket path too long");
            return PGW_E_IO;
        }
        out->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
    }
    out->keepalives = ch_int_opt(c, "keepalives", 1);
    out->keepalives_idle = ch_int_opt(c, "keepalives_idle", 0);
    out->keepalives_interval = ch_int_opt(c, "keepalives_interval", 0);
    out->keepalives_count = ch_int_opt(c, "keepalives_count", 0);
    out->tcp_user_timeout_ms = ch_int_opt(c, "tcp_user_timeout", 0);
    int t = ch_int_opt(c, "connect_timeout", 0);
    /* libpq's rule: anything below 2 s is raised to 2 s. */
    out->timeout_ms = t <= 0 ? -1 : t < 2 ? 2000 : t > INT32_MAX / 1000 ? INT32_MAX : t * 1000;
    return PGW_OK;
}

int pgwi_cancel_socket(const pgwi_cancel_addr *a, bool *in_progress)
{
    *in_progress = false;
    int family = a->ss.ss_family;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (family != AF_UNIX) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (a->keepalives != 0) {
            setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
#ifdef TCP_KEEPIDLE
            if (a->keepalives_idle > 0)
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &a->keepalives_idle, sizeof(int));
#endif
#ifdef TCP_KEEPINTVL
            if (a->keepalives_interval > 0)
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &a->keepalives_interval, sizeof(int));
#endif
#ifdef TCP_KEEPCNT
            if (a->keepalives_count > 0)
                setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &a->keepalives_count, sizeof(int));
#endif
        }
#ifdef TCP_USER_TIMEOUT
        if (a->tcp_user_timeout_ms > 0)
            setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &a->tcp_user_timeout_ms, sizeof(int));
#endif
    }
    if (connect(fd, (const struct sockaddr *)&a->ss, a->len) == 0)
        return fd;
    if (errno == EINPROGRESS || errno == EINTR || errno == EAGAIN) {
        *in_progress = true;
        return fd;
    }
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

pgw_status pgw_cancel_handle_new(pgw_conn *c, pgw_cancel_handle **out)
{
    if (c == NULL || out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgwi_cancel_addr addr;
    pgw_status rc = pgwi_cancel_addr_get(c, &addr);
    if (rc != PGW_OK)
        return rc;
    pgw_cancel_handle *h = pgwi_alloc(c->a, sizeof *h);
    if (h == NULL)
        return PGW_E_NOMEM;
    memset(h, 0, sizeof *h);
    if (c->a != NULL) {
        h->alloc_copy = *c->a;
        h->has_alloc = true;
    }
    h->addr = addr;
    /* Build the request with the protocol layer's builder, then keep its
     * bytes: firing must not touch a pgw_buf (it may allocate). */
    pgw_buf b;
    pgw_buf_init(&b, c->a, sizeof h->req);
    b.wipe = true;
    rc = pgw_build_cancel_request(&b, c->backend_pid, c->cancel_key, c->cancel_key_len);
    if (rc == PGW_OK && b.len <= sizeof h->req) {
        memcpy(h->req, b.data, b.len);
        h->req_len = b.len;
    } else if (rc == PGW_OK) {
        rc = PGW_E_INVALID;
    }
    pgw_buf_free(&b);
    if (rc != PGW_OK) {
        pgw_cancel_handle_free(h);
        if (rc == PGW_E_NOMEM)
            return rc;
        pgwi_conn_refuse(c, PGW_E_INVALID, "cannot cancel: invalid cancel key");
        return PGW_E_INVALID;
    }
    *out = h;
    return PGW_OK;
}

void pgw_cancel_handle_free(pgw_cancel_handle *h)
{
    if (h == NULL)
        return;
    pgw_allocator a = h->alloc_copy;
    bool has = h->has_alloc;
    pgwi_wipe(h, sizeof *h);
    pgwi_free(has ? &a : NULL, h, sizeof *h);
}

/* ---- firing: async-signal-safe from here on ---------------------------- */

/* Append s to errbuf without stdio. */
static void ch_put_str(char *buf, size_t len, size_t *at, const char *s)
{
    while (*s != '\0' && *at + 1 < len)
        buf[(*at)++] = *s++;
    buf[*at] = '\0';
}

static void ch_put_num(char *buf, size_t len, size_t *at, int v)
{
    char tmp[16];
    size_t n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0 && n < sizeof tmp - 1);
    if (v < 0)
        tmp[n++] = '-';
    char out[17];
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    ch_put_str(buf, len, at, out);
}

/* strerror() is not async-signal-safe: name the common errnos ourselves. */
static const char *ch_errno_name(int e)
{
    switch (e) {
    case ECONNREFUSED: return "Connection refused";
    case ECONNRESET: return "Connection reset by peer";
    case ETIMEDOUT: return "Connection timed out";
    case EHOSTUNREACH: return "No route to host";
    case ENETUNREACH: return "Network is unreachable";
    case ENOENT: return "No such file or directory";
    case EACCES: return "Permission denied";
    case EPIPE: return "Broken pipe";
    case EMFILE: return "Too many open files";
    case EADDRNOTAVAIL: return "Cannot assign requested address";
    default: return NULL;
    }
}

static pgw_status ch_fail(char *errbuf, size_t errlen, const char *what, int e, int fd,
                       pgw_status rc)
{
    if (errbuf != NULL && errlen > 0) {
        size_t at = 0;
        errbuf[0] = '\0';
        ch_put_str(errbuf, errlen, &at, "cancel: ");
        ch_put_str(errbuf, errlen, &at, what);
        if (e != 0) {
            ch_put_str(errbuf, errlen, &at, ": ");
            const char *name = ch_errno_name(e);
            if (name != NULL) {
                ch_put_str(errbuf, errlen, &at, name);
            } else {
                ch_put_str(errbuf, errlen, &at, "errno ");
                ch_put_num(errbuf, errlen, &at, e);
            }
        }
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

static int64_t ch_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts); /* async-signal-safe */
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* poll() one event with a timeout across EINTR: 1 ready, 0 timeout, -1. */
static int ch_wait_one(int fd, short ev, int timeout_ms)
{
    int64_t deadline = timeout_ms < 0 ? -1 : ch_mono_ms() + timeout_ms;
    for (;;) {
        int left = -1;
        if (deadline >= 0) {
            int64_t l = deadline - ch_mono_ms();
            left = l < 0 ? 0 : l > INT32_MAX ? INT32_MAX : (int)l;
        }
        struct pollfd p = {.fd = fd, .events = ev, .revents = 0};
        int rc = poll(&p, 1, left);
        if (rc >= 0)
            return rc > 0 ? 1 : 0;
        if (errno != EINTR)
            return -1;
    }
}

static pgw_status ch_fire(const pgw_cancel_handle *h, char *errbuf, size_t errlen)
{
    bool in_progress;
    int fd = pgwi_cancel_socket(&h->addr, &in_progress);
    if (fd < 0)
        return ch_fail(errbuf, errlen, "connect() failed", errno, -1, PGW_E_IO);
    int t = h->addr.timeout_ms;
    if (in_progress) {
        int w = ch_wait_one(fd, POLLOUT, t);
        if (w == 0)
            return ch_fail(errbuf, errlen, "connect() timed out", 0, fd, PGW_E_TIMEOUT);
        int err = 0;
        socklen_t len = sizeof err;
        if (w < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
            return ch_fail(errbuf, errlen, "connect() failed", err != 0 ? err : errno, fd, PGW_E_IO);
    }
    size_t sent = 0;
    while (sent < h->req_len) {
        ssize_t n = send(fd, h->req + sent, h->req_len - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int w = ch_wait_one(fd, POLLOUT, t);
            if (w == 0)
                return ch_fail(errbuf, errlen, "send() timed out", 0, fd, PGW_E_TIMEOUT);
            if (w > 0)
                continue;
        }
        return ch_fail(errbuf, errlen, "send() failed", errno, fd, PGW_E_IO);
    }
    /* Wait for the server to close the connection: until then the request
     * may not have been processed, and a query sent meanwhile could be
     * the one cancelled. No data is expected. */
    for (;;) {
        uint8_t byte;
        ssize_t n = recv(fd, &byte, 1, 0);
        if (n == 0)
            break;
        if (n > 0)
            continue; /* nothing is expected; keep waiting for the end */
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int w = ch_wait_one(fd, POLLIN, t);
            if (w == 0)
                return ch_fail(errbuf, errlen, "recv() timed out", 0, fd, PGW_E_TIMEOUT);
            if (w > 0)
                continue;
        }
        /* A reset after the request went out still means it was read. */
        if (errno == ECONNRESET)
            break;
        return ch_fail(errbuf, errlen, "recv() failed", errno, fd, PGW_E_IO);
    }
    close(fd);
    return PGW_OK;
}

pgw_status pgw_cancel_handle_fire(const pgw_cancel_handle *h, char *errbuf, size_t errlen)
{
    int saved = errno;
    pgw_status rc;
    if (h == NULL)
        rc = ch_fail(errbuf, errlen, "no cancel handle supplied", 0, -1, PGW_E_INVALID);
    else
        rc = ch_fire(h, errbuf, errlen);
    errno = saved;
    return rc;
}
