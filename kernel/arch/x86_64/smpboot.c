/*
 * Starting the application processors (Intel SDM vol. 3, 8.4.4).
 *
 * The trampoline is copied below 1 MiB. Every AP gets an INIT first (one
 * 10 ms wait for all of them), then the APs are started one at a time with
 * SIPIs: the BSP fills the trampoline's parameter block (stack, entry, CPU
 * id), sends a SIPI, and waits for the AP to mark itself online before
 * reusing the block. A second SIPI follows if the first is not answered, as
 * the SDM prescribes. An AP that never answers is reported and left out;
 * the kernel goes on with the CPUs it has.
 *
 * Stacks are static: a kernel stack (with an unmapped guard page below it,
 * see paging.c) and IST stacks per CPU.
 */
#include <stdatomic.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/platform.h>
#include <arch/tsc.h>
#include <arch/x86.h>
#include <kernel/acpi.h>
#include <mm/cpu_stack.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <mm/mapper.h>
#include <mm/init.h>

#define SIPI_FIRST_WAIT_US 1000
#define SIPI_SECOND_WAIT_US 2000000 /* TCG with many vCPUs on few cores is slow */

struct tramp_params {
	uint64_t cr3, efer, stack, entry, arg;
};

extern char trampoline_start[], trampoline_end[], tr_params[];
extern char boot_stack_bottom[], boot_stack_top[];

struct kstack_slot kstack_slots[MAX_CPUS] __attribute__((aligned(4096)));
static uint8_t ist_stacks[MAX_CPUS][IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(4096)));

struct percpu percpu_areas[MAX_CPUS];

static void percpu_setup(unsigned cpu, uint32_t apic_id, uintptr_t stack_bottom, uintptr_t stack_top)
{
	struct percpu *pc = cpu_area(cpu);
	pc->self = pc;
	pc->cpu_id = cpu;
	pc->cpu_stack_off = (uintptr_t)cpu * ENV_CPU_STACK_STRIDE;
	pc->arch.apic_id = apic_id;
	pc->stack_bottom = stack_bottom;
	pc->stack_top = stack_top;
}

static void cpu_local_init(unsigned cpu)
{
	struct percpu *pc = cpu_area(cpu);
	uint8_t *ist[IST_COUNT];
	for (unsigned i = 0; i < IST_COUNT; i++)
		ist[i] = ist_stacks[cpu][i];
	gdt_init_cpu(pc, ist);
	arch_percpu_install(pc);
	idt_load();
}

void arch_early_init(void)
{
	percpu_setup(0, 0, (uintptr_t)boot_stack_bottom, (uintptr_t)boot_stack_top);
	idt_init();
	cpu_local_init(0);
	cpumask_set(&cpu_online_mask, 0);
	atomic_store(&cpu_area(0)->online, 1);
}

void arch_ap_entry(uint64_t cpu)
{
	cpu_local_init((unsigned)cpu);
	mapper_switch(NULL, kernel_mapper()); /* the trampoline loaded its root: join its CPU set */
	cpu_protections_init();
	mm_cpu_init();
	lapic_init_ap();
	if (lapic_id() != this_cpu()->arch.apic_id)
		panic("cpu %u came up with APIC id %u, expected %u", this_cpu_id(), lapic_id(),
		      this_cpu()->arch.apic_id);
	atomic_store_explicit(&this_cpu()->online, 1, memory_order_release);
	smp_ap_idle();
}

static bool wait_online(unsigned cpu, uint64_t us)
{
	uint64_t end = tsc_read() + tsc_hz / 1000000 * us;
	while (tsc_read() < end) {
		if (atomic_load_explicit(&cpu_area(cpu)->online, memory_order_acquire))
			return true;
		cpu_pause();
	}
	return false;
}

static bool start_ap(unsigned cpu, volatile struct tramp_params *p)
{
	uint32_t apic = cpu_area(cpu)->arch.apic_id;
	p->stack = (uint64_t)(uintptr_t)(kstack_slots[cpu].stack + KSTACK_SIZE);
	p->entry = (uint64_t)(uintptr_t)arch_ap_entry;
	p->arg = cpu;
	__asm__ volatile("mfence" ::: "memory");

	for (int attempt = 0; attempt < 2; attempt++) {
		lapic_send(apic, ICR_DM_STARTUP | ICR_ASSERT | (TRAMPOLINE_PHYS >> 12));
		if (wait_online(cpu, attempt ? SIPI_SECOND_WAIT_US : SIPI_FIRST_WAIT_US))
			return true;
	}
	return false;
}

void arch_smp_boot(const struct acpi_info *acpi)
{
	uint32_t bsp_apic = lapic_id();
	uint32_t aps[MAX_CPUS];
	unsigned naps = 0, next = 1;
	size_t tsize = (size_t)(trampoline_end - trampoline_start);
	volatile struct tramp_params *p =
		phys_to_virt(TRAMPOLINE_PHYS + (uint64_t)(tr_params - trampoline_start));

	cpu_area(0)->arch.apic_id = bsp_apic;
	memcpy(phys_to_virt(TRAMPOLINE_PHYS), trampoline_start, tsize);
	p->cr3 = read_cr3();
	p->efer = EFER_LME | (cpu_features.nx ? EFER_NXE : 0);

	for (unsigned i = 0; i < acpi->ncpus; i++) {
		uint32_t apic = acpi->cpus[i].apic_id;
		if (apic == bsp_apic || !acpi->cpus[i].enabled)
			continue; /* online-capable CPUs are not present yet */
		if (naps == MAX_CPUS - 1) {
			kprintf("smp: cpu with APIC id %u ignored: MAX_CPUS is %d\n", apic, MAX_CPUS);
			continue;
		}
		aps[naps++] = apic;
		lapic_send(apic, ICR_DM_INIT | ICR_ASSERT | ICR_LEVEL);
		lapic_send(apic, ICR_DM_INIT | ICR_LEVEL); /* de-assert */
	}
	if (naps)
		udelay(10000);

	/* CPU ids stay dense: an AP that fails to start gives its id to the
	 * next one, and is put back into wait-for-SIPI by another INIT so that
	 * a late start cannot pick up the next AP's parameters. */
	for (unsigned i = 0; i < naps; i++) {
		percpu_setup(next, aps[i], (uintptr_t)kstack_slots[next].stack,
			     (uintptr_t)(kstack_slots[next].stack + KSTACK_SIZE));
		if (!start_ap(next, p)) {
			lapic_send(aps[i], ICR_DM_INIT | ICR_ASSERT | ICR_LEVEL);
			kprintf("smp: CPU with APIC id %u did not start\n", aps[i]);
			continue;
		}
		cpumask_set(&cpu_online_mask, next);
		next++;
	}
	smp_cpus_online = cpumask_weight(&cpu_online_mask);
}
