/*
 * mm/frame_pcp.c - FRAME=pcp, the default: per-CPU page caches ("pcp", as
 * in Linux's struct per_cpu_pages) in front of the buddy allocator.
 *
 * Design. Each CPU keeps a list of free blocks for each small order
 * 0..PCP_MAX_ORDER (Linux caches orders 0..3 too: the blocks that are
 * allocated and freed at high rates; larger ones go to the buddy
 * directly). An allocation that finds its list non-empty takes the first
 * block; a free puts the block at the head, so the most recently freed,
 * cache-hot frame is the next one handed out. The buddy lock is taken only
 * to move blocks in batches:
 *   - refill: an empty list takes PCP_BATCH pages' worth of blocks of its
 *     order from the buddy in one lock hold (buddy_alloc_bulk);
 *   - drain: once the cache holds PCP_HIGH pages, a free returns
 *     PCP_BATCH pages, coldest (list tail) first, starting with the list
 *     it just grew, in one lock hold per order (buddy_free_bulk).
 * A block freed on another CPU than the one that allocated it goes into
 * the freeing CPU's cache, as in Linux: blocks belong to no CPU, only to
 * whichever cache holds them now. Cached blocks carry PG_pcp and their
 * order in their head page, so the frame accounting can count them.
 *
 * Locking (the global order: mm/README.md). Each cache has its own spinlock,
 * pcp->lock, guarding its lists, its count and the list, flags and order of
 * the head pages on them (as in Linux since 6.0, where this spinlock replaced
 * a local_lock). The owning CPU takes it with interrupts off on every
 * operation; no one else wants it then, so it costs one uncontended atomic on
 * a cache line that stays in the owner's cache. Another CPU takes it only to
 * drain the cache (frame_drain_all) or read its count. Because the owner uses
 * trylock and falls back to the buddy when a drainer holds its lock (Linux's
 * pcp_spin_trylock), the fast path never waits. Lock order: pcp->lock, then
 * the buddy lock; a CPU never holds two pcp locks.
 *
 * Context. frame_alloc, frame_free, frame_drain_all and
 * frame_cached_pages: any, interrupts on or off (each disables interrupts
 * while it holds a lock, so an interrupt on the same CPU cannot deadlock
 * on it). frame_init: mm_init only, nothing else running.
 */
#include "frame.h"

#include <mm/env.h>

#include "buddy.h"
#include "debug.h"
#include "mm_internal.h"

/*
 * Tunables, in pages. Fixed at build time (-DPCP_BATCH=n, -DPCP_HIGH=n),
 * so that a benchmark result is reproducible from its build flags.
 *
 * PCP_BATCH, default 63: pages moved per refill or drain. One buddy lock
 * hold is paid per batch of fast-path operations, so a bigger batch
 * amortizes the lock better but holds it longer while other CPUs wait,
 * and strands more frames in one CPU's cache. The operation that pays is
 * a tail: at order 0 a refill costs about 1,600 instructions (the buddy
 * cuts whole blocks), a drain about 8,000 (each frame merges into the
 * buddy on its own, as in Linux's free_pcppages_bulk). 63 is what Linux computes
 * for any zone of 1 GiB or more (zone_batchsize: a quarter of
 * min(zone / 1024, 1 MiB), clamped to 2^n - 1 because powers of two were
 * found to interact badly with cache colouring).
 *
 * PCP_HIGH, default 6 * PCP_BATCH (378 pages, about 1.5 MiB per CPU): the
 * cache drains a batch once it holds this many pages. Linux's default for
 * many years (high = 6 * batch, before 5.14 derived it from
 * percpu_pagelist_high_fraction): bursts of a few batches of frees stay
 * CPU-local, and a drain still leaves five batches cached. It is per CPU
 * and not scaled to RAM, because a failing allocation drains every cache
 * before it gives up: a high watermark can only idle memory, never fail
 * an allocation.
 */
#ifndef PCP_BATCH
#define PCP_BATCH 63
#endif
#ifndef PCP_HIGH
#define PCP_HIGH (6 * PCP_BATCH)
#endif
_Static_assert(PCP_BATCH >= 1 && PCP_BATCH <= 1024, "PCP_BATCH out of 1..1024");
_Static_assert(PCP_HIGH >= PCP_BATCH && PCP_HIGH <= 65536, "PCP_HIGH out of PCP_BATCH..65536");

#define PCP_MAX_ORDER 3
#define PCP_NR_ORDERS (PCP_MAX_ORDER + 1)

struct per_cpu_pages {
	_Alignas(HAL_CACHELINE) env_spinlock_t lock;
	unsigned count; /* pages on all lists */
	struct list_head lists[PCP_NR_ORDERS];
};

static struct per_cpu_pages pcp_cache[ENV_MAX_CPUS];

const char frame_variant[] = "pcp";

void frame_init(void)
{
	for (unsigned cpu = 0; cpu < ENV_MAX_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &pcp_cache[cpu];

		env_spin_lock(&pcp->lock);
		pcp->count = 0;
		for (unsigned o = 0; o < PCP_NR_ORDERS; o++)
			list_init(&pcp->lists[o]);
		env_spin_unlock(&pcp->lock);
	}
}

/* frame_init set up every possible CPU's cache, so that a drainer can walk
 * them all and a CPU may allocate before it has called mm_cpu_init. */
void frame_cpu_init(void)
{
}

/* This CPU's cache, locked, with interrupts off; NULL (interrupts as they
 * were) if a drainer holds it. */
static inline struct per_cpu_pages *pcp_lock(env_irqflags_t *irq)
{
	struct per_cpu_pages *pcp;

	*irq = env_irq_save();
	pcp = &pcp_cache[env_cpu_id()];
	if (__builtin_expect(env_spin_trylock(&pcp->lock), 1))
		return pcp;
	env_irq_restore(*irq);
	return NULL;
}

static inline void pcp_unlock(struct per_cpu_pages *pcp, env_irqflags_t irq)
{
	env_spin_unlock(&pcp->lock);
	env_irq_restore(irq);
}

/* Fills the empty list of `order` with a batch; false if the buddy has no
 * block of that order. */
static bool pcp_refill(struct per_cpu_pages *pcp, unsigned order)
{
	unsigned want = PCP_BATCH >> order;
	unsigned got = buddy_alloc_bulk(order, want != 0 ? want : 1, &pcp->lists[order]);

	pcp->count += got << order;
	return got != 0;
}

/* Returns at least nr_pages (or everything) to the buddy, coldest first,
 * starting with the list of `order`. Called with pcp->lock held. */
static void pcp_drain(struct per_cpu_pages *pcp, unsigned nr_pages, unsigned order)
{
	for (unsigned i = 0; i < PCP_NR_ORDERS && nr_pages > 0; i++) {
		unsigned want = (nr_pages + (1u << order) - 1) >> order, freed;

		if (!list_empty(&pcp->lists[order])) {
			freed = buddy_free_bulk(order, want, &pcp->lists[order]) << order;
			pcp->count -= freed;
			nr_pages -= freed < nr_pages ? freed : nr_pages;
		}
		order = (order + 1) % PCP_NR_ORDERS;
	}
}

static inline struct page *pcp_take(struct per_cpu_pages *pcp, unsigned order)
{
	struct page *page = list_first_entry(&pcp->lists[order], struct page, list);

	MM_ASSERT_IRQS_OFF();
	MM_ASSERT_SPIN_HELD(&pcp->lock);
	list_del(&page->list);
	page->flags &= ~(uint32_t)PG_pcp;
	pcp->count -= 1u << order;
	return page;
}

/*
 * The slow paths finish the operation, unlock included, so that the fast
 * paths call them last (a tail call) and keep nothing live across a call:
 * no registers to save on a cache hit.
 */
static __attribute__((noinline)) struct page *pcp_alloc_refill(struct per_cpu_pages *pcp,
							       unsigned order, env_irqflags_t irq)
{
	struct page *page = pcp_refill(pcp, order) ? pcp_take(pcp, order) : NULL;

	pcp_unlock(pcp, irq);
	return page;
}

static __attribute__((noinline)) void pcp_free_high(struct per_cpu_pages *pcp, unsigned order,
						    env_irqflags_t irq)
{
	pcp_drain(pcp, PCP_BATCH, order);
	pcp_unlock(pcp, irq);
}

struct page *frame_alloc(unsigned order)
{
	struct per_cpu_pages *pcp;
	struct page *page;
	env_irqflags_t irq;

	if (order > PCP_MAX_ORDER || (pcp = pcp_lock(&irq)) == NULL)
		return buddy_alloc(order);
	if (__builtin_expect(list_empty(&pcp->lists[order]), 0))
		return pcp_alloc_refill(pcp, order, irq);
	page = pcp_take(pcp, order);
	pcp_unlock(pcp, irq);
	return page;
}

void frame_free(struct page *page, unsigned order)
{
	struct per_cpu_pages *pcp;
	env_irqflags_t irq;

	if (order > PCP_MAX_ORDER || (pcp = pcp_lock(&irq)) == NULL) {
		buddy_free(page, order);
		return;
	}
	page->flags |= PG_pcp;
	page->order = (uint8_t)order;
	list_add(&page->list, &pcp->lists[order]);
	pcp->count += 1u << order;
	if (__builtin_expect(pcp->count >= PCP_HIGH, 0)) {
		pcp_free_high(pcp, order, irq);
		return;
	}
	pcp_unlock(pcp, irq);
}

void frame_drain_all(void)
{
	for (unsigned cpu = 0; cpu < ENV_MAX_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &pcp_cache[cpu];
		env_irqflags_t irq = env_irq_save();

		env_spin_lock(&pcp->lock);
		pcp_drain(pcp, pcp->count, 0);
		env_spin_unlock(&pcp->lock);
		env_irq_restore(irq);
	}
}

uint64_t frame_cached_pages(void)
{
	uint64_t n = 0;

	for (unsigned cpu = 0; cpu < ENV_MAX_CPUS; cpu++) {
		struct per_cpu_pages *pcp = &pcp_cache[cpu];
		env_irqflags_t irq = env_irq_save();

		env_spin_lock(&pcp->lock);
		n += pcp->count;
		env_spin_unlock(&pcp->lock);
		env_irq_restore(irq);
	}
	return n;
}
