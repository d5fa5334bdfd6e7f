/* Host-name verification with libpq's rules (fe-secure-common.c and
 * pgtls_verify_peer_name_matches_certificate_guts), not OpenSSL's
 * X509_check_host: the two differ on wildcards, on the CN fallback and on
 * IP hosts, and users carry certificates over from libpq.
 *
 * The rules, in libpq's order:
 * - every subjectAltName dNSName and iPAddress entry is examined until one
 *   matches, whatever the host's type (a DNS SAN may hold "192.0.2.1");
 * - a dNSName matches case-insensitively, or as a "*." wildcard covering
 *   exactly one left-most label;
 * - an iPAddress matches when the host parses (inet_aton for 4 bytes, so
 *   "192.000.002.001" counts; inet_pton for 16) to the same bytes;
 * - the CN is consulted only when no SAN has the host's own type: a DNS host
 *   ignores the CN next to DNS SANs, an IP host ignores it next to IP SANs
 *   but not next to DNS SANs (libpq's NSS-like departure from RFC 6125);
 * - a name with an embedded NUL (CVE-2009-4034) or an address that is
 *   neither 4 nor 16 bytes is an error, not a mismatch. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "tls/tls_int.h"

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* ASCII case-insensitive equality of n bytes (pg_strcasecmp on NUL-free
 * strings of the same length). */
static bool equal_nocase(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
            return false;
    }
    return true;
}

/* The wildcard rule on a pattern of lenpat NUL-free bytes. */
static bool wildcard_match_n(const char *pattern, size_t lenpat, const char *host)
{
    size_t lenstr = strlen(host);

    /* Only a leading "*." is a wildcard, and only one. */
    if (lenpat < 3 || pattern[0] != '*' || pattern[1] != '.')
        return false;
    /* The '*' stands for at least one character. */
    if (lenpat > lenstr)
        return false;
    size_t start = lenstr - lenpat; /* where '*' begins in host */
    if (!equal_nocase(pattern + 1, host + start + 1, lenpat - 1))
        return false;
    /* The '*' must not cover a dot: "deep.sub" is two labels. */
    const char *dot = strchr(host, '.');
    return dot >= host + start;
}

bool pgwi_tls_wildcard_match(const char *pattern, const char *host)
{
    return wildcard_match_n(pattern, strlen(pattern), host);
}

bool pgwi_tls_host_is_ip(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    return inet_aton(host, &a4) != 0 || inet_pton(AF_INET6, host, &a6) == 1;
}

bool pgwi_tls_host_skips_sni(const char *host)
{
    return strspn(host, "0123456789.") == strlen(host) || strchr(host, ':') != NULL;
}

/* What examining one name produced: the name's printable form (kept for
 * the message when it is the first) and the verdict. */
typedef struct name_check {
    int names_examined;
    char first_name[PGWI_TLS_NAME_MAX + 1];
    bool have_first;
} name_check;

static void remember(name_check *nc, const char *name, size_t len)
{
    if (nc->have_first)
        return;
    pgwi_tls_sanitize(nc->first_name, sizeof nc->first_name, name, len);
    nc->have_first = true;
}

/* A dNSName or CN: 1 match, 0 no match, -1 unusable (msg set). */
static int check_name(name_check *nc, const ASN1_STRING *entry, const char *host, char *msg,
                      size_t cap)
{
    if (entry == NULL) {
        snprintf(msg, cap, "SSL certificate's name entry is missing");
        return -1;
    }
    const unsigned char *data = ASN1_STRING_get0_data(entry);
    int n = ASN1_STRING_length(entry);
    size_t len = n > 0 ? (size_t)n : 0;
    if (len > 0 && memchr(data, '\0', len) != NULL) {
        snprintf(msg, cap, "SSL certificate's name contains embedded null");
        return -1;
    }
    const char *name = (const char *)data;
    remember(nc, name, len);
    if ((len == strlen(host) && equal_nocase(name, host, len)) || wildcard_match_n(name, len, host))
        return 1;
    return 0;
}

/* An iPAddress: 1 match, 0 no match, -1 unusable (msg set). */
static int check_ip(name_check *nc, const ASN1_OCTET_STRING *entry, const char *host, char *msg,
                    size_t cap)
{
    if (entry == NULL) {
        snprintf(msg, cap, "SSL certificate's address entry is missing");
        return -1;
    }
    const unsigned char *data = ASN1_STRING_get0_data(entry);
    int n = ASN1_STRING_length(entry);
    size_t len = n > 0 ? (size_t)n : 0;
    char text[INET6_ADDRSTRLEN];
    int match = 0;
    if (len == 4) {
        /* inet_aton on purpose: libpq accepts the same alternative IPv4
         * notations as a server address. */
        struct in_addr a;
        if (inet_aton(host, &a) != 0 && memcmp(data, &a.s_addr, 4) == 0)
            match = 1;
        if (inet_ntop(AF_INET, data, text, sizeof text) == NULL)
            text[0] = '\0';
    } else if (len == 16) {
        struct in6_addr a;
        if (inet_pton(AF_INET6, host, &a) == 1 && memcmp(data, a.s6_addr, 16) == 0)
            match = 1;
        if (inet_ntop(AF_INET6, data, text, sizeof text) == NULL)
            text[0] = '\0';
    } else {
        snprintf(msg, cap, "certificate contains IP address with invalid length %zu", len);
        return -1;
    }
    remember(nc, text, strlen(text));
    return match;
}

int pgwi_tls_verify_host(X509 *cert, const char *host, char *msg, size_t cap)
{
    if (host == NULL || host[0] == '\0') {
        snprintf(msg, cap, "host name must be specified for a verified SSL connection");
        return -1;
    }
    int host_type = pgwi_tls_host_is_ip(host) ? GEN_IPADD : GEN_DNS;
    name_check nc = {0};
    bool check_cn = true;
    int rc = 0;

    STACK_OF(GENERAL_NAME) *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (sans != NULL) {
        int count = sk_GENERAL_NAME_num(sans);
        for (int i = 0; i < count; i++) {
            const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
            if (gn->type == host_type)
                check_cn = false;
            if (gn->type == GEN_DNS) {
                nc.names_examined++;
                rc = check_name(&nc, gn->d.dNSName, host, msg, cap);
            } else if (gn->type == GEN_IPADD) {
                nc.names_examined++;
                rc = check_ip(&nc, gn->d.iPAddress, host, msg, cap);
            }
            if (rc != 0) {
                /* A match or an unusable name: either way the CN is moot. */
                check_cn = false;
                break;
            }
        }
        sk_GENERAL_NAME_pop_free(sans, GENERAL_NAME_free);
    }

    if (check_cn) {
        const X509_NAME *subject = X509_get_subject_name(cert);
        int idx = subject != NULL ? X509_NAME_get_index_by_NID(subject, NID_commonName, -1) : -1;
        if (idx >= 0) {
            nc.names_examined++;
            const X509_NAME_ENTRY *e = X509_NAME_get_entry(subject, idx);
            rc = check_name(&nc, e != NULL ? X509_NAME_ENTRY_get_data(e) : NULL, host, msg, cap);
        }
    }
    if (rc != 0)
        return rc;

    char shown_host[PGWI_TLS_NAME_MAX + 1];
    pgwi_tls_sanitize(shown_host, sizeof shown_host, host, strlen(host));
    if (nc.names_examined > 1)
        snprintf(msg, cap,
                 "server certificate for \"%s\" (and %d other name%s) does not match host name "
                 "\"%s\"",
                 nc.first_name, nc.names_examined - 1, nc.names_examined - 1 == 1 ? "" : "s",
                 shown_host);
    else if (nc.names_examined == 1)
        snprintf(msg, cap, "server certificate for \"%s\" does not match host name \"%s\"",
                 nc.first_name, shown_host);
    else
        snprintf(msg, cap, "could not get server's host name from server certificate");
    return 0;
}
