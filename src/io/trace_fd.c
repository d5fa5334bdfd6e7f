/* pgw_trace_fd: the ready-made trace callback that writes libpq-style
 * lines to a file descriptor. Lives in io because it makes system calls
 * (the clock, write); the line itself comes from the engine's formatter. */
#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "io/io_int.h"
#include "pgwire/trace.h"

/* Timestamp + one formatted line. */
#define LINE_MAX_BYTES 1024

void pgw_trace_fd(void *ud, const pgw_trace_event *ev)
{
    const pgw_trace_sink *s = ud;
    if (s == NULL || s->fd < 0)
        return;
    char line[LINE_MAX_BYTES];
    size_t n = 0;
    if (s->flags & PGW_TRACE_TIMESTAMPS) {
        struct timespec ts;
        struct tm tm;
        if (clock_gettime(CLOCK_REALTIME, &ts) == 0 && localtime_r(&ts.tv_sec, &tm) != NULL) {
            n = strftime(line, sizeof line, "%Y-%m-%d %H:%M:%S", &tm);
            /* ".uuuuuu\t" by hand: no stdio in the library. */
            if (n > 0 && n + 8 < sizeof line) {
                long us = ts.tv_nsec / 1000;
                line[n++] = '.';
                for (int i = 5; i >= 0; i--) {
                    line[n + (size_t)i] = (char)('0' + us % 10);
                    us /= 10;
                }
                n += 6;
                line[n++] = '\t';
            }
        }
    }
    n += pgw_trace_format(ev, line + n, sizeof line - n);
    /* One write per line keeps lines whole when several connections share
     * the descriptor; a short write finishes the line. */
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(s->fd, line + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        off += (size_t)w;
    }
}
