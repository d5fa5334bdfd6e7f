/* A memory wipe the optimiser may not drop as a dead store.
 *
 * explicit_bzero (glibc >= 2.25, musl >= 1.1.20, the BSDs) is the
 * documented way; src/crypto/meson.build defines PGWI_HAVE_EXPLICIT_BZERO
 * when libc has it. Otherwise every byte is stored through a volatile
 * pointer, and a compiler barrier keeps the zeroed object "used". */
#include <string.h>

#include "crypto/builtin_int.h"

void pgwi_builtin_wipe(void *p, size_t len)
{
    if (p == NULL || len == 0)
        return;
#ifdef PGWI_HAVE_EXPLICIT_BZERO
    explicit_bzero(p, len);
#else
    volatile unsigned char *v = p;
    while (len-- > 0)
        *v++ = 0;
#if defined(__GNUC__) || defined(__clang__)
    __asm__ __volatile__("" : : "r"(p) : "memory");
#endif
#endif
}
