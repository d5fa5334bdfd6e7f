/* pgwire — transactions: BEGIN with its modes, COMMIT with a precise
 * outcome, ROLLBACK, savepoints and a retry helper (implemented in src/io,
 * blocking, on top of pgw_exec()).
 *
 * The transaction status from the last ReadyForQuery is always available
 * from pgw_conn_tx_status() (pgwire/conn.h): PGW_TX_IDLE, PGW_TX_IN_BLOCK,
 * or PGW_TX_IN_ERROR after an error inside a transaction, until it is
 * rolled back.
 *
 * COMMIT has four outcomes, and pgw_commit_ex() tells them apart: the
 * server committed; the server refused (a deferred constraint, a
 * serialization failure: nothing was committed); the transaction had
 * already failed (the server answers COMMIT of a failed transaction with
 * ROLLBACK); or the connection was lost after COMMIT was handed to the
 * server and before its answer arrived — the transaction may or may not
 * have committed, and only the application can find out (e.g. by looking
 * for a row it wrote). That last case is never reported as success or as
 * a plain failure.
 *
 * Threads: as the connection (one thread at a time per connection). */
#ifndef PGWIRE_PGWIRE_TX_H
#define PGWIRE_PGWIRE_TX_H

#include <stdbool.h>
#include <stddef.h>

#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** Isolation level for pgw_begin(). Append-only. */
typedef enum pgw_isolation {
    PGW_ISOLATION_DEFAULT = 0,         /**< the session's default_transaction_isolation */
    PGW_ISOLATION_READ_COMMITTED = 1,  /**< ISOLATION LEVEL READ COMMITTED */
    PGW_ISOLATION_REPEATABLE_READ = 2, /**< ISOLATION LEVEL REPEATABLE READ */
    PGW_ISOLATION_SERIALIZABLE = 3     /**< ISOLATION LEVEL SERIALIZABLE */
} pgw_isolation;

/** Access mode for pgw_begin(). Append-only. */
typedef enum pgw_access_mode {
    PGW_ACCESS_DEFAULT = 0,   /**< the session's default_transaction_read_only */
    PGW_ACCESS_READ_ONLY = 1, /**< READ ONLY: writes fail with SQLSTATE 25006 */
    PGW_ACCESS_READ_WRITE = 2 /**< READ WRITE */
} pgw_access_mode;

/** Options for pgw_begin(). Initialise with pgw_tx_options_init(); a NULL
 * pointer means all defaults (a plain BEGIN). */
typedef struct pgw_tx_options {
    size_t size;             /**< sizeof(pgw_tx_options), set by _init */
    pgw_isolation isolation; /**< default PGW_ISOLATION_DEFAULT */
    pgw_access_mode access;  /**< default PGW_ACCESS_DEFAULT */
    bool deferrable;         /**< DEFERRABLE (matters only for SERIALIZABLE READ ONLY:
                                  waits for a snapshot that cannot fail); default false */
} pgw_tx_options;

/** What became of a COMMIT. Append-only. */
typedef enum pgw_commit_outcome {
    PGW_COMMIT_NOT_SENT = 0,    /**< COMMIT was not sent (bad state, broken connection):
                                     this call changed nothing */
    PGW_COMMIT_COMMITTED = 1,   /**< the server answered COMMIT */
    PGW_COMMIT_ROLLED_BACK = 2, /**< nothing was committed: the server refused (an error,
                                     e.g. 40001 or a deferred 23505) or the transaction
                                     had already failed (the server answered ROLLBACK) */
    PGW_COMMIT_UNKNOWN = 3      /**< the connection was lost after COMMIT was handed to the
                                     server and before its answer: it may have committed */
} pgw_commit_outcome;

/** The work of one attempt of pgw_run_in_tx(), run inside the transaction.
 * Return PGW_OK to commit, anything else to roll back (a PGW_E_SERVER from
 * a statement, with pgw_conn_error() still describing it, may be retried).
 * It must leave no cursor open and must not end the transaction itself. */
typedef pgw_status (*pgw_tx_fn)(pgw_conn *c, void *ud);

/** What pgw_run_in_tx() did. */
typedef struct pgw_tx_report {
    int attempts;               /**< transactions begun (1 = no retry) */
    pgw_commit_outcome outcome; /**< of the last attempt; PGW_COMMIT_NOT_SENT when
                                     it never reached COMMIT */
} pgw_tx_report;

PGW_BEGIN_DECLS

/** Fill `opt` with defaults (a plain BEGIN). */
PGW_API void pgw_tx_options_init(pgw_tx_options *opt);

/** Start a transaction: BEGIN with the isolation level, access mode and
 * DEFERRABLE from opt (NULL = plain BEGIN). opt->size is honoured as in
 * pgw_conn_options.
 * Unlike the server, which only warns, a BEGIN inside a transaction is
 * refused: its modes would be silently ignored.
 * @return PGW_OK; PGW_E_INVALID (c NULL, an enum value out of range);
 *         PGW_E_STATE (already in a transaction — PGW_TX_IN_BLOCK or
 *         PGW_TX_IN_ERROR — or a query is in progress, or no transport);
 *         PGW_E_SERVER (the server refused the BEGIN); the errors of
 *         pgw_exec() (PGW_E_CLOSED, PGW_E_IO, PGW_E_TIMEOUT,
 *         PGW_E_NOMEM, ...). */
PGW_API pgw_status pgw_begin(pgw_conn *c, const pgw_tx_options *opt);

/** Commit the current transaction and say what became of it.
 * Outside a transaction the server only warns (25P01, to the notice
 * callback) and this returns PGW_OK with PGW_COMMIT_COMMITTED, as libpq.
 * @param outcome  receives the outcome (may be NULL); always written
 * @return PGW_OK (PGW_COMMIT_COMMITTED);
 *         PGW_E_SERVER with PGW_COMMIT_ROLLED_BACK: the server refused —
 *         pgw_conn_error() has its SQLSTATE (40001, 23505 for a deferred
 *         constraint, ...) — or the transaction had already failed: the
 *         server answered ROLLBACK, and pgw_conn_error() then holds a
 *         client-side error "transaction was rolled back: COMMIT of a
 *         failed transaction" with SQLSTATE 25P02 set by pgwire (the
 *         server's error that failed the transaction was reported earlier);
 *         PGW_E_CLOSED, PGW_E_IO, PGW_E_TIMEOUT, PGW_E_PROTOCOL (or
 *         PGW_E_SERVER for a FATAL error that closed the connection) with
 *         PGW_COMMIT_UNKNOWN: the connection is broken and the outcome is
 *         unknown;
 *         PGW_E_STATE, PGW_E_CLOSED, ... with PGW_COMMIT_NOT_SENT: COMMIT
 *         could not be sent (a query in progress, a connection already
 *         broken or closed, no transport); PGW_E_INVALID (c NULL). */
PGW_API pgw_status pgw_commit_ex(pgw_conn *c, pgw_commit_outcome *outcome);

/** pgw_commit_ex() without the outcome: PGW_OK only when the server
 * committed. Callers that must tell "refused" from "unknown" use
 * pgw_commit_ex(). @return as pgw_commit_ex(). */
PGW_API pgw_status pgw_commit(pgw_conn *c);

/** Roll back the current transaction (also a failed one). Outside a
 * transaction the server only warns (25P01) and this returns PGW_OK.
 * @return PGW_OK; PGW_E_INVALID; the errors of pgw_exec(). */
PGW_API pgw_status pgw_rollback(pgw_conn *c);

/** SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT. The name is sent
 * as a quoted identifier (exact case; any characters valid in the session's
 * client_encoding), so it is never interpreted as SQL.
 * ROLLBACK TO SAVEPOINT is how a failed transaction (PGW_TX_IN_ERROR)
 * becomes usable again without losing the work before the savepoint.
 * @return PGW_OK; PGW_E_INVALID (c or name NULL, name empty, not valid in
 *         the client encoding, or holding a NUL); PGW_E_SERVER (25P01 outside
 *         a transaction block, 3B001 for an unknown savepoint, 25P02 for
 *         SAVEPOINT in a failed transaction); the errors of pgw_exec(). */
PGW_API pgw_status pgw_savepoint(pgw_conn *c, const char *name);
PGW_API pgw_status pgw_release_savepoint(pgw_conn *c, const char *name);
PGW_API pgw_status pgw_rollback_to_savepoint(pgw_conn *c, const char *name);

/** Whether a SQLSTATE is one a whole transaction may be retried on:
 * 40001 (serialization_failure) and 40P01 (deadlock_detected). NULL-safe. */
PGW_API bool pgw_sqlstate_is_retryable(const char *sqlstate);

/** Run fn inside a transaction begun with opt, commit, and retry the whole
 * transaction (a fresh BEGIN each time) when it fails with SQLSTATE 40001
 * or 40P01 — from a statement in fn or from COMMIT — up to max_attempts
 * transactions in all. It never retries another error, and never when the
 * outcome of COMMIT is unknown. When fn fails the transaction is rolled
 * back, and pgw_conn_error() is set back to fn's error (its SQLSTATE and
 * message; the other fields are lost with the ROLLBACK).
 * Must be called outside a transaction.
 * @param report  receives the attempts made and the last outcome (may be NULL)
 * @return PGW_OK: committed; fn's status when it failed with anything but
 *         a retryable PGW_E_SERVER; PGW_E_SERVER with 40001/40P01 when
 *         every attempt failed that way; the statuses of pgw_begin() and
 *         pgw_commit_ex() (report->outcome tells PGW_COMMIT_UNKNOWN);
 *         PGW_E_INVALID (c or fn NULL, max_attempts < 1). */
PGW_API pgw_status pgw_run_in_tx(pgw_conn *c, const pgw_tx_options *opt, pgw_tx_fn fn,
                                 void *ud, int max_attempts, pgw_tx_report *report);

PGW_END_DECLS

#endif
