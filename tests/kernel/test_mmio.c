/*
 * The MMIO space manager in the running kernel (mm/mmio.c): a window onto
 * the firmware's RSDP reads the real table, cached; the IOAPIC's live
 * window answers its version register and cannot be mapped twice; bad
 * requests fail with the documented errno and leave the windows as they
 * were; and once mmio_unmap returns, a probe of the old address faults on
 * every CPU (its TLB entry was shot down), round after round.
 */
#include <errno.h>
#include <string.h>

#include <arch/apic.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <kernel/boot.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <lib/errno_name.h>
#include <mm/mapper.h>
#include <mm/gfp.h>
#include <mm/io.h>

#include "probe_expect.h"

#define PAGE 4096ull
#define UNMAP_ROUNDS (400 / smp_cpus_online)

static uint64_t rsdp_page(void)
{
	return boot_info.rsdp_phys & ~(PAGE - 1);
}

SELFTEST(mmio_firmware_and_device_windows)
{
	struct mapper_translation t;
	uint64_t n0, b0, n1, b1;
	void *va = NULL;

	mmio_usage(&n0, &b0);
	ST_CHECK(n0 >= 2); /* the IOAPIC and the HPET, for the kernel's life */

	ST_CHECK(boot_info.rsdp_phys != 0);
	const char *rsdp = ioremap_cache(boot_info.rsdp_phys, 20);
	ST_CHECK(rsdp != NULL);
	if (rsdp != NULL) {
		ST_CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0);
		ST_CHECK((uintptr_t)rsdp >= MMIO_BASE && (uintptr_t)rsdp < MMIO_BASE + MMIO_SIZE);
		ST_CHECK_EQ(mapper_translate(kernel_mapper(), (uintptr_t)rsdp, &t), 0);
		ST_CHECK_EQ(t.pa, boot_info.rsdp_phys);
		ST_CHECK(!(t.flags & MAPPER_NOCACHE) && (t.flags & MAPPER_NX));
		iounmap((void *)(uintptr_t)rsdp);
	}

	ST_CHECK(ioapic_count() >= 1);
	uint32_t ver = ioapic_read(0, 1);
	ST_CHECK((ver & 0xff) != 0 && ver != 0xffffffffu);
	ST_CHECK((ver >> 16 & 0xff) >= 15); /* at least the 16 ISA pins */
	ST_CHECK_EQ(mmio_map(ioapic_phys(0) & ~(PAGE - 1), PAGE, 0, &va), -EBUSY);

	unsigned long ram = get_zeroed_page(GFP_KERNEL);
	ST_CHECK(ram != 0);
	ST_CHECK_EQ(mmio_map(ram - DIRECT_MAP_BASE, PAGE, 0, &va), -EINVAL);
	free_page(ram);
	ST_CHECK_EQ(mmio_map(rsdp_page(), 0, 0, &va), -EINVAL);
	ST_CHECK_EQ(mmio_map(rsdp_page() + 8, PAGE, 0, &va), -EINVAL);
	ST_CHECK_EQ(mmio_map(rsdp_page(), PAGE / 2, 0, &va), -EINVAL);
	ST_CHECK_EQ(mmio_map(rsdp_page(), PAGE, 1u << 5, &va), -EINVAL);
	ST_CHECK_EQ(mmio_map(0x10000000000ull, 2 * MMIO_SIZE, 0, &va), -ENOMEM);
	ST_CHECK_EQ(mmio_unmap((void *)(MMIO_BASE + 0x10 * PAGE + 8)), -EINVAL);
	ST_CHECK(va == NULL);

	mmio_usage(&n1, &b1);
	ST_CHECK_EQ(n1, n0);
	ST_CHECK_EQ(b1, b0);
}

SELFTEST(mmio_unmap_then_every_cpu_faults)
{
	for (unsigned i = 0; i < UNMAP_ROUNDS && !selftest_failed_here(); i++) {
		void *va;
		int rc = mmio_map(rsdp_page(), PAGE, MMIO_CACHED, &va);
		if (rc != 0) {
			selftest_fail("mmio_map of the RSDP page: error %d (%s)", rc, errno_name(-rc));
			break;
		}
		struct probe_expect window = { (uintptr_t)va, 1, false, true };
		on_each_cpu(probe_expect_check, &window);
		ST_CHECK_EQ(mmio_unmap(va), 0);
		window.ok = false;
		on_each_cpu(probe_expect_check, &window);
	}
}
