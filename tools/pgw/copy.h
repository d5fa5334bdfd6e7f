/* pgw — \copy, as psql 15 runs it (copy.c there): the command becomes
 * COPY ... FROM STDIN / TO STDOUT and the data goes between the server and
 * a client-side file through pgwire's COPY API. */
#ifndef PGWIRE_TOOLS_PGW_COPY_H
#define PGWIRE_TOOLS_PGW_COPY_H

#include <stdbool.h>
#include <stdio.h>

#include "app.h"

/** What \copy's argument line says. */
typedef struct pgwc_copy_cmd {
    pgwc_str sql;  /**< the COPY statement to send */
    pgwc_str file; /**< the file name; empty for stdin/stdout/pstdin/pstdout */
    bool from;     /**< FROM (into the server) rather than TO */
    bool pstd;     /**< pstdin/pstdout: the process's stream, not the script's */
} pgwc_copy_cmd;

/** Parse \copy's argument line (everything after "\copy"):
 * `{table [(cols)] | (query)} {from|to} {'file'|file|stdin|stdout|pstdin|pstdout}
 * [rest]`, where rest (e.g. "with (format csv)") is passed to the server.
 * @return NULL and a filled cmd (initialise it first with
 *         pgwc_copy_cmd_init); otherwise psql's error text. */
const char *pgwc_copy_parse(const char *line, size_t n, pgwc_copy_cmd *cmd);
void pgwc_copy_cmd_init(pgwc_copy_cmd *cmd);
void pgwc_copy_cmd_free(pgwc_copy_cmd *cmd);

/** Run \copy: `script` is where the commands come from (the data of
 * "from stdin" is read from it up to a line "\."). Prints "COPY n" as psql
 * does (unless quiet) and reports errors. @return false when it failed. */
bool pgwc_copy_run(app *a, const char *line, size_t n, FILE *script);

#endif
