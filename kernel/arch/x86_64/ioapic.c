/*
 * IOAPICs: each one's registers are an uncached window from the MMIO
 * manager, kept for the kernel's life. The kernel takes no device
 * interrupts (IPIs only), so every redirection entry is masked: a pin a
 * firmware left unmasked must not deliver into a vector nobody handles.
 * The registers are indirect: write the index to IOREGSEL, then read or
 * write IOWIN. Boot CPU only, before the APs start; afterwards the windows
 * are only read (ioapic_read, for tests), under ioapic_lock.
 */
#include <arch/apic.h>
#include <kernel/acpi.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <mm/io.h>

#define IOREGSEL 0x00
#define IOWIN    0x10
#define IOAPICVER 0x01
#define IOREDTBL(n) (0x10 + 2 * (n))
#define REDIR_MASKED (1u << 16)

static struct {
	volatile uint32_t *regs;
	uint64_t phys;
} ioapics[ACPI_MAX_IOAPICS];
static unsigned nioapics;
static spinlock_t ioapic_lock = SPINLOCK_INIT;

static uint32_t reg_read(volatile uint32_t *regs, uint32_t index)
{
	regs[IOREGSEL / 4] = index;
	return regs[IOWIN / 4];
}

static void reg_write(volatile uint32_t *regs, uint32_t index, uint32_t v)
{
	regs[IOREGSEL / 4] = index;
	regs[IOWIN / 4] = v;
}

void ioapic_init(const struct acpi_info *acpi)
{
	for (unsigned i = 0; i < acpi->nioapics; i++) {
		const struct acpi_ioapic *a = &acpi->ioapics[i];
		volatile uint32_t *regs = ioremap(a->addr, 0x20);

		if (regs == NULL)
			panic("ioapic: cannot map IOAPIC %u at %#x", a->id, a->addr);
		uint32_t ver = reg_read(regs, IOAPICVER);
		unsigned pins = ((ver >> 16) & 0xff) + 1;
		for (unsigned p = 0; p < pins; p++)
			reg_write(regs, IOREDTBL(p), reg_read(regs, IOREDTBL(p)) | REDIR_MASKED);
		ioapics[nioapics].regs = regs;
		ioapics[nioapics++].phys = a->addr;
		kprintf("ioapic: id %u at %#x, version %#x, %u pins from GSI %u, all masked\n", a->id,
			a->addr, ver & 0xff, pins, a->gsi_base);
	}
}

unsigned ioapic_count(void)
{
	return nioapics;
}

uint64_t ioapic_phys(unsigned i)
{
	return ioapics[i].phys;
}

uint32_t ioapic_read(unsigned i, uint32_t index)
{
	irqflags_t f = spin_lock_irqsave(&ioapic_lock);
	uint32_t v = reg_read(ioapics[i].regs, index);
	spin_unlock_irqrestore(&ioapic_lock, f);
	return v;
}
