/* PostgreSQL's md5 password response (AuthenticationMD5Password).
 *
 * The inner hash md5(password + user) is exactly what pg_authid stores for
 * an md5 role, so it is as sensitive as the password itself: both of its
 * forms are wiped before returning. */
#include "auth/auth_int.h"
#include "common/common_int.h"
#include "crypto/crypto.h"

static void to_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
}

pgw_status pgw_md5_password(const char *user, size_t user_len, const char *password, size_t pw_len,
                            const uint8_t salt[4], char out[36])
{
    if (out == NULL)
        return PGW_E_INVALID;
    out[0] = '\0';
    if (salt == NULL || (user == NULL && user_len > 0) || (password == NULL && pw_len > 0))
        return PGW_E_INVALID;

    uint8_t digest[PGWI_MD5_LEN];
    char inner_hex[2 * PGWI_MD5_LEN];
    pgw_status rc = pgwi_md5_2(password, pw_len, user, user_len, digest);
    if (rc == PGW_OK) {
        to_hex(digest, sizeof digest, inner_hex);
        rc = pgwi_md5_2(inner_hex, sizeof inner_hex, salt, 4, digest);
    }
    if (rc == PGW_OK) {
        memcpy(out, "md5", 3);
        to_hex(digest, sizeof digest, out + 3);
        out[35] = '\0';
    }
    pgwi_wipe(digest, sizeof digest);
    pgwi_wipe(inner_hex, sizeof inner_hex);
    return rc;
}
