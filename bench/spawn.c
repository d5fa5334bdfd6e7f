/* Process start-up: times fork + exec + wait of whole programs, two of
 * them interleaved, so a disturbance on the machine hits both alike.
 *
 * usage: spawn N PROG_A PROG_B -- ARG...
 * Runs `PROG_A ARG...` and `PROG_B ARG...` N times each (A B, then B A,
 * and so on), after one untimed run of each to warm the page cache, and
 * prints per program:
 *   SPAWN prog=PATH n=N median_us=.. mean_us=.. min_us=..
 * Fails if any run exits with a non-zero status. */
#include <sys/wait.h>
#include <unistd.h>

#include "bench_common.h"

enum { MAX_RUNS = 10000 };

static int64_t run(char *const argv[])
{
    int64_t t0 = now_us();
    pid_t pid = fork();
    if (pid < 0) {
        perror("spawn: fork");
        exit(1);
    }
    if (pid == 0) {
        execv(argv[0], argv);
        perror("spawn: exec");
        _exit(127);
    }
    int st = 0;
    if (waitpid(pid, &st, 0) != pid) {
        perror("spawn: waitpid");
        exit(1);
    }
    int64_t t = now_us() - t0;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "spawn: %s failed (status %d)\n", argv[0], st);
        exit(1);
    }
    return t;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *prog, int64_t *t, long n)
{
    int64_t sum = 0;
    for (long i = 0; i < n; i++)
        sum += t[i];
    qsort(t, (size_t)n, sizeof t[0], cmp64);
    printf("SPAWN prog=%s n=%ld median_us=%" PRId64 " mean_us=%" PRId64 " min_us=%" PRId64 "\n",
           prog, n, t[(n - 1) / 2], sum / n, t[0]);
}

int main(int argc, char **argv)
{
    if (argc < 5 || strcmp(argv[4], "--") != 0) {
        fprintf(stderr, "usage: spawn N PROG_A PROG_B -- ARG...\n");
        return 2;
    }
    char *end = NULL;
    long n = strtol(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || n < 1 || n > MAX_RUNS) {
        fprintf(stderr, "spawn: bad run count '%s'\n", argv[1]);
        return 2;
    }
    /* argv[4] becomes the program slot: argv[4..] is then PROG ARG... NULL */
    char **cmd = argv + 4;
    char *prog[2] = {argv[2], argv[3]};
    static int64_t times[2][MAX_RUNS];

    for (int p = 0; p < 2; p++) {
        cmd[0] = prog[p];
        (void)run(cmd);
    }
    for (long i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            int p = (int)((i + k) % 2);
            cmd[0] = prog[p];
            times[p][i] = run(cmd);
        }
    }
    report(prog[0], times[0], n);
    report(prog[1], times[1], n);
    return 0;
}
