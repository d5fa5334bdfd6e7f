/* Several hosts: libpq's connhost loop over the blocking connect path.
 * blocking.c connects one host; multihost.c walks the host list (shuffled
 * for load_balance_hosts=random), checks target_session_attrs on each
 * server that accepted, and words the error that lists every attempt. */
#ifndef PGWIRE_IO_MULTIHOST_H
#define PGWIRE_IO_MULTIHOST_H

#include "io/io_int.h"

/* One host (blocking.c): open the transport to target, run startup to
 * ReadyForQuery under `timeout` ms (-1 = none), with sslmode allow/prefer's
 * second attempt. Returns PGW_OK or the failure, recorded in c's error
 * (already prefixed "connection to server at ... failed: "). The transport
 * handle stays open in io->handle on success and may on failure. */
pgw_status pgwi_io_attempt_host(pgw_conn *c, pgwi_io *io, const pgw_transport_target *target,
                                int timeout);

/* Connect to the first acceptable server of the host/hostaddr/port lists
 * (already validated by the engine). `base` carries the socket options;
 * its host, hostaddr and port are ignored. Every host gets its own
 * `timeout`; a server target_session_attrs rejects is sent Terminate and
 * closed before the next host; prefer-standby makes a second pass that
 * accepts any server. When every host failed, c's error summary has one
 * line per attempt, in libpq's format, and the status is the last
 * attempt's (PGW_E_STATE for a server of the wrong kind).
 * PGW_OK; PGW_E_NOMEM; any status pgwi_io_attempt_host returns. */
pgw_status pgwi_connect_hosts(pgw_conn *c, pgwi_io *io, const pgw_transport_target *base,
                              int timeout);

#endif
