/*
 * test_truncate.c - memfd files and what takes pages out of them while
 * they are mapped (mm/truncate.c, the size checks of mm/fault.c): the
 * errno of aspace_ftruncate and of mapping another address space's
 * memfd; a shrink that drops every entry past the new end (shared ones
 * and private copies) and frees the pages, faults there that fail with
 * -ENXIO (SIGBUS), the zeroed tail of a partial page, a grow that reads
 * zeros; MADV_REMOVE that keeps private copies; and truncations racing
 * with faults on other CPUs, never leaving an entry past the end.
 */
#include <stdatomic.h>

#include "aspace_internal.h"
#include "test_aspace.h"

#define RW (PROT_READ | PROT_WRITE)
#define WRITE_FAULT (ASPACE_FAULT_USER | ASPACE_FAULT_WRITE)

static uint64_t free_frames(void)
{
	struct mm_frame_accounting a;

	mm_fixture_settle(&a);
	return *mm_fixture_free_class(&a);
}

static struct mfile *memfd_of(struct aspace *as, uint64_t size)
{
	struct mfile *f = mfile_create_memfd(as);

	if (f == NULL || aspace_ftruncate(as, f, size) != 0)
		env_panic("test_truncate: no memfd");
	return f;
}

/* An address space with a memfd of its own, mapped whole twice: shared
 * at s, private at p. */
struct memfd_views {
	struct as_fixture f;
	struct aspace *as;
	struct mfile *m;
	uintptr_t s, p;
};

static void views_setup(struct memfd_views *v, uint64_t size)
{
	as_setup(&v->f);
	v->as = v->f.as;
	v->m = memfd_of(v->as, size);
	v->s = (uintptr_t)aspace_mmap_file(v->as, 0, size, RW, MAP_SHARED, v->m, 0);
	v->p = (uintptr_t)aspace_mmap_file(v->as, 0, size, RW, MAP_PRIVATE, v->m, 0);
	if ((long)v->s < 0 || (long)v->p < 0)
		env_panic("test_truncate: no views");
}

/* Checks the address space, drops everything, checks the accounting. */
static void views_teardown(struct memfd_views *v, int line)
{
	char err[200];

	if (aspace_check(v->as, err, sizeof(err)) != 0)
		hosted_fail(__FILE__, line, "aspace_check: %s", err);
	mfile_put(v->m);
	as_teardown(&v->f);
	slab_test_check_accounting(__FILE__, line);
}

TEST(truncate_errno)
{
	struct as_fixture f;
	struct aspace *other;
	unsigned char byte = 0;

	as_setup(&f);
	struct aspace_layout l = ASPACE_LAYOUT_DEFAULT(&f.kernel);
	CHECK_EQ_U64(aspace_create(&l, &other), 0);
	struct mfile *m = memfd_of(f.as, 0);
	struct mfile *image = mfile_create_image(&byte, 1);
	REQUIRE(image != NULL);

	CHECK_EQ_U64(aspace_ftruncate(f.as, m, (uint64_t)-1), -EINVAL);
	CHECK_EQ_U64(aspace_ftruncate(f.as, m, 1ull << 63), -EINVAL);
	CHECK_EQ_U64(aspace_ftruncate(f.as, m, (MFILE_MAX_PAGES << HAL_PAGE_SHIFT) + 1), -EFBIG);
	CHECK_EQ_U64(aspace_ftruncate(f.as, m, MFILE_MAX_PAGES << HAL_PAGE_SHIFT), 0);
	CHECK_EQ_U64(aspace_ftruncate(other, m, 0), -EINVAL);
	CHECK_EQ_U64(aspace_ftruncate(f.as, image, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mmap_file(other, 0, PG, RW, MAP_SHARED, m, 0), -EINVAL);
	/* Files take MAP_SHARED_VALIDATE with Linux's legacy flags only,
	 * and never grow down. */
	CHECK(aspace_mmap_file(f.as, 0, PG, RW, MAP_SHARED_VALIDATE | MAP_POPULATE, m, 0) > 0);
	CHECK_EQ_U64(aspace_mmap_file(f.as, 0, PG, RW, MAP_SHARED_VALIDATE | MAP_SYNC, m, 0),
		     -EOPNOTSUPP);
	CHECK_EQ_U64(aspace_mmap_file(f.as, 0, PG, RW, MAP_PRIVATE | MAP_GROWSDOWN, m, 0),
		     -EINVAL);
	CHECK_EQ_U64(aspace_mmap_file(f.as, 0, PG, RW, MAP_DROPPABLE, m, 0), -EINVAL);
	CHECK_ASPACE(f.as);
	mfile_put(m);
	mfile_put(image);
	aspace_destroy(other);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(truncate_shrink_unmaps_every_mapping_and_frees_the_pages)
{
	struct memfd_views v;

	views_setup(&v, 4 * PG);
	struct aspace *as = v.as;
	struct mfile *m = v.m;
	uintptr_t s = v.s, p = v.p;
	long s2 = aspace_mmap_file(as, 0, 2 * PG, PROT_READ, MAP_SHARED, m, 2 * PG);
	REQUIRE(s2 > 0);

	for (uint64_t i = 0; i < 4 * PG; i += 2)
		CHECK_EQ_U64(as_poke(as, s + i, (unsigned char)(i / PG + 1)), 0);
	CHECK_EQ_U64(aspace_fault(as, s2 + PG, ASPACE_FAULT_USER), 0);
	CHECK_EQ_U64(aspace_fault(as, p + 2 * PG, ASPACE_FAULT_USER), 0);	/* borrowed */
	CHECK_EQ_U64(aspace_fault(as, p + 3 * PG, WRITE_FAULT), 0);		/* a copy */
	CHECK_EQ_U64(as_peek(as, p + 3 * PG), 4);
	CHECK_EQ_U64(m->npages, 4);
	CHECK_EQ_U64(as_resident(as), 4 + 1 + 2);
	CHECK_ASPACE(as);
	uint64_t free0 = free_frames();

	/* To one page and 100 bytes: pages 2 and 3 go from every mapping. */
	CHECK_EQ_U64(aspace_ftruncate(as, m, PG + 100), 0);
	CHECK_EQ_U64(m->npages, 2);
	CHECK_EQ_U64(as_resident(as), 2);
	CHECK(free_frames() >= free0 + 3);	/* two cached pages, one copy */
	CHECK_ASPACE(as);
	CHECK_EQ_U64(aspace_fault(as, s + 2 * PG, ASPACE_FAULT_USER), -ENXIO);
	CHECK_EQ_U64(aspace_fault(as, s2, ASPACE_FAULT_USER), -ENXIO);
	CHECK_EQ_U64(aspace_fault(as, s2, WRITE_FAULT), -EACCES);	/* prot first */
	CHECK_EQ_U64(aspace_fault(as, p + 3 * PG, ASPACE_FAULT_USER), -ENXIO);
	CHECK_EQ_U64(aspace_fault(as, p + 2 * PG, WRITE_FAULT), -ENXIO);
	CHECK_EQ_U64(as_peek(as, s + 3 * PG), -1);
	CHECK_EQ_U64(as_poke(as, p + 2 * PG, 1), -EFAULT);
	CHECK_EQ_U64(aspace_madvise(as, s, 4 * PG, MADV_POPULATE_READ), -EFAULT);
	/* The partial last page keeps its first 100 bytes, zeros after. */
	CHECK_EQ_U64(as_peek(as, s + PG + 50), 2);
	CHECK_EQ_U64(as_peek(as, s + PG + 100), 0);
	CHECK_EQ_U64(as_peek(as, s + PG + 150), 0);
	CHECK_EQ_U64(as_peek(as, p + PG + 150), 0);
	CHECK_EQ_U64(as_peek(as, s + 50), 1);
	CHECK_ASPACE(as);

	/* Grown again, the pages past the old end read as zeros. */
	CHECK_EQ_U64(aspace_ftruncate(as, m, 4 * PG), 0);
	CHECK_EQ_U64(as_peek(as, s + 3 * PG + 50), 0);
	CHECK_EQ_U64(as_peek(as, s2 + PG + 50), 0);
	CHECK_EQ_U64(as_peek(as, p + 3 * PG + 50), 0);
	CHECK_EQ_U64(aspace_fault(as, p + 2 * PG, WRITE_FAULT), 0);
	CHECK_ASPACE(as);

	/* To 0: nothing of the file stays; the mappings do. */
	CHECK_EQ_U64(aspace_ftruncate(as, m, 0), 0);
	CHECK_EQ_U64(m->npages, 0);
	CHECK_EQ_U64(as_resident(as), 0);
	CHECK_EQ_U64(as_nvmas(as), 3);
	CHECK_EQ_U64(aspace_fault(as, s, ASPACE_FAULT_USER), -ENXIO);
	views_teardown(&v, __LINE__);
}

TEST(truncate_punched_hole_keeps_private_copies)
{
	struct memfd_views v;

	views_setup(&v, 3 * PG);
	struct aspace *as = v.as;
	uintptr_t s = v.s, p = v.p;

	for (unsigned i = 0; i < 3; i++)
		CHECK_EQ_U64(as_poke(as, s + i * PG, (unsigned char)(i + 1)), 0);
	CHECK_EQ_U64(as_poke(as, p, 9), 0);
	CHECK_EQ_U64(as_peek(as, p + PG), 2);
	CHECK_EQ_U64(aspace_madvise(as, s, 2 * PG, MADV_REMOVE), 0);
	CHECK_EQ_U64(v.m->npages, 1);
	CHECK_EQ_U64(as_peek(as, p), 9);
	CHECK_EQ_U64(as_peek(as, p + PG), 0);
	CHECK_EQ_U64(as_peek(as, s), 0);
	CHECK_EQ_U64(as_peek(as, s + 2 * PG), 3);
	views_teardown(&v, __LINE__);
}

#define RACE_CPUS 4
#define RACE_PAGES 32
#define RACE_ROUNDS 200

struct truncate_race {
	struct memfd_views v;
	atomic_uint done;
	atomic_uint errors;
	char why[200];
};

/* CPU 0 shrinks and grows the file; the others fault every page of
 * both mappings meanwhile: each fault maps the page or finds it past
 * the end, and no entry past the end is ever left behind. */
static void truncate_or_fault(unsigned cpu, void *arg)
{
	struct truncate_race *r = arg;

	if (cpu == 0) {
		for (unsigned i = 0; i < RACE_ROUNDS; i++) {
			uint64_t size = (i * 7919 % (RACE_PAGES * PG)) + (i % 3 == 0 ? 0 : 1);

			if (aspace_ftruncate(r->v.as, r->v.m, size) != 0 ||
			    aspace_check(r->v.as, r->why, sizeof(r->why)) != 0)
				atomic_fetch_add(&r->errors, 1);
		}
		atomic_store(&r->done, 1);
		return;
	}
	for (unsigned i = 0; !atomic_load(&r->done); i++) {
		uintptr_t off = (i * cpu * 13 % RACE_PAGES) * PG;
		unsigned access = i % 2 ? WRITE_FAULT : ASPACE_FAULT_USER;
		int err = aspace_fault(r->v.as, (i % 3 ? r->v.s : r->v.p) + off, access);

		if (err != 0 && err != ASPACE_FAULT_SPURIOUS && err != -ENXIO)
			atomic_fetch_add(&r->errors, 1);
	}
}

TEST(truncate_races_with_faults)
{
	static struct truncate_race r;

	views_setup(&r.v, RACE_PAGES * PG);
	hosted_run_cpus(RACE_CPUS, truncate_or_fault, &r);
	if (atomic_load(&r.errors) != 0)
		hosted_fail(__FILE__, __LINE__, "%u errors; the last check said: %s",
			    atomic_load(&r.errors), r.why);
	views_teardown(&r.v, __LINE__);
}
