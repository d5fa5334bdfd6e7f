/* Each block carries a small header with its size and a tag, so frees with
 * the wrong size (a real bug for arena allocators) and double frees are
 * caught where they happen rather than as heap corruption later. */
#include "failing_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LIVE_TAG 0x6661696c616c6c6fULL /* "failallo" */
#define DEAD_TAG 0x6465616462656566ULL /* "deadbeef" */

typedef union hdr {
    max_align_t align; /* keeps the user block suitably aligned */
    struct {
        size_t size;
        uint64_t tag;
    } h;
} hdr;

static bool refuse(failing_alloc *fa, size_t n)
{
    fa->calls++;
    if (n > fa->largest_request)
        fa->largest_request = n;
    bool fail = (fa->fail_at != 0 &&
                 (fa->calls == fa->fail_at || (fa->fail_after && fa->calls > fa->fail_at))) ||
                (fa->max_block != 0 && n > fa->max_block);
    if (fail)
        fa->failures++;
    return fail;
}

static hdr *header_of(void *p, size_t n)
{
    hdr *h = (hdr *)p - 1;
    if (h->h.tag != LIVE_TAG || h->h.size != n)
        abort(); /* foreign pointer, double free, or wrong size passed back */
    return h;
}

static void *fa_alloc(void *ud, size_t n)
{
    failing_alloc *fa = ud;
    if (refuse(fa, n) || n > SIZE_MAX - sizeof(hdr))
        return NULL;
    hdr *h = malloc(sizeof(hdr) + n);
    if (h == NULL)
        return NULL;
    h->h.size = n;
    h->h.tag = LIVE_TAG;
    fa->live_blocks++;
    fa->live_bytes += n;
    if (fa->live_bytes > fa->peak_bytes)
        fa->peak_bytes = fa->live_bytes;
    return h + 1;
}

static void *fa_realloc(void *ud, void *p, size_t old_n, size_t new_n)
{
    failing_alloc *fa = ud;
    hdr *h = header_of(p, old_n);
    if (refuse(fa, new_n) || new_n > SIZE_MAX - sizeof(hdr))
        return NULL;
    hdr *q = realloc(h, sizeof(hdr) + new_n);
    if (q == NULL)
        return NULL;
    q->h.size = new_n;
    fa->live_bytes = fa->live_bytes - old_n + new_n;
    if (fa->live_bytes > fa->peak_bytes)
        fa->peak_bytes = fa->live_bytes;
    return q + 1;
}

static void fa_free(void *ud, void *p, size_t n)
{
    failing_alloc *fa = ud;
    hdr *h = header_of(p, n);
    h->h.tag = DEAD_TAG;
    fa->live_blocks--;
    fa->live_bytes -= n;
    free(h);
}

void failing_alloc_init(failing_alloc *fa, size_t fail_at)
{
    memset(fa, 0, sizeof *fa);
    fa->fail_at = fail_at;
    fa->hooks.alloc = fa_alloc;
    fa->hooks.realloc = fa_realloc;
    fa->hooks.free = fa_free;
    fa->hooks.ud = fa;
}

const pgw_allocator *failing_alloc_get(failing_alloc *fa)
{
    return &fa->hooks;
}

bool failing_alloc_clean(const failing_alloc *fa)
{
    return fa->live_blocks == 0 && fa->live_bytes == 0;
}
