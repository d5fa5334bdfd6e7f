/* The cursor and the materialised result, shared by cursor.c and result.c. */
#ifndef PGWIRE_CONN_CURSOR_INT_H
#define PGWIRE_CONN_CURSOR_INT_H

#include "conn/conn_int.h"

enum pgwi_cur_state {
    PGWI_CUR_BEFORE,      /* no result read yet */
    PGWI_CUR_HEADER,      /* looking for the next result's first message */
    PGWI_CUR_ROWS,        /* inside a result with rows */
    PGWI_CUR_SKIP,        /* skipping the rest of a result's rows */
    PGWI_CUR_RESULT_DONE, /* current result complete (tag known) */
    PGWI_CUR_FAILED,      /* ErrorResponse seen; waiting for ReadyForQuery */
    PGWI_CUR_DONE         /* ReadyForQuery seen */
};

struct pgw_cursor {
    pgw_conn *c;
    enum pgwi_cur_state state;
    bool completed; /* ReadyForQuery ended the query (not a broken stream) */
    bool in_copy_out;

    /* Current result's description, in one block: cols, vals, then the
     * RowDescription body the names point into. */
    void *desc_block;
    size_t desc_block_len;
    pgw_column_desc *cols;
    uint16_t ncols;
    bool has_rows;

    /* Current row: views into the connection's input buffer. */
    pgw_value *vals;
    uint64_t row_number;

    char *tag; /* the command tag (tag_inline or owned), NULL until complete */
    size_t tag_len;
    char tag_inline[40];
    size_t alloc_size; /* bytes of this cursor's allocation (with an inline exchange) */

    pgw_result *collecting; /* partial result kept across WANT_READ */

    struct pgwi_ext *x; /* extended-protocol exchange; NULL for a simple query */
    bool suspended;     /* PortalSuspended ended the result (row limit) */
    /* Text rendered from binary values, one buffer per column, valid until
     * the row changes (pgw_cursor_text on a binary column). */
    pgw_buf *rendered;
    /* COPY (copy.c): the handle driving this cursor, and its hook for the
     * copy messages (CopyIn/Out/BothResponse, CopyData, CopyDone); it
     * answers PGWI_XPASS / PGWI_XCONT like pgwi_ext_message. NULL for a
     * plain query. A pointer, so programs without COPY link none of it. */
    struct pgw_copy *copy;
    int (*copy_message)(pgw_cursor *cur, const pgw_frame *f);
};

/* cursor.c, shared with extended.c */
void pgwi_cursor_reset_result(pgw_cursor *cur);
/* Install a described statement's columns as the current result, with the
 * result formats sent in Bind. */
pgw_status pgwi_cursor_set_columns(pgw_cursor *cur, const uint8_t *row_body, size_t row_len,
                                   const pgw_column_desc *cols, uint16_t ncols,
                                   const int16_t *formats, uint16_t n);
pgw_cursor *pgwi_cursor_new(pgw_conn *c);
pgw_status pgwi_cursor_take_tag(pgw_cursor *cur, const char *tag, size_t len);
/* ReadyForQuery ends the cursor's exchange: the connection is idle again.
 * Returns PGW_END (or a protocol error). */
pgw_status pgwi_cursor_finish(pgw_cursor *cur, const pgw_frame *f);
pgw_status pgwi_cursor_check_conn(pgw_conn *c);

typedef struct pgwi_res_field {
    size_t off;      /* into data */
    int32_t len;     /* -1 = NULL */
    size_t text_off; /* binary values: their rendered text in data (0 = the
                        value is its own text; SIZE_MAX = not renderable) */
} pgwi_res_field;

struct pgw_result {
    const pgw_allocator *a;
    pgw_allocator alloc_copy;
    uint16_t ncols;
    pgw_column_desc *cols; /* names point into names */
    char *names;
    size_t names_len;
    pgwi_res_field *fields; /* nrows * ncols */
    size_t nrows, rows_cap;
    pgw_buf data; /* field bytes, each followed by a NUL */
    pgw_buf scratch; /* rendering area while rows are added */
    char *tag;
    size_t tag_len;
};

/* Start a result with the cursor's current columns. */
pgw_status pgwi_result_new(pgw_conn *c, const pgw_cursor *cur, pgw_result **out);
/* Append the cursor's current row. */
pgw_status pgwi_result_add_row(pgw_result *r, const pgw_conn *c, const pgw_value *vals,
                               uint16_t n);
pgw_status pgwi_result_set_tag(pgw_result *r, const char *tag, size_t len);

#endif
