/* The suppliers database of the PostgreSQL-from-Python tutorial, in C.
 *
 * Usage: suppliers [-c FILE]
 *
 * Without -c the connection settings come from the PG* environment variables
 * (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD, ...), as with psql. With
 * -c they come from the [postgresql] section of FILE, in the tutorial's
 * database.ini format (see examples/database.ini.example):
 *
 *     [postgresql]
 *     host=localhost
 *     database=suppliers
 *     user=postgres
 *     password=...
 *
 * Other keys are passed on as libpq connection keywords (sslmode, ...), and
 * PG* variables still fill in what the file leaves out, as libpq does.
 *
 * The program drops and re-creates the tutorial's tables (vendors, parts,
 * part_drawings, vendor_parts), inserts vendors and parts, links them in
 * transactions, lists which parts each vendor supplies, renames a vendor and
 * deletes a part, printing what each step did. It never prints the password,
 * and its standard output is the same on every run (no pids, no times), so
 * tests compare it with a committed file.
 *
 * Exit status: 0 on success, 1 on any failure (the message is on standard
 * error), 2 for a bad command line. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pgwire.h"

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

static const char *progname = "suppliers";

PRINTF_LIKE(1, 2) static void complain(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ---- strings ------------------------------------------------------------
 * Query text and the connection string are built in a pgw_buf: appends
 * after a failure do nothing, so a builder checks once, at the end. */

static void sb_add(pgw_buf *b, const char *s, size_t n)
{
    (void)pgw_buf_append(b, s, n);
}

static void sb_str(pgw_buf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

PRINTF_LIKE(2, 3) static void sb_printf(pgw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        if (b->error == PGW_OK)
            b->error = PGW_E_INVALID; /* the sticky failure, as for an append */
        return;
    }
    if (pgw_buf_reserve(b, (size_t)n + 1) != PGW_OK)
        return;
    va_start(ap, fmt);
    (void)vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* NUL-terminate and return the text, or NULL when an append failed. */
static const char *sb_cstr(pgw_buf *b)
{
    if (pgw_buf_put_u8(b, 0) != PGW_OK)
        return NULL;
    b->len--; /* the terminator stays in place but is not content */
    return (const char *)b->data;
}

/* Overwrite memory that held a password before it is freed. The volatile
 * pointer keeps the compiler from dropping stores to memory about to die. */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n-- > 0)
        *v++ = 0;
}

static void sb_free_secret(pgw_buf *b)
{
    if (b->data != NULL)
        wipe(b->data, b->cap);
    pgw_buf_free(b);
}

/* Append s (n bytes) as a SQL string literal.
 *
 * This stands in for query parameters until the extended protocol lands
 * (issue 5): then values travel apart from the SQL text and this helper
 * goes. Until then every value spliced into SQL goes through here.
 *
 * A quote is doubled, which is all a standard-conforming literal needs. A
 * string that also holds a backslash becomes E'...' with the backslash
 * doubled, so it reads the same whatever standard_conforming_strings says
 * (libpq's PQescapeLiteral does the same). A NUL cannot be part of a
 * PostgreSQL text value, and would cut the query text short, so it marks
 * the buffer failed (PGW_E_INVALID) like any other failed append. Encoding
 * is not checked here: the server rejects invalid UTF-8 in the query. */
static void sb_add_literal(pgw_buf *b, const char *s, size_t n)
{
    if (memchr(s, '\0', n) != NULL) {
        if (b->error == PGW_OK)
            b->error = PGW_E_INVALID;
        return;
    }
    if (memchr(s, '\\', n) != NULL)
        sb_add(b, "E", 1);
    sb_add(b, "'", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'' || s[i] == '\\')
            sb_add(b, &s[i], 1);
        sb_add(b, &s[i], 1);
    }
    sb_add(b, "'", 1);
}

/* Finish a query built in q: its text, or NULL after saying why not. */
static const char *sql_done(pgw_buf *q)
{
    const char *sql = sb_cstr(q);
    if (sql == NULL)
        complain("building a query: %s",
                 q->error == PGW_E_INVALID ? "a value holds a NUL byte" : pgw_status_str(q->error));
    return sql;
}

/* ---- the configuration file ------------------------------------------- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* Append key='value' to a libpq connection string: the value in single
 * quotes with ' and \ escaped by a backslash, so any value (spaces, quotes,
 * an empty password) reaches the library unchanged. */
static void conninfo_add(pgw_buf *ci, const char *key, const char *value)
{
    if (ci->len > 0)
        sb_add(ci, " ", 1);
    sb_str(ci, key);
    sb_add(ci, "='", 2);
    for (const char *p = value; *p != '\0'; p++) {
        if (*p == '\'' || *p == '\\')
            sb_add(ci, "\\", 1);
        sb_add(ci, p, 1);
    }
    sb_add(ci, "'", 1);
}

/* The tutorial's key names are psycopg2's: "database" is libpq's "dbname". */
static const char *conninfo_keyword(const char *key)
{
    return strcmp(key, "database") == 0 ? "dbname" : key;
}

typedef struct ini_state {
    const char *path;
    const char *section;
    unsigned long lineno;
    bool in_section;  /* inside [section] */
    bool seen_header; /* any [header] so far */
    bool found;       /* [section] was seen */
    char *keys[64];   /* keys seen in [section], to refuse duplicates */
    size_t nkeys;
} ini_state;

/* One line of the file, without its line ending. Returns false after
 * printing why the file is refused. Messages name the file, the line and
 * at most the key: never a value, which may be the password. */
static bool ini_line(ini_state *st, char *line, pgw_buf *ci)
{
    char *s = trim(line);
    if (*s == '\0' || *s == '#' || *s == ';')
        return true;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (end == NULL || *trim(end + 1) != '\0') {
            complain("%s:%lu: malformed section header", st->path, st->lineno);
            return false;
        }
        *end = '\0';
        st->seen_header = true;
        st->in_section = strcmp(trim(s + 1), st->section) == 0;
        if (st->in_section && st->found) {
            complain("%s:%lu: section [%s] appears twice", st->path, st->lineno, st->section);
            return false;
        }
        st->found = st->found || st->in_section;
        return true;
    }
    /* key=value or key: value, split at whichever comes first (Python's
     * configparser accepts both). */
    size_t k = strcspn(s, "=:");
    if (s[k] == '\0') {
        complain("%s:%lu: expected key=value", st->path, st->lineno);
        return false;
    }
    if (!st->seen_header) {
        complain("%s:%lu: key=value before any [section] header", st->path, st->lineno);
        return false;
    }
    if (!st->in_section)
        return true;
    s[k] = '\0';
    char *key = trim(s);
    char *value = trim(s + k + 1);
    if (*key == '\0') {
        complain("%s:%lu: empty key", st->path, st->lineno);
        return false;
    }
    /* Keys are case-insensitive, as in configparser; and a key that is not
     * a plain word must not smuggle a second keyword into the string. */
    for (char *p = key; *p != '\0'; p++) {
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) {
            complain("%s:%lu: invalid key (letters, digits and _ only)", st->path, st->lineno);
            return false;
        }
    }
    const char *kw = conninfo_keyword(key);
    for (size_t i = 0; i < st->nkeys; i++) {
        if (strcmp(st->keys[i], kw) == 0) {
            complain("%s:%lu: key \"%s\" appears twice in [%s]", st->path, st->lineno, key,
                     st->section);
            return false;
        }
    }
    if (st->nkeys == sizeof st->keys / sizeof st->keys[0]) {
        complain("%s:%lu: too many keys in [%s]", st->path, st->lineno, st->section);
        return false;
    }
    size_t kwlen = strlen(kw);
    st->keys[st->nkeys] = malloc(kwlen + 1);
    if (st->keys[st->nkeys] == NULL) {
        complain("out of memory");
        return false;
    }
    memcpy(st->keys[st->nkeys++], kw, kwlen + 1);
    conninfo_add(ci, kw, value);
    return true;
}

/* Read [section] of the ini file at path into a connection string.
 * Returns false after printing the reason. */
static bool conninfo_from_ini(const char *path, const char *section, pgw_buf *ci)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        complain("cannot open %s: %s", path, strerror(errno));
        return false;
    }
    ini_state st = {.path = path, .section = section};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool ok = true;
    errno = 0;
    while (ok && (n = getline(&line, &cap, f)) >= 0) {
        st.lineno++;
        size_t len = (size_t)n;
        /* A NUL would silently cut the line (and a password) short. */
        if (strlen(line) != len) {
            complain("%s:%lu: NUL byte in the file", path, st.lineno);
            ok = false;
            break;
        }
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (st.lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
            memmove(line, line + 3, len - 2); /* a UTF-8 byte order mark */
        ok = ini_line(&st, line, ci);
    }
    if (ok && ferror(f)) {
        complain("cannot read %s: %s", path, strerror(errno));
        ok = false;
    }
    if (line != NULL)
        wipe(line, cap);
    free(line);
    fclose(f);
    for (size_t i = 0; i < st.nkeys; i++)
        free(st.keys[i]);
    if (ok && !st.found) {
        complain("%s: section [%s] not found", path, section);
        ok = false;
    }
    if (ok && sb_cstr(ci) == NULL) {
        complain("out of memory");
        ok = false;
    }
    return ok;
}

/* ---- running SQL --------------------------------------------------------- */

/* Report a failed call on c and return 1 (the exit status). A server error
 * or a broken connection has the library's one-line message ("ERROR:  ..."
 * as psql prints it, or libpq's text for a lost connection); anything else
 * (out of memory, a result of the wrong shape) has the status's text. */
static int report(pgw_conn *c, const char *what, pgw_status rc)
{
    pgw_conn_state st = pgw_conn_get_state(c);
    if (rc == PGW_E_SERVER || st == PGW_CONN_BROKEN || st == PGW_CONN_CLOSED)
        complain("%s: %s", what, pgw_conn_errmsg(c));
    else
        complain("%s: %s", what, pgw_status_str(rc));
    return 1;
}

/* Run SQL that returns no rows; *rows (may be NULL) gets the row count of
 * its command tag. sql may be NULL: sql_done() failed and said why. */
static int exec_or_fail(pgw_conn *c, const char *what, const char *sql, uint64_t *rows)
{
    if (sql == NULL)
        return 1;
    pgw_status rc = pgw_exec(c, sql, rows);
    return rc == PGW_OK ? 0 : report(c, what, rc);
}

/* Run a query whose result is one int32 (a count, an id from RETURNING). */
static pgw_status query_int(pgw_conn *c, const char *sql, int32_t *out)
{
    pgw_result *r = NULL;
    pgw_status rc = pgw_query_result(c, sql, &r);
    if (rc == PGW_OK && (pgw_result_nrows(r) != 1 || pgw_result_ncols(r) != 1))
        rc = PGW_E_PROTOCOL; /* not the single value this program asked for */
    if (rc == PGW_OK)
        rc = pgw_result_int32(r, 0, 0, out);
    pgw_result_free(r);
    return rc;
}

static int query_int_or_fail(pgw_conn *c, const char *what, const char *sql, int32_t *out)
{
    if (sql == NULL)
        return 1;
    pgw_status rc = query_int(c, sql, out);
    return rc == PGW_OK ? 0 : report(c, what, rc);
}

/* Print a server notice (such as "table ... does not exist, skipping") on
 * standard error, keeping standard output the same on every run. */
static void on_notice(void *ud, const pgw_error *n)
{
    (void)ud;
    complain("%s", n->summary);
}

/* ---- the tutorial's steps ------------------------------------------------ */

static int step_no;

static void step(const char *title)
{
    printf("%d. %s\n", ++step_no, title);
}

/* The tutorial's DDL, verbatim apart from layout. */
static const struct {
    const char *name;
    const char *sql;
} tables[] = {
    {"vendors", "CREATE TABLE vendors ("
                " vendor_id SERIAL PRIMARY KEY,"
                " vendor_name VARCHAR(255) NOT NULL)"},
    {"parts", "CREATE TABLE parts ("
              " part_id SERIAL PRIMARY KEY,"
              " part_name VARCHAR(255) NOT NULL)"},
    {"part_drawings", "CREATE TABLE part_drawings ("
                      " part_id INTEGER PRIMARY KEY,"
                      " file_extension VARCHAR(5) NOT NULL,"
                      " drawing_data BYTEA NOT NULL,"
                      " FOREIGN KEY (part_id) REFERENCES parts (part_id)"
                      " ON UPDATE CASCADE ON DELETE CASCADE)"},
    {"vendor_parts", "CREATE TABLE vendor_parts ("
                     " vendor_id INTEGER NOT NULL,"
                     " part_id INTEGER NOT NULL,"
                     " PRIMARY KEY (vendor_id, part_id),"
                     " FOREIGN KEY (vendor_id) REFERENCES vendors (vendor_id)"
                     " ON UPDATE CASCADE ON DELETE CASCADE,"
                     " FOREIGN KEY (part_id) REFERENCES parts (part_id)"
                     " ON UPDATE CASCADE ON DELETE CASCADE)"},
};

static int create_tables(pgw_conn *c)
{
    step("create the tables (dropping them first, so the demo can run again)");
    /* One DROP for all four: it resolves their foreign keys among them. */
    if (exec_or_fail(c, "drop tables",
                     "DROP TABLE IF EXISTS vendor_parts, part_drawings, parts, vendors", NULL) != 0)
        return 1;
    printf("   dropped vendor_parts, part_drawings, parts and vendors if they existed\n");
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        if (exec_or_fail(c, "create table", tables[i].sql, NULL) != 0)
            return 1;
        printf("   created %s\n", tables[i].name);
    }
    return 0;
}

/* The tutorial's insert_vendor: one row, RETURNING the new id. */
static int insert_vendor(pgw_conn *c, pgw_buf *q, const char *name)
{
    step("insert one vendor, returning its id");
    pgw_buf_reset(q);
    sb_str(q, "INSERT INTO vendors (vendor_name) VALUES (");
    sb_add_literal(q, name, strlen(name));
    sb_str(q, ") RETURNING vendor_id");
    int32_t id;
    if (query_int_or_fail(c, "insert vendor", sql_done(q), &id) != 0)
        return 1;
    printf("   vendor_id %" PRId32 ": %s\n", id, name);
    return 0;
}

/* The tutorial's insert_many_vendors, as one multi-row INSERT. */
static int insert_many_vendors(pgw_conn *c, pgw_buf *q, const char *const *names, size_t n)
{
    step("insert several vendors in one statement");
    pgw_buf_reset(q);
    sb_str(q, "INSERT INTO vendors (vendor_name) VALUES ");
    for (size_t i = 0; i < n; i++) {
        sb_str(q, i > 0 ? ", (" : "(");
        sb_add_literal(q, names[i], strlen(names[i]));
        sb_str(q, ")");
    }
    uint64_t rows = 0;
    if (exec_or_fail(c, "insert vendors", sql_done(q), &rows) != 0)
        return 1;
    printf("   %" PRIu64 " rows inserted\n", rows);
    return 0;
}

typedef struct part {
    const char *name;
    int32_t vendors[4];
    size_t nvendors;
} part;

/* What add_part saw when the server refused a statement. */
typedef struct refusal {
    char sqlstate[6];
    char message[512];
} refusal;

/* The tutorial's add_part: insert the part and its vendor links in one
 * transaction, COMMIT, or ROLLBACK when any statement fails.
 * Returns 0 (committed; *part_id set), 1 (a failure, printed: give up), or
 * -1 (the server refused a statement and the transaction was rolled back;
 * *why says what was refused; *part_id is the id the part had). */
static int add_part(pgw_conn *c, pgw_buf *q, const part *p, int32_t *part_id, refusal *why)
{
    *part_id = 0;
    pgw_buf_reset(q);
    sb_str(q, "INSERT INTO parts (part_name) VALUES (");
    sb_add_literal(q, p->name, strlen(p->name));
    sb_str(q, ") RETURNING part_id");
    const char *sql = sql_done(q);
    if (sql == NULL)
        return 1;

    pgw_status rc = pgw_exec(c, "BEGIN", NULL);
    if (rc == PGW_OK)
        rc = query_int(c, sql, part_id);
    for (size_t i = 0; rc == PGW_OK && i < p->nvendors; i++) {
        pgw_buf_reset(q);
        sb_printf(q,
                  "INSERT INTO vendor_parts (vendor_id, part_id) VALUES (%" PRId32 ", %" PRId32 ")",
                  p->vendors[i], *part_id);
        if ((sql = sql_done(q)) == NULL)
            return 1;
        rc = pgw_exec(c, sql, NULL);
    }
    if (rc == PGW_OK)
        rc = pgw_exec(c, "COMMIT", NULL);
    if (rc == PGW_OK)
        return 0;
    if (rc != PGW_E_SERVER)
        return report(c, "add part", rc);

    /* The error is borrowed from the connection until its next call: keep
     * a copy, then end the failed transaction. */
    const pgw_error *e = pgw_conn_error(c);
    snprintf(why->sqlstate, sizeof why->sqlstate, "%s", e->sqlstate);
    snprintf(why->message, sizeof why->message, "%s", e->message ? e->message : "");
    rc = pgw_exec(c, "ROLLBACK", NULL);
    return rc == PGW_OK ? -1 : report(c, "rollback", rc);
}

static void print_part(int32_t id, const part *p)
{
    printf("   part_id %" PRId32 ": %s, supplied by vendor%s", id, p->name,
           p->nvendors == 1 ? "" : "s");
    for (size_t i = 0; i < p->nvendors; i++)
        printf("%s%" PRId32, i == 0 ? " " : i + 1 == p->nvendors ? " and " : ", ", p->vendors[i]);
}

static int add_parts(pgw_conn *c, pgw_buf *q)
{
    /* The tutorial's parts and who supplies them. */
    static const part parts[] = {
        {"SIM Tray", {1, 2}, 2}, {"Speaker", {3, 4}, 2},     {"Vibrator", {5, 6}, 2},
        {"Antenna", {6, 7}, 2},  {"Home Button", {1, 5}, 2}, {"LTE Modem", {1, 5}, 2},
    };
    /* Not in the tutorial: a link to a vendor that does not exist, to show
     * the ROLLBACK path. The part inserted before it goes too. */
    static const part orphan = {"Fingerprint Sensor", {1, 99}, 2};

    step("add parts, each with its vendor links in one transaction");
    refusal why;
    int32_t id;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        int rc = add_part(c, q, &parts[i], &id, &why);
        if (rc < 0)
            complain("add part \"%s\": %s (SQLSTATE %s); rolled back", parts[i].name, why.message,
                     why.sqlstate);
        if (rc != 0)
            return 1;
        print_part(id, &parts[i]);
        printf("; committed\n");
    }

    int rc = add_part(c, q, &orphan, &id, &why);
    if (rc == 0)
        complain("add part \"%s\": committed, but vendor 99 does not exist", orphan.name);
    if (rc >= 0)
        return 1;
    print_part(id, &orphan);
    printf(": refused\n     (SQLSTATE %s: %s)\n     so the transaction was rolled back\n",
           why.sqlstate, why.message);

    int32_t nparts;
    if (query_int_or_fail(c, "count parts", "SELECT count(*)::int4 FROM parts", &nparts) != 0)
        return 1;
    printf("   parts in the table: %" PRId32 "\n", nparts);
    return 0;
}

/* Print one row of the vendor/part listing. The views it reads are valid
 * only until the next pgw_cursor_next(), so they are printed, not kept;
 * the vendor id says when a new vendor starts. */
static pgw_status print_vendor_part(pgw_cursor *cur, int32_t *last_vendor)
{
    int32_t vendor_id;
    const char *vendor, *part_name;
    size_t vlen, plen;
    pgw_status rc = pgw_cursor_int32(cur, 0, &vendor_id);
    if (rc == PGW_OK)
        rc = pgw_cursor_text(cur, 1, &vendor, &vlen);
    if (rc != PGW_OK)
        return rc;
    rc = pgw_cursor_text(cur, 2, &part_name, &plen);
    if (rc != PGW_OK && rc != PGW_E_NULL) /* NULL: a vendor without parts */
        return rc;
    if (vendor_id != *last_vendor) {
        printf(*last_vendor == -1 ? "   " : "\n   ");
        fwrite(vendor, 1, vlen, stdout);
        printf(": ");
        *last_vendor = vendor_id;
    } else {
        printf(", ");
    }
    if (rc == PGW_OK)
        fwrite(part_name, 1, plen, stdout);
    else
        printf("(none)");
    return PGW_OK;
}

/* Which parts each vendor supplies: a JOIN, streamed row by row (memory
 * stays the same however many rows come back). Vendors without parts are
 * listed too (LEFT JOIN), with "(none)". */
static int list_vendor_parts(pgw_conn *c, const char *title)
{
    step(title);
    pgw_cursor *cur = NULL;
    pgw_status rc = pgw_query(c,
                              "SELECT v.vendor_id, v.vendor_name, p.part_name"
                              " FROM vendors v"
                              " LEFT JOIN vendor_parts vp ON vp.vendor_id = v.vendor_id"
                              " LEFT JOIN parts p ON p.part_id = vp.part_id"
                              " ORDER BY v.vendor_name, v.vendor_id, p.part_name",
                              &cur);
    int32_t last_vendor = -1;
    while (rc == PGW_OK && (rc = pgw_cursor_next(cur)) == PGW_OK)
        rc = print_vendor_part(cur, &last_vendor);
    if (last_vendor != -1)
        printf("\n");
    if (rc == PGW_END) {
        printf("   (%" PRIu64 " rows)\n", pgw_cursor_row_number(cur));
        /* Read on to ReadyForQuery, so an error after the rows is not missed. */
        rc = pgw_cursor_close(cur);
        cur = NULL;
    }
    if (rc != PGW_OK)
        report(c, "list vendor parts", rc);
    pgw_cursor_free(cur);
    return rc == PGW_OK ? 0 : 1;
}

/* The tutorial's update_vendor. */
static int update_vendor(pgw_conn *c, pgw_buf *q, int32_t id, const char *name)
{
    step("rename a vendor");
    pgw_buf_reset(q);
    sb_str(q, "UPDATE vendors SET vendor_name = ");
    sb_add_literal(q, name, strlen(name));
    sb_printf(q, " WHERE vendor_id = %" PRId32, id);
    uint64_t rows = 0;
    if (exec_or_fail(c, "update vendor", sql_done(q), &rows) != 0)
        return 1;
    printf("   vendor_id %" PRId32 " renamed to \"%s\": %" PRIu64 " row%s updated\n", id, name,
           rows, rows == 1 ? "" : "s");
    return 0;
}

static int count_vendor_parts(pgw_conn *c, pgw_buf *q, int32_t part_id, int32_t *n)
{
    pgw_buf_reset(q);
    sb_printf(q, "SELECT count(*)::int4 FROM vendor_parts WHERE part_id = %" PRId32, part_id);
    return query_int_or_fail(c, "count vendor_parts", sql_done(q), n);
}

/* The tutorial's delete_part. Its vendor links go by ON DELETE CASCADE,
 * which the counts before and after show. */
static int delete_part(pgw_conn *c, pgw_buf *q, int32_t id)
{
    step("delete a part");
    int32_t before, after;
    if (count_vendor_parts(c, q, id, &before) != 0)
        return 1;
    pgw_buf_reset(q);
    sb_printf(q, "DELETE FROM parts WHERE part_id = %" PRId32, id);
    uint64_t rows = 0;
    if (exec_or_fail(c, "delete part", sql_done(q), &rows) != 0)
        return 1;
    printf("   part_id %" PRId32 ": %" PRIu64 " row%s deleted\n", id, rows, rows == 1 ? "" : "s");
    if (count_vendor_parts(c, q, id, &after) != 0)
        return 1;
    printf("   its rows in vendor_parts: %" PRId32 " before, %" PRId32
           " after (ON DELETE CASCADE)\n",
           before, after);
    return 0;
}

static int run(pgw_conn *c)
{
    static const char *const more_vendors[] = {
        "AKM Semiconductor Inc.",      "Asahi Glass Co Ltd.",      "Daikin Industries Ltd.",
        "Dynacast International Inc.", "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd.",
    };
    pgw_buf q;
    pgw_buf_init(&q, NULL, 0);
    int rc = create_tables(c);
    if (rc == 0)
        rc = insert_vendor(c, &q, "3M Co.");
    if (rc == 0)
        rc = insert_many_vendors(c, &q, more_vendors, sizeof more_vendors / sizeof more_vendors[0]);
    if (rc == 0)
        rc = add_parts(c, &q);
    if (rc == 0)
        rc = list_vendor_parts(c, "which parts each vendor supplies (a JOIN, streamed row by row)");
    if (rc == 0)
        rc = update_vendor(c, &q, 1, "3M Corp");
    if (rc == 0)
        rc = delete_part(c, &q, 2);
    if (rc == 0)
        rc = list_vendor_parts(c, "which parts each vendor supplies now");
    pgw_buf_free(&q);
    return rc;
}

/* ---- connecting ---------------------------------------------------------- */

static const char *option_or(const pgw_conn *c, const char *keyword, const char *dflt)
{
    const char *v = pgw_conn_option(c, keyword);
    return v != NULL ? v : dflt;
}

static int usage(FILE *to)
{
    fprintf(to,
            "usage: %s [-c FILE]\n"
            "  -c FILE  connection settings from the [postgresql] section of FILE\n"
            "           (database.ini format); default: the PG* environment variables\n",
            progname);
    return 2;
}

int main(int argc, char **argv)
{
    const char *ini = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            ini = argv[++i];
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            return usage(stderr);
        }
    }
    /* Line-buffered even into a pipe, so the steps and any notices on
     * standard error come out in the order they happened. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    printf("The suppliers database of the PostgreSQL-from-Python tutorial, in C\n");
    step("connect");
    pgw_buf ci;
    pgw_buf_init(&ci, NULL, 0);
    if (ini != NULL) {
        if (!conninfo_from_ini(ini, "postgresql", &ci)) {
            sb_free_secret(&ci);
            return 1;
        }
        printf("   settings from %s, section [postgresql]\n", ini);
    } else {
        printf("   settings from the PG* environment variables\n");
    }

    pgw_conn_options opt;
    pgw_conn_options_init(&opt);
    opt.conninfo = ini != NULL ? (const char *)ci.data : NULL;
    opt.notice = on_notice;
    pgw_conn *c = NULL;
    pgw_status rc = pgw_connect(&c, &opt);
    /* The connection keeps its own copy; this one may hold the password. */
    sb_free_secret(&ci);
    if (rc != PGW_OK) {
        /* pgw_connect leaves the error in *c (NULL only when out of memory,
         * which pgw_conn_errmsg reports too). */
        complain("connect: %s", pgw_conn_errmsg(c));
        pgw_conn_free(c);
        return 1;
    }
    printf("   connected to database \"%s\" as user \"%s\" on %s port %s\n",
           option_or(c, "dbname", "?"), option_or(c, "user", "?"),
           option_or(c, "host", "the default socket"), option_or(c, "port", "?"));

    int status = run(c);
    pgw_close(c);
    if (status == 0)
        printf("done\n");
    /* Output that never reached its destination (a full disk, a closed
     * pipe) is a failure too. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        complain("writing standard output: %s", strerror(errno));
        return 1;
    }
    return status;
}
