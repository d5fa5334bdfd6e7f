/* SCRAM-SHA-256 client: the RFC 7677 vector, a recorded PostgreSQL 15
 * exchange, every malformed or hostile server message we refuse, the step
 * machine, and out-of-memory behaviour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/auth.h"
#include "pgwire/buf.h"

#include "auth/auth_int.h"

/* A low-iteration exchange (i=16) with password "pencil" and client nonce
 * NONCE, user name empty as PostgreSQL sends it. The expected client-final
 * and server-final were computed independently with Python's hashlib/hmac
 * (RFC 5802 section 3 formulas), not with this library. */
#define PW "pencil"
#define NONCE "fyko+d2lbbFgONRv9qkxdawL"
#define SNONCE NONCE "3rfcNHYJY1ZVvWVs7j"
#define SF16 "r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16"
#define CF16 "c=biws,r=" SNONCE ",p=JHlvMfEFNdATKsl4k8hdnp/bOF9e7gQMdhBtxGtPFFY="
#define SV16 "v=FBMmI7y5//LAsyMNTJwKXQ/cMP7Owb/iip/DIZlbnag="

/* ---- helpers ----------------------------------------------------------- */

static pgw_status begin_opts(pgw_scram **s, pgw_buf *cf, const pgw_scram_options *opt)
{
    pgw_buf_init(cf, NULL, 0);
    return pgwi_scram_begin_with_nonce(s, NULL, PW, strlen(PW), opt, NONCE, strlen(NONCE), cf);
}

static pgw_scram *begin_ok(uint32_t max_iterations)
{
    pgw_scram_options opt;
    pgw_scram_options_init(&opt);
    opt.max_iterations = max_iterations;
    pgw_scram *s = NULL;
    pgw_buf cf;
    assert_int_equal(begin_opts(&s, &cf, &opt), PGW_OK);
    assert_non_null(s);
    pgw_buf_free(&cf);
    return s;
}

static pgw_status cont_str(pgw_scram *s, const char *msg, pgw_buf *out)
{
    return pgw_scram_continue(s, (const uint8_t *)msg, strlen(msg), out);
}

static pgw_status fin_str(pgw_scram *s, const char *msg)
{
    return pgw_scram_finish(s, (const uint8_t *)msg, strlen(msg));
}

static void assert_buf_equals(const pgw_buf *b, const char *want)
{
    assert_int_equal(pgw_buf_status(b), PGW_OK);
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
}

/* The server-first must be refused with PGW_E_AUTH, leave the output buffer
 * untouched, and leave the state dead. Returns the reason. */
static const char *expect_first_refused_n(const uint8_t *msg, size_t len, uint32_t max_iter)
{
    pgw_scram *s = begin_ok(max_iter);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(pgw_buf_append(&out, "keep", 4), PGW_OK);
    assert_int_equal(pgw_scram_continue(s, msg, len, &out), PGW_E_AUTH);
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.data, "keep", 4);
    const char *why = pgw_scram_error(s);
    assert_non_null(why);
    assert_true(why[0] != '\0');
    /* Dead: nothing more is accepted, and the first reason is kept. */
    assert_int_equal(fin_str(s, SV16), PGW_E_STATE);
    assert_int_equal(cont_str(s, SF16, &out), PGW_E_STATE);
    assert_string_equal(pgw_scram_error(s), why);
    assert_int_equal(out.len, 4);
    pgw_buf_free(&out);
    pgw_scram_free(s);
    return why; /* static string: outlives the state */
}

static const char *expect_first_refused(const char *msg)
{
    return expect_first_refused_n((const uint8_t *)msg, strlen(msg), 0);
}

/* A state that has accepted SF16 and waits for server-final. */
static pgw_scram *after_first(void)
{
    pgw_scram *s = begin_ok(0);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(cont_str(s, SF16, &out), PGW_OK);
    assert_buf_equals(&out, CF16);
    pgw_buf_free(&out);
    return s;
}

static const char *expect_final_refused_n(const uint8_t *msg, size_t len)
{
    pgw_scram *s = after_first();
    assert_int_equal(pgw_scram_finish(s, msg, len), PGW_E_AUTH);
    const char *why = pgw_scram_error(s);
    assert_true(why[0] != '\0');
    /* Even the correct signature is refused once the state is dead. */
    assert_int_equal(fin_str(s, SV16), PGW_E_STATE);
    assert_string_equal(pgw_scram_error(s), why);
    pgw_scram_free(s);
    return why;
}

static const char *expect_final_refused(const char *msg)
{
    return expect_final_refused_n((const uint8_t *)msg, strlen(msg));
}

/* ---- known answers ----------------------------------------------------- */

/* RFC 7677 section 3, byte for byte. The RFC's client-first carries
 * n=user, which PostgreSQL never sends, so the internal entry point that
 * sets a user name is used here. */
static void test_scram_rfc7677_vector_matches_exactly(void **state)
{
    pgw_buf cf, out;
    pgw_buf_init(&cf, NULL, 0);
    pgw_buf_init(&out, NULL, 0);
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_user(&s, NULL, "pencil", 6, NULL, "user", 4,
                                                "rOprNGfwEbeRWgbNEkqO", 20, &cf),
                     PGW_OK);
    assert_buf_equals(&cf, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    assert_int_equal(cont_str(s,
                              "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                              "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                              &out),
                     PGW_OK);
    assert_buf_equals(&out, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                            "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    assert_int_equal(fin_str(s, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), PGW_OK);
    assert_string_equal(pgw_scram_error(s), "");
    pgw_scram_free(s);
    pgw_buf_free(&cf);
    pgw_buf_free(&out);
}

/* The RFC 7677 inputs as PostgreSQL uses them (n= empty). The proof and
 * signature differ from the RFC's because AuthMessage contains "n=";
 * expected values computed independently with Python's hashlib/hmac. */
static void test_scram_rfc7677_inputs_empty_user_match_independent_values(void **state)
{
    pgw_buf cf, out;
    pgw_buf_init(&cf, NULL, 0);
    pgw_buf_init(&out, NULL, 0);
    pgw_scram *s = NULL;
    assert_int_equal(
        pgwi_scram_begin_with_nonce(&s, NULL, "pencil", 6, NULL, "rOprNGfwEbeRWgbNEkqO", 20, &cf),
        PGW_OK);
    assert_buf_equals(&cf, "n,,n=,r=rOprNGfwEbeRWgbNEkqO");
    assert_int_equal(cont_str(s,
                              "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                              "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
                              &out),
                     PGW_OK);
    assert_buf_equals(&out, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                            "p=qvT2SWdEH5Q06albL+hjSYuUhCG7VndFyzIb7CK4n9k=");
    assert_int_equal(fin_str(s, "v=3HO6Qt1M4MKJrmlKaoOqLAI0/0TV0HZe7J9H3MBtSOg="), PGW_OK);
    pgw_scram_free(s);
    pgw_buf_free(&cf);
    pgw_buf_free(&out);
}

/* tests/vectors/scram_pg15.txt: key=value lines. */
typedef struct pg15_vector {
    char password[256], client_nonce[256], client_first[512], server_first[512], client_final[512],
        server_final[512];
} pg15_vector;

static void load_pg15(pg15_vector *v)
{
    memset(v, 0, sizeof *v);
    FILE *f = fopen(PGW_TEST_VECTORS_DIR "/scram_pg15.txt", "r");
    assert_non_null(f);
    char line[1024];
    unsigned seen = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *eq = strchr(line, '=');
        assert_non_null(eq);
        *eq = '\0';
        const char *val = eq + 1;
        struct {
            const char *key;
            char *dst;
            size_t cap;
        } keys[] = {
            {"password", v->password, sizeof v->password},
            {"client_nonce", v->client_nonce, sizeof v->client_nonce},
            {"client_first", v->client_first, sizeof v->client_first},
            {"server_first", v->server_first, sizeof v->server_first},
            {"client_final", v->client_final, sizeof v->client_final},
            {"server_final", v->server_final, sizeof v->server_final},
        };
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            if (strcmp(line, keys[i].key) == 0) {
                assert_true(strlen(val) < keys[i].cap);
                strcpy(keys[i].dst, val);
                seen |= 1u << i;
            }
        }
    }
    fclose(f);
    assert_int_equal(seen, 0x3f);
}

/* A real PostgreSQL 15 server accepted this exchange; we must produce the
 * same client bytes and accept its signature. */
static void test_scram_pg15_recording_replays_exactly(void **state)
{
    pg15_vector v;
    load_pg15(&v);
    pgw_buf cf, out;
    pgw_buf_init(&cf, NULL, 0);
    pgw_buf_init(&out, NULL, 0);
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_nonce(&s, NULL, v.password, strlen(v.password), NULL,
                                                 v.client_nonce, strlen(v.client_nonce), &cf),
                     PGW_OK);
    assert_buf_equals(&cf, v.client_first);
    assert_int_equal(cont_str(s, v.server_first, &out), PGW_OK);
    assert_buf_equals(&out, v.client_final);
    assert_int_equal(fin_str(s, v.server_final), PGW_OK);
    pgw_scram_free(s);
    pgw_buf_free(&cf);
    pgw_buf_free(&out);
}

static void test_scram_low_iteration_exchange_matches_independent_values(void **state)
{
    pgw_scram *s = after_first(); /* asserts CF16 byte for byte */
    assert_int_equal(fin_str(s, SV16), PGW_OK);
    pgw_scram_free(s);
}

/* Decoded salt exactly at the 1 KiB cap is accepted (expected values from
 * Python; the salt is bytes (i * 7) & 255 for i in 0..1023). */
static void test_scram_salt_at_cap_is_accepted(void **state)
{
    uint8_t salt[1024];
    for (size_t i = 0; i < sizeof salt; i++)
        salt[i] = (uint8_t)((i * 7) & 255);
    char sf[2048] = "r=" NONCE "x,s=";
    size_t n = strlen(sf), got = 0;
    assert_int_equal(pgwi_base64_encode(salt, sizeof salt, sf + n, sizeof sf - n, &got), PGW_OK);
    memcpy(sf + n + got, ",i=1", 5);
    pgw_scram *s = begin_ok(0);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(cont_str(s, sf, &out), PGW_OK);
    assert_buf_equals(&out, "c=biws,r=" NONCE "x,p=n/aYIcU/tDH0w9KI659LuaOk4RkPitlHhwk/838JdbM=");
    assert_int_equal(fin_str(s, "v=fosw711yb2oHkupyK2HR2syJr2hrI3FluOaw+iXU55c="), PGW_OK);
    pgw_buf_free(&out);
    pgw_scram_free(s);
}

/* ---- begin ------------------------------------------------------------- */

static void test_scram_begin_random_nonce_is_24_base64_chars(void **state)
{
    pgw_buf a, b;
    pgw_buf_init(&a, NULL, 0);
    pgw_buf_init(&b, NULL, 0);
    pgw_scram *s1 = NULL, *s2 = NULL;
    assert_int_equal(pgw_scram_begin(&s1, NULL, PW, 6, NULL, &a), PGW_OK);
    assert_int_equal(pgw_scram_begin(&s2, NULL, PW, 6, NULL, &b), PGW_OK);
    const char prefix[] = "n,,n=,r=";
    assert_int_equal(a.len, strlen(prefix) + 24);
    assert_memory_equal(a.data, prefix, strlen(prefix));
    uint8_t raw[18];
    size_t raw_len = 0;
    assert_int_equal(
        pgwi_base64_decode((const char *)a.data + strlen(prefix), 24, raw, sizeof raw, &raw_len),
        PGW_OK);
    assert_int_equal(raw_len, 18);
    /* 144 random bits: a collision means the randomness is broken. */
    assert_memory_not_equal(a.data, b.data, a.len);
    pgw_scram_free(s1);
    pgw_scram_free(s2);
    pgw_buf_free(&a);
    pgw_buf_free(&b);
}

static void test_scram_begin_appends_without_touching_existing_bytes(void **state)
{
    pgw_buf cf;
    pgw_buf_init(&cf, NULL, 0);
    assert_int_equal(pgw_buf_append(&cf, "prefix|", 7), PGW_OK);
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_nonce(&s, NULL, PW, 6, NULL, NONCE, 24, &cf), PGW_OK);
    assert_buf_equals(&cf, "prefix|n,,n=,r=" NONCE);
    pgw_scram_free(s);
    pgw_buf_free(&cf);
}

static void test_scram_cbind_unused_sends_y_header(void **state)
{
    pgw_scram_options opt;
    pgw_scram_options_init(&opt);
    opt.cbind = PGW_SCRAM_CBIND_UNUSED;
    pgw_scram *s = NULL;
    pgw_buf cf, out;
    assert_int_equal(begin_opts(&s, &cf, &opt), PGW_OK);
    assert_buf_equals(&cf, "y,,n=,r=" NONCE);
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(cont_str(s, SF16, &out), PGW_OK);
    assert_buf_equals(&out, "c=eSws,r=" SNONCE ",p=GA37VCjpVTm/++7ovHRn/G+N8yKdCTnfmpok3O6Q+E8=");
    assert_int_equal(fin_str(s, "v=/AN/AgzFeooBvxyCipaO2oRIIMOq236E/8zgiEG3a1E="), PGW_OK);
    pgw_scram_free(s);
    pgw_buf_free(&cf);
    pgw_buf_free(&out);
}

/* c= is base64(gs2 header + tls-server-end-point hash); here the "hash" is
 * the bytes 0..31. */
static void test_scram_cbind_tls_endpoint_binds_data(void **state)
{
    uint8_t hash[32];
    for (size_t i = 0; i < sizeof hash; i++)
        hash[i] = (uint8_t)i;
    pgw_scram_options opt;
    pgw_scram_options_init(&opt);
    opt.cbind = PGW_SCRAM_CBIND_TLS_ENDPOINT;
    opt.cbind_data = hash;
    opt.cbind_len = sizeof hash;
    pgw_scram *s = NULL;
    pgw_buf cf, out;
    assert_int_equal(begin_opts(&s, &cf, &opt), PGW_OK);
    assert_buf_equals(&cf, "p=tls-server-end-point,,n=,r=" NONCE);
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(cont_str(s, SF16, &out), PGW_OK);
    assert_buf_equals(
        &out, "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
              ",r=" SNONCE ",p=2nKcP3WOqqdM68WfrKdLZVvFKPisB8gljFvCw4EffeQ=");
    assert_int_equal(fin_str(s, "v=CJW8N0QBbvi0jDhQnb39j0ATM0O1hfjxgVcCWMIriuc="), PGW_OK);
    pgw_scram_free(s);
    pgw_buf_free(&cf);
    pgw_buf_free(&out);
}

static void test_scram_begin_bad_options_are_invalid(void **state)
{
    uint8_t hash[4] = {1, 2, 3, 4};
    pgw_scram_options opt;
    pgw_scram *s = (pgw_scram *)&opt; /* must be reset to NULL */
    pgw_buf cf;

    pgw_scram_options_init(&opt);
    opt.cbind = PGW_SCRAM_CBIND_TLS_ENDPOINT; /* PLUS without data */
    assert_int_equal(begin_opts(&s, &cf, &opt), PGW_E_INVALID);
    assert_null(s);
    assert_int_equal(cf.len, 0);

    opt.cbind_data = hash;
    opt.cbind_len = 0;
    assert_int_equal(begin_opts(&s, &cf, &opt), PGW_E_INVALID);
    opt.cbind_len = PGWI_SCRAM_MAX_CBIND + 1;
    assert_int_equal(begin_opts(&s, &cf, &opt), PGW_E_INVALID);

    pgw_scram_options_init(&opt);
    opt.cbind = (pgw_scram_cbind)7;
    assert_int_equal(begin_opts(&s, &cf, &opt), PGW_E_INVALID);

    pgw_scram_options_init(&opt);
    opt.size = 0; /* not initialised with pgw_scram_options_init */
    assert_int_equal(begin_opts(&s, &cf, &opt), PGW_E_INVALID);
    assert_null(s);

    assert_int_equal(pgw_scram_begin(NULL, NULL, PW, 6, NULL, &cf), PGW_E_INVALID);
    assert_int_equal(pgwi_scram_begin_with_nonce(NULL, NULL, PW, 6, NULL, NONCE, 24, &cf),
                     PGW_E_INVALID);
    assert_int_equal(pgw_scram_begin(&s, NULL, PW, 6, NULL, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_scram_begin(&s, NULL, NULL, 6, NULL, &cf), PGW_E_INVALID);
    assert_null(s);
    pgw_buf_free(&cf);
}

static void test_scram_begin_bad_nonce_is_invalid(void **state)
{
    const char *bad[] = {"", "abc,def", "abc def", "abc\x01", "abc\x7f", "abc\xc3\xa9"};
    pgw_buf cf;
    pgw_buf_init(&cf, NULL, 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pgw_scram *s = NULL;
        assert_int_equal(
            pgwi_scram_begin_with_nonce(&s, NULL, PW, 6, NULL, bad[i], strlen(bad[i]), &cf),
            PGW_E_INVALID);
        assert_null(s);
    }
    char longn[PGWI_SCRAM_MAX_NONCE_LEN + 1];
    memset(longn, 'a', sizeof longn);
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_nonce(&s, NULL, PW, 6, NULL, longn, sizeof longn, &cf),
                     PGW_E_INVALID);
    assert_int_equal(pgwi_scram_begin_with_nonce(&s, NULL, PW, 6, NULL, "a\0b", 3, &cf),
                     PGW_E_INVALID);
    assert_int_equal(cf.len, 0);
    pgw_buf_free(&cf);
}

static void test_scram_user_name_is_escaped(void **state)
{
    pgw_buf cf;
    pgw_buf_init(&cf, NULL, 0);
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_user(&s, NULL, PW, 6, NULL, "a,b=c", 5, "xyz", 3, &cf),
                     PGW_OK);
    assert_buf_equals(&cf, "n,,n=a=2Cb=3Dc,r=xyz");
    pgw_scram_free(s);
    assert_int_equal(pgwi_scram_begin_with_user(&s, NULL, PW, 6, NULL, "a\0b", 3, "xyz", 3, &cf),
                     PGW_E_INVALID);
    assert_null(s);
    pgw_buf_free(&cf);
}

/* A bounded output buffer that cannot hold client-first: the failure is
 * reported, nothing is appended and no state is returned. */
static void test_scram_begin_output_limit_is_too_large(void **state)
{
    pgw_buf cf;
    pgw_buf_init(&cf, NULL, 10);
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_nonce(&s, NULL, PW, 6, NULL, NONCE, 24, &cf),
                     PGW_E_TOO_LARGE);
    assert_null(s);
    assert_int_equal(cf.len, 0);
    pgw_buf_free(&cf);
}

/* The same for client-final: here the c= and r= parts fit but the proof
 * does not, so the failure comes half-way through the build. */
static void test_scram_continue_output_limit_is_too_large(void **state)
{
    pgw_scram *s = begin_ok(0);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 60);
    assert_int_equal(cont_str(s, SF16, &out), PGW_E_TOO_LARGE);
    assert_int_equal(out.len, 0);
    assert_string_equal(pgw_scram_error(s), "output buffer limit reached");
    assert_int_equal(fin_str(s, SV16), PGW_E_STATE);
    pgw_buf_free(&out);
    pgw_scram_free(s);
}

/* Bytes that are not ASCII are used as given until SASLprep lands; the
 * exchange still completes (expected values are our own output checked
 * for shape only: the point is that nothing refuses or rewrites them). */
static void test_scram_non_ascii_password_is_accepted(void **state)
{
    const char pw[] = "p\xc3\xa4ss\xff";
    pgw_buf cf, out;
    pgw_buf_init(&cf, NULL, 0);
    pgw_buf_init(&out, NULL, 0);
    pgw_scram *s = NULL;
    assert_int_equal(pgwi_scram_begin_with_nonce(&s, NULL, pw, sizeof pw - 1, NULL, NONCE, 24, &cf),
                     PGW_OK);
    assert_int_equal(cont_str(s, SF16, &out), PGW_OK);
    /* Same server-first, different password: a different proof. */
    assert_int_equal(out.len, strlen(CF16));
    assert_memory_not_equal(out.data, CF16, out.len);
    assert_int_equal(fin_str(s, SV16), PGW_E_AUTH);
    pgw_scram_free(s);
    pgw_buf_free(&cf);
    pgw_buf_free(&out);
}

/* ---- server-first: nonce ----------------------------------------------- */

static void test_scram_nonce_not_extending_ours_is_refused(void **state)
{
    assert_string_equal(
        expect_first_refused("r=Xyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=16"),
        "server nonce does not extend the client nonce");
    /* A prefix of ours is not an extension either. */
    assert_string_equal(expect_first_refused("r=fyko+d2lbb,s=QSXCR+Q6sek8bf92,i=16"),
                        "server nonce does not extend the client nonce");
}

static void test_scram_nonce_equal_to_ours_is_refused(void **state)
{
    assert_string_equal(expect_first_refused("r=" NONCE ",s=QSXCR+Q6sek8bf92,i=16"),
                        "server nonce does not extend the client nonce");
}

static void test_scram_nonce_with_comma_is_refused(void **state)
{
    /* The ',' ends the nonce; what follows is not s=. */
    expect_first_refused("r=" NONCE "ab,cd,s=QSXCR+Q6sek8bf92,i=16");
}

static void test_scram_nonce_with_unprintable_bytes_is_refused(void **state)
{
    const char *bad[] = {
        "r=" NONCE "a\x01,s=QSXCR+Q6sek8bf92,i=16", "r=" NONCE "a b,s=QSXCR+Q6sek8bf92,i=16",
        "r=" NONCE "a\x7f,s=QSXCR+Q6sek8bf92,i=16", "r=" NONCE "\xc3\xa9,s=QSXCR+Q6sek8bf92,i=16",
        "r=" NONCE "a\t,s=QSXCR+Q6sek8bf92,i=16",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(expect_first_refused(bad[i]),
                            "server nonce contains invalid characters");
    static const uint8_t nul[] = "r=" NONCE "a\0b,s=QSXCR+Q6sek8bf92,i=16";
    assert_string_equal(expect_first_refused_n(nul, sizeof nul - 1, 0),
                        "server nonce contains invalid characters");
}

static void test_scram_huge_server_first_is_refused(void **state)
{
    size_t n = 1024 * 1024;
    uint8_t *msg = malloc(n + 64);
    assert_non_null(msg);
    memcpy(msg, "r=" NONCE, 26);
    memset(msg + 26, 'x', n);
    memcpy(msg + 26 + n, ",s=QSXCR+Q6sek8bf92,i=16", 24);
    assert_string_equal(expect_first_refused_n(msg, 26 + n + 24, 0),
                        "server-first-message is too long");
    free(msg);
}

/* ---- server-first: iterations ------------------------------------------ */

/* Each of these is refused while parsing, i.e. before PBKDF2 could run
 * (2147483647 iterations would take minutes). */
static void test_scram_bad_iteration_counts_are_refused(void **state)
{
    const char *invalid[] = {"0",       "-1", "+16",  " 16", "16 ",   "016",
                             "4096abc", "",   "0x10", "1e3", "16,x=1"};
    char msg[256];
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        snprintf(msg, sizeof msg, "r=%s,s=QSXCR+Q6sek8bf92,i=%s", SNONCE, invalid[i]);
        const char *why = expect_first_refused(msg);
        assert_true(strcmp(why, "invalid iteration count in server-first-message") == 0 ||
                    strcmp(why, "unexpected attribute after i= in server-first-message") == 0);
    }
    const char *huge[] = {"99999999999", "2147483647", "4294967296", "100001",
                          "99999999999999999999999999999999999999999"};
    for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
        snprintf(msg, sizeof msg, "r=%s,s=QSXCR+Q6sek8bf92,i=%s", SNONCE, huge[i]);
        assert_string_equal(expect_first_refused(msg),
                            "server iteration count exceeds the configured maximum");
    }
}

static void test_scram_missing_iteration_count_is_refused(void **state)
{
    assert_string_equal(expect_first_refused("r=" SNONCE ",s=QSXCR+Q6sek8bf92"),
                        "malformed server-first-message: expected s= and i=");
    assert_string_equal(expect_first_refused("r=" SNONCE ",s=QSXCR+Q6sek8bf92,"),
                        "malformed server-first-message: expected i=");
    assert_string_equal(expect_first_refused("r=" SNONCE ",s=QSXCR+Q6sek8bf92,x=16"),
                        "malformed server-first-message: expected i=");
}

/* The cap is inclusive: max_iterations is accepted, one more is not. */
static void test_scram_iteration_cap_boundary(void **state)
{
    pgw_scram *s = begin_ok(16);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(cont_str(s, SF16, &out), PGW_OK);
    pgw_buf_free(&out);
    pgw_scram_free(s);
    static const char sf17[] = "r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=17";
    assert_string_equal(expect_first_refused_n((const uint8_t *)sf17, sizeof sf17 - 1, 16),
                        "server iteration count exceeds the configured maximum");
}

/* ---- server-first: salt ------------------------------------------------ */

static void test_scram_bad_salts_are_refused(void **state)
{
    assert_string_equal(expect_first_refused("r=" SNONCE ",s=,i=16"),
                        "empty salt in server-first-message");
    const char *bad[] = {"QSXCR+Q6sek8bf9",  "QSXCR+Q6sek8bf9!",  "QSXC=+Q6sek8bf92",
                         "QSXCR-Q6sek8bf92", "QSXCR+Q6sek8bf92=", "====",
                         "QSXCR+Q6 ek8bf92"};
    char msg[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(msg, sizeof msg, "r=%s,s=%s,i=16", SNONCE, bad[i]);
        assert_string_equal(expect_first_refused(msg),
                            "salt in server-first-message is not valid base64");
    }
}

static void test_scram_salt_over_cap_is_refused(void **state)
{
    uint8_t salt[PGWI_SCRAM_MAX_SALT + 1];
    memset(salt, 0xa5, sizeof salt);
    char msg[2048] = "r=" SNONCE ",s=";
    size_t n = strlen(msg), got = 0;
    assert_int_equal(pgwi_base64_encode(salt, sizeof salt, msg + n, sizeof msg - n, &got), PGW_OK);
    memcpy(msg + n + got, ",i=16", 6);
    assert_string_equal(expect_first_refused(msg), "salt in server-first-message is too long");
}

/* ---- server-first: attributes ------------------------------------------ */

static void test_scram_mandatory_extension_is_refused(void **state)
{
    assert_string_equal(expect_first_refused("m=ext,r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16"),
                        "server requires an unsupported SCRAM extension");
}

static void test_scram_bad_attribute_layout_is_refused(void **state)
{
    const char *bad[] = {
        "",                                                        /* empty */
        "s=QSXCR+Q6sek8bf92,r=" SNONCE ",i=16",                    /* order */
        "r=" SNONCE ",i=16,s=QSXCR+Q6sek8bf92",                    /* order */
        "r=" SNONCE ",r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16",       /* duplicate r */
        "r=" SNONCE ",s=QSXCR+Q6sek8bf92,s=QSXCR+Q6sek8bf92,i=16", /* duplicate s */
        "r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16,i=16",               /* duplicate i */
        "r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16,x=y",                /* extension */
        "r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16,",                   /* trailing comma */
        "r=" SNONCE ",x=1,s=QSXCR+Q6sek8bf92,i=16",                /* unknown */
        "r=" SNONCE ",i=16",                                       /* missing s */
        "s=QSXCR+Q6sek8bf92,i=16",                                 /* missing r */
        "r=" SNONCE,                                               /* r only */
        "R=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16",                    /* case */
        "r" SNONCE ",s=QSXCR+Q6sek8bf92,i=16",                     /* no '=' */
        ",r=" SNONCE ",s=QSXCR+Q6sek8bf92,i=16",                   /* leading comma */
        "e=other-error",                                           /* error in first */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_first_refused(bad[i]);
}

/* ---- server-final ------------------------------------------------------ */

static void test_scram_bad_server_signature_is_refused(void **state)
{
    /* One character changed (and still valid base64 of 32 bytes). */
    assert_string_equal(expect_final_refused("v=GBMmI7y5//LAsyMNTJwKXQ/cMP7Owb/iip/DIZlbnag="),
                        "server signature does not match");
    /* The signature of a different exchange (the RFC's). */
    assert_string_equal(expect_final_refused("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
                        "server signature does not match");
}

static void test_scram_server_signature_not_base64_is_refused(void **state)
{
    assert_string_equal(expect_final_refused("v=FBMmI7y5//LAsyMNTJwKXQ/cMP7Owb/iip/DIZlbnag"),
                        "server signature is not valid base64");
    assert_string_equal(expect_final_refused("v=FBMmI7y5//LAsyMNTJwKXQ/cMP7Owb/iip/DIZlbna!="),
                        "server signature is not valid base64");
    assert_string_equal(expect_final_refused("v=FBMmI7y5//LAsyMNTJwKXQ/cMP7Owb/iip/DIZlbnag= "),
                        "server signature is not valid base64");
}

static void test_scram_server_signature_wrong_length_is_refused(void **state)
{
    /* 31 and 33 bytes, and empty. */
    assert_string_equal(expect_final_refused("v=FBMmI7y5//LAsyMNTJwKXQ/cMP7Owb/iip/DIZlb"),
                        "server signature has the wrong length");
    assert_string_equal(expect_final_refused("v=FBMmI7y5//LAsyMNTJwKXQ/cMP7Owb/iip/DIZlbnagA"),
                        "server signature has the wrong length");
    assert_string_equal(expect_final_refused("v="), "server signature has the wrong length");
}

static void test_scram_huge_server_final_is_refused(void **state)
{
    size_t n = 10 * 1024;
    uint8_t *msg = malloc(n);
    assert_non_null(msg);
    memcpy(msg, "v=", 2);
    memset(msg + 2, 'A', n - 2);
    assert_string_equal(expect_final_refused_n(msg, n), "server-final-message is too long");
    /* Under the message cap but still far too long for a signature. */
    assert_string_equal(expect_final_refused_n(msg, 1998), "server signature has the wrong length");
    free(msg);
}

static void test_scram_server_error_is_refused_without_echo(void **state)
{
    assert_string_equal(expect_final_refused("e=invalid-proof"),
                        "server rejected the SCRAM exchange: invalid-proof");
    assert_string_equal(expect_final_refused("e=other-error,x=1"),
                        "server rejected the SCRAM exchange: other-error");
    /* Anything else: a fixed reason that never carries the server's bytes. */
    const char *why = expect_final_refused("e=SECRET-hunter2\x1b[31m");
    assert_string_equal(why, "server rejected the SCRAM exchange");
    assert_null(strstr(why, "SECRET"));
    assert_string_equal(expect_final_refused("e="), "server rejected the SCRAM exchange");
}

static void test_scram_malformed_server_final_is_refused(void **state)
{
    assert_string_equal(expect_final_refused(""), "malformed server-final-message: expected v=");
    assert_string_equal(expect_final_refused("x=1"), "malformed server-final-message: expected v=");
    assert_string_equal(expect_final_refused("V=FBMmI7y5//LAsyMNTJwKXQ/cMP7Owb/iip/DIZlbnag="),
                        "malformed server-final-message: expected v=");
    assert_string_equal(expect_final_refused(SV16 ",x=1"),
                        "unexpected attribute after v= in server-final-message");
    assert_string_equal(expect_final_refused(SV16 ","),
                        "unexpected attribute after v= in server-final-message");
    static const uint8_t nul[] = SV16 "\0";
    assert_string_equal(expect_final_refused_n(nul, sizeof nul - 1),
                        "server signature is not valid base64");
}

/* ---- step machine ------------------------------------------------------ */

static void test_scram_finish_before_continue_is_state_error(void **state)
{
    pgw_scram *s = begin_ok(0);
    assert_int_equal(fin_str(s, SV16), PGW_E_STATE);
    assert_string_equal(pgw_scram_error(s), "SCRAM step called out of order");
    /* Dead now: even the right sequence is refused. */
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(cont_str(s, SF16, &out), PGW_E_STATE);
    assert_int_equal(out.len, 0);
    pgw_buf_free(&out);
    pgw_scram_free(s);
}

static void test_scram_continue_twice_is_state_error(void **state)
{
    pgw_scram *s = after_first();
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(cont_str(s, SF16, &out), PGW_E_STATE);
    assert_int_equal(out.len, 0);
    assert_int_equal(fin_str(s, SV16), PGW_E_STATE);
    pgw_buf_free(&out);
    pgw_scram_free(s);
}

static void test_scram_calls_after_success_are_state_errors(void **state)
{
    pgw_scram *s = after_first();
    assert_int_equal(fin_str(s, SV16), PGW_OK);
    assert_int_equal(fin_str(s, SV16), PGW_E_STATE);
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(cont_str(s, SF16, &out), PGW_E_STATE);
    pgw_buf_free(&out);
    pgw_scram_free(s);
}

static void test_scram_null_arguments_are_handled(void **state)
{
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    assert_int_equal(pgw_scram_continue(NULL, (const uint8_t *)SF16, 4, &out), PGW_E_INVALID);
    assert_int_equal(pgw_scram_finish(NULL, (const uint8_t *)SV16, 4), PGW_E_INVALID);
    assert_string_equal(pgw_scram_error(NULL), "");
    pgw_scram_free(NULL);
    pgw_scram_options_init(NULL);

    pgw_scram *s = begin_ok(0);
    assert_string_equal(pgw_scram_error(s), "");
    assert_int_equal(pgw_scram_continue(s, NULL, 5, &out), PGW_E_INVALID);
    assert_int_equal(cont_str(s, SF16, &out), PGW_E_STATE);
    pgw_scram_free(s);

    s = begin_ok(0);
    assert_int_equal(cont_str(s, SF16, NULL), PGW_E_INVALID);
    pgw_scram_free(s);

    s = after_first();
    assert_int_equal(pgw_scram_finish(s, NULL, 3), PGW_E_INVALID);
    assert_int_equal(fin_str(s, SV16), PGW_E_STATE);
    pgw_scram_free(s);

    /* NULL with length 0 is an empty message: malformed, not a crash. */
    s = begin_ok(0);
    assert_int_equal(pgw_scram_continue(s, NULL, 0, &out), PGW_E_AUTH);
    pgw_scram_free(s);
    s = after_first();
    assert_int_equal(pgw_scram_finish(s, NULL, 0), PGW_E_AUTH);
    pgw_scram_free(s);
    pgw_buf_free(&out);
}

static void test_scram_options_init_sets_defaults(void **state)
{
    pgw_scram_options opt;
    memset(&opt, 0xff, sizeof opt);
    pgw_scram_options_init(&opt);
    assert_int_equal(opt.size, sizeof opt);
    assert_int_equal(opt.max_iterations, PGW_SCRAM_DEFAULT_MAX_ITERATIONS);
    assert_int_equal(opt.cbind, PGW_SCRAM_CBIND_NONE);
    assert_null(opt.cbind_data);
    assert_int_equal(opt.cbind_len, 0);
}

/* ---- out of memory ------------------------------------------------------ */

/* Fails the Nth allocation (0-based) and every later one, and tracks what
 * is live so a leak shows up as a non-zero count. Local on purpose: this
 * file does not depend on tests/support. */
typedef struct failing_alloc {
    size_t calls;
    size_t fail_at;
    size_t live_blocks;
    size_t live_bytes;
    size_t failures;
} failing_alloc;

static void *fa_alloc(void *ud, size_t n)
{
    failing_alloc *fa = ud;
    if (fa->calls++ >= fa->fail_at) {
        fa->failures++;
        return NULL;
    }
    void *p = malloc(n);
    if (p != NULL) {
        fa->live_blocks++;
        fa->live_bytes += n;
    }
    return p;
}

static void *fa_realloc(void *ud, void *p, size_t old_n, size_t new_n)
{
    failing_alloc *fa = ud;
    if (fa->calls++ >= fa->fail_at) {
        fa->failures++;
        return NULL;
    }
    void *q = realloc(p, new_n);
    if (q != NULL)
        fa->live_bytes = fa->live_bytes - old_n + new_n;
    return q;
}

static void fa_free(void *ud, void *p, size_t n)
{
    failing_alloc *fa = ud;
    assert_true(fa->live_blocks > 0);
    assert_true(fa->live_bytes >= n);
    fa->live_blocks--;
    fa->live_bytes -= n;
    free(p);
}

/* Run the whole exchange with allocation N failing, for N = 0, 1, ...
 * until it succeeds. Every failing run must report PGW_E_NOMEM from the
 * step that hit it and leak nothing; sizes passed to free must match. */
static void test_scram_allocation_failures_are_nomem_without_leaks(void **state)
{
    size_t n;
    for (n = 0; n < 100; n++) {
        failing_alloc fa = {0, n, 0, 0, 0};
        pgw_allocator a = {fa_alloc, fa_realloc, fa_free, &fa};
        pgw_buf cf, out;
        pgw_buf_init(&cf, &a, 0);
        pgw_buf_init(&out, &a, 0);
        pgw_scram *s = NULL;
        pgw_status rc = pgwi_scram_begin_with_nonce(&s, &a, PW, 6, NULL, NONCE, 24, &cf);
        if (rc == PGW_OK) {
            assert_buf_equals(&cf, "n,,n=,r=" NONCE);
            rc = cont_str(s, SF16, &out);
            if (rc == PGW_OK) {
                assert_buf_equals(&out, CF16);
                rc = fin_str(s, SV16);
            } else {
                assert_int_equal(out.len, 0);
                assert_string_equal(pgw_scram_error(s), "out of memory");
                assert_int_equal(fin_str(s, SV16), PGW_E_STATE);
            }
        } else {
            assert_null(s);
            assert_int_equal(cf.len, 0);
        }
        pgw_scram_free(s);
        pgw_buf_free(&cf);
        pgw_buf_free(&out);
        assert_int_equal(fa.live_blocks, 0);
        assert_int_equal(fa.live_bytes, 0);
        if (fa.failures == 0) {
            assert_int_equal(rc, PGW_OK);
            break;
        }
        assert_int_equal(rc, PGW_E_NOMEM);
    }
    /* Some allocation happened, and the loop ended on a success. */
    assert_true(n > 0 && n < 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scram_rfc7677_vector_matches_exactly),
        cmocka_unit_test(test_scram_rfc7677_inputs_empty_user_match_independent_values),
        cmocka_unit_test(test_scram_pg15_recording_replays_exactly),
        cmocka_unit_test(test_scram_low_iteration_exchange_matches_independent_values),
        cmocka_unit_test(test_scram_salt_at_cap_is_accepted),
        cmocka_unit_test(test_scram_begin_random_nonce_is_24_base64_chars),
        cmocka_unit_test(test_scram_begin_appends_without_touching_existing_bytes),
        cmocka_unit_test(test_scram_cbind_unused_sends_y_header),
        cmocka_unit_test(test_scram_cbind_tls_endpoint_binds_data),
        cmocka_unit_test(test_scram_begin_bad_options_are_invalid),
        cmocka_unit_test(test_scram_begin_bad_nonce_is_invalid),
        cmocka_unit_test(test_scram_user_name_is_escaped),
        cmocka_unit_test(test_scram_begin_output_limit_is_too_large),
        cmocka_unit_test(test_scram_continue_output_limit_is_too_large),
        cmocka_unit_test(test_scram_non_ascii_password_is_accepted),
        cmocka_unit_test(test_scram_nonce_not_extending_ours_is_refused),
        cmocka_unit_test(test_scram_nonce_equal_to_ours_is_refused),
        cmocka_unit_test(test_scram_nonce_with_comma_is_refused),
        cmocka_unit_test(test_scram_nonce_with_unprintable_bytes_is_refused),
        cmocka_unit_test(test_scram_huge_server_first_is_refused),
        cmocka_unit_test(test_scram_bad_iteration_counts_are_refused),
        cmocka_unit_test(test_scram_missing_iteration_count_is_refused),
        cmocka_unit_test(test_scram_iteration_cap_boundary),
        cmocka_unit_test(test_scram_bad_salts_are_refused),
        cmocka_unit_test(test_scram_salt_over_cap_is_refused),
        cmocka_unit_test(test_scram_mandatory_extension_is_refused),
        cmocka_unit_test(test_scram_bad_attribute_layout_is_refused),
        cmocka_unit_test(test_scram_bad_server_signature_is_refused),
        cmocka_unit_test(test_scram_server_signature_not_base64_is_refused),
        cmocka_unit_test(test_scram_server_signature_wrong_length_is_refused),
        cmocka_unit_test(test_scram_huge_server_final_is_refused),
        cmocka_unit_test(test_scram_server_error_is_refused_without_echo),
        cmocka_unit_test(test_scram_malformed_server_final_is_refused),
        cmocka_unit_test(test_scram_finish_before_continue_is_state_error),
        cmocka_unit_test(test_scram_continue_twice_is_state_error),
        cmocka_unit_test(test_scram_calls_after_success_are_state_errors),
        cmocka_unit_test(test_scram_null_arguments_are_handled),
        cmocka_unit_test(test_scram_options_init_sets_defaults),
        cmocka_unit_test(test_scram_allocation_failures_are_nomem_without_leaks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
