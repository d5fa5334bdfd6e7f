/* The crypto seam as the auth module uses it, on whichever backend is
 * built: the RFC 7677 section 3 SCRAM-SHA-256 exchange byte for byte
 * (PBKDF2 with 4096 iterations, HMAC, SHA-256, constant-time signature
 * check), and PostgreSQL's md5 password response against a value computed
 * independently with Python's hashlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/auth.h"
#include "pgwire/buf.h"

#include "auth/auth_int.h"

static void assert_buf_is(const pgw_buf *b, const char *want)
{
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
}

#define RFC_NONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC_SERVER_NONCE RFC_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SERVER_FIRST "r=" RFC_SERVER_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

static pgw_scram *rfc_begin(pgw_buf *first)
{
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_user(&s, NULL, "pencil", 6, NULL, "user", 4, RFC_NONCE,
                                                strlen(RFC_NONCE), first),
                     PGW_OK);
    return s;
}

static void test_scram_rfc7677_exchange_matches(void **state)
{
    pgw_buf first, final;
    pgw_buf_init(&first, NULL, 0);
    pgw_buf_init(&final, NULL, 0);
    pgw_scram *s = rfc_begin(&first);
    assert_buf_is(&first, "n,,n=user,r=" RFC_NONCE);
    assert_int_equal(
        pgw_scram_continue(s, (const uint8_t *)RFC_SERVER_FIRST, strlen(RFC_SERVER_FIRST), &final),
        PGW_OK);
    assert_buf_is(&final,
                  "c=biws,r=" RFC_SERVER_NONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    assert_int_equal(
        pgw_scram_finish(s, (const uint8_t *)RFC_SERVER_FINAL, strlen(RFC_SERVER_FINAL)), PGW_OK);
    pgw_scram_free(s);
    pgw_buf_free(&first);
    pgw_buf_free(&final);
}

/* The server signature is checked, not just parsed: one flipped base64
 * character must fail authentication. */
static void test_scram_rfc7677_wrong_server_signature_fails(void **state)
{
    pgw_buf first, final;
    pgw_buf_init(&first, NULL, 0);
    pgw_buf_init(&final, NULL, 0);
    pgw_scram *s = rfc_begin(&first);
    assert_int_equal(
        pgw_scram_continue(s, (const uint8_t *)RFC_SERVER_FIRST, strlen(RFC_SERVER_FIRST), &final),
        PGW_OK);
    char bad[] = RFC_SERVER_FINAL;
    bad[5] = bad[5] == 'A' ? 'B' : 'A';
    assert_int_equal(pgw_scram_finish(s, (const uint8_t *)bad, strlen(bad)), PGW_E_AUTH);
    pgw_scram_free(s);
    pgw_buf_free(&first);
    pgw_buf_free(&final);
}

static void test_md5_password_known_answer_matches(void **state)
{
    static const uint8_t salt[4] = {1, 2, 3, 4};
    char out[36];
    assert_int_equal(pgw_md5_password("alice", 5, "secretpw", 8, salt, out), PGW_OK);
    assert_string_equal(out, "md51c32133f2811b9ed4ec031ea397ba262");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scram_rfc7677_exchange_matches),
        cmocka_unit_test(test_scram_rfc7677_wrong_server_signature_fails),
        cmocka_unit_test(test_md5_password_known_answer_matches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
