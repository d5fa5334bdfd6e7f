/* pgw — the statement splitter: cuts script input into the statements psql
 * 15 would send, one at a time.
 *
 * psql reads its input line by line and runs every line through a lexer
 * (src/fe_utils/psqlscan.l) that copies text into a query buffer until it
 * meets a semicolon outside quotes, comments and parentheses (and outside a
 * BEGIN ... END body of CREATE FUNCTION/PROCEDURE). This module reproduces
 * that behaviour, including its quirks, because a script must be cut the
 * same way by pgw and by psql for the results to be the same:
 *
 *  - a line is scanned on its own: no token spans two lines, and a string
 *    or comment that is open at the end of a line stays open on the next;
 *  - leading whitespace and "--" comments are dropped until the statement
 *    has some text; later ones are kept (psql 15 sends them);
 *  - lines are joined with '\n'; empty lines are skipped unless they are
 *    inside a string, quoted identifier, dollar quote or comment;
 *  - a UTF-8 byte order mark is dropped from the first line;
 *  - "\;" and "\:" put a plain ';' / ':' into the statement without ending it;
 *  - any other backslash outside quotes starts a backslash command, which
 *    pgw does not support: the splitter reports it and skips the rest of
 *    the line, as psql does after a command it rejects;
 *  - psql variables: with a lookup set (pgwc_split_set_vars()), ":name" is
 *    replaced by the value, which is scanned again as input (psql pushes it
 *    onto its lexer: a value may hold a ';' or open a quote), ":'name'" by
 *    the value quoted as a literal and ":\"name\"" as an identifier (not
 *    scanned again), ":{?name}" by TRUE or FALSE; an undefined variable
 *    stays as is, and nothing is replaced inside quotes or comments.
 *
 * The splitter only lexes; it never allocates except for the statement
 * buffer and the current dollar-quote tag.
 *
 * Usage: pgwc_split_init(); then for every input line (without its '\n')
 * pgwc_split_line() followed by pgwc_split_next() until it answers
 * PGWC_SPLIT_EOL; at end of input pgwc_split_finish(); pgwc_split_free(). */
#ifndef PGWIRE_TOOLS_PGW_SPLIT_H
#define PGWIRE_TOOLS_PGW_SPLIT_H

#include <stdbool.h>
#include <stddef.h>

/** What pgwc_split_next() found. */
typedef enum pgwc_split_result {
    PGWC_SPLIT_EOL = 0,       /**< the line is used up; feed the next one */
    PGWC_SPLIT_STATEMENT = 1, /**< a statement ended with ';': send it */
    PGWC_SPLIT_BACKSLASH = 2, /**< a backslash command (the rest of the line is skipped) */
    PGWC_SPLIT_NOMEM = -1     /**< the statement buffer could not grow */
} pgwc_split_result;

/** How a variable is asked for. */
typedef enum pgwc_var_quote {
    PGWC_VAR_PLAIN = 0,   /**< :name */
    PGWC_VAR_LITERAL = 1, /**< :'name' (the callback quotes it) */
    PGWC_VAR_IDENT = 2,   /**< :"name" (the callback quotes it) */
    PGWC_VAR_TEST = 3,    /**< :{?name}: any non-NULL answer means "defined" */
    PGWC_VAR_RECURSIVE = 4 /**< :name inside its own value: report psql's warning
                                ("skipping recursive expansion"), answer NULL */
} pgwc_var_quote;

/** Variable lookup: the text to put in place of the reference, malloc'd
 * (the splitter frees it), or NULL to leave the reference as it is
 * (undefined, or quoting failed). `name` is NUL-terminated. */
typedef char *(*pgwc_split_var_fn)(void *ud, const char *name, pgwc_var_quote quote);

/** A variable value being scanned (psql's buffer stack). */
typedef struct pgwc_split_frame {
    char *text; /* the value (owned) */
    char *name; /* the variable (owned), for the recursion check */
    const char *line; /* what was being scanned before, and where */
    size_t line_len;
    size_t pos;
} pgwc_split_frame;

/** Splitter state. Treat the fields as private; they are public only so
 * that the struct can live on the stack. */
typedef struct pgwc_split {
    /* lexer state carried from line to line */
    int state;              /* enum lex_state in split.c */
    int state_before_quote; /* string state to resume after a continuation */
    int comment_depth;      /* nesting of slash-star comments, 0 = outermost */
    int paren_depth;
    int begin_depth; /* BEGIN ... END depth inside CREATE FUNCTION */
    unsigned identifier_count;
    char identifiers[4]; /* first letters of the first identifiers */
    char *dolq_tag;      /* "$tag$" of the open dollar quote */
    size_t dolq_len;
    size_t dolq_cap;
    bool std_strings; /* standard_conforming_strings */
    bool utf8;        /* client encoding is UTF-8: strip a BOM on line 1 */
    /* the statement being collected */
    char *buf;
    size_t len;
    size_t cap;
    bool clear_before_next; /* a statement was handed out: empty buf first */
    size_t added_nl;        /* len right after the '\n' joining this line, or 0 */
    /* the current line */
    const char *line;
    size_t line_len;
    size_t pos;
    unsigned long lineno;
    /* the last backslash command's name, and where its arguments start */
    const char *cmd;
    size_t cmd_len;
    size_t cmd_end;
    /* variables */
    pgwc_split_var_fn var;
    void *var_ud;
    pgwc_split_frame *frames;
    size_t nframes;
    size_t frames_cap;
} pgwc_split;

/** Prepare an empty splitter (standard_conforming_strings on, UTF-8). */
void pgwc_split_init(pgwc_split *s);

/** Release the buffers. The struct may be initialised again afterwards. */
void pgwc_split_free(pgwc_split *s);

/** Set standard_conforming_strings for the lines that follow (psql reads
 * the server's setting before every line). */
void pgwc_split_set_std_strings(pgwc_split *s, bool on);

/** Set whether the input is UTF-8 (only then is a byte order mark on the
 * first line dropped, as psql does). */
void pgwc_split_set_utf8(pgwc_split *s, bool on);

/** Substitute psql variables through fn (NULL: leave them as they are,
 * the default). */
void pgwc_split_set_vars(pgwc_split *s, pgwc_split_var_fn fn, void *ud);

/** Start scanning one input line of `len` bytes, without its '\n'. Scanning
 * stops at the first NUL byte (psql reads lines as C strings).
 * Ownership: borrows `line` until pgwc_split_next() answers
 * PGWC_SPLIT_EOL. */
void pgwc_split_line(pgwc_split *s, const char *line, size_t len);

/** Scan on in the current line.
 * @return PGWC_SPLIT_STATEMENT with *text / *len set to the statement
 *         (borrowed: valid until the next call on s); PGWC_SPLIT_BACKSLASH
 *         with the command name available from pgwc_split_command(); the
 *         statement collected so far is kept, as psql keeps it;
 *         PGWC_SPLIT_EOL when the line is used up; PGWC_SPLIT_NOMEM. */
pgwc_split_result pgwc_split_next(pgwc_split *s, const char **text, size_t *len);

/** The name of the backslash command just reported (without the backslash;
 * may be empty). Ownership: borrowed from the current line. */
void pgwc_split_command(const pgwc_split *s, const char **name, size_t *len);

/** After PGWC_SPLIT_BACKSLASH: the text after the command's name up to
 * the end of the line (or of the variable value being scanned).
 * Ownership: borrowed, valid until the next call on s. */
void pgwc_split_args(const pgwc_split *s, const char **p, size_t *len);

/** After PGWC_SPLIT_BACKSLASH: continue scanning `used` bytes into the
 * text pgwc_split_args() gave (by default the rest of the line is
 * skipped, as psql does after a command it rejects). */
void pgwc_split_resume(pgwc_split *s, size_t used);

/** At end of input: the statement left without a terminating semicolon.
 * @return true with *text / *len set (borrowed, valid until the next call
 *         on s) when there is one; false when nothing is pending. */
bool pgwc_split_finish(pgwc_split *s, const char **text, size_t *len);

/** Number of lines given to pgwc_split_line() so far (psql's line counter,
 * the N of "pgw:FILE:N:"). */
unsigned long pgwc_split_lineno(const pgwc_split *s);

/** True while a string, quoted identifier, dollar quote or comment is open
 * (psql's psql_scan_in_quote). */
bool pgwc_split_in_quote(const pgwc_split *s);

#endif
