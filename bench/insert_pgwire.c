/* Parameterised INSERTs through pgwire: N rows (int4, text, float8) into a
 * temporary table, either one statement at a time (pgw_exec_params: the
 * statement cache makes each a Bind + Execute + Sync round trip) or in
 * pipeline mode (all N queued, one Sync, every result read and checked).
 *
 * usage: insert_pgwire CONNINFO N single|pipeline
 * prints: INSERT client=pgwire-<mode> n=... wall_us=... cpu_us=... rows=... */
#include "bench_common.h"
#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "insert_pgwire: %s: %s\n", what, c ? pgw_conn_errmsg(c) : "out of memory");
    pgw_close(c);
    return 1;
}

/* The three parameters of row i, as text (what libpq's side sends). */
typedef struct row_params {
    char a[24], b[32], d[32];
    pgw_param p[3];
} row_params;

static void make_row(row_params *r, long i)
{
    int na = snprintf(r->a, sizeof r->a, "%ld", i);
    int nb = snprintf(r->b, sizeof r->b, "row %ld", i);
    int nd = snprintf(r->d, sizeof r->d, "%ld.5", i);
    r->p[0] = (pgw_param){PGW_OID_INT4, PGW_FORMAT_TEXT, r->a, (size_t)na};
    r->p[1] = (pgw_param){PGW_OID_TEXT, PGW_FORMAT_TEXT, r->b, (size_t)nb};
    r->p[2] = (pgw_param){PGW_OID_FLOAT8, PGW_FORMAT_TEXT, r->d, (size_t)nd};
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: insert_pgwire CONNINFO N single|pipeline\n");
        return 2;
    }
    long n = w3_rows_arg(argv[2]);
    int pipeline = strcmp(argv[3], "pipeline") == 0;
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    if (pgw_exec(c, "CREATE TEMP TABLE bench_insert (a int4, b text, d float8)", NULL) != PGW_OK)
        return fail(c, "create");
    const char *sql = "INSERT INTO bench_insert VALUES ($1, $2, $3)";
    int64_t t0 = now_us(), c0 = cpu_us();
    if (!pipeline) {
        for (long i = 0; i < n; i++) {
            row_params r;
            make_row(&r, i);
            uint64_t rows = 0;
            if (pgw_exec_params(c, sql, r.p, 3, &rows) != PGW_OK || rows != 1)
                return fail(c, "insert");
        }
    } else {
        pgw_cursor **cur = malloc((size_t)(n > 0 ? n : 1) * sizeof *cur);
        if (cur == NULL || pgw_pipeline_begin(c) != PGW_OK)
            return fail(c, "pipeline");
        for (long i = 0; i < n; i++) {
            row_params r;
            make_row(&r, i);
            if (pgw_pipeline_query(c, sql, r.p, 3, &cur[i]) != PGW_OK)
                return fail(c, "queue");
        }
        if (pgw_pipeline_sync(c) != PGW_OK)
            return fail(c, "sync");
        for (long i = 0; i < n; i++) {
            uint64_t rows = 0;
            if (pgw_cursor_next_result(cur[i]) != PGW_OK ||
                pgw_cursor_rows_affected(cur[i], &rows) != PGW_OK || rows != 1)
                return fail(c, "result");
            pgw_cursor_free(cur[i]);
        }
        if (pgw_pipeline_end(c) != PGW_OK)
            return fail(c, "end");
        free(cur);
    }
    int64_t wall = now_us() - t0, cpu = cpu_us() - c0;
    pgw_result *r = NULL;
    int64_t count = -1;
    if (pgw_query_result(c, "SELECT count(*) FROM bench_insert", &r) != PGW_OK ||
        pgw_result_int64(r, 0, 0, &count) != PGW_OK)
        return fail(c, "count");
    pgw_result_free(r);
    printf("INSERT client=pgwire-%s n=%ld wall_us=%" PRId64 " cpu_us=%" PRId64 " rows=%" PRId64
           "\n",
           pipeline ? "pipeline" : "single", n, wall, cpu, count);
    pgw_close(c);
    return count == n ? 0 : 1;
}
