/* What the client refuses to send: values and messages whose int32
 * lengths or int16 counts would wrap (the 2024 protocol-smuggling class),
 * and NUL bytes that would split a startup parameter or a query. Each is
 * refused before a byte reaches the wire — and, for the oversized values,
 * before a byte of the value is read (the data pointers point at one
 * byte; ASan in CI catches any read past it) — and the connection is
 * still usable afterwards. Issue 8. */
#include "hostile.h"

/* A session that, after the refused call, still runs "SELECT 1". */
static fs_script *usable_after(void)
{
    fs_script *sc = hr_session();
    fs_expect_query(sc, "SELECT 1");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    return sc;
}

/* Nothing was written, the connection is idle, and a query still runs. */
static void assert_nothing_sent_and_usable(hrig *r, size_t received_before)
{
    const uint8_t *p;
    assert_int_equal(pgw_conn_output(r->c, &p), 0);
    assert_int_equal(pgw_conn_get_state(r->c), PGW_CONN_IDLE);
    assert_int_equal(fs_received_count(r->fs), received_before);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(r->c, "SELECT 1", &cur), PGW_OK);
    assert_int_equal(hr_walk(r, cur, NULL), PGW_END);
    pgw_cursor_free(cur);
    assert_true(fs_done(r->fs));
}

static void huge_param_case(int cache_size, size_t n, size_t each)
{
    static const uint8_t one_byte[1] = {'x'};
    pgw_param *ps = calloc(n, sizeof *ps);
    assert_non_null(ps);
    for (size_t i = 0; i < n; i++)
        ps[i] = (pgw_param){.type = PGW_OID_BYTEA, .format = PGW_FORMAT_BINARY,
                            .data = one_byte, .len = each};
    hr_opts ho = {.statement_cache_size = cache_size};
    hrig r;
    hr_init(&r, usable_after(), HCI, 0, &ho, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query_params_send(r.c, "SELECT $1", ps, n, NULL, 0, &cur);
    if (rc != PGW_E_TOO_LARGE)
        fail_msg("%zu x %zu bytes (cache %d): got %s (%s); largest allocation asked %zu", n, each,
                 cache_size, pgw_status_name(rc), pgw_conn_errmsg(r.c), r.fa.largest_request);
    assert_null(cur);
    /* Refused from the lengths: no allocation near the value's size. */
    assert_true(r.fa.largest_request < (size_t)1 << 20);
    assert_nothing_sent_and_usable(&r, 1);
    hr_free(&r);
    free(ps);
}

/* CVE-2024-27304 class: one value of 2^31 bytes. */
static void test_hostile_param_of_2_31_bytes_is_refused_before_the_wire(void **state)
{
    (void)state;
    huge_param_case(-1, 1, (size_t)1 << 31);
    huge_param_case(0, 1, (size_t)1 << 31);
    huge_param_case(-1, 1, SIZE_MAX);
}

/* Two values of 2^30 bytes: each fits an int32, the Bind message does not.
 * Regression (issue 8, found by this suite): the client first asked its
 * allocator for a 2 GiB copy of the values and reported PGW_E_NOMEM (or,
 * with the memory, copied 2 GiB before the Bind builder refused it); the
 * header promises PGW_E_TOO_LARGE from the lengths alone. */
static void test_hostile_params_summing_over_int32_are_refused_before_the_wire(void **state)
{
    (void)state;
    huge_param_case(-1, 2, (size_t)1 << 30);
    huge_param_case(-1, 4, ((size_t)1 << 31) - 1);
}

static void count_case(size_t n, pgw_status want)
{
    pgw_param *ps = calloc(n, sizeof *ps);
    assert_non_null(ps);
    for (size_t i = 0; i < n; i++)
        ps[i] = (pgw_param){.type = PGW_OID_INT4, .format = PGW_FORMAT_TEXT, .data = NULL};
    fs_script *sc = hr_session();
    if (want == PGW_OK) {
        fs_expect_parse(sc, NULL);
        fs_expect_bind(sc);
        fs_expect_describe(sc, 'P');
        fs_expect_execute(sc);
        fs_expect_sync(sc);
        fs_send_parse_complete(sc);
        fs_send_bind_complete(sc);
        fs_send_no_data(sc);
        fs_send_command_complete(sc, "SELECT 0");
        fs_send_ready(sc, 'I');
    }
    fs_expect_query(sc, "SELECT 1");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    hr_opts ho = {.statement_cache_size = -1};
    hrig r;
    hr_init(&r, sc, HCI, 0, &ho, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_params_send(r.c, "SELECT 1", ps, n, NULL, 0, &cur), want);
    if (want == PGW_OK) {
        assert_int_equal(hr_walk(&r, cur, NULL), PGW_END);
        pgw_cursor_free(cur);
        /* The Bind carried exactly n parameters. */
        const fs_msg *bind = NULL;
        for (size_t i = 0; i < fs_received_count(r.fs); i++)
            if (fs_received(r.fs, i)->tag == 'B')
                bind = fs_received(r.fs, i);
        assert_non_null(bind);
        pgw_frame f = {.tag = 'B', .body = bind->body, .len = bind->len};
        pgw_bind_msg m;
        assert_int_equal(pgw_parse_bind(&f, &m), PGW_OK);
        assert_int_equal(m.n_params, n);
        pgw_cursor *c2 = NULL;
        assert_int_equal(pgw_query_send(r.c, "SELECT 1", &c2), PGW_OK);
        assert_int_equal(hr_walk(&r, c2, NULL), PGW_END);
        pgw_cursor_free(c2);
    } else {
        assert_null(cur);
        assert_nothing_sent_and_usable(&r, 1);
    }
    hr_free(&r);
    free(ps);
}

/* psqlODBC's int16 wrap: 65,535 parameters travel, 65,536 never leave. */
static void test_hostile_params_65536_are_refused_and_65535_sent(void **state)
{
    (void)state;
    count_case(65535, PGW_OK);
    count_case(65536, PGW_E_TOO_LARGE);
    count_case(1u << 16 | 1u, PGW_E_TOO_LARGE); /* would wrap to 1 */
}

static void test_hostile_prepare_65536_param_types_is_refused_before_the_wire(void **state)
{
    (void)state;
    uint32_t *types = calloc(65536, sizeof *types);
    assert_non_null(types);
    hrig r;
    hr_init(&r, usable_after(), HCI, 0, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_stmt *st = NULL;
    assert_int_equal(pgw_prepare_send(r.c, "s1", "SELECT 1", types, 65536, &st), PGW_E_TOO_LARGE);
    assert_null(st);
    assert_nothing_sent_and_usable(&r, 1);
    hr_free(&r);
    free(types);
}

/* A prepared statement executed with a 2^31-byte value. */
static void test_hostile_stmt_execute_with_2_31_byte_param_is_refused_before_the_wire(void **s)
{
    (void)s;
    static const uint8_t one_byte[1] = {'x'};
    fs_script *sc = hr_session();
    fs_expect_parse(sc, "SELECT $1::bytea");
    fs_expect_describe(sc, 'S');
    fs_expect_sync(sc);
    const uint32_t oids[] = {PGW_OID_BYTEA};
    fs_send_parse_complete(sc);
    fs_send_parameter_description(sc, oids, 1);
    fs_send_no_data(sc);
    fs_send_ready(sc, 'I');
    fs_expect_query(sc, "SELECT 1");
    fs_send_command_complete(sc, "SELECT 0");
    fs_send_ready(sc, 'I');
    hrig r;
    hr_init(&r, sc, HCI, 0, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_stmt *st = NULL;
    assert_int_equal(pgw_prepare_send(r.c, "s1", "SELECT $1::bytea", NULL, 0, &st), PGW_OK);
    assert_int_equal(hr_stmt(&r, st), PGW_OK);
    assert_true(pgw_stmt_ready(st));
    size_t before = fs_received_count(r.fs);
    pgw_param p = {.type = PGW_OID_BYTEA, .format = PGW_FORMAT_BINARY, .data = one_byte,
                   .len = (size_t)1 << 31};
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_stmt_execute_send(st, &p, 1, NULL, 0, &cur), PGW_E_TOO_LARGE);
    assert_null(cur);
    assert_true(r.fa.largest_request < (size_t)1 << 20);
    assert_nothing_sent_and_usable(&r, before);
    pgw_stmt_free(st);
    hr_free(&r);
}

/* pgx's 2025 finding: a NUL inside a startup parameter would end it early
 * and let the rest name another (application_name=x\0user\0admin). In C
 * strings the only way to smuggle one in is percent-decoding. */
static void test_hostile_nul_in_startup_parameters_is_refused_before_the_wire(void **state)
{
    (void)state;
    static const char *const uris[] = {
        "postgresql://alice%00admin@localhost/app?sslmode=disable",
        "postgresql://alice@localhost/app%00template1?sslmode=disable",
        "postgresql://alice@localhost/app?sslmode=disable&options=-c%20role%3Dx%00admin",
        "postgresql://alice@localhost/app?sslmode=disable&application_name=x%00user%00admin",
        "postgresql://alice:pw%00@localhost/app?sslmode=disable",
    };
    for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
        char err[256] = "";
        assert_int_equal(pgw_conninfo_check(uris[i], err, sizeof err), PGW_E_INVALID);
        assert_non_null(strstr(err, "%00"));
        fs_script *sc = fs_script_new();
        fs_expect_startup(sc, NULL, NULL);
        hrig r;
        pgw_status rc = hr_init_opts(&r, sc, uris[i], 0, NULL, NULL);
        assert_int_equal(rc, PGW_E_INVALID);
        /* A broken connection holding libpq's message: it will not start
         * and has nothing to write. */
        assert_non_null(r.c);
        assert_non_null(strstr(pgw_conn_errmsg(r.c), "%00"));
        assert_int_equal(pgw_conn_get_state(r.c), PGW_CONN_BROKEN);
        assert_int_equal(pgw_conn_start(r.c), PGW_E_INVALID);
        const uint8_t *p;
        assert_int_equal(pgw_conn_output(r.c, &p), 0);
        hr_shuttle(&r);
        assert_int_equal(fs_received_count(r.fs), 0);
        hr_free(&r);
    }
}

/* The codec refuses a NUL inside a query or a statement's SQL (explicit
 * lengths), leaving the output buffer as it was. */
static void test_hostile_nul_in_query_or_parse_is_refused_by_the_encoder(void **state)
{
    (void)state;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    assert_int_equal(pgw_build_sync(&b), PGW_OK);
    size_t len = b.len;
    static const char q[] = "SELECT 1\0; DROP TABLE t";
    assert_int_equal(pgw_build_query(&b, q, sizeof q - 1), PGW_E_INVALID);
    assert_int_equal(b.len, len);
    assert_int_equal(pgw_build_parse(&b, "s1", q, sizeof q - 1, NULL, 0), PGW_E_INVALID);
    assert_int_equal(b.len, len);
    /* ... and a length that does not fit the int32 length word. */
    assert_int_equal(pgw_build_query(&b, q, (size_t)INT32_MAX), PGW_E_TOO_LARGE);
    assert_int_equal(b.len, len);
    pgw_buf_free(&b);
}

/* Refusals that leave the connection usable: a bad format code, result
 * formats with no array, a NULL with a length. */
static void test_hostile_invalid_params_are_refused_and_connection_usable(void **state)
{
    (void)state;
    hrig r;
    hr_init(&r, usable_after(), HCI, 0, NULL, NULL);
    assert_int_equal(hr_connect(&r), PGW_OK);
    pgw_cursor *cur = NULL;
    pgw_param bad_fmt = {.type = 0, .format = 7, .data = "1", .len = 1};
    assert_int_equal(pgw_query_params_send(r.c, "SELECT $1", &bad_fmt, 1, NULL, 0, &cur),
                     PGW_E_INVALID);
    const int16_t rf[] = {9};
    pgw_param ok = {.type = 0, .format = PGW_FORMAT_TEXT, .data = "1", .len = 1};
    assert_int_equal(pgw_query_params_send(r.c, "SELECT $1", &ok, 1, rf, 1, &cur),
                     PGW_E_INVALID);
    assert_int_equal(pgw_query_params_send(r.c, "SELECT $1", NULL, 1, NULL, 0, &cur),
                     PGW_E_INVALID);
    assert_null(cur);
    assert_nothing_sent_and_usable(&r, 1);
    hr_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_param_of_2_31_bytes_is_refused_before_the_wire),
        cmocka_unit_test(test_hostile_params_summing_over_int32_are_refused_before_the_wire),
        cmocka_unit_test(test_hostile_params_65536_are_refused_and_65535_sent),
        cmocka_unit_test(test_hostile_prepare_65536_param_types_is_refused_before_the_wire),
        cmocka_unit_test(test_hostile_stmt_execute_with_2_31_byte_param_is_refused_before_the_wire),
        cmocka_unit_test(test_hostile_nul_in_startup_parameters_is_refused_before_the_wire),
        cmocka_unit_test(test_hostile_nul_in_query_or_parse_is_refused_by_the_encoder),
        cmocka_unit_test(test_hostile_invalid_params_are_refused_and_connection_usable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
