/* pgwire — status codes.
 *
 * Every call returns a pgw_status. The sign carries the meaning:
 *   0      PGW_OK     done
 *   > 0    progress   PGW_WANT_READ (feed more input), PGW_WANT_WRITE (drain
 *                     output first), PGW_END (an iteration is exhausted)
 *   < 0    failure
 * Values are only ever appended, never renumbered. */
#ifndef PGWIRE_PGWIRE_STATUS_H
#define PGWIRE_PGWIRE_STATUS_H

#include "pgwire/export.h"

/* X(name, value, message) — the one list; the enum and the name/message
 * tables are generated from it so they cannot drift apart. */
#define PGW_STATUS_LIST(X)                                                                \
    X(PGW_OK, 0, "success")                                                               \
    X(PGW_WANT_READ, 1, "more input is needed")                                           \
    X(PGW_WANT_WRITE, 2, "pending output must be written first")                          \
    X(PGW_END, 3, "no more items")                                                        \
    X(PGW_E_NOMEM, -1, "out of memory")                                                   \
    X(PGW_E_INVALID, -2, "invalid argument")                                              \
    X(PGW_E_STATE, -3, "operation not allowed in the current state")                     \
    X(PGW_E_PROTOCOL, -4, "protocol violation")                                           \
    X(PGW_E_TOO_LARGE, -5, "message or value too large")                                  \
    X(PGW_E_SERVER, -6, "error reported by the server")                                   \
    X(PGW_E_AUTH, -7, "authentication failed")                                            \
    X(PGW_E_TLS, -8, "TLS failure")                                                       \
    X(PGW_E_IO, -9, "I/O error")                                                          \
    X(PGW_E_RESOLVE, -10, "could not resolve host name")                                  \
    X(PGW_E_TIMEOUT, -11, "timed out")                                                    \
    X(PGW_E_CLOSED, -12, "connection closed")                                             \
    X(PGW_E_UNSUPPORTED, -13, "not supported")                                            \
    X(PGW_E_RANGE, -14, "value out of range for the requested type")                     \
    X(PGW_E_NULL, -15, "value is NULL")                                                   \
    X(PGW_E_TYPE, -16, "the column's type does not convert to the requested C type")      \
    X(PGW_E_ABORTED, -17, "not executed: an earlier statement of the pipeline failed")    \
    X(PGW_E_UNKNOWN_OUTCOME, -18, "connection lost: whether the server applied it is unknown")

typedef enum pgw_status {
#define PGW_STATUS_ENUM_(name, value, msg) name = value,
    PGW_STATUS_LIST(PGW_STATUS_ENUM_)
#undef PGW_STATUS_ENUM_
} pgw_status;

PGW_BEGIN_DECLS

/** Symbolic name of a status ("PGW_E_PROTOCOL"); "PGW_UNKNOWN" for values
 * not in the list. Ownership: static string. */
PGW_API const char *pgw_status_name(int status);

/** Short English description of a status ("protocol violation").
 * Ownership: static string. */
PGW_API const char *pgw_status_str(int status);

PGW_END_DECLS

#endif
