/*
 * The kernel's page tables, built with the portable mapper (mm/mapper.c)
 * once the page allocator runs, replacing the boot tables of boot.S:
 *
 *   - the direct map of all RAM (direct_map.c), read/write, no-execute,
 *     global, mostly 2 MiB pages; once it is there, the RAM beyond the
 *     boot tables' 4 GiB goes to the page allocator (mm_extend_reach);
 *   - nothing yet in the MMIO window (MMIO_BASE): the MMIO manager
 *     (mm/mmio.c) maps device registers and firmware tables there;
 *   - the image at KERNEL_VMA, W^X in 4 KiB pages: text read+execute,
 *     rodata read-only, data and bss read/write and no-execute;
 *   - every kernel stack's guard page left unmapped, so an overflow faults
 *     (and, with no stack left to push on, double-faults onto the IST
 *     stack) instead of corrupting its neighbour;
 *   - the AP trampoline's page identity-mapped, read+execute, for the APs
 *     to switch on paging with these tables (lower half: user spaces never
 *     inherit it).
 *
 * Runs on the boot CPU before the APs exist; they load the new root from
 * the trampoline. Kernel mappings are global (CR4.PGE), as the kernel half
 * is the same in every address space.
 */
#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/paging.h>
#include <arch/x86.h>
#include <kernel/config.h>
#include <kernel/mm_boot.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <mm/mapper.h>
#include <mm/init.h>
#include <mm/mmio.h>

extern char __text_start[], __text_end[], __rodata_start[], __data_start[], __kernel_end[];

static struct mapper kmapper;

struct mapper *kernel_mapper(void)
{
	return &kmapper;
}

static unsigned nx(void)
{
	/* Without EFER.NXE, bit 63 is reserved: setting it would fault. */
	return cpu_features.nx ? MAPPER_NX : 0;
}

static void map_or_panic(uintptr_t va, uint64_t pa, uint64_t size, uint64_t page, unsigned flags,
			 const char *what)
{
	int rc = mapper_map(&kmapper, va, pa, size, page, flags);
	if (rc)
		panic("paging: mapping %s [%#lx, +%#lx) failed: %d", what, (unsigned long)va,
		      (unsigned long)size, rc);
}

static void map_image(const char *start, const char *end, unsigned flags, const char *what)
{
	uintptr_t s = (uintptr_t)start, e = ((uintptr_t)end + PAGE_SIZE_4K - 1) & ~(uintptr_t)(PAGE_SIZE_4K - 1);
	map_or_panic(s, s - KERNEL_VMA, e - s, PAGE_SIZE_4K, flags | MAPPER_GLOBAL, what);
}

static void unmap_guard(const void *va)
{
	struct flush_batch b;
	flush_batch_init(&b, &kmapper, false);
	if (mapper_unmap(&kmapper, (uintptr_t)va, PAGE_SIZE_4K, &b) != 1)
		panic("paging: guard page %p was not mapped", va);
	flush_batch_finish_local(&b);
}

void paging_init(void)
{
	if (mapper_init(&kmapper) || mapper_prealloc_kernel_half(&kmapper))
		panic("paging: no memory for the kernel's page tables");

	uint64_t ram_end = direct_map_init(&kmapper, MAPPER_WRITE | nx() | MAPPER_GLOBAL);

	map_image(__text_start, __text_end, 0, "kernel text");
	map_image(__rodata_start, __data_start, nx(), "kernel rodata");
	map_image(__data_start, __kernel_end, MAPPER_WRITE | nx(), "kernel data and bss");

	unmap_guard(boot_stack_guard);
	for (unsigned c = 0; c < MAX_CPUS; c++)
		unmap_guard(kstack_slots[c].guard);

	map_or_panic(TRAMPOLINE_PHYS, TRAMPOLINE_PHYS, PAGE_SIZE_4K, PAGE_SIZE_4K, 0,
		     "the AP trampoline");

	mapper_switch(NULL, &kmapper);
	cpu_protections_init();
	mm_extend_reach(ram_end);
	mm_boot_report();
	mmio_init(&kmapper, MMIO_BASE, MMIO_SIZE);
	kprintf("paging: kernel mapper active: W^X image, %s, %u stack guard pages\n",
		cpu_features.nx ? "NX on" : "no NX on this CPU", MAX_CPUS + 1);
}
