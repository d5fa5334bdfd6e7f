/* Round trips of a prepared statement through pgwire: SELECT $1::int4 + 1
 * executed N times with a binary int4 parameter and the result read as a
 * C int. Two modes: an explicit prepared statement (pgw_prepare +
 * pgw_stmt_execute) and the automatic statement cache (pgw_query_params).
 *
 * usage: prep_pgwire CONNINFO N stmt|cache
 * prints: PREP client=... n=... wall_us=... cpu_us=... checksum=... */
#include "bench_common.h"
#include "pgwire.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "prep_pgwire: %s: %s\n", what, c ? pgw_conn_errmsg(c) : "out of memory");
    pgw_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: prep_pgwire CONNINFO N stmt|cache\n");
        return 2;
    }
    long n = w3_rows_arg(argv[2]);
    int cache = strcmp(argv[3], "cache") == 0;
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    const char *sql = "SELECT $1::int4 + 1";
    pgw_stmt *st = NULL;
    if (!cache && pgw_prepare(c, "bench_add", sql, NULL, 0, &st) != PGW_OK)
        return fail(c, "prepare");
    int64_t t0 = now_us(), c0 = cpu_us();
    uint64_t h = W3_SEED;
    for (long i = 0; i < n; i++) {
        uint8_t be[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        pgw_param prm = {PGW_OID_INT4, PGW_FORMAT_BINARY, be, 4};
        pgw_cursor *cur = NULL;
        pgw_status rc = cache ? pgw_query_params(c, sql, &prm, 1, &cur)
                              : pgw_stmt_execute(st, &prm, 1, &cur);
        if (rc != PGW_OK)
            return fail(c, "execute");
        int32_t v;
        if (pgw_cursor_next(cur) != PGW_OK || pgw_cursor_int32(cur, 0, &v) != PGW_OK ||
            v != (int32_t)i + 1)
            return fail(c, "result");
        h = w3_mix(h, (uint64_t)v);
        if (pgw_cursor_close(cur) != PGW_OK)
            return fail(c, "close");
    }
    int64_t wall = now_us() - t0, cpu = cpu_us() - c0;
    printf("PREP client=pgwire-%s n=%ld wall_us=%" PRId64 " cpu_us=%" PRId64
           " checksum=%016" PRIx64 "\n",
           cache ? "cache" : "stmt", n, wall, cpu, h);
    pgw_stmt_free(st);
    pgw_close(c);
    return 0;
}
