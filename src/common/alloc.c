#include <stdlib.h>

#include "common/common_int.h"

void *pgwi_alloc(const pgw_allocator *a, size_t n)
{
    if (n == 0)
        n = 1;
    if (a != NULL && a->alloc != NULL)
        return a->alloc(a->ud, n);
    return malloc(n);
}

void *pgwi_alloc_array(const pgw_allocator *a, size_t count, size_t size)
{
    size_t n;
    if (!pgwi_mul_size(count, size, &n))
        return NULL;
    void *p = pgwi_alloc(a, n);
    if (p != NULL)
        memset(p, 0, n == 0 ? 1 : n);
    return p;
}

void *pgwi_realloc(const pgw_allocator *a, void *p, size_t old_n, size_t new_n)
{
    if (new_n == 0)
        new_n = 1;
    if (p == NULL)
        return pgwi_alloc(a, new_n);
    if (a != NULL && a->realloc != NULL)
        return a->realloc(a->ud, p, old_n == 0 ? 1 : old_n, new_n);
    if (a != NULL && a->alloc != NULL) {
        /* An allocator without realloc: emulate it. */
        void *q = a->alloc(a->ud, new_n);
        if (q == NULL)
            return NULL;
        memcpy(q, p, old_n < new_n ? old_n : new_n);
        if (a->free != NULL)
            a->free(a->ud, p, old_n == 0 ? 1 : old_n);
        return q;
    }
    return realloc(p, new_n);
}

void pgwi_free(const pgw_allocator *a, void *p, size_t n)
{
    if (p == NULL)
        return;
    if (a != NULL && a->alloc != NULL) {
        if (a->free != NULL)
            a->free(a->ud, p, n == 0 ? 1 : n);
        return;
    }
    free(p);
}

char *pgwi_strndup(const pgw_allocator *a, const char *s, size_t n)
{
    size_t total;
    if (!pgwi_add_size(n, 1, &total))
        return NULL;
    char *p = pgwi_alloc(a, total);
    if (p == NULL)
        return NULL;
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}
