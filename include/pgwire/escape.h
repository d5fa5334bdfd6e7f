/* pgwire — quoting strings and identifiers for SQL text, and checking
 * multibyte input in the client encoding.
 *
 * Prefer parameters (pgwire never interpolates values into SQL text); these
 * helpers are for the places parameters cannot go (identifiers, DDL,
 * generated scripts).
 *
 * Unlike libpq before CVE-2025-1094, every function here REFUSES input that
 * is not valid in the client encoding (an incomplete or overlong sequence, a
 * UTF-8 surrogate, a lead byte followed by a quote or NUL) instead of
 * copying it through, and refuses a NUL byte anywhere: a quote can never
 * be swallowed by a broken multibyte character, and nothing is ever
 * silently truncated. On any failure nothing is appended. */
#ifndef PGWIRE_PGWIRE_ESCAPE_H
#define PGWIRE_PGWIRE_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "pgwire/buf.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** Client encodings, as the server names them in the client_encoding
 * ParameterStatus. Values are only ever appended. */
typedef enum pgw_encoding {
    PGW_ENC_SQL_ASCII = 0,
    PGW_ENC_UTF8 = 1,
    PGW_ENC_LATIN1 = 2,
    PGW_ENC_LATIN2 = 3,
    PGW_ENC_LATIN3 = 4,
    PGW_ENC_LATIN4 = 5,
    PGW_ENC_LATIN5 = 6,
    PGW_ENC_LATIN6 = 7,
    PGW_ENC_LATIN7 = 8,
    PGW_ENC_LATIN8 = 9,
    PGW_ENC_LATIN9 = 10,
    PGW_ENC_LATIN10 = 11,
    PGW_ENC_WIN1250 = 12,
    PGW_ENC_WIN1251 = 13,
    PGW_ENC_WIN1252 = 14,
    PGW_ENC_WIN1253 = 15,
    PGW_ENC_WIN1254 = 16,
    PGW_ENC_WIN1255 = 17,
    PGW_ENC_WIN1256 = 18,
    PGW_ENC_WIN1257 = 19,
    PGW_ENC_WIN1258 = 20,
    PGW_ENC_WIN866 = 21,
    PGW_ENC_WIN874 = 22,
    PGW_ENC_KOI8R = 23,
    PGW_ENC_KOI8U = 24,
    PGW_ENC_ISO_8859_5 = 25,
    PGW_ENC_ISO_8859_6 = 26,
    PGW_ENC_ISO_8859_7 = 27,
    PGW_ENC_ISO_8859_8 = 28,
    PGW_ENC_EUC_JP = 29,
    PGW_ENC_EUC_CN = 30,
    PGW_ENC_EUC_KR = 31,
    PGW_ENC_EUC_TW = 32,
    PGW_ENC_EUC_JIS_2004 = 33,
    PGW_ENC_SJIS = 34,
    PGW_ENC_SHIFT_JIS_2004 = 35,
    PGW_ENC_BIG5 = 36,
    PGW_ENC_GBK = 37,
    PGW_ENC_UHC = 38,
    PGW_ENC_GB18030 = 39,
    PGW_ENC_JOHAB = 40,
    PGW_ENC_MULE_INTERNAL = 41
} pgw_encoding;

/** Number of pgw_encoding values (for iterating over them in tests). */
#define PGW_ENC_COUNT 42

/** What the escaping functions need to know of the session. */
typedef struct pgw_escape_ctx {
    pgw_encoding encoding;            /**< the client_encoding ParameterStatus */
    bool standard_conforming_strings; /**< the ParameterStatus of that name */
} pgw_escape_ctx;

PGW_BEGIN_DECLS

/** The server's defaults: UTF8, standard_conforming_strings on. NULL-safe. */
PGW_API void pgw_escape_ctx_init(pgw_escape_ctx *ctx);

/** Map an encoding name to its enum, as the server does: case and any
 * characters other than letters and digits are ignored ("utf-8" = "UTF8"),
 * and the server's aliases are accepted ("UNICODE", "ISO_8859_1",
 * "ShiftJIS", "WIN932", "Big5", "WIN936", "WIN949", "KOI8", "WIN", "ALT",
 * "TCVN", ...).
 * @param name  a NUL-terminated name
 * @param out   receives the encoding; untouched on failure
 * @return PGW_OK; PGW_E_INVALID (NULL argument); PGW_E_UNSUPPORTED for a
 *         name this library does not know.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_encoding_from_name(const char *name, pgw_encoding *out);

/** The server's canonical name of an encoding ("UTF8", "LATIN1",
 * "ISO_8859_5", ...), or NULL for a value outside the enum.
 * Ownership: a static string. */
PGW_API const char *pgw_encoding_name(pgw_encoding enc);

/** Length in bytes of the valid character that starts at p in encoding
 * enc (1 for ASCII), following the server's per-encoding verifiers
 * (src/common/wchar.c). Where those only check that trail bytes are not
 * NUL (BIG5, GBK, UHC, EUC_TW's first byte) the ranges of the real
 * character sets are enforced, so a quote or control byte is never taken
 * for a trail byte.
 * @return the length (1 to 4), or 0 when p does not start a valid
 *         character within `left` bytes, when p[0] is NUL, when left is 0
 *         or enc is unknown.
 * Ownership: nothing is retained. */
PGW_API size_t pgw_mbchar_len(pgw_encoding enc, const char *p, size_t left);

/** Check that p[0..len) is valid text in encoding enc, with no NUL byte.
 * @return PGW_OK; PGW_E_INVALID for an invalid or incomplete character or
 *         a NUL; PGW_E_UNSUPPORTED for an unknown encoding.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_verify_mbstr(pgw_encoding enc, const char *p, size_t len);

/** Append s as a quoted SQL string literal (libpq's PQescapeLiteral
 * rules): 'it''s'. When s contains a backslash the literal uses the escape
 * string syntax, preceded by a space ( E'a\\b'), so that it means the same
 * under either value of standard_conforming_strings and cannot run into a
 * preceding identifier.
 * @param out  the buffer to append to
 * @param s    len bytes in ctx->encoding (no NUL inside)
 * @param ctx  the session's encoding (standard_conforming_strings does not
 *             change the output, see above)
 * @return PGW_OK; PGW_E_INVALID (a NULL argument, invalid multibyte input,
 *         a NUL byte); PGW_E_UNSUPPORTED (unknown encoding); PGW_E_NOMEM or
 *         PGW_E_TOO_LARGE from the buffer. On failure out->len is unchanged.
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_escape_literal(pgw_buf *out, const char *s, size_t len,
                                      const pgw_escape_ctx *ctx);

/** Append s as a quoted SQL identifier: "My ""table""". The name is kept
 * exactly (no case folding, no truncation to NAMEDATALEN: the server
 * truncates over-long identifiers itself, with a notice).
 * @return as pgw_escape_literal().
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_escape_identifier(pgw_buf *out, const char *s, size_t len,
                                         const pgw_escape_ctx *ctx);

/** Append the body of a string literal without the surrounding quotes
 * (libpq's PQescapeStringConn rules): quotes are doubled, and backslashes
 * are doubled only when ctx->standard_conforming_strings is false. The
 * caller writes the quotes; the result is correct only in a plain '...'
 * literal sent on a session with the same setting.
 * @return as pgw_escape_literal().
 * Ownership: nothing is retained. */
PGW_API pgw_status pgw_escape_string(pgw_buf *out, const char *s, size_t len,
                                     const pgw_escape_ctx *ctx);

PGW_END_DECLS

#endif
