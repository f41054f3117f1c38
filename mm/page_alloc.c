/*
 * mm/page_alloc.c - the page allocator's C interface (<mm/gfp.h>) on top
 * of the frame variant chosen by the build (frame.h: FRAME=pcp, buddy or
 * llfree).
 *
 * Design. This layer adds what every variant needs once: the gfp API with
 * Linux's names, __GFP_ZERO, the failure path, and the debug checks. The
 * fast path (alloc_pages without __GFP_ZERO) is a jump into the variant,
 * which keeps nothing live across a call; zeroing and the debug checks
 * take an out-of-line path. The failure path (frame_alloc_failed, which
 * the variant calls when it finds no block) asks the slab layer to give
 * back what it can, drains every CPU's page cache, and asks the variant
 * once more (frame_alloc_drained: the buddy, or LLFree's full scan).
 * Reclaim comes before the drain because the frames it frees land in
 * this CPU's cache, and the drain then returns them to the buddy too,
 * where they can merge into the block this allocation needs. So an
 * allocation fails only when no frame sat in a cache at the time of the
 * drain.
 *
 * Debug mode (MM_DEBUG, mm/debug.h). Every frame freed through this
 * interface is filled with MM_POISON_FREE_PAGE and marked PG_poisoned;
 * when it is handed out again the pattern is checked, which catches
 * writes after free. The head of each block handed out carries
 * PG_allocated and its order, which catches a double free (no
 * PG_allocated but PG_poisoned: freed before), a free of a frame never
 * allocated (neither: reserved, boot-allocated, never handed out, or a
 * tail page), and a free with the wrong order.
 * Each is an env_panic naming the frame (pfn and address), the order and
 * the caller. The flags live in every frame's struct page and only this
 * file touches them, so they survive the buddy's splits and merges.
 *
 * Locking: none here. A page's flags are written only by whoever owns the
 * block (this file, on the allocating or freeing caller's side), and the
 * owner changes only through the variant's locks.
 *
 * Context: any, interrupts on or off (the variant's locks disable them).
 */
#include <mm/gfp.h>

#include <string.h>

#include <mm/env.h>

#include "debug.h"
#include "frame.h"
#include "mm_internal.h"
#include "page.h"

typedef unsigned long long ull; /* for printing: the kernel's format has no PRIx64 */

static __attribute__((noinline, noreturn)) void frame_bug(const char *what,
							  const struct page *page,
							  unsigned order, const void *caller)
{
	env_panic("mm: %s: frame pfn %#llx (%p), order %u, caller %p", what,
		  (ull)page_to_pfn_fast(page), page_to_virt(page), order, caller);
}

static bool is_frame(const struct page *page)
{
	uintptr_t off = (uintptr_t)page - (uintptr_t)mem_map;

	return page >= mem_map && page < mem_map + mem_npages && off % sizeof(*page) == 0;
}

/* Debug: the block is fresh from the variant; check and clear the poison. */
static void debug_alloc(struct page *page, unsigned order, const void *caller)
{
	if (page->flags & PG_allocated)
		frame_bug("allocator handed out an allocated block", page, order, caller);
	for (uint64_t i = 0; i < 1ull << order; i++) {
		struct page *p = page + i;
		const unsigned char *bad;

		if (!(p->flags & PG_poisoned))
			continue;
		bad = mm_poison_find(page_to_virt(p), HAL_PAGE_SIZE, MM_POISON_FREE_PAGE);
		if (bad != NULL)
			env_panic("mm: use after free: byte %#x at %p, in frame pfn %#llx (%p) of "
				  "a freed block, written after the free; found allocating order "
				  "%u at pfn %#llx, caller %p",
				  *bad, (const void *)bad, (ull)page_to_pfn_fast(p),
				  page_to_virt(p), order, (ull)page_to_pfn_fast(page), caller);
		p->flags &= ~(uint32_t)PG_poisoned;
	}
	page->flags |= PG_allocated;
}

/* Debug: the caller claims to own this block of `order`; prove it, then
 * poison the block. */
static void debug_free(struct page *page, unsigned order, const void *caller)
{
	uint32_t flags;

	if (!is_frame(page))
		env_panic("mm: free of %p, not a frame's struct page (order %u), caller %p",
			  (const void *)page, order, caller);
	flags = page->flags;
	if (order > MAX_PAGE_ORDER)
		frame_bug("free with an order above MAX_PAGE_ORDER", page, order, caller);
	if (!(flags & PG_allocated))
		frame_bug(flags & PG_poisoned ? "double free" : "free of a frame never allocated",
			  page, order, caller);
	if (flags & PG_object)
		frame_bug("free of a frame that a memory object owns", page, order, caller);
	if (page->order != order)
		env_panic("mm: free with the wrong order: frame pfn %#llx (%p), order %u, "
			  "allocated as order %u, caller %p",
			  (ull)page_to_pfn_fast(page), page_to_virt(page), order, page->order,
			  caller);
	page->flags = flags & ~(uint32_t)PG_allocated;
	for (uint64_t i = 0; i < 1ull << order; i++)
		page[i].flags |= PG_poisoned;
	memset(page_to_virt(page), MM_POISON_FREE_PAGE, (size_t)HAL_PAGE_SIZE << order);
}

/* The variant found no block: reclaim, drain every cache (this CPU's
 * included), try once more. */
struct page *frame_alloc_failed(unsigned order)
{
	slab_reclaim();
	frame_drain_all();
	return frame_alloc_drained(order);
}

/* The debug checks and zeroing, out of line: kept in the fast path, the
 * memset call would make it save and restore registers on every call. */
static __attribute__((noinline)) struct page *alloc_pages_full(gfp_t gfp, unsigned order,
							       const void *caller)
{
	struct page *page = frame_alloc(order);

	if (page == NULL)
		return NULL;
	if (MM_DEBUG)
		debug_alloc(page, order, caller);
	if (gfp & __GFP_ZERO)
		memset(page_to_virt(page), 0, (size_t)HAL_PAGE_SIZE << order);
	return page;
}

static inline struct page *alloc_pages_caller(gfp_t gfp, unsigned order, const void *caller)
{
	if (__builtin_expect(order > MAX_PAGE_ORDER, 0))
		return NULL;
	if (__builtin_expect(MM_DEBUG || (gfp & __GFP_ZERO), 0))
		return alloc_pages_full(gfp, order, caller);
	return frame_alloc(order);
}

static inline void free_pages_caller(struct page *page, unsigned order, const void *caller)
{
	if (MM_DEBUG)
		debug_free(page, order, caller);
	frame_free(page, order);
}

static inline unsigned long get_free_pages_caller(gfp_t gfp, unsigned order, const void *caller)
{
	struct page *page = alloc_pages_caller(gfp, order, caller);

	return page != NULL ? (unsigned long)page_to_virt(page) : 0;
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	return alloc_pages_caller(gfp, order, __builtin_return_address(0));
}

void __free_pages(struct page *page, unsigned int order)
{
	if (page != NULL)
		free_pages_caller(page, order, __builtin_return_address(0));
}

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	return get_free_pages_caller(gfp, order, __builtin_return_address(0));
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	return get_free_pages_caller(gfp | __GFP_ZERO, 0, __builtin_return_address(0));
}

void free_pages(unsigned long addr, unsigned int order)
{
	const void *caller = __builtin_return_address(0);

	if (addr == 0)
		return;
	if (MM_DEBUG && (addr & (HAL_PAGE_SIZE - 1)) != 0)
		env_panic("mm: free_pages(%#lx, %u): not page aligned, caller %p", addr, order,
			  caller);
	if (MM_DEBUG && !pfn_valid(PFN_OF(hal_virt_to_phys((const void *)addr))))
		env_panic("mm: free_pages(%#lx, %u): not in the frame map, caller %p", addr, order,
			  caller);
	free_pages_caller(virt_to_page_fast((const void *)addr), order, caller);
}

void *page_address(const struct page *page)
{
	return page_to_virt(page);
}

struct page *virt_to_page(const void *addr)
{
	if (MM_DEBUG && !pfn_valid(PFN_OF(hal_virt_to_phys(addr))))
		env_panic("mm: virt_to_page(%p): not in the frame map, caller %p", addr,
			  __builtin_return_address(0));
	return virt_to_page_fast(addr);
}

uint64_t page_to_pfn(const struct page *page)
{
	return page_to_pfn_fast(page);
}

struct page *pfn_to_page(uint64_t pfn)
{
	if (MM_DEBUG && !pfn_valid(pfn))
		env_panic("mm: pfn_to_page(%#llx): not in the frame map, caller %p", (ull)pfn,
			  __builtin_return_address(0));
	return pfn_to_page_fast(pfn);
}
