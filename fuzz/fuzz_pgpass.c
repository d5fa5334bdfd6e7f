/* Fuzz the password-file and service-file parsers (src/conn/pgpass_parse.c,
 * service_parse.c) on arbitrary bytes.
 * Invariants: a password view lies inside the input, its unescaped form is
 * no longer than the view and holds no NUL; the service parser answers
 * PGW_OK or PGW_E_INVALID with a message, and hands the sink only known
 * keywords and values inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conninfo_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct span {
    const char *lo, *hi;
} span;

static pgw_status sink(void *ud, int kw, const char *val, size_t len, char *errbuf,
                       size_t errlen)
{
    (void)errbuf;
    (void)errlen;
    const span *s = ud;
    if (kw < 0 || kw >= PGWI_KW_COUNT || val < s->lo || val + len > s->hi)
        abort();
    return PGW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    static const pgwi_pgpass_key keys[] = {
        {"localhost", "5432", "postgres", "postgres"},
        {"h:x", "1", "d\\b", "*"},
        {"*", "*", "*", "*"},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *pw = NULL;
        size_t n = 0;
        if (!pgwi_pgpass_find(text, size, &keys[i], &pw, &n))
            continue;
        if (pw < text || pw + n > text + size)
            abort();
        char *out = malloc(n + 1);
        if (out == NULL)
            return 0;
        size_t m = pgwi_pgpass_unescape(pw, n, out);
        if (m > n || out[m] != '\0' || strlen(out) > m)
            abort();
        free(out);
    }
    static const char *const services[] = {"s", "mydb", ""};
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
        span sp = {text, text + size};
        char err[256];
        err[0] = '\0';
        bool found;
        pgw_status rc = pgwi_service_parse(text, size, services[i], "fuzz.conf", sink, &sp,
                                           &found, err, sizeof err);
        if (rc != PGW_OK && (rc != PGW_E_INVALID || err[0] == '\0'))
            abort();
    }
    return 0;
}
