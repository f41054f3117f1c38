/*
 * test_mmap.c - mmap(2) of anonymous memory, case by case, as Linux x86_64
 * does it: the protections, MAP_PRIVATE and MAP_SHARED, hints, MAP_FIXED
 * and MAP_FIXED_NOREPLACE, MAP_POPULATE, MAP_NORESERVE, MAP_GROWSDOWN,
 * demand-zero contents, and the errno of every kind of bad argument.
 * Presence is checked with mincore, the layout with tb_vmas (testbed only).
 */
#include "utest.h"

#define ANON_PRIVATE (MAP_PRIVATE | MAP_ANONYMOUS)

CASE(private_zero_filled, "a private anonymous mapping reads as zeros and keeps what is written")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_TRUE(is_zero(p, 4 * PG));
	fill_pattern(p, 4 * PG, 1);
	EXPECT_TRUE(has_pattern(p, 4 * PG, 1));
	EXPECT_OK(sys_munmap(p, 4 * PG));
}

CASE(demand_paging, "mmap returns a page-aligned range that is mapped but not resident until touched")
{
	uintptr_t p = MMAP_ANON(0, 3 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(p % PG, 0);
	EXPECT_MAPPED(p, 3 * PG);
	EXPECT_EQ(page_resident(p), 0);
	*(volatile char *)(p + PG) = 1;
	EXPECT_EQ(page_resident(p + PG), 1);
	EXPECT_EQ(page_resident(p + 2 * PG), 0);
	EXPECT_OK(sys_munmap(p, 3 * PG));
}

CASE(read_fault_maps_page, "reading an untouched page faults in a zero page: it reads 0 and is resident")
{
	uintptr_t p = MMAP_ANON(0, PG, PROT_READ, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(*(volatile char *)(p + 100), 0);
	EXPECT_EQ(page_resident(p), 1);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(len_zero, "mmap with length 0 fails with EINVAL")
{
	EXPECT_ERRNO(sys_mmap(0, 0, RW, ANON_PRIVATE, -1, 0), -EINVAL);
}

CASE(len_rounds_up, "an unaligned length is rounded up to whole pages")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_EQ(sys_mmap(h, PG + 1, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), h);
	EXPECT_MAPPED(h, 2 * PG);
	EXPECT_UNMAPPED(h + 2 * PG, PG);
	*(volatile char *)(h + 2 * PG - 1) = 1;
	EXPECT_OK(sys_munmap(h, 2 * PG));
}

CASE(len_wraps, "a length that wraps when rounded up to a page fails with ENOMEM")
{
	EXPECT_ERRNO(sys_mmap(0, -PG + 1, RW, ANON_PRIVATE, -1, 0), -ENOMEM);
	EXPECT_ERRNO(sys_mmap(0, -1ul, RW, ANON_PRIVATE, -1, 0), -ENOMEM);
}

CASE(len_too_big, "a length larger than the user address space fails with ENOMEM")
{
	EXPECT_ERRNO(sys_mmap(0, 1ul << 60, RW, ANON_PRIVATE, -1, 0), -ENOMEM);
	EXPECT_ERRNO(sys_mmap(0, TASK_SIZE + PG, PROT_NONE, ANON_PRIVATE, -1, 0), -ENOMEM);
}

CASE(offset_unaligned, "an offset that is not page-aligned fails with EINVAL, even for anonymous memory")
{
	EXPECT_ERRNO(sys_mmap(0, PG, RW, ANON_PRIVATE, -1, 1), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, ANON_PRIVATE, -1, PG - 1), -EINVAL);
}

CASE(offset_ignored_anon, "a page-aligned offset is ignored for an anonymous mapping")
{
	long r = sys_mmap(0, PG, RW, ANON_PRIVATE, -1, 16 * PG);

	EXPECT_OK(r);
	EXPECT_TRUE(is_zero((uintptr_t)r, PG));
	EXPECT_OK(sys_munmap((uintptr_t)r, PG));
}

CASE(no_map_type, "flags without MAP_SHARED or MAP_PRIVATE fail with EINVAL")
{
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_ANONYMOUS, -1, 0), -EINVAL);
}

CASE(bad_map_type, "a mapping type other than MAP_SHARED, MAP_PRIVATE (or MAP_SHARED_VALIDATE) fails with EINVAL")
{
	EXPECT_ERRNO(sys_mmap(0, PG, RW, 0x04 | MAP_ANONYMOUS, -1, 0), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, 0x0f | MAP_ANONYMOUS, -1, 0), -EINVAL);
}

CASE(shared_validate_anon, "MAP_SHARED_VALIDATE (= MAP_SHARED|MAP_PRIVATE) with MAP_ANONYMOUS fails with EINVAL: only file mappings take it")
{
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0), -EINVAL);
}

CASE(unknown_flags_ignored, "unknown flag bits are ignored (only MAP_SHARED_VALIDATE rejects them)")
{
	long r = sys_mmap(0, PG, RW, ANON_PRIVATE | 0x400000, -1, 0);

	EXPECT_OK(r);
	*(volatile char *)r = 1;
	EXPECT_OK(sys_munmap((uintptr_t)r, PG));
}

CASE(unknown_prot_ignored, "mmap ignores unknown PROT bits (mprotect rejects them)")
{
	long r = sys_mmap(0, PG, RW | 0x10, ANON_PRIVATE, -1, 0);

	EXPECT_OK(r);
	EXPECT_VMAS((uintptr_t)r, (uintptr_t)r + PG, { (uintptr_t)r, (uintptr_t)r + PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap((uintptr_t)r, PG));
}

CASE(fd_ignored_anon, "with MAP_ANONYMOUS the fd is ignored, even one that is not open")
{
	long r = sys_mmap(0, PG, RW, ANON_PRIVATE, 1000, 0);

	EXPECT_OK(r);
	EXPECT_OK(sys_munmap((uintptr_t)r, PG));
}

CASE(file_bad_fd, "without MAP_ANONYMOUS the mapping needs a file: fd -1 or a closed fd fails with EBADF")
{
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_PRIVATE, -1, 0), -EBADF);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_SHARED, 1000, 0), -EBADF);
}

CASE(hint_honoured, "a hint is used as the address when the range there is free")
{
	uintptr_t h = free_range(4 * PG);

	EXPECT_EQ(sys_mmap(h + PG, 2 * PG, RW, ANON_PRIVATE, -1, 0), h + PG);
	EXPECT_MAPPED(h + PG, 2 * PG);
	EXPECT_OK(sys_munmap(h + PG, 2 * PG));
}

CASE(hint_unaligned, "an unaligned hint is rounded DOWN to its page on x86 (addr &= PAGE_MASK; the generic code rounds up) and used when free")
{
	uintptr_t h = free_range(4 * PG);

	EXPECT_EQ(sys_mmap(h + PG + 100, PG, RW, ANON_PRIVATE, -1, 0), h + PG);
	EXPECT_OK(sys_munmap(h + PG, PG));
}

CASE(hint_busy, "a hint over an existing mapping is not used: mmap picks another range and leaves the old one alone")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);
	long r;

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 2);
	r = sys_mmap(p, 2 * PG, RW, ANON_PRIVATE, -1, 0);
	EXPECT_OK(r);
	EXPECT_TRUE((uintptr_t)r + 2 * PG <= p || (uintptr_t)r >= p + 2 * PG);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 2));
	EXPECT_TRUE(is_zero((uintptr_t)r, 2 * PG));
	EXPECT_OK(sys_munmap(p, 2 * PG));
	EXPECT_OK(sys_munmap((uintptr_t)r, 2 * PG));
}

CASE(hint_kernel, "a hint in kernel space is ignored: the mapping goes to a user address")
{
	long r = sys_mmap(KERNEL_ADDR, PG, RW, ANON_PRIVATE, -1, 0);

	EXPECT_OK(r);
	EXPECT_TRUE((uintptr_t)r < TASK_SIZE);
	EXPECT_OK(sys_munmap((uintptr_t)r, PG));
}

CASE(fixed_replaces, "MAP_FIXED replaces the pages it covers (new ones read zero) and splits the old mapping")
{
	uintptr_t p = MMAP_ANON(0, 3 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 3);
	fill_pattern(p + PG, PG, 4);
	fill_pattern(p + 2 * PG, PG, 5);
	EXPECT_EQ(sys_mmap(p + PG, PG, PROT_READ, ANON_PRIVATE | MAP_FIXED, -1, 0), p + PG);
	EXPECT_TRUE(has_pattern(p, PG, 3));
	EXPECT_TRUE(is_zero(p + PG, PG));
	EXPECT_TRUE(!kernel_can_write(p + PG));
	EXPECT_TRUE(has_pattern(p + 2 * PG, PG, 5));
	EXPECT_VMAS(p, p + 3 * PG, { p, p + PG, RW, MAP_PRIVATE },
		    { p + PG, p + 2 * PG, PROT_READ, MAP_PRIVATE },
		    { p + 2 * PG, p + 3 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, 3 * PG));
}

CASE(fixed_spans_mappings, "MAP_FIXED over several mappings and holes replaces all of it with one mapping")
{
	uintptr_t h = free_range(6 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 4 * PG, 2 * PG, PROT_NONE, MAP_SHARED | MAP_FIXED));
	*(volatile char *)h = 1;
	EXPECT_EQ(sys_mmap(h, 5 * PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), h);
	EXPECT_MAPPED(h, 6 * PG);
	EXPECT_TRUE(is_zero(h, 5 * PG));
	EXPECT_VMAS(h, h + 6 * PG, { h, h + 5 * PG, RW, MAP_PRIVATE },
		    { h + 5 * PG, h + 6 * PG, PROT_NONE, MAP_SHARED });
	EXPECT_OK(sys_munmap(h, 6 * PG));
}

CASE(fixed_unaligned, "MAP_FIXED at an address that is not page-aligned fails with EINVAL")
{
	uintptr_t h = free_range(2 * PG);

	EXPECT_ERRNO(sys_mmap(h + 8, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -EINVAL);
	EXPECT_UNMAPPED(h, 2 * PG);
}

CASE(fixed_kernel, "MAP_FIXED in kernel space fails with ENOMEM")
{
	EXPECT_ERRNO(sys_mmap(KERNEL_ADDR, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -ENOMEM);
	EXPECT_ERRNO(sys_mmap(-PG, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -ENOMEM);
}

CASE(fixed_past_task_size, "MAP_FIXED reaching past TASK_SIZE (0x7ffffffff000: the last page below 128 TiB is never user memory) fails with ENOMEM")
{
	EXPECT_ERRNO(sys_mmap(TASK_SIZE, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -ENOMEM);
	EXPECT_ERRNO(sys_mmap(TASK_SIZE - PG, 2 * PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0),
		     -ENOMEM);
	EXPECT_ERRNO(sys_mmap(0x800000000000ul, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0),
		     -ENOMEM);
}

CASE(fixed_wraps, "MAP_FIXED whose end wraps around the address space fails with ENOMEM and maps nothing")
{
	uintptr_t h = free_range(PG);

	EXPECT_ERRNO(sys_mmap(h, -h, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -ENOMEM);
	EXPECT_UNMAPPED(h, PG);
}

CASE(noreplace_free, "MAP_FIXED_NOREPLACE maps exactly at a free address")
{
	uintptr_t h = free_range(2 * PG);

	EXPECT_EQ(sys_mmap(h, 2 * PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0), h);
	EXPECT_MAPPED(h, 2 * PG);
	EXPECT_OK(sys_munmap(h, 2 * PG));
}

CASE(noreplace_exists, "MAP_FIXED_NOREPLACE over any existing page fails with EEXIST and changes nothing")
{
	uintptr_t h = free_range(4 * PG);

	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	fill_pattern(h + 2 * PG, PG, 4);
	EXPECT_ERRNO(sys_mmap(h, 3 * PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0),
		     -EEXIST);
	EXPECT_ERRNO(sys_mmap(h + 2 * PG, 2 * PG, PROT_READ,
			      ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0),
		     -EEXIST);
	EXPECT_UNMAPPED(h, 2 * PG);
	EXPECT_UNMAPPED(h + 3 * PG, PG);
	EXPECT_TRUE(has_pattern(h + 2 * PG, PG, 4));
	EXPECT_OK(sys_munmap(h + 2 * PG, PG));
}

CASE(noreplace_unaligned, "MAP_FIXED_NOREPLACE at an unaligned address fails with EINVAL")
{
	uintptr_t h = free_range(2 * PG);

	EXPECT_ERRNO(sys_mmap(h + 1, PG, RW, ANON_PRIVATE | MAP_FIXED_NOREPLACE, -1, 0),
		     -EINVAL);
}

CASE(prot_none, "a PROT_NONE mapping exists (mincore sees it) but the kernel cannot write it")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, PROT_NONE, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_MAPPED(p, 2 * PG);
	EXPECT_TRUE(!kernel_can_write(p));
	EXPECT_VMAS(p, p + 2 * PG, { p, p + 2 * PG, PROT_NONE, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(prot_read_only, "a PROT_READ mapping reads zeros and the kernel cannot write it")
{
	uintptr_t p = MMAP_ANON(0, PG, PROT_READ, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_TRUE(is_zero(p, PG));
	EXPECT_TRUE(!kernel_can_write(p + 8));
	EXPECT_TRUE(is_zero(p, PG));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(prot_write_only_reads, "PROT_WRITE alone is readable: x86 pages cannot be write-only and Linux allows reads of any accessible mapping")
{
	uintptr_t p = MMAP_ANON(0, PG, PROT_WRITE, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(*(volatile uint64_t *)p, 0);
	*(volatile uint64_t *)p = 77;
	EXPECT_EQ(*(volatile uint64_t *)p, 77);
	EXPECT_VMAS(p, p + PG, { p, p + PG, PROT_WRITE, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(prot_exec_runs, "code written to a PROT_READ|PROT_WRITE|PROT_EXEC mapping runs")
{
	uintptr_t p = MMAP_ANON(0, PG, RW | PROT_EXEC, MAP_PRIVATE);

	EXPECT_TRUE(p);
	memcpy((void *)p, code_ret42, sizeof(code_ret42));
	EXPECT_EQ(((int (*)(void))p)(), 42);
	EXPECT_VMAS(p, p + PG, { p, p + PG, RW | PROT_EXEC, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(shared_anon, "MAP_SHARED|MAP_ANONYMOUS memory reads zeros, keeps writes and is reported as shared")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_SHARED);

	EXPECT_TRUE(p);
	EXPECT_TRUE(is_zero(p, 2 * PG));
	fill_pattern(p, 2 * PG, 5);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 5));
	EXPECT_VMAS(p, p + 2 * PG, { p, p + 2 * PG, RW, MAP_SHARED });
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(shared_growsdown, "MAP_GROWSDOWN with MAP_SHARED fails with EINVAL")
{
	EXPECT_ERRNO(sys_mmap(0, PG, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0),
		     -EINVAL);
}

CASE(populate, "MAP_POPULATE makes every page resident before mmap returns, still zero-filled")
{
	uintptr_t p = MMAP_ANON(0, 8 * PG, RW, MAP_PRIVATE | MAP_POPULATE);

	EXPECT_TRUE(p);
	for (uintptr_t a = p; a < p + 8 * PG; a += PG)
		EXPECT_EQ(page_resident(a), 1);
	EXPECT_TRUE(is_zero(p, 8 * PG));
	EXPECT_OK(sys_munmap(p, 8 * PG));
}

CASE(noreserve, "MAP_NORESERVE maps ordinary demand-zero memory")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE | MAP_NORESERVE);

	EXPECT_TRUE(p);
	EXPECT_EQ(page_resident(p), 0);
	EXPECT_TRUE(is_zero(p, 4 * PG));
	fill_pattern(p, 4 * PG, 6);
	EXPECT_TRUE(has_pattern(p, 4 * PG, 6));
	EXPECT_OK(sys_munmap(p, 4 * PG));
}

CASE(growsdown_grows, "a MAP_GROWSDOWN mapping grows down when the page below it is touched")
{
	uintptr_t h = free_range(4 << 20); /* room for Linux's 1 MiB stack guard gap */
	uintptr_t top = h + (4 << 20), p = top - 2 * PG;

	EXPECT_EQ(sys_mmap(p, 2 * PG, RW, ANON_PRIVATE | MAP_GROWSDOWN | MAP_FIXED, -1, 0), p);
	EXPECT_UNMAPPED(p - PG, PG);
	*(volatile char *)(p - 1) = 1;
	EXPECT_MAPPED(p - PG, 3 * PG);
	EXPECT_EQ(*(volatile char *)(p - 1), 1);
	EXPECT_VMAS(p - 2 * PG, top, { p - PG, top, RW, MAP_PRIVATE | MAP_GROWSDOWN });
	EXPECT_OK(sys_munmap(p - PG, 3 * PG));
}

CASE(adjacent_merge, "adjacent mappings with the same protection merge into one VMA; a different protection keeps them apart")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_FIXED));
	EXPECT_VMAS(h, h + 3 * PG, { h, h + 2 * PG, RW, MAP_PRIVATE },
		    { h + 2 * PG, h + 3 * PG, PROT_READ, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(h, 3 * PG));
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
