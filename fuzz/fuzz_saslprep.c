/* Fuzz SASLprep (the password preparation of SCRAM): any bytes in, never a
 * crash or leak; a prepared password is non-empty strict UTF-8, and
 * preparing it again never fails other than by "use as is".
 *
 * It is not a fixed point, and must not be asserted to be one: PostgreSQL
 * applies the bidi and prohibition checks to the mapped input rather than
 * to the NFKC output, so U+FB31 (a right-to-left letter) passes while its
 * NFKC form, U+05D1 U+05BC, ends with a mark and is refused (this harness's
 * first run found that; the input is kept as the seed nfkc_not_idempotent). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "common/common_int.h"
#include "crypto/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool strict_utf8(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = p[i];
        size_t k;
        uint32_t cp;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            k = 1;
            cp = b & 0x1Fu;
        } else if ((b & 0xF0) == 0xE0) {
            k = 2;
            cp = b & 0x0Fu;
        } else if ((b & 0xF8) == 0xF0) {
            k = 3;
            cp = b & 0x07u;
        } else {
            return false;
        }
        if (n - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            if ((p[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + j] & 0x3Fu);
        }
        if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += k + 1;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *out = NULL;
    size_t out_len = 0;
    pgw_status rc = pgwi_saslprep(NULL, (const char *)data, size, &out, &out_len);
    if (rc == PGW_END) {
        if (out != NULL)
            abort();
        return 0;
    }
    if (rc == PGW_E_NOMEM)
        return 0;
    if (rc != PGW_OK || out == NULL || out_len == 0)
        abort();
    if (!strict_utf8((const uint8_t *)out, out_len))
        abort();
    char *again = NULL;
    size_t again_len = 0;
    pgw_status rc2 = pgwi_saslprep(NULL, out, out_len, &again, &again_len);
    if (rc2 == PGW_OK) {
        if (again_len == 0 || !strict_utf8((const uint8_t *)again, again_len))
            abort();
        pgwi_wipe(again, again_len);
        pgwi_free(NULL, again, again_len);
    } else if (rc2 != PGW_END && rc2 != PGW_E_NOMEM) {
        abort();
    }
    pgwi_wipe(out, out_len);
    pgwi_free(NULL, out, out_len);
    return 0;
}
