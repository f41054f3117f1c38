/*
 * test_madvise.c - madvise(2) as Linux x86_64 does it for anonymous
 * memory: MADV_DONTNEED frees private pages (zero-filled on the next
 * touch) but keeps the mapping and its protection, keeps the data of a
 * MAP_SHARED mapping, reports holes with ENOMEM after doing the mapped
 * parts; plus the errno of bad arguments.
 */
#include "utest.h"

CASE(dontneed_zeroes, "MADV_DONTNEED on private anonymous memory drops the pages: the next touch reads zeros")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 4 * PG, 1);
	EXPECT_EQ(sys_madvise(p + PG, 2 * PG, MADV_DONTNEED), 0);
	EXPECT_TRUE(*(volatile uint64_t *)p != 0);
	EXPECT_TRUE(is_zero(p + PG, 2 * PG));
	EXPECT_TRUE(*(volatile uint64_t *)(p + 3 * PG) != 0);
	EXPECT_OK(sys_munmap(p, 4 * PG));
}

CASE(dontneed_keeps_mapping, "after MADV_DONTNEED the range stays mapped with its protection, its pages no longer resident")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 2);
	EXPECT_EQ(sys_madvise(p, 2 * PG, MADV_DONTNEED), 0);
	EXPECT_MAPPED(p, 2 * PG);
	EXPECT_EQ(page_resident(p), 0);
	EXPECT_EQ(page_resident(p + PG), 0);
	EXPECT_VMAS(p, p + 2 * PG, { p, p + 2 * PG, RW, MAP_PRIVATE });
	fill_pattern(p, 2 * PG, 3);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 3));
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(dontneed_read_only, "MADV_DONTNEED works on read-only memory too: it reads zeros afterwards and stays read-only")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 4);
	EXPECT_EQ(sys_mprotect(p, PG, PROT_READ), 0);
	EXPECT_EQ(sys_madvise(p, PG, MADV_DONTNEED), 0);
	EXPECT_TRUE(is_zero(p, PG));
	EXPECT_TRUE(!kernel_can_write(p));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(dontneed_prot_none, "MADV_DONTNEED on a PROT_NONE mapping succeeds")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 5);
	EXPECT_EQ(sys_mprotect(p, PG, PROT_NONE), 0);
	EXPECT_EQ(sys_madvise(p, PG, MADV_DONTNEED), 0);
	EXPECT_EQ(sys_mprotect(p, PG, PROT_READ), 0);
	EXPECT_TRUE(is_zero(p, PG));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(dontneed_shared_keeps_data, "MADV_DONTNEED on MAP_SHARED|MAP_ANONYMOUS only drops the page-table entries: the shared object keeps the data, which reads back unchanged")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_SHARED);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 6);
	EXPECT_EQ(sys_madvise(p, 2 * PG, MADV_DONTNEED), 0);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 6));
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(dontneed_hole, "MADV_DONTNEED over a hole fails with ENOMEM, but has dropped the mapped pages on both sides of it")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	fill_pattern(h, PG, 7);
	fill_pattern(h + 2 * PG, PG, 8);
	EXPECT_ERRNO(sys_madvise(h, 3 * PG, MADV_DONTNEED), -ENOMEM);
	EXPECT_TRUE(is_zero(h, PG));
	EXPECT_TRUE(is_zero(h + 2 * PG, PG));
	EXPECT_UNMAPPED(h + PG, PG);
	EXPECT_OK(sys_munmap(h, 3 * PG));
}

CASE(dontneed_unmapped, "MADV_DONTNEED on a range with nothing mapped fails with ENOMEM")
{
	uintptr_t h = free_range(2 * PG);

	EXPECT_ERRNO(sys_madvise(h, 2 * PG, MADV_DONTNEED), -ENOMEM);
}

CASE(len_zero, "madvise with length 0 succeeds and does nothing")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 9);
	EXPECT_EQ(sys_madvise(p, 0, MADV_DONTNEED), 0);
	EXPECT_TRUE(has_pattern(p, PG, 9));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(len_rounds_up, "an unaligned length is rounded up: madvise(p, 1, MADV_DONTNEED) drops the whole first page")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 10);
	EXPECT_EQ(sys_madvise(p, 1, MADV_DONTNEED), 0);
	EXPECT_TRUE(is_zero(p, PG));
	EXPECT_TRUE(*(volatile uint64_t *)(p + PG) != 0);
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(unaligned, "madvise at an unaligned address fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_madvise(p + 1, PG, MADV_DONTNEED), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(unknown_advice, "an unknown advice fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_madvise(p, PG, 12345), -EINVAL);
	EXPECT_ERRNO(sys_madvise(p, PG, -1), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(len_wraps, "a length that wraps when rounded up, or a range whose end wraps, fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_madvise(p, -1ul, MADV_DONTNEED), -EINVAL);
	EXPECT_ERRNO(sys_madvise(p, -PG, MADV_DONTNEED), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(normal_noop, "MADV_NORMAL on mapped memory succeeds and changes nothing")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 11);
	EXPECT_EQ(sys_madvise(p, PG, MADV_NORMAL), 0);
	EXPECT_TRUE(has_pattern(p, PG, 11));
	EXPECT_OK(sys_munmap(p, PG));
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
