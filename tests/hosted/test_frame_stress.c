/*
 * test_frame_stress.c - the frame allocator under load: STRESS_CPUS
 * hosted CPUs doing millions of random allocations and frees of orders
 * 0..9 through the gfp interface, with blocks handed between CPUs through
 * a locked queue (so frees land on another CPU than the allocating one),
 * and CPU 0 draining every CPU's cache now and then while the others run.
 *
 * A bitmap oracle over every pfn of the frame map, updated with relaxed
 * atomics (so that it adds no ordering between CPUs that could hide a
 * race from TSan), fails the test the moment a frame is handed out while
 * it is still held. Each block also carries its owner's tag in its first
 * and last frame, checked at the free. At the end everything is freed,
 * the caches are drained and the accounting must be exactly as before.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <mm/env.h>
#include <mm/gfp.h>

#include "debug.h"
#include "frame.h"
#include "mm_fixture.h"
#include "page.h"
#include "test.h"

#if defined(__SANITIZE_THREAD__)
#define STRESS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRESS_TSAN 1
#endif
#endif

#define STRESS_CPUS 4
/* Two million operations; one million under TSan and in debug builds
 * (which poison and check every frame freed and allocated). */
#if defined(STRESS_TSAN) || MM_DEBUG
#define STRESS_OPS_PER_CPU 250000
#else
#define STRESS_OPS_PER_CPU 500000
#endif
#define STRESS_HELD_MAX 128	/* blocks a CPU holds at most */
#define STRESS_QUEUE_SIZE 256	/* blocks in transit between CPUs */
#define STRESS_DRAIN_EVERY 20000

struct block {
	struct page *page;
	unsigned order;
};

static struct {
	_Atomic uint64_t *oracle; /* bit per pfn: held by some CPU */
	pthread_mutex_t queue_lock;
	struct block queue[STRESS_QUEUE_SIZE];
	unsigned queue_len;
	_Atomic uint64_t ops, cross_frees, failed_allocs;
} stress = { .queue_lock = PTHREAD_MUTEX_INITIALIZER };

/* Orders 0 (75%), 1..3 (20%), 4..6 (4.5%), 7..9 (0.5%): mostly what the
 * per-CPU caches serve, and now and then a split of a large block. */
static unsigned random_order(uint64_t r)
{
	unsigned pick = (unsigned)(r % 1000), spread = (unsigned)(r >> 32) % 3;

	if (pick < 750)
		return 0;
	if (pick < 950)
		return 1 + spread;
	if (pick < 995)
		return 4 + spread;
	return 7 + spread;
}

static uint64_t tag_of(uint64_t pfn, unsigned order)
{
	return (pfn * 0x9e3779b97f4a7c15ull) ^ order;
}

static void *frame_va(const struct page *page, uint64_t i)
{
	return page_address(page + i);
}

/* Marks the block's frames held; false if one already was. */
static bool oracle_take(const struct block *b)
{
	uint64_t first = page_to_pfn(b->page) - mem_base_pfn;
	bool ok = true;

	for (uint64_t i = first; i < first + (1ull << b->order); i++) {
		uint64_t bit = 1ull << (i % 64);

		if (atomic_fetch_or_explicit(&stress.oracle[i / 64], bit, memory_order_relaxed) & bit)
			ok = false;
	}
	return ok;
}

/* Marks the block's frames free again; false if one was not held. */
static bool oracle_give(const struct block *b)
{
	uint64_t first = page_to_pfn(b->page) - mem_base_pfn;
	bool ok = true;

	for (uint64_t i = first; i < first + (1ull << b->order); i++) {
		uint64_t bit = 1ull << (i % 64);

		if (!(atomic_fetch_and_explicit(&stress.oracle[i / 64], ~bit, memory_order_relaxed) &
		      bit))
			ok = false;
	}
	return ok;
}

static bool take_block(unsigned order, struct block *b)
{
	uint64_t pfn, last = (1ull << order) - 1;

	b->page = alloc_pages(GFP_KERNEL, order);
	b->order = order;
	if (b->page == NULL)
		return false;
	pfn = page_to_pfn(b->page);
	if ((pfn & last) != 0)
		hosted_fail(__FILE__, __LINE__, "order %u block at pfn %#" PRIx64 " misaligned",
			    order, pfn);
	if (!oracle_take(b))
		hosted_fail(__FILE__, __LINE__, "order %u block at pfn %#" PRIx64
			    " handed out while held", order, pfn);
	*(uint64_t *)frame_va(b->page, 0) = tag_of(pfn, order);
	*(uint64_t *)frame_va(b->page, last) = tag_of(pfn, order);
	return true;
}

static void give_block(const struct block *b)
{
	uint64_t pfn = page_to_pfn(b->page), last = (1ull << b->order) - 1;

	if (*(uint64_t *)frame_va(b->page, 0) != tag_of(pfn, b->order) ||
	    *(uint64_t *)frame_va(b->page, last) != tag_of(pfn, b->order))
		hosted_fail(__FILE__, __LINE__, "order %u block at pfn %#" PRIx64
			    " overwritten while held", b->order, pfn);
	if (!oracle_give(b))
		hosted_fail(__FILE__, __LINE__, "order %u block at pfn %#" PRIx64
			    " freed but not held", b->order, pfn);
	__free_pages(b->page, b->order);
}

/* Hands a block to whichever CPU pops it next; false if the queue is full. */
static bool queue_push(const struct block *b)
{
	bool pushed = false;

	pthread_mutex_lock(&stress.queue_lock);
	if (stress.queue_len < STRESS_QUEUE_SIZE) {
		stress.queue[stress.queue_len++] = *b;
		pushed = true;
	}
	pthread_mutex_unlock(&stress.queue_lock);
	return pushed;
}

static bool queue_pop(struct block *b)
{
	bool popped = false;

	pthread_mutex_lock(&stress.queue_lock);
	if (stress.queue_len > 0) {
		*b = stress.queue[--stress.queue_len];
		popped = true;
	}
	pthread_mutex_unlock(&stress.queue_lock);
	return popped;
}

static void stress_cpu(unsigned cpu, void *arg)
{
	struct block held[STRESS_HELD_MAX], b;
	unsigned nheld = 0;
	uint64_t r = 0x2545f4914f6cdd1dull * (cpu + 1), cross = 0, failed = 0;

	(void)arg;
	for (unsigned op = 0; op < STRESS_OPS_PER_CPU; op++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		if (cpu == 0 && op % STRESS_DRAIN_EVERY == 0)
			frame_drain_all();
		if (r % 8 == 0 && queue_pop(&b)) {
			give_block(&b);
			cross++;
		} else if (nheld == 0 || (nheld < STRESS_HELD_MAX && (r >> 8) % 2 == 0)) {
			if (take_block(random_order(r >> 16), &held[nheld]))
				nheld++;
			else
				failed++;
		} else {
			unsigned i = (unsigned)((r >> 24) % nheld);

			b = held[i];
			held[i] = held[--nheld];
			if ((r >> 40) % 4 != 0 || !queue_push(&b))
				give_block(&b);
		}
	}
	while (nheld > 0)
		give_block(&held[--nheld]);
	atomic_fetch_add(&stress.ops, STRESS_OPS_PER_CPU);
	atomic_fetch_add(&stress.cross_frees, cross);
	atomic_fetch_add(&stress.failed_allocs, failed);
}

TEST(frame_stress_random_alloc_free_across_cpus)
{
	uint64_t words;
	struct block b;

	mm_fixture_setup(MM_FIXTURE_RAM);
	words = (mem_npages + 63) / 64;
	stress.oracle = calloc(words, sizeof(*stress.oracle));
	REQUIRE(stress.oracle != NULL);
	stress.queue_len = 0;
	atomic_store(&stress.ops, 0);
	atomic_store(&stress.cross_frees, 0);
	atomic_store(&stress.failed_allocs, 0);

	hosted_run_cpus(STRESS_CPUS, stress_cpu, NULL);

	while (queue_pop(&b))
		give_block(&b);
	for (uint64_t i = 0; i < words; i++)
		CHECK_EQ_U64(atomic_load(&stress.oracle[i]), 0);
	CHECK(atomic_load(&stress.ops) >= 1000000);
	/* Plenty of frees on another CPU, and memory never ran out. */
	CHECK(atomic_load(&stress.cross_frees) >= atomic_load(&stress.ops) / 100);
	CHECK_EQ_U64(atomic_load(&stress.failed_allocs), 0);
	free(stress.oracle);
	MM_FIXTURE_CHECK_ACCOUNTING();
}
