/* W3's floor: a client that does nothing but move the bytes. It connects
 * (trust authentication only), sends the Query, and reads 64 KiB at a time
 * (pgwire's read size), looking only at message headers to count DataRows
 * and to find ReadyForQuery. No row is parsed or converted, so its wall
 * time is what the server and the socket cost; the checksum is the number
 * of bytes received.
 *
 * usage: w3_raw HOST PORT USER DBNAME ROWS   (HOST starting with '/' is a
 * Unix-socket directory) */
#include <errno.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "bench_common.h"
#include "pgwire/buf.h"
#include "pgwire/proto.h"

#define CHUNK 65536

static int open_socket(const char *host, const char *port)
{
    if (host[0] == '/') {
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        int n = snprintf(sa.sun_path, sizeof sa.sun_path, "%s/.s.PGSQL.%s", host, port);
        if (n < 0 || (size_t)n >= sizeof sa.sun_path)
            return -1;
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
            close(fd);
            fd = -1;
        }
        return fd;
    }
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &ai) != 0)
        return -1;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    return fd;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Walks message headers across reads without buffering bodies. */
typedef struct walker {
    uint8_t hdr[5];
    size_t have; /* header bytes collected */
    size_t skip; /* body bytes still to skip */
    uint8_t tag;
    uint64_t rows, bytes;
    int done, error, auth_code_seen;
    int32_t auth_code;
} walker;

/* Feed one chunk; the first four body bytes of an Authentication message
 * are kept, since the startup phase must see its code. */
static void walk(walker *w, const uint8_t *p, size_t n)
{
    size_t i = 0;
    w->bytes += n;
    while (i < n && !w->done) {
        if (w->skip > 0) {
            size_t k = n - i < w->skip ? n - i : w->skip;
            if (w->tag == 'R' && !w->auth_code_seen && k >= 4) {
                w->auth_code = (int32_t)(((uint32_t)p[i] << 24) | ((uint32_t)p[i + 1] << 16) |
                                         ((uint32_t)p[i + 2] << 8) | p[i + 3]);
                w->auth_code_seen = 1;
            }
            i += k;
            w->skip -= k;
        } else {
            w->hdr[w->have++] = p[i++];
            if (w->have < 5)
                continue;
            w->have = 0;
            w->tag = w->hdr[0];
            uint32_t len = ((uint32_t)w->hdr[1] << 24) | ((uint32_t)w->hdr[2] << 16) |
                           ((uint32_t)w->hdr[3] << 8) | w->hdr[4];
            if (len < 4) {
                w->error = 1;
                w->done = 1;
                break;
            }
            w->skip = len - 4;
            if (w->tag == 'D')
                w->rows++;
            else if (w->tag == 'E')
                w->error = 1;
        }
        if (w->skip == 0 && w->have == 0 && w->tag == 'Z')
            w->done = 1;
    }
}

static int read_until_ready(int fd, walker *w, uint8_t *buf)
{
    w->done = 0;
    w->tag = 0;
    while (!w->done) {
        ssize_t r = read(fd, buf, CHUNK);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        walk(w, buf, (size_t)r);
    }
    return w->error ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: w3_raw HOST PORT USER DBNAME ROWS\n");
        return 2;
    }
    long nrows = w3_rows_arg(argv[5]);
    char sql[256];
    w3_query(sql, sizeof sql, nrows);
    static uint8_t buf[CHUNK];

    int fd = open_socket(argv[1], argv[2]);
    if (fd < 0) {
        fprintf(stderr, "w3_raw: could not connect to %s port %s\n", argv[1], argv[2]);
        return 1;
    }
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    const char *names[] = {"user", "database"};
    const char *values[] = {argv[3], argv[4]};
    walker w;
    memset(&w, 0, sizeof w);
    if (pgw_build_startup(&out, names, values, 2) != PGW_OK || write_all(fd, out.data, out.len) != 0 ||
        read_until_ready(fd, &w, buf) != 0 || !w.auth_code_seen || w.auth_code != 0) {
        fprintf(stderr, "w3_raw: startup failed (this client speaks trust authentication only)\n");
        pgw_buf_free(&out);
        close(fd);
        return 1;
    }

    w3_measure m;
    w3_begin(&m);
    pgw_buf_reset(&out);
    memset(&w, 0, sizeof w);
    if (pgw_build_query(&out, sql, strlen(sql)) != PGW_OK || write_all(fd, out.data, out.len) != 0 ||
        read_until_ready(fd, &w, buf) != 0) {
        fprintf(stderr, "w3_raw: query failed\n");
        pgw_buf_free(&out);
        close(fd);
        return 1;
    }
    w3_end(&m, "raw", nrows, w.rows, w.bytes);

    pgw_buf_reset(&out);
    if (pgw_build_terminate(&out) == PGW_OK)
        (void)write_all(fd, out.data, out.len);
    pgw_buf_free(&out);
    close(fd);
    return w.rows == (uint64_t)nrows ? 0 : 1;
}
