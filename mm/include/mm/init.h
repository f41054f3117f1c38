/*
 * mm/init.h - bringing up the memory-management stack, and its frame
 * accounting.
 *
 * Boot order: mm_init() on the boot CPU with the firmware memory map and
 * the ranges that must never be allocated (kernel image, boot modules);
 * it starts the bump allocator, builds the frame map, hands every frame it
 * did not use to the buddy and creates the kmalloc caches. Then each CPU
 * (the boot CPU included) calls mm_cpu_init() once before it allocates.
 *
 * Accounting is in frames and covers every frame of the map:
 *   total = free + cached + used + reserved
 * where cached frames sit in per-CPU caches, used ones were handed out
 * (by the bump allocator or the buddy), and reserved ones never were RAM
 * the allocator may use (holes, firmware ranges, the kernel image).
 *
 * Fragmentation is counted in the same walk, the way LLFree (Wrenger et
 * al., ATC 2023) measures it: free_huge is the number of huge frames
 * (2^MM_HUGE_ORDER frames, the mapper's large page: 2 MiB), aligned in
 * physical memory, whose frames are all free or cached, so that
 * (free_huge << MM_HUGE_ORDER) / (free + cached) is the share of free
 * memory that a huge allocation could have.
 */
#ifndef MM_INIT_H
#define MM_INIT_H

#include <stdbool.h>
#include <stdint.h>

#include <mm/hal.h>

#define MM_HUGE_ORDER (HAL_LARGE_PAGE_SHIFT - HAL_PAGE_SHIFT)

struct mm_region {
	uint64_t base, size; /* bytes, physical */
	bool usable;         /* RAM the allocator may use */
};

struct mm_frame_accounting {
	uint64_t total, free, cached, used, reserved;
	uint64_t bootmem_used; /* of `used`: taken by the bump allocator */
	uint64_t deferred;     /* of `used`: free RAM the direct map does not reach yet */
	uint64_t free_huge;    /* aligned huge frames wholly free or cached */
};

/* Returns 0, or a negative errno (with a message through env_log) if the
 * map is unusable (no RAM, overlapping or absurd regions). */
int mm_init(const struct mm_region *map, unsigned nmap, const struct mm_region *reserved,
	    unsigned nreserved);
void mm_cpu_init(void);

/*
 * For an environment whose direct map reaches only the RAM below the
 * physical address reach at first (the kernel's boot page tables): as
 * mm_init, but nothing at or above reach is touched or handed out; those
 * frames wait, accounted as deferred, until mm_extend_reach says the
 * direct map covers them (after the kernel mapper has mapped them, with
 * tables from below the old reach). mm_init is mm_init_reachable with no
 * limit. Boot CPU, nothing else in mm/ running.
 */
int mm_init_reachable(const struct mm_region *map, unsigned nmap,
		      const struct mm_region *reserved, unsigned nreserved, uint64_t reach);
void mm_extend_reach(uint64_t reach);

/* Exact only while no CPU allocates or frees frames (it reads page states
 * without their owners' locks) and panics if the census and the
 * allocators' counters disagree. Any context; O(frames). */
void mm_frame_accounting(struct mm_frame_accounting *acct);
/* Gives back what the caches keep: every slab cache's empty slabs, then
 * every CPU's page cache, to the buddy (on every CPU: thread context,
 * interrupts on). What is then in use is in use by someone, so that
 * accounting between two runs is exact. */
void mm_drain_caches(void);
/* Free frames (the buddy's and the frame variant's), from their counters:
 * O(1) (FRAME=llfree: a sum over every 2 MiB of RAM), exact while nothing
 * allocates or frees, close otherwise. */
uint64_t mm_free_frames(void);

/* Variant names, for the boot banner and every result. */
const char *mm_variant_frame(void);
const char *mm_variant_slab(void);

#endif
