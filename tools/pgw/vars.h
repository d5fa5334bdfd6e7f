/* pgw — psql's variables (variables.c and the hooks of startup.c).
 *
 * A sorted list of NAME = VALUE, as psql keeps it, with psql's special
 * variables: each has a "substitute" rule (what \unset or an empty \set
 * turns into: ON_ERROR_STOP becomes 'off', \set QUIET alone 'on') and a
 * check of the value (Boolean, integer, or one of a list), whose failure
 * leaves the old value in place and reports psql's error text. The
 * variables pgw acts on are mirrored in pgwc_vars.settings. */
#ifndef PGWIRE_TOOLS_PGW_VARS_H
#define PGWIRE_TOOLS_PGW_VARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/** psql's ECHO. */
typedef enum pgwc_echo {
    PGWC_ECHO_NONE = 0,
    PGWC_ECHO_ERRORS = 1,
    PGWC_ECHO_QUERIES = 2,
    PGWC_ECHO_ALL = 3
} pgwc_echo;

/** What the special variables currently mean. */
typedef struct pgwc_settings {
    bool on_error_stop; /**< ON_ERROR_STOP */
    bool quiet;         /**< QUIET */
    bool autocommit;    /**< AUTOCOMMIT (only reported) */
    long fetch_count;   /**< FETCH_COUNT; <= 0 = off */
    pgwc_echo echo;     /**< ECHO */
} pgwc_settings;

typedef struct pgwc_var {
    char *name;
    char *value; /* NULL: a special variable with no value (not listed) */
} pgwc_var;

/** The variable space. Treat the fields other than `settings` as private. */
typedef struct pgwc_vars {
    pgwc_var *v; /* sorted by name (strcmp) */
    size_t n;
    size_t cap;
    pgwc_settings settings;
    /** Where errors go: called with the message (no trailing newline).
     * NULL = "pgw: error: MESSAGE" on stderr. */
    void (*report)(void *ud, const char *msg);
    void *report_ud;
} pgwc_vars;

/** A variable space with psql 15's initial variables (AUTOCOMMIT, ECHO,
 * PROMPT1, VERSION, LAST_ERROR_SQLSTATE, ...). The VERSION variables name
 * pgw and pgwire's version. @return false when out of memory. */
bool pgwc_vars_init(pgwc_vars *vs);

void pgwc_vars_free(pgwc_vars *vs);

/** psql's SetVariable: value NULL unsets. Reports (through vs->report)
 * "invalid variable name: ..." or the special variable's complaint and
 * returns false, leaving the old value. */
bool pgwc_vars_set(pgwc_vars *vs, const char *name, const char *value);

/** The value, or NULL when unset. Ownership: borrowed until the next
 * change of that variable. */
const char *pgwc_vars_get(const pgwc_vars *vs, const char *name);

/** psql's valid_variable_name(): letters, digits, '_' and bytes >= 0x80. */
bool pgwc_valid_variable_name(const char *name, size_t len);

/** Append psql's "\set" listing ("NAME = 'VALUE'\n" for each set
 * variable, in name order) to out. */
void pgwc_vars_print(const pgwc_vars *vs, FILE *out);

#endif
