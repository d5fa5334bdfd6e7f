/* src/tls: application data after the handshake. Large transfers both ways
 * in random chunk sizes, records split down to single bytes, buffered
 * plaintext (pgw_tls_pending), close_notify in both directions, corrupted
 * records, and the error queue left empty throughout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>

#include "tls_fixture.h"

#define BIG (100 * 1024)

static int group_setup(void **state)
{
    (void)state;
    fx_pki_get();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    fx_pki_free();
    return 0;
}

/* A small deterministic generator, so a failure replays exactly. */
static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rng();
}

typedef struct session {
    fx_server s;
    pgw_tls *c;
} session;

static void open_session(session *x, int max_version)
{
    pgw_tls_config cfg;
    fx_client_config(&cfg, PGW_TLS_VERIFY_FULL, "localhost");
    cfg.max_version = max_version;
    assert_int_equal(fx_connect(&cfg, NULL, &x->s, &x->c), PGW_OK);
}

static void close_session(session *x)
{
    pgw_tls_free(x->c);
    fx_server_free(&x->s);
    assert_int_equal(ERR_peek_error(), 0);
}

/* Read everything the client can decrypt now into buf+*have (callers leave
 * spare room, so a full buffer is a test failure, not "done"). */
static pgw_status drain(pgw_tls *c, uint8_t *buf, size_t cap, size_t *have, size_t step)
{
    for (;;) {
        size_t got = 0;
        size_t room = cap - *have;
        assert_true(room > 0);
        pgw_status rc = pgw_tls_read(c, buf + *have, room < step ? room : step, &got);
        assert_int_equal(ERR_peek_error(), 0);
        if (rc != PGW_OK)
            return rc;
        assert_true(got > 0);
        *have += got;
    }
}

static void transfer_both_ways(int max_version)
{
    session x;
    open_session(&x, max_version);
    uint8_t *up = malloc(BIG), *down = malloc(BIG), *got = malloc(BIG + 1);
    assert_non_null(up);
    assert_non_null(down);
    assert_non_null(got);
    fill(up, BIG);
    fill(down, BIG);

    /* Client to server: writes of random sizes, output sent in random
     * pieces. */
    size_t off = 0;
    while (off < BIG) {
        size_t n = 1 + rng() % 9000;
        if (n > BIG - off)
            n = BIG - off;
        assert_int_equal(pgw_tls_write(x.c, up + off, n), PGW_OK);
        off += n;
        const uint8_t *p;
        size_t pending;
        while ((pending = pgw_tls_output(x.c, &p)) > 0) {
            size_t m = 1 + rng() % 5000;
            if (m > pending)
                m = pending;
            assert_int_equal(BIO_write(x.s.rbio, p, (int)m), (int)m);
            pgw_tls_output_done(x.c, m);
        }
    }
    assert_int_equal(fx_server_read(&x.s, got, BIG), BIG);
    assert_memory_equal(got, up, BIG);

    /* Server to client: one big write (many records), fed in random
     * chunks, read with random buffer sizes after every chunk. */
    fx_server_write(&x.s, down, BIG);
    size_t n = BIO_ctrl_pending(x.s.wbio);
    uint8_t *wire = malloc(n);
    assert_non_null(wire);
    assert_int_equal(BIO_read(x.s.wbio, wire, (int)n), (int)n);
    size_t have = 0;
    for (size_t pos = 0; pos < n;) {
        size_t m = 1 + rng() % 7000;
        if (m > n - pos)
            m = n - pos;
        assert_int_equal(pgw_tls_feed(x.c, wire + pos, m), PGW_OK);
        pos += m;
        assert_int_equal(drain(x.c, got, BIG + 1, &have, 1 + rng() % 20000), PGW_WANT_READ);
    }
    assert_int_equal(have, BIG);
    assert_memory_equal(got, down, BIG);
    free(wire);
    free(up);
    free(down);
    free(got);
    close_session(&x);
}

static void test_data_100k_each_way_tls13(void **state)
{
    transfer_both_ways(0);
}

static void test_data_100k_each_way_tls12(void **state)
{
    transfer_both_ways(PGW_TLS_1_2);
}

static void test_data_record_split_byte_by_byte(void **state)
{
    /* One full-size record (16 KB of plaintext), fed one byte at a time:
     * nothing comes out until its last byte, then all of it. */
    session x;
    open_session(&x, 0);
    uint8_t msg[16384], got[16384 + 1];
    fill(msg, sizeof msg);
    fx_server_write(&x.s, msg, sizeof msg);
    size_t n = BIO_ctrl_pending(x.s.wbio);
    assert_true(n > sizeof msg);
    size_t have = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b;
        assert_int_equal(BIO_read(x.s.wbio, &b, 1), 1);
        assert_int_equal(pgw_tls_feed(x.c, &b, 1), PGW_OK);
        assert_int_equal(drain(x.c, got, sizeof got, &have, sizeof got), PGW_WANT_READ);
        if (i + 1 < n)
            assert_int_equal(have, 0);
    }
    assert_int_equal(have, sizeof msg);
    assert_memory_equal(got, msg, sizeof msg);
    close_session(&x);
}

static void test_data_large_write_read_in_small_pieces_reports_pending(void **state)
{
    /* 40 KB in one server write: three records. With a 1000-byte reader,
     * each record's rest stays buffered and pgw_tls_pending says so. */
    session x;
    open_session(&x, 0);
    enum { N = 40000 };
    uint8_t *msg = malloc(N), *got = malloc(N + 1);
    assert_non_null(msg);
    assert_non_null(got);
    fill(msg, N);
    fx_server_write(&x.s, msg, N);
    fx_to_client(&x.s, x.c, 0);
    assert_int_equal(pgw_tls_pending(x.c), 0); /* nothing decrypted yet */
    size_t have = 0, got_n = 0;
    assert_int_equal(pgw_tls_read(x.c, got, 1000, &got_n), PGW_OK);
    assert_int_equal(got_n, 1000);
    have += got_n;
    assert_int_equal(pgw_tls_pending(x.c), 16384 - 1000);
    assert_int_equal(drain(x.c, got, N + 1, &have, 1000), PGW_WANT_READ);
    assert_int_equal(have, N);
    assert_int_equal(pgw_tls_pending(x.c), 0);
    assert_memory_equal(got, msg, N);
    free(msg);
    free(got);
    close_session(&x);
}

static void test_data_client_close_notify_reaches_server(void **state)
{
    session x;
    open_session(&x, 0);
    assert_int_equal(pgw_tls_close(x.c), PGW_OK);
    assert_true(fx_to_server(&x.s, x.c) > 0);
    uint8_t buf[16];
    size_t got = 0;
    ERR_clear_error();
    assert_int_equal(SSL_read_ex(x.s.ssl, buf, sizeof buf, &got), 0);
    assert_int_equal(SSL_get_error(x.s.ssl, 0), SSL_ERROR_ZERO_RETURN);
    ERR_clear_error();
    /* Closing twice queues nothing more; writing after close is refused. */
    assert_int_equal(pgw_tls_close(x.c), PGW_OK);
    const uint8_t *p;
    assert_int_equal(pgw_tls_output(x.c, &p), 0);
    assert_int_equal(pgw_tls_write(x.c, buf, 1), PGW_E_STATE);
    /* Reading still works until the server's own close_notify. */
    fx_server_write(&x.s, (const uint8_t *)"bye", 3);
    fx_to_client(&x.s, x.c, 0);
    assert_int_equal(pgw_tls_read(x.c, buf, sizeof buf, &got), PGW_OK);
    assert_int_equal(got, 3);
    close_session(&x);
}

static void test_data_server_close_notify_is_closed_and_sticky(void **state)
{
    session x;
    open_session(&x, 0);
    fx_server_write(&x.s, (const uint8_t *)"last", 4);
    ERR_clear_error();
    assert_true(SSL_shutdown(x.s.ssl) >= 0);
    fx_to_client(&x.s, x.c, 0);
    uint8_t buf[16];
    size_t got = 0;
    assert_int_equal(pgw_tls_read(x.c, buf, sizeof buf, &got), PGW_OK);
    assert_memory_equal(buf, "last", 4);
    assert_int_equal(pgw_tls_read(x.c, buf, sizeof buf, &got), PGW_E_CLOSED);
    assert_int_equal(got, 0);
    assert_int_equal(pgw_tls_read(x.c, buf, sizeof buf, &got), PGW_E_CLOSED);
    /* We can still answer with our own close_notify. */
    assert_int_equal(pgw_tls_close(x.c), PGW_OK);
    assert_true(fx_to_server(&x.s, x.c) > 0);
    assert_int_equal(ERR_peek_error(), 0);
    close_session(&x);
}

static void test_data_corrupted_record_fails_and_sticks(void **state)
{
    session x;
    open_session(&x, 0);
    uint8_t msg[100];
    fill(msg, sizeof msg);
    fx_server_write(&x.s, msg, sizeof msg);
    size_t n = BIO_ctrl_pending(x.s.wbio);
    uint8_t wire[512];
    assert_true(n <= sizeof wire);
    assert_int_equal(BIO_read(x.s.wbio, wire, (int)n), (int)n);
    wire[n - 3] ^= 0x40; /* flip a bit in the authentication tag */
    assert_int_equal(pgw_tls_feed(x.c, wire, n), PGW_OK);
    uint8_t buf[128];
    size_t got = 0;
    assert_int_equal(pgw_tls_read(x.c, buf, sizeof buf, &got), PGW_E_TLS);
    assert_int_equal(got, 0);
    assert_string_equal(pgw_tls_errmsg(x.c), "SSL error: decryption failed or bad record mac");
    assert_int_not_equal(pgw_tls_ssl_error(x.c), 0);
    assert_int_equal(ERR_peek_error(), 0);
    /* The alert for the server is queued. */
    const uint8_t *p;
    assert_true(pgw_tls_output(x.c, &p) > 0);
    /* Sticky. */
    assert_int_equal(pgw_tls_read(x.c, buf, sizeof buf, &got), PGW_E_TLS);
    assert_int_equal(pgw_tls_write(x.c, buf, 1), PGW_E_TLS);
    assert_int_equal(pgw_tls_close(x.c), PGW_E_TLS);
    close_session(&x);
}

static void test_data_garbage_instead_of_handshake_fails(void **state)
{
    /* Plaintext from a server that never started TLS (or stuffed bytes). */
    pgw_tls_config cfg;
    pgw_tls_config_init(&cfg);
    pgw_tls *c = NULL;
    assert_int_equal(pgw_tls_new(&c, &cfg, NULL, 0), PGW_OK);
    assert_int_equal(pgw_tls_handshake(c), PGW_WANT_WRITE);
    static const uint8_t junk[] = "E\0\0\0\x10SFATAL\0\0\0\0\0\0\0";
    assert_int_equal(pgw_tls_feed(c, junk, sizeof junk), PGW_OK);
    assert_int_equal(pgw_tls_handshake(c), PGW_E_TLS);
    assert_string_equal(pgw_tls_errmsg(c), "SSL error: wrong version number (this may indicate "
                                           "that the server does not support any SSL protocol "
                                           "version between TLSv1.2 and TLSv1.3)");
    assert_int_equal(ERR_peek_error(), 0);
    pgw_tls_free(c);
}

static void test_data_key_update_is_answered_while_reading(void **state)
{
    /* TLS 1.3 KeyUpdate asking for ours: OpenSSL queues the answer and
     * sends it in front of our next write. */
    session x;
    open_session(&x, 0);
    ERR_clear_error();
    assert_int_equal(SSL_key_update(x.s.ssl, SSL_KEY_UPDATE_REQUESTED), 1);
    fx_server_write(&x.s, (const uint8_t *)"after update", 12);
    fx_to_client(&x.s, x.c, 0);
    uint8_t buf[32];
    size_t have = 0;
    assert_int_equal(drain(x.c, buf, sizeof buf, &have, sizeof buf), PGW_WANT_READ);
    assert_int_equal(have, 12);
    assert_memory_equal(buf, "after update", 12);
    /* Both directions still work with the new keys. */
    assert_int_equal(pgw_tls_write(x.c, (const uint8_t *)"ping", 4), PGW_OK);
    /* Two records go out: our KeyUpdate, then the data. */
    const uint8_t *p;
    size_t n = pgw_tls_output(x.c, &p);
    size_t records = 0;
    for (size_t off = 0; off + 5 <= n; records++)
        off += 5 + (((size_t)p[off + 3] << 8) | p[off + 4]);
    assert_int_equal(records, 2);
    fx_to_server(&x.s, x.c);
    assert_int_equal(fx_server_read(&x.s, buf, 4), 4);
    assert_memory_equal(buf, "ping", 4);
    close_session(&x);
}

static void test_data_renegotiation_request_is_refused_without_breaking_reads(void **state)
{
    /* TLS 1.2: a HelloRequest gets a no_renegotiation warning, and the
     * data around it still arrives (PostgreSQL never renegotiates). */
    session x;
    open_session(&x, PGW_TLS_1_2);
    ERR_clear_error();
    assert_int_equal(SSL_renegotiate(x.s.ssl), 1);
    (void)SSL_do_handshake(x.s.ssl); /* sends HelloRequest, then waits */
    ERR_clear_error();
    fx_server_write(&x.s, (const uint8_t *)"still here", 10);
    fx_to_client(&x.s, x.c, 0);
    uint8_t buf[32];
    size_t have = 0;
    assert_int_equal(drain(x.c, buf, sizeof buf, &have, sizeof buf), PGW_WANT_READ);
    assert_int_equal(have, 10);
    assert_memory_equal(buf, "still here", 10);
    const uint8_t *p;
    size_t n = pgw_tls_output(x.c, &p);
    assert_true(n > 0);
    assert_int_equal(p[0], 0x15); /* an alert record */
    assert_int_equal(pgw_tls_write(x.c, (const uint8_t *)"x", 1), PGW_OK);
    close_session(&x);
}

static void test_data_bad_arguments(void **state)
{
    session x;
    open_session(&x, 0);
    uint8_t buf[8];
    size_t got = 5;
    assert_int_equal(pgw_tls_read(x.c, buf, 0, &got), PGW_E_INVALID);
    assert_int_equal(got, 0);
    assert_int_equal(pgw_tls_read(x.c, NULL, 8, &got), PGW_E_INVALID);
    assert_int_equal(pgw_tls_read(x.c, buf, 8, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_tls_read(NULL, buf, 8, &got), PGW_E_INVALID);
    assert_int_equal(pgw_tls_write(x.c, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_tls_write(x.c, NULL, 0), PGW_OK);
    assert_int_equal(pgw_tls_feed(x.c, NULL, 1), PGW_E_INVALID);
    assert_int_equal(pgw_tls_feed(x.c, NULL, 0), PGW_OK);
    assert_int_equal(pgw_tls_feed(NULL, buf, 1), PGW_E_INVALID);
    assert_int_equal(pgw_tls_handshake(NULL), PGW_E_INVALID);
    assert_int_equal(pgw_tls_close(NULL), PGW_E_INVALID);
    const uint8_t *p = buf;
    assert_int_equal(pgw_tls_output(NULL, &p), 0);
    assert_null(p);
    pgw_tls_output_done(NULL, 3);
    assert_int_equal(pgw_tls_pending(NULL), 0);
    assert_string_equal(pgw_tls_errmsg(NULL), "");
    assert_int_equal(pgw_tls_ssl_error(NULL), 0);
    assert_false(pgw_tls_client_cert_sent(NULL));
    assert_null(pgw_tls_cipher_name(NULL));
    pgw_tls_free(NULL);
    /* Nothing above broke the session. */
    assert_int_equal(pgw_tls_write(x.c, (const uint8_t *)"ok", 2), PGW_OK);
    fx_to_server(&x.s, x.c);
    assert_int_equal(fx_server_read(&x.s, buf, 2), 2);
    close_session(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_data_100k_each_way_tls13),
        cmocka_unit_test(test_data_100k_each_way_tls12),
        cmocka_unit_test(test_data_record_split_byte_by_byte),
        cmocka_unit_test(test_data_large_write_read_in_small_pieces_reports_pending),
        cmocka_unit_test(test_data_client_close_notify_reaches_server),
        cmocka_unit_test(test_data_server_close_notify_is_closed_and_sticky),
        cmocka_unit_test(test_data_corrupted_record_fails_and_sticks),
        cmocka_unit_test(test_data_garbage_instead_of_handshake_fails),
        cmocka_unit_test(test_data_key_update_is_answered_while_reading),
        cmocka_unit_test(test_data_renegotiation_request_is_refused_without_breaking_reads),
        cmocka_unit_test(test_data_bad_arguments),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
