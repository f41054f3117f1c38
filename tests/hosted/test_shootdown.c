/*
 * The shootdown policy built into this runner (SHOOTDOWN=batched or sync):
 * a batch from the mapper is flushed on exactly the CPUs that may hold the
 * mapper's translations (those that switched to it and have not left; the
 * simulated flush IPIs count every local flush), in one round when
 * batched and one round per page when sync, and its page tables and
 * frames go back to the allocator only afterwards.
 */
#include <stdatomic.h>
#include <string.h>

#include <mm/gfp.h>

#include <mm/env.h>
#include <mm/mapper.h>
#include <mm/shootdown.h>
#include "mm_fixture.h"
#include "test.h"

#define KVA 0xffffc90000000000ull
#define UVA 0x0000000040000000ull
#define NCPUS 4

static bool sync_variant(void)
{
	return strcmp(shootdown_variant, "sync") == 0;
}

static uint64_t flushes(void)
{
	return atomic_load(&hosted_flush_page_count) + atomic_load(&hosted_flush_all_count);
}

static uint64_t cpus_word(struct mapper *m)
{
	env_cpumask_t s;

	mapper_cpus(m, &s);
	return s.bits[0];
}

/* A run in which the CPUs in the mask `arg` switch from `from` to `to`. */
struct switch_run {
	struct mapper *from, *to;
	uint64_t who;
	_Atomic unsigned wrong_root;
};

static void switch_cpus(unsigned cpu, void *arg)
{
	struct switch_run *r = arg;

	if (!((r->who >> cpu) & 1))
		return;
	env_irqflags_t irq = env_irq_save();
	mapper_switch(r->from, r->to);
	if (hosted_current_root != r->to->root)
		atomic_fetch_add(&r->wrong_root, 1);
	env_irq_restore(irq);
}

static void switch_some(struct mapper *from, struct mapper *to, uint64_t who)
{
	struct switch_run r = { from, to, who, 0 };

	hosted_run_cpus(NCPUS, switch_cpus, &r);
	CHECK_EQ_U64(atomic_load(&r.wrong_root), 0);
}

static struct page *map_frames(struct mapper *m, uintptr_t va, unsigned n)
{
	struct page *frames = alloc_pages(GFP_KERNEL, 3);

	if (frames == NULL || n > 8)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		if (mapper_map(m, va + i * HAL_PAGE_SIZE, PFN_PHYS(page_to_pfn(frames) + i),
			       HAL_PAGE_SIZE, HAL_PAGE_SIZE, MAPPER_WRITE) != 0)
			return NULL;
	return frames;
}

TEST(shootdown_flushes_exactly_the_cpus_on_the_mapper_then_frees)
{
	struct mapper m;
	struct flush_batch b;

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&m) == 0);
	switch_some(NULL, &m, 0xa); /* CPUs 1 and 3 */
	CHECK_EQ_U64(cpus_word(&m), 0xa);

	struct page *frame = map_frames(&m, KVA, 1);
	REQUIRE(frame != NULL);
	flush_batch_init(&b, &m, false);
	CHECK(mapper_unmap(&m, KVA, HAL_PAGE_SIZE, &b) == 1);
	uint64_t tables = b.ntables;
	CHECK(tables == 3); /* the last-level tables under the root */

	uint64_t before = flushes();
	CHECK_EQ_U64(tlb_shootdown(&b), 1);
	CHECK_EQ_U64(flushes() - before, 2); /* one page, on CPUs 1 and 3 only */
	CHECK_EQ_U64(b.ntables, 0);          /* freed, and the batch reset */
	CHECK(b.mapper == &m);

	before = flushes();
	CHECK_EQ_U64(tlb_shootdown(&b), 0); /* nothing changed: no round */
	CHECK_EQ_U64(flushes() - before, 0);

	__free_pages(frame, 3);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(shootdown_reaches_only_cpus_still_on_a_user_mapper)
{
	struct mapper k, u;
	struct flush_batch b;

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&k) == 0);
	REQUIRE(mapper_prealloc_kernel_half(&k) == 0);
	REQUIRE(mapper_init_user(&u, &k) == 0);
	switch_some(NULL, &k, 0xf);
	switch_some(&k, &u, 0x6); /* CPUs 1 and 2 enter u */
	CHECK_EQ_U64(cpus_word(&u), 0x6);
	switch_some(&u, &k, 0x4); /* CPU 2 leaves: its non-global entries are gone */
	CHECK_EQ_U64(cpus_word(&u), 0x2);
	CHECK_EQ_U64(cpus_word(&k), 0xf);

	struct page *frames = map_frames(&u, UVA, 8);
	REQUIRE(frames != NULL);
	flush_batch_init(&b, &u, false);
	CHECK_EQ_U64(mapper_unmap(&u, UVA, 8 * HAL_PAGE_SIZE, &b), 8);
	uint64_t before = flushes();
	unsigned rounds = tlb_shootdown(&b);
	CHECK_EQ_U64(rounds, sync_variant() ? 8 : 1);
	CHECK_EQ_U64(flushes() - before, 8); /* 8 pages, on CPU 1 only */

	EXPECT_PANIC(mapper_destroy(&u), "still runs on it");
	switch_some(&u, &k, 0x2);
	CHECK_EQ_U64(cpus_word(&u), 0);
	mapper_destroy(&u);
	__free_pages(frames, 3);
	mapper_destroy(&k);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(shootdown_rounds_per_variant_for_64_pages)
{
	struct mapper m;
	struct flush_batch b;

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&m) == 0);
	switch_some(NULL, &m, 0xf);
	REQUIRE(mapper_map(&m, KVA, HOSTED_PHYS_START, 64 * HAL_PAGE_SIZE, HAL_PAGE_SIZE,
			   MAPPER_WRITE) == 0);
	flush_batch_init(&b, &m, false);
	CHECK_EQ_U64(mapper_unmap(&m, KVA, 64 * HAL_PAGE_SIZE, &b), 64);
	CHECK(b.flush_all); /* past the ceiling of 33 */
	uint64_t before = flushes();
	CHECK_EQ_U64(tlb_shootdown(&b), sync_variant() ? 64 : 1);
	if (!sync_variant())
		CHECK_EQ_U64(flushes() - before, NCPUS);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_switch_needs_interrupts_off)
{
	struct mapper m;

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&m) == 0);
	EXPECT_PANIC(mapper_switch(NULL, &m), "interrupts on");
	mapper_destroy(&m);
}
