/* Framers: pgw_frame_next, pgw_frame_next_fe, pgw_frame_startup_next. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/proto.h"
#include "proto_support.h"

#define MAX_FRAMES 256

static void put_header(uint8_t *p, uint8_t tag, uint32_t word)
{
    p[0] = tag;
    p[1] = (uint8_t)(word >> 24);
    p[2] = (uint8_t)(word >> 16);
    p[3] = (uint8_t)(word >> 8);
    p[4] = (uint8_t)word;
}

/* One frame as seen by a consumer: tag plus a copy of the body. */
typedef struct seen {
    uint8_t tag;
    size_t len;
    uint8_t *body;
} seen;

static void seen_free(seen *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].body);
}

static void record(seen *s, size_t *n, const pgw_frame *f)
{
    assert_true(*n < MAX_FRAMES);
    s[*n].tag = f->tag;
    s[*n].len = f->len;
    s[*n].body = malloc(f->len + 1);
    assert_non_null(s[*n].body);
    if (f->len > 0)
        memcpy(s[*n].body, f->body, f->len);
    (*n)++;
}

/* Frame a whole stream at once. */
static size_t frame_one_shot(const uint8_t *in, size_t len, seen *out)
{
    size_t n = 0, off = 0;
    while (off < len) {
        pgw_frame f;
        size_t used = 0, need = 0;
        assert_int_equal(pgw_frame_next(in + off, len - off, NULL, &f, &used, &need), PGW_OK);
        assert_int_equal(used, 5 + f.len);
        assert_true(f.body == in + off + 5);
        record(out, &n, &f);
        off += used;
    }
    return n;
}

/* Frame a stream delivered in chunks, as an engine would: append each
 * chunk to an input buffer and pull out every whole frame. `split` gives the
 * size of the next chunk. */
static size_t frame_chunked(const uint8_t *in, size_t len, size_t (*split)(uint64_t *),
                            uint64_t *state, seen *out)
{
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    size_t have = 0, start = 0, fed = 0, n = 0;
    while (fed < len || start < have) {
        pgw_frame f;
        size_t used = 99, need = 0;
        pgw_status rc = pgw_frame_next(buf + start, have - start, NULL, &f, &used, &need);
        if (rc == PGW_OK) {
            record(out, &n, &f);
            start += used;
            continue;
        }
        assert_int_equal(rc, PGW_WANT_READ);
        assert_int_equal(used, 0);
        assert_true(need > 0);
        assert_true(fed < len); /* the stream must not end mid-message */
        size_t chunk = split(state);
        if (chunk > len - fed)
            chunk = len - fed;
        memcpy(buf + have, in + fed, chunk);
        have += chunk;
        fed += chunk;
    }
    free(buf);
    return n;
}

static size_t split_one(uint64_t *state)
{
    (void)state;
    return 1;
}

static size_t split_random(uint64_t *state)
{
    return 1 + (size_t)(test_rand(state) % 97);
}

static void assert_same_frames(const seen *a, size_t na, const seen *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_int_equal(a[i].tag, b[i].tag);
        assert_int_equal(a[i].len, b[i].len);
        assert_memory_equal(a[i].body, b[i].body, a[i].len);
    }
}

static void test_frame_captured_session_frames_every_message(void **state)
{
    static const struct {
        const char *name;
        size_t count;
    } vectors[] = {
        {"pg15_simple_session.be.hex", 71},
        {"pg15_copy_in.be.hex", 30},
        {"pg15_extended.be.hex", 26},
    };
    for (size_t v = 0; v < sizeof vectors / sizeof vectors[0]; v++) {
        size_t len;
        uint8_t *in = vector_load(vectors[v].name, &len);
        seen s[MAX_FRAMES];
        size_t n = frame_one_shot(in, len, s);
        assert_int_equal(n, vectors[v].count);
        /* Every session starts with authentication and goes idle last. */
        assert_int_equal(s[0].tag, 'R');
        assert_int_equal(s[n - 1].tag, 'Z');
        seen_free(s, n);
        free(in);
    }
}

static void test_frame_byte_by_byte_feeding_matches_one_shot(void **state)
{
    const char *names[] = {"pg15_simple_session.be.hex", "pg15_copy_in.be.hex",
                           "pg15_extended.be.hex"};
    for (size_t v = 0; v < 3; v++) {
        size_t len;
        uint8_t *in = vector_load(names[v], &len);
        seen a[MAX_FRAMES], b[MAX_FRAMES];
        size_t na = frame_one_shot(in, len, a);
        uint64_t st = 1;
        size_t nb = frame_chunked(in, len, split_one, &st, b);
        assert_same_frames(a, na, b, nb);
        seen_free(a, na);
        seen_free(b, nb);
        free(in);
    }
}

static void test_frame_random_split_feeding_matches_one_shot(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_simple_session.be.hex", &len);
    seen a[MAX_FRAMES];
    size_t na = frame_one_shot(in, len, a);
    for (uint64_t seed = 1; seed <= 200; seed++) {
        seen b[MAX_FRAMES];
        uint64_t st = seed * 0x9E3779B97F4A7C15ULL;
        size_t nb = frame_chunked(in, len, split_random, &st, b);
        assert_same_frames(a, na, b, nb);
        seen_free(b, nb);
    }
    seen_free(a, na);
    free(in);
}

static void test_frame_every_truncation_wants_exact_missing_bytes(void **state)
{
    /* CommandComplete "SELECT 1" from the captured session. */
    static const uint8_t msg[] = {'C', 0, 0, 0, 13, 'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0};
    for (size_t cut = 0; cut < sizeof msg; cut++) {
        pgw_frame f;
        size_t used = 123, need = 0;
        assert_int_equal(pgw_frame_next(msg, cut, NULL, &f, &used, &need), PGW_WANT_READ);
        assert_int_equal(used, 0);
        /* Before the header is complete the hint covers the header only. */
        assert_int_equal(need, cut < 5 ? 5 - cut : sizeof msg - cut);
    }
    pgw_frame f;
    size_t used = 0, need = 7;
    assert_int_equal(pgw_frame_next(msg, sizeof msg, NULL, &f, &used, &need), PGW_OK);
    assert_int_equal(used, sizeof msg);
    assert_int_equal(need, 0);
    assert_int_equal(f.tag, 'C');
    assert_int_equal(f.len, 9);
    assert_memory_equal(f.body, "SELECT 1", 9);
}

static void test_frame_extra_bytes_after_frame_are_left_unconsumed(void **state)
{
    static const uint8_t in[] = {'Z', 0, 0, 0, 5, 'I', 'Z', 0, 0};
    pgw_frame f;
    size_t used = 0;
    assert_int_equal(pgw_frame_next(in, sizeof in, NULL, &f, &used, NULL), PGW_OK);
    assert_int_equal(used, 6);
    assert_int_equal(f.len, 1);
    assert_int_equal(f.body[0], 'I');
}

static void test_frame_length_word_below_four_is_protocol_error(void **state)
{
    static const uint32_t bad[] = {0, 1, 2, 3, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu,
                                   0x80000003u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t hdr[5];
        put_header(hdr, 'D', bad[i]);
        pgw_frame f;
        size_t used = 9, need = 9;
        assert_int_equal(pgw_frame_next(hdr, sizeof hdr, NULL, &f, &used, &need),
                         PGW_E_PROTOCOL);
        assert_int_equal(used, 0);
        assert_int_equal(pgw_frame_next_fe(hdr, sizeof hdr, NULL, &f, &used, &need),
                         PGW_E_PROTOCOL);
    }
}

static void test_frame_length_word_four_is_empty_body(void **state)
{
    uint8_t hdr[5];
    put_header(hdr, '1', 4);
    pgw_frame f;
    size_t used = 0;
    assert_int_equal(pgw_frame_next(hdr, sizeof hdr, NULL, &f, &used, NULL), PGW_OK);
    assert_int_equal(used, 5);
    assert_int_equal(f.len, 0);
    assert_int_equal(f.tag, '1');
}

static void test_frame_huge_length_fails_before_body_arrives(void **state)
{
    /* Only the header is present: the verdict must not wait for 2 GiB. */
    uint8_t hdr[5];
    put_header(hdr, 'D', 0x7FFFFFFFu);
    pgw_frame f;
    size_t used = 1, need = 1;
    assert_int_equal(pgw_frame_next(hdr, sizeof hdr, NULL, &f, &used, &need), PGW_E_TOO_LARGE);
    assert_int_equal(used, 0);
    assert_int_equal(need, 0);
    assert_int_equal(pgw_frame_next_fe(hdr, sizeof hdr, NULL, &f, &used, &need),
                     PGW_E_TOO_LARGE);
}

static void test_frame_default_max_message_boundary(void **state)
{
    uint8_t hdr[5];
    pgw_frame f;
    size_t need = 0;
    /* Body of exactly PGW_DEFAULT_MAX_MESSAGE: acceptable, so wait for it. */
    put_header(hdr, 'D', PGW_DEFAULT_MAX_MESSAGE + 4);
    assert_int_equal(pgw_frame_next(hdr, sizeof hdr, NULL, &f, NULL, &need), PGW_WANT_READ);
    assert_int_equal(need, PGW_DEFAULT_MAX_MESSAGE);
    put_header(hdr, 'D', PGW_DEFAULT_MAX_MESSAGE + 5);
    assert_int_equal(pgw_frame_next(hdr, sizeof hdr, NULL, &f, NULL, &need), PGW_E_TOO_LARGE);
}

static void test_frame_custom_max_message_boundary(void **state)
{
    pgw_limits lim = {100, 0};
    uint8_t in[5 + 101];
    memset(in, 'x', sizeof in);
    pgw_frame f;
    size_t used = 0;
    put_header(in, 'd', 4 + 100);
    assert_int_equal(pgw_frame_next(in, 5 + 100, &lim, &f, &used, NULL), PGW_OK);
    assert_int_equal(used, 105);
    assert_int_equal(pgw_frame_next_fe(in, 5 + 100, &lim, &f, &used, NULL), PGW_OK);
    put_header(in, 'd', 4 + 101);
    assert_int_equal(pgw_frame_next(in, sizeof in, &lim, &f, &used, NULL), PGW_E_TOO_LARGE);
    assert_int_equal(pgw_frame_next_fe(in, sizeof in, &lim, &f, &used, NULL), PGW_E_TOO_LARGE);
    /* The general limit also caps small types when it is the lower one. */
    put_header(in, 'Z', 4 + 101);
    assert_int_equal(pgw_frame_next(in, sizeof in, &lim, &f, &used, NULL), PGW_E_TOO_LARGE);
}

static void test_frame_parameter_description_ceiling_is_65535_oids(void **state)
{
    size_t max = 2 + 4 * 65535;
    uint8_t *in = calloc(1, 5 + max + 1);
    assert_non_null(in);
    pgw_frame f;
    size_t used = 0;
    put_header(in, 't', (uint32_t)(4 + max));
    assert_int_equal(pgw_frame_next(in, 5 + max, NULL, &f, &used, NULL), PGW_OK);
    assert_int_equal(f.len, max);
    put_header(in, 't', (uint32_t)(4 + max + 1));
    assert_int_equal(pgw_frame_next(in, 5, NULL, &f, &used, NULL), PGW_E_TOO_LARGE);
    free(in);
}

static void test_frame_small_tag_ceiling_applies_to_all_but_long_tags(void **state)
{
    uint8_t *in = calloc(1, 5 + 30001);
    assert_non_null(in);
    for (unsigned t = 0; t < 256; t++) {
        /* ParameterDescription ('t') may hold 65535 OIDs: its own ceiling. */
        bool long_ok = strchr("TDdVENAt", (int)t) != NULL && t != 0;
        pgw_frame f;
        size_t used = 0;
        put_header(in, (uint8_t)t, 4 + 30000);
        assert_int_equal(pgw_frame_next(in, 5 + 30000, NULL, &f, &used, NULL), PGW_OK);
        assert_int_equal(used, 5 + 30000);
        put_header(in, (uint8_t)t, 4 + 30001);
        /* Header only: a small tag fails at once, a long one waits. */
        assert_int_equal(pgw_frame_next(in, 5, NULL, &f, &used, NULL),
                         long_ok ? PGW_WANT_READ : PGW_E_TOO_LARGE);
        assert_int_equal(pgw_frame_next(in, 5 + 30001, NULL, &f, &used, NULL),
                         long_ok ? PGW_OK : PGW_E_TOO_LARGE);
        /* The frontend framer has no per-tag ceiling. */
        assert_int_equal(pgw_frame_next_fe(in, 5 + 30001, NULL, &f, &used, NULL), PGW_OK);
    }
    free(in);
}

static void test_frame_custom_small_ceiling_boundary(void **state)
{
    pgw_limits lim = {0, 10};
    uint8_t in[5 + 11];
    memset(in, 0, sizeof in);
    pgw_frame f;
    put_header(in, 'S', 4 + 10);
    assert_int_equal(pgw_frame_next(in, 15, &lim, &f, NULL, NULL), PGW_OK);
    put_header(in, 'S', 4 + 11);
    assert_int_equal(pgw_frame_next(in, 16, &lim, &f, NULL, NULL), PGW_E_TOO_LARGE);
    put_header(in, 'D', 4 + 11);
    assert_int_equal(pgw_frame_next(in, 16, &lim, &f, NULL, NULL), PGW_OK);
}

static void test_frame_empty_input_wants_header(void **state)
{
    pgw_frame f;
    size_t used = 5, need = 0;
    assert_int_equal(pgw_frame_next(NULL, 0, NULL, &f, &used, &need), PGW_WANT_READ);
    assert_int_equal(used, 0);
    assert_int_equal(need, 5);
    assert_int_equal(pgw_frame_startup_next(NULL, 0, &f, &used, &need), PGW_WANT_READ);
    assert_int_equal(need, 4);
}

static void test_frame_startup_captured_packet_is_untagged(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_extended.fe.hex", &len);
    pgw_frame f;
    size_t used = 0;
    assert_int_equal(pgw_frame_startup_next(in, len, &f, &used, NULL), PGW_OK);
    assert_int_equal(f.tag, 0);
    assert_int_equal(used, 0x42);
    assert_int_equal(f.len, 0x42 - 4);
    assert_true(f.body == in + 4);
    static const uint8_t v30[] = {0, 3, 0, 0};
    assert_memory_equal(f.body, v30, 4);
    /* Every truncation of it waits. */
    for (size_t cut = 0; cut < used; cut++) {
        size_t need = 0;
        assert_int_equal(pgw_frame_startup_next(in, cut, &f, NULL, &need), PGW_WANT_READ);
        assert_int_equal(need, cut < 4 ? 4 - cut : used - cut);
    }
    free(in);
}

static void test_frame_startup_ssl_request_frames(void **state)
{
    static const uint8_t ssl[] = {0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f};
    pgw_frame f;
    size_t used = 0;
    assert_int_equal(pgw_frame_startup_next(ssl, sizeof ssl, &f, &used, NULL), PGW_OK);
    assert_int_equal(used, 8);
    assert_int_equal(f.len, 4);
}

static void test_frame_startup_length_below_eight_is_protocol_error(void **state)
{
    static const uint32_t bad[] = {0, 1, 3, 4, 7, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t in[4] = {(uint8_t)(bad[i] >> 24), (uint8_t)(bad[i] >> 16), (uint8_t)(bad[i] >> 8),
                         (uint8_t)bad[i]};
        pgw_frame f;
        size_t used = 3;
        assert_int_equal(pgw_frame_startup_next(in, 4, &f, &used, NULL), PGW_E_PROTOCOL);
        assert_int_equal(used, 0);
    }
}

static void test_frame_startup_body_cap_boundary(void **state)
{
    uint8_t in[4] = {0, 0, (uint8_t)(10004 >> 8), (uint8_t)(10004 & 0xFF)};
    pgw_frame f;
    size_t need = 0;
    assert_int_equal(pgw_frame_startup_next(in, 4, &f, NULL, &need), PGW_WANT_READ);
    assert_int_equal(need, 10000);
    in[3] = (uint8_t)(10005 & 0xFF);
    assert_int_equal(pgw_frame_startup_next(in, 4, &f, NULL, &need), PGW_E_TOO_LARGE);
    static const uint8_t huge[4] = {0x7F, 0xFF, 0xFF, 0xFF};
    assert_int_equal(pgw_frame_startup_next(huge, 4, &f, NULL, &need), PGW_E_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_captured_session_frames_every_message),
        cmocka_unit_test(test_frame_byte_by_byte_feeding_matches_one_shot),
        cmocka_unit_test(test_frame_random_split_feeding_matches_one_shot),
        cmocka_unit_test(test_frame_every_truncation_wants_exact_missing_bytes),
        cmocka_unit_test(test_frame_extra_bytes_after_frame_are_left_unconsumed),
        cmocka_unit_test(test_frame_length_word_below_four_is_protocol_error),
        cmocka_unit_test(test_frame_length_word_four_is_empty_body),
        cmocka_unit_test(test_frame_huge_length_fails_before_body_arrives),
        cmocka_unit_test(test_frame_default_max_message_boundary),
        cmocka_unit_test(test_frame_custom_max_message_boundary),
        cmocka_unit_test(test_frame_small_tag_ceiling_applies_to_all_but_long_tags),
        cmocka_unit_test(test_frame_parameter_description_ceiling_is_65535_oids),
        cmocka_unit_test(test_frame_custom_small_ceiling_boundary),
        cmocka_unit_test(test_frame_empty_input_wants_header),
        cmocka_unit_test(test_frame_startup_captured_packet_is_untagged),
        cmocka_unit_test(test_frame_startup_ssl_request_frames),
        cmocka_unit_test(test_frame_startup_length_below_eight_is_protocol_error),
        cmocka_unit_test(test_frame_startup_body_cap_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
