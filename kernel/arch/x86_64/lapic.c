/*
 * Local APIC driver. xAPIC registers are 32-bit MMIO at the APIC base
 * (one uncached window from the MMIO manager, shared by all CPUs: each
 * sees its own APIC there), 16 bytes apart; in x2APIC mode the same register is MSR 0x800 + off/16,
 * the ICR is one 64-bit MSR and the id is 32 bits wide. Only this CPU's own
 * APIC is touched, so there is no cross-CPU locking; the two-write xAPIC
 * ICR sequence runs with interrupts off so a handler cannot split it.
 */
#include <arch/apic.h>
#include <arch/irqflags.h>
#include <arch/layout.h>
#include <arch/x86.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <mm/io.h>

#define APIC_ID    0x020
#define APIC_TPR   0x080
#define APIC_EOI   0x0b0
#define APIC_SVR   0x0f0
#define APIC_ESR   0x280
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define SVR_ENABLE (1u << 8)

static enum apic_mode mode;
static volatile uint32_t *xapic_regs;

static uint32_t lapic_read(unsigned reg)
{
	if (mode == APIC_MODE_X2APIC)
		return (uint32_t)rdmsr(0x800 + reg / 16);
	return xapic_regs[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	if (mode == APIC_MODE_X2APIC)
		wrmsr(0x800 + reg / 16, v);
	else
		xapic_regs[reg / 4] = v;
}

static void lapic_enable_local(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;
	if (mode == APIC_MODE_X2APIC)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
	if (mode == APIC_MODE_XAPIC) {
		lapic_write(APIC_ESR, 0); /* ESR is latched: write before read */
		lapic_write(APIC_ESR, 0);
	}
}

void lapic_init_bsp(uint64_t phys_base, bool allow_x2apic)
{
	struct cpuid_regs r = cpuid(1, 0);
	mode = (allow_x2apic && (r.ecx & (1u << 21))) ? APIC_MODE_X2APIC : APIC_MODE_XAPIC;
	if (mode == APIC_MODE_XAPIC) {
		xapic_regs = ioremap(phys_base, 0x1000);
		if (phys_base == 0 || xapic_regs == NULL)
			panic("local APIC base %#lx cannot be mapped", (unsigned long)phys_base);
	}
	lapic_enable_local();
}

void lapic_init_ap(void)
{
	lapic_enable_local();
}

enum apic_mode lapic_mode(void)
{
	return mode;
}

const char *lapic_mode_name(void)
{
	return mode == APIC_MODE_X2APIC ? "x2apic" : "xapic";
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(APIC_ID);
	return mode == APIC_MODE_X2APIC ? id : id >> 24;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

void lapic_send(uint32_t apic_id, uint32_t low)
{
	if (mode == APIC_MODE_X2APIC) {
		/* x2APIC MSR writes are not serializing: make earlier stores
		 * visible before the target can act on the IPI. */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(0x830, ((uint64_t)apic_id << 32) | low);
		return;
	}
	irqflags_t f = irq_save();
	while (xapic_regs[APIC_ICR_LO / 4] & ICR_BUSY)
		cpu_pause();
	xapic_regs[APIC_ICR_HI / 4] = apic_id << 24;
	xapic_regs[APIC_ICR_LO / 4] = low;
	irq_restore(f);
}
