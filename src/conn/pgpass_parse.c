/* The password file (~/.pgpass) as libpq reads it, on bytes in memory.
 *
 * Each line is hostname:port:database:username:password. A field that is
 * exactly `*` matches anything; a backslash makes the next character
 * literal (so `\:` and `\\` can appear in a field). The first matching
 * line wins. Lines starting with '#' are comments; a trailing CR/LF is
 * ignored. Reading the file and checking its permissions is src/io's job. */
#include "conn/conninfo_int.h"

/* libpq's pwdfMatchesString over [t, end): if the field at t matches
 * token, return the start of the next field; else NULL. */
static const char *match_field(const char *t, const char *end, const char *tok)
{
    if (end - t >= 2 && t[0] == '*' && t[1] == ':')
        return t + 2;
    bool escaped = false;
    while (t < end) {
        if (*t == '\\' && !escaped) {
            t++;
            escaped = true;
            if (t == end)
                return NULL;
        }
        if (*t == ':' && *tok == '\0' && !escaped)
            return t + 1;
        escaped = false;
        if (*tok == '\0' || *t != *tok)
            return NULL;
        t++;
        tok++;
    }
    return NULL;
}

bool pgwi_pgpass_find(const char *text, size_t len, const pgwi_pgpass_key *key, const char **pw,
                      size_t *pwlen)
{
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        const char *next = nl != NULL ? nl + 1 : end;
        /* libpq reads lines as C strings: a NUL ends the line's text. */
        const char *nul = memchr(p, '\0', (size_t)(le - p));
        if (nul != NULL)
            le = nul;
        while (le > p && (le[-1] == '\r' || le[-1] == '\n'))
            le--;
        if (le > p && p[0] != '#') {
            const char *t = match_field(p, le, key->host);
            if (t != NULL)
                t = match_field(t, le, key->port);
            if (t != NULL)
                t = match_field(t, le, key->dbname);
            if (t != NULL)
                t = match_field(t, le, key->user);
            if (t != NULL) {
                *pw = t;
                *pwlen = (size_t)(le - t);
                return true;
            }
        }
        p = next;
    }
    return false;
}

size_t pgwi_pgpass_unescape(const char *p, size_t n, char *out)
{
    size_t i = 0, o = 0;
    while (i < n && p[i] != ':') {
        if (p[i] == '\\' && i + 1 < n)
            i++;
        out[o++] = p[i++];
    }
    out[o] = '\0';
    return o;
}
