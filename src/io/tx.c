/* Transactions: BEGIN/COMMIT/ROLLBACK, savepoints and the retry helper,
 * as blocking calls over the public engine API. The one subtle part is
 * COMMIT: once its bytes may have reached the server, a lost connection
 * means "outcome unknown", never failure. */
#include <stdio.h>

#include "io/io_int.h"
#include "pgwire/buf.h"
#include "pgwire/escape.h"
#include "pgwire/tx.h"

/* pgwire's own SQLSTATE for COMMIT of a failed transaction, as pgjdbc
 * reports it: in_failed_sql_transaction. */
#define SQLSTATE_FAILED_TX "25P02"

void pgw_tx_options_init(pgw_tx_options *opt)
{
    if (opt == NULL)
        return;
    memset(opt, 0, sizeof *opt);
    opt->size = sizeof *opt;
}

static const char *isolation_sql(pgw_isolation i)
{
    switch (i) {
    case PGW_ISOLATION_DEFAULT:
        return "";
    case PGW_ISOLATION_READ_COMMITTED:
        return " ISOLATION LEVEL READ COMMITTED";
    case PGW_ISOLATION_REPEATABLE_READ:
        return " ISOLATION LEVEL REPEATABLE READ";
    case PGW_ISOLATION_SERIALIZABLE:
        return " ISOLATION LEVEL SERIALIZABLE";
    }
    return NULL;
}

static const char *access_sql(pgw_access_mode m)
{
    switch (m) {
    case PGW_ACCESS_DEFAULT:
        return "";
    case PGW_ACCESS_READ_ONLY:
        return " READ ONLY";
    case PGW_ACCESS_READ_WRITE:
        return " READ WRITE";
    }
    return NULL;
}

pgw_status pgw_begin(pgw_conn *c, const pgw_tx_options *opt)
{
    if (c == NULL)
        return PGW_E_INVALID;
    pgw_tx_options o;
    pgw_tx_options_init(&o);
    if (opt != NULL)
        memcpy(&o, opt, opt->size != 0 && opt->size < sizeof o ? opt->size : sizeof o);
    const char *iso = isolation_sql(o.isolation);
    const char *acc = access_sql(o.access);
    if (iso == NULL || acc == NULL)
        return pgwi_conn_refuse(c, PGW_E_INVALID, "invalid transaction options");
    pgw_tx_status tx = pgw_conn_tx_status(c);
    /* The server would only warn and ignore the new modes. */
    if (tx == PGW_TX_IN_BLOCK || tx == PGW_TX_IN_ERROR)
        return pgwi_conn_refuse(c, PGW_E_STATE, "a transaction is already in progress");
    char sql[128];
    snprintf(sql, sizeof sql, "BEGIN%s%s%s%s%s", iso, iso[0] && acc[0] ? "," : "", acc,
             (iso[0] || acc[0]) && o.deferrable ? "," : "", o.deferrable ? " DEFERRABLE" : "");
    return pgw_exec(c, sql, NULL);
}

/* Record COMMIT of a failed transaction as a client-side error that
 * carries a SQLSTATE, so retry logic keyed on SQLSTATE sees one. */
static pgw_status failed_tx_error(pgw_conn *c)
{
    /* Lost before ReadyForQuery: keep the sticky error of the loss. */
    if (c->state == PGW_CONN_BROKEN)
        return PGW_E_SERVER;
    pgwi_conn_fail(c, PGW_E_SERVER, "transaction was rolled back: COMMIT of a failed transaction");
    memcpy(c->err.sqlstate, SQLSTATE_FAILED_TX, sizeof c->err.sqlstate);
    return PGW_E_SERVER;
}

static bool fatal_error(const pgw_conn *c)
{
    const char *sev = pgw_conn_error(c)->severity_nonlocalized;
    if (sev == NULL)
        sev = pgw_conn_error(c)->severity;
    return sev != NULL && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0);
}

pgw_status pgw_commit_ex(pgw_conn *c, pgw_commit_outcome *outcome)
{
    pgw_commit_outcome ignored;
    if (outcome == NULL)
        outcome = &ignored;
    *outcome = PGW_COMMIT_NOT_SENT;
    if (c == NULL)
        return PGW_E_INVALID;
    /* Without a transport the queued bytes would never leave: that must
     * not look like a COMMIT lost in flight. */
    if (c->io == NULL)
        return pgwi_conn_refuse(c, PGW_E_STATE, "connection has no transport");
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query_send(c, "COMMIT", &cur);
    if (rc != PGW_OK)
        return rc;
    /* From here on the server may have the COMMIT: any loss of the
     * connection before its answer leaves the outcome unknown. */
    *outcome = PGW_COMMIT_UNKNOWN;
    rc = pgw_cursor_next_result(cur);
    if (rc == PGW_OK) {
        while ((rc = pgw_cursor_next(cur)) == PGW_OK)
            ;
    }
    if (rc == PGW_END) {
        const char *tag = pgw_cursor_command_tag(cur);
        bool committed = tag != NULL && strcmp(tag, "COMMIT") == 0;
        bool rolled_back = tag != NULL && strcmp(tag, "ROLLBACK") == 0;
        if (!committed && !rolled_back) {
            pgw_cursor_free(cur);
            return pgwi_conn_break(c, PGW_E_PROTOCOL, "unexpected command tag \"%s\" for COMMIT",
                                   tag != NULL ? tag : "");
        }
        /* The answer is in: a connection lost before ReadyForQuery no
         * longer changes what happened, the next call will report it. */
        *outcome = committed ? PGW_COMMIT_COMMITTED : PGW_COMMIT_ROLLED_BACK;
        pgw_cursor_close(cur);
        return committed ? PGW_OK : failed_tx_error(c);
    }
    if (rc == PGW_E_SERVER && !fatal_error(c)) {
        /* An ERROR answers the COMMIT itself: the transaction is over,
         * rolled back. Read on to ReadyForQuery; the error stays. */
        *outcome = PGW_COMMIT_ROLLED_BACK;
        while (pgw_cursor_next_result(cur) == PGW_E_SERVER)
            ;
        pgw_cursor_free(cur);
        return PGW_E_SERVER;
    }
    /* FATAL, end of stream, I/O failure, timeout: unknown. */
    pgw_cursor_free(cur);
    return rc < 0 ? rc : PGW_E_PROTOCOL;
}

pgw_status pgw_commit(pgw_conn *c)
{
    return pgw_commit_ex(c, NULL);
}

pgw_status pgw_rollback(pgw_conn *c)
{
    if (c == NULL)
        return PGW_E_INVALID;
    return pgw_exec(c, "ROLLBACK", NULL);
}

/* Run `prefix` followed by `name` quoted as an identifier. */
static pgw_status savepoint_cmd(pgw_conn *c, const char *prefix, const char *name)
{
    if (c == NULL)
        return PGW_E_INVALID;
    if (name == NULL || name[0] == '\0')
        return pgwi_conn_refuse(c, PGW_E_INVALID, "savepoint name is empty");
    pgw_escape_ctx ctx;
    pgw_escape_ctx_init(&ctx);
    const char *enc = pgw_conn_parameter(c, "client_encoding");
    if (enc != NULL && pgw_encoding_from_name(enc, &ctx.encoding) != PGW_OK)
        return pgwi_conn_refuse(c, PGW_E_UNSUPPORTED, "unknown client_encoding \"%s\"", enc);
    pgw_buf b;
    pgw_buf_init(&b, c->a, 0);
    pgw_buf_append(&b, prefix, strlen(prefix));
    pgw_status rc = pgw_escape_identifier(&b, name, strlen(name), &ctx);
    if (rc == PGW_OK)
        rc = pgw_buf_put_u8(&b, 0);
    if (rc == PGW_OK)
        rc = pgw_buf_status(&b);
    if (rc != PGW_OK) {
        pgw_buf_free(&b);
        return pgwi_conn_refuse(c, rc == PGW_E_NOMEM ? rc : PGW_E_INVALID,
                                "invalid savepoint name");
    }
    rc = pgw_exec(c, (const char *)b.data, NULL);
    pgw_buf_free(&b);
    return rc;
}

pgw_status pgw_savepoint(pgw_conn *c, const char *name)
{
    return savepoint_cmd(c, "SAVEPOINT ", name);
}

pgw_status pgw_release_savepoint(pgw_conn *c, const char *name)
{
    return savepoint_cmd(c, "RELEASE SAVEPOINT ", name);
}

pgw_status pgw_rollback_to_savepoint(pgw_conn *c, const char *name)
{
    return savepoint_cmd(c, "ROLLBACK TO SAVEPOINT ", name);
}

bool pgw_sqlstate_is_retryable(const char *sqlstate)
{
    return sqlstate != NULL && (strcmp(sqlstate, "40001") == 0 || strcmp(sqlstate, "40P01") == 0);
}

/* An error kept across the ROLLBACK that would otherwise clear it. */
typedef struct saved_error {
    pgw_status status;
    char sqlstate[6];
    char message[1024];
} saved_error;

static void save_error(const pgw_conn *c, saved_error *s)
{
    const pgw_error *e = pgw_conn_error(c);
    s->status = e->status;
    memcpy(s->sqlstate, e->sqlstate, sizeof s->sqlstate);
    s->sqlstate[5] = '\0';
    snprintf(s->message, sizeof s->message, "%s", e->message != NULL ? e->message : "");
}

static void restore_error(pgw_conn *c, const saved_error *s)
{
    /* Only a server error: restoring a sticky status would break c. */
    if (s->status != PGW_E_SERVER)
        return;
    pgwi_conn_fail(c, PGW_E_SERVER, "%s", s->message);
    memcpy(c->err.sqlstate, s->sqlstate, sizeof c->err.sqlstate);
    /* It was an ERROR: a FATAL one would have left nothing to roll back. */
    c->err.severity = c->err.severity_nonlocalized = "ERROR";
}

static bool usable(const pgw_conn *c)
{
    pgw_conn_state st = pgw_conn_get_state(c);
    return st == PGW_CONN_IDLE || st == PGW_CONN_BUSY;
}

pgw_status pgw_run_in_tx(pgw_conn *c, const pgw_tx_options *opt, pgw_tx_fn fn, void *ud,
                         int max_attempts, pgw_tx_report *report)
{
    pgw_tx_report ignored;
    if (report == NULL)
        report = &ignored;
    report->attempts = 0;
    report->outcome = PGW_COMMIT_NOT_SENT;
    if (c == NULL)
        return PGW_E_INVALID;
    if (fn == NULL || max_attempts < 1)
        return pgwi_conn_refuse(c, PGW_E_INVALID, "invalid arguments to pgw_run_in_tx");
    pgw_status rc = PGW_E_INVALID;
    while (report->attempts < max_attempts) {
        report->outcome = PGW_COMMIT_NOT_SENT;
        rc = pgw_begin(c, opt);
        if (rc != PGW_OK)
            return rc;
        report->attempts++;
        rc = fn(c, ud);
        if (rc == PGW_OK) {
            rc = pgw_commit_ex(c, &report->outcome);
            if (rc == PGW_OK || report->outcome != PGW_COMMIT_ROLLED_BACK)
                return rc;
            /* Refused at COMMIT (SSI often fails there): already over. */
            if (!pgw_sqlstate_is_retryable(pgw_conn_error(c)->sqlstate))
                return rc;
            continue;
        }
        /* fn failed: roll back, keeping its error for the caller. */
        if (!usable(c))
            return rc;
        bool retry = rc == PGW_E_SERVER && pgw_sqlstate_is_retryable(pgw_conn_error(c)->sqlstate);
        saved_error saved;
        save_error(c, &saved);
        if (pgw_conn_tx_status(c) != PGW_TX_IDLE) {
            pgw_status rb = pgw_rollback(c);
            if (rb != PGW_OK)
                return rb;
        }
        report->outcome = PGW_COMMIT_ROLLED_BACK;
        restore_error(c, &saved);
        if (!retry)
            return rc;
    }
    return rc;
}
