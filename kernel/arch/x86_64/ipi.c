/*
 * Sending IPIs by kernel CPU id. CPU ids map to APIC ids through the
 * per-CPU area (filled by smpboot.c before the CPU is marked online).
 * Counts every IPI sent and lets receivers count theirs, for the harness.
 */
#include <stdatomic.h>

#include <arch/apic.h>
#include <kernel/irq.h>
#include <kernel/percpu.h>

static void count_sent(unsigned n)
{
	atomic_fetch_add_explicit(&this_cpu()->ipis_sent, n, memory_order_relaxed);
}

void ipi_send(unsigned cpu, unsigned vector)
{
	lapic_send(cpu_area(cpu)->arch.apic_id, ICR_DM_FIXED | ICR_ASSERT | vector);
	count_sent(1);
}

void ipi_send_mask(const cpumask_t *mask, unsigned vector)
{
	for_each_cpu_in(cpu, mask)
		ipi_send(cpu, vector);
}

void ipi_send_all_but_self(unsigned vector)
{
	lapic_send(0, ICR_DM_FIXED | ICR_ASSERT | ICR_ALL_BUT_SELF | vector);
	count_sent(1);
}

void ipi_send_nmi(unsigned cpu)
{
	lapic_send(cpu_area(cpu)->arch.apic_id, ICR_DM_NMI | ICR_ASSERT);
}

void ipi_send_nmi_all_but_self(void)
{
	lapic_send(0, ICR_DM_NMI | ICR_ASSERT | ICR_ALL_BUT_SELF);
}
