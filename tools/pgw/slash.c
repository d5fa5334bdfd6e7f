/* Backslash-command arguments, as psqlscanslash.l lexes them (states
 * xslashargstart, xslasharg, xslashquote, xslashbackquote, xslashdquote,
 * xslashwholeline, xslashend). */
#include "slash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool is_var_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char)c >= 0x80;
}

static bool is_octal(char c)
{
    return c >= '0' && c <= '7';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void pgwc_slash_args_init(pgwc_slash_args *a, const char *p, size_t n, pgwc_split_var_fn var,
                          void *ud)
{
    memset(a, 0, sizeof *a);
    a->p = p;
    a->n = n;
    a->var = var;
    a->var_ud = ud;
    a->eval = true;
}

static void fail(pgwc_slash_args *a, const char *msg)
{
    if (a->error != NULL)
        a->error(a->error_ud, msg);
    a->pos = a->n;
}

/* psql's evaluate_backtick(): the command's output, one trailing newline
 * dropped. */
static bool backtick(pgwc_slash_args *a, const char *cmd, size_t len, pgwc_str *out)
{
    char *c = malloc(len + 1);
    if (c == NULL)
        return false;
    memcpy(c, cmd, len);
    c[len] = '\0';
    fflush(NULL);
    FILE *f = popen(c, "r");
    char msg[1100];
    if (f == NULL) {
        snprintf(msg, sizeof msg, "%s: could not run command", c);
        free(c);
        fail(a, msg);
        return false;
    }
    size_t start = out->len;
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        pgwc_str_append(out, buf, got);
    int st = pclose(f);
    if (st == -1) {
        snprintf(msg, sizeof msg, "%s: could not close pipe to command", c);
        free(c);
        fail(a, msg);
        return false;
    }
    free(c);
    if (out->len > start && out->data[out->len - 1] == '\n') {
        out->len--;
        out->data[out->len] = '\0';
    }
    return true;
}

/* A variable reference at a->pos (which holds ':'): append its
 * replacement and return true, or return false to take the ':' as a plain
 * character. */
static bool variable(pgwc_slash_args *a, pgwc_str *out)
{
    const char *l = a->p;
    size_t n = a->n, p = a->pos, j = p + 1;
    if (!a->eval || a->var == NULL)
        return false;
    pgwc_var_quote q;
    size_t name_at, name_len, end;
    if (j < n && is_var_char(l[j])) {
        while (j < n && is_var_char(l[j]))
            j++;
        q = PGWC_VAR_PLAIN;
        name_at = p + 1;
        name_len = j - p - 1;
        end = j;
    } else if (j < n && (l[j] == '\'' || l[j] == '"')) {
        size_t k = j + 1;
        while (k < n && is_var_char(l[k]))
            k++;
        if (k == j + 1 || k >= n || l[k] != l[j])
            return false; /* psql throws back all but the ':' */
        q = l[j] == '\'' ? PGWC_VAR_LITERAL : PGWC_VAR_IDENT;
        name_at = j + 1;
        name_len = k - j - 1;
        end = k + 1;
    } else if (j + 1 < n && l[j] == '{' && l[j + 1] == '?') {
        size_t k = j + 2;
        while (k < n && is_var_char(l[k]))
            k++;
        if (k == j + 2 || k >= n || l[k] != '}')
            return false;
        q = PGWC_VAR_TEST;
        name_at = j + 2;
        name_len = k - j - 2;
        end = k + 1;
    } else {
        return false;
    }
    char *name = malloc(name_len + 1);
    if (name == NULL)
        return false;
    memcpy(name, l + name_at, name_len);
    name[name_len] = '\0';
    char *v = a->var(a->var_ud, name, q);
    free(name);
    if (q == PGWC_VAR_TEST)
        pgwc_str_puts(out, v != NULL ? "TRUE" : "FALSE");
    else if (v != NULL)
        pgwc_str_puts(out, v);
    else
        pgwc_str_append(out, l + p, end - p); /* undefined: as written */
    free(v);
    a->pos = end;
    return true;
}

/* Inside '...': the escapes of xslashquote. Returns false at the end of
 * the line (unterminated). */
static bool single_quoted(pgwc_slash_args *a, pgwc_str *out)
{
    const char *l = a->p;
    size_t n = a->n;
    while (a->pos < n) {
        char c = l[a->pos];
        if (c == '\'') {
            if (a->pos + 1 < n && l[a->pos + 1] == '\'') {
                pgwc_str_putc(out, '\'');
                a->pos += 2;
                continue;
            }
            a->pos++;
            return true;
        }
        if (c != '\\' || a->pos + 1 >= n) {
            pgwc_str_putc(out, c);
            a->pos++;
            continue;
        }
        char e = l[a->pos + 1];
        a->pos += 2;
        switch (e) {
        case 'n':
            pgwc_str_putc(out, '\n');
            break;
        case 't':
            pgwc_str_putc(out, '\t');
            break;
        case 'b':
            pgwc_str_putc(out, '\b');
            break;
        case 'r':
            pgwc_str_putc(out, '\r');
            break;
        case 'f':
            pgwc_str_putc(out, '\f');
            break;
        case 'x': {
            int v = a->pos < n ? hex_value(l[a->pos]) : -1;
            if (v < 0) {
                pgwc_str_putc(out, 'x'); /* "\x" alone: the x */
                break;
            }
            a->pos++;
            int v2 = a->pos < n ? hex_value(l[a->pos]) : -1;
            if (v2 >= 0) {
                v = v * 16 + v2;
                a->pos++;
            }
            pgwc_str_putc(out, (char)v);
            break;
        }
        default:
            if (is_octal(e)) {
                int v = e - '0';
                for (int i = 0; i < 2 && a->pos < n && is_octal(l[a->pos]); i++)
                    v = v * 8 + (l[a->pos++] - '0');
                pgwc_str_putc(out, (char)v);
            } else {
                pgwc_str_putc(out, e);
            }
            break;
        }
    }
    return false;
}

bool pgwc_slash_next_arg(pgwc_slash_args *a, pgwc_str *out, char *quote)
{
    const char *l = a->p;
    size_t n = a->n;
    pgwc_str_reset(out);
    *quote = 0;
    while (a->pos < n && is_space(l[a->pos]))
        a->pos++;
    if (a->pos >= n || l[a->pos] == '\\')
        return false;
    while (a->pos < n && !is_space(l[a->pos]) && l[a->pos] != '\\') {
        char c = l[a->pos];
        if (c == '\'') {
            *quote = '\'';
            a->pos++;
            if (!single_quoted(a, out)) {
                fail(a, "unterminated quoted string");
                return false;
            }
        } else if (c == '"') {
            *quote = '"';
            const char *e = memchr(l + a->pos + 1, '"', n - a->pos - 1);
            if (e == NULL) {
                fail(a, "unterminated quoted string");
                return false;
            }
            size_t end = (size_t)(e - l) + 1;
            pgwc_str_append(out, l + a->pos, end - a->pos);
            a->pos = end;
        } else if (c == '`') {
            *quote = '`';
            const char *e = memchr(l + a->pos + 1, '`', n - a->pos - 1);
            if (e == NULL) {
                fail(a, "unterminated quoted string");
                return false;
            }
            size_t start = a->pos + 1, end = (size_t)(e - l);
            a->pos = end + 1;
            if (a->eval && !backtick(a, l + start, end - start, out))
                return false;
        } else if (c == ':' && variable(a, out)) {
            *quote = ':';
        } else {
            pgwc_str_putc(out, c);
            a->pos++;
        }
    }
    return true;
}

bool pgwc_slash_whole_line(pgwc_slash_args *a, pgwc_str *out)
{
    pgwc_str_reset(out);
    while (a->pos < a->n && is_space(a->p[a->pos]))
        a->pos++;
    size_t end = a->n;
    while (end > a->pos && is_space(a->p[end - 1]))
        end--;
    pgwc_str_append(out, a->p + a->pos, end - a->pos);
    a->pos = a->n;
    return out->len > 0;
}

size_t pgwc_slash_args_end(pgwc_slash_args *a)
{
    if (a->pos + 1 < a->n && a->p[a->pos] == '\\' && a->p[a->pos + 1] == '\\')
        a->pos += 2;
    return a->pos;
}
