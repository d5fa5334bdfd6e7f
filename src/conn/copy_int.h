/* The COPY handle (copy.c), shared with the blocking driver (src/io). */
#ifndef PGWIRE_CONN_COPY_INT_H
#define PGWIRE_CONN_COPY_INT_H

#include "conn/cursor_int.h"
#include "pgwire/copy.h"

enum pgwi_copy_state {
    PGWI_COPY_START,  /* statement sent, waiting for copy mode */
    PGWI_COPY_IN,     /* COPY IN: the caller sends data */
    PGWI_COPY_OUT,    /* COPY OUT: the server sends data */
    PGWI_COPY_ENDING, /* CopyDone/CopyFail sent (IN) or received (OUT) */
    PGWI_COPY_FAILED, /* ErrorResponse read; ReadyForQuery still to come */
    PGWI_COPY_DONE    /* ReadyForQuery read, or the connection lost */
};

struct pgw_copy {
    pgw_conn *c;
    pgw_cursor *cur;
    enum pgwi_copy_state state;
    pgw_status final; /* outcome once FAILED or DONE */
    pgw_copy_direction dir;
    int format;
    uint16_t ncols;
    int16_t *colfmt;
    pgw_buf stage; /* COPY IN bytes not yet in a CopyData message */
    bool dirty;    /* something of this COPY was queued for the server */
    uint64_t rows_sent, bytes_sent;
    uint64_t rows;
    bool have_rows;
    /* COPY OUT: the chunk the last read stopped at (view into c->in). */
    const uint8_t *chunk;
    size_t chunk_len;
    bool have_chunk;
};

#endif
