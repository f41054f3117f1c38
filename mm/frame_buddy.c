/*
 * mm/frame_buddy.c - FRAME=buddy, the baseline: no per-CPU layer. Every
 * frame allocation and free goes straight to the buddy allocator under its
 * one global lock (mm/buddy.c), the design of DragonOS and of Linux before
 * per-CPU page lists. What FRAME=pcp gains is measured against this; both
 * sit on the same buddy, lazy coalescing included, so the comparison is
 * of the per-CPU layer alone.
 *
 * No state of its own, so no locking beyond the buddy's; any context.
 */
#include "frame.h"

#include "buddy.h"
#include "mm_internal.h"

const char frame_variant[] = "buddy";

void frame_init(void)
{
}

/* Nothing per CPU. */
void frame_cpu_init(void)
{
}

/* They reach the buddy directly. */
void frame_memory_added(void)
{
}

struct page *frame_alloc(unsigned order)
{
	struct page *page = buddy_alloc(order);

	return page != NULL ? page : frame_alloc_failed(order);
}

void frame_free(struct page *page, unsigned order)
{
	buddy_free(page, order);
}

/* Nothing is ever cached. */
void frame_drain_all(void)
{
}

uint64_t frame_cached_pages(void)
{
	return 0;
}

bool frame_holds_free(uint64_t pfn)
{
	(void)pfn;
	return false;
}

struct page *frame_alloc_drained(unsigned order)
{
	return buddy_alloc(order);
}
