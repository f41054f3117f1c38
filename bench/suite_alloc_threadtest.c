/*
 * alloc.threadtest - Hoard's threadtest (Berger et al., ASPLOS 2000;
 * benchmarks/threadtest in the Hoard repository) on kmalloc/kfree: each
 * CPU, in rounds, allocates a batch of objects of its own and then frees
 * them all. Nothing crosses CPUs, so it measures how far the allocator's
 * own paths scale. One call of run() is one kmalloc (op malloc) or one
 * kfree (op free); either record's ops/s is pairs a second.
 *
 * Parameters (bench/README.md, "Allocator benchmarks from the
 * literature"): Hoard's suggested `threadtest P 1000 10000 0 8`: 10,000
 * objects shared out among the CPUs (10,000 / cpus each, as Hoard divides
 * them among its threads), each an array of 8 two-int objects (64 bytes)
 * whose words are written as its constructor would, no work between
 * calls; 100 rounds before bench_scale instead of 1,000.
 *
 * Locking: none. Each CPU uses only its own slot array, which the
 * coordinator allocates before the phase and frees after it
 * (bench_on_cpus orders both).
 */
#include <mm/gfp.h>
#include <mm/slab.h>

#include "bench.h"
#include "lib/format.h"

#define TT_OBJS 10000		/* over all CPUs, as Hoard's nobjects */
#define TT_OBJSIZE 64		/* Hoard's objSize 8 counts 8-byte Foos */
#define TT_ROUNDS 100		/* before scaling; Hoard's: 1000 */

struct tt_run {
	unsigned batch;		/* objects per CPU and round */
	size_t size;		/* at run time, as malloc gets it */
	void **objs[BENCH_MAX_CPUS];
};

/* What Foo's constructor does: two ints written per 8 bytes. */
static void construct(uint32_t *w, size_t size)
{
	for (size_t k = 0; k < size / 8; k++) {
		w[2 * k] = 14;
		w[2 * k + 1] = 29;
	}
}

static void tt_op(struct bench_cpu *bc, unsigned i)
{
	struct tt_run *tr = bc->arg;
	unsigned j = i % (2 * tr->batch);
	void **slot = &tr->objs[bc->cpu][j % tr->batch];

	if (j < tr->batch) {
		BENCH_TIME(bc, 0, *slot = kmalloc(tr->size, GFP_KERNEL));
		if (*slot == NULL)
			bench_fail("alloc.threadtest: kmalloc(%zu) failed", tr->size);
		else
			construct(*slot, tr->size);
	} else {
		BENCH_TIME(bc, 1, kfree(*slot));
	}
}

int bench_alloc_threadtest(const struct bench_step *step)
{
	static struct tt_run tr;
	unsigned rounds = bench_ops(step, TT_ROUNDS);
	char params[96];
	int rc = 0;

	tr = (struct tt_run){ .batch = TT_OBJS / step->cpus, .size = TT_OBJSIZE };
	for (unsigned c = 0; c < step->cpus; c++) {
		tr.objs[c] = kcalloc(tr.batch, sizeof(void *), GFP_KERNEL);
		if (tr.objs[c] == NULL) {
			bench_printf("bench: alloc.threadtest: no memory for the slot arrays\n");
			rc = -1;
		}
	}
	ksnprintf(params, sizeof(params), "objsize=%u objs=%u iterations=%u published=iterations:1000",
		  TT_OBJSIZE, TT_OBJS, rounds);
	/* One untimed round first: the warm-up. */
	struct bench_phase ph = { .suite = "alloc.threadtest", .ops = { "malloc", "free" },
				  .params = params, .ops_per_cpu = rounds * 2 * tr.batch,
				  .warm_ops = 2 * tr.batch, .run = tt_op, .arg = &tr };
	if (rc == 0)
		rc = bench_phase_run(step, &ph);
	for (unsigned c = 0; c < step->cpus; c++)
		kfree(tr.objs[c]);
	return rc;
}
