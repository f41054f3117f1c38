/*
 * mm/bootmem.c - the boot allocator: a bump allocator over the firmware
 * memory map, alive from mm_init's first step until the buddy takes over.
 *
 * Design. bootmem_init checks the map and the reserved ranges, then cuts
 * usable RAM (each usable entry shrunk to whole frames) minus the reserved
 * ranges (grown to whole frames) into sorted free ranges of frames. Each
 * range has a bump pointer: [start, next) has been handed out, [next, end)
 * is still free. bootmem_alloc takes whole frames from the first range
 * with room, first fit, so there is never padding to lose. Its first
 * client is the frame map (mem_map) itself.
 *
 * Handoff. bootmem_handoff walks the frame map's span once: frames between
 * the ranges (holes, firmware entries, reserved ranges, partial frames at
 * unaligned edges) become PG_reserved; [start, next) of each range stays
 * as it is, used; [next, end) goes to the buddy. Every frame of the span
 * is thus in exactly one class, and the counts of used and reserved frames
 * kept here let mm_frame_accounting prove that nothing was lost.
 *
 * Reach. Early on the direct map may cover only part of RAM (the kernel's
 * boot tables map 4 GiB). Frames at or above bootmem.reach are never
 * handed out and not given to the buddy at handoff; they wait, counted as
 * deferred (and by the census as used), until bootmem_extend_reach: the
 * kernel's own direct map, built with tables from the buddy, now covers
 * them.
 *
 * Bad input (no usable RAM, overlapping map entries, an entry that is
 * empty or whose end overflows, more entries than the static tables hold)
 * is rejected with a negative errno and a line through env_log; the
 * allocator then stays closed.
 *
 * Locking and context: none. Boot CPU only, with nothing else running
 * (mm_init); the tables are static because there is no allocator yet.
 */
#include "bootmem.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <mm/env.h>
#include <mm/hal.h>

#include "buddy.h"
#include "page.h"

/* Each reserved range splits at most one usable entry in two. */
#define BOOTMEM_MAX_RANGES (BOOTMEM_MAX_MAP + BOOTMEM_MAX_RESERVED)

struct pfn_span {
	uint64_t start, end;
};

struct bootmem_range {
	uint64_t start, next, end; /* pfns: [start, next) used, [next, end) free */
};

static struct {
	struct bootmem_range range[BOOTMEM_MAX_RANGES];
	unsigned nranges;
	uint64_t used_frames, reserved_frames;
	uint64_t reach;           /* pfn: frames from here on wait for the direct map */
	uint64_t deferred_frames; /* free frames at or above reach */
	bool open; /* between bootmem_init and bootmem_handoff */
} bootmem;

/* Sorted copies of the input, scratch for bootmem_init. */
static struct mm_region sorted_map[BOOTMEM_MAX_MAP];
static struct pfn_span sorted_reserved[BOOTMEM_MAX_RESERVED];

typedef unsigned long long ull; /* for printing: the kernel's format has no PRIx64 */

static uint64_t pfn_up(uint64_t addr)
{
	return (addr >> HAL_PAGE_SHIFT) + ((addr & (HAL_PAGE_SIZE - 1)) != 0);
}

static int check_regions(const char *what, const struct mm_region *r, unsigned n, unsigned max)
{
	if (n > max) {
		env_log("mm: %u %s entries, at most %u supported", n, what, max);
		return -E2BIG;
	}
	for (unsigned i = 0; i < n; i++) {
		if (r[i].size == 0) {
			env_log("mm: %s entry %u at %#llx is empty", what, i, (ull)r[i].base);
			return -EINVAL;
		}
		if (r[i].size > UINT64_MAX - r[i].base) {
			env_log("mm: %s entry %u: %#llx + %#llx overflows", what, i,
				(ull)r[i].base, (ull)r[i].size);
			return -EINVAL;
		}
	}
	return 0;
}

/* Insertion sorts: at most a few hundred entries, once per boot. */
static void sort_map(const struct mm_region *map, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned j = i;

		for (; j > 0 && sorted_map[j - 1].base > map[i].base; j--)
			sorted_map[j] = sorted_map[j - 1];
		sorted_map[j] = map[i];
	}
}

static void sort_reserved(const struct mm_region *reserved, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct pfn_span s = { reserved[i].base >> HAL_PAGE_SHIFT,
				      pfn_up(reserved[i].base + reserved[i].size) };
		unsigned j = i;

		for (; j > 0 && sorted_reserved[j - 1].start > s.start; j--)
			sorted_reserved[j] = sorted_reserved[j - 1];
		sorted_reserved[j] = s;
	}
}

static int check_overlaps(unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		const struct mm_region *a = &sorted_map[i - 1], *b = &sorted_map[i];

		if (b->base < a->base + a->size) {
			env_log("mm: memory map entries [%#llx, %#llx) and [%#llx, %#llx) overlap",
				(ull)a->base, (ull)(a->base + a->size), (ull)b->base,
				(ull)(b->base + b->size));
			return -EINVAL;
		}
	}
	return 0;
}

static void add_range(uint64_t start, uint64_t end)
{
	bootmem.range[bootmem.nranges++] = (struct bootmem_range){ start, start, end };
}

/* Adds the frames of [start, end) that no reserved range covers. */
static void add_usable(uint64_t start, uint64_t end, unsigned nreserved)
{
	for (unsigned i = 0; i < nreserved && start < end; i++) {
		const struct pfn_span *r = &sorted_reserved[i];

		if (r->end <= start)
			continue;
		if (r->start >= end)
			break;
		if (r->start > start)
			add_range(start, r->start);
		start = r->end;
	}
	if (start < end)
		add_range(start, end);
}

int bootmem_init(const struct mm_region *map, unsigned nmap, const struct mm_region *reserved,
		 unsigned nreserved, uint64_t reach, uint64_t *base_pfn, uint64_t *npages)
{
	uint64_t lo = UINT64_MAX, hi = 0, free_frames = 0;
	int err;

	bootmem.open = false;
	err = check_regions("memory map", map, nmap, BOOTMEM_MAX_MAP);
	if (err == 0)
		err = check_regions("reserved range", reserved, nreserved, BOOTMEM_MAX_RESERVED);
	if (err != 0)
		return err;
	sort_map(map, nmap);
	err = check_overlaps(nmap);
	if (err != 0)
		return err;
	sort_reserved(reserved, nreserved);

	bootmem.nranges = 0;
	for (unsigned i = 0; i < nmap; i++) {
		const struct mm_region *r = &sorted_map[i];
		uint64_t start = pfn_up(r->base), end = (r->base + r->size) >> HAL_PAGE_SHIFT;

		if (!r->usable || start >= end)
			continue;
		if (start < lo)
			lo = start;
		hi = end;
		add_usable(start, end, nreserved);
	}
	if (lo >= hi) {
		env_log("mm: no usable RAM in the memory map (%u entries)", nmap);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < bootmem.nranges; i++)
		free_frames += bootmem.range[i].end - bootmem.range[i].start;
	if (free_frames == 0) {
		env_log("mm: reserved ranges cover all usable RAM");
		return -ENOMEM;
	}
	bootmem.used_frames = 0;
	bootmem.deferred_frames = 0;
	bootmem.reach = reach >> HAL_PAGE_SHIFT;
	bootmem.reserved_frames = (hi - lo) - free_frames;
	bootmem.open = true;
	*base_pfn = lo;
	*npages = hi - lo;
	return 0;
}

void *bootmem_alloc(size_t bytes)
{
	uint64_t n = pfn_up(bytes);

	if (!bootmem.open)
		env_panic("mm: bootmem_alloc(%zu) after the buddy took over", bytes);
	for (unsigned i = 0; i < bootmem.nranges; i++) {
		struct bootmem_range *r = &bootmem.range[i];
		void *va;

		uint64_t end = r->end < bootmem.reach ? r->end : bootmem.reach;

		if (r->next >= end || end - r->next < n)
			continue;
		va = hal_phys_to_virt(PFN_PHYS(r->next));
		r->next += n;
		bootmem.used_frames += n;
		memset(va, 0, n << HAL_PAGE_SHIFT);
		return va;
	}
	return NULL;
}

static void mark_reserved(uint64_t start, uint64_t end)
{
	for (uint64_t pfn = start; pfn < end; pfn++)
		pfn_to_page_fast(pfn)->flags |= PG_reserved;
}

/* Gives the buddy the free frames of every range within [from, to). */
static uint64_t free_between(uint64_t from, uint64_t to)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < bootmem.nranges; i++) {
		const struct bootmem_range *r = &bootmem.range[i];
		uint64_t lo = r->next > from ? r->next : from, hi = r->end < to ? r->end : to;

		if (lo < hi) {
			buddy_add_free_range(lo, hi);
			n += hi - lo;
		}
	}
	return n;
}

void bootmem_handoff(void)
{
	uint64_t pfn = mem_base_pfn, free = 0;

	for (unsigned i = 0; i < bootmem.nranges; i++) {
		const struct bootmem_range *r = &bootmem.range[i];

		mark_reserved(pfn, r->start);
		free += r->end - r->next;
		pfn = r->end;
	}
	mark_reserved(pfn, mem_base_pfn + mem_npages);
	bootmem.deferred_frames = free - free_between(0, bootmem.reach);
	bootmem.open = false;
}

void bootmem_extend_reach(uint64_t reach)
{
	uint64_t pfn = reach >> HAL_PAGE_SHIFT;

	if (bootmem.open)
		env_panic("mm: bootmem_extend_reach before the handoff");
	if (pfn <= bootmem.reach)
		return;
	bootmem.deferred_frames -= free_between(bootmem.reach, pfn);
	bootmem.reach = pfn;
}

uint64_t bootmem_deferred_frames(void)
{
	return bootmem.deferred_frames;
}

uint64_t bootmem_used_frames(void)
{
	return bootmem.used_frames;
}

uint64_t bootmem_reserved_frames(void)
{
	return bootmem.reserved_frames;
}
