/* libpq's key=value connection strings: the keyword table (with each
 * keyword's environment variable and default) and the parser, following
 * libpq's quoting rules and error texts so strings carry over unchanged.
 * URIs, services and .pgpass slot in here later. */
#include <stdio.h>

#include "conn/conn_int.h"

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

/* libpq uses isspace() in the C locale. */
static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

void pgwi_conninfo_free(const pgw_allocator *a, char *vals[PGWI_OPT_COUNT])
{
    for (int i = 0; i < PGWI_OPT_COUNT; i++) {
        if (vals[i] != NULL) {
            size_t n = strlen(vals[i]) + 1;
            pgwi_wipe(vals[i], n);
            pgwi_free(a, vals[i], n);
            vals[i] = NULL;
        }
    }
}

pgw_status pgwi_conninfo_parse(const pgw_allocator *a, const char *s, char *vals[PGWI_OPT_COUNT],
                               char *errbuf, size_t errlen)
{
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    if (s == NULL)
        return PGW_OK;
    size_t slen = strlen(s);
    /* Values are unescaped into a scratch copy; one allocation, wiped,
     * because the string may hold a password. */
    char *buf = pgwi_alloc(a, slen + 1);
    if (buf == NULL)
        return PGW_E_NOMEM;
    pgw_status rc = PGW_OK;
    size_t i = 0;
    while (i < slen) {
        if (is_space(s[i])) {
            i++;
            continue;
        }
        size_t kstart = i;
        while (i < slen && s[i] != '=' && !is_space(s[i]))
            i++;
        size_t klen = i - kstart;
        while (i < slen && is_space(s[i]))
            i++;
        if (i >= slen || s[i] != '=') {
            if (errbuf != NULL)
                snprintf(errbuf, errlen, "missing \"=\" after \"%.*s\" in connection info string",
                         (int)klen, s + kstart);
            rc = PGW_E_INVALID;
            break;
        }
        i++; /* '=' */
        while (i < slen && is_space(s[i]))
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
                if (errbuf != NULL)
                    snprintf(errbuf, errlen,
                             "unterminated quoted string in connection info string");
                rc = PGW_E_INVALID;
                break;
            }
        } else {
            while (i < slen && !is_space(s[i])) {
                if (s[i] == '\\') {
                    i++;
                    if (i < slen)
                        buf[vlen++] = s[i++];
                } else {
                    buf[vlen++] = s[i++];
                }
            }
        }
        int k = pgwi_opt_lookup(s + kstart, klen);
        if (k < 0) {
            if (errbuf != NULL)
                snprintf(errbuf, errlen, "invalid connection option \"%.*s\"", (int)klen,
                         s + kstart);
            rc = PGW_E_INVALID;
            break;
        }
        char *v = pgwi_strndup(a, buf, vlen);
        pgwi_wipe(buf, vlen);
        if (v == NULL) {
            rc = PGW_E_NOMEM;
            break;
        }
        if (vals[k] != NULL) {
            size_t n = strlen(vals[k]) + 1;
            pgwi_wipe(vals[k], n);
            pgwi_free(a, vals[k], n);
        }
        vals[k] = v;
    }
    pgwi_wipe(buf, slen + 1);
    pgwi_free(a, buf, slen + 1);
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
