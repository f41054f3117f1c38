/*
 * mm_fixture.h - a fresh memory-management stack for each hosted test.
 *
 *	TEST(my_test)
 *	{
 *		mm_fixture_setup(MM_FIXTURE_RAM);
 *		... allocate and free ...
 *		MM_FIXTURE_CHECK_ACCOUNTING();
 *	}
 *
 * mm_fixture_setup(ram_bytes) maps simulated RAM (hosted_phys_init), runs
 * mm_init with the realistic map below and mm_cpu_init, and records the
 * settled accounting as the test's starting point (mm_fixture_start). Any
 * failure there panics: no test can run on a broken fixture. Everything
 * from an earlier setup is gone, memory and pointers alike.
 *
 * MM_FIXTURE_CHECK_ACCOUNTING() settles the stack (slab_reclaim, then
 * frame_drain_all: cached frames are not leaks) and fails the test, at
 * the caller's line, for every accounting field that is not exactly what
 * it was after setup. Call it on the main thread, with no CPUs running.
 *
 * The map (mm_fixture_layout), for simulated RAM at P = HOSTED_PHYS_START
 * of R = ram_bytes bytes:
 *   usable              [P, P + R/2)                 low RAM
 *   reserved range      [P + 1 MiB, P + 3 MiB + 2 KiB) the kernel image
 *                                                    (unaligned end)
 *   map, not usable     [P + R/2, P + R/2 + 1 MiB)   firmware tables
 *   not in the map      [P + R/2 + 1 MiB, P + R/2 + 2 MiB)   a hole
 *   usable              [P + R/2 + 2 MiB, P + R - 2 KiB)     high RAM,
 *                                                    last frame partial
 * The entries are listed out of address order, as firmware may.
 */
#ifndef MM_FIXTURE_H
#define MM_FIXTURE_H

#include <stdint.h>

#include <mm/init.h>

#define MM_FIXTURE_RAM (64ull << 20)
#define MM_FIXTURE_MIN_RAM (16ull << 20)

struct mm_fixture_layout {
	struct mm_region map[3];
	unsigned nmap;
	struct mm_region reserved[1];
	unsigned nreserved;
	uint64_t free_frames; /* usable frames outside reserved ranges */
};

extern struct mm_frame_accounting mm_fixture_start;

/* The map above for ram_bytes (a multiple of 4 MiB, >= MM_FIXTURE_MIN_RAM). */
void mm_fixture_layout(uint64_t ram_bytes, struct mm_fixture_layout *layout);
void mm_fixture_setup(uint64_t ram_bytes);
/*
 * Moves every free frame into the buddy, whatever the frame variant keeps
 * (per-CPU caches, or all of them with FRAME=llfree): takes every frame
 * through alloc_page, then frees each to the buddy and coalesces it. The
 * variant gets them back as it asks the buddy (FRAME=llfree: when an
 * allocation is about to fail). For tests of the buddy itself, and of
 * what the buddy says about free memory.
 */
void mm_fixture_frames_to_buddy(void);
/* mm_fixture_setup, then the above: the starting point has every free
 * frame in the buddy. */
void mm_fixture_setup_buddy(uint64_t ram_bytes);
/* Returns cached and reclaimable frames, then takes the accounting. */
void mm_fixture_settle(struct mm_frame_accounting *acct);
/* Where settled accounting keeps the free frames: in the buddy (`free`),
 * or, with a variant that holds them itself (FRAME=llfree), in `cached`:
 * settling empties every other cache. */
static inline uint64_t *mm_fixture_free_class(struct mm_frame_accounting *a)
{
	return a->cached != 0 ? &a->cached : &a->free;
}
void mm_fixture_check_accounting(const char *file, int line);

#define MM_FIXTURE_CHECK_ACCOUNTING() mm_fixture_check_accounting(__FILE__, __LINE__)

#endif
