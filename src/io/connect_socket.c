/* The default transport's socket, opened without waiting, for
 * pgw_connect_poll(): resolve (addresses handed in by the resolver thread,
 * the application's hook, or a getaddrinfo that blocks as in libpq;
 * nothing for hostaddr and Unix sockets), then one non-blocking connect per address,
 * moving to the next on failure or when the caller's deadline passes.
 * Once connected, the handle speaks the same read/write/wait as
 * socket_transport.c, and the messages are the same words. */
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
#include <unistd.h>

#include "io/multihost.h"

struct pgwi_nbsock {
    int fd;
    bool is_unix;
    pgw_resolved_addr *addrs; /* TCP: every address (malloc'd) */
    size_t naddr, cur;        /* and the one being tried */
    struct sockaddr_un sun;
    char path[128];           /* Unix: the socket file, for messages */
    char shown[256], port[32];
    char where[320];          /* "h" (addr), port p — of the address being tried */
    char desc[400];           /* the prefix for startup errors once connected */
    pgw_transport_target t;
};

static void nb_append_err(char *errbuf, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void nb_append_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    size_t used = strlen(errbuf);
    if (used + 1 >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf + used, errlen - used, fmt, ap);
    va_end(ap);
}

/* Record why the current address failed (libpq's words). */
static pgw_status address_failed(pgwi_nbsock *h, int e, char *errbuf, size_t errlen)
{
    if (errbuf[0] != '\0')
        nb_append_err(errbuf, errlen, "\n");
    if (h->is_unix) {
        if (e == ETIMEDOUT)
            nb_append_err(errbuf, errlen, "connection to server on socket \"%s\" failed: timeout expired",
                       h->path);
        else
            nb_append_err(errbuf, errlen,
                       "connection to server on socket \"%s\" failed: %s\n"
                       "\tIs the server running locally and accepting connections on that socket?",
                       h->path, strerror(e));
    } else if (e == ETIMEDOUT) {
        nb_append_err(errbuf, errlen, "connection to server at %s failed: timeout expired", h->where);
    } else {
        nb_append_err(errbuf, errlen,
                   "connection to server at %s failed: %s\n"
                   "\tIs the server running on that host and accepting TCP/IP connections?",
                   h->where, strerror(e));
    }
    return e == ETIMEDOUT ? PGW_E_TIMEOUT : PGW_E_IO;
}

static void connected(pgwi_nbsock *h)
{
    int n = h->is_unix
                ? snprintf(h->desc, sizeof h->desc, "connection to server on socket \"%s\" failed: ",
                           h->path)
                : snprintf(h->desc, sizeof h->desc, "connection to server at %s failed: ", h->where);
    if (n < 0)
        h->desc[0] = '\0';
}

/* Start connect(2) on the current address: PGW_OK (connected at once),
 * PGW_WANT_WRITE (in progress), or the errno in *e. */
static pgw_status start_one(pgwi_nbsock *h, int *e)
{
    int family = h->is_unix ? AF_UNIX : h->addrs[h->cur].addr.ss_family;
    const struct sockaddr *sa = h->is_unix ? (const struct sockaddr *)&h->sun
                                           : (const struct sockaddr *)&h->addrs[h->cur].addr;
    socklen_t salen = h->is_unix ? (socklen_t)sizeof h->sun : h->addrs[h->cur].len;
    if (!h->is_unix) {
        char addr[NI_MAXHOST] = "";
        getnameinfo(sa, salen, addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
        int wn = strcmp(addr, h->shown) == 0
                     ? snprintf(h->where, sizeof h->where, "\"%s\", port %s", h->shown, h->port)
                     : snprintf(h->where, sizeof h->where, "\"%s\" (%s), port %s", h->shown, addr,
                                h->port);
        if (wn < 0)
            h->where[0] = '\0';
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *e = errno;
        return PGW_E_IO;
    }
    if (!h->is_unix)
        pgwi_tcp_options(fd, &h->t);
    h->fd = fd;
    if (connect(fd, sa, salen) == 0)
        return PGW_OK;
    if (errno == EINPROGRESS || errno == EAGAIN || errno == EINTR)
        return PGW_WANT_WRITE;
    *e = errno;
    close(fd);
    h->fd = -1;
    return PGW_E_IO;
}

/* From the current address on, start connecting until one is in progress
 * or connected; PGW_E_* when none is left. */
static pgw_status start_from_current(pgwi_nbsock *h, char *errbuf, size_t errlen, int *sys_errno)
{
    pgw_status last = PGW_E_IO;
    for (;;) {
        int e = 0;
        pgw_status rc = start_one(h, &e);
        if (rc == PGW_OK) {
            connected(h);
            return PGW_OK;
        }
        if (rc == PGW_WANT_WRITE)
            return rc;
        *sys_errno = e;
        last = address_failed(h, e, errbuf, errlen);
        if (h->is_unix || h->cur + 1 >= h->naddr)
            return last;
        h->cur++;
    }
}

pgw_status pgwi_nbsock_begin(const pgw_transport_target *t, const pgwi_resolver *r,
                             pgw_resolved_addr *addrs, size_t naddrs, pgwi_nbsock **out,
                             char *errbuf, size_t errlen, int *sys_errno)
{
    *out = NULL;
    *sys_errno = 0;
    if (errlen > 0)
        errbuf[0] = '\0';
    pgwi_nbsock *h = calloc(1, sizeof *h);
    if (h == NULL) {
        free(addrs);
        return PGW_E_NOMEM;
    }
    h->fd = -1;
    h->t = *t;
    const char *host = t->host, *hostaddr = t->hostaddr;
    const char *port = t->port != NULL && *t->port != '\0' ? t->port : "5432";
    if (snprintf(h->port, sizeof h->port, "%s", port) < 0)
        h->port[0] = '\0';
    bool have_addr = hostaddr != NULL && *hostaddr != '\0';
    pgw_status rc;
    if (!have_addr && (host == NULL || *host == '\0' || host[0] == '/')) {
        const char *dir = host != NULL && *host != '\0' ? host : PGW_DEFAULT_SOCKET_DIR;
        free(addrs); /* not looked up for a socket directory */
        h->is_unix = true;
        h->sun.sun_family = AF_UNIX;
        int n = snprintf(h->path, sizeof h->path, "%s/.s.PGSQL.%s", dir, h->port);
        if (n < 0 || (size_t)n >= sizeof h->sun.sun_path) {
            nb_append_err(errbuf, errlen,
                       "Unix-domain socket path \"%s/.s.PGSQL.%s\" is too long (maximum %d bytes)",
                       dir, h->port, (int)sizeof h->sun.sun_path - 1);
            free(h);
            return PGW_E_INVALID;
        }
        memcpy(h->sun.sun_path, h->path, (size_t)n + 1);
        rc = start_from_current(h, errbuf, errlen, sys_errno);
    } else {
        const char *name = have_addr ? hostaddr : host;
        if (snprintf(h->shown, sizeof h->shown, "%s",
                     host != NULL && *host != '\0' ? host : hostaddr) < 0)
            h->shown[0] = '\0';
        int gai = 0;
        if (addrs != NULL) {
            h->addrs = addrs; /* the resolver thread's answer */
            h->naddr = naddrs;
            addrs = NULL;
        } else if (!have_addr && r != NULL && r->fn != NULL) {
            rc = pgwi_resolve_hook(r, name, h->port, &h->addrs, &h->naddr, errbuf, errlen);
            if (rc != PGW_OK) {
                free(h);
                return rc;
            }
        } else {
            /* Without a hook or the thread, the one blocking call of the
             * non-blocking path (documented). */
            gai = pgwi_gai_addrs(name, h->port, have_addr, &h->addrs, &h->naddr);
        }
        if (gai != 0) {
            if (have_addr)
                nb_append_err(errbuf, errlen, "could not parse network address \"%s\": %s", name,
                           gai_strerror(gai));
            else
                nb_append_err(errbuf, errlen, "could not translate host name \"%s\" to address: %s",
                           name, gai_strerror(gai));
            free(h);
            return PGW_E_RESOLVE;
        }
        h->cur = 0;
        rc = start_from_current(h, errbuf, errlen, sys_errno);
    }
    if (rc != PGW_OK && rc != PGW_WANT_WRITE) {
        pgwi_nbsock_close(h);
        return rc;
    }
    *out = h;
    return rc;
}

pgw_status pgwi_nbsock_continue(pgwi_nbsock *h, bool timed_out, char *errbuf, size_t errlen,
                                int *sys_errno)
{
    int err = 0;
    if (timed_out) {
        err = ETIMEDOUT;
    } else {
        struct pollfd p = {.fd = h->fd, .events = POLLOUT, .revents = 0};
        int n;
        do
            n = poll(&p, 1, 0);
        while (n < 0 && errno == EINTR);
        if (n == 0)
            return PGW_WANT_WRITE; /* a spurious wake-up */
        socklen_t len = sizeof err;
        if (n < 0)
            err = errno;
        else if (getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
            err = errno;
        if (err == 0) {
            connected(h);
            return PGW_OK;
        }
    }
    close(h->fd);
    h->fd = -1;
    *sys_errno = err;
    pgw_status last = address_failed(h, err, errbuf, errlen);
    if (h->is_unix || h->cur + 1 >= h->naddr)
        return last;
    h->cur++;
    return start_from_current(h, errbuf, errlen, sys_errno);
}

/* ---- the connected handle: the default transport's calls -------------- */

static pgw_status nb_read(void *handle, void *buf, size_t n, size_t *got, int *sys_errno)
{
    return pgwi_fd_read(((pgwi_nbsock *)handle)->fd, buf, n, got, sys_errno);
}

static pgw_status nb_write(void *handle, const void *buf, size_t n, size_t *put, int *sys_errno)
{
    return pgwi_fd_write(((pgwi_nbsock *)handle)->fd, buf, n, put, sys_errno);
}

static pgw_status nb_wait(void *handle, bool want_read, bool want_write, int timeout_ms,
                          int *sys_errno)
{
    pgwi_nbsock *h = handle;
    struct pollfd p = {.fd = h->fd,
                       .events = (short)((want_read ? POLLIN : 0) | (want_write ? POLLOUT : 0)),
                       .revents = 0};
    int64_t deadline = timeout_ms < 0 ? -1 : pgwi_now_ms() + timeout_ms;
    for (;;) {
        int rc = poll(&p, 1, pgwi_remaining_ms(deadline));
        if (rc > 0)
            return PGW_OK;
        if (rc == 0)
            return PGW_E_TIMEOUT;
        if (errno != EINTR) {
            *sys_errno = errno;
            return PGW_E_IO;
        }
    }
}

static int nb_fd(void *handle)
{
    return ((pgwi_nbsock *)handle)->fd;
}

void pgwi_nbsock_close(void *handle)
{
    pgwi_nbsock *h = handle;
    if (h == NULL)
        return;
    if (h->fd >= 0)
        close(h->fd);
    free(h->addrs);
    free(h);
}

static const char *nb_describe(void *handle)
{
    return ((pgwi_nbsock *)handle)->desc;
}

const pgw_transport pgwi_nbsock_transport = {
    .open = NULL, /* opened by pgwi_nbsock_begin/continue */
    .read = nb_read,
    .write = nb_write,
    .wait = nb_wait,
    .fd = nb_fd,
    .close = pgwi_nbsock_close,
    .describe = nb_describe,
    .ud = NULL,
};
