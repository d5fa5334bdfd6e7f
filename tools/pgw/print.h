/* pgw — printing query results in psql 15's formats.
 *
 * Unaligned (-A) and CSV (--csv) output is byte for byte psql's
 * (src/fe_utils/print.c): headers, the "(N rows)" footer, NULL as an empty
 * string, record and field separators, CSV quoting, and psql's removal of
 * invalid UTF-8 sequences. Rows are formatted as they arrive.
 *
 * psql prints a result only once it is complete, so a statement that fails
 * half-way through its rows prints just the error. pgw holds a result's
 * output back until the result completes or the held output passes
 * hold_bytes; only a failing result larger than that shows its first rows.
 * With fetch_count set (-v FETCH_COUNT=n), rows go out in groups of n, as
 * psql does with FETCH_COUNT.
 *
 * Aligned output (the default) is psql's aligned format with border 1 for
 * a result that fits in hold_bytes (and fetch_count rows, when set). A
 * larger result is printed in groups, each with its own column widths,
 * exactly as psql prints with FETCH_COUNT. */
#ifndef PGWIRE_TOOLS_PGW_PRINT_H
#define PGWIRE_TOOLS_PGW_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pgwire.h"

#include "text.h"

typedef enum pgwc_format {
    PGWC_FORMAT_ALIGNED = 0,
    PGWC_FORMAT_UNALIGNED = 1,
    PGWC_FORMAT_CSV = 2
} pgwc_format;

typedef struct pgwc_print_opts {
    pgwc_format format;
    bool tuples_only;       /**< -t: no header, no footer */
    const char *field_sep;  /**< -F (unaligned only); "|" by default */
    const char *record_sep; /**< -R (unaligned only); "\n" by default */
    char csv_sep;           /**< ',' */
    const char *null_print; /**< "" */
    pgwc_encoding enc;
    size_t fetch_count; /**< 0 = whole results (psql's default) */
    size_t hold_bytes;  /**< output held back per result; see above */
} pgwc_print_opts;

/** Defaults: aligned, "|" and "\n", ',', "", UTF-8, no fetch count, 1 MiB. */
void pgwc_print_opts_init(pgwc_print_opts *o);

/** One result being printed. Treat the fields as private. */
typedef struct pgwc_printer {
    pgwc_print_opts opt;
    FILE *out;
    pgwc_str pend;    /* formatted, not yet written */
    pgwc_str scratch; /* one CSV field before quoting */
    bool streaming;   /* the held-back limit was passed: write as we go */
    bool failed;      /* out of memory or a write error */
    /* the current result */
    uint16_t ncols;
    uint64_t nrows;      /* rows so far */
    uint64_t prior_rows; /* rows already printed in earlier groups */
    bool need_recordsep;
    bool header_done; /* aligned: the header went out with a group */
    char *aligns;     /* aligned: 'l' or 'r' per column */
    pgwc_str headers; /* aligned: the column names, NUL-separated */
    size_t *header_off;
    pgwc_str cells; /* aligned: the group's cells, NUL-separated */
    size_t *cell_off;
    size_t cell_cap;
    size_t group_rows;
} pgwc_printer;

void pgwc_printer_init(pgwc_printer *p, const pgwc_print_opts *o, FILE *out);
void pgwc_printer_free(pgwc_printer *p);

/** Start a result with rows. `names` and `types` have `ncols` entries. */
void pgwc_print_begin(pgwc_printer *p, uint16_t ncols, const char *const *names,
                      const uint32_t *types);
/** One row: `vals` has ncols entries (len -1 for NULL), text format. */
void pgwc_print_row(pgwc_printer *p, const pgw_value *vals);
/** The result is complete: footer, and everything written. */
void pgwc_print_end(pgwc_printer *p);
/** The statement failed before its result completed: drop what is still
 * held back (psql prints nothing of such a result). */
void pgwc_print_abort(pgwc_printer *p);

/** A command tag ("INSERT 0 1"), on a line of its own. */
void pgwc_print_status(pgwc_printer *p, const char *tag);

/** Write out anything pending (before a message goes to stderr). */
void pgwc_print_flush(pgwc_printer *p);

/** True once anything failed (out of memory, a write error). */
bool pgwc_print_failed(const pgwc_printer *p);

/** psql's alignment for a column type: 'r' for numbers, else 'l'. */
char pgwc_column_align(uint32_t type_oid);

/** Append `len` bytes of `s` to `out`, dropping invalid UTF-8 sequences as
 * psql does (mbvalidate) when enc is UTF-8. */
void pgwc_append_validated(pgwc_str *out, const char *s, size_t len, pgwc_encoding enc);

/** Append a CSV field, quoted when psql quotes it. */
void pgwc_append_csv_field(pgwc_str *out, const char *s, size_t len, char sep);

#endif
