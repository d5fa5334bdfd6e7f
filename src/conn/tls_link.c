/* TLS between the byte pump and the protocol: SSLRequest and its one-byte
 * answer (or direct TLS with ALPN), the handshake, and afterwards every
 * byte in and out through the sans-IO TLS session (src/tls). */
#include "conn/conn_int.h"

/* Ciphertext the driver reads at a time when TLS is up. */
#define RX_SCRATCH 65536

void pgwi_tls_reset(pgw_conn *c)
{
    pgw_tls_free(c->tls);
    c->tls = NULL;
    c->tls_phase = PGWI_TLS_PHASE_OFF;
    c->tls_closing = false;
}

static pgw_status tls_create(pgw_conn *c)
{
    pgw_tls_config cfg = c->tls_cfg;
    cfg.host = c->opt[PGWI_OPT_HOST];
    if (cfg.host != NULL && cfg.host[0] == '/')
        cfg.host = NULL; /* a socket directory names no server */
    if (cfg.host == NULL || cfg.host[0] == '\0')
        cfg.host = c->opt[PGWI_OPT_HOSTADDR];
    cfg.root_pem = c->pem[PGWI_PEM_ROOT];
    cfg.root_pem_len = c->pem_len[PGWI_PEM_ROOT];
    cfg.cert_pem = c->pem[PGWI_PEM_CERT];
    cfg.cert_pem_len = c->pem_len[PGWI_PEM_CERT];
    cfg.key_pem = c->pem[PGWI_PEM_KEY];
    cfg.key_pem_len = c->pem_len[PGWI_PEM_KEY];
    cfg.crl_pem = c->pem[PGWI_PEM_CRL];
    cfg.crl_pem_len = c->pem_len[PGWI_PEM_CRL];
    cfg.key_password = c->opt[PGWI_OPT_SSLPASSWORD];
    /* File names for messages, as libpq words them. */
    cfg.root_name = c->pem_name[PGWI_PEM_ROOT];
    cfg.cert_name = c->pem_name[PGWI_PEM_CERT];
    cfg.key_name = c->pem_name[PGWI_PEM_KEY];
    cfg.crl_name = c->pem_name[PGWI_PEM_CRL];
    cfg.ssl_ctx = c->ssl_ctx;
    /* libpq: with sslmode=require, a root certificate that is present makes
     * the connection verify the chain (verify-ca). */
    if (c->sslmode == PGWI_SSL_REQUIRE && (cfg.root_pem != NULL || cfg.root_system))
        cfg.verify = PGW_TLS_VERIFY_CA;
    /* sslcertmode=require is judged at AuthenticationOk, as libpq does, so
     * the session itself only needs to know whether to send one. */
    if (cfg.certmode == PGW_TLS_CERT_REQUIRE)
        cfg.certmode = PGW_TLS_CERT_ALLOW;
    char err[512];
    err[0] = '\0';
    pgw_status rc = pgw_tls_new(&c->tls, &cfg, err, sizeof err);
    if (rc == PGW_E_NOMEM)
        return pgwi_conn_break(c, rc, "out of memory");
    if (rc != PGW_OK) {
        return pgwi_conn_break(c, rc == PGW_E_UNSUPPORTED ? rc : PGW_E_TLS, "%s",
                               err[0] ? err : "could not create the SSL context");
    }
    c->tls_phase = PGWI_TLS_PHASE_HANDSHAKE;
    return PGW_OK;
}

pgw_status pgwi_tls_begin(pgw_conn *c)
{
    pgwi_tls_reset(c);
    if (!c->attempt_tls)
        return PGW_OK;
    c->tried_tls = true;
    if (c->direct_tls)
        return tls_create(c);
    if (pgw_build_ssl_request(&c->out) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    c->tls_phase = PGWI_TLS_PHASE_REQUESTED;
    return PGW_OK;
}

/* Move decrypted application data into the protocol input buffer. */
static pgw_status drain_plaintext(pgw_conn *c)
{
    for (;;) {
        pgw_status rc = pgw_buf_reserve(&c->in, 16384);
        if (rc != PGW_OK)
            return pgwi_conn_break(c, rc, rc == PGW_E_TOO_LARGE ? "input buffer limit exceeded"
                                                                : "out of memory");
        size_t got = 0;
        rc = pgw_tls_read(c->tls, c->in.data + c->in.len, c->in.cap - c->in.len, &got);
        if (rc == PGW_OK) {
            c->in.len += got;
            continue;
        }
        if (rc == PGW_WANT_READ)
            return PGW_OK;
        if (rc == PGW_E_CLOSED) {
            /* close_notify: an orderly end, like EOF on a plain socket. */
            c->eof = true;
            return PGW_OK;
        }
        return pgwi_conn_break(c, PGW_E_TLS, "%s", pgw_tls_errmsg(c->tls));
    }
}

pgw_status pgwi_tls_input(pgw_conn *c, const uint8_t *p, size_t n)
{
    if (pgw_tls_feed(c->tls, p, n) != PGW_OK)
        return pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
    if (c->tls_phase == PGWI_TLS_PHASE_UP)
        return drain_plaintext(c);
    return PGW_OK;
}

pgw_status pgwi_tls_step(pgw_conn *c)
{
    if (c->tls_phase == PGWI_TLS_PHASE_REQUESTED) {
        size_t avail = c->in.len - c->in_off;
        if (avail == 0) {
            if (c->eof)
                return pgwi_conn_break(c, PGW_E_CLOSED,
                                       "server closed the connection unexpectedly\n"
                                       "\tThis probably means the server terminated abnormally\n"
                                       "\tbefore or while processing the request.");
            return pgwi_conn_want(c);
        }
        uint8_t answer = c->in.data[c->in_off];
        c->in_off++;
        switch (answer) {
        case 'S':
            /* Anything after 'S' arrived before TLS protected it: a man in
             * the middle may have stuffed it in (CVE-2021-23222). */
            if (c->in.len > c->in_off)
                return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                       "received unencrypted data after SSL response");
            pgw_status rc = tls_create(c);
            if (rc != PGW_OK)
                return rc;
            break;
        case 'N':
            if (c->sslmode >= PGWI_SSL_REQUIRE)
                return pgwi_conn_break(c, PGW_E_TLS,
                                       "server does not support SSL, but SSL was required");
            /* prefer: go on in plaintext on this same connection. */
            c->tls_phase = PGWI_TLS_PHASE_OFF;
            c->tried_plain = true;
            return PGW_OK;
        case 'E':
            /* An error before the server has proven anything: its text is
             * not trusted or shown, and no plaintext retry follows
             * (CVE-2024-10977). */
            return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                   "server sent an error response during SSL exchange");
        default:
            return pgwi_conn_break(c, PGW_E_PROTOCOL,
                                   "received invalid response to SSL negotiation: %c",
                                   answer >= 0x20 && answer < 0x7f ? answer : '?');
        }
    }
    if (c->tls_phase == PGWI_TLS_PHASE_HANDSHAKE) {
        pgw_status rc = pgw_tls_handshake(c->tls);
        if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE) {
            if (c->eof)
                return pgwi_conn_break(c, PGW_E_CLOSED,
                                       "server closed the connection during the SSL handshake");
            return pgwi_tls_output_pending(c) ? PGW_WANT_WRITE : PGW_WANT_READ;
        }
        if (rc != PGW_OK) {
            /* prefer may retry without TLS on a new connection (libpq). */
            c->retry_other = c->sslmode == PGWI_SSL_PREFER;
            pgwi_conn_break(c, PGW_E_TLS, "%s", pgw_tls_errmsg(c->tls));
            c->err.ssl_err = pgw_tls_ssl_error(c->tls);
            return PGW_E_TLS;
        }
        c->tls_phase = PGWI_TLS_PHASE_UP;
        /* Application data may have come with the last handshake flight. */
        rc = drain_plaintext(c);
        if (rc != PGW_OK)
            return rc;
    }
    return PGW_OK;
}

bool pgwi_tls_output_pending(pgw_conn *c)
{
    const uint8_t *p;
    return c->tls != NULL && (c->out.len > 0 || pgw_tls_output(c->tls, &p) > 0);
}

size_t pgwi_tls_output(pgw_conn *c, const uint8_t **p)
{
    if (c->tls_phase == PGWI_TLS_PHASE_UP && c->out.len > 0) {
        if (pgw_tls_write(c->tls, c->out.data, c->out.len) != PGW_OK) {
            pgwi_conn_break(c, PGW_E_TLS, "%s", pgw_tls_errmsg(c->tls));
            *p = NULL;
            return 0;
        }
        pgw_buf_consume(&c->out, c->out.len); /* wipes */
    }
    if (c->tls_phase == PGWI_TLS_PHASE_UP && c->terminating && !c->tls_closing && c->out.len == 0) {
        c->tls_closing = true;
        (void)pgw_tls_close(c->tls);
    }
    return pgw_tls_output(c->tls, p);
}

void pgwi_tls_output_done(pgw_conn *c, size_t n)
{
    pgw_tls_output_done(c->tls, n);
}

/* ---- the driver's zero-copy read path, with TLS in the way ------------- */

uint8_t *pgwi_tls_rx_space(pgw_conn *c, size_t *avail);
uint8_t *pgwi_tls_rx_space(pgw_conn *c, size_t *avail)
{
    if (c->rx_scratch == NULL) {
        c->rx_scratch = pgwi_alloc(c->a, RX_SCRATCH);
        if (c->rx_scratch == NULL) {
            pgwi_conn_break(c, PGW_E_NOMEM, "out of memory");
            return NULL;
        }
        c->rx_scratch_len = RX_SCRATCH;
    }
    *avail = c->rx_scratch_len;
    return c->rx_scratch;
}

/* What step() answers when the engine needs input: WANT_WRITE while
 * output is pending (the server may be waiting for it), else WANT_READ. */
pgw_status pgwi_conn_want(pgw_conn *c)
{
    if (c->tls != NULL)
        return pgwi_tls_output_pending(c) ? PGW_WANT_WRITE : PGW_WANT_READ;
    return c->out.len > 0 ? PGW_WANT_WRITE : PGW_WANT_READ;
}
