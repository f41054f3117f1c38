/*
 * bench_target.h (hosted) - the portable benchmark harness (bench/) built
 * as a Linux program over the hosted mm/ (tests/hosted/env): the same
 * names as the kernel's kernel/include/bench_target.h, mapped onto
 * pthreads pinned one per host core.
 *
 * A CPU is a thread of a hosted_run_cpus run, started anew for every
 * phase and pinned to its own host processing unit (bench/hosted/target.c);
 * between runs the main thread, the harness's coordinator, is CPU 0.
 * "Interrupts off" is the hosted environment's per-thread flag; simulated
 * IPIs land when a CPU polls with it clear (env_irq_restore,
 * env_cpu_relax). The TSC is the host's, which must be invariant (checked
 * at start-up, bench_target_calibrate).
 */
#ifndef BENCH_HOSTED_BENCH_TARGET_H
#define BENCH_HOSTED_BENCH_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mm/env.h>

#include "kernel/barrier.h"

#define BENCH_MAX_CPUS ENV_MAX_CPUS

typedef env_irqflags_t bench_irqflags_t;

static inline bench_irqflags_t bench_irq_save(void)
{
	return env_irq_save();
}

static inline void bench_irq_restore(bench_irqflags_t f)
{
	env_irq_restore(f);
}

/* Serialising: neither earlier nor later instructions cross the read. */
static inline uint64_t bench_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline unsigned bench_cpu_id(void)
{
	return env_cpu_id();
}

/* A pause, and the poll for simulated IPIs a CPU with interrupts on owes. */
static inline void bench_relax(void)
{
	env_cpu_relax();
}

#define bench_printf printf

/* bench/hosted/target.c */

/* Both before anything else, on the main thread; each returns 0, or -1
 * with a message on stderr.
 * bench_target_pin: from now on CPU i of every phase runs on host
 * processing unit pus[i] (n of them: the CPUs online); checks that each
 * can be pinned to and leaves the main thread on pus[0].
 * bench_target_calibrate: checks that the TSC is invariant and measures
 * its rate. */
int bench_target_pin(const int *pus, unsigned n);
int bench_target_calibrate(void);
unsigned bench_cpus_online(void);
uint64_t bench_tsc_hz(void);
/* Runs fn(arg) on CPUs 0 .. n-1 at once and returns when all are done. */
void bench_on_cpus(unsigned n, void (*fn)(void *), void *arg);
/* The simulated IPIs sent and received (none are counted: zeros) and the
 * TLB flushes done (counters[0..2]; counters[3] is left alone). */
void bench_counters_now(uint64_t counters[4]);
/* "target=hosted hypervisor=none commit=...". Returns what snprintf does. */
int bench_target_describe(char *buf, size_t len);

#endif
