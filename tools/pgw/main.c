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
 * runs, and "pgw: error: " before that.
 *
 * Scripts get psql's variables (vars.c: -v, \set, \unset, :name
 * substitution done by the splitter, ERROR / SQLSTATE / ROW_COUNT after
 * each query), \echo, \qecho and \warn (slash.c reads their arguments),
 * -1, -o, and ECHO (-a, -e, -b). pgw --wait is wait.c; pgw --binary runs
 * statements through the extended protocol and renders binary values on
 * the client (binary.c). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "pgwire.h"

#include "pgwire/escape.h"

#include "app.h"
#include "binary.h"
#include "errfmt.h"
#include "options.h"
#include "parse_conninfo.h"
#include "print.h"
#include "slash.h"
#include "copy.h"
#include "split.h"
#include "text.h"
#include "trace_connect.h"
#include "vars.h"
#include "wait.h"

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

void pgwc_log_error(app *a, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit_message(a, "error: ", buf);
}

#define log_error pgwc_log_error

static void log_warning(app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_warning(app *a, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit_message(a, "warning: ", buf);
}

static void report_var_error(void *ud, const char *msg)
{
    emit_message(ud, "error: ", msg);
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

void pgwc_report_server(app *a, const pgw_error *e, const char *query, bool is_error)
{
    pgwc_str_reset(&a->msg);
    pgwc_format_server_message(&a->msg, e, query, client_encoding(a), is_error);
    emit_message(a, "", a->msg.failed ? "out of memory" : a->msg.data);
}

#define report_server pgwc_report_server

static void on_notice(void *ud, const pgw_error *notice)
{
    app *a = ud;
    /* libpq shows a notice's position against the query being run */
    report_server(a, notice, a->query, false);
}

/* The connection is gone: say so as psql does and leave with status 2. */
void pgwc_connection_lost(app *a, pgw_status rc, const char *query)
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
    pgwc_binary_free(a);
    pgw_conn_free(a->conn);
    exit(EXIT_BADCONN);
}

#define connection_lost pgwc_connection_lost

/* ---- result variables ------------------------------------------------------ */

/* libpq's PQcmdTuples(): the count of the tags that have one, else "". */
static const char *cmd_tuples(const char *tag)
{
    const char *p;
    if (tag == NULL)
        return "";
    if (strncmp(tag, "INSERT ", 7) == 0) {
        p = strchr(tag + 7, ' ');
        if (p == NULL)
            return "";
        p++;
    } else if (strncmp(tag, "SELECT ", 7) == 0 || strncmp(tag, "DELETE ", 7) == 0 ||
               strncmp(tag, "UPDATE ", 7) == 0) {
        p = tag + 7;
    } else if (strncmp(tag, "FETCH ", 6) == 0 || strncmp(tag, "MERGE ", 6) == 0) {
        p = tag + 6;
    } else if (strncmp(tag, "MOVE ", 5) == 0 || strncmp(tag, "COPY ", 5) == 0) {
        p = tag + 5;
    } else {
        return "";
    }
    if (*p == '\0' || strspn(p, "0123456789") != strlen(p))
        return "";
    return p;
}

/* psql's SetResultVariables(), for the last result of a query. */
void pgwc_set_result_vars(app *a, const char *tag, const pgw_error *err)
{
    pgwc_vars *vs = a->vars;
    if (err == NULL) {
        const char *n = cmd_tuples(tag);
        pgwc_vars_set(vs, "ERROR", "false");
        pgwc_vars_set(vs, "SQLSTATE", "00000");
        pgwc_vars_set(vs, "ROW_COUNT", *n ? n : "0");
        return;
    }
    const char *code = err->sqlstate;
    pgwc_vars_set(vs, "ERROR", "true");
    pgwc_vars_set(vs, "SQLSTATE", code);
    pgwc_vars_set(vs, "ROW_COUNT", "0");
    pgwc_vars_set(vs, "LAST_ERROR_SQLSTATE", code);
    pgwc_vars_set(vs, "LAST_ERROR_MESSAGE", err->message != NULL ? err->message : "");
}

/* psql's SyncVariables(): what the session is connected to. */
static void sync_variables(app *a)
{
    pgwc_vars *vs = a->vars;
    static const char *const opts[][2] = {
        {"DBNAME", "dbname"}, {"USER", "user"}, {"HOST", "host"}, {"PORT", "port"}};
    for (size_t i = 0; i < 4; i++) {
        const char *v = pgw_conn_option(a->conn, opts[i][1]);
        if (v != NULL)
            pgwc_vars_set(vs, opts[i][0], v);
    }
    const char *enc = pgw_conn_parameter(a->conn, "client_encoding");
    pgwc_vars_set(vs, "ENCODING", enc != NULL ? enc : "UTF8");
    const char *sv = pgw_conn_parameter(a->conn, "server_version");
    if (sv != NULL) {
        /* libpq's server version number: 15.2 -> 150002, 9.6.3 -> 90603 */
        long major = 0, minor = 0, rev = 0;
        char *end;
        major = strtol(sv, &end, 10);
        if (*end == '.')
            minor = strtol(end + 1, &end, 10);
        if (*end == '.')
            rev = strtol(end + 1, &end, 10);
        char num[32];
        snprintf(num, sizeof num, "%ld",
                 major >= 10 ? major * 10000 + minor : major * 10000 + minor * 100 + rev);
        pgwc_vars_set(vs, "SERVER_VERSION_NAME", sv);
        pgwc_vars_set(vs, "SERVER_VERSION_NUM", num);
    }
}

/* The splitter's and the argument reader's variable lookup. */
static char *var_lookup(void *ud, const char *name, pgwc_var_quote quote)
{
    app *a = ud;
    if (quote == PGWC_VAR_RECURSIVE) {
        log_warning(a, "skipping recursive expansion of variable \"%s\"", name);
        return NULL;
    }
    const char *v = pgwc_vars_get(a->vars, name);
    if (v == NULL)
        return NULL;
    if (quote == PGWC_VAR_PLAIN || quote == PGWC_VAR_TEST)
        return strdup(v);
    pgw_escape_ctx ctx;
    pgw_escape_ctx_init(&ctx);
    const char *enc = pgw_conn_parameter(a->conn, "client_encoding");
    if (enc != NULL)
        pgw_encoding_from_name(enc, &ctx.encoding);
    const char *scs = pgw_conn_parameter(a->conn, "standard_conforming_strings");
    ctx.standard_conforming_strings = scs == NULL || strcmp(scs, "on") == 0;
    pgw_buf b;
    pgw_buf_init(&b, NULL, 0);
    pgw_status rc = quote == PGWC_VAR_LITERAL ? pgw_escape_literal(&b, v, strlen(v), &ctx)
                                              : pgw_escape_identifier(&b, v, strlen(v), &ctx);
    char *out = NULL;
    if (rc == PGW_OK && (out = malloc(b.len + 1)) != NULL) {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
    } else if (rc != PGW_OK) {
        /* libpq's words for the escaping failure */
        log_error(a, "%s",
                  rc == PGW_E_INVALID ? "invalid multibyte character" : pgw_status_str(rc));
    }
    pgw_buf_free(&b);
    return out;
}

/* ---- running a query ---------------------------------------------------- */

static bool prints_status_with_rows(const char *tag)
{
    return strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
           strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0;
}

/* Print one result the cursor is positioned on. Returns PGW_OK, or the
 * status that stopped it (PGW_E_SERVER: the statement failed mid-way). */
pgw_status pgwc_print_result(app *a, pgw_cursor *cur)
{
    pgwc_printer *pr = &a->printer;
    if (!pgw_cursor_has_rows(cur)) {
        const char *tag = pgw_cursor_command_tag(cur);
        /* an empty query has an empty tag, and psql prints nothing */
        if (tag != NULL && *tag != '\0' && !a->vars->settings.quiet)
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
        if (a->binary != NULL && (rc = pgwc_binary_values(a, cur, vals, ncols)) != PGW_OK)
            break;
        pgwc_print_row(pr, vals);
    }
    free(vals);
    if (rc != PGW_END) {
        pgwc_print_abort(pr);
        return rc;
    }
    pgwc_print_end(pr);
    const char *tag = pgw_cursor_command_tag(cur);
    if (tag != NULL && !a->vars->settings.quiet && prints_status_with_rows(tag))
        pgwc_print_status(pr, tag);
    return PGW_OK;
}

/* Send `sql` as one simple Query and print every result, as psql's
 * SendQuery does. Returns false when a statement failed. */
bool pgwc_run_simple_query(app *a, const char *sql)
{
    pgw_cursor *cur = NULL;
    bool ok = true;
    a->query = sql;
    pgw_status rc = pgw_query(a->conn, sql, &cur);
    for (;;) {
        if (rc == PGW_OK) {
            rc = pgwc_print_result(a, cur);
            if (rc == PGW_OK)
                pgwc_set_result_vars(a, pgw_cursor_command_tag(cur), NULL);
        }
        if (rc == PGW_E_SERVER) {
            /* the statement failed; the ones after it in the string were
             * not run, and the cursor ends next */
            report_server(a, pgw_conn_error(a->conn), sql, true);
            pgwc_set_result_vars(a, NULL, pgw_conn_error(a->conn));
            ok = false;
        } else if (rc != PGW_OK && rc != PGW_END) {
            pgw_cursor_free(cur);
            pgw_conn_state st = pgw_conn_get_state(a->conn);
            if (st == PGW_CONN_BROKEN || st == PGW_CONN_CLOSED)
                connection_lost(a, rc, sql); /* does not return */
            log_error(a, "%s", rc == PGW_E_NOMEM ? "out of memory" : pgw_conn_errmsg(a->conn));
            pgw_error none;
            memset(&none, 0, sizeof none);
            pgwc_set_result_vars(a, NULL, &none);
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

static bool std_strings(const app *a)
{
    const char *v = pgw_conn_parameter(a->conn, "standard_conforming_strings");
    return v != NULL && strcmp(v, "on") == 0;
}

/* Characters in p[0..n) in the client encoding (for error positions). */
static size_t char_count(const app *a, const char *p, size_t n)
{
    if (client_encoding(a) != PGWC_ENC_UTF8)
        return n;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)p[i] & 0xC0) != 0x80;
    return k;
}

/* Statements that manage transactions themselves: a string holding one is
 * not wrapped in a transaction of ours. */
static bool is_tx_control(const char *stmt)
{
    static const char *const words[] = {"begin",   "start",    "commit",  "end",
                                        "rollback", "abort",   "savepoint", "release",
                                        "prepare", NULL};
    while (*stmt == ' ' || *stmt == '\t' || *stmt == '\n' || *stmt == '\r')
        stmt++;
    for (size_t i = 0; words[i] != NULL; i++) {
        size_t n = strlen(words[i]);
        if (strncasecmp(stmt, words[i], n) == 0 && !isalnum((unsigned char)stmt[n]) &&
            stmt[n] != '_')
            return true;
    }
    return false;
}

/* --binary: the extended protocol takes one statement at a time, so a
 * string holding several (a -c string, or a "\;" group) is cut as pgw cuts
 * scripts and each statement runs on its own. psql sends such a string as
 * one Query, which the server runs as one implicit transaction that stops
 * at the first error: pgw does the same with BEGIN / COMMIT (ROLLBACK after
 * an error) around the statements, unless the string manages transactions
 * itself or one is already open, and shows errors against the whole
 * string. */
typedef struct stmt_list {
    char **v;
    size_t n;
    size_t cap;
} stmt_list;

static bool push_stmt(stmt_list *l, const char *text)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 8;
        char **nv = realloc(l->v, nc * sizeof *nv);
        if (nv == NULL)
            return false;
        l->v = nv;
        l->cap = nc;
    }
    if ((l->v[l->n] = strdup(text)) == NULL)
        return false;
    l->n++;
    return true;
}

static bool run_binary(app *a, const char *sql)
{
    pgwc_split sp;
    pgwc_split_init(&sp);
    pgwc_split_set_std_strings(&sp, std_strings(a));
    /* a byte order mark was dealt with when the script was read: one left
     * in a statement is part of it */
    pgwc_split_set_utf8(&sp, false);
    stmt_list l = {NULL, 0, 0};
    bool ok = true;
    const char *p = sql, *text;
    size_t len;
    for (;;) {
        size_t ll = strcspn(p, "\n");
        pgwc_split_line(&sp, p, ll);
        pgwc_split_result r;
        while ((r = pgwc_split_next(&sp, &text, &len)) != PGWC_SPLIT_EOL)
            if (r == PGWC_SPLIT_STATEMENT)
                ok = push_stmt(&l, text) && ok;
        if (p[ll] == '\0')
            break;
        p += ll + 1;
    }
    if (pgwc_split_finish(&sp, &text, &len))
        ok = push_stmt(&l, text) && ok;
    pgwc_split_free(&sp);
    if (!ok)
        log_error(a, "out of memory");
    char **stmts = l.v;
    size_t n = ok ? l.n : 0; /* run nothing after a failure here */
    bool wrap = n > 1 && pgw_conn_tx_status(a->conn) == PGW_TX_IDLE;
    for (size_t i = 0; wrap && i < n; i++)
        wrap = !is_tx_control(stmts[i]);
    if (wrap && pgw_exec(a->conn, "BEGIN", NULL) != PGW_OK)
        wrap = false;
    size_t from = 0;
    for (size_t i = 0; i < n && ok; i++) {
        const char *at = strstr(sql + from, stmts[i]);
        size_t off = 0;
        if (n > 1 && at != NULL) {
            off = char_count(a, sql, (size_t)(at - sql));
            from = (size_t)(at - sql) + strlen(stmts[i]);
        }
        ok = pgwc_binary_run(a, stmts[i], n > 1 && at != NULL ? sql : NULL, off);
    }
    if (wrap)
        pgw_exec(a->conn, ok ? "COMMIT" : "ROLLBACK", NULL);
    for (size_t i = 0; i < l.n; i++)
        free(stmts[i]);
    free(stmts);
    return ok;
}

/* psql's PrintNotifications: LISTEN notifications that arrived with the
 * command, in psql's words, on the query output. */
static void print_notifications(app *a)
{
    pgw_notification n;
    while (pgw_conn_notification_next(a->conn, &n) == PGW_OK) {
        if (n.payload_len > 0)
            fprintf(a->qout,
                    "Asynchronous notification \"%s\" with payload \"%s\" received from server "
                    "process with PID %d.\n",
                    n.channel, n.payload, (int)n.pid);
        else
            fprintf(a->qout,
                    "Asynchronous notification \"%s\" received from server process with PID "
                    "%d.\n",
                    n.channel, (int)n.pid);
    }
    fflush(a->qout);
}

/* psql's SendQuery: the echo settings around running one query. */
static bool run_query(app *a, const char *sql)
{
    long fc = a->vars->settings.fetch_count;
    a->printer.opt.fetch_count = fc > 0 ? (size_t)fc : 0;
    if (a->vars->settings.echo == PGWC_ECHO_QUERIES) {
        puts(sql);
        fflush(stdout);
    }
    bool ok = a->binary != NULL ? run_binary(a, sql) : pgwc_run_simple_query(a, sql);
    print_notifications(a);
    if (!ok && a->vars->settings.echo == PGWC_ECHO_ERRORS) {
        char *m = malloc(strlen(sql) + 16);
        if (m != NULL) {
            sprintf(m, "STATEMENT:  %s", sql);
            emit_message(a, "", m);
            free(m);
        }
    }
    return ok;
}

/* A query psql runs for itself (PSQLexec: BEGIN / COMMIT of -1): nothing
 * printed but an error. */
static bool run_silent(app *a, const char *sql)
{
    pgw_status rc = pgw_exec(a->conn, sql, NULL);
    if (rc == PGW_OK)
        return true;
    if (rc == PGW_E_SERVER) {
        report_server(a, pgw_conn_error(a->conn), sql, true);
        return false;
    }
    pgw_conn_state st = pgw_conn_get_state(a->conn);
    if (st == PGW_CONN_BROKEN || st == PGW_CONN_CLOSED)
        connection_lost(a, rc, sql);
    log_error(a, "%s", pgw_conn_errmsg(a->conn));
    return false;
}

/* ---- backslash commands ---------------------------------------------------- */

static void slash_error(void *ud, const char *msg)
{
    log_error(ud, "%s", msg);
}

/* Run one backslash command whose arguments are in args[0..n). Returns
 * false when it failed; *used receives the bytes of args it took (psql
 * goes on lexing the line after them). */
static bool run_backslash(app *a, const char *cmd, size_t cl, const char *args, size_t n,
                          size_t *used)
{
    pgwc_slash_args sa;
    pgwc_slash_args_init(&sa, args, n, var_lookup, a);
    sa.error = slash_error;
    sa.error_ud = a;
    pgwc_str *arg = &a->arg;
    char q;
    bool ok = true, known = true;
    char name[64];
    snprintf(name, sizeof name, "%.*s", (int)(cl < 60 ? cl : 60), cmd);

    if (strcmp(name, "echo") == 0 || strcmp(name, "qecho") == 0 || strcmp(name, "warn") == 0) {
        FILE *f = name[0] == 'e' ? stdout : name[0] == 'q' ? a->qout : stderr;
        bool no_newline = false, first = true;
        pgwc_print_flush(&a->printer);
        while (pgwc_slash_next_arg(&sa, arg, &q)) {
            if (first && !no_newline && q == 0 && strcmp(arg->data, "-n") == 0) {
                no_newline = true;
                continue;
            }
            if (!first)
                fputc(' ', f);
            first = false;
            fputs(arg->data, f);
        }
        if (!no_newline)
            fputc('\n', f);
        fflush(f);
    } else if (strcmp(name, "set") == 0) {
        if (!pgwc_slash_next_arg(&sa, arg, &q)) {
            pgwc_print_flush(&a->printer);
            pgwc_vars_print(a->vars, stdout);
            fflush(stdout);
        } else {
            char *var = strdup(arg->data);
            pgwc_str val;
            pgwc_str_init(&val);
            pgwc_str_puts(&val, "");
            while (pgwc_slash_next_arg(&sa, arg, &q))
                pgwc_str_append(&val, arg->data, arg->len);
            ok = var != NULL && !val.failed && pgwc_vars_set(a->vars, var, val.data);
            free(var);
            pgwc_str_free(&val);
        }
    } else if (strcmp(name, "unset") == 0) {
        if (!pgwc_slash_next_arg(&sa, arg, &q)) {
            log_error(a, "\\%s: missing required argument", name);
            ok = false;
        } else {
            ok = pgwc_vars_set(a->vars, arg->data, NULL);
        }
    } else if (strcmp(name, "copy") == 0) {
        pgwc_str line;
        pgwc_str_init(&line);
        if (pgwc_slash_whole_line(&sa, &line))
            ok = pgwc_copy_run(a, line.data, line.len, a->script_in);
        else
            ok = pgwc_copy_run(a, "", 0, a->script_in);
        pgwc_str_free(&line);
    } else {
        log_error(a, "backslash command \\%s is not supported", name);
        ok = false;
        known = false;
    }
    if (known && ok) {
        /* psql ignores (with a warning) what a valid command did not take */
        sa.eval = false;
        while (pgwc_slash_next_arg(&sa, arg, &q))
            log_warning(a, "\\%s: extra argument \"%s\" ignored", name, arg->data);
    } else {
        /* and throws away the rest of the line after an erroneous one */
        sa.pos = sa.n;
    }
    *used = pgwc_slash_args_end(&sa);
    return ok;
}

/* ---- scripts ---------------------------------------------------------------- */

/* psql's MainLoop for a non-interactive source: returns EXIT_OK, or
 * EXIT_USER when a statement failed under ON_ERROR_STOP. */
static int run_script(app *a, FILE *in)
{
    pgwc_split sp;
    pgwc_split_init(&sp);
    pgwc_split_set_vars(&sp, var_lookup, a);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int result = EXIT_OK;
    bool stop = false;
    a->script_in = in;
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
        if (a->vars->settings.echo == PGWC_ECHO_ALL) {
            /* psql echoes each line it will look at (after the byte order
             * mark, up to a NUL), not the empty ones outside quotes */
            bool bom = pgwc_split_lineno(&sp) == 0 && client_encoding(a) == PGWC_ENC_UTF8;
            size_t from = bom ? skip : 0;
            size_t m = strnlen(line + from, n - from);
            if (m > 0 || pgwc_split_in_quote(&sp)) {
                pgwc_print_flush(&a->printer);
                fwrite(line + from, 1, m, stdout);
                fputc('\n', stdout);
                fflush(stdout);
            }
        }
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
                const char *cmd, *args;
                size_t cl, al, used;
                pgwc_split_command(&sp, &cmd, &cl);
                pgwc_split_args(&sp, &args, &al);
                ok = run_backslash(a, cmd, cl, args, al, &used);
                pgwc_split_resume(&sp, used);
                sp.lineno += a->script_lines; /* \copy's inline data */
                a->script_lines = 0;
            } else {
                log_error(a, "out of memory");
                ok = false;
            }
            if (!ok && a->vars->settings.on_error_stop) {
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
        if (pgwc_split_finish(&sp, &text, &len) && !run_query(a, text) &&
            a->vars->settings.on_error_stop)
            result = EXIT_USER;
    }
    a->script_in = NULL;
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

/* A -c string that starts with a backslash: psql runs that one command
 * (and whatever it does not take is ignored). */
static bool run_command_string(app *a, const char *s)
{
    const char *cmd = s + 1;
    size_t cl = strcspn(cmd, " \t\n\r\f\\");
    const char *args = cmd + cl;
    size_t used;
    return run_backslash(a, cmd, cl, args, strlen(args), &used);
}

static int run_actions(app *a, const pgwc_options *opt)
{
    int result = EXIT_OK;
    if (opt->single_txn && !run_silent(a, "BEGIN") && a->vars->settings.on_error_stop)
        return EXIT_USER;
    for (size_t i = 0; i < opt->nactions; i++) {
        const pgwc_action *act = &opt->actions[i];
        if (act->is_file) {
            result = act->val == NULL ? (a->terse = true, run_script(a, stdin))
                                      : run_file(a, act->val);
        } else {
            a->terse = true;
            if (a->vars->settings.echo == PGWC_ECHO_ALL) {
                puts(act->val);
                fflush(stdout);
            }
            if (act->val[0] == '\\')
                result = run_command_string(a, act->val) ? EXIT_OK : EXIT_FAIL;
            else
                result = run_query(a, act->val) ? EXIT_OK : EXIT_FAIL;
        }
        if (result != EXIT_OK && a->vars->settings.on_error_stop)
            break;
    }
    if (opt->single_txn) {
        /* psql 15 rolls back when ON_ERROR_STOP stopped the actions */
        bool stopped = result != EXIT_OK && a->vars->settings.on_error_stop;
        if (!run_silent(a, stopped ? "ROLLBACK" : "COMMIT") && a->vars->settings.on_error_stop)
            result = EXIT_USER;
    }
    return result;
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
        /* pg_isready's status for bad parameters */
        return opt.wait ? PGWC_WAIT_NO_ATTEMPT : EXIT_FAIL;
    }
    pgwc_str ci;
    if (!pgwc_options_conninfo(&opt, &ci)) {
        fatal_message("out of memory");
        pgwc_str_free(&ci);
        pgwc_options_free(&opt);
        return EXIT_FAIL;
    }
    if (opt.wait) {
        int st = pgwc_wait(ci.data, opt.wait_timeout, opt.vars.settings.quiet);
        pgwc_str_free(&ci);
        pgwc_options_free(&opt);
        return st;
    }
    app a;
    memset(&a, 0, sizeof a);
    a.vars = &opt.vars;
    a.qout = opt.qout != NULL ? opt.qout : stdout;
    pgwc_str_init(&a.msg);
    pgwc_str_init(&a.arg);

    pgw_conn_options co;
    pgw_conn_options_init(&co);
    co.conninfo = ci.data;
    co.notice = on_notice;
    co.notice_ud = &a;
    if (opt.binary)
        co.statement_cache_size = -1; /* a named statement per query, closed after */
    /* --trace: the non-blocking connect lets the trace start with the
     * very first message. */
    static pgw_trace_sink trace_sink = {2, PGW_TRACE_TIMESTAMPS};
    pgw_status rc = opt.trace ? pgwc_connect_traced(&a.conn, &co, pgw_trace_fd, &trace_sink)
                              : pgw_connect(&a.conn, &co);
    pgwc_str_free(&ci);
    if (rc != PGW_OK) {
        fatal_message("%s", pgw_conn_errmsg(a.conn));
        pgw_conn_free(a.conn);
        pgwc_options_free(&opt);
        return EXIT_BADCONN;
    }
    a.tls = pgw_conn_tls_in_use(a.conn);
    opt.vars.report = report_var_error;
    opt.vars.report_ud = &a;
    sync_variables(&a);
    opt.print.enc = client_encoding(&a);
    pgwc_printer_init(&a.printer, &opt.print, a.qout);

    int result = EXIT_OK;
    if (opt.binary && !pgwc_binary_init(&a)) {
        fatal_message("out of memory");
        result = EXIT_FAIL;
    } else {
        result = run_actions(&a, &opt);
    }

    pgwc_print_flush(&a.printer);
    if (pgwc_print_failed(&a.printer) && result == EXIT_OK)
        result = EXIT_FAIL;
    pgwc_printer_free(&a.printer);
    pgwc_str_free(&a.msg);
    pgwc_str_free(&a.arg);
    pgwc_binary_free(&a);
    pgw_close(a.conn);
    pgwc_options_free(&opt);
    return result;
}
