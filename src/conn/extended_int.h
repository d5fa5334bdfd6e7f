/* The extended query protocol inside the engine: described statements,
 * the automatic statement cache, and the per-cursor exchange state
 * (extended.c, stmt_cache.c; hooks called from cursor.c and session.c). */
#ifndef PGWIRE_CONN_EXTENDED_INT_H
#define PGWIRE_CONN_EXTENDED_INT_H

#include "conn/conn_int.h"
#include "pgwire/stmt.h"

/* A described statement: parameter types and result columns. */
typedef struct pgwi_desc {
    uint32_t *param_types;
    size_t nparams;
    bool has_rows;       /* RowDescription (not NoData) */
    uint8_t *row_body;   /* copy of the RowDescription body; names point in */
    size_t row_len;
    pgw_column_desc *cols;
    uint16_t ncols;
} pgwi_desc;

void pgwi_desc_free(const pgw_allocator *a, pgwi_desc *d);

typedef struct pgwi_cache_entry {
    char *sql;
    size_t sql_len;
    uint32_t *types; /* the parameter types of the key */
    size_t ntypes;
    uint64_t hash;
    char name[24];
    bool ready; /* prepared and described on the server */
    uint64_t pseg; /* the pipeline segment whose Parse prepares it (0: none) */
    pgwi_desc desc;
    struct pgwi_cache_entry *hnext, *prev, *next;
} pgwi_cache_entry;

typedef struct pgwi_stmt_cache {
    size_t cap; /* 0 = off */
    size_t size;
    pgwi_cache_entry **buckets;
    size_t nbuckets;
    pgwi_cache_entry *mru, *lru;
    char **to_close; /* server-side names to Close with the next exchange */
    size_t nclose, close_cap;
    uint64_t counter;
    pgw_stmt_cache_stats stats;
} pgwi_stmt_cache;

/* stmt_cache.c */
void pgwi_cache_init(pgwi_stmt_cache *sc, int size_option);
void pgwi_cache_free(pgw_conn *c);
pgwi_cache_entry *pgwi_cache_find(pgw_conn *c, const char *sql, size_t sql_len,
                                  const uint32_t *types, size_t ntypes);
/* A new, not yet ready entry (evicting the least recently used one). */
pgw_status pgwi_cache_insert(pgw_conn *c, const char *sql, size_t sql_len,
                             const uint32_t *types, size_t ntypes, pgwi_cache_entry **out);
/* Drop an entry; close_on_server queues a Close for its name. */
void pgwi_cache_remove(pgw_conn *c, pgwi_cache_entry *e, bool close_on_server);
void pgwi_cache_touch(pgw_conn *c, pgwi_cache_entry *e);
/* Forget every entry (the server already dropped them: DISCARD ALL). */
void pgwi_cache_invalidate_all(pgw_conn *c, bool close_on_server);
/* Queue Close messages for names pending; returns the count queued. */
pgw_status pgwi_cache_flush_closes(pgw_conn *c, size_t *queued);

/* What a cursor of the extended protocol expects next. */
enum pgwi_xstep {
    PGWI_X_PARSE,
    PGWI_X_DESC_STMT,
    PGWI_X_BIND,
    PGWI_X_DESC_PORTAL,
    PGWI_X_EXEC,
    PGWI_X_CLOSE,
    PGWI_X_SYNC
};

#define PGWI_XQ_MAX 32

typedef struct pgwi_ext {
    uint8_t q[PGWI_XQ_MAX];
    uint8_t qh, qn;
    bool got_pdesc;
    pgw_step failed;
    pgw_stmt *stmt;           /* prepare/close of a pgw_stmt */
    bool closing;             /* the stmt operation is a Close */
    pgwi_cache_entry *entry;  /* cache entry prepared or used (while active) */
    bool phase2;              /* after the next ReadyForQuery: Bind + Execute + Sync */
    bool retried, retry, deferred_error;
    bool preloaded;           /* the cursor holds the statement's columns: rows
                                 follow BindComplete without a RowDescription */
    struct pgw_portal *portal; /* the named portal a fetch reads (portal.c) */
    /* Pipeline mode (pipeline.c): queued without a Sync of its own. */
    bool pipelined;
    bool pqueued;  /* still a node of the pipeline's FIFO */
    bool porphan;  /* freed by its user: results discarded as they arrive */
    uint8_t pfate; /* enum pgwi_pfate */
    char pname[24]; /* the cache entry this query's Parse prepares */
    /* SQL and parameters, kept for phase 2 and retries (one block; inline
     * when small, then block_len is 0). */
    void *block;
    size_t block_len;
    const char *sql;
    size_t sql_len;
    pgw_bytes *vals;
    uint32_t *types;
    int16_t *pfmts;
    size_t nparams;
    int16_t *rfmts; /* requested result formats (copy) */
    size_t nrfmts;
    int16_t *resolved; /* formats sent in Bind (resolved_inline when it fits) */
    uint16_t nresolved, resolved_cap;
    /* Inline storage last: new_exchange zeroes only what precedes it. */
    int16_t resolved_inline[16];
    union {
        uint8_t bytes[256];
        uint64_t align_;
        void *align_p_;
    } inline_block;
} pgwi_ext;

struct pgw_stmt {
    pgw_conn *c;
    char *name;
    size_t name_len;
    bool ready;
    bool closed;
    pgw_step failed;
    pgwi_desc desc;
    pgw_cursor *op; /* the prepare or close in progress */
};

/* Hooks for cursor.c: handle an extended-protocol message. Returns
 * PGWI_XPASS to let the generic code handle it, PGWI_XCONT to read on, or a
 * status to return to the caller. */
#define PGWI_XPASS 100
#define PGWI_XCONT 101
int pgwi_ext_message(pgw_cursor *cur, const pgw_frame *f, bool want_row);
void pgwi_ext_free(pgw_cursor *cur);
/* A command tag seen by any cursor: DISCARD ALL / DEALLOCATE ALL empty the
 * cache. */
void pgwi_ext_note_tag(pgw_conn *c, const char *tag, size_t len);

/* Hooks for other exchanges built on this machinery (portal.c): a new,
 * inactive cursor with an exchange; the parameters copied and checked
 * (x->vals, x->pfmts, x->rfmts); an acknowledgement expected; the formats
 * to request for a described statement (x->resolved, x->nresolved); a
 * refused exchange dropped (output truncated to out_mark); the cursor made
 * the connection's active one. */
pgw_status pgwi_ext_cursor_new(pgw_conn *c, pgw_cursor **out);
pgw_status pgwi_ext_take_params(pgw_cursor *cur, const pgw_param *params, size_t n,
                                const int16_t *rf, size_t nrf);
bool pgwi_ext_expect(pgw_cursor *cur, enum pgwi_xstep s);
pgw_status pgwi_ext_resolve_formats(pgw_cursor *cur, const pgwi_desc *d);
void pgwi_ext_cursor_discard(pgw_cursor *cur, size_t out_mark);
void pgwi_ext_cursor_activate(pgw_cursor *cur);
/* portal.c: a fetch's result ended (suspended: PortalSuspended, else
 * CommandComplete) after cur->row_number rows; its cursor is going away. */
void pgwi_portal_note_end(struct pgw_portal *p, const pgw_cursor *cur, bool suspended);
void pgwi_portal_detach(struct pgw_portal *p, const pgw_cursor *cur);

#endif
