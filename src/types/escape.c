/* Quoting literals and identifiers for SQL text (libpq's PQescapeLiteral,
 * PQescapeIdentifier and PQescapeStringConn rules), refusing invalid
 * multibyte input instead of passing it through.
 *
 * Each function walks the input once to validate it and size the output,
 * reserves the whole result, then writes it: on any failure the buffer is
 * exactly as it was, and the output never holds a partial character. */
#include "pgwire/escape.h"

#include <string.h>

void pgw_escape_ctx_init(pgw_escape_ctx *ctx)
{
    if (!ctx)
        return;
    ctx->encoding = PGW_ENC_UTF8;
    ctx->standard_conforming_strings = true;
}

typedef struct esc_scan {
    size_t quotes;      /* bytes equal to the quote character */
    size_t backslashes; /* ASCII backslashes (never a trail byte) */
} esc_scan;

/* Validate s and count the bytes that need doubling. Only whole ASCII
 * characters are counted: a backslash that is the trail byte of an SJIS or
 * BIG5 character is part of that character, as it is for the server. */
static pgw_status scan_input(const char *s, size_t len, pgw_encoding enc, char quote, esc_scan *sc)
{
    if ((unsigned)enc >= PGW_ENC_COUNT)
        return PGW_E_UNSUPPORTED;
    sc->quotes = 0;
    sc->backslashes = 0;
    size_t i = 0;
    while (i < len) {
        size_t n = pgw_mbchar_len(enc, s + i, len - i);
        if (n == 0)
            return PGW_E_INVALID; /* NUL, or an invalid/incomplete character */
        if (n == 1) {
            if (s[i] == quote)
                sc->quotes++;
            else if (s[i] == '\\')
                sc->backslashes++;
        }
        i += n;
    }
    return PGW_OK;
}

/* Copy s, doubling quote characters and (when dbl_backslash) backslashes.
 * The input was validated by scan_input, so character boundaries are the
 * ones it saw. Room has been reserved. */
static void copy_doubled(pgw_buf *out, const char *s, size_t len, pgw_encoding enc, char quote,
                         bool dbl_backslash)
{
    uint8_t *w = out->data + out->len;
    size_t i = 0;
    while (i < len) {
        size_t n = pgw_mbchar_len(enc, s + i, len - i);
        if (n == 1 && (s[i] == quote || (dbl_backslash && s[i] == '\\')))
            *w++ = (uint8_t)s[i];
        memcpy(w, s + i, n);
        w += n;
        i += n;
    }
    out->len = (size_t)(w - out->data);
}

static pgw_status esc_check_args(const pgw_buf *out, const char *s, size_t len,
                                 const pgw_escape_ctx *ctx)
{
    if (!out || !ctx || (!s && len))
        return PGW_E_INVALID;
    return pgw_buf_status(out);
}

/* Reserve len + a + b bytes, refusing sizes that overflow. */
static pgw_status esc_reserve(pgw_buf *out, size_t len, size_t a, size_t b)
{
    if (a > SIZE_MAX - b || len > SIZE_MAX - (a + b))
        return PGW_E_TOO_LARGE;
    return pgw_buf_reserve(out, len + a + b);
}

static pgw_status escape_quoted(pgw_buf *out, const char *s, size_t len, const pgw_escape_ctx *ctx,
                                bool as_ident)
{
    pgw_status rc = esc_check_args(out, s, len, ctx);
    if (rc != PGW_OK)
        return rc;
    char quote = as_ident ? '"' : '\'';
    esc_scan sc;
    rc = scan_input(s, len, ctx->encoding, quote, &sc);
    if (rc != PGW_OK)
        return rc;
    /* A literal containing a backslash uses E'' so it reads the same under
     * either standard_conforming_strings; the leading space keeps it from
     * fusing with an identifier written just before it (libpq does the
     * same). */
    bool eform = !as_ident && sc.backslashes > 0;
    size_t extra = sc.quotes + (eform ? sc.backslashes + 2 : 0) + 2;
    rc = esc_reserve(out, len, extra, 0);
    if (rc != PGW_OK)
        return rc;
    if (eform) {
        out->data[out->len++] = ' ';
        out->data[out->len++] = 'E';
    }
    out->data[out->len++] = (uint8_t)quote;
    copy_doubled(out, s, len, ctx->encoding, quote, eform);
    out->data[out->len++] = (uint8_t)quote;
    return PGW_OK;
}

pgw_status pgw_escape_literal(pgw_buf *out, const char *s, size_t len, const pgw_escape_ctx *ctx)
{
    return escape_quoted(out, s, len, ctx, false);
}

pgw_status pgw_escape_identifier(pgw_buf *out, const char *s, size_t len, const pgw_escape_ctx *ctx)
{
    return escape_quoted(out, s, len, ctx, true);
}

pgw_status pgw_escape_string(pgw_buf *out, const char *s, size_t len, const pgw_escape_ctx *ctx)
{
    pgw_status rc = esc_check_args(out, s, len, ctx);
    if (rc != PGW_OK)
        return rc;
    esc_scan sc;
    rc = scan_input(s, len, ctx->encoding, '\'', &sc);
    if (rc != PGW_OK)
        return rc;
    if (len == 0)
        return PGW_OK;
    bool dbl = !ctx->standard_conforming_strings;
    rc = esc_reserve(out, len, sc.quotes, dbl ? sc.backslashes : 0);
    if (rc != PGW_OK)
        return rc;
    copy_doubled(out, s, len, ctx->encoding, '\'', dbl);
    return PGW_OK;
}
