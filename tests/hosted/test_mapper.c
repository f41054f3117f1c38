/*
 * test_mapper.c - the page mapper (mm/mapper.c) on simulated physical
 * memory: map, unmap, protect and translate at every level and in both
 * halves; 2 MiB pages among 4 KiB ones; every bad argument; tables freed
 * when empty, and only through the flush batch; the batch's page list,
 * ceiling and global span; kernel and user mappers; running out of memory.
 * The random and concurrent tests are in test_mapper_random.c.
 *
 * A raw walk of the tables (mapper_test_tables) counts them independently
 * of the mapper's counters and finds any empty table left in the tree.
 */
#include <errno.h>
#include <stdatomic.h>

#include <mm/gfp.h>

#include <mm/env.h>
#include <mm/mapper.h>
#include "mm_fixture.h"
#include "page.h"
#include "test.h"

#define LARGE MAPPER_LARGE_PAGE_SIZE
#define PG HAL_PAGE_SIZE
#define GIB (1ull << 30)

/* Tables below the table at pa, itself included; an empty one that is not
 * pinned fails the test: unmap should have freed it. */
static uint64_t subtree_tables(phys_addr_t pa, unsigned level, bool pinned)
{
	const uint64_t *t = hal_phys_to_virt(pa);
	uint64_t tables = 1;
	bool empty = true;

	for (unsigned i = 0; i < HAL_TABLE_ENTRIES; i++) {
		if (!(t[i] & HAL_PTE_PRESENT))
			continue;
		empty = false;
		if (level > 0 && !(t[i] & HAL_PTE_LARGE))
			tables += subtree_tables(t[i] & HAL_PTE_ADDR_MASK, level - 1, false);
	}
	if (empty && !pinned)
		hosted_fail(__FILE__, __LINE__, "empty table at %#llx, level %u, left in the tree",
			    (unsigned long long)pa, level);
	return tables;
}

/* The tables of m's own part of its tree, counted by a raw walk. Also
 * used by test_mapper_random.c. */
uint64_t mapper_test_tables(const struct mapper *m);
uint64_t mapper_test_tables(const struct mapper *m)
{
	const uint64_t *root = hal_phys_to_virt(m->root);
	unsigned n = m->user ? HAL_TABLE_ENTRIES / 2 : HAL_TABLE_ENTRIES;
	uint64_t tables = 1;

	for (unsigned i = 0; i < n; i++) {
		if (root[i] & HAL_PTE_PRESENT)
			tables += subtree_tables(root[i] & HAL_PTE_ADDR_MASK, HAL_LEVELS - 2,
						 m->kernel_half_pinned && i >= HAL_TABLE_ENTRIES / 2);
	}
	return tables;
}

/* The leaf entry for va under the root at pa, by a raw walk, or 0. */
static uint64_t mapper_test_walk(phys_addr_t root, uintptr_t va)
{
	const uint64_t *t = hal_phys_to_virt(root);

	for (unsigned level = HAL_LEVELS - 1;; level--) {
		uint64_t e = t[(va >> HAL_LEVEL_SHIFT(level)) & (HAL_TABLE_ENTRIES - 1)];

		if (!(e & HAL_PTE_PRESENT) || level == 0 || (e & HAL_PTE_LARGE))
			return e;
		t = hal_phys_to_virt(e & HAL_PTE_ADDR_MASK);
	}
}

/* A fresh stack and an empty kernel mapper m; with b, an empty batch. */
static void setup(struct mapper *m, struct flush_batch *b, bool free_frames)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	if (mapper_init(m) != 0)
		env_panic("test_mapper: no frame for a root table");
	if (b != NULL)
		flush_batch_init(b, m, free_frames);
}

static void check_translation(struct mapper *m, uintptr_t va, phys_addr_t pa, uint64_t size,
			      unsigned flags, const char *file, int line)
{
	struct mapper_translation t;
	int err = mapper_translate(m, va, &t);

	if (err != 0)
		hosted_fail(file, line, "translate %#lx: %d", (unsigned long)va, err);
	else if (t.pa != pa || t.page_size != size || t.flags != flags)
		hosted_fail(file, line,
			    "translate %#lx: pa %#llx size %#llx flags %#x, want %#llx %#llx %#x",
			    (unsigned long)va, (unsigned long long)t.pa,
			    (unsigned long long)t.page_size, t.flags, (unsigned long long)pa,
			    (unsigned long long)size, flags);
}

#define CHECK_TRANSLATION(m, va, pa, size, flags) \
	check_translation(m, va, pa, size, flags, __FILE__, __LINE__)

static int translate_err(struct mapper *m, uintptr_t va)
{
	struct mapper_translation t;

	return mapper_translate(m, va, &t);
}

static uint64_t free_frames_now(void)
{
	struct mm_frame_accounting a;

	mm_fixture_settle(&a);
	return a.free + a.cached;
}

/* One address per corner of the tree: first and last entries at every
 * level, in both halves. */
static const struct {
	uintptr_t va;
	uint64_t size;
	unsigned flags;
} corners[] = {
	{ 0x1000, PG, MAPPER_WRITE },
	{ 0x00007ffffffff000, PG, MAPPER_USER | MAPPER_NX },
	{ 0x0000008040201000, PG, MAPPER_NOCACHE }, /* index 1 at every level */
	{ 0x40000000, LARGE, MAPPER_WRITE | MAPPER_NX },
	{ 0xffff800000000000, PG, MAPPER_GLOBAL | MAPPER_WRITE },
	{ 0xffffffffffe00000, LARGE, MAPPER_GLOBAL },
	{ 0xffffffffffdff000, PG, 0 },
};
#define NCORNERS (sizeof(corners) / sizeof(corners[0]))

TEST(mapper_every_level)
{
	struct flush_batch b;
	struct mapper m;

	setup(&m, &b, false);
	CHECK_EQ_U64(mapper_test_tables(&m), 1);
	for (unsigned i = 0; i < NCORNERS; i++) {
		phys_addr_t pa = (i + 1) * 4 * LARGE;

		CHECK_EQ_U64(mapper_map(&m, corners[i].va, pa, corners[i].size, corners[i].size,
					corners[i].flags), 0);
		CHECK_TRANSLATION(&m, corners[i].va, pa, corners[i].size, corners[i].flags);
		CHECK_TRANSLATION(&m, corners[i].va + corners[i].size - 1,
				  pa + corners[i].size - 1, corners[i].size, corners[i].flags);
		CHECK(translate_err(&m, corners[i].va - 1) != 0);
	}
	/* New tables per corner: three below each new root entry, one for
	 * the large page at 1 GiB (a level-1 table beside the first page's),
	 * two for the last large page, one for the page below it. */
	CHECK_EQ_U64(mapper_test_tables(&m), 1 + 3 + 3 + 3 + 1 + 3 + 2 + 1);
	CHECK_EQ_U64(m.tables_allocated - m.tables_freed, mapper_test_tables(&m));

	for (unsigned i = 0; i < NCORNERS; i++) {
		phys_addr_t pa = (i + 1) * 4 * LARGE;
		unsigned flags = corners[i].flags ^ (MAPPER_WRITE | MAPPER_NX);

		CHECK_EQ_U64(mapper_protect(&m, corners[i].va, corners[i].size, flags, &b),
			     corners[i].size / PG);
		CHECK_TRANSLATION(&m, corners[i].va, pa, corners[i].size, flags);
	}
	CHECK_EQ_U64(b.npages, NCORNERS);
	CHECK_EQ_U64(b.ntables, 0);
	flush_batch_finish_local(&b);
	for (unsigned i = 0; i < NCORNERS; i++) {
		CHECK_EQ_U64(mapper_unmap(&m, corners[i].va, corners[i].size, &b),
			     corners[i].size / PG);
		CHECK_EQ_U64(translate_err(&m, corners[i].va), -ENOENT);
		flush_batch_finish_local(&b);
		CHECK_EQ_U64(m.tables_allocated - m.tables_freed, mapper_test_tables(&m));
	}
	CHECK_EQ_U64(mapper_test_tables(&m), 1);
	mapper_destroy(&m);
	CHECK_EQ_U64(m.tables_allocated, m.tables_freed);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_large_among_small)
{
	const uintptr_t x = 0xffffc00000000000;
	struct flush_batch b;
	struct mapper m;

	setup(&m, &b, false);
	CHECK_EQ_U64(mapper_map(&m, x, 8 * LARGE, LARGE, LARGE, MAPPER_WRITE), 0);
	CHECK_EQ_U64(mapper_map(&m, x + LARGE, 0x5000, 3 * PG, PG, 0), 0);
	CHECK_EQ_U64(mapper_map(&m, x + 2 * LARGE, 16 * LARGE, 2 * LARGE, LARGE, 0), 0);
	CHECK_EQ_U64(mapper_map(&m, x + LARGE - PG, 0x9000, PG, PG, 0), -EEXIST);
	CHECK_EQ_U64(mapper_map(&m, x + LARGE, 0, LARGE, LARGE, 0), -EEXIST);
	CHECK_TRANSLATION(&m, x + 0x12345, 8 * LARGE + 0x12345, LARGE, MAPPER_WRITE);
	CHECK_TRANSLATION(&m, x + LARGE + 2 * PG + 7, 0x7007, PG, 0);
	CHECK_EQ_U64(translate_err(&m, x + LARGE + 3 * PG), -ENOENT);
	CHECK_TRANSLATION(&m, x + 4 * LARGE - 1, 17 * LARGE + LARGE - 1, LARGE, 0);
	CHECK_EQ_U64(mapper_test_tables(&m), 4);

	/* One range over all of it: the level-0 table empties and goes. */
	CHECK_EQ_U64(mapper_unmap(&m, x, 4 * LARGE, &b), 3 * 512 + 3);
	CHECK_EQ_U64(b.npages, 6);
	CHECK_EQ_U64(b.unmapped, 3 * 512 + 3);
	CHECK_EQ_U64(b.ntables, 3);
	CHECK_EQ_U64(mapper_test_tables(&m), 1);
	flush_batch_finish_local(&b);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_bad_arguments)
{
	struct mapper m, k, u;
	struct flush_batch b;

	setup(&m, &b, false);
	CHECK_EQ_U64(mapper_map(&m, 0x1800, 0x1000, PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0x1000, 0x1800, PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0x1000, 0x1000, PG + 1, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0x1000, 0x1000, 0, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0x1000, 0x1000, PG, 2 * PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0, 0, GIB, GIB, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0x1000, 0x1000, PG, PG, 1u << 9), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, LARGE + PG, 0, LARGE, LARGE, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, LARGE, PG, LARGE, LARGE, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, LARGE, 0, PG, LARGE, 0), -EINVAL);
	/* Non-canonical, across the hole, wrapping, past the top. */
	CHECK_EQ_U64(mapper_map(&m, 0x0000800000000000, 0, PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0xffff7ffffffff000, 0, PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0x00007ffffffff000, 0, 2 * PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0xfffffffffffff000, 0, 2 * PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_unmap(&m, 0x0000800000000000, PG, &b), -EINVAL);
	CHECK_EQ_U64(mapper_protect(&m, 0xffff7ffffffff000, PG, 0, &b), -EINVAL);
	CHECK_EQ_U64(translate_err(&m, 0x0000800000000000), -EINVAL);
	/* Physical addresses past what an entry holds. */
	CHECK_EQ_U64(mapper_map(&m, 0x1000, 1ull << 52, PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0x1000, (1ull << 52) - PG, 2 * PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&m, 0x1000, (1ull << 52) - PG, PG, PG, 0), 0);
	/* Unmap and protect: misaligned, empty, unknown flags. */
	CHECK_EQ_U64(mapper_unmap(&m, 0x1800, PG, &b), -EINVAL);
	CHECK_EQ_U64(mapper_unmap(&m, 0x1000, PG / 2, &b), -EINVAL);
	CHECK_EQ_U64(mapper_unmap(&m, 0x1000, 0, &b), -EINVAL);
	CHECK_EQ_U64(mapper_protect(&m, 0x1000, PG, 1u << 9, &b), -EINVAL);
	/* Overlaps are refused whole: nothing of the range is mapped. */
	CHECK_EQ_U64(mapper_map(&m, 0, 0x10000, 4 * PG, PG, 0), -EEXIST);
	CHECK_EQ_U64(translate_err(&m, 0), -ENOENT);
	CHECK_EQ_U64(translate_err(&m, 0x2000), -ENOENT);
	CHECK_EQ_U64(mapper_map(&m, 0, 0, LARGE, LARGE, 0), -EEXIST);
	CHECK_TRANSLATION(&m, 0x1000, (1ull << 52) - PG, PG, 0);
	CHECK_EQ_U64(b.npages, 0);

	/* A user mapper maps the lower half only, and nothing global. */
	REQUIRE(mapper_init(&k) == 0);
	CHECK_EQ_U64(mapper_init_user(&u, &k), -EINVAL);
	REQUIRE(mapper_prealloc_kernel_half(&k) == 0);
	REQUIRE(mapper_init_user(&u, &k) == 0);
	CHECK_EQ_U64(mapper_prealloc_kernel_half(&u), -EINVAL);
	CHECK_EQ_U64(mapper_map(&u, 0xffff800000000000, 0, PG, PG, 0), -EINVAL);
	CHECK_EQ_U64(mapper_map(&u, 0x1000, 0, PG, PG, MAPPER_GLOBAL), -EINVAL);
	struct flush_batch ub;
	flush_batch_init(&ub, &u, false);
	CHECK_EQ_U64(mapper_unmap(&u, 0xffff800000000000, PG, &ub), -EINVAL);
	CHECK_EQ_U64(mapper_protect(&u, 0x1000, PG, MAPPER_GLOBAL, &ub), -EINVAL);
	CHECK_EQ_U64(ub.npages, 0);
	EXPECT_PANIC(mapper_unmap(&u, 0x1000, PG, &b), "flush batch for mapper");
	CHECK_EQ_U64(translate_err(&u, 0xffff800000000000), -EINVAL);

	CHECK_EQ_U64(mapper_unmap(&m, 0x1000, PG, &b), 1);
	flush_batch_finish_local(&b);
	mapper_destroy(&u);
	mapper_destroy(&k);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_partial_large_page)
{
	const uintptr_t x = 4 * LARGE;
	struct flush_batch b;
	struct mapper m;

	setup(&m, &b, false);
	REQUIRE(mapper_map(&m, x, 0, LARGE, LARGE, MAPPER_WRITE) == 0);
	REQUIRE(mapper_map(&m, x + LARGE, 0x3000, PG, PG, MAPPER_WRITE) == 0);
	CHECK_EQ_U64(mapper_unmap(&m, x + PG, PG, &b), -EINVAL);
	CHECK_EQ_U64(mapper_unmap(&m, x, LARGE - PG, &b), -EINVAL);
	CHECK_EQ_U64(mapper_protect(&m, x + LARGE - PG, 2 * PG, 0, &b), -EINVAL);
	/* Refused before anything changed, the 4 KiB page included. */
	CHECK_TRANSLATION(&m, x + LARGE, 0x3000, PG, MAPPER_WRITE);
	CHECK_TRANSLATION(&m, x, 0, LARGE, MAPPER_WRITE);
	CHECK_EQ_U64(b.npages, 0);
	CHECK_EQ_U64(mapper_protect(&m, x - PG, LARGE + 2 * PG, MAPPER_NX, &b), 513);
	CHECK_TRANSLATION(&m, x + LARGE, 0x3000, PG, MAPPER_NX);
	CHECK_TRANSLATION(&m, x + 5, 5, LARGE, MAPPER_NX);
	CHECK_EQ_U64(mapper_unmap(&m, x, LARGE + PG, &b), 513);
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(mapper_test_tables(&m), 1);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_unmap_counts_holes)
{
	const uintptr_t x = 0xffff900000000000;
	struct flush_batch b;
	struct mapper m;

	setup(&m, &b, false);
	CHECK_EQ_U64(mapper_unmap(&m, x, 64 * LARGE, &b), 0);
	CHECK_EQ_U64(mapper_protect(&m, x, 64 * LARGE, MAPPER_WRITE, &b), 0);
	CHECK(!flush_batch_needs_flush(&b));
	REQUIRE(mapper_map(&m, x + 3 * PG, 0x1000, PG, PG, 0) == 0);
	REQUIRE(mapper_map(&m, x + 7 * PG, 0x2000, 2 * PG, PG, 0) == 0);
	/* Protecting with the flags a page has changes nothing to flush. */
	CHECK_EQ_U64(mapper_protect(&m, x, 10 * PG, 0, &b), 3);
	CHECK(!flush_batch_needs_flush(&b));
	CHECK_EQ_U64(mapper_unmap(&m, x, 8 * PG, &b), 2);
	CHECK_EQ_U64(mapper_test_tables(&m), 4);
	CHECK_EQ_U64(mapper_unmap(&m, x + 8 * PG, 8 * PG, &b), 1);
	CHECK_EQ_U64(b.unmapped, 3);
	CHECK_EQ_U64(b.npages, 3);
	CHECK_EQ_U64(b.pages[0], x + 3 * PG);
	CHECK_EQ_U64(b.pages[2], x + 8 * PG);
	flush_batch_finish_local(&b);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_tables_wait_in_the_batch)
{
	const uintptr_t x = 0x7f0000000000 - 2 * GIB;
	struct flush_batch b;
	struct mapper m;
	uint64_t free_before, tables;

	setup(&m, &b, false);
	free_before = free_frames_now();
	/* 4 GiB in 4 KiB pages every 2 MiB: one level-0 table each. */
	for (uintptr_t va = x; va < x + 4 * GIB; va += LARGE)
		REQUIRE(mapper_map(&m, va, va, PG, PG, MAPPER_WRITE) == 0);
	tables = mapper_test_tables(&m);
	CHECK_EQ_U64(tables, 1 + 2 + 4 + 2048);
	CHECK_EQ_U64(m.tables_allocated, tables);
	CHECK_EQ_U64(free_frames_now(), free_before - (tables - 1));

	CHECK_EQ_U64(mapper_unmap(&m, x, 4 * GIB, &b), 2048);
	CHECK_EQ_U64(m.tables_freed, tables - 1);
	CHECK_EQ_U64(b.ntables, tables - 1);
	CHECK(b.flush_all);
	/* Unlinked but not yet freed: a stale walk may still reach them. */
	CHECK_EQ_U64(free_frames_now(), free_before - (tables - 1));
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(free_frames_now(), free_before);
	CHECK_EQ_U64(b.ntables, 0);
	CHECK(list_empty(&b.tables));
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* Maps n pages at x with flags and unmaps them; counts the flushes. */
static void unmap_and_flush(struct mapper *m, uintptr_t x, unsigned n, unsigned flags,
			    uint64_t *pages, uint64_t *alls)
{
	uint64_t p0 = atomic_load(&hosted_flush_page_count);
	uint64_t a0 = atomic_load(&hosted_flush_all_count);
	unsigned ceiling = flush_batch_ceiling < FLUSH_BATCH_MAX_PAGES ? flush_batch_ceiling
								       : FLUSH_BATCH_MAX_PAGES;
	struct flush_batch b;

	*pages = *alls = UINT64_MAX;
	flush_batch_init(&b, m, false);
	REQUIRE(mapper_map(m, x, 0, (uint64_t)n * PG, PG, flags) == 0);
	CHECK_EQ_U64(mapper_unmap(m, x, (uint64_t)n * PG, &b), n);
	CHECK_EQ_U64(b.flush_all, n > ceiling);
	CHECK_EQ_U64(b.npages, n > ceiling ? ceiling : n);
	for (unsigned i = 0; i < b.npages; i++)
		CHECK_EQ_U64(b.pages[i], x + i * PG);
	flush_batch_finish_local(&b);
	*pages = atomic_load(&hosted_flush_page_count) - p0;
	*alls = atomic_load(&hosted_flush_all_count) - a0;
}

TEST(mapper_flush_batch_ceiling)
{
	const uintptr_t x = 0xffffa00000000000;
	uint64_t pages, alls;
	struct mapper m;

	setup(&m, NULL, false);
	CHECK_EQ_U64(flush_batch_ceiling, 33);
	unmap_and_flush(&m, x, 1, 0, &pages, &alls);
	CHECK_EQ_U64(pages, 1);
	CHECK_EQ_U64(alls, 0);
	unmap_and_flush(&m, x, 33, 0, &pages, &alls);
	CHECK_EQ_U64(pages, 33);
	CHECK_EQ_U64(alls, 0);
	unmap_and_flush(&m, x, 34, 0, &pages, &alls);
	CHECK_EQ_U64(pages, 0);
	CHECK_EQ_U64(alls, 1);
	/* A full flush keeps global entries: those go page by page. */
	unmap_and_flush(&m, x, 40, MAPPER_GLOBAL, &pages, &alls);
	CHECK_EQ_U64(pages, 40);
	CHECK_EQ_U64(alls, 1);
	flush_batch_ceiling = 4;
	unmap_and_flush(&m, x, 5, 0, &pages, &alls);
	CHECK_EQ_U64(alls, 1);
	flush_batch_ceiling = 1000; /* bounded by the array */
	unmap_and_flush(&m, x, FLUSH_BATCH_MAX_PAGES + 1, 0, &pages, &alls);
	CHECK_EQ_U64(alls, 1);
	flush_batch_ceiling = 33;
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_global_span_of_large_pages)
{
	const uintptr_t x = 0xffffb00000000000;
	uint64_t p0 = atomic_load(&hosted_flush_page_count);
	struct flush_batch b;
	struct mapper m;

	setup(&m, &b, false);
	REQUIRE(mapper_map(&m, x, 0, 40 * LARGE, LARGE, MAPPER_GLOBAL) == 0);
	CHECK_EQ_U64(mapper_protect(&m, x, 40 * LARGE, MAPPER_WRITE, &b), 40 * 512);
	CHECK(b.flush_all);
	CHECK_EQ_U64(b.global_first, x);
	CHECK_EQ_U64(b.global_last, x + 39 * LARGE);
	CHECK_EQ_U64(b.global_stride, LARGE);
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(atomic_load(&hosted_flush_page_count) - p0, 40);
	CHECK_EQ_U64(mapper_unmap(&m, x, 40 * LARGE, &b), 40 * 512);
	CHECK_EQ_U64(b.global_stride, 0); /* no longer global after protect */
	flush_batch_finish_local(&b);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_frees_data_frames_after_flush)
{
	const uintptr_t x = 0x200000000;
	struct page *small[3], *large;
	struct flush_batch b;
	struct mapper m;
	uint64_t free_before;

	setup(&m, &b, true);
	free_before = free_frames_now();
	for (unsigned i = 0; i < 3; i++) {
		small[i] = alloc_pages(0, 0);
		REQUIRE(small[i] != NULL);
		REQUIRE(mapper_map(&m, x + i * PG, PFN_PHYS(page_to_pfn(small[i])), PG, PG,
				   MAPPER_WRITE) == 0);
	}
	large = alloc_pages(0, 9);
	REQUIRE(large != NULL);
	REQUIRE(mapper_map(&m, x + LARGE, PFN_PHYS(page_to_pfn(large)), LARGE, LARGE, 0) == 0);
	/* MMIO outside the frame map is never freed. */
	REQUIRE(mapper_map(&m, x + 2 * LARGE, 1ull << 40, PG, PG, MAPPER_NOCACHE) == 0);
	CHECK_EQ_U64(mapper_unmap(&m, x, 3 * LARGE, &b), 3 + 512 + 1);
	CHECK_EQ_U64(free_frames_now(), free_before - 3 - 512 - 4); /* and 4 tables */
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(free_frames_now(), free_before);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* A borrowed leaf (MAPPER_BORROWED) says so, is read-only under
 * MAPPER_COW through map, protect, move and replace, and no unmap
 * collects its frame; an own frame beside it is collected as ever. */
TEST(mapper_borrowed_leaves_stay_read_only_and_are_never_freed)
{
	const uintptr_t x = 0x300000000;
	const unsigned rw_cow = MAPPER_WRITE | MAPPER_COW;
	struct page *lent = NULL, *own = NULL, *copy = NULL;
	struct flush_batch b;
	struct mapper m;

	setup(&m, &b, true);
	lent = alloc_pages(0, 0);
	own = alloc_pages(0, 0);
	copy = alloc_pages(0, 0);
	REQUIRE(lent != NULL && own != NULL && copy != NULL);
	phys_addr_t lent_pa = PFN_PHYS(page_to_pfn(lent)), own_pa = PFN_PHYS(page_to_pfn(own));
	phys_addr_t copy_pa = PFN_PHYS(page_to_pfn(copy));

	REQUIRE(mapper_map(&m, x, lent_pa, PG, PG, rw_cow | MAPPER_BORROWED) == 0);
	REQUIRE(mapper_map(&m, x + PG, own_pa, PG, PG, rw_cow) == 0);
	REQUIRE(mapper_map(&m, x + 2 * PG, lent_pa, PG, PG, MAPPER_WRITE | MAPPER_BORROWED) == 0);
	CHECK_TRANSLATION(&m, x, lent_pa, PG, MAPPER_BORROWED);
	CHECK_TRANSLATION(&m, x + PG, own_pa, PG, MAPPER_WRITE);
	CHECK_TRANSLATION(&m, x + 2 * PG, lent_pa, PG, MAPPER_WRITE | MAPPER_BORROWED); /* shared */

	/* Protect: COW keeps the borrowed leaf read-only, keeps the mark. */
	REQUIRE(mapper_protect(&m, x, 3 * PG, rw_cow | MAPPER_NX, &b) == 3);
	CHECK_TRANSLATION(&m, x, lent_pa, PG, MAPPER_BORROWED | MAPPER_NX);
	CHECK_TRANSLATION(&m, x + PG, own_pa, PG, MAPPER_WRITE | MAPPER_NX);
	CHECK_TRANSLATION(&m, x + 2 * PG, lent_pa, PG, MAPPER_BORROWED | MAPPER_NX);
	REQUIRE(mapper_protect(&m, x + 2 * PG, PG, MAPPER_WRITE, &b) == 1);
	CHECK_TRANSLATION(&m, x + 2 * PG, lent_pa, PG, MAPPER_WRITE | MAPPER_BORROWED);
	flush_batch_finish_local(&b);

	/* Move: the mark and COW go with the leaf. */
	REQUIRE(mapper_move(&m, x, 2 * PG, &m, x + 8 * PG, rw_cow, &b) == 2);
	CHECK_TRANSLATION(&m, x + 8 * PG, lent_pa, PG, MAPPER_BORROWED);
	CHECK_TRANSLATION(&m, x + 9 * PG, own_pa, PG, MAPPER_WRITE);
	flush_batch_finish_local(&b);

	/* Replace: only while the leaf maps the frame the caller saw. */
	CHECK_EQ_U64(mapper_replace(&m, x + 8 * PG, own_pa, copy_pa, rw_cow, &b), -EAGAIN);
	CHECK_EQ_U64(mapper_replace(&m, x + 8 * PG, lent_pa, copy_pa, rw_cow, &b), 0);
	CHECK_TRANSLATION(&m, x + 8 * PG, copy_pa, PG, MAPPER_WRITE);
	CHECK(flush_batch_needs_flush(&b));
	flush_batch_finish_local(&b);

	/* Unmap collects the own frames (copy, own), never the lent one. */
	uint64_t free_before = free_frames_now();
	CHECK_EQ_U64(mapper_unmap(&m, x, 16 * PG, &b), 3);
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(free_frames_now(), free_before + 2 + 3);	/* and 3 tables */
	__free_pages(lent, 0);
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* A leaf of no access (MAPPER_NONE) is not present to the MMU but in use
 * for every walk: it conflicts with a map, translates with its frame,
 * turns present and back under protect, moves, and unmap frees its frame
 * and empties its tables. */
TEST(mapper_leaves_of_no_access_keep_their_frames)
{
	const uintptr_t x = 0x400000000;
	struct flush_batch b;
	struct mapper m;
	struct page *p;

	setup(&m, &b, true);
	uint64_t free_before = free_frames_now();
	p = alloc_pages(0, 0);
	REQUIRE(p != NULL);
	phys_addr_t pa = PFN_PHYS(page_to_pfn(p));

	REQUIRE(mapper_map(&m, x, pa, PG, PG, MAPPER_USER | MAPPER_NONE) == 0);
	CHECK_EQ_U64(mapper_test_walk(m.root, x) & HAL_PTE_PRESENT, 0);
	CHECK_TRANSLATION(&m, x, pa, PG, MAPPER_USER | MAPPER_NONE);
	CHECK_EQ_U64(mapper_map(&m, x, pa, PG, PG, MAPPER_USER), -EEXIST);
	REQUIRE(mapper_protect(&m, x, PG, MAPPER_USER | MAPPER_WRITE, &b) == 1);
	CHECK_TRANSLATION(&m, x, pa, PG, MAPPER_USER | MAPPER_WRITE);
	CHECK(mapper_test_walk(m.root, x) & HAL_PTE_PRESENT);
	REQUIRE(mapper_protect(&m, x, PG, MAPPER_USER | MAPPER_NONE, &b) == 1);
	CHECK_TRANSLATION(&m, x, pa, PG, MAPPER_USER | MAPPER_NONE);
	CHECK(flush_batch_needs_flush(&b));	/* it was present: shoot it down */
	flush_batch_finish_local(&b);
	REQUIRE(mapper_move(&m, x, PG, &m, x + 4 * PG, MAPPER_USER | MAPPER_NONE, &b) == 1);
	CHECK_TRANSLATION(&m, x + 4 * PG, pa, PG, MAPPER_USER | MAPPER_NONE);
	CHECK_EQ_U64(translate_err(&m, x), -ENOENT);
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(mapper_unmap(&m, x, 8 * PG, &b), 1);
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(free_frames_now(), free_before);	/* the frame and the tables */
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_out_of_memory_changes_nothing)
{
	const uintptr_t x = 0xffffd00000000000;
	struct list_head held;
	struct mapper m;
	struct page *p;
	uint64_t allocated;

	setup(&m, NULL, false);
	list_init(&held);
	while ((p = alloc_pages(0, 0)) != NULL)
		list_add(&p->list, &held);
	/* Two frames left; the map needs three tables. */
	for (unsigned i = 0; i < 2; i++) {
		p = list_first_entry(&held, struct page, list);
		list_del(&p->list);
		__free_pages(p, 0);
	}
	allocated = m.tables_allocated;
	CHECK_EQ_U64(mapper_map(&m, x, 0, PG, PG, 0), -ENOMEM);
	CHECK_EQ_U64(m.tables_allocated, allocated);
	CHECK_EQ_U64(mapper_test_tables(&m), 1);
	CHECK_EQ_U64(translate_err(&m, x), -ENOENT);
	/* A large page needs only two. */
	CHECK_EQ_U64(mapper_map(&m, x, 0, LARGE, LARGE, 0), 0);
	CHECK_EQ_U64(mapper_map(&m, x + LARGE, 0, PG, PG, 0), -ENOMEM);
	while (!list_empty(&held)) {
		p = list_first_entry(&held, struct page, list);
		list_del(&p->list);
		__free_pages(p, 0);
	}
	mapper_destroy(&m);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(mapper_user_shares_kernel_half)
{
	const uintptr_t kva = 0xffffe00000000000, uva = 0x400000;
	struct mapper k, u1, u2;
	struct flush_batch b;

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&k) == 0);
	REQUIRE(mapper_prealloc_kernel_half(&k) == 0);
	CHECK_EQ_U64(mapper_test_tables(&k), 1 + HAL_TABLE_ENTRIES / 2);
	CHECK_EQ_U64(mapper_prealloc_kernel_half(&k), 0); /* again: nothing to add */
	CHECK_EQ_U64(k.tables_allocated, 1 + HAL_TABLE_ENTRIES / 2);
	REQUIRE(mapper_init_user(&u1, &k) == 0);
	REQUIRE(mapper_init_user(&u2, &k) == 0);

	/* Made after the user spaces, seen from them all. */
	REQUIRE(mapper_map(&k, kva, 0x7000, PG, PG, MAPPER_GLOBAL) == 0);
	CHECK_EQ_U64(mapper_test_walk(u1.root, kva), 0x7000 | HAL_PTE_PRESENT | HAL_PTE_GLOBAL);
	CHECK_EQ_U64(mapper_test_walk(u2.root, kva), 0x7000 | HAL_PTE_PRESENT | HAL_PTE_GLOBAL);
	REQUIRE(mapper_map(&u1, uva, 0x8000, PG, PG, MAPPER_USER | MAPPER_WRITE) == 0);
	CHECK_TRANSLATION(&u1, uva, 0x8000, PG, MAPPER_USER | MAPPER_WRITE);
	CHECK_EQ_U64(translate_err(&u2, uva), -ENOENT);
	CHECK_EQ_U64(mapper_test_walk(k.root, uva), 0);

	/* Pinned tables stay when their last mapping goes. */
	flush_batch_init(&b, &k, false);
	CHECK_EQ_U64(mapper_unmap(&k, kva, PG, &b), 1);
	CHECK_EQ_U64(b.ntables, 2);
	CHECK_EQ_U64(mapper_test_tables(&k), 1 + HAL_TABLE_ENTRIES / 2);
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(mapper_test_walk(u1.root, kva), 0);

	/* A user mapper frees its own half only. */
	mapper_destroy(&u1);
	CHECK_EQ_U64(u1.tables_allocated, 4);
	CHECK_EQ_U64(u1.tables_freed, 4);
	mapper_destroy(&u2);
	CHECK_EQ_U64(mapper_test_tables(&k), 1 + HAL_TABLE_ENTRIES / 2);
	mapper_destroy(&k);
	MM_FIXTURE_CHECK_ACCOUNTING();
}
