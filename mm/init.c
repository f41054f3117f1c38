/*
 * mm/init.c - bringing up the memory-management stack (<mm/init.h>), and
 * the frame accounting that proves no frame was lost.
 *
 * Boot order (mm_init, boot CPU): the boot allocator checks the firmware
 * map and the reserved ranges; the frame map (mem_map, one struct page
 * per frame from the first to the last usable frame) is its first
 * allocation; the boot allocator marks every frame that is not usable RAM
 * PG_reserved and hands every usable frame it did not give out to the
 * buddy; the frame variant sets up its per-CPU caches; the slab layer
 * creates the kmalloc caches. Then each CPU calls mm_cpu_init.
 *
 * mm_init may be called again (the hosted tests do, once per test): it
 * rebuilds all state from the new map and forgets the old, so every frame
 * and object from before is gone. It is not safe while any CPU is inside
 * mm/ or holds memory from it. After a failed mm_init the stack is not
 * initialized (mem_npages is 0) until a call succeeds.
 *
 * Accounting (mm_frame_accounting) is a census: one walk over mem_map
 * puts every frame in exactly one class by its head page's state
 * (page->buddy: free, PG_pcp: cached, PG_reserved: reserved; else
 * cached if the frame variant holds it free (frame_holds_free), otherwise
 * used), and the classes are checked against the counters kept by the
 * buddy, the per-CPU caches and the boot allocator. A disagreement means
 * a frame was lost or counted twice, and panics.
 *
 * The same walk measures fragmentation (free_huge, <mm/init.h>): each
 * maximal run of consecutive free or cached frames contributes the
 * aligned huge frames that lie wholly inside it. It is one measure for
 * every frame variant, from what the census already trusts: a buddy
 * block or a per-CPU cache's block by its head page, a frame LLFree holds
 * by frame_holds_free. A variant cannot hide a free frame from it, since
 * the census would then disagree with that variant's counter and panic.
 * Frames in per-CPU caches count as free, although a huge allocation gets
 * them only after the drain that the page allocator does before it fails
 * (frame_alloc_failed); blocks the buddy has not yet merged (lazy
 * coalescing) count the same way, since the buddy merges them on demand.
 *
 * Locking and context of the census: it takes no lock and may be called
 * from any context, but it is exact only while no CPU allocates or frees
 * frames (boot, tests between runs, a benchmark between its phases);
 * otherwise it may read a block mid-change and panic.
 */
#include <mm/init.h>

#include <errno.h>

#include <mm/env.h>

#include "bootmem.h"
#include "buddy.h"
#include "frame.h"
#include "mm_internal.h"
#include "page.h"
#include "slab_internal.h"

typedef unsigned long long ull; /* for printing: the kernel's format has no PRIx64 */

struct page *mem_map;
uint64_t mem_base_pfn, mem_npages;
uintptr_t mem_map_by_vpn;

int mm_init(const struct mm_region *map, unsigned nmap, const struct mm_region *reserved,
	    unsigned nreserved)
{
	return mm_init_reachable(map, nmap, reserved, nreserved, UINT64_MAX);
}

int mm_init_reachable(const struct mm_region *map, unsigned nmap,
		      const struct mm_region *reserved, unsigned nreserved, uint64_t reach)
{
	uint64_t base_pfn, npages;
	int err;

	mem_map = NULL;
	mem_npages = 0;
	zero_page_reset();
	commit_reset();
	err = bootmem_init(map, nmap, reserved, nreserved, reach, &base_pfn, &npages);
	if (err != 0)
		return err;
	mem_map = bootmem_alloc(npages * sizeof(struct page));
	if (mem_map == NULL) {
		env_log("mm: no usable range holds the frame map (%llu frames, %llu KiB)",
			(ull)npages, (ull)(npages * sizeof(struct page) >> 10));
		return -ENOMEM;
	}
	mem_base_pfn = base_pfn;
	mem_npages = npages;
	mem_map_by_vpn = (uintptr_t)mem_map -
			 ((uintptr_t)hal_phys_to_virt(PFN_PHYS(base_pfn)) >> HAL_PAGE_SHIFT) *
				 sizeof(struct page);
	buddy_init();
	bootmem_handoff();
	frame_init();
	slab_init();
	return 0;
}

void mm_extend_reach(uint64_t reach)
{
	bootmem_extend_reach(reach);
	frame_memory_added();
}

void mm_cpu_init(void)
{
	frame_cpu_init();
	slab_cpu_init();
	/* Made by the first CPU up, before anyone counts frames in use
	 * (aspace_create makes sure of it, should this fail). */
	zero_page();
}

/* The aligned huge frames wholly inside the frames [start, end). */
static uint64_t huge_frames_in(uint64_t start, uint64_t end)
{
	uint64_t first = (start + (1ull << MM_HUGE_ORDER) - 1) >> MM_HUGE_ORDER;
	uint64_t last = end >> MM_HUGE_ORDER;

	return last > first ? last - first : 0;
}

void mm_frame_accounting(struct mm_frame_accounting *acct)
{
	struct mm_frame_accounting a = { .total = mem_npages,
					 .bootmem_used = bootmem_used_frames(),
					 .deferred = bootmem_deferred_frames() };
	uint64_t buddy_free = buddy_free_pages(), cached = frame_cached_pages();
	uint64_t reserved = bootmem_reserved_frames();
	uint64_t run = mem_base_pfn;	/* where the current run of free frames began */

	for (uint64_t i = 0; i < mem_npages;) {
		const struct page *p = &mem_map[i];
		uint64_t n = 1;
		bool taken = false;

		if (p->buddy) {
			n = 1ull << p->order;
			a.free += n;
		} else if (p->flags & PG_pcp) {
			n = 1ull << p->order;
			a.cached += n;
		} else if (p->flags & PG_reserved) {
			a.reserved++;
			taken = true;
		} else if (frame_holds_free(mem_base_pfn + i)) {
			a.cached++;
		} else {
			a.used++;
			taken = true;
		}
		if (taken) {
			a.free_huge += huge_frames_in(run, mem_base_pfn + i);
			run = mem_base_pfn + i + 1;
		}
		i += n;
	}
	a.free_huge += huge_frames_in(run, mem_base_pfn + mem_npages);
	if (a.free != buddy_free || a.cached != cached || a.reserved != reserved ||
	    a.used < a.bootmem_used + a.deferred || a.free + a.cached + a.used + a.reserved != a.total)
		env_panic("mm: frame accounting broken: %llu frames, census free %llu cached %llu "
			  "used %llu reserved %llu; counters free %llu cached %llu reserved %llu "
			  "bootmem %llu",
			  (ull)a.total, (ull)a.free, (ull)a.cached, (ull)a.used, (ull)a.reserved,
			  (ull)buddy_free, (ull)cached, (ull)reserved, (ull)a.bootmem_used);
	*acct = a;
}

void mm_drain_caches(void)
{
	slab_shrink_all();
	frame_drain_all();
}

uint64_t mm_free_frames(void)
{
	return buddy_free_pages() + frame_cached_pages();
}

const char *mm_variant_frame(void)
{
	return frame_variant;
}

const char *mm_variant_slab(void)
{
	return slab_variant;
}
