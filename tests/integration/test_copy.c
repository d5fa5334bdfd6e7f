/* COPY FROM STDIN and COPY TO STDOUT against the real server: text, csv
 * and binary both ways, big streams in bounded memory, CopyFail, server
 * errors mid-COPY, and the connection usable after each. */
#include <math.h>

#include "conn/conn_int.h"
#include "pgtest.h"

static int64_t scalar(pgw_conn *c, const char *sql)
{
    pgw_result *r = NULL;
    assert_int_equal(pgw_query_result(c, sql, &r), PGW_OK);
    int64_t v = 0;
    assert_int_equal(pgw_result_int64(r, 0, 0, &v), PGW_OK);
    pgw_result_free(r);
    return v;
}

static void assert_usable(pgw_conn *c)
{
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    assert_int_equal(scalar(c, "SELECT 41 + 1"), 42);
}

static void make_table(pgw_conn *c)
{
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE t (id int4 PRIMARY KEY, name text, "
                                 "x float8)",
                              NULL),
                     PGW_OK);
}

/* Collect a whole COPY OUT into buf (NUL-terminated). */
static size_t copy_out(pgw_conn *c, const char *sql, char *buf, size_t cap, uint64_t *rows)
{
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, sql, &cp), PGW_OK);
    assert_int_equal(pgw_copy_get_direction(cp), PGW_COPY_OUT);
    size_t n = 0;
    const uint8_t *p;
    size_t len;
    pgw_status rc;
    while ((rc = pgw_copy_get(cp, &p, &len)) == PGW_OK) {
        assert_true(n + len < cap);
        memcpy(buf + n, p, len);
        n += len;
    }
    assert_int_equal(rc, PGW_END);
    buf[n] = '\0';
    if (rows != NULL)
        *rows = pgw_copy_rows(cp);
    pgw_copy_free(cp);
    return n;
}

static void test_copy_text_in_then_out_roundtrips(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(pgw_copy_get_direction(cp), PGW_COPY_IN);
    assert_int_equal(pgw_copy_format(cp), 0);
    assert_int_equal(pgw_copy_ncols(cp), 3);
    assert_int_equal(pgw_copy_column_format(cp, 2), 0);
    assert_int_equal(pgw_copy_column_format(cp, 3), -1);
    /* Rows split across puts at awkward places. */
    const char *data = "1\tone\t1.5\n2\t\\N\t-2\n3\ttab\\there\t";
    assert_int_equal(pgw_copy_put(cp, data, strlen(data)), PGW_OK);
    assert_int_equal(pgw_copy_put(cp, "0\n", 2), PGW_OK);
    assert_int_equal(pgw_copy_rows_sent(cp), 3);
    assert_int_equal(pgw_copy_bytes_sent(cp), strlen(data) + 2);
    uint64_t rows = 0;
    assert_int_equal(pgw_copy_end(cp, &rows), PGW_OK);
    assert_int_equal(rows, 3);
    assert_int_equal(pgw_copy_rows(cp), 3);
    pgw_copy_free(cp);
    assert_usable(c);
    assert_int_equal(scalar(c, "SELECT count(*) FROM t WHERE name IS NULL"), 1);
    assert_int_equal(scalar(c, "SELECT count(*) FROM t WHERE name = E'tab\\there'"), 1);

    char buf[256];
    copy_out(c, "COPY t TO STDOUT", buf, sizeof buf, &rows);
    assert_string_equal(buf, "1\tone\t1.5\n2\t\\N\t-2\n3\ttab\\there\t0\n");
    assert_int_equal(rows, 3);
    assert_usable(c);
    pgw_close(c);
}

static void test_copy_csv_with_header_roundtrips(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN WITH (FORMAT csv, HEADER true)", &cp),
                     PGW_OK);
    const char *data = "id,name,x\n1,\"a,b\",1\n2,\"say \"\"hi\"\"\",2\n3,,3\n4,\"\",4\n";
    assert_int_equal(pgw_copy_put(cp, data, strlen(data)), PGW_OK);
    uint64_t rows = 0;
    assert_int_equal(pgw_copy_end(cp, &rows), PGW_OK);
    assert_int_equal(rows, 4);
    pgw_copy_free(cp);
    assert_int_equal(scalar(c, "SELECT count(*) FROM t WHERE name IS NULL"), 1);
    assert_int_equal(scalar(c, "SELECT count(*) FROM t WHERE name = ''"), 1);

    char buf[256];
    copy_out(c, "COPY (SELECT * FROM t ORDER BY id) TO STDOUT WITH (FORMAT csv)", buf,
             sizeof buf, &rows);
    assert_string_equal(buf, "1,\"a,b\",1\n2,\"say \"\"hi\"\"\",2\n3,,3\n4,\"\",4\n");
    assert_int_equal(rows, 4);
    assert_usable(c);
    pgw_close(c);
}

/* Values that need escaping, through the helpers, in text and csv. */
static void test_copy_escape_helpers_survive_the_server(void **s)
{
    (void)s;
    static const char *const vals[] = {"plain", "tab\there", "new\nline", "back\\slash",
                                       "cr\rlf", "\\.", "", " spaced ", "q\"uote,comma",
                                       "\\N"};
    size_t nv = sizeof vals / sizeof vals[0];
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE e (id int4, v text)", NULL), PGW_OK);
    for (int csv = 0; csv < 2; csv++) {
        assert_int_equal(pgw_exec(c, "TRUNCATE e", NULL), PGW_OK);
        pgw_copy *cp = NULL;
        assert_int_equal(pgw_copy_begin(c, csv ? "COPY e FROM STDIN (FORMAT csv)"
                                               : "COPY e FROM STDIN",
                                        &cp),
                         PGW_OK);
        pgw_buf b;
        pgw_buf_init(&b, NULL, 0);
        for (size_t i = 0; i <= nv; i++) {
            char id[16];
            snprintf(id, sizeof id, "%zu%c", i, csv ? ',' : '\t');
            assert_int_equal(pgw_buf_append(&b, id, strlen(id)), PGW_OK);
            if (i == nv) /* the NULL row */
                assert_int_equal(csv ? PGW_OK : pgw_copy_text_null(&b), PGW_OK);
            else if (csv)
                assert_int_equal(pgw_copy_csv_value(&b, vals[i], strlen(vals[i])), PGW_OK);
            else
                assert_int_equal(pgw_copy_text_value(&b, vals[i], strlen(vals[i])), PGW_OK);
            assert_int_equal(pgw_buf_put_u8(&b, '\n'), PGW_OK);
        }
        assert_int_equal(pgw_copy_put_rows(cp, b.data, b.len, nv + 1), PGW_OK);
        pgw_buf_free(&b);
        uint64_t rows;
        assert_int_equal(pgw_copy_end(cp, &rows), PGW_OK);
        assert_int_equal(rows, nv + 1);
        pgw_copy_free(cp);
        pgw_cursor *cur = NULL;
        assert_int_equal(pgw_query(c, "SELECT v FROM e ORDER BY id", &cur), PGW_OK);
        for (size_t i = 0; i <= nv; i++) {
            assert_int_equal(pgw_cursor_next(cur), PGW_OK);
            if (i == nv) {
                assert_true(pgw_cursor_is_null(cur, 0));
                continue;
            }
            const char *p;
            size_t len;
            assert_int_equal(pgw_cursor_text(cur, 0, &p, &len), PGW_OK);
            assert_int_equal(len, strlen(vals[i]));
            assert_memory_equal(p, vals[i], len);
        }
        assert_int_equal(pgw_cursor_next(cur), PGW_END);
        assert_int_equal(pgw_cursor_close(cur), PGW_OK);
    }
    assert_usable(c);
    pgw_close(c);
}

static void test_copy_binary_encoder_in_and_reader_out(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE b (i2 int2, i4 int4, i8 int8, f4 float4, "
                                 "f8 float8, t text, by bytea, n numeric, d date, ts timestamp, "
                                 "tz timestamptz, u uuid, ok bool, r int4)",
                              NULL),
                     PGW_OK);
    assert_int_equal(pgw_exec(c, "SET TimeZone = 'UTC'", NULL), PGW_OK);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY b FROM STDIN (FORMAT binary)", &cp), PGW_OK);
    assert_int_equal(pgw_copy_format(cp), 1);
    assert_int_equal(pgw_copy_column_format(cp, 0), 1);
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_copy_bin_header(&b), PGW_OK);
    pgw_uuid u;
    for (int i = 0; i < 16; i++)
        u.b[i] = (uint8_t)(0xa0 + i);
    uint8_t raw4[4] = {0, 0, 1, 0}; /* int4 256, pre-encoded */
    assert_int_equal(pgw_copy_bin_row(&b, 14), PGW_OK);
    assert_int_equal(pgw_copy_bin_int2(&b, -2), PGW_OK);
    assert_int_equal(pgw_copy_bin_int4(&b, 2000000000), PGW_OK);
    assert_int_equal(pgw_copy_bin_int8(&b, INT64_MIN), PGW_OK);
    assert_int_equal(pgw_copy_bin_float4(&b, 1.5f), PGW_OK);
    assert_int_equal(pgw_copy_bin_float8(&b, -0.25), PGW_OK);
    assert_int_equal(pgw_copy_bin_text(&b, "héllo", strlen("héllo")), PGW_OK);
    assert_int_equal(pgw_copy_bin_bytea(&b, "\0\1\2", 3), PGW_OK);
    assert_int_equal(pgw_copy_bin_numeric(&b, "-12345.678900", 13), PGW_OK);
    assert_int_equal(pgw_copy_bin_date(&b, 19000), PGW_OK);
    assert_int_equal(pgw_copy_bin_timestamp(&b, 1700000000123456), PGW_OK);
    assert_int_equal(pgw_copy_bin_timestamptz(&b, -1), PGW_OK);
    assert_int_equal(pgw_copy_bin_uuid(&b, u), PGW_OK);
    assert_int_equal(pgw_copy_bin_bool(&b, true), PGW_OK);
    assert_int_equal(pgw_copy_bin_raw(&b, raw4, 4), PGW_OK);
    /* A row of NULLs. */
    assert_int_equal(pgw_copy_bin_row(&b, 14), PGW_OK);
    for (int i = 0; i < 14; i++)
        assert_int_equal(pgw_copy_bin_null(&b), PGW_OK);
    assert_int_equal(pgw_copy_bin_trailer(&b), PGW_OK);
    assert_int_equal(pgw_copy_put_rows(cp, b.data, b.len, 2), PGW_OK);
    uint64_t rows;
    assert_int_equal(pgw_copy_end(cp, &rows), PGW_OK);
    assert_int_equal(rows, 2);
    assert_int_equal(pgw_copy_rows_sent(cp), 2);
    pgw_copy_free(cp);

    char buf[1024];
    copy_out(c, "COPY (SELECT * FROM b ORDER BY i2 NULLS LAST) TO STDOUT", buf, sizeof buf,
             NULL);
    assert_string_equal(buf, "-2\t2000000000\t-9223372036854775808\t1.5\t-0.25\théllo\t"
                             "\\\\x000102\t-12345.678900\t2022-01-08\t"
                             "2023-11-14 22:13:20.123456\t1969-12-31 23:59:59.999999+00\t"
                             "a0a1a2a3-a4a5-a6a7-a8a9-aaabacadaeaf\tt\t256\n"
                             "\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t\\N\t"
                             "\\N\n");

    /* Binary out, through the reader: the bytes we encoded come back. */
    assert_int_equal(pgw_copy_begin(c, "COPY (SELECT * FROM b ORDER BY i2 NULLS LAST) TO "
                                       "STDOUT (FORMAT binary)",
                                    &cp),
                     PGW_OK);
    assert_int_equal(pgw_copy_format(cp), 1);
    pgw_copy_bin_reader r;
    pgw_copy_bin_reader_init(&r);
    const uint8_t *p;
    size_t len;
    int got = 0;
    bool trailer = false;
    pgw_status rc;
    while ((rc = pgw_copy_get(cp, &p, &len)) == PGW_OK) {
        pgw_copy_bin_reader_feed(&r, p, len);
        pgw_value v[14];
        uint16_t n;
        pgw_status rr;
        while ((rr = pgw_copy_bin_reader_next(&r, v, 14, &n)) == PGW_OK) {
            assert_int_equal(n, 14);
            if (got == 0) {
                int32_t i4;
                assert_int_equal(pgw_decode_int4_bin(v[1].ptr, (size_t)v[1].len, &i4), PGW_OK);
                assert_int_equal(i4, 2000000000);
                assert_int_equal(v[6].len, 3);
                assert_memory_equal(v[6].ptr, "\0\1\2", 3);
                assert_int_equal(v[11].len, 16);
                assert_memory_equal(v[11].ptr, u.b, 16);
            } else {
                for (int i = 0; i < 14; i++)
                    assert_int_equal(v[i].len, -1);
            }
            got++;
        }
        if (rr == PGW_END)
            trailer = true;
        else
            assert_int_equal(rr, PGW_WANT_READ);
        assert_int_equal(pgw_copy_bin_reader_pending(&r), 0);
    }
    assert_int_equal(rc, PGW_END);
    assert_int_equal(got, 2);
    assert_true(trailer);
    assert_int_equal(pgw_copy_rows(cp), 2);
    pgw_copy_free(cp);
    pgw_buf_free(&b);
    assert_usable(c);
    pgw_close(c);
}

/* 200,000 rows each way; the engine's buffers stay small throughout. */
static void test_copy_large_streams_bounded_memory(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    char line[128];
    size_t max_out = 0;
    for (int i = 0; i < 200000; i++) {
        int n = snprintf(line, sizeof line, "%d\tname number %d\t%d.25\n", i, i, i);
        assert_int_equal(pgw_copy_put(cp, line, (size_t)n), PGW_OK);
        if (c->out.cap > max_out)
            max_out = c->out.cap;
    }
    uint64_t rows;
    assert_int_equal(pgw_copy_end(cp, &rows), PGW_OK);
    assert_int_equal(rows, 200000);
    assert_int_equal(pgw_copy_rows_sent(cp), 200000);
    pgw_copy_free(cp);
    /* The threshold plus one chunk, rounded up by the buffer's doubling. */
    assert_true(max_out <= 2 * (PGW_COPY_FLUSH_THRESHOLD + PGW_COPY_CHUNK + 64));

    assert_int_equal(pgw_copy_begin(c, "COPY t TO STDOUT", &cp), PGW_OK);
    const uint8_t *p;
    size_t len;
    pgw_status rc;
    uint64_t n = 0, bytes = 0;
    while ((rc = pgw_copy_get(cp, &p, &len)) == PGW_OK) {
        assert_true(len > 0 && p[len - 1] == '\n');
        n++;
        bytes += len;
    }
    assert_int_equal(rc, PGW_END);
    assert_int_equal(n, 200000);
    assert_true(bytes > 200000 * 20);
    assert_int_equal(pgw_copy_rows(cp), 200000);
    assert_true(c->in.cap <= 1024 * 1024);
    pgw_copy_free(cp);
    assert_usable(c);
    assert_int_equal(scalar(c, "SELECT sum(id)::int8 FROM t"), (int64_t)199999 * 200000 / 2);
    pgw_close(c);
}

static void test_copy_fail_reports_57014_and_applies_nothing(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(pgw_copy_put(cp, "1\ta\t1\n", 6), PGW_OK);
    assert_int_equal(pgw_copy_fail(cp, "changed my mind"), PGW_E_SERVER);
    const pgw_error *e = pgw_conn_error(c);
    assert_string_equal(e->sqlstate, "57014");
    assert_non_null(strstr(e->message, "changed my mind"));
    /* Further calls repeat the outcome. */
    assert_int_equal(pgw_copy_put(cp, "2\tb\t2\n", 6), PGW_E_SERVER);
    pgw_copy_free(cp);
    assert_usable(c);
    assert_int_equal(scalar(c, "SELECT count(*) FROM t"), 0);
    pgw_close(c);
}

static void test_copy_bad_row_reports_22P02_with_line(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    const char *data = "1\ta\t1\n2\tb\t2\nthree\tc\t3\n4\td\t4\n";
    pgw_status rc = pgw_copy_put(cp, data, strlen(data));
    /* The error is found at the end at the latest. */
    if (rc == PGW_OK)
        rc = pgw_copy_end(cp, NULL);
    assert_int_equal(rc, PGW_E_SERVER);
    const pgw_error *e = pgw_conn_error(c);
    assert_string_equal(e->sqlstate, "22P02");
    assert_non_null(e->where);
    assert_non_null(strstr(e->where, "line 3"));
    assert_int_equal(pgw_copy_end(cp, NULL), PGW_E_SERVER);
    pgw_copy_free(cp);
    assert_usable(c);
    assert_int_equal(scalar(c, "SELECT count(*) FROM t"), 0);
    pgw_close(c);
}

/* A bad row early in a long stream stops the sender before the end. */
static void test_copy_early_error_stops_a_long_stream(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(pgw_copy_put(cp, "1\ta\t1\n1\tdup\t1\n", 14), PGW_OK);
    pgw_status rc = PGW_OK;
    char line[64];
    int i;
    for (i = 2; i < 5000000 && rc == PGW_OK; i++) {
        int n = snprintf(line, sizeof line, "%d\tfiller\t0\n", i);
        rc = pgw_copy_put(cp, line, (size_t)n);
    }
    assert_int_equal(rc, PGW_E_SERVER);
    assert_true(i < 5000000);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "23505");
    assert_non_null(pgw_conn_error(c)->constraint);
    pgw_copy_free(cp);
    assert_usable(c);
    assert_int_equal(scalar(c, "SELECT count(*) FROM t"), 0);
    pgw_close(c);
}

static void test_copy_constraint_violation_at_end_reports_23505(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(pgw_copy_put(cp, "7\ta\t1\n7\tb\t2\n", 12), PGW_OK);
    assert_int_equal(pgw_copy_end(cp, NULL), PGW_E_SERVER);
    const pgw_error *e = pgw_conn_error(c);
    assert_string_equal(e->sqlstate, "23505");
    assert_string_equal(e->constraint, "t_pkey");
    assert_non_null(e->where);
    assert_non_null(strstr(e->where, "COPY t"));
    pgw_copy_free(cp);
    assert_usable(c);
    pgw_close(c);
}

static void test_copy_out_error_midway_reports_22012(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY (SELECT 1 / (50000 - g) FROM generate_series(1, "
                                       "100000) g) TO STDOUT",
                                    &cp),
                     PGW_OK);
    const uint8_t *p;
    size_t len;
    pgw_status rc;
    int n = 0;
    while ((rc = pgw_copy_get(cp, &p, &len)) == PGW_OK)
        n++;
    assert_int_equal(rc, PGW_E_SERVER);
    assert_int_equal(n, 49999);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "22012");
    assert_int_equal(pgw_copy_get(cp, &p, &len), PGW_E_SERVER);
    pgw_copy_free(cp);
    assert_usable(c);
    pgw_close(c);
}

static void test_copy_plain_query_of_copy_in_fails_cleanly(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    assert_int_equal(pgw_exec(c, "COPY t FROM STDIN", NULL), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57014");
    assert_usable(c);
    /* COPY TO STDOUT through a plain query: data discarded, count kept. */
    uint64_t rows = 0;
    assert_int_equal(pgw_exec(c, "COPY (SELECT generate_series(1, 5)) TO STDOUT", &rows), PGW_OK);
    assert_int_equal(rows, 5);
    assert_usable(c);
    /* The same through the extended protocol: the server swallows the Sync
     * sent with Execute while in copy mode; the engine sends another one
     * after CopyFail, so neither side waits for the other. */
    pgw_conn_set_timeout(c, 10000);
    assert_int_equal(pgw_exec_params(c, "COPY t FROM STDIN", NULL, 0, &rows), PGW_E_SERVER);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "57014");
    assert_usable(c);
    assert_int_equal(pgw_exec_params(c, "COPY (SELECT generate_series(1, 3)) TO STDOUT", NULL, 0,
                                     &rows),
                     PGW_OK);
    assert_int_equal(rows, 3);
    assert_usable(c);
    pgw_close(c);
}

static void test_copy_begin_refuses_non_copy_and_reports_syntax_errors(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_copy *cp = (pgw_copy *)(uintptr_t)1;
    assert_int_equal(pgw_copy_begin(c, "SELECT 1", &cp), PGW_E_INVALID);
    assert_null(cp);
    assert_usable(c);
    assert_int_equal(pgw_copy_begin(c, "COPY nonexistent FROM STDIN", &cp), PGW_E_SERVER);
    assert_null(cp);
    assert_string_equal(pgw_conn_error(c)->sqlstate, "42P01");
    assert_usable(c);
    assert_int_equal(pgw_copy_begin(c, "COPY (SELECT 1) TO STDOUT WITH (FORMAT nope)", &cp),
                     PGW_E_SERVER);
    assert_usable(c);
    /* Statements before the COPY in the same string are skipped. */
    assert_int_equal(pgw_copy_begin(c, "SELECT 1; COPY (SELECT 7) TO STDOUT", &cp), PGW_OK);
    const uint8_t *p;
    size_t len;
    assert_int_equal(pgw_copy_get(cp, &p, &len), PGW_OK);
    assert_int_equal(len, 2);
    assert_memory_equal(p, "7\n", 2);
    assert_int_equal(pgw_copy_get(cp, &p, &len), PGW_END);
    /* The wrong direction's calls are refused. */
    assert_int_equal(pgw_copy_put(cp, "x", 1), PGW_E_STATE);
    assert_int_equal(pgw_copy_end(cp, NULL), PGW_E_STATE);
    pgw_copy_free(cp);
    assert_usable(c);
    pgw_close(c);
}

static void test_copy_free_mid_copy_in_leaves_connection_usable(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(pgw_copy_put(cp, "1\ta\t1\n", 6), PGW_OK);
    pgw_copy_free(cp);
    /* The abandoned COPY's answer is read before the next query's. */
    assert_int_equal(scalar(c, "SELECT count(*) FROM t"), 0);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    /* And a COPY OUT abandoned after one chunk. */
    assert_int_equal(pgw_copy_begin(c, "COPY (SELECT generate_series(1, 10000)) TO STDOUT", &cp),
                     PGW_OK);
    const uint8_t *p;
    size_t len;
    assert_int_equal(pgw_copy_get(cp, &p, &len), PGW_OK);
    pgw_copy_free(cp);
    assert_int_equal(scalar(c, "SELECT 41 + 1"), 42);
    assert_usable(c);
    pgw_close(c);
}

/* COPY inside a transaction: a failed COPY fails the transaction. */
static void test_copy_in_transaction_failure_marks_it_failed(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    make_table(c);
    assert_int_equal(pgw_exec(c, "BEGIN", NULL), PGW_OK);
    pgw_copy *cp = NULL;
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(pgw_copy_put(cp, "1\ta\t1\n", 6), PGW_OK);
    assert_int_equal(pgw_copy_end(cp, NULL), PGW_OK);
    pgw_copy_free(cp);
    assert_int_equal(pgw_copy_begin(c, "COPY t FROM STDIN", &cp), PGW_OK);
    assert_int_equal(pgw_copy_fail(cp, "stop"), PGW_E_SERVER);
    pgw_copy_free(cp);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_exec(c, "ROLLBACK", NULL), PGW_OK);
    assert_usable(c);
    assert_int_equal(scalar(c, "SELECT count(*) FROM t"), 0);
    pgw_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_text_in_then_out_roundtrips),
        cmocka_unit_test(test_copy_csv_with_header_roundtrips),
        cmocka_unit_test(test_copy_escape_helpers_survive_the_server),
        cmocka_unit_test(test_copy_binary_encoder_in_and_reader_out),
        cmocka_unit_test(test_copy_large_streams_bounded_memory),
        cmocka_unit_test(test_copy_fail_reports_57014_and_applies_nothing),
        cmocka_unit_test(test_copy_bad_row_reports_22P02_with_line),
        cmocka_unit_test(test_copy_early_error_stops_a_long_stream),
        cmocka_unit_test(test_copy_constraint_violation_at_end_reports_23505),
        cmocka_unit_test(test_copy_out_error_midway_reports_22012),
        cmocka_unit_test(test_copy_plain_query_of_copy_in_fails_cleanly),
        cmocka_unit_test(test_copy_begin_refuses_non_copy_and_reports_syntax_errors),
        cmocka_unit_test(test_copy_free_mid_copy_in_leaves_connection_usable),
        cmocka_unit_test(test_copy_in_transaction_failure_marks_it_failed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
