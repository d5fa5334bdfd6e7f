/* pgw — arguments of backslash commands, read as psql 15 reads them
 * (psqlscanslash.l, option type OT_NORMAL and OT_WHOLE_LINE).
 *
 * An argument ends at unquoted whitespace or at a backslash (which starts
 * the next command). Inside it: '...' strips the quotes and takes C-like
 * escapes (\n \t \b \r \f, octal \NNN, hex \xHH, '' for a quote); "..."
 * is kept with its quotes; `...` is replaced by the output of the shell
 * command (its last newline dropped); :name, :'name', :"name" and
 * :{?name} are psql variables. */
#ifndef PGWIRE_TOOLS_PGW_SLASH_H
#define PGWIRE_TOOLS_PGW_SLASH_H

#include <stdbool.h>
#include <stddef.h>

#include "split.h"
#include "text.h"

/** The rest of a line after a backslash command's name. */
typedef struct pgwc_slash_args {
    const char *p;
    size_t n;
    size_t pos; /**< how far the arguments have been read */
    pgwc_split_var_fn var;
    void *var_ud;
    /** Called with an error text ("unterminated quoted string", a failed
     * backtick command); may be NULL. */
    void (*error)(void *ud, const char *msg);
    void *error_ud;
    bool eval; /**< evaluate backticks and variables (false: psql's OT_NO_EVAL) */
} pgwc_slash_args;

/** Start reading arguments from p[0..n). Variables come from `var` (NULL:
 * none). */
void pgwc_slash_args_init(pgwc_slash_args *a, const char *p, size_t n, pgwc_split_var_fn var,
                          void *ud);

/** The next OT_NORMAL argument into out (reset first).
 * @param quote  receives the last quote character used in the argument
 *               ('\'', '"', '`', ':'), or 0 when it was not quoted
 * @return true with an argument; false at the end of the arguments (the
 *         end of the line or a backslash) and after an error (reported
 *         through a->error; the rest of the line is then used up). */
bool pgwc_slash_next_arg(pgwc_slash_args *a, pgwc_str *out, char *quote);

/** psql's OT_WHOLE_LINE: the rest of the line, without leading and
 * trailing whitespace (nothing is substituted). Returns false when empty. */
bool pgwc_slash_whole_line(pgwc_slash_args *a, pgwc_str *out);

/** After the arguments: skip whitespace and one "\\" (psql's
 * psql_scan_slash_command_end). Returns the bytes used since p. */
size_t pgwc_slash_args_end(pgwc_slash_args *a);

#endif
