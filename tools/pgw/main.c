/* pgw — a psql-compatible command-line client for scripts, on pgwire's
 * public API only.
 *
 * What it runs: each -c string as one simple Query (as psql does), each -f
 * file or standard input cut into statements by the splitter (split.c)
 * exactly where psql cuts them, one Query per statement. What it prints:
 * psql's output formats (print.c), and errors and notices as psql writes
 * them (errfmt.c). How it ends: psql's exit statuses (0 ok, 1 a failed -c or
 * a fatal pgw error, 2 no or lost connection, 3 an error in a script with
 * ON_ERROR_STOP).
 *
 * psql's message prefixes are kept: "pgw:FILE:LINE: " while a -f file runs
 * ("<stdin>" for -f -), nothing while a -c command or plain standard input
 * runs, and "pgw: error: " before that. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "pgwire.h"

#include "errfmt.h"
#include "options.h"
#include "parse_conninfo.h"
#include "print.h"
#include "split.h"
#include "text.h"

/* psql's exit statuses */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_BADCONN = 2, EXIT_USER = 3 };

typedef struct app {
    pgw_conn *conn;
    pgwc_printer printer;
    bool quiet;
    bool on_error_stop;
    bool tls; /* the session runs over TLS (libpq words a lost session differently) */
    /* where messages come from: psql's log prefix rules */
    bool terse;             /* a -c command or plain stdin has run */
    const char *locus_file; /* the -f file being read, or NULL */
    const char *query;      /* the query being run (for notice positions) */
    unsigned long locus_line;
    pgwc_str msg;
} app;

/* ---- messages ------------------------------------------------------------- */

/* Write one message to stderr with psql's prefix. `level` is "error: " for
 * pgw's own errors and "" for server messages (psql logs those at a level
 * without a label). A trailing newline in `text` is dropped, one added. */
static void emit_message(app *a, const char *level, const char *text)
{
    fflush(stdout);
    size_t n = strlen(text);
    if (n > 0 && text[n - 1] == '\n')
        n--;
    if (a->locus_file != NULL) {
        fprintf(stderr, "pgw:%s:", a->locus_file);
        if (a->locus_line > 0)
            fprintf(stderr, "%lu:", a->locus_line);
        fprintf(stderr, " %s", level);
    } else if (!a->terse) {
        fprintf(stderr, "pgw: %s", level);
    }
    fprintf(stderr, "%.*s\n", (int)n, text);
}

static void log_error(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_error(app *a, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit_message(a, "error: ", buf);
}

/* Errors before the connection exists: always "pgw: error: ". */
static void fatal_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fatal_message(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("pgw: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static pgwc_encoding client_encoding(const app *a)
{
    return pgwc_encoding_from_name(pgw_conn_parameter(a->conn, "client_encoding"));
}

static void report_server(app *a, const pgw_error *e, const char *query, bool is_error)
{
    pgwc_str_reset(&a->msg);
    pgwc_format_server_message(&a->msg, e, query, client_encoding(a), is_error);
    emit_message(a, "", a->msg.failed ? "out of memory" : a->msg.data);
}

static void on_notice(void *ud, const pgw_error *notice)
{
    app *a = ud;
    /* libpq shows a notice's position against the query being run */
    report_server(a, notice, a->query, false);
}

/* The connection is gone: say so as psql does and leave with status 2. */
static void connection_lost(app *a, pgw_status rc, const char *query)
{
    const pgw_error *e = pgw_conn_error(a->conn);
    pgwc_print_abort(&a->printer);
    pgwc_print_flush(&a->printer);
    if (e->severity != NULL) {
        /* a FATAL error from the server, then the closed socket, in
         * libpq's words for a plain and for a TLS connection */
        report_server(a, e, query, true);
        emit_message(a, "",
                     a->tls ? "SSL connection has been closed unexpectedly"
                            : "server closed the connection unexpectedly\n"
                              "\tThis probably means the server terminated abnormally\n"
                              "\tbefore or while processing the request.");
    } else {
        const char *m = pgw_conn_errmsg(a->conn);
        emit_message(a, "", *m ? m : pgw_status_str(rc));
    }
    log_error(a, "connection to server was lost");
    pgwc_printer_free(&a->printer);
    pgwc_str_free(&a->msg);
    pgw_conn_free(a->conn);
    exit(EXIT_BADCONN);
}

/* ---- running a query ---------------------------------------------------- */

static bool prints_status_with_rows(const char *tag)
{
    return strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
           strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0;
}

/* Print one result the cursor is positioned on. Returns PGW_OK, or the
 * status that stopped it (PGW_E_SERVER: the statement failed mid-way). */
static pgw_status print_result(app *a, pgw_cursor *cur)
{
    pgwc_printer *pr = &a->printer;
    if (!pgw_cursor_has_rows(cur)) {
        const char *tag = pgw_cursor_command_tag(cur);
        /* an empty query has an empty tag, and psql prints nothing */
        if (tag != NULL && *tag != '\0' && !a->quiet)
            pgwc_print_status(pr, tag);
        return PGW_OK;
    }
    uint16_t ncols = pgw_cursor_ncols(cur);
    const char **names = calloc(ncols ? ncols : 1, sizeof *names);
    uint32_t *types = calloc(ncols ? ncols : 1, sizeof *types);
    pgw_value *vals = calloc(ncols ? ncols : 1, sizeof *vals);
    if (names == NULL || types == NULL || vals == NULL) {
        free(names);
        free(types);
        free(vals);
        return PGW_E_NOMEM;
    }
    for (uint16_t j = 0; j < ncols; j++) {
        names[j] = pgw_cursor_column_name(cur, j);
        types[j] = pgw_cursor_column_type(cur, j);
    }
    pgwc_print_begin(pr, ncols, names, types);
    free(names);
    free(types);
    pgw_status rc;
    while ((rc = pgw_cursor_next(cur)) == PGW_OK) {
        for (uint16_t j = 0; j < ncols; j++)
            if (pgw_cursor_value(cur, j, &vals[j]) != PGW_OK)
                vals[j].len = -1;
        pgwc_print_row(pr, vals);
    }
    free(vals);
    if (rc != PGW_END) {
        pgwc_print_abort(pr);
        return rc;
    }
    pgwc_print_end(pr);
    const char *tag = pgw_cursor_command_tag(cur);
    if (tag != NULL && !a->quiet && prints_status_with_rows(tag))
        pgwc_print_status(pr, tag);
    return PGW_OK;
}

/* Send `sql` as one simple Query and print every result, as psql's
 * SendQuery does. Returns false when a statement failed. */
static bool run_query(app *a, const char *sql)
{
    pgw_cursor *cur = NULL;
    bool ok = true;
    a->query = sql;
    pgw_status rc = pgw_query(a->conn, sql, &cur);
    for (;;) {
        if (rc == PGW_OK)
            rc = print_result(a, cur);
        if (rc == PGW_E_SERVER) {
            /* the statement failed; the ones after it in the string were
             * not run, and the cursor ends next */
            report_server(a, pgw_conn_error(a->conn), sql, true);
            ok = false;
        } else if (rc != PGW_OK && rc != PGW_END) {
            pgw_cursor_free(cur);
            pgw_conn_state st = pgw_conn_get_state(a->conn);
            if (st == PGW_CONN_BROKEN || st == PGW_CONN_CLOSED)
                connection_lost(a, rc, sql); /* does not return */
            log_error(a, "%s", rc == PGW_E_NOMEM ? "out of memory" : pgw_conn_errmsg(a->conn));
            ok = false;
            break;
        }
        if (rc == PGW_END || cur == NULL) {
            pgw_cursor_free(cur);
            break;
        }
        rc = pgw_cursor_next_result(cur);
    }
    pgwc_print_flush(&a->printer);
    a->query = NULL;
    return ok;
}

/* ---- scripts ---------------------------------------------------------------- */

static bool std_strings(const app *a)
{
    const char *v = pgw_conn_parameter(a->conn, "standard_conforming_strings");
    return v != NULL && strcmp(v, "on") == 0;
}

/* psql's MainLoop for a non-interactive source: returns EXIT_OK, or
 * EXIT_USER when a statement failed under ON_ERROR_STOP. */
static int run_script(app *a, FILE *in)
{
    pgwc_split sp;
    pgwc_split_init(&sp);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int result = EXIT_OK;
    bool stop = false;
    errno = 0;
    while (!stop && (got = getline(&line, &cap, in)) >= 0) {
        size_t n = (size_t)got;
        if (n > 0 && line[n - 1] == '\n')
            n--;
        /* psql recognises a custom-format dump and refuses it (after
         * dropping a byte order mark) */
        size_t skip = n >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
        if (pgwc_split_lineno(&sp) == 0 && n >= skip + 5 && memcmp(line + skip, "PGDMP", 5) == 0 &&
            (skip == 0 || client_encoding(a) == PGWC_ENC_UTF8)) {
            fputs("The input is a PostgreSQL custom-format dump.\n"
                  "Use the pg_restore command-line client to restore this dump to a database.\n\n",
                  stdout);
            fflush(stdout);
            result = EXIT_FAIL;
            break;
        }
        pgwc_split_set_std_strings(&sp, std_strings(a));
        pgwc_split_set_utf8(&sp, client_encoding(a) == PGWC_ENC_UTF8);
        pgwc_split_line(&sp, line, n);
        a->locus_line = pgwc_split_lineno(&sp);
        for (;;) {
            const char *text;
            size_t len;
            pgwc_split_result r = pgwc_split_next(&sp, &text, &len);
            if (r == PGWC_SPLIT_EOL)
                break;
            bool ok;
            if (r == PGWC_SPLIT_STATEMENT) {
                ok = run_query(a, text);
            } else if (r == PGWC_SPLIT_BACKSLASH) {
                const char *cmd;
                size_t cl;
                pgwc_split_command(&sp, &cmd, &cl);
                log_error(a, "backslash command \\%.*s is not supported", (int)cl, cmd);
                ok = false;
            } else {
                log_error(a, "out of memory");
                ok = false;
            }
            if (!ok && a->on_error_stop) {
                result = EXIT_USER;
                stop = true;
                break;
            }
        }
    }
    if (!stop && ferror(in)) {
        /* e.g. a directory given to -f; psql reports it the same way */
        log_error(a, "could not read from input file: %s", strerror(errno));
        result = EXIT_FAIL;
        stop = true;
    }
    if (!stop && result == EXIT_OK) {
        const char *text;
        size_t len;
        /* the last statement may lack its semicolon */
        if (pgwc_split_finish(&sp, &text, &len) && !run_query(a, text) && a->on_error_stop)
            result = EXIT_USER;
    }
    free(line);
    pgwc_split_free(&sp);
    return result;
}

static int run_file(app *a, const char *path)
{
    FILE *in = stdin;
    const char *name = "<stdin>";
    if (strcmp(path, "-") != 0) {
        in = fopen(path, "rb");
        if (in == NULL) {
            log_error(a, "%s: %s", path, strerror(errno));
            return EXIT_FAIL;
        }
        name = path;
    }
    a->locus_file = name;
    a->locus_line = 0;
    int rc = run_script(a, in);
    a->locus_file = NULL;
    if (in != stdin)
        fclose(in);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--parse-conninfo") == 0)
        return pgwc_parse_conninfo(argc, argv);
    pgwc_options opt;
    switch (pgwc_options_parse(&opt, argc, argv)) {
    case PGWC_PARSE_RUN:
        break;
    case PGWC_PARSE_DONE:
        pgwc_options_free(&opt);
        return EXIT_OK;
    case PGWC_PARSE_ERROR:
        pgwc_options_free(&opt);
        return EXIT_FAIL;
    }
    app a;
    memset(&a, 0, sizeof a);
    a.quiet = opt.quiet;
    a.on_error_stop = opt.on_error_stop;
    pgwc_str_init(&a.msg);

    pgwc_str ci;
    if (!pgwc_options_conninfo(&opt, &ci)) {
        fatal_message("out of memory");
        pgwc_str_free(&ci);
        pgwc_options_free(&opt);
        return EXIT_FAIL;
    }
    pgw_conn_options co;
    pgw_conn_options_init(&co);
    co.conninfo = ci.data;
    co.notice = on_notice;
    co.notice_ud = &a;
    pgw_status rc = pgw_connect(&a.conn, &co);
    pgwc_str_free(&ci);
    if (rc != PGW_OK) {
        fatal_message("%s", pgw_conn_errmsg(a.conn));
        pgw_conn_free(a.conn);
        pgwc_options_free(&opt);
        return EXIT_BADCONN;
    }
    a.tls = pgw_conn_tls_in_use(a.conn);
    opt.print.enc = client_encoding(&a);
    pgwc_printer_init(&a.printer, &opt.print, stdout);

    int result = EXIT_OK;
    if (opt.nactions == 0) {
        /* plain standard input: no prefix on messages, as psql */
        a.terse = true;
        result = run_script(&a, stdin);
    }
    for (size_t i = 0; i < opt.nactions; i++) {
        const pgwc_action *act = &opt.actions[i];
        if (act->is_file) {
            result = run_file(&a, act->val);
        } else if (act->val[0] == '\\') {
            /* psql runs a -c string that starts with a backslash as
             * backslash commands */
            a.terse = true;
            const char *cmd = act->val + 1;
            size_t cl = strcspn(cmd, " \t\n\r\f\\");
            log_error(&a, "backslash command \\%.*s is not supported", (int)cl, cmd);
            result = EXIT_FAIL;
        } else {
            a.terse = true;
            result = run_query(&a, act->val) ? EXIT_OK : EXIT_FAIL;
        }
        if (result != EXIT_OK && a.on_error_stop)
            break;
    }

    pgwc_print_flush(&a.printer);
    if (pgwc_print_failed(&a.printer) && result == EXIT_OK)
        result = EXIT_FAIL;
    pgwc_printer_free(&a.printer);
    pgwc_str_free(&a.msg);
    pgw_close(a.conn);
    pgwc_options_free(&opt);
    return result;
}
