/* pgw's \copy: parse psql's syntax, then stream a file through pgwire's
 * COPY API (pgw_copy_begin / put / end, or get). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copy.h"

void pgwc_copy_cmd_init(pgwc_copy_cmd *cmd)
{
    pgwc_str_init(&cmd->sql);
    pgwc_str_init(&cmd->file);
    cmd->from = false;
    cmd->pstd = false;
}

void pgwc_copy_cmd_free(pgwc_copy_cmd *cmd)
{
    pgwc_str_free(&cmd->sql);
    pgwc_str_free(&cmd->file);
}

static bool is_word(const char *p, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/* The end of the token starting at i: a quoted string ('...' or "...",
 * doubled quotes inside), a parenthesised group (with quotes inside), or a
 * run up to whitespace or '('. Returns i when the quote is unterminated. */
static size_t token_end(const char *s, size_t n, size_t i)
{
    if (s[i] == '\'' || s[i] == '"') {
        char q = s[i];
        for (size_t j = i + 1; j < n; j++) {
            if (s[j] == q) {
                if (j + 1 < n && s[j + 1] == q) {
                    j++;
                    continue;
                }
                return j + 1;
            }
        }
        return i;
    }
    if (s[i] == '(') {
        int depth = 0;
        for (size_t j = i; j < n; j++) {
            if (s[j] == '\'' || s[j] == '"') {
                size_t e = token_end(s, n, j);
                if (e == j)
                    return i;
                j = e - 1;
            } else if (s[j] == '(') {
                depth++;
            } else if (s[j] == ')' && --depth == 0) {
                return j + 1;
            }
        }
        return i;
    }
    size_t j = i;
    while (j < n && !isspace((unsigned char)s[j]) && s[j] != '(' && s[j] != '\'')
        j++;
    return j;
}

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && isspace((unsigned char)s[i]))
        i++;
    return i;
}

const char *pgwc_copy_parse(const char *s, size_t n, pgwc_copy_cmd *cmd)
{
    static const char *const bad = "\\copy: parse error at end of line";
    size_t i = skip_ws(s, n, 0), target_start = i, target_end = i;
    if (i == n)
        return "\\copy: arguments required";
    /* The table (with its column list) or the query, up to FROM or TO. */
    for (;;) {
        i = skip_ws(s, n, i);
        if (i == n)
            return bad;
        size_t e = token_end(s, n, i);
        if (e == i)
            return "\\copy: parse error at end of line";
        if (target_end > target_start && (is_word(s + i, e - i, "from") || is_word(s + i, e - i, "to"))) {
            cmd->from = is_word(s + i, e - i, "from");
            i = e;
            break;
        }
        target_end = e;
        i = e;
    }
    /* The file. */
    i = skip_ws(s, n, i);
    if (i == n)
        return bad;
    size_t e = token_end(s, n, i);
    if (e == i)
        return "\\copy: parse error at end of line";
    if (s[i] == '\'') {
        for (size_t j = i + 1; j + 1 < e; j++) {
            pgwc_str_putc(&cmd->file, s[j]);
            if (s[j] == '\'')
                j++; /* '' */
        }
        if (cmd->file.len == 0)
            return bad;
    } else if (is_word(s + i, e - i, "program")) {
        return "\\copy: PROGRAM is not supported by pgw";
    } else if (is_word(s + i, e - i, "stdin") || is_word(s + i, e - i, "stdout")) {
        if (is_word(s + i, e - i, "stdin") != cmd->from)
            return bad;
    } else if (is_word(s + i, e - i, "pstdin") || is_word(s + i, e - i, "pstdout")) {
        if (is_word(s + i, e - i, "pstdin") != cmd->from)
            return bad;
        cmd->pstd = true;
    } else {
        pgwc_str_append(&cmd->file, s + i, e - i);
    }
    i = skip_ws(s, n, e);
    pgwc_str_puts(&cmd->sql, "COPY ");
    pgwc_str_append(&cmd->sql, s + target_start, target_end - target_start);
    pgwc_str_puts(&cmd->sql, cmd->from ? " FROM STDIN" : " TO STDOUT");
    if (i < n) {
        pgwc_str_putc(&cmd->sql, ' ');
        pgwc_str_append(&cmd->sql, s + i, n - i);
    }
    if (cmd->sql.failed || cmd->file.failed)
        return "out of memory";
    return NULL;
}

/* The data of "from stdin" in a script: lines up to "\." (or the end),
 * counted into the script's line numbers as psql does. With cp NULL (the
 * COPY failed to start) the data is skipped. */
static pgw_status send_script_data(app *a, pgw_copy *cp, FILE *in)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    pgw_status rc = PGW_OK;
    /* After a failure the rest of the data is still read (and dropped). */
    while ((got = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)got;
        size_t body = len > 0 && line[len - 1] == '\n' ? len - 1 : len;
        if (body > 0 && line[body - 1] == '\r')
            body--;
        a->script_lines++;
        a->locus_line++;
        if (body == 2 && line[0] == '\\' && line[1] == '.')
            break;
        if (cp != NULL && rc == PGW_OK)
            rc = pgw_copy_put(cp, line, len);
    }
    free(line);
    return rc;
}

static pgw_status send_file(pgw_copy *cp, FILE *f)
{
    char buf[65536];
    pgw_status rc = PGW_OK;
    size_t got;
    while (rc == PGW_OK && (got = fread(buf, 1, sizeof buf, f)) > 0)
        rc = pgw_copy_put(cp, buf, got);
    return rc;
}

static pgw_status receive(pgw_copy *cp, FILE *f)
{
    const uint8_t *p;
    size_t len;
    pgw_status rc;
    while ((rc = pgw_copy_get(cp, &p, &len)) == PGW_OK)
        if (len > 0)
            fwrite(p, 1, len, f);
    return rc == PGW_END ? PGW_OK : rc;
}

bool pgwc_copy_run(app *a, const char *line, size_t n, FILE *script)
{
    pgwc_copy_cmd cmd;
    pgwc_copy_cmd_init(&cmd);
    const char *err = pgwc_copy_parse(line, n, &cmd);
    if (err != NULL) {
        pgwc_log_error(a, "%s", err);
        pgwc_copy_cmd_free(&cmd);
        return false;
    }
    FILE *f = NULL;
    bool own = false;
    if (cmd.file.len > 0) {
        f = fopen(cmd.file.data, cmd.from ? "r" : "w");
        if (f == NULL) {
            pgwc_log_error(a, "%s: %s", cmd.file.data, strerror(errno));
            pgwc_copy_cmd_free(&cmd);
            return false;
        }
        own = true;
    } else if (cmd.from) {
        f = cmd.pstd || script == NULL ? stdin : script;
    } else {
        f = cmd.pstd ? stdout : a->qout;
    }
    pgwc_print_flush(&a->printer);
    pgw_copy *cp = NULL;
    pgw_status rc = pgw_copy_begin(a->conn, cmd.sql.data, &cp);
    if (rc == PGW_OK) {
        if (cmd.from) {
            rc = f == script ? send_script_data(a, cp, f) : send_file(cp, f);
            /* psql's rule: a read error aborts the COPY, never commits
             * what was read so far. */
            if (rc == PGW_OK)
                rc = ferror(f) ? pgw_copy_fail(cp, "aborted because of read failure")
                               : pgw_copy_end(cp, NULL);
        } else {
            rc = receive(cp, f);
        }
    }
    if (own)
        fclose(f);
    else
        fflush(f);
    bool ok = rc == PGW_OK;
    if (ok) {
        char tag[48];
        snprintf(tag, sizeof tag, "COPY %llu", (unsigned long long)pgw_copy_rows(cp));
        /* psql prints no tag after data written to the terminal */
        if (!a->vars->settings.quiet && (cmd.from || own))
            pgwc_print_status(&a->printer, tag);
        pgwc_set_result_vars(a, tag, NULL);
    } else if (rc == PGW_E_SERVER) {
        pgwc_report_server(a, pgw_conn_error(a->conn), NULL, true);
        pgwc_set_result_vars(a, NULL, pgw_conn_error(a->conn));
        /* The COPY never started: its inline data is not for anything else. */
        if (cp == NULL && cmd.from && f == script)
            (void)send_script_data(a, NULL, f);
    } else {
        pgw_conn_state st = pgw_conn_get_state(a->conn);
        if (st == PGW_CONN_BROKEN || st == PGW_CONN_CLOSED)
            pgwc_connection_lost(a, rc, cmd.sql.data);
        pgwc_log_error(a, "%s", pgw_conn_errmsg(a->conn));
    }
    pgw_copy_free(cp);
    pgwc_copy_cmd_free(&cmd);
    return ok;
}
