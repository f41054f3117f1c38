/*
 * The TSC: the calibrated rate is plausible and agrees with the PIT, reads on one CPU never go
 * backwards, and the CPUs agree: every read taken after a barrier is later
 * than every read taken before it, on any CPU (what makes cross-CPU
 * latency measurements meaningful).
 */
#include <arch/tsc.h>
#include <kernel/barrier.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>

#define READS 10000

static struct barrier bar;
static uint64_t before[MAX_CPUS], after[MAX_CPUS];

SELFTEST(tsc_rate_plausible)
{
	ST_CHECK(tsc_hz >= 100000000ull);     /* 100 MHz */
	ST_CHECK(tsc_hz <= 20000000000ull);   /* 20 GHz */
}

/* The calibrated rate must agree with an independent PIT measurement
 * within 2%, which catches any unit or scaling bug. Only windows whose own
 * error bound is under 0.5% count: a vCPU descheduled while reading the
 * PIT widens a window's bound, and such windows are retried. Passing needs
 * one counted window that agrees; a real calibration error makes every
 * counted window disagree. */
#define PIT_WINDOWS 40

SELFTEST(tsc_calibration_matches_pit)
{
	struct tsc_window last = { 0 }, tightest = { 0 };
	unsigned counted = 0;
	for (int i = 0; i < PIT_WINDOWS; i++) {
		struct tsc_window w = tsc_measure_pit_window();
		if (!w.valid)
			continue;
		if (!tightest.valid || w.err_hz < tightest.err_hz)
			tightest = w;
		if (w.err_hz * 200 > w.hz)
			continue;
		counted++;
		last = w;
		uint64_t diff = w.hz > tsc_hz ? w.hz - tsc_hz : tsc_hz - w.hz;
		if (diff * 50 <= tsc_hz)
			return;
	}
	if (counted > 0)
		selftest_fail("calibrated %lu Hz (%s), but none of %u PIT windows with an error "
			      "under 0.5%% agrees within 2%% (last %lu +- %lu Hz)",
			      (unsigned long)tsc_hz, tsc_source, counted, (unsigned long)last.hz,
			      (unsigned long)last.err_hz);
	else
		selftest_fail("no PIT window of %d had an error under 0.5%% (tightest %lu +- %lu Hz)",
			      PIT_WINDOWS, (unsigned long)tightest.hz, (unsigned long)tightest.err_hz);
}

static void sync_worker(void *arg)
{
	(void)arg;
	unsigned me = this_cpu_id();
	uint64_t prev = tsc_read();
	for (int i = 0; i < READS; i++) {
		uint64_t t = tsc_read();
		if (t < prev) {
			selftest_fail("TSC went backwards: %lu then %lu", (unsigned long)prev,
				      (unsigned long)t);
			break;
		}
		prev = t;
	}
	before[me] = tsc_read();
	barrier_wait(&bar);
	after[me] = tsc_read();
}

SELFTEST(tsc_monotonic_and_synchronized)
{
	barrier_init(&bar, smp_cpus_online);
	on_each_cpu(sync_worker, NULL);
	uint64_t max_before = 0, min_after = UINT64_MAX;
	unsigned max_cpu = 0, min_cpu = 0;
	for (unsigned c = 0; c < smp_cpus_online; c++) {
		if (before[c] > max_before) {
			max_before = before[c];
			max_cpu = c;
		}
		if (after[c] < min_after) {
			min_after = after[c];
			min_cpu = c;
		}
	}
	if (max_before >= min_after)
		selftest_fail("cpu %u read %lu before the barrier, cpu %u read %lu after it",
			      max_cpu, (unsigned long)max_before, min_cpu, (unsigned long)min_after);
}
