/*
 * The shootdown suites, in a private address space that exactly the
 * phase's CPUs run on (bench/space.c), so the IPIs go to them alone:
 *   shootdown.unmap       CPU 0 maps 1, 8, 32, 64 or 512 pages, every
 *                         other CPU reads them all (its TLB now holds
 *                         them), then CPU 0 unmaps them with one flush
 *                         batch and shoots down (op unmap, timed on CPU 0
 *                         only); barriers keep the CPUs in step;
 *   shootdown.concurrent  every CPU maps 8 pages of its own, reads them
 *                         and unmaps them with a shootdown, all at once
 *                         (op unmap): initiators serve each other's flush
 *                         requests while they wait.
 * Interrupts stay on between operations (the targets must take the flush
 * IPIs); each timed unmap runs with them off. IPIs per operation are in
 * the records (ipis_sent / samples); rounds counts the IPI rounds.
 */
#include <kernel/barrier.h>
#include <lib/errno_name.h>
#include <lib/format.h>
#include <mm/gfp.h>

#include "bench_kernel.h"

#define PAGE 4096ull
#define CONCURRENT_PAGES 8
#define WARM_ROUNDS 8	/* untimed first rounds: caches and tables warm */

static const unsigned page_counts[] = { 1, 8, 32, 64, 512 };

static struct {
	struct bench_space space;
	struct barrier mapped, touched, unmapped;
	uint64_t frame;		/* physical; every page maps it */
	unsigned pages;
} sd;

static void map_pages(uintptr_t va, unsigned n)
{
	for (unsigned p = 0; p < n; p++) {
		int rc = mapper_map(&sd.space.m, va + p * PAGE, sd.frame, PAGE, PAGE,
				    MAPPER_WRITE | MAPPER_NX);
		if (rc)
			bench_fail("mapper_map(%#lx) = %d (%s)", (unsigned long)(va + p * PAGE), rc,
				   errno_name(-rc));
	}
}

static void touch_pages(uintptr_t va, unsigned n)
{
	for (unsigned p = 0; p < n; p++)
		(void)*(volatile uint64_t *)(va + p * PAGE);
}

static void enter(struct bench_cpu *bc)
{
	(void)bc;
	bench_space_enter(&sd.space);
}

static void leave(struct bench_cpu *bc)
{
	(void)bc;
	bench_space_leave(&sd.space);
}

static void unmap_round(struct bench_cpu *bc, unsigned i)
{
	uintptr_t va = bench_space_region(0);

	(void)i;
	if (bc->cpu == 0)
		map_pages(va, sd.pages);
	barrier_wait(&sd.mapped);
	if (bc->cpu != 0)
		touch_pages(va, sd.pages);
	barrier_wait(&sd.touched);
	if (bc->cpu == 0)
		BENCH_TIME(bc, 0, bench_unmap_range(bc, &sd.space, va, sd.pages * PAGE));
	barrier_wait(&sd.unmapped);
}

static void concurrent_round(struct bench_cpu *bc, unsigned i)
{
	uintptr_t va = bench_space_region(bc->cpu);

	(void)i;
	map_pages(va, CONCURRENT_PAGES);
	touch_pages(va, CONCURRENT_PAGES);
	BENCH_TIME(bc, 0, bench_unmap_range(bc, &sd.space, va, CONCURRENT_PAGES * PAGE));
}

static int with_space(const struct bench_step *step, int (*body)(const struct bench_step *))
{
	unsigned long page = get_zeroed_page(GFP_KERNEL);
	int rc;

	if (page == 0 || bench_space_init(&sd.space) != 0) {
		bench_fail("no memory for the address space");
		if (page)
			free_page(page);
		return -1;
	}
	sd.frame = hal_virt_to_phys((void *)page);
	rc = body(step);
	bench_space_destroy(&sd.space);
	free_page(page);
	return rc;
}

static int unmap_body(const struct bench_step *step)
{
	char params[32];
	int rc = 0;

	for (unsigned k = 0; k < sizeof(page_counts) / sizeof(page_counts[0]); k++) {
		sd.pages = page_counts[k];
		barrier_init(&sd.mapped, step->cpus);
		barrier_init(&sd.touched, step->cpus);
		barrier_init(&sd.unmapped, step->cpus);
		ksnprintf(params, sizeof(params), "pages=%u", sd.pages);
		struct bench_phase ph = { .suite = "shootdown.unmap", .ops = { "unmap" },
					  .params = params, .ops_per_cpu = bench_ops(step, 1000),
					  .warm_ops = WARM_ROUNDS,
					  .irqs_on = true, .warm = enter, .run = unmap_round,
					  .done = leave };
		rc |= bench_phase_run(step, &ph);
	}
	return rc;
}

static int concurrent_body(const struct bench_step *step)
{
	char params[32];

	ksnprintf(params, sizeof(params), "pages=%u", CONCURRENT_PAGES);
	struct bench_phase ph = { .suite = "shootdown.concurrent", .ops = { "unmap" },
				  .params = params, .ops_per_cpu = bench_ops(step, 2000),
				  .warm_ops = WARM_ROUNDS,
				  .irqs_on = true, .warm = enter, .run = concurrent_round,
				  .done = leave };
	return bench_phase_run(step, &ph);
}

int bench_shootdown_unmap(const struct bench_step *step)
{
	return with_space(step, unmap_body);
}

int bench_shootdown_concurrent(const struct bench_step *step)
{
	return with_space(step, concurrent_body);
}
