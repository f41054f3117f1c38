/*
 * test_lock_asserts.c - the held-lock and context assertions of the debug
 * build (mm/debug.h, mm/rwlock.h; the lock order is in mm/README.md): a
 * call that needs a lock it does not hold panics and names the function
 * and the lock; the same call with the lock held passes. Empty unless the
 * build has MM_DEBUG=1 (the checks compile to nothing otherwise).
 */
#include "debug.h"

#if MM_DEBUG

#include "aspace_internal.h"
#include "test_aspace.h"

TEST(lock_asserts_catch_a_vma_change_without_the_write_lock)
{
	struct as_fixture f;

	as_setup(&f);
	long a = as_map(f.as, 0, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	CHECK(a > 0);
	struct vma *v = vma_find(f.as, (uintptr_t)a);
	REQUIRE(v != NULL);

	EXPECT_PANIC(vma_merge_around(f.as, v), "vma_merge_around without &as->lock held");
	rwlock_read_lock(&f.as->lock);
	EXPECT_PANIC(vma_merge_around(f.as, v), "held for writing");
	rwlock_read_unlock(&f.as->lock);
	rwlock_write_lock(&f.as->lock);
	CHECK(vma_merge_around(f.as, v) == v);
	rwlock_write_unlock(&f.as->lock);

	phys_addr_t pa;
	EXPECT_PANIC(aspace_page(f.as, v, (uintptr_t)a, false, &pa),
		     "aspace_page without &as->lock held");
	rwlock_read_lock(&f.as->lock);
	CHECK_EQ_U64(aspace_page(f.as, v, (uintptr_t)a, false, &pa), 0);
	rwlock_read_unlock(&f.as->lock);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

#endif
