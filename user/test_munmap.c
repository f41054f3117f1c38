/*
 * test_munmap.c - munmap(2) as Linux x86_64 does it: whole, partial (head,
 * tail, middle: the VMA splits), across several VMAs and holes, ranges with
 * nothing mapped, and the errno of bad arguments. After munmap the pages
 * are gone (mincore: ENOMEM) and a new mapping there reads zeros.
 */
#include "utest.h"

CASE(whole, "munmap of a whole mapping removes every page of it")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 4 * PG, 1);
	EXPECT_EQ(sys_munmap(p, 4 * PG), 0);
	EXPECT_UNMAPPED(p, 4 * PG);
	EXPECT_VMAS(p, p + 4 * PG);
}

CASE(head, "munmap of the first pages keeps the rest with its contents")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 4 * PG, 2);
	EXPECT_EQ(sys_munmap(p, PG), 0);
	EXPECT_UNMAPPED(p, PG);
	EXPECT_MAPPED(p + PG, 3 * PG);
	EXPECT_TRUE(*(volatile uint64_t *)(p + PG) != 0);
	EXPECT_VMAS(p, p + 4 * PG, { p + PG, p + 4 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p + PG, 3 * PG));
}

CASE(tail, "munmap of the last pages keeps the head with its contents")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 4 * PG, 3);
	EXPECT_EQ(sys_munmap(p + 3 * PG, PG), 0);
	EXPECT_MAPPED(p, 3 * PG);
	EXPECT_UNMAPPED(p + 3 * PG, PG);
	EXPECT_TRUE(has_pattern(p, 3 * PG, 3));
	EXPECT_VMAS(p, p + 4 * PG, { p, p + 3 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, 3 * PG));
}

CASE(middle_splits, "munmap of a middle page splits the mapping in two; both halves keep their contents")
{
	uintptr_t p = MMAP_ANON(0, 5 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 4);
	fill_pattern(p + 3 * PG, 2 * PG, 5);
	EXPECT_EQ(sys_munmap(p + 2 * PG, PG), 0);
	EXPECT_MAPPED(p, 2 * PG);
	EXPECT_UNMAPPED(p + 2 * PG, PG);
	EXPECT_MAPPED(p + 3 * PG, 2 * PG);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 4));
	EXPECT_TRUE(has_pattern(p + 3 * PG, 2 * PG, 5));
	EXPECT_VMAS(p, p + 5 * PG, { p, p + 2 * PG, RW, MAP_PRIVATE },
		    { p + 3 * PG, p + 5 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, 5 * PG));
}

CASE(spans_vmas, "one munmap removes parts of several VMAs of different protections; what lies outside stays")
{
	uintptr_t h = free_range(6 * PG);

	EXPECT_TRUE(MMAP_ANON(h, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, 2 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 4 * PG, 2 * PG, RW, MAP_SHARED | MAP_FIXED));
	fill_pattern(h, PG, 6);
	fill_pattern(h + 5 * PG, PG, 7);
	EXPECT_EQ(sys_munmap(h + PG, 4 * PG), 0);
	EXPECT_MAPPED(h, PG);
	EXPECT_UNMAPPED(h + PG, 4 * PG);
	EXPECT_MAPPED(h + 5 * PG, PG);
	EXPECT_TRUE(has_pattern(h, PG, 6));
	EXPECT_TRUE(has_pattern(h + 5 * PG, PG, 7));
	EXPECT_VMAS(h, h + 6 * PG, { h, h + PG, RW, MAP_PRIVATE },
		    { h + 5 * PG, h + 6 * PG, RW, MAP_SHARED });
	EXPECT_OK(sys_munmap(h, 6 * PG));
}

CASE(spans_holes, "munmap over a range with holes succeeds and removes every mapped page in it")
{
	uintptr_t h = free_range(7 * PG);

	EXPECT_TRUE(MMAP_ANON(h + PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 3 * PG, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 6 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_EQ(sys_munmap(h, 6 * PG), 0);
	EXPECT_UNMAPPED(h, 6 * PG);
	EXPECT_MAPPED(h + 6 * PG, PG);
	EXPECT_OK(sys_munmap(h + 6 * PG, PG));
}

CASE(nothing_mapped, "munmap of a range where nothing is mapped succeeds")
{
	uintptr_t h = free_range(4 * PG);

	EXPECT_EQ(sys_munmap(h, 4 * PG), 0);
}

CASE(len_rounds_up, "an unaligned length is rounded up: munmap(p, 1) removes the whole page")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_munmap(p, 1), 0);
	EXPECT_UNMAPPED(p, PG);
	EXPECT_MAPPED(p + PG, PG);
	EXPECT_OK(sys_munmap(p + PG, PG));
}

CASE(unaligned_addr, "munmap at an address that is not page-aligned fails with EINVAL and unmaps nothing")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_munmap(p + 1, PG), -EINVAL);
	EXPECT_MAPPED(p, 2 * PG);
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(len_zero, "munmap with length 0 fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_munmap(p, 0), -EINVAL);
	EXPECT_MAPPED(p, PG);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(kernel_range, "munmap of a kernel address fails with EINVAL")
{
	EXPECT_ERRNO(sys_munmap(KERNEL_ADDR, PG), -EINVAL);
	EXPECT_ERRNO(sys_munmap(-PG, PG), -EINVAL);
}

CASE(past_task_size, "munmap reaching past TASK_SIZE fails with EINVAL, even with nothing mapped")
{
	EXPECT_ERRNO(sys_munmap(TASK_SIZE, PG), -EINVAL);
	EXPECT_ERRNO(sys_munmap(TASK_SIZE - PG, 2 * PG), -EINVAL);
}

CASE(len_overflows, "a length that runs past the end of the address space fails with EINVAL and unmaps nothing")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_munmap(p, -PG), -EINVAL);
	EXPECT_ERRNO(sys_munmap(p, -1ul), -EINVAL);
	EXPECT_MAPPED(p, PG);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(remap_reads_zero, "after munmap, a new mapping at the same address reads zeros, not the old contents")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 8);
	EXPECT_EQ(sys_munmap(p, 2 * PG), 0);
	EXPECT_EQ(sys_mmap(p, 2 * PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
		  p);
	EXPECT_TRUE(is_zero(p, 2 * PG));
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(twice, "unmapping the same range twice succeeds both times")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_munmap(p, PG), 0);
	EXPECT_EQ(sys_munmap(p, PG), 0);
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
