/* Fuzz the key=value connection-string parser and option resolution.
 * Invariants: success or PGW_E_INVALID with a non-empty message, never
 * anything else; a successful parse re-parses from the resolved values. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conn/conn_int.h"
#include "pgwire/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char *vals[PGWI_OPT_COUNT] = {0};
    char err[256];
    pgw_status rc = pgwi_conninfo_parse(NULL, s, vals, err, sizeof err);
    if (rc != PGW_OK && rc != PGW_E_INVALID)
        abort();
    if (rc == PGW_E_INVALID) {
        if (err[0] == '\0')
            abort();
        for (int i = 0; i < PGWI_OPT_COUNT; i++)
            if (vals[i] != NULL)
                abort();
    }
    pgwi_conninfo_free(NULL, vals);

    /* The public parser: key=value and URIs (conninfo_uri.c), then the
     * formatter on what it accepted, with and without redaction. */
    pgw_conninfo *ci = NULL;
    char err2[256];
    pgw_status prc = pgw_conninfo_parse(&ci, s, NULL, err2, sizeof err2);
    if ((prc == PGW_OK) != (ci != NULL))
        abort();
    if (prc != PGW_OK && prc != PGW_E_INVALID)
        abort();
    if (prc == PGW_OK) {
        for (size_t i = 0; i < pgw_conninfo_count(ci); i++)
            if (pgw_conninfo_keyword(ci, i) == NULL || pgw_conninfo_value(ci, i) == NULL)
                abort();
        for (uint32_t flags = 0; flags <= PGW_CONNINFO_REDACT; flags++) {
            pgw_buf b;
            pgw_buf_init(&b, NULL, 0);
            if (pgw_conninfo_format(ci, flags, &b) != PGW_OK)
                abort();
            pgw_buf_free(&b);
        }
        pgw_conninfo_free(ci);
    } else if (err2[0] == '\0') {
        abort();
    }

    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = s;
    o.default_user = "fuzz";
    pgw_conn *c = NULL;
    rc = pgw_conn_new(&c, &o);
    if (rc != PGW_OK && rc != PGW_E_INVALID && rc != PGW_E_UNSUPPORTED)
        abort();
    if (c == NULL)
        abort();
    if (rc != PGW_OK && (pgw_conn_errmsg(c)[0] == '\0' || pgw_conn_start(c) != rc))
        abort();
    if (rc == PGW_OK) {
        /* sslnegotiation=direct starts TLS at once, and an engine given no
         * PEM material refuses a verify-full handshake then (PGW_E_TLS,
         * with a message), as it must. */
        rc = pgw_conn_start(c);
        if (rc != PGW_OK && rc != PGW_E_INVALID && rc != PGW_E_TLS)
            abort();
        if (rc == PGW_E_TLS && pgw_conn_errmsg(c)[0] == '\0')
            abort();
    }
    pgw_conn_free(c);
    free(s);
    return 0;
}
