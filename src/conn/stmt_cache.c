/* The automatic statement cache: SQL text + parameter types -> a statement
 * prepared under a generated name ("pgw_s<N>"). A hash table finds entries,
 * a doubly linked list orders them by use; the least recently used one is
 * evicted (and closed on the server) when the cache is full. */
#include <stdio.h>

#include "conn/cursor_int.h"
#include "conn/extended_int.h"

#define DEFAULT_CACHE_SIZE 256u

void pgwi_desc_free(const pgw_allocator *a, pgwi_desc *d)
{
    pgwi_free(a, d->param_types, d->nparams * sizeof *d->param_types);
    pgwi_free(a, d->row_body, d->row_len);
    pgwi_free(a, d->cols, (size_t)d->ncols * sizeof *d->cols);
    memset(d, 0, sizeof *d);
}

void pgwi_cache_init(pgwi_stmt_cache *sc, int size_option)
{
    memset(sc, 0, sizeof *sc);
    sc->cap = size_option < 0 ? 0 : size_option == 0 ? DEFAULT_CACHE_SIZE : (size_t)size_option;
    sc->stats.capacity = sc->cap;
}

static uint64_t key_hash(const char *sql, size_t len, const uint32_t *types, size_t n)
{
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)sql[i]) * UINT64_C(1099511628211);
    for (size_t i = 0; i < n; i++)
        h = (h ^ types[i]) * UINT64_C(1099511628211);
    return h ^ n;
}

static void cache_free_entry(pgw_conn *c, pgwi_cache_entry *e)
{
    pgwi_free(c->a, e->sql, e->sql_len + 1);
    pgwi_free(c->a, e->types, e->ntypes * sizeof *e->types);
    pgwi_desc_free(c->a, &e->desc);
    pgwi_free(c->a, e, sizeof *e);
}

static void unlink_entry(pgwi_stmt_cache *sc, pgwi_cache_entry *e)
{
    pgwi_cache_entry **pp = &sc->buckets[e->hash & (sc->nbuckets - 1)];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    if (e->prev)
        e->prev->next = e->next;
    else
        sc->mru = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        sc->lru = e->prev;
    sc->size--;
    sc->stats.size = sc->size;
}

void pgwi_cache_free(pgw_conn *c)
{
    pgwi_stmt_cache *sc = c->cache;
    if (sc == NULL)
        return;
    for (pgwi_cache_entry *e = sc->mru, *n; e; e = n) {
        n = e->next;
        cache_free_entry(c, e);
    }
    for (size_t i = 0; i < sc->nclose; i++)
        pgwi_free(c->a, sc->to_close[i], strlen(sc->to_close[i]) + 1);
    pgwi_free(c->a, sc->to_close, sc->close_cap * sizeof *sc->to_close);
    pgwi_free(c->a, sc->buckets, sc->nbuckets * sizeof *sc->buckets);
    pgwi_free(c->a, sc, sizeof *sc);
    c->cache = NULL;
}

pgwi_cache_entry *pgwi_cache_find(pgw_conn *c, const char *sql, size_t sql_len,
                                  const uint32_t *types, size_t ntypes)
{
    pgwi_stmt_cache *sc = c->cache;
    if (sc == NULL || sc->nbuckets == 0)
        return NULL;
    uint64_t h = key_hash(sql, sql_len, types, ntypes);
    for (pgwi_cache_entry *e = sc->buckets[h & (sc->nbuckets - 1)]; e; e = e->hnext)
        if (e->hash == h && e->sql_len == sql_len && e->ntypes == ntypes &&
            memcmp(e->sql, sql, sql_len) == 0 &&
            (ntypes == 0 || memcmp(e->types, types, ntypes * sizeof *types) == 0))
            return e;
    return NULL;
}

void pgwi_cache_touch(pgw_conn *c, pgwi_cache_entry *e)
{
    pgwi_stmt_cache *sc = c->cache;
    if (sc->mru == e)
        return;
    e->prev->next = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        sc->lru = e->prev;
    e->prev = NULL;
    e->next = sc->mru;
    sc->mru->prev = e;
    sc->mru = e;
}

static pgw_status queue_close(pgw_conn *c, const char *name)
{
    pgwi_stmt_cache *sc = c->cache;
    if (sc->nclose == sc->close_cap) {
        size_t ncap = sc->close_cap ? sc->close_cap * 2 : 8;
        char **n = pgwi_realloc(c->a, sc->to_close, sc->close_cap * sizeof *n, ncap * sizeof *n);
        if (n == NULL)
            return PGW_E_NOMEM;
        sc->to_close = n;
        sc->close_cap = ncap;
    }
    char *copy = pgwi_strndup(c->a, name, strlen(name));
    if (copy == NULL)
        return PGW_E_NOMEM;
    sc->to_close[sc->nclose++] = copy;
    return PGW_OK;
}

void pgwi_cache_remove(pgw_conn *c, pgwi_cache_entry *e, bool close_on_server)
{
    pgwi_stmt_cache *sc = c->cache;
    unlink_entry(sc, e);
    /* If the Close cannot be queued (out of memory) the statement merely
     * lingers on the server under a name never reused. */
    if (close_on_server)
        (void)queue_close(c, e->name);
    cache_free_entry(c, e);
}

void pgwi_cache_invalidate_all(pgw_conn *c, bool close_on_server)
{
    pgwi_stmt_cache *sc = c->cache;
    if (sc == NULL)
        return;
    while (sc->mru) {
        sc->stats.invalidations++;
        pgwi_cache_remove(c, sc->mru, close_on_server);
    }
    if (!close_on_server) {
        /* The server forgot every statement: nothing is left to close. */
        for (size_t i = 0; i < sc->nclose; i++)
            pgwi_free(c->a, sc->to_close[i], strlen(sc->to_close[i]) + 1);
        sc->nclose = 0;
    }
}

pgw_status pgwi_cache_insert(pgw_conn *c, const char *sql, size_t sql_len,
                             const uint32_t *types, size_t ntypes, pgwi_cache_entry **out)
{
    pgwi_stmt_cache *sc = c->cache;
    *out = NULL;
    if (sc->nbuckets == 0) {
        size_t nb = 16;
        while (nb < sc->cap * 2 && nb < ((size_t)1 << 20))
            nb <<= 1;
        sc->buckets = pgwi_alloc_array(c->a, nb, sizeof *sc->buckets);
        if (sc->buckets == NULL)
            return PGW_E_NOMEM;
        memset(sc->buckets, 0, nb * sizeof *sc->buckets);
        sc->nbuckets = nb;
    }
    while (sc->size >= sc->cap && sc->lru) {
        sc->stats.evictions++;
        pgwi_cache_remove(c, sc->lru, true);
    }
    pgwi_cache_entry *e = pgwi_alloc(c->a, sizeof *e);
    if (e == NULL)
        return PGW_E_NOMEM;
    memset(e, 0, sizeof *e);
    e->sql = pgwi_strndup(c->a, sql, sql_len);
    e->sql_len = sql_len;
    if (ntypes) {
        e->types = pgwi_alloc_array(c->a, ntypes, sizeof *types);
        if (e->types)
            memcpy(e->types, types, ntypes * sizeof *types);
    }
    e->ntypes = ntypes;
    if (e->sql == NULL || (ntypes && e->types == NULL)) {
        cache_free_entry(c, e);
        return PGW_E_NOMEM;
    }
    e->hash = key_hash(sql, sql_len, types, ntypes);
    snprintf(e->name, sizeof e->name, "pgw_s%llu", (unsigned long long)++sc->counter);
    size_t b = e->hash & (sc->nbuckets - 1);
    e->hnext = sc->buckets[b];
    sc->buckets[b] = e;
    e->next = sc->mru;
    if (sc->mru)
        sc->mru->prev = e;
    sc->mru = e;
    if (sc->lru == NULL)
        sc->lru = e;
    sc->size++;
    sc->stats.size = sc->size;
    *out = e;
    return PGW_OK;
}

pgw_status pgwi_cache_flush_closes(pgw_conn *c, size_t *queued)
{
    pgwi_stmt_cache *sc = c->cache;
    *queued = 0;
    if (sc == NULL)
        return PGW_OK;
    size_t i = 0;
    for (; i < sc->nclose && i < PGWI_XQ_MAX - 8; i++) {
        if (pgw_build_close(&c->out, 'S', sc->to_close[i]) != PGW_OK)
            return PGW_E_NOMEM;
        pgwi_free(c->a, sc->to_close[i], strlen(sc->to_close[i]) + 1);
    }
    if (i > 0) {
        memmove(sc->to_close, sc->to_close + i, (sc->nclose - i) * sizeof *sc->to_close);
        sc->nclose -= i;
    }
    *queued = i;
    return PGW_OK;
}

void pgw_conn_stmt_cache_stats(const pgw_conn *c, pgw_stmt_cache_stats *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    if (c == NULL)
        return;
    if (c->cache)
        *out = c->cache->stats;
    else
        out->capacity = c->cache_size_option < 0 ? 0
                        : c->cache_size_option == 0 ? DEFAULT_CACHE_SIZE
                                                    : (size_t)c->cache_size_option;
}

void pgw_conn_stmt_cache_clear(pgw_conn *c)
{
    if (c == NULL || c->cache == NULL)
        return;
    /* The entry an exchange in progress prepares or uses stays: the
     * exchange still needs it (it is dropped with the next clear). */
    const pgwi_cache_entry *busy =
        c->active != NULL && c->active->x != NULL ? c->active->x->entry : NULL;
    pgwi_stmt_cache *sc = c->cache;
    for (pgwi_cache_entry *e = sc->mru, *n; e; e = n) {
        n = e->next;
        if (e == busy)
            continue;
        sc->stats.invalidations++;
        pgwi_cache_remove(c, e, true);
    }
}
