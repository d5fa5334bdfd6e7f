/* pgwire — protocol tracing: one structured event per message.
 *
 * A trace callback set on a connection sees every message sent to the
 * server and every message received from it, in order, each with its
 * direction, wire tag, length, name and a decoded one-line summary. It is
 * what libpq users know as its FILE-based trace, as a callback: route the
 * events to a log, a test, or pgw_trace_fd() for libpq-like lines.
 *
 * Secrets never reach the callback: the payloads of PasswordMessage,
 * SASLInitialResponse, SASLResponse (and GSS or OAUTHBEARER tokens), the
 * server's SASL challenges and the cancel key are withheld — the event says
 * `redacted` and gives only the length.
 *
 * When events fire: a message to the server when its bytes are taken for
 * sending (pgw_conn_output(), before TLS encrypts them), so the order is the
 * wire order; a message from the server when the engine consumes it. The
 * engine decodes summaries defensively (a hostile server's message yields
 * "malformed", never a read past the frame). With no callback set, tracing
 * costs one branch per message. */
#ifndef PGWIRE_PGWIRE_TRACE_H
#define PGWIRE_PGWIRE_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pgwire/conn.h"
#include "pgwire/export.h"
#include "pgwire/status.h"

/** Which way a message went. Append-only. */
typedef enum pgw_trace_dir {
    PGW_TRACE_TO_SERVER = 0,  /**< frontend message (libpq's trace letter F) */
    PGW_TRACE_FROM_SERVER = 1 /**< backend message (libpq's trace letter B) */
} pgw_trace_dir;

/** One traced message. Every pointer is borrowed for the duration of the
 * callback only. */
typedef struct pgw_trace_event {
    pgw_trace_dir dir;
    /** The wire tag ('Q', 'T', ...); 0 for the untagged startup-phase
     * messages (StartupMessage, SSLRequest, GSSENCRequest, CancelRequest). */
    uint8_t tag;
    /** The message's length word: the body plus the 4 length bytes, without
     * the tag (what libpq's trace prints). Bytes on the wire: length + 1 for
     * tagged messages. */
    uint32_t length;
    /** The message's name from the protocol documentation ("RowDescription",
     * "SASLInitialResponse", "StartupMessage"); "Unknown" for a tag the
     * protocol does not define in that direction. */
    const char *name;
    /** A one-line decoded summary (may be empty; strings quoted and cut at
     * about 200 bytes; control characters escaped). Never a secret. */
    const char *summary;
    /** The payload was withheld (password, SASL or token message). */
    bool redacted;
} pgw_trace_event;

/** A trace callback. It must not call back into the connection. */
typedef void (*pgw_trace_fn)(void *ud, const pgw_trace_event *ev);

/** Flags for pgw_trace_format() and pgw_trace_sink. Append-only. */
enum {
    PGW_TRACE_TIMESTAMPS = 1u /**< prefix each line with the local time (pgw_trace_fd only) */
};

/** Where pgw_trace_fd() writes: a file descriptor (e.g. 2 for stderr) and
 * flags (PGW_TRACE_TIMESTAMPS). */
typedef struct pgw_trace_sink {
    int fd;
    unsigned flags;
} pgw_trace_sink;

PGW_BEGIN_DECLS

/** Set (or with fn NULL, clear) the connection's trace callback. Messages
 * already queued but not yet taken by pgw_conn_output() are traced when
 * they are taken. Works for the engine and for connections made by
 * pgw_connect(); to trace a connection from its very first message, use
 * pgw_connect_start() (pgwire/nonblock.h) and set the callback before the
 * first pgw_connect_poll(). No return value: it cannot fail.
 * Ownership: ud is borrowed; it must outlive the connection or the next
 * pgw_conn_set_trace(). */
PGW_API void pgw_conn_set_trace(pgw_conn *c, pgw_trace_fn fn, void *ud);

/** Decode one message into a summary and a name, as the trace does. Pure:
 * usable by proxies and tests on any bytes (hostile ones included).
 * @param dir      direction, which picks the tag table
 * @param tag      wire tag, or 0 for an untagged startup-phase message (then
 *                 body starts with the request code / protocol version)
 * @param body     the bytes after the length word (may be NULL when len is 0)
 * @param out      receives a NUL-terminated summary, cut to fit (outlen >= 1)
 * @param name     receives the static message name
 * @param redacted receives whether the payload was withheld (may be NULL)
 * @return the length of the summary written (excluding the NUL).
 * Ownership: *name is static; out is the caller's. */
PGW_API size_t pgw_trace_describe(pgw_trace_dir dir, uint8_t tag, const uint8_t *body,
                                  size_t len, char *out, size_t outlen, const char **name,
                                  bool *redacted);

/** Format an event as one libpq-style trace line, without a timestamp and
 * with a trailing newline: `F\t13\tQuery\t "SELECT 1"` (direction letter,
 * length word, name, summary, tab-separated). Cut to fit outlen (>= 1).
 * @return the length written (excluding the NUL).
 * Ownership: out is the caller's. */
PGW_API size_t pgw_trace_format(const pgw_trace_event *ev, char *out, size_t outlen);

/** A ready-made pgw_trace_fn (implemented in the I/O layer) that writes
 * pgw_trace_format() lines to sink->fd, one write(2) per line so that lines
 * from several connections never interleave, prefixed with
 * `YYYY-MM-DD HH:MM:SS.uuuuuu\t` under PGW_TRACE_TIMESTAMPS. Write errors
 * are ignored (tracing never fails a connection). This replaces
 * libpq's FILE-based trace: pass fileno(fp) after fflush(fp), or keep a FILE * by
 * writing your own three-line callback around pgw_trace_format().
 * Usage: `pgw_trace_sink s = {2, PGW_TRACE_TIMESTAMPS};
 *         pgw_conn_set_trace(c, pgw_trace_fd, &s);`
 * Ownership: ud is a const pgw_trace_sink *, borrowed. */
PGW_API void pgw_trace_fd(void *ud, const pgw_trace_event *ev);

PGW_END_DECLS

#endif
