/*
 * bench_target.h (kernel) - what the portable benchmark harness (bench/)
 * needs from the machine it measures, mapped onto the kernel's primitives:
 * the TSC, local interrupt masking, CPU ids, running a function on CPUs
 * 0 .. n-1 at once, the IPI and flush counters, and the console. The
 * hosted target (bench/hosted/bench_target.h) supplies the same names for
 * the harness built as a Linux program.
 */
#ifndef KERNEL_BENCH_TARGET_H
#define KERNEL_BENCH_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include <arch/irqflags.h>
#include <arch/tsc.h>
#include <kernel/barrier.h>
#include <kernel/config.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>

#define BENCH_MAX_CPUS MAX_CPUS

typedef irqflags_t bench_irqflags_t;

static inline bench_irqflags_t bench_irq_save(void)
{
	return irq_save();
}

static inline void bench_irq_restore(bench_irqflags_t f)
{
	irq_restore(f);
}

/* Serialising: neither earlier nor later instructions cross the read. */
static inline uint64_t bench_tsc(void)
{
	return tsc_read_fenced();
}

static inline unsigned bench_cpu_id(void)
{
	return this_cpu_id();
}

static inline void bench_relax(void)
{
	cpu_relax();
}

#define bench_printf kprintf

/* kernel/bench_target.c */
unsigned bench_cpus_online(void);
uint64_t bench_tsc_hz(void);
/* Runs fn(arg) on CPUs 0 .. n-1 at once and returns when all are done. */
void bench_on_cpus(unsigned n, void (*fn)(void *), void *arg);
/* The IPIs sent and received and the flushes done, summed over every
 * online CPU (counters[0..2]; counters[3] is left alone). */
void bench_counters_now(uint64_t counters[4]);
/* The dump header's description of the target: "target=qemu
 * hypervisor=... commit=...". Returns what ksnprintf returns. */
int bench_target_describe(char *buf, size_t len);

#endif
