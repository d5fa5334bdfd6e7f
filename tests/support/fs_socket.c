/* The fake server on a loopback socket: one connection, served by one
 * thread, with a deadline on every wait so a test that goes wrong fails
 * instead of hanging. The script walker is the same as in memory; this
 * file only moves bytes and implements sleep steps. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fs_int.h"

/* After the script ends the server stops writing and waits this long at
 * most for the client to close, so that a close with unread input does not
 * turn into a reset that destroys the bytes the client has yet to read. */
#define LINGER_MS 500u

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining(int64_t deadline)
{
    int64_t left = deadline - now_ms();
    return left < 0 ? 0 : (int)left;
}

/* poll one fd until `events` or the deadline; 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events, .revents = 0};
        int rc = poll(&p, 1, remaining(deadline));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0)
            return -1;
        return rc > 0 ? 1 : 0;
    }
}

void fs_set_timeout(fs_server *fs, unsigned ms)
{
    fs->timeout_ms = ms;
}

pgw_status fs_listen(fs_server *fs, uint16_t *port)
{
    if (fs->listen_fd >= 0)
        return PGW_E_STATE;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        fs_fail(fs, "socket: %s", strerror(errno));
        return PGW_E_IO;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0; /* ephemeral: tests never use fixed ports */
    socklen_t sl = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        fs_fail(fs, "listen on 127.0.0.1: %s", strerror(errno));
        close(fd);
        return PGW_E_IO;
    }
    fs->listen_fd = fd;
    *port = ntohs(sa.sin_port);
    return PGW_OK;
}

/* Write all pending output. false when the client went away or the write
 * timed out (the script is failed unless it had already finished). */
static bool flush_out(fs_server *fs)
{
    const uint8_t *p;
    size_t n;
    while ((n = fs_output(fs, &p)) > 0) {
        ssize_t w = send(fs->conn_fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            fs_output_done(fs, (size_t)w);
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int rc = wait_fd(fs->conn_fd, POLLOUT, now_ms() + fs->timeout_ms);
            if (rc > 0)
                continue;
            fs_fail(fs, "step %zu: timed out writing %zu bytes to the client",
                    fs_step_index(fs) + 1, n);
            return false;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (!fs_done(fs))
            fs_fail(fs, "step %zu: writing to the client failed: %s", fs_step_index(fs) + 1,
                    w < 0 ? strerror(errno) : "no progress");
        return false;
    }
    return true;
}

/* Read what is there. 1 data, 0 EOF (or reset), -1 timeout/error. */
static int read_some(fs_server *fs, int64_t deadline, bool feed)
{
    int rc = wait_fd(fs->conn_fd, POLLIN, deadline);
    if (rc <= 0)
        return -1;
    uint8_t buf[16384];
    for (;;) {
        ssize_t r = recv(fs->conn_fd, buf, sizeof buf, MSG_DONTWAIT);
        if (r > 0) {
            if (feed)
                (void)fs_feed(fs, buf, (size_t)r);
            else
                fsi_buffer_input(fs, buf, (size_t)r);
            return 1;
        }
        if (r == 0 || errno == ECONNRESET)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 1; /* spurious wakeup: nothing read, nothing lost */
        return -1;
    }
}

/* A sleep step: stay silent for ms, keeping any input for later. */
static void serve_sleep(fs_server *fs, unsigned ms, bool *eof)
{
    int64_t deadline = now_ms() + ms;
    while (!*eof && remaining(deadline) > 0) {
        int rc = read_some(fs, deadline, false);
        if (rc == 0)
            *eof = true;
    }
    fsi_sleep_done(fs);
}

static void serve(fs_server *fs)
{
    if (wait_fd(fs->listen_fd, POLLIN, now_ms() + fs->timeout_ms) <= 0) {
        fs_fail(fs, "timed out after %u ms waiting for the client to connect", fs->timeout_ms);
        return;
    }
    fs->conn_fd = accept(fs->listen_fd, NULL, NULL);
    if (fs->conn_fd < 0) {
        fs_fail(fs, "accept: %s", strerror(errno));
        return;
    }
    bool eof = false;
    for (;;) {
        fsi_wait w = fsi_advance(fs);
        if (!flush_out(fs) || w == FSI_STOPPED)
            break;
        if (w == FSI_SLEEP) {
            serve_sleep(fs, fsi_sleep_ms(fs), &eof);
            continue;
        }
        if (eof) {
            (void)fs_feed_eof(fs);
            break;
        }
        int rc = read_some(fs, now_ms() + fs->timeout_ms, true);
        if (rc == 0) {
            (void)fs_feed_eof(fs);
            break;
        }
        if (rc < 0) {
            fs_fail(fs, "step %zu: timed out after %u ms waiting for the client",
                    fs_step_index(fs) + 1, fs->timeout_ms);
            break;
        }
    }
    (void)flush_out(fs);
    if (fs->reset) {
        /* SO_LINGER with a zero timeout turns close() into an abortive
         * release: the client sees ECONNRESET instead of an orderly EOF. */
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        (void)setsockopt(fs->conn_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(fs->conn_fd);
        fs->conn_fd = -1;
        fs->closed = true;
        return;
    }
    /* Half-close, then let the client finish: it reads EOF, closes, and
     * anything it sent meanwhile is still checked against the (finished)
     * script unless the script hung up. */
    shutdown(fs->conn_fd, SHUT_WR);
    fs->closed = fs->closed || !fs_done(fs);
    int64_t deadline = now_ms() + (fs->timeout_ms < LINGER_MS ? fs->timeout_ms : LINGER_MS);
    while (!eof && read_some(fs, deadline, true) > 0)
        ;
    fs->closed = true;
}

static void *serve_thread(void *arg)
{
    fs_server *fs = arg;
    serve(fs);
    if (fs->conn_fd >= 0) {
        close(fs->conn_fd);
        fs->conn_fd = -1;
    }
    return NULL;
}

pgw_status fs_serve_thread_start(fs_server *fs)
{
    if (fs->listen_fd < 0 || fs->thread_started)
        return PGW_E_STATE;
    fs->socket_mode = true;
    if (pthread_create(&fs->thread, NULL, serve_thread, fs) != 0) {
        fs_fail(fs, "pthread_create failed");
        return PGW_E_IO;
    }
    fs->thread_started = true;
    return PGW_OK;
}

void fs_serve_thread_join(fs_server *fs)
{
    if (fs == NULL || !fs->thread_started)
        return;
    pthread_join(fs->thread, NULL);
    fs->thread_started = false;
}

void fsi_socket_close(fs_server *fs)
{
    fs_serve_thread_join(fs);
    if (fs->conn_fd >= 0)
        close(fs->conn_fd);
    if (fs->listen_fd >= 0)
        close(fs->listen_fd);
    fs->conn_fd = -1;
    fs->listen_fd = -1;
}
