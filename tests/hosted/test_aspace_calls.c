/*
 * test_aspace_calls.c - mprotect, mremap, madvise, mincore and brk
 * (mm/mprotect.c, mremap.c, madvise.c, mmap.c): each call's semantics and
 * Linux's errno, splits and merges, contents kept across protection
 * changes and moves, and that a move keeps every frame (the same physical
 * page answers at the new address).
 */
#include <string.h>

#include <mm/shootdown.h>

#include "test_aspace.h"

#define RW (PROT_READ | PROT_WRITE)

static uint64_t rounds(struct aspace *as)
{
	struct aspace_stats st;

	aspace_stats(as, &st);
	return st.shootdown_rounds;
}

static phys_addr_t frame_of(struct aspace *as, uintptr_t va)
{
	struct mapper_translation t;

	return mapper_translate(aspace_mapper(as), va, &t) == 0 ? t.pa : 0;
}

/* Fills n pages at va with a pattern that names each page. */
static void fill(struct aspace *as, uintptr_t va, unsigned n, unsigned char tag)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned char b[16];

		memset(b, tag + i, sizeof(b));
		if (aspace_write(as, va + i * PG + 100, b, sizeof(b)) != 0)
			hosted_fail(__FILE__, __LINE__, "fill %#lx", (unsigned long)va);
	}
}

static bool filled(struct aspace *as, uintptr_t va, unsigned n, unsigned char tag)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned char b[16];

		if (aspace_read(as, b, va + i * PG + 100, sizeof(b)) != 0)
			return false;
		for (unsigned j = 0; j < sizeof(b); j++)
			if (b[j] != (unsigned char)(tag + i))
				return false;
	}
	return true;
}

static struct aspace_vma_info vma_at(struct aspace *as, unsigned i)
{
	struct aspace_vma_info vi[16] = { 0 };

	aspace_vmas(as, vi, 16);
	return i < 16 ? vi[i] : (struct aspace_vma_info){ 0 };
}

TEST(aspace_mprotect_splits_merges_and_keeps_contents)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	long a = as_map(as, 0, 6 * PG, RW, MAP_PRIVATE);
	fill(as, a, 6, 'A');
	phys_addr_t pa = frame_of(as, a + 2 * PG);

	uint64_t r0 = rounds(as);
	CHECK_EQ_U64(aspace_mprotect(as, a + 2 * PG, 2 * PG, PROT_READ), 0);
	CHECK_EQ_U64(as_nvmas(as), 3);
	CHECK_EQ_U64(vma_at(as, 1).start, a + 2 * PG);
	CHECK_EQ_U64(vma_at(as, 1).end, a + 4 * PG);
	CHECK_EQ_U64(vma_at(as, 1).prot, PROT_READ);
	CHECK(rounds(as) > r0);	/* a reduction on mapped pages is shot down */
	CHECK_EQ_U64(aspace_fault(as, a + 2 * PG, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE |
						   ASPACE_FAULT_PRESENT), -EACCES);
	CHECK_EQ_U64(aspace_fault(as, a + 4 * PG, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE |
							  ASPACE_FAULT_PRESENT),
		     ASPACE_FAULT_SPURIOUS);	/* written by fill: the entry allows it */
	CHECK_EQ_U64(frame_of(as, a + 2 * PG), pa);
	CHECK_ASPACE(as);

	/* PROT_NONE keeps the pages as leaves of no access: contents and
	 * frames kept, no right at all. */
	uint64_t resident = as_resident(as);
	CHECK_EQ_U64(aspace_mprotect(as, a, 3 * PG, PROT_NONE), 0);
	CHECK_EQ_U64(as_nvmas(as), 3);
	CHECK_EQ_U64(frame_of(as, a + 2 * PG), pa);
	struct mapper_translation none;
	CHECK_EQ_U64(mapper_translate(aspace_mapper(as), a + 2 * PG, &none), 0);
	CHECK_EQ_U64(none.flags, MAPPER_USER | MAPPER_NX | MAPPER_NONE);
	CHECK_EQ_U64(aspace_fault(as, a + PG, ASPACE_FAULT_USER), -EACCES);
	CHECK_EQ_U64(as_resident(as), resident);
	CHECK_ASPACE(as);
	CHECK_EQ_U64(aspace_mprotect(as, a, 6 * PG, RW | PROT_EXEC), 0);
	CHECK_EQ_U64(as_nvmas(as), 1);
	CHECK_EQ_U64(frame_of(as, a + 2 * PG), pa);
	CHECK(filled(as, a, 6, 'A'));
	struct mapper_translation t;
	CHECK_EQ_U64(mapper_translate(aspace_mapper(as), a, &t), 0);
	CHECK_EQ_U64(t.flags, MAPPER_USER | MAPPER_WRITE);
	CHECK_ASPACE(as);

	/* Raising rights needs no round (batched: nothing to flush unless
	 * entries changed; here none are mapped). */
	long b = as_map(as, 0, 4 * PG, PROT_READ, MAP_PRIVATE);
	r0 = rounds(as);
	CHECK_EQ_U64(aspace_mprotect(as, b, 4 * PG, RW), 0);
	CHECK_EQ_U64(rounds(as), r0);
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_mprotect_errno)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	const uintptr_t x = 0x40000000;
	CHECK_EQ_U64(as_map(as, x, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED), x);
	CHECK_EQ_U64(as_map(as, x + 3 * PG, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED), x + 3 * PG);
	CHECK_EQ_U64(aspace_mprotect(as, x + 1, PG, PROT_READ), -EINVAL);
	CHECK_EQ_U64(aspace_mprotect(as, x, PG, 0x10), -EINVAL);
	CHECK_EQ_U64(aspace_mprotect(as, x, PG, PROT_GROWSDOWN | PROT_GROWSUP), -EINVAL);
	CHECK_EQ_U64(aspace_mprotect(as, x, 0, PROT_READ), 0);
	CHECK_EQ_U64(aspace_mprotect(as, 0x1000, 0, 0x10), 0); /* len 0 wins over prot */
	CHECK_EQ_U64(aspace_mprotect(as, x, UINT64_MAX, PROT_READ), -ENOMEM);
	CHECK_EQ_U64(aspace_mprotect(as, x, -PG, PROT_READ), -ENOMEM);
	CHECK_EQ_U64(aspace_mprotect(as, x - PG, 2 * PG, PROT_READ), -ENOMEM);
	CHECK_EQ_U64(aspace_mprotect(as, x + 10 * PG, PG, PROT_READ), -ENOMEM);
	CHECK_EQ_U64(as_nvmas(as), 2);
	/* A hole in the middle: Linux changes what comes before it. */
	CHECK_EQ_U64(aspace_mprotect(as, x + PG, 3 * PG, PROT_READ), -ENOMEM);
	CHECK_EQ_U64(as_nvmas(as), 3);
	CHECK_EQ_U64(vma_at(as, 1).start, x + PG);
	CHECK_EQ_U64(vma_at(as, 1).prot, PROT_READ);
	CHECK_EQ_U64(vma_at(as, 2).prot, RW);
	/* PROT_SEM is accepted and not kept; unknown mmap prot bits too. */
	CHECK_EQ_U64(aspace_mprotect(as, x, 2 * PG, RW | PROT_SEM), 0);
	CHECK_EQ_U64(vma_at(as, 0).prot, RW);
	CHECK_EQ_U64(as_nvmas(as), 2);
	/* PROT_GROWSDOWN: only on a MAP_GROWSDOWN VMA, down to its start. */
	CHECK_EQ_U64(aspace_mprotect(as, x + PG, PG, PROT_READ | PROT_GROWSDOWN), -EINVAL);
	CHECK_EQ_U64(aspace_mprotect(as, x + PG, PG, PROT_READ | PROT_GROWSUP), -EINVAL);
	const uintptr_t s = 0x50000000;
	CHECK_EQ_U64(as_map(as, s, 4 * PG, RW, MAP_PRIVATE | MAP_GROWSDOWN | MAP_FIXED), s);
	CHECK_EQ_U64(aspace_mprotect(as, s + 2 * PG, PG, PROT_READ | PROT_GROWSDOWN), 0);
	CHECK_EQ_U64(vma_at(as, 2).start, s);
	CHECK_EQ_U64(vma_at(as, 2).end, s + 3 * PG);
	CHECK_EQ_U64(vma_at(as, 2).prot, PROT_READ);
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_mremap_shrink_grow_in_place_and_errno)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	const uintptr_t x = 0x40000000;
	CHECK_EQ_U64(as_map(as, x, 8 * PG, RW, MAP_PRIVATE | MAP_FIXED), x);
	fill(as, x, 8, 'a');
	CHECK_EQ_U64(aspace_mremap(as, x, 8 * PG, 4 * PG, 0, 0), x);
	CHECK_EQ_U64(as_resident(as), 4);
	CHECK_EQ_U64(vma_at(as, 0).end, x + 4 * PG);
	CHECK_EQ_U64(aspace_mremap(as, x, 4 * PG, 4 * PG, 0, 0), x);
	CHECK_EQ_U64(aspace_mremap(as, x, 5 * PG, 5 * PG, 0, 0), x); /* Linux: no check */
	CHECK_EQ_U64(aspace_mremap(as, x, 4 * PG, 6 * PG - 10, 0, 0), x);
	CHECK_EQ_U64(vma_at(as, 0).end, x + 6 * PG);
	CHECK(filled(as, x, 4, 'a'));
	CHECK_EQ_U64(as_peek(as, x + 5 * PG + 100), 0);
	/* Growing the head of a VMA is not in place, and without
	 * MREMAP_MAYMOVE that is -ENOMEM; so is a neighbour in the way. */
	CHECK_EQ_U64(aspace_mremap(as, x, 2 * PG, 3 * PG, 0, 0), -ENOMEM);
	CHECK_EQ_U64(as_map(as, x + 7 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED), x + 7 * PG);
	CHECK_EQ_U64(aspace_mremap(as, x, 6 * PG, 8 * PG, 0, 0), -ENOMEM);
	CHECK_EQ_U64(aspace_mremap(as, x, 6 * PG, 7 * PG, 0, 0), x);
	CHECK_EQ_U64(as_nvmas(as), 2);
	/* Shrinking may cross VMA boundaries. */
	CHECK_EQ_U64(aspace_mremap(as, x, 8 * PG, 2 * PG, 0, 0), x);
	CHECK_EQ_U64(as_nvmas(as), 1);
	CHECK_EQ_U64(vma_at(as, 0).end, x + 2 * PG);

	CHECK_EQ_U64(aspace_mremap(as, x, PG, PG, 8, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x + 1, PG, PG, 0, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, PG, 0, 0, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, PG, -PG + 1, MREMAP_MAYMOVE, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, PG, PG, MREMAP_FIXED, 0x60000000), -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, PG, PG, MREMAP_DONTUNMAP, 0x60000000), -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0),
		     -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, 0x60000001),
		     -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, 0x60000000, PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
	CHECK_EQ_U64(aspace_mremap(as, x, 3 * PG, 4 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
	CHECK_EQ_U64(aspace_mremap(as, x, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, x + PG),
		     -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, 0, PG, MREMAP_MAYMOVE, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED,
				   ASPACE_USER_HI), -EINVAL);
	CHECK_EQ_U64(aspace_mremap(as, x, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, 0x1000), -EPERM);
	CHECK_EQ_U64(as_nvmas(as), 1);
	CHECK(filled(as, x, 2, 'a'));
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_mremap_moves_page_table_entries)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	const uintptr_t x = 0x40000000, y = 0x7000000000;
	CHECK_EQ_U64(as_map(as, x, 6 * PG, RW, MAP_PRIVATE | MAP_FIXED), x);
	CHECK_EQ_U64(as_map(as, x + 6 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED), x + 6 * PG);
	fill(as, x, 6, 'm');
	phys_addr_t pa[6];
	for (unsigned i = 0; i < 6; i++)
		pa[i] = frame_of(as, x + i * PG);
	CHECK_EQ_U64(aspace_madvise(as, x + 3 * PG, PG, MADV_DONTNEED), 0); /* a hole in the pages */

	/* Grow, blocked by the neighbour: moved, every frame with it. */
	uint64_t resident = as_resident(as), r0 = rounds(as);
	long n = aspace_mremap(as, x, 6 * PG, 10 * PG, MREMAP_MAYMOVE, 0);
	CHECK(n > 0 && n != (long)x);
	CHECK(rounds(as) > r0);
	for (unsigned i = 0; i < 6; i++)
		CHECK_EQ_U64(frame_of(as, n + i * PG), i == 3 ? 0 : pa[i]);
	CHECK_EQ_U64(as_resident(as), resident);
	CHECK_EQ_U64(aspace_fault(as, x, ASPACE_FAULT_USER), -EFAULT);
	CHECK_EQ_U64(as_peek(as, n + 3 * PG + 100), 0);
	CHECK_EQ_U64(as_peek(as, n + 9 * PG), 0);
	CHECK_EQ_U64(as_nvmas(as), 2);
	CHECK_ASPACE(as);

	/* MREMAP_FIXED over an existing mapping, shrinking on the way. */
	CHECK_EQ_U64(as_map(as, y, 4 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED | MAP_POPULATE), y);
	resident = as_resident(as);
	CHECK_EQ_U64(aspace_mremap(as, n, 10 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, y), y);
	/* [y, y + 3 pages) replaced, the grown VMA's pages 3, 4, 5, 9 gone. */
	CHECK_EQ_U64(as_resident(as), resident - 3 - 4);
	CHECK_EQ_U64(frame_of(as, y + PG), pa[1]);
	CHECK(filled(as, y, 3, 'm'));
	CHECK_EQ_U64(vma_at(as, 1).start, y);
	CHECK_EQ_U64(vma_at(as, 1).end, y + 3 * PG);
	CHECK_EQ_U64(vma_at(as, 1).prot, RW);
	CHECK_EQ_U64(vma_at(as, 2).start, y + 3 * PG);	/* y's last page stays */
	CHECK_EQ_U64(vma_at(as, 2).prot, PROT_READ);
	CHECK_ASPACE(as);

	/* MREMAP_DONTUNMAP: the old range stays, empty (zero on touch). */
	long d = aspace_mremap(as, y, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	CHECK(d > 0 && d != (long)y);
	CHECK_EQ_U64(frame_of(as, d), pa[0]);
	CHECK(filled(as, d, 3, 'm'));
	CHECK_EQ_U64(frame_of(as, y), 0);
	CHECK_EQ_U64(as_peek(as, y + 100), 0);
	CHECK_EQ_U64(as_nvmas(as), 4);
	/* With a hint that is free, DONTUNMAP takes it. */
	long e = aspace_mremap(as, d, 3 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0x30000000);
	CHECK_EQ_U64(e, 0x30000000);
	CHECK(filled(as, e, 3, 'm'));
	CHECK_ASPACE(as);

	/* PROT_NONE memory moves with its pages of no access. */
	CHECK_EQ_U64(aspace_mprotect(as, e, 3 * PG, PROT_NONE), 0);
	long g = aspace_mremap(as, e, 3 * PG, 5 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, 0x31000000);
	CHECK_EQ_U64(g, 0x31000000);
	CHECK_EQ_U64(aspace_mprotect(as, g, 5 * PG, PROT_READ), 0);
	CHECK(filled(as, g, 3, 'm'));
	CHECK_EQ_U64(frame_of(as, g + 2 * PG), pa[2]);
	CHECK_ASPACE(as);

	/* old_len 0: Linux duplicates shared mappings only. */
	long sh = as_map(as, 0, 2 * PG, RW, MAP_SHARED);
	CHECK_EQ_U64(aspace_mremap(as, sh, 0, 2 * PG, 0, 0), -ENOMEM);
	long dup = aspace_mremap(as, sh, 0, 2 * PG, MREMAP_MAYMOVE, 0);
	CHECK(dup > 0 && dup != sh);
	struct aspace_vma_info vi[16];
	long nv = aspace_vmas(as, vi, 16);
	for (long i = 0; i < nv; i++)
		if (vi[i].start == (uint64_t)dup)
			CHECK_EQ_U64(vi[i].flags, MAP_SHARED);
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_madvise_semantics_and_errno)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	const uintptr_t x = 0x40000000;
	CHECK_EQ_U64(as_map(as, x, 4 * PG, RW, MAP_PRIVATE | MAP_FIXED), x);
	CHECK_EQ_U64(as_map(as, x + 5 * PG, 2 * PG, RW, MAP_SHARED | MAP_FIXED), x + 5 * PG);
	fill(as, x, 4, 'd');
	uint64_t r0 = rounds(as);
	CHECK_EQ_U64(aspace_madvise(as, x + PG, 2 * PG, MADV_DONTNEED), 0);
	CHECK(rounds(as) > r0);
	CHECK_EQ_U64(as_resident(as), 2);
	CHECK_EQ_U64(as_peek(as, x + PG + 100), 0);
	CHECK_EQ_U64(as_peek(as, x + 3 * PG + 100), 'd' + 3);
	CHECK_EQ_U64(as_nvmas(as), 2);	/* no split */

	static const int64_t noops[] = {
		MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT,
		MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP, MADV_KEEPONFORK,
		MADV_MERGEABLE, MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_COLLAPSE,
	};
	for (unsigned i = 0; i < sizeof(noops) / sizeof(noops[0]); i++)
		CHECK_EQ_U64(aspace_madvise(as, x, 4 * PG, noops[i]), 0);
	CHECK_EQ_U64(as_peek(as, x + 100), 'd');
	CHECK_EQ_U64(aspace_madvise(as, x, 4 * PG, MADV_WIPEONFORK), 0);
	CHECK_EQ_U64(aspace_madvise(as, x + 5 * PG, PG, MADV_WIPEONFORK), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x + 5 * PG, PG, MADV_FREE), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x, PG, MADV_REMOVE), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x + 5 * PG, PG, MADV_REMOVE), 0);
	CHECK_EQ_U64(aspace_madvise(as, x, PG, MADV_FREE), 0);
	CHECK_EQ_U64(as_peek(as, x + 100), 0);

	/* Holes: applied where mapped, then -ENOMEM. */
	fill(as, x + 3 * PG, 1, 'h');
	CHECK_EQ_U64(aspace_madvise(as, x + 3 * PG, 3 * PG, MADV_DONTNEED), -ENOMEM);
	CHECK_EQ_U64(as_peek(as, x + 3 * PG + 100), 0);
	CHECK_EQ_U64(aspace_madvise(as, 0x60000000, PG, MADV_DONTNEED), -ENOMEM);
	CHECK_EQ_U64(aspace_madvise(as, x + 4 * PG, PG, MADV_NORMAL), -ENOMEM);

	CHECK_EQ_U64(aspace_madvise(as, x, PG, 5), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x, PG, 999), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x, PG, MADV_GUARD_INSTALL), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x + 1, PG, MADV_DONTNEED), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x, -1ull, MADV_DONTNEED), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x + PG, -PG, MADV_DONTNEED), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x, 0, MADV_DONTNEED), 0);
	CHECK_EQ_U64(aspace_madvise(as, 0x60000000, 0, 999), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, x, PG, MADV_HWPOISON), -EPERM);

	/* MADV_POPULATE_*: the right itself is needed; holes stop it. */
	long w = as_map(as, 0, 2 * PG, PROT_WRITE, MAP_PRIVATE);
	long r = as_map(as, 0, 2 * PG, PROT_READ, MAP_PRIVATE);
	uint64_t resident = as_resident(as);
	CHECK_EQ_U64(aspace_madvise(as, w, 2 * PG, MADV_POPULATE_READ), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, r, 2 * PG, MADV_POPULATE_WRITE), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, r, 2 * PG, MADV_POPULATE_READ), 0);
	CHECK_EQ_U64(aspace_madvise(as, w, 2 * PG, MADV_POPULATE_WRITE), 0);
	CHECK_EQ_U64(as_resident(as), resident + 4);
	CHECK_EQ_U64(aspace_madvise(as, x + 3 * PG, 3 * PG, MADV_POPULATE_WRITE), -ENOMEM);
	CHECK_EQ_U64(as_resident(as), resident + 4); /* x + 3 pages was resident already */
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_mincore)
{
	struct as_fixture f;
	unsigned char vec[8];

	as_setup(&f);
	struct aspace *as = f.as;
	const uintptr_t x = 0x40000000;
	CHECK_EQ_U64(as_map(as, x, 4 * PG, RW, MAP_PRIVATE | MAP_FIXED), x);
	CHECK_EQ_U64(as_map(as, x + 4 * PG, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_FIXED), x + 4 * PG);
	CHECK_EQ_U64(as_poke(as, x + PG, 1), 0);
	CHECK_EQ_U64(as_poke(as, x + 5 * PG, 1), 0);	/* a leaf of no access */
	memset(vec, 0xee, sizeof(vec));
	CHECK_EQ_U64(aspace_mincore(as, x, 6 * PG - 1, vec), 0);
	const unsigned char want[] = { 0, 1, 0, 0, 0, 1 };
	CHECK(memcmp(vec, want, sizeof(want)) == 0);
	CHECK_EQ_U64(vec[6], 0xee);
	CHECK_EQ_U64(aspace_mincore(as, x, 0, vec), 0);
	CHECK_EQ_U64(aspace_mincore(as, x + 1, PG, vec), -EINVAL);
	CHECK_EQ_U64(aspace_mincore(as, x, 7 * PG, vec), -ENOMEM);
	CHECK_EQ_U64(aspace_mincore(as, x - PG, 2 * PG, vec), -ENOMEM);
	CHECK_EQ_U64(aspace_mincore(as, ASPACE_USER_HI - PG, 2 * PG, vec), -ENOMEM);
	CHECK_EQ_U64(aspace_mincore(as, x, UINT64_MAX, vec), -ENOMEM);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_brk)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	CHECK_EQ_U64(aspace_brk(as, 0), 0);
	CHECK_EQ_U64(aspace_brk(as, 0x600000), 0);	/* no program break yet */
	aspace_set_brk_base(as, 0x600123);
	CHECK_EQ_U64(aspace_brk(as, 0), 0x601000);
	CHECK_EQ_U64(aspace_brk(as, 0x601000 + 10), 0x601000 + 10);
	CHECK_EQ_U64(as_nvmas(as), 1);
	CHECK_EQ_U64(vma_at(as, 0).start, 0x601000);
	CHECK_EQ_U64(vma_at(as, 0).end, 0x602000);
	CHECK_EQ_U64(vma_at(as, 0).prot, RW);
	CHECK_EQ_U64(aspace_brk(as, 0x601000 + 100), 0x601000 + 100);	/* same page */
	CHECK_EQ_U64(aspace_brk(as, 0x605000), 0x605000);
	CHECK_EQ_U64(vma_at(as, 0).end, 0x605000);
	CHECK_EQ_U64(as_poke(as, 0x604fff, 3), 0);
	CHECK_EQ_U64(aspace_brk(as, 0x600000), 0x605000);	/* below the start */
	CHECK_EQ_U64(aspace_brk(as, 0x602000), 0x602000);
	CHECK_EQ_U64(vma_at(as, 0).end, 0x602000);
	CHECK_EQ_U64(as_resident(as), 0);
	/* Not into a mapping, and one page must stay free below it. */
	CHECK_EQ_U64(as_map(as, 0x700000, PG, RW, MAP_PRIVATE | MAP_FIXED), 0x700000);
	CHECK_EQ_U64(aspace_brk(as, 0x700000), 0x602000);
	CHECK_EQ_U64(aspace_brk(as, 0x6ff001), 0x602000);
	CHECK_EQ_U64(aspace_brk(as, 0x6ff000), 0x6ff000);
	CHECK_EQ_U64(aspace_brk(as, ASPACE_USER_HI + PG), 0x6ff000);
	CHECK_EQ_U64(aspace_brk(as, 0x601000), 0x601000);
	CHECK_EQ_U64(as_nvmas(as), 1);
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_shared_memory_is_one_object)
{
	struct as_fixture f;
	unsigned char vec[4];

	as_setup(&f);
	struct aspace *as = f.as;
	long s = as_map(as, 0, 4 * PG, RW, MAP_SHARED);
	fill(as, s, 4, 'S');
	phys_addr_t pa = frame_of(as, s + PG);

	/* MADV_DONTNEED drops the entries, not the data (Linux: shmem). */
	uint64_t r0 = rounds(as);
	CHECK_EQ_U64(aspace_madvise(as, s, 4 * PG, MADV_DONTNEED), 0);
	CHECK(rounds(as) > r0);
	CHECK_EQ_U64(as_resident(as), 0);
	CHECK_EQ_U64(frame_of(as, s + PG), 0);
	CHECK_EQ_U64(aspace_mincore(as, s, 4 * PG, vec), 0);	/* the object has them */
	CHECK(vec[0] == 1 && vec[3] == 1);
	CHECK(filled(as, s, 4, 'S'));
	CHECK_EQ_U64(frame_of(as, s + PG), pa);
	CHECK_ASPACE(as);

	/* PROT_NONE and back: entries dropped, data kept in the file. */
	CHECK_EQ_U64(aspace_mprotect(as, s + PG, 2 * PG, PROT_NONE), 0);
	CHECK_EQ_U64(as_nvmas(as), 3);
	CHECK_EQ_U64(as_resident(as), 2);
	CHECK_EQ_U64(aspace_mprotect(as, s + PG, 2 * PG, RW), 0);
	CHECK_EQ_U64(as_nvmas(as), 1);
	CHECK(filled(as, s, 4, 'S'));

	/* MREMAP_DONTUNMAP: both ranges show the one object. */
	long d = aspace_mremap(as, s, 4 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	CHECK(d > 0 && d != s);
	CHECK_EQ_U64(frame_of(as, d + PG), pa);	/* the entries moved */
	CHECK(filled(as, s, 4, 'S'));
	CHECK(filled(as, d, 4, 'S'));
	CHECK_EQ_U64(as_poke(as, d + 2 * PG + 9, 0x77), 0);
	CHECK_EQ_U64(as_peek(as, s + 2 * PG + 9), 0x77);
	CHECK_ASPACE(as);

	/* old_len 0: another view of the same pages. */
	long v = aspace_mremap(as, s + PG, 0, 2 * PG, MREMAP_MAYMOVE, 0);
	CHECK(v > 0);
	CHECK_EQ_U64(as_peek(as, v + PG + 9), 0x77);
	CHECK_EQ_U64(as_poke(as, v + 9, 0x55), 0);
	CHECK_EQ_U64(as_peek(as, d + PG + 9), 0x55);
	CHECK_EQ_U64(frame_of(as, v), pa);

	/* MADV_REMOVE punches a hole in the object: every view reads zero. */
	CHECK_EQ_U64(aspace_madvise(as, v, PG, MADV_REMOVE), 0);
	CHECK_EQ_U64(aspace_mincore(as, s + PG, PG, vec), 0);
	CHECK_EQ_U64(vec[0], 0);
	CHECK_EQ_U64(as_peek(as, s + PG + 9), 0);
	CHECK_EQ_U64(as_peek(as, d + PG + 100), 0);
	CHECK_EQ_U64(as_peek(as, d + 100), 'S');

	/* Unmapping one view leaves the others; destroy frees the object. */
	CHECK_EQ_U64(aspace_munmap(as, s, 4 * PG), 0);
	CHECK_EQ_U64(as_peek(as, d + 3 * PG + 100), 'S' + 3);
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_shared_memory_freed_with_its_last_vma)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	uint64_t free0;
	struct mm_frame_accounting a;

	mm_fixture_settle(&a);
	free0 = a.free + a.cached;
	long s = as_map(as, 0, 8 * PG, RW, MAP_SHARED | MAP_POPULATE);
	CHECK_EQ_U64(as_resident(as), 8);
	CHECK_EQ_U64(aspace_munmap(as, s + 2 * PG, 2 * PG), 0);	/* split: two VMAs */
	CHECK_EQ_U64(as_nvmas(as), 2);
	CHECK_EQ_U64(aspace_madvise(as, s, 2 * PG, MADV_DONTNEED), 0);
	mm_fixture_settle(&a);
	CHECK(a.free + a.cached + 8 <= free0);	/* the object still holds all eight */
	CHECK_EQ_U64(aspace_munmap(as, s, 8 * PG), 0);
	CHECK_EQ_U64(as_nvmas(as), 0);
	mm_fixture_settle(&a);
	CHECK(a.free + a.cached + 8 > free0);	/* gone with the last VMA */
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}
