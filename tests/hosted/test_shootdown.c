/*
 * The shootdown policy built into the hosted suite (SHOOTDOWN=batched):
 * a batch from the mapper is flushed on exactly the CPUs of the target set
 * (the simulated flush IPIs count every local flush), in one round, and
 * its page tables and frames go back to the allocator only afterwards.
 */
#include <stdatomic.h>

#include <mm/gfp.h>

#include "env.h"
#include "mapper.h"
#include "mm_fixture.h"
#include "shootdown.h"
#include "test.h"

#define VA 0xffffc90000000000ull
#define NCPUS 4

static void nothing(unsigned cpu, void *arg)
{
	(void)cpu;
	(void)arg;
}

static uint64_t flushes(void)
{
	return atomic_load(&hosted_flush_page_count) + atomic_load(&hosted_flush_all_count);
}

TEST(shootdown_flushes_exactly_the_target_cpus_then_frees)
{
	struct mapper m;
	struct flush_batch b;
	env_cpumask_t cpus;

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&m) == 0);
	hosted_run_cpus(NCPUS, nothing, NULL); /* later calls play these CPUs */

	struct page *frame = alloc_pages(GFP_KERNEL, 0);
	REQUIRE(frame != NULL);
	REQUIRE(mapper_map(&m, VA, PFN_PHYS(page_to_pfn(frame)), HAL_PAGE_SIZE, HAL_PAGE_SIZE,
			   MAPPER_WRITE) == 0);
	flush_batch_init(&b, true);
	CHECK(mapper_unmap(&m, VA, HAL_PAGE_SIZE, &b) == 1);
	uint64_t tables = b.ntables;
	CHECK(tables == 3); /* the last-level tables under the root */

	env_cpumask_clear(&cpus);
	env_cpumask_set(&cpus, 1);
	env_cpumask_set(&cpus, 3);
	uint64_t before = flushes();
	CHECK_EQ_U64(tlb_shootdown(&b, &cpus), 1);
	CHECK_EQ_U64(flushes() - before, 2); /* one page, on CPUs 1 and 3 only */
	CHECK_EQ_U64(b.ntables, 0);          /* freed, and the batch reset */

	flush_batch_init(&b, false);
	before = flushes();
	CHECK_EQ_U64(tlb_shootdown(&b, &cpus), 0); /* nothing changed: no round */
	CHECK_EQ_U64(flushes() - before, 0);

	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}
