/*
 * Handing physical memory to mm/ at boot: the firmware map becomes
 * mm_regions, the kernel image and the low 1 MiB are reserved, and the
 * frame accounting is printed and checked, and the overcommit policy is
 * set from the command line (overcommit=0|1|2, overcommit_ratio=N with
 * mode 2, as Linux's vm.overcommit_memory and vm.overcommit_ratio). RAM
 * beyond the boot tables' 4 GiB waits (deferred) until paging_init has
 * mapped it. Boot CPU, once, before the APs start.
 */
#include <arch/layout.h>
#include <kernel/boot.h>
#include <kernel/mm_boot.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <arch/platform.h>
#include <lib/cmdline.h>
#include <lib/errno_name.h>
#include <mm/commit.h>
#include <mm/init.h>
#include <mm/shootdown.h>

/* Real-mode IVT, BIOS data, EBDA and the AP trampoline live below 1 MiB. */
#define LOW_RESERVED_END 0x100000ull

/* A value the kernel cannot honour ends the boot with a plain error, as
 * every bad command-line value does (kernel/main.c). */
static void overcommit_from_cmdline(void)
{
	const char *cmdline = boot_info.cmdline;
	uint64_t mode = MM_OVERCOMMIT_GUESS, ratio = MM_OVERCOMMIT_RATIO_DEFAULT;
	struct mm_commit_info ci;

	if (cmdline_has(cmdline, "overcommit") &&
	    (cmdline_get_u64(cmdline, "overcommit", &mode) != 0 || mode > MM_OVERCOMMIT_NEVER)) {
		kprintf("cmdline: overcommit= takes 0 (guess), 1 (always) or 2 (never)\n");
		platform_exit(false);
	}
	if (cmdline_has(cmdline, "overcommit_ratio") &&
	    (cmdline_get_u64(cmdline, "overcommit_ratio", &ratio) != 0 ||
	     ratio > MM_OVERCOMMIT_RATIO_MAX || mode != MM_OVERCOMMIT_NEVER)) {
		kprintf("cmdline: overcommit_ratio= takes a percentage of RAM up to %u, with "
			"overcommit=2 (the only mode that uses it)\n",
			MM_OVERCOMMIT_RATIO_MAX);
		platform_exit(false);
	}
	if (mm_overcommit_set((unsigned)mode, (unsigned)ratio) != 0)
		panic("overcommit: mode %lu ratio %lu refused after checking", (unsigned long)mode,
		      (unsigned long)ratio);
	mm_commit_info(&ci);
	kprintf("commit: overcommit=%lu ratio=%lu ram=%lu pages limit=%lu pages%s\n",
		(unsigned long)ci.mode, (unsigned long)ci.ratio, (unsigned long)ci.ram,
		(unsigned long)ci.limit, ci.mode == MM_OVERCOMMIT_NEVER ? "" : " (not enforced)");
}

void mm_boot_init(void)
{
	static struct mm_region map[BOOT_MEMMAP_MAX];
	struct mm_region reserved[2] = {
		{0, LOW_RESERVED_END, false},
		{boot_info.kernel_phys_start,
		 boot_info.kernel_phys_end - boot_info.kernel_phys_start, false},
	};
	unsigned n = 0;

	for (unsigned i = 0; i < boot_info.memmap_count; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		map[n++] = (struct mm_region){r->base, r->size, r->type == BOOT_MEM_USABLE};
	}

	int rc = mm_init_reachable(map, n, reserved, 2, BOOT_MAPPED_PHYS);
	if (rc)
		panic("mm_init failed: error %d (%s); see the message above", rc, errno_name(-rc));
	kprintf("variant: frame=%s slab=%s shootdown=%s debug=%d\n", mm_variant_frame(),
		mm_variant_slab(), shootdown_variant, MM_DEBUG);
	mm_boot_report();
	overcommit_from_cmdline();
}

void mm_boot_report(void)
{
	struct mm_frame_accounting a;

	mm_frame_accounting(&a);
	uint64_t sum = a.free + a.cached + a.used + a.reserved;
	kprintf("mem: frames total=%lu free=%lu cached=%lu used=%lu (bump %lu, deferred %lu) "
		"reserved=%lu: %s\n",
		(unsigned long)a.total, (unsigned long)a.free, (unsigned long)a.cached,
		(unsigned long)a.used, (unsigned long)a.bootmem_used, (unsigned long)a.deferred,
		(unsigned long)a.reserved, sum == a.total ? "all accounted for" : "MISMATCH");
	if (sum != a.total)
		panic("frame accounting: free+cached+used+reserved = %lu, total = %lu",
		      (unsigned long)sum, (unsigned long)a.total);
}
