/* pgwire — the extended query protocol: parameters, one-shot parameterised
 * queries, prepared statements and the automatic statement cache.
 *
 * Parameters travel separately from the SQL text (Parse/Bind), never
 * interpolated by the library. Every operation ends with Sync, so an error
 * at Parse, Bind or Execute leaves the connection usable; the cursor tells
 * which step failed (pgw_cursor_failed_step()).
 *
 * Result formats. PGW_FORMAT_AUTO (the default) asks for binary results for
 * the types whose binary form is cheaper to decode than their text and
 * exact to render (bool, int2/4/8, oid, float4/8, date, time, timestamp,
 * timestamptz, interval, uuid, bytea) and text for everything else (text
 * types are the same bytes either way; numeric's text is its exact decimal
 * string; unknown and extension types stay readable). AUTO needs the column
 * types before Bind, which a prepared or cached statement has; a one-shot
 * unnamed query (statement cache off) cannot know them and asks for text.
 * The conversions (pgw_cursor_int64(), ...) and pgw_cursor_text() work on
 * either format, so the choice changes speed, not results.
 *
 * These are the non-blocking forms on the engine (PGW_WANT_READ /
 * PGW_WANT_WRITE: move bytes and call again); the blocking forms are in
 * pgwire/client.h. */
#ifndef PGWIRE_PGWIRE_STMT_H
#define PGWIRE_PGWIRE_STMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/alloc.h"
#include "pgwire/conn.h"
#include "pgwire/cursor.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** Result / parameter format codes. */
#define PGW_FORMAT_TEXT 0
#define PGW_FORMAT_BINARY 1
/** Result formats only: binary for the fast types, text for the rest
 * (needs the column types: prepared and cached statements). */
#define PGW_FORMAT_AUTO (-1)

/** Most parameters one statement may have (the protocol's int16 count). */
#define PGW_MAX_PARAMS 65535u

/** One parameter value. */
typedef struct pgw_param {
    uint32_t type;    /**< type OID; 0 = let the server infer it from the SQL */
    int16_t format;   /**< PGW_FORMAT_TEXT or PGW_FORMAT_BINARY */
    const void *data; /**< the value's bytes (text: no NUL needed); NULL = SQL NULL */
    size_t len;       /**< bytes at data (at most INT32_MAX) */
} pgw_param;

/** Which message of an extended-protocol exchange the server refused. */
typedef enum pgw_step {
    PGW_STEP_NONE = 0,     /**< no error, or a simple query */
    PGW_STEP_PARSE = 1,    /**< the SQL (syntax, unknown table, parameter types) */
    PGW_STEP_DESCRIBE = 2, /**< describing the statement or portal */
    PGW_STEP_BIND = 3,     /**< the parameters (count, format, a value the type rejects) */
    PGW_STEP_EXECUTE = 4,  /**< running the statement */
    PGW_STEP_CLOSE = 5,    /**< deallocating */
    PGW_STEP_SYNC = 6      /**< after the last step (e.g. a deferred constraint at commit) */
} pgw_step;

/** A prepared statement (server-side, named). Opaque. */
typedef struct pgw_stmt pgw_stmt;

/** Parameters built from C values: an owned, growable list whose values are
 * encoded by the type codecs (binary format, type OIDs set). Opaque. */
typedef struct pgw_params pgw_params;

PGW_BEGIN_DECLS

/* ---- building parameters --------------------------------------------- */

/** New, empty parameter list. @param allocator NULL = libc; must outlive it.
 * @return PGW_OK; PGW_E_NOMEM.
 * Ownership: caller owns *out; release with pgw_params_free(). */
PGW_API pgw_status pgw_params_new(const pgw_allocator *allocator, pgw_params **out);
/** NULL-safe. */
PGW_API void pgw_params_free(pgw_params *p);
/** Remove every parameter (keeps the memory) and clear a sticky failure. */
PGW_API void pgw_params_clear(pgw_params *p);
/** Number of parameters added. */
PGW_API size_t pgw_params_count(const pgw_params *p);
/** The list as pgw_param values, for the query functions.
 * @return NULL when a previous add failed (see pgw_params_status()).
 * Ownership: borrowed — valid until the next call on p. */
PGW_API const pgw_param *pgw_params_array(pgw_params *p);
/** PGW_OK, or the first failure of an add (sticky, like pgw_buf):
 * PGW_E_NOMEM; PGW_E_TOO_LARGE (more than PGW_MAX_PARAMS, or a value over
 * INT32_MAX bytes); PGW_E_INVALID (a NULL pointer with a length). */
PGW_API pgw_status pgw_params_status(const pgw_params *p);

/** Add one parameter. Each returns the list's status after the add.
 * `type` 0 lets the server infer the type (text values only). Text is
 * copied; no NUL inside a text value (PGW_E_INVALID). */
PGW_API pgw_status pgw_params_add_null(pgw_params *p, uint32_t type);
PGW_API pgw_status pgw_params_add_text(pgw_params *p, uint32_t type, const char *s, size_t len);
/** A NUL-terminated string as text with the type inferred. */
PGW_API pgw_status pgw_params_add_str(pgw_params *p, const char *s);
/** Raw binary bytes for a type whose binary form the caller encoded. */
PGW_API pgw_status pgw_params_add_binary(pgw_params *p, uint32_t type, const void *data,
                                         size_t len);
PGW_API pgw_status pgw_params_add_bool(pgw_params *p, bool v);
PGW_API pgw_status pgw_params_add_int2(pgw_params *p, int16_t v);
PGW_API pgw_status pgw_params_add_int4(pgw_params *p, int32_t v);
PGW_API pgw_status pgw_params_add_int8(pgw_params *p, int64_t v);
PGW_API pgw_status pgw_params_add_float4(pgw_params *p, float v);
PGW_API pgw_status pgw_params_add_float8(pgw_params *p, double v);
PGW_API pgw_status pgw_params_add_bytea(pgw_params *p, const void *data, size_t len);
/** timestamptz / timestamp from microseconds since 1970-01-01 00:00 UTC
 * (PGW_TIMESTAMP_INFINITY / _NEG_INFINITY for the infinities). */
PGW_API pgw_status pgw_params_add_timestamptz(pgw_params *p, int64_t usec_since_unix_epoch);
PGW_API pgw_status pgw_params_add_timestamp(pgw_params *p, int64_t usec_since_unix_epoch);
/** date from days since 1970-01-01 (PGW_DATE_INFINITY / _NEG_INFINITY). */
PGW_API pgw_status pgw_params_add_date(pgw_params *p, int32_t days_since_unix_epoch);
/** uuid from its 16 bytes. */
PGW_API pgw_status pgw_params_add_uuid(pgw_params *p, const uint8_t bytes[16]);
/** jsonb from JSON text (sent in jsonb's binary format, version 1). */
PGW_API pgw_status pgw_params_add_jsonb(pgw_params *p, const char *json, size_t len);

/* ---- one-shot parameterised queries ---------------------------------- */

/** Queue a parameterised query and return its cursor (one result).
 * With the statement cache on (the default; pgw_conn_options
 * .statement_cache_size), the statement is prepared once under a generated
 * name and reused for the same SQL text and parameter types: a miss costs
 * one extra round trip (Parse + Describe), a hit sends only Bind + Execute.
 * A cached plan the server invalidated (SQLSTATE 0A000 "cached plan must
 * not change result type", or 26000 after DEALLOCATE / DISCARD) is
 * re-prepared and the query retried transparently when no transaction is
 * open; inside a transaction the error is reported (the transaction has
 * failed) and the entry is replaced on the next use. With the cache off the
 * query is one unnamed Parse/Bind/Describe/Execute/Sync round trip.
 * @param params   nparams values (may be NULL when nparams is 0)
 * @param result_formats  0 entries = the connection's default
 *                 (PGW_FORMAT_AUTO), 1 entry = for every column, or one
 *                 per column (PGW_FORMAT_TEXT / _BINARY / _AUTO)
 * @return PGW_OK; PGW_E_INVALID (sql NULL or with a NUL, a bad format code,
 *         a parameter NULL pointer with a length); PGW_E_TOO_LARGE (more
 *         than PGW_MAX_PARAMS parameters, a value over INT32_MAX bytes or a
 *         message over the int32 limit: refused before anything is
 *         written); PGW_E_STATE / PGW_E_CLOSED / sticky errors as
 *         pgw_query_send(); PGW_E_NOMEM.
 * Ownership: params are copied; caller owns *out (pgw_cursor_free()). */
PGW_API pgw_status pgw_query_params_send(pgw_conn *c, const char *sql, const pgw_param *params,
                                         size_t nparams, const int16_t *result_formats,
                                         size_t n_result_formats, pgw_cursor **out);

/** Which step of the cursor's exchange the server refused (after
 * PGW_E_SERVER); PGW_STEP_NONE otherwise. */
PGW_API pgw_step pgw_cursor_failed_step(const pgw_cursor *cur);

/** Name of a step ("Parse", "Bind", ...). Ownership: static. */
PGW_API const char *pgw_step_name(pgw_step step);

/* ---- prepared statements --------------------------------------------- */

/** Queue Parse + Describe(statement) + Sync for a named statement.
 * @param name   the server-side name; NULL or "" = a generated unique name
 *               ("pgw_p1", ...). Names starting with "pgw_s" are reserved
 *               for the statement cache.
 * @param param_types  n_types OIDs (0 = inferred); may be NULL when 0
 * @return as pgw_query_params_send().
 * Ownership: caller owns *out; release with pgw_stmt_free(). Drive it with
 * pgw_stmt_recv() until PGW_OK. */
PGW_API pgw_status pgw_prepare_send(pgw_conn *c, const char *name, const char *sql,
                                    const uint32_t *param_types, size_t n_types,
                                    pgw_stmt **out);

/** Drive a prepare until the statement is described.
 * @return PGW_OK: ready (parameter and column descriptions available);
 *         PGW_WANT_READ / PGW_WANT_WRITE; PGW_E_SERVER: the server refused
 *         it (pgw_stmt_failed_step(), pgw_conn_error()); the statement is
 *         unusable, the connection idle; connection-level errors. */
PGW_API pgw_status pgw_stmt_recv(pgw_stmt *st);

/** The step the server refused while preparing or closing. */
PGW_API pgw_step pgw_stmt_failed_step(const pgw_stmt *st);
/** Whether the statement is prepared and described. */
PGW_API bool pgw_stmt_ready(const pgw_stmt *st);
/** The server-side name. Ownership: borrowed — valid until pgw_stmt_free(). */
PGW_API const char *pgw_stmt_name(const pgw_stmt *st);
/** Parameters the statement takes, and their types (0 when out of range). */
PGW_API size_t pgw_stmt_nparams(const pgw_stmt *st);
PGW_API uint32_t pgw_stmt_param_type(const pgw_stmt *st, size_t i);
/** Result columns (0 for a statement that returns no rows). */
PGW_API uint16_t pgw_stmt_ncols(const pgw_stmt *st);
/** Ownership: borrowed — valid until pgw_stmt_free(). NULL when out of range. */
PGW_API const char *pgw_stmt_column_name(const pgw_stmt *st, uint16_t col);
PGW_API uint32_t pgw_stmt_column_type(const pgw_stmt *st, uint16_t col);

/** Queue Bind + Execute + Sync of a ready statement.
 * @return PGW_OK; PGW_E_STATE (not ready, another operation in progress);
 *         other errors as pgw_query_params_send(). The parameter count is
 *         checked by the server (an error at Bind).
 * Ownership: caller owns *out (pgw_cursor_free()). */
PGW_API pgw_status pgw_stmt_execute_send(pgw_stmt *st, const pgw_param *params, size_t nparams,
                                         const int16_t *result_formats, size_t n_result_formats,
                                         pgw_cursor **out);

/** Queue Close(statement) + Sync; drive with pgw_stmt_recv() until PGW_OK
 * (closed; the statement is no longer ready) or an error.
 * @return PGW_OK; PGW_E_STATE; connection-level errors. */
PGW_API pgw_status pgw_stmt_close_send(pgw_stmt *st);

/** Release the handle. A statement still prepared on the server stays
 * there until the session ends or DEALLOCATE (close it first with
 * pgw_stmt_close_send() / pgw_stmt_deallocate() to free server memory).
 * NULL-safe. */
PGW_API void pgw_stmt_free(pgw_stmt *st);

/* ---- the statement cache ----------------------------------------------- */

/** Statement-cache counters. */
typedef struct pgw_stmt_cache_stats {
    uint64_t hits;          /**< executions that reused a prepared statement */
    uint64_t misses;        /**< statements prepared for the cache */
    uint64_t evictions;     /**< entries dropped for space (closed on the server) */
    uint64_t invalidations; /**< entries dropped after 0A000 / 26000 / DISCARD ALL /
                                 DEALLOCATE ALL */
    size_t size;            /**< entries now */
    size_t capacity;        /**< 0 when the cache is off */
} pgw_stmt_cache_stats;

PGW_API void pgw_conn_stmt_cache_stats(const pgw_conn *c, pgw_stmt_cache_stats *out);

/** Forget every cached statement; those prepared on the server are closed
 * with the next extended-protocol exchange (parameterised query, prepare,
 * execute). The one an exchange in progress uses is kept until
 * the next clear. */
PGW_API void pgw_conn_stmt_cache_clear(pgw_conn *c);

/** The default result format of pgw_query_params_send() and
 * pgw_stmt_execute_send() when the caller passes none: PGW_FORMAT_AUTO
 * (initially), PGW_FORMAT_TEXT or PGW_FORMAT_BINARY.
 * @return PGW_OK; PGW_E_INVALID. */
PGW_API pgw_status pgw_conn_set_result_format(pgw_conn *c, int format);

PGW_END_DECLS

#endif
