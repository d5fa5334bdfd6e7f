/* pgwire — large objects: create, open, read, write, seek, tell, truncate,
 * close, unlink, and import from / export to a client-side file, with
 * 64-bit offsets (blocking, implemented in src/io on top of the fast path,
 * pgwire/fastpath.h, or of parameterised SQL).
 *
 * Large objects live in pg_largeobject; an object is named by its OID and
 * accessed through a descriptor (an int32) returned by pgw_lo_open().
 *
 * Transactions. A descriptor lives only until the end of the transaction
 * that opened it, so every call that takes a descriptor must run inside a
 * transaction block (pgw_begin() / pgw_exec(c, "BEGIN", NULL)). Outside
 * one, each call is its own transaction: pgw_lo_open() succeeds but its
 * descriptor is already closed when it returns, and the next call fails
 * with the server's error (SQLSTATE 42704, "invalid large-object
 * descriptor: 0"). pgw_lo_import() and pgw_lo_export() are the
 * exception: when the connection is idle they run in a transaction of
 * their own (BEGIN ... COMMIT, rolled back on failure); inside a
 * transaction block they use it (and leave it open).
 *
 * How calls reach the server. By default through the fast path
 * (FunctionCall messages with binary arguments; the function OIDs are
 * looked up in pg_catalog.pg_proc once per connection, as libpq does);
 * pgw_lo_set_method(c, PGW_LO_METHOD_SQL) sends "SELECT
 * pg_catalog.lo_open($1, $2)" and the like through the extended protocol
 * instead (binary parameters and results, cached prepared statements),
 * which also works through poolers and proxies that do not forward
 * FunctionCall. Results are identical.
 *
 * Errors. Server errors come back as PGW_E_SERVER with every field in
 * pgw_conn_error(): e.g. 42704 (the object or descriptor does not exist),
 * 42501 (permission denied), 55000 (a descriptor not opened for writing),
 * 22023 (an invalid whence, a negative offset or length), 25P02 (the
 * transaction has already failed). A server whose answers do not make
 * sense (a read longer than asked for, a result of the wrong size) gives
 * PGW_E_PROTOCOL; the exchange itself was complete, so the connection
 * stays usable. Client file failures in pgw_lo_import() and
 * pgw_lo_export() give PGW_E_IO, with a message naming the file and
 * pgw_conn_error()->sys_errno set; the connection stays usable.
 *
 * Every function also returns, without further mention: PGW_E_INVALID for
 * a NULL connection or output pointer; PGW_E_STATE when another command is
 * in progress or the connection has no transport; PGW_E_CLOSED /
 * PGW_E_IO / PGW_E_TIMEOUT / PGW_E_PROTOCOL / PGW_E_NOMEM from the
 * connection (see pgw_fastpath_call() and pgw_query_params()).
 *
 * Threads: as the connection (one thread at a time per connection). */
#ifndef PGWIRE_PGWIRE_LO_H
#define PGWIRE_PGWIRE_LO_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

PGW_BEGIN_DECLS

/** Open for writing: the server's INV_WRITE. */
#define PGW_LO_WRITE 0x00020000
/** Open for reading: the server's INV_READ. A descriptor opened with
 * PGW_LO_READ alone reads the object as of the transaction's snapshot;
 * with PGW_LO_WRITE (alone or combined) it sees committed and its own
 * changes. */
#define PGW_LO_READ 0x00040000

/** Whence for pgw_lo_seek64(), as lseek(2). */
#define PGW_LO_SEEK_SET 0
#define PGW_LO_SEEK_CUR 1
#define PGW_LO_SEEK_END 2

/** Chunk size of pgw_lo_import() / pgw_lo_export() and the largest
 * single read or write sent to the server by pgw_lo_read() /
 * pgw_lo_write() (longer ones are split). */
#define PGW_LO_CHUNK (256 * 1024)

/** How the large-object functions reach the server. Append-only. */
typedef enum pgw_lo_method {
    PGW_LO_METHOD_FASTPATH = 0, /**< FunctionCall messages (the default) */
    PGW_LO_METHOD_SQL = 1       /**< SELECT pg_catalog.lo_*($1, ...) (extended protocol) */
} pgw_lo_method;

/** Choose how this connection's large-object calls reach the server.
 * @return PGW_OK; PGW_E_INVALID (c NULL or an unknown method).
 * Ownership: none. */
PGW_API pgw_status pgw_lo_set_method(pgw_conn *c, pgw_lo_method method);

/** The method in use (PGW_LO_METHOD_FASTPATH unless changed). */
PGW_API pgw_lo_method pgw_lo_get_method(const pgw_conn *c);

/** Create an empty large object (the server's lo_create).
 * @param wanted  the OID to give it, or 0 for one the server picks
 * @param oid     receives the new object's OID
 * @return PGW_OK; PGW_E_SERVER (23505 when `wanted` is taken);
 *         PGW_E_PROTOCOL (the server answered OID 0). */
PGW_API pgw_status pgw_lo_create(pgw_conn *c, uint32_t wanted, uint32_t *oid);

/** Open a large object (lo_open). Needs a transaction block.
 * @param mode  PGW_LO_READ, PGW_LO_WRITE or both
 * @param fd    receives the descriptor, valid until the transaction ends
 *              or pgw_lo_close()
 * @return PGW_OK; PGW_E_SERVER (42704: no such object; 42501: no
 *         permission); PGW_E_INVALID (mode without READ or WRITE). */
PGW_API pgw_status pgw_lo_open(pgw_conn *c, uint32_t oid, int mode, int32_t *fd);

/** Close a descriptor (lo_close).
 * @return PGW_OK; PGW_E_SERVER (42704: invalid descriptor). */
PGW_API pgw_status pgw_lo_close(pgw_conn *c, int32_t fd);

/** Read up to len bytes at the descriptor's position, advancing it; fewer
 * only at the end of the object. Requests larger than PGW_LO_CHUNK are
 * split into several calls.
 * @param n  receives the bytes read (0 at the end); on failure, the bytes
 *           read by the calls that succeeded
 * @return PGW_OK; PGW_E_SERVER (42704: invalid descriptor);
 *         PGW_E_INVALID (buf NULL with len > 0, n NULL);
 *         PGW_E_PROTOCOL (the server returned more than asked).
 * Ownership: caller owns buf. */
PGW_API pgw_status pgw_lo_read(pgw_conn *c, int32_t fd, void *buf, size_t len, size_t *n);

/** Write len bytes at the descriptor's position, advancing it (several
 * calls of at most PGW_LO_CHUNK bytes each when longer).
 * @param n  receives the bytes written (len on success; on failure, those
 *           of the calls that succeeded); may be NULL
 * @return PGW_OK; PGW_E_SERVER (42704: invalid descriptor; 55000: not
 *         opened for writing);
 *         PGW_E_INVALID (buf NULL with len > 0); PGW_E_PROTOCOL (the server
 *         reported an impossible count). */
PGW_API pgw_status pgw_lo_write(pgw_conn *c, int32_t fd, const void *buf, size_t len,
                                size_t *n);

/** Move the descriptor's position (lo_lseek64).
 * @param whence  PGW_LO_SEEK_SET, _CUR or _END
 * @param newpos  receives the new position; may be NULL
 * @return PGW_OK; PGW_E_SERVER (22023: invalid whence or a negative
 *         result; 42704: invalid descriptor); PGW_E_UNSUPPORTED (a server
 *         older than 9.3, without lo_lseek64: the fast path reports it
 *         before sending anything, the SQL method gets the server's 42883).
 */
PGW_API pgw_status pgw_lo_seek64(pgw_conn *c, int32_t fd, int64_t offset, int whence,
                                 int64_t *newpos);

/** The descriptor's position (lo_tell64).
 * @return as pgw_lo_seek64(). */
PGW_API pgw_status pgw_lo_tell64(pgw_conn *c, int32_t fd, int64_t *pos);

/** Truncate (or extend with zeros: objects are sparse) to len bytes
 * (lo_truncate64). The descriptor must be open for writing.
 * @return PGW_OK; PGW_E_SERVER (22023: negative length; 55000: not open
 *         for writing); PGW_E_UNSUPPORTED as pgw_lo_seek64(). */
PGW_API pgw_status pgw_lo_truncate64(pgw_conn *c, int32_t fd, int64_t len);

/** Delete a large object (lo_unlink). Works outside a transaction block.
 * @return PGW_OK; PGW_E_SERVER (42704: no such object; 42501: not its
 *         owner). */
PGW_API pgw_status pgw_lo_unlink(pgw_conn *c, uint32_t oid);

/** Create a large object from a client-side file, in chunks of
 * PGW_LO_CHUNK bytes. Runs in its own transaction when the connection is
 * idle (see the file comment).
 * @param path  the file to read
 * @param oid   receives the new object's OID
 * @return PGW_OK; PGW_E_IO (the file could not be opened or read: the
 *         message names it, sys_errno is set; in a transaction of its own
 *         nothing was created, inside the caller's the object created so
 *         far is left to its rollback); PGW_E_SERVER (the transaction has
 *         failed or the commit was refused); PGW_E_INVALID (path NULL). */
PGW_API pgw_status pgw_lo_import(pgw_conn *c, const char *path, uint32_t *oid);

/** Write a large object to a client-side file (created or truncated, mode
 * 0666 before the umask), in chunks of PGW_LO_CHUNK bytes. Runs in its own
 * transaction when the connection is idle.
 * @return PGW_OK; PGW_E_IO (the file could not be created or written:
 *         the message names it, sys_errno is set; the file may hold part of
 *         the object); PGW_E_SERVER (42704: no such object; 42501: no
 *         permission); PGW_E_INVALID (path NULL). */
PGW_API pgw_status pgw_lo_export(pgw_conn *c, uint32_t oid, const char *path);

PGW_END_DECLS

#endif
