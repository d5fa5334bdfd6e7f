/* The TLS API in a build without TLS (-Dtls=disabled): every function
 * exists so the library links the same way, pgw_tls_new() refuses with
 * libpq's wording, and the rest behave as on a session that never came up.
 * Nothing here names OpenSSL. */
#include <stdio.h>
#include <string.h>

#include "pgwire/tls.h"

bool pgw_tls_supported(void)
{
    return false;
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

pgw_status pgw_tls_new(pgw_tls **out, const pgw_tls_config *cfg, char *errbuf, size_t errlen)
{
    (void)cfg;
    if (out != NULL)
        *out = NULL;
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "SSL support is not compiled in");
    return PGW_E_UNSUPPORTED;
}

pgw_status pgw_tls_feed(pgw_tls *t, const uint8_t *p, size_t n)
{
    (void)t;
    (void)p;
    (void)n;
    return PGW_E_UNSUPPORTED;
}

size_t pgw_tls_output(pgw_tls *t, const uint8_t **p)
{
    (void)t;
    if (p != NULL)
        *p = NULL;
    return 0;
}

void pgw_tls_output_done(pgw_tls *t, size_t n)
{
    (void)t;
    (void)n;
}

pgw_status pgw_tls_handshake(pgw_tls *t)
{
    (void)t;
    return PGW_E_UNSUPPORTED;
}

pgw_status pgw_tls_read(pgw_tls *t, uint8_t *buf, size_t cap, size_t *got)
{
    (void)t;
    (void)buf;
    (void)cap;
    if (got != NULL)
        *got = 0;
    return PGW_E_UNSUPPORTED;
}

pgw_status pgw_tls_write(pgw_tls *t, const uint8_t *p, size_t n)
{
    (void)t;
    (void)p;
    (void)n;
    return PGW_E_UNSUPPORTED;
}

pgw_status pgw_tls_close(pgw_tls *t)
{
    (void)t;
    return PGW_E_UNSUPPORTED;
}

size_t pgw_tls_pending(const pgw_tls *t)
{
    (void)t;
    return 0;
}

pgw_status pgw_tls_server_end_point(const pgw_tls *t, uint8_t *out, size_t cap, size_t *len)
{
    (void)t;
    (void)out;
    (void)cap;
    if (len != NULL)
        *len = 0;
    return PGW_E_UNSUPPORTED;
}

bool pgw_tls_client_cert_sent(const pgw_tls *t)
{
    (void)t;
    return false;
}

bool pgw_tls_client_cert_requested(const pgw_tls *t)
{
    (void)t;
    return false;
}

const char *pgw_tls_version_name(const pgw_tls *t)
{
    (void)t;
    return NULL;
}

const char *pgw_tls_cipher_name(const pgw_tls *t)
{
    (void)t;
    return NULL;
}

const char *pgw_tls_errmsg(const pgw_tls *t)
{
    (void)t;
    return "";
}

unsigned long pgw_tls_ssl_error(const pgw_tls *t)
{
    (void)t;
    return 0;
}

void pgw_tls_free(pgw_tls *t)
{
    (void)t;
}
