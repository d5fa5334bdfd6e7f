/* Startup and authentication: StartupMessage, the authentication
 * exchange (cleartext, MD5, SCRAM-SHA-256 through src/auth), then
 * BackendKeyData and ParameterStatus up to the first ReadyForQuery. */
#include <stdio.h>
#include <strings.h>

#include "conn/conn_int.h"

pgw_status pgwi_startup_build(pgw_conn *c)
{
    const char *names[8], *values[8];
    size_t n = 0;
    const char *user = c->opt[PGWI_OPT_USER];
    if (user == NULL || *user == '\0')
        return pgwi_conn_break(c, PGW_E_INVALID, "no user name given");
    names[n] = "user";
    values[n++] = user;
    if (c->opt[PGWI_OPT_DBNAME] != NULL && *c->opt[PGWI_OPT_DBNAME] != '\0') {
        names[n] = "database";
        values[n++] = c->opt[PGWI_OPT_DBNAME];
    }
    const char *app = c->opt[PGWI_OPT_APPLICATION_NAME];
    if (app == NULL || *app == '\0')
        app = c->opt[PGWI_OPT_FALLBACK_APPLICATION_NAME];
    if (app != NULL && *app != '\0') {
        names[n] = "application_name";
        values[n++] = app;
    }
    const char *enc = c->opt[PGWI_OPT_CLIENT_ENCODING];
    if (enc != NULL && *enc != '\0') {
        /* libpq's "auto" derives the encoding from the locale; pgwire
         * works in UTF-8, so "auto" means UTF8 here. */
        names[n] = "client_encoding";
        values[n++] = strcasecmp(enc, "auto") == 0 ? "UTF8" : enc;
    }
    if (c->opt[PGWI_OPT_OPTIONS] != NULL && *c->opt[PGWI_OPT_OPTIONS] != '\0') {
        names[n] = "options";
        values[n++] = c->opt[PGWI_OPT_OPTIONS];
    }
    size_t at = c->out.len;
    pgw_status rc = pgw_build_startup(&c->out, names, values, n);
    if (rc == PGW_E_INVALID)
        return pgwi_conn_break(c, rc, "startup parameters must not be empty");
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "out of memory");
    /* pgw_build_startup speaks 3.0; the version word follows the length
     * word, so asking for max_protocol_version is a four-byte rewrite. */
    uint32_t v = (uint32_t)c->pversion;
    uint8_t *w = c->out.data + at + 4;
    w[0] = (uint8_t)(v >> 24);
    w[1] = (uint8_t)(v >> 16);
    w[2] = (uint8_t)(v >> 8);
    w[3] = (uint8_t)v;
    return PGW_OK;
}

int32_t pgw_conn_protocol_version(const pgw_conn *c)
{
    if (c == NULL || c->pversion == 0)
        return 0;
    return (c->pversion >> 16) * 10000 + (c->pversion & 0xFFFF);
}

/* NegotiateProtocolVersion as libpq 18 takes it: the server names the
 * newest version it speaks (below what we asked) and the protocol options
 * it does not know. We request no options, so any listed is an error. */
static pgw_status negotiate_version(pgw_conn *c, const pgw_frame *f)
{
    /* The server answers the startup packet with it, before any
     * authentication request; later, or twice, it can only be forged. */
    if (c->pversion_negotiated)
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "received duplicate protocol negotiation message");
    if (c->su != PGWI_SU_AUTH || c->auth_code != -1)
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "unexpected protocol negotiation message after authentication "
                               "started");
    int32_t theirs;
    uint32_t nopt;
    size_t pos;
    if (pgw_parse_negotiate_protocol_version(f, &theirs, &nopt, &pos) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "received invalid protocol negotiation message: malformed message");
    static const char inv[] = "received invalid protocol negotiation message: ";
    /* The field is a whole version word (3 << 16 | minor): the server sends
     * its PG_PROTOCOL_LATEST, whatever the documentation's "minor" says. */
    if (theirs > c->pversion)
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "%sserver requested downgrade to a higher-numbered version", inv);
    if (theirs < PGW_PROTOCOL_3_0)
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "%sserver requested downgrade to pre-3.0 protocol version", inv);
    /* 3.1 was skipped: old PgBouncer releases wrongly claimed it. */
    if (theirs == (3 << 16 | 1))
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "%sserver requested downgrade to non-existent 3.1 protocol version",
                               inv);
    if (theirs == c->pversion && nopt == 0)
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "%sserver negotiated but asks for no changes", inv);
    if (theirs < c->min_pversion)
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "server only supports protocol version %d.%d, but "
                               "min_protocol_version was set to %d.%d",
                               (int)(theirs >> 16), (int)(theirs & 0xFFFF),
                               (int)(c->min_pversion >> 16), (int)(c->min_pversion & 0xFFFF));
    c->pversion = theirs;
    c->pversion_negotiated = true;
    if (nopt > 0) {
        const char *name;
        if (pgw_cstrings_next(f, &pos, &name) != PGW_OK)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "%smessage too short", inv);
        if (strncmp(name, "_pq_.", 5) != 0)
            return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                   "%sserver reported unsupported parameter name without a "
                                   "_pq_. prefix (\"%s\")",
                                   inv, name);
        return pgwi_conn_break(c, PGW_E_PROTOCOL,
                               "%sserver reported an unsupported parameter that was not "
                               "requested (\"%s\")",
                               inv, name);
    }
    return PGW_OK;
}

pgw_status pgw_conn_start(pgw_conn *c)
{
    if (c->state == PGW_CONN_BROKEN)
        return c->err.status;
    if (c->state != PGW_CONN_NEW)
        return PGW_E_STATE;
    c->auth_code = -1;
    /* Set by option validation; 3.0 should a connection skip it. */
    c->pversion = c->max_pversion != 0 ? c->max_pversion : PGW_PROTOCOL_3_0;
    c->pversion_negotiated = false;
    c->state = PGW_CONN_STARTUP;
    c->su = PGWI_SU_AUTH;
    c->startup_sent = false;
    if (c->attempt_tls)
        c->tried_tls = true;
    else
        c->tried_plain = true;
    /* With TLS, the StartupMessage waits until the handshake is done. */
    pgw_status rc = pgwi_tls_begin(c);
    if (rc != PGW_OK)
        return rc;
    if (c->tls_phase == PGWI_TLS_PHASE_OFF) {
        rc = pgwi_startup_build(c);
        if (rc != PGW_OK)
            return rc;
        c->startup_sent = true;
    }
    return PGW_OK;
}

static const char *password_of(const pgw_conn *c)
{
    const char *pw = c->opt[PGWI_OPT_PASSWORD];
    return pw != NULL && *pw != '\0' ? pw : NULL;
}

static pgw_status su_no_password(pgw_conn *c)
{
    /* libpq's text, so scripts matching on it keep working. */
    return pgwi_conn_break(c, PGW_E_AUTH, "fe_sendauth: no password supplied");
}

/* RFC 6750 b64token: the only characters a bearer token may hold, which
 * also keeps it from breaking out of the OAUTHBEARER key/value framing. */
static bool b64token(const char *t, size_t n)
{
    size_t i = 0;
    while (i < n && ((t[i] >= 'A' && t[i] <= 'Z') || (t[i] >= 'a' && t[i] <= 'z') ||
                     (t[i] >= '0' && t[i] <= '9') || strchr("-._~+/", t[i]) != NULL))
        i++;
    if (i == 0)
        return false;
    while (i < n && t[i] == '=')
        i++;
    return i == n;
}

/* SASL OAUTHBEARER (RFC 7628) as PostgreSQL 18 speaks it: one message
 * with the application's bearer token; no channel binding. */
static pgw_status auth_oauth(pgw_conn *c)
{
    if (c->cbind == PGWI_CB_REQUIRE)
        return pgwi_conn_break(c, PGW_E_AUTH,
                               "channel binding is required, but server did not offer an "
                               "authentication method that supports channel binding");
    char token[4096];
    token[0] = '\0';
    pgw_status rc = c->oauth_token(c->oauth_token_ud, token, sizeof token);
    token[sizeof token - 1] = '\0';
    size_t tlen = strlen(token);
    if (rc != PGW_OK || !b64token(token, tlen)) {
        pgwi_wipe(token, sizeof token);
        return pgwi_conn_break(c, PGW_E_AUTH, rc != PGW_OK ? "OAuth token callback failed"
                                                           : "OAuth bearer token is malformed");
    }
    pgw_buf msg;
    pgw_buf_init(&msg, c->a, 0);
    msg.wipe = true;
    /* gs2 header "n,,", then %x01 "auth=Bearer <token>" %x01 %x01. */
    static const char head[] = "n,,\x01" "auth=Bearer ";
    (void)pgw_buf_append(&msg, head, sizeof head - 1);
    (void)pgw_buf_append(&msg, token, tlen);
    (void)pgw_buf_append(&msg, "\x01\x01", 2);
    pgwi_wipe(token, sizeof token);
    rc = pgw_buf_status(&msg);
    if (rc == PGW_OK)
        rc = pgw_build_sasl_initial_response(&c->out, "OAUTHBEARER", msg.data, msg.len);
    pgw_buf_free(&msg);
    if (rc != PGW_OK)
        return pgwi_conn_break(c, rc, "out of memory");
    c->su = PGWI_SU_OAUTH;
    /* Like a password: once the token is out, the client has done its part. */
    c->client_finished_auth = true;
    return PGW_OK;
}

static pgw_status auth_sasl(pgw_conn *c, const uint8_t *data, size_t len)
{
    bool tls = pgw_conn_tls_in_use(c);
    if (c->cbind == PGWI_CB_REQUIRE && !tls)
        return pgwi_conn_break(c, PGW_E_AUTH, "channel binding required, but SSL not in use");
    if (c->scram != NULL)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "duplicate SASL authentication request");
    size_t pos = 0;
    const char *mech;
    bool scram = false, plus = false, oauth = false;
    pgw_status rc;
    while ((rc = pgw_sasl_mechanisms_next(data, len, &pos, &mech)) == PGW_OK) {
        if (strcmp(mech, "SCRAM-SHA-256") == 0)
            scram = true;
        else if (strcmp(mech, "SCRAM-SHA-256-PLUS") == 0)
            plus = true;
        else if (strcmp(mech, "OAUTHBEARER") == 0)
            oauth = true;
    }
    if (rc != PGW_END)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "AuthenticationSASL: malformed mechanism list");
    /* require_auth may allow one SASL mechanism and not the other. */
    bool scram_ok = pgwi_policy_mech_allowed(c, false);
    bool oauth_ok = pgwi_policy_mech_allowed(c, true) && c->oauth_token != NULL;
    if (!scram_ok) {
        scram = plus = false;
    }
    if (oauth && oauth_ok && !scram && !plus)
        return auth_oauth(c);
    if (!scram && !plus && !(oauth && oauth_ok)) {
        if (c->has_require_auth && !pgwi_policy_mech_allowed(c, oauth))
            /* libpq's wording names SASL, whatever the mechanism. */
            return pgwi_conn_break(c, PGW_E_AUTH,
                                   "authentication method requirement \"%s\" failed: server "
                                   "requested SASL authentication",
                                   c->opt[PGWI_OPT_REQUIRE_AUTH]);
        if (oauth)
            return pgwi_conn_break(c, PGW_E_AUTH,
                                   "server requested OAuth authentication, but no token source "
                                   "was configured (pgw_conn_options.oauth_token)");
    }
    /* PLUS over plaintext means TLS was stripped on the way (a proxy, or an
     * attacker): the server would refuse an unbound exchange anyway. */
    if (plus && !tls)
        return pgwi_conn_break(c, PGW_E_AUTH,
                               "server offered SCRAM-SHA-256-PLUS authentication over a "
                               "non-SSL connection");
    pgw_scram_options so;
    pgw_scram_options_init(&so);
    so.max_iterations = c->scram_max_iterations;
    uint8_t cbdata[64];
    size_t cblen = 0;
    const char *use = NULL;
    if (plus && c->cbind != PGWI_CB_DISABLE) {
        rc = pgw_tls_server_end_point(c->tls, cbdata, sizeof cbdata, &cblen);
        if (rc == PGW_OK) {
            use = "SCRAM-SHA-256-PLUS";
            so.cbind = PGW_SCRAM_CBIND_TLS_ENDPOINT;
            so.cbind_data = cbdata;
            so.cbind_len = cblen;
        } else if (c->cbind == PGWI_CB_REQUIRE) {
            /* No defined hash for the certificate's signature (Ed25519,
             * Ed448): binding would be meaningless, so fail closed. */
            return pgwi_conn_break(c, PGW_E_AUTH,
                                   "channel binding is required, but the server certificate's "
                                   "signature algorithm has no tls-server-end-point hash");
        }
    }
    if (use == NULL && scram) {
        use = "SCRAM-SHA-256";
        /* "y": we could bind, the server did not offer it. When the server
         * did offer PLUS but binding is disabled or impossible, "n" is the
         * only flag it will accept. */
        so.cbind = tls && !plus ? PGW_SCRAM_CBIND_UNUSED : PGW_SCRAM_CBIND_NONE;
    }
    if (use == NULL)
        return pgwi_conn_break(c, PGW_E_AUTH,
                               "none of the server's SASL authentication mechanisms are supported");
    if (c->cbind == PGWI_CB_REQUIRE && so.cbind != PGW_SCRAM_CBIND_TLS_ENDPOINT)
        return pgwi_conn_break(c, PGW_E_AUTH,
                               "channel binding is required, but server did not offer an "
                               "authentication method that supports channel binding");
    const char *pw = password_of(c);
    if (pw == NULL)
        return su_no_password(c);
    pgw_buf first;
    pgw_buf_init(&first, c->a, 0);
    first.wipe = true;
    rc = pgw_scram_begin(&c->scram, c->a, pw, strlen(pw), &so, &first);
    pgwi_wipe(cbdata, sizeof cbdata);
    if (rc == PGW_OK)
        rc = pgw_build_sasl_initial_response(&c->out, use, first.data, first.len);
    pgw_buf_free(&first);
    if (rc == PGW_E_NOMEM)
        return pgwi_conn_break(c, rc, "out of memory");
    if (rc != PGW_OK)
        return pgwi_conn_break(c, PGW_E_AUTH, "could not start SCRAM authentication: %s",
                               pgw_status_str(rc));
    c->cbind_used = so.cbind == PGW_SCRAM_CBIND_TLS_ENDPOINT;
    c->su = PGWI_SU_SASL;
    return PGW_OK;
}

static pgw_status auth_request(pgw_conn *c, const pgw_frame *f)
{
    int32_t code;
    const uint8_t *data;
    size_t len;
    if (pgw_parse_authentication(f, &code, &data, &len) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_PROTOCOL, "Authentication: malformed message");
    /* require_auth, channel_binding and sslcertmode decide before any
     * answer (above all, any password byte) leaves the client. */
    pgw_status rc = pgwi_policy_check_request(c, code);
    if (rc != PGW_OK)
        return rc;
    switch (code) {
    case PGW_AUTH_OK:
        /* A server (or a man in the middle) must not skip the end of a
         * SCRAM exchange: only a verified server signature proves it knew
         * the password. */
        if (c->su == PGWI_SU_SASL || c->su == PGWI_SU_OAUTH_FAILED)
            return pgwi_conn_break(c, PGW_E_AUTH,
                                   "server sent AuthenticationOk before completing the SASL "
                                   "exchange");
        if (c->su == PGWI_SU_OAUTH)
            c->auth_method = "oauth";
        if (c->su == PGWI_SU_AFTER_AUTH)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected second AuthenticationOk");
        if (c->su == PGWI_SU_AUTH && c->auth_method == NULL) {
            /* Let in without being asked (trust, cert, peer). */
            c->auth_code = PGW_AUTH_OK;
            c->auth_method = "none";
        }
        c->su = PGWI_SU_AFTER_AUTH;
        pgw_scram_free(c->scram);
        c->scram = NULL;
        return PGW_OK;
    case PGW_AUTH_CLEARTEXT_PASSWORD: {
        if (c->su != PGWI_SU_AUTH)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected authentication request");
        const char *pw = password_of(c);
        if (pw == NULL)
            return su_no_password(c);
        rc = pgw_build_password(&c->out, pw, strlen(pw));
        if (rc != PGW_OK)
            return pgwi_conn_break(c, rc, "could not send password: %s", pgw_status_str(rc));
        c->auth_code = code;
        c->auth_method = "password";
        c->client_finished_auth = true;
        return PGW_OK;
    }
    case PGW_AUTH_MD5_PASSWORD: {
        if (c->su != PGWI_SU_AUTH)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected authentication request");
        const char *pw = password_of(c);
        if (pw == NULL)
            return su_no_password(c);
        const char *user = c->opt[PGWI_OPT_USER];
        char hash[36];
        rc = pgw_md5_password(user, strlen(user), pw, strlen(pw), data, hash);
        if (rc == PGW_OK)
            rc = pgw_build_password(&c->out, hash, strlen(hash));
        pgwi_wipe(hash, sizeof hash);
        if (rc != PGW_OK)
            return pgwi_conn_break(c, rc, "could not send MD5 password: %s", pgw_status_str(rc));
        c->auth_code = code;
        c->auth_method = "md5";
        c->client_finished_auth = true;
        return PGW_OK;
    }
    case PGW_AUTH_SASL:
        if (c->su != PGWI_SU_AUTH)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected authentication request");
        c->auth_code = code;
        return auth_sasl(c, data, len);
    case PGW_AUTH_SASL_CONTINUE: {
        if (c->su == PGWI_SU_OAUTH) {
            /* The token was refused; the server described why in JSON we
             * do not trust or show. RFC 7628 asks for a lone %x01 reply,
             * after which the server reports the failure. */
            if (pgw_build_sasl_response(&c->out, (const uint8_t *)"\x01", 1) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
            c->su = PGWI_SU_OAUTH_FAILED;
            return PGW_OK;
        }
        if (c->su != PGWI_SU_SASL || c->scram == NULL)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected AuthenticationSASLContinue");
        pgw_buf fin;
        pgw_buf_init(&fin, c->a, 0);
        rc = pgw_scram_continue(c->scram, data, len, &fin);
        if (rc == PGW_OK) {
            rc = pgw_build_sasl_response(&c->out, fin.data, fin.len);
            if (rc != PGW_OK)
                rc = pgwi_conn_break(c, rc, "could not send SASLResponse: %s", pgw_status_str(rc));
        } else if (rc == PGW_E_NOMEM) {
            rc = pgwi_conn_break(c, rc, "out of memory");
        } else {
            /* Every other failure, the crypto backend's included, ends the
             * exchange: the server waits for an answer we cannot give. */
            const char *why = pgw_scram_error(c->scram);
            rc = pgwi_conn_break(c, PGW_E_AUTH, "SCRAM: %s",
                                 why[0] != '\0' ? why : pgw_status_str(rc));
        }
        if (fin.data != NULL)
            pgwi_wipe(fin.data, fin.cap);
        pgw_buf_free(&fin);
        return rc;
    }
    case PGW_AUTH_SASL_FINAL:
        if (c->su == PGWI_SU_OAUTH) {
            /* OAUTHBEARER has no server-final data; accept an empty one. */
            if (len != 0)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "unexpected data in AuthenticationSASLFinal for OAUTHBEARER");
            return PGW_OK;
        }
        if (c->su != PGWI_SU_SASL || c->scram == NULL)
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected AuthenticationSASLFinal");
        rc = pgw_scram_finish(c->scram, data, len);
        if (rc != PGW_OK) {
            const char *why = pgw_scram_error(c->scram);
            return pgwi_conn_break(c, PGW_E_AUTH, "SCRAM: %s",
                                   why[0] != '\0' ? why : pgw_status_str(rc));
        }
        c->su = PGWI_SU_SASL_FINAL;
        c->client_finished_auth = true;
        c->auth_method = c->cbind_used ? "scram-sha-256-plus" : "scram-sha-256";
        return PGW_OK;
    case PGW_AUTH_KERBEROS_V5:
        return pgwi_conn_break(c, PGW_E_UNSUPPORTED, "Kerberos 5 authentication not supported");
    case PGW_AUTH_GSS:
    case PGW_AUTH_GSS_CONTINUE:
        return pgwi_conn_break(c, PGW_E_UNSUPPORTED, "GSSAPI authentication not supported");
    case PGW_AUTH_SSPI:
        return pgwi_conn_break(c, PGW_E_UNSUPPORTED, "SSPI authentication not supported");
    default:
        return pgwi_conn_break(c, PGW_E_UNSUPPORTED, "authentication method %d not supported",
                               (int)code);
    }
}

pgw_status pgwi_startup_step(pgw_conn *c)
{
    if (c->tls_phase == PGWI_TLS_PHASE_REQUESTED || c->tls_phase == PGWI_TLS_PHASE_HANDSHAKE) {
        pgw_status rc = pgwi_tls_step(c);
        if (rc != PGW_OK)
            return rc;
        if (c->tls_phase == PGWI_TLS_PHASE_HANDSHAKE || c->tls_phase == PGWI_TLS_PHASE_REQUESTED)
            return pgwi_conn_want(c);
    }
    if (!c->startup_sent) {
        pgw_status rc = pgwi_startup_build(c);
        if (rc != PGW_OK)
            return rc;
        c->startup_sent = true;
    }
    for (;;) {
        pgw_frame f;
        size_t used;
        pgw_status rc = pgwi_conn_peek(c, &f, &used);
        if (rc == PGW_WANT_READ)
            return pgwi_conn_want(c);
        if (rc != PGW_OK)
            return rc;
        pgwi_conn_consume(c, used);
        switch (f.tag) {
        case PGW_BE_AUTHENTICATION:
            if (c->su == PGWI_SU_AFTER_AUTH)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "unexpected authentication request after AuthenticationOk");
            rc = auth_request(c, &f);
            if (rc != PGW_OK)
                return rc;
            break;
        case PGW_BE_ERROR_RESPONSE: {
            /* Errors during startup end the connection. Authentication
             * failures (SQLSTATE class 28) are reported as such. */
            rc = pgwi_conn_server_error(c, &f, PGW_E_SERVER);
            if (rc != PGW_E_SERVER)
                return rc;
            if (strncmp(c->err.sqlstate, "28", 2) == 0)
                c->err.status = PGW_E_AUTH;
            /* libpq's allow/prefer: a server that refuses this attempt may
             * accept the other kind (pg_hba hostssl/hostnossl lines). */
            if ((c->sslmode == PGWI_SSL_PREFER && pgw_conn_tls_in_use(c) && !c->tried_plain) ||
                (c->sslmode == PGWI_SSL_ALLOW && !pgw_conn_tls_in_use(c) && !c->tried_tls))
                c->retry_other = true;
            c->state = PGW_CONN_BROKEN;
            c->tx = 0;
            return c->err.status;
        }
        case PGW_BE_NEGOTIATE_PROTOCOL_VERSION:
            rc = negotiate_version(c, &f);
            if (rc != PGW_OK)
                return rc;
            break;
        case PGW_BE_BACKEND_KEY_DATA: {
            if (c->su != PGWI_SU_AFTER_AUTH)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "BackendKeyData received before authentication completed");
            /* The key is the rest of the body, so its length is checked
             * here, with libpq 18's texts: exactly 4 bytes under 3.0,
             * 4..256 from 3.2 on. */
            if (f.len < 4)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "BackendKeyData: malformed message");
            size_t klen = f.len - 4;
            static const char inv[] = "received invalid BackendKeyData message: cancel key with "
                                      "length";
            if (klen != 4 && c->pversion == PGW_PROTOCOL_3_0)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "%s %zu not allowed in protocol version 3.0 (must be 4 "
                                       "bytes)",
                                       inv, klen);
            if (klen < 4)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "%s %zu is too short (minimum 4 bytes)",
                                       inv, klen);
            if (klen > sizeof c->cancel_key)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "%s %zu is too long (maximum 256 bytes)",
                                       inv, klen);
            const uint8_t *key;
            if (pgw_parse_backend_key_data(&f, &c->backend_pid, &key, &klen) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "BackendKeyData: malformed message");
            memcpy(c->cancel_key, key, klen);
            c->cancel_key_len = klen;
            break;
        }
        case PGW_BE_READY_FOR_QUERY: {
            if (c->su != PGWI_SU_AFTER_AUTH)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "ReadyForQuery received before authentication completed");
            char st;
            if (pgw_parse_ready_for_query(&f, &st) != PGW_OK)
                return pgwi_conn_break(c, PGW_E_PROTOCOL, "ReadyForQuery: malformed message");
            c->tx = st;
            c->state = PGW_CONN_IDLE;
            /* Authentication messages went out and were wiped as they were
             * consumed; queries need no wiping (it would cost a memset on
             * every message sent). */
            if (c->out.len == 0)
                c->out.wipe = false;
            /* The password is no longer needed on this connection's wire,
             * but io may need it for the next address; it is wiped at free. */
            return PGW_OK;
        }
        default:
            rc = pgwi_conn_async(c, &f);
            if (rc == PGW_END)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "unexpected message type 0x%02x during startup", f.tag);
            if (rc != PGW_OK)
                return rc;
            break;
        }
    }
}
