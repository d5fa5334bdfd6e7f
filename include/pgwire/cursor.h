/* pgwire — queries, streaming cursors and materialised results.
 *
 * A query returns a cursor. Rows stream: each row is a view into the
 * connection's input buffer, valid until the next call on that cursor, so
 * memory stays constant however many rows come back. A query string may
 * hold several statements; the cursor walks their results in order.
 *
 * The functions here are the non-blocking forms on the engine: they may
 * answer PGW_WANT_READ / PGW_WANT_WRITE, after which the caller moves bytes
 * (pgw_conn_input / pgw_conn_output) and calls again. The blocking forms
 * (pgw_query, pgw_cursor_next, ...) are in pgwire/client.h. */
#ifndef PGWIRE_PGWIRE_CURSOR_H
#define PGWIRE_PGWIRE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/proto.h"
#include "pgwire/render.h"
#include "pgwire/status.h"

typedef struct pgw_cursor pgw_cursor;
typedef struct pgw_result pgw_result;

PGW_BEGIN_DECLS

/** Queue a simple-protocol Query and return its cursor. Only one cursor is
 * active per connection; a freed cursor's remaining results are discarded
 * as they arrive, so a new query may be sent right after pgw_cursor_free().
 * @return PGW_OK; PGW_E_STATE (startup not done, another cursor is active,
 *         or pgw_conn_terminate() was called); PGW_E_CLOSED (closed);
 *         the sticky status of a broken connection (PGW_E_IO, ...);
 *         PGW_E_INVALID (sql is NULL); PGW_E_TOO_LARGE; PGW_E_NOMEM.
 * Ownership: caller owns *out; release with pgw_cursor_free(). */
PGW_API pgw_status pgw_query_send(pgw_conn *c, const char *sql, pgw_cursor **out);

/** Advance to the next row of the current result (moving to the first
 * result first if needed). The row's values are views into the
 * connection's input buffer: valid until the next call on this cursor or
 * the next pgw_conn_input()/pgw_conn_pump() on its connection (after which
 * the field getters answer PGW_E_STATE).
 * @return PGW_OK: a row is current;
 *         PGW_END: the current result has no more rows (its command tag is
 *         available);
 *         PGW_WANT_READ / PGW_WANT_WRITE: move bytes and call again;
 *         PGW_E_SERVER: the statement failed (pgw_conn_error() has the
 *         fields); the cursor then moves on with pgw_cursor_recv_result();
 *         PGW_E_PROTOCOL / PGW_E_TOO_LARGE / PGW_E_CLOSED / PGW_E_NOMEM:
 *         the connection is broken. */
PGW_API pgw_status pgw_cursor_recv(pgw_cursor *cur);

/** Move to the next result (one per statement), skipping unread rows.
 * The first call positions on the first result.
 * @return PGW_OK: positioned on a result (columns and, for a command
 *         without rows, the tag are available); PGW_END: no more results
 *         (ReadyForQuery arrived); PGW_WANT_READ / PGW_WANT_WRITE;
 *         PGW_E_SERVER (this statement failed; later statements of the
 *         string were not run; the next call answers PGW_END);
 *         other errors as pgw_cursor_recv(). */
PGW_API pgw_status pgw_cursor_recv_result(pgw_cursor *cur);

/** Collect the rest of the current result into a materialised result
 * (moving to the first result first if needed). Rows already read are not
 * included; the cursor stays on that result (pgw_cursor_recv_result moves
 * on). Partial progress is kept in the cursor across PGW_WANT_READ.
 * @return PGW_OK with *out set; PGW_END when the query has no result left
 *         (*out NULL); PGW_WANT_READ / PGW_WANT_WRITE; errors as
 *         pgw_cursor_recv() (*out NULL).
 * Ownership: caller owns *out; release with pgw_result_free(). */
PGW_API pgw_status pgw_cursor_collect(pgw_cursor *cur, pgw_result **out);

/** Abandon the cursor. Results not yet read are discarded by the engine as
 * they arrive. NULL-safe. */
PGW_API void pgw_cursor_free(pgw_cursor *cur);

/** The connection this cursor belongs to. */
PGW_API pgw_conn *pgw_cursor_conn(const pgw_cursor *cur);

/* ---- the current result ------------------------------------------------ */

/** Number of columns (0 for a command that returns no rows). */
PGW_API uint16_t pgw_cursor_ncols(const pgw_cursor *cur);
/** Whether the current result has a row description (a SELECT-like result,
 * even with zero rows). */
PGW_API bool pgw_cursor_has_rows(const pgw_cursor *cur);
/** Column name, or NULL for an index out of range.
 * Ownership: borrowed — valid until the cursor moves to another result. */
PGW_API const char *pgw_cursor_column_name(const pgw_cursor *cur, uint16_t col);
/** Column type OID (0 for an index out of range). */
PGW_API uint32_t pgw_cursor_column_type(const pgw_cursor *cur, uint16_t col);
/** Column format code: 0 text, 1 binary (-1 for an index out of range). */
PGW_API int pgw_cursor_column_format(const pgw_cursor *cur, uint16_t col);
/** Index of the first column called `name` (exact, case-sensitive match,
 * as the server returns names), or -1. */
PGW_API int pgw_cursor_column_index(const pgw_cursor *cur, const char *name);

/** The command tag ("SELECT 3", "INSERT 0 1", "CREATE TABLE"), "" for an
 * empty query, NULL while the result is not complete.
 * Ownership: borrowed — valid until the cursor moves to another result. */
PGW_API const char *pgw_cursor_command_tag(const pgw_cursor *cur);
/** Rows affected or returned, from the command tag.
 * @return PGW_OK; PGW_END when the tag has no count (CREATE, BEGIN, ...);
 *         PGW_E_STATE when the result is not complete. */
PGW_API pgw_status pgw_cursor_rows_affected(const pgw_cursor *cur, uint64_t *rows);
/** Rows returned so far in the current result. */
PGW_API uint64_t pgw_cursor_row_number(const pgw_cursor *cur);

/* ---- fields of the current row ------------------------------------------
 * Each returns PGW_E_STATE when no row is current and PGW_E_INVALID for a
 * column index out of range. Views are borrowed — valid until the next call
 * that moves the cursor. */

/** Raw value (len -1 = NULL). */
PGW_API pgw_status pgw_cursor_value(const pgw_cursor *cur, uint16_t col, pgw_value *out);
/** True when the field is NULL (false also for an invalid position). */
PGW_API bool pgw_cursor_is_null(const pgw_cursor *cur, uint16_t col);
/** Text view (not NUL-terminated). A binary value is rendered as the
 * server would print it in text format (pgw_render_bin() with the
 * session's DateStyle and IntervalStyle), so the text is the same in both
 * formats; that view stays valid until the cursor moves.
 * @return also PGW_E_NULL for NULL; PGW_E_UNSUPPORTED for a binary value
 *         the client cannot render (ask for text format). */
PGW_API pgw_status pgw_cursor_text(const pgw_cursor *cur, uint16_t col, const char **p,
                                   size_t *len);
/** Conversions, in either format. The column type is checked first:
 *  int32/int64 from int2, int4, int8, oid, numeric;
 *  double also from float4, float8 and numeric; bool from bool; text-like
 *  types (text, varchar, json, bytea, uuid, dates ...) never convert.
 *  Types the client does not know (domains arrive as their base type;
 *  extension types) are parsed from their text.
 *  @return PGW_OK; PGW_E_NULL; PGW_E_TYPE (the column's type does not
 *  convert); PGW_E_INVALID (malformed text, or a binary value of the wrong
 *  width); PGW_E_RANGE (does not fit; a numeric with a fraction asked as
 *  an integer). */
PGW_API pgw_status pgw_cursor_int32(const pgw_cursor *cur, uint16_t col, int32_t *out);
PGW_API pgw_status pgw_cursor_int64(const pgw_cursor *cur, uint16_t col, int64_t *out);
PGW_API pgw_status pgw_cursor_double(const pgw_cursor *cur, uint16_t col, double *out);
PGW_API pgw_status pgw_cursor_bool(const pgw_cursor *cur, uint16_t col, bool *out);
/** timestamp / timestamptz as microseconds since 1970-01-01 00:00 UTC
 * (PGW_TIMESTAMP_INFINITY / _NEG_INFINITY for 'infinity'), text (DateStyle
 * ISO) or binary; PGW_E_TYPE for other column types; date as days
 * since 1970-01-01.
 * @return as above. */
PGW_API pgw_status pgw_cursor_timestamp(const pgw_cursor *cur, uint16_t col, int64_t *out);
PGW_API pgw_status pgw_cursor_date(const pgw_cursor *cur, uint16_t col, int32_t *out);

/* ---- rendering settings of the session -------------------------------- */

/** Loads time-zone rules by name (TZif file or POSIX TZ string). */
typedef pgw_status (*pgw_tz_loader_fn)(void *ud, const char *name, const pgw_allocator *a,
                                       pgw_tz **out);

/** Install the loader the engine calls when the server reports its
 * TimeZone (ParameterStatus), so binary timestamptz values render in the
 * session's zone. pgw_connect() installs one that reads the system's tz
 * database (pgw_tz_load()); engine users without file access may supply
 * their own or none (timestamptz values then render only when the zone is
 * UTC; otherwise pgw_cursor_text() answers PGW_E_UNSUPPORTED for them). */
PGW_API void pgw_conn_set_tz_loader(pgw_conn *c, pgw_tz_loader_fn fn, void *ud);

/** The session's rendering settings: DateStyle and IntervalStyle as the
 * server reported them, the TimeZone rules, and the connection's type
 * registry as its lookup (pgw_conn_type_info()).
 * Ownership: borrowed — valid until the next call on the connection. */
PGW_API const pgw_render_ctx *pgw_conn_render_ctx(const pgw_conn *c);

/** The connection's type registry: what it knows of a type that is not
 * built in (filled by pgw_conn_load_types() or pgw_conn_register_type()),
 * or NULL. The session's render context looks types up here.
 * Ownership: borrowed — valid until the registry changes or the connection
 * is freed. */
PGW_API const pgw_type_info *pgw_conn_type_info(const pgw_conn *c, uint32_t oid);

/** Add (or replace) a type in the registry; strings and arrays are copied.
 * @return PGW_OK; PGW_E_INVALID (oid 0, attributes without types);
 *         PGW_E_NOMEM. */
PGW_API pgw_status pgw_conn_register_type(pgw_conn *c, const pgw_type_info *ti);

/* ---- materialised results -------------------------------------------- */

PGW_API size_t pgw_result_nrows(const pgw_result *r);
PGW_API uint16_t pgw_result_ncols(const pgw_result *r);
/** Ownership of every returned pointer: borrowed — valid until pgw_result_free. */
PGW_API const char *pgw_result_column_name(const pgw_result *r, uint16_t col);
PGW_API uint32_t pgw_result_column_type(const pgw_result *r, uint16_t col);
PGW_API int pgw_result_column_index(const pgw_result *r, const char *name);
/** The command tag, as pgw_cursor_command_tag(). */
PGW_API const char *pgw_result_command_tag(const pgw_result *r);
/** As pgw_cursor_rows_affected(). */
PGW_API pgw_status pgw_result_rows_affected(const pgw_result *r, uint64_t *rows);
/** Field access. @return PGW_OK; PGW_E_INVALID (row or column out of range). */
PGW_API pgw_status pgw_result_value(const pgw_result *r, size_t row, uint16_t col,
                                    pgw_value *out);
PGW_API bool pgw_result_is_null(const pgw_result *r, size_t row, uint16_t col);
/** NUL-terminated text of a field (binary values rendered as in
 * pgw_cursor_text()), NULL for SQL NULL, out of range, or a binary value
 * the client cannot render. */
PGW_API const char *pgw_result_text(const pgw_result *r, size_t row, uint16_t col);
/** Conversions, as the cursor's (plus PGW_E_INVALID for a bad position). */
PGW_API pgw_status pgw_result_int32(const pgw_result *r, size_t row, uint16_t col, int32_t *out);
PGW_API pgw_status pgw_result_int64(const pgw_result *r, size_t row, uint16_t col, int64_t *out);
PGW_API pgw_status pgw_result_double(const pgw_result *r, size_t row, uint16_t col, double *out);
PGW_API pgw_status pgw_result_bool(const pgw_result *r, size_t row, uint16_t col, bool *out);
/** NULL-safe. */
PGW_API void pgw_result_free(pgw_result *r);

PGW_END_DECLS

#endif
