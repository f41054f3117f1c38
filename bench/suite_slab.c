/*
 * The slab suites, through kmalloc/kfree, at 16, 64, 256, 1024 and 4096
 * bytes:
 *   slab.pair    kmalloc then kfree of one object, in a loop (ops kmalloc
 *                and kfree): the per-CPU fast path;
 *   slab.bulk    each CPU allocates a batch (op kmalloc), then frees it
 *                (op kfree): the magazines run dry and overflow, so the
 *                depot and the slab layer work too;
 *   slab.remote  producer/consumer: each CPU allocates a batch (op
 *                kmalloc), then frees the next CPU's batch (op
 *                kfree_remote).
 */
#include <mm/gfp.h>
#include <mm/slab.h>

#include "bench.h"
#include "lib/format.h"

static const unsigned sizes[] = { 16, 64, 256, 1024, 4096 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))
#define BATCH 1024	/* objects per CPU in bulk and remote, before scaling */

struct slab_run {
	unsigned size;
	void **objs[BENCH_MAX_CPUS];	/* the scaled batch each */
};

static void warm(struct bench_cpu *bc)
{
	struct slab_run *sr = bc->arg;

	for (unsigned i = 0; i < 256; i++)
		kfree(kmalloc(sr->size, GFP_KERNEL));
}

/*
 * slab.pair passes the size as a compile-time constant, as most kernel call
 * sites do, so that kmalloc goes straight to the size's cache (<mm/slab.h>,
 * as in Linux): one run function per size. The other suites pass it at run
 * time, through __kmalloc's size-class lookup.
 */
#define PAIR_ONE(sz)                                                                  \
	static void pair_one_##sz(struct bench_cpu *bc, unsigned i)                   \
	{                                                                             \
		void *p;                                                              \
                                                                                      \
		BENCH_TIME(bc, 0, p = kmalloc(sz, GFP_KERNEL));                       \
		if (p == NULL) {                                                      \
			bench_fail("kmalloc(%u) failed at round %u", (unsigned)(sz), i); \
			return;                                                       \
		}                                                                     \
		BENCH_TIME(bc, 1, kfree(p));                                          \
	}
PAIR_ONE(16)
PAIR_ONE(64)
PAIR_ONE(256)
PAIR_ONE(1024)
PAIR_ONE(4096)

/* In the order of sizes[]. */
static void (*const pair_one[NSIZES])(struct bench_cpu *, unsigned) = {
	pair_one_16, pair_one_64, pair_one_256, pair_one_1024, pair_one_4096,
};

static void alloc_one(struct bench_cpu *bc, unsigned i)
{
	struct slab_run *sr = bc->arg;
	void *p;

	BENCH_TIME(bc, 0, p = kmalloc(sr->size, GFP_KERNEL));
	if (p == NULL)
		bench_fail("kmalloc(%u) failed after %u objects", sr->size, i);
	sr->objs[bc->cpu][i] = p;
}

static void free_own(struct bench_cpu *bc, unsigned i)
{
	struct slab_run *sr = bc->arg;

	BENCH_TIME(bc, 0, kfree(sr->objs[bc->cpu][i]));
}

static void free_next(struct bench_cpu *bc, unsigned i)
{
	struct slab_run *sr = bc->arg;

	BENCH_TIME(bc, 0, kfree(sr->objs[(bc->cpu + 1) % bc->cpus][i]));
}

static int batches(const struct bench_step *step, const char *suite, const char *second_op,
		   void (*second)(struct bench_cpu *, unsigned))
{
	static struct slab_run sr;
	unsigned n = bench_ops(step, BATCH);
	char params[32];
	int rc = 0;

	for (unsigned s = 0; s < NSIZES; s++) {
		sr = (struct slab_run){ .size = sizes[s] };
		for (unsigned c = 0; c < step->cpus; c++) {
			sr.objs[c] = kcalloc(n, sizeof(void *), GFP_KERNEL);
			if (sr.objs[c] == NULL) {
				bench_printf("bench: %s: no memory for the object arrays\n", suite);
				rc = -1;
			}
		}
		ksnprintf(params, sizeof(params), "size=%u", sr.size);
		struct bench_phase alloc = { .suite = suite, .ops = { "kmalloc" }, .params = params,
					     .ops_per_cpu = n, .warm = warm, .run = alloc_one,
					     .arg = &sr };
		struct bench_phase release = { .suite = suite, .ops = { second_op },
					       .params = params, .ops_per_cpu = n, .run = second,
					       .arg = &sr };
		if (rc == 0) {
			rc |= bench_phase_run(step, &alloc);
			rc |= bench_phase_run(step, &release);
		}
		for (unsigned c = 0; c < step->cpus; c++)
			kfree(sr.objs[c]);
	}
	return rc;
}

int bench_slab_bulk(const struct bench_step *step)
{
	return batches(step, "slab.bulk", "kfree", free_own);
}

int bench_slab_remote(const struct bench_step *step)
{
	return batches(step, "slab.remote", "kfree_remote", free_next);
}

int bench_slab_pair(const struct bench_step *step)
{
	static struct slab_run sr;
	char params[32];
	int rc = 0;

	for (unsigned s = 0; s < NSIZES; s++) {
		sr = (struct slab_run){ .size = sizes[s] };
		ksnprintf(params, sizeof(params), "size=%u", sr.size);
		struct bench_phase ph = { .suite = "slab.pair", .ops = { "kmalloc", "kfree" },
					  .params = params, .ops_per_cpu = bench_ops(step, 40000),
					  .warm = warm, .run = pair_one[s], .arg = &sr };
		rc |= bench_phase_run(step, &ph);
	}
	return rc;
}
