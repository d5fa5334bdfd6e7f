/* pgwire — the connection engine (sans-IO).
 *
 * A pgw_conn is a state machine fed with bytes: pgw_conn_input() hands it
 * what was read from the server, pgw_conn_output()/pgw_conn_output_done()
 * give what must be written, and pgw_conn_step() advances it. It never makes
 * a system call, so the blocking API (pgwire/client.h), an event loop, a
 * fuzzer and the fake-server tests all drive the same engine.
 *
 * Threads: a pgw_conn is not thread-safe; separate connections may be used
 * from separate threads. The library keeps no global mutable state. */
#ifndef PGWIRE_PGWIRE_CONN_H
#define PGWIRE_PGWIRE_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/alloc.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

typedef struct pgw_conn pgw_conn;

/** Where a connection is in its life. Append-only. */
typedef enum pgw_conn_state {
    PGW_CONN_NEW = 0,     /**< created, startup not begun */
    PGW_CONN_STARTUP = 1, /**< startup and authentication in progress */
    PGW_CONN_IDLE = 2,    /**< ready for a query */
    PGW_CONN_BUSY = 3,    /**< a query is in progress */
    PGW_CONN_BROKEN = 4,  /**< a protocol, I/O or TLS failure: every call fails */
    PGW_CONN_CLOSED = 5   /**< Terminate sent, or the server closed it */
} pgw_conn_state;

/** Transaction status from the last ReadyForQuery. Append-only. */
typedef enum pgw_tx_status {
    PGW_TX_UNKNOWN = 0,  /**< no ReadyForQuery yet, or connection broken */
    PGW_TX_IDLE = 1,     /**< 'I': not in a transaction block */
    PGW_TX_IN_BLOCK = 2, /**< 'T': in a transaction block */
    PGW_TX_IN_ERROR = 3, /**< 'E': in a failed transaction block */
    PGW_TX_ACTIVE = 4    /**< a query is in progress */
} pgw_tx_status;

/** A structured error or notice. Server fields come from ErrorResponse /
 * NoticeResponse; fields the server did not send are NULL. Client-side
 * failures set status, message and summary only (plus sys_errno).
 * Ownership: borrowed from the connection — valid until the next call on
 * it that can fail (for a notice: only during the callback). */
typedef struct pgw_error {
    pgw_status status;       /**< PGW_E_SERVER for a server error; PGW_OK for a notice */
    char sqlstate[6];        /**< "42601"; "" when none */
    const char *severity;    /**< localized: ERROR, FATAL, PANIC, WARNING, NOTICE, ... */
    const char *severity_nonlocalized; /**< 'V' field (never translated) */
    const char *message;     /**< primary message ('M'); for client errors the text */
    const char *detail;      /**< 'D' */
    const char *hint;        /**< 'H' */
    int32_t position;        /**< 'P': 1-based character position in the query, 0 if none */
    int32_t internal_position; /**< 'p' */
    const char *internal_query; /**< 'q' */
    const char *where;       /**< 'W' */
    const char *schema;      /**< 's' */
    const char *table;       /**< 't' */
    const char *column;      /**< 'c' */
    const char *datatype;    /**< 'd' */
    const char *constraint;  /**< 'n' */
    const char *file;        /**< 'F' */
    const char *line;        /**< 'L' */
    const char *routine;     /**< 'R' */
    int sys_errno;           /**< errno captured at an I/O failure, else 0 */
    unsigned long ssl_err;   /**< first OpenSSL error code at a TLS failure, else 0 */
    bool safe_to_retry;      /**< true when no byte of the failed request reached the server
                                  (set today for connection attempts that never reached one) */
    const char *summary;     /**< one line: "ERROR:  message" or the client-side text */
} pgw_error;

/** Called for each NoticeResponse (and WARNING etc.). Must not call back
 * into the connection. */
typedef void (*pgw_notice_fn)(void *ud, const pgw_error *notice);

/** Environment lookup: returns the value of variable `name` (e.g. "PGHOST")
 * or NULL. The engine never reads the environment itself. */
typedef const char *(*pgw_getenv_fn)(void *ud, const char *name);

/** Supplies an OAuth 2.0 bearer token for SASL OAUTHBEARER (PostgreSQL 18
 * oauth authentication): write the token (RFC 6750 b64token characters
 * only, at most cap - 1 bytes) and its NUL into buf. pgwire runs no
 * identity-provider flow itself; the application obtains the token.
 * @return PGW_OK, or a failure status that ends the connection attempt.
 * The buffer is wiped after use. */
typedef pgw_status (*pgw_oauth_token_fn)(void *ud, char *buf, size_t cap);

/* Name resolution supplied by the application: pgw_resolved_addr and the
 * contract of the hook are in pgwire/nonblock.h. */
typedef struct pgw_resolved_addr pgw_resolved_addr;
typedef pgw_status (*pgw_resolve_fn)(void *ud, const char *host, const char *port,
                                     pgw_resolved_addr *out, size_t cap, size_t *n,
                                     char *errbuf, size_t errlen);

/** Options for pgw_conn_new() / pgw_connect(). Initialise with
 * pgw_conn_options_init() and set only what you need. */
typedef struct pgw_conn_options {
    size_t size;                    /**< sizeof(pgw_conn_options), set by _init */
    const char *conninfo;           /**< libpq key=value string; NULL or "" for none */
    const pgw_allocator *allocator; /**< NULL = libc; must outlive the connection */
    pgw_getenv_fn getenv;           /**< PG* variables; NULL = none (pgw_connect installs getenv(3)) */
    void *getenv_ud;
    bool use_environment;           /**< pgw_connect only: false = ignore PG* variables (default true) */
    const char *default_user;       /**< user when neither conninfo nor PGUSER names one
                                         (pgw_connect fills in the OS user) */
    pgw_notice_fn notice;           /**< NULL = notices are dropped */
    void *notice_ud;
    size_t max_message_size;        /**< 0 = compiled default (1 GiB) */
    uint32_t scram_max_iterations;  /**< 0 = 100,000 */
    int io_timeout_ms;              /**< blocking API: limit on any single wait after connecting;
                                         0 = wait indefinitely (libpq's behaviour) */
    void *ssl_ctx;                  /**< your own OpenSSL SSL_CTX * (your trust setup; pgwire
                                         takes a reference); NULL = built from the ssl*
                                         options. Host names are still checked under
                                         sslmode=verify-full. */
    pgw_oauth_token_fn oauth_token; /**< bearer tokens for OAUTHBEARER; NULL = not offered */
    void *oauth_token_ud;
    int statement_cache_size;       /**< automatic prepared-statement cache for
                                         pgw_query_params(): entries kept (LRU);
                                         0 = the default (256); -1 = off (unnamed
                                         statements only: pgbouncer in transaction
                                         mode) */
    pgw_resolve_fn resolve;         /**< host names resolved by this hook instead of
                                         getaddrinfo(3), blocking and non-blocking
                                         connects alike (pgwire/nonblock.h); NULL = none */
    void *resolve_ud;
    bool resolver_thread;           /**< pgw_connect_start only: run getaddrinfo(3) on a
                                         helper thread so pgw_connect_poll() never blocks
                                         on DNS (pgwire/nonblock.h); default false */
} pgw_conn_options;

/** Which PEM material pgw_conn_set_tls_pem() supplies. Append-only. */
typedef enum pgw_tls_pem {
    PGW_TLS_PEM_ROOT = 0, /**< trusted roots (sslrootcert) */
    PGW_TLS_PEM_CERT = 1, /**< client certificate chain (sslcert) */
    PGW_TLS_PEM_KEY = 2,  /**< client private key (sslkey) */
    PGW_TLS_PEM_CRL = 3   /**< revocation lists (sslcrl, sslcrldir) */
} pgw_tls_pem;

PGW_BEGIN_DECLS

/** Fill `opt` with defaults. */
PGW_API void pgw_conn_options_init(pgw_conn_options *opt);

/** Create an engine: parse opt->conninfo and resolve every option (conninfo,
 * then the environment through opt->getenv, then defaults). No I/O.
 * opt->size is honoured: a caller built against an older, smaller struct
 * gets defaults for the fields it does not know.
 * @return PGW_OK; PGW_E_INVALID for a malformed conninfo or bad option value
 *         — *out is then a PGW_CONN_BROKEN connection whose pgw_conn_errmsg()
 *         gives libpq's text (e.g. `invalid connection option "foo"`), free
 *         it with pgw_conn_free(); PGW_E_UNSUPPORTED, likewise, for an option
 *         this version cannot honour (sslmode=require before TLS support,
 *         require_auth, several hosts, ...); PGW_E_NOMEM with *out NULL.
 * Ownership: caller owns *out; release with pgw_conn_free(). */
PGW_API pgw_status pgw_conn_new(pgw_conn **out, const pgw_conn_options *opt);

/** Free the connection (and any transport attached by the blocking API,
 * which sends Terminate first when it can). Secrets are wiped. NULL-safe. */
PGW_API void pgw_conn_free(pgw_conn *c);

/** Supply certificate material as PEM bytes (copied; a key is wiped when
 * freed). The blocking API reads the files named by sslrootcert, sslcert,
 * sslkey, sslcrl and sslcrldir itself; engine users without it call this
 * before pgw_conn_start(). NULL removes the material.
 * @return PGW_OK; PGW_E_INVALID; PGW_E_STATE (startup begun); PGW_E_NOMEM. */
PGW_API pgw_status pgw_conn_set_tls_pem(pgw_conn *c, pgw_tls_pem which, const uint8_t *pem,
                                        size_t len);

/** Use the caller's OpenSSL SSL_CTX * for TLS on this connection (as
 * pgw_conn_options.ssl_ctx). Before pgw_conn_start(). */
PGW_API void pgw_conn_set_ssl_ctx(pgw_conn *c, void *ssl_ctx);

/** Queue the StartupMessage (or, when sslmode asks for TLS, the SSLRequest
 * or the direct TLS handshake first). Only in PGW_CONN_NEW.
 * @return PGW_OK; PGW_E_STATE; PGW_E_INVALID (an option holds a NUL);
 *         PGW_E_NOMEM. */
PGW_API pgw_status pgw_conn_start(pgw_conn *c);

/** Hand the engine bytes read from the server (copied). Ends the current
 * row of the active cursor (its views may move).
 * @return PGW_OK; PGW_E_NOMEM / PGW_E_TOO_LARGE (input buffer limit, the
 *         connection is then broken); the sticky status if broken. */
PGW_API pgw_status pgw_conn_input(pgw_conn *c, const uint8_t *p, size_t n);

/** Tell the engine the server closed its end (read returned 0). */
PGW_API void pgw_conn_input_eof(pgw_conn *c);

/** Bytes waiting to be written. *p is borrowed until the next call on c.
 * @return the number of bytes (0 = nothing to write). */
PGW_API size_t pgw_conn_output(pgw_conn *c, const uint8_t **p);

/** n bytes of pgw_conn_output() were written (partial writes are fine). */
PGW_API void pgw_conn_output_done(pgw_conn *c, size_t n);

/** Advance startup, or process asynchronous messages while idle.
 * @return PGW_OK when the connection is ready for a query (idle);
 *         PGW_WANT_WRITE when output is pending (write it, then call again);
 *         PGW_WANT_READ when input is needed;
 *         PGW_E_AUTH (authentication failed; SQLSTATE class 28 from the
 *         server, or a client-side refusal such as a bad SCRAM signature);
 *         PGW_E_SERVER (another server error during startup, e.g. 3D000);
 *         PGW_E_PROTOCOL; PGW_E_TOO_LARGE; PGW_E_UNSUPPORTED (e.g. GSSAPI
 *         requested); PGW_E_CLOSED; PGW_E_NOMEM. Failures during startup
 *         are sticky. While a query is in progress it returns PGW_E_STATE. */
PGW_API pgw_status pgw_conn_step(pgw_conn *c);

/** Queue a Terminate message; the connection becomes PGW_CONN_CLOSED once
 * the caller has written the output. @return PGW_OK; PGW_E_NOMEM. */
PGW_API pgw_status pgw_conn_terminate(pgw_conn *c);

/** Current state. */
PGW_API pgw_conn_state pgw_conn_get_state(const pgw_conn *c);

/** Transaction status from the last ReadyForQuery. */
PGW_API pgw_tx_status pgw_conn_tx_status(const pgw_conn *c);

/** A server parameter from ParameterStatus ("server_version",
 * "client_encoding", "TimeZone", ...), or NULL.
 * Ownership: borrowed — valid until the server changes it or pgw_conn_free. */
PGW_API const char *pgw_conn_parameter(const pgw_conn *c, const char *name);

/** Resolved value of a connection option ("host", "port", "user",
 * "dbname", ...), NULL when unset. "password" is never returned.
 * Ownership: borrowed — valid until pgw_conn_free. */
PGW_API const char *pgw_conn_option(const pgw_conn *c, const char *keyword);

/** Backend process id from BackendKeyData, 0 before it arrives. */
PGW_API int32_t pgw_conn_backend_pid(const pgw_conn *c);

/** Cancel key from BackendKeyData (4 bytes with protocol 3.0).
 * Ownership: borrowed — valid until pgw_conn_free. @return key length, 0 if none. */
PGW_API size_t pgw_conn_cancel_key(const pgw_conn *c, const uint8_t **key);

/** Whether the connection runs over TLS. */
PGW_API bool pgw_conn_tls_in_use(const pgw_conn *c);
/** Negotiated TLS protocol ("TLSv1.3") and cipher, NULL without TLS.
 * Ownership: static strings. */
PGW_API const char *pgw_conn_tls_version(const pgw_conn *c);
PGW_API const char *pgw_conn_tls_cipher(const pgw_conn *c);
/** Whether authentication used SCRAM-SHA-256-PLUS (channel binding). */
PGW_API bool pgw_conn_channel_binding_used(const pgw_conn *c);
/** The authentication method the server asked for and the client completed:
 * "none" (trust, cert), "password", "md5", "scram-sha-256",
 * "scram-sha-256-plus", "oauth"; NULL before authentication finished.
 * Ownership: static string. */
PGW_API const char *pgw_conn_auth_method(const pgw_conn *c);

/** The connection's last error (status PGW_OK when none).
 * Ownership: borrowed — valid until the next call on c that can fail. */
PGW_API const pgw_error *pgw_conn_error(const pgw_conn *c);

/** The last error as one line; "" when none; "out of memory" for NULL (so
 * a failed pgw_connect() that could not allocate still has a message). */
PGW_API const char *pgw_conn_errmsg(const pgw_conn *c);

/** Replace the notice callback (NULL drops notices). */
PGW_API void pgw_conn_set_notice_handler(pgw_conn *c, pgw_notice_fn fn, void *ud);

/* ---- connection strings ---------------------------------------------- */

/** Check a libpq key=value connection string without connecting.
 * @param errbuf  receives libpq's error text on failure (may be NULL)
 * @return PGW_OK; PGW_E_INVALID (malformed or unknown keyword); PGW_E_NOMEM. */
PGW_API pgw_status pgw_conninfo_check(const char *conninfo, char *errbuf, size_t errlen);

/* ---- parsing connection strings --------------------------------------- */

struct pgw_buf;

/** A parsed connection string: the keywords it sets and their values, in
 * libpq 18's keyword order (service, user, password, passfile, ...).
 * Nothing from the environment, a service file or the defaults is added.
 * Opaque; read it with pgw_conninfo_count()/_keyword()/_value()/_get(). */
typedef struct pgw_conninfo pgw_conninfo;

/** Options for pgw_conninfo_parse(). Initialise with
 * pgw_conninfo_parse_options_init(). */
typedef struct pgw_conninfo_parse_options {
    size_t size;                          /**< set by _init */
    const pgw_allocator *allocator;       /**< NULL = libc; must outlive the result */
    const char *const *allowed_keywords;  /**< NULL-terminated allow-list for strings from
                                               untrusted input (a URI's user info, host list
                                               and database count as user/password, host/port
                                               and dbname); NULL = every keyword.
                                               pgw_conninfo_untrusted_keywords() is a
                                               conservative list. */
    bool redact_secrets;                  /**< store "********" instead of the values of
                                               password, sslpassword and the other secrets */
} pgw_conninfo_parse_options;

/** pgw_conninfo_format() flag: print secrets (password, sslpassword, ...)
 * as "********". */
#define PGW_CONNINFO_REDACT 0x1u

/** Fill `opt` with defaults (libc allocator, every keyword, no redaction). */
PGW_API void pgw_conninfo_parse_options_init(pgw_conninfo_parse_options *opt);

/** Parse a libpq connection string — key=value pairs or a postgresql:// /
 * postgres:// URI — as libpq's PQconninfoParse() does: the same keywords
 * (libpq 18's, including those pgw_conn_new() refuses), quoting,
 * percent-decoding, the multi-host URI form folded into comma-separated
 * host and port lists, and the same error texts.
 * @param out     receives the result (NULL on failure)
 * @param opt     NULL for defaults
 * @param errbuf  receives libpq's message on failure, e.g.
 *                `invalid URI query parameter: "foo"` (may be NULL)
 * @return PGW_OK; PGW_E_INVALID (malformed, unknown keyword, or a keyword
 *         outside opt->allowed_keywords: `connection option "sslkey" is not
 *         allowed here`); PGW_E_NOMEM.
 * Ownership: caller owns *out; release with pgw_conninfo_free() (which
 * wipes the values). */
PGW_API pgw_status pgw_conninfo_parse(pgw_conninfo **out, const char *conninfo,
                                      const pgw_conninfo_parse_options *opt, char *errbuf,
                                      size_t errlen);

/** Free a parse result, wiping its values. NULL-safe. */
PGW_API void pgw_conninfo_free(pgw_conninfo *ci);

/** Number of keywords the string set. */
PGW_API size_t pgw_conninfo_count(const pgw_conninfo *ci);

/** The i-th keyword set (libpq 18's order), or NULL past the end.
 * Ownership: static string. */
PGW_API const char *pgw_conninfo_keyword(const pgw_conninfo *ci, size_t i);

/** The i-th value, raw (unquoted, unescaped, percent-decoded), or NULL past
 * the end. Ownership: borrowed — valid until pgw_conninfo_free(). */
PGW_API const char *pgw_conninfo_value(const pgw_conninfo *ci, size_t i);

/** The value the string gave `keyword`, or NULL when it set none.
 * Ownership: borrowed — valid until pgw_conninfo_free(). */
PGW_API const char *pgw_conninfo_get(const pgw_conninfo *ci, const char *keyword);

/** Whether a keyword holds a secret (password, sslpassword,
 * oauth_client_secret, scram_client_key, scram_server_key). */
PGW_API bool pgw_conninfo_keyword_is_secret(const char *keyword);

/** Append the parsed options as a key='value' connection string (quotes
 * and backslashes escaped), e.g. for a log line; with PGW_CONNINFO_REDACT
 * secrets print as "********". Set out->wipe first if the result may hold
 * a password.
 * @return PGW_OK; PGW_E_INVALID (NULL argument); PGW_E_NOMEM /
 *         PGW_E_TOO_LARGE (out's limit) — out->len is then unchanged. */
PGW_API pgw_status pgw_conninfo_format(const pgw_conninfo *ci, uint32_t flags,
                                       struct pgw_buf *out);

/** A conservative allow-list for pgw_conninfo_parse_options.allowed_keywords:
 * where to connect, as whom, and session presentation — no keyword that
 * names a file (sslkey, sslrootcert, passfile, service, ...) or weakens
 * security (sslmode, require_auth, channel_binding).
 * Ownership: static, NULL-terminated. */
PGW_API const char *const *pgw_conninfo_untrusted_keywords(void);

/** The protocol version of the connection as major * 10000 + minor (libpq's
 * PQfullProtocolVersion): 30000 for 3.0, 30002 for 3.2. While starting up it
 * is the version asked for (max_protocol_version: 3.0 unless set, or the
 * newest when min_protocol_version asks for more than 3.0), lowered when the
 * server answers with NegotiateProtocolVersion; a version below
 * min_protocol_version fails the connection. From 3.2 on the cancel key
 * (pgw_conn_cancel_key) may be 4 to 256 bytes long.
 * @return the version; 0 for NULL or before pgw_conn_start().
 * Ownership: none. */
PGW_API int32_t pgw_conn_protocol_version(const pgw_conn *c);

PGW_END_DECLS

#endif
