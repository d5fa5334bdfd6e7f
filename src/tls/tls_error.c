/* Error text for the TLS session: OpenSSL's error queue read at the point
 * of failure, reasons in words, and certificate-derived text made safe to
 * print. Shared by the session, its configuration and host-name checks. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>
#include "common/common_int.h"
#include "tls/tls_int.h"

void pgwi_tls_msg(pgw_tls *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->errmsg, sizeof t->errmsg, fmt, ap);
    va_end(ap);
}

unsigned long pgwi_tls_take_error(void)
{
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    return code;
}

const char *pgwi_tls_reason(unsigned long code, char *buf, size_t cap)
{
    if (code == 0)
        return "no SSL error reported";
    const char *reason = ERR_reason_error_string(code);
    if (reason != NULL)
        return reason;
    /* OpenSSL has no string for the no_application_protocol alert
     * (openssl/openssl#24300); libpq words it itself. */
    if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
        ERR_GET_REASON(code) == SSL_AD_REASON_OFFSET + SSL_AD_NO_APPLICATION_PROTOCOL)
        return "no application protocol";
    snprintf(buf, cap, "SSL error code %lu", code);
    return buf;
}

void pgwi_tls_sanitize(char *dst, size_t cap, const char *src, size_t len)
{
    if (cap == 0)
        return;
    size_t n = len < PGWI_TLS_NAME_MAX ? len : PGWI_TLS_NAME_MAX;
    if (n > cap - 1)
        n = cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    dst[n] = '\0';
}

/* Make a failure sticky. */
