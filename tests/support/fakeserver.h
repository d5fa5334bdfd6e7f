/* The scripted fake PostgreSQL server used by the engine and driver tests.
 *
 * A script is a list of steps: expect a message from the client (checking
 * some of its content), send messages, run a callback, sleep, hang up.
 * The server walks the script as client bytes arrive and fails — with a
 * description of what it expected and what it got — at the first message
 * that does not match. It is built only on the codec (backend builders,
 * frontend framers and parsers), never on src/conn, so the client's state
 * machine is checked against an independent implementation.
 *
 *     fs_script *s = fs_script_new();
 *     fs_expect_startup(s, "alice", NULL);
 *     fs_send_auth_ok(s);
 *     fs_send_ready(s, 'I');
 *     fs_expect_query(s, "SELECT 1");
 *     fs_send_row_description(s, cols, 1);
 *     ...
 *     fs_server *fs = fs_new(s);          // takes the script
 *     fs_feed(fs, client_bytes, n);        // in memory, or:
 *     fs_listen(fs, &port); fs_serve_thread_start(fs); ... fs_serve_thread_join(fs);
 *     assert_true(fs_done(fs));
 *
 * Sending steps are encoded when they are added, so an invalid argument is
 * reported by fs_script_error() (and makes every server built from the
 * script fail at once) rather than at run time.
 *
 * Threads: a fs_server is used by one thread at a time. Between
 * fs_serve_thread_start() and fs_serve_thread_join() it belongs to the
 * server thread and no other fs_* call may touch it. */
#ifndef PGWIRE_TESTS_SUPPORT_FAKESERVER_H
#define PGWIRE_TESTS_SUPPORT_FAKESERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/proto.h"
#include "pgwire/proto_server.h"
#include "pgwire/status.h"

typedef struct fs_script fs_script;
typedef struct fs_server fs_server;

/** One frontend message the server received, in arrival order.
 * tag is 0 for the untagged startup packets (StartupMessage, SSLRequest,
 * GSSENCRequest, CancelRequest), whose body starts with the request code. */
typedef struct fs_msg {
    uint8_t tag;
    uint8_t *body; /**< copy of the body (never NULL; len may be 0) */
    size_t len;
} fs_msg;

/** A callback step: runs when the script reaches it, typically to compute
 * an answer from the last message received (fs_last_received()) and append
 * it with the codec's builders to fs_out(). Return false to fail the
 * script (call fs_fail() first for a precise message). */
typedef bool (*fs_callback_fn)(fs_server *fs, void *ud);

/* ------------------------------------------------------------------------
 * Scripts
 * ------------------------------------------------------------------------ */

/** A new empty script; aborts on out of memory (test support).
 * Ownership: caller owns; release with fs_script_free() or hand to fs_new(). */
fs_script *fs_script_new(void);
/** NULL-safe. */
void fs_script_free(fs_script *s);
/** The first error made while building the script (e.g. "step 4
 * send DataRow: invalid argument"), or NULL when the script is sound.
 * Ownership: borrowed — valid until fs_script_free(). */
const char *fs_script_error(const fs_script *s);
/** Number of steps so far. */
size_t fs_script_steps(const fs_script *s);

/* ---- expectations: startup phase ---- */

/** StartupMessage for protocol 3.x; user/database NULL = any value (a
 * missing "user" parameter always fails: the server requires it). */
void fs_expect_startup(fs_script *s, const char *user, const char *database);
/** The startup parameter `name` must be present with `value` (NULL = only
 * present). Checks the StartupMessage of the preceding fs_expect_startup. */
void fs_expect_startup_param(fs_script *s, const char *name, const char *value);
void fs_expect_ssl_request(fs_script *s);
void fs_expect_gssenc_request(fs_script *s);
/** CancelRequest; key NULL = any pid and key. */
void fs_expect_cancel_request(fs_script *s, int32_t pid, const uint8_t *key, size_t key_len);

/* ---- expectations: authentication ---- */

/** PasswordMessage; expected NULL = any password. */
void fs_expect_password(fs_script *s, const char *expected);
/** PasswordMessage carrying the MD5 hash of password+user with salt. */
void fs_expect_md5_password(fs_script *s, const char *user, const char *password,
                            const uint8_t salt[4]);
/** SASLInitialResponse; mech NULL = any mechanism. */
void fs_expect_sasl_initial(fs_script *s, const char *mech);
void fs_expect_sasl_response(fs_script *s);

/* ---- expectations: queries and the rest ---- */

/** Query; sql NULL = any text. */
void fs_expect_query(fs_script *s, const char *sql);
/** Parse; sql NULL = any text. */
void fs_expect_parse(fs_script *s, const char *sql);
void fs_expect_bind(fs_script *s);
void fs_expect_describe(fs_script *s, char kind);
void fs_expect_execute(fs_script *s);
void fs_expect_close_msg(fs_script *s, char kind);
void fs_expect_sync(fs_script *s);
void fs_expect_flush(fs_script *s);
/** CopyData; data NULL = any payload. */
void fs_expect_copy_data(fs_script *s, const void *data, size_t len);
void fs_expect_copy_done(fs_script *s);
void fs_expect_copy_fail(fs_script *s);
void fs_expect_function_call(fs_script *s);
void fs_expect_terminate(fs_script *s);
/** Any message with this tag, validated by the matching parser. */
void fs_expect_msg(fs_script *s, char tag);

/* ---- sending (each encodes its message now with the backend builders) ---- */

/** The one-byte answer to SSLRequest/GSSENCRequest. The fake server has no
 * TLS: after 'S' the client's handshake bytes fail the next expectation,
 * which is what a test of "server accepted TLS" without TLS wants. */
void fs_send_ssl_response(fs_script *s, char answer);
void fs_send_auth_ok(fs_script *s);
void fs_send_auth_cleartext(fs_script *s);
void fs_send_auth_md5(fs_script *s, const uint8_t salt[4]);
void fs_send_auth_sasl(fs_script *s, const char *const *mechs, size_t n);
void fs_send_sasl_continue(fs_script *s, const void *data, size_t len);
void fs_send_sasl_final(fs_script *s, const void *data, size_t len);
void fs_send_auth_request(fs_script *s, int32_t code, const void *data, size_t len);
void fs_send_parameter_status(fs_script *s, const char *name, const char *value);
void fs_send_backend_key(fs_script *s, int32_t pid, uint32_t key);
void fs_send_negotiate_protocol_version(fs_script *s, int32_t minor, const char *const *options,
                                        size_t n);
void fs_send_ready(fs_script *s, char status);
void fs_send_row_description(fs_script *s, const pgw_column_desc *cols, size_t n);
/** RowDescription of n text columns of type `type_oid` named names[i]. */
void fs_send_row_description_text(fs_script *s, const char *const *names, size_t n,
                                  uint32_t type_oid);
void fs_send_data_row(fs_script *s, const pgw_bytes *values, size_t n);
/** DataRow of C strings; a NULL entry is SQL NULL. */
void fs_send_data_row_text(fs_script *s, const char *const *values, size_t n);
void fs_send_command_complete(fs_script *s, const char *tag);
void fs_send_empty_query(fs_script *s);
void fs_send_error(fs_script *s, const pgw_field *fields, size_t n);
/** ErrorResponse with S and V = severity, C = sqlstate, M = message. */
void fs_send_error_msg(fs_script *s, const char *severity, const char *sqlstate,
                       const char *message);
void fs_send_notice(fs_script *s, const pgw_field *fields, size_t n);
void fs_send_notification(fs_script *s, int32_t pid, const char *channel, const char *payload);
void fs_send_parse_complete(fs_script *s);
void fs_send_bind_complete(fs_script *s);
void fs_send_close_complete(fs_script *s);
void fs_send_no_data(fs_script *s);
void fs_send_portal_suspended(fs_script *s);
void fs_send_parameter_description(fs_script *s, const uint32_t *oids, size_t n);
void fs_send_copy_in_response(fs_script *s, int8_t format, const int16_t *col_formats,
                              size_t ncols);
void fs_send_copy_out_response(fs_script *s, int8_t format, const int16_t *col_formats,
                               size_t ncols);
void fs_send_copy_both_response(fs_script *s, int8_t format, const int16_t *col_formats,
                                size_t ncols);
void fs_send_copy_data(fs_script *s, const void *data, size_t len);
void fs_send_copy_done(fs_script *s);
void fs_send_function_call_response(fs_script *s, const pgw_bytes *value);
/** Bytes exactly as given: malformed messages, split frames, garbage. */
void fs_send_raw(fs_script *s, const void *bytes, size_t len);

/* ---- handshakes (several steps at once) ---- */

/** What a server sends after AuthenticationOk: server_version 16.4,
 * server_encoding/client_encoding UTF8, DateStyle "ISO, MDY",
 * integer_datetimes on, standard_conforming_strings on, TimeZone UTC,
 * then BackendKeyData(pid, key) and ReadyForQuery('I'). */
void fs_send_startup_tail(fs_script *s, int32_t pid, uint32_t key);
/** A whole trust-auth handshake: expect_startup(user, database),
 * auth_ok, fs_send_startup_tail(s, 4242, 0x5eed). */
void fs_trust_handshake(fs_script *s, const char *user, const char *database);

/* ---- control ---- */

/** Run fn(fs, ud) at this point; free_ud (may be NULL) releases ud with
 * the script. */
void fs_callback(fs_script *s, fs_callback_fn fn, void *ud, void (*free_ud)(void *));
/** Socket mode: pause ms milliseconds without answering (input arriving
 * meanwhile is kept for the next step). In memory the step is skipped. */
void fs_sleep(fs_script *s, unsigned ms);
/** Hang up: nothing more is sent or read. In memory fs_closed() turns
 * true; on a socket the connection is shut down. */
void fs_close(fs_script *s);
/** Hang up abortively: on a socket the connection is closed with a TCP
 * reset (SO_LINGER 0), so the client reads ECONNRESET rather than EOF; in
 * memory it is fs_close(). */
void fs_reset(fs_script *s);

/* ---- SCRAM-SHA-256, server side ---- */

/** How the SCRAM server misbehaves, for tests of the client's checks. */
typedef enum fs_scram_tamper {
    FS_SCRAM_HONEST = 0,        /**< a correct exchange */
    FS_SCRAM_BAD_SIGNATURE,     /**< server-final carries a wrong v= */
    FS_SCRAM_FOREIGN_NONCE,     /**< server nonce does not extend the client's */
    FS_SCRAM_ERROR_FINAL,       /**< server-final is "e=invalid-proof" */
    FS_SCRAM_SKIP_FINAL,        /**< no SASLFinal at all (script AuthOk next) */
    FS_SCRAM_FINAL_TWICE        /**< the correct SASLFinal, sent twice */
} fs_scram_tamper;

typedef struct fs_scram_opts {
    const char *password;       /**< the password the server knows (ASCII) */
    const uint8_t *salt;        /**< NULL: a fixed 16-byte salt */
    size_t salt_len;
    uint32_t iterations;        /**< 0: 4096 */
    const char *server_nonce;   /**< NULL: a fixed printable suffix */
    const char *const *mechs;   /**< NULL: {"SCRAM-SHA-256"} */
    size_t n_mechs;
    fs_scram_tamper tamper;
    /** When the client's proof does not verify the server sends FATAL
     * 28P01 and hangs up; that fails the script unless this is true, and
     * a proof that does verify then fails it instead. */
    bool expect_bad_proof;
} fs_scram_opts;

/** Fill opts with defaults for `password`. */
void fs_scram_opts_init(fs_scram_opts *o, const char *password);
/** The server side of a SCRAM-SHA-256 exchange: AuthenticationSASL,
 * expect SASLInitialResponse, SASLContinue (server-first computed from
 * the client nonce), expect SASLResponse, verify the client proof and
 * channel-binding header, SASLFinal with the server signature. The
 * caller adds fs_send_auth_ok() (or not) afterwards. */
void fs_scram(fs_script *s, const fs_scram_opts *o);
/** A hostile SCRAM server: AuthenticationSASL (SCRAM-SHA-256), expect
 * SASLInitialResponse, then SASLContinue with `tmpl` (len bytes) in which
 * every "{nonce}" is replaced by the client's nonce — e.g.
 * "r={nonce}xyz,s=,i=4096" for an empty salt. What follows is up to the
 * script (usually fs_close(), or fs_expect_sasl_response() for a server
 * first message the client must accept). The template is copied. */
void fs_scram_server_first(fs_script *s, const char *tmpl, size_t len);

/* ------------------------------------------------------------------------
 * Running a script
 * ------------------------------------------------------------------------ */

/** A server running `s`. Steps before the first expectation run at the
 * first fs_output() or fs_feed() (or when the server thread starts).
 * Ownership: takes ownership of s; caller owns the server; release with
 * fs_free(). Aborts on out of memory. */
fs_server *fs_new(fs_script *s);
/** Closes any socket, joins nothing (join first). NULL-safe. */
void fs_free(fs_server *fs);

/* ---- in memory ---- */

/** Consume bytes the client wrote and run the script as far as they go.
 * @return PGW_OK; PGW_E_PROTOCOL once the script has failed (sticky). */
pgw_status fs_feed(fs_server *fs, const uint8_t *client_bytes, size_t n);
/** The client closed its side. Fails the script when it still expected
 * a message. @return as fs_feed. */
pgw_status fs_feed_eof(fs_server *fs);
/** Bytes waiting for the client. Ownership: borrowed — valid until the
 * next fs_* call. @return their count (0 = nothing to send). */
size_t fs_output(fs_server *fs, const uint8_t **p);
/** The client took n bytes of fs_output(). */
void fs_output_done(fs_server *fs, size_t n);

/* ---- outcome ---- */

/** Every step ran and nothing failed. */
bool fs_done(const fs_server *fs);
/** The script failed; *msg (if msg is not NULL) gets a description such as
 * "step 3 (expect Query): got Parse ('P', 23 bytes)".
 * Ownership: *msg borrowed — valid until fs_free(). */
bool fs_failed(const fs_server *fs, const char **msg);
/** The script reached fs_close() (or the socket was shut down). */
bool fs_closed(const fs_server *fs);
/** The hang-up was an fs_reset() step. */
bool fs_was_reset(const fs_server *fs);
/** Index of the next step to run (== fs_script_steps when finished). */
size_t fs_step_index(const fs_server *fs);

/* ---- what the client sent ---- */

size_t fs_received_count(const fs_server *fs);
/** i-th message received (i < fs_received_count). Ownership: borrowed —
 * valid until fs_free(). */
const fs_msg *fs_received(const fs_server *fs, size_t i);
/** Messages received with this tag (0 = startup packets). */
size_t fs_count_received(const fs_server *fs, uint8_t tag);
/** The value of a parameter of the last StartupMessage received, or NULL.
 * Ownership: borrowed — valid until fs_free(). */
const char *fs_startup_param(const fs_server *fs, const char *name);

/* ---- inside callbacks ---- */

/** The message most recently received, or NULL. Ownership: borrowed. */
const fs_msg *fs_last_received(const fs_server *fs);
/** The output buffer: append whole messages with the codec's builders. */
pgw_buf *fs_out(fs_server *fs);
/** Fail the script with a printf-style message. @return false. */
bool fs_fail(fs_server *fs, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- on a loopback socket ---- */

/** Bind 127.0.0.1 on an ephemeral port and listen.
 * @return PGW_OK with *port set; PGW_E_IO (errno in the failure message). */
pgw_status fs_listen(fs_server *fs, uint16_t *port);
/** Every wait (accept, read, write) gives up after ms milliseconds and
 * fails the script. Default 5000. */
void fs_set_timeout(fs_server *fs, unsigned ms);
/** Serve one connection with the script in a new thread.
 * @return PGW_OK; PGW_E_STATE (not listening, already started); PGW_E_IO. */
pgw_status fs_serve_thread_start(fs_server *fs);
/** Wait for the server thread to finish (it always does: every wait has a
 * timeout). NULL-safe and idempotent. */
void fs_serve_thread_join(fs_server *fs);

/** PostgreSQL's MD5 password hash: "md5" + hex(md5(hex(md5(password +
 * user)) + salt)), NUL-terminated. */
void fs_md5_hash(const char *user, const char *password, const uint8_t salt[4], char out[36]);

#endif
