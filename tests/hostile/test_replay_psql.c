/* A psql session recorded from PostgreSQL 15 (tests/vectors/
 * pg15_simple_session.*: every statement kind, an error, a notice, a
 * notification, COPY TO STDOUT in text and binary, a transaction) replayed
 * through the blocking API, cut at every byte offset: each cut gives a clean
 * "connection closed" failure and never a crash, leak, loop or a different
 * result for the statements before it (see replay.h).
 *
 * The recording authenticated with SCRAM, which cannot be replayed (the
 * client's nonce differs each time), so its authentication exchange is
 * replaced by the AuthenticationOk of a trust server; everything after it
 * is the server's bytes as recorded. The statements are the recording's own
 * Query messages, run one pgw_exec each, as psql ran them. */
#include "replay.h"

static char *queries[RP_MAX_CALLS];
static size_t nqueries;

static size_t psql_script(pgw_conn *c, pgw_status *st, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < nqueries && n < cap; i++)
        st[n++] = pgw_exec(c, queries[i], NULL);
    return n;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The server's stream with every authentication request other than
 * AuthenticationOk (code 0) dropped. */
static uint8_t *trust_stream(const uint8_t *b, size_t len, size_t *out_len)
{
    uint8_t *o = malloc(len);
    assert_non_null(o);
    size_t n = 0, i = 0;
    while (i < len) {
        assert_true(len - i >= 5);
        size_t flen = 1 + (size_t)be32(b + i + 1);
        assert_true(flen <= len - i);
        bool drop = b[i] == 'R' && flen >= 9 && be32(b + i + 5) != 0;
        if (!drop) {
            memcpy(o + n, b + i, flen);
            n += flen;
        }
        i += flen;
    }
    *out_len = n;
    return o;
}

/* The Query texts the client sent, in order. */
static void load_queries(const uint8_t *b, size_t len)
{
    assert_true(len >= 4);
    size_t i = be32(b); /* the untagged startup packet */
    while (i < len) {
        assert_true(len - i >= 5);
        size_t flen = 1 + (size_t)be32(b + i + 1);
        assert_true(flen <= len - i);
        if (b[i] == 'Q') {
            assert_true(nqueries < RP_MAX_CALLS);
            queries[nqueries] = strndup((const char *)b + i + 5, flen - 5);
            assert_non_null(queries[nqueries]);
            nqueries++;
        }
        i += flen;
    }
}

static void test_replay_psql_session_every_cut_fails_cleanly(void **state)
{
    (void)state;
    size_t be_len, fe_len, len;
    uint8_t *be = rp_load_hex(PGW_VECTOR_DIR "/pg15_simple_session.be.hex", &be_len);
    uint8_t *fe = rp_load_hex(PGW_VECTOR_DIR "/pg15_simple_session.fe.hex", &fe_len);
    load_queries(fe, fe_len);
    assert_true(nqueries >= 15);
    uint8_t *stream = trust_stream(be, be_len, &len);

    /* The uncut replay gives psql's results: the division by zero fails,
     * everything else succeeds. */
    rp_outcome full;
    rp_run(stream, len, "host=replay user=postgres dbname=postgres sslmode=disable", psql_script,
           &full);
    assert_int_equal(full.connect, PGW_OK);
    assert_int_equal(full.n, nqueries);
    size_t errors = 0;
    for (size_t i = 0; i < full.n; i++) {
        if (full.st[i] != PGW_OK) {
            assert_int_equal(full.st[i], PGW_E_SERVER);
            assert_non_null(strstr(queries[i], "1/0"));
            errors++;
        }
    }
    assert_int_equal(errors, 1);

    size_t cuts = rp_every_cut(stream, len,
                               "host=replay user=postgres dbname=postgres sslmode=disable",
                               psql_script);
    print_message("%zu cuts of a %zu-byte session, %zu statements\n", cuts, len, nqueries);
    free(stream);
    free(be);
    free(fe);
    for (size_t i = 0; i < nqueries; i++)
        free(queries[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_psql_session_every_cut_fails_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
