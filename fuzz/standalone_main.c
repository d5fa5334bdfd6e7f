/* Replay driver for builds without libFuzzer: runs the harness over every
 * file named on the command line, or every file in a named directory, so a
 * committed corpus is replayed by each ordinary `meson test`. Prints TAP. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path, unsigned *n)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        printf("not ok %u - %s: cannot open\n", ++*n, path);
        return 1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL) {
        printf("not ok %u - %s: out of memory\n", ++*n, path);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    printf("ok %u - %s\n", ++*n, path);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    unsigned n = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            printf("not ok %u - %s: missing\n", ++n, argv[i]);
            failed++;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed += run_file(argv[i], &n);
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (d == NULL) {
            printf("not ok %u - %s: cannot open directory\n", ++n, argv[i]);
            failed++;
            continue;
        }
        char **names = NULL;
        size_t count = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char **nn = realloc(names, (count + 1) * sizeof *names);
            if (nn == NULL)
                break;
            names = nn;
            size_t l = strlen(argv[i]) + strlen(e->d_name) + 2;
            names[count] = malloc(l);
            if (names[count] == NULL)
                break;
            snprintf(names[count], l, "%s/%s", argv[i], e->d_name);
            count++;
        }
        closedir(d);
        qsort(names, count, sizeof *names, cmp);
        for (size_t k = 0; k < count; k++) {
            failed += run_file(names[k], &n);
            free(names[k]);
        }
        free(names);
    }
    if (n == 0) {
        /* An empty corpus is a defect: the harness would test nothing. */
        printf("not ok 1 - no corpus files found\n1..1\n");
        return 1;
    }
    printf("1..%u\n", n);
    return failed ? 1 : 0;
}
