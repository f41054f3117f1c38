/*
 * test_mprotect.c - mprotect(2) as Linux x86_64 does it: reducing and
 * restoring permissions with the contents kept, VMA splitting and merging,
 * ranges across several VMAs, holes (ENOMEM, with the part before the
 * hole already changed), running code after PROT_EXEC, and the errno of
 * bad arguments. Writability is probed through the kernel (a write that
 * fails with EFAULT instead of killing the program); the fault programs
 * (test_fault_*) check what a user access does.
 */
#include "utest.h"

CASE(read_only, "mprotect(PROT_READ) keeps the contents readable and makes the pages unwritable")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 1);
	EXPECT_EQ(sys_mprotect(p, 2 * PG, PROT_READ), 0);
	EXPECT_TRUE(!kernel_can_write(p));
	EXPECT_TRUE(!kernel_can_write(p + 2 * PG - 1));
	EXPECT_TRUE(has_pattern(p, 2 * PG, 1));
	EXPECT_VMAS(p, p + 2 * PG, { p, p + 2 * PG, PROT_READ, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(writable_again, "mprotect back to PROT_READ|PROT_WRITE allows writes again, contents intact")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, PG, 2);
	EXPECT_EQ(sys_mprotect(p, PG, PROT_READ), 0);
	EXPECT_EQ(sys_mprotect(p, PG, RW), 0);
	EXPECT_TRUE(has_pattern(p, PG, 2));
	fill_pattern(p, PG, 3);
	EXPECT_TRUE(has_pattern(p, PG, 3));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(none_and_back, "PROT_NONE keeps the pages (and their contents) for a later mprotect to make accessible")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 4);
	EXPECT_EQ(sys_mprotect(p, 2 * PG, PROT_NONE), 0);
	EXPECT_MAPPED(p, 2 * PG);
	EXPECT_EQ(page_resident(p), 1);
	EXPECT_TRUE(!kernel_can_write(p));
	EXPECT_VMAS(p, p + 2 * PG, { p, p + 2 * PG, PROT_NONE, MAP_PRIVATE });
	EXPECT_EQ(sys_mprotect(p, 2 * PG, PROT_READ), 0);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 4));
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(upgrade_untouched, "mprotect of never-touched pages to writable gives writable zero pages")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, PROT_NONE, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_mprotect(p, 2 * PG, RW), 0);
	EXPECT_TRUE(is_zero(p, 2 * PG));
	fill_pattern(p, 2 * PG, 5);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 5));
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(read_then_write, "a page first read (zero page) then made writable by mprotect takes writes")
{
	uintptr_t p = MMAP_ANON(0, PG, PROT_READ, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(*(volatile uint64_t *)p, 0);
	EXPECT_EQ(sys_mprotect(p, PG, RW), 0);
	*(volatile uint64_t *)p = 9;
	EXPECT_EQ(*(volatile uint64_t *)p, 9);
	EXPECT_TRUE(kernel_can_write(p + 8));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(split_middle, "mprotect of a middle page splits the VMA in three; only that page changes")
{
	uintptr_t p = MMAP_ANON(0, 3 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_mprotect(p + PG, PG, PROT_READ), 0);
	EXPECT_TRUE(kernel_can_write(p));
	EXPECT_TRUE(!kernel_can_write(p + PG));
	EXPECT_TRUE(kernel_can_write(p + 2 * PG));
	EXPECT_VMAS(p, p + 3 * PG, { p, p + PG, RW, MAP_PRIVATE },
		    { p + PG, p + 2 * PG, PROT_READ, MAP_PRIVATE },
		    { p + 2 * PG, p + 3 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, 3 * PG));
}

CASE(merge_back, "restoring the protection of the split page merges the three VMAs back into one")
{
	uintptr_t p = MMAP_ANON(0, 3 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_mprotect(p + PG, PG, PROT_READ), 0);
	EXPECT_EQ(sys_mprotect(p + PG, PG, RW), 0);
	EXPECT_TRUE(kernel_can_write(p + PG));
	EXPECT_VMAS(p, p + 3 * PG, { p, p + 3 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, 3 * PG));
}

CASE(spans_vmas, "mprotect across several adjacent VMAs changes them all; they merge where the commit accounting agrees (the written page keeps its charge, VM_ACCOUNT; the untouched one gives it back)")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + PG, PG, PROT_NONE, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, PG, RW | PROT_EXEC, MAP_PRIVATE | MAP_FIXED));
	fill_pattern(h, PG, 6);
	EXPECT_EQ(sys_mprotect(h, 3 * PG, PROT_READ), 0);
	for (uintptr_t a = h; a < h + 3 * PG; a += PG)
		EXPECT_TRUE(!kernel_can_write(a));
	EXPECT_TRUE(has_pattern(h, PG, 6));
	EXPECT_TRUE(is_zero(h + PG, 2 * PG));
	EXPECT_VMAS(h, h + 3 * PG, { h, h + PG, PROT_READ, MAP_PRIVATE },
		    { h + PG, h + 3 * PG, PROT_READ, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(h, 3 * PG));
}

CASE(hole_enomem, "mprotect of a range with a hole fails with ENOMEM")
{
	uintptr_t h = free_range(3 * PG);

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 2 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_ERRNO(sys_mprotect(h, 3 * PG, PROT_READ), -ENOMEM);
	EXPECT_UNMAPPED(h + PG, PG);
	EXPECT_OK(sys_munmap(h, 3 * PG));
}

CASE(hole_partly_applied, "mprotect stopped by a hole has already changed the VMAs before the hole (Linux goes VMA by VMA), not those after it")
{
	uintptr_t h = free_range(4 * PG);

	EXPECT_TRUE(MMAP_ANON(h, 2 * PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_TRUE(MMAP_ANON(h + 3 * PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_ERRNO(sys_mprotect(h + PG, 3 * PG, PROT_READ), -ENOMEM);
	EXPECT_TRUE(kernel_can_write(h));
	EXPECT_TRUE(!kernel_can_write(h + PG));
	EXPECT_TRUE(kernel_can_write(h + 3 * PG));
	EXPECT_VMAS(h, h + 4 * PG, { h, h + PG, RW, MAP_PRIVATE },
		    { h + PG, h + 2 * PG, PROT_READ, MAP_PRIVATE },
		    { h + 3 * PG, h + 4 * PG, RW, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(h, 4 * PG));
}

CASE(unmapped_start, "mprotect of a range that starts in a hole fails with ENOMEM and changes nothing")
{
	uintptr_t h = free_range(2 * PG);

	EXPECT_TRUE(MMAP_ANON(h + PG, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_ERRNO(sys_mprotect(h, 2 * PG, PROT_READ), -ENOMEM);
	EXPECT_TRUE(kernel_can_write(h + PG));
	EXPECT_ERRNO(sys_mprotect(h, PG, PROT_READ), -ENOMEM);
	EXPECT_OK(sys_munmap(h + PG, PG));
}

CASE(unaligned, "mprotect at an unaligned address fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mprotect(p + 1, PG, PROT_READ), -EINVAL);
	EXPECT_TRUE(kernel_can_write(p));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(len_zero, "mprotect with length 0 succeeds without looking at the range, even an unmapped one")
{
	uintptr_t h = free_range(PG);

	EXPECT_EQ(sys_mprotect(h, 0, PROT_READ), 0);
	EXPECT_EQ(sys_mprotect(KERNEL_ADDR, 0, PROT_READ), 0);
}

CASE(len_rounds_up, "an unaligned length is rounded up: mprotect(p, 1) changes the whole first page")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_mprotect(p, 1, PROT_READ), 0);
	EXPECT_TRUE(!kernel_can_write(p + PG - 1));
	EXPECT_TRUE(kernel_can_write(p + PG));
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(len_overflows, "a range whose end wraps around fails with ENOMEM")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mprotect(p, -PG, PROT_READ), -ENOMEM);
	EXPECT_TRUE(kernel_can_write(p));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(kernel_range, "mprotect of a kernel address fails with ENOMEM (no VMA there)")
{
	EXPECT_ERRNO(sys_mprotect(KERNEL_ADDR, PG, PROT_READ), -ENOMEM);
}

CASE(unknown_prot, "unknown PROT bits fail with EINVAL and change nothing")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mprotect(p, PG, PROT_READ | 0x10), -EINVAL);
	EXPECT_ERRNO(sys_mprotect(p, PG, 0x40000000), -EINVAL);
	EXPECT_TRUE(kernel_can_write(p));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(prot_sem_accepted, "PROT_SEM is a valid protection bit that x86 ignores")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_mprotect(p, PG, PROT_READ | PROT_SEM), 0);
	EXPECT_TRUE(!kernel_can_write(p));
	EXPECT_VMAS(p, p + PG, { p, p + PG, PROT_READ, MAP_PRIVATE });
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(growsdown_and_up, "PROT_GROWSDOWN together with PROT_GROWSUP fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mprotect(p, PG, PROT_READ | PROT_GROWSDOWN | PROT_GROWSUP), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(growsdown_flag_plain_vma, "PROT_GROWSDOWN on a mapping without MAP_GROWSDOWN fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mprotect(p, PG, PROT_READ | PROT_GROWSDOWN), -EINVAL);
	EXPECT_TRUE(kernel_can_write(p));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(exec_runs, "code written to a RW page runs after mprotect(PROT_READ|PROT_EXEC)")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	memcpy((void *)p, code_ret42, sizeof(code_ret42));
	EXPECT_EQ(sys_mprotect(p, PG, PROT_READ | PROT_EXEC), 0);
	EXPECT_EQ(((int (*)(void))p)(), 42);
	EXPECT_TRUE(!kernel_can_write(p + 100));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(shared_keeps_type, "mprotect of part of a MAP_SHARED mapping splits it; every piece stays shared")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_SHARED);

	EXPECT_TRUE(p);
	fill_pattern(p, 2 * PG, 7);
	EXPECT_EQ(sys_mprotect(p + PG, PG, PROT_READ), 0);
	EXPECT_TRUE(has_pattern(p, 2 * PG, 7));
	EXPECT_TRUE(!kernel_can_write(p + PG));
	EXPECT_VMAS(p, p + 2 * PG, { p, p + PG, RW, MAP_SHARED },
		    { p + PG, p + 2 * PG, PROT_READ, MAP_SHARED });
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
