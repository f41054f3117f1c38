/*
 * alloc.cache_thrash and alloc.cache_scratch - Hoard's tests of false
 * sharing (Berger et al., ASPLOS 2000: "active-false" and
 * "passive-false"; benchmarks/cache-thrash and cache-scratch in the Hoard
 * repository) on kmalloc/kfree. A call of run() allocates a small object,
 * writes each of its bytes `reps` times (op write: only this loop is
 * timed) and frees it.
 *   cache_thrash   each CPU allocates its own objects from the start: an
 *                  allocator that carves different CPUs' objects from
 *                  one cache line makes the CPUs fight over it (active);
 *   cache_scratch  the coordinator (CPU 0) first allocates one object
 *                  per CPU and hands them out; each CPU frees the one it
 *                  was given before its loop, so an allocator that gives a
 *                  freed object back to the CPU that freed it (a
 *                  per-CPU magazine) keeps CPU 0's neighbouring objects
 *                  on different CPUs (passive).
 * The question the two exist for is answered in the same step, measured:
 *   - sharing: each CPU notes the object of its first timed call (all
 *     CPUs hold theirs at once, just after the start barrier); afterwards
 *     the coordinator counts the CPUs whose object shares a 64-byte line
 *     with another CPU's and writes it in a `share` record
 *     (bench/FORMAT.md), which summary.csv carries as shared_cpus;
 *   - effect: a control phase, op write_private, runs the same loop the
 *     same number of times on a line-private buffer per CPU, with no
 *     allocation: write against write_private is what the allocator's
 *     placement costs.
 *
 * Parameters (bench/README.md, "Allocator benchmarks from the
 * literature"): mimalloc-bench's `cache-thrash N 1000 1 2000000 N` and
 * `cache-scratch N 1000 1 2000000 N`: 1,000 objects per CPU, of 1 byte
 * (kmalloc's smallest class, 8 bytes, holds it). Changed: each object is
 * written 50,000 times, where Hoard divides 2,000,000 among the threads
 * (a call of run() must do the same work at every CPU count, or the
 * speedups mean nothing); the volatile byte Hoard increments on the
 * stack after each read is left out.
 *
 * Sharing: in cache_scratch the coordinator's objects reach the CPUs
 * through the phase's argument (bench_on_cpus orders it) and each CPU
 * frees only its own. The noted addresses are per-CPU slots, read by the
 * coordinator after the phase. Otherwise nothing is shared but what the
 * allocator makes shared.
 */
#include <mm/gfp.h>
#include <mm/slab.h>

#include "bench.h"
#include "lib/format.h"

#define CACHE_LINE 64
#define CACHE_OBJSIZE 1
#define CACHE_ITERS 1000	/* per CPU before scaling, Hoard's */
#define CACHE_REPS 50000	/* writes of each byte per object; Hoard's: 2,000,000 / N */

struct cache_run {
	const char *suite;
	size_t size;		/* at run time, as malloc gets it */
	void *given[BENCH_MAX_CPUS];	/* cache_scratch: CPU 0's objects */
	uintptr_t first[BENCH_MAX_CPUS];	/* each CPU's object of its first timed call */
};

/* A line of its own for each CPU's control buffer. */
static struct {
	_Alignas(CACHE_LINE) char b[CACHE_LINE];
} private_line[BENCH_MAX_CPUS];

/* Hoard's loop: write every byte of the object, read it back. */
static void write_loop(volatile char *obj, size_t size)
{
	for (unsigned j = 0; j < CACHE_REPS; j++)
		for (size_t k = 0; k < size; k++) {
			obj[k] = (char)k;
			(void)obj[k];
		}
}

static void write_object(struct bench_cpu *bc, unsigned i)
{
	struct cache_run *cr = bc->arg;
	char *p = kmalloc(cr->size, GFP_KERNEL);

	(void)i;
	if (p == NULL) {
		bench_fail("%s: kmalloc(%zu) failed", cr->suite, cr->size);
		return;
	}
	if (!bc->warming && cr->first[bc->cpu] == 0)
		cr->first[bc->cpu] = (uintptr_t)p;
	BENCH_TIME(bc, 0, write_loop(p, cr->size));
	kfree(p);
}

static void write_private(struct bench_cpu *bc, unsigned i)
{
	struct cache_run *cr = bc->arg;

	(void)i;
	BENCH_TIME(bc, 0, write_loop(private_line[bc->cpu].b, cr->size));
}

static void free_given(struct bench_cpu *bc)
{
	struct cache_run *cr = bc->arg;

	kfree(cr->given[bc->cpu]);
}

/* Whether [a, a + size) and [b, b + size) touch a common line. */
static bool same_line(uintptr_t a, uintptr_t b, size_t size)
{
	return a / CACHE_LINE <= (b + size - 1) / CACHE_LINE &&
	       b / CACHE_LINE <= (a + size - 1) / CACHE_LINE;
}

/* CPUs whose noted object shares a line with another CPU's. */
static unsigned shared_cpus(const struct cache_run *cr, unsigned cpus)
{
	unsigned n = 0;

	for (unsigned c = 0; c < cpus; c++)
		for (unsigned d = 0; d < cpus; d++)
			if (d != c && same_line(cr->first[c], cr->first[d], cr->size)) {
				n++;
				break;
			}
	return n;
}

static int cache_suite(const struct bench_step *step, const char *suite, bool scratch)
{
	static struct cache_run cr;
	unsigned iters = bench_ops(step, CACHE_ITERS);
	char params[96];
	int rc;

	cr = (struct cache_run){ .suite = suite, .size = CACHE_OBJSIZE };
	ksnprintf(params, sizeof(params), "objsize=%u iters=%u reps=%u published=reps:2000000/N",
		  CACHE_OBJSIZE, iters, CACHE_REPS);
	struct bench_phase control = { .suite = suite, .ops = { "write_private" },
				       .params = params, .ops_per_cpu = iters,
				       .run = write_private, .arg = &cr };
	struct bench_phase objects = { .suite = suite, .ops = { "write" }, .params = params,
				       .ops_per_cpu = iters, .run = write_object, .arg = &cr };
	for (unsigned c = 0; scratch && c < step->cpus; c++) {
		if ((cr.given[c] = kmalloc(cr.size, GFP_KERNEL)) == NULL) {
			bench_printf("bench: %s: no memory for the objects to hand out\n", suite);
			for (unsigned d = 0; d < c; d++)
				kfree(cr.given[d]);
			return -1;
		}
	}
	if (scratch)
		objects.warm = free_given;
	rc = bench_phase_run(step, &control);
	rc |= bench_phase_run(step, &objects);
	bench_record("share", "suite=%s cpus=%u mode=%s shared=%u line=%u", suite, step->cpus,
		     bench_mode_names[step->mode], shared_cpus(&cr, step->cpus), CACHE_LINE);
	return rc;
}

int bench_alloc_cache_thrash(const struct bench_step *step)
{
	return cache_suite(step, "alloc.cache_thrash", false);
}

int bench_alloc_cache_scratch(const struct bench_step *step)
{
	return cache_suite(step, "alloc.cache_scratch", true);
}
