/*
 * Boot-CPU platform bring-up: CPU features, the legacy PIC out of the way,
 * the switch from the boot page tables to the kernel's own (paging.c, which
 * also starts the MMIO manager), ACPI (for CPUs, the APIC address and the
 * HPET) read through MMIO windows, the local APIC, the IOAPICs and the TSC
 * calibration. Runs once, on the boot CPU, before the APs start.
 *
 * ACPI tables live in firmware ranges of the memory map. Each table read
 * maps (write-back: it is memory) the whole firmware range around it, so
 * the tables that share a range share one window, and the windows stay
 * until the parse is over (acpi_parse reads the root table while others
 * are mapped), then all go.
 */
#include <string.h>

#include <arch/apic.h>
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/platform.h>
#include <arch/tsc.h>
#include <kernel/acpi.h>
#include <kernel/boot.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <lib/cmdline.h>
#include <lib/errno_name.h>
#include <mm/io.h>

#include "pic.h"

#define ACPI_WINDOWS 8
#define ACPI_RANGE_MAX (1ull << 20) /* larger firmware ranges: map the table alone */

struct acpi_window {
	uint64_t phys, size;
	char *va;
};

struct acpi_windows {
	struct acpi_window w[ACPI_WINDOWS];
	unsigned n;
};

/* The firmware map range holding [phys, end), if one does and is small. */
static bool firmware_range(uint64_t phys, uint64_t end, uint64_t *base, uint64_t *size)
{
	for (unsigned i = 0; i < boot_info.memmap_count; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		if (phys >= r->base && end <= r->base + r->size && r->size <= ACPI_RANGE_MAX) {
			*base = r->base & ~(uint64_t)(PAGE_SIZE_4K - 1);
			*size = ((r->base + r->size + PAGE_SIZE_4K - 1) & ~(uint64_t)(PAGE_SIZE_4K - 1)) - *base;
			return true;
		}
	}
	return false;
}

static const void *acpi_map(uint64_t phys, size_t len, void *ctx)
{
	struct acpi_windows *aw = ctx;
	uint64_t end = phys + len, base, size;
	void *va;

	if (end < phys)
		return NULL;
	for (unsigned i = 0; i < aw->n; i++)
		if (phys >= aw->w[i].phys && end <= aw->w[i].phys + aw->w[i].size)
			return aw->w[i].va + (phys - aw->w[i].phys);
	if (!firmware_range(phys, end, &base, &size)) {
		base = phys & ~(uint64_t)(PAGE_SIZE_4K - 1);
		size = ((end + PAGE_SIZE_4K - 1) & ~(uint64_t)(PAGE_SIZE_4K - 1)) - base;
	}
	if (aw->n == ACPI_WINDOWS || mmio_map(base, size, MMIO_CACHED, &va) != 0)
		return NULL;
	aw->w[aw->n++] = (struct acpi_window){base, size, va};
	return (char *)va + (phys - base);
}

static void acpi_unmap_all(struct acpi_windows *aw)
{
	for (unsigned i = 0; i < aw->n; i++)
		if (mmio_unmap(aw->w[i].va) != 0)
			panic("ACPI: cannot unmap the window at %p", aw->w[i].va);
	aw->n = 0;
}

/* apic=xapic forces the MMIO path even where x2APIC exists (to test it
 * under KVM); the default is x2APIC whenever CPUID offers it. A value
 * that cannot be honoured ends the boot as a failure, as any bad option. */
static bool want_x2apic(void)
{
	static char v[BOOT_CMDLINE_MAX];

	if (!cmdline_get(boot_info.cmdline, "apic", v, sizeof(v)))
		return true;
	if (strcmp(v, "xapic") == 0)
		return false;
	if (strcmp(v, "x2apic") == 0 && cpu_features.x2apic)
		return true;
	if (strcmp(v, "x2apic") == 0)
		kprintf("cmdline: apic=x2apic: this CPU does not offer x2APIC\n");
	else
		kprintf("cmdline: apic=%s: expected apic=xapic or apic=x2apic\n", v);
	platform_exit(false);
}

void arch_platform_init(struct acpi_info *acpi)
{
	static struct acpi_windows windows;
	const struct acpi_ops ops = {acpi_map, &windows};
	uint64_t rsdp = boot_info.rsdp_phys;
	char err[128], desc[256];

	cpu_features_init();
	pic_disable();
	paging_init();

	if (rsdp == 0 && acpi_find_rsdp(&ops, &rsdp) != 0)
		panic("ACPI: no RSDP from the loader and none found in the BIOS areas");
	int rc = acpi_parse(rsdp, &ops, acpi, err, sizeof(err));
	acpi_unmap_all(&windows);
	if (rc != 0)
		panic("ACPI: %s: error %d (%s)", err, rc, errno_name(-rc));
	acpi_describe(acpi, desc, sizeof(desc));
	kprintf("acpi: %s\n", desc);
	if (acpi->ncpus_dropped)
		kprintf("acpi: %u CPUs beyond ACPI_MAX_CPUS ignored\n", acpi->ncpus_dropped);

	lapic_init_bsp(acpi->lapic_addr, want_x2apic());
	ioapic_init(acpi);
	tsc_calibrate(acpi);
}
