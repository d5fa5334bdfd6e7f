/* The COPY benchmark's rows, shared by copy_pgwire.c and copy_libpq.c:
 * (int4, text, float8) = (i, "name <i>", i * 1.5), formatted by hand in
 * both clients so that the formatting costs the same and the comparison
 * isolates the client library. Each client loads the rows into its own
 * UNLOGGED table; the interval measured runs from the COPY statement to
 * its CommandComplete. */
#ifndef PGWIRE_BENCH_COPY_COMMON_H
#define PGWIRE_BENCH_COPY_COMMON_H

#include "bench_common.h"

/* Decimal digits of v (v >= 0) at p; returns the length. */
static inline size_t copy_utoa(char *p, uint32_t v)
{
    char tmp[12];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        p[i] = tmp[n - 1 - i];
    return n;
}

/* One text-format row: "i\tname i\tf\n" where f = i * 1.5 exactly. */
static inline size_t copy_text_row(char *p, uint32_t i)
{
    size_t n = copy_utoa(p, i);
    p[n++] = '\t';
    memcpy(p + n, "name ", 5);
    n += 5;
    n += copy_utoa(p + n, i);
    p[n++] = '\t';
    uint32_t three = 3 * i;
    n += copy_utoa(p + n, three / 2);
    if (three & 1) {
        p[n++] = '.';
        p[n++] = '5';
    }
    p[n++] = '\n';
    return n;
}

/* The table a client loads (created fresh, unlogged). */
static inline void copy_table_sql(char *buf, size_t cap, const char *table)
{
    snprintf(buf, cap,
             "SET client_min_messages = warning; DROP TABLE IF EXISTS %s; CREATE UNLOGGED TABLE %s (a int4, b text, c float8)",
             table, table);
}

static inline void copy_report(const char *client, long nrows, uint64_t loaded, int64_t wall,
                               int64_t cpu)
{
    printf("COPY client=%s rows=%ld loaded=%" PRIu64 " wall_us=%" PRId64 " cpu_us=%" PRId64 "\n",
           client, nrows, loaded, wall, cpu);
    fflush(stdout);
}

#endif
