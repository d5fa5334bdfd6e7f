/* Transactions against the real server: BEGIN modes, COMMIT outcomes,
 * savepoints, failed transactions, and retries of real serialization
 * failures and deadlocks between two connections (driven from one thread:
 * one side's statement is sent with the engine API and read later). */
#include <stdint.h>
#include <time.h>

#include "pgtest.h"
#include "pgwire/tx.h"

/* Shared tables need a role that may create them (public is not
 * writable by ordinary roles since PostgreSQL 15). */
static pgw_conn *super_connect(void)
{
    char ci[1024];
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, NULL);
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_str(&c, ci);
    if (rc != PGW_OK) {
        fprintf(stderr, "# connect failed: %s\n", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        fail_msg("pgw_connect: %s", pgw_status_name(rc));
    }
    return c;
}

static void exec_ok(pgw_conn *c, const char *sql)
{
    pgw_status rc = pgw_exec(c, sql, NULL);
    if (rc != PGW_OK)
        fail_msg("%s: %s (%s)", sql, pgw_conn_errmsg(c), pgw_status_name(rc));
}

static int64_t scalar(pgw_conn *c, const char *sql)
{
    pgw_result *r = NULL;
    pgw_status rc = pgw_query_result(c, sql, &r);
    if (rc != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(c));
    int64_t v = -1;
    assert_int_equal(pgw_result_int64(r, 0, 0, &v), PGW_OK);
    pgw_result_free(r);
    return v;
}

static void text_equal(pgw_conn *c, const char *sql, const char *want)
{
    pgw_result *r = NULL;
    pgw_status rc = pgw_query_result(c, sql, &r);
    if (rc != PGW_OK)
        fail_msg("%s: %s", sql, pgw_conn_errmsg(c));
    assert_non_null(pgw_result_text(r, 0, 0));
    assert_string_equal(pgw_result_text(r, 0, 0), want);
    pgw_result_free(r);
}

static void assert_sqlstate(const pgw_conn *c, const char *want)
{
    assert_string_equal(pgw_conn_error(c)->sqlstate, want);
}

/* ---- begin / commit / rollback ------------------------------------------ */

static void test_tx_commit_makes_rows_visible_to_others(void **s)
{
    (void)s;
    pgw_conn *a = super_connect(), *b = super_connect();
    exec_ok(a, "DROP TABLE IF EXISTS pgw_tx_vis; CREATE TABLE pgw_tx_vis (id int)");
    assert_int_equal(pgw_conn_tx_status(a), PGW_TX_IDLE);
    assert_int_equal(pgw_begin(a, NULL), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(a), PGW_TX_IN_BLOCK);
    exec_ok(a, "INSERT INTO pgw_tx_vis VALUES (1), (2)");
    assert_int_equal(scalar(a, "SELECT count(*) FROM pgw_tx_vis"), 2);
    assert_int_equal(scalar(b, "SELECT count(*) FROM pgw_tx_vis"), 0);
    pgw_commit_outcome out = PGW_COMMIT_UNKNOWN;
    assert_int_equal(pgw_commit_ex(a, &out), PGW_OK);
    assert_int_equal(out, PGW_COMMIT_COMMITTED);
    assert_int_equal(pgw_conn_tx_status(a), PGW_TX_IDLE);
    assert_int_equal(scalar(b, "SELECT count(*) FROM pgw_tx_vis"), 2);
    exec_ok(a, "DROP TABLE pgw_tx_vis");
    pgw_close(a);
    pgw_close(b);
}

static void test_tx_rollback_discards_rows(void **s)
{
    (void)s;
    pgw_conn *a = super_connect();
    exec_ok(a, "DROP TABLE IF EXISTS pgw_tx_rb; CREATE TABLE pgw_tx_rb (id int)");
    assert_int_equal(pgw_begin(a, NULL), PGW_OK);
    exec_ok(a, "INSERT INTO pgw_tx_rb VALUES (1)");
    assert_int_equal(pgw_rollback(a), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(a), PGW_TX_IDLE);
    assert_int_equal(scalar(a, "SELECT count(*) FROM pgw_tx_rb"), 0);
    exec_ok(a, "DROP TABLE pgw_tx_rb");
    pgw_close(a);
}

static void test_tx_commit_outside_transaction_is_ok(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_commit_outcome out = PGW_COMMIT_UNKNOWN;
    /* The server only warns (25P01), as libpq reports it. */
    assert_int_equal(pgw_commit_ex(c, &out), PGW_OK);
    assert_int_equal(out, PGW_COMMIT_COMMITTED);
    assert_int_equal(pgw_rollback(c), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    pgw_close(c);
}

static void test_tx_begin_inside_transaction_is_refused(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    pgw_tx_options o;
    pgw_tx_options_init(&o);
    o.isolation = PGW_ISOLATION_SERIALIZABLE;
    assert_int_equal(pgw_begin(c, &o), PGW_E_STATE);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_BLOCK);
    /* The first transaction's mode is untouched. */
    text_equal(c, "SHOW transaction_isolation", "read committed");
    assert_int_equal(pgw_rollback(c), PGW_OK);
    o.isolation = (pgw_isolation)42;
    assert_int_equal(pgw_begin(c, &o), PGW_E_INVALID);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    pgw_close(c);
}

static void test_tx_begin_applies_isolation_and_access_modes(void **s)
{
    (void)s;
    static const struct {
        pgw_isolation iso;
        pgw_access_mode access;
        bool deferrable;
        const char *isolation, *read_only, *deferrable_text;
    } cases[] = {
        {PGW_ISOLATION_DEFAULT, PGW_ACCESS_DEFAULT, false, "read committed", "off", "off"},
        {PGW_ISOLATION_READ_COMMITTED, PGW_ACCESS_READ_WRITE, false, "read committed", "off",
         "off"},
        {PGW_ISOLATION_REPEATABLE_READ, PGW_ACCESS_DEFAULT, false, "repeatable read", "off",
         "off"},
        {PGW_ISOLATION_SERIALIZABLE, PGW_ACCESS_DEFAULT, false, "serializable", "off", "off"},
        {PGW_ISOLATION_DEFAULT, PGW_ACCESS_READ_ONLY, false, "read committed", "on", "off"},
        {PGW_ISOLATION_SERIALIZABLE, PGW_ACCESS_READ_ONLY, true, "serializable", "on", "on"},
        {PGW_ISOLATION_DEFAULT, PGW_ACCESS_DEFAULT, true, "read committed", "off", "on"},
    };
    pgw_conn *c = pgt_connect();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pgw_tx_options o;
        pgw_tx_options_init(&o);
        o.isolation = cases[i].iso;
        o.access = cases[i].access;
        o.deferrable = cases[i].deferrable;
        assert_int_equal(pgw_begin(c, &o), PGW_OK);
        text_equal(c, "SHOW transaction_isolation", cases[i].isolation);
        text_equal(c, "SHOW transaction_read_only", cases[i].read_only);
        text_equal(c, "SHOW transaction_deferrable", cases[i].deferrable_text);
        assert_int_equal(pgw_commit(c), PGW_OK);
    }
    /* An older, smaller options struct: the fields it lacks are defaults. */
    pgw_tx_options o;
    pgw_tx_options_init(&o);
    o.isolation = PGW_ISOLATION_SERIALIZABLE;
    o.access = PGW_ACCESS_READ_ONLY;
    o.size = offsetof(pgw_tx_options, access);
    assert_int_equal(pgw_begin(c, &o), PGW_OK);
    text_equal(c, "SHOW transaction_isolation", "serializable");
    text_equal(c, "SHOW transaction_read_only", "off");
    assert_int_equal(pgw_rollback(c), PGW_OK);
    pgw_close(c);
}

static void test_tx_read_only_refuses_writes_with_25006(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    pgw_tx_options o;
    pgw_tx_options_init(&o);
    o.access = PGW_ACCESS_READ_ONLY;
    assert_int_equal(pgw_begin(c, &o), PGW_OK);
    assert_int_equal(pgw_exec(c, "CREATE TEMP TABLE pgw_tx_ro (a int)", NULL), PGW_E_SERVER);
    assert_sqlstate(c, "25006");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_rollback(c), PGW_OK);
    pgw_close(c);
}

/* ---- failed transactions ------------------------------------------------ */

static void test_tx_error_keeps_in_error_until_rollback(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "SELECT 1/0", NULL), PGW_E_SERVER);
    assert_sqlstate(c, "22012");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    /* Every statement is refused until the end of the block... */
    assert_int_equal(pgw_exec(c, "SELECT 1", NULL), PGW_E_SERVER);
    assert_sqlstate(c, "25P02");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    /* ...and a savepoint cannot be set in it. */
    assert_int_equal(pgw_savepoint(c, "sp"), PGW_E_SERVER);
    assert_sqlstate(c, "25P02");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_rollback(c), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_int_equal(scalar(c, "SELECT 7"), 7);
    pgw_close(c);
}

static void test_tx_commit_of_failed_transaction_reports_rollback(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    exec_ok(c, "CREATE TEMP TABLE pgw_tx_failed (id int)");
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    exec_ok(c, "INSERT INTO pgw_tx_failed VALUES (1)");
    assert_int_equal(pgw_exec(c, "SELECT 1/0", NULL), PGW_E_SERVER);
    pgw_commit_outcome out = PGW_COMMIT_UNKNOWN;
    assert_int_equal(pgw_commit_ex(c, &out), PGW_E_SERVER);
    assert_int_equal(out, PGW_COMMIT_ROLLED_BACK);
    assert_sqlstate(c, "25P02");
    assert_non_null(strstr(pgw_conn_errmsg(c), "rolled back"));
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pgw_tx_failed"), 0);
    /* pgw_commit() says the same without the outcome. */
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    assert_int_equal(pgw_exec(c, "SELECT 1/0", NULL), PGW_E_SERVER);
    assert_int_equal(pgw_commit(c), PGW_E_SERVER);
    assert_sqlstate(c, "25P02");
    pgw_close(c);
}

static void test_tx_commit_refused_by_deferred_constraint(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    exec_ok(c, "CREATE TEMP TABLE pgw_tx_def (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)");
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    /* Accepted now, checked at COMMIT. */
    exec_ok(c, "INSERT INTO pgw_tx_def VALUES (1), (1)");
    pgw_commit_outcome out = PGW_COMMIT_UNKNOWN;
    assert_int_equal(pgw_commit_ex(c, &out), PGW_E_SERVER);
    assert_int_equal(out, PGW_COMMIT_ROLLED_BACK);
    assert_sqlstate(c, "23505");
    assert_string_equal(pgw_conn_error(c)->constraint, "pgw_tx_def_id_key");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pgw_tx_def"), 0);
    pgw_close(c);
}

/* ---- savepoints --------------------------------------------------------- */

static void test_tx_savepoints_roll_back_part_of_the_work(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    exec_ok(c, "CREATE TEMP TABLE pgw_tx_sp (id int)");
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    exec_ok(c, "INSERT INTO pgw_tx_sp VALUES (1)");
    /* Names are identifiers, quoted: case and quotes are kept, and SQL
     * in a name stays a name. */
    const char *odd = "My \"sp\"; ROLLBACK";
    assert_int_equal(pgw_savepoint(c, odd), PGW_OK);
    exec_ok(c, "INSERT INTO pgw_tx_sp VALUES (2)");
    assert_int_equal(pgw_rollback_to_savepoint(c, odd), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_BLOCK);
    exec_ok(c, "INSERT INTO pgw_tx_sp VALUES (3)");
    /* Quoting keeps case: "my ""sp""; rollback" is another savepoint. */
    assert_int_equal(pgw_release_savepoint(c, "my \"sp\"; rollback"), PGW_E_SERVER);
    assert_sqlstate(c, "3B001");
    assert_int_equal(pgw_rollback_to_savepoint(c, odd), PGW_OK);
    exec_ok(c, "INSERT INTO pgw_tx_sp VALUES (3)");
    assert_int_equal(pgw_release_savepoint(c, odd), PGW_OK);
    /* Released: gone. */
    assert_int_equal(pgw_rollback_to_savepoint(c, odd), PGW_E_SERVER);
    assert_sqlstate(c, "3B001");
    assert_int_equal(pgw_rollback(c), PGW_OK);

    /* A savepoint rescues a failed transaction. */
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    exec_ok(c, "INSERT INTO pgw_tx_sp VALUES (10)");
    assert_int_equal(pgw_savepoint(c, "before_error"), PGW_OK);
    assert_int_equal(pgw_exec(c, "INSERT INTO pgw_tx_sp VALUES (1/0)", NULL), PGW_E_SERVER);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_int_equal(pgw_rollback_to_savepoint(c, "before_error"), PGW_OK);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_BLOCK);
    exec_ok(c, "INSERT INTO pgw_tx_sp VALUES (11)");
    assert_int_equal(pgw_commit(c), PGW_OK);
    assert_int_equal(scalar(c, "SELECT sum(id) FROM pgw_tx_sp"), 21);

    /* Outside a transaction block, and bad names. */
    assert_int_equal(pgw_savepoint(c, "x"), PGW_E_SERVER);
    assert_sqlstate(c, "25P01");
    assert_int_equal(pgw_savepoint(c, ""), PGW_E_INVALID);
    assert_int_equal(pgw_savepoint(c, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_savepoint(c, "bad \xff utf8"), PGW_E_INVALID);
    assert_int_equal(pgw_conn_get_state(c), PGW_CONN_IDLE);
    pgw_close(c);
}

/* ---- pgw_run_in_tx ------------------------------------------------------ */

typedef struct retry_ctx {
    pgw_conn *other;
    int calls;
    int64_t seen;
} retry_ctx;

/* Attempt 1 reads, another session updates the same row and commits, then
 * the update here fails with 40001 (SERIALIZABLE, concurrent update). */
static pgw_status concurrent_update(pgw_conn *c, void *ud)
{
    retry_ctx *r = ud;
    r->calls++;
    pgw_result *res = NULL;
    pgw_status rc = pgw_query_result(c, "SELECT v FROM pgw_tx_ser WHERE id = 1", &res);
    if (rc != PGW_OK)
        return rc;
    pgw_result_free(res);
    if (r->calls == 1)
        exec_ok(r->other, "UPDATE pgw_tx_ser SET v = v + 100 WHERE id = 1");
    return pgw_exec(c, "UPDATE pgw_tx_ser SET v = v + 1 WHERE id = 1", NULL);
}

static void test_tx_run_in_tx_retries_serialization_failure(void **s)
{
    (void)s;
    pgw_conn *a = super_connect(), *b = super_connect();
    exec_ok(a, "DROP TABLE IF EXISTS pgw_tx_ser;"
               "CREATE TABLE pgw_tx_ser (id int PRIMARY KEY, v int);"
               "INSERT INTO pgw_tx_ser VALUES (1, 0)");
    pgw_tx_options o;
    pgw_tx_options_init(&o);
    o.isolation = PGW_ISOLATION_SERIALIZABLE;
    retry_ctx r = {.other = b};
    pgw_tx_report rep;
    assert_int_equal(pgw_run_in_tx(a, &o, concurrent_update, &r, 3, &rep), PGW_OK);
    assert_int_equal(r.calls, 2);
    assert_int_equal(rep.attempts, 2);
    assert_int_equal(rep.outcome, PGW_COMMIT_COMMITTED);
    assert_int_equal(pgw_conn_tx_status(a), PGW_TX_IDLE);
    /* Both updates, each once. */
    assert_int_equal(scalar(b, "SELECT v FROM pgw_tx_ser WHERE id = 1"), 101);

    /* With one attempt only, the 40001 is the answer. */
    r.calls = 0;
    assert_int_equal(pgw_run_in_tx(a, &o, concurrent_update, &r, 1, &rep), PGW_E_SERVER);
    assert_int_equal(rep.attempts, 1);
    assert_int_equal(rep.outcome, PGW_COMMIT_ROLLED_BACK);
    assert_sqlstate(a, "40001");
    assert_int_equal(pgw_conn_tx_status(a), PGW_TX_IDLE);
    assert_int_equal(scalar(b, "SELECT v FROM pgw_tx_ser WHERE id = 1"), 201);
    exec_ok(a, "DROP TABLE pgw_tx_ser");
    pgw_close(a);
    pgw_close(b);
}

/* Write skew: both sessions see two doctors on call and each takes one
 * off. Under SERIALIZABLE the first to commit wins and the other fails
 * with 40001 at COMMIT; retried, it sees one doctor left and stays. */
static pgw_status go_off_call(pgw_conn *c, void *ud)
{
    retry_ctx *r = ud;
    r->calls++;
    pgw_result *res = NULL;
    pgw_status rc = pgw_query_result(c, "SELECT count(*) FROM pgw_tx_skew WHERE on_call", &res);
    if (rc != PGW_OK)
        return rc;
    int64_t n = 0;
    assert_int_equal(pgw_result_int64(res, 0, 0, &n), PGW_OK);
    pgw_result_free(res);
    r->seen = n;
    if (r->calls == 1) {
        pgw_tx_options o;
        pgw_tx_options_init(&o);
        o.isolation = PGW_ISOLATION_SERIALIZABLE;
        assert_int_equal(pgw_begin(r->other, &o), PGW_OK);
        assert_int_equal(scalar(r->other, "SELECT count(*) FROM pgw_tx_skew WHERE on_call"), 2);
        exec_ok(r->other, "UPDATE pgw_tx_skew SET on_call = false WHERE id = 2");
    }
    if (n < 2)
        return PGW_OK;
    rc = pgw_exec(c, "UPDATE pgw_tx_skew SET on_call = false WHERE id = 1", NULL);
    if (r->calls == 1) {
        /* Nothing conflicts yet: the failure is for COMMIT to find. */
        assert_int_equal(rc, PGW_OK);
        assert_int_equal(pgw_commit(r->other), PGW_OK);
    }
    return rc;
}

static void test_tx_run_in_tx_retries_write_skew_failing_at_commit(void **s)
{
    (void)s;
    pgw_conn *a = super_connect(), *b = super_connect();
    exec_ok(a, "DROP TABLE IF EXISTS pgw_tx_skew;"
               "CREATE TABLE pgw_tx_skew (id int PRIMARY KEY, on_call bool);"
               "INSERT INTO pgw_tx_skew VALUES (1, true), (2, true)");
    pgw_tx_options o;
    pgw_tx_options_init(&o);
    o.isolation = PGW_ISOLATION_SERIALIZABLE;
    retry_ctx r = {.other = b};
    pgw_tx_report rep;
    assert_int_equal(pgw_run_in_tx(a, &o, go_off_call, &r, 5, &rep), PGW_OK);
    assert_int_equal(rep.attempts, 2);
    assert_int_equal(r.calls, 2);
    assert_int_equal(r.seen, 1);
    assert_int_equal(rep.outcome, PGW_COMMIT_COMMITTED);
    assert_int_equal(scalar(b, "SELECT count(*) FROM pgw_tx_skew WHERE on_call"), 1);
    assert_int_equal(scalar(b, "SELECT count(*) FROM pgw_tx_skew WHERE on_call AND id = 1"), 1);
    exec_ok(a, "DROP TABLE pgw_tx_skew");
    pgw_close(a);
    pgw_close(b);
}

/* Attempt 1 deadlocks with another session: this side locks row 1, the
 * other row 2; this side's update of row 2 is sent without waiting, the
 * other's update of row 1 closes the cycle. This side's shorter
 * deadlock_timeout makes it the one the server aborts (40P01). */
static pgw_status deadlock_once(pgw_conn *c, void *ud)
{
    retry_ctx *r = ud;
    r->calls++;
    pgw_status rc = pgw_exec(c, "UPDATE pgw_tx_dl SET v = v + 1 WHERE id = 1", NULL);
    if (rc != PGW_OK || r->calls > 1) {
        if (rc == PGW_OK)
            rc = pgw_exec(c, "UPDATE pgw_tx_dl SET v = v + 1 WHERE id = 2", NULL);
        return rc;
    }
    assert_int_equal(pgw_begin(r->other, NULL), PGW_OK);
    exec_ok(r->other, "UPDATE pgw_tx_dl SET v = v + 10 WHERE id = 2");
    pgw_cursor *cur = NULL;
    assert_int_equal(pgw_query_send(c, "UPDATE pgw_tx_dl SET v = v + 1 WHERE id = 2", &cur),
                     PGW_OK);
    assert_int_equal(pgw_conn_pump(c, PGW_WANT_WRITE), PGW_OK);
    /* Blocks until the server breaks the deadlock by aborting c. */
    exec_ok(r->other, "UPDATE pgw_tx_dl SET v = v + 10 WHERE id = 1");
    assert_int_equal(pgw_commit(r->other), PGW_OK);
    rc = pgw_cursor_next_result(cur);
    assert_int_equal(rc, PGW_E_SERVER);
    assert_sqlstate(c, "40P01");
    assert_int_equal(pgw_cursor_next_result(cur), PGW_END);
    pgw_cursor_free(cur);
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IN_ERROR);
    assert_sqlstate(c, "40P01");
    return rc;
}

static void test_tx_run_in_tx_retries_deadlock(void **s)
{
    (void)s;
    pgw_conn *a = super_connect(), *b = super_connect();
    exec_ok(a, "DROP TABLE IF EXISTS pgw_tx_dl;"
               "CREATE TABLE pgw_tx_dl (id int PRIMARY KEY, v int);"
               "INSERT INTO pgw_tx_dl VALUES (1, 0), (2, 0)");
    exec_ok(a, "SET deadlock_timeout = '200ms'");
    exec_ok(b, "SET deadlock_timeout = '60s'");
    retry_ctx r = {.other = b};
    pgw_tx_report rep;
    assert_int_equal(pgw_run_in_tx(a, NULL, deadlock_once, &r, 2, &rep), PGW_OK);
    assert_int_equal(r.calls, 2);
    assert_int_equal(rep.attempts, 2);
    assert_int_equal(rep.outcome, PGW_COMMIT_COMMITTED);
    /* The other session's work and the retried attempt's, nothing of the
     * aborted one. */
    assert_int_equal(scalar(b, "SELECT v FROM pgw_tx_dl WHERE id = 1"), 11);
    assert_int_equal(scalar(b, "SELECT v FROM pgw_tx_dl WHERE id = 2"), 11);
    exec_ok(a, "DROP TABLE pgw_tx_dl");
    pgw_close(a);
    pgw_close(b);
}

static pgw_status raise_sqlstate(pgw_conn *c, void *ud)
{
    retry_ctx *r = ud;
    r->calls++;
    char sql[200];
    snprintf(sql, sizeof sql,
             "DO $$BEGIN RAISE EXCEPTION 'attempt %d' USING ERRCODE = '%s'; END$$", r->calls,
             r->seen == 0 ? "40001" : "22012");
    return pgw_exec(c, sql, NULL);
}

static pgw_status own_status(pgw_conn *c, void *ud)
{
    retry_ctx *r = ud;
    r->calls++;
    exec_ok(c, "CREATE TEMP TABLE pgw_tx_own (a int)");
    return PGW_E_INVALID;
}

static void test_tx_run_in_tx_gives_up_and_never_retries_other_errors(void **s)
{
    (void)s;
    pgw_conn *c = pgt_connect();
    retry_ctx r = {0};
    pgw_tx_report rep;
    /* Always 40001: max_attempts transactions, then the last error. */
    assert_int_equal(pgw_run_in_tx(c, NULL, raise_sqlstate, &r, 3, &rep), PGW_E_SERVER);
    assert_int_equal(r.calls, 3);
    assert_int_equal(rep.attempts, 3);
    assert_int_equal(rep.outcome, PGW_COMMIT_ROLLED_BACK);
    assert_sqlstate(c, "40001");
    assert_string_equal(pgw_conn_error(c)->message, "attempt 3");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);

    /* Another SQLSTATE: no retry, its error kept across the ROLLBACK. */
    r = (retry_ctx){.seen = 1};
    assert_int_equal(pgw_run_in_tx(c, NULL, raise_sqlstate, &r, 3, &rep), PGW_E_SERVER);
    assert_int_equal(r.calls, 1);
    assert_int_equal(rep.attempts, 1);
    assert_sqlstate(c, "22012");
    assert_int_equal(pgw_conn_tx_status(c), PGW_TX_IDLE);

    /* fn's own failure: rolled back (the temp table is gone), returned. */
    r = (retry_ctx){0};
    assert_int_equal(pgw_run_in_tx(c, NULL, own_status, &r, 3, &rep), PGW_E_INVALID);
    assert_int_equal(r.calls, 1);
    assert_int_equal(rep.outcome, PGW_COMMIT_ROLLED_BACK);
    assert_int_equal(scalar(c, "SELECT count(*) FROM pg_class WHERE relname = 'pgw_tx_own'"), 0);

    /* Bad arguments, and not inside a transaction. */
    assert_int_equal(pgw_run_in_tx(c, NULL, own_status, &r, 0, &rep), PGW_E_INVALID);
    assert_int_equal(pgw_run_in_tx(c, NULL, NULL, &r, 1, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_begin(c, NULL), PGW_OK);
    assert_int_equal(pgw_run_in_tx(c, NULL, own_status, &r, 1, &rep), PGW_E_STATE);
    assert_int_equal(rep.attempts, 0);
    assert_int_equal(rep.outcome, PGW_COMMIT_NOT_SENT);
    assert_int_equal(r.calls, 1);
    assert_int_equal(pgw_rollback(c), PGW_OK);
    pgw_close(c);
}

/* ---- commit outcome unknown --------------------------------------------- */

/* Terminate c's backend from another session and wait until it is gone;
 * c has not read anything, so it still believes it is idle. */
static void kill_backend(pgw_conn *killer, pgw_conn *c)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%d, 10000)::int",
             (int)pgw_conn_backend_pid(c));
    assert_int_equal(scalar(killer, sql), 1);
}

static void test_tx_commit_on_terminated_backend_reports_unknown_outcome(void **s)
{
    (void)s;
    pgw_conn *a = super_connect(), *b = super_connect();
    exec_ok(b, "DROP TABLE IF EXISTS pgw_tx_lost; CREATE TABLE pgw_tx_lost (id int)");
    assert_int_equal(pgw_begin(a, NULL), PGW_OK);
    exec_ok(a, "INSERT INTO pgw_tx_lost VALUES (1)");
    kill_backend(b, a);
    assert_int_equal(pgw_conn_tx_status(a), PGW_TX_IN_BLOCK);
    pgw_commit_outcome out = PGW_COMMIT_COMMITTED;
    pgw_status rc = pgw_commit_ex(a, &out);
    /* Never success, and flagged as unknown: the COMMIT was sent. */
    assert_true(rc < 0);
    assert_int_equal(out, PGW_COMMIT_UNKNOWN);
    assert_true(pgw_conn_get_state(a) == PGW_CONN_BROKEN ||
                pgw_conn_get_state(a) == PGW_CONN_CLOSED);
    /* (Here the server did roll back: the backend died first.) */
    assert_int_equal(scalar(b, "SELECT count(*) FROM pgw_tx_lost"), 0);
    /* A second COMMIT on the dead connection is not sent at all. */
    out = PGW_COMMIT_UNKNOWN;
    assert_true(pgw_commit_ex(a, &out) < 0);
    assert_int_equal(out, PGW_COMMIT_NOT_SENT);
    exec_ok(b, "DROP TABLE pgw_tx_lost");
    pgw_close(a);
    pgw_close(b);
}

static pgw_status killed_before_commit(pgw_conn *c, void *ud)
{
    retry_ctx *r = ud;
    r->calls++;
    kill_backend(r->other, c);
    return PGW_OK;
}

static void test_tx_run_in_tx_never_retries_unknown_outcome(void **s)
{
    (void)s;
    pgw_conn *a = super_connect(), *b = super_connect();
    retry_ctx r = {.other = b};
    pgw_tx_report rep;
    assert_true(pgw_run_in_tx(a, NULL, killed_before_commit, &r, 5, &rep) < 0);
    assert_int_equal(r.calls, 1);
    assert_int_equal(rep.attempts, 1);
    assert_int_equal(rep.outcome, PGW_COMMIT_UNKNOWN);
    pgw_close(a);
    pgw_close(b);
}

/* A transport over the default one that loses the connection around a
 * COMMIT, at a precise point no server-side kill can hit: right after the
 * COMMIT is written (the server commits, the client never hears), or
 * right after the server's CommandComplete (before ReadyForQuery). */
enum cut_mode { CUT_AFTER_SEND, CUT_AFTER_COMPLETE };

static struct cutter {
    const pgw_transport *inner;
    enum cut_mode mode;
    bool commit_sent, cut;
    uint8_t pend[8192];
    size_t pend_len, pend_off;
} cutter;

static pgw_status cut_open(void *ud, const pgw_transport_target *t, void **handle, char *errbuf,
                           size_t errlen, int *e)
{
    (void)ud;
    return cutter.inner->open(cutter.inner->ud, t, handle, errbuf, errlen, e);
}

static bool has_commit(const uint8_t *p, size_t n)
{
    static const char q[] = "COMMIT"; /* with its NUL: the whole query */
    for (size_t i = 0; i + sizeof q <= n; i++)
        if (memcmp(p + i, q, sizeof q) == 0)
            return true;
    return false;
}

static pgw_status cut_write(void *h, const void *buf, size_t n, size_t *put, int *e)
{
    if (cutter.cut)
        return PGW_E_CLOSED;
    pgw_status rc = cutter.inner->write(h, buf, n, put, e);
    if (rc == PGW_OK && *put == n && has_commit(buf, n)) {
        cutter.commit_sent = true;
        if (cutter.mode == CUT_AFTER_SEND)
            cutter.cut = true;
    }
    return rc;
}

/* Length of the messages in pend up to and including the first
 * CommandComplete, 0 while it is incomplete. */
static size_t through_complete(void)
{
    size_t off = 0;
    while (off + 5 <= cutter.pend_len) {
        const uint8_t *m = cutter.pend + off;
        size_t len = (size_t)m[1] << 24 | (size_t)m[2] << 16 | (size_t)m[3] << 8 | m[4];
        if (off + 1 + len > cutter.pend_len)
            return 0;
        off += 1 + len;
        if (m[0] == 'C')
            return off;
    }
    return 0;
}

static pgw_status cut_read(void *h, void *buf, size_t n, size_t *got, int *e)
{
    if (cutter.cut)
        return PGW_E_CLOSED;
    if (!cutter.commit_sent)
        return cutter.inner->read(h, buf, n, got, e);
    /* After the COMMIT: collect the answer, pass it on up to the end of
     * CommandComplete, then the connection is lost. */
    size_t end;
    while ((end = through_complete()) == 0) {
        size_t g = 0;
        pgw_status rc = cutter.inner->wait(h, true, false, 10000, e);
        if (rc == PGW_OK)
            rc = cutter.inner->read(h, cutter.pend + cutter.pend_len,
                                    sizeof cutter.pend - cutter.pend_len, &g, e);
        if (rc == PGW_WANT_READ)
            continue;
        if (rc != PGW_OK)
            return rc;
        cutter.pend_len += g;
    }
    size_t k = end - cutter.pend_off < n ? end - cutter.pend_off : n;
    memcpy(buf, cutter.pend + cutter.pend_off, k);
    cutter.pend_off += k;
    *got = k;
    if (cutter.pend_off == end)
        cutter.cut = true;
    return PGW_OK;
}

static pgw_status cut_wait(void *h, bool r, bool w, int t, int *e)
{
    if (cutter.cut || cutter.commit_sent)
        return PGW_OK;
    return cutter.inner->wait(h, r, w, t, e);
}

static int cut_fd(void *h) { return cutter.inner->fd(h); }
static void cut_close(void *h) { cutter.inner->close(h); }

static pgw_conn *cutting_connect(enum cut_mode mode)
{
    memset(&cutter, 0, sizeof cutter);
    cutter.inner = pgw_transport_default();
    cutter.mode = mode;
    pgw_transport t = {cut_open, cut_read, cut_write, cut_wait, cut_fd, cut_close, NULL, NULL};
    char ci[1024];
    /* Plaintext, so the transport can see the COMMIT go by. */
    pgt_conninfo(ci, sizeof ci, "SUPER", 1, " sslmode=disable");
    pgw_conn_options o;
    pgw_conn_options_init(&o);
    o.conninfo = ci;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect_with(&c, &o, &t);
    if (rc != PGW_OK)
        fail_msg("connect: %s", pgw_conn_errmsg(c));
    return c;
}

/* Wait (up to 10 s) for the server to finish what the client sent. */
static int64_t wait_for_count(pgw_conn *c, const char *sql, int64_t want)
{
    int64_t n = -1;
    for (int i = 0; i < 1000; i++) {
        n = scalar(c, sql);
        if (n == want)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return n;
}

static void test_tx_commit_lost_after_send_reports_unknown_though_committed(void **s)
{
    (void)s;
    pgw_conn *b = super_connect();
    exec_ok(b, "DROP TABLE IF EXISTS pgw_tx_cut; CREATE TABLE pgw_tx_cut (id int)");
    pgw_conn *a = cutting_connect(CUT_AFTER_SEND);
    assert_int_equal(pgw_begin(a, NULL), PGW_OK);
    exec_ok(a, "INSERT INTO pgw_tx_cut VALUES (1)");
    pgw_commit_outcome out = PGW_COMMIT_NOT_SENT;
    pgw_status rc = pgw_commit_ex(a, &out);
    assert_int_equal(rc, PGW_E_CLOSED);
    assert_int_equal(out, PGW_COMMIT_UNKNOWN);
    assert_true(cutter.commit_sent);
    /* Why "unknown" and never "failed": the server did commit. */
    assert_int_equal(wait_for_count(b, "SELECT count(*) FROM pgw_tx_cut", 1), 1);
    pgw_close(a);
    exec_ok(b, "DROP TABLE pgw_tx_cut");
    pgw_close(b);
}

static void test_tx_commit_lost_after_command_complete_is_committed(void **s)
{
    (void)s;
    pgw_conn *b = super_connect();
    exec_ok(b, "DROP TABLE IF EXISTS pgw_tx_cut2; CREATE TABLE pgw_tx_cut2 (id int)");
    pgw_conn *a = cutting_connect(CUT_AFTER_COMPLETE);
    assert_int_equal(pgw_begin(a, NULL), PGW_OK);
    exec_ok(a, "INSERT INTO pgw_tx_cut2 VALUES (1)");
    pgw_commit_outcome out = PGW_COMMIT_NOT_SENT;
    /* The answer arrived; the lost ReadyForQuery changes nothing. */
    assert_int_equal(pgw_commit_ex(a, &out), PGW_OK);
    assert_int_equal(out, PGW_COMMIT_COMMITTED);
    assert_true(cutter.cut);
    /* The loss shows on the next call. */
    assert_true(pgw_exec(a, "SELECT 1", NULL) < 0);
    assert_int_equal(wait_for_count(b, "SELECT count(*) FROM pgw_tx_cut2", 1), 1);
    pgw_close(a);
    exec_ok(b, "DROP TABLE pgw_tx_cut2");
    pgw_close(b);
}

static void test_tx_functions_refuse_null_connection(void **s)
{
    (void)s;
    pgw_commit_outcome out = PGW_COMMIT_COMMITTED;
    assert_int_equal(pgw_begin(NULL, NULL), PGW_E_INVALID);
    assert_int_equal(pgw_commit_ex(NULL, &out), PGW_E_INVALID);
    assert_int_equal(out, PGW_COMMIT_NOT_SENT);
    assert_int_equal(pgw_rollback(NULL), PGW_E_INVALID);
    assert_int_equal(pgw_savepoint(NULL, "x"), PGW_E_INVALID);
    assert_true(pgw_sqlstate_is_retryable("40001"));
    assert_true(pgw_sqlstate_is_retryable("40P01"));
    assert_false(pgw_sqlstate_is_retryable("40002"));
    assert_false(pgw_sqlstate_is_retryable(""));
    assert_false(pgw_sqlstate_is_retryable(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tx_commit_makes_rows_visible_to_others),
        cmocka_unit_test(test_tx_rollback_discards_rows),
        cmocka_unit_test(test_tx_commit_outside_transaction_is_ok),
        cmocka_unit_test(test_tx_begin_inside_transaction_is_refused),
        cmocka_unit_test(test_tx_begin_applies_isolation_and_access_modes),
        cmocka_unit_test(test_tx_read_only_refuses_writes_with_25006),
        cmocka_unit_test(test_tx_error_keeps_in_error_until_rollback),
        cmocka_unit_test(test_tx_commit_of_failed_transaction_reports_rollback),
        cmocka_unit_test(test_tx_commit_refused_by_deferred_constraint),
        cmocka_unit_test(test_tx_savepoints_roll_back_part_of_the_work),
        cmocka_unit_test(test_tx_run_in_tx_retries_serialization_failure),
        cmocka_unit_test(test_tx_run_in_tx_retries_write_skew_failing_at_commit),
        cmocka_unit_test(test_tx_run_in_tx_retries_deadlock),
        cmocka_unit_test(test_tx_run_in_tx_gives_up_and_never_retries_other_errors),
        cmocka_unit_test(test_tx_commit_on_terminated_backend_reports_unknown_outcome),
        cmocka_unit_test(test_tx_run_in_tx_never_retries_unknown_outcome),
        cmocka_unit_test(test_tx_commit_lost_after_send_reports_unknown_though_committed),
        cmocka_unit_test(test_tx_commit_lost_after_command_complete_is_committed),
        cmocka_unit_test(test_tx_functions_refuse_null_connection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
