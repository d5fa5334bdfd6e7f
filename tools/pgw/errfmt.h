/* pgw — server errors and notices as psql 15 prints them.
 *
 * psql prints the text libpq builds (fe-protocol3.c, pqBuildErrorMessage3)
 * with the default verbosity and psql's SHOW_CONTEXT=errors:
 *
 *     ERROR:  message
 *     LINE 2: the line of the query holding the error position
 *                  ^
 *     DETAIL:  ...
 *     HINT:  ...
 *     QUERY:  internal query
 *     CONTEXT:  ...            (errors only, not notices)
 *
 * The LINE/caret display follows libpq's reportErrorPosition: the position
 * counts characters of the client encoding, each character advances the
 * caret by its display width (wide characters 2, combining characters and
 * control characters 1, a tab 1 and is printed as a space), and a line
 * longer than 60 columns is cut to a window around the position with "..."
 * on the cut side(s). */
#ifndef PGWIRE_TOOLS_PGW_ERRFMT_H
#define PGWIRE_TOOLS_PGW_ERRFMT_H

#include <stdbool.h>

#include "pgwire.h"

#include "text.h"

/** Append the message for a server error (is_error true) or notice to
 * `out`, each line ending with '\n'.
 * @param e      the error or notice fields
 * @param query  the query string that was sent (for the position display);
 *               NULL when unknown
 * @param enc    the client encoding */
void pgwc_format_server_message(pgwc_str *out, const pgw_error *e, const char *query,
                                pgwc_encoding enc, bool is_error);

/** Append the "LINE n: ..." and caret lines for 1-based character position
 * `pos` in `query` (nothing when pos is out of range). */
void pgwc_format_error_position(pgwc_str *out, const char *query, long pos, pgwc_encoding enc);

#endif
