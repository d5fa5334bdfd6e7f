/* What the connection benchmark clients (conn_pgwire.c, conn_libpq.c)
 * share: argument parsing, the shared-library count and the one result
 * line scripts/bench.sh parses.
 *
 * Each client makes N connections one after another, each connecting,
 * running SELECT 1 and closing, and measures the whole loop: wall time and
 * the process's CPU time (user + system). With N = 1 and "quiet" it is the
 * start-up program bench/spawn.c times: load, one connection, exit, with
 * nothing else done that the other client would not do. */
#ifndef PGWIRE_BENCH_CONN_COMMON_H
#define PGWIRE_BENCH_CONN_COMMON_H

#include "bench_common.h"

typedef struct conn_args {
    const char *conninfo;
    long n;
    int quiet; /* print nothing, skip the library count: the start-up run */
} conn_args;

static inline void conn_usage(const char *prog)
{
    fprintf(stderr, "usage: %s CONNINFO N [quiet]\n", prog);
    exit(2);
}

static inline conn_args conn_parse(int argc, char **argv, const char *prog)
{
    conn_args a = {NULL, 0, 0};
    if (argc < 3 || argc > 4)
        conn_usage(prog);
    if (argc == 4) {
        if (strcmp(argv[3], "quiet") != 0)
            conn_usage(prog);
        a.quiet = 1;
    }
    a.conninfo = argv[1];
    char *end = NULL;
    a.n = strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || a.n < 1)
        conn_usage(prog);
    return a;
}

/* The number of distinct shared objects mapped into this process: every
 * file-backed mapping whose name has ".so" in its last component (the
 * dynamic loader included; the vDSO is no file and the executable no
 * shared object). Read at exit, so libraries loaded on demand (dlopen) by
 * the connection count too. -1 when /proc is unreadable. */
static inline int conn_count_libs(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (f == NULL)
        return -1;
    enum { MAX_LIBS = 256 };
    static char seen[MAX_LIBS][256];
    int n = 0;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        char *path = strchr(line, '/');
        if (path == NULL)
            continue;
        path[strcspn(path, "\n")] = '\0';
        const char *base = strrchr(path, '/') + 1;
        if (strstr(base, ".so") == NULL)
            continue;
        int dup = 0;
        for (int i = 0; i < n && !dup; i++)
            dup = strcmp(seen[i], path) == 0;
        if (!dup && n < MAX_LIBS)
            snprintf(seen[n++], sizeof seen[0], "%s", path);
    }
    fclose(f);
    return n;
}

typedef struct conn_measure {
    int64_t t0, c0;
} conn_measure;

static inline void conn_begin(conn_measure *m)
{
    m->c0 = cpu_us();
    m->t0 = now_us();
}

/* Prints the line bench.sh reads: totals over the n connections, whether
 * the last one used TLS, and the shared objects loaded. */
static inline void conn_end(const conn_measure *m, const conn_args *a, const char *client,
                            int tls)
{
    int64_t wall = now_us() - m->t0;
    int64_t cpu = cpu_us() - m->c0;
    if (a->quiet)
        return;
    printf("CONN client=%s n=%ld tls=%d wall_us=%" PRId64 " cpu_us=%" PRId64 " libs=%d\n", client,
           a->n, tls, wall, cpu, conn_count_libs());
    fflush(stdout);
}

#endif
