/*
 * bench/bench.h - the benchmark harness: what a suite sees.
 *
 * The harness is portable: it reaches its machine only through
 * "bench_target.h" (the kernel's, kernel/include/bench_target.h, or the
 * hosted one, bench/hosted/bench_target.h, which runs the same suites as a
 * Linux program on pinned threads). Suites that need the kernel itself
 * (address spaces, shootdowns, IPIs, user programs) use bench_kernel.h and
 * are listed in the target's own table (bench_target_suites).
 *
 * A suite (bench/suite_*.c, listed in bench/suites.c) is run once per CPU
 * count and timing mode the command line asks for. It measures in phases
 * (bench_phase_run): every participating CPU (ids 0 .. cpus-1) runs the
 * phase's warm-up, then waits at a barrier, so all start their timed
 * operations together, runs its operations, timing them as the mode says,
 * and waits at a second barrier. The histograms are merged and written out
 * as one `hist` record per operation kind (bench/FORMAT.md), with the
 * phase's wall time, the operations done and the IPI and flush counters of
 * every CPU over the phase.
 *
 * Timing modes (enum bench_mode; bench/README.md has the measurements
 * behind the default):
 *   each    every operation between two serialising TSC reads;
 *   sample  a pseudo-random 1 in sample_period calls of run() timed, the
 *           others run untimed: the histograms keep their shape while the
 *           timer's own cost, and any serialisation it causes between CPUs,
 *           shrinks by the period;
 *   batch   no operation timed on its own: batches of `batch` calls of
 *           run() between two TSC reads, each recorded as its mean per call
 *           under the op name "<kind0>+<kind1>" (throughput, not latency).
 * Throughput always comes from the phase's wall time and the operations
 * done, timed or not.
 *
 * Interrupts are off for the whole phase on every participating CPU,
 * unless the phase says irqs_on: then they are off only inside each
 * operation (BENCH_TIME), which is what a phase needs whose CPUs must
 * answer each other's TLB-flush IPIs between operations; irqs_in_op leaves
 * them on inside the operation too (an operation that waits for an IPI).
 *
 * Context: the boot CPU runs the harness after every CPU is online; phase
 * functions run on the participating CPUs through bench_on_cpus and must
 * not start other cross-CPU calls themselves.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "bench_target.h"
#include "hist.h"

#define BENCH_MAX_KINDS 2	/* operation kinds timed in one phase */

enum bench_mode { BENCH_EACH, BENCH_SAMPLE, BENCH_BATCH, BENCH_NR_MODES };

extern const char *const bench_mode_names[BENCH_NR_MODES];

struct bench_step {
	unsigned cpus;		/* CPUs taking part, ids 0 .. cpus-1 */
	unsigned scale;		/* percent of the default operation counts */
	enum bench_mode mode;
	unsigned sample_period;	/* sample mode: a power of two */
	unsigned batch;		/* batch mode: calls of run() per timed batch */
};

struct bench_cpu {
	unsigned cpu;		/* 0 .. cpus-1 */
	unsigned cpus;
	struct hist *hist[BENCH_MAX_KINDS];
	uint64_t ops[BENCH_MAX_KINDS];	/* operations done after the warm-up */
	void *arg;		/* the phase's */
	bool mask_irqs;		/* interrupts off inside each operation */
	bool timing;		/* this call of run() is timed */
	bool warming;		/* in the warm-up rounds: nothing is recorded */
	uint64_t rng;		/* sample mode's choice of calls (xorshift64) */
	uint64_t rounds;	/* shootdown IPI rounds of its timed operations */
};

struct bench_phase {
	const char *suite;
	const char *ops[BENCH_MAX_KINDS];	/* name of each kind; NULL: unused */
	const char *params;	/* "key=value ..." for the records, or "" */
	unsigned ops_per_cpu;	/* calls of run() */
	unsigned warm_ops;	/* untimed calls of run() first, on every CPU */
	bool irqs_on;
	bool irqs_in_op;	/* with irqs_on: not even masked inside an operation */
	void (*warm)(struct bench_cpu *bc);	/* before the warm-up rounds; may be NULL */
	void (*run)(struct bench_cpu *bc, unsigned i);	/* times with BENCH_TIME */
	void (*done)(struct bench_cpu *bc);	/* after the end barrier; may be NULL */
	void *arg;
};

/* Runs the phase on step->cpus CPUs and writes its records. Returns 0, or
 * -1 if a CPU reported a failure (bench_fail). */
int bench_phase_run(const struct bench_step *step, const struct bench_phase *ph);

/* Called from a phase function: the phase (and so the suite) failed. */
void bench_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs `stmt` as one operation of kind k of the calling CPU's phase, timed
 * when this call of run() is (bc->timing; never in the warm-up rounds).
 * stmt is written out twice, once between TSC reads and once without: an
 * untimed operation pays nothing for the timer. */
#define BENCH_TIME(bc, k, stmt)                                                 \
	do {                                                                    \
		bench_irqflags_t bench_irq_ = (bc)->mask_irqs ? bench_irq_save() : 0; \
		if ((bc)->timing) {                                             \
			uint64_t bench_t0_ = bench_tsc();                       \
			stmt;                                                   \
			uint64_t bench_t1_ = bench_tsc();                       \
			if ((bc)->mask_irqs)                                    \
				bench_irq_restore(bench_irq_);                  \
			hist_record((bc)->hist[k], bench_t1_ - bench_t0_);      \
		} else {                                                        \
			stmt;                                                   \
			if ((bc)->mask_irqs)                                    \
				bench_irq_restore(bench_irq_);                  \
		}                                                               \
		(bc)->ops[k]++;                                                 \
	} while (0)

/* n scaled by step->scale (bench_scale=, bench_quick=), at least 1. */
unsigned bench_ops(const struct bench_step *step, unsigned n);

/* Dump records (bench/dump.c). ops: operations done, timed or not. */
void bench_record(const char *type, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bench_record_hist(const char *suite, const char *op, unsigned cpus, const char *params,
		       enum bench_mode mode, const struct hist *h, uint64_t ops, uint64_t wall,
		       const uint64_t counters[4]);
unsigned bench_records(void);

struct bench_suite {
	const char *name;
	const char *what;	/* one line, for the boot log */
	int (*run)(const struct bench_step *step);	/* 0, or -1 on failure */
	bool every_mode;	/* run in every timing mode, whatever bench_modes= says */
	bool own_timing;	/* times itself (user space): one run, mode each */
	bool own_sampled;	/* with own_timing: it samples (bench_sample=), mode sample */
};

/* The portable suites (bench/suites.c) and the target's own ones. */
extern const struct bench_suite bench_suites[];
extern const unsigned bench_nsuites;
extern const struct bench_suite *const bench_target_suites;
extern const unsigned bench_target_nsuites;

/* Runs the suites the command line selects and writes the dump; true if
 * every one completed (bench/run.c). */
bool bench_main(const char *cmdline);

int bench_calib_empty(const struct bench_step *step);
int bench_calib_work(const struct bench_step *step);
int bench_calib_shared(const struct bench_step *step);
int bench_frame_bulk(const struct bench_step *step);
int bench_frame_frag(const struct bench_step *step);
int bench_frame_rand(const struct bench_step *step);
int bench_frame_repeat(const struct bench_step *step);
int bench_frame_remote(const struct bench_step *step);
int bench_slab_pair(const struct bench_step *step);
int bench_slab_bulk(const struct bench_step *step);
int bench_slab_remote(const struct bench_step *step);
int bench_alloc_threadtest(const struct bench_step *step);
int bench_alloc_larson(const struct bench_step *step);
int bench_alloc_cache_thrash(const struct bench_step *step);
int bench_alloc_cache_scratch(const struct bench_step *step);
int bench_alloc_xmalloc(const struct bench_step *step);

#endif
