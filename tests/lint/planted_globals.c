/* Planted mutable global state for the globals self-test
 * (tests/lint/meson.build): check-globals.sh must report every writable
 * object below, and must not report the const tables at the end (a table
 * of pointers lands in .data.rel.ro under -fPIC, which nm also prints as
 * 'd'). Never linked into anything. */
#include <stddef.h>

int lint_planted_counter_next(void);
const char *lint_planted_name(size_t i);
int lint_planted_tls_bump(void);

/* .bss: a zero-initialised static. */
static int planted_bss_counter;
/* .data: an initialised global. */
int planted_data_limit = 42;
/* .tbss: per-thread state is still state shared by every connection on a
 * thread. */
static _Thread_local int planted_tls_depth;

int lint_planted_counter_next(void)
{
    /* .bss again, hidden inside a function. */
    static int planted_static_local;
    planted_static_local++;
    return ++planted_bss_counter + planted_data_limit + planted_static_local;
}

int lint_planted_tls_bump(void)
{
    return ++planted_tls_depth;
}

/* Constants: never reported. */
static const char *const planted_const_names[] = {"one", "two", "three"};

const char *lint_planted_name(size_t i)
{
    return i < 3 ? planted_const_names[i] : NULL;
}
