/*
 * mm/frame_llfree.c - FRAME=llfree: the lock-free frame allocator of
 * Wrenger et al. ("LLFree: Scalable and Optionally-Persistent Page-Frame
 * Allocation", USENIX ATC 2023), mm/llfree.c, as the frame variant: the
 * state of the art the per-CPU page caches are raced against.
 *
 * Design. LLFree owns every free frame. The boot allocator hands the free
 * frames to the buddy as in the other variants (bootmem.c); frame_init
 * then takes every block the buddy holds into LLFree, which keeps its
 * metadata (bitfields, child and tree counters) in a block it took from
 * the buddy first, so that the census counts it as used. Frames handed to
 * the buddy later (mm_extend_reach) are taken the same way
 * (frame_memory_added), and so is anything the buddy holds when an
 * allocation is about to fail (frame_alloc_drained). The buddy is empty
 * otherwise: an allocation is one llfree_get on this CPU's reservation,
 * a free one llfree_put, and struct page is touched only to set the
 * order of what is handed out.
 * LLFree's free frames carry no mark in their struct pages, so the frame
 * census asks it (frame_holds_free).
 *
 * Orders: 0-9 as the paper gives them (bitfield words, then a whole child
 * as a huge frame); 10-18 by mm/llfree.c's fallback (consecutive whole
 * children, taken one compare-and-swap each and rolled back on failure).
 *
 * Locking: none. Every operation is lock-free (mm/llfree.c). A drain ends
 * every CPU's tree reservation, which any CPU may do for any other.
 *
 * Context. frame_alloc, frame_free, frame_drain_all, frame_cached_pages
 * and frame_holds_free: any, interrupts on or off. frame_init and
 * frame_memory_added: boot CPU, nothing else in mm/ running.
 */
#include "frame.h"

#include <mm/env.h>

#include "buddy.h"
#include "llfree.h"
#include "mm_internal.h"

const char frame_variant[] = "llfree";

static struct llfree llfree;

/* Every block the buddy holds becomes LLFree's. At boot each block goes
 * in whole (llfree_init_free); later, with other CPUs allocating, as
 * frees of at most 2^TAKE_ORDER frames: LLFree holds these frames as
 * allocated, and only blocks below a child's size free as bits. */
#define TAKE_ORDER (LLFREE_CHILD_ORDER - 1)

static void take_buddy_blocks(bool boot)
{
	for (unsigned order = MAX_PAGE_ORDER + 1; order-- > 0;) {
		struct page *page;

		while ((page = buddy_alloc(order)) != NULL) {
			uint64_t pfn = page_to_pfn_fast(page), end = pfn + (1ull << order);
			unsigned piece = order < TAKE_ORDER ? order : TAKE_ORDER;

			if (boot) {
				llfree_init_free(&llfree, pfn, order);
				continue;
			}
			for (; pfn < end; pfn += 1ull << piece)
				llfree_put(&llfree, env_cpu_id(), pfn, piece);
		}
	}
}

/* The smallest order whose block holds `bytes`. */
static unsigned order_for(size_t bytes)
{
	unsigned order = 0;

	while (((size_t)HAL_PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

void frame_init(void)
{
	uint64_t end = mem_base_pfn + mem_npages;
	size_t bytes = llfree_meta_bytes(mem_base_pfn, end);
	struct page *meta = buddy_alloc(order_for(bytes));

	if (meta == NULL)
		env_panic("mm: llfree: no free block of %llu KiB for the metadata of %llu frames",
			  (unsigned long long)(bytes >> 10), (unsigned long long)mem_npages);
	llfree_init(&llfree, page_to_virt(meta), mem_base_pfn, end);
	take_buddy_blocks(true);
}

void frame_cpu_init(void)
{
}

void frame_memory_added(void)
{
	take_buddy_blocks(true);
}

/* The head page of the block at pfn, with its order set, as the buddy
 * hands blocks out. */
static inline struct page *block_at(uint64_t pfn, unsigned order)
{
	struct page *page = pfn_to_page_fast(pfn);

	page->order = (uint8_t)order;
	return page;
}

struct page *frame_alloc(unsigned order)
{
	uint64_t pfn = llfree_get(&llfree, env_cpu_id(), order);

	if (__builtin_expect(pfn == LLFREE_NONE, 0))
		return frame_alloc_failed(order);
	return block_at(pfn, order);
}

void frame_free(struct page *page, unsigned order)
{
	llfree_put(&llfree, env_cpu_id(), page_to_pfn_fast(page), order);
}

/* The per-CPU state is a tree reservation: drained, its frames are
 * anyone's again. */
void frame_drain_all(void)
{
	for (unsigned cpu = 0; cpu < env_cpu_count(); cpu++)
		llfree_drain(&llfree, cpu);
}

/* Whatever reached the buddy since (the hosted tests move frames there
 * to test it alone) joins LLFree; llfree_get's own last resort is a scan
 * of every child, reservations or not: nothing is left after it. */
struct page *frame_alloc_drained(unsigned order)
{
	uint64_t pfn;

	take_buddy_blocks(false);
	pfn = llfree_get(&llfree, env_cpu_id(), order);

	return pfn != LLFREE_NONE ? block_at(pfn, order) : NULL;
}

uint64_t frame_cached_pages(void)
{
	return llfree_free_frames(&llfree);
}

bool frame_holds_free(uint64_t pfn)
{
	return llfree_is_free(&llfree, pfn);
}
