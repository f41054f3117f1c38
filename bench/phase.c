/*
 * bench/phase.c - running one measured phase on several CPUs at once (see
 * bench/bench.h for what a phase is and what the timing modes do).
 *
 * Sequence on each participating CPU, all started by one bench_on_cpus
 * call: interrupts off (unless the phase keeps them on), warm-up (the
 * phase's warm function, then warm_ops untimed rounds of its operation),
 * the start barrier, the operations, the end barrier. The barrier release
 * is the phase's start: each CPU notes its TSC right after it, and the
 * phase's wall time runs from the earliest of those to the latest end.
 * CPU 0 of the phase reads the IPI and flush counters right after the
 * start barrier and after the end barrier, so the wake-ups and the warm-up
 * are not counted.
 * Afterwards the coordinator (the boot CPU) merges the per-CPU histograms
 * and writes one record per operation kind (in batch mode, one record for
 * the calls of run()).
 *
 * Sample mode picks the timed calls as bench/sample.h says (a per-CPU
 * generator; a phase of few calls, such as a bulk allocation of large
 * blocks or a shootdown round, times a larger share of them).
 *
 * The histograms (30 KiB each) are allocated before a phase starts, for
 * its CPUs and every kind, and kept for later phases, so no phase
 * allocates anything for its own bookkeeping while it is measured, and a
 * run on few CPUs of a large machine does not pay for all of them. IPI and
 * flush counters are summed over every online CPU, not only the
 * participants: shootdowns reach CPUs outside the phase too.
 *
 * Locking: the phase state is written by the coordinator before
 * bench_on_cpus and read by the CPUs (the call orders both ways); the CPUs
 * share only the barriers, the atomic start/end extremes and the failure
 * flag; each writes its own slot of rounds[] and ops[].
 */
#include <stdarg.h>
#include <stdatomic.h>

#include <mm/slab.h>

#include "bench.h"
#include "lib/format.h"
#include "sample.h"

const char *const bench_mode_names[BENCH_NR_MODES] = { "each", "sample", "batch" };

static struct hist *hists[BENCH_MAX_CPUS][BENCH_MAX_KINDS];
static struct hist merged;
static struct barrier start_barrier, end_barrier;
static _Atomic uint64_t wall_start, wall_end;
static _Atomic bool failed;
static uint64_t rounds[BENCH_MAX_CPUS];
static uint64_t ops[BENCH_MAX_CPUS][BENCH_MAX_KINDS];
static uint64_t counters_start[4], counters_end[4];
static const struct bench_phase *phase;
static const struct bench_step *phase_step;

void bench_fail(const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bench_printf("bench: cpu %u: %s\n", bench_cpu_id(), msg);
	atomic_store(&failed, true);
}

unsigned bench_ops(const struct bench_step *step, unsigned n)
{
	uint64_t scaled = (uint64_t)n * step->scale / 100;

	return scaled == 0 ? 1 : scaled > UINT32_MAX ? UINT32_MAX : (unsigned)scaled;
}

static bool hists_ready(unsigned cpus)
{
	for (unsigned c = 0; c < cpus; c++)
		for (unsigned k = 0; k < BENCH_MAX_KINDS; k++)
			if (hists[c][k] == NULL &&
			    (hists[c][k] = kmalloc(sizeof(struct hist), GFP_KERNEL)) == NULL)
				return false;
	return true;
}

static void atomic_min(_Atomic uint64_t *a, uint64_t v)
{
	uint64_t old = atomic_load(a);
	while (v < old && !atomic_compare_exchange_weak(a, &old, v))
		;
}

static void atomic_max(_Atomic uint64_t *a, uint64_t v)
{
	uint64_t old = atomic_load(a);
	while (v > old && !atomic_compare_exchange_weak(a, &old, v))
		;
}

static void run_timed(const struct bench_phase *ph, const struct bench_step *step,
		      struct bench_cpu *bc)
{
	unsigned n = ph->ops_per_cpu, first = ph->warm_ops;

	switch (step->mode) {
	case BENCH_EACH:
		bc->timing = true;
		for (unsigned i = 0; i < n; i++)
			ph->run(bc, first + i);
		break;
	case BENCH_SAMPLE: {
		unsigned period = bench_sample_period(step->sample_period, n);

		for (unsigned i = 0; i < n; i++) {
			bc->timing = bench_sample_next(&bc->rng, period);
			ph->run(bc, first + i);
		}
		break;
	}
	case BENCH_BATCH:
		bc->timing = false;
		for (unsigned i = 0; i < n; i += step->batch) {
			unsigned end = n - i < step->batch ? n : i + step->batch;
			uint64_t t0 = bench_tsc();

			for (unsigned j = i; j < end; j++)
				ph->run(bc, first + j);
			hist_record(bc->hist[0], (bench_tsc() - t0) / (end - i));
		}
		break;
	case BENCH_NR_MODES:
		break;
	}
}

static void phase_cpu(void *unused)
{
	(void)unused;
	const struct bench_phase *ph = phase;
	const struct bench_step *step = phase_step;
	struct bench_cpu bc = { .cpu = bench_cpu_id(), .cpus = step->cpus, .arg = ph->arg,
				.mask_irqs = ph->irqs_on && !ph->irqs_in_op,
				.rng = bench_sample_seed(bench_cpu_id()) };
	bench_irqflags_t irq = 0;

	for (unsigned k = 0; k < BENCH_MAX_KINDS; k++)
		bc.hist[k] = hists[bc.cpu][k];
	if (!ph->irqs_on)
		irq = bench_irq_save();
	bc.warming = true;
	if (ph->warm)
		ph->warm(&bc);
	for (unsigned i = 0; i < ph->warm_ops; i++)
		ph->run(&bc, i);
	bc.warming = false;
	bc.ops[0] = bc.ops[1] = 0;
	barrier_wait(&start_barrier);
	atomic_min(&wall_start, bench_tsc());
	if (bc.cpu == 0)
		bench_counters_now(counters_start);
	run_timed(ph, step, &bc);
	atomic_max(&wall_end, bench_tsc());
	barrier_wait(&end_barrier);
	if (bc.cpu == 0)
		bench_counters_now(counters_end);
	rounds[bc.cpu] = bc.rounds;
	for (unsigned k = 0; k < BENCH_MAX_KINDS; k++)
		ops[bc.cpu][k] = bc.ops[k];
	if (ph->done)
		ph->done(&bc);
	if (!ph->irqs_on)
		bench_irq_restore(irq);
}

/* Merges kind k of every CPU into `merged`; returns the operations done. */
static uint64_t merge_kind(unsigned cpus, unsigned k)
{
	uint64_t n = 0;

	hist_init(&merged);
	for (unsigned c = 0; c < cpus; c++) {
		hist_merge(&merged, hists[c][k]);
		n += ops[c][k];
	}
	return n;
}

static void write_records(const struct bench_step *step, const struct bench_phase *ph,
			  const uint64_t counters[4])
{
	uint64_t wall = atomic_load(&wall_end) - atomic_load(&wall_start);

	if (step->mode == BENCH_BATCH) {
		char op[64];
		uint64_t calls = (uint64_t)ph->ops_per_cpu * step->cpus;

		merge_kind(step->cpus, 0);
		/* A call of run() does one operation of each kind. */
		ksnprintf(op, sizeof(op), "%s%s%s", ph->ops[0], ph->ops[1] ? "+" : "",
			  ph->ops[1] ? ph->ops[1] : "");
		if (merged.count)
			bench_record_hist(ph->suite, op, step->cpus, ph->params, step->mode, &merged,
					  calls, wall, counters);
		return;
	}
	for (unsigned k = 0; k < BENCH_MAX_KINDS && ph->ops[k]; k++) {
		uint64_t n = merge_kind(step->cpus, k);

		if (merged.count)
			bench_record_hist(ph->suite, ph->ops[k], step->cpus, ph->params, step->mode,
					  &merged, n, wall, counters);
	}
}

int bench_phase_run(const struct bench_step *step, const struct bench_phase *ph)
{
	if (step->cpus == 0 || step->cpus > BENCH_MAX_CPUS || step->cpus > bench_cpus_online()) {
		bench_printf("bench: %s: %u CPUs asked, %u online (at most %u)\n", ph->suite,
			     step->cpus, bench_cpus_online(), BENCH_MAX_CPUS);
		return -1;
	}
	if (!hists_ready(step->cpus)) {
		bench_printf("bench: no memory for the histograms\n");
		return -1;
	}
	for (unsigned c = 0; c < step->cpus; c++)
		for (unsigned k = 0; k < BENCH_MAX_KINDS; k++)
			hist_init(hists[c][k]);
	phase = ph;
	phase_step = step;
	barrier_init(&start_barrier, step->cpus);
	barrier_init(&end_barrier, step->cpus);
	atomic_store(&wall_start, UINT64_MAX);
	atomic_store(&wall_end, 0);
	atomic_store(&failed, false);

	bench_on_cpus(step->cpus, phase_cpu, NULL);

	uint64_t counters[4] = { counters_end[0] - counters_start[0],
				 counters_end[1] - counters_start[1],
				 counters_end[2] - counters_start[2], 0 };
	for (unsigned c = 0; c < step->cpus; c++)
		counters[3] += rounds[c];
	write_records(step, ph, counters);
	return atomic_load(&failed) ? -1 : 0;
}
