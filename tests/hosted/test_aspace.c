/*
 * test_aspace.c - user address spaces (mm/aspace.c, vma.c, fault.c,
 * mmap.c): creation, mmap placement and errno, demand-zero faults and
 * their permission checks, munmap of partial VMAs and holes, merging,
 * the kernel-side transfers, and that destroy gives back every frame and
 * table. mprotect, mremap, madvise, mincore and brk are in
 * test_aspace_calls.c; concurrency in test_aspace_smp.c; the random test
 * in test_aspace_random.c.
 */
#include <string.h>

#include "test_aspace.h"

TEST(aspace_create_refuses_bad_layouts)
{
	struct as_fixture f;
	struct aspace *as = NULL;

	as_setup(&f);
	struct aspace_layout l = ASPACE_LAYOUT_DEFAULT(&f.kernel);
	struct aspace_layout bad[] = {
		{ l.lo, l.hi, l.mmap_base, NULL },
		{ 0, l.hi, l.mmap_base, &f.kernel },
		{ l.lo + 1, l.hi, l.mmap_base, &f.kernel },
		{ l.lo, l.lo, l.lo, &f.kernel },
		{ l.lo, l.hi, l.hi + PG, &f.kernel },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_U64(aspace_create(&bad[i], &as), -EINVAL);
	CHECK(as == NULL);
	CHECK(aspace_mapper(f.as) != NULL);
	CHECK_EQ_U64(as_nvmas(f.as), 0);
	CHECK_ASPACE(f.as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_mmap_places_top_down_and_faults_zero_pages)
{
	struct as_fixture f;
	struct aspace_vma_info vi[4];

	as_setup(&f);
	long a = as_map(f.as, 0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	CHECK_EQ_U64(a, ASPACE_MMAP_BASE - 3 * PG);
	long b = as_map(f.as, 0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	CHECK_EQ_U64(b, a - PG);	/* below, touching: merged */
	CHECK_EQ_U64(aspace_vmas(f.as, vi, 4), 1);
	CHECK_EQ_U64(vi[0].start, b);
	CHECK_EQ_U64(vi[0].end, a + 3 * PG);
	CHECK_EQ_U64(vi[0].prot, PROT_READ | PROT_WRITE);
	CHECK_EQ_U64(vi[0].flags, MAP_PRIVATE);
	CHECK_EQ_U64(as_resident(f.as), 0);

	CHECK_EQ_U64(aspace_fault(f.as, a + 5, ASPACE_FAULT_USER), 0);
	CHECK_EQ_U64(as_resident(f.as), 1);
	CHECK_EQ_U64(as_peek(f.as, a + 5), 0);
	CHECK_EQ_U64(aspace_fault(f.as, a + 7, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE), 0);
	CHECK_EQ_U64(as_resident(f.as), 1);

	char msg[] = "across a page boundary";
	CHECK_EQ_U64(aspace_write(f.as, a + PG - 5, msg, sizeof(msg)), 0);
	char back[sizeof(msg)];
	CHECK_EQ_U64(aspace_read(f.as, back, a + PG - 5, sizeof(back)), 0);
	CHECK(memcmp(msg, back, sizeof(msg)) == 0);
	CHECK_EQ_U64(as_resident(f.as), 2);
	CHECK_EQ_U64(aspace_write(f.as, a + 3 * PG - 1, msg, 2), -EFAULT);
	CHECK_EQ_U64(aspace_read(f.as, back, b - 1, 1), -EFAULT);

	struct mapper_translation t;
	CHECK_EQ_U64(mapper_translate(aspace_mapper(f.as), a, &t), 0);
	CHECK_EQ_U64(t.flags, MAPPER_USER | MAPPER_WRITE | MAPPER_NX);

	struct aspace_stats st;
	aspace_stats(f.as, &st);
	CHECK_EQ_U64(st.vmas, 1);
	CHECK_EQ_U64(st.faults, 2);
	CHECK(st.page_tables >= 1 + 3);	/* the root and a table per level */
	CHECK_ASPACE(f.as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_fault_errors)
{
	struct as_fixture f;

	as_setup(&f);
	long ro = as_map(f.as, 0, PG, PROT_READ, MAP_PRIVATE);
	long none = as_map(f.as, 0, PG, PROT_NONE, MAP_PRIVATE);
	long x = as_map(f.as, 0, PG, PROT_EXEC, MAP_PRIVATE);
	long w = as_map(f.as, 0, PG, PROT_WRITE, MAP_PRIVATE);
	CHECK_EQ_U64(as_nvmas(f.as), 4);
	CHECK_EQ_U64(aspace_fault(f.as, ro + PG, ASPACE_FAULT_USER), -EFAULT);
	CHECK_EQ_U64(aspace_fault(f.as, 0, ASPACE_FAULT_USER), -EFAULT);
	CHECK_EQ_U64(aspace_fault(f.as, ro, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE), -EACCES);
	CHECK_EQ_U64(aspace_fault(f.as, ro, ASPACE_FAULT_USER | ASPACE_FAULT_EXEC), -EACCES);
	CHECK_EQ_U64(aspace_fault(f.as, ro, ASPACE_FAULT_USER), 0);
	/* A write to the present read-only page is still refused. */
	CHECK_EQ_U64(aspace_fault(f.as, ro, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE |
						 ASPACE_FAULT_PRESENT), -EACCES);
	CHECK_EQ_U64(aspace_fault(f.as, none, ASPACE_FAULT_USER), -EACCES);
	CHECK_EQ_U64(aspace_fault(f.as, x, ASPACE_FAULT_USER | ASPACE_FAULT_EXEC), 0);
	/* Exec implies read: a protection fault on the entry finds it allows
	 * the read already, nothing to do. */
	CHECK_EQ_U64(aspace_fault(f.as, x + 8, ASPACE_FAULT_USER | ASPACE_FAULT_PRESENT),
		     ASPACE_FAULT_SPURIOUS);
	CHECK_EQ_U64(aspace_fault(f.as, w, ASPACE_FAULT_USER), 0);     /* so does write */
	CHECK_EQ_U64(as_resident(f.as), 3);
	/* The kernel's transfers ignore PROT_*: the loader writes text. */
	CHECK_EQ_U64(as_poke(f.as, ro + 1, 0x5a), 0);
	CHECK_EQ_U64(as_peek(f.as, ro + 1), 0x5a);
	CHECK_EQ_U64(as_poke(f.as, none, 7), 0);
	CHECK_EQ_U64(as_peek(f.as, none), 7);
	CHECK_EQ_U64(as_resident(f.as), 4);
	CHECK_ASPACE(f.as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_mmap_errno)
{
	struct as_fixture f;
	const uint64_t rw = PROT_READ | PROT_WRITE, priv = MAP_PRIVATE | MAP_ANONYMOUS;

	as_setup(&f);
	struct aspace *as = f.as;
	CHECK_EQ_U64(aspace_mmap(as, 0, 0, rw, priv, -1, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, priv, -1, 1), -EINVAL);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, MAP_PRIVATE, -1, 0), -EBADF);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, MAP_PRIVATE, 3, 0), -EBADF);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, MAP_ANONYMOUS, -1, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0),
		     -EINVAL);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, 0x7 | MAP_ANONYMOUS, -1, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mmap(as, 0, -PG, rw, priv, -1, 0), -ENOMEM);
	CHECK_EQ_U64(aspace_mmap(as, 0, UINT64_MAX, rw, priv, -1, 0), -ENOMEM);
	CHECK_EQ_U64(aspace_mmap(as, 0, ASPACE_USER_HI + PG, rw, priv, -1, 0), -ENOMEM);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, priv | MAP_HUGETLB, -1, 0), -ENOMEM);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, priv | MAP_HUGETLB | (5ull << 26), -1, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0),
		     -EINVAL);
	/* MAP_FIXED: unaligned, below mmap_min_addr, past the top. */
	CHECK_EQ_U64(aspace_mmap(as, 0x100001, PG, rw, priv | MAP_FIXED, -1, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mmap(as, 0x1000, PG, rw, priv | MAP_FIXED, -1, 0), -EPERM);
	CHECK_EQ_U64(aspace_mmap(as, ASPACE_USER_HI, PG, rw, priv | MAP_FIXED, -1, 0), -ENOMEM);
	CHECK_EQ_U64(aspace_mmap(as, ASPACE_USER_HI - PG, 2 * PG, rw, priv | MAP_FIXED, -1, 0),
		     -ENOMEM);
	CHECK_EQ_U64(aspace_mmap(as, 0xffff800000000000ull, PG, rw, priv | MAP_FIXED, -1, 0),
		     -ENOMEM);
	CHECK_EQ_U64(as_nvmas(as), 0);

	/* Accepted: the last page, fd ignored with MAP_ANONYMOUS, unknown
	 * flag bits and prot bits ignored, MAP_NORESERVE, MAP_DROPPABLE. */
	CHECK_EQ_U64(aspace_mmap(as, ASPACE_USER_HI - PG, PG, rw, priv | MAP_FIXED, -1, 0),
		     ASPACE_USER_HI - PG);
	CHECK(aspace_mmap(as, 0, PG, rw, priv, 42, 0) > 0);
	CHECK(aspace_mmap(as, 0, PG, rw | 0x100, priv | 0x800000, -1, 0) > 0);
	CHECK(aspace_mmap(as, 0, 1ull << 36, rw, priv | MAP_NORESERVE, -1, 0) > 0);
	long d = aspace_mmap(as, 0, PG, rw, MAP_DROPPABLE | MAP_ANONYMOUS, -1, 0);
	CHECK(d > 0);
	CHECK_EQ_U64(aspace_mmap(as, 0, PG, rw, MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0),
		     -EINVAL);
	long lo = aspace_mmap(as, 0, PG, rw, priv | MAP_32BIT, -1, 0);
	CHECK(lo >= 0x40000000 && lo < 0x80000000);
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_mmap_hint_fixed_and_noreplace)
{
	struct as_fixture f;
	const uint64_t rw = PROT_READ | PROT_WRITE;

	as_setup(&f);
	struct aspace *as = f.as;
	CHECK_EQ_U64(as_map(as, 0x200000, 2 * PG, rw, MAP_PRIVATE), 0x200000);
	CHECK_EQ_U64(as_map(as, 0x300123, PG, rw, MAP_PRIVATE), 0x300000); /* rounded down */
	CHECK_EQ_U64(as_map(as, 0x1000, PG, rw, MAP_PRIVATE), ASPACE_USER_LO); /* raised */
	/* A hint that is taken goes top-down instead. */
	long other = as_map(as, 0x201000, PG, rw, MAP_PRIVATE);
	CHECK(other != 0x201000 && other > 0x300000);
	CHECK_EQ_U64(as_poke(as, 0x201000, 9), 0);

	CHECK_EQ_U64(as_map(as, 0x201000, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE),
		     -EEXIST);
	CHECK_EQ_U64(as_map(as, 0x1ff000, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE),
		     -EEXIST);
	CHECK_EQ_U64(as_map(as, 0x1ff000, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE),
		     0x1ff000);
	CHECK_EQ_U64(as_peek(as, 0x201000), 9);
	/* MAP_FIXED replaces: the page reads zero again, the VMA splits. */
	uint64_t resident = as_resident(as);
	CHECK_EQ_U64(as_map(as, 0x201000, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED), 0x201000);
	CHECK_EQ_U64(as_resident(as), resident - 1);
	CHECK_EQ_U64(as_peek(as, 0x201000), 0);
	struct aspace_vma_info vi[8];
	const struct aspace_vma_info want[] = {
		{ ASPACE_USER_LO, ASPACE_USER_LO + PG, rw, MAP_PRIVATE },
		{ 0x1ff000, 0x200000, PROT_READ, MAP_PRIVATE },
		{ 0x200000, 0x201000, rw, MAP_PRIVATE },
		{ 0x201000, 0x202000, PROT_READ, MAP_PRIVATE },
		{ 0x300000, 0x301000, rw, MAP_PRIVATE },
		{ (uint64_t)other, (uint64_t)other + PG, rw, MAP_PRIVATE },
	};
	CHECK_EQ_U64(aspace_vmas(as, vi, 8), 6);
	for (unsigned i = 0; i < 6; i++) {
		CHECK_EQ_U64(vi[i].start, want[i].start);
		CHECK_EQ_U64(vi[i].end, want[i].end);
		CHECK_EQ_U64(vi[i].prot, want[i].prot);
		CHECK_EQ_U64(vi[i].flags, want[i].flags);
	}
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_munmap_splits_and_keeps_the_rest)
{
	struct as_fixture f;
	const uint64_t rw = PROT_READ | PROT_WRITE;

	as_setup(&f);
	struct aspace *as = f.as;
	long a = as_map(as, 0, 8 * PG, rw, MAP_PRIVATE);
	for (unsigned i = 0; i < 8; i++)
		CHECK_EQ_U64(as_poke(as, a + i * PG, 'a' + i), 0);
	CHECK_EQ_U64(as_resident(as), 8);
	uint64_t rounds_before;
	struct aspace_stats st;
	aspace_stats(as, &st);
	rounds_before = st.shootdown_rounds;

	/* A hole in the middle: two VMAs, the rest keeps its contents. */
	CHECK_EQ_U64(aspace_munmap(as, a + 2 * PG, 3 * PG - 100), 0);
	CHECK_EQ_U64(as_nvmas(as), 2);
	CHECK_EQ_U64(as_resident(as), 5);
	CHECK_EQ_U64(as_peek(as, a + PG), 'b');
	CHECK_EQ_U64(as_peek(as, a + 5 * PG), 'f');
	CHECK_EQ_U64(as_peek(as, a + 3 * PG), -1);
	CHECK_EQ_U64(aspace_fault(as, a + 2 * PG, ASPACE_FAULT_USER), -EFAULT);
	CHECK_ASPACE(as);
	/* No CPU runs on the address space: a shootdown needs no IPI, but
	 * the round is still taken and counted (one per call). */
	aspace_stats(as, &st);
	CHECK(st.shootdown_rounds >= rounds_before);

	/* A range over holes and the ends of both VMAs. */
	CHECK_EQ_U64(aspace_munmap(as, a + PG, 6 * PG), 0);
	CHECK_EQ_U64(as_nvmas(as), 2);
	CHECK_EQ_U64(as_peek(as, a), 'a');
	CHECK_EQ_U64(as_peek(as, a + 7 * PG), 'h');
	CHECK_EQ_U64(as_resident(as), 2);
	/* Unmapping nothing is fine; the errno cases are Linux's. */
	CHECK_EQ_U64(aspace_munmap(as, 0x10000000, PG), 0);
	CHECK_EQ_U64(aspace_munmap(as, a + 1, PG), -EINVAL);
	CHECK_EQ_U64(aspace_munmap(as, a, 0), -EINVAL);
	CHECK_EQ_U64(aspace_munmap(as, ASPACE_USER_HI - PG, 2 * PG), -EINVAL);
	CHECK_EQ_U64(aspace_munmap(as, ASPACE_USER_HI + PG, PG), -EINVAL);
	CHECK_EQ_U64(aspace_munmap(as, a, UINT64_MAX), -EINVAL);
	CHECK_EQ_U64(aspace_munmap(as, 0, PG), 0);
	CHECK_EQ_U64(aspace_munmap(as, ASPACE_USER_HI - PG, PG), 0);
	CHECK_EQ_U64(aspace_munmap(as, 0, ASPACE_USER_HI), 0);
	CHECK_EQ_U64(as_nvmas(as), 0);
	CHECK_EQ_U64(as_resident(as), 0);
	aspace_stats(as, &st);
	CHECK_EQ_U64(st.page_tables, 1); /* the root */
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_adjacent_compatible_vmas_merge)
{
	struct as_fixture f;
	const uint64_t rw = PROT_READ | PROT_WRITE;
	struct aspace_vma_info vi[4];

	as_setup(&f);
	struct aspace *as = f.as;
	const uintptr_t x = 0x40000000;
	CHECK_EQ_U64(as_map(as, x, PG, rw, MAP_PRIVATE | MAP_FIXED), x);
	CHECK_EQ_U64(as_map(as, x + 2 * PG, PG, rw, MAP_PRIVATE | MAP_FIXED), x + 2 * PG);
	CHECK_EQ_U64(as_nvmas(as), 2);
	/* Filling the hole merges all three. */
	CHECK_EQ_U64(as_map(as, x + PG, PG, rw, MAP_PRIVATE | MAP_FIXED), x + PG);
	CHECK_EQ_U64(aspace_vmas(as, vi, 4), 1);
	CHECK_EQ_U64(vi[0].start, x);
	CHECK_EQ_U64(vi[0].end, x + 3 * PG);
	/* Different prot, shared or growsdown: no merge. */
	CHECK_EQ_U64(as_map(as, x + 3 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED), x + 3 * PG);
	CHECK_EQ_U64(as_map(as, x + 4 * PG, PG, PROT_READ, MAP_SHARED | MAP_FIXED), x + 4 * PG);
	CHECK_EQ_U64(as_map(as, x + 5 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN | MAP_FIXED),
		     x + 5 * PG);
	CHECK_EQ_U64(as_nvmas(as), 4);
	/* Two shared mappings are two objects: never one VMA (Linux: two
	 * shmem files); one split and joined again is. */
	CHECK_EQ_U64(as_map(as, x + 6 * PG, PG, PROT_READ, MAP_SHARED | MAP_FIXED), x + 6 * PG);
	CHECK_EQ_U64(as_map(as, x + 7 * PG, 2 * PG, PROT_READ, MAP_SHARED | MAP_FIXED), x + 7 * PG);
	CHECK_EQ_U64(as_nvmas(as), 6);
	CHECK_EQ_U64(aspace_mprotect(as, x + 7 * PG, PG, PROT_NONE), 0);
	CHECK_EQ_U64(as_nvmas(as), 7);
	CHECK_EQ_U64(aspace_mprotect(as, x + 7 * PG, PG, PROT_READ), 0);
	CHECK_EQ_U64(as_nvmas(as), 6);
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_populate_locked_and_growsdown)
{
	struct as_fixture f;
	const uint64_t rw = PROT_READ | PROT_WRITE;

	as_setup(&f);
	struct aspace *as = f.as;
	CHECK(as_map(as, 0, 4 * PG, rw, MAP_PRIVATE | MAP_POPULATE) > 0);
	CHECK_EQ_U64(as_resident(as), 4);
	CHECK(as_map(as, 0, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_LOCKED) > 0);
	CHECK_EQ_U64(as_resident(as), 6);
	CHECK(as_map(as, 0, 2 * PG, rw, MAP_PRIVATE | MAP_POPULATE | MAP_NONBLOCK) > 0);
	CHECK(as_map(as, 0, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_POPULATE) > 0);
	CHECK_EQ_U64(as_resident(as), 6);

	/* A stack: faults below it grow it, page by page or in a jump. */
	const uintptr_t top = ASPACE_STACK_TOP;
	CHECK_EQ_U64(as_map(as, top - 4 * PG, 4 * PG, rw, MAP_PRIVATE | MAP_GROWSDOWN | MAP_FIXED),
		     top - 4 * PG);
	CHECK_EQ_U64(aspace_fault(as, top - 5 * PG + 8, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE), 0);
	CHECK_EQ_U64(aspace_fault(as, top - 64 * PG, ASPACE_FAULT_USER), 0);
	struct aspace_vma_info vi[8];
	long n = aspace_vmas(as, vi, 8);
	REQUIRE(n > 0 && n <= 8);
	CHECK_EQ_U64(vi[n - 1].start, top - 64 * PG);
	CHECK_EQ_U64(vi[n - 1].end, top);
	CHECK_EQ_U64(vi[n - 1].flags, MAP_PRIVATE | MAP_GROWSDOWN);
	/* Not past RLIMIT_STACK, not into the guard gap of a mapping. */
	CHECK_EQ_U64(aspace_fault(as, top - ASPACE_STACK_LIMIT - PG, ASPACE_FAULT_USER), -EFAULT);
	CHECK_EQ_U64(aspace_fault(as, top - ASPACE_STACK_LIMIT, ASPACE_FAULT_USER), 0);
	CHECK_EQ_U64(as_map(as, top - ASPACE_STACK_LIMIT - 2 * MIB, MIB, rw,
			    MAP_PRIVATE | MAP_FIXED), top - ASPACE_STACK_LIMIT - 2 * MIB);
	CHECK_EQ_U64(aspace_munmap(as, top - ASPACE_STACK_LIMIT, 4 * PG), 0);
	CHECK_EQ_U64(aspace_fault(as, top - ASPACE_STACK_LIMIT + 3 * PG, ASPACE_FAULT_USER), 0);
	/* A mapping that ends 1 MiB - 1 page below the page to grow into. */
	CHECK_EQ_U64(as_map(as, top - ASPACE_STACK_LIMIT - 3 * MIB, 2 * MIB + 4 * PG, rw,
			    MAP_PRIVATE | MAP_FIXED), top - ASPACE_STACK_LIMIT - 3 * MIB);
	CHECK_EQ_U64(aspace_munmap(as, top - ASPACE_STACK_LIMIT + 3 * PG, PG), 0);
	CHECK_EQ_U64(aspace_fault(as, top - ASPACE_STACK_LIMIT + 3 * PG, ASPACE_FAULT_USER), -EFAULT);
	/* A hint inside the guard gap is not taken. */
	long h = as_map(as, top - 65 * PG, PG, rw, MAP_PRIVATE);
	CHECK(h != (long)(top - 65 * PG));
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_protection_fault_on_allowed_page_restores_rights)
{
	struct as_fixture f;
	struct flush_batch b;
	struct mapper_translation t;
	char err[200];

	as_setup(&f);
	struct aspace *as = f.as;
	long a = as_map(as, 0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE);
	/* An entry with fewer rights than its VMA (as a stale TLB would
	 * show): the check sees it, a write fault on it repairs it. */
	flush_batch_init(&b, aspace_mapper(as), false);
	CHECK_EQ_U64(mapper_protect(aspace_mapper(as), a, PG, MAPPER_USER | MAPPER_NX, &b), 1);
	flush_batch_finish_local(&b);
	CHECK_EQ_U64(aspace_check(as, err, sizeof(err)), -EINVAL);
	CHECK_EQ_U64(aspace_fault(as, a, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE |
					     ASPACE_FAULT_PRESENT), 0);
	CHECK_EQ_U64(mapper_translate(aspace_mapper(as), a, &t), 0);
	CHECK_EQ_U64(t.flags, MAPPER_USER | MAPPER_WRITE | MAPPER_NX);
	CHECK_ASPACE(as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}
