/*
 * mapper.map: the page mapper alone, in a private address space of the
 * phase's CPUs (bench/space.c). Each CPU maps one page in its own region
 * (op map) and unmaps it again with its shootdown (op unmap), at 4 KiB
 * and at 2 MiB, cycling through SLOTS addresses just above a page kept
 * mapped at the start of its region (from the warm-up): that page keeps
 * the tables above the leaves alive, so the operations measure the leaf
 * entries and the flush, not table allocation.
 */
#include <lib/errno_name.h>
#include <lib/format.h>
#include <mm/gfp.h>

#include "bench_kernel.h"

#define SLOTS 64	/* distinct addresses each CPU cycles through */

static const uint64_t page_sizes[] = { 4096, MAPPER_LARGE_PAGE_SIZE };

static struct {
	struct bench_space space;
	uint64_t block;		/* physical, 2 MiB aligned: every page maps it */
	uint64_t page;
} mp;

static uintptr_t slot_va(unsigned cpu, unsigned i)
{
	return bench_space_region(cpu) + (1 + i % SLOTS) * mp.page;
}

static void warm(struct bench_cpu *bc)
{
	bench_space_enter(&mp.space);
	if (mapper_map(&mp.space.m, bench_space_region(bc->cpu), mp.block, 4096, 4096,
		       MAPPER_WRITE | MAPPER_NX) != 0)
		bench_fail("cannot map the anchor page");
}

static void map_unmap(struct bench_cpu *bc, unsigned i)
{
	uintptr_t va = slot_va(bc->cpu, i);
	int rc;

	BENCH_TIME(bc, 0, rc = mapper_map(&mp.space.m, va, mp.block, mp.page, mp.page,
					  MAPPER_WRITE | MAPPER_NX));
	if (rc != 0) {
		bench_fail("mapper_map(%#lx, %#lx) = %d (%s)", (unsigned long)va,
			   (unsigned long)mp.page, rc, errno_name(-rc));
		return;
	}
	BENCH_TIME(bc, 1, bench_unmap_range(bc, &mp.space, va, mp.page));
}

static void done(struct bench_cpu *bc)
{
	bench_unmap_range(bc, &mp.space, bench_space_region(bc->cpu), 4096);
	bench_space_leave(&mp.space);
}

int bench_mapper_map(const struct bench_step *step)
{
	struct page *block = alloc_pages(GFP_KERNEL, 9);
	char params[32];
	int rc = 0;

	if (block == NULL || bench_space_init(&mp.space) != 0) {
		bench_fail("no memory for the mapper suite");
		if (block)
			__free_pages(block, 9);
		return -1;
	}
	mp.block = hal_virt_to_phys(page_address(block));
	for (unsigned k = 0; k < sizeof(page_sizes) / sizeof(page_sizes[0]); k++) {
		mp.page = page_sizes[k];
		ksnprintf(params, sizeof(params), "page_kib=%llu", (unsigned long long)(mp.page >> 10));
		struct bench_phase ph = { .suite = "mapper.map", .ops = { "map", "unmap" },
					  .params = params, .ops_per_cpu = bench_ops(step, 10000), .warm_ops = 16,
					  .irqs_on = true, .warm = warm, .run = map_unmap, .done = done };
		rc |= bench_phase_run(step, &ph);
	}
	bench_space_destroy(&mp.space);
	__free_pages(block, 9);
	return rc;
}
