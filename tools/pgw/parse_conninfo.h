/* pgw --parse-conninfo STRING: what a connection string sets. */
#ifndef PGWIRE_PGW_PARSE_CONNINFO_H
#define PGWIRE_PGW_PARSE_CONNINFO_H

/* Print each keyword=value STRING sets, one per line, in libpq 18's
 * keyword order, values raw; nothing from the environment, a service
 * file or the defaults. Returns the exit status: 0, or 1 with libpq's
 * error text on stderr for a malformed string (2 for a usage error). */
int pgwc_parse_conninfo(int argc, char **argv);

#endif
