/* The pool without a server: option checks, and connection failures
 * through a fake transport that refuses every connection (counted,
 * reported, never leaked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire.h"
#include "pgwire/pool.h"

static void test_pool_options_init_defaults(void **state)
{
    pgw_pool_options o;
    memset(&o, 0xa5, sizeof o);
    pgw_pool_options_init(&o);
    assert_int_equal(o.size, sizeof o);
    assert_null(o.conninfo);
    assert_null(o.conn_options);
    assert_null(o.transport);
    assert_int_equal(o.min_size, 0);
    assert_int_equal(o.max_size, 10);
    assert_int_equal(o.acquire_timeout_ms, 30000);
    assert_int_equal(o.max_lifetime_ms, 3600000);
    assert_int_equal(o.max_idle_ms, 1800000);
    assert_int_equal(o.check_idle_ms, 1000);
    assert_int_equal(o.reset, PGW_POOL_RESET_NONE);
    assert_null(o.reset_hook);
    assert_null(o.init_hook);
}

static void expect_invalid(const pgw_pool_options *o)
{
    static char junk;
    pgw_pool *p = (pgw_pool *)(void *)&junk;
    assert_int_equal(pgw_pool_new(&p, o), PGW_E_INVALID);
    assert_null(p);
}

static void test_pool_new_bad_options_is_invalid(void **state)
{
    pgw_pool_options o;
    pgw_pool *p = NULL;
    assert_int_equal(pgw_pool_new(&p, NULL), PGW_E_INVALID);
    pgw_pool_options_init(&o);
    assert_int_equal(pgw_pool_new(NULL, &o), PGW_E_INVALID);

    pgw_pool_options_init(&o);
    o.max_size = 0;
    expect_invalid(&o);
    pgw_pool_options_init(&o);
    o.min_size = 11;
    expect_invalid(&o);
    pgw_pool_options_init(&o);
    o.acquire_timeout_ms = -2;
    expect_invalid(&o);
    pgw_pool_options_init(&o);
    o.max_lifetime_ms = -1;
    expect_invalid(&o);
    pgw_pool_options_init(&o);
    o.max_idle_ms = -5;
    expect_invalid(&o);
    pgw_pool_options_init(&o);
    o.check_idle_ms = -2;
    expect_invalid(&o);
    pgw_pool_options_init(&o);
    o.reset = PGW_POOL_RESET_HOOK; /* without a hook */
    expect_invalid(&o);
    pgw_pool_options_init(&o);
    o.reset = (pgw_pool_reset)7;
    expect_invalid(&o);
    pgw_pool_options_init(&o);
    o.size = sizeof(size_t); /* older than any real version */
    expect_invalid(&o);

    /* NULL-safe entry points. */
    pgw_pool_free(NULL);
    pgw_conn *c = (pgw_conn *)&o;
    assert_int_equal(pgw_pool_acquire(NULL, 0, &c), PGW_E_INVALID);
    assert_null(c);
    assert_int_equal(pgw_pool_release(NULL, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_pool_maintain(NULL), PGW_E_INVALID);
    assert_int_equal(pgw_pool_last_error(NULL, NULL, 0), 0);
}

/* A transport whose every open fails like a refused TCP connect. */
typedef struct refusing {
    int opens;
} refusing;

static pgw_status refuse_open(void *ud, const pgw_transport_target *t, void **handle, char *errbuf,
                              size_t errlen, int *sys_errno)
{
    refusing *r = ud;
    r->opens++;
    snprintf(errbuf, errlen, "fake transport: connection %d to port %s refused", r->opens,
             t->port);
    *sys_errno = 111;
    return PGW_E_IO;
}

static pgw_transport refusing_transport(refusing *r)
{
    pgw_transport t;
    memset(&t, 0, sizeof t);
    t.open = refuse_open;
    t.ud = r;
    return t;
}

static void test_pool_refused_connections_counted_and_reported(void **state)
{
    refusing r = {0};
    pgw_transport t = refusing_transport(&r);
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.conninfo = "host=127.0.0.1 port=5 user=nobody dbname=none";
    o.transport = &t;
    o.max_size = 2;
    o.min_size = 2;
    pgw_pool *p = NULL;
    assert_int_equal(pgw_pool_new(&p, &o), PGW_OK);
    char msg[256];
    assert_int_equal(pgw_pool_last_error(p, msg, sizeof msg), 0);
    assert_string_equal(msg, "");

    pgw_conn *c = NULL;
    assert_int_equal(pgw_pool_acquire(p, 0, &c), PGW_E_IO);
    assert_null(c);
    assert_int_equal(r.opens, 1);
    size_t n = pgw_pool_last_error(p, msg, sizeof msg);
    assert_true(n > 0);
    assert_non_null(strstr(msg, "connection 1 to port 5 refused"));
    /* Truncated copies stay terminated and report the full length. */
    char small[8];
    assert_int_equal(pgw_pool_last_error(p, small, sizeof small), n);
    assert_int_equal(strlen(small), sizeof small - 1);

    /* maintain tries to open min_size and stops at the first failure. */
    assert_int_equal(pgw_pool_maintain(p), PGW_E_IO);
    assert_int_equal(r.opens, 2);

    pgw_pool_stats st;
    memset(&st, 0xff, sizeof st);
    assert_int_equal(pgw_pool_get_stats(p, &st, sizeof st), PGW_OK);
    assert_int_equal(st.failed_connects, 2);
    assert_int_equal(st.size, 0);
    assert_int_equal(st.idle, 0);
    assert_int_equal(st.in_use, 0);
    assert_int_equal(st.connecting, 0);
    assert_int_equal(st.created, 0);
    assert_int_equal(st.acquires, 0);
    assert_int_equal(st.timeouts, 0);

    /* A caller that knows a shorter struct gets only that much. */
    pgw_pool_stats part;
    memset(&part, 0xee, sizeof part);
    assert_int_equal(pgw_pool_get_stats(p, &part, offsetof(pgw_pool_stats, idle)), PGW_OK);
    assert_int_equal(part.size, 0);
    assert_int_equal(part.idle, (size_t)0xeeeeeeeeeeeeeeeeULL);

    /* A connection that is not the pool's is refused. */
    pgw_conn *stranger = NULL;
    pgw_conn_options co;
    pgw_conn_options_init(&co);
    assert_int_equal(pgw_conn_new(&stranger, &co), PGW_OK);
    assert_int_equal(pgw_pool_release(p, stranger), PGW_E_INVALID);
    assert_int_equal(pgw_pool_discard(p, stranger), PGW_E_INVALID);
    pgw_conn_free(stranger);
    pgw_pool_free(p);
}

/* The pool's own memory comes from the allocator it is given. */
typedef struct counting {
    size_t live, allocs;
} counting;

static void *c_alloc(void *ud, size_t n)
{
    counting *c = ud;
    c->live += n;
    c->allocs++;
    return malloc(n);
}

static void *c_realloc(void *ud, void *p, size_t old_n, size_t new_n)
{
    counting *c = ud;
    c->live += new_n - old_n;
    return realloc(p, new_n);
}

static void c_free(void *ud, void *p, size_t n)
{
    counting *c = ud;
    c->live -= n;
    free(p);
}

static void test_pool_uses_given_allocator_and_frees_everything(void **state)
{
    counting cnt = {0, 0};
    pgw_allocator a = {c_alloc, c_realloc, c_free, &cnt};
    pgw_pool_options o;
    pgw_pool_options_init(&o);
    o.allocator = &a;
    o.conninfo = "host=127.0.0.1";
    pgw_pool *p = NULL;
    assert_int_equal(pgw_pool_new(&p, &o), PGW_OK);
    assert_true(cnt.allocs >= 3); /* pool, slots, conninfo copy */
    assert_true(cnt.live > 0);
    pgw_pool_free(p);
    assert_int_equal(cnt.live, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pool_options_init_defaults),
        cmocka_unit_test(test_pool_new_bad_options_is_invalid),
        cmocka_unit_test(test_pool_refused_connections_counted_and_reported),
        cmocka_unit_test(test_pool_uses_given_allocator_and_frees_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
