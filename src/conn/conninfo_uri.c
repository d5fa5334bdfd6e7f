/* Connection URIs as libpq 18 reads them:
 *
 *   postgresql://[user[:password]@][host][:port][,host[:port]...][/dbname][?key=value&...]
 *
 * Several host[:port] pairs fold into the comma-separated host and port
 * lists a key=value string would give (an absent port leaves an empty slot,
 * as libpq does); a host in [brackets] is an IPv6 address; every component
 * is percent-decoded, so a Unix-socket directory can be written as
 * %2Fvar%2Frun%2Fpostgresql or as ?host=/var/run/postgresql. libpq 17 and
 * later trim spaces around a component and reject spaces inside one. */
#include <stdio.h>

#include "conn/conninfo_int.h"

typedef struct uri_ctx {
    const char *uri;
    char *dec; /* decoding scratch, strlen(uri) + 1 bytes */
    pgwi_kw_sink sink;
    void *ud;
    char *errbuf;
    size_t errlen;
} uri_ctx;

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) into ctx->dec. The messages quote the component
 * as written, as libpq's do. */
static pgw_status decode(uri_ctx *x, const char *s, size_t n, size_t *outlen)
{
    size_t q = 0, o = 0;
    while (q < n && s[q] == ' ')
        q++;
    while (q < n && s[q] != ' ') {
        if (s[q] != '%') {
            x->dec[o++] = s[q++];
            continue;
        }
        int hi = q + 1 < n ? hexval(s[q + 1]) : -1;
        int lo = hi >= 0 && q + 2 < n ? hexval(s[q + 2]) : -1;
        if (hi < 0 || lo < 0) {
            if (x->errbuf != NULL)
                snprintf(x->errbuf, x->errlen, "invalid percent-encoded token: \"%.*s\"", (int)n,
                         s);
            return PGW_E_INVALID;
        }
        int ch = hi << 4 | lo;
        if (ch == 0) {
            if (x->errbuf != NULL)
                snprintf(x->errbuf, x->errlen,
                         "forbidden value %%00 in percent-encoded value: \"%.*s\"", (int)n, s);
            return PGW_E_INVALID;
        }
        x->dec[o++] = (char)ch;
        q += 3;
    }
    while (q < n && s[q] == ' ')
        q++;
    if (q < n) {
        if (x->errbuf != NULL)
            snprintf(x->errbuf, x->errlen,
                     "unexpected spaces found in \"%.*s\", use percent-encoded spaces (%%20) "
                     "instead",
                     (int)n, s);
        return PGW_E_INVALID;
    }
    x->dec[o] = '\0';
    *outlen = o;
    return PGW_OK;
}

/* Store a component of the URI's authority or path under `kw`. */
static pgw_status store_component(uri_ctx *x, const char *kw, const char *s, size_t n)
{
    size_t len;
    pgw_status rc = decode(x, s, n, &len);
    if (rc != PGW_OK)
        return rc;
    bool known;
    rc = pgwi_conninfo_store(kw, strlen(kw), x->dec, len, x->sink, x->ud, &known, x->errbuf,
                             x->errlen);
    pgwi_wipe(x->dec, len);
    return rc;
}

/* The query: key=value pairs separated by '&'. */
static pgw_status parse_params(uri_ctx *x, const char *p)
{
    while (*p != '\0') {
        const char *key = p, *eq = NULL;
        for (;;) {
            if (*p == '=') {
                if (eq != NULL) {
                    if (x->errbuf != NULL)
                        snprintf(x->errbuf, x->errlen,
                                 "extra key/value separator \"=\" in URI query parameter: "
                                 "\"%.*s\"",
                                 (int)(eq - key), key);
                    return PGW_E_INVALID;
                }
                eq = p;
            } else if (*p == '&' || *p == '\0') {
                break;
            }
            p++;
        }
        const char *end = p;
        if (*p == '&')
            p++;
        if (eq == NULL) {
            if (x->errbuf != NULL)
                snprintf(x->errbuf, x->errlen,
                         "missing key/value separator \"=\" in URI query parameter: \"%.*s\"",
                         (int)(end - key), key);
            return PGW_E_INVALID;
        }
        /* The keyword is decoded first and kept apart from the value. */
        size_t klen;
        pgw_status rc = decode(x, key, (size_t)(eq - key), &klen);
        if (rc != PGW_OK)
            return rc;
        char kbuf[64];
        bool long_kw = klen >= sizeof kbuf;
        if (!long_kw)
            memcpy(kbuf, x->dec, klen + 1);
        size_t vlen;
        if (long_kw) {
            /* No keyword is that long; report it as libpq would. */
            if (x->errbuf != NULL)
                snprintf(x->errbuf, x->errlen, "invalid URI query parameter: \"%s\"", x->dec);
            return PGW_E_INVALID;
        }
        rc = decode(x, eq + 1, (size_t)(end - eq - 1), &vlen);
        if (rc != PGW_OK)
            return rc;
        const char *kw = kbuf, *val = x->dec;
        /* JDBC's ssl=true, which libpq accepts too. */
        if (strcmp(kw, "ssl") == 0 && strcmp(val, "true") == 0) {
            kw = "sslmode";
            val = "require";
            vlen = 7;
        }
        bool known;
        rc = pgwi_conninfo_store(kw, strlen(kw), val, vlen, x->sink, x->ud, &known, x->errbuf,
                                 x->errlen);
        pgwi_wipe(x->dec, vlen);
        if (!known) {
            if (x->errbuf != NULL)
                snprintf(x->errbuf, x->errlen, "invalid URI query parameter: \"%s\"", kbuf);
            return PGW_E_INVALID;
        }
        if (rc != PGW_OK)
            return rc;
    }
    return PGW_OK;
}

static bool host_end(char ch)
{
    return ch == '\0' || ch == ':' || ch == '/' || ch == '?' || ch == ',';
}

static pgw_status parse_uri(uri_ctx *x, char *hosts, char *ports)
{
    const char *uri = x->uri;
    size_t prefix = strncmp(uri, "postgresql://", 13) == 0 ? 13 : 11;
    const char *start = uri + prefix, *p = start;

    /* User info ends at the first '@' before any '/'. */
    while (*p != '\0' && *p != '@' && *p != '/')
        p++;
    if (*p == '@') {
        const char *at = p, *u = start;
        while (u < at && *u != ':')
            u++;
        pgw_status rc;
        if (u > start && (rc = store_component(x, "user", start, (size_t)(u - start))) != PGW_OK)
            return rc;
        if (u < at && at > u + 1 &&
            (rc = store_component(x, "password", u + 1, (size_t)(at - u - 1))) != PGW_OK)
            return rc;
        p = at + 1;
    } else {
        p = start;
    }

    size_t hl = 0, pl = 0;
    char prev;
    for (;;) {
        const char *h, *he;
        if (*p == '[') {
            h = ++p;
            while (*p != '\0' && *p != ']')
                p++;
            if (*p == '\0') {
                if (x->errbuf != NULL)
                    snprintf(x->errbuf, x->errlen,
                             "end of string reached when looking for matching \"]\" in IPv6 "
                             "host address in URI: \"%s\"",
                             uri);
                return PGW_E_INVALID;
            }
            if (p == h) {
                if (x->errbuf != NULL)
                    snprintf(x->errbuf, x->errlen,
                             "IPv6 host address may not be empty in URI: \"%s\"", uri);
                return PGW_E_INVALID;
            }
            he = p++;
            if (!host_end(*p)) {
                if (x->errbuf != NULL)
                    snprintf(x->errbuf, x->errlen,
                             "unexpected character \"%c\" at position %d in URI (expected \":\" "
                             "or \"/\"): \"%s\"",
                             *p, (int)(p - uri + 1), uri);
                return PGW_E_INVALID;
            }
        } else {
            h = p;
            while (!host_end(*p))
                p++;
            he = p;
        }
        memcpy(hosts + hl, h, (size_t)(he - h));
        hl += (size_t)(he - h);
        prev = *p;
        if (prev == ':') {
            const char *port = ++p;
            while (*p != '\0' && *p != '/' && *p != '?' && *p != ',')
                p++;
            memcpy(ports + pl, port, (size_t)(p - port));
            pl += (size_t)(p - port);
            prev = *p;
        }
        if (prev != ',')
            break;
        p++;
        hosts[hl++] = ',';
        ports[pl++] = ',';
    }
    pgw_status rc;
    if (hl > 0 && (rc = store_component(x, "host", hosts, hl)) != PGW_OK)
        return rc;
    if (pl > 0 && (rc = store_component(x, "port", ports, pl)) != PGW_OK)
        return rc;

    if (prev != '\0' && prev != '?') {
        const char *db = ++p;
        while (*p != '\0' && *p != '?')
            p++;
        prev = *p;
        /* An empty dbname is not set: it would hide PGDATABASE. */
        if (p > db && (rc = store_component(x, "dbname", db, (size_t)(p - db))) != PGW_OK)
            return rc;
    }
    if (prev != '\0')
        return parse_params(x, p + 1);
    return PGW_OK;
}

pgw_status pgwi_conninfo_scan_uri(const pgw_allocator *a, const char *s, pgwi_kw_sink sink,
                                  void *ud, char *errbuf, size_t errlen)
{
    size_t n = strlen(s) + 1;
    size_t total;
    if (!pgwi_mul_size(n, 3, &total))
        return PGW_E_NOMEM;
    /* Decoding scratch plus the folded host and port lists; none can be
     * longer than the URI. Wiped: the user info may hold a password. */
    char *mem = pgwi_alloc(a, total);
    if (mem == NULL)
        return PGW_E_NOMEM;
    uri_ctx x = {s, mem, sink, ud, errbuf, errlen};
    pgw_status rc = parse_uri(&x, mem + n, mem + 2 * n);
    pgwi_wipe(mem, total);
    pgwi_free(a, mem, total);
    return rc;
}
