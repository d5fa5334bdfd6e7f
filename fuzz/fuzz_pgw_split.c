/* Fuzz pgw's statement splitter (tools/pgw/split.c).
 *
 * Input: one flag byte (bit 0: standard_conforming_strings off, bit 1: not
 * UTF-8), then script text, cut into lines at '\n' as pgw reads it.
 * Invariants: a statement is non-empty, NUL-terminated at its length, ends
 * with the ';' that ended it, and never starts with whitespace or a "--"
 * comment (psql drops those); statements never hold more bytes than the
 * input plus one joining newline per line; the line counter counts every
 * line; a second run over the same input gives the same statements.
 * Inputs over 64 KiB are skipped: scanning is linear in the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/pgw/split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool starts_with_blank(const char *t)
{
    return t[0] == ' ' || t[0] == '\t' || t[0] == '\n' || t[0] == '\r' || t[0] == '\f' ||
           (t[0] == '-' && t[1] == '-');
}

static void check_text(const char *t, size_t len)
{
    if (len == 0 || t[len] != '\0' || strlen(t) != len || starts_with_blank(t))
        abort();
}

/* One pass; returns a checksum of everything produced. */
static uint64_t run(const uint8_t *data, size_t size)
{
    bool std_off = size > 0 && (data[0] & 1) != 0;
    bool not_utf8 = size > 0 && (data[0] & 2) != 0;
    const char *text = size > 0 ? (const char *)data + 1 : "";
    size_t len = size > 0 ? size - 1 : 0;

    pgwc_split s;
    pgwc_split_init(&s);
    pgwc_split_set_std_strings(&s, !std_off);
    pgwc_split_set_utf8(&s, !not_utf8);
    uint64_t sum = 1469598103934665603u, out_bytes = 0, lines = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        pgwc_split_line(&s, text + pos, end - pos);
        lines++;
        if (pgwc_split_lineno(&s) != lines)
            abort();
        for (;;) {
            const char *t;
            size_t tl;
            pgwc_split_result r = pgwc_split_next(&s, &t, &tl);
            if (r == PGWC_SPLIT_EOL)
                break;
            if (r == PGWC_SPLIT_NOMEM)
                break;
            if (r == PGWC_SPLIT_STATEMENT) {
                check_text(t, tl);
                if (t[tl - 1] != ';')
                    abort();
                out_bytes += tl;
                for (size_t i = 0; i < tl; i++)
                    sum = (sum ^ (uint8_t)t[i]) * 1099511628211u;
                sum = (sum ^ 0x100) * 1099511628211u;
            } else if (r == PGWC_SPLIT_BACKSLASH) {
                const char *name;
                size_t nlen;
                pgwc_split_command(&s, &name, &nlen);
                if (name < text || name + nlen > text + len)
                    abort();
                sum = (sum ^ 0x200 ^ nlen) * 1099511628211u;
            } else {
                abort();
            }
        }
        pos = nl ? end + 1 : len;
    }
    const char *t;
    size_t tl;
    if (pgwc_split_finish(&s, &t, &tl)) {
        check_text(t, tl);
        out_bytes += tl;
        for (size_t i = 0; i < tl; i++)
            sum = (sum ^ (uint8_t)t[i]) * 1099511628211u;
        if (pgwc_split_finish(&s, &t, &tl))
            abort(); /* handed out once only */
    }
    if (out_bytes > len + lines)
        abort();
    pgwc_split_free(&s);
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Scanning is linear; longer inputs only slow the search down. */
    if (size > (size_t)1 << 16)
        return 0;
    if (run(data, size) != run(data, size))
        abort();
    return 0;
}
