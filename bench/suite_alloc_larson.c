/*
 * alloc.larson - Larson and Krishnan's server simulation ("Memory
 * allocation for long-running server applications", ISMM 1998), as Hoard
 * and mimalloc-bench run it, on kmalloc/kfree. Each CPU works on an array
 * of slots holding objects of random sizes in [min, max): a call of run()
 * picks a random slot, frees the object there (op free) and allocates a
 * new one (op malloc), then writes its first two bytes. After a round the
 * CPU hands its array to the next CPU and takes the previous CPU's, so
 * most objects are freed by a CPU that did not allocate them (in Larson's
 * program a finished thread's array goes to a new thread).
 *
 * Parameters (bench/README.md, "Allocator benchmarks from the
 * literature"): mimalloc-bench's `larson 5 8 1000 5000 100 4141 P`: sizes
 * 8 to 999 bytes, 5,000 slots a CPU, filled before the phase by the
 * coordinator, shuffled and churned 4 times over as Larson's warmup does
 * (so they start out allocated by CPU 0). Changed: a round is 5,000
 * replacements (Larson's: 100 x 5,000 before a thread hands its array
 * on), and the phase runs a count of rounds, not 5 seconds.
 *
 * Sharing and ordering: array a is used in round r by CPU (a + r) % cpus
 * alone. Its turn word says which round may use it: the CPU that ends a
 * round with it stores r + 1 with release, the next user spins until it
 * reads r + 1 with acquire, so the slots and the random state it inherits
 * are the ones last written. Each array's turn word has a line of its own.
 */
#include <stdatomic.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include "bench.h"
#include "lib/format.h"

#define LARSON_MIN 8
#define LARSON_MAX 1000		/* exclusive, as Larson's min + rand % range */
#define LARSON_SLOTS 5000	/* per CPU: Larson's chunks per thread */
#define LARSON_PER_ROUND 5000	/* replacements before the handover */
#define LARSON_ROUNDS 40	/* before scaling */
#define LARSON_CHURN 4		/* warm-up replacements per slot (Larson's warmup) */

struct larson_array {
	_Alignas(64) _Atomic unsigned turn;	/* the round that may use it */
	uint64_t rng;		/* travels with the array, as in Larson's */
	void **slot;
};

struct larson_run {
	void **all;		/* cpus * LARSON_SLOTS, array a's from a * LARSON_SLOTS */
	struct larson_array arr[BENCH_MAX_CPUS];
};

static uint64_t next_random(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static size_t random_size(uint64_t *rng)
{
	return LARSON_MIN + next_random(rng) % (LARSON_MAX - LARSON_MIN);
}

static void larson_op(struct bench_cpu *bc, unsigned i)
{
	struct larson_run *lr = bc->arg;
	unsigned r = i / LARSON_PER_ROUND, k = i % LARSON_PER_ROUND;
	struct larson_array *a = &lr->arr[(bc->cpu + bc->cpus - r % bc->cpus) % bc->cpus];
	size_t size;
	char *p;

	if (k == 0)
		while (atomic_load_explicit(&a->turn, memory_order_acquire) != r)
			bench_relax();
	void **slot = &a->slot[next_random(&a->rng) % LARSON_SLOTS];
	size = random_size(&a->rng);
	BENCH_TIME(bc, 0, kfree(*slot));
	BENCH_TIME(bc, 1, p = kmalloc(size, GFP_KERNEL));
	*slot = p;
	if (p == NULL) {
		bench_fail("alloc.larson: kmalloc(%zu) failed", size);
	} else {
		p[0] = 'a';
		p[1] = 'b';
	}
	if (k == LARSON_PER_ROUND - 1)
		atomic_store_explicit(&a->turn, r + 1, memory_order_release);
}

/* Larson's warmup, on the coordinator: fill every slot, shuffle, churn. */
static int larson_fill(struct larson_run *lr, unsigned n)
{
	uint64_t rng = 4141;	/* mimalloc-bench's seed */

	for (unsigned s = 0; s < n; s++)
		if ((lr->all[s] = kmalloc(random_size(&rng), GFP_KERNEL)) == NULL)
			return -1;
	for (unsigned s = n - 1; s > 0; s--) {
		unsigned t = (unsigned)(next_random(&rng) % (s + 1));
		void *x = lr->all[s];

		lr->all[s] = lr->all[t];
		lr->all[t] = x;
	}
	for (unsigned c = 0; c < LARSON_CHURN * n; c++) {
		void **slot = &lr->all[next_random(&rng) % n];

		kfree(*slot);
		if ((*slot = kmalloc(random_size(&rng), GFP_KERNEL)) == NULL)
			return -1;
	}
	return 0;
}

int bench_alloc_larson(const struct bench_step *step)
{
	static struct larson_run lr;
	unsigned n = step->cpus * LARSON_SLOTS, rounds = bench_ops(step, LARSON_ROUNDS);
	char params[128];
	int rc = -1;

	lr = (struct larson_run){ .all = kcalloc(n, sizeof(void *), GFP_KERNEL) };
	if (lr.all == NULL || larson_fill(&lr, n) != 0) {
		bench_printf("bench: alloc.larson: no memory for %u slots and their objects\n", n);
	} else {
		for (unsigned c = 0; c < step->cpus; c++)
			lr.arr[c] = (struct larson_array){ .rng = 0x9e3779b97f4a7c15ull * (c + 1),
							   .slot = &lr.all[c * LARSON_SLOTS] };
		ksnprintf(params, sizeof(params),
			  "minsize=%u maxsize=%u slots=%u perround=%u nrounds=%u "
			  "published=perround:500000,time:5s", LARSON_MIN, LARSON_MAX,
			  LARSON_SLOTS, LARSON_PER_ROUND, rounds);
		struct bench_phase ph = { .suite = "alloc.larson", .ops = { "free", "malloc" },
					  .params = params, .ops_per_cpu = rounds * LARSON_PER_ROUND,
					  .run = larson_op, .arg = &lr };
		rc = bench_phase_run(step, &ph);
	}
	for (unsigned s = 0; lr.all != NULL && s < n; s++)
		kfree(lr.all[s]);
	kfree(lr.all);
	return rc;
}
