/* Text helpers: the growable string and libpq's character length/width
 * rules (src/common/wchar.c: pg_utf_mblen, pg_utf_dsplen, ucs_wcwidth,
 * pg_ascii_dsplen), which decide where psql puts the error caret and how
 * wide it makes a column. */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wcwidth_tables.h"

/* ---- pgwc_str --------------------------------------------------------- */

void pgwc_str_init(pgwc_str *s)
{
    s->data = NULL;
    s->len = 0;
    s->cap = 0;
    s->failed = false;
}

void pgwc_str_free(pgwc_str *s)
{
    free(s->data);
    pgwc_str_init(s);
}

void pgwc_str_reset(pgwc_str *s)
{
    s->len = 0;
    s->failed = false;
    if (s->data != NULL)
        s->data[0] = '\0';
}

static bool grow(pgwc_str *s, size_t extra)
{
    if (s->failed)
        return false;
    if (extra >= SIZE_MAX - s->len) {
        s->failed = true;
        return false;
    }
    size_t need = s->len + extra + 1;
    if (need <= s->cap)
        return true;
    size_t n = s->cap ? s->cap : 128;
    while (n < need) {
        if (n > SIZE_MAX / 2) {
            n = need;
            break;
        }
        n *= 2;
    }
    char *p = realloc(s->data, n);
    if (p == NULL) {
        s->failed = true;
        return false;
    }
    s->data = p;
    s->cap = n;
    return true;
}

void pgwc_str_append(pgwc_str *s, const char *p, size_t n)
{
    if (!grow(s, n))
        return;
    if (n > 0)
        memcpy(s->data + s->len, p, n);
    s->len += n;
    s->data[s->len] = '\0';
}

void pgwc_str_puts(pgwc_str *s, const char *p)
{
    pgwc_str_append(s, p, strlen(p));
}

void pgwc_str_putc(pgwc_str *s, char c)
{
    pgwc_str_append(s, &c, 1);
}

void pgwc_str_repeat(pgwc_str *s, char c, size_t n)
{
    if (!grow(s, n))
        return;
    memset(s->data + s->len, c, n);
    s->len += n;
    s->data[s->len] = '\0';
}

void pgwc_str_putu(pgwc_str *s, unsigned long long v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    pgwc_str_append(s, tmp + i, sizeof tmp - i);
}

/* ---- encodings ------------------------------------------------------------ */

pgwc_encoding pgwc_encoding_from_name(const char *name)
{
    if (name == NULL || strcasecmp(name, "UTF8") == 0 || strcasecmp(name, "UTF-8") == 0 ||
        strcasecmp(name, "UNICODE") == 0)
        return PGWC_ENC_UTF8;
    return PGWC_ENC_SINGLE_BYTE;
}

size_t pgwc_mblen(pgwc_encoding enc, const char *s)
{
    unsigned char c = (unsigned char)*s;
    if (enc != PGWC_ENC_UTF8 || (c & 0x80) == 0)
        return 1;
    if ((c & 0xe0) == 0xc0)
        return 2;
    if ((c & 0xf0) == 0xe0)
        return 3;
    if ((c & 0xf8) == 0xf0)
        return 4;
    return 1;
}

size_t pgwc_mblen_bounded(pgwc_encoding enc, const char *s)
{
    size_t n = pgwc_mblen(enc, s);
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0')
            return i;
    return n;
}

static bool in_table(unsigned int cp, const struct pgwc_interval *t, size_t n)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp > t[mid].last)
            lo = mid + 1;
        else if (cp < t[mid].first)
            hi = mid;
        else
            return true;
    }
    return false;
}

/* libpq's utf8_to_unicode, except that it stops at a NUL instead of
 * reading past the end of a truncated character. */
static unsigned int utf8_code_point(const unsigned char *c)
{
    unsigned char b1 = c[0] ? c[1] : 0;
    unsigned char b2 = b1 ? c[2] : 0;
    unsigned char b3 = b2 ? c[3] : 0;
    if ((c[0] & 0x80) == 0)
        return c[0];
    if ((c[0] & 0xe0) == 0xc0)
        return ((unsigned)(c[0] & 0x1f) << 6) | (b1 & 0x3fu);
    if ((c[0] & 0xf0) == 0xe0)
        return ((unsigned)(c[0] & 0x0f) << 12) | ((b1 & 0x3fu) << 6) | (b2 & 0x3fu);
    if ((c[0] & 0xf8) == 0xf0)
        return ((unsigned)(c[0] & 0x07) << 18) | ((b1 & 0x3fu) << 12) | ((b2 & 0x3fu) << 6) |
               (b3 & 0x3fu);
    return 0xffffffffu; /* invalid on purpose, as libpq */
}

int pgwc_dsplen(pgwc_encoding enc, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (enc != PGWC_ENC_UTF8) {
        if (*u == 0)
            return 0;
        if (*u < 0x20 || *u == 0x7f)
            return -1;
        return 1;
    }
    unsigned int cp = utf8_code_point(u);
    if (cp == 0)
        return 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp > 0x10ffff)
        return -1;
    if (in_table(cp, pgwc_combining, sizeof pgwc_combining / sizeof pgwc_combining[0]))
        return 0;
    if (in_table(cp, pgwc_wide, sizeof pgwc_wide / sizeof pgwc_wide[0]))
        return 2;
    return 1;
}
