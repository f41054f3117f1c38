/*
 * Boot-CPU platform bring-up: CPU features, the legacy PIC out of the way,
 * ACPI (for CPUs, the APIC address and the HPET), the local APIC, the
 * TSC calibration, and the switch from the boot page tables to the
 * kernel's own (paging.c). Runs once, on the boot CPU, before the APs start.
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

#include "pic.h"

/* The boot tables map the low 4 GiB, where QEMU puts every ACPI table. */
static const void *acpi_map_boot(uint64_t phys, size_t len, void *ctx)
{
	(void)ctx;
	if (phys + len > BOOT_MAPPED_PHYS || phys + len < phys)
		return NULL;
	return phys_to_virt(phys);
}

/* apic=xapic forces the MMIO path even where x2APIC exists (to test it
 * under KVM); the default is x2APIC whenever CPUID offers it. */
static bool want_x2apic(void)
{
	char v[16];

	if (!cmdline_get(boot_info.cmdline, "apic", v, sizeof(v)))
		return true;
	if (strcmp(v, "xapic") == 0)
		return false;
	if (strcmp(v, "x2apic") == 0) {
		if (!cpu_features.x2apic)
			panic("apic=x2apic: this CPU does not offer x2APIC");
		return true;
	}
	panic("apic=%s: expected apic=xapic or apic=x2apic", v);
}

void arch_platform_init(struct acpi_info *acpi)
{
	const struct acpi_ops ops = {acpi_map_boot, NULL};
	uint64_t rsdp = boot_info.rsdp_phys;
	char err[128], desc[256];

	cpu_features_init();
	pic_disable();

	if (rsdp == 0 && acpi_find_rsdp(&ops, &rsdp) != 0)
		panic("ACPI: no RSDP from the loader and none found in the BIOS areas");
	int rc = acpi_parse(rsdp, &ops, acpi, err, sizeof(err));
	if (rc != 0)
		panic("ACPI: %s (error %d)", err, rc);
	acpi_describe(acpi, desc, sizeof(desc));
	kprintf("acpi: %s\n", desc);
	if (acpi->ncpus_dropped)
		kprintf("acpi: %u CPUs beyond ACPI_MAX_CPUS ignored\n", acpi->ncpus_dropped);

	lapic_init_bsp(acpi->lapic_addr, want_x2apic());

	tsc_calibrate(acpi);
	paging_init();
}
