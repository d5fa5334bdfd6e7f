/* The pool: lifecycle, acquire, release, maintenance, statistics.
 * See pool_int.h for the slot invariants; blocking work lives in
 * pool_conn.c and always runs with the lock dropped. */
#include "pool/pool_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- memory ----------------------------------------------------------- */

static void *pool_mem(const pgw_allocator *a, size_t n)
{
    return a != NULL ? a->alloc(a->ud, n) : malloc(n);
}

static void pool_mem_free(const pgw_allocator *a, void *p, size_t n)
{
    if (p == NULL)
        return;
    if (a != NULL)
        a->free(a->ud, p, n);
    else
        free(p);
}

/* ---- options ---------------------------------------------------------- */

void pgw_pool_options_init(pgw_pool_options *opt)
{
    if (opt == NULL)
        return;
    memset(opt, 0, sizeof *opt);
    opt->size = sizeof *opt;
    opt->min_size = 0;
    opt->max_size = 10;
    opt->acquire_timeout_ms = 30000;
    opt->max_lifetime_ms = 3600000;
    opt->max_idle_ms = 1800000;
    /* pgx's pool pings connections idle for more than a second: cheap,
     * and it hides most restarts and terminated backends from callers. */
    opt->check_idle_ms = 1000;
    opt->reset = PGW_POOL_RESET_NONE;
}

static bool options_valid(const pgw_pool_options *o)
{
    if (o->max_size == 0 || o->min_size > o->max_size)
        return false;
    if (o->acquire_timeout_ms < -1 || o->max_lifetime_ms < 0 || o->max_idle_ms < 0 ||
        o->check_idle_ms < -1)
        return false;
    switch (o->reset) {
    case PGW_POOL_RESET_NONE:
    case PGW_POOL_RESET_DISCARD_ALL:
        return true;
    case PGW_POOL_RESET_HOOK:
        return o->reset_hook != NULL;
    }
    return false;
}

/* ---- lifecycle ---------------------------------------------------------- */

static pgw_status init_sync(pgw_pool *pool)
{
    pthread_condattr_t ca;
    if (pthread_mutex_init(&pool->mu, NULL) != 0)
        return PGW_E_UNSUPPORTED;
    if (pthread_condattr_init(&ca) != 0)
        goto fail_mu;
    /* Timed waits count on the monotonic clock, like every deadline here. */
    if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
        pthread_cond_init(&pool->cond, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        goto fail_mu;
    }
    pthread_condattr_destroy(&ca);
    return PGW_OK;
fail_mu:
    pthread_mutex_destroy(&pool->mu);
    return PGW_E_UNSUPPORTED;
}

pgw_status pgw_pool_new(pgw_pool **out, const pgw_pool_options *opt)
{
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    /* An older caller's struct must reach at least max_size. */
    if (opt == NULL || opt->size < offsetof(pgw_pool_options, acquire_timeout_ms))
        return PGW_E_INVALID;

    pgw_pool_options o;
    pgw_pool_options_init(&o);
    memcpy(&o, opt, opt->size < sizeof o ? opt->size : sizeof o);
    o.size = sizeof o;
    if (!options_valid(&o))
        return PGW_E_INVALID;

    const pgw_allocator *a = o.allocator;
    pgw_pool *pool = pool_mem(a, sizeof *pool);
    if (pool == NULL)
        return PGW_E_NOMEM;
    memset(pool, 0, sizeof *pool);
    if (a != NULL) {
        pool->alloc = *a;
        pool->has_alloc = true;
    }
    a = pool->has_alloc ? &pool->alloc : NULL;
    pool->opt = o;
    pool->opt.allocator = a;

    pgw_conn_options_init(&pool->conn_opt);
    if (o.conn_options != NULL) {
        /* Honour the template's own size: fields an older caller does not
         * know keep their defaults. */
        size_t n = o.conn_options->size;
        if (n > sizeof pool->conn_opt)
            n = sizeof pool->conn_opt;
        if (n >= sizeof(size_t))
            memcpy(&pool->conn_opt, o.conn_options, n);
        pool->conn_opt.size = sizeof pool->conn_opt;
    }
    pool->opt.conn_options = &pool->conn_opt;
    const char *ci = o.conninfo != NULL ? o.conninfo : pool->conn_opt.conninfo;
    if (ci != NULL) {
        pool->conninfo_size = strlen(ci) + 1;
        pool->conninfo = pool_mem(a, pool->conninfo_size);
        if (pool->conninfo == NULL) {
            pool_mem_free(a, pool, sizeof *pool);
            return PGW_E_NOMEM;
        }
        memcpy(pool->conninfo, ci, pool->conninfo_size);
    }
    pool->conn_opt.conninfo = pool->conninfo;
    pool->opt.conninfo = pool->conninfo;
    if (o.transport != NULL) {
        pool->transport = *o.transport;
        pool->has_transport = true;
    }
    pool->opt.transport = pool->has_transport ? &pool->transport : NULL;

    pgw_status rc = PGW_E_NOMEM;
    /* max_size slots: the multiplication cannot overflow unless max_size
     * is absurd, which the division check catches. */
    if (o.max_size <= SIZE_MAX / sizeof *pool->slots)
        pool->slots = pool_mem(a, o.max_size * sizeof *pool->slots);
    if (pool->slots != NULL) {
        memset(pool->slots, 0, o.max_size * sizeof *pool->slots);
        rc = init_sync(pool);
        if (rc == PGW_OK) {
            *out = pool;
            return PGW_OK;
        }
        pool_mem_free(a, pool->slots, o.max_size * sizeof *pool->slots);
    }
    pool_mem_free(a, pool->conninfo, pool->conninfo_size);
    pool_mem_free(a, pool, sizeof *pool);
    return rc;
}

void pgw_pool_free(pgw_pool *pool)
{
    if (pool == NULL)
        return;
    for (size_t i = 0; i < pool->opt.max_size; i++) {
        if (pool->slots[i].conn != NULL)
            pgwi_pool_close(pool->slots[i].conn);
    }
    pthread_cond_destroy(&pool->cond);
    pthread_mutex_destroy(&pool->mu);
    const pgw_allocator *a = pool->has_alloc ? &pool->alloc : NULL;
    pool_mem_free(a, pool->slots, pool->opt.max_size * sizeof *pool->slots);
    pool_mem_free(a, pool->conninfo, pool->conninfo_size);
    pool_mem_free(a, pool, sizeof *pool);
}

/* ---- slots (all under mu) --------------------------------------------- */

static size_t open_count(const pgw_pool *pool)
{
    return pool->n_idle + pool->n_lent + pool->n_connecting;
}

static void slot_set(pgw_pool *pool, pgwi_pool_slot *s, pgwi_slot_state to)
{
    switch (s->state) {
    case PGWI_SLOT_IDLE: pool->n_idle--; break;
    case PGWI_SLOT_LENT: pool->n_lent--; break;
    case PGWI_SLOT_CONNECTING: pool->n_connecting--; break;
    case PGWI_SLOT_FREE: break;
    }
    switch (to) {
    case PGWI_SLOT_IDLE: pool->n_idle++; break;
    case PGWI_SLOT_LENT: pool->n_lent++; break;
    case PGWI_SLOT_CONNECTING: pool->n_connecting++; break;
    case PGWI_SLOT_FREE: s->conn = NULL; break;
    }
    s->state = to;
    if (to == PGWI_SLOT_IDLE || to == PGWI_SLOT_FREE)
        pthread_cond_broadcast(&pool->cond);
}

static pgwi_pool_slot *find_state(pgw_pool *pool, pgwi_slot_state st)
{
    for (size_t i = 0; i < pool->opt.max_size; i++) {
        if (pool->slots[i].state == st)
            return &pool->slots[i];
    }
    return NULL;
}

static pgwi_pool_slot *find_lent(pgw_pool *pool, const pgw_conn *conn)
{
    for (size_t i = 0; i < pool->opt.max_size; i++) {
        if (pool->slots[i].state == PGWI_SLOT_LENT && pool->slots[i].conn == conn)
            return &pool->slots[i];
    }
    return NULL;
}

static bool lifetime_over(const pgw_pool *pool, const pgwi_pool_slot *s, int64_t now)
{
    return pool->opt.max_lifetime_ms > 0 && now - s->created_ms >= pool->opt.max_lifetime_ms;
}

/* Take one idle connection that has expired out of its slot, or NULL. The
 * caller closes it after dropping the lock. Idle expiry never takes the
 * pool below min_size; lifetime expiry does (a fresh connection replaces
 * it on demand or in pgw_pool_maintain()). */
static pgw_conn *reap_one(pgw_pool *pool, int64_t now)
{
    for (size_t i = 0; i < pool->opt.max_size; i++) {
        pgwi_pool_slot *s = &pool->slots[i];
        if (s->state != PGWI_SLOT_IDLE)
            continue;
        bool idle_over = pool->opt.max_idle_ms > 0 &&
                         now - s->idle_since_ms >= pool->opt.max_idle_ms &&
                         open_count(pool) > pool->opt.min_size;
        if (idle_over || lifetime_over(pool, s, now)) {
            pgw_conn *c = s->conn;
            slot_set(pool, s, PGWI_SLOT_FREE);
            pool->st.expired++;
            pool->st.closed++;
            return c;
        }
    }
    return NULL;
}

/* Close every expired idle connection. Called and returns with mu held. */
static void reap_locked(pgw_pool *pool)
{
    pgw_conn *c;
    while ((c = reap_one(pool, pgwi_pool_now_ms())) != NULL) {
        pthread_mutex_unlock(&pool->mu);
        pgwi_pool_close(c);
        pthread_mutex_lock(&pool->mu);
    }
}

/* The most recently used idle slot: a hot connection has the warmest
 * caches and lets the others reach max_idle_ms and be closed. */
static pgwi_pool_slot *newest_idle(pgw_pool *pool)
{
    pgwi_pool_slot *best = NULL;
    for (size_t i = 0; i < pool->opt.max_size; i++) {
        pgwi_pool_slot *s = &pool->slots[i];
        if (s->state == PGWI_SLOT_IDLE && (best == NULL || s->idle_since_ms > best->idle_since_ms))
            best = s;
    }
    return best;
}

/* Open a connection into the CONNECTING slot `s`; the lock is dropped
 * meanwhile. On success the slot becomes `to` (holding the connection);
 * on failure it is freed. Called and returns with mu held. */
static pgw_status fill_slot(pgw_pool *pool, pgwi_pool_slot *s, pgwi_slot_state to)
{
    pgw_conn *c = NULL;
    pthread_mutex_unlock(&pool->mu);
    pgw_status rc = pgwi_pool_open(pool, &c);
    pthread_mutex_lock(&pool->mu);
    if (rc != PGW_OK) {
        pool->st.failed_connects++;
        slot_set(pool, s, PGWI_SLOT_FREE);
        return rc;
    }
    pool->st.created++;
    s->conn = c;
    s->created_ms = pgwi_pool_now_ms();
    s->idle_since_ms = s->created_ms;
    slot_set(pool, s, to);
    return PGW_OK;
}

/* ---- acquire ------------------------------------------------------------ */

static struct timespec deadline_after(int timeout_ms)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += timeout_ms / 1000;
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

pgw_status pgw_pool_acquire(pgw_pool *pool, int timeout_ms, pgw_conn **out)
{
    if (out != NULL)
        *out = NULL;
    if (pool == NULL || out == NULL || timeout_ms < PGW_POOL_TIMEOUT_DEFAULT)
        return PGW_E_INVALID;
    if (timeout_ms == PGW_POOL_TIMEOUT_DEFAULT)
        timeout_ms = pool->opt.acquire_timeout_ms;
    struct timespec deadline = {0, 0};
    if (timeout_ms > 0)
        deadline = deadline_after(timeout_ms);

    bool waited = false, timed_out = false;
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        reap_locked(pool);
        pgwi_pool_slot *s = newest_idle(pool);
        if (s != NULL) {
            pgw_conn *c = s->conn;
            int64_t idle_ms = pgwi_pool_now_ms() - s->idle_since_ms;
            slot_set(pool, s, PGWI_SLOT_LENT);
            if (pool->opt.check_idle_ms >= 0 && idle_ms >= pool->opt.check_idle_ms) {
                pthread_mutex_unlock(&pool->mu);
                bool ok = pgwi_pool_check(c);
                pthread_mutex_lock(&pool->mu);
                if (!ok) {
                    /* The slot is still ours (LENT): free it and look
                     * again; the freed place lets this thread connect. */
                    pool->st.checks_failed++;
                    pool->st.closed++;
                    slot_set(pool, s, PGWI_SLOT_FREE);
                    pthread_mutex_unlock(&pool->mu);
                    pgwi_pool_close(c);
                    pthread_mutex_lock(&pool->mu);
                    continue;
                }
            }
            pool->st.acquires++;
            pthread_mutex_unlock(&pool->mu);
            *out = c;
            return PGW_OK;
        }
        if (open_count(pool) < pool->opt.max_size) {
            s = find_state(pool, PGWI_SLOT_FREE);
            slot_set(pool, s, PGWI_SLOT_CONNECTING);
            pgw_status rc = fill_slot(pool, s, PGWI_SLOT_LENT);
            if (rc == PGW_OK) {
                pool->st.acquires++;
                *out = s->conn;
            }
            pthread_mutex_unlock(&pool->mu);
            return rc;
        }
        if (timeout_ms == 0 || timed_out) {
            pool->st.timeouts++;
            pthread_mutex_unlock(&pool->mu);
            return PGW_E_TIMEOUT;
        }
        if (!waited) {
            pool->st.waits++;
            waited = true;
        }
        pool->st.waiting++;
        int w = timeout_ms < 0 ? pthread_cond_wait(&pool->cond, &pool->mu)
                               : pthread_cond_timedwait(&pool->cond, &pool->mu, &deadline);
        pool->st.waiting--;
        /* One more look after a timeout: a release may have raced it. */
        if (w == ETIMEDOUT)
            timed_out = true;
    }
}

/* ---- release ------------------------------------------------------------ */

static pgw_status give_back(pgw_pool *pool, pgw_conn *conn, bool discard)
{
    if (pool == NULL || conn == NULL)
        return PGW_E_INVALID;
    pthread_mutex_lock(&pool->mu);
    pgwi_pool_slot *s = find_lent(pool, conn);
    pthread_mutex_unlock(&pool->mu);
    if (s == NULL)
        return PGW_E_INVALID;

    /* The slot stays LENT while this thread resets the connection, so
     * nobody else can take it meanwhile. */
    bool rolled_back = false;
    pgwi_drop_reason why =
        discard ? PGWI_DROP_DISCARDED : pgwi_pool_reset(pool, conn, &rolled_back);

    pthread_mutex_lock(&pool->mu);
    int64_t now = pgwi_pool_now_ms();
    if (rolled_back)
        pool->st.rollbacks++;
    if (why == PGWI_DROP_NONE && lifetime_over(pool, s, now))
        why = PGWI_DROP_EXPIRED;
    switch (why) {
    case PGWI_DROP_NONE:
        s->idle_since_ms = now;
        slot_set(pool, s, PGWI_SLOT_IDLE);
        break;
    case PGWI_DROP_BROKEN: pool->st.broken++; break;
    case PGWI_DROP_RESET: pool->st.resets_failed++; break;
    case PGWI_DROP_EXPIRED: pool->st.expired++; break;
    case PGWI_DROP_DISCARDED: break;
    }
    if (why != PGWI_DROP_NONE) {
        pool->st.closed++;
        slot_set(pool, s, PGWI_SLOT_FREE);
        pthread_mutex_unlock(&pool->mu);
        pgwi_pool_close(conn);
        pthread_mutex_lock(&pool->mu);
    }
    reap_locked(pool);
    pthread_mutex_unlock(&pool->mu);
    return PGW_OK;
}

pgw_status pgw_pool_release(pgw_pool *pool, pgw_conn *conn)
{
    return give_back(pool, conn, false);
}

pgw_status pgw_pool_discard(pgw_pool *pool, pgw_conn *conn)
{
    return give_back(pool, conn, true);
}

/* ---- maintenance and statistics ------------------------------------------ */

pgw_status pgw_pool_maintain(pgw_pool *pool)
{
    if (pool == NULL)
        return PGW_E_INVALID;
    pgw_status rc = PGW_OK;
    pthread_mutex_lock(&pool->mu);
    reap_locked(pool);
    while (open_count(pool) < pool->opt.min_size) {
        pgwi_pool_slot *s = find_state(pool, PGWI_SLOT_FREE);
        slot_set(pool, s, PGWI_SLOT_CONNECTING);
        rc = fill_slot(pool, s, PGWI_SLOT_IDLE);
        if (rc != PGW_OK)
            break;
    }
    pthread_mutex_unlock(&pool->mu);
    return rc;
}

pgw_status pgw_pool_get_stats(pgw_pool *pool, pgw_pool_stats *out, size_t out_size)
{
    if (pool == NULL || out == NULL)
        return PGW_E_INVALID;
    pgw_pool_stats st;
    pthread_mutex_lock(&pool->mu);
    st = pool->st;
    st.idle = pool->n_idle;
    st.in_use = pool->n_lent;
    st.connecting = pool->n_connecting;
    st.size = open_count(pool);
    pthread_mutex_unlock(&pool->mu);
    memcpy(out, &st, out_size < sizeof st ? out_size : sizeof st);
    return PGW_OK;
}

size_t pgw_pool_last_error(pgw_pool *pool, char *buf, size_t len)
{
    if (pool == NULL)
        return 0;
    pthread_mutex_lock(&pool->mu);
    size_t n = pool->last_error_len;
    if (buf != NULL && len > 0) {
        size_t keep = strlen(pool->last_error);
        if (keep >= len)
            keep = len - 1;
        memcpy(buf, pool->last_error, keep);
        buf[keep] = '\0';
    }
    pthread_mutex_unlock(&pool->mu);
    return n;
}
