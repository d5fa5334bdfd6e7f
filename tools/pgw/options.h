/* pgw — the command line: psql's options (the subset pgw implements), its
 * -v variables, and the connection string built from them. */
#ifndef PGWIRE_TOOLS_PGW_OPTIONS_H
#define PGWIRE_TOOLS_PGW_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "print.h"
#include "text.h"
#include "vars.h"

/** One -c or -f, in command-line order. */
typedef struct pgwc_action {
    bool is_file; /**< -f FILE; else -c SQL */
    const char *val; /**< NULL: standard input without -f (no file name in messages) */
} pgwc_action;

typedef struct pgwc_options {
    pgwc_print_opts print;
    pgwc_vars vars;      /**< psql's variables (-v, -q, -a, -e, -b set them) */
    bool single_txn;     /**< -1 */
    FILE *qout;          /**< -o FILE (or |COMMAND); NULL = stdout */
    bool qout_pipe;
    bool wait;           /**< --wait: pg_isready mode */
    double wait_timeout; /**< --timeout seconds (default 3; 0 = no limit) */
    bool binary;         /**< --binary */
    bool trace;          /**< --trace: protocol trace to stderr */
    const char *dbname; /**< -d or the first argument: a name or a connection string */
    const char *host;
    const char *port;
    const char *user;
    pgwc_action *actions; /**< the -c and -f options, in order */
    size_t nactions;
} pgwc_options;

/** What pgwc_options_parse() decided. */
typedef enum pgwc_parse_result {
    PGWC_PARSE_RUN = 0,  /**< connect and run */
    PGWC_PARSE_DONE = 1, /**< --help or --version was printed: exit 0 */
    PGWC_PARSE_ERROR = 2 /**< a message went to stderr: exit 1 */
} pgwc_parse_result;

/** Parse argv as psql does (-o opens its file here, as psql does).
 * Without -c or -f, one action reads standard input (val NULL). Messages
 * for bad options and variables go to stderr in psql's words ("pgw:
 * invalid option -- 'Z'", "pgw: error: unrecognized value ... Boolean
 * expected").
 * Ownership: o->actions and o->vars are allocated (release with
 * pgwc_options_free(), also after PGWC_PARSE_ERROR); the strings point
 * into argv. */
pgwc_parse_result pgwc_options_parse(pgwc_options *o, int argc, char **argv);

/** Release the actions and variables, and close the -o file. */
void pgwc_options_free(pgwc_options *o);

/** The connection string for the options, in libpq's order: host, port,
 * user, then the database name (a connection string there overrides
 * them), then fallback_application_name=pgw.
 * @return false when out of memory. Ownership: caller frees ci. */
bool pgwc_options_conninfo(const pgwc_options *o, pgwc_str *ci);

/** psql's ParseVariableBool: a prefix of true/false/yes/no, on/off (two
 * letters at least), 1/0, case-insensitive. */
bool pgwc_parse_bool(const char *v, bool *out);

#endif
