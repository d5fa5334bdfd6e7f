/* The session: the byte pump around OpenSSL's memory BIOs, the handshake
 * and the checks after it, reads, writes, close_notify.
 *
 * Why memory BIOs and not a BIO pair: a memory BIO grows, so OpenSSL never
 * answers WANT_WRITE and never holds back a record because its buffer is
 * full; the only thing it ever waits for is ciphertext from the server.
 * Ciphertext it produces is moved into our own buffer (allocated through
 * the caller's allocator) right after each call, so pgw_tls_output() can
 * hand out one contiguous view and partial sends cost no copying.
 *
 * No deadlock with large records: SSL_read_ex returns WANT_READ only when
 * the records fed so far are all consumed, whatever their size and however
 * they were split across pgw_tls_feed() calls. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "common/common_int.h"
#include "tls/tls_int.h"

static pgw_status fail(pgw_tls *t, pgw_status status)
{
    t->state = PGWI_TLS_FAILED;
    t->failure = status;
    return status;
}

static pgw_status fail_nomem(pgw_tls *t)
{
    pgwi_tls_msg(t, "out of memory");
    return fail(t, PGW_E_NOMEM);
}

static const char *version_text(int v)
{
    switch (v) {
    case PGW_TLS_1_0:
        return "TLSv1";
    case PGW_TLS_1_1:
        return "TLSv1.1";
    case PGW_TLS_1_2:
        return "TLSv1.2";
    default:
        return "TLSv1.3";
    }
}

/* The message for an SSL_ERROR_SSL from the handshake: libpq's, with the
 * verification result spelled out (libpq stops at "certificate verify
 * failed") and its protocol-range hint folded into the same line. */
static void handshake_error(pgw_tls *t, unsigned long code)
{
    char num[48];
    const char *reason = pgwi_tls_reason(code, num, sizeof num);
    int lib = ERR_GET_LIB(code);
    int r = ERR_GET_REASON(code);
    long vr = SSL_get_verify_result(t->ssl);
    if (lib == ERR_LIB_SSL && r == SSL_R_CERTIFICATE_VERIFY_FAILED && vr != X509_V_OK) {
        pgwi_tls_msg(t, "SSL error: %s: %s", reason, X509_verify_cert_error_string(vr));
        return;
    }
    if (lib == ERR_LIB_SSL) {
        switch (r) {
        case SSL_R_NO_PROTOCOLS_AVAILABLE:
        case SSL_R_UNSUPPORTED_PROTOCOL:
        case SSL_R_BAD_PROTOCOL_VERSION_NUMBER:
        case SSL_R_UNKNOWN_PROTOCOL:
        case SSL_R_UNKNOWN_SSL_VERSION:
        case SSL_R_UNSUPPORTED_SSL_VERSION:
        case SSL_R_WRONG_SSL_VERSION:
        case SSL_R_WRONG_VERSION_NUMBER:
        case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
        case SSL_R_VERSION_TOO_HIGH:
        case SSL_R_VERSION_TOO_LOW:
            pgwi_tls_msg(t,
                         "SSL error: %s (this may indicate that the server does not support "
                         "any SSL protocol version between %s and %s)",
                         reason, version_text(t->min_version), version_text(t->max_version));
            return;
        default:
            break;
        }
    }
    pgwi_tls_msg(t, "SSL error: %s", reason);
}

/* The outcome of an SSL call that did not succeed: WANT_READ is progress,
 * everything else is a sticky failure with libpq's message. */
static pgw_status ssl_failure(pgw_tls *t, int err, unsigned long code, bool handshake)
{
    switch (err) {
    case SSL_ERROR_WANT_READ:
        return PGW_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        /* A memory BIO never refuses bytes; treat it like WANT_READ's
         * sibling so the caller drains output and calls again. */
        return PGW_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        t->peer_closed = true;
        pgwi_tls_msg(t, "SSL connection has been closed unexpectedly");
        if (handshake)
            return fail(t, PGW_E_TLS);
        return PGW_E_CLOSED;
    case SSL_ERROR_SSL:
        t->ssl_err = code;
        if (ERR_GET_REASON(code) == ERR_R_MALLOC_FAILURE)
            return fail_nomem(t);
        if (handshake) {
            handshake_error(t, code);
        } else {
            char num[48];
            pgwi_tls_msg(t, "SSL error: %s", pgwi_tls_reason(code, num, sizeof num));
        }
        return fail(t, PGW_E_TLS);
    case SSL_ERROR_SYSCALL:
        /* Only a BIO can report this, and ours never fail but for memory. */
        t->ssl_err = code;
        pgwi_tls_msg(t, "SSL SYSCALL error: EOF detected");
        return fail(t, PGW_E_TLS);
    default:
        t->ssl_err = code;
        pgwi_tls_msg(t, "unrecognized SSL error code: %d", err);
        return fail(t, PGW_E_TLS);
    }
}

/* ---- the output buffer ------------------------------------------------ */

static size_t out_pending(const pgw_tls *t)
{
    return t->out.len - t->out_off;
}

/* Move what OpenSSL wrote into the memory BIO to our output buffer. */
static pgw_status collect_output(pgw_tls *t)
{
    for (;;) {
        size_t n = BIO_ctrl_pending(t->wbio);
        if (n == 0)
            return PGW_OK;
        if (t->out_off > 0 && (t->out_off > PGWI_TLS_OUT_COMPACT || t->out_off > t->out.len / 2)) {
            pgw_buf_consume(&t->out, t->out_off);
            t->out_off = 0;
        }
        if (pgw_buf_reserve(&t->out, n) != PGW_OK)
            return PGW_E_NOMEM;
        size_t got = 0;
        if (BIO_read_ex(t->wbio, t->out.data + t->out.len, n, &got) != 1 || got == 0) {
            ERR_clear_error();
            return PGW_E_NOMEM;
        }
        t->out.len += got;
    }
}

size_t pgw_tls_output(pgw_tls *t, const uint8_t **p)
{
    if (p != NULL)
        *p = NULL;
    if (t == NULL || p == NULL)
        return 0;
    size_t n = out_pending(t);
    if (n > 0)
        *p = t->out.data + t->out_off;
    return n;
}

void pgw_tls_output_done(pgw_tls *t, size_t n)
{
    if (t == NULL)
        return;
    size_t left = out_pending(t);
    t->out_off += n < left ? n : left;
    if (t->out_off == t->out.len) {
        t->out.len = 0;
        t->out_off = 0;
    }
}

/* ---- lifecycle -------------------------------------------------------- */

bool pgw_tls_supported(void)
{
    return true;
}

void pgw_tls_config_init(pgw_tls_config *cfg)
{
    if (cfg == NULL)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->size = sizeof *cfg;
    cfg->verify = PGW_TLS_VERIFY_NONE;
    cfg->sni = true;
    cfg->certmode = PGW_TLS_CERT_ALLOW;
}

static void copy_error(char *errbuf, size_t errlen, const char *msg)
{
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "%s", msg);
}

pgw_status pgw_tls_new(pgw_tls **out, const pgw_tls_config *cfg, char *errbuf, size_t errlen)
{
    copy_error(errbuf, errlen, "");
    if (out == NULL)
        return PGW_E_INVALID;
    *out = NULL;
    if (cfg == NULL) {
        copy_error(errbuf, errlen, "no TLS configuration given");
        return PGW_E_INVALID;
    }
    /* A caller compiled against an older header passes a smaller struct;
     * the fields it does not know keep their defaults. */
    pgw_tls_config c;
    pgw_tls_config_init(&c);
    memcpy(&c, cfg, cfg->size != 0 && cfg->size < sizeof c ? cfg->size : sizeof c);
    c.size = sizeof c;

    pgw_tls *t = pgwi_alloc(c.allocator, sizeof *t);
    if (t == NULL) {
        copy_error(errbuf, errlen, "out of memory");
        return PGW_E_NOMEM;
    }
    memset(t, 0, sizeof *t);
    if (c.allocator != NULL) {
        t->alloc_copy = *c.allocator;
        t->a = &t->alloc_copy;
    }
    pgw_buf_init(&t->out, t->a, 0);
    t->state = PGWI_TLS_NEW;

    pgw_status rc = PGW_OK;
    if (c.host != NULL) {
        t->host_len = strlen(c.host);
        t->host = pgwi_strndup(t->a, c.host, t->host_len);
        if (t->host == NULL) {
            pgwi_tls_msg(t, "out of memory");
            rc = PGW_E_NOMEM;
        }
    }
    if (rc == PGW_OK)
        rc = pgwi_tls_configure(t, &c);
    if (rc != PGW_OK) {
        copy_error(errbuf, errlen, t->errmsg);
        pgw_tls_free(t);
        return rc;
    }
    *out = t;
    return PGW_OK;
}

void pgw_tls_free(pgw_tls *t)
{
    if (t == NULL)
        return;
    /* SSL_free also frees the BIOs and drops the context reference. */
    SSL_free(t->ssl);
    ERR_clear_error();
    pgw_buf_free(&t->out);
    if (t->host != NULL)
        pgwi_free(t->a, t->host, t->host_len + 1);
    const pgw_allocator *a = t->a;
    pgw_allocator copy = t->alloc_copy;
    if (a != NULL)
        a = &copy; /* t->alloc_copy dies with t */
    pgwi_free(a, t, sizeof *t);
}

pgw_status pgw_tls_feed(pgw_tls *t, const uint8_t *p, size_t n)
{
    if (t == NULL || (p == NULL && n > 0))
        return PGW_E_INVALID;
    if (t->state == PGWI_TLS_FAILED)
        return t->failure;
    while (n > 0) {
        size_t done = 0;
        ERR_clear_error();
        if (BIO_write_ex(t->rbio, p, n, &done) != 1 || done == 0) {
            t->ssl_err = pgwi_tls_take_error();
            return fail_nomem(t);
        }
        p += done;
        n -= done;
    }
    return PGW_OK;
}

/* ---- the handshake ---------------------------------------------------- */

/* What libpq checks once OpenSSL says the handshake is complete. */
static pgw_status after_handshake(pgw_tls *t)
{
    if (t->alpn_len > 0) {
        const unsigned char *sel = NULL;
        unsigned int len = 0;
        SSL_get0_alpn_selected(t->ssl, &sel, &len);
        if (sel == NULL || len == 0) {
            if (!t->alpn_optional) {
                pgwi_tls_msg(t, "direct SSL connection was established without ALPN protocol "
                                "negotiation extension");
                return fail(t, PGW_E_TLS);
            }
        } else if (len != t->alpn_len || memcmp(sel, t->alpn, len) != 0) {
            pgwi_tls_msg(t, "SSL connection was established with unexpected ALPN protocol");
            return fail(t, PGW_E_TLS);
        }
    }

    X509 *peer = SSL_get0_peer_certificate(t->ssl);
    if (peer == NULL) {
        char num[48];
        unsigned long code = pgwi_tls_take_error();
        t->ssl_err = code;
        pgwi_tls_msg(t, "certificate could not be obtained: %s",
                     pgwi_tls_reason(code, num, sizeof num));
        return fail(t, PGW_E_TLS);
    }
    if (t->verify == PGW_TLS_VERIFY_FULL &&
        pgwi_tls_verify_host(peer, t->host, t->errmsg, sizeof t->errmsg) != 1)
        return fail(t, PGW_E_TLS);

    /* libpq checks this when AuthenticationOk arrives; checking it now
     * fails before any password or SASL message is sent. */
    if (t->certmode == PGW_TLS_CERT_REQUIRE) {
        if (!t->cert_requested) {
            pgwi_tls_msg(t, "server did not request an SSL certificate");
            return fail(t, PGW_E_TLS);
        }
        if (!t->cert_sent) {
            pgwi_tls_msg(t, "server accepted connection without a valid SSL certificate");
            return fail(t, PGW_E_TLS);
        }
    }
    return PGW_OK;
}

pgw_status pgw_tls_handshake(pgw_tls *t)
{
    if (t == NULL)
        return PGW_E_INVALID;
    if (t->state == PGWI_TLS_FAILED)
        return t->failure;
    if (t->state == PGWI_TLS_UP)
        return PGW_OK;

    ERR_clear_error();
    int r = SSL_do_handshake(t->ssl);
    int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
    unsigned long code = r == 1 ? 0 : ERR_get_error();
    ERR_clear_error();
    /* Always, even on failure: the alert explaining it is worth sending. */
    if (collect_output(t) != PGW_OK)
        return fail_nomem(t);

    if (r != 1) {
        pgw_status rc = ssl_failure(t, err, code, true);
        if (rc == PGW_WANT_READ && out_pending(t) > 0)
            return PGW_WANT_WRITE;
        return rc;
    }
    pgw_status rc = after_handshake(t);
    if (rc != PGW_OK)
        return rc;
    t->state = PGWI_TLS_UP;
    return PGW_OK;
}

/* ---- application data ------------------------------------------------- */

pgw_status pgw_tls_read(pgw_tls *t, uint8_t *buf, size_t cap, size_t *got)
{
    if (got != NULL)
        *got = 0;
    if (t == NULL || buf == NULL || got == NULL || cap == 0)
        return PGW_E_INVALID;
    if (t->state == PGWI_TLS_FAILED)
        return t->failure;
    if (t->state != PGWI_TLS_UP)
        return PGW_E_STATE;
    if (t->peer_closed)
        return PGW_E_CLOSED;

    size_t n = 0;
    ERR_clear_error();
    int r = SSL_read_ex(t->ssl, buf, cap, &n);
    int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
    unsigned long code = r == 1 ? 0 : ERR_get_error();
    ERR_clear_error();
    /* Reading may produce output: a KeyUpdate answer, an alert. */
    if (collect_output(t) != PGW_OK)
        return fail_nomem(t);
    if (r == 1) {
        *got = n;
        return PGW_OK;
    }
    return ssl_failure(t, err, code, false);
}

pgw_status pgw_tls_write(pgw_tls *t, const uint8_t *p, size_t n)
{
    if (t == NULL || (p == NULL && n > 0))
        return PGW_E_INVALID;
    if (t->state == PGWI_TLS_FAILED)
        return t->failure;
    if (t->state != PGWI_TLS_UP || t->shutdown_sent)
        return PGW_E_STATE;
    if (n == 0)
        return PGW_OK;

    size_t done = 0;
    ERR_clear_error();
    int r = SSL_write_ex(t->ssl, p, n, &done);
    int err = r == 1 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
    unsigned long code = r == 1 ? 0 : ERR_get_error();
    ERR_clear_error();
    if (collect_output(t) != PGW_OK)
        return fail_nomem(t);
    if (r == 1 && done == n)
        return PGW_OK;
    if (r == 1 || err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        /* Without renegotiation and with a growing BIO, SSL_write_ex takes
         * everything or fails; anything else is a broken invariant. */
        pgwi_tls_msg(t, "SSL_write did not take all the data");
        return fail(t, PGW_E_TLS);
    }
    pgw_status rc = ssl_failure(t, err, code, false);
    return rc == PGW_E_CLOSED ? fail(t, PGW_E_TLS) : rc;
}

pgw_status pgw_tls_close(pgw_tls *t)
{
    if (t == NULL)
        return PGW_E_INVALID;
    if (t->state == PGWI_TLS_FAILED)
        return t->failure;
    if (t->state != PGWI_TLS_UP || t->shutdown_sent)
        return PGW_OK;
    ERR_clear_error();
    int r = SSL_shutdown(t->ssl);
    int err = r >= 0 ? SSL_ERROR_NONE : SSL_get_error(t->ssl, r);
    unsigned long code = r >= 0 ? 0 : ERR_get_error();
    ERR_clear_error();
    if (collect_output(t) != PGW_OK)
        return fail_nomem(t);
    t->shutdown_sent = true;
    /* 0: sent, the server's close_notify not seen yet; 1: both done. */
    if (r >= 0)
        return PGW_OK;
    pgw_status rc = ssl_failure(t, err, code, false);
    if (rc == PGW_WANT_READ || rc == PGW_WANT_WRITE || rc == PGW_E_CLOSED)
        return PGW_OK; /* close_notify went out; nothing more to do */
    return rc;
}

/* ---- information ------------------------------------------------------ */

size_t pgw_tls_pending(const pgw_tls *t)
{
    if (t == NULL || t->state != PGWI_TLS_UP)
        return 0;
    int n = SSL_pending(t->ssl);
    return n > 0 ? (size_t)n : 0;
}

pgw_status pgw_tls_server_end_point(const pgw_tls *t, uint8_t *out, size_t cap, size_t *len)
{
    if (len != NULL)
        *len = 0;
    if (t == NULL || out == NULL || len == NULL)
        return PGW_E_INVALID;
    if (t->state != PGWI_TLS_UP)
        return PGW_E_STATE;
    X509 *peer = SSL_get0_peer_certificate(t->ssl);
    if (peer == NULL)
        return PGW_E_STATE;
    return pgwi_tls_end_point_hash(peer, out, cap, len);
}

bool pgw_tls_client_cert_sent(const pgw_tls *t)
{
    return t != NULL && t->cert_sent;
}

bool pgw_tls_client_cert_requested(const pgw_tls *t)
{
    return t != NULL && t->cert_requested;
}

const char *pgw_tls_version_name(const pgw_tls *t)
{
    if (t == NULL || t->state != PGWI_TLS_UP)
        return NULL;
    return SSL_get_version(t->ssl);
}

const char *pgw_tls_cipher_name(const pgw_tls *t)
{
    if (t == NULL || t->state != PGWI_TLS_UP)
        return NULL;
    return SSL_CIPHER_get_name(SSL_get_current_cipher(t->ssl));
}

const char *pgw_tls_errmsg(const pgw_tls *t)
{
    return t == NULL ? "" : t->errmsg;
}

unsigned long pgw_tls_ssl_error(const pgw_tls *t)
{
    return t == NULL ? 0 : t->ssl_err;
}
