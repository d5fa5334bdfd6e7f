/* pgwire — the server half of the PostgreSQL v3 codec.
 *
 * Builders for every message a backend sends and parsers for every message
 * a frontend sends: what a fake server, a proxy or a pooler needs. Like
 * pgwire/proto.h this is sans-IO: builders append one complete message to a
 * caller-owned pgw_buf, parsers validate one frame and return views into the
 * caller's bytes, and no parser allocates.
 *
 * Frame the client's bytes with pgw_frame_startup_next() while the
 * connection is in its startup phase (StartupMessage, SSLRequest,
 * GSSENCRequest, CancelRequest carry no tag) and with pgw_frame_next_fe()
 * afterwards; then dispatch on frame.tag (enum pgw_fe_tag) to a parser here.
 *
 * Reference: PostgreSQL documentation, "Frontend/Backend Protocol",
 * sections "Message Flow" and "Message Formats".
 *
 * Conventions, as in proto.h:
 *  - builders return PGW_OK; PGW_E_INVALID for a bad argument (an interior
 *    NUL, a count above 65535, a value outside its enumeration) with nothing
 *    written; PGW_E_TOO_LARGE when the message length would not fit in
 *    int32, with nothing written; or the buffer's sticky failure
 *    (PGW_E_NOMEM, PGW_E_TOO_LARGE). On failure the buffer's length is what
 *    it was before.
 *  - parsers take a frame whose tag the caller has already dispatched on and
 *    return PGW_OK or PGW_E_PROTOCOL (truncated, bad length or count,
 *    missing terminator, trailing bytes, invalid enumerated value). They do
 *    not look at f->tag. Views returned are borrowed: valid as long as the
 *    frame's bytes are.
 *
 * Messages whose bytes are the same in both directions are not repeated
 * here: a server sends CopyData and CopyDone with pgw_build_copy_data() and
 * pgw_build_copy_done() from proto.h, and checks the empty frontend messages
 * (Sync, Flush, Terminate, CopyDone) with pgw_parse_empty(). A CopyData
 * body is the frame body itself.
 */
#ifndef PGWIRE_PGWIRE_PROTO_SERVER_H
#define PGWIRE_PGWIRE_PROTO_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/export.h"
#include "pgwire/proto.h"
#include "pgwire/status.h"

/** Bind, parsed. The counts and views are validated by pgw_parse_bind():
 * every format code is 0 or 1, n_formats is 0, 1 or n_params, and each
 * parameter value lies inside the frame.
 * Ownership: borrowed from the frame. */
typedef struct pgw_bind_msg {
    const char *portal;            /**< destination portal; "" = unnamed */
    const char *stmt;              /**< source statement; "" = unnamed */
    uint16_t n_formats;            /**< parameter format codes present */
    const uint8_t *formats;        /**< n_formats big-endian int16 */
    uint16_t n_params;             /**< parameter values present */
    const uint8_t *params;         /**< the values (length word, bytes) ... */
    size_t params_len;             /**< bytes of `params` */
    uint16_t n_result_formats;     /**< result-column format codes present */
    const uint8_t *result_formats; /**< n_result_formats big-endian int16 */
} pgw_bind_msg;

/** FunctionCall, parsed and validated like pgw_bind_msg.
 * Ownership: borrowed from the frame. */
typedef struct pgw_function_call_msg {
    uint32_t function_oid;
    uint16_t n_formats;     /**< argument format codes present */
    const uint8_t *formats; /**< n_formats big-endian int16 */
    uint16_t n_args;        /**< argument values present */
    const uint8_t *args;    /**< the values (length word, bytes) ... */
    size_t args_len;        /**< bytes of `args` */
    int16_t result_format;  /**< 0 text, 1 binary */
} pgw_function_call_msg;

/** Iterator over the length-prefixed values of Bind or FunctionCall.
 * Start it with pgw_bind_params_begin() or pgw_function_call_args_begin(). */
typedef struct pgw_value_iter {
    const uint8_t *p;
    const uint8_t *end;
    uint16_t left; /**< values not yet returned */
} pgw_value_iter;

PGW_BEGIN_DECLS

/* ------------------------------------------------------------------------
 * Backend messages: builders (server side)
 * ------------------------------------------------------------------------ */

/** AuthenticationOk ('R', code 0): the client is authenticated.
 * @param out  buffer to append to
 * @return PGW_OK; PGW_E_NOMEM or PGW_E_TOO_LARGE (buffer failure).
 * Ownership: appends to out; out keeps its own memory.
 * See "Message Formats": AuthenticationOk. */
PGW_API pgw_status pgw_build_auth_ok(pgw_buf *out);

/** AuthenticationCleartextPassword ('R', code 3).
 * @return PGW_OK; PGW_E_NOMEM or PGW_E_TOO_LARGE (buffer failure).
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_auth_cleartext_password(pgw_buf *out);

/** AuthenticationMD5Password ('R', code 5) with its 4-byte salt.
 * @param salt  exactly 4 bytes
 * @return PGW_OK; PGW_E_INVALID when salt is NULL; PGW_E_NOMEM or
 *         PGW_E_TOO_LARGE (buffer failure).
 * Ownership: appends to out; salt is only read. */
PGW_API pgw_status pgw_build_auth_md5_password(pgw_buf *out, const uint8_t salt[4]);

/** AuthenticationSASL ('R', code 10): the mechanism names, each
 * NUL-terminated, then the empty name that ends the list.
 * @param mechs  n non-empty C strings, e.g. "SCRAM-SHA-256"; n may be 0
 *               (an empty list, which a client must refuse — useful in tests)
 * @return PGW_OK; PGW_E_INVALID when a name is NULL or empty (an empty name
 *         would end the list early); PGW_E_TOO_LARGE when the message would
 *         not fit in int32; PGW_E_NOMEM (buffer failure).
 * Ownership: appends to out; mechs are only read. */
PGW_API pgw_status pgw_build_auth_sasl(pgw_buf *out, const char *const *mechs, size_t n);

/** AuthenticationSASLContinue ('R', code 11): server-first-message bytes.
 * @param data, len  the SASL payload (may contain any bytes; data may be
 *                   NULL when len is 0)
 * @return PGW_OK; PGW_E_INVALID (data NULL with len > 0); PGW_E_TOO_LARGE;
 *         PGW_E_NOMEM.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_auth_sasl_continue(pgw_buf *out, const uint8_t *data, size_t len);

/** AuthenticationSASLFinal ('R', code 12): server-final-message bytes.
 * @return as pgw_build_auth_sasl_continue.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_auth_sasl_final(pgw_buf *out, const uint8_t *data, size_t len);

/** Any Authentication request: code, then len bytes of data, verbatim.
 * For GSS (7), GSSContinue (8), SSPI (9), KerberosV5 (2) and codes the
 * library does not know; the specific builders above are preferred.
 * @return PGW_OK; PGW_E_INVALID (data NULL with len > 0); PGW_E_TOO_LARGE;
 *         PGW_E_NOMEM.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_auth_request(pgw_buf *out, int32_t code, const uint8_t *data,
                                          size_t len);

/** BackendKeyData ('K'): process id and cancel key.
 * @param key, key_len  the secret key: 4 bytes under protocol 3.0, up to
 *                      256 under 3.2
 * @return PGW_OK; PGW_E_INVALID (key NULL, or key_len outside 4..256);
 *         PGW_E_NOMEM or PGW_E_TOO_LARGE (buffer failure).
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_backend_key_data(pgw_buf *out, int32_t pid, const uint8_t *key,
                                              size_t key_len);

/** BindComplete ('2'). @return PGW_OK; PGW_E_NOMEM or PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_bind_complete(pgw_buf *out);
/** CloseComplete ('3'). @return PGW_OK; PGW_E_NOMEM or PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_close_complete(pgw_buf *out);
/** ParseComplete ('1'). @return PGW_OK; PGW_E_NOMEM or PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_parse_complete(pgw_buf *out);
/** NoData ('n'). @return PGW_OK; PGW_E_NOMEM or PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_no_data(pgw_buf *out);
/** EmptyQueryResponse ('I'). @return PGW_OK; PGW_E_NOMEM or PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_empty_query_response(pgw_buf *out);
/** PortalSuspended ('s'). @return PGW_OK; PGW_E_NOMEM or PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_portal_suspended(pgw_buf *out);

/** CommandComplete ('C').
 * @param tag  the command tag, e.g. "INSERT 0 1", "SELECT 3"
 * @return PGW_OK; PGW_E_INVALID (tag NULL); PGW_E_TOO_LARGE; PGW_E_NOMEM.
 * Ownership: appends to out; tag is only read. */
PGW_API pgw_status pgw_build_command_complete(pgw_buf *out, const char *tag);

/** CopyInResponse ('G').
 * @param format      overall format: 0 text, 1 binary
 * @param col_formats ncols codes, each 0 or 1 (may be NULL when ncols is 0)
 * @param ncols       at most 65535
 * @return PGW_OK; PGW_E_INVALID (a format other than 0/1, ncols above
 *         65535, col_formats NULL with ncols > 0); PGW_E_NOMEM;
 *         PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_copy_in_response(pgw_buf *out, int8_t format,
                                              const int16_t *col_formats, size_t ncols);
/** CopyOutResponse ('H'). @return as pgw_build_copy_in_response.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_copy_out_response(pgw_buf *out, int8_t format,
                                               const int16_t *col_formats, size_t ncols);
/** CopyBothResponse ('W', streaming replication).
 * @return as pgw_build_copy_in_response. Ownership: appends to out. */
PGW_API pgw_status pgw_build_copy_both_response(pgw_buf *out, int8_t format,
                                                const int16_t *col_formats, size_t ncols);

/** DataRow ('D').
 * @param values  n values; a value whose data is NULL is SQL NULL (sent as
 *                length -1); values may be NULL when n is 0
 * @param n       at most 65535
 * @return PGW_OK; PGW_E_INVALID (n above 65535, values NULL with n > 0);
 *         PGW_E_TOO_LARGE (a value above INT32_MAX bytes, or the message
 *         beyond int32); PGW_E_NOMEM.
 * Ownership: appends to out; the values are copied. */
PGW_API pgw_status pgw_build_data_row(pgw_buf *out, const pgw_bytes *values, size_t n);

/** ErrorResponse ('E'): n (code, value) fields, then the terminator.
 * A real server always sends S (severity), V, C (SQLSTATE) and M (message).
 * @param fields  n fields; a code must not be 0 and a value not NULL
 * @return PGW_OK; PGW_E_INVALID (a zero code or NULL value); PGW_E_TOO_LARGE;
 *         PGW_E_NOMEM.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_error_response(pgw_buf *out, const pgw_field *fields, size_t n);
/** NoticeResponse ('N'), the same layout as ErrorResponse.
 * @return as pgw_build_error_response. Ownership: appends to out. */
PGW_API pgw_status pgw_build_notice_response(pgw_buf *out, const pgw_field *fields, size_t n);

/** FunctionCallResponse ('V').
 * @param value  the result; NULL, or value->data NULL, is SQL NULL
 * @return PGW_OK; PGW_E_TOO_LARGE (value above INT32_MAX bytes or the
 *         message beyond int32); PGW_E_NOMEM.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_function_call_response(pgw_buf *out, const pgw_bytes *value);

/** NegotiateProtocolVersion ('v'): the newest minor version the server
 * supports and the protocol options ("_pq_.*") it did not recognise.
 * @param options  n C strings (may be NULL when n is 0)
 * @return PGW_OK; PGW_E_INVALID (a NULL option, options NULL with n > 0);
 *         PGW_E_TOO_LARGE; PGW_E_NOMEM.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_negotiate_protocol_version(pgw_buf *out, int32_t minor,
                                                        const char *const *options, size_t n);

/** NotificationResponse ('A'): NOTIFY from backend pid on channel.
 * @param payload  may be "" (NOTIFY without payload); not NULL
 * @return PGW_OK; PGW_E_INVALID (channel or payload NULL); PGW_E_TOO_LARGE;
 *         PGW_E_NOMEM.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_notification_response(pgw_buf *out, int32_t pid, const char *channel,
                                                   const char *payload);

/** ParameterDescription ('t'): n parameter type OIDs.
 * @return PGW_OK; PGW_E_INVALID (n above 65535, oids NULL with n > 0);
 *         PGW_E_NOMEM or PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_parameter_description(pgw_buf *out, const uint32_t *oids, size_t n);

/** ParameterStatus ('S'), e.g. ("server_version", "17.2").
 * @return PGW_OK; PGW_E_INVALID (name or value NULL); PGW_E_TOO_LARGE;
 *         PGW_E_NOMEM.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_parameter_status(pgw_buf *out, const char *name, const char *value);

/** ReadyForQuery ('Z').
 * @param status  'I' idle, 'T' in a transaction block, 'E' in a failed one
 * @return PGW_OK; PGW_E_INVALID (any other status); PGW_E_NOMEM or
 *         PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_ready_for_query(pgw_buf *out, char status);

/** RowDescription ('T').
 * @param cols  n columns; name must not be NULL, format must be 0 or 1
 * @param n     at most 65535
 * @return PGW_OK; PGW_E_INVALID (n above 65535, cols NULL with n > 0, a NULL
 *         name, a format other than 0/1); PGW_E_TOO_LARGE; PGW_E_NOMEM.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_row_description(pgw_buf *out, const pgw_column_desc *cols, size_t n);

/** The one-byte answer to SSLRequest (or GSSENCRequest): 'S' to go on with
 * the TLS (GSS) handshake, 'N' to continue in plaintext. It has no tag and
 * no length word.
 * @return PGW_OK; PGW_E_INVALID (any other byte); PGW_E_NOMEM or
 *         PGW_E_TOO_LARGE.
 * Ownership: appends to out. */
PGW_API pgw_status pgw_build_ssl_response(pgw_buf *out, char answer);

/* ------------------------------------------------------------------------
 * Frontend messages: parsers (server side)
 * ------------------------------------------------------------------------ */

/** The first int32 of an untagged startup-phase packet, and for a
 * StartupMessage the position of its parameters.
 * Validates per code: SSLRequest and GSSENCRequest carry nothing else;
 * CancelRequest carries a pid and a 4..256-byte key (read them with
 * pgw_parse_cancel_request()); a protocol 3.x StartupMessage carries
 * (name, value) C-string pairs ending with an empty name and nothing after
 * it. Other codes (protocol 2.0, 4.x, unknown requests) are returned as
 * they are with the rest of the body unchecked: the caller refuses them.
 * @param f           a frame from pgw_frame_startup_next() (tag 0)
 * @param code        the protocol version (major << 16 | minor) or request code
 * @param params_pos  4: where pgw_startup_params_next() (or
 *                    pgw_cstrings_next() in pairs) starts
 * @return PGW_OK; PGW_E_PROTOCOL (body shorter than 4 bytes, bad length for
 *         the request, malformed or unterminated parameter list).
 * Ownership: borrowed — the parameters point into f's bytes.
 * See "Message Formats": StartupMessage, SSLRequest, GSSENCRequest. */
PGW_API pgw_status pgw_parse_startup_packet(const pgw_frame *f, int32_t *code,
                                            size_t *params_pos);

/** Next (name, value) of a StartupMessage validated by
 * pgw_parse_startup_packet(). *pos starts at params_pos.
 * @return PGW_OK with *name and *value set; PGW_END at the empty name that
 *         ends the list; PGW_E_PROTOCOL (an unterminated string, a name
 *         without a value).
 * Ownership: borrowed — points into f's bytes. */
PGW_API pgw_status pgw_startup_params_next(const pgw_frame *f, size_t *pos, const char **name,
                                           const char **value);

/** CancelRequest (untagged): the target pid and secret key.
 * @param key, key_len  a view of the key (4 bytes under protocol 3.0,
 *                      4..256 accepted for 3.2)
 * @return PGW_OK; PGW_E_PROTOCOL (not a CancelRequest code, key length
 *         outside 4..256).
 * Ownership: borrowed — key points into f's bytes. */
PGW_API pgw_status pgw_parse_cancel_request(const pgw_frame *f, int32_t *pid,
                                            const uint8_t **key, size_t *key_len);

/** PasswordMessage ('p' answering cleartext or MD5): the password or the
 * "md5..." hash.
 * @param pw, len  the C string and its length without the NUL
 * @return PGW_OK; PGW_E_PROTOCOL (no NUL, bytes after it).
 * Ownership: borrowed — points into f's bytes. */
PGW_API pgw_status pgw_parse_password(const pgw_frame *f, const char **pw, size_t *len);

/** SASLInitialResponse ('p' answering AuthenticationSASL).
 * @param mech  the selected mechanism name
 * @param data  the client-first-message; NULL when *len is -1 (no initial
 *              response)
 * @param len   payload length, or -1
 * @return PGW_OK; PGW_E_PROTOCOL (no mechanism, a length below -1 or past
 *         the end, trailing bytes).
 * Ownership: borrowed — points into f's bytes. */
PGW_API pgw_status pgw_parse_sasl_initial_response(const pgw_frame *f, const char **mech,
                                                   const uint8_t **data, int32_t *len);

/** SASLResponse ('p' answering AuthenticationSASLContinue): the whole body
 * is the payload. GSSResponse has the same layout.
 * @return PGW_OK (this parser cannot fail on a non-NULL frame).
 * Ownership: borrowed — points into f's bytes. */
PGW_API pgw_status pgw_parse_sasl_response(const pgw_frame *f, const uint8_t **data, size_t *len);

/** Query ('Q'): the SQL text.
 * @param sql, len  the C string and its length without the NUL
 * @return PGW_OK; PGW_E_PROTOCOL (no NUL, bytes after it).
 * Ownership: borrowed — points into f's bytes. */
PGW_API pgw_status pgw_parse_query(const pgw_frame *f, const char **sql, size_t *len);

/** Parse ('P'): statement name, SQL, and the parameter type OIDs (0 = let
 * the server infer).
 * @param stmt       statement name; "" = unnamed
 * @param sql        the SQL text (NUL-terminated in the frame)
 * @param n_types    number of type OIDs
 * @param types_view n_types big-endian uint32; read with pgw_param_type_oid()
 * @return PGW_OK; PGW_E_PROTOCOL (missing NUL, count past the end, trailing
 *         bytes).
 * Ownership: borrowed — points into f's bytes. */
PGW_API pgw_status pgw_parse_parse(const pgw_frame *f, const char **stmt, const char **sql,
                                   uint16_t *n_types, const uint8_t **types_view);

/** The i-th OID of a Parse types view.
 * @param types_view  from pgw_parse_parse()
 * @param i           below n_types (not checked: the view has no length)
 * @return the OID (0 = unspecified, the server infers it). */
PGW_API uint32_t pgw_param_type_oid(const uint8_t *types_view, uint16_t i);

/** Bind ('B'). Every part is validated here, so iterating the parameters
 * afterwards cannot fail.
 * @param out  filled on PGW_OK
 * @return PGW_OK; PGW_E_PROTOCOL (missing NUL, a count past the end, a
 *         format code other than 0/1, n_formats not 0, 1 or n_params, a
 *         value length below -1 or past the end, trailing bytes).
 * Ownership: borrowed — out points into f's bytes. */
PGW_API pgw_status pgw_parse_bind(const pgw_frame *f, pgw_bind_msg *out);

/** Start iterating the parameter values of a parsed Bind; read them with
 * pgw_value_iter_next(). Ownership: borrowed — the iterator points into
 * the frame's bytes. */
PGW_API void pgw_bind_params_begin(const pgw_bind_msg *m, pgw_value_iter *it);

/** The effective format of parameter i: with no format codes, text (0);
 * with one, that one for every parameter; else the i-th.
 * @param i  below m->n_params
 * @return 0 (text) or 1 (binary). */
PGW_API int16_t pgw_bind_param_format(const pgw_bind_msg *m, uint16_t i);

/** The effective format of result column i, by the same rule as
 * parameters; text when i is past a list of several codes (the parser does
 * not know the column count: the server rejects a count that does not
 * match the statement's columns).
 * @return 0 (text) or 1 (binary). */
PGW_API int16_t pgw_bind_result_format(const pgw_bind_msg *m, uint16_t i);

/** Next value from a Bind or FunctionCall value iterator.
 * @return PGW_OK with *out set (out->len -1 = SQL NULL, out->ptr NULL);
 *         PGW_END after the last; PGW_E_PROTOCOL if the iterator was not
 *         started from a validated message and a length is bad.
 * Ownership: borrowed — out->ptr points into the frame's bytes. */
PGW_API pgw_status pgw_value_iter_next(pgw_value_iter *it, pgw_value *out);

/** Describe ('D').
 * @param kind  'S' (prepared statement) or 'P' (portal)
 * @param name  "" = unnamed
 * @return PGW_OK; PGW_E_PROTOCOL (other kind, missing NUL, trailing bytes).
 * Ownership: borrowed — name points into f's bytes. */
PGW_API pgw_status pgw_parse_describe(const pgw_frame *f, char *kind, const char **name);

/** Execute ('E').
 * @param portal    "" = unnamed
 * @param max_rows  row limit; 0 (and, as the server treats it, any
 *                  negative value) means no limit
 * @return PGW_OK; PGW_E_PROTOCOL (missing NUL, truncated, trailing bytes).
 * Ownership: borrowed — portal points into f's bytes. */
PGW_API pgw_status pgw_parse_execute(const pgw_frame *f, const char **portal, int32_t *max_rows);

/** Close ('C'). @return as pgw_parse_describe.
 * Ownership: borrowed — name points into f's bytes. */
PGW_API pgw_status pgw_parse_close(const pgw_frame *f, char *kind, const char **name);

/** CopyFail ('f'): the client's reason for aborting COPY FROM STDIN.
 * @return PGW_OK; PGW_E_PROTOCOL (no NUL, trailing bytes).
 * Ownership: borrowed — msg points into f's bytes. */
PGW_API pgw_status pgw_parse_copy_fail(const pgw_frame *f, const char **msg);

/** FunctionCall ('F'), validated like Bind.
 * @return PGW_OK; PGW_E_PROTOCOL (truncated, a format code other than 0/1,
 *         n_formats not 0, 1 or n_args, a bad value length, trailing bytes).
 * Ownership: borrowed — out points into f's bytes. */
PGW_API pgw_status pgw_parse_function_call(const pgw_frame *f, pgw_function_call_msg *out);

/** Start iterating the argument values of a parsed FunctionCall.
 * Ownership: borrowed — the iterator points into the frame's bytes. */
PGW_API void pgw_function_call_args_begin(const pgw_function_call_msg *m, pgw_value_iter *it);

/** The effective format of argument i (rules as pgw_bind_param_format).
 * @param i  below m->n_args
 * @return 0 (text) or 1 (binary). */
PGW_API int16_t pgw_function_call_arg_format(const pgw_function_call_msg *m, uint16_t i);

PGW_END_DECLS

#endif
