/*
 * test_aspace_cow.c - memory that an address space borrows before it owns
 * it (mm/zero_page.c, mm/mfile.c, copy on write in mm/fault.c): reads of
 * untouched private anonymous memory map the one zero page; private file
 * mappings share the file's cached pages until written; a write copies,
 * whichever way the page came (a fault, the kernel's transfer, a racing
 * CPU); MADV_DONTNEED brings a file's contents back; no unmap frees a
 * borrowed frame; the files' errno rules.
 */
#include <string.h>

#include "aspace_internal.h"
#include "test_aspace.h"

#define RW (PROT_READ | PROT_WRITE)

static phys_addr_t frame_of(struct aspace *as, uintptr_t va)
{
	struct mapper_translation t;

	return mapper_translate(aspace_mapper(as), va, &t) == 0 ? t.pa : 0;
}

static unsigned flags_of(struct aspace *as, uintptr_t va)
{
	struct mapper_translation t;

	return mapper_translate(aspace_mapper(as), va, &t) == 0 ? t.flags : ~0u;
}

static phys_addr_t cached(struct mfile *f, uint64_t index)
{
	phys_addr_t pa;

	return mfile_lookup(f, index, &pa) == 0 ? pa : 0;
}

static uint64_t free_frames(void)
{
	struct mm_frame_accounting a;

	mm_fixture_settle(&a);
	return a.free + a.cached;
}

/* An image of 3.5 pages: byte i of page p is p * 16 + i % 16 + 1. */
#define IMAGE_SIZE (3 * PG + PG / 2)
static unsigned char image[IMAGE_SIZE];

static unsigned char image_byte(uint64_t off)
{
	return off < IMAGE_SIZE ? (unsigned char)(off / PG * 16 + off % 16 + 1) : 0;
}

static struct mfile *image_file(void)
{
	for (uint64_t i = 0; i < IMAGE_SIZE; i++)
		image[i] = image_byte(i);
	struct mfile *f = mfile_create_image(image, IMAGE_SIZE);
	if (f == NULL)
		env_panic("test_aspace_cow: no file");
	return f;
}

/* Whether [va, va + n pages) reads as the image from byte off on. */
static bool reads_image(struct aspace *as, uintptr_t va, uint64_t off, unsigned n)
{
	for (uint64_t i = 0; i < n * PG; i += 61) {
		if (as_peek(as, va + i) != image_byte(off + i))
			return false;
	}
	return true;
}

TEST(aspace_reads_of_untouched_memory_map_the_zero_page)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	phys_addr_t zero = zero_page();
	uint64_t len = 4 * MM_FIXTURE_RAM, free0 = free_frames();
	long a = as_map(as, 0, len, RW, MAP_PRIVATE | MAP_NORESERVE);

	/* Four times the RAM, read through: only page tables are spent. */
	CHECK(a > 0);
	CHECK_EQ_U64(aspace_madvise(as, a, len, MADV_POPULATE_READ), 0);
	CHECK_EQ_U64(as_resident(as), len / PG);
	for (uint64_t off = 0; off < len; off += 97 * PG)
		CHECK_EQ_U64(frame_of(as, a + off), zero);
	CHECK(free0 - free_frames() <= len / (2 * MIB) + 4);
	CHECK_EQ_U64(flags_of(as, a), MAPPER_USER | MAPPER_NX | MAPPER_BORROWED); /* read-only */
	CHECK_EQ_U64(as_peek(as, a + len - 1), 0);
	CHECK_ASPACE(as);

	/* A write fault copies: a zeroed frame of its own, writable. */
	CHECK_EQ_U64(aspace_fault(as, a + PG + 8, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE |
						     ASPACE_FAULT_PRESENT), 0);
	CHECK(frame_of(as, a + PG) != zero && frame_of(as, a + PG) != 0);
	CHECK_EQ_U64(flags_of(as, a + PG), MAPPER_USER | MAPPER_WRITE | MAPPER_NX);
	CHECK_EQ_U64(as_peek(as, a + PG + 8), 0);
	CHECK_EQ_U64(as_resident(as), len / PG);
	/* So does the kernel's write, and the zero page stays zero. */
	CHECK_EQ_U64(as_poke(as, a + 2 * PG + 1, 0x42), 0);
	CHECK_EQ_U64(as_peek(as, a + 2 * PG + 1), 0x42);
	CHECK(frame_of(as, a + 2 * PG) != zero);
	CHECK_EQ_U64(as_peek(as, a + 3 * PG + 1), 0);
	CHECK_EQ_U64(((unsigned char *)hal_phys_to_virt(zero))[1], 0);
	CHECK_ASPACE(as);

	/* mprotect and mremap never make the zero page writable. */
	CHECK_EQ_U64(aspace_mprotect(as, a, 8 * PG, PROT_READ), 0);
	CHECK_EQ_U64(aspace_mprotect(as, a, 8 * PG, RW | PROT_EXEC), 0);
	CHECK_EQ_U64(flags_of(as, a), MAPPER_USER | MAPPER_BORROWED);
	CHECK_EQ_U64(flags_of(as, a + 2 * PG), MAPPER_USER | MAPPER_WRITE);
	CHECK_EQ_U64(aspace_mprotect(as, a, 8 * PG, PROT_NONE), 0);
	CHECK_EQ_U64(aspace_mprotect(as, a, 8 * PG, RW), 0);
	CHECK_EQ_U64(flags_of(as, a + 4 * PG), MAPPER_USER | MAPPER_NX | MAPPER_BORROWED);
	long m = aspace_mremap(as, a, 8 * PG, 8 * PG, MREMAP_MAYMOVE | MREMAP_FIXED,
			       a + len + 64 * PG);
	CHECK_EQ_U64(m, a + len + 64 * PG);
	CHECK_EQ_U64(frame_of(as, m + 4 * PG), zero);
	CHECK_EQ_U64(flags_of(as, m + 4 * PG), MAPPER_USER | MAPPER_NX | MAPPER_BORROWED);
	CHECK_EQ_U64(as_peek(as, m + 2 * PG + 1), 0x42);
	CHECK_ASPACE(as);

	/* Unmapping it all gives back what the copies took, never the zero
	 * page (a debug build panics on such a free). */
	CHECK_EQ_U64(aspace_munmap(as, a, len), 0);
	CHECK_EQ_U64(aspace_madvise(as, m, 8 * PG, MADV_DONTNEED), 0);
	CHECK_EQ_U64(aspace_munmap(as, m, 8 * PG), 0);
	CHECK_EQ_U64(as_resident(as), 0);
	CHECK(pfn_to_page(PFN_OF(zero))->flags & PG_object);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_private_file_pages_are_shared_until_written)
{
	struct as_fixture f;
	struct aspace *other;

	as_setup(&f);
	struct aspace *as = f.as;
	struct aspace_layout l = ASPACE_LAYOUT_DEFAULT(&f.kernel);
	CHECK_EQ_U64(aspace_create(&l, &other), 0);
	struct mfile *file = image_file();
	long a = aspace_mmap_file(as, 0, 4 * PG, RW, MAP_PRIVATE, file, 0);
	long b = aspace_mmap_file(other, 0, 3 * PG, PROT_READ, MAP_PRIVATE, file, PG);

	/* Reads map the cached page itself, read-only, in both spaces. */
	CHECK(a > 0 && b > 0);
	CHECK_EQ_U64(aspace_fault(as, a + PG, ASPACE_FAULT_USER), 0);
	CHECK_EQ_U64(aspace_fault(other, b, ASPACE_FAULT_USER), 0);
	CHECK(cached(file, 1) != 0);
	CHECK_EQ_U64(frame_of(as, a + PG), cached(file, 1));
	CHECK_EQ_U64(frame_of(other, b), cached(file, 1));
	CHECK_EQ_U64(flags_of(as, a + PG), MAPPER_USER | MAPPER_NX | MAPPER_BORROWED);
	CHECK(reads_image(as, a, 0, 4));	/* the tail past the image reads 0 */
	CHECK(reads_image(other, b, PG, 3));
	CHECK_EQ_U64(file->npages, 4);
	CHECK_ASPACE(as);
	CHECK_ASPACE(other);

	/* A write copies the page into the writer's own frame. */
	CHECK_EQ_U64(aspace_fault(as, a + PG + 5, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE |
						     ASPACE_FAULT_PRESENT), 0);
	phys_addr_t own = frame_of(as, a + PG);
	CHECK(own != 0 && own != cached(file, 1));
	CHECK(reads_image(as, a + PG, PG, 1));
	CHECK_EQ_U64(as_poke(as, a + PG + 5, 0xee), 0);
	CHECK_EQ_U64(as_peek(as, a + PG + 5), 0xee);
	CHECK_EQ_U64(as_peek(other, b + 5), image_byte(PG + 5));	/* the file is untouched */
	/* A write to an absent page copies at once. */
	CHECK_EQ_U64(aspace_fault(as, a + 2 * PG, ASPACE_FAULT_USER | ASPACE_FAULT_WRITE), 0);
	CHECK(frame_of(as, a + 2 * PG) != cached(file, 2));
	CHECK_ASPACE(as);

	/* MADV_DONTNEED drops the copy: the file's contents come back. */
	CHECK_EQ_U64(aspace_madvise(as, a, 4 * PG, MADV_DONTNEED), 0);
	CHECK_EQ_U64(as_resident(as), 0);
	CHECK(reads_image(as, a, 0, 4));
	CHECK_EQ_U64(frame_of(as, a + PG), cached(file, 1));
	CHECK_ASPACE(as);

	/* PROT_NONE parks the borrowed pages; back, they are still read-only. */
	CHECK_EQ_U64(aspace_mprotect(as, a, 4 * PG, PROT_NONE), 0);
	CHECK_EQ_U64(aspace_mprotect(as, a, 4 * PG, RW), 0);
	CHECK_EQ_U64(flags_of(as, a + PG), MAPPER_USER | MAPPER_NX | MAPPER_BORROWED);
	CHECK(reads_image(as, a, 0, 4));
	CHECK_ASPACE(as);

	/* The file lives while a mapping or a holder does. */
	as_teardown(&f);
	CHECK(reads_image(other, b, PG, 3));
	aspace_destroy(other);
	CHECK(cached(file, 1) != 0);
	mfile_put(file);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(aspace_file_mapping_errno)
{
	struct as_fixture f;

	as_setup(&f);
	struct aspace *as = f.as;
	struct mfile *file = image_file();

	CHECK_EQ_U64(aspace_mmap_file(as, 0, PG, RW, MAP_SHARED, file, 0), -EACCES);
	CHECK_EQ_U64(aspace_mmap_file(as, 0, PG, RW, MAP_PRIVATE, file, 1), -EINVAL);
	CHECK_EQ_U64(aspace_mmap_file(as, 0, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS, file, 0),
		     -EINVAL);
	CHECK_EQ_U64(aspace_mmap_file(as, 0, 0, RW, MAP_PRIVATE, file, 0), -EINVAL);
	CHECK_EQ_U64(aspace_mmap_file(as, 0, PG, RW, MAP_PRIVATE, file, ~0ull & HAL_PAGE_MASK),
		     -EOVERFLOW);
	long s = aspace_mmap_file(as, 0, 2 * PG, PROT_READ, MAP_SHARED, file, 0);
	CHECK(s > 0);
	CHECK(reads_image(as, s, 0, 2));
	CHECK_EQ_U64(frame_of(as, s), cached(file, 0));	/* shared: the cached page */
	CHECK_EQ_U64(aspace_mprotect(as, s, PG, RW), -EACCES);
	CHECK_EQ_U64(aspace_madvise(as, s, PG, MADV_REMOVE), -EACCES);
	long p = aspace_mmap_file(as, 0, 2 * PG, RW, MAP_PRIVATE, file, 0);
	CHECK(p > 0);
	CHECK_EQ_U64(aspace_madvise(as, p, PG, MADV_REMOVE), -EACCES);
	CHECK_EQ_U64(aspace_madvise(as, p, PG, MADV_FREE), -EINVAL);
	CHECK_EQ_U64(aspace_madvise(as, p, PG, MADV_WIPEONFORK), -EINVAL);
	/* old_len 0 duplicates shared mappings only. */
	CHECK_EQ_U64(aspace_mremap(as, p, 0, PG, MREMAP_MAYMOVE, 0), -EINVAL);
	CHECK(aspace_mremap(as, s, 0, PG, MREMAP_MAYMOVE, 0) > 0);
	CHECK_ASPACE(as);
	as_teardown(&f);
	mfile_put(file);
	SLAB_TEST_CHECK_ACCOUNTING();
}

#define RACE_CPUS 4
#define RACE_PAGES 64

struct race {
	struct aspace *as;
	uintptr_t base;
	_Atomic unsigned errors;
};

/* Each CPU reads every page (mapping the zero page), then writes its own
 * byte of each: the copies on write race, and none may lose a byte. */
static void read_then_write(unsigned cpu, void *arg)
{
	struct race *r = arg;

	for (unsigned i = 0; i < RACE_PAGES; i++) {
		uintptr_t va = r->base + ((i + cpu * 7) % RACE_PAGES) * PG;
		int err = aspace_fault(r->as, va, ASPACE_FAULT_USER);

		if ((err != 0 && err != ASPACE_FAULT_SPURIOUS) || as_peek(r->as, va + cpu) != 0)
			atomic_fetch_add(&r->errors, 1);
	}
	for (unsigned i = 0; i < RACE_PAGES; i++) {
		uintptr_t va = r->base + ((i + cpu * 13) % RACE_PAGES) * PG;

		if (as_poke(r->as, va + cpu, (unsigned char)(cpu + 1)) != 0)
			atomic_fetch_add(&r->errors, 1);
	}
}

TEST(aspace_racing_copies_on_write_lose_no_write)
{
	struct as_fixture f;
	struct race r = { 0 };

	as_setup(&f);
	r.as = f.as;
	r.base = as_map(f.as, 0, RACE_PAGES * PG, RW, MAP_PRIVATE);
	hosted_run_cpus(RACE_CPUS, read_then_write, &r);
	CHECK_EQ_U64(atomic_load(&r.errors), 0);
	for (unsigned i = 0; i < RACE_PAGES; i++) {
		CHECK(frame_of(f.as, r.base + i * PG) != zero_page());
		for (unsigned cpu = 0; cpu < RACE_CPUS; cpu++)
			CHECK_EQ_U64(as_peek(f.as, r.base + i * PG + cpu), cpu + 1);
	}
	CHECK_EQ_U64(as_resident(f.as), RACE_PAGES);
	CHECK_ASPACE(f.as);
	as_teardown(&f);
	SLAB_TEST_CHECK_ACCOUNTING();
}
