/* The blocking driver's pipeline pump (pipeline_io.c), called by
 * pgw_conn_pump() while the connection is in pipeline mode. */
#ifndef PGWIRE_IO_PIPELINE_IO_H
#define PGWIRE_IO_PIPELINE_IO_H

#include "io/io_int.h"

/* pgw_conn_pump() for a pipeline: write all pending output, reading aside
 * whatever the server sends meanwhile; then, for PGW_WANT_READ, hand the
 * engine what was kept aside before reading the socket again. */
pgw_status pgwi_pipeline_pump(pgw_conn *c, pgw_status want);

#endif
