/* pgw --binary: statements through the extended protocol, results in
 * binary format rendered on the client (pgw_render_bin()) exactly as the
 * server would print them. */
#ifndef PGWIRE_TOOLS_PGW_BINARY_H
#define PGWIRE_TOOLS_PGW_BINARY_H

#include <stdbool.h>

#include "app.h"

/** Set up the render state for a->conn. @return false when out of memory. */
bool pgwc_binary_init(app *a);

/** Release it (NULL-safe on a->binary). */
void pgwc_binary_free(app *a);

/** Replace the binary values of the current row (vals, as the cursor
 * gave them) by their text, rendered with the session's settings.
 * @return PGW_OK; the render failure (reported). Ownership: the texts are
 * borrowed until the next call. */
pgw_status pgwc_binary_values(app *a, pgw_cursor *cur, pgw_value *vals, uint16_t ncols);

/** Run one statement (as the splitter cut it) and print its result as
 * run_query() does. An error is shown against `display` (NULL: sql) with
 * its position moved by `offset` characters: the statement's place in the
 * string it was cut from. @return false when it failed. */
bool pgwc_binary_run(app *a, const char *sql, const char *display, size_t offset);

#endif
