/*
 * test_aspace_commit.c - committed memory (mm/commit.c) as the address
 * space calls charge and give it back: what each mapping kind commits,
 * the three overcommit modes' refusals at the call (with nothing
 * changed), and a total back at zero when everything is gone.
 */
#include <mm/commit.h>

#include "test_aspace.h"

#define RW (PROT_READ | PROT_WRITE)

static struct mm_commit_info info(void)
{
	struct mm_commit_info ci;

	mm_commit_info(&ci);
	return ci;
}

#define committed() info().committed
#define commit_limit() info().limit
#define ram() info().ram

TEST(aspace_commits_what_linux_accounts)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	uint64_t c0 = committed();

	CHECK_EQ_U64(c0, 0);
	CHECK_EQ_U64(commit_limit(), ram() * MM_OVERCOMMIT_RATIO_DEFAULT / 100);
	/* Private writable memory commits; read-only, MAP_NORESERVE and
	 * shared (until its shmem is made) do not, per VMA. */
	long a = as_map(as, 0, 8 * PG, RW, MAP_PRIVATE);
	CHECK_EQ_U64(committed(), 8);
	long r = as_map(as, 0, 4 * PG, PROT_READ, MAP_PRIVATE);
	long n = as_map(as, 0, 4 * PG, RW, MAP_PRIVATE | MAP_NORESERVE);
	CHECK_EQ_U64(committed(), 8);
	long s = as_map(as, 0, 4 * PG, RW, MAP_SHARED);
	CHECK_EQ_U64(committed(), 12);	/* its shmem, once */
	long d = aspace_mremap(as, s, 0, 4 * PG, MREMAP_MAYMOVE, 0);
	CHECK(d > 0);
	CHECK_EQ_U64(committed(), 12);	/* a second view commits nothing */
	CHECK_ASPACE(as);

	/* mprotect commits a private mapping first made writable, once. */
	CHECK_EQ_U64(aspace_mprotect(as, r, 2 * PG, RW), 0);
	CHECK_EQ_U64(committed(), 14);
	CHECK_EQ_U64(aspace_mprotect(as, r, 4 * PG, PROT_READ), 0);
	CHECK_EQ_U64(aspace_mprotect(as, r, 4 * PG, RW), 0);
	CHECK_EQ_U64(committed(), 16);
	CHECK_EQ_U64(aspace_mprotect(as, n, 4 * PG, RW), 0);	/* NORESERVE stays so */
	CHECK_EQ_U64(committed(), 16);
	CHECK_ASPACE(as);

	/* mremap commits growth; a move carries the charge along; a
	 * shrink, munmap and MAP_FIXED over it give back. */
	long g = aspace_mremap(as, a, 8 * PG, 12 * PG, MREMAP_MAYMOVE, 0);
	CHECK(g > 0);
	CHECK_EQ_U64(committed(), 20);
	CHECK_EQ_U64(aspace_mremap(as, g, 12 * PG, 6 * PG, 0, 0), g);
	CHECK_EQ_U64(committed(), 14);
	long u = aspace_mremap(as, g, 6 * PG, 6 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	CHECK(u > 0);
	CHECK_EQ_U64(committed(), 20);	/* the old range keeps its charge */
	CHECK_EQ_U64(as_map(as, g, 6 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED), g);
	CHECK_EQ_U64(committed(), 14);
	CHECK_EQ_U64(as_map(as, g, 6 * PG, RW, MAP_PRIVATE | MAP_FIXED), g);
	CHECK_EQ_U64(committed(), 20);
	CHECK_EQ_U64(aspace_munmap(as, g + PG, 2 * PG), 0);
	CHECK_EQ_U64(committed(), 18);
	CHECK_ASPACE(as);

	/* brk commits what it adds and gives back what it drops. */
	aspace_set_brk_base(as, 0x10000000);
	CHECK_EQ_U64(aspace_brk(as, 0x10000000 + 3 * PG), 0x10000000 + 3 * PG);
	CHECK_EQ_U64(committed(), 21);
	CHECK_EQ_U64(aspace_brk(as, 0x10000000 + PG), 0x10000000 + PG);
	CHECK_EQ_U64(committed(), 19);
	CHECK_ASPACE(as);

	/* Destroy gives everything back: the VMAs' charges and the shmem's. */
	as_teardown(&f);
	CHECK_EQ_U64(committed(), 0);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_overcommit_never_refuses_at_the_call)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	uint64_t limit = commit_limit(), chunk = 64, maps = 0;
	long a;

	CHECK_EQ_U64(mm_overcommit_set(MM_OVERCOMMIT_NEVER, MM_OVERCOMMIT_RATIO_DEFAULT), 0);
	/* Chunks until refused: the refusal comes at the limit, at the call. */
	while ((a = as_map(as, 0, chunk * PG, RW, MAP_PRIVATE | MAP_POPULATE)) > 0)
		maps++;
	CHECK_EQ_U64(a, -ENOMEM);
	CHECK_EQ_U64(maps, limit / chunk);
	CHECK(committed() <= limit && committed() + chunk > limit);
	uint64_t c = committed();

	/* Refused, and nothing changed: MAP_NORESERVE is ignored, shmem is
	 * refused too, as are mprotect's and mremap's and brk's charges. */
	CHECK_EQ_U64(as_map(as, 0, chunk * PG, RW, MAP_PRIVATE | MAP_NORESERVE), -ENOMEM);
	CHECK_EQ_U64(as_map(as, 0, chunk * PG, RW, MAP_SHARED), -ENOMEM);
	long r = as_map(as, 0, chunk * PG, PROT_READ, MAP_PRIVATE);
	CHECK(r > 0);
	CHECK_EQ_U64(aspace_mprotect(as, r, chunk * PG, RW), -ENOMEM);
	long last = as_map(as, 0, (limit - c) * PG, RW, MAP_PRIVATE);
	CHECK(last > 0);
	CHECK_EQ_U64(committed(), limit);
	CHECK_EQ_U64(aspace_mremap(as, last, (limit - c) * PG, (limit - c + 1) * PG,
				   MREMAP_MAYMOVE, 0),
		     -ENOMEM);
	aspace_set_brk_base(as, 0x10000000);
	CHECK_EQ_U64(aspace_brk(as, 0x10000000 + PG), 0x10000000);
	/* Replacing committed memory with as much needs nothing more. */
	CHECK_EQ_U64(as_map(as, last, (limit - c) * PG, RW, MAP_PRIVATE | MAP_FIXED), last);
	CHECK_EQ_U64(committed(), limit);
	CHECK_ASPACE(as);

	/* What munmap gives back can be committed again. */
	CHECK_EQ_U64(aspace_munmap(as, last, (limit - c) * PG), 0);
	CHECK_EQ_U64(committed(), c);
	CHECK(as_map(as, 0, (limit - c) * PG, RW, MAP_PRIVATE) > 0);
	CHECK_EQ_U64(committed(), limit);
	as_teardown(&f);
	CHECK_EQ_U64(committed(), 0);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_overcommit_guess_and_always)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	uint64_t big = (ram() + 1) * PG;

	/* Mode 0 refuses one request larger than all RAM, not the total. */
	CHECK_EQ_U64(as_map(as, 0, big, RW, MAP_PRIVATE), -ENOMEM);
	CHECK_EQ_U64(as_map(as, 0, big, RW, MAP_SHARED), -ENOMEM);
	CHECK(as_map(as, 0, big, RW, MAP_PRIVATE | MAP_NORESERVE) > 0);
	CHECK(as_map(as, 0, big - 2 * PG, RW, MAP_PRIVATE) > 0);
	CHECK(as_map(as, 0, big - 2 * PG, RW, MAP_PRIVATE) > 0);
	CHECK(committed() > ram());
	CHECK_ASPACE(as);
	/* Mode 1 refuses nothing. */
	CHECK_EQ_U64(mm_overcommit_set(MM_OVERCOMMIT_ALWAYS, 0), 0);
	CHECK(as_map(as, 0, 4 * big, RW, MAP_PRIVATE) > 0);
	CHECK_EQ_U64(mm_overcommit_set(3, 50), -EINVAL);
	CHECK_EQ_U64(mm_overcommit_set(2, MM_OVERCOMMIT_RATIO_MAX + 1), -EINVAL);
	as_teardown(&f);
	CHECK_EQ_U64(committed(), 0);
	SLAB_TEST_CHECK_ACCOUNTING();
}
