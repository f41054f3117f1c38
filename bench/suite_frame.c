/*
 * The frame suites, shaped like the LLFree paper's benchmarks so that the
 * numbers can be set beside theirs, each at order 0 and order 9:
 *   frame.bulk    each CPU allocates its share of half of the free memory
 *                 (op alloc), then frees all of it (op free), each phase
 *                 timed on its own;
 *   frame.repeat  each CPU allocates and frees one block in a loop (ops
 *                 alloc and free);
 *   frame.remote  each CPU allocates a batch (op alloc), then frees the
 *                 batch of the next CPU (op free_remote): frames go back
 *                 through a CPU that did not take them;
 *   frame.rand    as frame.bulk, but each CPU frees its blocks in a random
 *                 order (op free_rand), as LLFree's "rand": neighbours come
 *                 back apart, so merging and caches see no address order.
 * The arrays of blocks are allocated before the phases, untimed.
 */
#include <mm/gfp.h>
#include <mm/init.h>
#include <mm/slab.h>

#include "bench.h"
#include "lib/format.h"

static const unsigned orders[] = { 0, 9 };

struct frame_run {
	unsigned order;
	uint64_t per_cpu;		/* blocks each CPU handles */
	struct page **blocks[BENCH_MAX_CPUS];
};

/* An array of per_cpu block pointers for each CPU (untimed). */
static int arrays_alloc(struct frame_run *fr, unsigned cpus)
{
	for (unsigned c = 0; c < cpus; c++) {
		fr->blocks[c] = kcalloc(fr->per_cpu, sizeof(struct page *), GFP_KERNEL);
		if (fr->blocks[c] == NULL)
			return -1;
	}
	return 0;
}

static void arrays_free(struct frame_run *fr, unsigned cpus)
{
	for (unsigned c = 0; c < cpus; c++)
		kfree(fr->blocks[c]);
}

static void alloc_one(struct bench_cpu *bc, unsigned i)
{
	struct frame_run *fr = bc->arg;
	struct page *p;

	BENCH_TIME(bc, 0, p = alloc_pages(GFP_KERNEL, fr->order));
	if (p == NULL)
		bench_fail("alloc_pages(order %u) failed after %u blocks", fr->order, i);
	fr->blocks[bc->cpu][i] = p;
}

static void free_own(struct bench_cpu *bc, unsigned i)
{
	struct frame_run *fr = bc->arg;
	struct page *p = fr->blocks[bc->cpu][i];

	if (p)
		BENCH_TIME(bc, 0, __free_pages(p, fr->order));
}

static void free_next(struct bench_cpu *bc, unsigned i)
{
	struct frame_run *fr = bc->arg;
	struct page *p = fr->blocks[(bc->cpu + 1) % bc->cpus][i];

	if (p)
		BENCH_TIME(bc, 0, __free_pages(p, fr->order));
}

static void warm(struct bench_cpu *bc)
{
	struct frame_run *fr = bc->arg;

	for (unsigned i = 0; i < 64; i++) {
		struct page *p = alloc_pages(GFP_KERNEL, fr->order);
		if (p)
			__free_pages(p, fr->order);
	}
}

/* This CPU's blocks in a random order, before the phase that frees them
 * (untimed). Fisher-Yates with a seed fixed per CPU, so that a
 * deterministic run frees in the same order every time. */
static void shuffle_own(struct bench_cpu *bc)
{
	struct frame_run *fr = bc->arg;
	struct page **b = fr->blocks[bc->cpu];
	uint64_t x = 0x2545f4914f6cdd1dull * (bc->cpu + 1);

	for (uint64_t i = fr->per_cpu; i > 1; i--) {
		struct page *t;
		uint64_t j;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j = x % i;
		t = b[i - 1];
		b[i - 1] = b[j];
		b[j] = t;
	}
}

static int two_phases(const struct bench_step *step, struct frame_run *fr, const char *suite,
		      const char *second_op, void (*second)(struct bench_cpu *, unsigned),
		      void (*second_warm)(struct bench_cpu *))
{
	char params[32];
	int rc;

	ksnprintf(params, sizeof(params), "order=%u", fr->order);
	if (arrays_alloc(fr, step->cpus) != 0) {
		arrays_free(fr, step->cpus);
		bench_printf("bench: %s: no memory for the block arrays\n", suite);
		return -1;
	}
	struct bench_phase alloc = { .suite = suite, .ops = { "alloc" }, .params = params,
				     .ops_per_cpu = (unsigned)fr->per_cpu, .warm = warm,
				     .run = alloc_one, .arg = fr };
	struct bench_phase release = { .suite = suite, .ops = { second_op }, .params = params,
				       .ops_per_cpu = (unsigned)fr->per_cpu, .warm = second_warm,
				       .run = second, .arg = fr };
	rc = bench_phase_run(step, &alloc);
	rc |= bench_phase_run(step, &release);
	arrays_free(fr, step->cpus);
	return rc;
}

static uint64_t free_blocks(unsigned order)
{
	struct mm_frame_accounting a;

	mm_frame_accounting(&a);
	return (a.free + a.cached) >> order;
}

/* frame.bulk and frame.rand: each CPU's share of half of free memory,
 * then its frees, in the order `shuffle` leaves them (NULL: as taken). */
static int half_of_memory(const struct bench_step *step, const char *suite, const char *free_op,
			  void (*shuffle)(struct bench_cpu *))
{
	static struct frame_run fr;
	int rc = 0;

	for (unsigned o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		fr = (struct frame_run){ .order = orders[o] };
		/* Half of free memory is the most; a scale below 100% takes less. */
		fr.per_cpu = free_blocks(fr.order) / 2 / step->cpus;
		if (step->scale < 100)
			fr.per_cpu = fr.per_cpu * step->scale / 100;
		if (fr.per_cpu == 0)
			fr.per_cpu = 1;
		rc |= two_phases(step, &fr, suite, free_op, free_own, shuffle);
	}
	return rc;
}

int bench_frame_bulk(const struct bench_step *step)
{
	return half_of_memory(step, "frame.bulk", "free", NULL);
}

int bench_frame_rand(const struct bench_step *step)
{
	return half_of_memory(step, "frame.rand", "free_rand", shuffle_own);
}

int bench_frame_remote(const struct bench_step *step)
{
	static struct frame_run fr;
	int rc = 0;

	for (unsigned o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		fr = (struct frame_run){ .order = orders[o] };
		fr.per_cpu = bench_ops(step, orders[o] ? 64 : 4096);
		if (fr.per_cpu > free_blocks(fr.order) / 4 / step->cpus)
			fr.per_cpu = free_blocks(fr.order) / 4 / step->cpus;
		rc |= two_phases(step, &fr, "frame.remote", "free_remote", free_next, NULL);
	}
	return rc;
}

static void repeat_one(struct bench_cpu *bc, unsigned i)
{
	struct frame_run *fr = bc->arg;
	struct page *p;

	BENCH_TIME(bc, 0, p = alloc_pages(GFP_KERNEL, fr->order));
	if (p == NULL) {
		bench_fail("alloc_pages(order %u) failed at round %u", fr->order, i);
		return;
	}
	BENCH_TIME(bc, 1, __free_pages(p, fr->order));
}

int bench_frame_repeat(const struct bench_step *step)
{
	static struct frame_run fr;
	char params[32];
	int rc = 0;

	for (unsigned o = 0; o < sizeof(orders) / sizeof(orders[0]); o++) {
		fr = (struct frame_run){ .order = orders[o] };
		ksnprintf(params, sizeof(params), "order=%u", fr.order);
		struct bench_phase ph = { .suite = "frame.repeat", .ops = { "alloc", "free" },
					  .params = params, .ops_per_cpu = bench_ops(step, 40000),
					  .warm = warm, .run = repeat_one, .arg = &fr };
		rc |= bench_phase_run(step, &ph);
	}
	return rc;
}
