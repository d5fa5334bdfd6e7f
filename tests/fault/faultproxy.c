/* The fault proxy: one relay thread, one connection at a time, blocking
 * writes (bounded by SO_SNDTIMEO) and a poll loop that wakes every few
 * milliseconds to honour fp_stop() and the trickle pace. */
#define _POSIX_C_SOURCE 200809L
#include "faultproxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define FP_BUF 65536

/* One direction of a live connection. */
typedef struct fp_flow {
    fp_rule rule;
    uint8_t buf[FP_BUF];
    size_t pos, len;       /* pending bytes: buf[pos, len) */
    bool triggered;
    double next_ms;        /* trickle: earliest time for the next byte */
    /* TLS record walker (rule.tls_records > 0) */
    unsigned hdr_have;
    uint8_t hdr[5];
    size_t body_left;
    unsigned appdata_seen;
} fp_flow;

struct fp_proxy {
    int lfd;
    struct sockaddr_in upstream;
    pthread_t thread;
    atomic_bool stop;
    pthread_mutex_t mu;
    fp_rule rules[2];      /* guarded by mu */
    atomic_uint_fast64_t bytes[2];
    atomic_bool trig[2];
    atomic_uint done;
    int fd[2];             /* [FP_C2S] = client socket, [FP_S2C] = upstream socket */
    fp_flow flow[2];
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Send all of p, or fail (peer gone, or blocked past SO_SNDTIMEO). */
static bool send_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += (size_t)w;
        n -= (size_t)w;
    }
    return true;
}

/* How many of the pending bytes may go out before the rule's trigger
 * point. Advances the TLS walker over exactly the bytes it allows, which
 * the caller then sends. */
static size_t allowed(fp_flow *f, uint64_t forwarded)
{
    size_t pending = f->len - f->pos;
    if (f->rule.action == FP_PASS)
        return pending;
    if (f->rule.tls_records == 0) {
        if (forwarded >= f->rule.offset)
            return 0;
        uint64_t room = f->rule.offset - forwarded;
        return room < pending ? (size_t)room : pending;
    }
    const uint8_t *b = f->buf + f->pos;
    size_t i = 0;
    while (i < pending) {
        if (forwarded + i < f->rule.offset) {
            uint64_t room = f->rule.offset - (forwarded + i);
            size_t take = room < pending - i ? (size_t)room : pending - i;
            i += take;
            continue;
        }
        if (f->body_left > 0) {
            size_t take = f->body_left < pending - i ? f->body_left : pending - i;
            f->body_left -= take;
            i += take;
            continue;
        }
        if (f->hdr_have == 0 && b[i] == 23 && f->appdata_seen + 1 >= f->rule.tls_records)
            return i;
        f->hdr[f->hdr_have++] = b[i++];
        if (f->hdr_have == 5) {
            if (f->hdr[0] == 23)
                f->appdata_seen++;
            f->body_left = (size_t)f->hdr[3] << 8 | f->hdr[4];
            f->hdr_have = 0;
        }
    }
    return i;
}

static void close_conn(fp_proxy *fp, bool rst)
{
    if (fp->fd[FP_C2S] >= 0) {
        if (rst) {
            struct linger lg = {1, 0};
            setsockopt(fp->fd[FP_C2S], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        close(fp->fd[FP_C2S]);
    }
    if (fp->fd[FP_S2C] >= 0) {
        if (rst) {
            struct linger lg = {1, 0};
            setsockopt(fp->fd[FP_S2C], SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        close(fp->fd[FP_S2C]);
    }
    fp->fd[FP_C2S] = fp->fd[FP_S2C] = -1;
    atomic_fetch_add(&fp->done, 1u);
}

/* Move direction d's pending bytes as its rule says.
 * @return false when the connection has ended. */
static bool flush_flow(fp_proxy *fp, int d)
{
    fp_flow *f = &fp->flow[d];
    int dst = fp->fd[d == FP_C2S ? FP_S2C : FP_C2S];
    while (f->pos < f->len) {
        if (!f->triggered) {
            uint64_t fw = atomic_load(&fp->bytes[d]);
            size_t n = allowed(f, fw);
            if (n > 0) {
                /* Counted before the send, so a client that has the bytes
                 * never reads a smaller count. */
                atomic_fetch_add(&fp->bytes[d], (uint_fast64_t)n);
                if (!send_all(dst, f->buf + f->pos, n)) {
                    close_conn(fp, false);
                    return false;
                }
                f->pos += n;
            }
            if (f->pos < f->len) {
                f->triggered = true;
                f->next_ms = now_ms();
                atomic_store(&fp->trig[d], true);
            }
            continue;
        }
        switch (f->rule.action) {
        case FP_DROP:
            f->pos = f->len;
            break;
        case FP_RESET:
            close_conn(fp, true);
            return false;
        case FP_CUT:
            close_conn(fp, false);
            return false;
        case FP_TRICKLE: {
            double t = now_ms();
            if (t < f->next_ms)
                return true;
            atomic_fetch_add(&fp->bytes[d], 1u);
            if (!send_all(dst, f->buf + f->pos, 1)) {
                close_conn(fp, false);
                return false;
            }
            f->pos++;
            f->next_ms = t + f->rule.trickle_ms;
            if (f->rule.trickle_ms > 0)
                return true;
            break;
        }
        case FP_PASS:
            break;
        }
    }
    return true;
}

static void relay(fp_proxy *fp)
{
    while (!atomic_load(&fp->stop)) {
        for (int d = 0; d < 2; d++)
            if (!flush_flow(fp, d))
                return;
        struct pollfd pf[2];
        int timeout = 20;
        for (int d = 0; d < 2; d++) {
            fp_flow *f = &fp->flow[d];
            pf[d].fd = fp->fd[d];
            pf[d].events = (f->pos == f->len) ? POLLIN : 0;
            pf[d].revents = 0;
            if (f->pos < f->len && f->triggered && f->rule.action == FP_TRICKLE) {
                double wait = f->next_ms - now_ms();
                int w = wait <= 0 ? 0 : (int)wait + 1;
                if (w < timeout)
                    timeout = w;
            }
        }
        if (poll(pf, 2, timeout) < 0 && errno != EINTR) {
            close_conn(fp, false);
            return;
        }
        for (int d = 0; d < 2; d++) {
            if ((pf[d].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
                continue;
            fp_flow *f = &fp->flow[d];
            ssize_t r = recv(fp->fd[d], f->buf, sizeof f->buf, 0);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                close_conn(fp, false);
                return;
            }
            f->pos = 0;
            f->len = (size_t)r;
        }
    }
    close_conn(fp, false);
}

static void *run(void *arg)
{
    fp_proxy *fp = arg;
    while (!atomic_load(&fp->stop)) {
        struct pollfd pf = {fp->lfd, POLLIN, 0};
        if (poll(&pf, 1, 20) <= 0)
            continue;
        int cfd = accept(fp->lfd, NULL, NULL);
        if (cfd < 0)
            continue;
        int ufd = socket(AF_INET, SOCK_STREAM, 0);
        if (ufd < 0 || connect(ufd, (const struct sockaddr *)&fp->upstream,
                               sizeof fp->upstream) != 0) {
            if (ufd >= 0)
                close(ufd);
            close(cfd);
            atomic_fetch_add(&fp->done, 1u);
            continue;
        }
        int one = 1;
        struct timeval tv = {10, 0};
        setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(ufd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        setsockopt(ufd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        fp->fd[FP_C2S] = cfd;
        fp->fd[FP_S2C] = ufd;
        pthread_mutex_lock(&fp->mu);
        for (int d = 0; d < 2; d++) {
            memset(&fp->flow[d], 0, sizeof fp->flow[d]);
            fp->flow[d].rule = fp->rules[d];
            atomic_store(&fp->bytes[d], 0u);
            atomic_store(&fp->trig[d], false);
        }
        pthread_mutex_unlock(&fp->mu);
        relay(fp);
    }
    return NULL;
}

fp_proxy *fp_start(const char *host, uint16_t port, uint16_t *listen_port)
{
    fp_proxy *fp = calloc(1, sizeof *fp);
    if (fp == NULL)
        return NULL;
    fp->fd[0] = fp->fd[1] = -1;
    pthread_mutex_init(&fp->mu, NULL);
    fp->upstream.sin_family = AF_INET;
    fp->upstream.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &fp->upstream.sin_addr) != 1)
        goto fail;
    fp->lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (fp->lfd < 0)
        goto fail;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(fp->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fp->lfd, 16) != 0 ||
        getsockname(fp->lfd, (struct sockaddr *)&a, &al) != 0) {
        close(fp->lfd);
        goto fail;
    }
    *listen_port = ntohs(a.sin_port);
    if (pthread_create(&fp->thread, NULL, run, fp) != 0) {
        close(fp->lfd);
        goto fail;
    }
    return fp;
fail:
    pthread_mutex_destroy(&fp->mu);
    free(fp);
    return NULL;
}

void fp_stop(fp_proxy *fp)
{
    if (fp == NULL)
        return;
    atomic_store(&fp->stop, true);
    pthread_join(fp->thread, NULL);
    close(fp->lfd);
    pthread_mutex_destroy(&fp->mu);
    free(fp);
}

void fp_set(fp_proxy *fp, fp_dir dir, fp_rule rule)
{
    pthread_mutex_lock(&fp->mu);
    fp->rules[dir] = rule;
    pthread_mutex_unlock(&fp->mu);
}

void fp_reset_rules(fp_proxy *fp)
{
    fp_rule pass = {FP_PASS, 0, 0, 0};
    fp_set(fp, FP_C2S, pass);
    fp_set(fp, FP_S2C, pass);
}

uint64_t fp_bytes(fp_proxy *fp, fp_dir dir)
{
    return (uint64_t)atomic_load(&fp->bytes[dir]);
}

bool fp_triggered(fp_proxy *fp, fp_dir dir)
{
    return atomic_load(&fp->trig[dir]);
}

unsigned fp_done(fp_proxy *fp)
{
    return atomic_load(&fp->done);
}

bool fp_wait_done(fp_proxy *fp, unsigned n, int timeout_ms)
{
    double end = now_ms() + timeout_ms;
    while (atomic_load(&fp->done) < n) {
        if (now_ms() > end)
            return false;
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    return true;
}
