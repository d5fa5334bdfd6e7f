/* Planted violations for the symbols self-test (tests/lint/meson.build):
 * check-symbols.sh must report every call below when this archive is
 * presented as the protocol module. Never linked into anything. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/* Declared by hand, as a careless caller would, so no include can give it
 * away: only the symbol check sees this. */
int pgwi_sha256(const void *data, size_t len, uint8_t *out);

ssize_t lint_planted_recv(int fd, void *buf, size_t n);
int lint_planted_hash(const void *data, size_t len, uint8_t *out);
void lint_planted_abort(void);
long lint_planted_clock(void);

ssize_t lint_planted_recv(int fd, void *buf, size_t n)
{
    return recv(fd, buf, n, 0);
}

int lint_planted_hash(const void *data, size_t len, uint8_t *out)
{
    return pgwi_sha256(data, len, out);
}

void lint_planted_abort(void)
{
    abort();
}

long lint_planted_clock(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return -1;
    return (long)ts.tv_sec;
}
