/* pgwire — allocator hooks.
 *
 * An allocator is passed per object (connection, SCRAM state, buffer); there
 * is no process-wide allocator. NULL everywhere means libc malloc/realloc/free.
 * The sizes passed to realloc and free are the sizes originally requested, so
 * arena and pool allocators can be plugged in. */
#ifndef PGWIRE_PGWIRE_ALLOC_H
#define PGWIRE_PGWIRE_ALLOC_H

#include <stddef.h>

#include "pgwire/export.h"

typedef struct pgw_allocator {
    /** Return n bytes (n > 0) or NULL. */
    void *(*alloc)(void *ud, size_t n);
    /** Resize p (old_n bytes) to new_n bytes; NULL on failure (p untouched). */
    void *(*realloc)(void *ud, void *p, size_t old_n, size_t new_n);
    /** Release p, which was n bytes. Never called with NULL. */
    void (*free)(void *ud, void *p, size_t n);
    /** Passed back to every hook. */
    void *ud;
} pgw_allocator;

#endif
