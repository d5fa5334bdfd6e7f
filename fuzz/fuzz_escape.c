/* Fuzz escaping in every client encoding: the first byte picks the
 * encoding, standard_conforming_strings and the function; the rest is the
 * input. Invariants: only documented statuses; nothing appended on
 * failure; input is refused exactly when pgw_verify_mbstr() refuses it;
 * the output, read by characters of the encoding as the server's lexer
 * would, has every quote doubled and ends the literal exactly at its last
 * byte; and undoubling it gives back the input (valid input round-trips). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire/escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void must(bool ok)
{
    if (!ok)
        abort();
}

/* Undo the escaping of body[0..n): quote pairs (and backslash pairs when
 * dbl_bs) become one byte. Returns false if a lone quote or backslash is
 * found, i.e. the literal would end early or the escape would change
 * meaning. */
static bool unescape(pgw_encoding enc, const uint8_t *body, size_t n, char quote, bool dbl_bs,
                     pgw_buf *out)
{
    size_t i = 0;
    while (i < n) {
        size_t l = pgw_mbchar_len(enc, (const char *)body + i, n - i);
        if (l == 0)
            return false;
        if (l == 1 && (body[i] == (uint8_t)quote || (dbl_bs && body[i] == '\\'))) {
            if (i + 1 >= n || body[i + 1] != body[i])
                return false;
            i++;
        }
        must(pgw_buf_append(out, body + i, l) == PGW_OK);
        i += l;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    pgw_escape_ctx ctx;
    pgw_escape_ctx_init(&ctx);
    ctx.encoding = (pgw_encoding)((sel & 0x3f) % PGW_ENC_COUNT);
    ctx.standard_conforming_strings = (sel & 0x40) != 0;
    int which = (sel >> 7) + ((size & 1) ? 0 : 1); /* 0..2 */
    const char *s = (const char *)data + 1;
    size_t n = size - 1;

    pgw_buf out, back;
    pgw_buf_init(&out, NULL, 0);
    pgw_buf_init(&back, NULL, 0);
    must(pgw_buf_append(&out, "X", 1) == PGW_OK);
    pgw_status rc = which == 0   ? pgw_escape_literal(&out, s, n, &ctx)
                    : which == 1 ? pgw_escape_identifier(&out, s, n, &ctx)
                                 : pgw_escape_string(&out, s, n, &ctx);
    pgw_status v = pgw_verify_mbstr(ctx.encoding, s, n);
    must(rc == PGW_OK || rc == PGW_E_INVALID);
    must((rc == PGW_OK) == (v == PGW_OK));
    if (rc != PGW_OK) {
        must(out.len == 1);
        goto done;
    }
    const uint8_t *o = out.data + 1;
    size_t on = out.len - 1;
    if (which == 2) {
        /* No quotes around it: the body must unescape to the input. */
        must(unescape(ctx.encoding, o, on, '\'', !ctx.standard_conforming_strings, &back));
    } else {
        char quote = which == 0 ? '\'' : '"';
        bool eform = on >= 2 && o[0] == ' ' && o[1] == 'E';
        must(which == 0 || !eform);
        /* E'' is used exactly when the input has a backslash (as a whole
         * character; the check below covers that through the round trip). */
        size_t start = eform ? 2 : 0;
        must(on >= start + 2 && o[start] == (uint8_t)quote && o[on - 1] == (uint8_t)quote);
        must(unescape(ctx.encoding, o + start + 1, on - start - 2, quote, eform, &back));
    }
    must(back.len == n && (n == 0 || memcmp(back.data, s, n) == 0));
done:
    pgw_buf_free(&out);
    pgw_buf_free(&back);
    return 0;
}
