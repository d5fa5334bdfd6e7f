/* Backend parsers: captured sessions, truncations, trailing bytes, hostile
 * lengths and counts, enumerated values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgwire/proto.h"
#include "proto_support.h"

#define MAX_FRAMES 128

#define BODY(...) ((const uint8_t[]){__VA_ARGS__})
#define FRAME(tag, ...) frame_of((tag), BODY(__VA_ARGS__), sizeof(BODY(__VA_ARGS__)))

static bool inside(const pgw_frame *f, const void *p, size_t n)
{
    const uint8_t *q = p;
    return q >= f->body && q <= f->body + f->len && n <= (size_t)(f->body + f->len - q);
}

static bool cstr_inside(const pgw_frame *f, const char *s)
{
    return inside(f, s, strlen(s) + 1);
}

/* ---- wrappers: one parser each, checking view invariants on success ---- */

static pgw_status run_auth(const pgw_frame *f)
{
    int32_t code;
    const uint8_t *data;
    size_t len;
    pgw_status rc = pgw_parse_authentication(f, &code, &data, &len);
    if (rc == PGW_OK)
        assert_true(inside(f, data, len) && len + 4 == f->len);
    return rc;
}

static pgw_status run_key(const pgw_frame *f)
{
    int32_t pid;
    const uint8_t *key;
    size_t len;
    pgw_status rc = pgw_parse_backend_key_data(f, &pid, &key, &len);
    if (rc == PGW_OK)
        assert_true(inside(f, key, len));
    return rc;
}

static pgw_status run_command_complete(const pgw_frame *f)
{
    const char *tag;
    size_t len;
    pgw_status rc = pgw_parse_command_complete(f, &tag, &len);
    if (rc == PGW_OK)
        assert_true(cstr_inside(f, tag) && strlen(tag) == len);
    return rc;
}

static pgw_status run_copy_response(const pgw_frame *f)
{
    int8_t format;
    uint16_t n;
    const uint8_t *fmts;
    pgw_status rc = pgw_parse_copy_response(f, &format, &n, &fmts);
    if (rc == PGW_OK)
        assert_true(inside(f, fmts, 2 * (size_t)n));
    return rc;
}

static pgw_status run_data_row(const pgw_frame *f)
{
    pgw_value vals[16];
    uint16_t n;
    pgw_status rc = pgw_parse_data_row(f, vals, 16, &n);
    if (rc == PGW_OK) {
        for (uint16_t i = 0; i < n; i++) {
            assert_true(vals[i].len >= -1);
            if (vals[i].len >= 0)
                assert_true(inside(f, vals[i].ptr, (size_t)vals[i].len));
            else
                assert_null(vals[i].ptr);
        }
    }
    return rc;
}

static pgw_status run_fcr(const pgw_frame *f)
{
    pgw_value v;
    pgw_status rc = pgw_parse_function_call_response(f, &v);
    if (rc == PGW_OK && v.len >= 0)
        assert_true(inside(f, v.ptr, (size_t)v.len));
    return rc;
}

static pgw_status run_npv(const pgw_frame *f)
{
    int32_t minor;
    uint32_t n;
    size_t pos;
    pgw_status rc = pgw_parse_negotiate_protocol_version(f, &minor, &n, &pos);
    if (rc == PGW_OK) {
        const char *s;
        uint32_t seen = 0;
        pgw_status it;
        while ((it = pgw_cstrings_next(f, &pos, &s)) == PGW_OK) {
            assert_true(cstr_inside(f, s));
            seen++;
        }
        assert_int_equal(it, PGW_END);
        assert_int_equal(seen, n);
    }
    return rc;
}

static pgw_status run_notification(const pgw_frame *f)
{
    int32_t pid;
    const char *ch, *pl;
    pgw_status rc = pgw_parse_notification_response(f, &pid, &ch, &pl);
    if (rc == PGW_OK)
        assert_true(cstr_inside(f, ch) && cstr_inside(f, pl));
    return rc;
}

static pgw_status run_param_desc(const pgw_frame *f)
{
    uint32_t oids[16];
    uint16_t n;
    return pgw_parse_parameter_description(f, oids, 16, &n);
}

static pgw_status run_param_status(const pgw_frame *f)
{
    const char *name, *value;
    pgw_status rc = pgw_parse_parameter_status(f, &name, &value);
    if (rc == PGW_OK)
        assert_true(cstr_inside(f, name) && cstr_inside(f, value));
    return rc;
}

static pgw_status run_rfq(const pgw_frame *f)
{
    char s;
    return pgw_parse_ready_for_query(f, &s);
}

static pgw_status run_row_desc(const pgw_frame *f)
{
    pgw_column_desc cols[16];
    uint16_t n;
    pgw_status rc = pgw_parse_row_description(f, cols, 16, &n);
    if (rc == PGW_OK) {
        for (uint16_t i = 0; i < n; i++)
            assert_true(cstr_inside(f, cols[i].name));
    }
    return rc;
}

typedef pgw_status (*parser_fn)(const pgw_frame *);

static parser_fn parser_for(uint8_t tag)
{
    switch (tag) {
    case 'R':
        return run_auth;
    case 'K':
        return run_key;
    case 'C':
        return run_command_complete;
    case 'G':
    case 'H':
    case 'W':
        return run_copy_response;
    case 'D':
        return run_data_row;
    case 'V':
        return run_fcr;
    case 'v':
        return run_npv;
    case 'A':
        return run_notification;
    case 't':
        return run_param_desc;
    case 'S':
        return run_param_status;
    case 'Z':
        return run_rfq;
    case 'T':
        return run_row_desc;
    default:
        return NULL;
    }
}

/* Every strict prefix of the body is a protocol error, and so is the body
 * followed by one extra byte (tried with 0x00 and 0x41) — except for
 * BackendKeyData, whose key is the rest of the body and may be 4 to 256
 * bytes long, so one more byte is just a longer key. */
static void assert_truncations_and_trailing_fail(const pgw_frame *f, parser_fn fn)
{
    assert_int_equal(fn(f), PGW_OK);
    uint8_t *copy = malloc(f->len + 1);
    assert_non_null(copy);
    if (f->len > 0)
        memcpy(copy, f->body, f->len);
    for (size_t cut = 0; cut < f->len; cut++) {
        /* A fresh allocation of exactly `cut` bytes so ASan sees overreads. */
        uint8_t *prefix = malloc(cut + 1);
        assert_non_null(prefix);
        memcpy(prefix, f->body, cut);
        pgw_frame p = frame_of(f->tag, prefix, cut);
        assert_int_equal(fn(&p), PGW_E_PROTOCOL);
        free(prefix);
    }
    const uint8_t extra[] = {0x00, 0x41};
    for (size_t i = 0; i < sizeof extra && f->tag != 'K'; i++) {
        copy[f->len] = extra[i];
        pgw_frame t = frame_of(f->tag, copy, f->len + 1);
        assert_int_equal(fn(&t), PGW_E_PROTOCOL);
    }
    free(copy);
}

/* ---- captured sessions ------------------------------------------------- */

static void replay_vector(const char *name, size_t *tags_seen)
{
    size_t len;
    uint8_t *in = vector_load(name, &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 0, fr, MAX_FRAMES);
    for (size_t i = 0; i < n; i++) {
        const pgw_frame *f = &fr[i];
        tags_seen[f->tag]++;
        parser_fn fn = parser_for(f->tag);
        if (fn != NULL) {
            assert_int_equal(fn(f), PGW_OK);
        } else if (f->tag == 'E' || f->tag == 'N') {
            pgw_field_iter it;
            pgw_field fld;
            assert_int_equal(pgw_fields_begin(f, &it), PGW_OK);
            while (pgw_fields_next(&it, &fld) == PGW_OK)
                ;
            assert_int_equal(pgw_fields_next(&it, &fld), PGW_END);
        } else if (f->tag != 'd') {
            /* '1' '2' '3' 'n' 's' 'I' 'c' carry no body. */
            assert_int_equal(pgw_parse_empty(f), PGW_OK);
        }
    }
    free(in);
}

static void test_parse_captured_sessions_every_message_parses(void **state)
{
    size_t tags[256] = {0};
    replay_vector("pg15_simple_session.be.hex", tags);
    replay_vector("pg15_copy_in.be.hex", tags);
    replay_vector("pg15_extended.be.hex", tags);
    /* The three sessions together cover these message types. */
    const char *expected = "RSKZCTDNEIAHdcG12";
    for (const char *t = expected; *t != '\0'; t++)
        assert_true(tags[(uint8_t)*t] > 0);
}

static void test_parse_captured_first_result_values(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_simple_session.be.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 0, fr, MAX_FRAMES);

    pgw_frame t = vector_frame_with_tag(fr, n, 'T', 0);
    pgw_column_desc cols[3];
    uint16_t ncols = 0;
    assert_int_equal(pgw_parse_row_description(&t, NULL, 0, &ncols), PGW_OK);
    assert_int_equal(ncols, 3);
    assert_int_equal(pgw_parse_row_description(&t, cols, 3, &ncols), PGW_OK);
    assert_string_equal(cols[0].name, "one");
    assert_int_equal(cols[0].type_oid, 23);
    assert_int_equal(cols[0].type_size, 4);
    assert_int_equal(cols[0].type_modifier, -1);
    assert_int_equal(cols[0].table_oid, 0);
    assert_int_equal(cols[0].format, 0);
    assert_string_equal(cols[1].name, "nothing");
    assert_int_equal(cols[1].type_oid, 25);
    assert_int_equal(cols[1].type_size, -1);
    assert_string_equal(cols[2].name, "greeting");

    pgw_frame d = vector_frame_with_tag(fr, n, 'D', 0);
    pgw_value v[3];
    assert_int_equal(pgw_parse_data_row(&d, v, 3, &ncols), PGW_OK);
    assert_int_equal(ncols, 3);
    assert_int_equal(v[0].len, 1);
    assert_memory_equal(v[0].ptr, "1", 1);
    assert_int_equal(v[1].len, -1);
    assert_null(v[1].ptr);
    assert_int_equal(v[2].len, 6);
    assert_memory_equal(v[2].ptr, "h\xc3\xa9llo", 6);

    /* The table's columns carry their table OID and attribute numbers. */
    pgw_frame t2 = vector_frame_with_tag(fr, n, 'T', 1);
    assert_int_equal(pgw_parse_row_description(&t2, cols, 3, &ncols), PGW_OK);
    assert_int_equal(ncols, 2);
    assert_true(cols[0].table_oid != 0);
    assert_int_equal(cols[0].column_attnum, 1);
    assert_int_equal(cols[1].column_attnum, 2);

    pgw_frame k = vector_frame_with_tag(fr, n, 'K', 0);
    int32_t pid;
    const uint8_t *key;
    size_t key_len;
    assert_int_equal(pgw_parse_backend_key_data(&k, &pid, &key, &key_len), PGW_OK);
    assert_int_equal(pid, 0x1566);
    assert_int_equal(key_len, 4);

    pgw_frame a = vector_frame_with_tag(fr, n, 'A', 0);
    int32_t npid;
    const char *ch, *pl;
    assert_int_equal(pgw_parse_notification_response(&a, &npid, &ch, &pl), PGW_OK);
    assert_int_equal(npid, 0x1566);
    assert_string_equal(ch, "chan");
    assert_string_equal(pl, "payload");

    pgw_frame c = vector_frame_with_tag(fr, n, 'C', 4); /* SET, SELECT, CREATE, INSERT, UPDATE */
    const char *tag;
    size_t tag_len;
    assert_int_equal(pgw_parse_command_complete(&c, &tag, &tag_len), PGW_OK);
    assert_string_equal(tag, "UPDATE 1");
    assert_int_equal(tag_len, 8);

    pgw_frame s = vector_frame_with_tag(fr, n, 'S', 9);
    const char *name, *value;
    assert_int_equal(pgw_parse_parameter_status(&s, &name, &value), PGW_OK);
    assert_string_equal(name, "server_version");

    /* COPY ... TO STDOUT, text then binary. */
    int8_t fmt;
    uint16_t nc;
    const uint8_t *cf;
    pgw_frame h = vector_frame_with_tag(fr, n, 'H', 0);
    assert_int_equal(pgw_parse_copy_response(&h, &fmt, &nc, &cf), PGW_OK);
    assert_int_equal(fmt, 0);
    assert_int_equal(nc, 2);
    assert_int_equal(pgw_copy_response_format(cf, 0), 0);
    assert_int_equal(pgw_copy_response_format(cf, 1), 0);
    h = vector_frame_with_tag(fr, n, 'H', 1);
    assert_int_equal(pgw_parse_copy_response(&h, &fmt, &nc, &cf), PGW_OK);
    assert_int_equal(fmt, 1);
    assert_int_equal(pgw_copy_response_format(cf, 1), 1);
    free(in);
}

static void test_parse_captured_transaction_statuses(void **state)
{
    size_t len;
    uint8_t *in = vector_load("pg15_copy_in.be.hex", &len);
    pgw_frame fr[MAX_FRAMES];
    size_t n = vector_frames(in, len, 0, fr, MAX_FRAMES);
    char seq[16];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof seq; i++) {
        if (fr[i].tag == 'Z')
            assert_int_equal(pgw_parse_ready_for_query(&fr[i], &seq[k++]), PGW_OK);
    }
    /* idle, CREATE, COPY, BEGIN, failed SELECT, ROLLBACK */
    assert_int_equal(k, 6);
    assert_memory_equal(seq, "IIITEI", 6);
    free(in);
}

static void test_parse_captured_messages_every_truncation_and_trailing_fail(void **state)
{
    const char *names[] = {"pg15_simple_session.be.hex", "pg15_copy_in.be.hex",
                           "pg15_extended.be.hex"};
    for (size_t v = 0; v < 3; v++) {
        size_t len;
        uint8_t *in = vector_load(names[v], &len);
        pgw_frame fr[MAX_FRAMES];
        size_t n = vector_frames(in, len, 0, fr, MAX_FRAMES);
        for (size_t i = 0; i < n; i++) {
            parser_fn fn = parser_for(fr[i].tag);
            if (fn == NULL)
                continue;
            /* SASLContinue/Final data is opaque: any prefix is well formed. */
            if (fr[i].tag == 'R' && fr[i].len > 4 && fr[i].body[3] != 10)
                continue;
            assert_truncations_and_trailing_fail(&fr[i], fn);
        }
        free(in);
    }
}

static void test_parse_hand_made_messages_every_truncation_and_trailing_fail(void **state)
{
    const pgw_frame frames[] = {
        FRAME('R', 0, 0, 0, 0),
        FRAME('R', 0, 0, 0, 3),
        FRAME('R', 0, 0, 0, 5, 0xde, 0xad, 0xbe, 0xef),
        FRAME('R', 0, 0, 0, 10, 'A', 0, 'B', 'C', 0, 0),
        FRAME('K', 0, 0, 0, 1, 1, 2, 3, 4),
        FRAME('V', 0, 0, 0, 2, 'o', 'k'),
        FRAME('V', 0xff, 0xff, 0xff, 0xff),
        FRAME('v', 0, 0, 0, 0, 0, 0, 0, 0),
        FRAME('v', 0, 0, 0, 0, 0, 0, 0, 2, '_', 'a', 0, '_', 'b', 0),
        FRAME('t', 0, 2, 0, 0, 0, 23, 0, 0, 0, 25),
        FRAME('t', 0, 0),
        FRAME('W', 1, 0, 1, 0, 1),
        FRAME('D', 0, 0),
        FRAME('D', 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff),
        FRAME('T', 0, 0),
        FRAME('Z', 'E'),
        FRAME('A', 0, 0, 0, 9, 0, 0),
    };
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        assert_truncations_and_trailing_fail(&frames[i], parser_for(frames[i].tag));
}

/* ---- DataRow ----------------------------------------------------------- */

static void test_data_row_minus_one_is_null_and_empty_is_not(void **state)
{
    pgw_frame f = FRAME('D', 0, 2, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);
    pgw_value v[2];
    uint16_t n = 0;
    assert_int_equal(pgw_parse_data_row(&f, v, 2, &n), PGW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].len, -1);
    assert_null(v[0].ptr);
    assert_int_equal(v[1].len, 0);
    assert_non_null(v[1].ptr);
    assert_true(v[1].ptr == f.body + f.len);
}

static void test_data_row_negative_length_is_protocol_error(void **state)
{
    /* pgx issue #2519: only -1 is NULL. */
    static const uint32_t bad[] = {0xFFFFFFFEu, 0x80000000u, 0x80000001u, 0xFFFFFF00u};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t body[6 + 4] = {0, 1, (uint8_t)(bad[i] >> 24), (uint8_t)(bad[i] >> 16),
                               (uint8_t)(bad[i] >> 8), (uint8_t)bad[i], 'a', 'b', 'c', 'd'};
        pgw_frame f = frame_of('D', body, sizeof body);
        pgw_value v[1];
        uint16_t n = 77;
        assert_int_equal(pgw_parse_data_row(&f, v, 1, &n), PGW_E_PROTOCOL);
        assert_int_equal(n, 77);
    }
}

static void test_data_row_length_past_end_is_protocol_error(void **state)
{
    static const uint32_t bad[] = {5, 0x7FFFFFFFu, 0x3FFFFFFFu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t body[] = {0, 1, (uint8_t)(bad[i] >> 24), (uint8_t)(bad[i] >> 16),
                          (uint8_t)(bad[i] >> 8), (uint8_t)bad[i], 'a', 'b', 'c', 'd'};
        pgw_frame f = frame_of('D', body, sizeof body);
        pgw_value v[1];
        uint16_t n;
        assert_int_equal(pgw_parse_data_row(&f, v, 1, &n), PGW_E_PROTOCOL);
    }
    /* Exactly to the end is fine. */
    uint8_t ok[] = {0, 1, 0, 0, 0, 4, 'a', 'b', 'c', 'd'};
    pgw_frame f = frame_of('D', ok, sizeof ok);
    pgw_value v[1];
    uint16_t n;
    assert_int_equal(pgw_parse_data_row(&f, v, 1, &n), PGW_OK);
    assert_int_equal(v[0].len, 4);
}

static void test_data_row_huge_count_with_few_bytes_is_protocol_error(void **state)
{
    pgw_frame f = FRAME('D', 0xff, 0xff, 0, 0, 0, 0);
    uint16_t n;
    assert_int_equal(pgw_parse_data_row(&f, NULL, 0, &n), PGW_E_PROTOCOL);
}

static void test_data_row_cap_boundary(void **state)
{
    pgw_frame f = FRAME('D', 0, 3, 0, 0, 0, 1, 'a', 0, 0, 0, 1, 'b', 0, 0, 0, 1, 'c');
    pgw_value v[3];
    uint16_t n = 0;
    assert_int_equal(pgw_parse_data_row(&f, v, 3, &n), PGW_OK);
    assert_int_equal(n, 3);
    assert_memory_equal(v[2].ptr, "c", 1);
    n = 0;
    /* One more column than room: too large, and the count is reported. */
    assert_int_equal(pgw_parse_data_row(&f, v, 2, &n), PGW_E_TOO_LARGE);
    assert_int_equal(n, 3);
    /* Count only. */
    n = 0;
    assert_int_equal(pgw_parse_data_row(&f, NULL, 0, &n), PGW_OK);
    assert_int_equal(n, 3);
}

static void test_data_row_max_columns_all_null(void **state)
{
    const size_t cols = 65535;
    size_t len = 2 + 4 * cols;
    uint8_t *body = malloc(len);
    assert_non_null(body);
    body[0] = 0xff;
    body[1] = 0xff;
    memset(body + 2, 0xff, 4 * cols);
    pgw_value *v = malloc(cols * sizeof *v);
    assert_non_null(v);
    pgw_frame f = frame_of('D', body, len);
    uint16_t n = 0;
    assert_int_equal(pgw_parse_data_row(&f, v, 65535, &n), PGW_OK);
    assert_int_equal(n, 65535);
    assert_int_equal(v[65534].len, -1);
    assert_int_equal(pgw_parse_data_row(&f, v, 65534, &n), PGW_E_TOO_LARGE);
    free(v);
    free(body);
}

/* The loop that fills views for every column (count within cap) and the
 * counting walk (vals NULL) are separate code: over many generated rows,
 * well formed or damaged (a length word changed, bytes cut or added),
 * they must agree on the status and the count, and every view must be
 * the column an independent walk finds. */
static void test_data_row_views_agree_with_counting_walk(void **state)
{
    (void)state;
    uint32_t x = 4242;
    uint8_t body[256];
    for (int iter = 0; iter < 200000; iter++) {
        x = x * 1103515245u + 12345u;
        unsigned ncol = (x >> 8) % 6;
        size_t len = 2;
        body[0] = 0;
        body[1] = (uint8_t)ncol;
        size_t off[8];
        int32_t lens[8];
        for (unsigned c = 0; c < ncol; c++) {
            x = x * 1103515245u + 12345u;
            int32_t l = (x >> 8) % 5 == 0 ? -1 : (int32_t)((x >> 12) % 9);
            uint32_t u = (uint32_t)l;
            body[len] = (uint8_t)(u >> 24);
            body[len + 1] = (uint8_t)(u >> 16);
            body[len + 2] = (uint8_t)(u >> 8);
            body[len + 3] = (uint8_t)u;
            len += 4;
            off[c] = len;
            lens[c] = l;
            for (int32_t k = 0; k < l; k++)
                body[len++] = (uint8_t)('a' + k);
        }
        x = x * 1103515245u + 12345u;
        switch ((x >> 8) % 8) {
        case 0: /* a byte changed, often a length word */
            if (len > 0)
                body[(x >> 12) % len] ^= (uint8_t)(1u << ((x >> 20) % 8));
            break;
        case 1: /* cut */
            len -= (x >> 12) % (len + 1);
            break;
        case 2: /* trailing bytes */
            body[len++] = 0;
            break;
        case 3: /* a huge or negative length in the last column */
            if (ncol > 0)
                body[off[ncol - 1] - 4] = (uint8_t)((x >> 12) & 0xFF);
            break;
        default:
            break;
        }
        pgw_frame f = {PGW_BE_DATA_ROW, body, len};
        uint16_t n1 = 0xFFFF, n2 = 0xFFFF;
        pgw_value v[8];
        pgw_status counted = pgw_parse_data_row(&f, NULL, 0, &n1);
        pgw_status viewed = pgw_parse_data_row(&f, v, 8, &n2);
        if (counted != viewed)
            fail_msg("iteration %d: counted %d, viewed %d", iter, (int)counted, (int)viewed);
        if (viewed != PGW_OK) {
            assert_int_equal(viewed, PGW_E_PROTOCOL);
            continue;
        }
        assert_int_equal(n1, n2);
        /* An independent walk over what was accepted. */
        size_t p = 2;
        for (uint16_t c = 0; c < n2; c++) {
            uint32_t u = (uint32_t)body[p] << 24 | (uint32_t)body[p + 1] << 16 |
                         (uint32_t)body[p + 2] << 8 | body[p + 3];
            p += 4;
            assert_int_equal(v[c].len, (int32_t)u);
            if (u == UINT32_MAX) {
                assert_null(v[c].ptr);
            } else {
                assert_ptr_equal(v[c].ptr, body + p);
                p += u;
            }
        }
        assert_int_equal(p, len);
        (void)lens;
    }
}

static void test_data_row_zero_columns_and_empty_body(void **state)
{
    pgw_frame f = FRAME('D', 0, 0);
    uint16_t n = 9;
    assert_int_equal(pgw_parse_data_row(&f, NULL, 0, &n), PGW_OK);
    assert_int_equal(n, 0);
    pgw_frame e = frame_of('D', NULL, 0);
    assert_int_equal(pgw_parse_data_row(&e, NULL, 0, &n), PGW_E_PROTOCOL);
}

/* ---- RowDescription ---------------------------------------------------- */

static void test_row_description_bad_format_is_protocol_error(void **state)
{
    static const int16_t bad[] = {2, -1, 256, 0x7FFF};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint16_t u = (uint16_t)bad[i];
        uint8_t body[] = {0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4,
                          0xff, 0xff, 0xff, 0xff, (uint8_t)(u >> 8), (uint8_t)u};
        pgw_frame f = frame_of('T', body, sizeof body);
        uint16_t n;
        assert_int_equal(pgw_parse_row_description(&f, NULL, 0, &n), PGW_E_PROTOCOL);
    }
    pgw_frame ok = FRAME('T', 0, 1, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xff, 0xff,
                         0xff, 0xff, 0, 1);
    pgw_column_desc c;
    uint16_t n;
    assert_int_equal(pgw_parse_row_description(&ok, &c, 1, &n), PGW_OK);
    assert_int_equal(c.format, 1);
}

static void test_row_description_count_beyond_bytes_is_protocol_error(void **state)
{
    /* Two columns claimed; 19 bytes (one minimal column) present. */
    pgw_frame f = FRAME('T', 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    uint16_t n;
    assert_int_equal(pgw_parse_row_description(&f, NULL, 0, &n), PGW_E_PROTOCOL);
    /* The same bytes with a count of one are a valid column with an empty
     * name. */
    pgw_frame g = FRAME('T', 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    pgw_column_desc c;
    assert_int_equal(pgw_parse_row_description(&g, &c, 1, &n), PGW_OK);
    assert_string_equal(c.name, "");
    pgw_frame h = FRAME('T', 0xff, 0xff, 0);
    assert_int_equal(pgw_parse_row_description(&h, NULL, 0, &n), PGW_E_PROTOCOL);
}

static void test_row_description_cap_boundary(void **state)
{
    pgw_frame f = FRAME('T', 0, 2, 'a', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 23, 0, 4, 0xff, 0xff, 0xff,
                        0xff, 0, 0, 'b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25, 0xff, 0xff, 0xff,
                        0xff, 0xff, 0xff, 0, 0);
    pgw_column_desc c[2];
    uint16_t n = 0;
    assert_int_equal(pgw_parse_row_description(&f, c, 2, &n), PGW_OK);
    assert_string_equal(c[1].name, "b");
    assert_int_equal(c[1].type_size, -1);
    assert_int_equal(pgw_parse_row_description(&f, c, 1, &n), PGW_E_TOO_LARGE);
    assert_int_equal(n, 2);
}

/* ---- ReadyForQuery, BackendKeyData ------------------------------------- */

static void test_ready_for_query_only_idle_transaction_failed(void **state)
{
    for (unsigned b = 0; b < 256; b++) {
        uint8_t body[1] = {(uint8_t)b};
        pgw_frame f = frame_of('Z', body, 1);
        char s = 0;
        pgw_status want = (b == 'I' || b == 'T' || b == 'E') ? PGW_OK : PGW_E_PROTOCOL;
        assert_int_equal(pgw_parse_ready_for_query(&f, &s), want);
        if (want == PGW_OK)
            assert_int_equal((uint8_t)s, b);
    }
}

static void test_backend_key_data_key_length_4_to_256(void **state)
{
    uint8_t body[4 + 300];
    memset(body, 7, sizeof body);
    for (size_t k = 0; k <= 300; k++) {
        pgw_frame f = frame_of('K', body, 4 + k);
        int32_t pid;
        const uint8_t *key;
        size_t len = 0;
        pgw_status want = k >= 4 && k <= 256 ? PGW_OK : PGW_E_PROTOCOL;
        assert_int_equal(pgw_parse_backend_key_data(&f, &pid, &key, &len), want);
        if (want == PGW_OK) {
            assert_int_equal(len, k);
            assert_true(key == body + 4);
        }
    }
}

/* ---- Authentication ---------------------------------------------------- */

static void test_authentication_codes_without_data(void **state)
{
    static const uint8_t codes[] = {0, 2, 3, 6, 7, 9};
    for (size_t i = 0; i < sizeof codes; i++) {
        uint8_t body[5] = {0, 0, 0, codes[i], 'x'};
        pgw_frame f = frame_of('R', body, 4);
        int32_t code = -1;
        const uint8_t *data;
        size_t len = 9;
        assert_int_equal(pgw_parse_authentication(&f, &code, &data, &len), PGW_OK);
        assert_int_equal(code, codes[i]);
        assert_int_equal(len, 0);
        f.len = 5;
        assert_int_equal(pgw_parse_authentication(&f, &code, &data, &len), PGW_E_PROTOCOL);
    }
}

static void test_authentication_md5_salt_exactly_four_bytes(void **state)
{
    uint8_t body[4 + 6] = {0, 0, 0, 5, 1, 2, 3, 4, 5, 6};
    for (size_t salt = 0; salt <= 6; salt++) {
        pgw_frame f = frame_of('R', body, 4 + salt);
        int32_t code;
        const uint8_t *data;
        size_t len;
        pgw_status want = salt == 4 ? PGW_OK : PGW_E_PROTOCOL;
        assert_int_equal(pgw_parse_authentication(&f, &code, &data, &len), want);
        if (want == PGW_OK) {
            assert_int_equal(code, PGW_AUTH_MD5_PASSWORD);
            assert_int_equal(len, 4);
            assert_true(data == body + 4);
        }
    }
}

static void test_authentication_sasl_list_iterates_mechanisms(void **state)
{
    static const char list[] = "SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0"; /* + final NUL */
    uint8_t body[4 + sizeof list] = {0, 0, 0, 10};
    memcpy(body + 4, list, sizeof list);
    pgw_frame f = frame_of('R', body, sizeof body);
    int32_t code;
    const uint8_t *data;
    size_t len;
    assert_int_equal(pgw_parse_authentication(&f, &code, &data, &len), PGW_OK);
    assert_int_equal(code, PGW_AUTH_SASL);
    size_t pos = 0;
    const char *name;
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &name), PGW_OK);
    assert_string_equal(name, "SCRAM-SHA-256-PLUS");
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &name), PGW_OK);
    assert_string_equal(name, "SCRAM-SHA-256");
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &name), PGW_END);
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &name), PGW_END);
    pos = len;
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &name), PGW_E_PROTOCOL);
    pos = len + 5;
    assert_int_equal(pgw_sasl_mechanisms_next(data, len, &pos, &name), PGW_E_PROTOCOL);
    pos = 0;
    assert_int_equal(pgw_sasl_mechanisms_next(NULL, 0, &pos, &name), PGW_E_PROTOCOL);
}

static void test_authentication_sasl_malformed_lists_are_protocol_errors(void **state)
{
    const pgw_frame bad[] = {
        FRAME('R', 0, 0, 0, 10),                    /* no list at all */
        FRAME('R', 0, 0, 0, 10, 0),                 /* empty list */
        FRAME('R', 0, 0, 0, 10, 'A', 0),            /* no terminating empty name */
        FRAME('R', 0, 0, 0, 10, 'A'),               /* name without NUL */
        FRAME('R', 0, 0, 0, 10, 'A', 0, 0, 0),      /* bytes after the terminator */
        FRAME('R', 0, 0, 0, 10, 'A', 0, 0, 'B', 0), /* bytes after the terminator */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t code;
        const uint8_t *data;
        size_t len;
        assert_int_equal(pgw_parse_authentication(&bad[i], &code, &data, &len), PGW_E_PROTOCOL);
    }
}

static void test_authentication_opaque_and_unknown_codes_pass_data(void **state)
{
    static const uint8_t codes[] = {8, 11, 12, 99};
    for (size_t i = 0; i < sizeof codes; i++) {
        uint8_t body[] = {0, 0, 0, codes[i], 'r', '=', 'x'};
        pgw_frame f = frame_of('R', body, sizeof body);
        int32_t code;
        const uint8_t *data;
        size_t len;
        assert_int_equal(pgw_parse_authentication(&f, &code, &data, &len), PGW_OK);
        assert_int_equal(code, codes[i]);
        assert_int_equal(len, 3);
        assert_true(data == body + 4);
    }
    pgw_frame neg = FRAME('R', 0xff, 0xff, 0xff, 0xff);
    int32_t code;
    const uint8_t *data;
    size_t len;
    assert_int_equal(pgw_parse_authentication(&neg, &code, &data, &len), PGW_OK);
    assert_int_equal(code, -1);
}

/* ---- the rest ---------------------------------------------------------- */

static void test_copy_response_formats_validated(void **state)
{
    const struct {
        pgw_frame f;
        pgw_status want;
    } cases[] = {
        {FRAME('G', 0, 0, 0), PGW_OK},
        {FRAME('G', 1, 0, 2, 0, 1, 0, 0), PGW_OK},      /* binary copy, mixed columns */
        {FRAME('G', 0, 0, 1, 0, 1), PGW_E_PROTOCOL},    /* text copy, binary column */
        {FRAME('G', 2, 0, 0), PGW_E_PROTOCOL},          /* overall format 2 */
        {FRAME('G', 0xff, 0, 0), PGW_E_PROTOCOL},       /* overall format -1 */
        {FRAME('G', 1, 0, 1, 0, 2), PGW_E_PROTOCOL},    /* column format 2 */
        {FRAME('G', 1, 0, 1, 0xff, 0xff), PGW_E_PROTOCOL},
        {FRAME('G', 1, 0, 2, 0, 1), PGW_E_PROTOCOL},    /* count beyond bytes */
        {FRAME('G', 1, 0xff, 0xff, 0, 1), PGW_E_PROTOCOL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int8_t fmt;
        uint16_t n;
        const uint8_t *cf;
        assert_int_equal(pgw_parse_copy_response(&cases[i].f, &fmt, &n, &cf), cases[i].want);
    }
}

static void test_function_call_response_lengths(void **state)
{
    pgw_value v;
    pgw_frame ok = FRAME('V', 0, 0, 0, 3, 'a', 'b', 'c');
    assert_int_equal(pgw_parse_function_call_response(&ok, &v), PGW_OK);
    assert_int_equal(v.len, 3);
    assert_true(v.ptr == ok.body + 4);
    pgw_frame null = FRAME('V', 0xff, 0xff, 0xff, 0xff);
    assert_int_equal(pgw_parse_function_call_response(&null, &v), PGW_OK);
    assert_int_equal(v.len, -1);
    assert_null(v.ptr);
    pgw_frame empty = FRAME('V', 0, 0, 0, 0);
    assert_int_equal(pgw_parse_function_call_response(&empty, &v), PGW_OK);
    assert_int_equal(v.len, 0);
    pgw_frame neg = FRAME('V', 0xff, 0xff, 0xff, 0xfe);
    assert_int_equal(pgw_parse_function_call_response(&neg, &v), PGW_E_PROTOCOL);
    pgw_frame min = FRAME('V', 0x80, 0, 0, 0);
    assert_int_equal(pgw_parse_function_call_response(&min, &v), PGW_E_PROTOCOL);
    pgw_frame past = FRAME('V', 0x7f, 0xff, 0xff, 0xff, 'a');
    assert_int_equal(pgw_parse_function_call_response(&past, &v), PGW_E_PROTOCOL);
}

static void test_negotiate_protocol_version_options(void **state)
{
    pgw_frame f = FRAME('v', 0, 0, 0, 0, 0, 0, 0, 2, '_', 'p', 'q', '_', '.', 'a', 0, 'b', 0);
    int32_t minor = -1;
    uint32_t n = 0;
    size_t pos = 0;
    assert_int_equal(pgw_parse_negotiate_protocol_version(&f, &minor, &n, &pos), PGW_OK);
    assert_int_equal(minor, 0);
    assert_int_equal(n, 2);
    const char *s;
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_OK);
    assert_string_equal(s, "_pq_.a");
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_OK);
    assert_string_equal(s, "b");
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_END);
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_END);

    const pgw_frame bad[] = {
        FRAME('v', 0, 0, 0, 0, 0, 0, 0, 3, 'a', 0, 'b', 0),        /* fewer names */
        FRAME('v', 0, 0, 0, 0, 0, 0, 0, 1, 'a', 0, 'b', 0),        /* more names */
        FRAME('v', 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff, 'a', 0),    /* absurd count */
        FRAME('v', 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff),            /* negative count */
        FRAME('v', 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0),            /* negative minor */
        FRAME('v', 0, 0, 0, 0, 0, 0, 0, 1, 'a'),                   /* no NUL */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pgw_parse_negotiate_protocol_version(&bad[i], &minor, &n, &pos),
                         PGW_E_PROTOCOL);
}

static void test_cstrings_next_bad_positions(void **state)
{
    pgw_frame f = FRAME('v', 'a', 0, 'b');
    size_t pos = 0;
    const char *s;
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_OK);
    assert_int_equal(pos, 2);
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_E_PROTOCOL); /* "b" has no NUL */
    pos = 4;
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_E_PROTOCOL);
    pos = SIZE_MAX;
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_E_PROTOCOL);
}

static void test_parameter_description_counts_and_cap(void **state)
{
    pgw_frame f = FRAME('t', 0, 2, 0, 0, 0, 23, 0xff, 0xff, 0xff, 0xff);
    uint32_t oids[2];
    uint16_t n = 0;
    assert_int_equal(pgw_parse_parameter_description(&f, oids, 2, &n), PGW_OK);
    assert_int_equal(n, 2);
    assert_int_equal(oids[0], 23);
    assert_int_equal(oids[1], 0xFFFFFFFFu);
    assert_int_equal(pgw_parse_parameter_description(&f, oids, 1, &n), PGW_E_TOO_LARGE);
    assert_int_equal(n, 2);
    assert_int_equal(pgw_parse_parameter_description(&f, NULL, 0, &n), PGW_OK);
    pgw_frame big = FRAME('t', 0xff, 0xff, 0, 0, 0, 0);
    assert_int_equal(pgw_parse_parameter_description(&big, NULL, 0, &n), PGW_E_PROTOCOL);
}

static void test_parse_empty_requires_no_body(void **state)
{
    pgw_frame e = frame_of('1', NULL, 0);
    assert_int_equal(pgw_parse_empty(&e), PGW_OK);
    pgw_frame one = FRAME('2', 0);
    assert_int_equal(pgw_parse_empty(&one), PGW_E_PROTOCOL);
}

static void test_parse_null_body_empty_frames_do_not_crash(void **state)
{
    /* An empty frame may carry a NULL body; every parser must cope. */
    const char *tags = "RKCGHWDVvAtSZT";
    for (const char *t = tags; *t != '\0'; t++) {
        pgw_frame f = frame_of((uint8_t)*t, NULL, 0);
        pgw_status rc = parser_for((uint8_t)*t)(&f);
        /* An empty ParameterDescription is not valid either: it needs its
         * count. Nothing parses from zero bytes. */
        assert_int_equal(rc, PGW_E_PROTOCOL);
    }
    pgw_frame f = frame_of('v', NULL, 0);
    size_t pos = 0;
    const char *s;
    assert_int_equal(pgw_cstrings_next(&f, &pos, &s), PGW_END);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_captured_sessions_every_message_parses),
        cmocka_unit_test(test_parse_captured_first_result_values),
        cmocka_unit_test(test_parse_captured_transaction_statuses),
        cmocka_unit_test(test_parse_captured_messages_every_truncation_and_trailing_fail),
        cmocka_unit_test(test_parse_hand_made_messages_every_truncation_and_trailing_fail),
        cmocka_unit_test(test_data_row_minus_one_is_null_and_empty_is_not),
        cmocka_unit_test(test_data_row_negative_length_is_protocol_error),
        cmocka_unit_test(test_data_row_length_past_end_is_protocol_error),
        cmocka_unit_test(test_data_row_huge_count_with_few_bytes_is_protocol_error),
        cmocka_unit_test(test_data_row_cap_boundary),
        cmocka_unit_test(test_data_row_max_columns_all_null),
        cmocka_unit_test(test_data_row_zero_columns_and_empty_body),
        cmocka_unit_test(test_data_row_views_agree_with_counting_walk),
        cmocka_unit_test(test_row_description_bad_format_is_protocol_error),
        cmocka_unit_test(test_row_description_count_beyond_bytes_is_protocol_error),
        cmocka_unit_test(test_row_description_cap_boundary),
        cmocka_unit_test(test_ready_for_query_only_idle_transaction_failed),
        cmocka_unit_test(test_backend_key_data_key_length_4_to_256),
        cmocka_unit_test(test_authentication_codes_without_data),
        cmocka_unit_test(test_authentication_md5_salt_exactly_four_bytes),
        cmocka_unit_test(test_authentication_sasl_list_iterates_mechanisms),
        cmocka_unit_test(test_authentication_sasl_malformed_lists_are_protocol_errors),
        cmocka_unit_test(test_authentication_opaque_and_unknown_codes_pass_data),
        cmocka_unit_test(test_copy_response_formats_validated),
        cmocka_unit_test(test_function_call_response_lengths),
        cmocka_unit_test(test_negotiate_protocol_version_options),
        cmocka_unit_test(test_cstrings_next_bad_positions),
        cmocka_unit_test(test_parameter_description_counts_and_cap),
        cmocka_unit_test(test_parse_empty_requires_no_body),
        cmocka_unit_test(test_parse_null_body_empty_frames_do_not_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
