/*
 * test_mremap.c - mremap(2) of anonymous memory as Linux x86_64 does it:
 * shrinking, growing in place, moving (MREMAP_MAYMOVE: the contents go
 * with the pages, the old range is gone), MREMAP_FIXED (replacing what is
 * at the target), MREMAP_DONTUNMAP (the old range stays mapped and reads
 * zeros), protections kept, and the errno of bad arguments and invalid
 * flag combinations.
 */
#include "utest.h"

CASE(shrink, "shrinking returns the same address, keeps the head's contents and unmaps the tail")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 4 * PG, 1);
	EXPECT_EQ(sys_mremap(p, 4 * PG, PG, 0, 0), p);
	EXPECT_TRUE(has_pattern(p, PG, 1));
	EXPECT_UNMAPPED(p + PG, 3 * PG);
	EXPECT_VMAS(p, p + 4 * PG, { p, p + PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(same_size, "mremap to the same size returns the address and changes nothing")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 2);
	EXPECT_EQ(sys_mremap(p, 2 * PG, 2 * PG, 0, 0), p);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 2));
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(grow_in_place, "growing into free space keeps the address and the contents; the new pages read zero")
{
	uintptr_t h = free_range(4 * PG);

	EXPECT_TRUE(MMAP_ANON(h, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED));
	fill_pattern(h, 2 * PG, 3);
	EXPECT_EQ(sys_mremap(h, 2 * PG, 4 * PG, 0, 0), h);
	EXPECT_TRUE(has_pattern(h, 2 * PG, 3));
	EXPECT_TRUE(is_zero(h + 2 * PG, 2 * PG));
	EXPECT_VMAS(h, h + 4 * PG, { h, h + 4 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(h, 4 * PG));
}

CASE(grow_blocked, "growing without MREMAP_MAYMOVE when the next pages are taken fails with ENOMEM and changes nothing")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_TRUE(MMAP_ANON(h, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED));
	fill_pattern(h, 2 * PG, 4);
	EXPECT_ERRNO(sys_mremap(h, 2 * PG, 3 * PG, 0, 0), -ENOMEM);
	EXPECT_TRUE(has_pattern(h, 2 * PG, 4));
	EXPECT_TRUE(!kernel_can_write(h + 2 * PG));
	EXPECT_OK(sys_munmap(h, 3 * PG));
}

CASE(grow_prefix_blocked, "growing only the first part of a mapping cannot be done in place: ENOMEM without MREMAP_MAYMOVE")
{
	uintptr_t h = free_range(4 * PG);

	EXPECT_TRUE(MMAP_ANON(h, 3 * PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_ERRNO(sys_mremap(h, PG, 2 * PG, 0, 0), -ENOMEM);
	EXPECT_MAPPED(h, 3 * PG);
	EXPECT_OK(sys_munmap(h, 3 * PG));
}

CASE(maymove_moves, "with MREMAP_MAYMOVE a blocked grow moves the pages: contents preserved, old range unmapped, new pages zero")
{
	uintptr_t h = free_range(3 * PG);
	long r;

	EXPECT_TRUE(MMAP_ANON(h, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	fill_pattern(h, 2 * PG, 5);
	r = sys_mremap(h, 2 * PG, 5 * PG, MREMAP_MAYMOVE, 0);
	EXPECT_OK(r);
	EXPECT_TRUE((uintptr_t)r != h);
	EXPECT_TRUE(has_pattern((uintptr_t)r, 2 * PG, 5));
	EXPECT_TRUE(is_zero((uintptr_t)r + 2 * PG, 3 * PG));
	EXPECT_UNMAPPED(h, 2 * PG);
	EXPECT_MAPPED(h + 2 * PG, PG);
	EXPECT_VMAS((uintptr_t)r, (uintptr_t)r + 5 * PG,
		    { (uintptr_t)r, (uintptr_t)r + 5 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap((uintptr_t)r, 5 * PG));
	EXPECT_OK(sys_munmap(h + 2 * PG, PG));
}

CASE(maymove_in_place_first, "MREMAP_MAYMOVE still grows in place when the next pages are free")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_EQ(sys_mremap(h, PG, 3 * PG, MREMAP_MAYMOVE, 0), h);
	EXPECT_MAPPED(h, 3 * PG);
	EXPECT_OK(sys_munmap(h, 3 * PG));
}

CASE(move_middle, "moving the middle of a mapping splits it: head and tail stay where they are")
{
	uintptr_t h = MMAP_ANON(0, 3 * PG, RW, MAP_PRIVATE), dst = free_range(PG);

	EXPECT_TRUE(h);
	fill_pattern(h, PG, 6);
	fill_pattern(h + PG, PG, 7);
	fill_pattern(h + 2 * PG, PG, 8);
	EXPECT_EQ(sys_mremap(h + PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), dst);
	EXPECT_TRUE(has_pattern(h, PG, 6));
	EXPECT_TRUE(has_pattern(dst, PG, 7));
	EXPECT_TRUE(has_pattern(h + 2 * PG, PG, 8));
	EXPECT_UNMAPPED(h + PG, PG);
	EXPECT_VMAS(h, h + 3 * PG, { h, h + PG, RW, MAP_PRIVATE },
		    { h + 2 * PG, h + 3 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(h, 3 * PG));
	EXPECT_OK(sys_munmap(dst, PG));
}

CASE(fixed_replaces, "MREMAP_FIXED moves to new_addr, replacing whatever was mapped there")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);
	uintptr_t q = MMAP_ANON(0, 3 * PG, PROT_READ, MAP_SHARED);

	EXPECT_TRUE(p && q);
	fill_pattern(p, 2 * PG, 9);
	EXPECT_EQ(sys_mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, q), q);
	EXPECT_TRUE(has_pattern(q, 2 * PG, 9));
	EXPECT_UNMAPPED(p, 2 * PG);
	EXPECT_TRUE(kernel_can_write(q));
	EXPECT_VMAS(q, q + 3 * PG, { q, q + 2 * PG, RW, MAP_PRIVATE },
		    { q + 2 * PG, q + 3 * PG, PROT_READ, MAP_SHARED });
	EXPECT_OK(sys_munmap(q, 3 * PG));
}

CASE(fixed_grow, "MREMAP_FIXED may also change the size: it grows into the target range")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE), dst = free_range(3 * PG);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 10);
	EXPECT_EQ(sys_mremap(p, PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), dst);
	EXPECT_TRUE(has_pattern(dst, PG, 10));
	EXPECT_TRUE(is_zero(dst + PG, 2 * PG));
	EXPECT_UNMAPPED(p, PG);
	EXPECT_OK(sys_munmap(dst, 3 * PG));
}

CASE(fixed_without_maymove, "MREMAP_FIXED without MREMAP_MAYMOVE fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE), dst = free_range(PG);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, PG, PG, MREMAP_FIXED, dst), -EINVAL);
	EXPECT_MAPPED(p, PG);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(fixed_overlap, "MREMAP_FIXED to a range overlapping the old one fails with EINVAL")
{
	uintptr_t h = free_range(4 * PG);

	EXPECT_TRUE(MMAP_ANON(h, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_ERRNO(sys_mremap(h, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, h + PG),
		     -EINVAL);
	EXPECT_ERRNO(sys_mremap(h, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, h), -EINVAL);
	EXPECT_MAPPED(h, 2 * PG);
	EXPECT_OK(sys_munmap(h, 2 * PG));
}

CASE(fixed_unaligned, "MREMAP_FIXED to an unaligned new_addr fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE), dst = free_range(2 * PG);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 8), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(fixed_kernel, "MREMAP_FIXED to a kernel address fails with EINVAL and keeps the old mapping")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, KERNEL_ADDR), -EINVAL);
	EXPECT_MAPPED(p, PG);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(dontunmap, "MREMAP_DONTUNMAP moves the pages but leaves the old range mapped (same protection), reading zeros")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);
	long r;

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 11);
	r = sys_mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	EXPECT_OK(r);
	EXPECT_TRUE((uintptr_t)r != p);
	EXPECT_TRUE(has_pattern((uintptr_t)r, 2 * PG, 11));
	EXPECT_MAPPED(p, 2 * PG);
	EXPECT_EQ(page_resident(p), 0);
	EXPECT_TRUE(is_zero(p, 2 * PG));
	EXPECT_VMAS(p, p + 2 * PG, { p, p + 2 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, 2 * PG));
	EXPECT_OK(sys_munmap((uintptr_t)r, 2 * PG));
}

CASE(dontunmap_fixed, "MREMAP_DONTUNMAP with MREMAP_FIXED moves to exactly new_addr")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE), dst = free_range(PG);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 12);
	EXPECT_EQ(sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, dst),
		  dst);
	EXPECT_TRUE(has_pattern(dst, PG, 12));
	EXPECT_TRUE(is_zero(p, PG));
	EXPECT_OK(sys_munmap(p, PG));
	EXPECT_OK(sys_munmap(dst, PG));
}

CASE(dontunmap_hint_overlap, "MREMAP_DONTUNMAP without MREMAP_FIXED takes new_addr as a hint, yet a hint overlapping the old range fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, p + PG),
		     -EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, p + 8),
		     -EINVAL);
	EXPECT_MAPPED(p, 2 * PG);
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(dontunmap_hint, "MREMAP_DONTUNMAP without MREMAP_FIXED moves to the hint new_addr when it is free")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE), dst = free_range(PG);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 15);
	EXPECT_EQ(sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, dst), dst);
	EXPECT_TRUE(has_pattern(dst, PG, 15));
	EXPECT_TRUE(is_zero(p, PG));
	EXPECT_OK(sys_munmap(p, PG));
	EXPECT_OK(sys_munmap(dst, PG));
}

CASE(dontunmap_resize, "MREMAP_DONTUNMAP with a size change fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, 2 * PG, 4 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0),
		     -EINVAL);
	EXPECT_ERRNO(sys_mremap(p, 2 * PG, PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0), -EINVAL);
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(dontunmap_without_maymove, "MREMAP_DONTUNMAP without MREMAP_MAYMOVE fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, PG, PG, MREMAP_DONTUNMAP, 0), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(unknown_flags, "an unknown mremap flag fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, PG, PG, 8, 0), -EINVAL);
	EXPECT_ERRNO(sys_mremap(p, PG, 2 * PG, MREMAP_MAYMOVE | 0x100, 0), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(unaligned_old, "an unaligned old address fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p + 16, PG, PG, 0, 0), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(new_len_zero, "a new length of 0 fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, PG, 0, 0, 0), -EINVAL);
	EXPECT_ERRNO(sys_mremap(p, PG, 0, MREMAP_MAYMOVE, 0), -EINVAL);
	EXPECT_MAPPED(p, PG);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(old_len_zero_private, "old length 0 (duplicate a mapping) fails with EINVAL for a private mapping")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mremap(p, 0, PG, MREMAP_MAYMOVE, 0), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(unmapped_old, "an old address with no mapping fails with EFAULT")
{
	uintptr_t h = free_range(2 * PG);

	EXPECT_ERRNO(sys_mremap(h, PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
	EXPECT_ERRNO(sys_mremap(h, PG, PG, 0, 0), -EFAULT);
}

CASE(old_past_vma, "an old range running past the end of its mapping into a hole fails with EFAULT")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_ERRNO(sys_mremap(h, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
	EXPECT_MAPPED(h, PG);
	EXPECT_OK(sys_munmap(h, PG));
}

CASE(across_vmas, "an old range spanning two VMAs (different protections) cannot be resized: EFAULT")
{
	uintptr_t h = free_range(2 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED));
	EXPECT_ERRNO(sys_mremap(h, 2 * PG, 4 * PG, MREMAP_MAYMOVE, 0), -EFAULT);
	EXPECT_MAPPED(h, 2 * PG);
	EXPECT_OK(sys_munmap(h, 2 * PG));
}

CASE(kernel_old, "an old address in kernel space fails with EFAULT (no VMA there)")
{
	EXPECT_ERRNO(sys_mremap(KERNEL_ADDR, PG, PG, MREMAP_MAYMOVE, 0), -EFAULT);
}

CASE(keeps_protection, "a moved mapping keeps its protection")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE), dst = free_range(PG);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 13);
	EXPECT_EQ(sys_mprotect(p, PG, PROT_READ), 0);
	EXPECT_EQ(sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), dst);
	EXPECT_TRUE(has_pattern(dst, PG, 13));
	EXPECT_TRUE(!kernel_can_write(dst));
	EXPECT_VMAS(dst, dst + PG, { dst, dst + PG, PROT_READ, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(dst, PG));
}

CASE(shared_move, "a MAP_SHARED anonymous mapping moves with its contents and stays shared")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_SHARED), dst = free_range(2 * PG);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 14);
	EXPECT_EQ(sys_mremap(p, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst), dst);
	EXPECT_TRUE(has_pattern(dst, 2 * PG, 14));
	EXPECT_UNMAPPED(p, 2 * PG);
	EXPECT_VMAS(dst, dst + 2 * PG, { dst, dst + 2 * PG, RW, MAP_SHARED });
	EXPECT_OK(sys_munmap(dst, 2 * PG));
}

CASE(unaligned_lengths_round_up, "unaligned old and new lengths are rounded up to pages")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_EQ(sys_mremap(h, 10, 2 * PG + 1, 0, 0), h);
	EXPECT_MAPPED(h, 3 * PG);
	EXPECT_OK(sys_munmap(h, 3 * PG));
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
