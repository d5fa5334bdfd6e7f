/* src/io's part of connection strings: the service file, the password
 * file and the home directory, read from the file system and handed to
 * the pure parsers in src/conn (conninfo_int.h). */
#ifndef PGWIRE_IO_CONNINFO_IO_H
#define PGWIRE_IO_CONNINFO_IO_H

#include "conn/conninfo_int.h"
#include "io/io_int.h"

/* pgw_conn_new() with libpq's files: the service named by `service=` or
 * PGSERVICE fills the options the string leaves unset (before the
 * environment, as in libpq), then, when no password was given, the
 * password file supplies one. Returns what pgw_conn_new() returns; a
 * service error gives a broken connection with libpq's message
 * (PGW_E_INVALID). */
pgw_status pgwi_conn_new_env(pgw_conn **out, const pgw_conn_options *o);

/* Read a whole regular file of at most `max` bytes into an owned buffer
 * (NUL-terminated; free with pgwi_free(a, *data, *len + 1)).
 * PGW_OK; PGW_E_IO with *sys_errno (ENOENT, ...); PGW_E_TOO_LARGE;
 * PGW_E_NOMEM. */
pgw_status pgwi_read_file(const pgw_allocator *a, const char *path, size_t max, char **data,
                          size_t *len, int *sys_errno);

/* The home directory as libpq finds it: $HOME when set and non-empty,
 * else the user database. False when unknown or too long. */
bool pgwi_home_dir(pgw_getenv_fn ge, void *ud, char *buf, size_t len);

/* The effective user's home directory from the user database. */
bool pgwi_os_home(char *buf, size_t len);

/* Look up service `service` in the per-user file (PGSERVICEFILE, else
 * ~/.pg_service.conf) and then the system file (PGSYSCONFDIR, else the
 * compiled-in directory)/pg_service.conf, setting the vals[] slots (index
 * into pgwi_kw_table; owned strings) that are still NULL.
 * PGW_OK; PGW_E_INVALID with libpq's message; PGW_E_NOMEM. */
pgw_status pgwi_service_lookup(const pgw_allocator *a, pgw_getenv_fn ge, void *ud,
                               const char *service, char *vals[PGWI_KW_COUNT], char *errbuf,
                               size_t errlen);

/* When the connection has no password, take one from the password file
 * (passfile, else ~/.pgpass), as libpq does. Problems with the file are
 * warnings through the notice callback, never failures. PGW_OK or
 * PGW_E_NOMEM. */
pgw_status pgwi_pgpass_apply(pgw_conn *c, pgw_getenv_fn ge, void *ud);
/* The password .pgpass (opt[PGWI_OPT_PASSFILE], resolved by
 * pgwi_pgpass_apply) gives for one host entry of a list, or NULL. Owned by
 * the caller (c's allocator, strlen + 1 bytes; wipe it). */
pgw_status pgwi_pgpass_lookup(pgw_conn *c, const char *host, const char *hostaddr,
                              const char *port, char **out);

#endif
