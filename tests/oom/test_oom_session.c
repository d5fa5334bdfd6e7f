/* Allocator failure everywhere (issue 10): one whole session against the
 * in-memory fake server — SCRAM startup, a query streaming rows with a
 * notice in the middle, a server error, a second query — run once with the
 * Nth allocation failing, for every N from 1 until a run needs no failure.
 * Every run must end in a clean status (PGW_E_NOMEM, or success when the
 * refused block was optional), a defined connection state and no leak
 * (failing_alloc counts live blocks; ASan/LSan in CI sees the rest).
 *
 * That every allocation goes through the user's allocator is checked from
 * the other side too: the test links with -Wl,--wrap for malloc and its
 * relatives (tests/oom/meson.build), so every libc allocation the library's
 * own code makes while it runs is counted here. OpenSSL's allocations inside
 * libcrypto are not (they are in a shared library, outside --wrap): the
 * user allocator governs pgwire's memory, not OpenSSL's.
 *   - with a user allocator, pgwire never calls libc's allocator;
 *   - with none (libc), pgwire makes exactly as many malloc/realloc calls
 *     as it makes alloc/realloc calls on a counting allocator, so nothing
 *     bypasses the hooks in one configuration and not the other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "failing_alloc.h"
#include "fakeserver.h"
#include "pgwire.h"

#define CI "user=alice password=s3cret dbname=app application_name=oom sslmode=disable"
#define Q1 "SELECT id, name FROM t"
#define Q2 "SELECT 1/0"
#define Q3 "SELECT 'second'"

/* ---- libc allocation counting (-Wl,--wrap) ------------------------------- */

#ifdef PGW_OOM_WRAP
/* Counted only while the library runs (in_library) and not inside the
 * user's hooks (failing_alloc itself calls malloc). The fake server and the
 * test run outside library calls, so they are not counted either. */
static bool in_library;
static bool in_hook;
static size_t libc_allocs; /* malloc, calloc, realloc, strdup, ... */
static size_t libc_blocks; /* of which made a new block (not realloc of one) */
static size_t libc_frees;

void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static void count_alloc(bool new_block)
{
    if (in_library && !in_hook) {
        libc_allocs++;
        libc_blocks += new_block;
    }
}

void *__wrap_malloc(size_t n)
{
    count_alloc(true);
    return __real_malloc(n);
}

void *__wrap_calloc(size_t k, size_t n)
{
    count_alloc(true);
    return __real_calloc(k, n);
}

void *__wrap_realloc(void *p, size_t n)
{
    count_alloc(p == NULL);
    return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
    if (p != NULL && in_library && !in_hook)
        libc_frees++;
    __real_free(p);
}

char *__wrap_strdup(const char *s)
{
    count_alloc(true);
    return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    count_alloc(true);
    return __real_strndup(s, n);
}
#define LIB_BEGIN() (in_library = true)
#define LIB_END() (in_library = false)
#define HOOK_BEGIN() (in_hook = true)
#define HOOK_END() (in_hook = false)
#else
#define LIB_BEGIN() ((void)0)
#define LIB_END() ((void)0)
#define HOOK_BEGIN() ((void)0)
#define HOOK_END() ((void)0)
#endif

/* ---- the user allocator: failing_alloc behind hooks that mark the call --- */

typedef struct oom_alloc {
    pgw_allocator hooks;
    failing_alloc fa;
    size_t allocs; /* alloc + realloc calls */
} oom_alloc;

static void *oa_alloc(void *ud, size_t n)
{
    oom_alloc *a = ud;
    a->allocs++;
    HOOK_BEGIN();
    void *p = a->fa.hooks.alloc(a->fa.hooks.ud, n);
    HOOK_END();
    return p;
}

static void *oa_realloc(void *ud, void *p, size_t old_n, size_t new_n)
{
    oom_alloc *a = ud;
    a->allocs++;
    HOOK_BEGIN();
    void *q = a->fa.hooks.realloc(a->fa.hooks.ud, p, old_n, new_n);
    HOOK_END();
    return q;
}

static void oa_free(void *ud, void *p, size_t n)
{
    oom_alloc *a = ud;
    HOOK_BEGIN();
    a->fa.hooks.free(a->fa.hooks.ud, p, n);
    HOOK_END();
}

static void oom_alloc_init(oom_alloc *a, size_t fail_at)
{
    memset(a, 0, sizeof *a);
    failing_alloc_init(&a->fa, fail_at);
    a->hooks.alloc = oa_alloc;
    a->hooks.realloc = oa_realloc;
    a->hooks.free = oa_free;
    a->hooks.ud = a;
}

/* ---- one session ---------------------------------------------------------- */

typedef struct session {
    pgw_conn *c;
    fs_server *fs;
    bool eof_sent;
    int notices;
    int rows;          /* rows seen over all queries */
    char sqlstate[6];  /* of the server error */
    bool second_ok;    /* the third query returned "second" */
} session;

static void on_notice(void *ud, const pgw_error *n)
{
    session *s = ud;
    s->notices++;
    (void)n;
}

static fs_script *session_script(void)
{
    fs_script *sc = fs_script_new();
    fs_expect_startup(sc, "alice", "app");
    fs_scram_opts o;
    fs_scram_opts_init(&o, "s3cret");
    fs_scram(sc, &o);
    fs_send_auth_ok(sc);
    fs_send_startup_tail(sc, 4242, 0x5eed);

    const char *names[] = {"id", "name"};
    const char *rows[][2] = {{"1", "one"}, {"2", "two"}, {"3", NULL}, {"4", "four"}};
    fs_expect_query(sc, Q1);
    fs_send_row_description_text(sc, names, 2, PGW_OID_TEXT);
    for (size_t i = 0; i < 4; i++) {
        fs_send_data_row_text(sc, rows[i], 2);
        if (i == 1) {
            pgw_field nf[] = {{'S', "NOTICE"}, {'V', "NOTICE"}, {'C', "00000"},
                              {'M', "half way there"}, {'D', "a detail to copy"}};
            fs_send_notice(sc, nf, 5);
        }
    }
    fs_send_command_complete(sc, "SELECT 4");
    fs_send_ready(sc, 'I');

    fs_expect_query(sc, Q2);
    pgw_field ef[] = {{'S', "ERROR"}, {'V', "ERROR"}, {'C', "22012"}, {'M', "division by zero"},
                      {'H', "do not divide by zero"}, {'P', "9"}, {'F', "int.c"}, {'L', "841"},
                      {'R', "int4div"}};
    fs_send_error(sc, ef, 9);
    fs_send_ready(sc, 'I');

    const char *name2[] = {"?column?"};
    const char *row2[] = {"second"};
    fs_expect_query(sc, Q3);
    fs_send_row_description_text(sc, name2, 1, PGW_OID_TEXT);
    fs_send_data_row_text(sc, row2, 1);
    fs_send_command_complete(sc, "SELECT 1");
    fs_send_ready(sc, 'I');
    return sc;
}

/* Move bytes both ways once; false when nothing could move. */
static bool shuttle(session *s)
{
    bool moved = false;
    const uint8_t *p;
    LIB_BEGIN();
    size_t n = pgw_conn_output(s->c, &p);
    LIB_END();
    if (n > 0) {
        fs_feed(s->fs, p, n);
        LIB_BEGIN();
        pgw_conn_output_done(s->c, n);
        LIB_END();
        moved = true;
    }
    n = fs_output(s->fs, &p);
    if (n > 0) {
        LIB_BEGIN();
        pgw_status rc = pgw_conn_input(s->c, p, n);
        LIB_END();
        /* Input that cannot be buffered is not taken: the engine reports
         * the failure at the next step. */
        if (rc == PGW_OK)
            fs_output_done(s->fs, n);
        moved = rc == PGW_OK;
    } else if (fs_closed(s->fs) && !s->eof_sent) {
        LIB_BEGIN();
        pgw_conn_input_eof(s->c);
        LIB_END();
        s->eof_sent = true;
        moved = true;
    }
    return moved;
}

typedef enum call_kind { CALL_STEP, CALL_RECV, CALL_RECV_RESULT } call_kind;

/* Run one engine call until it stops asking for I/O. */
static pgw_status drive(session *s, call_kind k, pgw_cursor *cur)
{
    for (;;) {
        pgw_status rc;
        LIB_BEGIN();
        switch (k) {
        case CALL_STEP: rc = pgw_conn_step(s->c); break;
        case CALL_RECV: rc = pgw_cursor_recv(cur); break;
        default: rc = pgw_cursor_recv_result(cur); break;
        }
        LIB_END();
        if (rc != PGW_WANT_READ && rc != PGW_WANT_WRITE)
            return rc;
        if (!shuttle(s)) {
            /* The engine waits for bytes that will never come: a hang in
             * real life. Only a failed input buffer may explain it, and
             * then the next call must say so. */
            LIB_BEGIN();
            rc = k == CALL_STEP ? pgw_conn_step(s->c) : pgw_cursor_recv(cur);
            LIB_END();
            if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE)
                fail_msg("engine stalled (%s)", pgw_status_name(rc));
            return rc;
        }
    }
}

/* One query: every result, every row. PGW_E_SERVER is recorded and the
 * results go on (it is not sticky); any other failure ends the query. */
static pgw_status run_query(session *s, const char *sql)
{
    pgw_cursor *cur = NULL;
    LIB_BEGIN();
    pgw_status rc = pgw_query_send(s->c, sql, &cur);
    LIB_END();
    if (rc != PGW_OK) {
        assert_null(cur);
        return rc;
    }
    for (;;) {
        rc = drive(s, CALL_RECV_RESULT, cur);
        if (rc == PGW_END) {
            rc = PGW_OK;
            break;
        }
        if (rc == PGW_E_SERVER) {
            LIB_BEGIN();
            const pgw_error *e = pgw_conn_error(s->c);
            LIB_END();
            snprintf(s->sqlstate, sizeof s->sqlstate, "%s", e->sqlstate);
            continue;
        }
        if (rc != PGW_OK)
            break;
        while ((rc = drive(s, CALL_RECV, cur)) == PGW_OK) {
            s->rows++;
            const char *p;
            size_t n;
            LIB_BEGIN();
            pgw_status vr = pgw_cursor_text(cur, 0, &p, &n);
            LIB_END();
            assert_int_equal(vr, PGW_OK);
            if (strcmp(sql, Q3) == 0 && n == 6 && memcmp(p, "second", 6) == 0)
                s->second_ok = true;
        }
        if (rc != PGW_END)
            break;
    }
    LIB_BEGIN();
    pgw_cursor_free(cur);
    LIB_END();
    return rc;
}

/* The whole session with `allocator` (NULL = libc). Returns the first
 * status that is not what a healthy session gives, or PGW_OK. */
static pgw_status run_session(session *s, const pgw_allocator *allocator)
{
    memset(s, 0, sizeof *s);
    s->fs = fs_new(session_script());
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = CI;
    o.allocator = allocator;
    o.notice = on_notice;
    o.notice_ud = s;
    LIB_BEGIN();
    pgw_status rc = pgw_conn_new(&s->c, &o);
    LIB_END();
    if (rc != PGW_OK) {
        assert_null(s->c);
        return rc;
    }
    LIB_BEGIN();
    rc = pgw_conn_start(s->c);
    LIB_END();
    if (rc == PGW_OK)
        rc = drive(s, CALL_STEP, NULL);
    if (rc == PGW_OK)
        rc = run_query(s, Q1);
    if (rc == PGW_OK)
        rc = run_query(s, Q2);
    if (rc == PGW_OK)
        rc = run_query(s, Q3);
    return rc;
}

static void end_session(session *s)
{
    LIB_BEGIN();
    pgw_conn_free(s->c);
    LIB_END();
    s->c = NULL;
    fs_free(s->fs);
    s->fs = NULL;
}

/* What the successful session must have seen. */
static void assert_complete(session *s)
{
    assert_true(fs_done(s->fs));
    assert_false(fs_failed(s->fs, NULL));
    assert_int_equal(s->rows, 5);
    assert_int_equal(s->notices, 1);
    assert_string_equal(s->sqlstate, "22012");
    assert_true(s->second_ok);
    assert_int_equal(pgw_conn_get_state(s->c), PGW_CONN_IDLE);
}

/* ---- tests ----------------------------------------------------------------- */

static void test_oom_session_every_allocation_fails_cleanly(void **state)
{
    (void)state;
    size_t degraded = 0, nomem = 0;
    for (size_t n = 1; n < 2000; n++) {
        oom_alloc a;
        oom_alloc_init(&a, n);
        session s;
        pgw_status rc = run_session(&s, &a.hooks);
        bool refused = a.fa.failures > 0;
        if (!refused) {
            /* Allocation n was never reached: the whole session ran. */
            assert_int_equal(rc, PGW_OK);
            assert_complete(&s);
            end_session(&s);
            assert_true(failing_alloc_clean(&a.fa));
            print_message("# session complete after %zu allocations: %zu runs failed with "
                          "PGW_E_NOMEM, %zu went on without the refused block\n",
                          n - 1, nomem, degraded);
            /* Most allocations are not optional. */
            assert_true(nomem > degraded);
            return;
        }
        if (rc == PGW_OK) {
            /* Success although a block was refused: only what the library
             * documents as optional (e.g. the formatted summary of a server
             * error or notice) may be missing, and the session still saw
             * everything the server sent. */
            assert_true(fs_done(s.fs));
            assert_int_equal(s.rows, 5);
            assert_string_equal(s.sqlstate, "22012");
            assert_true(s.second_ok);
            degraded++;
        } else {
            if (rc != PGW_E_NOMEM)
                fail_msg("allocation %zu refused: got %s (%s), want PGW_E_NOMEM", n,
                         pgw_status_name(rc), s.c ? pgw_conn_errmsg(s.c) : "no connection");
            nomem++;
            if (s.c != NULL) {
                /* A defined state: broken (sticky), or still idle when the
                 * failure came before anything was sent. */
                pgw_conn_state st = pgw_conn_get_state(s.c);
                if (st != PGW_CONN_BROKEN && st != PGW_CONN_IDLE && st != PGW_CONN_NEW)
                    fail_msg("allocation %zu refused: connection left in state %d", n, (int)st);
                /* Sticky: asking again gives the same answer, allocating
                 * nothing. */
                if (st == PGW_CONN_BROKEN) {
                    size_t calls = a.fa.calls;
                    assert_int_equal(pgw_conn_step(s.c), PGW_E_NOMEM);
                    assert_int_equal(a.fa.calls, calls);
                }
            }
        }
        end_session(&s);
        if (!failing_alloc_clean(&a.fa))
            fail_msg("allocation %zu refused: %zu blocks (%zu bytes) leaked", n, a.fa.live_blocks,
                     a.fa.live_bytes);
    }
    fail_msg("the session never completed");
}

static void test_oom_session_all_later_allocations_fail_cleanly(void **state)
{
    /* Harsher: from the Nth on, every allocation fails (memory is gone for
     * good, so the error paths themselves cannot allocate). Every 3rd N
     * keeps this quick; the single-failure test covers every N. */
    (void)state;
    for (size_t n = 1; n < 2000; n += 3) {
        oom_alloc a;
        oom_alloc_init(&a, n);
        a.fa.fail_after = true;
        session s;
        pgw_status rc = run_session(&s, &a.hooks);
        bool refused = a.fa.failures > 0;
        if (rc != PGW_OK && rc != PGW_E_NOMEM)
            fail_msg("allocations from %zu refused: got %s, want PGW_E_NOMEM", n,
                     pgw_status_name(rc));
        end_session(&s);
        if (!failing_alloc_clean(&a.fa))
            fail_msg("allocations from %zu refused: %zu blocks leaked", n, a.fa.live_blocks);
        if (!refused)
            return;
    }
    fail_msg("the session never completed");
}

/* Only with --wrap: the libc allocator is counted through the wrappers. */
#ifdef PGW_OOM_WRAP
static void test_oom_session_every_allocation_uses_the_hooks(void **state)
{
    (void)state;
    /* Libc: count the library's own malloc/realloc calls. */
    session s;
    libc_allocs = libc_blocks = libc_frees = 0;
    assert_int_equal(run_session(&s, NULL), PGW_OK);
    assert_complete(&s);
    end_session(&s);
    size_t with_libc = libc_allocs;
    /* The wrap works at all (else the next check proves nothing). */
    assert_true(with_libc > 10);
    assert_int_equal(libc_frees, libc_blocks);

    /* A user allocator: the same number of calls, all through the hooks,
     * and not one libc allocation from the library's code. */
    oom_alloc a;
    oom_alloc_init(&a, 0);
    libc_allocs = libc_blocks = libc_frees = 0;
    assert_int_equal(run_session(&s, &a.hooks), PGW_OK);
    assert_complete(&s);
    end_session(&s);
    assert_true(failing_alloc_clean(&a.fa));
    if (libc_allocs != 0 || libc_frees != 0)
        fail_msg("with a user allocator the library still called libc: %zu allocations, %zu frees",
                 libc_allocs, libc_frees);
    print_message("# %zu allocations per session, all through the hooks\n", a.allocs);
    assert_int_equal(a.allocs, with_libc);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
#ifdef PGW_OOM_WRAP
        cmocka_unit_test(test_oom_session_every_allocation_uses_the_hooks),
#endif
        cmocka_unit_test(test_oom_session_every_allocation_fails_cleanly),
        cmocka_unit_test(test_oom_session_all_later_allocations_fail_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
