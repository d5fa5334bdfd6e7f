/* The default transport: TCP over every address getaddrinfo returns (IPv4
 * and IPv6), and Unix-domain sockets. Non-blocking sockets; every wait is a
 * poll with a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "io/io_int.h"

typedef struct sock_handle {
    int fd;
    char desc[320];
} sock_handle;

int64_t pgwi_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int pgwi_remaining_ms(int64_t deadline)
{
    if (deadline < 0)
        return -1;
    int64_t left = deadline - pgwi_now_ms();
    if (left < 0)
        return 0;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

static void append_err(char *errbuf, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void append_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    size_t used = strlen(errbuf);
    if (used + 1 >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf + used, errlen - used, fmt, ap);
    va_end(ap);
}

static int wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events, .revents = 0};
    int64_t deadline = timeout_ms < 0 ? -1 : pgwi_now_ms() + timeout_ms;
    for (;;) {
        int rc = poll(&p, 1, pgwi_remaining_ms(deadline));
        if (rc > 0)
            return 1;
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* Connect one socket, honouring the timeout. Returns the fd or -1 with
 * errno set (ETIMEDOUT for a timeout). */
/* TCP options from the connection options, as libpq sets them. Failures
 * to set an option are not fatal (libpq reports them; a kernel without
 * TCP_USER_TIMEOUT still connects). */
void pgwi_tcp_options(int fd, const pgw_transport_target *t)
{
    int one = 1;
    /* Small protocol messages must not wait for Nagle. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (t->keepalives == 0)
        return;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
#ifdef TCP_KEEPIDLE
    if (t->keepalives_idle > 0)
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &t->keepalives_idle, sizeof(int));
#endif
#ifdef TCP_KEEPINTVL
    if (t->keepalives_interval > 0)
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &t->keepalives_interval, sizeof(int));
#endif
#ifdef TCP_KEEPCNT
    if (t->keepalives_count > 0)
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &t->keepalives_count, sizeof(int));
#endif
#ifdef TCP_USER_TIMEOUT
    if (t->tcp_user_timeout_ms > 0)
        setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &t->tcp_user_timeout_ms, sizeof(int));
#endif
}

static int connect_one(int family, const struct sockaddr *sa, socklen_t salen,
                       const pgw_transport_target *t)
{
    int timeout_ms = t->connect_timeout_ms;
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (family != AF_UNIX)
        pgwi_tcp_options(fd, t);
    if (connect(fd, sa, salen) == 0)
        return fd;
    if (errno != EINPROGRESS && errno != EAGAIN && errno != EINTR) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    int w = wait_fd(fd, POLLOUT, timeout_ms);
    if (w <= 0) {
        int e = w == 0 ? ETIMEDOUT : errno;
        close(fd);
        errno = e;
        return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        close(fd);
        errno = err != 0 ? err : errno;
        return -1;
    }
    return fd;
}

static pgw_status open_unix(const char *dir, const pgw_transport_target *t, sock_handle *h,
                            char *errbuf, size_t errlen, int *sys_errno)
{
    const char *port = t->port;
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    char path[512];
    int n = snprintf(path, sizeof path, "%s/.s.PGSQL.%s", dir, port);
    if (n < 0 || (size_t)n >= sizeof sun.sun_path) {
        append_err(errbuf, errlen, "Unix-domain socket path \"%s\" is too long (maximum %d bytes)",
                   path, (int)sizeof sun.sun_path - 1);
        return PGW_E_INVALID;
    }
    memcpy(sun.sun_path, path, (size_t)n + 1);
    int fd = connect_one(AF_UNIX, (const struct sockaddr *)&sun, sizeof sun, t);
    if (fd < 0) {
        *sys_errno = errno;
        if (errno == ETIMEDOUT)
            append_err(errbuf, errlen, "connection to server on socket \"%s\" failed: timeout expired",
                       path);
        else
            append_err(errbuf, errlen,
                       "connection to server on socket \"%s\" failed: %s\n"
                       "\tIs the server running locally and accepting connections on that socket?",
                       path, strerror(errno));
        return errno == ETIMEDOUT ? PGW_E_TIMEOUT : PGW_E_IO;
    }
    h->fd = fd;
    /* Truncation only shortens the message prefix. */
    if (snprintf(h->desc, sizeof h->desc, "connection to server on socket \"%s\" failed: ", path) < 0)
        h->desc[0] = '\0';
    return PGW_OK;
}

static pgw_status sock_open(void *ud, const pgw_transport_target *t, void **handle,
                            char *errbuf, size_t errlen, int *sys_errno)
{
    (void)ud;
    const char *host = t->host, *hostaddr = t->hostaddr, *port = t->port;
    *handle = NULL;
    *sys_errno = 0;
    if (errlen > 0)
        errbuf[0] = '\0';
    sock_handle *h = malloc(sizeof *h);
    if (h == NULL)
        return PGW_E_NOMEM;
    h->fd = -1;
    h->desc[0] = '\0';
    if (port == NULL || *port == '\0')
        port = "5432";
    bool have_addr = hostaddr != NULL && *hostaddr != '\0';
    if (!have_addr && (host == NULL || *host == '\0' || host[0] == '/')) {
        const char *dir = host != NULL && *host != '\0' ? host : PGW_DEFAULT_SOCKET_DIR;
        pgw_transport_target ut = *t;
        ut.port = port;
        pgw_status rc = open_unix(dir, &ut, h, errbuf, errlen, sys_errno);
        if (rc != PGW_OK) {
            free(h);
            return rc;
        }
        *handle = h;
        return PGW_OK;
    }
    const char *name = have_addr ? hostaddr : host;
    const char *shown = host != NULL && *host != '\0' ? host : hostaddr;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = have_addr ? AI_NUMERICHOST : 0;
    int gai = getaddrinfo(name, port, &hints, &res);
    if (gai != 0) {
        if (have_addr)
            append_err(errbuf, errlen, "could not parse network address \"%s\": %s", name,
                       gai_strerror(gai));
        else
            append_err(errbuf, errlen, "could not translate host name \"%s\" to address: %s",
                       name, gai_strerror(gai));
        free(h);
        return PGW_E_RESOLVE;
    }
    pgw_status rc = PGW_E_IO;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        char addr[NI_MAXHOST] = "";
        getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
        /* libpq shows the address in parentheses only when it differs
         * from what the user wrote. */
        char where[300];
        int wn = strcmp(addr, shown) == 0
                     ? snprintf(where, sizeof where, "\"%s\", port %s", shown, port)
                     : snprintf(where, sizeof where, "\"%s\" (%s), port %s", shown, addr, port);
        if (wn < 0)
            where[0] = '\0';
        int fd = connect_one(ai->ai_family, ai->ai_addr, ai->ai_addrlen, t);
        if (fd >= 0) {
            h->fd = fd;
            if (snprintf(h->desc, sizeof h->desc, "connection to server at %s failed: ", where) < 0)
                h->desc[0] = '\0';
            rc = PGW_OK;
            break;
        }
        *sys_errno = errno;
        if (errbuf[0] != '\0')
            append_err(errbuf, errlen, "\n");
        if (errno == ETIMEDOUT) {
            append_err(errbuf, errlen, "connection to server at %s failed: timeout expired", where);
            rc = PGW_E_TIMEOUT;
        } else {
            append_err(errbuf, errlen,
                       "connection to server at %s failed: %s\n"
                       "\tIs the server running on that host and accepting TCP/IP connections?",
                       where, strerror(errno));
            rc = PGW_E_IO;
        }
    }
    freeaddrinfo(res);
    if (rc != PGW_OK) {
        free(h);
        return rc;
    }
    *handle = h;
    return PGW_OK;
}

pgw_status pgwi_fd_read(int fd, void *buf, size_t n, size_t *got, int *sys_errno)
{
    for (;;) {
        ssize_t r = recv(fd, buf, n, 0);
        if (r > 0) {
            *got = (size_t)r;
            return PGW_OK;
        }
        if (r == 0)
            return PGW_E_CLOSED;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return PGW_WANT_READ;
        *sys_errno = errno;
        /* A reset is the server going away, the same as an orderly close
         * for the caller's purposes, but keep errno for the message. */
        return errno == ECONNRESET ? PGW_E_CLOSED : PGW_E_IO;
    }
}

pgw_status pgwi_fd_write(int fd, const void *buf, size_t n, size_t *put, int *sys_errno)
{
    for (;;) {
        /* MSG_NOSIGNAL: a library must not kill its host with SIGPIPE. */
        ssize_t r = send(fd, buf, n, MSG_NOSIGNAL);
        if (r >= 0) {
            *put = (size_t)r;
            return r > 0 ? PGW_OK : PGW_WANT_WRITE;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return PGW_WANT_WRITE;
        *sys_errno = errno;
        return errno == EPIPE || errno == ECONNRESET ? PGW_E_CLOSED : PGW_E_IO;
    }
}

static pgw_status sock_read(void *handle, void *buf, size_t n, size_t *got, int *sys_errno)
{
    return pgwi_fd_read(((sock_handle *)handle)->fd, buf, n, got, sys_errno);
}

static pgw_status sock_write(void *handle, const void *buf, size_t n, size_t *put, int *sys_errno)
{
    return pgwi_fd_write(((sock_handle *)handle)->fd, buf, n, put, sys_errno);
}

static pgw_status sock_wait(void *handle, bool want_read, bool want_write, int timeout_ms,
                            int *sys_errno)
{
    sock_handle *h = handle;
    short ev = (short)((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0));
    int w = wait_fd(h->fd, ev, timeout_ms);
    if (w > 0)
        return PGW_OK;
    if (w == 0)
        return PGW_E_TIMEOUT;
    *sys_errno = errno;
    return PGW_E_IO;
}

static int sock_fd(void *handle)
{
    return ((sock_handle *)handle)->fd;
}

static void sock_close(void *handle)
{
    sock_handle *h = handle;
    if (h->fd >= 0)
        close(h->fd);
    free(h);
}

static const char *sock_describe(void *handle)
{
    return ((sock_handle *)handle)->desc;
}

static const pgw_transport default_transport = {
    .open = sock_open,
    .read = sock_read,
    .write = sock_write,
    .wait = sock_wait,
    .fd = sock_fd,
    .close = sock_close,
    .describe = sock_describe,
    .ud = NULL,
};

const pgw_transport *pgw_transport_default(void)
{
    return &default_transport;
}
