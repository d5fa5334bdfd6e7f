/* Name resolution that never blocks the non-blocking API (pgwire/nonblock.h):
 * the application's resolver hook (non-blocking and blocking connects, its
 * failures, hostaddr bypassing it) and the opt-in resolver thread (its
 * descriptor, its errors, freeing the connection mid-lookup). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pgtest.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct hook_log {
    int calls;
    char host[128], port[16];
    bool fail;
} hook_log;

/* Maps every name to 127.0.0.1 (or fails, when asked to). */
static pgw_status test_resolve(void *ud, const char *host, const char *port,
                               pgw_resolved_addr *out, size_t cap, size_t *n, char *errbuf,
                               size_t errlen)
{
    hook_log *log = ud;
    log->calls++;
    snprintf(log->host, sizeof log->host, "%s", host);
    snprintf(log->port, sizeof log->port, "%s", port);
    if (log->fail) {
        snprintf(errbuf, errlen, "no such name (test)");
        return PGW_E_RESOLVE;
    }
    assert_true(cap >= 1);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    memset(&out[0], 0, sizeof out[0]);
    memcpy(&out[0].addr, &sa, sizeof sa);
    out[0].len = sizeof sa;
    *n = 1;
    return PGW_OK;
}

static void conninfo_for(char *buf, size_t len, const char *host, const char *extra)
{
    const char *pw = getenv("PGW_TEST_TRUST_PASSWORD");
    snprintf(buf, len, "host=%s port=%s dbname=%s user=%s sslmode=disable%s%s%s %s", host,
             pgt_env("PGW_TEST_PORT"), pgt_env("PGW_TEST_DB"), pgt_env("PGW_TEST_TRUST_USER"),
             pw ? " password='" : "", pw ? pw : "", pw ? "'" : "", extra ? extra : "");
}

static void options_for(pgw_conn_options *o, const char *ci, hook_log *log, bool thread)
{
    pgw_conn_options_init(o);
    o->conninfo = ci;
    o->use_environment = false;
    if (log != NULL) {
        o->resolve = test_resolve;
        o->resolve_ud = log;
    }
    o->resolver_thread = thread;
}

/* Drive pgw_connect_poll under poll(2) to the end; *first = the first
 * status poll returned and *first_fd the descriptor it asked about. */
static pgw_status drive(pgw_conn *c, pgw_status *first, int *first_fd)
{
    bool seen = false;
    for (int i = 0; i < 10000; i++) {
        pgw_status rc = pgw_connect_poll(c);
        if (!seen) {
            seen = true;
            if (first != NULL)
                *first = rc;
            if (first_fd != NULL)
                *first_fd = pgw_conn_fd(c);
        }
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        int fd = pgw_conn_fd(c);
        assert_true(fd >= 0);
        int left = pgw_connect_remaining_ms(c);
        struct pollfd p = {.fd = fd, .events = rc == PGW_WANT_READ ? POLLIN : POLLOUT};
        (void)poll(&p, 1, left < 0 ? 10000 : left);
    }
    fail_msg("the connect did not finish");
    return PGW_E_STATE;
}

static void expect_select_one(pgw_conn *c)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, "SELECT 41 + 1", &r), PGW_OK);
    assert_string_equal(pgw_result_text(r, 0, 0), "42");
    pgw_result_free(r);
}

/* ---- the hook ---------------------------------------------------------- */

static void test_resolver_hook_made_up_name_connects_nonblocking(void **state)
{
    (void)state;
    char ci[1024];
    conninfo_for(ci, sizeof ci, "db.pgwire.test", NULL);
    hook_log log = {0};
    pgw_conn_options o;
    options_for(&o, ci, &log, false);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
    assert_int_equal(log.calls, 0); /* no lookup before the first poll */
    pgw_status rc = drive(c, NULL, NULL);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(log.calls, 1);
    assert_string_equal(log.host, "db.pgwire.test");
    assert_string_equal(log.port, pgt_env("PGW_TEST_PORT"));
    expect_select_one(c);
    pgw_conn_free(c);
}

static void test_resolver_hook_blocking_connect_uses_hook(void **state)
{
    (void)state;
    char ci[1024];
    conninfo_for(ci, sizeof ci, "db.pgwire.test", NULL);
    hook_log log = {0};
    pgw_conn_options o;
    options_for(&o, ci, &log, false);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &o);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(log.calls, 1);
    assert_string_equal(log.host, "db.pgwire.test");
    expect_select_one(c);
    /* pgw_reset connects again through the hook. */
    assert_int_equal(pgw_reset(c), PGW_OK);
    assert_int_equal(log.calls, 2);
    expect_select_one(c);
    pgw_conn_free(c);
}

static void test_resolver_hook_failure_names_host(void **state)
{
    (void)state;
    char ci[1024];
    conninfo_for(ci, sizeof ci, "nope.pgwire.test", NULL);
    hook_log log = {.fail = true};
    pgw_conn_options o;
    options_for(&o, ci, &log, false);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
    assert_int_equal(drive(c, NULL, NULL), PGW_E_RESOLVE);
    assert_string_equal(pgw_conn_errmsg(c),
                        "could not translate host name \"nope.pgwire.test\" to address: "
                        "no such name (test)");
    pgw_conn_free(c);

    /* The blocking connect reports it the same way. */
    c = NULL;
    assert_int_equal(pgw_connect(&c, &o), PGW_E_RESOLVE);
    assert_string_equal(pgw_conn_errmsg(c),
                        "could not translate host name \"nope.pgwire.test\" to address: "
                        "no such name (test)");
    assert_int_equal(log.calls, 2);
    pgw_conn_free(c);
}

static void test_resolver_hook_failing_host_falls_through_to_next(void **state)
{
    (void)state;
    /* The hook fails every name; the second host is a hostaddr, which is
     * used without any lookup. */
    char ci[1024];
    conninfo_for(ci, sizeof ci, "nope.pgwire.test,db.pgwire.test", "hostaddr=,127.0.0.1");
    hook_log log = {.fail = true};
    pgw_conn_options o;
    options_for(&o, ci, &log, false);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
    pgw_status rc = drive(c, NULL, NULL);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    assert_int_equal(log.calls, 1);
    assert_string_equal(log.host, "nope.pgwire.test");
    expect_select_one(c);
    pgw_conn_free(c);
}

/* ---- the resolver thread ----------------------------------------------- */

static void test_resolver_thread_localhost_waits_on_its_descriptor(void **state)
{
    (void)state;
    char ci[1024];
    conninfo_for(ci, sizeof ci, "localhost", NULL);
    pgw_conn_options o;
    options_for(&o, ci, NULL, true);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
    /* The first poll starts the lookup and asks to wait for reading on the
     * thread's descriptor: a Unix socket pair, not the server's socket. */
    pgw_status first = pgw_connect_poll(c);
    int fd = pgw_conn_fd(c);
    assert_int_equal(first, PGW_WANT_READ);
    assert_true(fd >= 0);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_UNIX);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 10000), 1);
    pgw_status rc = drive(c, NULL, NULL);
    if (rc != PGW_OK)
        fprintf(stderr, "# %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    /* Now the server's TCP socket (the number may be reused). */
    len = sizeof ss;
    assert_int_equal(getsockname(pgw_conn_fd(c), (struct sockaddr *)&ss, &len), 0);
    assert_true(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
    expect_select_one(c);
    pgw_conn_free(c);
}

static void test_resolver_thread_unknown_name_keeps_libpq_text(void **state)
{
    (void)state;
    char ci[1024];
    conninfo_for(ci, sizeof ci, "no-such-host.invalid", NULL);
    pgw_conn_options o;
    options_for(&o, ci, NULL, true);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
    pgw_status first = PGW_OK;
    assert_int_equal(drive(c, &first, NULL), PGW_E_RESOLVE);
    assert_int_equal(first, PGW_WANT_READ);
    const char *want = "could not translate host name \"no-such-host.invalid\" to address: ";
    assert_memory_equal(pgw_conn_errmsg(c), want, strlen(want));
    assert_true(strlen(pgw_conn_errmsg(c)) > strlen(want));
    pgw_conn_free(c);
}

static void test_resolver_thread_free_mid_lookup_is_clean(void **state)
{
    (void)state;
    char ci[1024];
    conninfo_for(ci, sizeof ci, "localhost", NULL);
    pgw_conn_options o;
    options_for(&o, ci, NULL, true);
    /* Freed at once, and freed after the answer came but before it was
     * consumed: the thread and the connection each drop their share. */
    for (int i = 0; i < 20; i++) {
        pgw_conn *c = NULL;
        assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
        assert_int_equal(pgw_connect_poll(c), PGW_WANT_READ);
        if (i % 2 == 1) {
            struct pollfd p = {.fd = pgw_conn_fd(c), .events = POLLIN};
            assert_int_equal(poll(&p, 1, 10000), 1);
        }
        pgw_conn_free(c);
    }
    /* Let detached lookups still running finish before the leak check. */
    struct timespec ts = {.tv_sec = 0, .tv_nsec = 300000000};
    nanosleep(&ts, NULL);
}

static void test_resolver_thread_not_used_for_hostaddr(void **state)
{
    (void)state;
    char ci[1024];
    conninfo_for(ci, sizeof ci, "db.pgwire.test", "hostaddr=127.0.0.1");
    pgw_conn_options o;
    options_for(&o, ci, NULL, true);
    pgw_conn *c = NULL;
    assert_int_equal(pgw_connect_start(&c, &o), PGW_OK);
    /* No lookup: the first poll is already connecting over TCP. */
    pgw_status rc = pgw_connect_poll(c);
    assert_true(rc == PGW_WANT_WRITE || rc == PGW_WANT_READ || rc == PGW_OK);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    assert_int_equal(getsockname(pgw_conn_fd(c), (struct sockaddr *)&ss, &len), 0);
    assert_int_equal(ss.ss_family, AF_INET);
    assert_int_equal(drive(c, NULL, NULL), PGW_OK);
    expect_select_one(c);
    pgw_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolver_hook_made_up_name_connects_nonblocking),
        cmocka_unit_test(test_resolver_hook_blocking_connect_uses_hook),
        cmocka_unit_test(test_resolver_hook_failure_names_host),
        cmocka_unit_test(test_resolver_hook_failing_host_falls_through_to_next),
        cmocka_unit_test(test_resolver_thread_localhost_waits_on_its_descriptor),
        cmocka_unit_test(test_resolver_thread_unknown_name_keeps_libpq_text),
        cmocka_unit_test(test_resolver_thread_free_mid_lookup_is_clean),
        cmocka_unit_test(test_resolver_thread_not_used_for_hostaddr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
