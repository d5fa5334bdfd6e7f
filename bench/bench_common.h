/* What every benchmark client shares: the W3 query, clocks, RSS, the
 * checksum, and the one result line scripts/bench.sh parses.
 *
 * Each client measures the same interval: from just before the query is
 * sent to the moment its ReadyForQuery has been read, every row converted
 * on the way. Connecting is outside the interval. */
#ifndef PGWIRE_BENCH_BENCH_COMMON_H
#define PGWIRE_BENCH_BENCH_COMMON_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* W3: one int4, one short text, one float8 and one timestamptz per row,
 * all produced by the server from generate_series. */
static inline void w3_query(char *buf, size_t cap, long nrows)
{
    snprintf(buf, cap,
             "SELECT g, g::text || 'x', g * 1.5::float8, "
             "timestamptz '2020-01-01' + g * interval '1 second' "
             "FROM generate_series(1, %ld) g",
             nrows);
}

static inline long w3_rows_arg(const char *s)
{
    char *end = NULL;
    long n = strtol(s, &end, 10);
    if (end == s || *end != '\0' || n < 0) {
        fprintf(stderr, "bench: bad row count '%s'\n", s);
        exit(2);
    }
    return n;
}

static inline int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* User + system CPU time of this process. */
static inline int64_t cpu_us(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

/* A field of /proc/self/status in KiB ("VmRSS", "VmHWM"), -1 if absent. */
static inline long status_kib(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return -1;
    char line[256];
    size_t n = strlen(field);
    long v = -1;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, field, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

/* The checksum: FNV-1a style over the converted values of every row, so a
 * wrong, missing or reordered value changes it. */
static inline uint64_t w3_mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * UINT64_C(0x100000001b3);
}

static inline uint64_t w3_row(uint64_t h, int32_t g, size_t text_len, double d, int64_t ts_usec)
{
    h = w3_mix(h, (uint64_t)(int64_t)g);
    h = w3_mix(h, (uint64_t)text_len);
    /* g * 1.5 doubled is an exact integer */
    h = w3_mix(h, (uint64_t)(int64_t)(d * 2.0));
    return w3_mix(h, (uint64_t)ts_usec);
}

#define W3_SEED UINT64_C(0xcbf29ce484222325)

typedef struct w3_measure {
    int64_t t0, c0;
    long rss_connected_kib;
} w3_measure;

/* Call after connecting, right before sending the query. */
static inline void w3_begin(w3_measure *m)
{
    m->rss_connected_kib = status_kib("VmRSS");
    m->c0 = cpu_us();
    m->t0 = now_us();
}

/* Call once ReadyForQuery has been read; prints the line bench.sh reads.
 * RSS growth is the peak (VmHWM) at the end minus the RSS after connect:
 * what the fetch added at its worst, not what happened to be left. */
static inline void w3_end(const w3_measure *m, const char *client, long nrows, uint64_t rows_seen,
                          uint64_t checksum)
{
    int64_t wall = now_us() - m->t0;
    int64_t cpu = cpu_us() - m->c0;
    long hwm = status_kib("VmHWM");
    long growth = hwm - m->rss_connected_kib;
    printf("W3 client=%s rows=%ld seen=%" PRIu64 " checksum=%016" PRIx64 " wall_us=%" PRId64
           " cpu_us=%" PRId64 " rss_connected_kib=%ld hwm_kib=%ld rss_growth_kib=%ld\n",
           client, nrows, rows_seen, checksum, wall, cpu, m->rss_connected_kib, hwm,
           growth < 0 ? 0 : growth);
    fflush(stdout);
}

#endif
