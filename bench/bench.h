/*
 * bench/bench.h - the in-kernel benchmark harness: what a suite sees.
 *
 * A suite (bench/suite_*.c, listed in bench/suites.c) is run once per CPU
 * count the command line asks for. It measures in phases (bench_phase_run):
 * every participating CPU (ids 0 .. cpus-1) runs the phase's warm-up, then
 * waits at a barrier, so all start their timed operations together, times
 * each operation with serialising TSC reads into its own histogram, and
 * waits at a second barrier. The histograms are merged and written out as
 * one `hist` record per operation kind (bench/FORMAT.md), with the phase's
 * wall time and the IPI and flush counters of every CPU over the phase.
 *
 * Interrupts are off for the whole phase on every participating CPU,
 * unless the phase says irqs_on: then they are off only inside each timed
 * operation (BENCH_TIME), which is what a phase needs whose CPUs must
 * answer each other's TLB-flush IPIs between operations.
 *
 * Context: the boot CPU runs the harness after every CPU is online; phase
 * functions run on the participating CPUs through on_cpus and must not
 * call on_cpus / on_each_cpu themselves.
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/irqflags.h>
#include <kernel/config.h>
#include <arch/tsc.h>

#include <mapper.h>
#include <shootdown.h>

#include "hist.h"

#define BENCH_MAX_KINDS 2	/* operation kinds timed in one phase */
#define BENCH_MAX_CPUS MAX_CPUS

struct bench_step {
	unsigned cpus;		/* CPUs taking part, ids 0 .. cpus-1 */
	unsigned scale;		/* percent of the default operation counts */
};

struct bench_cpu {
	unsigned cpu;		/* 0 .. cpus-1 */
	unsigned cpus;
	struct hist *hist[BENCH_MAX_KINDS];
	void *arg;		/* the phase's */
	bool irqs_on;
	bool warming;		/* in the warm-up rounds: nothing is recorded */
	uint64_t rounds;	/* shootdown IPI rounds of its timed operations */
};

struct bench_phase {
	const char *suite;
	const char *ops[BENCH_MAX_KINDS];	/* name of each kind; NULL: unused */
	const char *params;	/* "key=value ..." for the records, or "" */
	unsigned ops_per_cpu;	/* calls of run() */
	unsigned warm_ops;	/* untimed calls of run() first, on every CPU */
	bool irqs_on;
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

/* Times `stmt` into kind k of the calling CPU's phase. */
#define BENCH_TIME(bc, k, stmt)                                         \
	do {                                                            \
		irqflags_t bench_irq_ = (bc)->irqs_on ? irq_save() : 0; \
		uint64_t bench_t0_ = tsc_read_fenced();                 \
		stmt;                                                   \
		uint64_t bench_t1_ = tsc_read_fenced();                 \
		if ((bc)->irqs_on)                                      \
			irq_restore(bench_irq_);                        \
		if (!(bc)->warming)                                     \
			hist_record((bc)->hist[k], bench_t1_ - bench_t0_); \
	} while (0)

/* The IPIs sent and received and the flushes done, summed over every
 * online CPU (counters[0..2]; counters[3] is left alone). */
void bench_counters_now(uint64_t counters[4]);

/* n scaled by step->scale (bench_scale=, bench_quick=), at least 1. */
unsigned bench_ops(const struct bench_step *step, unsigned n);

/* Dump records (bench/dump.c). */
void bench_record(const char *type, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void bench_record_hist(const char *suite, const char *op, unsigned cpus, const char *params,
		       const struct hist *h, uint64_t wall, const uint64_t counters[4]);
unsigned bench_records(void);

/* A private address space (bench/space.c) whose shootdowns reach exactly
 * the CPUs that entered it. Each CPU gets its own region in it. */
#define BENCH_SPACE_BASE 0x0000100000000000ull
#define BENCH_SPACE_REGION 0x40000000ull	/* 1 GiB per CPU */

struct bench_space {
	struct mapper m;
};

int bench_space_init(struct bench_space *s);
void bench_space_enter(struct bench_space *s);
void bench_space_leave(struct bench_space *s);
void bench_space_destroy(struct bench_space *s);
uintptr_t bench_space_region(unsigned cpu);
/* Unmaps and shoots down; counts the IPI rounds in bc->rounds (reported
 * as `rounds`) unless warming. */
void bench_unmap_range(struct bench_cpu *bc, struct bench_space *s, uintptr_t va, uint64_t size);

struct bench_suite {
	const char *name;
	const char *what;	/* one line, for the boot log */
	int (*run)(const struct bench_step *step);	/* 0, or -1 on failure */
};

extern const struct bench_suite bench_suites[];
extern const unsigned bench_nsuites;

int bench_frame_bulk(const struct bench_step *step);
int bench_frame_repeat(const struct bench_step *step);
int bench_frame_remote(const struct bench_step *step);
int bench_slab_pair(const struct bench_step *step);
int bench_slab_bulk(const struct bench_step *step);
int bench_slab_remote(const struct bench_step *step);
int bench_shootdown_unmap(const struct bench_step *step);
int bench_shootdown_concurrent(const struct bench_step *step);
int bench_mapper_map(const struct bench_step *step);
int bench_vm_mmap(const struct bench_step *step);
int bench_vm_fault(const struct bench_step *step);
int bench_vm_madvise(const struct bench_step *step);
int bench_vm_mprotect(const struct bench_step *step);
int bench_vm_mremap(const struct bench_step *step);

#endif
