/* Cancel requests, driver side (src/io/cancel_*.c): where the server is,
 * captured while the connection is up, for the signal-safe handle and the
 * cancel connection alike. */
#ifndef PGWIRE_IO_CANCEL_INT_H
#define PGWIRE_IO_CANCEL_INT_H

#include <sys/socket.h>

#include "io/io_int.h"

typedef struct pgwi_cancel_addr {
    struct sockaddr_storage ss; /* the peer of the connection's socket */
    socklen_t len;
    int keepalives, keepalives_idle, keepalives_interval, keepalives_count;
    int tcp_user_timeout_ms;
    int timeout_ms;             /* connect_timeout as libpq applies it; -1 = none */
} pgwi_cancel_addr;

/* Fill *out from c (which must be connected through the blocking API and
 * have a cancel key). On failure the reason is recorded on c without
 * breaking it: PGW_E_UNSUPPORTED, PGW_E_STATE, PGW_E_IO. */
pgw_status pgwi_cancel_addr_get(pgw_conn *c, pgwi_cancel_addr *out);

/* A non-blocking TCP or Unix-domain socket to a->ss with a's socket
 * options, connect() started. Returns the fd (connected or in progress:
 * *in_progress) or -1 with errno set. Async-signal-safe. */
int pgwi_cancel_socket(const pgwi_cancel_addr *a, bool *in_progress);

#endif
