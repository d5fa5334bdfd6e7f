/* Large objects through libpq: the same work as lo_pgwire.c (write MIB MiB
 * in 256 KiB calls, read them back, CALLS lo_tell64 calls), through
 * libpq's fast-path large-object functions.
 *
 * usage: lo_libpq CONNINFO MIB CALLS */
#include <libpq-fe.h>
#include <libpq/libpq-fs.h>

#include "bench_common.h"

#define CHUNK (256 * 1024)

static int fail(PGconn *c, const char *what)
{
    fprintf(stderr, "lo_libpq: %s: %s", what, PQerrorMessage(c));
    PQfinish(c);
    return 1;
}

static int exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: lo_libpq CONNINFO MIB CALLS\n");
        return 2;
    }
    long mib = w3_rows_arg(argv[2]), calls = w3_rows_arg(argv[3]);
    static char buf[CHUNK];
    for (size_t i = 0; i < CHUNK; i++)
        buf[i] = (char)(uint8_t)(i * 131 + 17);
    PGconn *c = PQconnectdb(argv[1]);
    if (PQstatus(c) != CONNECTION_OK)
        return fail(c, "connect");
    if (!exec_ok(c, "BEGIN"))
        return fail(c, "BEGIN");
    Oid oid = lo_creat(c, INV_READ | INV_WRITE);
    int fd = oid == InvalidOid ? -1 : lo_open(c, oid, INV_READ | INV_WRITE);
    if (fd < 0)
        return fail(c, "open");
    int64_t c0 = cpu_us(), t0 = now_us();
    for (long i = 0; i < mib * 4; i++)
        if (lo_write(c, fd, buf, CHUNK) != CHUNK)
            return fail(c, "write");
    int64_t t1 = now_us();
    if (lo_lseek64(c, fd, 0, SEEK_SET) != 0)
        return fail(c, "seek");
    uint64_t h = W3_SEED;
    for (long i = 0; i < mib * 4; i++) {
        if (lo_read(c, fd, buf, CHUNK) != CHUNK)
            return fail(c, "read");
        for (size_t j = 0; j < CHUNK; j += 4096)
            h = w3_mix(h, (uint8_t)buf[j]);
    }
    int64_t t2 = now_us();
    for (long i = 0; i < calls; i++) {
        pg_int64 pos = lo_tell64(c, fd);
        if (pos < 0)
            return fail(c, "tell");
        h = w3_mix(h, (uint64_t)pos);
    }
    int64_t t3 = now_us(), cpu = cpu_us() - c0;
    printf("LO client=libpq bytes=%ld write_us=%" PRId64 " read_us=%" PRId64 " calls=%ld call_us=%" PRId64
           " cpu_us=%" PRId64 " checksum=%016" PRIx64 "\n",
           mib * 1048576L, t1 - t0, t2 - t1, calls, t3 - t2, cpu, h);
    exec_ok(c, "ROLLBACK");
    PQfinish(c);
    return 0;
}
