/*
 * test_aspace.h - what the address-space tests (test_aspace*.c) share: a
 * fresh memory-management stack with a kernel mapper and one address
 * space in the default x86_64 layout, and checks that report at the
 * caller's line.
 */
#ifndef TEST_ASPACE_H
#define TEST_ASPACE_H

#include <errno.h>

#include <mm/aspace.h>
#include <mm/env.h>
#include <mm/mapper.h>
#include "mm_fixture.h"
#include "slab_test.h"
#include "test.h"

#define PG 0x1000ull
#define MIB (1ull << 20)

struct as_fixture {
	struct mapper kernel;
	struct aspace *as;
};

static inline void as_setup(struct as_fixture *f)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	if (mapper_init(&f->kernel) != 0 || mapper_prealloc_kernel_half(&f->kernel) != 0)
		env_panic("test_aspace: no kernel mapper");
	struct aspace_layout l = ASPACE_LAYOUT_DEFAULT(&f->kernel);
	if (aspace_create(&l, &f->as) != 0)
		env_panic("test_aspace: aspace_create failed");
}

/* Destroys the address space and the kernel mapper; the caller then
 * checks the accounting (SLAB_TEST_CHECK_ACCOUNTING: VMAs and the
 * address space come from kmalloc, whose CPU magazines only a shrink
 * empties). */
static inline void as_teardown(struct as_fixture *f)
{
	aspace_destroy(f->as);
	mapper_destroy(&f->kernel);
}

static inline void as_check(struct aspace *as, const char *file, int line)
{
	char err[200];

	if (aspace_check(as, err, sizeof(err)) != 0)
		hosted_fail(file, line, "aspace_check: %s", err);
}

#define CHECK_ASPACE(as) as_check((as), __FILE__, __LINE__)

static inline long as_map(struct aspace *as, uintptr_t addr, uint64_t len, uint64_t prot,
			  uint64_t flags)
{
	return aspace_mmap(as, addr, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

/* The one byte at va, or -1 when aspace_read fails. */
static inline int as_peek(struct aspace *as, uintptr_t va)
{
	unsigned char c;

	return aspace_read(as, &c, va, 1) == 0 ? c : -1;
}

static inline int as_poke(struct aspace *as, uintptr_t va, unsigned char c)
{
	return aspace_write(as, va, &c, 1);
}

static inline long as_nvmas(struct aspace *as)
{
	return aspace_vmas(as, NULL, 0);
}

static inline uint64_t as_resident(struct aspace *as)
{
	struct aspace_stats st;

	aspace_stats(as, &st);
	return st.resident_pages;
}

#endif
