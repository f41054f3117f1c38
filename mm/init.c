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

/* Exact only while no CPU allocates or frees frames (boot, or tests
 * between runs): the census reads page states without the owners' locks. */
void mm_frame_accounting(struct mm_frame_accounting *acct)
{
	struct mm_frame_accounting a = { .total = mem_npages,
					 .bootmem_used = bootmem_used_frames(),
					 .deferred = bootmem_deferred_frames() };
	uint64_t buddy_free = buddy_free_pages(), cached = frame_cached_pages();
	uint64_t reserved = bootmem_reserved_frames();

	for (uint64_t i = 0; i < mem_npages;) {
		const struct page *p = &mem_map[i];
		uint64_t n = 1;

		if (p->buddy) {
			n = 1ull << p->order;
			a.free += n;
		} else if (p->flags & PG_pcp) {
			n = 1ull << p->order;
			a.cached += n;
		} else if (p->flags & PG_reserved) {
			a.reserved++;
		} else if (frame_holds_free(mem_base_pfn + i)) {
			a.cached++;
		} else {
			a.used++;
		}
		i += n;
	}
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
