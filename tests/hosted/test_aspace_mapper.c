/*
 * test_aspace_mapper.c - the two mapper calls appended for the address
 * spaces (mm/mapper.c: mapper_for_each, mapper_move): moves inside one
 * mapper and between two, across table boundaries at every level, with
 * exactly the tables the targets need (mapper_move panics on a miscount),
 * all or nothing on every error, old entries into the batch without
 * their frames, and emptied source tables freed through it.
 */
#include <mm/gfp.h>

#include "page.h"
#include "test_aspace.h"

struct leaves {
	unsigned n;
	uintptr_t va[64];
	phys_addr_t pa[64];
};

static void collect(void *arg, uintptr_t va, const struct mapper_translation *t)
{
	struct leaves *l = arg;

	if (l->n < 64) {
		l->va[l->n] = va;
		l->pa[l->n] = t->pa;
	}
	l->n++;
}

static phys_addr_t pa_of(struct mapper *m, uintptr_t va)
{
	struct mapper_translation t;

	return mapper_translate(m, va, &t) == 0 ? t.pa : 0;
}

static uint64_t tables(const struct mapper *m)
{
	return m->tables_allocated - m->tables_freed;
}

TEST(aspace_mapper_move_and_for_each)
{
	struct mapper k, a, b;
	struct flush_batch fb;
	const uintptr_t src = 0x40000000 - 3 * PG; /* straddles 1 GiB */
	const uintptr_t dst = 0x7f0000000000ull - 2 * PG; /* straddles a root entry */

	mm_fixture_setup(MM_FIXTURE_RAM);
	REQUIRE(mapper_init(&k) == 0 && mapper_prealloc_kernel_half(&k) == 0);
	REQUIRE(mapper_init_user(&a, &k) == 0 && mapper_init_user(&b, &k) == 0);
	struct page *frames = alloc_pages(0, 3);
	REQUIRE(frames != NULL);
	phys_addr_t base = PFN_PHYS(page_to_pfn(frames));
	/* Pages 0, 1, 3, 5 of [src, src + 6 pages): a hole at 2 and 4. */
	const unsigned present[] = { 0, 1, 3, 5 };
	for (unsigned i = 0; i < 4; i++)
		REQUIRE(mapper_map(&a, src + present[i] * PG, base + i * PG, PG, PG,
				   MAPPER_USER | MAPPER_WRITE) == 0);

	struct leaves l = { 0 };
	CHECK_EQ_U64(mapper_for_each(&a, src, 6 * PG, collect, &l), 4);
	CHECK_EQ_U64(l.n, 4);
	for (unsigned i = 0; i < 4 && i < l.n; i++) {
		CHECK_EQ_U64(l.va[i], src + present[i] * PG);
		CHECK_EQ_U64(l.pa[i], base + i * PG);
	}
	CHECK_EQ_U64(mapper_for_each(&a, src + 1, PG, collect, &l), -EINVAL);

	/* Errors change nothing. */
	flush_batch_init(&fb, &a, true);
	CHECK_EQ_U64(mapper_move(&a, src, 6 * PG, &a, src + 2 * PG, MAPPER_USER, &fb), -EINVAL);
	CHECK_EQ_U64(mapper_move(&a, src, 6 * PG, &a, 0xffff800000000000ull, MAPPER_USER, &fb),
		     -EINVAL);
	CHECK_EQ_U64(mapper_move(&a, src, 6 * PG, &b, dst, MAPPER_USER | MAPPER_GLOBAL, &fb),
		     -EINVAL);
	REQUIRE(mapper_map(&b, dst + 5 * PG, base + 7 * PG, PG, PG, MAPPER_USER) == 0);
	uint64_t ta = tables(&a), tb = tables(&b);
	CHECK_EQ_U64(mapper_move(&a, src, 6 * PG, &b, dst, MAPPER_USER, &fb), -EEXIST);
	CHECK_EQ_U64(tables(&a), ta);
	CHECK_EQ_U64(tables(&b), tb);
	CHECK_EQ_U64(fb.npages, 0);
	CHECK_EQ_U64(pa_of(&a, src + 5 * PG), base + 3 * PG);

	/* A move to another mapper, across every level's boundary. */
	CHECK_EQ_U64(mapper_move(&a, src, 5 * PG, &b, dst, MAPPER_USER | MAPPER_NX, &fb), 3);
	CHECK_EQ_U64(fb.npages, 3);
	CHECK(list_empty(&fb.frames));	/* moved frames are not freed */
	CHECK_EQ_U64(fb.ntables, 2);	/* the leaf and level-1 tables below 1 GiB emptied */
	for (unsigned i = 0; i < 3; i++) {
		CHECK_EQ_U64(pa_of(&b, dst + present[i] * PG), base + i * PG);
		CHECK_EQ_U64(pa_of(&a, src + present[i] * PG), 0);
	}
	struct mapper_translation t;
	CHECK_EQ_U64(mapper_translate(&b, dst + 3 * PG, &t), 0);
	CHECK_EQ_U64(t.flags, MAPPER_USER | MAPPER_NX);
	CHECK_EQ_U64(pa_of(&a, src + 5 * PG), base + 3 * PG);
	/* Below the root entry boundary at dst + 2 pages a leaf, a level-1
	 * and a level-2 table are new; above it the page at dst + 5 pages
	 * brought them already. */
	CHECK_EQ_U64(tables(&b), tb + 3);
	flush_batch_finish_local(&fb);
	CHECK_EQ_U64(tables(&a), ta - 2);

	/* And back within one mapper; then everything away. */
	flush_batch_init(&fb, &b, true);
	CHECK_EQ_U64(mapper_move(&b, dst, 6 * PG, &b, src, MAPPER_USER, &fb), 4);
	CHECK_EQ_U64(pa_of(&b, src + 5 * PG), base + 7 * PG);
	CHECK_EQ_U64(pa_of(&b, src + 3 * PG), base + 2 * PG);
	CHECK_EQ_U64(mapper_move(&b, dst, 6 * PG, &b, src + 64 * PG, MAPPER_USER, &fb), 0);
	flush_batch_finish_local(&fb);
	flush_batch_init(&fb, &b, false);
	CHECK_EQ_U64(mapper_unmap(&b, src, 6 * PG, &fb), 4);
	flush_batch_finish_local(&fb);
	flush_batch_init(&fb, &a, false);
	CHECK_EQ_U64(mapper_unmap(&a, src, 6 * PG, &fb), 1);
	flush_batch_finish_local(&fb);
	CHECK_EQ_U64(tables(&a), 1);
	CHECK_EQ_U64(tables(&b), 1);

	/* Large pages are not moved. */
	REQUIRE(mapper_map(&a, 0x40000000, 0x40000000, MAPPER_LARGE_PAGE_SIZE,
			   MAPPER_LARGE_PAGE_SIZE, MAPPER_USER) == 0);
	flush_batch_init(&fb, &a, false);
	CHECK_EQ_U64(mapper_move(&a, 0x40000000, MAPPER_LARGE_PAGE_SIZE, &b, 0x40000000,
				 MAPPER_USER, &fb), -EINVAL);
	CHECK_EQ_U64(mapper_unmap(&a, 0x40000000, MAPPER_LARGE_PAGE_SIZE, &fb), 512);
	flush_batch_finish_local(&fb);

	__free_pages(frames, 3);
	mapper_destroy(&a);
	mapper_destroy(&b);
	mapper_destroy(&k);
	MM_FIXTURE_CHECK_ACCOUNTING();
}
