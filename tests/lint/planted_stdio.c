/* Planted stdio and process-control calls for the symbols self-test
 * (tests/lint/meson.build): check-symbols.sh must report each of them in any
 * module, io included. Never linked into anything. Built without
 * _FORTIFY_SOURCE concerns: the checker reduces __printf_chk to printf. */
/* Asserts on whatever the build type: this must reference __assert_fail. */
#undef NDEBUG
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void lint_planted_report(const char *what, int code);
void lint_planted_quit(int code);
void lint_planted_handlers(void (*fn)(int));
void lint_planted_check(int ok);

void lint_planted_report(const char *what, int code)
{
    printf("%s: %d\n", what, code);
    fprintf(stderr, "%s failed with %d\n", what, code);
    fputs(what, stdout);
    puts(what);
    fwrite(what, 1, 3, stderr);
    perror(what);
}

void lint_planted_quit(int code)
{
    if (code > 2)
        _exit(code);
    if (code > 1)
        exit(code);
    abort();
}

void lint_planted_handlers(void (*fn)(int))
{
    struct sigaction sa = {0};
    sa.sa_handler = fn;
    sigaction(SIGPIPE, &sa, NULL);
    signal(SIGINT, fn);
    raise(SIGPIPE);
}

/* Compiled with asserts on (NDEBUG is undefined above), so
 * this references __assert_fail, which only --allow-assert accepts. */
void lint_planted_check(int ok)
{
    assert(ok);
}
