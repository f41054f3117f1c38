/*
 * on_each_cpu/on_cpus and the per-CPU area: every online CPU runs the
 * function exactly once, each under its own id; the GS-based per-CPU
 * pointer, the CPU id and the local APIC id agree; a subset call runs on
 * exactly that subset; each CPU runs on its own stack.
 */
#include <stdatomic.h>

#include <arch/apic.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>

static atomic_uint runs[MAX_CPUS];

static void count_run(void *arg)
{
	(void)arg;
	atomic_fetch_add(&runs[this_cpu_id()], 1);
}

SELFTEST(smp_on_each_cpu_runs_once_everywhere)
{
	for (unsigned c = 0; c < MAX_CPUS; c++)
		atomic_init(&runs[c], 0);
	on_each_cpu(count_run, NULL);
	on_each_cpu(count_run, NULL);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		ST_CHECK_EQ(atomic_load(&runs[c]), cpumask_test(&cpu_online_mask, c) ? 2 : 0);
}

SELFTEST(smp_on_cpus_subset)
{
	cpumask_t odd;
	cpumask_clear(&odd);
	for (unsigned c = 1; c < smp_cpus_online; c += 2)
		cpumask_set(&odd, c);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		atomic_init(&runs[c], 0);
	on_cpus(&odd, count_run, NULL);
	for (unsigned c = 0; c < smp_cpus_online; c++)
		ST_CHECK_EQ(atomic_load(&runs[c]), c % 2);
}

SELFTEST_ALL_CPUS(percpu_identity)
{
	struct percpu *pc = this_cpu();
	unsigned id = this_cpu_id();
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	ST_CHECK(pc == cpu_area(id));
	ST_CHECK(pc->self == pc);
	ST_CHECK(id < smp_cpus_online);
	ST_CHECK_EQ(lapic_id(), pc->arch.apic_id);
	ST_CHECK(sp >= pc->stack_bottom && sp < pc->stack_top);
}
