/*
 * The kernel's own page tables (kernel/arch/x86_64/paging.c): the image is
 * W^X (a write probe into text or rodata faults, one into data does not;
 * the mapper reports text executable and read-only, rodata and data
 * no-execute), the direct map covers all RAM and is writable and
 * no-execute, every kernel stack's guard page is unmapped, and every CPU
 * runs with global pages, SMEP, SMAP and UMIP (where the CPU has them), SMAP
 * keeping the kernel out of user pages outside stac/clac. Checked on every
 * CPU, whose TLBs all use the same tables.
 */
#include <errno.h>

#include <arch/cpu.h>
#include <arch/extable.h>
#include <arch/irqflags.h>
#include <arch/paging.h>
#include <arch/x86.h>
#include <kernel/boot.h>
#include <kernel/percpu.h>
#include <kernel/selftest.h>
#include <mm/mapper.h>
#include <mm/shootdown.h>
#include <mm/gfp.h>

static const uint64_t rodata_word = 0x0123456789abcdefull;
static uint64_t data_word = 42;

static unsigned flags_of(const void *va)
{
	struct mapper_translation t;
	if (mapper_translate(kernel_mapper(), (uintptr_t)va, &t) != 0)
		return ~0u;
	return t.flags;
}

SELFTEST_ALL_CPUS(paging_kernel_image_is_w_xor_x)
{
	const unsigned nx = cpu_features.nx ? MAPPER_NX : 0;
	void *text = (void *)(uintptr_t)&flags_of;
	uint64_t v;

	ST_CHECK_EQ(read_cr3(), kernel_mapper()->root);
	ST_CHECK_EQ(probe_read_u64(text, &v), 0);
	ST_CHECK_EQ(probe_write_u64(text, v), -EFAULT);
	ST_CHECK_EQ(probe_write_u64((void *)(uintptr_t)&rodata_word, 1), -EFAULT);
	ST_CHECK_EQ(rodata_word, 0x0123456789abcdefull);
	ST_CHECK_EQ(probe_write_u64(&data_word, data_word), 0);

	ST_CHECK_EQ(flags_of(text) & (MAPPER_WRITE | MAPPER_NX), 0);
	ST_CHECK_EQ(flags_of(&rodata_word) & (MAPPER_WRITE | MAPPER_NX), nx);
	ST_CHECK_EQ(flags_of(&data_word) & (MAPPER_WRITE | MAPPER_NX), MAPPER_WRITE | nx);
	ST_CHECK(read_cr0() & CR0_WP);
	if (cpu_features.nx)
		ST_CHECK(rdmsr(MSR_EFER) & EFER_NXE);
}

SELFTEST(paging_direct_map_is_writable_and_nx)
{
	const unsigned nx = cpu_features.nx ? MAPPER_NX : 0;
	unsigned long page = get_zeroed_page(GFP_KERNEL);
	ST_CHECK(page != 0);
	ST_CHECK_EQ(flags_of((void *)page) & (MAPPER_WRITE | MAPPER_NX), MAPPER_WRITE | nx);
	ST_CHECK_EQ(probe_write_u64((void *)page, 5), 0);
	free_page(page);
}

/* Every usable range of the firmware map, above 4 GiB too, is in the direct
 * map at its physical address: its first, middle and last pages. */
SELFTEST(paging_direct_map_covers_all_ram)
{
	struct mapper_translation t;

	for (unsigned i = 0; i < boot_info.memmap_count; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		uint64_t first = (r->base + PAGE_SIZE_4K - 1) & ~(uint64_t)(PAGE_SIZE_4K - 1);
		uint64_t end = (r->base + r->size) & ~(uint64_t)(PAGE_SIZE_4K - 1);

		if (r->type != BOOT_MEM_USABLE || first >= end)
			continue;
		const uint64_t probes[] = { first, first + (end - first) / 2, end - 8 };
		for (unsigned j = 0; j < 3; j++) {
			uint64_t pa = probes[j] & ~7ull, v;
			int rc = mapper_translate(kernel_mapper(), DIRECT_MAP_BASE + pa, &t);
			if (rc != 0 || t.pa != pa ||
			    probe_read_u64((void *)(uintptr_t)(DIRECT_MAP_BASE + pa), &v) != 0)
				selftest_fail("RAM at %#lx is not in the direct map (translate %d)",
					      (unsigned long)pa, rc);
		}
	}
}

SELFTEST_ALL_CPUS(paging_stack_guard_pages_are_unmapped)
{
	uint64_t v;
	struct percpu *pc = this_cpu();

	ST_CHECK_EQ(probe_read_u64((void *)(pc->stack_bottom - 8), &v), -EFAULT);
	ST_CHECK_EQ(probe_read_u64((void *)pc->stack_bottom, &v), 0);
	ST_CHECK_EQ(probe_read_u64(boot_stack_guard, &v), -EFAULT);
	ST_CHECK_EQ(probe_read_u64(kstack_slots[this_cpu_id()].guard, &v), -EFAULT);
}

SELFTEST_ALL_CPUS(paging_protections_on_every_cpu)
{
	uint64_t cr4 = read_cr4();

	ST_CHECK(cr4 & CR4_PGE);
	ST_CHECK_EQ(!!(cr4 & CR4_SMEP), cpu_features.smep);
	ST_CHECK_EQ(!!(cr4 & CR4_SMAP), cpu_features.smap);
	ST_CHECK_EQ(!!(cr4 & CR4_UMIP), cpu_features.umip);
}

/* With SMAP the kernel cannot read a user page unless it opens the window
 * with stac; without SMAP (no such CPU feature) the read always works. */
SELFTEST(paging_smap_blocks_kernel_access_to_user_pages)
{
	const uintptr_t uva = 0x0000000040000000ull;
	unsigned long frame = get_zeroed_page(GFP_KERNEL);
	struct mapper user;
	uint64_t v = 0;

	ST_CHECK(frame != 0);
	ST_CHECK_EQ(mapper_init_user(&user, kernel_mapper()), 0);
	*(uint64_t *)frame = 0x5a5a;
	ST_CHECK_EQ(mapper_map(&user, uva, frame - DIRECT_MAP_BASE, PAGE_SIZE_4K, PAGE_SIZE_4K,
			       MAPPER_USER | MAPPER_WRITE | MAPPER_NX), 0);

	irqflags_t irq = irq_save();
	mapper_switch(kernel_mapper(), &user);
	int plain = probe_read_u64((void *)uva, &v);
	stac();
	int opened = probe_read_u64((void *)uva, &v);
	clac();
	mapper_switch(&user, kernel_mapper());
	irq_restore(irq);

	ST_CHECK_EQ(plain, cpu_features.smap ? -EFAULT : 0);
	ST_CHECK_EQ(opened, 0);
	ST_CHECK_EQ(v, 0x5a5a);
	ST_CHECK_EQ(tlb_unmap(&user, uva, PAGE_SIZE_4K, NULL), 1);
	mapper_destroy(&user);
	free_page(frame);
}
