/* pgw — the session state shared by main.c and the modes beside it
 * (binary.c). */
#ifndef PGWIRE_TOOLS_PGW_APP_H
#define PGWIRE_TOOLS_PGW_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "pgwire.h"

#include "print.h"
#include "text.h"
#include "vars.h"

/* psql's exit statuses */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_BADCONN = 2, EXIT_USER = 3 };

struct pgwc_binary;

typedef struct app {
    pgw_conn *conn;
    pgwc_printer printer;
    pgwc_vars *vars; /* owned by the options */
    FILE *qout;      /* query output: stdout, or -o FILE */
    bool tls;        /* the session runs over TLS (libpq words a lost session differently) */
    /* where messages come from: psql's log prefix rules */
    bool terse;             /* a -c command or plain stdin has run */
    const char *locus_file; /* the -f file being read, or NULL */
    const char *query;      /* the query being run (for notice positions) */
    unsigned long locus_line;
    pgwc_str msg;
    pgwc_str arg;               /* a backslash command's argument */
    struct pgwc_binary *binary; /* --binary: the render state, else NULL */
    FILE *script_in;            /* where commands come from (\copy ... from stdin) */
    unsigned long script_lines; /* lines of script_in a command read (COPY data) */
} app;

/** "pgw:FILE:LINE: error: ..." (psql's pg_log_error with its locus). */
void pgwc_log_error(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** A server error or notice, as psql prints it. */
void pgwc_report_server(app *a, const pgw_error *e, const char *query, bool is_error);

/** The connection is gone: report as psql does and exit with status 2. */
void pgwc_connection_lost(app *a, pgw_status rc, const char *query) __attribute__((noreturn));

/** Send sql as one simple Query and print every result (pgw without
 * --binary). @return false when a statement failed. */
bool pgwc_run_simple_query(app *a, const char *sql);

/** Print the result the cursor is on (rows, or the command tag).
 * @return PGW_OK; the status that stopped it (PGW_E_SERVER: the statement
 * failed mid-way). */
pgw_status pgwc_print_result(app *a, pgw_cursor *cur);

/** ERROR, SQLSTATE, ROW_COUNT (and LAST_ERROR_*) after a query: err NULL
 * for success, with the last result's command tag. */
void pgwc_set_result_vars(app *a, const char *tag, const pgw_error *err);

#endif
