/* libpq's connection strings: the engine's option table (with each
 * keyword's environment variable and default), libpq 18's keyword table,
 * the key=value scanner (URIs are in conninfo_uri.c), the engine's parse
 * and validation, and the public pgw_conninfo API. libpq's quoting rules
 * and error texts are followed so strings carry over unchanged. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "conn/conninfo_int.h"

const pgwi_opt_def pgwi_opt_table[PGWI_OPT_COUNT] = {
    [PGWI_OPT_HOST] = {"host", "PGHOST", NULL},
    [PGWI_OPT_HOSTADDR] = {"hostaddr", "PGHOSTADDR", NULL},
    [PGWI_OPT_PORT] = {"port", "PGPORT", "5432"},
    [PGWI_OPT_DBNAME] = {"dbname", "PGDATABASE", NULL},
    [PGWI_OPT_USER] = {"user", "PGUSER", NULL},
    [PGWI_OPT_PASSWORD] = {"password", "PGPASSWORD", NULL},
    [PGWI_OPT_PASSFILE] = {"passfile", "PGPASSFILE", NULL},
    [PGWI_OPT_REQUIRE_AUTH] = {"require_auth", "PGREQUIREAUTH", NULL},
    [PGWI_OPT_CHANNEL_BINDING] = {"channel_binding", "PGCHANNELBINDING", NULL},
    [PGWI_OPT_CONNECT_TIMEOUT] = {"connect_timeout", "PGCONNECT_TIMEOUT", NULL},
    [PGWI_OPT_CLIENT_ENCODING] = {"client_encoding", "PGCLIENTENCODING", "UTF8"},
    [PGWI_OPT_OPTIONS] = {"options", "PGOPTIONS", NULL},
    [PGWI_OPT_APPLICATION_NAME] = {"application_name", "PGAPPNAME", NULL},
    [PGWI_OPT_FALLBACK_APPLICATION_NAME] = {"fallback_application_name", NULL, NULL},
    [PGWI_OPT_KEEPALIVES] = {"keepalives", NULL, NULL},
    [PGWI_OPT_KEEPALIVES_IDLE] = {"keepalives_idle", NULL, NULL},
    [PGWI_OPT_KEEPALIVES_INTERVAL] = {"keepalives_interval", NULL, NULL},
    [PGWI_OPT_KEEPALIVES_COUNT] = {"keepalives_count", NULL, NULL},
    [PGWI_OPT_TCP_USER_TIMEOUT] = {"tcp_user_timeout", NULL, NULL},
    [PGWI_OPT_REPLICATION] = {"replication", NULL, NULL},
    [PGWI_OPT_SSLMODE] = {"sslmode", "PGSSLMODE", "prefer"},
    [PGWI_OPT_SSLNEGOTIATION] = {"sslnegotiation", "PGSSLNEGOTIATION", NULL},
    [PGWI_OPT_SSLCOMPRESSION] = {"sslcompression", "PGSSLCOMPRESSION", NULL},
    [PGWI_OPT_SSLCERT] = {"sslcert", "PGSSLCERT", NULL},
    [PGWI_OPT_SSLKEY] = {"sslkey", "PGSSLKEY", NULL},
    [PGWI_OPT_SSLPASSWORD] = {"sslpassword", NULL, NULL},
    [PGWI_OPT_SSLCERTMODE] = {"sslcertmode", "PGSSLCERTMODE", NULL},
    [PGWI_OPT_SSLROOTCERT] = {"sslrootcert", "PGSSLROOTCERT", NULL},
    [PGWI_OPT_SSLCRL] = {"sslcrl", "PGSSLCRL", NULL},
    [PGWI_OPT_SSLCRLDIR] = {"sslcrldir", "PGSSLCRLDIR", NULL},
    [PGWI_OPT_SSLSNI] = {"sslsni", "PGSSLSNI", NULL},
    [PGWI_OPT_REQUIREPEER] = {"requirepeer", "PGREQUIREPEER", NULL},
    [PGWI_OPT_SSL_MIN_PROTOCOL_VERSION] = {"ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION",
                                           NULL},
    [PGWI_OPT_SSL_MAX_PROTOCOL_VERSION] = {"ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION",
                                           NULL},
    [PGWI_OPT_GSSENCMODE] = {"gssencmode", "PGGSSENCMODE", NULL},
    [PGWI_OPT_KRBSRVNAME] = {"krbsrvname", "PGKRBSRVNAME", NULL},
    [PGWI_OPT_GSSLIB] = {"gsslib", "PGGSSLIB", NULL},
    [PGWI_OPT_GSSDELEGATION] = {"gssdelegation", "PGGSSDELEGATION", NULL},
    [PGWI_OPT_SERVICE] = {"service", "PGSERVICE", NULL},
    [PGWI_OPT_TARGET_SESSION_ATTRS] = {"target_session_attrs", "PGTARGETSESSIONATTRS", NULL},
    [PGWI_OPT_LOAD_BALANCE_HOSTS] = {"load_balance_hosts", "PGLOADBALANCEHOSTS", NULL},
    [PGWI_OPT_MIN_PROTOCOL_VERSION] = {"min_protocol_version", "PGMINPROTOCOLVERSION", NULL},
    [PGWI_OPT_MAX_PROTOCOL_VERSION] = {"max_protocol_version", "PGMAXPROTOCOLVERSION", NULL},
};

int pgwi_opt_lookup(const char *keyword, size_t len)
{
    for (int i = 0; i < PGWI_OPT_COUNT; i++) {
        const char *k = pgwi_opt_table[i].keyword;
        if (strlen(k) == len && memcmp(k, keyword, len) == 0)
            return i;
    }
    return -1;
}

/* libpq 18's PQconninfoOptions order: `pgw --parse-conninfo` prints in it.
 * Keywords the engine has no slot for (opt -1) parse, so a string written
 * for libpq 18 can be inspected, but pgw_conn_new() refuses them. */
const pgwi_kw pgwi_kw_table[PGWI_KW_COUNT] = {
    {"service", PGWI_OPT_SERVICE, false},
    {"user", PGWI_OPT_USER, false},
    {"password", PGWI_OPT_PASSWORD, true},
    {"passfile", PGWI_OPT_PASSFILE, false},
    {"channel_binding", PGWI_OPT_CHANNEL_BINDING, false},
    {"connect_timeout", PGWI_OPT_CONNECT_TIMEOUT, false},
    {"dbname", PGWI_OPT_DBNAME, false},
    {"host", PGWI_OPT_HOST, false},
    {"hostaddr", PGWI_OPT_HOSTADDR, false},
    {"port", PGWI_OPT_PORT, false},
    {"client_encoding", PGWI_OPT_CLIENT_ENCODING, false},
    {"options", PGWI_OPT_OPTIONS, false},
    {"application_name", PGWI_OPT_APPLICATION_NAME, false},
    {"fallback_application_name", PGWI_OPT_FALLBACK_APPLICATION_NAME, false},
    {"keepalives", PGWI_OPT_KEEPALIVES, false},
    {"keepalives_idle", PGWI_OPT_KEEPALIVES_IDLE, false},
    {"keepalives_interval", PGWI_OPT_KEEPALIVES_INTERVAL, false},
    {"keepalives_count", PGWI_OPT_KEEPALIVES_COUNT, false},
    {"tcp_user_timeout", PGWI_OPT_TCP_USER_TIMEOUT, false},
    {"sslmode", PGWI_OPT_SSLMODE, false},
    {"sslnegotiation", PGWI_OPT_SSLNEGOTIATION, false},
    {"sslcompression", PGWI_OPT_SSLCOMPRESSION, false},
    {"sslcert", PGWI_OPT_SSLCERT, false},
    {"sslkey", PGWI_OPT_SSLKEY, false},
    {"sslcertmode", PGWI_OPT_SSLCERTMODE, false},
    {"sslpassword", PGWI_OPT_SSLPASSWORD, true},
    {"sslrootcert", PGWI_OPT_SSLROOTCERT, false},
    {"sslcrl", PGWI_OPT_SSLCRL, false},
    {"sslcrldir", PGWI_OPT_SSLCRLDIR, false},
    {"sslsni", PGWI_OPT_SSLSNI, false},
    {"requirepeer", PGWI_OPT_REQUIREPEER, false},
    {"require_auth", PGWI_OPT_REQUIRE_AUTH, false},
    {"min_protocol_version", PGWI_OPT_MIN_PROTOCOL_VERSION, false},
    {"max_protocol_version", PGWI_OPT_MAX_PROTOCOL_VERSION, false},
    {"ssl_min_protocol_version", PGWI_OPT_SSL_MIN_PROTOCOL_VERSION, false},
    {"ssl_max_protocol_version", PGWI_OPT_SSL_MAX_PROTOCOL_VERSION, false},
    {"gssencmode", PGWI_OPT_GSSENCMODE, false},
    {"krbsrvname", PGWI_OPT_KRBSRVNAME, false},
    {"gsslib", PGWI_OPT_GSSLIB, false},
    {"gssdelegation", PGWI_OPT_GSSDELEGATION, false},
    {"replication", PGWI_OPT_REPLICATION, false},
    {"target_session_attrs", PGWI_OPT_TARGET_SESSION_ATTRS, false},
    {"load_balance_hosts", PGWI_OPT_LOAD_BALANCE_HOSTS, false},
    {"scram_client_key", -1, true},
    {"scram_server_key", -1, true},
    {"oauth_issuer", -1, false},
    {"oauth_client_id", -1, false},
    {"oauth_client_secret", -1, true},
    {"oauth_scope", -1, false},
    {"sslkeylogfile", -1, false},
};

int pgwi_kw_lookup(const char *keyword, size_t len)
{
    for (int i = 0; i < PGWI_KW_COUNT; i++) {
        const char *k = pgwi_kw_table[i].keyword;
        if (strlen(k) == len && memcmp(k, keyword, len) == 0)
            return i;
    }
    return -1;
}

/* libpq uses isspace() in the C locale. */
static bool ci_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    if (errbuf == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

pgw_status pgwi_conninfo_store(const char *kw, size_t klen, const char *val, size_t vlen,
                               pgwi_kw_sink sink, void *ud, bool *known, char *errbuf,
                               size_t errlen)
{
    /* libpq still maps the pre-8.0 requiressl keyword: 1 means
     * sslmode=require, anything else sslmode=prefer. */
    if (klen == 10 && memcmp(kw, "requiressl", 10) == 0) {
        bool on = vlen > 0 && val[0] == '1';
        kw = "sslmode";
        klen = 7;
        val = on ? "require" : "prefer";
        vlen = strlen(val);
    }
    int k = pgwi_kw_lookup(kw, klen);
    *known = k >= 0;
    if (k < 0)
        return PGW_E_INVALID;
    return sink(ud, k, val, vlen, errbuf, errlen);
}

bool pgwi_conninfo_is_uri(const char *s)
{
    return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/* The key=value form: white space separates pairs, a value may be quoted
 * with '...' and a backslash escapes the next character anywhere. */
static pgw_status scan_kv(const char *s, size_t slen, char *buf, pgwi_kw_sink sink, void *ud,
                          char *errbuf, size_t errlen)
{
    size_t i = 0;
    while (i < slen) {
        if (ci_is_space(s[i])) {
            i++;
            continue;
        }
        size_t kstart = i;
        while (i < slen && s[i] != '=' && !ci_is_space(s[i]))
            i++;
        size_t klen = i - kstart;
        while (i < slen && ci_is_space(s[i]))
            i++;
        if (i >= slen || s[i] != '=') {
            set_err(errbuf, errlen, "missing \"=\" after \"%.*s\" in connection info string",
                    (int)klen, s + kstart);
            return PGW_E_INVALID;
        }
        i++; /* '=' */
        while (i < slen && ci_is_space(s[i]))
            i++;
        size_t vlen = 0;
        if (i < slen && s[i] == '\'') {
            i++;
            bool closed = false;
            while (i < slen) {
                if (s[i] == '\\') {
                    i++;
                    if (i < slen)
                        buf[vlen++] = s[i++];
                    continue;
                }
                if (s[i] == '\'') {
                    i++;
                    closed = true;
                    break;
                }
                buf[vlen++] = s[i++];
            }
            if (!closed) {
                set_err(errbuf, errlen, "unterminated quoted string in connection info string");
                return PGW_E_INVALID;
            }
        } else {
            while (i < slen && !ci_is_space(s[i])) {
                if (s[i] == '\\') {
                    i++;
                    if (i < slen)
                        buf[vlen++] = s[i++];
                } else {
                    buf[vlen++] = s[i++];
                }
            }
        }
        bool known;
        pgw_status rc =
            pgwi_conninfo_store(s + kstart, klen, buf, vlen, sink, ud, &known, errbuf, errlen);
        pgwi_wipe(buf, vlen);
        if (!known) {
            set_err(errbuf, errlen, "invalid connection option \"%.*s\"", (int)klen, s + kstart);
            return PGW_E_INVALID;
        }
        if (rc != PGW_OK)
            return rc;
    }
    return PGW_OK;
}

pgw_status pgwi_conninfo_scan(const pgw_allocator *a, const char *s, pgwi_kw_sink sink, void *ud,
                              char *errbuf, size_t errlen)
{
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    if (s == NULL)
        return PGW_OK;
    if (pgwi_conninfo_is_uri(s))
        return pgwi_conninfo_scan_uri(a, s, sink, ud, errbuf, errlen);
    size_t slen = strlen(s);
    /* Values are unescaped into a scratch copy; one allocation, wiped,
     * because the string may hold a password. */
    char *buf = pgwi_alloc(a, slen + 1);
    if (buf == NULL)
        return PGW_E_NOMEM;
    pgw_status rc = scan_kv(s, slen, buf, sink, ud, errbuf, errlen);
    pgwi_wipe(buf, slen + 1);
    pgwi_free(a, buf, slen + 1);
    return rc;
}

/* ---- the engine's option array ------------------------------------------ */

static void free_str(const pgw_allocator *a, char **p)
{
    if (*p != NULL) {
        size_t n = strlen(*p) + 1;
        pgwi_wipe(*p, n);
        pgwi_free(a, *p, n);
        *p = NULL;
    }
}

void pgwi_conninfo_free(const pgw_allocator *a, char *vals[PGWI_OPT_COUNT])
{
    for (int i = 0; i < PGWI_OPT_COUNT; i++)
        free_str(a, &vals[i]);
}

typedef struct engine_sink {
    const pgw_allocator *a;
    char **vals;
} engine_sink;

static pgw_status engine_store(void *ud, int kw, const char *val, size_t len, char *errbuf,
                               size_t errlen)
{
    engine_sink *es = ud;
    int opt = pgwi_kw_table[kw].opt;
    if (opt < 0) {
        /* libpq 18 knows it; this engine cannot honour it, and ignoring it
         * would make the string mean less than it says. */
        set_err(errbuf, errlen, "connection option \"%s\" is not supported",
                pgwi_kw_table[kw].keyword);
        return PGW_E_INVALID;
    }
    char *v = pgwi_strndup(es->a, val, len);
    if (v == NULL)
        return PGW_E_NOMEM;
    free_str(es->a, &es->vals[opt]);
    es->vals[opt] = v;
    return PGW_OK;
}

pgw_status pgwi_conninfo_parse(const pgw_allocator *a, const char *s, char *vals[PGWI_OPT_COUNT],
                               char *errbuf, size_t errlen)
{
    engine_sink es = {a, vals};
    pgw_status rc = pgwi_conninfo_scan(a, s, engine_store, &es, errbuf, errlen);
    if (rc != PGW_OK)
        pgwi_conninfo_free(a, vals);
    return rc;
}

pgw_status pgw_conninfo_check(const char *conninfo, char *errbuf, size_t errlen)
{
    char *vals[PGWI_OPT_COUNT] = {0};
    pgw_status rc = pgwi_conninfo_parse(NULL, conninfo, vals, errbuf, errlen);
    if (rc == PGW_E_NOMEM && errbuf != NULL)
        snprintf(errbuf, errlen, "out of memory");
    pgwi_conninfo_free(NULL, vals);
    return rc;
}

static bool one_of(const char *v, const char *const *set)
{
    for (; *set != NULL; set++)
        if (strcmp(v, *set) == 0)
            return true;
    return false;
}

/* libpq 18's reading of a protocol version: "latest", or "3.<minor>"
 * with strtol's leniency (leading blanks, a sign) and a value between 3.0
 * and the newest this library speaks. */
static bool parse_protocol_version(const char *v, int32_t *out)
{
    if (strcmp(v, "latest") == 0) {
        *out = PGWI_PROTOCOL_LATEST;
        return true;
    }
    char *end;
    errno = 0;
    long major = strtol(v, &end, 10);
    if (*end != '.' || major != 3)
        return false;
    long minor = strtol(end + 1, &end, 10);
    if (*end != '\0' || errno != 0 || minor < 0 || minor > (PGWI_PROTOCOL_LATEST & 0xFFFF))
        return false;
    *out = (int32_t)(3 << 16 | minor);
    return true;
}

/* min_protocol_version and max_protocol_version as libpq 18 resolves them:
 * an unset max is 3.0 (servers and poolers that predate
 * NegotiateProtocolVersion still abound) unless min asks for more, when
 * the newest is the only sensible ceiling. */
static pgw_status resolve_protocol_versions(pgw_conn *c)
{
    const char *v;
    c->min_pversion = PGW_PROTOCOL_3_0;
    if ((v = c->opt[PGWI_OPT_MIN_PROTOCOL_VERSION]) != NULL && *v != '\0' &&
        !parse_protocol_version(v, &c->min_pversion))
        return pgwi_conn_break(c, PGW_E_INVALID, "invalid min_protocol_version value: \"%s\"", v);
    if ((v = c->opt[PGWI_OPT_MAX_PROTOCOL_VERSION]) != NULL && *v != '\0') {
        if (!parse_protocol_version(v, &c->max_pversion))
            return pgwi_conn_break(c, PGW_E_INVALID, "invalid max_protocol_version value: \"%s\"",
                                   v);
    } else {
        c->max_pversion = c->min_pversion > PGW_PROTOCOL_3_0 ? PGWI_PROTOCOL_LATEST
                                                             : PGW_PROTOCOL_3_0;
    }
    if (c->min_pversion > c->max_pversion)
        return pgwi_conn_break(c, PGW_E_INVALID,
                               "min_protocol_version is greater than max_protocol_version");
    return PGW_OK;
}

pgw_status pgwi_conninfo_validate(pgw_conn *c)
{
    const char *v;
    pgw_status prc = resolve_protocol_versions(c);
    if (prc != PGW_OK)
        return prc;
    static const char *const tsa[] = {"any",     "read-write", "read-only", "primary",
                                      "standby", "prefer-standby", NULL};
    if ((v = c->opt[PGWI_OPT_TARGET_SESSION_ATTRS]) != NULL && *v != '\0' && !one_of(v, tsa))
        return pgwi_conn_break(c, PGW_E_INVALID, "invalid target_session_attrs value: \"%s\"", v);
    /* The host list's pairing and its ports, checked before any connect so
     * a typo fails the same way whichever host is up. */
    char errbuf[160];
    pgwi_hosts hosts;
    pgw_status rc = pgwi_hosts_parse(c->a, c->opt[PGWI_OPT_HOST], c->opt[PGWI_OPT_HOSTADDR],
                                     c->opt[PGWI_OPT_PORT], &hosts, errbuf, sizeof errbuf);
    if (rc == PGW_E_NOMEM)
        return rc;
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "%s", errbuf);
    pgwi_hosts_free(c->a, &hosts);
    static const char *const lbh[] = {"disable", "random", NULL};
    if ((v = c->opt[PGWI_OPT_LOAD_BALANCE_HOSTS]) != NULL && *v != '\0' && !one_of(v, lbh))
        return pgwi_conn_break(c, PGW_E_INVALID, "invalid load_balance_hosts value: \"%s\"", v);
    /* The server's boolean spellings that mean an ordinary session. */
    static const char *const off[] = {"0", "off", "false", "no", "of", "f", "n", NULL};
    if ((v = c->opt[PGWI_OPT_REPLICATION]) != NULL && *v != '\0' && !one_of(v, off))
        return pgwi_conn_break(c, PGW_E_UNSUPPORTED,
                               "replication connections are not supported yet");
    if ((v = c->opt[PGWI_OPT_REQUIREPEER]) != NULL && *v != '\0')
        return pgwi_conn_break(c, PGW_E_UNSUPPORTED,
                               "connection option \"requirepeer\" is not supported yet");
    return PGW_OK;
}

/* ---- the public parse API ---------------------------------------------- */

struct pgw_conninfo {
    pgw_allocator alloc_copy;
    const pgw_allocator *a;
    char *vals[PGWI_KW_COUNT];
    size_t count;
    uint8_t order[PGWI_KW_COUNT]; /* indexes of the set keywords, table order */
    const char *const *allowed;   /* during parsing only */
    bool redact;
};

static const char redacted[] = "********";

void pgw_conninfo_parse_options_init(pgw_conninfo_parse_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->size = sizeof *opt;
}

static pgw_status public_store(void *ud, int kw, const char *val, size_t len, char *errbuf,
                               size_t errlen)
{
    pgw_conninfo *ci = ud;
    const char *name = pgwi_kw_table[kw].keyword;
    if (ci->allowed != NULL && !one_of(name, ci->allowed)) {
        set_err(errbuf, errlen, "connection option \"%s\" is not allowed here", name);
        return PGW_E_INVALID;
    }
    if (ci->redact && pgwi_kw_table[kw].secret) {
        val = redacted;
        len = sizeof redacted - 1;
    }
    char *v = pgwi_strndup(ci->a, val, len);
    if (v == NULL)
        return PGW_E_NOMEM;
    free_str(ci->a, &ci->vals[kw]);
    ci->vals[kw] = v;
    return PGW_OK;
}

void pgw_conninfo_free(pgw_conninfo *ci)
{
    if (ci == NULL)
        return;
    for (int i = 0; i < PGWI_KW_COUNT; i++)
        free_str(ci->a, &ci->vals[i]);
    pgw_allocator copy = ci->alloc_copy;
    const pgw_allocator *a = ci->a != NULL ? &copy : NULL;
    pgwi_free(a, ci, sizeof *ci);
}

pgw_status pgw_conninfo_parse(pgw_conninfo **out, const char *conninfo,
                              const pgw_conninfo_parse_options *opt, char *errbuf, size_t errlen)
{
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    pgw_conninfo_parse_options o;
    pgw_conninfo_parse_options_init(&o);
    if (opt != NULL)
        memcpy(&o, opt, opt->size != 0 && opt->size < sizeof o ? opt->size : sizeof o);
    pgw_conninfo *ci = pgwi_alloc(o.allocator, sizeof *ci);
    if (ci == NULL) {
        set_err(errbuf, errlen, "out of memory");
        return PGW_E_NOMEM;
    }
    memset(ci, 0, sizeof *ci);
    if (o.allocator != NULL) {
        ci->alloc_copy = *o.allocator;
        ci->a = &ci->alloc_copy;
    }
    ci->allowed = o.allowed_keywords;
    ci->redact = o.redact_secrets;
    pgw_status rc = pgwi_conninfo_scan(ci->a, conninfo, public_store, ci, errbuf, errlen);
    ci->allowed = NULL;
    if (rc != PGW_OK) {
        if (rc == PGW_E_NOMEM)
            set_err(errbuf, errlen, "out of memory");
        pgw_conninfo_free(ci);
        return rc;
    }
    for (int i = 0; i < PGWI_KW_COUNT; i++)
        if (ci->vals[i] != NULL)
            ci->order[ci->count++] = (uint8_t)i;
    *out = ci;
    return PGW_OK;
}

size_t pgw_conninfo_count(const pgw_conninfo *ci)
{
    return ci != NULL ? ci->count : 0;
}

const char *pgw_conninfo_keyword(const pgw_conninfo *ci, size_t i)
{
    return ci != NULL && i < ci->count ? pgwi_kw_table[ci->order[i]].keyword : NULL;
}

const char *pgw_conninfo_value(const pgw_conninfo *ci, size_t i)
{
    return ci != NULL && i < ci->count ? ci->vals[ci->order[i]] : NULL;
}

const char *pgw_conninfo_get(const pgw_conninfo *ci, const char *keyword)
{
    if (ci == NULL || keyword == NULL)
        return NULL;
    int k = pgwi_kw_lookup(keyword, strlen(keyword));
    return k >= 0 ? ci->vals[k] : NULL;
}

bool pgw_conninfo_keyword_is_secret(const char *keyword)
{
    int k = keyword != NULL ? pgwi_kw_lookup(keyword, strlen(keyword)) : -1;
    return k >= 0 && pgwi_kw_table[k].secret;
}

pgw_status pgw_conninfo_format(const pgw_conninfo *ci, uint32_t flags, pgw_buf *out)
{
    if (ci == NULL || out == NULL)
        return PGW_E_INVALID;
    size_t start = out->len;
    for (size_t i = 0; i < ci->count; i++) {
        int k = ci->order[i];
        const char *v = ci->vals[k];
        if ((flags & PGW_CONNINFO_REDACT) != 0 && pgwi_kw_table[k].secret)
            v = redacted;
        const char *kw = pgwi_kw_table[k].keyword;
        if (i > 0)
            pgw_buf_append(out, " ", 1);
        pgw_buf_append(out, kw, strlen(kw));
        pgw_buf_append(out, "='", 2);
        for (const char *p = v; *p != '\0'; p++) {
            if (*p == '\'' || *p == '\\')
                pgw_buf_append(out, "\\", 1);
            pgw_buf_append(out, p, 1);
        }
        pgw_buf_append(out, "'", 1);
    }
    pgw_status rc = pgw_buf_status(out);
    if (rc != PGW_OK && out->len > start)
        out->len = start; /* an encoder leaves the buffer as it found it */
    return rc;
}

const char *const *pgw_conninfo_untrusted_keywords(void)
{
    /* Where to connect and as whom, and the session's presentation; never
     * a file name (sslkey, sslcert, sslrootcert, passfile, service, ...),
     * and nothing that weakens security (sslmode, require_auth,
     * channel_binding are the application's decision). */
    static const char *const safe[] = {"host",
                                       "hostaddr",
                                       "port",
                                       "dbname",
                                       "user",
                                       "password",
                                       "connect_timeout",
                                       "client_encoding",
                                       "application_name",
                                       "fallback_application_name",
                                       "keepalives",
                                       "keepalives_idle",
                                       "keepalives_interval",
                                       "keepalives_count",
                                       "tcp_user_timeout",
                                       "target_session_attrs",
                                       "load_balance_hosts",
                                       NULL};
    return safe;
}

/* ---- several hosts --------------------------------------------------------- */

/* libpq's count_comma_separated_elems: commas + 1, no escaping. */
static size_t count_elems(const char *s)
{
    size_t n = 1;
    for (; *s != '\0'; s++)
        if (*s == ',')
            n++;
    return n;
}

static bool given(const char *v)
{
    return v != NULL && *v != '\0';
}

void pgwi_hosts_free(const pgw_allocator *a, pgwi_hosts *h)
{
    if (h == NULL || h->v == NULL)
        return;
    for (size_t i = 0; i < h->n; i++) {
        free_str(a, &h->v[i].host);
        free_str(a, &h->v[i].hostaddr);
        free_str(a, &h->v[i].port);
    }
    pgwi_free(a, h->v, h->n * sizeof *h->v);
    h->v = NULL;
    h->n = 0;
}

/* Fill slot `field` (offset into pgwi_host) of entries 0..n-1 from the
 * list s; list elements beyond n are ignored (the caller counted). */
static pgw_status split_into(const pgw_allocator *a, const char *s, pgwi_hosts *h,
                             size_t offset)
{
    for (size_t i = 0; i < h->n; i++) {
        const char *e = s;
        while (*e != '\0' && *e != ',')
            e++;
        char *v = pgwi_strndup(a, s, (size_t)(e - s));
        if (v == NULL)
            return PGW_E_NOMEM;
        *(char **)(void *)((char *)&h->v[i] + offset) = v;
        s = *e == ',' ? e + 1 : e;
    }
    return PGW_OK;
}

static pgw_status check_port(const char *p, char *errbuf, size_t errlen)
{
    if (*p == '\0')
        return PGW_OK; /* the default port */
    int n;
    if (!pgwi_parse_int_option(p, &n)) {
        while (ci_is_space(*p))
            p++;
        set_err(errbuf, errlen, "invalid integer value \"%s\" for connection option \"port\"", p);
        return PGW_E_INVALID;
    }
    if (n < 1 || n > 65535) {
        set_err(errbuf, errlen, "invalid port number: \"%s\"", p);
        return PGW_E_INVALID;
    }
    return PGW_OK;
}

pgw_status pgwi_hosts_parse(const pgw_allocator *a, const char *host, const char *hostaddr,
                            const char *port, pgwi_hosts *out, char *errbuf, size_t errlen)
{
    out->v = NULL;
    out->n = 0;
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    /* hostaddr, when given, decides the count; then host; else one entry
     * for the default host. */
    size_t n = given(hostaddr) ? count_elems(hostaddr) : given(host) ? count_elems(host) : 1;
    if (given(hostaddr) && given(host) && count_elems(host) != n) {
        set_err(errbuf, errlen, "could not match %zu host names to %zu hostaddr values",
                count_elems(host), n);
        return PGW_E_INVALID;
    }
    size_t nports = given(port) ? count_elems(port) : 0;
    if (nports > 1 && nports != n) {
        set_err(errbuf, errlen, "could not match %zu port numbers to %zu hosts", nports, n);
        return PGW_E_INVALID;
    }
    out->v = pgwi_alloc_array(a, n, sizeof *out->v);
    if (out->v == NULL)
        return PGW_E_NOMEM;
    memset(out->v, 0, n * sizeof *out->v);
    out->n = n;
    static const char none[] = "";
    pgw_status rc = split_into(a, given(host) ? host : none, out, offsetof(pgwi_host, host));
    if (rc == PGW_OK)
        rc = split_into(a, given(hostaddr) ? hostaddr : none, out,
                        offsetof(pgwi_host, hostaddr));
    if (rc == PGW_OK && nports == 1) {
        for (size_t i = 0; i < n && rc == PGW_OK; i++)
            if ((out->v[i].port = pgwi_strndup(a, port, strlen(port))) == NULL)
                rc = PGW_E_NOMEM;
    } else if (rc == PGW_OK) {
        rc = split_into(a, nports > 0 ? port : none, out, offsetof(pgwi_host, port));
    }
    for (size_t i = 0; i < n && rc == PGW_OK; i++)
        rc = check_port(out->v[i].port, errbuf, errlen);
    if (rc != PGW_OK) {
        if (rc == PGW_E_NOMEM)
            set_err(errbuf, errlen, "out of memory");
        pgwi_hosts_free(a, out);
    }
    return rc;
}

pgwi_tsa pgwi_tsa_from_option(const char *v)
{
    static const struct {
        const char *name;
        pgwi_tsa t;
    } map[] = {{"read-write", PGWI_TSA_READ_WRITE}, {"read-only", PGWI_TSA_READ_ONLY},
               {"primary", PGWI_TSA_PRIMARY},       {"standby", PGWI_TSA_STANDBY},
               {"prefer-standby", PGWI_TSA_PREFER_STANDBY}};
    for (size_t i = 0; v != NULL && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(v, map[i].name) == 0)
            return map[i].t;
    return PGWI_TSA_ANY;
}

pgwi_tribool pgwi_tribool_from_param(const char *v)
{
    if (v == NULL)
        return PGWI_UNKNOWN;
    return strcmp(v, "on") == 0 ? PGWI_YES : PGWI_NO;
}

static const char q_read_only[] = "SHOW transaction_read_only";
static const char q_recovery[] = "SELECT pg_catalog.pg_is_in_recovery()";

const char *pgwi_tsa_check(pgwi_tsa t, pgwi_tribool hot_standby, pgwi_tribool read_only,
                           const char **query)
{
    *query = NULL;
    switch (t) {
    case PGWI_TSA_ANY:
        return NULL;
    case PGWI_TSA_READ_WRITE:
    case PGWI_TSA_READ_ONLY: {
        /* Both must be known: either one being on makes the session
         * read-only. */
        if (hot_standby == PGWI_UNKNOWN || read_only == PGWI_UNKNOWN) {
            *query = q_read_only;
            return NULL;
        }
        bool ro = hot_standby == PGWI_YES || read_only == PGWI_YES;
        if (t == PGWI_TSA_READ_WRITE)
            return ro ? "session is read-only" : NULL;
        return ro ? NULL : "session is not read-only";
    }
    case PGWI_TSA_PRIMARY:
    case PGWI_TSA_STANDBY:
    case PGWI_TSA_PREFER_STANDBY:
        if (hot_standby == PGWI_UNKNOWN) {
            *query = q_recovery;
            return NULL;
        }
        if (t == PGWI_TSA_PRIMARY)
            return hot_standby == PGWI_YES ? "server is in hot standby mode" : NULL;
        return hot_standby == PGWI_NO ? "server is not in hot standby mode" : NULL;
    }
    return NULL;
}

void pgwi_tsa_note_answer(const char *query, const char *value, pgwi_tribool *hot_standby,
                          pgwi_tribool *read_only)
{
    if (strcmp(query, q_read_only) == 0) {
        /* "on" proves one of the two is on without saying which; for the
         * read-only question that is enough, so libpq claims both. */
        pgwi_tribool b = strncmp(value, "on", 2) == 0 ? PGWI_YES : PGWI_NO;
        *hot_standby = b;
        *read_only = b;
    } else {
        *hot_standby = value[0] == 't' ? PGWI_YES : PGWI_NO;
    }
}
