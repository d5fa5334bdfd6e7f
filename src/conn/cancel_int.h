/* The engine side of a cancel connection (cancel.c): a private pgw_conn
 * that carries every security setting of the connection it cancels for
 * (sslmode, sslnegotiation, certificates, root certificates, CRLs, the
 * caller's SSL_CTX, TLS versions, SNI) and speaks only SSLRequest, TLS and
 * CancelRequest. The driver (src/io/cancel_conn.c) owns the socket; this
 * part never makes a system call. */
#ifndef PGWIRE_CONN_CANCEL_INT_H
#define PGWIRE_CONN_CANCEL_INT_H

#include "conn/conn_int.h"

/* Whether the connection has what a CancelRequest needs; if not, record
 * "cannot cancel: ..." on c (not broken) and return PGW_E_UNSUPPORTED
 * (no BackendKeyData) or PGW_E_STATE (not connected). */
pgw_status pgwi_cancel_check(pgw_conn *c);

/* A new engine for cancelling src's query on the server src is connected
 * to: src's options with host/hostaddr/port replaced by the ones actually
 * used (any may be NULL), src's PEM material, SSL_CTX, backend pid and
 * key. No password is copied (a cancel does not authenticate).
 * PGW_OK; PGW_E_NOMEM; a policy error (*out then holds it). */
pgw_status pgwi_cancel_clone(const pgw_conn *src, const char *host, const char *hostaddr,
                             const char *port, pgw_conn **out);

/* Begin an attempt on a freshly opened transport: with tls, queue
 * SSLRequest (or start direct TLS); without, queue the CancelRequest. */
pgw_status pgwi_cancel_begin(pgw_conn *e, bool tls);

/* Advance: PGW_OK once the server closed the connection after the whole
 * request was written (the cancel was delivered); PGW_WANT_READ /
 * PGW_WANT_WRITE; or a failure (the engine is broken and holds it). */
pgw_status pgwi_cancel_step(pgw_conn *e);

/* Whether the request has been handed to the transport in full (a failure
 * after that is no reason to try again without TLS). */
bool pgwi_cancel_delivered(pgw_conn *e);

#endif
