/* Large objects through pgwire: write MIB MiB in 256 KiB calls, read them
 * back likewise, then CALLS small calls (lo_tell64) for the per-call cost,
 * all in one transaction that is rolled back. The fast path by default;
 * "sql" as the last argument uses SQL functions instead.
 *
 * usage: lo_pgwire CONNINFO MIB CALLS [sql]
 * prints: LO client=... bytes=... write_us=... read_us=... calls=...
 *         call_us=... cpu_us=... checksum=... */
#include "bench_common.h"
#include "pgwire.h"

#define CHUNK (256 * 1024)

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "lo_pgwire: %s: %s\n", what, c ? pgw_conn_errmsg(c) : "out of memory");
    pgw_close(c);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: lo_pgwire CONNINFO MIB CALLS [sql]\n");
        return 2;
    }
    long mib = w3_rows_arg(argv[2]), calls = w3_rows_arg(argv[3]);
    int sql = argc == 5 && strcmp(argv[4], "sql") == 0;
    static uint8_t buf[CHUNK];
    for (size_t i = 0; i < CHUNK; i++)
        buf[i] = (uint8_t)(i * 131 + 17);
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    if (sql)
        pgw_lo_set_method(c, PGW_LO_METHOD_SQL);
    uint32_t oid;
    int32_t fd;
    if (pgw_exec(c, "BEGIN", NULL) != PGW_OK || pgw_lo_create(c, 0, &oid) != PGW_OK ||
        pgw_lo_open(c, oid, PGW_LO_READ | PGW_LO_WRITE, &fd) != PGW_OK)
        return fail(c, "open");
    int64_t c0 = cpu_us(), t0 = now_us();
    for (long i = 0; i < mib * 4; i++)
        if (pgw_lo_write(c, fd, buf, CHUNK, NULL) != PGW_OK)
            return fail(c, "write");
    int64_t t1 = now_us();
    if (pgw_lo_seek64(c, fd, 0, PGW_LO_SEEK_SET, NULL) != PGW_OK)
        return fail(c, "seek");
    uint64_t h = W3_SEED;
    for (long i = 0; i < mib * 4; i++) {
        size_t n;
        if (pgw_lo_read(c, fd, buf, CHUNK, &n) != PGW_OK || n != CHUNK)
            return fail(c, "read");
        for (size_t j = 0; j < CHUNK; j += 4096)
            h = w3_mix(h, buf[j]);
    }
    int64_t t2 = now_us();
    for (long i = 0; i < calls; i++) {
        int64_t pos;
        if (pgw_lo_tell64(c, fd, &pos) != PGW_OK)
            return fail(c, "tell");
        h = w3_mix(h, (uint64_t)pos);
    }
    int64_t t3 = now_us(), cpu = cpu_us() - c0;
    printf("LO client=pgwire%s bytes=%ld write_us=%" PRId64 " read_us=%" PRId64
           " calls=%ld call_us=%" PRId64 " cpu_us=%" PRId64 " checksum=%016" PRIx64 "\n",
           sql ? "-sql" : "", mib * 1048576L, t1 - t0, t2 - t1, calls, t3 - t2, cpu, h);
    pgw_exec(c, "ROLLBACK", NULL);
    pgw_close(c);
    return 0;
}
