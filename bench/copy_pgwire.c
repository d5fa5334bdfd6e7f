/* COPY FROM STDIN of N rows through pgwire.
 *
 * usage: copy_pgwire CONNINFO ROWS text|binary
 *   text    rows formatted as text (copy_common.h), pushed with pgw_copy_put
 *   binary  rows built with the binary row encoder (pgw_copy_bin_*) in
 *           64 KiB batches, pushed with pgw_copy_put_rows */
#include "copy_common.h"
#include "pgwire.h"

static int fail(pgw_conn *c, const char *what, pgw_status rc)
{
    fprintf(stderr, "copy_pgwire: %s: %s: %s\n", what, pgw_status_name(rc), pgw_conn_errmsg(c));
    pgw_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[3], "text") != 0 && strcmp(argv[3], "binary") != 0)) {
        fprintf(stderr, "usage: copy_pgwire CONNINFO ROWS text|binary\n");
        return 2;
    }
    long nrows = w3_rows_arg(argv[2]);
    int binary = strcmp(argv[3], "binary") == 0;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, argv[1]);
    if (rc != PGW_OK)
        return fail(c, "connect", rc);
    const char *table = binary ? "copy_bench_pgwire_bin" : "copy_bench_pgwire_text";
    char sql[256];
    copy_table_sql(sql, sizeof sql, table);
    if ((rc = pgw_exec(c, sql, NULL)) != PGW_OK)
        return fail(c, "create", rc);
    snprintf(sql, sizeof sql, "COPY %s FROM STDIN%s", table, binary ? " (FORMAT binary)" : "");

    int64_t c0 = cpu_us(), t0 = now_us();
    pgw_copy *cp = NULL;
    if ((rc = pgw_copy_begin(c, sql, &cp)) != PGW_OK)
        return fail(c, "begin", rc);
    if (binary) {
        pgw_buf b;
        pgw_buf_init(&b, NULL, 0);
        pgw_copy_bin_header(&b);
        uint64_t batch = 0;
        char name[32] = "name ";
        for (long i = 0; i < nrows; i++) {
            uint32_t u = (uint32_t)i;
            size_t nl = 5 + copy_utoa(name + 5, u);
            pgw_copy_bin_row(&b, 3);
            pgw_copy_bin_int4(&b, (int32_t)u);
            pgw_copy_bin_text(&b, name, nl);
            pgw_copy_bin_float8(&b, (double)u * 1.5);
            batch++;
            if (b.len >= 65536) {
                if (pgw_buf_status(&b) != PGW_OK)
                    return fail(c, "encode", pgw_buf_status(&b));
                if ((rc = pgw_copy_put_rows(cp, b.data, b.len, batch)) != PGW_OK)
                    return fail(c, "put", rc);
                b.len = 0;
                batch = 0;
            }
        }
        pgw_copy_bin_trailer(&b);
        if (pgw_buf_status(&b) != PGW_OK)
            return fail(c, "encode", pgw_buf_status(&b));
        if ((rc = pgw_copy_put_rows(cp, b.data, b.len, batch)) != PGW_OK)
            return fail(c, "put", rc);
        pgw_buf_free(&b);
    } else {
        char line[64];
        for (long i = 0; i < nrows; i++) {
            size_t n = copy_text_row(line, (uint32_t)i);
            if ((rc = pgw_copy_put_rows(cp, line, n, 1)) != PGW_OK)
                return fail(c, "put", rc);
        }
    }
    uint64_t loaded = 0;
    if ((rc = pgw_copy_end(cp, &loaded)) != PGW_OK)
        return fail(c, "end", rc);
    int64_t wall = now_us() - t0, cpu = cpu_us() - c0;
    pgw_copy_free(cp);
    copy_report(binary ? "pgwire-binary" : "pgwire-text", nrows, loaded, wall, cpu);
    snprintf(sql, sizeof sql, "DROP TABLE %s", table);
    pgw_exec(c, sql, NULL);
    pgw_close(c);
    return loaded == (uint64_t)nrows ? 0 : 1;
}
