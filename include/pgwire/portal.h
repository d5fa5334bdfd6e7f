/* pgwire — server-side cursors: named portals fetched in batches (the
 * extended protocol's Execute with a row limit), and SQL cursors (DECLARE,
 * FETCH, MOVE, CLOSE).
 *
 * Both walk a result of any size with constant client memory: each batch
 * streams through a pgw_cursor whose rows are views into the connection's
 * input buffer, and nothing is kept between batches.
 *
 * Named portals. pgw_portal_open() parses the SQL as the unnamed statement
 * and binds it to a portal with the given name; each pgw_portal_fetch() is
 * one round trip (Describe + Execute with the row limit + Sync) whose
 * result ends with PGW_END: pgw_cursor_suspended() then says whether the
 * portal has more rows (the server answered PortalSuspended) or is
 * exhausted (CommandComplete). A portal lives until it is closed or its
 * transaction ends — and outside a transaction block every Sync ends the
 * implicit transaction, so a portal would die after the exchange that
 * opened it: pgw_portal_open() therefore refuses to run outside a
 * transaction block (PGW_E_STATE). Begin one first (pgw_begin()); COMMIT
 * or ROLLBACK closes every portal of the transaction.
 *
 * SQL cursors. pgw_sqlcursor_declare() runs DECLARE (with parameters, through
 * the extended protocol, when there are any); FETCH and MOVE go in any
 * direction the cursor allows (SCROLL for backwards); a WITH HOLD cursor
 * outlives the transaction that declared it (the server materialises its
 * rows at COMMIT) and even works outside one. Names are sent as quoted
 * identifiers (exact case), never as SQL.
 *
 * Which to use: a portal costs no SQL parsing per batch and needs no
 * cursor name in SQL; a SQL cursor can scroll, can be held across
 * transactions, and works through poolers that only pass simple queries.
 *
 * Threads: as the connection (one thread at a time per connection). */
#ifndef PGWIRE_PGWIRE_PORTAL_H
#define PGWIRE_PGWIRE_PORTAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/conn.h"
#include "pgwire/cursor.h"
#include "pgwire/export.h"
#include "pgwire/status.h"
#include "pgwire/stmt.h"

/** A named portal on the server. Opaque. */
typedef struct pgw_portal pgw_portal;

/** Largest row limit of one fetch (the protocol's int32). */
#define PGW_PORTAL_MAX_ROWS 2147483647u

PGW_BEGIN_DECLS

/* ---- named portals: the engine (non-blocking) -------------------------- */

/** Queue Parse (unnamed statement) + Bind (to the named portal) + Sync.
 * Drive it with pgw_portal_recv() until PGW_OK.
 * Result formats: as pgw_query_params_send() with the statement cache off —
 * PGW_FORMAT_AUTO means text, because the column types are not known before
 * Bind; ask for PGW_FORMAT_BINARY explicitly, or open a prepared statement
 * with pgw_portal_open_stmt_send(), where AUTO picks binary for the fast
 * types.
 * @param name  the portal's name; NULL or "" = a generated unique one
 *              ("pgw_portal1", ...). The unnamed portal is never used: the
 *              next parameterised query would destroy it.
 * @param params  nparams values (may be NULL when nparams is 0)
 * @param result_formats  0 entries = text (see above), 1 = for every column,
 *              or one per column
 * @return PGW_OK; PGW_E_STATE (not inside a transaction block — the portal
 *         would die at the Sync's implicit commit — or in a failed one, or
 *         another operation in progress); PGW_E_INVALID (c, sql or out
 *         NULL, a NUL in sql or name, a bad format code); PGW_E_TOO_LARGE;
 *         PGW_E_CLOSED / the sticky status of a broken connection;
 *         PGW_E_NOMEM.
 * Ownership: params are copied; caller owns *out; release with
 * pgw_portal_free(). */
PGW_API pgw_status pgw_portal_open_send(pgw_conn *c, const char *name, const char *sql,
                                        const pgw_param *params, size_t nparams,
                                        const int16_t *result_formats, size_t n_result_formats,
                                        pgw_portal **out);

/** As pgw_portal_open_send(), binding a ready prepared statement (Bind +
 * Sync, no Parse). PGW_FORMAT_AUTO (the default) resolves per column with
 * the statement's column types.
 * @return as pgw_portal_open_send(); PGW_E_STATE also when st is not ready.
 * Ownership: caller owns *out (pgw_portal_free()); st must outlive the
 * open exchange (the portal itself does not need it afterwards). */
PGW_API pgw_status pgw_portal_open_stmt_send(pgw_stmt *st, const char *name,
                                             const pgw_param *params, size_t nparams,
                                             const int16_t *result_formats, size_t n_result_formats,
                                             pgw_portal **out);

/** Drive an open or a close until the server has answered.
 * @return PGW_OK: done (opened, or closed); PGW_WANT_READ / PGW_WANT_WRITE;
 *         PGW_E_SERVER: the server refused (pgw_portal_failed_step() says
 *         Parse, Bind or Close; pgw_conn_error() has the fields); the
 *         transaction is then failed (PGW_TX_IN_ERROR) and the portal is
 *         not open; PGW_E_STATE: nothing in progress; connection-level
 *         errors (PGW_E_CLOSED, PGW_E_PROTOCOL, ...). */
PGW_API pgw_status pgw_portal_recv(pgw_portal *p);

/** Queue one batch: Describe (portal) + Execute (at most max_rows rows) +
 * Sync, and return its cursor. Read it like any cursor: its one result
 * ends with PGW_END from pgw_cursor_recv(), after which
 * pgw_cursor_suspended() says whether rows remain.
 * @param max_rows  1 to PGW_PORTAL_MAX_ROWS; 0 = all remaining rows
 * @return PGW_OK; PGW_E_STATE (the portal is not open, or the transaction
 *         it lived in has ended, or another operation is in progress);
 *         PGW_E_INVALID (max_rows too large, NULL argument); the errors of
 *         pgw_query_params_send().
 * Ownership: caller owns *out; release with pgw_cursor_free(). */
PGW_API pgw_status pgw_portal_fetch_send(pgw_portal *p, size_t max_rows, pgw_cursor **out);

/** Queue Close (portal) + Sync; drive with pgw_portal_recv() until PGW_OK.
 * Closing a portal the server no longer has is not an error.
 * @return PGW_OK; PGW_E_STATE (not open, or an operation in progress);
 *         connection-level errors. */
PGW_API pgw_status pgw_portal_close_send(pgw_portal *p);

/** Whether the result of a fetch ended because the row limit was reached
 * (PortalSuspended: the portal has more rows) rather than because the
 * portal ran out (CommandComplete). Meaningful once pgw_cursor_recv() has
 * answered PGW_END; false for cursors of other queries. */
PGW_API bool pgw_cursor_suspended(const pgw_cursor *cur);

/** Whether the last completed fetch found the portal exhausted (its result
 * ended with CommandComplete). */
PGW_API bool pgw_portal_exhausted(const pgw_portal *p);

/** Whether the portal is open on the server, as far as the client knows
 * (opened, not closed, and its transaction not ended). */
PGW_API bool pgw_portal_is_open(const pgw_portal *p);

/** The connection the portal belongs to. */
PGW_API pgw_conn *pgw_portal_conn(const pgw_portal *p);

/** The portal's name. Ownership: borrowed — valid until pgw_portal_free(). */
PGW_API const char *pgw_portal_name(const pgw_portal *p);

/** Rows the portal has returned so far: the sum over every fetch whose
 * result has ended (rows read or skipped). */
PGW_API uint64_t pgw_portal_rows_fetched(const pgw_portal *p);

/** The step the server refused while opening or closing. */
PGW_API pgw_step pgw_portal_failed_step(const pgw_portal *p);

/** Release the handle (an open or close in progress is abandoned: its
 * answer is discarded as it arrives). A portal still open on the server
 * lives until its transaction ends; close it first to free its resources
 * sooner. A fetch cursor stays usable. NULL-safe. */
PGW_API void pgw_portal_free(pgw_portal *p);

/* ---- named portals: blocking ------------------------------------------- */

/** pgw_portal_open_send() and wait until the portal is bound.
 * @return PGW_OK with *out open; PGW_E_SERVER (*out NULL; the transaction
 *         has failed); PGW_E_STATE (see pgw_portal_open_send(); also no
 *         transport); other errors of pgw_portal_open_send() and
 *         pgw_conn_pump().
 * Ownership: caller owns *out; release with pgw_portal_free(). */
PGW_API pgw_status pgw_portal_open(pgw_conn *c, const char *name, const char *sql,
                                   const pgw_param *params, size_t nparams, pgw_portal **out);

/** pgw_portal_open_stmt_send() with the default formats, and wait.
 * @return as pgw_portal_open(). Ownership: as pgw_portal_open(). */
PGW_API pgw_status pgw_portal_open_stmt(pgw_stmt *st, const char *name, const pgw_param *params,
                                        size_t nparams, pgw_portal **out);

/** Fetch the next batch and position the cursor on its result (rows are
 * then read with pgw_cursor_next()).
 * @return PGW_OK; PGW_E_SERVER (the Execute failed — e.g. a division by
 *         zero in row 5,001 — the cursor is still returned: free it; the
 *         transaction has failed); the errors of pgw_portal_fetch_send()
 *         and pgw_conn_pump().
 * Ownership: caller owns *out (also after PGW_E_SERVER); release with
 * pgw_cursor_free() or pgw_cursor_close(). */
PGW_API pgw_status pgw_portal_fetch(pgw_portal *p, size_t max_rows, pgw_cursor **out);

/** Close the portal on the server and wait. The handle stays valid (not
 * open) until pgw_portal_free().
 * @return PGW_OK; PGW_E_SERVER; PGW_E_STATE; connection-level errors. */
PGW_API pgw_status pgw_portal_close(pgw_portal *p);

/* ---- SQL cursors (blocking) ---------------------------------------------- */

/** pgw_sqlcursor_declare() flags (combine with |). */
#define PGW_SQLCURSOR_BINARY 0x1u    /**< BINARY: rows in binary format */
#define PGW_SQLCURSOR_SCROLL 0x2u    /**< SCROLL: may fetch backwards */
#define PGW_SQLCURSOR_NO_SCROLL 0x4u /**< NO SCROLL: forwards only (checked by the server) */
#define PGW_SQLCURSOR_WITH_HOLD 0x8u /**< WITH HOLD: survives COMMIT */

/** Direction of FETCH and MOVE. Append-only. */
typedef enum pgw_fetch_dir {
    PGW_FETCH_NEXT = 0,        /**< NEXT (count ignored) */
    PGW_FETCH_PRIOR = 1,       /**< PRIOR (count ignored) */
    PGW_FETCH_FIRST = 2,       /**< FIRST (count ignored) */
    PGW_FETCH_LAST = 3,        /**< LAST (count ignored) */
    PGW_FETCH_ABSOLUTE = 4,    /**< ABSOLUTE count (negative: from the end) */
    PGW_FETCH_RELATIVE = 5,    /**< RELATIVE count (negative: backwards) */
    PGW_FETCH_FORWARD = 6,     /**< FORWARD count (count >= 0) */
    PGW_FETCH_FORWARD_ALL = 7, /**< FORWARD ALL (count ignored) */
    PGW_FETCH_BACKWARD = 8,    /**< BACKWARD count (count >= 0) */
    PGW_FETCH_BACKWARD_ALL = 9 /**< BACKWARD ALL (count ignored) */
} pgw_fetch_dir;

/** DECLARE name [BINARY] [SCROLL | NO SCROLL] CURSOR [WITH HOLD] FOR query.
 * With parameters the DECLARE goes through the extended protocol ($1, ...
 * in query); without, through a simple query. Without WITH HOLD it must
 * run inside a transaction block (the server answers 25P01 otherwise).
 * @param name   the cursor's name, sent as a quoted identifier
 * @param flags  PGW_SQLCURSOR_* (SCROLL and NO_SCROLL together: invalid)
 * @return PGW_OK; PGW_E_SERVER (25P01 outside a transaction without WITH
 *         HOLD, 42P03 duplicate cursor, errors of the query); PGW_E_INVALID
 *         (NULL or empty name or query, a name not valid in the client
 *         encoding, unknown or contradictory flags); PGW_E_UNSUPPORTED (an
 *         unknown client_encoding); the errors of pgw_exec() and
 *         pgw_exec_params().
 * Ownership: params are copied; nothing is retained. */
PGW_API pgw_status pgw_sqlcursor_declare(pgw_conn *c, const char *name, unsigned flags,
                                         const char *query, const pgw_param *params,
                                         size_t nparams);

/** FETCH dir [count] FROM name, positioned on its result: read the rows
 * with pgw_cursor_next(); the command tag ("FETCH 3") counts them.
 * @return PGW_OK; PGW_E_SERVER (34000 unknown cursor, 55000 backwards on a
 *         cursor without SCROLL, ...: the cursor is still returned, free
 *         it); PGW_E_INVALID (bad direction, negative count for
 *         FORWARD/BACKWARD, bad name); the errors of pgw_query().
 * Ownership: caller owns *out (also after PGW_E_SERVER); release with
 * pgw_cursor_free() or pgw_cursor_close(). */
PGW_API pgw_status pgw_sqlcursor_fetch(pgw_conn *c, const char *name, pgw_fetch_dir dir,
                                       int64_t count, pgw_cursor **out);

/** MOVE dir [count] IN name: reposition without returning rows.
 * @param moved  receives the count from the "MOVE n" tag (may be NULL)
 * @return as pgw_sqlcursor_fetch() (no cursor). */
PGW_API pgw_status pgw_sqlcursor_move(pgw_conn *c, const char *name, pgw_fetch_dir dir,
                                      int64_t count, uint64_t *moved);

/** CLOSE name. @return PGW_OK; PGW_E_SERVER (34000 unknown cursor);
 * PGW_E_INVALID; the errors of pgw_exec(). */
PGW_API pgw_status pgw_sqlcursor_close(pgw_conn *c, const char *name);

PGW_END_DECLS

#endif
