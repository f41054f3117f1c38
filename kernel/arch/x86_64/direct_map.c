/*
 * The direct map: every range of RAM in the firmware map (usable, ACPI
 * reclaimable and ACPI NVS) at DIRECT_MAP_BASE + its physical address,
 * read/write, no-execute, global, with 2 MiB pages wherever a whole
 * aligned 2 MiB block is RAM and 4 KiB pages at the unaligned edges.
 * Holes and device ranges stay unmapped: devices are reached through the
 * MMIO manager (mm/mmio.c), with the memory type they need, and a stray
 * pointer into a hole faults instead of reading whatever is there.
 *
 * Boot CPU, once, from paging_init, before the APs exist.
 */
#include <arch/layout.h>
#include <arch/paging.h>
#include <kernel/boot.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <mm/mapper.h>

#define SMALL PAGE_SIZE_4K
#define LARGE MAPPER_LARGE_PAGE_SIZE

struct span {
	uint64_t start, end;
};

static bool is_ram(uint32_t type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM || type == BOOT_MEM_ACPI_NVS;
}

static uint64_t align_down(uint64_t x, uint64_t a)
{
	return x & ~(a - 1);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
	return align_down(x + a - 1, a);
}

/* The RAM ranges of the firmware map, widened to whole pages, sorted and
 * with overlapping or touching ranges merged. */
static unsigned ram_spans(struct span *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < boot_info.memmap_count; i++) {
		const struct boot_mem_region *r = &boot_info.memmap[i];
		struct span x = { align_down(r->base, SMALL), align_up(r->base + r->size, SMALL) };

		if (!is_ram(r->type) || x.end <= x.start)
			continue;
		unsigned j = n++;
		for (; j > 0 && s[j - 1].start > x.start; j--)
			s[j] = s[j - 1];
		s[j] = x;
	}
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++) {
		if (m > 0 && s[i].start <= s[m - 1].end) {
			if (s[i].end > s[m - 1].end)
				s[m - 1].end = s[i].end;
		} else {
			s[m++] = s[i];
		}
	}
	return m;
}

static void map_pages(struct mapper *k, uint64_t start, uint64_t end, uint64_t page, unsigned flags,
		      uint64_t *count)
{
	if (start >= end)
		return;
	int rc = mapper_map(k, DIRECT_MAP_BASE + start, start, end - start, page, flags);
	if (rc)
		panic("paging: direct map of [%#lx, %#lx) failed: %d", (unsigned long)start,
		      (unsigned long)end, rc);
	*count += (end - start) / page;
}

uint64_t direct_map_init(struct mapper *k, unsigned flags)
{
	static struct span spans[BOOT_MEMMAP_MAX];
	unsigned n = ram_spans(spans);
	uint64_t small = 0, large = 0, bytes = 0;

	if (n == 0)
		panic("paging: no RAM in the firmware memory map");
	if (spans[n - 1].end > DIRECT_MAP_SIZE)
		panic("paging: RAM up to %#lx, beyond the %lu GiB the direct map can hold",
		      (unsigned long)spans[n - 1].end, (unsigned long)(DIRECT_MAP_SIZE >> 30));
	for (unsigned i = 0; i < n; i++) {
		uint64_t s = spans[i].start, e = spans[i].end;
		uint64_t head = align_up(s, LARGE) < e ? align_up(s, LARGE) : e;
		uint64_t tail = align_down(e, LARGE) > head ? align_down(e, LARGE) : head;

		map_pages(k, s, head, SMALL, flags, &small);
		map_pages(k, head, tail, LARGE, flags, &large);
		map_pages(k, tail, e, SMALL, flags, &small);
		bytes += e - s;
	}
	kprintf("paging: direct map of %lu MiB of RAM in %u ranges: %lu 2 MiB pages, %lu 4 KiB pages\n",
		(unsigned long)(bytes >> 20), n, (unsigned long)large, (unsigned long)small);
	return spans[n - 1].end;
}
