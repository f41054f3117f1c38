/*
 * The per-CPU area. Each CPU owns one struct percpu, reached through
 * this_cpu() (on x86_64, one %gs-relative load). Fields are written only by
 * the owning CPU unless a comment says otherwise, so most need no locking.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/cpu.h>
#include <arch/percpu.h>
#include <kernel/config.h>
#include <kernel/cpumask.h>

#define CONSOLE_LINE_MAX 512

struct smp_call;

struct percpu {
	struct percpu *self; /* must stay first: arch_percpu_self() */
	unsigned cpu_id;     /* must stay second: this_cpu_id() */

	uintptr_t stack_bottom, stack_top; /* backtraces stay inside */

	/* cpu_id * ENV_CPU_STACK_STRIDE: where this CPU's entry is in an
	 * array of per-CPU stacks (<mm/cpu_stack.h>, arch/cpu_seq.h). */
	uintptr_t cpu_stack_off;
	/* Interrupted sequences restarted on this CPU (cpu_seq_fixup). */
	uint64_t cpu_seq_restarts;

	/* Console: a line is assembled here and printed whole. */
	char line[CONSOLE_LINE_MAX];
	size_t line_len;

	/* Work posted by on_cpus(); written by the poster, taken by us. */
	_Atomic(struct smp_call *) call;
	bool idle; /* in smp_ap_idle's halt: run calls in thread context */
	bool in_call; /* running a call's fn: on_cpus may not nest */

	/* Self-test result of the test running on this CPU. */
	char test_failure[160];

	/* TLB-flush requests (kernel/tlb_ipi.c): ours as an initiator, and
	 * the initiators that have one pending for us. */
	struct flush_request {
		void (*fn)(void *);
		void *arg;
		_Atomic unsigned pending;
	} flush_req;
	_Atomic uint64_t flush_from[CPUMASK_WORDS];

	/* Counters, read by other CPUs after a barrier. */
	_Atomic uint64_t ipis_sent, ipis_received, nmis_received, flushes_done;

	_Atomic int online;
	struct arch_percpu arch;
};

_Static_assert(offsetof(struct percpu, self) == 0, "self must be first");
_Static_assert(offsetof(struct percpu, cpu_id) == 8, "cpu_id must be at 8");

extern struct percpu percpu_areas[MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	return (struct percpu *)arch_percpu_self();
}

static inline unsigned this_cpu_id(void)
{
	return arch_percpu_u32(offsetof(struct percpu, cpu_id));
}

static inline struct percpu *cpu_area(unsigned cpu)
{
	return &percpu_areas[cpu];
}

#endif
