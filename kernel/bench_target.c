/*
 * The kernel's side of bench_target.h: the harness's CPUs are the
 * kernel's, started through on_cpus; the counters are the per-CPU IPI and
 * flush counts kept by kernel/arch/x86_64/ipi.c and kernel/tlb_ipi.c.
 * Boot CPU only (the harness's coordinator), but bench_counters_now, which
 * any CPU may call.
 */
#include <bench_target.h>

#include <arch/cpu.h>
#include <kernel/smp.h>
#include <lib/format.h>
#include <string.h>

unsigned bench_cpus_online(void)
{
	return smp_cpus_online;
}

uint64_t bench_tsc_hz(void)
{
	return tsc_hz;
}

void bench_on_cpus(unsigned n, void (*fn)(void *), void *arg)
{
	cpumask_t mask;

	cpumask_first_n(&mask, n);
	on_cpus(&mask, fn, arg);
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

/* CPUID's hypervisor signature as a dump value: no space, '=' or '*'. */
static const char *hypervisor(char *buf, size_t len)
{
	const char *accel = cpu_accel_name();

	if (strcmp(accel, "unknown") != 0)
		return accel;
	ksnprintf(buf, len, "%s", cpu_features.hypervisor_id);
	for (char *c = buf; *c; c++)
		if (*c == ' ' || *c == '=' || *c == '*')
			*c = '_';
	return buf;
}

int bench_target_describe(char *buf, size_t len)
{
	char hv[16];

	return ksnprintf(buf, len, "target=qemu hypervisor=%s commit=%s",
			 hypervisor(hv, sizeof(hv)), KERNEL_COMMIT);
}
