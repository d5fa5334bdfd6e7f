/* split_dump: print each statement the splitter cuts from a file, followed
 * by a newline — the same bytes `psql -X -e -o /dev/null -f FILE` prints
 * for its statements — so tests/differential can compare the two. A
 * backslash command prints nothing (psql reports it on stderr). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "split.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: split_dump FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    pgwc_split s;
    pgwc_split_init(&s);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        size_t n = (size_t)got;
        if (n > 0 && line[n - 1] == '\n')
            n--;
        pgwc_split_line(&s, line, n);
        for (;;) {
            const char *t;
            size_t tl;
            pgwc_split_result r = pgwc_split_next(&s, &t, &tl);
            if (r == PGWC_SPLIT_EOL)
                break;
            if (r == PGWC_SPLIT_STATEMENT) {
                fwrite(t, 1, tl, stdout);
                fputc('\n', stdout);
            } else if (r == PGWC_SPLIT_NOMEM) {
                rc = 1;
            }
        }
    }
    const char *t;
    size_t tl;
    if (pgwc_split_finish(&s, &t, &tl)) {
        fwrite(t, 1, tl, stdout);
        fputc('\n', stdout);
    }
    free(line);
    pgwc_split_free(&s);
    fclose(f);
    return rc;
}
