/* The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) for the fake
 * server, computed with OpenSSL directly so that it shares no code with
 * the client implementation it checks. Two callback steps do the work:
 * one turns client-first into server-first, the other verifies the
 * client proof and the channel-binding echo and answers server-final. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "fs_int.h"

#define KEY_LEN 32

typedef struct scram_srv {
    char *password;
    uint8_t *salt;
    size_t salt_len;
    uint32_t iterations;
    char *snonce;
    fs_scram_tamper tamper;
    bool expect_bad_proof;
    /* filled during the exchange */
    char *gs2;          /* gs2 header with its final comma, e.g. "n,," */
    char *client_bare;  /* client-first-message-bare */
    char *nonce;        /* client nonce + server nonce */
    char *server_first;
} scram_srv;

static const char default_salt[] = "fs-scram-salt-16";

static char *dup_n(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL)
        abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void scram_free(void *ud)
{
    scram_srv *st = ud;
    if (st == NULL)
        return;
    if (st->password != NULL) {
        OPENSSL_cleanse(st->password, strlen(st->password));
        free(st->password);
    }
    free(st->salt);
    free(st->snonce);
    free(st->gs2);
    free(st->client_bare);
    free(st->nonce);
    free(st->server_first);
    free(st);
}

/* Base64 without line breaks; caller frees. */
static char *b64(const uint8_t *p, size_t n)
{
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    if (out == NULL)
        abort();
    EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    return out;
}

/* Decode exactly `want` bytes of base64; false on any other length. */
static bool unb64(const char *s, size_t n, uint8_t *out, size_t want)
{
    if (n == 0 || n % 4 != 0 || n > 4 * ((want + 2) / 3))
        return false;
    uint8_t tmp[3 * 64];
    if (n / 4 * 3 > sizeof tmp)
        return false;
    int got = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)n);
    if (got < 0)
        return false;
    size_t len = (size_t)got;
    if (s[n - 1] == '=')
        len--;
    if (s[n - 2] == '=')
        len--;
    if (len != want)
        return false;
    memcpy(out, tmp, want);
    return true;
}

static void hmac(const uint8_t *key, size_t key_len, const void *d, size_t n,
                 uint8_t out[KEY_LEN])
{
    unsigned int olen = KEY_LEN;
    if (HMAC(EVP_sha256(), key, (int)key_len, d, n, out, &olen) == NULL)
        abort();
}

/* Step 1: SASLInitialResponse -> AuthenticationSASLContinue. */
static bool on_client_first(fs_server *fs, void *ud)
{
    scram_srv *st = ud;
    const fs_msg *m = fs_last_received(fs);
    if (m == NULL || m->tag != PGW_FE_PASSWORD)
        return fs_fail(fs, "SCRAM: no SASLInitialResponse to answer");
    pgw_frame f = {.tag = m->tag, .body = m->body, .len = m->len};
    const char *mech;
    const uint8_t *data;
    int32_t len;
    if (pgw_parse_sasl_initial_response(&f, &mech, &data, &len) != PGW_OK)
        return fs_fail(fs, "SCRAM: malformed SASLInitialResponse");
    if (strcmp(mech, "SCRAM-SHA-256") != 0)
        return fs_fail(fs, "SCRAM: client chose mechanism \"%s\"", mech);
    if (len < 0)
        return fs_fail(fs, "SCRAM: SASLInitialResponse carries no client-first-message");
    if (memchr(data, 0, (size_t)len) != NULL)
        return fs_fail(fs, "SCRAM: client-first-message contains a NUL byte");
    char *cf = dup_n(data, (size_t)len);
    bool ok = false;
    /* gs2-header: cbind-flag "," [authzid] ","; without TLS only n or y. */
    if (!((cf[0] == 'n' || cf[0] == 'y') && cf[1] == ',')) {
        fs_fail(fs, "SCRAM: client-first gs2 flag is not n or y: \"%.20s\"", cf);
        goto out;
    }
    char *comma = strchr(cf + 2, ',');
    if (comma == NULL || (comma != cf + 2 && strncmp(cf + 2, "a=", 2) != 0)) {
        fs_fail(fs, "SCRAM: malformed gs2 header in \"%.40s\"", cf);
        goto out;
    }
    st->gs2 = dup_n(cf, (size_t)(comma + 1 - cf));
    st->client_bare = dup_n(comma + 1, strlen(comma + 1));
    /* client-first-message-bare: n=user,r=nonce[,ext] (the server ignores
     * the user name: it comes from the StartupMessage). */
    const char *bare = st->client_bare;
    const char *r = strncmp(bare, "n=", 2) == 0 ? strstr(bare, ",r=") : NULL;
    if (r == NULL || r[3] == '\0' || r[3] == ',') {
        fs_fail(fs, "SCRAM: client-first-message-bare lacks n= or r=: \"%.40s\"", bare);
        goto out;
    }
    size_t cn_len = strcspn(r + 3, ",");
    size_t sn_len = strlen(st->snonce);
    st->nonce = malloc(cn_len + sn_len + 1);
    if (st->nonce == NULL)
        abort();
    memcpy(st->nonce, r + 3, cn_len);
    memcpy(st->nonce + cn_len, st->snonce, sn_len + 1);

    char *salt64 = b64(st->salt, st->salt_len);
    const char *shown = st->tamper == FS_SCRAM_FOREIGN_NONCE ? "not-the-client-nonce" : "";
    size_t cap = strlen(st->nonce) + strlen(shown) + strlen(salt64) + 40;
    st->server_first = malloc(cap);
    if (st->server_first == NULL)
        abort();
    if (st->tamper == FS_SCRAM_FOREIGN_NONCE)
        snprintf(st->server_first, cap, "r=%s%s,s=%s,i=%u", shown, st->snonce, salt64,
                 (unsigned)st->iterations);
    else
        snprintf(st->server_first, cap, "r=%s,s=%s,i=%u", st->nonce, salt64,
                 (unsigned)st->iterations);
    free(salt64);
    if (pgw_build_auth_sasl_continue(fs_out(fs), (const uint8_t *)st->server_first,
                                     strlen(st->server_first)) != PGW_OK)
        abort();
    ok = true;
out:
    free(cf);
    return ok;
}

static bool reject_proof(fs_server *fs, scram_srv *st, const char *why)
{
    const char *user = fs_startup_param(fs, "user");
    char msg[200];
    snprintf(msg, sizeof msg, "password authentication failed for user \"%s\"",
             user != NULL ? user : "");
    pgw_field f[4] = {{'S', "FATAL"}, {'V', "FATAL"}, {'C', "28P01"}, {'M', msg}};
    if (pgw_build_error_response(fs_out(fs), f, 4) != PGW_OK)
        abort();
    fsi_hang_up(fs);
    if (st->expect_bad_proof)
        return true;
    return fs_fail(fs, "SCRAM: %s", why);
}

/* Step 2: SASLResponse (client-final) -> AuthenticationSASLFinal. */
static bool on_client_final(fs_server *fs, void *ud)
{
    scram_srv *st = ud;
    const fs_msg *m = fs_last_received(fs);
    if (m == NULL || m->tag != PGW_FE_PASSWORD || st->server_first == NULL)
        return fs_fail(fs, "SCRAM: no SASLResponse to answer");
    if (memchr(m->body, 0, m->len) != NULL)
        return fs_fail(fs, "SCRAM: client-final-message contains a NUL byte");
    char *cf = dup_n(m->body, m->len);
    bool ok = false;
    char *want_c = NULL;
    /* client-final: c=<b64 gs2 header>,r=<nonce>[,ext],p=<proof> */
    char *p = NULL;
    for (char *q = strstr(cf, ",p="); q != NULL; q = strstr(q + 1, ",p="))
        p = q;
    if (strncmp(cf, "c=", 2) != 0 || p == NULL) {
        fs_fail(fs, "SCRAM: malformed client-final-message \"%.60s\"", cf);
        goto out;
    }
    size_t c_len = strcspn(cf + 2, ",");
    want_c = b64((const uint8_t *)st->gs2, strlen(st->gs2));
    if (c_len != strlen(want_c) || memcmp(cf + 2, want_c, c_len) != 0) {
        fs_fail(fs, "SCRAM: channel-binding echo c=%.*s does not match the gs2 header \"%s\"",
                (int)c_len, cf + 2, st->gs2);
        goto out;
    }
    const char *r = cf + 2 + c_len;
    if (strncmp(r, ",r=", 3) != 0) {
        fs_fail(fs, "SCRAM: client-final-message lacks r=");
        goto out;
    }
    size_t r_len = strcspn(r + 3, ",");
    if (r_len != strlen(st->nonce) || memcmp(r + 3, st->nonce, r_len) != 0) {
        fs_fail(fs, "SCRAM: client-final nonce differs from the combined nonce");
        goto out;
    }
    uint8_t proof[KEY_LEN];
    if (!unb64(p + 3, strlen(p + 3), proof, KEY_LEN)) {
        ok = reject_proof(fs, st, "client proof is not 32 bytes of base64");
        goto out;
    }

    /* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
    size_t wp_len = (size_t)(p - cf);
    size_t am_len = strlen(st->client_bare) + 1 + strlen(st->server_first) + 1 + wp_len;
    char *am = malloc(am_len + 1);
    if (am == NULL)
        abort();
    snprintf(am, am_len + 1, "%s,%s,%.*s", st->client_bare, st->server_first, (int)wp_len, cf);

    uint8_t salted[KEY_LEN], ckey[KEY_LEN], stored[KEY_LEN], csig[KEY_LEN], skey[KEY_LEN],
        ssig[KEY_LEN], recovered[KEY_LEN], check[KEY_LEN];
    if (PKCS5_PBKDF2_HMAC(st->password, (int)strlen(st->password), st->salt, (int)st->salt_len,
                          (int)st->iterations, EVP_sha256(), KEY_LEN, salted) != 1)
        abort();
    hmac(salted, KEY_LEN, "Client Key", 10, ckey);
    SHA256(ckey, KEY_LEN, stored);
    hmac(stored, KEY_LEN, am, am_len, csig);
    for (size_t i = 0; i < KEY_LEN; i++)
        recovered[i] = proof[i] ^ csig[i];
    SHA256(recovered, KEY_LEN, check);
    hmac(salted, KEY_LEN, "Server Key", 10, skey);
    hmac(skey, KEY_LEN, am, am_len, ssig);
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(ckey, sizeof ckey);
    free(am);

    if (CRYPTO_memcmp(check, stored, KEY_LEN) != 0) {
        ok = reject_proof(fs, st, "client proof does not verify (wrong password?)");
        goto out;
    }
    if (st->expect_bad_proof) {
        fs_fail(fs, "SCRAM: client proof verified but a wrong password was expected");
        goto out;
    }
    if (st->tamper == FS_SCRAM_BAD_SIGNATURE)
        ssig[0] ^= 0x01;
    char *final = NULL;
    if (st->tamper == FS_SCRAM_ERROR_FINAL) {
        final = dup_n("e=invalid-proof", 15);
    } else if (st->tamper != FS_SCRAM_SKIP_FINAL) {
        char *v = b64(ssig, KEY_LEN);
        size_t n = strlen(v) + 3;
        final = malloc(n);
        if (final == NULL)
            abort();
        snprintf(final, n, "v=%s", v);
        free(v);
    }
    if (final != NULL) {
        int times = st->tamper == FS_SCRAM_FINAL_TWICE ? 2 : 1;
        for (int i = 0; i < times; i++)
            if (pgw_build_auth_sasl_final(fs_out(fs), (const uint8_t *)final, strlen(final)) !=
                PGW_OK)
                abort();
        free(final);
    }
    ok = true;
out:
    free(want_c);
    free(cf);
    return ok;
}

void fs_scram_opts_init(fs_scram_opts *o, const char *password)
{
    memset(o, 0, sizeof *o);
    o->password = password;
}

void fs_scram(fs_script *s, const fs_scram_opts *o)
{
    static const char *const default_mechs[] = {"SCRAM-SHA-256"};
    scram_srv *st = calloc(1, sizeof *st);
    if (st == NULL)
        abort();
    st->password = dup_n(o->password != NULL ? o->password : "",
                         o->password != NULL ? strlen(o->password) : 0);
    const uint8_t *salt = o->salt != NULL ? o->salt : (const uint8_t *)default_salt;
    st->salt_len = o->salt != NULL ? o->salt_len : sizeof default_salt - 1;
    st->salt = malloc(st->salt_len == 0 ? 1 : st->salt_len);
    if (st->salt == NULL)
        abort();
    if (st->salt_len > 0)
        memcpy(st->salt, salt, st->salt_len);
    st->iterations = o->iterations != 0 ? o->iterations : 4096;
    const char *sn = o->server_nonce != NULL ? o->server_nonce : "fsNonce+8Qx2vT0pLk7mZw";
    st->snonce = dup_n(sn, strlen(sn));
    st->tamper = o->tamper;
    st->expect_bad_proof = o->expect_bad_proof;

    if (o->mechs != NULL)
        fs_send_auth_sasl(s, o->mechs, o->n_mechs);
    else
        fs_send_auth_sasl(s, default_mechs, 1);
    fs_expect_sasl_initial(s, NULL);
    /* The first callback step owns the state; the second borrows it, and
     * runs before the script (and so the state) can be freed. */
    fs_callback(s, on_client_first, st, scram_free);
    fs_expect_sasl_response(s);
    fs_callback(s, on_client_final, st, NULL);
}

/* ---- a hostile server-first message ------------------------------------- */

typedef struct raw_first {
    char *tmpl;
    size_t len;
} raw_first;

static void raw_first_free(void *ud)
{
    raw_first *rf = ud;
    if (rf == NULL)
        return;
    free(rf->tmpl);
    free(rf);
}

/* SASLInitialResponse -> SASLContinue(template with the client nonce). */
static bool on_client_first_raw(fs_server *fs, void *ud)
{
    raw_first *rf = ud;
    const fs_msg *m = fs_last_received(fs);
    if (m == NULL || m->tag != PGW_FE_PASSWORD)
        return fs_fail(fs, "SCRAM: no SASLInitialResponse to answer");
    pgw_frame f = {.tag = m->tag, .body = m->body, .len = m->len};
    const char *mech;
    const uint8_t *data;
    int32_t len;
    if (pgw_parse_sasl_initial_response(&f, &mech, &data, &len) != PGW_OK || len < 0)
        return fs_fail(fs, "SCRAM: malformed SASLInitialResponse");
    const char *cf = (const char *)data;
    const char *end = cf + len;
    const char *r = NULL;
    for (const char *q = cf; q + 3 <= end; q++)
        if (memcmp(q, ",r=", 3) == 0) {
            r = q + 3;
            break;
        }
    if (r == NULL)
        return fs_fail(fs, "SCRAM: client-first-message has no nonce");
    size_t cn_len = 0;
    while (r + cn_len < end && r[cn_len] != ',')
        cn_len++;
    static const char mark[] = "{nonce}";
    const size_t mark_len = sizeof mark - 1;
    pgw_buf msg;
    pgw_buf_init(&msg, NULL, 0);
    size_t i = 0;
    while (i < rf->len) {
        if (rf->len - i >= mark_len && memcmp(rf->tmpl + i, mark, mark_len) == 0) {
            pgw_buf_append(&msg, r, cn_len);
            i += mark_len;
        } else {
            pgw_buf_append(&msg, rf->tmpl + i, 1);
            i++;
        }
    }
    if (pgw_buf_status(&msg) != PGW_OK ||
        pgw_build_auth_sasl_continue(fs_out(fs), msg.data, msg.len) != PGW_OK)
        abort();
    pgw_buf_free(&msg);
    return true;
}

void fs_scram_server_first(fs_script *s, const char *tmpl, size_t len)
{
    static const char *const mechs[] = {"SCRAM-SHA-256"};
    raw_first *rf = calloc(1, sizeof *rf);
    if (rf == NULL)
        abort();
    rf->tmpl = malloc(len == 0 ? 1 : len);
    if (rf->tmpl == NULL)
        abort();
    if (len > 0)
        memcpy(rf->tmpl, tmpl, len);
    rf->len = len;
    fs_send_auth_sasl(s, mechs, 1);
    fs_expect_sasl_initial(s, "SCRAM-SHA-256");
    fs_callback(s, on_client_first_raw, rf, raw_first_free);
}
