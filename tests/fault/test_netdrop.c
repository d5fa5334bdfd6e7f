/* The network dies under an established connection: every packet on the
 * loopback interface is dropped — a private network namespace whose `lo`
 * gets the blackhole qdisc — so neither a FIN nor a RST ever arrives. TCP
 * keepalives (an idle wait) and tcp_user_timeout (unacknowledged data) must
 * end the connection with the kernel's ETIMEDOUT instead of leaving it
 * hanging. A userspace proxy cannot show this: it would keep acknowledging.
 * The blocking API's own timeout is set far above the expected failure as a
 * safety net, and a failure through it (PGW_E_TIMEOUT) fails the test.
 *
 * The namespace belongs to this process alone, so it runs in parallel with
 * anything. As root it is a plain network namespace; otherwise a user
 * namespace supplies the capability (tc must run inside it). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../support/fakeserver.h"
#include "pgwire.h"

/* ---- the namespace ------------------------------------------------------- */

static bool write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return false;
    size_t n = strlen(text);
    bool ok = write(fd, text, n) == (ssize_t)n;
    close(fd);
    return ok;
}

static bool enter_private_network(void)
{
    if (unshare(CLONE_NEWNET) != 0) {
        /* Not root: become root of a new user namespace, which may own a
         * network namespace of its own. */
        uid_t uid = getuid();
        gid_t gid = getgid();
        if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
            fprintf(stderr, "netdrop: cannot make a network namespace: %s\n", strerror(errno));
            return false;
        }
        char map[64];
        snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
        write_file("/proc/self/setgroups", "deny");
        if (!write_file("/proc/self/uid_map", map))
            return false;
        snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
        if (!write_file("/proc/self/gid_map", map))
            return false;
    }
    return system("ip link set lo up") == 0;
}

static bool blackhole(bool on)
{
    return system(on ? "tc qdisc add dev lo root blackhole"
                     : "tc qdisc del dev lo root 2>/dev/null") == 0 ||
           !on;
}

/* ---- the server side ------------------------------------------------------ */

typedef struct drop_ctl {
    volatile int installed; /* the blackhole is on */
    volatile int release;   /* the test is done with the connection */
    bool ok;
} drop_ctl;

/* A callback step: drop every packet from now on, then hold the script here
 * (the server must not time out or hang up: a hang-up would be a FIN the
 * client could see) until the test releases it. */
static bool drop_and_hold(fs_server *fs, void *ud)
{
    drop_ctl *d = ud;
    /* Let the client's last segment be acknowledged first (delayed ACKs
     * wait up to 200 ms): with data in flight the kernel retransmits and
     * never starts keepalive probes, which is the other test's case. */
    usleep(300000);
    d->ok = blackhole(true);
    __atomic_store_n(&d->installed, 1, __ATOMIC_SEQ_CST);
    if (!d->ok)
        return fs_fail(fs, "tc qdisc add dev lo root blackhole failed");
    for (int i = 0; i < 6000 && !__atomic_load_n(&d->release, __ATOMIC_SEQ_CST); i++)
        usleep(10000);
    return true;
}

/* Each test's control block; the teardown releases a held server and lifts
 * the blackhole even when an assertion ended the test early. */
static drop_ctl g_drop;

static int reset_network(void **state)
{
    (void)state;
    __atomic_store_n(&g_drop.release, 1, __ATOMIC_SEQ_CST);
    blackhole(false);
    return 0;
}

static int fresh_ctl(void **state)
{
    (void)state;
    memset(&g_drop, 0, sizeof g_drop);
    return 0;
}

static fs_server *serve(fs_script *s, uint16_t *port, unsigned timeout_ms)
{
    fs_server *fs = fs_new(s);
    assert_int_equal(fs_listen(fs, port), PGW_OK);
    fs_set_timeout(fs, timeout_ms);
    assert_int_equal(fs_serve_thread_start(fs), PGW_OK);
    return fs;
}

static pgw_conn *connect_to(uint16_t port, const char *opts, int safety_net_ms)
{
    char ci[512];
    snprintf(ci, sizeof ci, "host=127.0.0.1 port=%u user=u dbname=d sslmode=disable %s",
             (unsigned)port, opts);
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    o.use_environment = false;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &o);
    if (rc != PGW_OK)
        fprintf(stderr, "# connect: %s\n", pgw_conn_errmsg(c));
    assert_int_equal(rc, PGW_OK);
    /* The safety net: far above keepalive's and tcp_user_timeout's limits. */
    pgw_conn_set_timeout(c, safety_net_ms);
    return c;
}

static void finish(fs_server *fs, drop_ctl *d)
{
    __atomic_store_n(&d->release, 1, __ATOMIC_SEQ_CST);
    fs_serve_thread_join(fs);
    assert_true(blackhole(false));
    fs_free(fs);
}

static void expect_kernel_timeout(pgw_conn *c, pgw_status rc)
{
    const pgw_error *e = pgw_conn_error(c);
    if (e->sys_errno != ETIMEDOUT)
        fprintf(stderr, "# rc %s errno %d: %s\n", pgw_status_name(rc), e->sys_errno,
                pgw_conn_errmsg(c));
    assert_true(rc == PGW_E_IO || rc == PGW_E_CLOSED);
    assert_int_equal(e->sys_errno, ETIMEDOUT);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    /* The connection stays broken: the next call fails at once. */
    assert_true(pgw_exec(c, "SELECT 1", NULL) < 0);
}

/* The query reached the server (acknowledged), then the network died while
 * the client waits for the answer: only keepalive probes can notice. */
static void test_netdrop_keepalives_end_an_idle_wait(void **state)
{
    (void)state;
    drop_ctl *d = &g_drop;
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, NULL, NULL);
    fs_expect_query(s, "SELECT pg_sleep(3600)");
    /* A notice carries the acknowledgement of the query at once. */
    fs_send_notice(s, (const pgw_field[]){{'S', "NOTICE"}, {'M', "working"}}, 2);
    fs_callback(s, drop_and_hold, d, NULL);
    uint16_t port;
    fs_server *fs = serve(s, &port, 90000);
    pgw_conn *c = connect_to(port, "keepalives=1 keepalives_idle=1 keepalives_interval=1 "
                                   "keepalives_count=2", 45000);
    pgw_status rc = pgw_exec(c, "SELECT pg_sleep(3600)", NULL);
    expect_kernel_timeout(c, rc);
    assert_true(d->ok);
    pgw_conn_free(c);
    finish(fs, d);
}

/* The network died before the query went out: the data is never
 * acknowledged, so keepalive probes never start; tcp_user_timeout ends it.
 * (keepalive_idle is an hour here, so only the user timeout can act.) */
static void run_unacknowledged_send(const char *opts, int safety_net_ms, pgw_status *rc_out,
                                    pgw_conn **c_out)
{
    fs_script *s = fs_script_new();
    fs_trust_handshake(s, NULL, NULL);
    /* Never satisfied: the query is dropped. The server gives up after 5 s
     * (the client's socket dies silently, so nothing else ends its wait). */
    fs_expect_query(s, "SELECT 1");
    uint16_t port;
    fs_server *fs = serve(s, &port, 5000);
    pgw_conn *c = connect_to(port, opts, safety_net_ms);
    /* Idle and fully acknowledged (delayed ACKs wait up to 200 ms): now the
     * network dies. */
    usleep(300000);
    assert_true(blackhole(true));
    *rc_out = pgw_exec(c, "SELECT 1", NULL);
    *c_out = c;
    finish(fs, &g_drop);
}

static void test_netdrop_tcp_user_timeout_ends_unacknowledged_send(void **state)
{
    (void)state;
    pgw_status rc;
    pgw_conn *c;
    run_unacknowledged_send("keepalives_idle=3600 tcp_user_timeout=1500", 45000, &rc, &c);
    expect_kernel_timeout(c, rc);
    pgw_conn_free(c);
}

/* libpq sets TCP_USER_TIMEOUT only together with keepalives (keepalives=0
 * skips every TCP option); pgwire does the same, so with keepalives off
 * only the caller's own timeout ends the wait. */
static void test_netdrop_tcp_user_timeout_ignored_without_keepalives_like_libpq(void **state)
{
    (void)state;
    pgw_status rc;
    pgw_conn *c;
    run_unacknowledged_send("keepalives=0 tcp_user_timeout=1500", 4000, &rc, &c);
    assert_int_equal(rc, PGW_E_TIMEOUT);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_BROKEN);
    pgw_conn_free(c);
}

int main(void)
{
    if (!enter_private_network()) {
        /* Not a reason to pass: this environment cannot run the scenario. */
        fprintf(stderr, "netdrop: no private network namespace (need root or user namespaces, "
                        "and iproute2)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_netdrop_keepalives_end_an_idle_wait, fresh_ctl,
                                        reset_network),
        cmocka_unit_test_setup_teardown(test_netdrop_tcp_user_timeout_ends_unacknowledged_send,
                                        fresh_ctl, reset_network),
        cmocka_unit_test_setup_teardown(
            test_netdrop_tcp_user_timeout_ignored_without_keepalives_like_libpq, fresh_ctl,
            reset_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
