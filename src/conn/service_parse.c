/* The connection service file (pg_service.conf) as libpq reads it, on
 * bytes in memory:
 *
 *   # comment
 *   [name]
 *   keyword=value
 *
 * Leading and trailing white space of a line is ignored, but nothing
 * around the '=' is trimmed (libpq's rule: "host = x" is a syntax error,
 * "host= x" a value with a leading space). A group ends at the next
 * [header]. Values are raw: no quoting or escapes. */
#include <stdio.h>

#include "conn/conninfo_int.h"

static bool svc_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

pgw_status pgwi_service_parse(const char *text, size_t len, const char *service, const char *file,
                              pgwi_kw_sink sink, void *ud, bool *found, char *errbuf,
                              size_t errlen)
{
    const char *p = text, *end = text + len;
    size_t slen = strlen(service);
    int linenr = 0;
    *found = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl != NULL ? nl : end;
        const char *next = nl != NULL ? nl + 1 : end;
        linenr++;
        const char *nul = memchr(p, '\0', (size_t)(le - p));
        if (nul != NULL)
            le = nul;
        while (le > p && svc_is_space(le[-1]))
            le--;
        while (p < le && svc_is_space(*p))
            p++;
        const char *line = p;
        p = next;
        if (line == le || line[0] == '#')
            continue;
        if (line[0] == '[') {
            if (*found)
                return PGW_OK; /* the end of our group */
            *found = (size_t)(le - line) > slen + 1 && memcmp(line + 1, service, slen) == 0 &&
                     line[slen + 1] == ']';
            continue;
        }
        if (!*found)
            continue;
        const char *eq = memchr(line, '=', (size_t)(le - line));
        if (eq == NULL) {
            if (errbuf != NULL)
                snprintf(errbuf, errlen, "syntax error in service file \"%s\", line %d", file,
                         linenr);
            return PGW_E_INVALID;
        }
        size_t klen = (size_t)(eq - line);
        if (klen == 7 && memcmp(line, "service", 7) == 0) {
            if (errbuf != NULL)
                snprintf(errbuf, errlen,
                         "nested service specifications not supported in service file \"%s\", "
                         "line %d",
                         file, linenr);
            return PGW_E_INVALID;
        }
        int k = pgwi_kw_lookup(line, klen);
        if (k < 0) {
            if (errbuf != NULL)
                snprintf(errbuf, errlen, "syntax error in service file \"%s\", line %d", file,
                         linenr);
            return PGW_E_INVALID;
        }
        pgw_status rc = sink(ud, k, eq + 1, (size_t)(le - eq - 1), errbuf, errlen);
        if (rc != PGW_OK)
            return rc;
    }
    return PGW_OK;
}
