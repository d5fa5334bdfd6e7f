/* Connection security policy, as libpq defines it: sslmode and
 * sslnegotiation, the TLS settings, channel_binding, and require_auth with
 * PostgreSQL 16's grammar. Resolved once when the connection is created;
 * checked at every authentication request, before any password byte is
 * sent. */
#include <strings.h>

#include "conn/conn_int.h"

#ifndef PGW_HAVE_TLS
#define PGW_HAVE_TLS 0
#endif

static bool pol_is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

static bool tls_version(const char *v, int *out)
{
    if (v == NULL || *v == '\0') {
        *out = 0;
        return true;
    }
    static const struct {
        const char *name;
        int value;
    } names[] = {{"TLSv1", PGW_TLS_1_0},
                 {"TLSv1.1", PGW_TLS_1_1},
                 {"TLSv1.2", PGW_TLS_1_2},
                 {"TLSv1.3", PGW_TLS_1_3}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(v, names[i].name) == 0) {
            *out = names[i].value;
            return true;
        }
    }
    return false;
}

static pgw_status invalid_value(pgw_conn *c, const char *kw, const char *v)
{
    return pgwi_conn_break(c, PGW_E_INVALID, "invalid %s value: \"%s\"", kw, v);
}

static pgw_status not_compiled_in(pgw_conn *c, const char *kw, const char *v)
{
    return pgwi_conn_break(c, PGW_E_UNSUPPORTED,
                           "%s value \"%s\" invalid when SSL support is not compiled in", kw, v);
}

/* Bits of authentication request codes (all below 32). */
#define AREQ(code) (1u << (code))
#define SASL_BITS (AREQ(PGW_AUTH_SASL) | AREQ(PGW_AUTH_SASL_CONTINUE) | AREQ(PGW_AUTH_SASL_FINAL))
/* SASL mechanisms, kept apart in bits no request code uses. */
#define MECH_SCRAM (1u << 30)
#define MECH_OAUTH (1u << 31)

static pgw_status parse_require_auth(pgw_conn *c, const char *spec)
{
    /* A positive list starts from nothing allowed and an authentication
     * exchange required; a negated list starts from everything. */
    c->has_require_auth = true;
    c->auth_required = true;
    c->allowed_auth = 0;
    bool negated = false;
    const char *s = spec;
    for (bool first = true;; first = false) {
        while (pol_is_space(*s))
            s++;
        const char *start = s;
        while (*s != '\0' && *s != ',')
            s++;
        const char *end = s;
        while (end > start && pol_is_space(end[-1]))
            end--;
        char part[64];
        size_t len = (size_t)(end - start);
        if (len >= sizeof part)
            len = sizeof part - 1;
        memcpy(part, start, len);
        part[len] = '\0';
        const char *method = part;
        if (*method == '!') {
            if (first) {
                c->auth_required = false;
                c->allowed_auth = UINT32_MAX;
            } else if (!negated) {
                return pgwi_conn_break(
                    c, PGW_E_INVALID,
                    "negative require_auth method \"%s\" cannot be mixed with non-negative methods",
                    method);
            }
            negated = true;
            method++;
        } else if (negated) {
            return pgwi_conn_break(
                c, PGW_E_INVALID,
                "require_auth method \"%s\" cannot be mixed with negative methods", method);
        }
        uint32_t bits;
        if (strcmp(method, "password") == 0) {
            bits = AREQ(PGW_AUTH_CLEARTEXT_PASSWORD);
        } else if (strcmp(method, "md5") == 0) {
            bits = AREQ(PGW_AUTH_MD5_PASSWORD);
        } else if (strcmp(method, "gss") == 0) {
            bits = AREQ(PGW_AUTH_GSS) | AREQ(PGW_AUTH_GSS_CONTINUE);
        } else if (strcmp(method, "sspi") == 0) {
            bits = AREQ(PGW_AUTH_SSPI) | AREQ(PGW_AUTH_GSS_CONTINUE);
        } else if (strcmp(method, "scram-sha-256") == 0) {
            bits = MECH_SCRAM;
        } else if (strcmp(method, "oauth") == 0) {
            bits = MECH_OAUTH;
        } else if (strcmp(method, "none") == 0) {
            /* Whether the server may let the client in without asking. */
            if (negated) {
                if (c->auth_required)
                    goto duplicate;
                c->auth_required = true;
            } else {
                if (!c->auth_required)
                    goto duplicate;
                c->auth_required = false;
            }
            goto next;
        } else {
            return invalid_value(c, "require_auth", method);
        }
        if (negated) {
            if ((c->allowed_auth & bits) == 0)
                goto duplicate;
            c->allowed_auth &= ~bits;
        } else {
            if ((c->allowed_auth & bits) == bits)
                goto duplicate;
            c->allowed_auth |= bits;
        }
    next:
        if (*s != ',') {
            /* SASL requests are allowed while any allowed mechanism is. */
            if (c->allowed_auth & (MECH_SCRAM | MECH_OAUTH))
                c->allowed_auth |= SASL_BITS;
            else
                c->allowed_auth &= ~SASL_BITS;
            break;
        }
        s++;
        continue;
    duplicate:
        /* A duplicate is most likely a typo in a setting where typos are
         * dangerous (libpq's reasoning). */
        return pgwi_conn_break(c, PGW_E_INVALID,
                               "require_auth method \"%s\" is specified more than once", part);
    }
    return PGW_OK;
}

pgw_status pgwi_policy_resolve(pgw_conn *c)
{
    const char *v = c->opt[PGWI_OPT_SSLMODE];
    static const char *const modes[] = {"disable", "allow", "prefer", "require", "verify-ca",
                                        "verify-full"};
    c->sslmode = PGWI_SSL_PREFER;
    if (v != NULL) {
        size_t i;
        for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
            if (strcmp(v, modes[i]) == 0)
                break;
        if (i == sizeof modes / sizeof modes[0])
            return invalid_value(c, "sslmode", v);
        c->sslmode = (enum pgwi_sslmode)i;
    }
    const char *root = c->opt[PGWI_OPT_SSLROOTCERT];
    bool root_system = root != NULL && strcmp(root, "system") == 0;
    if (!PGW_HAVE_TLS) {
        if (root_system)
            return not_compiled_in(c, "sslrootcert", root);
        if (c->sslmode >= PGWI_SSL_REQUIRE)
            return not_compiled_in(c, "sslmode", v);
    }

    v = c->opt[PGWI_OPT_SSLNEGOTIATION];
    c->direct_tls = false;
    if (v != NULL && *v != '\0') {
        if (strcmp(v, "postgres") != 0 && strcmp(v, "direct") != 0)
            return invalid_value(c, "sslnegotiation", v);
        if (!PGW_HAVE_TLS && v[0] != 'p')
            return not_compiled_in(c, "sslnegotiation", v);
        c->direct_tls = v[0] == 'd';
        /* Direct TLS to a server that does not speak it must never fall
         * back to plaintext, so it demands a mode that refuses plaintext. */
        if (c->direct_tls && c->sslmode < PGWI_SSL_REQUIRE)
            return pgwi_conn_break(c, PGW_E_INVALID,
                                   "weak sslmode \"%s\" may not be used with sslnegotiation=direct "
                                   "(use \"require\", \"verify-ca\", or \"verify-full\")",
                                   modes[c->sslmode]);
    }
    if (root_system && c->sslmode != PGWI_SSL_VERIFY_FULL)
        return pgwi_conn_break(c, PGW_E_INVALID,
                               "weak sslmode \"%s\" may not be used with sslrootcert=system "
                               "(use \"verify-full\")",
                               modes[c->sslmode]);

    int minv, maxv;
    v = c->opt[PGWI_OPT_SSL_MIN_PROTOCOL_VERSION];
    if (!tls_version(v, &minv))
        return invalid_value(c, "ssl_min_protocol_version", v);
    v = c->opt[PGWI_OPT_SSL_MAX_PROTOCOL_VERSION];
    if (!tls_version(v, &maxv))
        return invalid_value(c, "ssl_max_protocol_version", v);
    if (minv == 0)
        minv = PGW_TLS_1_2;
    if (maxv != 0 && minv > maxv)
        return pgwi_conn_break(c, PGW_E_INVALID, "invalid SSL protocol version range");

    pgw_tls_certmode certmode = PGW_TLS_CERT_ALLOW;
    v = c->opt[PGWI_OPT_SSLCERTMODE];
    if (v != NULL && *v != '\0') {
        if (strcmp(v, "disable") == 0)
            certmode = PGW_TLS_CERT_DISABLE;
        else if (strcmp(v, "allow") == 0)
            certmode = PGW_TLS_CERT_ALLOW;
        else if (strcmp(v, "require") == 0)
            certmode = PGW_TLS_CERT_REQUIRE;
        else
            return invalid_value(c, "sslcertmode", v);
        if (!PGW_HAVE_TLS && certmode == PGW_TLS_CERT_REQUIRE)
            return not_compiled_in(c, "sslcertmode", v);
    }

    v = c->opt[PGWI_OPT_CHANNEL_BINDING];
    c->cbind = PGWI_CB_PREFER;
    if (v != NULL && *v != '\0') {
        if (strcmp(v, "disable") == 0)
            c->cbind = PGWI_CB_DISABLE;
        else if (strcmp(v, "prefer") == 0)
            c->cbind = PGWI_CB_PREFER;
        else if (strcmp(v, "require") == 0)
            c->cbind = PGWI_CB_REQUIRE;
        else
            return invalid_value(c, "channel_binding", v);
    }

    c->has_require_auth = false;
    c->auth_required = false;
    c->allowed_auth = UINT32_MAX;
    v = c->opt[PGWI_OPT_REQUIRE_AUTH];
    if (v != NULL && *v != '\0') {
        pgw_status rc = parse_require_auth(c, v);
        if (rc != PGW_OK)
            return rc;
    }

    /* The TLS session's settings; the PEM pointers are filled in when the
     * session is created (the driver loads the files after this). */
    pgw_tls_config_init(&c->tls_cfg);
    c->tls_cfg.verify = c->sslmode == PGWI_SSL_VERIFY_FULL ? PGW_TLS_VERIFY_FULL
                        : c->sslmode == PGWI_SSL_VERIFY_CA ? PGW_TLS_VERIFY_CA
                                                           : PGW_TLS_VERIFY_NONE;
    c->tls_cfg.root_system = root_system;
    c->tls_cfg.certmode = certmode;
    c->tls_cfg.min_version = minv;
    c->tls_cfg.max_version = maxv;
    v = c->opt[PGWI_OPT_SSLSNI];
    c->tls_cfg.sni = !(v != NULL && strcmp(v, "0") == 0);
    /* libpq 17 offers ALPN on every TLS connection; only direct TLS
     * insists on the server selecting it. */
    c->tls_cfg.alpn = "postgresql";
    c->tls_cfg.alpn_optional = !c->direct_tls;
    c->tls_cfg.allocator = c->a;
    /* disable and allow start in plaintext; the others try TLS first.
     * Without TLS support nothing is ever negotiated (libpq's rule). */
    c->attempt_tls = PGW_HAVE_TLS && c->sslmode >= PGWI_SSL_PREFER;
    return PGW_OK;
}

static const char *request_description(int32_t code)
{
    switch (code) {
    case PGW_AUTH_CLEARTEXT_PASSWORD: return "server requested a cleartext password";
    case PGW_AUTH_MD5_PASSWORD: return "server requested a hashed password";
    case PGW_AUTH_GSS:
    case PGW_AUTH_GSS_CONTINUE: return "server requested GSSAPI authentication";
    case PGW_AUTH_SSPI: return "server requested SSPI authentication";
    case PGW_AUTH_SASL:
    case PGW_AUTH_SASL_CONTINUE:
    case PGW_AUTH_SASL_FINAL: return "server requested SASL authentication";
    default: return "server requested an unknown authentication type";
    }
}

bool pgwi_policy_mech_allowed(const pgw_conn *c, bool oauth)
{
    return !c->has_require_auth || (c->allowed_auth & (oauth ? MECH_OAUTH : MECH_SCRAM)) != 0;
}

pgw_status pgwi_policy_check_request(pgw_conn *c, int32_t code)
{
    if (c->tls_cfg.certmode == PGW_TLS_CERT_REQUIRE && code == PGW_AUTH_OK) {
        if (c->tls == NULL || !pgw_tls_client_cert_requested(c->tls))
            return pgwi_conn_break(c, PGW_E_AUTH, "server did not request an SSL certificate");
        if (!pgw_tls_client_cert_sent(c->tls))
            return pgwi_conn_break(c, PGW_E_AUTH,
                                   "server accepted connection without a valid SSL certificate");
    }
    if (c->has_require_auth) {
        bool ok;
        const char *reason = NULL;
        switch (code) {
        case PGW_AUTH_OK:
            ok = !c->auth_required || c->client_finished_auth;
            if (!ok)
                reason = "server did not complete authentication";
            break;
        case PGW_AUTH_CLEARTEXT_PASSWORD:
        case PGW_AUTH_MD5_PASSWORD:
        case PGW_AUTH_GSS:
        case PGW_AUTH_GSS_CONTINUE:
        case PGW_AUTH_SSPI:
        case PGW_AUTH_SASL:
        case PGW_AUTH_SASL_CONTINUE:
        case PGW_AUTH_SASL_FINAL:
            ok = (c->allowed_auth & AREQ(code)) != 0;
            break;
        default:
            ok = false;
            break;
        }
        if (!ok)
            return pgwi_conn_break(c, PGW_E_AUTH,
                                   "authentication method requirement \"%s\" failed: %s",
                                   c->opt[PGWI_OPT_REQUIRE_AUTH],
                                   reason != NULL ? reason : request_description(code));
    }
    /* channel_binding=require: answer nothing but SASL, and insist that the
     * exchange was bound before accepting AuthenticationOk. */
    if (c->cbind == PGWI_CB_REQUIRE) {
        switch (code) {
        case PGW_AUTH_SASL:
        case PGW_AUTH_SASL_CONTINUE:
        case PGW_AUTH_SASL_FINAL:
            break;
        case PGW_AUTH_OK:
            if (!c->cbind_used || !c->client_finished_auth)
                return pgwi_conn_break(c, PGW_E_AUTH,
                                       "channel binding required, but server authenticated "
                                       "client without channel binding");
            break;
        default:
            return pgwi_conn_break(c, PGW_E_AUTH,
                                   "channel binding required but not supported by server's "
                                   "authentication request");
        }
    }
    return PGW_OK;
}
