/* pgwire — calling functions and procedures (blocking, implemented in
 * src/io on top of the extended query protocol).
 *
 * pgw_call_function() runs `SELECT * FROM name($1, ..., $n)`: a scalar
 * function gives one row with one column (named after the function), a
 * function returning a composite type gives its columns, and a set-
 * returning function (SETOF, RETURNS TABLE) streams one row per element
 * through the cursor, so a large set walks with constant memory.
 *
 * pgw_call_procedure() runs `CALL name($1, ..., $n)`. A procedure with
 * INOUT or OUT parameters (OUT since PostgreSQL 14) answers one row holding
 * their values, in declaration order; pass SQL NULL (a pgw_param with data
 * NULL) for each OUT parameter, as CALL requires an argument for it.
 * A procedure without them answers no row (tag "CALL").
 *
 * Transaction control: a procedure may COMMIT or ROLLBACK inside itself
 * when CALL is the only thing in its transaction — not inside a
 * transaction block (BEGIN ... CALL: SQLSTATE 2D000 "invalid transaction
 * termination"). Through the extended protocol this works as well as
 * through a simple query on PostgreSQL 11 and later (checked against 15:
 * CALL ends the implicit transaction of its Parse/Bind/Execute and starts a
 * new one at each COMMIT inside), so the helper always uses the extended
 * protocol and takes parameters. Run it with no transaction open
 * (pgw_conn_tx_status() PGW_TX_IDLE).
 *
 * Names: `name` (and `schema`, when given) are sent as quoted identifiers
 * — exact case, never interpreted as SQL — so "MyFunc" must be spelt as
 * created. schema NULL resolves the name through the session's
 * search_path.
 *
 * Errors: a RAISE EXCEPTION inside the routine arrives as PGW_E_SERVER
 * with its SQLSTATE (P0001 unless the routine chose one), its message, and
 * the PL/pgSQL context in pgw_conn_error()->where ("PL/pgSQL function
 * f(integer) line 3 at RAISE").
 *
 * Threads: as the connection (one thread at a time per connection). */
#ifndef PGWIRE_PGWIRE_ROUTINE_H
#define PGWIRE_PGWIRE_ROUTINE_H

#include <stddef.h>

#include "pgwire/conn.h"
#include "pgwire/cursor.h"
#include "pgwire/export.h"
#include "pgwire/status.h"
#include "pgwire/stmt.h"

PGW_BEGIN_DECLS

/** Call a function: `SELECT * FROM [schema.]name($1, ..., $n)`, positioned
 * on its result (read the rows with pgw_cursor_next()).
 * @param schema  NULL = the search_path; else the schema, quoted
 * @param name    the function, quoted as an identifier
 * @param params  nparams arguments (may be NULL when nparams is 0); a
 *                parameter of type 0 takes the type the function's
 *                signature gives it, when the name is not overloaded
 * @return PGW_OK; PGW_E_SERVER (42883 no such function or no overload
 *         matching the argument types, 42809 for a procedure; ...): the
 *         cursor is returned — free it; pgw_cursor_failed_step() tells
 *         Parse (resolution) from Bind (an argument the type refuses) and
 *         Execute. The function's body runs at Execute, while the rows
 *         stream: its errors (P0001 and the routine's own SQLSTATEs for
 *         RAISE EXCEPTION) may come from this call or from a later
 *         pgw_cursor_next(), also after some rows of a set;
 *         PGW_E_INVALID (c, name or out NULL,
 *         an empty name or schema, a name not valid in the client
 *         encoding); PGW_E_UNSUPPORTED (unknown client_encoding); the
 *         errors of pgw_query_params().
 * Ownership: caller owns *out (also after PGW_E_SERVER); release with
 * pgw_cursor_free() or pgw_cursor_close(). */
PGW_API pgw_status pgw_call_function(pgw_conn *c, const char *schema, const char *name,
                                     const pgw_param *params, size_t nparams, pgw_cursor **out);

/** pgw_call_function() materialised: every row of the function's result.
 * @return PGW_OK with *out set; the errors of pgw_call_function() (*out
 *         NULL; the connection is idle again after PGW_E_SERVER).
 * Ownership: caller owns *out; release with pgw_result_free(). */
PGW_API pgw_status pgw_call_function_result(pgw_conn *c, const char *schema, const char *name,
                                            const pgw_param *params, size_t nparams,
                                            pgw_result **out);

/** Call a procedure: `CALL [schema.]name($1, ..., $n)`, and materialise
 * what it answers: one row of INOUT/OUT values, or no columns and no row
 * for a procedure without them (command tag "CALL").
 * @param out  receives the result (may be NULL: the answer is discarded)
 * @return PGW_OK; PGW_E_SERVER (42883 unknown procedure, 42809 for a
 *         function named in CALL, 2D000 for COMMIT inside a procedure
 *         called in a transaction block, the routine's own errors; *out
 *         NULL); the errors of pgw_call_function().
 * Ownership: caller owns *out; release with pgw_result_free(). */
PGW_API pgw_status pgw_call_procedure(pgw_conn *c, const char *schema, const char *name,
                                      const pgw_param *params, size_t nparams, pgw_result **out);

PGW_END_DECLS

#endif
