/* Large objects and the fast path against the real server: every lo_*
 * function through both methods (FunctionCall and SQL), 1 MiB round trips,
 * 64-bit offsets on sparse objects, import/export of files, the
 * transaction rule, permissions, and client file failures. */
#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pgwire/fastpath.h"
#include "pgwire/lo.h"

#include "pgtest.h"

#define GIB ((int64_t)1 << 30)

static const pgw_lo_method methods[] = {PGW_LO_METHOD_FASTPATH, PGW_LO_METHOD_SQL};

static pgw_conn *connect_role(const char *role)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, role, 1, NULL);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK) {
        fprintf(stderr, "# connect failed: %s\n", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        fail_msg("pgw_connect: %s", pgw_status_name(rc));
    }
    return c;
}

static pgw_conn *connect_with(pgw_lo_method m)
{
    pgw_conn *c = connect_role("TRUST");
    assert_int_equal(pgw_lo_set_method(c, m), PGW_OK);
    assert_int_equal(pgw_lo_get_method(c), m);
    return c;
}

static void check(pgw_conn *c, pgw_status rc, const char *what)
{
    if (rc != PGW_OK)
        fail_msg("%s: %s (%s)", what, pgw_conn_errmsg(c), pgw_status_name(rc));
}

static void exec_ok(pgw_conn *c, const char *sql)
{
    check(c, pgw_exec(c, sql, NULL), sql);
}

static void assert_server_error(pgw_conn *c, pgw_status rc, const char *sqlstate,
                                const char *msg_part)
{
    if (rc != PGW_E_SERVER)
        fail_msg("expected a server error %s, got %s (%s)", sqlstate, pgw_status_name(rc),
                 pgw_conn_errmsg(c));
    assert_string_equal(pgw_conn_error(c)->sqlstate, sqlstate);
    assert_non_null(strstr(pgw_conn_error(c)->message, msg_part));
}

/* Deterministic pseudo-random bytes (xorshift64). */
static void fill_random(uint8_t *p, size_t n, uint64_t seed)
{
    uint64_t x = seed | 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)(x >> 24);
    }
}

/* A 1 MiB object written, read back in the same transaction and in a new
 * one, with seek/tell on the way; the end of the object reads 0 bytes. */
static void test_lo_one_mib_round_trip_is_identical(void **state)
{
    (void)state;
    size_t n = 1u << 20;
    uint8_t *data = malloc(n), *back = malloc(n + 16);
    assert_non_null(data);
    assert_non_null(back);
    for (size_t m = 0; m < 2; m++) {
        fill_random(data, n, 0x1234 + m);
        pgw_conn *c = connect_with(methods[m]);
        exec_ok(c, "BEGIN");
        uint32_t oid = 0;
        check(c, pgw_lo_create(c, 0, &oid), "lo_create");
        assert_int_not_equal(oid, 0);
        int32_t fd = -1;
        check(c, pgw_lo_open(c, oid, PGW_LO_READ | PGW_LO_WRITE, &fd), "lo_open");
        assert_true(fd >= 0);
        size_t put = 0;
        check(c, pgw_lo_write(c, fd, data, n, &put), "lo_write");
        assert_int_equal(put, n);
        int64_t pos = -1;
        check(c, pgw_lo_tell64(c, fd, &pos), "lo_tell64");
        assert_int_equal(pos, (int64_t)n);
        check(c, pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_SET, &pos), "lo_lseek64");
        assert_int_equal(pos, 0);
        size_t got = 0;
        check(c, pgw_lo_read(c, fd, back, n + 16, &got), "lo_read");
        assert_int_equal(got, n);
        assert_memory_equal(back, data, n);
        check(c, pgw_lo_read(c, fd, back, 16, &got), "lo_read at the end");
        assert_int_equal(got, 0);
        check(c, pgw_lo_close(c, fd), "lo_close");
        exec_ok(c, "COMMIT");

        /* A new transaction, read-only descriptor, odd-sized reads. */
        exec_ok(c, "BEGIN");
        check(c, pgw_lo_open(c, oid, PGW_LO_READ, &fd), "lo_open read");
        check(c, pgw_lo_seek64(c, fd, 1000, PGW_LO_SEEK_SET, &pos), "seek");
        check(c, pgw_lo_read(c, fd, back, 12345, &got), "lo_read 12345");
        assert_int_equal(got, 12345);
        assert_memory_equal(back, data + 1000, 12345);
        check(c, pgw_lo_seek64(c, fd, -10, PGW_LO_SEEK_END, &pos), "seek end");
        assert_int_equal(pos, (int64_t)n - 10);
        check(c, pgw_lo_read(c, fd, back, 100, &got), "lo_read tail");
        assert_int_equal(got, 10);
        assert_memory_equal(back, data + n - 10, 10);
        check(c, pgw_lo_close(c, fd), "lo_close");
        exec_ok(c, "COMMIT");
        check(c, pgw_lo_unlink(c, oid), "lo_unlink");
        pgw_conn_free(c);
    }
    free(data);
    free(back);
}

/* Offsets past 2 and 4 GiB on a sparse object: no data behind them. */
static void test_lo_64bit_offsets_on_a_sparse_object(void **state)
{
    (void)state;
    for (size_t m = 0; m < 2; m++) {
        pgw_conn *c = connect_with(methods[m]);
        exec_ok(c, "BEGIN");
        uint32_t oid;
        check(c, pgw_lo_create(c, 0, &oid), "lo_create");
        int32_t fd;
        check(c, pgw_lo_open(c, oid, PGW_LO_READ | PGW_LO_WRITE, &fd), "lo_open");
        int64_t pos = -1;
        check(c, pgw_lo_seek64(c, fd, 3 * GIB, PGW_LO_SEEK_SET, &pos), "seek 3 GiB");
        assert_int_equal(pos, 3 * GIB);
        check(c, pgw_lo_write(c, fd, "hello", 5, NULL), "write at 3 GiB");
        check(c, pgw_lo_tell64(c, fd, &pos), "tell");
        assert_int_equal(pos, 3 * GIB + 5);
        check(c, pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_END, &pos), "seek end");
        assert_int_equal(pos, 3 * GIB + 5);
        check(c, pgw_lo_seek64(c, fd, -5, PGW_LO_SEEK_CUR, &pos), "seek cur");
        assert_int_equal(pos, 3 * GIB);
        char buf[16];
        size_t got;
        check(c, pgw_lo_read(c, fd, buf, sizeof buf, &got), "read at 3 GiB");
        assert_int_equal(got, 5);
        assert_memory_equal(buf, "hello", 5);
        /* A hole reads as zeros. */
        check(c, pgw_lo_seek64(c, fd, 2 * GIB + 7, PGW_LO_SEEK_SET, &pos), "seek hole");
        check(c, pgw_lo_read(c, fd, buf, 4, &got), "read hole");
        assert_int_equal(got, 4);
        assert_memory_equal(buf, "\0\0\0\0", 4);

        check(c, pgw_lo_truncate64(c, fd, 2 * GIB + 1), "truncate to 2 GiB + 1");
        check(c, pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_END, &pos), "seek end");
        assert_int_equal(pos, 2 * GIB + 1);
        check(c, pgw_lo_truncate64(c, fd, 5 * GIB), "extend to 5 GiB");
        check(c, pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_END, &pos), "seek end");
        assert_int_equal(pos, 5 * GIB);
        check(c, pgw_lo_truncate64(c, fd, 0), "truncate to 0");
        check(c, pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_END, &pos), "seek end");
        assert_int_equal(pos, 0);

        check(c, pgw_lo_close(c, fd), "lo_close");
        exec_ok(c, "COMMIT");

        /* The server's checks. */
        exec_ok(c, "BEGIN");
        check(c, pgw_lo_open(c, oid, PGW_LO_READ | PGW_LO_WRITE, &fd), "lo_open");
        assert_server_error(c, pgw_lo_seek64(c, fd, -1, PGW_LO_SEEK_SET, &pos), "22023",
                            "seek target");
        assert_int_equal(pos, -1);
        exec_ok(c, "ROLLBACK");
        exec_ok(c, "BEGIN");
        check(c, pgw_lo_open(c, oid, PGW_LO_READ | PGW_LO_WRITE, &fd), "lo_open");
        assert_server_error(c, pgw_lo_seek64(c, fd, 0, 7, NULL), "22023", "whence");
        exec_ok(c, "ROLLBACK");
        exec_ok(c, "BEGIN");
        check(c, pgw_lo_open(c, oid, PGW_LO_READ | PGW_LO_WRITE, &fd), "lo_open");
        assert_server_error(c, pgw_lo_truncate64(c, fd, -5), "22023", "truncation target");
        exec_ok(c, "ROLLBACK");
        check(c, pgw_lo_unlink(c, oid), "lo_unlink");
        pgw_conn_free(c);
    }
}

static void test_lo_create_with_a_wanted_oid_above_int32(void **state)
{
    (void)state;
    for (size_t m = 0; m < 2; m++) {
        pgw_conn *c = connect_with(methods[m]);
        uint32_t want = 4000000123u + (uint32_t)m, oid = 0;
        pgw_lo_unlink(c, want); /* a leftover of an earlier run */
        check(c, pgw_lo_create(c, want, &oid), "lo_create wanted");
        assert_int_equal(oid, want);
        assert_server_error(c, pgw_lo_create(c, want, &oid), "23505", "duplicate key");
        assert_int_equal(oid, 0);
        assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
        check(c, pgw_lo_unlink(c, want), "lo_unlink");
        pgw_conn_free(c);
    }
}

static void test_lo_unlink_then_open_fails_with_the_server_error(void **state)
{
    (void)state;
    for (size_t m = 0; m < 2; m++) {
        pgw_conn *c = connect_with(methods[m]);
        uint32_t oid;
        check(c, pgw_lo_create(c, 0, &oid), "lo_create");
        check(c, pgw_lo_unlink(c, oid), "lo_unlink");
        exec_ok(c, "BEGIN");
        int32_t fd = 7;
        assert_server_error(c, pgw_lo_open(c, oid, PGW_LO_READ, &fd), "42704", "does not exist");
        assert_int_equal(fd, -1);
        assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
        /* The failed transaction refuses the next call until rolled back. */
        assert_server_error(c, pgw_lo_create(c, 0, &oid), "25P02", "aborted");
        exec_ok(c, "ROLLBACK");
        assert_server_error(c, pgw_lo_unlink(c, oid), "42704", "does not exist");
        pgw_conn_free(c);
    }
}

/* Outside a transaction block each call is its own transaction: the
 * descriptor is gone when the next call arrives. */
static void test_lo_descriptor_outside_a_transaction_is_invalid(void **state)
{
    (void)state;
    for (size_t m = 0; m < 2; m++) {
        pgw_conn *c = connect_with(methods[m]);
        uint32_t oid;
        check(c, pgw_lo_create(c, 0, &oid), "lo_create");
        int32_t fd;
        check(c, pgw_lo_open(c, oid, PGW_LO_READ, &fd), "lo_open");
        char buf[4];
        size_t got = 99;
        assert_server_error(c, pgw_lo_read(c, fd, buf, sizeof buf, &got), "42704",
                            "invalid large-object descriptor");
        assert_int_equal(got, 0);
        assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
        check(c, pgw_lo_unlink(c, oid), "lo_unlink");
        pgw_conn_free(c);
    }
}

static void test_lo_permissions_and_descriptor_modes(void **state)
{
    (void)state;
    pgw_conn *su = connect_role("SUPER");
    uint32_t oid;
    check(su, pgw_lo_create(su, 0, &oid), "lo_create as superuser");
    for (size_t m = 0; m < 2; m++) {
        pgw_conn *c = connect_with(methods[m]);
        exec_ok(c, "BEGIN");
        int32_t fd;
        assert_server_error(c, pgw_lo_open(c, oid, PGW_LO_READ, &fd), "42501", "permission denied");
        exec_ok(c, "ROLLBACK");
        assert_server_error(c, pgw_lo_unlink(c, oid), "42501", "must be owner");

        /* Its own object, opened for reading only: writes and truncation
         * are refused. */
        uint32_t mine;
        check(c, pgw_lo_create(c, 0, &mine), "lo_create");
        exec_ok(c, "BEGIN");
        check(c, pgw_lo_open(c, mine, PGW_LO_READ, &fd), "lo_open");
        assert_server_error(c, pgw_lo_write(c, fd, "x", 1, NULL), "55000",
                            "not opened for writing");
        exec_ok(c, "ROLLBACK");
        exec_ok(c, "BEGIN");
        check(c, pgw_lo_open(c, mine, PGW_LO_READ, &fd), "lo_open");
        assert_server_error(c, pgw_lo_truncate64(c, fd, 0), "55000", "not opened for writing");
        exec_ok(c, "ROLLBACK");
        assert_int_equal(pgw_lo_open(c, mine, 0, &fd), PGW_E_INVALID);
        assert_int_equal(pgw_lo_open(c, mine, 1, &fd), PGW_E_INVALID);
        check(c, pgw_lo_unlink(c, mine), "lo_unlink");
        pgw_conn_free(c);
    }
    check(su, pgw_lo_unlink(su, oid), "lo_unlink as superuser");
    pgw_conn_free(su);
}

/* ---- files ------------------------------------------------------------- */

static void temp_path(char *buf, size_t len, const char *tag)
{
    snprintf(buf, len, "/tmp/pgw-lo-%s-%ld-XXXXXX", tag, (long)getpid());
    int fd = mkstemp(buf);
    assert_true(fd >= 0);
    close(fd);
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long sz = ftell(f);
    assert_true(sz >= 0);
    rewind(f);
    uint8_t *p = malloc((size_t)sz + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return p;
}

/* Sizes around the chunk size, and empty; idle (own transaction) and
 * inside the caller's. */
static void test_lo_import_export_files_are_byte_identical(void **state)
{
    (void)state;
    const size_t sizes[] = {0, 1, PGW_LO_CHUNK, 3 * PGW_LO_CHUNK + 17};
    char in[128], out[128];
    temp_path(in, sizeof in, "in");
    temp_path(out, sizeof out, "out");
    for (size_t m = 0; m < 2; m++) {
        pgw_conn *c = connect_with(methods[m]);
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            size_t n = sizes[i];
            uint8_t *data = malloc(n + 1);
            assert_non_null(data);
            fill_random(data, n, 77 + i);
            write_file(in, data, n);
            bool in_tx = i % 2 == 1;
            if (in_tx)
                exec_ok(c, "BEGIN");
            uint32_t oid = 0;
            check(c, pgw_lo_import(c, in, &oid), "lo_import");
            assert_int_not_equal(oid, 0);
            assert_int_equal(pgw_conn_tx_status(c), in_tx ? PGW_TX_IN_BLOCK : PGW_TX_IDLE);
            check(c, pgw_lo_export(c, oid, out), "lo_export");
            if (in_tx)
                exec_ok(c, "COMMIT");
            size_t got;
            uint8_t *back = read_file(out, &got);
            assert_int_equal(got, n);
            if (n > 0)
                assert_memory_equal(back, data, n);
            free(back);
            /* Committed: visible to another connection. */
            pgw_conn *other = connect_with(methods[m]);
            unlink(out);
            check(other, pgw_lo_export(other, oid, out), "lo_export elsewhere");
            back = read_file(out, &got);
            assert_int_equal(got, n);
            free(back);
            check(other, pgw_lo_unlink(other, oid), "lo_unlink");
            pgw_conn_free(other);
            free(data);
        }
        pgw_conn_free(c);
    }
    unlink(in);
    unlink(out);
}

static int64_t count_objects(pgw_conn *c)
{
    pgw_result *r = NULL;
    check(c, pgw_query_result(c, "SELECT count(*) FROM pg_catalog.pg_largeobject_metadata", &r),
          "count");
    int64_t n = -1;
    assert_int_equal(pgw_result_int64(r, 0, 0, &n), PGW_OK);
    pgw_result_free(r);
    return n;
}

static void test_lo_import_of_a_missing_file_names_it(void **state)
{
    (void)state;
    pgw_conn *c = connect_with(PGW_LO_METHOD_FASTPATH);
    const char *path = "/nonexistent-pgw-dir/no-such-file.bin";
    uint32_t oid = 5;
    assert_int_equal(pgw_lo_import(c, path, &oid), PGW_E_IO);
    assert_int_equal(oid, 0);
    assert_non_null(strstr(pgw_conn_errmsg(c), path));
    assert_non_null(strstr(pgw_conn_errmsg(c), "could not open file"));
    assert_int_equal(pgw_conn_error(c)->sys_errno, ENOENT);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    /* A directory opens but cannot be read: the object made so far is
     * rolled back with the transaction the import started. */
    int64_t before = count_objects(c);
    assert_int_equal(pgw_lo_import(c, "/tmp", &oid), PGW_E_IO);
    assert_non_null(strstr(pgw_conn_errmsg(c), "could not read file \"/tmp\""));
    assert_int_equal(pgw_conn_error(c)->sys_errno, EISDIR);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_int_equal(count_objects(c), before);
    pgw_conn_free(c);
}

static void test_lo_export_failures_keep_their_error_after_rollback(void **state)
{
    (void)state;
    for (size_t m = 0; m < 2; m++) {
        pgw_conn *c = connect_with(methods[m]);
        uint32_t oid;
        check(c, pgw_lo_create(c, 0, &oid), "lo_create");
        const char *bad = "/nonexistent-pgw-dir/out.bin";
        assert_int_equal(pgw_lo_export(c, oid, bad), PGW_E_IO);
        assert_non_null(strstr(pgw_conn_errmsg(c), bad));
        assert_int_equal(pgw_conn_error(c)->sys_errno, ENOENT);
        assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);

        /* A missing object: the server's error, every field, survives the
         * ROLLBACK of the export's own transaction; no file is created. */
        char out[128];
        temp_path(out, sizeof out, "miss");
        unlink(out);
        check(c, pgw_lo_unlink(c, oid), "lo_unlink");
        assert_server_error(c, pgw_lo_export(c, oid, out), "42704", "does not exist");
        assert_string_equal(pgw_conn_error(c)->severity_nonlocalized, "ERROR");
        assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
        struct stat st;
        assert_int_equal(stat(out, &st), -1);
        /* Inside the caller's transaction it stays failed for them. */
        exec_ok(c, "BEGIN");
        assert_server_error(c, pgw_lo_export(c, oid, out), "42704", "does not exist");
        assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
        exec_ok(c, "ROLLBACK");
        pgw_conn_free(c);
    }
}

/* ---- the fast path itself ------------------------------------------------ */

static uint32_t proc_oid(pgw_conn *c, const char *sig)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT '%s'::pg_catalog.regprocedure::oid", sig);
    pgw_result *r = NULL;
    check(c, pgw_query_result(c, sql, &r), sql);
    int64_t v = 0;
    assert_int_equal(pgw_result_int64(r, 0, 0, &v), PGW_OK);
    pgw_result_free(r);
    return (uint32_t)v;
}

static void test_fastpath_call_results_null_text_and_errors(void **state)
{
    (void)state;
    pgw_conn *c = connect_role("TRUST");
    uint32_t int4pl = proc_oid(c, "int4pl(int4,int4)");
    uint8_t a[4] = {0, 0, 0, 40}, b[4] = {0, 0, 0, 2};
    pgw_param args[2] = {{0, PGW_FORMAT_BINARY, a, 4}, {0, PGW_FORMAT_BINARY, b, 4}};
    pgw_buf out;
    pgw_buf_init(&out, NULL, 0);
    bool is_null = true;
    check(c, pgw_fastpath_call(c, int4pl, args, 2, PGW_FORMAT_BINARY, &out, &is_null), "int4pl");
    assert_false(is_null);
    assert_int_equal(out.len, 4);
    assert_memory_equal(out.data, "\0\0\0\x2a", 4);

    /* Text arguments and a text result. */
    pgw_buf_reset(&out);
    pgw_param targs[2] = {{0, PGW_FORMAT_TEXT, "-7", 2}, {0, PGW_FORMAT_TEXT, "3", 1}};
    check(c, pgw_fastpath_call(c, int4pl, targs, 2, PGW_FORMAT_TEXT, &out, NULL), "int4pl text");
    assert_int_equal(out.len, 2);
    assert_memory_equal(out.data, "-4", 2);

    /* A strict function with a NULL argument returns NULL (length -1). */
    pgw_buf_reset(&out);
    args[0].data = NULL;
    check(c, pgw_fastpath_call(c, int4pl, args, 2, PGW_FORMAT_BINARY, &out, &is_null),
          "int4pl NULL");
    assert_true(is_null);
    assert_int_equal(out.len, 0);

    /* Overflow: the server's error, the connection idle again. */
    uint8_t big[4] = {0x7f, 0xff, 0xff, 0xff};
    args[0].data = big;
    assert_server_error(c, pgw_fastpath_call(c, int4pl, args, 2, PGW_FORMAT_BINARY, &out, NULL),
                        "22003", "out of range");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    /* An OID that names no function. */
    assert_server_error(c, pgw_fastpath_call(c, 1, NULL, 0, PGW_FORMAT_BINARY, &out, NULL), "42883",
                        "function");
    /* Wrong argument count for the function. */
    assert_server_error(c, pgw_fastpath_call(c, int4pl, args, 1, PGW_FORMAT_BINARY, &out, NULL),
                        "08P01", "argument");
    /* Refused before sending. */
    assert_int_equal(pgw_fastpath_call(c, int4pl, args, 2, 7, &out, NULL), PGW_E_INVALID);
    exec_ok(c, "SELECT 1");

    /* Engine form: result borrowed from the call; freeing early while
     * another command waits is refused, then everything is consistent. */
    pgw_fastpath *fp = NULL;
    args[0].data = a;
    check(c, pgw_fastpath_send(c, int4pl, args, 2, PGW_FORMAT_BINARY, &fp), "send");
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(c, "SELECT 1", &cur), PGW_E_STATE);
    const uint8_t *p;
    size_t len;
    assert_int_equal(pgw_fastpath_result(fp, &p, &len), PGW_E_STATE);
    pgw_fastpath_free(fp); /* abandoned: the answer is skipped */
    pgw_result *r = NULL;
    check(c, pgw_query_result(c, "SELECT 5", &r), "after an abandoned call");
    assert_string_equal(pgw_result_text(r, 0, 0), "5");
    pgw_result_free(r);
    pgw_buf_free(&out);
    pgw_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lo_one_mib_round_trip_is_identical),
        cmocka_unit_test(test_lo_64bit_offsets_on_a_sparse_object),
        cmocka_unit_test(test_lo_create_with_a_wanted_oid_above_int32),
        cmocka_unit_test(test_lo_unlink_then_open_fails_with_the_server_error),
        cmocka_unit_test(test_lo_descriptor_outside_a_transaction_is_invalid),
        cmocka_unit_test(test_lo_permissions_and_descriptor_modes),
        cmocka_unit_test(test_lo_import_export_files_are_byte_identical),
        cmocka_unit_test(test_lo_import_of_a_missing_file_names_it),
        cmocka_unit_test(test_lo_export_failures_keep_their_error_after_rollback),
        cmocka_unit_test(test_fastpath_call_results_null_text_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
