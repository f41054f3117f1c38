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
 *                 back apart, so merging and caches see no address order;
 *   frame.frag    LLFree's fragmentation experiment: memory filled, half of
 *                 it freed at random, then rounds of random frees and
 *                 reallocations (ops alloc and free), after which the free
 *                 memory in whole huge frames is measured (a frag record).
 * The arrays of blocks are allocated before the phases, untimed.
 */
#include <string.h>

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

/* xorshift64: the suites' random choices, from fixed seeds, so that a
 * deterministic run makes the same ones every time. */
static uint64_t next_random(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Fisher-Yates over n elements of `size` (at most 16) bytes. */
static void shuffle(void *base, uint64_t n, size_t size, uint64_t seed)
{
	unsigned char *b = base, t[16];

	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = next_random(&seed) % i;

		memcpy(t, b + (i - 1) * size, size);
		memcpy(b + (i - 1) * size, b + j * size, size);
		memcpy(b + j * size, t, size);
	}
}

/* This CPU's blocks in a random order, before the phase that frees them
 * (untimed), from a seed fixed per CPU. */
static void shuffle_own(struct bench_cpu *bc)
{
	struct frame_run *fr = bc->arg;

	shuffle(fr->blocks[bc->cpu], fr->per_cpu, sizeof(struct page *),
		0x2545f4914f6cdd1dull * (bc->cpu + 1));
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

/*
 * frame.frag, after LLFree's fragmentation benchmark (its artifact ran it
 * on 8 cores of a 128 GiB VM; here the memory is the guest's):
 *   fill     every CPU allocates its share of FRAG_FILL_PERCENT of free
 *            memory, blocks of the orders of frag_orders in turn;
 *   shuffle  the coordinator permutes the blocks of all CPUs, so that each
 *            CPU frees blocks that others allocated, as the paper does;
 *   halve    every CPU frees the second half of its blocks, which leaves
 *            memory about half full in a random pattern;
 *   rounds   (timed) in each of FRAG_ROUNDS rounds every CPU frees
 *            FRAG_REALLOC_PERCENT of its blocks, chosen at random, then
 *            allocates as many again, of the same orders;
 *   measure  the coordinator takes the frame census and writes the frag
 *            record: free frames, and the huge frames wholly free;
 *   release  every CPU frees its blocks.
 * All but the rounds are untimed. The random choices come from seeds
 * fixed per CPU, so deterministic dumps stay identical.
 */
#define FRAG_FILL_PERCENT 90	/* the paper's: 90% of the zone before halving */
#define FRAG_REALLOC_PERCENT 10	/* the paper's: 10% of the blocks per round */
#define FRAG_ROUNDS 50		/* half the paper's 100, at bench_scale=100 (README) */

/* Mostly single frames, as the paper's (order 0 only), with some blocks
 * of the orders that page tables, stacks and slabs ask for (1-3). */
static const uint8_t frag_orders[] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 3 };
#define FRAG_MIX (sizeof(frag_orders) / sizeof(frag_orders[0]))

struct frag_block {
	struct page *page;	/* NULL while freed */
	unsigned order;
};

struct frag_cpu {
	uint64_t rng;
	uint64_t *holes;	/* the slots this round freed, to allocate again */
	bool failed;		/* an allocation failed: this CPU stops */
} __attribute__((aligned(64)));

struct frag_run {
	struct frag_block *blocks;	/* CPU c's: [c * per_cpu, (c + 1) * per_cpu) */
	uint64_t per_cpu;		/* blocks a CPU allocates in the fill */
	uint64_t live;			/* those it keeps after halving: the first */
	uint64_t batch;			/* frees, then allocations, per round and CPU */
	struct frag_cpu cpu[BENCH_MAX_CPUS];
};

static struct frag_block *own_blocks(struct frag_run *fr, unsigned cpu)
{
	return fr->blocks + cpu * fr->per_cpu;
}

static uint64_t mix_frames(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < FRAG_MIX; i++)
		n += 1ull << frag_orders[i];
	return n;
}

static void frag_fill(void *arg)
{
	struct frag_run *fr = arg;
	struct frag_block *b = own_blocks(fr, bench_cpu_id());

	for (uint64_t i = 0; i < fr->per_cpu; i++) {
		b[i].order = frag_orders[i % FRAG_MIX];
		b[i].page = alloc_pages(GFP_KERNEL, b[i].order);
	}
}

/* Frees this CPU's blocks from slot `from` on. */
static void frag_release(struct frag_run *fr, uint64_t from)
{
	struct frag_block *b = own_blocks(fr, bench_cpu_id());

	for (uint64_t i = from; i < fr->per_cpu; i++) {
		if (b[i].page)
			__free_pages(b[i].page, b[i].order);
		b[i].page = NULL;
	}
}

static void frag_halve(void *arg)
{
	struct frag_run *fr = arg;

	frag_release(fr, fr->live);
}

static void frag_release_all(void *arg)
{
	frag_release(arg, 0);
}

/* Call i of a CPU: the first `batch` calls of each round free random
 * blocks of those it keeps, the next `batch` allocate them again. */
static void frag_op(struct bench_cpu *bc, unsigned i)
{
	struct frag_run *fr = bc->arg;
	struct frag_cpu *fc = &fr->cpu[bc->cpu];
	struct frag_block *b = own_blocks(fr, bc->cpu);
	uint64_t j = i % (2 * fr->batch);

	if (fc->failed)
		return;
	if (j < fr->batch) {
		uint64_t s = next_random(&fc->rng) % fr->live;

		while (b[s].page == NULL)	/* freed earlier this round */
			s = next_random(&fc->rng) % fr->live;
		fc->holes[j] = s;
		BENCH_TIME(bc, 1, __free_pages(b[s].page, b[s].order));
		b[s].page = NULL;
	} else {
		struct frag_block *h = &b[fc->holes[j - fr->batch]];

		BENCH_TIME(bc, 0, h->page = alloc_pages(GFP_KERNEL, h->order));
		if (h->page == NULL) {
			bench_fail("alloc_pages(order %u) failed in round %llu", h->order,
				   (unsigned long long)(i / (2 * fr->batch)));
			fc->failed = true;
		}
	}
}

/* The rounds, then the measure, on memory that was filled and halved. */
static int frag_rounds(const struct bench_step *step, struct frag_run *fr)
{
	uint64_t rounds = bench_ops(step, FRAG_ROUNDS);
	struct mm_frame_accounting a;
	int rc;

	if (rounds > UINT32_MAX / (2 * fr->batch))
		rounds = UINT32_MAX / (2 * fr->batch);
	struct bench_phase ph = { .suite = "frame.frag", .ops = { "alloc", "free" }, .params = "",
				  .ops_per_cpu = (unsigned)(rounds * 2 * fr->batch),
				  .run = frag_op, .arg = fr };
	rc = bench_phase_run(step, &ph);
	mm_frame_accounting(&a);
	bench_record("frag", "suite=frame.frag cpus=%u mode=%s free_frames=%llu free_huge=%llu "
		     "huge_order=%u", step->cpus, bench_mode_names[step->mode],
		     (unsigned long long)(a.free + a.cached), (unsigned long long)a.free_huge,
		     MM_HUGE_ORDER);
	return rc;
}

/* Whether the fill got every block it asked for. */
static bool filled(struct frag_run *fr, uint64_t total)
{
	for (uint64_t i = 0; i < total; i++) {
		if (fr->blocks[i].page == NULL) {
			bench_printf("bench: frame.frag: the fill found no block of order %u\n",
				     fr->blocks[i].order);
			return false;
		}
	}
	return true;
}

/* Fill, shuffle, halve, the rounds and the measure, release. */
static int frag_experiment(const struct bench_step *step, struct frag_run *fr, uint64_t *holes)
{
	uint64_t total = fr->per_cpu * step->cpus;
	int rc = -1;

	for (unsigned c = 0; c < step->cpus; c++)
		fr->cpu[c] = (struct frag_cpu){ .rng = 0x9e3779b97f4a7c15ull * (c + 1),
						.holes = holes + c * fr->batch };
	bench_on_cpus(step->cpus, frag_fill, fr);
	if (filled(fr, total)) {
		shuffle(fr->blocks, total, sizeof(*fr->blocks), 0x2545f4914f6cdd1dull);
		bench_on_cpus(step->cpus, frag_halve, fr);
		rc = frag_rounds(step, fr);
	}
	bench_on_cpus(step->cpus, frag_release_all, fr);
	return rc;
}

int bench_frame_frag(const struct bench_step *step)
{
	static struct frag_run fr;
	uint64_t *holes;
	int rc = -1;

	fr = (struct frag_run){ 0 };
	fr.per_cpu = mm_free_frames() * FRAG_FILL_PERCENT / 100 / step->cpus / mix_frames() *
		     FRAG_MIX;
	fr.live = fr.per_cpu / 2;
	fr.batch = fr.live * FRAG_REALLOC_PERCENT / 100;
	fr.blocks = kcalloc(fr.per_cpu * step->cpus, sizeof(*fr.blocks), GFP_KERNEL);
	holes = kcalloc(fr.batch * step->cpus, sizeof(*holes), GFP_KERNEL);
	if (fr.batch == 0 || fr.blocks == NULL || holes == NULL)
		bench_printf("bench: frame.frag: no memory for %llu blocks\n",
			     (unsigned long long)(fr.per_cpu * step->cpus));
	else
		rc = frag_experiment(step, &fr, holes);
	kfree(holes);
	kfree(fr.blocks);
	return rc;
}
