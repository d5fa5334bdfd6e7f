/* libFuzzer harness for the SCRAM-SHA-256 client.
 *
 * Input: server-first-message, a 0 byte, server-final-message (no 0 byte
 * means an empty server-final). The client nonce and password are fixed
 * (those of tests/vectors/scram_pg15.txt) and max_iterations is 16 so that
 * inputs that get past the parser stay cheap.
 *
 * Invariants checked (abort() on violation):
 *   - every status is one the header documents for that call;
 *   - a refused message leaves the output buffer untouched, sets a reason,
 *     and kills the state (a later call answers PGW_E_STATE);
 *   - an accepted server-first really is r=<our nonce + more>,s=<base64>,
 *     i=<1..16>, and the client-final is exactly c=biws,r=<that nonce>,
 *     p=<base64 of the proof>, the proof recomputed here from the RFC 5802
 *     formulas;
 *   - finish accepts exactly when server-final is v=<base64 of the server
 *     signature recomputed here>.
 *
 * Built with -DPGW_FUZZ_ALLOC_FAIL the first input byte N makes the Nth
 * allocation (and every later one) fail; PGW_E_NOMEM becomes a valid
 * answer and nothing may leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "crypto/crypto.h"

#define FUZZ_PASSWORD "correct horse,battery=staple"
#define FUZZ_NONCE "cGd3aXJlLXBnMTUtdmVjdG9y"
#define FUZZ_MAX_ITERATIONS 16u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

#ifdef PGW_FUZZ_ALLOC_FAIL
typedef struct fail_alloc {
    size_t calls, fail_at, live;
} fail_alloc;

static void *fa_alloc(void *ud, size_t n)
{
    fail_alloc *fa = ud;
    if (fa->calls++ >= fa->fail_at)
        return NULL;
    void *p = malloc(n);
    if (p != NULL)
        fa->live++;
    return p;
}

static void *fa_realloc(void *ud, void *p, size_t old_n, size_t new_n)
{
    fail_alloc *fa = ud;
    (void)old_n;
    if (fa->calls++ >= fa->fail_at)
        return NULL;
    return realloc(p, new_n);
}

static void fa_free(void *ud, void *p, size_t n)
{
    fail_alloc *fa = ud;
    (void)n;
    check(fa->live > 0);
    fa->live--;
    free(p);
}
#endif

/* The expected client proof and server signature for an accepted
 * server-first, from the RFC 5802 formulas. AuthMessage is built by hand
 * here, independently of scram.c. Returns 0 when the input cannot be an
 * accepted server-first (which the caller turns into an abort). */
static int expected_values(const uint8_t *sf, size_t sf_len, const uint8_t *final_wo_proof,
                           size_t wo_len, uint8_t proof[32], uint8_t sig[32])
{
    /* Exactly three attributes, r= s= i=, in that order. */
    const uint8_t *c1 = memchr(sf, ',', sf_len);
    if (c1 == NULL)
        return 0;
    const uint8_t *c2 = memchr(c1 + 1, ',', sf_len - (size_t)(c1 + 1 - sf));
    if (c2 == NULL || memchr(c2 + 1, ',', sf_len - (size_t)(c2 + 1 - sf)) != NULL)
        return 0;
    if (c1 + 1 - sf < 2 || memcmp(sf, "r=", 2) != 0 || memcmp(c1 + 1, "s=", 2) != 0 ||
        (size_t)(sf + sf_len - (c2 + 1)) < 3 || memcmp(c2 + 1, "i=", 2) != 0)
        return 0;
    const uint8_t *salt_b64 = c1 + 3;
    size_t salt_b64_len = (size_t)(c2 - salt_b64);
    const uint8_t *it = c2 + 3;
    size_t it_len = (size_t)(sf + sf_len - it);
    uint32_t iterations = 0;
    if (it_len == 0 || it_len > 2 || it[0] == '0')
        return 0;
    for (size_t i = 0; i < it_len; i++) {
        if (it[i] < '0' || it[i] > '9')
            return 0;
        iterations = iterations * 10 + (uint32_t)(it[i] - '0');
    }
    if (iterations < 1 || iterations > FUZZ_MAX_ITERATIONS)
        return 0;
    uint8_t salt[PGWI_SCRAM_MAX_SALT];
    size_t salt_len = 0;
    if (pgwi_base64_decode((const char *)salt_b64, salt_b64_len, salt, sizeof salt, &salt_len) !=
            PGW_OK ||
        salt_len == 0)
        return 0;

    static const char bare[] = "n=,r=" FUZZ_NONCE;
    size_t am_len = sizeof bare - 1 + 1 + sf_len + 1 + wo_len;
    uint8_t *am = malloc(am_len);
    check(am != NULL);
    memcpy(am, bare, sizeof bare - 1);
    am[sizeof bare - 1] = ',';
    memcpy(am + sizeof bare, sf, sf_len);
    am[sizeof bare + sf_len] = ',';
    memcpy(am + sizeof bare + sf_len + 1, final_wo_proof, wo_len);

    uint8_t salted[32], ck[32], sk[32], csig[32], svk[32];
    int ok = pgwi_pbkdf2_sha256(FUZZ_PASSWORD, sizeof FUZZ_PASSWORD - 1, salt, salt_len, iterations,
                                salted, 32) == PGW_OK &&
             pgwi_hmac_sha256(salted, 32, "Client Key", 10, ck) == PGW_OK &&
             pgwi_sha256(ck, 32, sk) == PGW_OK &&
             pgwi_hmac_sha256(sk, 32, am, am_len, csig) == PGW_OK &&
             pgwi_hmac_sha256(salted, 32, "Server Key", 10, svk) == PGW_OK &&
             pgwi_hmac_sha256(svk, 32, am, am_len, sig) == PGW_OK;
    free(am);
    check(ok);
    for (size_t i = 0; i < 32; i++)
        proof[i] = ck[i] ^ csig[i];
    return 1;
}

/* A refused call: reason set, static-looking (short, printable ASCII). */
static void check_reason(const pgw_scram *s)
{
    const char *why = pgw_scram_error(s);
    check(why != NULL && why[0] != '\0');
    size_t n = strlen(why);
    check(n < 128);
    for (size_t i = 0; i < n; i++)
        check(why[i] >= 0x20 && why[i] < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const pgw_allocator *a = NULL;
#ifdef PGW_FUZZ_ALLOC_FAIL
    if (size == 0)
        return 0;
    fail_alloc fa = {0, data[0], 0};
    pgw_allocator fa_hooks = {fa_alloc, fa_realloc, fa_free, &fa};
    a = &fa_hooks;
    data++;
    size--;
    const int nomem_ok = 1;
#else
    const int nomem_ok = 0;
#endif
    const uint8_t *nul = memchr(data, 0, size);
    const uint8_t *sf = data;
    size_t sf_len = nul != NULL ? (size_t)(nul - data) : size;
    const uint8_t *sv = nul != NULL ? nul + 1 : data + size;
    size_t sv_len = (size_t)(data + size - sv);

    pgw_scram_options opt;
    pgw_scram_options_init(&opt);
    opt.max_iterations = FUZZ_MAX_ITERATIONS;
    pgw_buf cf, out;
    pgw_buf_init(&cf, a, 0);
    pgw_buf_init(&out, a, 0);
    pgw_scram *s = NULL;

    pgw_status rc = pgwi_scram_begin_with_nonce(&s, a, FUZZ_PASSWORD, sizeof FUZZ_PASSWORD - 1,
                                                &opt, FUZZ_NONCE, sizeof FUZZ_NONCE - 1, &cf);
    if (rc != PGW_OK) {
        check(nomem_ok && rc == PGW_E_NOMEM && s == NULL && cf.len == 0);
        goto done;
    }
    check(s != NULL && cf.len == 8 + sizeof FUZZ_NONCE - 1 &&
          memcmp(cf.data, "n,,n=,r=" FUZZ_NONCE, cf.len) == 0);

    rc = pgw_scram_continue(s, sf, sf_len, &out);
    if (rc != PGW_OK) {
        check(rc == PGW_E_AUTH || (nomem_ok && rc == PGW_E_NOMEM));
        check(out.len == 0);
        check_reason(s);
        check(pgw_scram_finish(s, sv, sv_len) == PGW_E_STATE);
        goto done;
    }
    check(pgw_scram_error(s)[0] == '\0');

    /* Accepted: server-first is r=<nonce>,... with our nonce as a strict
     * prefix, and client-final is c=biws,r=<nonce>,p=<44 base64 chars>. */
    const uint8_t *comma = memchr(sf, ',', sf_len);
    check(comma != NULL && sf_len > 2 && memcmp(sf, "r=", 2) == 0);
    const uint8_t *rn = sf + 2;
    size_t rn_len = (size_t)(comma - rn);
    check(rn_len > sizeof FUZZ_NONCE - 1 && memcmp(rn, FUZZ_NONCE, sizeof FUZZ_NONCE - 1) == 0);
    for (size_t i = 0; i < rn_len; i++)
        check(rn[i] >= 0x21 && rn[i] <= 0x7e);
    size_t wo_len = 9 + rn_len;
    check(out.len == wo_len + 3 + 44);
    check(memcmp(out.data, "c=biws,r=", 9) == 0 && memcmp(out.data + 9, rn, rn_len) == 0 &&
          memcmp(out.data + wo_len, ",p=", 3) == 0);
    uint8_t got_proof[32], want_proof[32], want_sig[32];
    size_t got_len = 0;
    check(pgwi_base64_decode((const char *)out.data + wo_len + 3, 44, got_proof, sizeof got_proof,
                             &got_len) == PGW_OK &&
          got_len == 32);
    check(expected_values(sf, sf_len, out.data, wo_len, want_proof, want_sig));
    check(memcmp(got_proof, want_proof, 32) == 0);

    uint8_t sv_sig[32];
    size_t sv_sig_len = 0;
    int want_ok = sv_len >= 2 && memcmp(sv, "v=", 2) == 0 &&
                  pgwi_base64_decode((const char *)sv + 2, sv_len - 2, sv_sig, sizeof sv_sig,
                                     &sv_sig_len) == PGW_OK &&
                  sv_sig_len == 32 && memcmp(sv_sig, want_sig, 32) == 0;
    rc = pgw_scram_finish(s, sv, sv_len);
    if (want_ok) {
        check(rc == PGW_OK && pgw_scram_error(s)[0] == '\0');
    } else {
        check(rc == PGW_E_AUTH);
        check_reason(s);
    }
    /* Whatever happened, the exchange is over. */
    check(pgw_scram_finish(s, sv, sv_len) == PGW_E_STATE);

done:
    pgw_scram_free(s);
    pgw_buf_free(&cf);
    pgw_buf_free(&out);
#ifdef PGW_FUZZ_ALLOC_FAIL
    check(fa.live == 0);
#endif
    return 0;
}
