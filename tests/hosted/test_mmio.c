/*
 * The MMIO space manager (mm/mmio.c) over a hosted kernel mapper that four
 * simulated CPUs run on: windows are naturally aligned, inside the window
 * space, mapped uncached (or cached on request) with large pages where
 * possible; bad requests fail with the documented errno and change
 * nothing; an unmap shoots the mapping down on every CPU before the
 * address can be reused; concurrent maps and unmaps from all CPUs keep the
 * bookkeeping exact.
 */
#include <errno.h>
#include <stdatomic.h>

#include <mm/io.h>
#include <mm/slab.h>

#include <mm/env.h>
#include <mm/mapper.h>
#include <mm/mmio.h>
#include "mm_fixture.h"
#include "test.h"

#define NCPUS 4
#define WBASE 0xffffc80000000000ull
#define WSIZE (8ull << 20)
#define DEV 0xfe000000ull /* far above the simulated RAM */
#define PG HAL_PAGE_SIZE
#define LARGE MAPPER_LARGE_PAGE_SIZE

static struct mapper k;

static void join(unsigned cpu, void *arg)
{
	(void)cpu;
	env_irqflags_t irq = env_irq_save();
	mapper_switch(NULL, arg);
	env_irq_restore(irq);
}

static void warm(unsigned cpu, void *arg)
{
	(void)cpu;
	(void)arg;
	kfree(kmalloc(sizeof(struct list_head) * 4, GFP_KERNEL));
}

static void setup(void)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	/* A window's bookkeeping comes from kmalloc, whose first use on a
	 * CPU grows the magazine pool for good: count from after that. */
	hosted_run_cpus(NCPUS, warm, NULL);
	warm(0, NULL);
	mm_fixture_settle(&mm_fixture_start);
	if (mapper_init(&k) != 0 || mapper_prealloc_kernel_half(&k) != 0)
		env_panic("test_mmio: no memory for the kernel mapper");
	hosted_run_cpus(NCPUS, join, &k);
	mmio_init(&k, WBASE, WSIZE);
}

static void teardown(void)
{
	uint64_t n, bytes;

	mmio_usage(&n, &bytes);
	CHECK_EQ_U64(n, 0);
	CHECK_EQ_U64(bytes, 0);
	mapper_destroy(&k);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

static uint64_t flushes(void)
{
	return atomic_load(&hosted_flush_page_count) + atomic_load(&hosted_flush_all_count);
}

static uintptr_t map_ok(uint64_t phys, uint64_t size, unsigned flags)
{
	void *va = NULL;
	int err = mmio_map(phys, size, flags, &va);

	CHECK_EQ_U64(err, 0);
	return (uintptr_t)va;
}

TEST(mmio_windows_are_naturally_aligned_and_uncached)
{
	struct mapper_translation t;

	setup();
	uintptr_t a = map_ok(DEV, PG, 0);
	uintptr_t b = map_ok(DEV + 0x10000, 3 * PG, 0);   /* aligned to 16 KiB */
	uintptr_t c = map_ok(DEV + 0x200000, LARGE, 0);   /* aligned to 2 MiB */
	uintptr_t d = map_ok(DEV + 0x400000, PG, MMIO_CACHED);

	CHECK(a >= WBASE && d < WBASE + WSIZE);
	CHECK_EQ_U64(b % (4 * PG), 0);
	CHECK_EQ_U64(c % LARGE, 0);
	CHECK(b >= a + PG && c >= b + 3 * PG);
	CHECK_EQ_U64(d, a + PG); /* lowest gap first */

	REQUIRE(mapper_translate(&k, a + 8, &t) == 0);
	CHECK_EQ_U64(t.pa, DEV + 8);
	CHECK_EQ_U64(t.flags, MAPPER_WRITE | MAPPER_NX | MAPPER_GLOBAL | MAPPER_NOCACHE);
	REQUIRE(mapper_translate(&k, c + 0x1234, &t) == 0);
	CHECK_EQ_U64(t.page_size, LARGE); /* both addresses 2 MiB aligned */
	CHECK_EQ_U64(t.pa, DEV + 0x201234);
	REQUIRE(mapper_translate(&k, d, &t) == 0);
	CHECK_EQ_U64(t.flags, MAPPER_WRITE | MAPPER_NX | MAPPER_GLOBAL);

	uint64_t n, bytes;
	mmio_usage(&n, &bytes);
	CHECK_EQ_U64(n, 4);
	CHECK_EQ_U64(bytes, 5 * PG + LARGE);

	CHECK_EQ_U64(mmio_unmap((void *)a), 0);
	CHECK_EQ_U64(mmio_unmap((void *)b), 0);
	CHECK_EQ_U64(mmio_unmap((void *)c), 0);
	CHECK_EQ_U64(mmio_unmap((void *)d), 0);
	teardown();
}

TEST(mmio_rejects_bad_requests_without_changing_anything)
{
	void *va = (void *)1;
	uint64_t n, bytes;

	setup();
	uintptr_t live = map_ok(DEV + 0x20000, 4 * PG, 0);

	CHECK_EQ_U64(mmio_map(DEV, 0, 0, &va), -EINVAL);             /* zero size */
	CHECK_EQ_U64(mmio_map(DEV + 8, PG, 0, &va), -EINVAL);        /* unaligned address */
	CHECK_EQ_U64(mmio_map(DEV, PG + 1, 0, &va), -EINVAL);        /* unaligned size */
	CHECK_EQ_U64(mmio_map(0 - (uint64_t)PG, 2 * PG, 0, &va), -EINVAL);        /* wraps around */
	CHECK_EQ_U64(mmio_map(DEV, PG, 1u << 7, &va), -EINVAL);      /* unknown flag */
	CHECK_EQ_U64(mmio_map(HOSTED_PHYS_START + (8ull << 20), PG, 0, &va), -EINVAL); /* RAM */
	CHECK_EQ_U64(mmio_map(DEV + 0x20000, 4 * PG, 0, &va), -EBUSY); /* the same range */
	CHECK_EQ_U64(mmio_map(DEV + 0x1f000, 2 * PG, 0, &va), -EBUSY); /* its first page */
	CHECK_EQ_U64(mmio_map(DEV + 0x23000, PG, 0, &va), -EBUSY);     /* its last page */
	CHECK_EQ_U64(mmio_map(DEV + 0x10000, 0x20000, 0, &va), -EBUSY); /* around it */
	CHECK_EQ_U64(mmio_map(DEV + 0x1000000, 2 * WSIZE, 0, &va), -ENOMEM); /* too large */
	CHECK(va == (void *)1);

	CHECK_EQ_U64(mmio_unmap((void *)(live + PG)), -EINVAL); /* not a window's start */
	CHECK_EQ_U64(mmio_unmap((void *)(WBASE - PG)), -EINVAL);
	mmio_usage(&n, &bytes);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(bytes, 4 * PG);

	CHECK_EQ_U64(mmio_unmap((void *)live), 0);
	CHECK_EQ_U64(mmio_unmap((void *)live), -EINVAL); /* twice */
	CHECK_EQ_U64(map_ok(DEV + 0x20000, 4 * PG, 0), live); /* free again, same place */
	CHECK_EQ_U64(mmio_unmap((void *)live), 0);
	teardown();
}

TEST(mmio_exhausting_the_window_fails_cleanly_then_recovers)
{
	uintptr_t va[WSIZE / LARGE];
	void *extra;

	setup();
	for (unsigned i = 0; i < WSIZE / LARGE; i++)
		va[i] = map_ok(DEV + i * LARGE, LARGE, 0);
	CHECK_EQ_U64(mmio_map(DEV + WSIZE, PG, 0, &extra), -ENOMEM);
	CHECK_EQ_U64(mmio_unmap((void *)va[2]), 0);
	CHECK_EQ_U64(mmio_map(DEV + WSIZE, 2 * LARGE, 0, &extra), -ENOMEM); /* no 4 MiB gap */
	CHECK_EQ_U64(map_ok(DEV + WSIZE, PG, 0), va[2]);
	CHECK_EQ_U64(mmio_unmap((void *)va[2]), 0);
	for (unsigned i = 0; i < WSIZE / LARGE; i++)
		if (i != 2)
			CHECK_EQ_U64(mmio_unmap((void *)va[i]), 0);
	teardown();
}

TEST(mmio_unmap_shoots_down_every_cpu_before_reuse)
{
	struct mapper_translation t;

	setup();
	uintptr_t a = map_ok(DEV, 2 * PG, 0);
	uint64_t before = flushes();
	CHECK_EQ_U64(mmio_unmap((void *)a), 0);
	CHECK_EQ_U64(flushes() - before, 2 * NCPUS); /* two pages, on every CPU */
	CHECK_EQ_U64(mapper_translate(&k, a, &t), -ENOENT);
	teardown();
}

TEST(mmio_ioremap_keeps_the_offset)
{
	struct mapper_translation t;

	setup();
	char *p = ioremap(DEV + 0x123, 0x20);
	REQUIRE(p != NULL);
	CHECK_EQ_U64((uintptr_t)p % PG, 0x123);
	REQUIRE(mapper_translate(&k, (uintptr_t)p, &t) == 0);
	CHECK_EQ_U64(t.pa, DEV + 0x123);
	char *q = ioremap_cache(DEV + 3 * PG - 4, 8); /* straddles two pages */
	REQUIRE(q != NULL);
	CHECK(ioremap(DEV + 0x200, 4) == NULL); /* same page as p: busy */
	CHECK(ioremap(DEV, 0) == NULL);
	iounmap(p);
	iounmap(q);
	EXPECT_PANIC(iounmap((void *)WBASE), "not an address ioremap gave");
	teardown();
}

static void churn(unsigned cpu, void *arg)
{
	_Atomic unsigned *errors = arg;

	for (unsigned i = 0; i < 200; i++) {
		void *va;
		uint64_t size = PG << (i % 3);
		uint64_t phys = DEV + ((uint64_t)cpu << 22) + ((i % 8) << 16);

		if (mmio_map(phys, size, 0, &va) != 0 || (uintptr_t)va % size != 0 ||
		    mmio_unmap(va) != 0)
			atomic_fetch_add(errors, 1);
	}
}

TEST(mmio_concurrent_maps_and_unmaps)
{
	_Atomic unsigned errors = 0;

	setup();
	hosted_run_cpus(NCPUS, churn, &errors);
	CHECK_EQ_U64(atomic_load(&errors), 0);
	teardown();
}
