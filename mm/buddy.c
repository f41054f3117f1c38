/*
 * mm/buddy.c - the buddy allocator (Knowlton 1965; Linux's __rmqueue and
 * __free_one_page have the same shape).
 *
 * Design. Free memory is kept as blocks of 2^order frames, order 0 (4 KiB)
 * .. MAX_PAGE_ORDER (18, 1 GiB), each naturally aligned in physical
 * memory: a block of order o starts at a pfn that is a multiple of 2^o.
 * The buddy of the block at pfn is the block at pfn ^ (1 << o), the other
 * half of the block of order o + 1 that contains both. So freeing looks up
 * the buddy in O(1) through its struct page: if it is the head of a free
 * block (page->buddy) of the same order, the two merge, and the test repeats
 * one order up. Allocating takes a block of the smallest order that has
 * one and splits it, putting the upper halves back on the lower lists. No
 * list is ever searched.
 *
 * Lazy coalescing (Barkley and Lee, "A lazy buddy system bounded by two
 * coalescing delays", SOSP 1989). Merged eagerly, a pair at steady state
 * (allocate a block, free it) splits a block of the smallest free order
 * above it on every allocation and merges it back on every free: once
 * everything has merged, the lists below are empty (order-0 pairs split
 * 6 levels and more; an order-9 pair split one when the memory map grew
 * by 8 bytes a frame, 45 instructions more each way). So a free leaves
 * the block beside its free buddy, unmerged, while that order's list
 * holds fewer than BUDDY_LAZY_KEEP blocks: the next allocation of that
 * order finds a block without splitting, and the pair costs one push
 * and one unlink. Such a block is an ordinary free block, so a later
 * merge from its buddy's side absorbs it. The delay is bounded: a
 * deferral happens only when the list is short, and every unmerged block
 * is on its order's list, so each order holds at most
 * (BUDDY_LAZY_KEEP + 1) / 2 unmerged pairs at any time; and an
 * allocation that finds no block coalesces them all (coalesce_deferred)
 * before it fails. buddy_coalesce gives the lists of eager merging back
 * on demand.
 *
 * Data structures. One free list per order, linked through page->list of
 * each block's head page; the head carries page->buddy and page->order.
 * The other pages of a free block carry no buddy state, which is why a
 * merge clears page->buddy on the buddy it absorbs. A bitmask of the non-empty
 * lists finds the smallest order with a free block in one instruction.
 * Counters per order (free blocks, allocations, frees, splits, merges)
 * and of free pages make the allocator observable.
 *
 * Locking (the global order: mm/README.md). One spinlock, buddy.lock, guards
 * everything in `buddy` and the list, flags and order of every free block's
 * head page. It is taken with interrupts off, because frames may be allocated
 * from any context. It is the innermost lock of the frame side: the per-CPU
 * caches (frame_pcp.c) call in from their slow paths, never the other way
 * round.
 *
 * Context. Any, interrupts on or off. buddy_init and buddy_add_free_range
 * are for mm_init only, while nothing else runs.
 */
#include "buddy.h"

#include <mm/env.h>

#include "debug.h"

/*
 * BUDDY_LAZY_KEEP, default 4 (-DBUDDY_LAZY_KEEP=n; 0 merges eagerly, as
 * Linux does): at most 2 unmerged pairs per order, so that lazy
 * coalescing keeps at most 2 blocks of each order from forming, until an
 * allocation needs one.
 */
#ifndef BUDDY_LAZY_KEEP
#define BUDDY_LAZY_KEEP 4
#endif
/* A variable, so that 0 is no always-false comparison to warn about. */
static const uint64_t lazy_keep = BUDDY_LAZY_KEEP;

static struct {
	env_spinlock_t lock;
	uint32_t nonempty; /* bit o set iff free_list[o] is not empty */
	uint64_t free_pages;
	struct list_head free_list[BUDDY_NR_ORDERS];
	struct buddy_order_stats stats[BUDDY_NR_ORDERS];
} buddy = { .lock = ENV_SPINLOCK_INIT };

_Static_assert(BUDDY_NR_ORDERS <= 32, "the non-empty mask is 32 bits");

static inline env_irqflags_t buddy_lock(void)
{
	env_irqflags_t irq = env_irq_save();

	env_spin_lock(&buddy.lock);
	return irq;
}

static inline void buddy_unlock(env_irqflags_t irq)
{
	env_spin_unlock(&buddy.lock);
	env_irq_restore(irq);
}

static inline void push_block(struct page *page, unsigned order)
{
	MM_ASSERT_SPIN_HELD(&buddy.lock);
	page->buddy = true;
	page->order = (uint8_t)order;
	list_add(&page->list, &buddy.free_list[order]);
	buddy.stats[order].free_blocks++;
	buddy.nonempty |= 1u << order;
	buddy.free_pages += 1ull << order;
}

static inline void unlink_block(struct page *page, unsigned order)
{
	MM_ASSERT_SPIN_HELD(&buddy.lock);
	list_del(&page->list);
	page->buddy = false;
	if (--buddy.stats[order].free_blocks == 0)
		buddy.nonempty &= ~(1u << order);
	buddy.free_pages -= 1ull << order;
}

/* Removes a block of exactly `order`, splitting a larger one if needed;
 * the caller counts the allocation. */
static inline struct page *take_block(unsigned order)
{
	uint32_t avail = buddy.nonempty >> order;
	unsigned o;
	struct page *page;

	if (avail == 0)
		return NULL;
	o = order + (unsigned)__builtin_ctz(avail);
	page = list_first_entry(&buddy.free_list[o], struct page, list);
	unlink_block(page, o);
	while (o > order) {
		buddy.stats[o].splits++;
		o--;
		push_block(page + (1u << o), o);
	}
	page->order = (uint8_t)order;
	return page;
}

/* The buddy of the block of `order` at pfn if it is a free block of the
 * same order, else NULL. */
static inline struct page *free_buddy(uint64_t pfn, unsigned order)
{
	uint64_t buddy_pfn = pfn ^ (1ull << order);
	struct page *b;

	if (!pfn_valid(buddy_pfn))
		return NULL;
	b = pfn_to_page_fast(buddy_pfn);
	return b->buddy && b->order == order ? b : NULL;
}

/* Puts the block at pfn back, merging it with its buddy while it can
 * (lazy: and while the order's list is long enough, see above). Inlined
 * where merges are the rule (bulk frees); merge_block elsewhere. */
static inline __attribute__((always_inline)) void merge_loop(uint64_t pfn, unsigned order,
								  bool lazy)
{
	while (order < MAX_PAGE_ORDER) {
		struct page *b = free_buddy(pfn, order);

		if (b == NULL)
			break;
		if (lazy && buddy.stats[order].free_blocks < lazy_keep) {
			buddy.stats[order].deferred++;
			break;
		}
		unlink_block(b, order);
		buddy.stats[order].merges++;
		pfn &= ~(1ull << order);
		order++;
	}
	push_block(pfn_to_page_fast(pfn), order);
}

static __attribute__((noinline)) void merge_block(uint64_t pfn, unsigned order, bool lazy)
{
	merge_loop(pfn, order, lazy);
}

/* A free. The two cases of a pair at steady state, no buddy to merge
 * with or a deferral, stay straight-line code (the loop's first step,
 * written out); a merge takes the loop, out of line. */
static inline __attribute__((always_inline)) void give_block(struct page *page, unsigned order)
{
	uint64_t pfn = page_to_pfn_fast(page);
	struct page *b = order < MAX_PAGE_ORDER ? free_buddy(pfn, order) : NULL;

	buddy.stats[order].frees++;
	if (b != NULL && buddy.stats[order].free_blocks >= lazy_keep) {
		merge_block(pfn, order, true);
		return;
	}
	if (b != NULL)
		buddy.stats[order].deferred++;
	push_block(page, order);
}

/* Merges every pair a lazy free left unmerged; returns how many. It walks
 * every free list under the lock, which only an allocation that would
 * otherwise fail pays. Orders upward, because a merge may complete a pair
 * one order up, which merge_block then merges too. A merge unlinks two
 * blocks of the list being walked, so the walk starts again: at most
 * (BUDDY_LAZY_KEEP + 1) / 2 times per order. */
static unsigned coalesce_deferred(void)
{
	unsigned merged = 0;

	for (unsigned o = 0; o < MAX_PAGE_ORDER; o++) {
again:
		list_for_each_entry(page, &buddy.free_list[o], struct page, list) {
			uint64_t pfn = page_to_pfn_fast(page);

			if (free_buddy(pfn, o) == NULL)
				continue;
			unlink_block(page, o);
			merge_block(pfn, o, false);
			merged++;
			goto again;
		}
	}
	return merged;
}

/* take_block, and when nothing is free at `order` or above, the same
 * after the deferred merges. */
static inline struct page *take_block_or_coalesce(unsigned order)
{
	struct page *page = take_block(order);

	if (page == NULL && coalesce_deferred() != 0)
		page = take_block(order);
	return page;
}

void buddy_init(void)
{
	env_irqflags_t irq = buddy_lock();

	buddy.nonempty = 0;
	buddy.free_pages = 0;
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++) {
		list_init(&buddy.free_list[o]);
		buddy.stats[o] = (struct buddy_order_stats){ 0 };
	}
	buddy_unlock(irq);
}

void buddy_add_free_range(uint64_t start_pfn, uint64_t end_pfn)
{
	env_irqflags_t irq = buddy_lock();

	/* The largest naturally aligned blocks that tile the range. */
	while (start_pfn < end_pfn) {
		unsigned order = 63 - (unsigned)__builtin_clzll(end_pfn - start_pfn);

		if (start_pfn != 0 && (unsigned)__builtin_ctzll(start_pfn) < order)
			order = (unsigned)__builtin_ctzll(start_pfn);
		if (order > MAX_PAGE_ORDER)
			order = MAX_PAGE_ORDER;
		merge_block(start_pfn, order, false);
		start_pfn += 1ull << order;
	}
	buddy_unlock(irq);
}

struct page *buddy_alloc(unsigned order)
{
	env_irqflags_t irq;
	struct page *page;

	if (order > MAX_PAGE_ORDER)
		return NULL;
	irq = buddy_lock();
	page = take_block_or_coalesce(order);
	if (page != NULL)
		buddy.stats[order].allocs++;
	buddy_unlock(irq);
	return page;
}

void buddy_free(struct page *page, unsigned order)
{
	env_irqflags_t irq = buddy_lock();

	give_block(page, order);
	buddy_unlock(irq);
}

/* Cuts the block at page, of order o, into blocks of `order` stored at
 * blocks[0..], marked PG_pcp: the splits and allocations of taking them
 * one by one are counted, but no half goes on a free list. */
static void cut_block(struct page *page, unsigned o, unsigned order, struct page **blocks)
{
	struct page *end = page + (1u << o);

	for (unsigned k = order + 1; k <= o; k++)
		buddy.stats[k].splits += 1u << (o - k);
	buddy.stats[order].allocs += 1u << (o - order);
	for (; page < end; page += 1u << order) {
		page->order = (uint8_t)order;
		page->flags |= PG_pcp;
		*blocks++ = page;
	}
}

/*
 * Takes whole free blocks and cuts them here: a take_block per block of
 * `order` would split a large block one level at a time, pushing every
 * upper half on a free list only to unlink it on the next take (a refill
 * of 63 frames cost 6,600 instructions that way, 1,600 this way). The
 * smallest free block goes first, whole if it fits in what is still
 * wanted, else its lowest part that does: the blocks handed out, the free
 * lists left and the counters are those of n buddy_alloc calls.
 */
unsigned buddy_alloc_bulk(unsigned order, unsigned n, struct page **blocks)
{
	env_irqflags_t irq = buddy_lock();
	unsigned taken = 0;

	while (taken < n) {
		unsigned o, fit;

		if ((buddy.nonempty >> order) == 0 && coalesce_deferred() == 0)
			break;
		o = order + (unsigned)__builtin_ctz(buddy.nonempty >> order);
		fit = order + 31 - (unsigned)__builtin_clz(n - taken);

		if (o > fit)
			o = fit;
		cut_block(take_block(o), o, order, blocks + taken);
		taken += 1u << (o - order);
	}
	buddy_unlock(irq);
	return taken;
}

void buddy_free_bulk(unsigned order, unsigned n, struct page *const *blocks)
{
	env_irqflags_t irq = buddy_lock();

	for (unsigned i = 0; i < n; i++) {
		blocks[i]->flags &= ~(uint32_t)PG_pcp;
		buddy.stats[order].frees++;
		merge_loop(page_to_pfn_fast(blocks[i]), order, true);
	}
	buddy_unlock(irq);
}

void buddy_coalesce(void)
{
	env_irqflags_t irq = buddy_lock();

	coalesce_deferred();
	buddy_unlock(irq);
}

uint64_t buddy_free_pages(void)
{
	env_irqflags_t irq = buddy_lock();
	uint64_t n = buddy.free_pages;

	buddy_unlock(irq);
	return n;
}

void buddy_stats(struct buddy_stats *stats)
{
	env_irqflags_t irq = buddy_lock();

	stats->free_pages = buddy.free_pages;
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++)
		stats->order[o] = buddy.stats[o];
	buddy_unlock(irq);
}
