/* pgw --binary: every statement goes through the extended protocol
 * (Parse + Describe of a named statement, Bind + Execute, Close), with
 * binary results for the columns pgw_render_bin() can print exactly and
 * text for the others, and each binary value is printed through
 * pgw_render_bin(). The output must be psql's byte for byte, so this is
 * how the client-side codecs are checked against the server.
 *
 * What exactness needs from the session:
 *  - DateStyle, IntervalStyle and TimeZone, which the server reports
 *    (ParameterStatus) whenever they change; the TimeZone's rules are read
 *    from the system tz database (pgw_tz_load()) when the name changes. If
 *    they cannot be loaded, every column of the statement is fetched as
 *    text rather than printed in the wrong zone;
 *  - extra_float_digits and bytea_output, which it does not report: they
 *    are read with SHOW at the start and again after each statement that
 *    may change them (SET, RESET, DISCARD, and the end of a transaction,
 *    which undoes SET LOCAL and rolled-back SETs);
 *  - what the non-built-in types are (domains, enums, composites, ranges,
 *    multiranges, arrays of them, hstore): read from pg_type, pg_range and
 *    pg_attribute on first use, between Describe and Execute while the
 *    connection is idle, and kept for the session (forgotten after any
 *    statement that returns no rows, since DDL may have changed them). */
#include "binary.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pgwire/datetime.h"

/* One cached pg_type row (NULL info: the OID is not a type we can use). */
typedef struct type_entry {
    uint32_t oid;
    bool found;
    pgw_type_info info;
    char *name;
    uint32_t *attr_types;
    char **attr_names;
} type_entry;

typedef struct pgwc_binary {
    pgw_render_ctx ctx;
    pgw_tz *tz;
    char *tz_name; /* the TimeZone the rules are for */
    bool tz_ok;
    type_entry **types;
    size_t ntypes;
    size_t cap;
    bool may_query; /* lookups may run catalog queries (the connection is idle) */
    app *a;
    FILE *trace;   /* PGW_BINARY_TRACE=FILE: the format of each column */
    pgw_buf *bufs; /* one per column of the row being printed */
    size_t nbufs;
} pgwc_binary;

/* ---- the type registry ----------------------------------------------------- */

static void free_entry(type_entry *e)
{
    if (e == NULL)
        return;
    free(e->name);
    free(e->attr_types);
    if (e->attr_names != NULL)
        for (uint16_t i = 0; i < e->info.nattrs; i++)
            free(e->attr_names[i]);
    free(e->attr_names);
    free(e);
}

static void forget_types(pgwc_binary *b)
{
    for (size_t i = 0; i < b->ntypes; i++)
        free_entry(b->types[i]);
    b->ntypes = 0;
}

static uint32_t to_oid(const char *s)
{
    return s != NULL ? (uint32_t)strtoul(s, NULL, 10) : 0;
}

/* Read one type from the catalogs. NULL when out of memory; an entry with
 * found false when the queries fail (e.g. in an aborted transaction). */
static type_entry *load_type(pgwc_binary *b, uint32_t oid)
{
    type_entry *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->oid = oid;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT t.typtype, t.typcategory, t.typdelim, t.typelem, t.typbasetype, t.typname, "
             "coalesce((SELECT r.rngsubtype FROM pg_catalog.pg_range r WHERE r.rngtypid = t.oid), "
             "(SELECT r.rngtypid FROM pg_catalog.pg_range r WHERE r.rngmultitypid = t.oid), 0), "
             "t.typrelid FROM pg_catalog.pg_type t WHERE t.oid = %u",
             oid);
    pgw_result *r = NULL;
    if (pgw_query_result(b->a->conn, sql, &r) != PGW_OK || pgw_result_nrows(r) != 1) {
        pgw_result_free(r);
        return e;
    }
    const char *kind = pgw_result_text(r, 0, 0), *cat = pgw_result_text(r, 0, 1);
    const char *delim = pgw_result_text(r, 0, 2);
    e->info.oid = oid;
    e->info.kind = kind != NULL ? kind[0] : 'b';
    e->info.category = cat != NULL ? cat[0] : 'U';
    e->info.delim = delim != NULL ? delim[0] : ',';
    e->info.elem = to_oid(pgw_result_text(r, 0, 3));
    e->info.base = to_oid(pgw_result_text(r, 0, 4));
    const char *name = pgw_result_text(r, 0, 5);
    e->name = strdup(name != NULL ? name : "");
    e->info.name = e->name;
    e->info.subtype = to_oid(pgw_result_text(r, 0, 6));
    uint32_t relid = to_oid(pgw_result_text(r, 0, 7));
    pgw_result_free(r);
    if (e->name == NULL) {
        free_entry(e);
        return NULL;
    }
    e->found = true;
    if (e->info.kind != 'c' || relid == 0)
        return e;
    snprintf(sql, sizeof sql,
             "SELECT a.atttypid, a.attname FROM pg_catalog.pg_attribute a WHERE a.attrelid = %u "
             "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
             relid);
    if (pgw_query_result(b->a->conn, sql, &r) != PGW_OK) {
        pgw_result_free(r);
        e->found = false;
        return e;
    }
    size_t n = pgw_result_nrows(r);
    e->attr_types = calloc(n ? n : 1, sizeof *e->attr_types);
    e->attr_names = calloc(n ? n : 1, sizeof *e->attr_names);
    if (e->attr_types == NULL || e->attr_names == NULL || n > UINT16_MAX) {
        pgw_result_free(r);
        free_entry(e);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        e->attr_types[i] = to_oid(pgw_result_text(r, i, 0));
        const char *an = pgw_result_text(r, i, 1);
        e->attr_names[i] = strdup(an != NULL ? an : "");
        e->info.nattrs = (uint16_t)(i + 1);
        if (e->attr_names[i] == NULL) {
            pgw_result_free(r);
            free_entry(e);
            return NULL;
        }
    }
    e->info.attr_types = e->attr_types;
    e->info.attr_names = (const char *const *)e->attr_names;
    pgw_result_free(r);
    return e;
}

static const pgw_type_info *lookup_type(void *ud, uint32_t oid)
{
    pgwc_binary *b = ud;
    for (size_t i = 0; i < b->ntypes; i++)
        if (b->types[i]->oid == oid)
            return b->types[i]->found ? &b->types[i]->info : NULL;
    if (!b->may_query)
        return NULL;
    if (b->ntypes == b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 32;
        type_entry **nt = realloc(b->types, nc * sizeof *nt);
        if (nt == NULL)
            return NULL;
        b->types = nt;
        b->cap = nc;
    }
    type_entry *e = load_type(b, oid);
    if (e == NULL)
        return NULL;
    b->types[b->ntypes++] = e;
    return e->found ? &e->info : NULL;
}

/* ---- session settings ------------------------------------------------------- */

/* DateStyle as the server reports it: "ISO, MDY", "Postgres, DMY", ... */
static void read_datestyle(pgwc_binary *b)
{
    const char *ds = pgw_conn_parameter(b->a->conn, "DateStyle");
    if (ds == NULL)
        return;
    if (strncasecmp(ds, "Postgres", 8) == 0)
        b->ctx.datestyle = PGW_DATESTYLE_POSTGRES;
    else if (strncasecmp(ds, "SQL", 3) == 0)
        b->ctx.datestyle = PGW_DATESTYLE_SQL;
    else if (strncasecmp(ds, "German", 6) == 0)
        b->ctx.datestyle = PGW_DATESTYLE_GERMAN;
    else
        b->ctx.datestyle = PGW_DATESTYLE_ISO;
    if (strstr(ds, "DMY") != NULL)
        b->ctx.dateorder = PGW_DATEORDER_DMY;
    else if (strstr(ds, "YMD") != NULL)
        b->ctx.dateorder = PGW_DATEORDER_YMD;
    else
        b->ctx.dateorder = PGW_DATEORDER_MDY;
}

static void read_intervalstyle(pgwc_binary *b)
{
    const char *is = pgw_conn_parameter(b->a->conn, "IntervalStyle");
    if (is == NULL)
        return;
    if (strcmp(is, "postgres_verbose") == 0)
        b->ctx.intervalstyle = PGW_INTERVALSTYLE_POSTGRES_VERBOSE;
    else if (strcmp(is, "sql_standard") == 0)
        b->ctx.intervalstyle = PGW_INTERVALSTYLE_SQL_STANDARD;
    else if (strcmp(is, "iso_8601") == 0)
        b->ctx.intervalstyle = PGW_INTERVALSTYLE_ISO_8601;
    else
        b->ctx.intervalstyle = PGW_INTERVALSTYLE_POSTGRES;
}

/* Load the TimeZone's rules when the name changed. */
static void read_timezone(pgwc_binary *b)
{
    const char *name = pgw_conn_parameter(b->a->conn, "TimeZone");
    if (name == NULL)
        name = "GMT";
    if (b->tz_name != NULL && strcmp(b->tz_name, name) == 0)
        return;
    pgw_tz_free(b->tz);
    b->tz = NULL;
    free(b->tz_name);
    b->tz_name = strdup(name);
    b->tz_ok = b->tz_name != NULL && pgw_tz_load(name, NULL, &b->tz) == PGW_OK;
    b->ctx.tz = b->tz_ok ? b->tz : NULL;
}

/* SHOW one setting; NULL when it fails. Ownership: malloc'd. */
static char *show(pgwc_binary *b, const char *name)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SHOW %s", name);
    pgw_result *r = NULL;
    char *v = NULL;
    if (pgw_query_result(b->a->conn, sql, &r) == PGW_OK && pgw_result_nrows(r) == 1) {
        const char *t = pgw_result_text(r, 0, 0);
        if (t != NULL)
            v = strdup(t);
    }
    pgw_result_free(r);
    return v;
}

/* The settings the server does not report. */
static void read_unreported(pgwc_binary *b)
{
    char *efd = show(b, "extra_float_digits");
    if (efd != NULL)
        b->ctx.extra_float_digits = atoi(efd);
    free(efd);
    char *bo = show(b, "bytea_output");
    if (bo != NULL)
        b->ctx.bytea_escape = strcmp(bo, "escape") == 0;
    free(bo);
}

/* The first keyword of a statement (after whitespace and comments). */
static bool starts_with_keyword(const char *sql, const char *const *words)
{
    const char *p = sql;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '(')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e != NULL ? e + 2 : p + strlen(p);
        } else {
            break;
        }
    }
    size_t n = 0;
    while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') || p[n] == '_')
        n++;
    for (size_t i = 0; words[i] != NULL; i++)
        if (strlen(words[i]) == n && strncasecmp(p, words[i], n) == 0)
            return true;
    return false;
}

/* ---- public --------------------------------------------------------------- */

bool pgwc_binary_init(app *a)
{
    pgwc_binary *b = calloc(1, sizeof *b);
    if (b == NULL)
        return false;
    b->a = a;
    pgw_render_ctx_init(&b->ctx);
    b->ctx.lookup = lookup_type;
    b->ctx.lookup_ud = b;
    a->binary = b;
    const char *trace = getenv("PGW_BINARY_TRACE");
    if (trace != NULL && *trace != '\0')
        b->trace = fopen(trace, "a");
    read_unreported(b);
    return true;
}

void pgwc_binary_free(app *a)
{
    pgwc_binary *b = a->binary;
    if (b == NULL)
        return;
    forget_types(b);
    free(b->types);
    pgw_tz_free(b->tz);
    free(b->tz_name);
    if (b->trace != NULL)
        fclose(b->trace);
    for (size_t i = 0; i < b->nbufs; i++)
        pgw_buf_free(&b->bufs[i]);
    free(b->bufs);
    free(b);
    a->binary = NULL;
}

pgw_status pgwc_binary_values(app *a, pgw_cursor *cur, pgw_value *vals, uint16_t ncols)
{
    pgwc_binary *b = a->binary;
    if (b->nbufs < ncols) {
        pgw_buf *nb = realloc(b->bufs, ncols * sizeof *nb);
        if (nb == NULL)
            return PGW_E_NOMEM;
        for (size_t i = b->nbufs; i < ncols; i++)
            pgw_buf_init(&nb[i], NULL, 0);
        b->bufs = nb;
        b->nbufs = ncols;
    }
    for (uint16_t j = 0; j < ncols; j++) {
        if (vals[j].len < 0 || pgw_cursor_column_format(cur, j) != PGW_FORMAT_BINARY)
            continue;
        pgw_buf *out = &b->bufs[j];
        pgw_buf_reset(out);
        uint32_t type = pgw_cursor_column_type(cur, j);
        pgw_status rc = pgw_render_bin(out, type, vals[j].ptr, (size_t)vals[j].len, &b->ctx);
        if (rc != PGW_OK) {
            pgwc_log_error(a, "could not render a binary value of type %u: %s", type,
                           pgw_status_str(rc));
            return rc;
        }
        if (pgw_buf_put_u8(out, 0) != PGW_OK)
            return PGW_E_NOMEM;
        vals[j].ptr = out->data;
        vals[j].len = (int32_t)(out->len - 1);
    }
    return PGW_OK;
}

/* An error as psql shows it: against the whole string the statement came
 * from (`display`), its position moved by the statement's offset. */
static void report_error(app *a, const char *sql, const char *display, size_t offset)
{
    pgw_error e = *pgw_conn_error(a->conn);
    if (display == NULL)
        display = sql;
    else if (e.position > 0 && offset <= (size_t)(INT32_MAX - e.position))
        e.position += (int32_t)offset;
    pgwc_report_server(a, &e, display, true);
}

bool pgwc_binary_run(app *a, const char *sql, const char *display, size_t offset)
{
    static const char *const reread[] = {"set",      "reset", "discard", "commit",
                                         "rollback", "end",   "abort",   NULL};
    pgwc_binary *b = a->binary;
    pgw_conn *c = a->conn;
    a->query = sql;
    read_datestyle(b);
    read_intervalstyle(b);
    read_timezone(b);

    pgw_stmt *st = NULL;
    pgw_status rc = pgw_prepare(c, NULL, sql, NULL, 0, &st);
    if (rc != PGW_OK) {
        pgw_stmt_free(st);
        pgw_conn_state cs = pgw_conn_get_state(c);
        if (rc != PGW_E_SERVER && (cs == PGW_CONN_BROKEN || cs == PGW_CONN_CLOSED))
            pgwc_connection_lost(a, rc, sql);
        if (rc == PGW_E_SERVER) {
            report_error(a, sql, display, offset);
            pgwc_set_result_vars(a, NULL, pgw_conn_error(c));
        } else {
            pgwc_log_error(a, "%s", pgw_conn_errmsg(c));
        }
        a->query = NULL;
        return false;
    }
    if (pgw_stmt_nparams(st) > 0) {
        /* "$1" outside a PREPARE: the server infers a parameter where
         * psql's simple Query gets "there is no parameter $1"; let the
         * server say so */
        pgw_stmt_deallocate(st);
        pgw_stmt_free(st);
        return pgwc_run_simple_query(a, sql);
    }
    uint16_t ncols = pgw_stmt_ncols(st);
    int16_t *formats = calloc(ncols ? ncols : 1, sizeof *formats);
    if (formats == NULL) {
        pgw_stmt_free(st);
        pgwc_log_error(a, "out of memory");
        return false;
    }
    /* looking the column types up may query the catalogs: the connection
     * is idle between Describe and Execute */
    b->may_query = true;
    for (uint16_t j = 0; j < ncols; j++)
        formats[j] = b->tz_ok && pgw_render_bin_supported(pgw_stmt_column_type(st, j), &b->ctx)
                         ? PGW_FORMAT_BINARY
                         : PGW_FORMAT_TEXT;
    b->may_query = false;
    if (b->trace != NULL) {
        /* PGW_BINARY_TRACE: which columns were fetched in which format
         * (for the tests: the codecs must really be exercised) */
        for (uint16_t j = 0; j < ncols; j++)
            fprintf(b->trace, "type %u %s\n", pgw_stmt_column_type(st, j),
                    formats[j] == PGW_FORMAT_BINARY ? "binary" : "text");
        fflush(b->trace);
    }

    pgw_cursor *cur = NULL;
    bool ok = true;
    rc = pgw_stmt_execute_send(st, NULL, 0, formats, ncols, &cur);
    free(formats);
    if (rc == PGW_OK)
        rc = pgw_cursor_next_result(cur);
    bool had_rows = false;
    for (;;) {
        if (rc == PGW_OK) {
            had_rows = had_rows || pgw_cursor_has_rows(cur);
            rc = pgwc_print_result(a, cur);
            if (rc == PGW_OK)
                pgwc_set_result_vars(a, pgw_cursor_command_tag(cur), NULL);
        }
        if (rc == PGW_E_SERVER) {
            report_error(a, sql, display, offset);
            pgwc_set_result_vars(a, NULL, pgw_conn_error(c));
            ok = false;
        } else if (rc != PGW_OK && rc != PGW_END) {
            pgw_conn_state cs = pgw_conn_get_state(c);
            if (cs == PGW_CONN_BROKEN || cs == PGW_CONN_CLOSED) {
                pgw_cursor_free(cur);
                pgw_stmt_free(st);
                pgwc_connection_lost(a, rc, sql);
            }
            if (rc != PGW_E_INVALID && rc != PGW_E_UNSUPPORTED)
                pgwc_log_error(a, "%s", rc == PGW_E_NOMEM ? "out of memory" : pgw_conn_errmsg(c));
            ok = false;
            /* drain the rest so the connection is idle again */
            pgw_cursor_close(cur);
            cur = NULL;
            break;
        }
        if (rc == PGW_END || cur == NULL)
            break;
        rc = pgw_cursor_next_result(cur);
    }
    pgw_cursor_free(cur);
    pgwc_print_flush(&a->printer);
    pgw_stmt_deallocate(st);
    pgw_stmt_free(st);
    a->query = NULL;
    if (starts_with_keyword(sql, reread))
        read_unreported(b);
    if (!had_rows)
        forget_types(b);
    return ok;
}
