/* Transactions: a transfer retried on serialization failures, a savepoint
 * that rescues a failed statement, and the outcomes of COMMIT.
 *
 * usage: transaction CONNINFO   (the table goes in the session's search_path) */
#include <stdio.h>

#include "pgwire.h"
#include "pgwire/tx.h"

static int fail(pgw_conn *c, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, pgw_conn_errmsg(c));
    pgw_close(c);
    return 1;
}

static const char *outcome_name(pgw_commit_outcome o)
{
    switch (o) {
    case PGW_COMMIT_NOT_SENT:
        return "not sent";
    case PGW_COMMIT_COMMITTED:
        return "committed";
    case PGW_COMMIT_ROLLED_BACK:
        return "rolled back";
    case PGW_COMMIT_UNKNOWN:
        return "UNKNOWN (check whether it committed)";
    }
    return "?";
}

/* One attempt of the transfer; pgw_run_in_tx() commits when it returns
 * PGW_OK and retries the whole transaction on 40001/40P01. */
static pgw_status transfer(pgw_conn *c, void *ud)
{
    (void)ud;
    pgw_status rc = pgw_exec(c, "UPDATE accounts SET balance = balance - 30 WHERE id = 1", NULL);
    if (rc == PGW_OK)
        rc = pgw_exec(c, "UPDATE accounts SET balance = balance + 30 WHERE id = 2", NULL);
    return rc;
}

static void print_balances(pgw_conn *c)
{
    pgw_result *r = NULL;
    if (pgw_query_result(c, "SELECT id, balance FROM accounts ORDER BY id", &r) != PGW_OK)
        return;
    for (size_t i = 0; i < pgw_result_nrows(r); i++)
        printf("  account %s: %s\n", pgw_result_text(r, i, 0), pgw_result_text(r, i, 1));
    pgw_result_free(r);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: transaction CONNINFO\n");
        return 2;
    }
    pgw_conn *c = NULL;
    if (pgw_connect_str(&c, argv[1]) != PGW_OK)
        return fail(c, "connect");
    if (pgw_exec(c, "DROP TABLE IF EXISTS accounts;"
                    "CREATE TABLE accounts (id int PRIMARY KEY,"
                    " balance int NOT NULL CHECK (balance >= 0));"
                    "INSERT INTO accounts VALUES (1, 100), (2, 0)",
                 NULL) != PGW_OK)
        return fail(c, "create table");

    /* 1. A serializable transfer, retried up to 5 times. */
    pgw_tx_options o;
    pgw_tx_options_init(&o);
    o.isolation = PGW_ISOLATION_SERIALIZABLE;
    pgw_tx_report rep;
    pgw_status rc = pgw_run_in_tx(c, &o, transfer, NULL, 5, &rep);
    printf("transfer: %s after %d attempt(s), %s\n", pgw_status_name(rc), rep.attempts,
           outcome_name(rep.outcome));
    print_balances(c);

    /* 2. A savepoint keeps the work done before a failed statement. */
    if (pgw_begin(c, NULL) != PGW_OK)
        return fail(c, "begin");
    pgw_exec(c, "UPDATE accounts SET balance = balance + 5 WHERE id = 2", NULL);
    pgw_savepoint(c, "before overdraft");
    rc = pgw_exec(c, "UPDATE accounts SET balance = balance - 500 WHERE id = 1", NULL);
    printf("overdraft: %s, SQLSTATE %s, in a failed transaction: %s\n", pgw_status_name(rc),
           pgw_conn_error(c)->sqlstate, pgw_conn_tx_status(c) == PGW_TX_IN_ERROR ? "yes" : "no");
    pgw_rollback_to_savepoint(c, "before overdraft");
    pgw_commit_outcome out;
    rc = pgw_commit_ex(c, &out);
    printf("commit after the savepoint: %s, %s\n", pgw_status_name(rc), outcome_name(out));
    print_balances(c);

    /* 3. COMMIT of a failed transaction is a rollback, said so. */
    pgw_begin(c, NULL);
    pgw_exec(c, "UPDATE accounts SET balance = balance - 500 WHERE id = 1", NULL);
    rc = pgw_commit_ex(c, &out);
    printf("commit of a failed transaction: %s, %s (%s: %s)\n", pgw_status_name(rc),
           outcome_name(out), pgw_conn_error(c)->sqlstate, pgw_conn_errmsg(c));

    pgw_exec(c, "DROP TABLE accounts", NULL);
    pgw_close(c);
    return 0;
}
