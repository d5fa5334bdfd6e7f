/* pgwire — the fast-path interface: call a server function by OID with the
 * FunctionCall message and read its FunctionCallResponse, without SQL,
 * parsing or planning. PostgreSQL's documentation calls this interface
 * obsolescent for general use (a parameterised "SELECT f($1)" does the same
 * and is as fast with a prepared statement); it remains the classic way to
 * drive large objects (pgwire/lo.h) and is what libpq's lo_* functions use.
 *
 * https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-FUNCTION-CALL
 *
 * One call is one exchange: FunctionCall goes out, the server answers with
 * FunctionCallResponse (the value, possibly NULL) or ErrorResponse, then
 * ReadyForQuery. Notices, ParameterStatus and notifications may arrive in
 * between and go to their callbacks. Like a cursor, a call occupies the
 * connection until ReadyForQuery: no other command may start meanwhile.
 *
 * Two forms, as everywhere in pgwire: the engine form
 * (pgw_fastpath_send() + pgw_fastpath_recv(), for event loops; it answers
 * PGW_WANT_READ / PGW_WANT_WRITE) and the blocking form pgw_fastpath_call()
 * (src/io), which loops over it.
 *
 * Threads: as the connection (one thread at a time per connection). */
#ifndef PGWIRE_PGWIRE_FASTPATH_H
#define PGWIRE_PGWIRE_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"
#include "pgwire/stmt.h"

PGW_BEGIN_DECLS

/** A fast-path call in progress (opaque). */
typedef struct pgw_fastpath pgw_fastpath;

/** Queue a FunctionCall message for the function `fn_oid`.
 * The arguments are pgw_param values: `format` (PGW_FORMAT_TEXT or
 * PGW_FORMAT_BINARY) and `data`/`len` are sent, `data` NULL is SQL NULL;
 * `type` is ignored (FunctionCall carries no types: the function's own
 * argument types decide how the server reads each value, so binary values
 * must be in the exact binary form of those types, e.g. int4 as 4
 * big-endian bytes).
 * @param c              an idle connection (no cursor or call in progress)
 * @param fn_oid         the function's OID (pg_proc.oid)
 * @param args           nargs arguments (may be NULL when nargs is 0)
 * @param nargs          at most 65535
 * @param result_format  PGW_FORMAT_TEXT or PGW_FORMAT_BINARY
 * @param out            receives the call
 * @return PGW_OK: queued (drive it with pgw_fastpath_recv());
 *         PGW_E_INVALID: c, out or args NULL, a format other than text or
 *         binary, more than 65535 arguments (nothing was queued, the
 *         connection is unchanged);
 *         PGW_E_TOO_LARGE: an argument over INT32_MAX bytes or a message
 *         over the protocol's limit (refused before anything was queued);
 *         PGW_E_STATE: another command is in progress, or the connection is
 *         not ready (still starting, being closed); PGW_E_CLOSED: closed;
 *         PGW_E_NOMEM; a broken connection's sticky status.
 * Ownership: the arguments are copied into the output buffer before the
 * call returns; caller owns *out and releases it with pgw_fastpath_free(). */
PGW_API pgw_status pgw_fastpath_send(pgw_conn *c, uint32_t fn_oid, const pgw_param *args,
                                     size_t nargs, int16_t result_format, pgw_fastpath **out);

/** Advance the call: read the server's answer up to ReadyForQuery.
 * @return PGW_OK: the call finished and its result is available
 *         (pgw_fastpath_result()); the connection is idle again;
 *         PGW_WANT_READ / PGW_WANT_WRITE: feed input / drain output, then
 *         call again;
 *         PGW_E_SERVER: the server raised an error (its fields in
 *         pgw_conn_error(), e.g. 42883 for an unknown function OID); the
 *         answer has been read to ReadyForQuery and the connection is idle
 *         (a transaction block is now failed: PGW_TX_IN_ERROR);
 *         PGW_E_PROTOCOL: the answer broke the protocol (no
 *         FunctionCallResponse before ReadyForQuery, two of them, a
 *         malformed one, a message that has no place here) — sticky;
 *         PGW_E_CLOSED: the server went away (a FATAL error keeps its
 *         fields in pgw_conn_error()); the call's outcome is unknown;
 *         PGW_E_TOO_LARGE: a message over the connection's limit (sticky);
 *         PGW_E_NOMEM (sticky). Once finished, further calls repeat the
 *         final status.
 * Ownership: none. */
PGW_API pgw_status pgw_fastpath_recv(pgw_fastpath *fp);

/** The result of a finished call.
 * @return PGW_OK with *p and *len set to the value's bytes (in the format
 *         asked for; not NUL-terminated; *p may be NULL when *len is 0);
 *         PGW_E_NULL: the function returned NULL;
 *         PGW_E_STATE: the call has not finished with PGW_OK.
 * Ownership: *p is borrowed — valid until pgw_fastpath_free() or the
 * connection's next input (the next command, or reading notifications),
 * whichever comes first: it usually points into the input buffer, so the
 * value is never copied by the engine. Copy it to keep it. */
PGW_API pgw_status pgw_fastpath_result(const pgw_fastpath *fp, const uint8_t **p, size_t *len);

/** Release a call (NULL-safe). A call still in progress is abandoned: the
 * connection skips the rest of its answer when it next reads. Release
 * every call before its connection (as with cursors). */
PGW_API void pgw_fastpath_free(pgw_fastpath *fp);

/** Call a function by OID and wait for its result (blocking form).
 * @param result   NULL (the value is discarded) or a buffer the value's
 *                 bytes are appended to (nothing is appended for NULL)
 * @param is_null  NULL, or set to whether the function returned NULL
 * @return PGW_OK; the failures of pgw_fastpath_send() and
 *         pgw_fastpath_recv() (PGW_E_SERVER leaves the connection idle);
 *         PGW_E_NOMEM when result could not grow (the call itself
 *         completed); PGW_E_TIMEOUT / PGW_E_IO from the transport (see
 *         pgw_conn_pump()); PGW_E_STATE without a transport.
 * Ownership: caller keeps result; args are only read during the call. */
PGW_API pgw_status pgw_fastpath_call(pgw_conn *c, uint32_t fn_oid, const pgw_param *args,
                                     size_t nargs, int16_t result_format, pgw_buf *result,
                                     bool *is_null);

PGW_END_DECLS

#endif
