/* A pgw_allocator for tests: fails the Nth allocation, counts live blocks
 * and bytes so a test can assert that nothing leaked, and checks that every
 * free and realloc passes back the size the block was allocated with (the
 * contract of pgw_allocator), aborting on a mismatch or a foreign pointer.
 *
 *     failing_alloc fa;
 *     failing_alloc_init(&fa, 3);                 // third allocation fails
 *     rc = pgw_something_new(&x, failing_alloc_get(&fa));
 *     ...
 *     assert_int_equal(fa.live_blocks, 0);
 *
 * Not thread-safe: one failing_alloc per thread. */
#ifndef PGWIRE_TESTS_SUPPORT_FAILING_ALLOC_H
#define PGWIRE_TESTS_SUPPORT_FAILING_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "pgwire/alloc.h"

typedef struct failing_alloc {
    pgw_allocator hooks;  /**< points back at this struct through ud */
    size_t fail_at;       /**< 1-based allocation to fail; 0 = never */
    bool fail_after;      /**< also fail every allocation after fail_at */
    size_t calls;         /**< allocations attempted (alloc and realloc) */
    size_t failures;      /**< allocations refused */
    size_t live_blocks;   /**< blocks allocated and not yet freed */
    size_t live_bytes;    /**< their total size */
    size_t peak_bytes;    /**< highest live_bytes seen */
    size_t max_block;     /**< refuse any single request above this; 0 = no cap
                               (hostile tests: a huge allocation must never be
                               attempted, so it fails loudly instead of paging) */
    size_t largest_request; /**< biggest size asked for, granted or not */
} failing_alloc;

/** Reset counters; fail the fail_at-th allocation (0 = never). */
void failing_alloc_init(failing_alloc *fa, size_t fail_at);
/** The allocator to pass to pgwire. Ownership: borrowed — valid as long as fa. */
const pgw_allocator *failing_alloc_get(failing_alloc *fa);
/** true when every block was freed. */
bool failing_alloc_clean(const failing_alloc *fa);

#endif
