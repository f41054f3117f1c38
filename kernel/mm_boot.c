/*
 * Handing physical memory to mm/ at boot: the firmware map becomes
 * mm_regions (RAM the direct map cannot reach yet is left out and said so),
 * the kernel image and the low 1 MiB are reserved, and the frame
 * accounting is printed and checked. Boot CPU, once, before the APs start.
 */
#include <arch/layout.h>
#include <kernel/boot.h>
#include <kernel/mm_boot.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
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
	uint64_t beyond = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < boot_info.memmap_count; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		uint64_t base = r->base, size = r->size;
		if (base >= BOOT_MAPPED_PHYS) {
			if (r->type == BOOT_MEM_USABLE)
				beyond += size;
			continue;
		}
		if (base + size > BOOT_MAPPED_PHYS) {
			if (r->type == BOOT_MEM_USABLE)
				beyond += base + size - BOOT_MAPPED_PHYS;
			size = BOOT_MAPPED_PHYS - base;
		}
		map[n++] = (struct mm_region){base, size, r->type == BOOT_MEM_USABLE};
	}
	if (beyond)
		kprintf("mem: %lu MiB of RAM above 4 GiB left unused: the boot direct map ends there\n",
			(unsigned long)(beyond >> 20));

	int rc = mm_init(map, n, reserved, 2);
	if (rc)
		panic("mm_init failed (error %d): see the message above", rc);
	kprintf("variant: frame=%s slab=%s shootdown=%s debug=%d\n", mm_variant_frame(),
		mm_variant_slab(), shootdown_variant, MM_DEBUG);
	mm_boot_report();
}

void mm_boot_report(void)
{
	struct mm_frame_accounting a;

	mm_frame_accounting(&a);
	uint64_t sum = a.free + a.cached + a.used + a.reserved;
	kprintf("mem: frames total=%lu free=%lu cached=%lu used=%lu (bump %lu) reserved=%lu: %s\n",
		(unsigned long)a.total, (unsigned long)a.free, (unsigned long)a.cached,
		(unsigned long)a.used, (unsigned long)a.bootmem_used, (unsigned long)a.reserved,
		sum == a.total ? "all accounted for" : "MISMATCH");
	if (sum != a.total)
		panic("frame accounting: free+cached+used+reserved = %lu, total = %lu",
		      (unsigned long)sum, (unsigned long)a.total);
}
