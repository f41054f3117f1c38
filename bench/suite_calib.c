/*
 * The calibration suites: what the platform itself does when CPUs are
 * added, measured by the same harness as the allocators, so that every
 * other series can be read against it (the report's scaling ceiling).
 *   calib.empty   op timer: an empty operation: the harness's own cost in
 *                 each timing mode (the timer's, and the loop's);
 *   calib.work    op reg: a fixed chain of register-only arithmetic;
 *                 op private: increments of a counter on this CPU's own
 *                 cache line. Neither shares anything, so on a machine
 *                 whose CPUs are independent both scale perfectly; the
 *                 ratio they reach at N CPUs is the platform's ceiling;
 *   calib.shared  op write: an atomic add to one cache line every CPU
 *                 writes: the contention ceiling, the worst a shared
 *                 counter or lock word can do.
 * They run in every timing mode the harness has (bench_suite.every_mode).
 */
#include <stdatomic.h>

#include "bench.h"

#define CALIB_OPS 200000	/* per CPU, before scaling: tens of ms a phase, so one
				 * scheduler tick of the host does not decide it */
#define REG_STEPS 32		/* dependent multiply-adds per reg op */
#define PRIVATE_INCS 20		/* increments per private op */

/* A line of its own for each CPU's counter, and for the shared one. */
static struct {
	_Alignas(64) volatile uint64_t n;
} private_line[BENCH_MAX_CPUS];

static struct {
	_Alignas(64) _Atomic uint64_t n;
} shared_line;

static void empty_one(struct bench_cpu *bc, unsigned i)
{
	(void)i;
	BENCH_TIME(bc, 0, );
}

/* An LCG step the compiler cannot fold: the empty asm hides x's value. */
static inline uint64_t reg_work(uint64_t x)
{
	for (unsigned s = 0; s < REG_STEPS; s++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

static void reg_one(struct bench_cpu *bc, unsigned i)
{
	uint64_t x = i;

	BENCH_TIME(bc, 0, x = reg_work(x));
	__asm__ volatile("" : : "r"(x));
}

static void private_one(struct bench_cpu *bc, unsigned i)
{
	volatile uint64_t *n = &private_line[bc->cpu].n;

	(void)i;
	BENCH_TIME(bc, 0, for (unsigned k = 0; k < PRIVATE_INCS; k++) (*n)++);
}

static void shared_one(struct bench_cpu *bc, unsigned i)
{
	(void)i;
	BENCH_TIME(bc, 0, atomic_fetch_add_explicit(&shared_line.n, 1, memory_order_relaxed));
}

static int one_phase(const struct bench_step *step, const char *suite, const char *op,
		     const char *params, void (*run)(struct bench_cpu *, unsigned))
{
	struct bench_phase ph = { .suite = suite, .ops = { op }, .params = params,
				  .ops_per_cpu = bench_ops(step, CALIB_OPS), .warm_ops = 256,
				  .run = run };

	return bench_phase_run(step, &ph);
}

int bench_calib_empty(const struct bench_step *step)
{
	return one_phase(step, "calib.empty", "timer", "", empty_one);
}

int bench_calib_work(const struct bench_step *step)
{
	return one_phase(step, "calib.work", "reg", "steps=32", reg_one) |
	       one_phase(step, "calib.work", "private", "incs=20", private_one);
}

int bench_calib_shared(const struct bench_step *step)
{
	return one_phase(step, "calib.shared", "write", "", shared_one);
}
