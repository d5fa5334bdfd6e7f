/* Large objects inside src/io: one call of a server lo_* function by the
 * connection's method (fast path or SQL), shared by lo.c and lo_file.c. */
#ifndef PGWIRE_IO_LO_INT_H
#define PGWIRE_IO_LO_INT_H

#include "pgwire/fastpath.h"
#include "pgwire/lo.h"

#include "io/io_int.h"

/* Index into pgw_conn.lo_fn. */
enum pgwi_lo_fn {
    PGWI_LO_OPEN,
    PGWI_LO_CLOSE,
    PGWI_LO_CREAT,
    PGWI_LO_CREATE,
    PGWI_LO_UNLINK,
    PGWI_LO_LSEEK64,
    PGWI_LO_TELL64,
    PGWI_LO_TRUNCATE64,
    PGWI_LO_READ,
    PGWI_LO_WRITE,
    PGWI_LO_NFN
};

/* Up to three binary arguments with room for their bytes. */
typedef struct pgwi_lo_args {
    pgw_param p[3];
    uint8_t store[3][8];
    size_t n;
} pgwi_lo_args;

/* Append a 4-byte argument (int4 or oid) of the given type. */
void pgwi_lo_arg_u32(pgwi_lo_args *a, uint32_t type, uint32_t v);

/* Where a call's binary result goes: appended to buf (reset first), or
 * copied to dst (more than cap bytes is a protocol error). */
typedef struct pgwi_lo_sink {
    pgw_buf *buf;
    uint8_t *dst;
    size_t cap;
    size_t len;   /* bytes delivered */
    bool is_null; /* the function returned NULL */
} pgwi_lo_sink;

/* Call fn with binary arguments by the connection's method. PGW_E_SERVER
 * leaves the connection idle (the transaction, if any, failed). */
pgw_status pgwi_lo_call(pgw_conn *c, enum pgwi_lo_fn fn, const pgwi_lo_args *a, pgwi_lo_sink *s);

/* One loread of at most `want` bytes into res (replacing its contents). */
pgw_status pgwi_lo_read_buf(pgw_conn *c, int32_t fd, size_t want, pgw_buf *res);
/* One lowrite of len bytes (all written, or an error). */
pgw_status pgwi_lo_write_chunk(pgw_conn *c, int32_t fd, const void *p, size_t len);

#endif
