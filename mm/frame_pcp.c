/*
 * mm/frame_pcp.c - FRAME=pcp, the default: per-CPU page caches ("pcp", as
 * in Linux's struct per_cpu_pages) in front of the buddy allocator.
 *
 * Design. Each CPU keeps a stack of free blocks for each small order
 * 0..PCP_MAX_ORDER (Linux caches orders 0..3 too: the blocks that are
 * allocated and freed at high rates; larger ones go to the buddy
 * directly), an array of struct page pointers: an allocation pops the
 * top, a free pushes, so the most recently freed, cache-hot frame is the
 * next one handed out. Each is one env_cpu_stack_pop or _push (<mm/env.h>):
 * atomic with respect to interrupts without masking them, no lock, no
 * atomic instruction. The buddy lock is taken only to move blocks in
 * batches:
 *   - refill: an empty stack takes a batch (PCP_BATCH pages' worth of
 *     blocks) from the buddy in one lock hold (buddy_alloc_bulk);
 *   - drain: a free that finds its stack full returns a batch, the
 *     coldest (the bottom of the stack) first, in one lock hold
 *     (buddy_free_bulk).
 * A stack's slots are a window of cap slots that slides up a backing
 * array twice as long: a drain moves the window's base up past the
 * blocks it returned rather than moving the blocks that stay down, and
 * only a drain that would take the window past the backing's end moves
 * them, to its start: once in cap / batch drains (6 at order 0), where
 * sliding them every time cost 30 instructions per drained frame, a
 * fifth of the drain. An empty stack's window starts again at the
 * backing's start.
 * The order-0 stack holds PCP_HIGH pages, a larger order's two batches, so
 * a CPU caches at most PCP_HIGH + 3 * 2 * PCP_BATCH pages (734 by
 * default, about 2.9 MiB). A block freed on another CPU than the one
 * that allocated it goes onto the freeing CPU's stack, as in Linux: blocks
 * belong to no CPU, only to whichever cache holds them now. Cached blocks
 * carry PG_pcp and their order in their head page, so the frame
 * accounting can count them.
 *
 * Locking (the global order: mm/README.md). A CPU's stacks are its own:
 * only that CPU touches them, the fast paths through env_cpu_stack_*, the
 * slow paths (refill, drain) with interrupts off, so that an interrupt
 * handler on the same CPU sees them either before or after. No lock of
 * their own; the slow paths take the buddy lock inside. Another CPU that
 * wants a cache emptied asks its owner: frame_drain_all runs the drain on
 * every CPU through env_call_on_each_cpu where the context allows that
 * (interrupts on, not inside such a call: where an allocation may wait
 * for other CPUs), and otherwise drains only its own, as Linux drains
 * other CPUs' lists only from allocations that may wait. The counts are
 * read by other CPUs (frame_cached_pages) with relaxed atomic loads.
 *
 * Context. frame_alloc, frame_free, frame_drain_all and
 * frame_cached_pages: any, interrupts on or off. frame_init: mm_init
 * only, nothing else running.
 */
#include "frame.h"

#include <string.h>

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
 * a tail: at order 0 a refill costs about 1,400 instructions (the buddy
 * cuts whole blocks), a drain about 6,050 (each frame merges into the
 * buddy on its own, as in Linux's free_pcppages_bulk), 7,650 the one in
 * six that also moves the window. 63 is what Linux computes for any
 * zone of 1 GiB or more (zone_batchsize: a quarter of min(zone / 1024,
 * 1 MiB), clamped to 2^n - 1 because powers of two were found to
 * interact badly with cache colouring).
 *
 * PCP_HIGH, default 6 * PCP_BATCH (378 pages, about 1.5 MiB per CPU): the
 * order-0 stack drains a batch once it holds this many pages. Linux's
 * default for many years (high = 6 * batch, before 5.14 derived it from
 * percpu_pagelist_high_fraction): bursts of a few batches of frees stay
 * CPU-local, and a drain still leaves five batches cached. It is per CPU
 * and not scaled to RAM, because a failing allocation drains every cache
 * before it gives up: a high watermark can only idle memory, never fail
 * an allocation. The backing arrays are static, twice the caps for
 * every possible CPU: 7.6 KiB per CPU by default.
 */
#ifndef PCP_BATCH
#define PCP_BATCH 63
#endif
#ifndef PCP_HIGH
#define PCP_HIGH (6 * PCP_BATCH)
#endif
_Static_assert(PCP_BATCH >= 1 && PCP_BATCH <= 1024, "PCP_BATCH out of 1..1024");
_Static_assert(PCP_HIGH >= PCP_BATCH && PCP_HIGH <= 4096, "PCP_HIGH out of PCP_BATCH..4096");

#define PCP_MAX_ORDER 3
#define PCP_NR_ORDERS (PCP_MAX_ORDER + 1)

/* Blocks of `order` per refill or drain, and on a full stack. */
#define PCP_ORDER_BATCH(order) ((PCP_BATCH >> (order)) != 0 ? PCP_BATCH >> (order) : 1)
#define PCP_ORDER_CAP(order) ((order) == 0 ? PCP_HIGH : 2 * PCP_ORDER_BATCH(order))
/* A CPU's slots: each order's backing array of 2 * cap, in order. */
#define PCP_SLOTS (2 * (PCP_ORDER_CAP(0) + PCP_ORDER_CAP(1) + PCP_ORDER_CAP(2) + PCP_ORDER_CAP(3)))
_Static_assert(PCP_NR_ORDERS == 4, "PCP_SLOTS adds up four orders");

/* One per CPU and order; pcp_stacks[order] is the array env_cpu_stack_*
 * index by CPU. */
struct pcp_stack {
	_Alignas(ENV_CPU_STACK_STRIDE) struct env_cpu_stack st;
};

_Static_assert(sizeof(struct pcp_stack) == ENV_CPU_STACK_STRIDE, "a CPU's stack per stride");

static struct pcp_stack pcp_stacks[PCP_NR_ORDERS][ENV_MAX_CPUS];
static struct page *pcp_slots[ENV_MAX_CPUS][PCP_SLOTS];
/* Where each order's backing array starts in a CPU's slots. */
static const unsigned pcp_backing_off[PCP_NR_ORDERS] = {
	0,
	2 * PCP_ORDER_CAP(0),
	2 * (PCP_ORDER_CAP(0) + PCP_ORDER_CAP(1)),
	2 * (PCP_ORDER_CAP(0) + PCP_ORDER_CAP(1) + PCP_ORDER_CAP(2)),
};

const char frame_variant[] = "pcp";

void frame_init(void)
{
	for (unsigned cpu = 0; cpu < ENV_MAX_CPUS; cpu++) {
		for (unsigned o = 0; o < PCP_NR_ORDERS; o++) {
			void **backing = (void **)&pcp_slots[cpu][pcp_backing_off[o]];

			pcp_stacks[o][cpu].st = (struct env_cpu_stack){ backing, 0, PCP_ORDER_CAP(o) };
		}
	}
}

/* frame_init set up every possible CPU's stacks, so a CPU may allocate
 * before it has called mm_cpu_init. */
void frame_cpu_init(void)
{
}

/* They reach the buddy directly. */
void frame_memory_added(void)
{
}

static inline struct env_cpu_stack *this_stack(unsigned order)
{
	MM_ASSERT_IRQS_OFF();
	return &pcp_stacks[order][env_cpu_id()].st;
}

/* The count is read by other CPUs (frame_cached_pages). */
static inline void set_count(struct env_cpu_stack *st, uint32_t n)
{
	__atomic_store_n(&st->count, n, __ATOMIC_RELAXED);
}

/* This CPU's backing array for `order`. Interrupts off. */
static inline void **this_backing(unsigned order)
{
	return (void **)&pcp_slots[env_cpu_id()][pcp_backing_off[order]];
}

/* Returns the coldest n blocks (at most all) to the buddy and moves the
 * window up past them, or to the backing's start (see the top). The
 * window's base is read only by this CPU, with interrupts on only inside
 * a restartable sequence, which reads it afresh. Interrupts off. */
static void pcp_drain(struct env_cpu_stack *st, unsigned order, uint32_t n)
{
	void **slots = st->slots, **backing = this_backing(order);
	uint32_t left;

	if (n > st->count)
		n = st->count;
	buddy_free_bulk(order, n, (struct page *const *)slots);
	left = st->count - n;
	slots += n;
	if (left == 0 || slots + st->cap > backing + 2 * st->cap) {
		memmove(backing, slots, left * sizeof(*slots));
		slots = backing;
	}
	st->slots = slots;
	set_count(st, left);
}

/* The slow paths: a stack that was empty or full when the fast path
 * looked. An interrupt may have refilled or drained it since. They finish
 * the operation, so the fast paths call them last (a tail call) and keep
 * nothing live across a call. */
static __attribute__((noinline)) struct page *pcp_alloc_slow(unsigned order)
{
	env_irqflags_t irq = env_irq_save();
	struct env_cpu_stack *st = this_stack(order);
	struct page *page = NULL;

	if (st->count == 0) {
		st->slots = this_backing(order);
		set_count(st, buddy_alloc_bulk(order, PCP_ORDER_BATCH(order),
					       (struct page **)st->slots));
	}
	if (st->count != 0) {
		set_count(st, st->count - 1);
		page = st->slots[st->count];
		page->flags &= ~(uint32_t)PG_pcp;
	}
	env_irq_restore(irq);
	return page != NULL ? page : frame_alloc_failed(order);
}

static __attribute__((noinline)) struct page *pcp_alloc_uncached(unsigned order)
{
	struct page *page = buddy_alloc(order);

	return page != NULL ? page : frame_alloc_failed(order);
}

static __attribute__((noinline)) void pcp_free_slow(struct page *page, unsigned order)
{
	env_irqflags_t irq = env_irq_save();
	struct env_cpu_stack *st = this_stack(order);

	if (st->count == st->cap)
		pcp_drain(st, order, PCP_ORDER_BATCH(order));
	st->slots[st->count] = page;
	set_count(st, st->count + 1);
	env_irq_restore(irq);
}

struct page *frame_alloc(unsigned order)
{
	struct page *page;

	if (order > PCP_MAX_ORDER)
		return pcp_alloc_uncached(order);
	page = env_cpu_stack_pop(&pcp_stacks[order][0].st);
	if (__builtin_expect(page == NULL, 0))
		return pcp_alloc_slow(order);
	page->flags &= ~(uint32_t)PG_pcp;
	return page;
}

void frame_free(struct page *page, unsigned order)
{
	if (order > PCP_MAX_ORDER) {
		buddy_free(page, order);
		return;
	}
	/* page->order is already order: the allocation set it. */
	page->flags |= PG_pcp;
	if (__builtin_expect(!env_cpu_stack_push(&pcp_stacks[order][0].st, page), 0))
		pcp_free_slow(page, order);
}

static void drain_this_cpu(void *arg)
{
	env_irqflags_t irq = env_irq_save();

	(void)arg;
	for (unsigned o = 0; o < PCP_NR_ORDERS; o++) {
		struct env_cpu_stack *st = this_stack(o);

		pcp_drain(st, o, st->count);
	}
	env_irq_restore(irq);
}

void frame_drain_all(void)
{
	if (env_cross_call_allowed())
		env_call_on_each_cpu(drain_this_cpu, NULL);
	else
		drain_this_cpu(NULL);
}

/* Cached blocks carry PG_pcp; the census needs nothing more. */
bool frame_holds_free(uint64_t pfn)
{
	(void)pfn;
	return false;
}

struct page *frame_alloc_drained(unsigned order)
{
	return buddy_alloc(order);
}

uint64_t frame_cached_pages(void)
{
	uint64_t n = 0;

	for (unsigned o = 0; o < PCP_NR_ORDERS; o++)
		for (unsigned cpu = 0; cpu < ENV_MAX_CPUS; cpu++)
			n += (uint64_t)__atomic_load_n(&pcp_stacks[o][cpu].st.count,
						       __ATOMIC_RELAXED) << o;
	return n;
}
