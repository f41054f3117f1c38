/*
 * Handing physical memory to mm/ at boot: the firmware map becomes
 * mm_regions, the kernel image and the low 1 MiB are reserved, and the
 * frame accounting is printed and checked. RAM beyond the boot tables'
 * 4 GiB waits (deferred) until paging_init has mapped it. Boot CPU, once,
 * before the APs start.
 */
#include <arch/layout.h>
#include <kernel/boot.h>
#include <kernel/mm_boot.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <lib/errno_name.h>
#include <mm/init.h>
#include <shootdown.h>

/* Real-mode IVT, BIOS data, EBDA and the AP trampoline live below 1 MiB. */
#define LOW_RESERVED_END 0x100000ull

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
