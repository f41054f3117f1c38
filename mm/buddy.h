/*
 * mm/buddy.h - the buddy allocator: free blocks of 2^order frames, orders
 * 0..MAX_PAGE_ORDER, under one global lock. See mm/buddy.c for the design.
 *
 * Every function may be called from any context, with interrupts on or
 * off; each takes the buddy lock itself with interrupts off.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <stdint.h>

#include <mm/gfp.h>
#include <mm/list.h>

#include "page.h"

#define BUDDY_NR_ORDERS (MAX_PAGE_ORDER + 1)

struct buddy_order_stats {
	uint64_t free_blocks; /* blocks of this order on the free list now */
	uint64_t allocs;      /* blocks of this order handed out */
	uint64_t frees;       /* blocks of this order given back */
	uint64_t splits;      /* blocks of this order split into two halves */
	uint64_t merges;      /* pairs of this order merged into one block above */
	uint64_t deferred;    /* frees that left a block unmerged beside its free buddy */
};

struct buddy_stats {
	uint64_t free_pages;
	struct buddy_order_stats order[BUDDY_NR_ORDERS];
};

/* Empties the allocator (boot CPU, nothing else running): mm_init. */
void buddy_init(void);
/* Gives the frames [start_pfn, end_pfn) to the allocator (boot handoff). */
void buddy_add_free_range(uint64_t start_pfn, uint64_t end_pfn);

/* A naturally aligned block of 2^order frames with page->order set, or
 * NULL if no block of that order or above is free. */
struct page *buddy_alloc(unsigned order);
void buddy_free(struct page *page, unsigned order);

/*
 * Bulk moves for the per-CPU page caches, n blocks of one order under one
 * lock hold. buddy_alloc_bulk stores up to n blocks at blocks[0..], marked
 * PG_pcp with page->order set, and returns how many it took: the blocks n
 * buddy_alloc calls would take, cut from whole free blocks.
 * buddy_free_bulk frees blocks[0..n-1] (each marked PG_pcp, of this order).
 */
unsigned buddy_alloc_bulk(unsigned order, unsigned n, struct page **blocks);
void buddy_free_bulk(unsigned order, unsigned n, struct page *const *blocks);

/* Merges every pair that lazy coalescing left unmerged (mm/buddy.c): the
 * free lists become those of eager merging, the one decomposition of the
 * free frames into maximal aligned blocks. */
void buddy_coalesce(void);

uint64_t buddy_free_pages(void);
/* A consistent snapshot of all counters (taken under the lock). */
void buddy_stats(struct buddy_stats *stats);

#endif
