/* Pipeline mode inside the engine (pipeline.c): the FIFO of queued
 * queries and Sync points, the hooks cursor.c and extended.c call for a
 * pipelined cursor, and the input kept aside by the driver while it
 * writes (so a blocked write can always read). */
#ifndef PGWIRE_CONN_PIPELINE_INT_H
#define PGWIRE_CONN_PIPELINE_INT_H

#include "conn/conn_int.h"
#include "pgwire/pipeline.h"

/* The fate of a pipelined query (pgwi_ext.pfate). *_SEEN: the status was
 * reported once; later reads say PGW_END. */
enum pgwi_pfate {
    PGWI_PF_PENDING = 0, /* results not (all) arrived */
    PGWI_PF_DONE,        /* read to its end, or failed with its own error */
    PGWI_PF_ABORTED,     /* skipped by the server after an earlier error */
    PGWI_PF_ABORTED_SEEN,
    PGWI_PF_UNKNOWN,     /* the connection broke before its result arrived */
    PGWI_PF_UNKNOWN_SEEN
};

/* One queued item: a query (its cursor; NULL once the cursor is gone and
 * nothing more is expected) or a Sync point. */
typedef struct pgwi_pnode {
    pgw_cursor *cur;
    bool sync;
} pgwi_pnode;

typedef struct pgwi_pipe {
    pgwi_pnode *ring;
    size_t cap, head, n; /* ring of n nodes from head */
    size_t nsync;        /* Sync nodes in the ring */
    size_t unsynced;     /* query nodes after the last Sync node */
    uint64_t segment;    /* names the queries since the last Sync (unique per connection) */
    /* Bytes the driver read while writing, in arrival order, not yet
     * handed to the engine's input (from boff to backlog.len). */
    pgw_buf backlog;
    size_t boff;
    bool backlog_eof; /* the server's end of stream follows the backlog */
} pgwi_pipe;

/* cursor.c hooks, for a cursor with x->pipelined. */
/* Before advance(): PGW_OK to go on with the cursor as the active one, or
 * the status to return (PGW_E_ABORTED, PGW_E_UNKNOWN_OUTCOME, PGW_END,
 * PGW_E_STATE, WANT_*). */
pgw_status pgwi_pipe_enter(pgw_cursor *cur);
/* The exchange's expected queue is empty: the query is over. PGW_END. */
pgw_status pgwi_pipe_query_done(pgw_cursor *cur);
/* A failure while reading: the connection broke, so the query's fate is
 * unknown. Returns the status to report. */
pgw_status pgwi_pipe_outcome(pgw_cursor *cur, pgw_status rc);
/* pgw_cursor_free(): true when the pipeline keeps the cursor (its results
 * are still coming and will be discarded). */
bool pgwi_pipe_release(pgw_cursor *cur);
/* extended.c: an ErrorResponse for this query, before the generic code
 * records it. Marks the queries up to the next Sync as skipped. */
void pgwi_pipe_error(pgw_cursor *cur, const pgw_frame *f);
/* session.c: pgw_conn_step() in pipeline mode. */
pgw_status pgwi_pipe_step(pgw_conn *c);
/* conn.c: the connection is going away. */
void pgwi_pipe_free(pgw_conn *c);

/* extended.c: queue one exchange without Sync (stmt NULL: sql + params). */
pgw_status pgwi_ext_queue(pgw_conn *c, pgw_stmt *st, const char *sql, const pgw_param *params,
                          size_t nparams, const int16_t *rf, size_t nrf, pgw_cursor **out);

/* The driver's side: input read while writing goes to the backlog. */
uint8_t *pgwi_pipe_stash_reserve(pgw_conn *c, size_t want, size_t *avail);
void pgwi_pipe_stash_commit(pgw_conn *c, size_t n);
void pgwi_pipe_stash_eof(pgw_conn *c);
/* Whether anything (bytes or the end of stream) waits in the backlog. */
bool pgwi_pipe_stashed(const pgw_conn *c);
/* Hand up to `chunk` bytes of the backlog (or its end of stream) to the
 * engine's input. PGW_OK, or a sticky error. */
pgw_status pgwi_pipe_unstash(pgw_conn *c, size_t chunk);

#endif
