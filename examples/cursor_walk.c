/* Walking a large result with constant memory: through a named portal
 * (Execute with a row limit, one round trip per batch), through a SQL
 * cursor (DECLARE / FETCH FORWARD n), and through a WITH HOLD cursor that
 * outlives its transaction. A counting allocator shows that the library's
 * memory does not grow with the number of rows.
 *
 * usage: cursor_walk CONNINFO [ROWS [BATCH]] [--stats]
 *   ROWS   rows of generate_series to walk (default 10000)
 *   BATCH  rows per fetch (default 1000)
 *   --stats  also print rows/s, peak bytes allocated by pgwire and the
 *            process's peak RSS on standard error (scripts/stress.sh
 *            portal-walk uses this with 10,000,000 rows) */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pgwire.h"

/* ---- a counting allocator ------------------------------------------------- */

typedef struct counting {
    pgw_allocator hooks;
    size_t live, peak;
} counting;

static void note(counting *k, size_t add, size_t sub)
{
    k->live = k->live + add - sub;
    if (k->live > k->peak)
        k->peak = k->live;
}

static void *c_alloc(void *ud, size_t n)
{
    void *p = malloc(n);
    if (p != NULL)
        note(ud, n, 0);
    return p;
}

static void *c_realloc(void *ud, void *p, size_t old_n, size_t new_n)
{
    void *q = realloc(p, new_n);
    if (q != NULL)
        note(ud, new_n, old_n);
    return q;
}

static void c_free(void *ud, void *p, size_t n)
{
    free(p);
    note(ud, 0, n);
}

/* ---- the walks ------------------------------------------------------------ */

typedef struct walk {
    uint64_t rows, fetches;
    int64_t sum;
} walk;

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, pgw_conn_errmsg(c));
    return 1;
}

/* Read one batch's rows into w; false on an error. */
static bool take_rows(pgw_cursor *cur, walk *w, uint64_t *got)
{
    pgw_status rc;
    *got = 0;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        int64_t g;
        if (pgw_cursor_int64(cur, 0, &g) != PGW_OK)
            return false;
        w->sum += g;
        (*got)++;
    }
    w->rows += *got;
    return rc == PGW_END;
}

/* A named portal: Bind once, then Execute BATCH rows at a time. */
static int walk_portal(pgw_conn *c, const char *rows, size_t batch, walk *w)
{
    if (pgw_begin(c, NULL) != PGW_OK)
        return fail(c, "begin");
    pgw_param limit = {0, PGW_FORMAT_TEXT, rows, strlen(rows)};
    pgw_portal *p = NULL;
    if (pgw_portal_open(c, "walk", "SELECT g, md5(g::text) FROM generate_series(1, $1::int8) g",
                        &limit, 1, &p) != PGW_OK)
        return fail(c, "open portal");
    bool more = true;
    while (more) {
        pgw_cursor *cur = NULL;
        uint64_t got;
        if (pgw_portal_fetch(p, batch, &cur) != PGW_OK || !take_rows(cur, w, &got)) {
            pgw_cursor_free(cur);
            pgw_portal_free(p);
            return fail(c, "fetch");
        }
        /* PortalSuspended: the row limit was reached and rows may remain
         * (a batch that ends on the last row is suspended too: the next
         * fetch then returns no row and CommandComplete). */
        more = pgw_cursor_suspended(cur);
        pgw_cursor_free(cur);
        w->fetches++;
    }
    pgw_status rc = pgw_portal_close(p);
    pgw_portal_free(p);
    if (rc != PGW_OK)
        return fail(c, "close portal");
    return pgw_commit(c) == PGW_OK ? 0 : fail(c, "commit");
}

/* A SQL cursor: DECLARE, then FETCH FORWARD BATCH until one returns no row. */
static int walk_sql_cursor(pgw_conn *c, const char *rows, size_t batch, walk *w)
{
    if (pgw_begin(c, NULL) != PGW_OK)
        return fail(c, "begin");
    pgw_param limit = {0, PGW_FORMAT_TEXT, rows, strlen(rows)};
    if (pgw_sqlcursor_declare(c, "walk", PGW_SQLCURSOR_NO_SCROLL,
                              "SELECT g, md5(g::text) FROM generate_series(1, $1::int8) g", &limit,
                              1) != PGW_OK)
        return fail(c, "declare");
    for (;;) {
        pgw_cursor *cur = NULL;
        uint64_t got;
        if (pgw_sqlcursor_fetch(c, "walk", PGW_FETCH_FORWARD, (int64_t)batch, &cur) != PGW_OK ||
            !take_rows(cur, w, &got)) {
            pgw_cursor_free(cur);
            return fail(c, "fetch");
        }
        pgw_cursor_close(cur);
        w->fetches++;
        if (got == 0)
            break;
    }
    if (pgw_sqlcursor_close(c, "walk") != PGW_OK)
        return fail(c, "close cursor");
    return pgw_commit(c) == PGW_OK ? 0 : fail(c, "commit");
}

/* WITH HOLD: the cursor outlives the COMMIT of the transaction that
 * declared it (the server keeps its rows) and scrolls with SCROLL. */
static int held_cursor(pgw_conn *c)
{
    if (pgw_begin(c, NULL) != PGW_OK ||
        pgw_sqlcursor_declare(c, "held", PGW_SQLCURSOR_WITH_HOLD | PGW_SQLCURSOR_SCROLL,
                              "SELECT g FROM generate_series(1, 5) g", NULL, 0) != PGW_OK ||
        pgw_commit(c) != PGW_OK)
        return fail(c, "declare with hold");
    const struct {
        const char *label;
        pgw_fetch_dir dir;
        int64_t count;
    } steps[] = {
        {"after COMMIT, FORWARD 2", PGW_FETCH_FORWARD, 2},
        {"LAST", PGW_FETCH_LAST, 0},
        {"ABSOLUTE 3", PGW_FETCH_ABSOLUTE, 3},
        {"BACKWARD ALL", PGW_FETCH_BACKWARD_ALL, 0},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        pgw_cursor *cur = NULL;
        if (pgw_sqlcursor_fetch(c, "held", steps[i].dir, steps[i].count, &cur) != PGW_OK) {
            pgw_cursor_free(cur);
            return fail(c, "fetch held");
        }
        printf("held cursor, %s:", steps[i].label);
        while (pgw_cursor_next(cur) == PGW_OK) {
            const char *t;
            size_t len;
            if (pgw_cursor_text(cur, 0, &t, &len) == PGW_OK)
                printf(" %.*s", (int)len, t);
        }
        printf("\n");
        pgw_cursor_close(cur);
    }
    uint64_t moved = 0;
    if (pgw_sqlcursor_move(c, "held", PGW_FETCH_FORWARD_ALL, 0, &moved) != PGW_OK)
        return fail(c, "move");
    printf("held cursor, MOVE FORWARD ALL: %llu rows\n", (unsigned long long)moved);
    return pgw_sqlcursor_close(c, "held") == PGW_OK ? 0 : fail(c, "close held");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : -1;
}

static void report(const char *how, const walk *w, const counting *k, double secs, bool stats)
{
    printf("%s: %llu rows in %llu fetches, sum %lld\n", how, (unsigned long long)w->rows,
           (unsigned long long)w->fetches, (long long)w->sum);
    if (stats)
        fprintf(stderr,
                "portal-walk: %s: %.0f rows/s, peak allocated %zu bytes, peak RSS %ld KiB\n", how,
                secs > 0 ? (double)w->rows / secs : 0.0, k->peak, peak_rss_kib());
}

int main(int argc, char **argv)
{
    bool stats = false;
    const char *args[3] = {NULL, "10000", "1000"};
    int n = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stats") == 0)
            stats = true;
        else if (n < 3)
            args[n++] = argv[i];
        else
            n = 4;
    }
    long long batch = atoll(args[2]);
    if (n < 1 || n > 3 || atoll(args[1]) < 0 || batch < 1) {
        fprintf(stderr, "usage: cursor_walk CONNINFO [ROWS [BATCH]] [--stats]\n");
        return 2;
    }
    counting k = {{c_alloc, c_realloc, c_free, NULL}, 0, 0};
    k.hooks.ud = &k;
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = args[0];
    o.allocator = &k.hooks;
    pgw_conn *c = NULL;
    if (pgw_connect(&c, &o) != PGW_OK) {
        fprintf(stderr, "connect: %s\n", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        return 1;
    }
    int rc = 0;
    walk w = {0, 0, 0};
    k.peak = k.live;
    double t0 = now_s();
    rc = walk_portal(c, args[1], (size_t)batch, &w);
    if (rc == 0)
        report("portal", &w, &k, now_s() - t0, stats);
    if (rc == 0) {
        memset(&w, 0, sizeof w);
        k.peak = k.live;
        t0 = now_s();
        rc = walk_sql_cursor(c, args[1], (size_t)batch, &w);
        if (rc == 0)
            report("sql cursor", &w, &k, now_s() - t0, stats);
    }
    if (rc == 0)
        rc = held_cursor(c);
    pgw_close(c);
    return rc;
}
