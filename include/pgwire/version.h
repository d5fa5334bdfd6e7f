/* pgwire — version numbers. This header is the single source of truth:
 * meson.build reads PGW_VERSION_* from it. */
#ifndef PGWIRE_PGWIRE_VERSION_H
#define PGWIRE_PGWIRE_VERSION_H

#include "pgwire/export.h"

#define PGW_VERSION_MAJOR 0
#define PGW_VERSION_MINOR 1
#define PGW_VERSION_PATCH 0

PGW_BEGIN_DECLS

/** Runtime version of the library, e.g. "0.1.0".
 * Ownership: static string, never freed. */
PGW_API const char *pgw_version(void);

PGW_END_DECLS

#endif
