/* src/conn — the engine: option parsing, startup and authentication
 * dispatch, the simple-query/cursor state machine, server errors and
 * notices. Feeds on input bytes, fills output bytes, never makes a system
 * call (the lint suite checks the archive's undefined symbols).
 *
 * May include: common, protocol, types, auth, crypto (and tls later).
 * Invariants:
 *  - input is consumed one whole frame at a time (in_off); bytes before
 *    in_off stay in place until the next pgw_conn_input(), so a row view
 *    handed out stays valid until the caller's next call;
 *  - once state is PGW_CONN_BROKEN every entry point returns err.status;
 *  - the password is wiped before its memory is released. */
#ifndef PGWIRE_CONN_CONN_INT_H
#define PGWIRE_CONN_CONN_INT_H

#include <stdarg.h>

#include "common/common_int.h"
#include "crypto/crypto.h"
#include "pgwire/auth.h"
#include "pgwire/buf.h"
#include "pgwire/conn.h"
#include "pgwire/cursor.h"
#include "pgwire/proto.h"
#include "pgwire/render.h"
#include "pgwire/tls.h"
#include "pgwire/trace.h"

/* ---- connection options ---------------------------------------------- */

enum pgwi_opt {
    PGWI_OPT_HOST,
    PGWI_OPT_HOSTADDR,
    PGWI_OPT_PORT,
    PGWI_OPT_DBNAME,
    PGWI_OPT_USER,
    PGWI_OPT_PASSWORD,
    PGWI_OPT_PASSFILE,
    PGWI_OPT_REQUIRE_AUTH,
    PGWI_OPT_CHANNEL_BINDING,
    PGWI_OPT_CONNECT_TIMEOUT,
    PGWI_OPT_CLIENT_ENCODING,
    PGWI_OPT_OPTIONS,
    PGWI_OPT_APPLICATION_NAME,
    PGWI_OPT_FALLBACK_APPLICATION_NAME,
    PGWI_OPT_KEEPALIVES,
    PGWI_OPT_KEEPALIVES_IDLE,
    PGWI_OPT_KEEPALIVES_INTERVAL,
    PGWI_OPT_KEEPALIVES_COUNT,
    PGWI_OPT_TCP_USER_TIMEOUT,
    PGWI_OPT_REPLICATION,
    PGWI_OPT_SSLMODE,
    PGWI_OPT_SSLNEGOTIATION,
    PGWI_OPT_SSLCOMPRESSION,
    PGWI_OPT_SSLCERT,
    PGWI_OPT_SSLKEY,
    PGWI_OPT_SSLPASSWORD,
    PGWI_OPT_SSLCERTMODE,
    PGWI_OPT_SSLROOTCERT,
    PGWI_OPT_SSLCRL,
    PGWI_OPT_SSLCRLDIR,
    PGWI_OPT_SSLSNI,
    PGWI_OPT_REQUIREPEER,
    PGWI_OPT_SSL_MIN_PROTOCOL_VERSION,
    PGWI_OPT_SSL_MAX_PROTOCOL_VERSION,
    PGWI_OPT_GSSENCMODE,
    PGWI_OPT_KRBSRVNAME,
    PGWI_OPT_GSSLIB,
    PGWI_OPT_GSSDELEGATION,
    PGWI_OPT_SERVICE,
    PGWI_OPT_TARGET_SESSION_ATTRS,
    PGWI_OPT_LOAD_BALANCE_HOSTS,
    PGWI_OPT_MIN_PROTOCOL_VERSION,
    PGWI_OPT_MAX_PROTOCOL_VERSION,
    PGWI_OPT_COUNT
};

typedef struct pgwi_opt_def {
    const char *keyword;
    const char *envvar;   /* NULL: no environment variable */
    const char *fallback; /* compiled-in default, or NULL */
} pgwi_opt_def;

extern const pgwi_opt_def pgwi_opt_table[PGWI_OPT_COUNT];

/* Find a keyword in the option table; -1 when unknown. */
int pgwi_opt_lookup(const char *keyword, size_t len);

/* An integer option as libpq reads one (surrounding white space allowed).
 * False when the text is not an int. */
bool pgwi_parse_int_option(const char *v, int *out);

/* Parse a key=value string into vals[] (owned strings, NULL when absent).
 * On failure writes libpq's message to errbuf and returns PGW_E_INVALID. */
pgw_status pgwi_conninfo_parse(const pgw_allocator *a, const char *s, char *vals[PGWI_OPT_COUNT],
                               char *errbuf, size_t errlen);
void pgwi_conninfo_free(const pgw_allocator *a, char *vals[PGWI_OPT_COUNT]);

/* ---- server parameters (ParameterStatus) ------------------------------ */

typedef struct pgwi_param {
    char *name;
    char *value;
    size_t name_len, value_len;
} pgwi_param;

/* ---- the connection ---------------------------------------------------- */

enum pgwi_startup {
    PGWI_SU_AUTH,        /* waiting for an authentication request */
    PGWI_SU_SASL,        /* SCRAM exchange in progress */
    PGWI_SU_SASL_FINAL,  /* SASLFinal verified, waiting for AuthenticationOk */
    PGWI_SU_OAUTH,       /* OAUTHBEARER token sent: AuthenticationOk or an error next */
    PGWI_SU_OAUTH_FAILED,/* the server refused the token; its error comes next */
    PGWI_SU_AFTER_AUTH   /* AuthenticationOk seen: waiting for ReadyForQuery */
};

enum pgwi_sslmode {
    PGWI_SSL_DISABLE,
    PGWI_SSL_ALLOW,
    PGWI_SSL_PREFER,
    PGWI_SSL_REQUIRE,
    PGWI_SSL_VERIFY_CA,
    PGWI_SSL_VERIFY_FULL
};

enum pgwi_cbind { PGWI_CB_DISABLE, PGWI_CB_PREFER, PGWI_CB_REQUIRE };

enum pgwi_tls_phase {
    PGWI_TLS_PHASE_OFF,       /* plaintext (or not negotiated yet) */
    PGWI_TLS_PHASE_REQUESTED, /* SSLRequest sent, waiting for the one-byte answer */
    PGWI_TLS_PHASE_HANDSHAKE, /* the TLS handshake runs over the connection */
    PGWI_TLS_PHASE_UP         /* every byte goes through TLS */
};

/* PEM material handed over by the driver (or the user of the engine). */
enum pgwi_pem { PGWI_PEM_ROOT, PGWI_PEM_CERT, PGWI_PEM_KEY, PGWI_PEM_CRL, PGWI_PEM_COUNT };

struct pgw_conn {
    pgw_allocator alloc_copy;
    const pgw_allocator *a; /* &alloc_copy or NULL for libc */

    pgw_conn_state state;
    enum pgwi_startup su;
    bool startup_sent;
    char *opt[PGWI_OPT_COUNT]; /* resolved options (owned) */
    uint32_t scram_max_iterations;
    pgw_limits limits;

    pgw_buf in;    /* bytes from the server */
    size_t in_off; /* start of the first unconsumed frame */
    bool eof;      /* the server closed its end */
    pgw_buf out;   /* bytes for the server */
    bool terminating;

    pgw_scram *scram;
    int auth_code; /* last authentication request code honoured */

    pgwi_param *params;
    size_t nparams, params_cap;
    int32_t backend_pid;
    uint8_t cancel_key[256];
    size_t cancel_key_len;
    /* Protocol version (startup.c), as 3 << 16 | minor: the range allowed
     * by min/max_protocol_version, and the version of this attempt (asked
     * for, then lowered by NegotiateProtocolVersion; 0 before start). */
    int32_t min_pversion, max_pversion, pversion;
    bool pversion_negotiated;
    char tx;

    /* The last error. Server fields point into err_body (a copy of the
     * ErrorResponse body, whose fields are already NUL-terminated). */
    pgw_error err;
    char *err_body;
    size_t err_body_len;
    char *err_text; /* client-side message or formatted summary */
    size_t err_text_len;
    char *err_summary;
    size_t err_summary_len;

    pgw_notice_fn notice;
    void *notice_ud;
    pgw_oauth_token_fn oauth_token;
    void *oauth_token_ud;

    /* The cursor whose current row's views point into `in`; cleared when
     * input arrives (the bytes may move) or the cursor moves on. One
     * comparison tells a field getter whether its row is still valid. */
    const pgw_cursor *row_owner;

    /* TLS (tls_link.c) and authentication policy (policy.c). */
    enum pgwi_sslmode sslmode;
    bool direct_tls;          /* sslnegotiation=direct */
    bool attempt_tls;         /* this attempt negotiates TLS */
    bool tried_tls, tried_plain;
    bool unix_socket;         /* libpq never negotiates TLS over a Unix socket */
    bool retry_other;         /* the failure allows libpq's allow/prefer retry */
    enum pgwi_tls_phase tls_phase;
    pgw_tls *tls;
    pgw_tls_config tls_cfg;   /* strings point into opt[] and pem[] */
    uint8_t *pem[PGWI_PEM_COUNT];
    char *pem_name[PGWI_PEM_COUNT]; /* the files they came from, for messages */
    size_t pem_len[PGWI_PEM_COUNT];
    void *ssl_ctx;            /* the caller's SSL_CTX, or NULL */
    uint8_t *rx_scratch;      /* ciphertext landing area for the driver */
    size_t rx_scratch_len;
    bool tls_closing;
    enum pgwi_cbind cbind;
    bool cbind_used;
    bool has_require_auth;
    uint32_t allowed_auth;    /* bit per authentication request code */
    bool auth_required;       /* the server must authenticate the client */
    bool client_finished_auth;
    const char *auth_method;  /* static name, once authentication finished */

    /* extended protocol (extended.c, stmt_cache.c) */
    struct pgwi_stmt_cache *cache; /* NULL until first used, or off */
    int cache_size_option;         /* pgw_conn_options.statement_cache_size */
    int result_format;             /* default result format (PGW_FORMAT_AUTO) */
    uint64_t stmt_counter;         /* generated names of pgw_prepare_send */
    pgw_render_ctx rctx;           /* the session's output settings, from ParameterStatus */
    /* pgw_render_bin, installed by the first extended-protocol exchange:
     * only those can bring binary values, and a program that never makes
     * one (a static "SELECT 1" healthcheck) then links no codec family. */
    pgw_status (*render)(pgw_buf *out, uint32_t oid, const uint8_t *p, size_t len,
                         const pgw_render_ctx *ctx);
    pgw_tz_loader_fn tz_loader;    /* TimeZone name -> rules (installed by io) */
    void *tz_loader_ud;
    pgw_tz *tz;                    /* rctx.tz: the rules of the reported TimeZone */
    bool tz_unknown;               /* TimeZone reported but no rules for it */
    struct pgwi_type_entry *types; /* the type registry (registry.c) */
    size_t ntypes, types_cap;
    /* Large objects (io/lo.c): function OIDs looked up once per session
     * (all 0 until then) and the pgw_lo_method chosen. */
    uint32_t lo_fn[16];
    int lo_method;

    /* queries */
    pgw_cursor *active;  /* the cursor that owns the next results */
    size_t abandoned;    /* ReadyForQuery messages still owed to freed cursors */
    /* Bit i: the i-th oldest of those exchanges used the extended protocol.
     * Its COPY FROM STDIN, failed by the drain, needs a Sync after CopyFail
     * (the server ignored the exchange's own Sync in copy mode); a simple
     * Query's must not get one (an extra ReadyForQuery). Past 64 exchanges
     * the bit is lost and such a COPY waits on the server's Sync. */
    uint64_t abandoned_ext;
    struct pgwi_pipe *pipe; /* pipeline mode (pipeline.c); NULL outside it */

    /* The blocking driver's slot (src/io): transport handle and its
     * destructor, so pgw_conn_free can close it without conn knowing how. */
    void *io;
    void (*io_free)(pgw_conn *c);
    int io_timeout_ms;

    /* LISTEN/NOTIFY queue (notify.c); NULL until first used. */
    struct pgwi_notify *notify;
    /* Protocol tracing (trace.c): the callback, and how far c->out has
     * been traced. */
    pgw_trace_fn trace;
    void *trace_ud;
    size_t trace_out_off;
    bool trace_sasl_first_seen; /* SASLInitialResponse traced this attempt */
};

/* Record a client-side failure. Sticky statuses (protocol, I/O, TLS,
 * closed, too large, nomem during a message) also set PGW_CONN_BROKEN.
 * Returns status for tail calls. */
pgw_status pgwi_conn_fail(pgw_conn *c, pgw_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* A request refused before any byte was queued: record the error without
 * breaking the connection, whatever the status (e.g. PGW_E_TOO_LARGE). */
pgw_status pgwi_conn_refuse(pgw_conn *c, pgw_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* As pgwi_conn_fail, marking the connection broken whatever the status. */
pgw_status pgwi_conn_break(pgw_conn *c, pgw_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Set sys_errno on the current error (after pgwi_conn_fail). */
void pgwi_conn_set_errno(pgw_conn *c, int sys_errno);
/* Prefix the current error's summary (io adds "connection to server ... failed: "). */
void pgwi_conn_prefix_error(pgw_conn *c, const char *prefix);
/* Forget the last error. */
void pgwi_conn_clear_error(pgw_conn *c);
/* Record an ErrorResponse as the connection's error (status PGW_E_SERVER
 * unless given otherwise). */
pgw_status pgwi_conn_server_error(pgw_conn *c, const pgw_frame *f, pgw_status status);
/* Whether an ErrorResponse ends the session: severity FATAL or PANIC, from
 * the untranslated V field, or S from servers older than 9.6. A malformed
 * body counts as fatal: the stream cannot be trusted after it. */
bool pgwi_error_is_fatal(const pgw_frame *f);
/* Deliver a NoticeResponse to the callback. */
pgw_status pgwi_conn_notice(pgw_conn *c, const pgw_frame *f);

/* Look at the next whole frame without consuming it.
 * PGW_OK / PGW_WANT_READ / PGW_E_CLOSED (EOF) / framing errors (sticky). */
pgw_status pgwi_conn_peek(pgw_conn *c, pgw_frame *f, size_t *used);
/* Trace hooks (trace.c): sent frames appended to c->out since the last
 * call, and one received frame (tag, length word, body) about to be consumed. */
void pgwi_trace_output(pgw_conn *c);
void pgwi_trace_input(pgw_conn *c, const uint8_t *p, size_t used);
static inline void pgwi_conn_consume(pgw_conn *c, size_t used)
{
    if (c->trace != NULL)
        pgwi_trace_input(c, c->in.data + c->in_off, used);
    c->in_off += used;
}
/* Messages that may arrive at any time: NoticeResponse, ParameterStatus,
 * NotificationResponse. Returns PGW_OK if handled, PGW_END if f is not one
 * of them, or an error. */
pgw_status pgwi_conn_async(pgw_conn *c, const pgw_frame *f);
/* LISTEN/NOTIFY (notify.c): queue a NotificationResponse (or hand it to
 * the handler); take the oldest (false when none); free the queue. */
pgw_status pgwi_notify_push(pgw_conn *c, const pgw_frame *f);
struct pgw_notification;
bool pgwi_notify_pop(pgw_conn *c, struct pgw_notification *out);
void pgwi_notify_free(pgw_conn *c);
/* What step() answers when the engine needs input: WANT_WRITE while
 * output is pending (the server may be waiting for it), else WANT_READ. */
pgw_status pgwi_conn_want(pgw_conn *c);

/* Policy (policy.c): resolve sslmode, channel_binding, require_auth and the
 * TLS settings into the fields above; libpq's texts on error. */
pgw_status pgwi_policy_resolve(pgw_conn *c);
/* Whether require_auth allows SCRAM (oauth false) or OAUTHBEARER. */
bool pgwi_policy_mech_allowed(const pgw_conn *c, bool oauth);
/* libpq's check_expected_areq: may the client answer this request? */
pgw_status pgwi_policy_check_request(pgw_conn *c, int32_t code);

/* TLS plumbing (tls_link.c). */
pgw_status pgwi_tls_begin(pgw_conn *c);           /* queue SSLRequest or start direct TLS */
pgw_status pgwi_tls_step(pgw_conn *c);            /* PGW_OK once plaintext may flow */
pgw_status pgwi_tls_input(pgw_conn *c, const uint8_t *p, size_t n);
size_t pgwi_tls_output(pgw_conn *c, const uint8_t **p);
void pgwi_tls_output_done(pgw_conn *c, size_t n);
bool pgwi_tls_output_pending(pgw_conn *c);
void pgwi_tls_reset(pgw_conn *c);                 /* drop the session (new attempt, free) */

/* Startup (startup.c). */
pgw_status pgwi_startup_build(pgw_conn *c);
pgw_status pgwi_startup_step(pgw_conn *c);

/* Between queries (session.c): discard results owed to abandoned cursors
 * and process asynchronous messages. PGW_OK when nothing is owed any more. */
pgw_status pgwi_conn_drain(pgw_conn *c);
/* Forget the active cursor (freed, or the connection is going away); its
 * results are skipped as they arrive. */
void pgwi_conn_detach_cursor(pgw_conn *c);

/* Zero-copy input for the blocking driver: a writable region of at least
 * `want` bytes at the end of the input buffer (NULL on failure, with the
 * connection broken), then commit the bytes actually read. */
uint8_t *pgwi_conn_input_reserve(pgw_conn *c, size_t want, size_t *avail);
void pgwi_conn_input_commit(pgw_conn *c, size_t n);

/* The transport is a Unix-domain socket: no TLS is negotiated whatever
 * sslmode says, as libpq does (the kernel is the only party in the way). */
void pgwi_conn_set_unix_socket(pgw_conn *c);

/* Remember which file PEM material came from (libpq names the file in
 * certificate and key errors). */
pgw_status pgwi_conn_set_pem_name(pgw_conn *c, int which, const char *path);

/* libpq's sslmode allow/prefer second attempt: when the failure allows it,
 * reset for a new connection of the other kind (TLS or plaintext) and
 * return true. The caller reconnects and calls pgw_conn_start() again. */
bool pgwi_conn_retry_other(pgw_conn *c);

/* Reset protocol state for a new transport attempt (io tries the next
 * address); options and the accumulated error text are kept. */
void pgwi_conn_restart(pgw_conn *c);

/* Value conversions shared by cursors and results (result.c). */
pgw_status pgwi_value_int64(const pgw_value *v, int format, uint32_t type, int64_t *out);
pgw_status pgwi_value_int32(const pgw_value *v, int format, uint32_t type, int32_t *out);
pgw_status pgwi_value_double(const pgw_value *v, int format, uint32_t type, double *out);
pgw_status pgwi_value_bool(const pgw_value *v, int format, uint32_t type, bool *out);
/* Render a binary value as the server would print it, into out (reset
 * first). Text-identical types (text, varchar, name, json, ...) are
 * copied. */
pgw_status pgwi_value_render(const pgw_conn *c, const pgw_value *v, uint32_t type, pgw_buf *out);
/* Whether a binary value of this type is its own text (text, varchar,
 * bpchar, name, unknown, json, xml). Inline: on every pgw_cursor_text. */
static inline bool pgwi_binary_is_text(uint32_t type)
{
    return type == 25u || type == 1043u || type == 1042u || type == 19u || type == 705u ||
           type == 114u || type == 142u;
}
/* The type registry (registry.c): wire the render context's lookup to it;
 * free it. */
void pgwi_registry_init(pgw_conn *c);
void pgwi_registry_free(pgw_conn *c);
/* Free the TimeZone rules (connection freed or restarted). */
void pgwi_conn_free_tz(pgw_conn *c);
/* ParameterStatus DateStyle / IntervalStyle / TimeZone -> the render settings. */
void pgwi_render_note_param(pgw_conn *c, const char *name, const char *value);
pgw_status pgwi_value_timestamp(const pgw_value *v, int format, uint32_t type, int64_t *out);
pgw_status pgwi_value_date(const pgw_value *v, int format, uint32_t type, int32_t *out);

#endif
