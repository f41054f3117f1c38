/*
 * bench/phase.c - running one measured phase on several CPUs at once (see
 * bench/bench.h for what a phase is).
 *
 * Sequence on each participating CPU, all started by one on_cpus call:
 * interrupts off (unless the phase keeps them on), warm-up (the phase's
 * warm function, then warm_ops untimed rounds of its operation), the start
 * barrier, the timed operations, the end barrier. The barrier release is
 * the phase's start: each CPU notes its TSC right after it, and the
 * phase's wall time runs from the earliest of those to the latest end.
 * CPU 0 of the phase reads the IPI and flush counters right after the
 * start barrier and after the end barrier, so the on_cpus wake-ups and
 * the warm-up are not counted.
 * Afterwards the coordinator (the boot CPU) merges the per-CPU histograms
 * and writes one record per operation kind.
 *
 * The histograms (30 KiB each) are allocated before a phase starts, for
 * its CPUs and every kind, and kept for later phases, so no phase
 * allocates anything for its own bookkeeping while it is measured, and a
 * run on few CPUs of a large machine does not pay for all of them. IPI and flush
 * counters are summed over every online CPU, not only the participants:
 * shootdowns reach CPUs outside the phase too.
 *
 * Locking: the phase state is written by the coordinator before on_cpus
 * and read by the CPUs (on_cpus orders both ways); the CPUs share only the
 * barriers, the atomic start/end extremes and the failure flag.
 */
#include <stdarg.h>
#include <stdatomic.h>

#include <kernel/barrier.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <lib/format.h>
#include <mm/slab.h>

#include "bench.h"

static struct hist *hists[BENCH_MAX_CPUS][BENCH_MAX_KINDS];
static struct hist merged;
static struct barrier start_barrier, end_barrier;
static _Atomic uint64_t wall_start, wall_end;
static _Atomic bool failed;
static uint64_t rounds[BENCH_MAX_CPUS];
static uint64_t counters_start[4], counters_end[4];
static const struct bench_phase *phase;
static unsigned phase_cpus;

void bench_fail(const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("bench: cpu %u: %s\n", this_cpu_id(), msg);
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

void bench_counters_now(uint64_t c[4])
{
	c[0] = c[1] = c[2] = 0;
	for_each_cpu_in(cpu, &cpu_online_mask) {
		struct percpu *pc = cpu_area(cpu);
		c[0] += atomic_load(&pc->ipis_sent);
		c[1] += atomic_load(&pc->ipis_received);
		c[2] += atomic_load(&pc->flushes_done);
	}
}

static void phase_cpu(void *unused)
{
	(void)unused;
	const struct bench_phase *ph = phase;
	struct bench_cpu bc = { .cpu = this_cpu_id(), .cpus = phase_cpus, .arg = ph->arg,
				.irqs_on = ph->irqs_on };
	irqflags_t irq = 0;

	for (unsigned k = 0; k < BENCH_MAX_KINDS; k++)
		bc.hist[k] = hists[bc.cpu][k];
	if (!ph->irqs_on)
		irq = irq_save();
	bc.warming = true;
	if (ph->warm)
		ph->warm(&bc);
	for (unsigned i = 0; i < ph->warm_ops; i++)
		ph->run(&bc, i);
	bc.warming = false;
	barrier_wait(&start_barrier);
	atomic_min(&wall_start, tsc_read_fenced());
	if (bc.cpu == 0)
		bench_counters_now(counters_start);
	for (unsigned i = 0; i < ph->ops_per_cpu; i++)
		ph->run(&bc, ph->warm_ops + i);
	atomic_max(&wall_end, tsc_read_fenced());
	barrier_wait(&end_barrier);
	if (bc.cpu == 0)
		bench_counters_now(counters_end);
	rounds[bc.cpu] = bc.rounds;
	if (ph->done)
		ph->done(&bc);
	if (!ph->irqs_on)
		irq_restore(irq);
}

int bench_phase_run(const struct bench_step *step, const struct bench_phase *ph)
{
	cpumask_t mask;

	if (step->cpus == 0 || step->cpus > BENCH_MAX_CPUS || step->cpus > smp_cpus_online) {
		kprintf("bench: %s: %u CPUs asked, %u online (at most %u)\n", ph->suite, step->cpus,
			smp_cpus_online, BENCH_MAX_CPUS);
		return -1;
	}
	if (!hists_ready(step->cpus)) {
		kprintf("bench: no memory for the histograms\n");
		return -1;
	}
	for (unsigned c = 0; c < step->cpus; c++)
		for (unsigned k = 0; k < BENCH_MAX_KINDS; k++)
			hist_init(hists[c][k]);
	phase = ph;
	phase_cpus = step->cpus;
	barrier_init(&start_barrier, step->cpus);
	barrier_init(&end_barrier, step->cpus);
	atomic_store(&wall_start, UINT64_MAX);
	atomic_store(&wall_end, 0);
	atomic_store(&failed, false);
	cpumask_first_n(&mask, step->cpus);

	on_cpus(&mask, phase_cpu, NULL);

	uint64_t counters[4] = { counters_end[0] - counters_start[0],
				 counters_end[1] - counters_start[1],
				 counters_end[2] - counters_start[2], 0 };
	for (unsigned c = 0; c < step->cpus; c++)
		counters[3] += rounds[c];
	for (unsigned k = 0; k < BENCH_MAX_KINDS && ph->ops[k]; k++) {
		hist_init(&merged);
		for (unsigned c = 0; c < step->cpus; c++)
			hist_merge(&merged, hists[c][k]);
		if (merged.count)
			bench_record_hist(ph->suite, ph->ops[k], step->cpus, ph->params, &merged,
					  atomic_load(&wall_end) - atomic_load(&wall_start), counters);
	}
	return atomic_load(&failed) ? -1 : 0;
}
