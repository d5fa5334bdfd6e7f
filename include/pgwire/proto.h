/* pgwire — the PostgreSQL v3 protocol codec, both directions.
 *
 * Sans-IO: builders append one complete message to a caller-owned pgw_buf;
 * parsers validate one frame and return views into the caller's bytes. No
 * parser allocates. The same codec drives a client, a fake server or a proxy.
 *
 * Reference: PostgreSQL documentation, "Frontend/Backend Protocol",
 * sections "Message Flow" and "Message Formats".
 *
 * Conventions for every function below:
 *  - builders return PGW_OK; PGW_E_INVALID for a bad argument (an interior NUL
 *    in a C-string field, a count above 65535, a bad kind byte, a format
 *    code other than 0/1, a format count that is neither 0, 1 nor the value
 *    count, an empty or NULL startup name or mechanism, a startup packet
 *    without "user", a NULL data pointer with a non-zero length) with
 *    nothing written; PGW_E_TOO_LARGE when the message length would not fit
 *    in int32 (or a startup packet body exceeds the server's 10000 bytes),
 *    with nothing written; or the buffer's sticky failure (PGW_E_NOMEM,
 *    PGW_E_TOO_LARGE). On failure the buffer's length is what it was before.
 *    Sizes are checked before any byte of a value is read, so a huge length
 *    is refused without touching its data. A NULL statement or portal name
 *    means the unnamed one.
 *  - parsers take a frame whose tag the caller has already dispatched on and
 *    return PGW_OK or PGW_E_PROTOCOL (truncated, bad length or count, missing
 *    terminator, trailing bytes, invalid enumerated value, a negative count
 *    or version). Views returned are borrowed: valid as long as the frame's
 *    bytes are.
 *  - the framer's limits apply to the body length (libpq's 30000 counts the
 *    length word too, so the two differ by 4 bytes). A length word that is
 *    negative as an int32 (0x80000000..0xFFFFFFFF) is PGW_E_PROTOCOL.
 */
#ifndef PGWIRE_PGWIRE_PROTO_H
#define PGWIRE_PGWIRE_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/* Wire tags of messages the frontend sends. */
enum pgw_fe_tag {
    PGW_FE_BIND = 'B',
    PGW_FE_CLOSE = 'C',
    PGW_FE_COPY_DATA = 'd',
    PGW_FE_COPY_DONE = 'c',
    PGW_FE_COPY_FAIL = 'f',
    PGW_FE_DESCRIBE = 'D',
    PGW_FE_EXECUTE = 'E',
    PGW_FE_FLUSH = 'H',
    PGW_FE_FUNCTION_CALL = 'F',
    PGW_FE_PARSE = 'P',
    PGW_FE_PASSWORD = 'p', /* also SASLInitialResponse, SASLResponse, GSSResponse */
    PGW_FE_QUERY = 'Q',
    PGW_FE_SYNC = 'S',
    PGW_FE_TERMINATE = 'X'
};

/* Wire tags of messages the backend sends. */
enum pgw_be_tag {
    PGW_BE_AUTHENTICATION = 'R',
    PGW_BE_BACKEND_KEY_DATA = 'K',
    PGW_BE_BIND_COMPLETE = '2',
    PGW_BE_CLOSE_COMPLETE = '3',
    PGW_BE_COMMAND_COMPLETE = 'C',
    PGW_BE_COPY_DATA = 'd',
    PGW_BE_COPY_DONE = 'c',
    PGW_BE_COPY_IN_RESPONSE = 'G',
    PGW_BE_COPY_OUT_RESPONSE = 'H',
    PGW_BE_COPY_BOTH_RESPONSE = 'W',
    PGW_BE_DATA_ROW = 'D',
    PGW_BE_EMPTY_QUERY_RESPONSE = 'I',
    PGW_BE_ERROR_RESPONSE = 'E',
    PGW_BE_FUNCTION_CALL_RESPONSE = 'V',
    PGW_BE_NEGOTIATE_PROTOCOL_VERSION = 'v',
    PGW_BE_NO_DATA = 'n',
    PGW_BE_NOTICE_RESPONSE = 'N',
    PGW_BE_NOTIFICATION_RESPONSE = 'A',
    PGW_BE_PARAMETER_DESCRIPTION = 't',
    PGW_BE_PARAMETER_STATUS = 'S',
    PGW_BE_PARSE_COMPLETE = '1',
    PGW_BE_PORTAL_SUSPENDED = 's',
    PGW_BE_READY_FOR_QUERY = 'Z',
    PGW_BE_ROW_DESCRIPTION = 'T'
};

/* Authentication request codes (the int32 after 'R'). */
enum pgw_auth_code {
    PGW_AUTH_OK = 0,
    PGW_AUTH_KERBEROS_V5 = 2,
    PGW_AUTH_CLEARTEXT_PASSWORD = 3,
    PGW_AUTH_MD5_PASSWORD = 5,
    PGW_AUTH_GSS = 7,
    PGW_AUTH_GSS_CONTINUE = 8,
    PGW_AUTH_SSPI = 9,
    PGW_AUTH_SASL = 10,
    PGW_AUTH_SASL_CONTINUE = 11,
    PGW_AUTH_SASL_FINAL = 12
};

/* Request codes of untagged startup-phase packets. */
#define PGW_PROTOCOL_3_0 196608      /* 3 << 16 */
#define PGW_SSL_REQUEST_CODE 80877103
#define PGW_GSSENC_REQUEST_CODE 80877104
#define PGW_CANCEL_REQUEST_CODE 80877102

/* PostgreSQL's own limit for one message (PQ_LARGE_MESSAGE_LIMIT - 1). */
#define PGW_DEFAULT_MAX_MESSAGE 0x3FFFFFFEu
/* libpq's ceiling for backend message types that are never large (every
 * type except T D d V E N A). */
#define PGW_DEFAULT_MAX_SMALL_MESSAGE 30000u

/** Limits applied by the framer. Zero fields mean the defaults above. */
typedef struct pgw_limits {
    size_t max_message;       /**< largest body accepted for any message */
    size_t max_small_message; /**< largest body for never-large backend types */
} pgw_limits;

/** One framed message: a tag and a borrowed view of its body. */
typedef struct pgw_frame {
    uint8_t tag;         /**< enum pgw_be_tag or pgw_fe_tag; 0 for untagged startup packets */
    const uint8_t *body; /**< borrowed: points into the caller's input */
    size_t len;          /**< body length, excluding tag and length word */
} pgw_frame;

/** A value on the wire: ptr+len, or SQL NULL when len is -1.
 * Ownership: borrowed from the frame it was parsed from. */
typedef struct pgw_value {
    const uint8_t *ptr;
    int32_t len;
} pgw_value;

/** A value to send: data+len, or SQL NULL when data is NULL. */
typedef struct pgw_bytes {
    const void *data;
    size_t len;
} pgw_bytes;

/** One field of ErrorResponse/NoticeResponse: code letter and text. */
typedef struct pgw_field {
    char code;
    const char *value; /**< NUL-terminated; borrowed */
} pgw_field;

/** One column of RowDescription. */
typedef struct pgw_column_desc {
    const char *name; /**< NUL-terminated; borrowed from the frame */
    uint32_t table_oid;
    int16_t column_attnum;
    uint32_t type_oid;
    int16_t type_size;
    int32_t type_modifier;
    int16_t format; /**< 0 text, 1 binary */
} pgw_column_desc;

PGW_BEGIN_DECLS

/* ------------------------------------------------------------------------
 * Framing
 * ------------------------------------------------------------------------ */

/** Look at the front of `in` for one whole tagged backend message.
 * Keeps no state: a partial message stays in the caller's buffer.
 * @param in, in_len  the unconsumed input
 * @param lim         limits (NULL = defaults)
 * @param out         filled on PGW_OK
 * @param used        5 + body length on PGW_OK, else 0
 * @param need        on PGW_WANT_READ, bytes still missing (a reserve hint); may be NULL
 * @return PGW_OK; PGW_WANT_READ when the message is incomplete;
 *         PGW_E_PROTOCOL when the length word is below 4;
 *         PGW_E_TOO_LARGE when the length exceeds the limit for the tag. */
PGW_API pgw_status pgw_frame_next(const uint8_t *in, size_t in_len, const pgw_limits *lim,
                                  pgw_frame *out, size_t *used, size_t *need);

/** As pgw_frame_next for tagged frontend messages (server side): only
 * lim->max_message applies. */
PGW_API pgw_status pgw_frame_next_fe(const uint8_t *in, size_t in_len, const pgw_limits *lim,
                                     pgw_frame *out, size_t *used, size_t *need);

/** Frame one untagged startup-phase packet (StartupMessage, SSLRequest,
 * GSSENCRequest, CancelRequest): an int32 length including itself, then the
 * body. out->tag is 0. The body is capped at 10000 bytes, as the server's.
 * @return as pgw_frame_next (length below 8 is PGW_E_PROTOCOL). */
PGW_API pgw_status pgw_frame_startup_next(const uint8_t *in, size_t in_len, pgw_frame *out,
                                          size_t *used, size_t *need);

/* ------------------------------------------------------------------------
 * Frontend messages: builders (client side)
 * ------------------------------------------------------------------------ */

/** StartupMessage, protocol 3.0, with n name/value pairs ("user" must be one). */
PGW_API pgw_status pgw_build_startup(pgw_buf *out, const char *const *names,
                                     const char *const *values, size_t n);
PGW_API pgw_status pgw_build_ssl_request(pgw_buf *out);
PGW_API pgw_status pgw_build_gssenc_request(pgw_buf *out);
/** CancelRequest; key is 4 bytes under protocol 3.0 (4..256 allowed). */
PGW_API pgw_status pgw_build_cancel_request(pgw_buf *out, int32_t pid, const uint8_t *key,
                                            size_t key_len);
/** PasswordMessage: password (cleartext or "md5..." hash), NUL-terminated. */
PGW_API pgw_status pgw_build_password(pgw_buf *out, const char *password, size_t len);
/** SASLInitialResponse; data NULL sends length -1 (no initial response). */
PGW_API pgw_status pgw_build_sasl_initial_response(pgw_buf *out, const char *mechanism,
                                                   const uint8_t *data, size_t len);
PGW_API pgw_status pgw_build_sasl_response(pgw_buf *out, const uint8_t *data, size_t len);
/** Query: sql is len bytes without NUL; an interior NUL is PGW_E_INVALID. */
PGW_API pgw_status pgw_build_query(pgw_buf *out, const char *sql, size_t len);
/** Parse; at most 65535 parameter types (0 = let the server infer). */
PGW_API pgw_status pgw_build_parse(pgw_buf *out, const char *stmt, const char *sql, size_t sql_len,
                                   const uint32_t *param_types, size_t n_types);
/** Bind. formats: n_formats codes (0, 1 applying to all, or one per
 * parameter); values: n_values parameters (data NULL = SQL NULL);
 * result_formats likewise. Each count at most 65535; each value at most
 * INT32_MAX bytes and the whole message within int32. */
PGW_API pgw_status pgw_build_bind(pgw_buf *out, const char *portal, const char *stmt,
                                  const int16_t *formats, size_t n_formats, const pgw_bytes *values,
                                  size_t n_values, const int16_t *result_formats,
                                  size_t n_result_formats);
/** Describe; kind 'S' (statement) or 'P' (portal). */
PGW_API pgw_status pgw_build_describe(pgw_buf *out, char kind, const char *name);
/** Execute; max_rows 0 = all. */
PGW_API pgw_status pgw_build_execute(pgw_buf *out, const char *portal, int32_t max_rows);
/** Close; kind 'S' or 'P'. */
PGW_API pgw_status pgw_build_close(pgw_buf *out, char kind, const char *name);
PGW_API pgw_status pgw_build_sync(pgw_buf *out);
PGW_API pgw_status pgw_build_flush(pgw_buf *out);
PGW_API pgw_status pgw_build_terminate(pgw_buf *out);
PGW_API pgw_status pgw_build_copy_data(pgw_buf *out, const void *data, size_t len);
PGW_API pgw_status pgw_build_copy_done(pgw_buf *out);
PGW_API pgw_status pgw_build_copy_fail(pgw_buf *out, const char *message);
/** FunctionCall: argument formats and values as in Bind, one result format. */
PGW_API pgw_status pgw_build_function_call(pgw_buf *out, uint32_t function_oid,
                                           const int16_t *formats, size_t n_formats,
                                           const pgw_bytes *args, size_t n_args,
                                           int16_t result_format);

/* ------------------------------------------------------------------------
 * Backend messages: parsers (client side)
 * ------------------------------------------------------------------------ */

/** Authentication request ('R'). *code is the request code; data/len the
 * rest of the body (the MD5 salt, the SASL mechanism list, SASL data).
 * Validates per code: Ok/Cleartext/KerberosV5/SCM/GSS/SSPI carry no data,
 * MD5 exactly 4 bytes of salt, SASL a list of NUL-terminated names ending
 * with an empty one. Unknown codes are returned as they are (the caller
 * refuses them). */
PGW_API pgw_status pgw_parse_authentication(const pgw_frame *f, int32_t *code,
                                            const uint8_t **data, size_t *len);

/** Iterate the mechanism names of an AuthenticationSASL list (data/len
 * from pgw_parse_authentication). *pos starts at 0.
 * @return PGW_OK with *name set; PGW_END after the last; PGW_E_PROTOCOL. */
PGW_API pgw_status pgw_sasl_mechanisms_next(const uint8_t *data, size_t len, size_t *pos,
                                            const char **name);

/** BackendKeyData: pid and the secret key (4 bytes in 3.0; 4..256 accepted;
 * the key is the rest of the body, so trailing bytes cannot be told apart —
 * the engine insists on 4 under protocol 3.0). */
PGW_API pgw_status pgw_parse_backend_key_data(const pgw_frame *f, int32_t *pid,
                                              const uint8_t **key, size_t *key_len);

/** CommandComplete: the tag (NUL-terminated in the frame), its length. */
PGW_API pgw_status pgw_parse_command_complete(const pgw_frame *f, const char **tag,
                                              size_t *len);

/** Affected-row count of a command tag ("INSERT 0 5" → 5, "SELECT 3" → 3,
 * UPDATE/DELETE/MERGE/FETCH/MOVE/COPY n).
 * @return PGW_OK with *rows set; PGW_END when the tag carries no count
 *         (also a verb alone: "COPY"); PGW_E_PROTOCOL for a malformed or
 *         overflowing count; PGW_E_INVALID for a NULL tag with a length. */
PGW_API pgw_status pgw_command_tag_rows(const char *tag, size_t len, uint64_t *rows);

/** CopyInResponse / CopyOutResponse / CopyBothResponse: overall format,
 * column count and a view of the int16 per-column formats (read them with
 * pgw_copy_response_format). A text COPY with a binary column is
 * PGW_E_PROTOCOL. */
PGW_API pgw_status pgw_parse_copy_response(const pgw_frame *f, int8_t *format,
                                           uint16_t *ncols, const uint8_t **col_formats);
/** The i-th column format from a view returned by pgw_parse_copy_response. */
PGW_API int16_t pgw_copy_response_format(const uint8_t *col_formats, uint16_t i);

/** DataRow. Fills vals[0..*ncols) with views; only -1 means NULL.
 * @return PGW_OK; PGW_E_TOO_LARGE when the row has more than `cap` columns;
 *         PGW_E_PROTOCOL when truncated, a length is negative other than -1
 *         or runs past the end, or bytes trail. vals may be NULL (any
 *         cap) to learn the count only (still fully validated). On
 *         PGW_E_TOO_LARGE *ncols holds the real count and the first cap
 *         entries are filled. The same holds for RowDescription and
 *         ParameterDescription below. */
PGW_API pgw_status pgw_parse_data_row(const pgw_frame *f, pgw_value *vals, uint16_t cap,
                                      uint16_t *ncols);

/** ErrorResponse / NoticeResponse: iterate (code, value) pairs. */
typedef struct pgw_field_iter {
    const uint8_t *p, *end;
} pgw_field_iter;
/** Start iterating. @return PGW_OK or PGW_E_PROTOCOL (no final terminator). */
PGW_API pgw_status pgw_fields_begin(const pgw_frame *f, pgw_field_iter *it);
/** Next field. @return PGW_OK with *out set; PGW_END at the terminator;
 *  PGW_E_PROTOCOL when a value lacks its NUL. */
PGW_API pgw_status pgw_fields_next(pgw_field_iter *it, pgw_field *out);

/** FunctionCallResponse: the result value (len -1 = NULL). */
PGW_API pgw_status pgw_parse_function_call_response(const pgw_frame *f, pgw_value *out);

/** NegotiateProtocolVersion: newest minor version supported and the number
 * of unrecognised options; iterate their names with pgw_cstrings_next
 * starting at *pos. */
PGW_API pgw_status pgw_parse_negotiate_protocol_version(const pgw_frame *f, int32_t *minor,
                                                        uint32_t *n_options, size_t *pos);
/** Iterate NUL-terminated strings in a frame body from *pos.
 * @return PGW_OK; PGW_END at the end of the body; PGW_E_PROTOCOL. */
PGW_API pgw_status pgw_cstrings_next(const pgw_frame *f, size_t *pos, const char **s);

/** NotificationResponse. */
PGW_API pgw_status pgw_parse_notification_response(const pgw_frame *f, int32_t *pid,
                                                   const char **channel, const char **payload);

/** ParameterDescription: fills oids[0..*n) (cap entries at most).
 * @return PGW_OK; PGW_E_TOO_LARGE if more than cap; PGW_E_PROTOCOL. */
PGW_API pgw_status pgw_parse_parameter_description(const pgw_frame *f, uint32_t *oids,
                                                   uint16_t cap, uint16_t *n);

/** ParameterStatus: name and value. */
PGW_API pgw_status pgw_parse_parameter_status(const pgw_frame *f, const char **name,
                                              const char **value);

/** ReadyForQuery: *status is 'I', 'T' or 'E'; anything else is PGW_E_PROTOCOL. */
PGW_API pgw_status pgw_parse_ready_for_query(const pgw_frame *f, char *status);

/** RowDescription: fills cols[0..*ncols). cols may be NULL with cap 0 to
 * validate and count only. Format codes other than 0/1 are PGW_E_PROTOCOL.
 * @return PGW_OK; PGW_E_TOO_LARGE if more than cap; PGW_E_PROTOCOL. */
PGW_API pgw_status pgw_parse_row_description(const pgw_frame *f, pgw_column_desc *cols,
                                             uint16_t cap, uint16_t *ncols);

/** Messages whose body must be empty: BindComplete, CloseComplete,
 * ParseComplete, NoData, EmptyQueryResponse, PortalSuspended, CopyDone. */
PGW_API pgw_status pgw_parse_empty(const pgw_frame *f);

/* Backend builders (pgw_build_auth_*, pgw_build_row_description, ...) and
 * frontend parsers (pgw_parse_startup_packet, pgw_parse_query, ...) for
 * servers, proxies and tests are declared in pgwire/proto_server.h. */

PGW_END_DECLS

#endif
