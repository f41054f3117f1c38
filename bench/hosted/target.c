/*
 * The hosted side of bench_target.h (bench/hosted/bench_target.h): the
 * harness's CPUs are the threads of a hosted_run_cpus run, one run per
 * bench_on_cpus call, each thread pinning itself to its host processing
 * unit before it runs the phase. With one thread per core and nothing
 * else asked of those cores, the hosted environment's waiters spin with a
 * pause instead of yielding (hosted_cpus_pinned), as the kernel's do.
 *
 * The TSC rate is measured once against CLOCK_MONOTONIC_RAW (the
 * oscillator behind the kernel's clock, without NTP's slewing) over
 * CALIB_NS, each end taken as the midpoint of the narrowest of a few
 * TSC-bracketed clock reads. It is only meaningful if the TSC ticks at one
 * rate in every power state and on every core (constant_tsc and
 * nonstop_tsc in /proc/cpuinfo); otherwise the target refuses to run.
 *
 * Context: bench_target_pin and bench_target_calibrate run on the main
 * thread before anything else; bench_on_cpus, bench_target_describe,
 * bench_cpus_online and bench_tsc_hz on the coordinator (the main
 * thread); bench_counters_now and the barrier on any CPU.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mm/hal.h>

#include "bench.h"

#define CALIB_NS 200000000ull	/* 200 ms */
#define CALIB_TRIES 8		/* bracketed reads at each end of the window */

/* Suites of its own: none; the kernel's need IPIs, page tables, user mode. */
const struct bench_suite *const bench_target_suites = NULL;
const unsigned bench_target_nsuites = 0;

static int cpu_pu[BENCH_MAX_CPUS];	/* host PU of each CPU */
static unsigned ncpus = 1;
static uint64_t tsc_hz;

static int pin_self(int pu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(pu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int bench_target_pin(const int *pus, unsigned n)
{
	if (n == 0 || n > BENCH_MAX_CPUS) {
		fprintf(stderr, "bench-hosted: %u CPUs, at most %u\n", n, BENCH_MAX_CPUS);
		return -1;
	}
	/* Pinning the main thread to each PU in turn proves each can be used;
	 * it ends on CPU 0's, where the coordinator belongs. */
	for (unsigned i = n; i-- > 0;) {
		int rc = pus[i] < 0 || pus[i] >= CPU_SETSIZE ? EINVAL : pin_self(pus[i]);

		if (rc != 0) {
			fprintf(stderr, "bench-hosted: cannot pin CPU %u to host PU %d: %s\n", i,
				pus[i], strerror(rc));
			return -1;
		}
		cpu_pu[i] = pus[i];
	}
	ncpus = n;
	hosted_cpus_pinned = true;
	return 0;
}

/* Whether the "flags" line of /proc/cpuinfo lists both invariant-TSC
 * flags; every processor's line is the same, so the first one does. */
static int tsc_invariant(void)
{
	char line[8192];
	bool constant = false, nonstop = false, seen = false;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f == NULL) {
		fprintf(stderr, "bench-hosted: /proc/cpuinfo: %s\n", strerror(errno));
		return -1;
	}
	while (!seen && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		seen = true;
		for (char *save, *tok = strtok_r(line, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save)) {
			constant |= strcmp(tok, "constant_tsc") == 0;
			nonstop |= strcmp(tok, "nonstop_tsc") == 0;
		}
	}
	fclose(f);
	if (!constant || !nonstop) {
		fprintf(stderr,
			"bench-hosted: the TSC is not invariant here (/proc/cpuinfo lacks%s%s): "
			"its cycles are no measure of time; refusing to run\n",
			constant ? "" : " constant_tsc", nonstop ? "" : " nonstop_tsc");
		return -1;
	}
	return 0;
}

static uint64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The clock and the TSC at one moment: the narrowest bracket wins. */
static void clock_pair(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < CALIB_TRIES; i++) {
		uint64_t t0 = bench_tsc(), n = raw_ns(), t1 = bench_tsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*tsc = t0 + (t1 - t0) / 2;
			*ns = n;
		}
	}
}

int bench_target_calibrate(void)
{
	uint64_t tsc0, ns0, tsc1, ns1;
	struct timespec nap = { .tv_sec = 0, .tv_nsec = (long)CALIB_NS };

	if (tsc_invariant() != 0)
		return -1;
	clock_pair(&tsc0, &ns0);
	while (nanosleep(&nap, &nap) != 0 && errno == EINTR)
		;
	clock_pair(&tsc1, &ns1);
	if (ns1 - ns0 < CALIB_NS || tsc1 <= tsc0) {
		fprintf(stderr, "bench-hosted: TSC calibration failed (%llu ns, %llu cycles)\n",
			(unsigned long long)(ns1 - ns0), (unsigned long long)(tsc1 - tsc0));
		return -1;
	}
	tsc_hz = (uint64_t)((unsigned __int128)(tsc1 - tsc0) * 1000000000u / (ns1 - ns0));
	return 0;
}

unsigned bench_cpus_online(void)
{
	return ncpus;
}

uint64_t bench_tsc_hz(void)
{
	return tsc_hz;
}

struct on_cpus {
	void (*fn)(void *);
	void *arg;
};

static void cpu_start(unsigned cpu, void *p)
{
	const struct on_cpus *oc = p;
	int rc = pin_self(cpu_pu[cpu]);

	if (rc != 0)
		env_panic("cannot pin CPU %u to host PU %d: %s", cpu, cpu_pu[cpu], strerror(rc));
	oc->fn(oc->arg);
}

void bench_on_cpus(unsigned n, void (*fn)(void *), void *arg)
{
	struct on_cpus oc = { fn, arg };

	hosted_run_cpus(n, cpu_start, &oc);
}

void bench_counters_now(uint64_t c[4])
{
	c[0] = c[1] = 0;
	c[2] = atomic_load_explicit(&hosted_flush_page_count, memory_order_relaxed) +
	       atomic_load_explicit(&hosted_flush_all_count, memory_order_relaxed);
}

int bench_target_describe(char *buf, size_t len)
{
	return snprintf(buf, len, "target=hosted hypervisor=none commit=%s", HOSTED_COMMIT);
}

/* kernel/lib/barrier.c's waiters: with interrupts on they still take
 * their simulated IPIs. */
void barrier_relax(void)
{
	bench_relax();
}
