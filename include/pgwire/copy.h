/* pgwire — COPY FROM STDIN and COPY TO STDOUT, streaming both ways.
 *
 * A COPY runs through a pgw_copy handle. pgw_copy_begin() sends the COPY
 * statement and waits for the server to switch into copy mode; then, for
 * COPY ... FROM STDIN, the caller pushes chunks with pgw_copy_put() and
 * ends with pgw_copy_end() (or aborts with pgw_copy_fail()); for COPY ...
 * TO STDOUT it pulls one chunk at a time with pgw_copy_get(), each chunk a
 * view into the connection's input buffer (zero copy), until PGW_END.
 *
 * The data is COPY's own format: text, csv or binary, as the statement
 * asks. For binary COPY this header also has a row encoder built on the
 * type codecs (pgw_copy_bin_*) and a row decoder (pgw_copy_bin_reader);
 * for text and csv, value escapers (pgw_copy_text_value, pgw_copy_csv_value).
 *
 * The engine forms (pgw_copy_begin_send, pgw_copy_recv_start, pgw_copy_queue,
 * pgw_copy_queue_end, pgw_copy_queue_fail, pgw_copy_recv_end,
 * pgw_copy_recv_data) make no system call: they may answer PGW_WANT_READ /
 * PGW_WANT_WRITE, after which the caller moves bytes with pgw_conn_input()
 * / pgw_conn_output() and calls again. The blocking forms loop over them.
 *
 * Outcomes:
 *  - a server error during the COPY (a malformed row, a constraint) is
 *    PGW_E_SERVER with the fields in pgw_conn_error() (SQLSTATE, message,
 *    and `where`, the CONTEXT line naming the COPY line); nothing of the
 *    COPY was applied and the connection is idle again;
 *  - pgw_copy_fail() ends with PGW_E_SERVER, SQLSTATE 57014 (the server's
 *    "COPY from stdin failed: <message>"); the connection is idle again;
 *  - a connection lost during COPY FROM STDIN after data may have reached
 *    the server is PGW_E_UNKNOWN_OUTCOME: whether the server applied the
 *    COPY is unknown; pgw_copy_rows_sent() and pgw_copy_bytes_sent() tell
 *    how much was handed over.
 *
 * A plain pgw_query()/pgw_exec() of COPY FROM STDIN does not hang: the
 * engine answers CopyFail and the statement fails with SQLSTATE 57014.
 * COPY TO STDOUT through a plain query discards the data and reports the
 * row count. CopyBothResponse (streaming replication) is refused with
 * PGW_E_UNSUPPORTED and the connection closed. */
#ifndef PGWIRE_PGWIRE_COPY_H
#define PGWIRE_PGWIRE_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/buf.h"
#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/proto.h"
#include "pgwire/status.h"
#include "pgwire/types_strings.h"

PGW_BEGIN_DECLS

typedef struct pgw_copy pgw_copy;

/** Which way the data flows. */
typedef enum pgw_copy_direction {
    PGW_COPY_NONE = 0, /* copy mode not entered yet */
    PGW_COPY_IN = 1,   /* COPY ... FROM STDIN: the client sends */
    PGW_COPY_OUT = 2   /* COPY ... TO STDOUT: the server sends */
} pgw_copy_direction;

/** Payload kept in the handle before it becomes one CopyData message, and
 * the largest CopyData message pgw_copy_queue() makes. */
#define PGW_COPY_CHUNK 65536
/** The blocking pgw_copy_put() writes to the socket whenever this much
 * output is pending, so memory stays bounded however much is sent. */
#define PGW_COPY_FLUSH_THRESHOLD 262144

/* ---- engine (no system calls) ------------------------------------------- */

/** Queue the COPY statement as a simple Query and return its handle.
 * @return PGW_OK; PGW_E_INVALID (NULL argument); PGW_E_STATE (startup not
 *         done, or another command is active); PGW_E_CLOSED; the sticky
 *         status of a broken connection; PGW_E_TOO_LARGE; PGW_E_NOMEM.
 * Ownership: caller owns *out; release with pgw_copy_free(). */
PGW_API pgw_status pgw_copy_begin_send(pgw_conn *c, const char *sql, pgw_copy **out);

/** Read until the server enters copy mode (CopyInResponse or
 * CopyOutResponse). Results of statements before the COPY in the same
 * string are skipped.
 * @return PGW_OK: in copy mode (pgw_copy_get_direction() says which);
 *         PGW_WANT_READ / PGW_WANT_WRITE; PGW_E_SERVER: the statement
 *         failed before copy mode (a syntax error, a missing table); the
 *         connection is idle once a later call answers PGW_END (the blocking
 *         form drains it for you); PGW_E_INVALID: the statement finished
 *         without entering copy mode (it was not a COPY to STDIN/STDOUT;
 *         the connection is idle); PGW_E_UNSUPPORTED: CopyBothResponse
 *         (replication), the connection is closed; PGW_E_PROTOCOL /
 *         PGW_E_CLOSED / PGW_E_NOMEM: the connection is broken. */
PGW_API pgw_status pgw_copy_recv_start(pgw_copy *cp);

/** COPY IN: append data to the stream. Small pieces collect in the handle
 * and go out as one CopyData message per PGW_COPY_CHUNK bytes; a large
 * piece is split into messages of that size. Data still held in the handle
 * is queued by pgw_copy_flush() and pgw_copy_queue_end().
 * If a server error has already been read (pgw_copy_poll), nothing is
 * queued and the error is returned.
 * @param nrows rows these bytes complete, for pgw_copy_rows_sent()
 * @return PGW_OK; PGW_E_STATE (not in COPY IN, or already ended);
 *         PGW_E_INVALID (data NULL with len > 0); PGW_E_SERVER (the server
 *         already failed the COPY: stop sending, call pgw_copy_recv_end()
 *         or pgw_copy_end()); PGW_E_NOMEM (connection broken); the sticky
 *         status of a broken connection.
 * Ownership: data is copied; nothing is retained. */
PGW_API pgw_status pgw_copy_queue(pgw_copy *cp, const void *data, size_t len, uint64_t nrows);

/** COPY IN: queue what the handle holds as a CopyData message now.
 * @return as pgw_copy_queue(). */
PGW_API pgw_status pgw_copy_flush(pgw_copy *cp);

/** COPY IN: handle messages that have already arrived without waiting for
 * more, so an early server error stops the sender.
 * @return PGW_OK (no error so far); PGW_E_SERVER (the server failed the
 *         COPY); PGW_E_UNKNOWN_OUTCOME (the connection was lost);
 *         PGW_E_PROTOCOL / PGW_E_CLOSED (broken); PGW_E_STATE (not in
 *         COPY IN). */
PGW_API pgw_status pgw_copy_poll(pgw_copy *cp);

/** COPY IN: queue the held data and CopyDone; then pgw_copy_recv_end().
 * @return PGW_OK; PGW_E_STATE; PGW_E_SERVER (already failed: no CopyDone
 *         is needed, call pgw_copy_recv_end()); PGW_E_NOMEM. */
PGW_API pgw_status pgw_copy_queue_end(pgw_copy *cp);

/** COPY IN: drop the held data and queue CopyFail with the message (no NUL
 * bytes; the server includes it in its error); then pgw_copy_recv_end(),
 * which answers PGW_E_SERVER with SQLSTATE 57014.
 * @return PGW_OK; PGW_E_STATE; PGW_E_INVALID (message NULL); PGW_E_SERVER
 *         (already failed); PGW_E_NOMEM. */
PGW_API pgw_status pgw_copy_queue_fail(pgw_copy *cp, const char *message);

/** COPY IN after pgw_copy_queue_end()/pgw_copy_queue_fail(), or after an
 * error: read CommandComplete and ReadyForQuery.
 * @param rows  set to the COPY's row count on success (may be NULL)
 * @return PGW_OK (the COPY committed its rows, or will with the enclosing
 *         transaction); PGW_WANT_READ / PGW_WANT_WRITE; PGW_E_SERVER (the
 *         COPY failed and nothing was applied; pgw_conn_error() has the
 *         fields; the connection is idle); PGW_E_UNKNOWN_OUTCOME (the
 *         connection was lost after data was sent); PGW_E_PROTOCOL /
 *         PGW_E_CLOSED / PGW_E_NOMEM (broken). */
PGW_API pgw_status pgw_copy_recv_end(pgw_copy *cp, uint64_t *rows);

/** COPY OUT: the next chunk (one row for text and csv; for binary, one
 * row, the first one preceded by the file header, and the trailer alone).
 * @return PGW_OK with *p, *len set; PGW_END: the COPY is complete
 *         (CommandComplete and ReadyForQuery read; pgw_copy_rows() has the
 *         count; the connection is idle); PGW_WANT_READ / PGW_WANT_WRITE;
 *         PGW_E_SERVER (the COPY failed part way; the chunks already
 *         returned are not a complete result; the connection is idle);
 *         PGW_E_STATE (not in COPY OUT); PGW_E_PROTOCOL / PGW_E_TOO_LARGE
 *         / PGW_E_CLOSED / PGW_E_NOMEM (broken).
 * Ownership: borrowed — *p is valid until the next call on this handle or
 * on its connection. */
PGW_API pgw_status pgw_copy_recv_data(pgw_copy *cp, const uint8_t **p, size_t *len);

/* ---- blocking forms (src/io) -------------------------------------------- */

/** Send the COPY statement and wait for copy mode.
 * @return PGW_OK with *out set; on failure *out is NULL and the status is
 *         one of pgw_copy_begin_send() / pgw_copy_recv_start() (after
 *         PGW_E_SERVER and PGW_E_INVALID the connection is idle), or an I/O
 *         status (PGW_E_IO, PGW_E_TIMEOUT, PGW_E_CLOSED).
 * Ownership: caller owns *out; release with pgw_copy_free(). */
PGW_API pgw_status pgw_copy_begin(pgw_conn *c, const char *sql, pgw_copy **out);

/** COPY IN: send data (any amount; rows counted as the newlines of text
 * and csv data, none for binary: use pgw_copy_put_rows()). Writes to the
 * socket when PGW_COPY_FLUSH_THRESHOLD bytes are pending, and checks for
 * an early server error each time.
 * @return PGW_OK; PGW_E_SERVER (the server failed the COPY; the
 *         connection is idle; pgw_copy_end() repeats the status);
 *         PGW_E_UNKNOWN_OUTCOME (connection lost); PGW_E_STATE;
 *         PGW_E_INVALID; I/O statuses.
 * Ownership: data is copied; nothing is retained. */
PGW_API pgw_status pgw_copy_put(pgw_copy *cp, const void *data, size_t len);

/** As pgw_copy_put(), counting nrows rows for pgw_copy_rows_sent(). */
PGW_API pgw_status pgw_copy_put_rows(pgw_copy *cp, const void *data, size_t len, uint64_t nrows);

/** COPY IN: send CopyDone and wait for the outcome.
 * @return as pgw_copy_recv_end(), plus I/O statuses. */
PGW_API pgw_status pgw_copy_end(pgw_copy *cp, uint64_t *rows);

/** COPY IN: abort with a message and wait for the server's answer.
 * @return PGW_E_SERVER with SQLSTATE 57014 (the expected outcome: nothing
 *         was applied, the connection is idle); PGW_E_STATE;
 *         PGW_E_INVALID; PGW_E_UNKNOWN_OUTCOME; I/O statuses. */
PGW_API pgw_status pgw_copy_fail(pgw_copy *cp, const char *message);

/** COPY OUT: wait for the next chunk.
 * @return as pgw_copy_recv_data() without the WANT statuses, plus I/O
 *         statuses.
 * Ownership: borrowed — *p is valid until the next call on this handle or
 * its connection. */
PGW_API pgw_status pgw_copy_get(pgw_copy *cp, const uint8_t **p, size_t *len);

/* ---- state -------------------------------------------------------------- */

/** Abandon the handle. A COPY IN still in progress is failed ("COPY
 * abandoned by the client") and a COPY OUT's remaining data discarded, as
 * they arrive. NULL-safe. */
PGW_API void pgw_copy_free(pgw_copy *cp);

/** The connection this COPY runs on. */
PGW_API pgw_conn *pgw_copy_conn(const pgw_copy *cp);

/** Direction, once in copy mode (PGW_COPY_NONE before). */
PGW_API pgw_copy_direction pgw_copy_get_direction(const pgw_copy *cp);

/** Overall format: 0 text (text and csv), 1 binary; -1 before copy mode. */
PGW_API int pgw_copy_format(const pgw_copy *cp);

/** Number of columns the server announced. */
PGW_API uint16_t pgw_copy_ncols(const pgw_copy *cp);

/** Format of column i (0 text, 1 binary); -1 when out of range. */
PGW_API int pgw_copy_column_format(const pgw_copy *cp, uint16_t i);

/** The COPY's row count from CommandComplete ("COPY n"), once known. */
PGW_API uint64_t pgw_copy_rows(const pgw_copy *cp);

/** COPY IN: rows handed to the connection so far (newlines of text/csv
 * data, or as counted by pgw_copy_put_rows). After PGW_E_UNKNOWN_OUTCOME:
 * none beyond this count can have reached the server. */
PGW_API uint64_t pgw_copy_rows_sent(const pgw_copy *cp);

/** COPY IN: payload bytes handed to the connection so far. */
PGW_API uint64_t pgw_copy_bytes_sent(const pgw_copy *cp);

/* ---- text and csv values ------------------------------------------------- */

/** Append a value escaped for COPY text format with the tab delimiter:
 * backslash, newline, carriage return and tab become \\, \n, \r, \t
 * (other bytes pass through; the server reads them in client_encoding).
 * Append "\\N" for NULL yourself (pgw_copy_text_null).
 * @return PGW_OK; PGW_E_INVALID (a NUL byte, or s NULL with len > 0);
 *         buffer errors. Nothing is appended on failure.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_copy_text_value(pgw_buf *out, const char *s, size_t len);

/** Append the text format's NULL marker, \N. @return buffer statuses. */
PGW_API pgw_status pgw_copy_text_null(pgw_buf *out);

/** Append a value for CSV format (comma delimiter, double-quote quote):
 * quoted when it is empty (an unquoted empty field is NULL), holds a comma,
 * a quote, CR or LF, starts or ends with a space, or is exactly \. (the
 * end-of-data marker); quotes are doubled. A NULL is an empty unquoted
 * field: append nothing.
 * @return PGW_OK; PGW_E_INVALID (a NUL byte, or s NULL with len > 0);
 *         buffer errors. Nothing is appended on failure.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_copy_csv_value(pgw_buf *out, const char *s, size_t len);

/* ---- binary rows: encoder ------------------------------------------------- */

/** Append the binary COPY file header (signature, flags 0, no extension).
 * @return PGW_OK; buffer errors (nothing appended).
 * Ownership: out is the caller's. */
PGW_API pgw_status pgw_copy_bin_header(pgw_buf *out);

/** Start a row of nfields fields (append the int16 field count); then one
 * pgw_copy_bin_* adder per field, in column order. The adders append the
 * int32 length and the value's binary form (the type's *_send output).
 * Each returns PGW_OK or a buffer error (PGW_E_NOMEM / PGW_E_TOO_LARGE),
 * leaving out->len unchanged on failure; those taking text or bytes also
 * return PGW_E_INVALID for NULL with len > 0 (numeric: malformed text) and
 * PGW_E_TOO_LARGE beyond 1 GiB - 1.
 * Ownership: out is the caller's; nothing is retained. */
PGW_API pgw_status pgw_copy_bin_row(pgw_buf *out, uint16_t nfields);
PGW_API pgw_status pgw_copy_bin_null(pgw_buf *out);
PGW_API pgw_status pgw_copy_bin_bool(pgw_buf *out, bool v);
PGW_API pgw_status pgw_copy_bin_int2(pgw_buf *out, int16_t v);
PGW_API pgw_status pgw_copy_bin_int4(pgw_buf *out, int32_t v);
PGW_API pgw_status pgw_copy_bin_int8(pgw_buf *out, int64_t v);
PGW_API pgw_status pgw_copy_bin_float4(pgw_buf *out, float v);
PGW_API pgw_status pgw_copy_bin_float8(pgw_buf *out, double v);
/** text, varchar, bpchar, name, json: the bytes as they are, in the
 * session's client_encoding (the server converts and checks them). */
PGW_API pgw_status pgw_copy_bin_text(pgw_buf *out, const char *s, size_t len);
PGW_API pgw_status pgw_copy_bin_bytea(pgw_buf *out, const void *p, size_t len);
/** numeric from its text ("12.50", "-1e-3", "NaN"): see
 * pgw_encode_numeric_bin(); PGW_E_INVALID / PGW_E_RANGE for bad text. */
PGW_API pgw_status pgw_copy_bin_numeric(pgw_buf *out, const char *s, size_t len);
/** date: days since 1970-01-01 (pgw_encode_date_bin); PGW_E_RANGE outside
 * the server's range. */
PGW_API pgw_status pgw_copy_bin_date(pgw_buf *out, int32_t days_since_unix_epoch);
/** timestamp / timestamptz: microseconds since 1970-01-01 00:00 (UTC for
 * timestamptz); PGW_E_RANGE before 4714-11-24 BC. */
PGW_API pgw_status pgw_copy_bin_timestamp(pgw_buf *out, int64_t usec_since_unix_epoch);
PGW_API pgw_status pgw_copy_bin_timestamptz(pgw_buf *out, int64_t usec_since_unix_epoch);
PGW_API pgw_status pgw_copy_bin_uuid(pgw_buf *out, pgw_uuid v);
/** Any type: bytes already in the type's binary form (from a pgw_encode_*_bin). */
PGW_API pgw_status pgw_copy_bin_raw(pgw_buf *out, const void *p, size_t len);

/** Append the trailer (field count -1). @return PGW_OK; buffer errors. */
PGW_API pgw_status pgw_copy_bin_trailer(pgw_buf *out);

/* ---- binary rows: decoder ------------------------------------------------- */

/** A reader over binary COPY data: the header, then rows, then the
 * trailer. Public so it can live on the stack; fields are private. */
typedef struct pgw_copy_bin_reader {
    const uint8_t *p; /* current chunk (borrowed) */
    size_t len;
    size_t off;
    int state; /* 0 expecting header, 1 rows, 2 trailer seen */
} pgw_copy_bin_reader;

/** Start reading a new stream (expecting the header). */
PGW_API void pgw_copy_bin_reader_init(pgw_copy_bin_reader *r);

/** Give the reader the next chunk. Bytes of the previous chunk not yet
 * consumed (pgw_copy_bin_reader_pending) must be prepended by the caller:
 * the reader never spans chunks. The reader keeps its place in the stream
 * (whether the header was read, whether the trailer was). */
PGW_API void pgw_copy_bin_reader_feed(pgw_copy_bin_reader *r, const uint8_t *p, size_t len);

/** Decode the next row: the header first if not seen yet, then the field
 * count and each field's length and bytes into vals[0..*nfields) (len -1
 * for NULL; ptr into the chunk).
 * @return PGW_OK (a row); PGW_END (the trailer: the stream is complete;
 *         bytes after it are PGW_E_PROTOCOL); PGW_WANT_READ (the chunk ends
 *         inside the header or a row: nothing of it was consumed);
 *         PGW_E_PROTOCOL (bad signature, unknown critical header flags,
 *         negative lengths other than -1, a field count below -1, data
 *         after the trailer); PGW_E_UNSUPPORTED (the header says rows carry
 *         OIDs); PGW_E_TOO_LARGE (more than cap fields).
 * Ownership: borrowed — vals point into the chunk given to feed(). */
PGW_API pgw_status pgw_copy_bin_reader_next(pgw_copy_bin_reader *r, pgw_value *vals,
                                            uint16_t cap, uint16_t *nfields);

/** Bytes of the current chunk not consumed yet. */
PGW_API size_t pgw_copy_bin_reader_pending(const pgw_copy_bin_reader *r);

PGW_END_DECLS

#endif
