/* src/io — the only module that talks to the operating system: name
 * resolution, sockets, poll, read/write, clocks, the environment and the
 * user database. The blocking API is a loop over the engine in src/conn.
 *
 * May include: common, conn (and replication later). Never parses protocol
 * bytes: everything it reads goes to the engine untouched. */
#ifndef PGWIRE_IO_IO_INT_H
#define PGWIRE_IO_IO_INT_H

#include "conn/conn_int.h"
#include "pgwire/client.h"

/* Attached to a pgw_conn by the blocking API (conn->io). */
typedef struct pgwi_io {
    pgw_transport t;
    void *handle;
    /* A write failed: the server is gone or going. Later output is
     * dropped, but reading goes on so its last words are not lost. */
    bool write_failed;
    /* The last read returned less than it asked for: the socket is
     * probably drained, so poll before reading instead of after a failed
     * read (one system call in three on a big result). */
    bool drained;
    /* The server this connection reached (multihost.c notes it): what a
     * cancel connection connects to and verifies (cancel_conn.c). */
    char used_host[256], used_hostaddr[64], used_port[16];
    bool have_used;
    /* pgw_conn_set_query_timeout() and its grace period (ms; 0 = off). */
    int query_timeout_ms, cancel_grace_ms;
} pgwi_io;

/* Remember the host/hostaddr/port of the server that accepted. */
void pgwi_io_note_target(pgwi_io *io, const pgw_transport_target *t);
/* pgw_conn_pump's wait for input: io->t.wait until `deadline`, but during
 * a query with a query timeout, send a cancel when it expires and wait the
 * grace period for the server's answer (cancel_conn.c). PGW_OK (readable);
 * PGW_E_TIMEOUT; PGW_E_IO; or the connection's sticky status after the
 * grace period ran out (broken, PGW_E_TIMEOUT). */
pgw_status pgwi_io_wait_read(pgw_conn *c, pgwi_io *io, int64_t deadline, int *sys_errno);

/* Record an I/O failure with libpq's texts ("server closed the connection
 * unexpectedly...", "could not send data to server: ...") and break the
 * connection; what is "send" or "receive". Returns the sticky status. */
pgw_status pgwi_io_error(pgw_conn *c, pgw_status rc, int sys_errno, const char *what);
/* Read once (up to 64 KiB) into the engine: PGW_OK (bytes, or the end of
 * the stream told to the engine); PGW_WANT_READ (nothing there); a failure
 * through pgwi_io_error(). */
pgw_status pgwi_io_read_once(pgw_conn *c, pgwi_io *io);

/* TCP options from the connection options, as libpq sets them (NODELAY;
 * keepalives and tcp_user_timeout only when keepalives are on), for both
 * the blocking and the non-blocking socket openers. */
void pgwi_tcp_options(int fd, const pgw_transport_target *t);
/* recv/send on a socket as the transports need them: EINTR retried;
 * PGW_WANT_READ/PGW_WANT_WRITE when it would block; PGW_E_CLOSED at the end
 * of the stream or on a reset (EPIPE too for a write); PGW_E_IO otherwise,
 * errno in *sys_errno. Writes never raise SIGPIPE. */
pgw_status pgwi_fd_read(int fd, void *buf, size_t n, size_t *got, int *sys_errno);
pgw_status pgwi_fd_write(int fd, const void *buf, size_t n, size_t *put, int *sys_errno);

/* Milliseconds on a monotonic clock. */
int64_t pgwi_now_ms(void);
/* Remaining ms until deadline (-1 = none), at least 0. */
int pgwi_remaining_ms(int64_t deadline);

/* Read the certificate, key and CRL files the options name (tls_files.c)
 * and hand them to the engine as PEM. */
pgw_status pgwi_load_tls_files(pgw_conn *c);

/* The blocking query helpers, shared with blocking_stmt.c: position a
 * freshly sent cursor on its first result; run one to completion counting
 * rows; materialise its last result. */
pgw_status pgwi_io_first_result(pgw_conn *c, pgw_status send_rc, pgw_cursor *cur,
                                pgw_cursor **out);
pgw_status pgwi_io_exec_cursor(pgw_cursor *cur, pgw_status rc, uint64_t *rows);
pgw_status pgwi_io_result_cursor(pgw_conn *c, pgw_cursor *cur, pgw_status rc, pgw_result **out);

/* getenv(3) as a pgw_getenv_fn. */
const char *pgwi_env_lookup(void *ud, const char *name);
/* The effective OS user's name into buf; false if unknown. */
bool pgwi_os_user(char *buf, size_t len);

#endif
