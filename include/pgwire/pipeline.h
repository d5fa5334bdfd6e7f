/* pgwire — pipeline mode: many extended-protocol queries in flight at once,
 * with Sync points where the caller wants them, results read in order.
 *
 * A pipeline turns N round trips into one. Queue queries
 * (pgw_pipeline_query) and executions of prepared statements
 * (pgw_pipeline_stmt); each returns a pgw_cursor that yields exactly one
 * result, read with the usual cursor calls (pgw_cursor_next,
 * pgw_cursor_next_result, pgw_cursor_fetch_all, pgw_cursor_command_tag,
 * pgw_conn_error). Mark the end of a unit of work with pgw_pipeline_sync:
 * without an explicit BEGIN, the queries between two Syncs run in one
 * implicit transaction that the Sync commits.
 *
 * Errors. When a query fails, its cursor reports PGW_E_SERVER (details in
 * pgw_conn_error()) and the server skips every later query up to the next
 * Sync: their cursors report PGW_E_ABORTED without having run. After that
 * Sync the pipeline goes on normally. A connection lost with queries in
 * flight makes every query whose result had not fully arrived report
 * PGW_E_UNKNOWN_OUTCOME (the server may or may not have applied it);
 * queries whose results arrived keep them.
 *
 * Order. Results come back in the order the queries were queued, and are
 * read in that order: reading a cursor while an earlier one still has
 * unread results is PGW_E_STATE. Freeing a cursor early is fine: its
 * results are discarded as they arrive (pass out = NULL to discard from
 * the start). Sync points are consumed as reading passes them;
 * pgw_pipeline_next_sync() reads one explicitly and reports the
 * transaction status the server had at that point.
 *
 * No deadlock. The blocking calls never wait on a full socket in one
 * direction only: whenever the pipeline's output cannot be written, what
 * the server has sent is read and kept aside (in memory, as it arrived)
 * until the cursors ask for it. A batch of any size against a server
 * streaming large results therefore always completes; the price is the
 * memory of the results not yet read. The queuing calls write the output
 * once it passes 64 KiB, so the server starts working before the batch is
 * complete.
 *
 * Statements. A query whose SQL and parameter types are in the
 * connection's statement cache (already prepared by an earlier
 * pgw_query_params) runs as Bind + Execute of the cached statement. A
 * cache miss inside a pipeline does not prepare into the cache: it is sent
 * as an unnamed Parse + Bind + Describe + Execute, so no extra round trip
 * and no later query depends on a statement whose preparation might fail.
 * For an unnamed statement the column types are unknown at Bind, so
 * PGW_FORMAT_AUTO means text. A cached statement the server rejects (its
 * result type changed: 0A000, or it no longer exists: 26000) is reported
 * as that error, not retried: the pipeline cannot replay it.
 *
 * The calls without _send are blocking (they need a connection from
 * pgw_connect); the _send / _recv / pgw_pipeline_start / _finish calls are
 * the sans-IO engine's, for event loops: they never make a system call,
 * and the caller moves bytes with pgw_conn_output() / pgw_conn_input().
 * An event loop must keep reading whenever the socket is readable while it
 * writes a large batch (the engine's input buffer holds at most one
 * maximum message plus 128 KiB, so read results promptly or keep them
 * aside as the blocking driver does).
 *
 * While a pipeline is open the connection is PGW_CONN_BUSY and only the
 * pipeline calls may queue work (pgw_query_send and friends return
 * PGW_E_STATE).
 *
 * Threads: as the connection (one thread at a time per connection). */
#ifndef PGWIRE_PGWIRE_PIPELINE_H
#define PGWIRE_PGWIRE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/conn.h"
#include "pgwire/cursor.h"
#include "pgwire/export.h"
#include "pgwire/status.h"
#include "pgwire/stmt.h"

/* ---- blocking ------------------------------------------------------------ */

/** Enter pipeline mode. Results still owed to cursors freed before their
 * end are read and discarded first.
 * @return PGW_OK; PGW_E_STATE (a query is in progress, already in
 *         pipeline mode, or the connection is not ready); PGW_E_INVALID
 *         (c NULL); PGW_E_CLOSED, PGW_E_IO, PGW_E_TIMEOUT and the other
 *         sticky connection errors.
 * Ownership: none. */
PGW_API pgw_status pgw_pipeline_begin(pgw_conn *c);

/** Queue a parameterised query (Parse/Bind/Describe/Execute, or Bind/Execute
 * of a cached statement; no Sync) and return the cursor of its result.
 * Writes the pending output once it passes 64 KiB, reading aside what the
 * server sends meanwhile.
 * @param params  nparams values (may be NULL when nparams is 0), as
 *                pgw_query_params()
 * @param out     the cursor; NULL = discard the result (an error is still
 *                counted: later queries up to the Sync are skipped)
 * @return PGW_OK; PGW_E_STATE (not in pipeline mode); PGW_E_INVALID (sql
 *         NULL or with a NUL byte, a bad format code); PGW_E_TOO_LARGE
 *         (too many parameters, a value or message over the protocol's
 *         limits: refused before anything is queued); PGW_E_NOMEM; sticky
 *         connection errors (PGW_E_IO, PGW_E_CLOSED, PGW_E_TIMEOUT, ...).
 *         When the query was queued and only writing it failed, *out is
 *         set all the same (its cursor reports PGW_E_UNKNOWN_OUTCOME).
 * Ownership: params are copied; caller owns *out (pgw_cursor_free()). */
PGW_API pgw_status pgw_pipeline_query(pgw_conn *c, const char *sql, const pgw_param *params,
                                      size_t nparams, pgw_cursor **out);

/** Queue Bind + Execute of a prepared, ready statement (no Sync).
 * @return PGW_OK; PGW_E_STATE (not in pipeline mode, statement not
 *         ready); PGW_E_INVALID (st NULL); other errors (and *out) as
 *         pgw_pipeline_query().
 * Ownership: params are copied; caller owns *out (pgw_cursor_free()). The
 * statement must outlive the pipeline's use of it only on the server: the
 * handle may be freed once queued. */
PGW_API pgw_status pgw_pipeline_stmt(pgw_stmt *st, const pgw_param *params, size_t nparams,
                                     pgw_cursor **out);

/** Queue a Sync point and write all pending output (reading aside what the
 * server sends meanwhile). The queries since the previous Sync form one
 * unit: an error skips the rest of it, and outside an explicit transaction
 * block the unit commits at this point.
 * @return PGW_OK; PGW_E_STATE (not in pipeline mode); PGW_E_NOMEM; sticky
 *         connection errors.
 * Ownership: none. */
PGW_API pgw_status pgw_pipeline_sync(pgw_conn *c);

/** Queue a Flush (the server sends what it has buffered, without ending
 * the unit of work) and write all pending output.
 * @return as pgw_pipeline_sync().
 * Ownership: none. */
PGW_API pgw_status pgw_pipeline_flush(pgw_conn *c);

/** Read the next Sync point: every query queued before it must have been
 * read to its end (or its cursor freed).
 * @param tx  the transaction status at that Sync (PGW_TX_IDLE,
 *            PGW_TX_IN_BLOCK, PGW_TX_IN_ERROR); may be NULL
 * @return PGW_OK; PGW_E_STATE (no Sync queued and unread, or an earlier
 *         query's results are unread); PGW_E_PROTOCOL (the server sent
 *         something other than ReadyForQuery there); sticky connection
 *         errors.
 * Ownership: none. */
PGW_API pgw_status pgw_pipeline_next_sync(pgw_conn *c, pgw_tx_status *tx);

/** Leave pipeline mode. Every query must be followed by a Sync and have
 * been read (or its cursor freed): the Sync points not read yet are read
 * here and results of freed cursors discarded. The connection is idle
 * afterwards. On a broken connection the pipeline is dropped and the
 * connection's sticky error returned.
 * @return PGW_OK; PGW_E_STATE (not in pipeline mode, a query without a
 *         Sync after it, or unread results: the pipeline stays open);
 *         PGW_E_PROTOCOL; sticky connection errors.
 * Ownership: none. */
PGW_API pgw_status pgw_pipeline_end(pgw_conn *c);

/* ---- the engine (no I/O) ------------------------------------------------- */

/** Whether the connection is in pipeline mode. */
PGW_API bool pgw_conn_in_pipeline(const pgw_conn *c);

/** Queries queued and not yet finished (read to the end, skipped, or
 * discarded), plus Sync points not yet read. 0 outside pipeline mode. */
PGW_API size_t pgw_pipeline_pending(const pgw_conn *c);

/** pgw_pipeline_begin() without I/O.
 * @return PGW_OK; PGW_WANT_READ / PGW_WANT_WRITE (results of a freed cursor
 *         are still owed: move bytes and call again); errors as
 *         pgw_pipeline_begin(). */
PGW_API pgw_status pgw_pipeline_start(pgw_conn *c);

/** pgw_pipeline_query() with result formats and without writing.
 * @param result_formats  as pgw_query_params_send(); PGW_FORMAT_AUTO is
 *                        text unless the statement is cached
 * @return as pgw_pipeline_query().
 * Ownership: params are copied; caller owns *out (pgw_cursor_free()). */
PGW_API pgw_status pgw_pipeline_query_send(pgw_conn *c, const char *sql,
                                           const pgw_param *params, size_t nparams,
                                           const int16_t *result_formats,
                                           size_t n_result_formats, pgw_cursor **out);

/** pgw_pipeline_stmt() with result formats and without writing.
 * @return as pgw_pipeline_stmt().
 * Ownership: params are copied; caller owns *out (pgw_cursor_free()). */
PGW_API pgw_status pgw_pipeline_stmt_send(pgw_stmt *st, const pgw_param *params,
                                          size_t nparams, const int16_t *result_formats,
                                          size_t n_result_formats, pgw_cursor **out);

/** Queue a Sync point (no writing).
 * @return PGW_OK; PGW_E_STATE; PGW_E_NOMEM (sticky); sticky errors. */
PGW_API pgw_status pgw_pipeline_sync_send(pgw_conn *c);

/** Queue a Flush message (no writing).
 * @return as pgw_pipeline_sync_send(). */
PGW_API pgw_status pgw_pipeline_flush_send(pgw_conn *c);

/** pgw_pipeline_next_sync() without I/O.
 * @return PGW_OK; PGW_WANT_READ / PGW_WANT_WRITE; errors as
 *         pgw_pipeline_next_sync(). */
PGW_API pgw_status pgw_pipeline_sync_recv(pgw_conn *c, pgw_tx_status *tx);

/** pgw_pipeline_end() without I/O.
 * @return PGW_OK; PGW_WANT_READ / PGW_WANT_WRITE; errors as
 *         pgw_pipeline_end(). */
PGW_API pgw_status pgw_pipeline_finish(pgw_conn *c);

#endif
