/* Connection strings as libpq 18 reads them: the keyword table in libpq's
 * order, the key=value and URI scanners, and the pure parsers of the
 * password file and the service file. Nothing here touches the operating
 * system: src/io reads the files and hands their bytes over.
 *
 * Invariants: scanners never allocate except through the sink they are
 * given; every error text is libpq's (without its trailing newline). */
#ifndef PGWIRE_CONN_CONNINFO_INT_H
#define PGWIRE_CONN_CONNINFO_INT_H

#include "conn/conn_int.h"

/* Every keyword libpq 18 knows (PQconninfoOptions), in its order. */
enum { PGWI_KW_COUNT = 50 };

typedef struct pgwi_kw {
    const char *keyword;
    int opt;     /* PGWI_OPT_* this engine keeps it in, or -1 (parse-only) */
    bool secret; /* a password-like value: redacted when asked */
} pgwi_kw;

extern const pgwi_kw pgwi_kw_table[PGWI_KW_COUNT];

/* Index into pgwi_kw_table, or -1. */
int pgwi_kw_lookup(const char *keyword, size_t len);

/* Receives each keyword (index into pgwi_kw_table) and its value, in the
 * order the string sets them; later calls for the same keyword replace
 * earlier ones. A non-OK return stops the scan and is returned by it; the
 * sink writes its own message into the scan's errbuf. */
typedef pgw_status (*pgwi_kw_sink)(void *ud, int kw, const char *val, size_t len, char *errbuf,
                                   size_t errlen);

/* Scan a key=value string or a postgresql:// / postgres:// URI.
 * PGW_OK; PGW_E_INVALID with libpq's message in errbuf; PGW_E_NOMEM;
 * whatever the sink returns. `a` is used for scratch space only. */
pgw_status pgwi_conninfo_scan(const pgw_allocator *a, const char *s, pgwi_kw_sink sink, void *ud,
                              char *errbuf, size_t errlen);

/* True when s starts with one of the URI designators (libpq's test). */
bool pgwi_conninfo_is_uri(const char *s);

/* The URI scanner (conninfo_uri.c); s must be a URI. */
pgw_status pgwi_conninfo_scan_uri(const pgw_allocator *a, const char *s, pgwi_kw_sink sink,
                                  void *ud, char *errbuf, size_t errlen);

/* libpq's conninfo_storeval: `requiressl` is rewritten to sslmode, then the
 * keyword is looked up. Returns PGW_E_INVALID with *known false for an
 * unknown keyword (the caller words the message), else the sink's status. */
pgw_status pgwi_conninfo_store(const char *kw, size_t klen, const char *val, size_t vlen,
                               pgwi_kw_sink sink, void *ud, bool *known, char *errbuf,
                               size_t errlen);

/* The newest protocol version this library speaks (3.2, PostgreSQL 18),
 * the value of min/max_protocol_version=latest. */
#define PGWI_PROTOCOL_LATEST (3 << 16 | 2)

/* Options that need the engine's connection (validation of values the
 * engine accepts but whose behaviour comes later). Called from conn.c. */
pgw_status pgwi_conninfo_validate(pgw_conn *c);

/* ---- the password file (pgpass_parse.c) --------------------------------- */

typedef struct pgwi_pgpass_key {
    const char *host, *port, *dbname, *user; /* already defaulted (localhost, 5432) */
} pgwi_pgpass_key;

/* Find the first line of a .pgpass text matching key, as libpq does
 * (`*` matches any field, backslash escapes `:` and `\`). On a match sets
 * pw and pwlen to the still-escaped password field (a view into text, up to
 * the end of its line) and returns true. Never allocates. */
bool pgwi_pgpass_find(const char *text, size_t len, const pgwi_pgpass_key *key, const char **pw,
                      size_t *pwlen);

/* Unescape a password field found by pgwi_pgpass_find into out (at least
 * n + 1 bytes), stopping at an unescaped ':'; returns the length written
 * (out is NUL-terminated). */
size_t pgwi_pgpass_unescape(const char *p, size_t n, char *out);

/* ---- the service file (service_parse.c) --------------------------------- */

/* Parse one service file's text for group `service`. Each keyword=value of
 * the group goes to the sink (as from a connection string). *found is set
 * when the group exists. `file` names the file in messages.
 * PGW_OK; PGW_E_INVALID with libpq's message (syntax error, nested service);
 * whatever the sink returns. */
pgw_status pgwi_service_parse(const char *text, size_t len, const char *service, const char *file,
                              pgwi_kw_sink sink, void *ud, bool *found, char *errbuf,
                              size_t errlen);

/* ---- several hosts (libpq's connhost list) -------------------------------- */

/* One entry of the host list: owned, NUL-terminated; "" = not given (the
 * default socket directory / port 5432 apply when connecting). */
typedef struct pgwi_host {
    char *host, *hostaddr, *port;
} pgwi_host;

typedef struct pgwi_hosts {
    pgwi_host *v;
    size_t n;
} pgwi_hosts;

/* Split the comma-separated host, hostaddr and port options into entries
 * with libpq's pairing rules: hostaddr, when given, sets the count and host
 * must match it; one port serves every host, otherwise there must be one
 * per host. Every non-empty port is checked as libpq checks it.
 * PGW_OK; PGW_E_INVALID with libpq's message in errbuf ("could not match 2
 * port numbers to 3 hosts", "invalid port number: \"x\"", ...);
 * PGW_E_NOMEM. On failure *out is empty.
 * Ownership: caller owns *out; release with pgwi_hosts_free(). */
pgw_status pgwi_hosts_parse(const pgw_allocator *a, const char *host, const char *hostaddr,
                            const char *port, pgwi_hosts *out, char *errbuf, size_t errlen);

/* NULL-safe; leaves *h empty. */
void pgwi_hosts_free(const pgw_allocator *a, pgwi_hosts *h);

/* target_session_attrs, decoded. */
typedef enum pgwi_tsa {
    PGWI_TSA_ANY,
    PGWI_TSA_READ_WRITE,
    PGWI_TSA_READ_ONLY,
    PGWI_TSA_PRIMARY,
    PGWI_TSA_STANDBY,
    PGWI_TSA_PREFER_STANDBY,
} pgwi_tsa;

/* The value of an already validated option (NULL or "" = any). */
pgwi_tsa pgwi_tsa_from_option(const char *v);

/* A server-reported boolean (ParameterStatus or a query's answer). */
typedef enum pgwi_tribool { PGWI_UNKNOWN, PGWI_NO, PGWI_YES } pgwi_tribool;

/* libpq 14's decision for one server, from in_hot_standby and
 * default_transaction_read_only. When the answer needs a query the server
 * did not make unnecessary, *query is set ("SHOW transaction_read_only" or
 * "SELECT pg_catalog.pg_is_in_recovery()") and NULL is returned: run it,
 * feed the answer back with pgwi_tsa_note_answer() and ask again.
 * Otherwise *query is NULL and the result is NULL (accepted) or libpq's
 * reason for refusing the server ("session is read-only", ...). */
const char *pgwi_tsa_check(pgwi_tsa t, pgwi_tribool hot_standby, pgwi_tribool read_only,
                           const char **query);

/* Record the answer (the first column of the one row) to the query
 * pgwi_tsa_check asked for, as libpq reads it: for SHOW
 * transaction_read_only "on..." sets both flags YES, anything else both NO;
 * for pg_is_in_recovery() "t..." sets hot_standby YES, else NO. */
void pgwi_tsa_note_answer(const char *query, const char *value, pgwi_tribool *hot_standby,
                          pgwi_tribool *read_only);

/* A ParameterStatus boolean ("on"/"off"); NULL = not reported. */
pgwi_tribool pgwi_tribool_from_param(const char *v);

#endif
