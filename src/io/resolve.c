/* Host name resolution for the connect machine: getaddrinfo into an
 * array, the application's hook with its answer checked, and the opt-in
 * resolver thread that lets pgw_connect_poll() wait for DNS on a
 * descriptor instead of blocking. Memory here is libc's (as for the
 * sockets of connect_socket.c): the thread may outlive the connection and
 * its allocator. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "io/multihost.h"

int pgwi_gai_addrs(const char *name, const char *port, bool numeric, pgw_resolved_addr **out,
                   size_t *n)
{
    *out = NULL;
    *n = 0;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = numeric ? AI_NUMERICHOST : 0;
    int gai = getaddrinfo(name, port, &hints, &res);
    if (gai != 0)
        return gai;
    size_t count = 0;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
        if (ai->ai_addrlen <= sizeof(struct sockaddr_storage))
            count++;
    pgw_resolved_addr *v = count > 0 ? calloc(count, sizeof *v) : NULL;
    if (v == NULL) {
        freeaddrinfo(res);
        return count > 0 ? EAI_MEMORY : EAI_NONAME;
    }
    size_t i = 0;
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        if (ai->ai_addrlen > sizeof(struct sockaddr_storage))
            continue;
        memcpy(&v[i].addr, ai->ai_addr, ai->ai_addrlen);
        v[i].len = ai->ai_addrlen;
        i++;
    }
    freeaddrinfo(res);
    *out = v;
    *n = count;
    return 0;
}

static bool addr_ok(const pgw_resolved_addr *a)
{
    if (a->addr.ss_family == AF_INET)
        return a->len == sizeof(struct sockaddr_in);
    if (a->addr.ss_family == AF_INET6)
        return a->len == sizeof(struct sockaddr_in6);
    return false;
}

pgw_status pgwi_resolve_hook(const pgwi_resolver *r, const char *host, const char *port,
                             pgw_resolved_addr **out, size_t *n, char *errbuf, size_t errlen)
{
    *out = NULL;
    *n = 0;
    pgw_resolved_addr *v = calloc(PGW_RESOLVE_MAX_ADDRS, sizeof *v);
    if (v == NULL)
        return PGW_E_NOMEM;
    char why[256] = "";
    size_t got = 0;
    pgw_status rc = r->fn(r->ud, host, port, v, PGW_RESOLVE_MAX_ADDRS, &got, why, sizeof why);
    why[sizeof why - 1] = '\0';
    const char *reason = why[0] != '\0' ? why : NULL;
    if (rc == PGW_OK) {
        if (got == 0 || got > PGW_RESOLVE_MAX_ADDRS) {
            rc = PGW_E_RESOLVE;
            if (reason == NULL)
                reason = "the resolver hook returned no address";
        } else {
            for (size_t i = 0; i < got; i++) {
                if (!addr_ok(&v[i])) {
                    rc = PGW_E_RESOLVE;
                    reason = "the resolver hook returned a malformed address";
                    break;
                }
            }
        }
    } else if (rc > 0) {
        reason = "the resolver hook returned an unsupported status";
    }
    if (rc != PGW_OK) {
        free(v);
        if (reason == NULL)
            reason = pgw_status_str(rc);
        if (snprintf(errbuf, errlen, "could not translate host name \"%s\" to address: %s", host,
                     reason) < 0 && errlen > 0)
            errbuf[0] = '\0';
        return PGW_E_RESOLVE;
    }
    *out = v;
    *n = got;
    return PGW_OK;
}

/* ---- the resolver thread ----------------------------------------------- */

/* Shared by the connection (rfd) and the thread (wfd); the last of the two
 * to let go frees it. */
struct pgwi_rthread {
    pthread_mutex_t mu;
    int refs;
    int rfd, wfd;
    bool done;
    int gai;
    pgw_resolved_addr *addrs;
    size_t n;
    char host[NI_MAXHOST], port[32];
};

static void rthread_unref(pgwi_rthread *r)
{
    pthread_mutex_lock(&r->mu);
    bool last = --r->refs == 0;
    pthread_mutex_unlock(&r->mu);
    if (!last)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r->addrs);
    free(r);
}

static void *rthread_main(void *arg)
{
    pgwi_rthread *r = arg;
    pgw_resolved_addr *v = NULL;
    size_t n = 0;
    int gai = pgwi_gai_addrs(r->host, r->port, false, &v, &n);
    pthread_mutex_lock(&r->mu);
    r->addrs = v;
    r->n = n;
    r->gai = gai;
    r->done = true;
    pthread_mutex_unlock(&r->mu);
    /* The wake-up. A socket pair, not a pipe: when the connection has
     * already closed its end, send fails with EPIPE instead of raising
     * SIGPIPE in the application. */
    ssize_t put;
    do
        put = send(r->wfd, "r", 1, MSG_NOSIGNAL);
    while (put < 0 && errno == EINTR);
    close(r->wfd);
    rthread_unref(r);
    return NULL;
}

pgw_status pgwi_rthread_start(const char *host, const char *port, pgwi_rthread **out)
{
    *out = NULL;
    if (strlen(host) >= NI_MAXHOST || strlen(port) >= 32)
        return PGW_E_INVALID;
    pgwi_rthread *r = calloc(1, sizeof *r);
    if (r == NULL)
        return PGW_E_NOMEM;
    memcpy(r->host, host, strlen(host) + 1);
    memcpy(r->port, port, strlen(port) + 1);
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0) {
        free(r);
        return PGW_E_IO;
    }
    r->rfd = sv[0];
    r->wfd = sv[1];
    r->refs = 2;
    if (pthread_mutex_init(&r->mu, NULL) != 0) {
        close(sv[0]);
        close(sv[1]);
        free(r);
        return PGW_E_IO;
    }
    pthread_attr_t attr;
    bool ok = pthread_attr_init(&attr) == 0;
    if (ok && pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0) {
        pthread_attr_destroy(&attr);
        ok = false;
    }
    if (ok) {
        /* The signal mask is left alone (the library touches no signals):
         * the thread inherits the caller's. */
        pthread_t tid;
        ok = pthread_create(&tid, &attr, rthread_main, r) == 0;
        pthread_attr_destroy(&attr);
    }
    if (!ok) {
        pthread_mutex_destroy(&r->mu);
        close(sv[0]);
        close(sv[1]);
        free(r);
        return PGW_E_IO;
    }
    *out = r;
    return PGW_OK;
}

pgw_status pgwi_rthread_take(pgwi_rthread *r, pgw_resolved_addr **addrs, size_t *n, int *gai)
{
    pthread_mutex_lock(&r->mu);
    bool done = r->done;
    if (done) {
        *addrs = r->addrs;
        *n = r->n;
        *gai = r->gai;
        r->addrs = NULL;
        r->n = 0;
    }
    pthread_mutex_unlock(&r->mu);
    return done ? PGW_OK : PGW_WANT_READ;
}

/* ---- the handle as a transport: only fd, wait and close mean anything -- */

static pgw_status rt_read(void *handle, void *buf, size_t n, size_t *got, int *sys_errno)
{
    (void)handle, (void)buf, (void)n, (void)sys_errno;
    *got = 0;
    return PGW_E_STATE;
}

static pgw_status rt_write(void *handle, const void *buf, size_t n, size_t *put, int *sys_errno)
{
    (void)handle, (void)buf, (void)n, (void)sys_errno;
    *put = 0;
    return PGW_E_STATE;
}

static pgw_status rt_wait(void *handle, bool want_read, bool want_write, int timeout_ms,
                          int *sys_errno)
{
    (void)want_read, (void)want_write;
    struct pollfd p = {.fd = ((pgwi_rthread *)handle)->rfd, .events = POLLIN, .revents = 0};
    int rc;
    do
        rc = poll(&p, 1, timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc > 0)
        return PGW_OK;
    if (rc == 0)
        return PGW_E_TIMEOUT;
    *sys_errno = errno;
    return PGW_E_IO;
}

static int rt_fd(void *handle)
{
    return ((pgwi_rthread *)handle)->rfd;
}

/* Detach: the thread, if still running, frees the record when done. */
static void rt_close(void *handle)
{
    pgwi_rthread *r = handle;
    close(r->rfd);
    rthread_unref(r);
}

static const char *rt_describe(void *handle)
{
    (void)handle;
    return "";
}

const pgw_transport pgwi_rthread_transport = {
    .open = NULL,
    .read = rt_read,
    .write = rt_write,
    .wait = rt_wait,
    .fd = rt_fd,
    .close = rt_close,
    .describe = rt_describe,
    .ud = NULL,
};
