/*
 * slab_test.h - what the slab, kmalloc and depot tests share.
 *
 * SLAB_TEST_CHECK_ACCOUNTING() ends a test: it has every CPU give back
 * what its magazines hold (slab_shrink_all: the fixture's settle only
 * reclaims, which cannot reach a CPU's private magazines), then checks
 * the frame accounting against the fixture's start, exactly, but for one
 * thing: the magazine pool's chunks are never returned (mm/depot.c), so
 * the frames it grew by since setup count as used, not free, in the
 * baseline. kmem_magazine_pool_frames() is 0 for SLAB=locked (unless a
 * test uses magazines directly) and right after setup. Main thread, no
 * CPUs running.
 */
#ifndef SLAB_TEST_H
#define SLAB_TEST_H

#include <stdint.h>

#include "depot.h"
#include "mm_fixture.h"
#include "slab_internal.h"

static inline void slab_test_check_accounting(const char *file, int line)
{
	uint64_t pool, *free;

	slab_shrink_all();
	pool = kmem_magazine_pool_frames();
	free = mm_fixture_free_class(&mm_fixture_start);
	mm_fixture_start.used += pool;
	*free -= pool;
	mm_fixture_check_accounting(file, line);
	mm_fixture_start.used -= pool;
	*free += pool;
}

#define SLAB_TEST_CHECK_ACCOUNTING() slab_test_check_accounting(__FILE__, __LINE__)

#endif
