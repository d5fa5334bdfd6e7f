/* pgwire — a PostgreSQL client library that speaks the v3 wire protocol
 * itself (no libpq). Umbrella header: include this one. */
#ifndef PGWIRE_PGWIRE_H
#define PGWIRE_PGWIRE_H

#include "pgwire/export.h"
#include "pgwire/version.h"
#include "pgwire/status.h"
#include "pgwire/alloc.h"
#include "pgwire/buf.h"
#include "pgwire/proto.h"
#include "pgwire/proto_server.h"
#include "pgwire/auth.h"
#include "pgwire/types.h"
#include "pgwire/render.h"
#include "pgwire/types_strings.h"
#include "pgwire/escape.h"
#include "pgwire/datetime.h"
#include "pgwire/containers.h"
#include "pgwire/tls.h"
#include "pgwire/conn.h"
#include "pgwire/cursor.h"
#include "pgwire/client.h"
#include "pgwire/stmt.h"
#include "pgwire/tx.h"
#include "pgwire/portal.h"
#include "pgwire/routine.h"
#include "pgwire/pool.h"
#include "pgwire/copy.h"
#include "pgwire/cancel.h"
#include "pgwire/notify.h"
#include "pgwire/fastpath.h"
#include "pgwire/lo.h"
#include "pgwire/trace.h"
#include "pgwire/nonblock.h"
#include "pgwire/pipeline.h"

/* Feature macros, libpq's LIBPQ_HAS_* idea: test with #ifdef. */
#define PGW_HAS_SIMPLE_QUERY 1
#define PGW_HAS_STREAMING_CURSOR 1
#define PGW_HAS_SCRAM_SHA_256 1
#define PGW_HAS_TRANSPORT 1
#define PGW_HAS_TLS_API 1 /* the API; whether TLS works: pgw_tls_new() */
#define PGW_HAS_EXTENDED_QUERY 1
#define PGW_HAS_STATEMENT_CACHE 1
#define PGW_HAS_TYPE_CODECS 1
#define PGW_HAS_POOL 1
#define PGW_HAS_TRANSACTIONS 1
#define PGW_HAS_PORTALS 1
#define PGW_HAS_ROUTINES 1
#define PGW_HAS_COPY 1
#define PGW_HAS_FASTPATH 1
#define PGW_HAS_LARGE_OBJECTS 1
#define PGW_HAS_TRACE 1
#define PGW_HAS_NONBLOCKING_CONNECT 1
#define PGW_HAS_PIPELINE 1

#endif
