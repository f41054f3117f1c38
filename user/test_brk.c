/*
 * test_brk.c - brk(2) as Linux x86_64 does it. The raw system call returns
 * the new break, or the unchanged old one when it refuses (no errno): it
 * grows into demand-zero memory, keeps an unaligned break as it was asked
 * for (mapping whole pages), shrinks by unmapping, and refuses to go below
 * its start or into another mapping.
 */
#include "utest.h"

static uintptr_t page_up(uintptr_t a)
{
	return (a + PG - 1) & ~(PG - 1);
}

CASE(query, "brk(0) returns the current break without changing it")
{
	uintptr_t cur = sys_brk(0);

	EXPECT_TRUE(cur != 0);
	EXPECT_EQ(sys_brk(0), cur);
}

CASE(grow, "growing the break maps zero-filled writable memory up to it")
{
	uintptr_t cur = sys_brk(0), base = page_up(cur);

	EXPECT_EQ(sys_brk(base + 3 * PG), base + 3 * PG);
	EXPECT_MAPPED(base, 3 * PG);
	EXPECT_TRUE(is_zero(base, 3 * PG));
	fill_pattern(base, 3 * PG, 1);
	EXPECT_TRUE(has_pattern(base, 3 * PG, 1));
	EXPECT_EQ(sys_brk(cur), cur);
}

CASE(unaligned, "an unaligned break is returned exactly as asked; the page holding it is mapped")
{
	uintptr_t cur = sys_brk(0), base = page_up(cur);

	EXPECT_EQ(sys_brk(base + PG + 100), base + PG + 100);
	EXPECT_EQ(sys_brk(0), base + PG + 100);
	EXPECT_MAPPED(base, 2 * PG);
	*(volatile char *)(base + 2 * PG - 1) = 1;
	EXPECT_EQ(sys_brk(cur), cur);
}

CASE(shrink, "shrinking the break unmaps the whole pages above it")
{
	uintptr_t cur = sys_brk(0), base = page_up(cur);

	EXPECT_EQ(sys_brk(base + 4 * PG), base + 4 * PG);
	fill_pattern(base, 4 * PG, 2);
	EXPECT_EQ(sys_brk(base + PG), base + PG);
	EXPECT_MAPPED(base, PG);
	EXPECT_UNMAPPED(base + PG, 3 * PG);
	EXPECT_TRUE(has_pattern(base, PG, 2));
	EXPECT_EQ(sys_brk(cur), cur);
}

CASE(regrow_zero, "pages given back by shrinking read zeros when the break grows again")
{
	uintptr_t cur = sys_brk(0), base = page_up(cur);

	EXPECT_EQ(sys_brk(base + 2 * PG), base + 2 * PG);
	fill_pattern(base, 2 * PG, 3);
	EXPECT_EQ(sys_brk(base), base);
	EXPECT_EQ(sys_brk(base + 2 * PG), base + 2 * PG);
	EXPECT_TRUE(is_zero(base, 2 * PG));
	EXPECT_EQ(sys_brk(cur), cur);
}

CASE(below_start, "a break below the start of the heap is refused: brk returns the old break")
{
	uintptr_t cur = sys_brk(0);

	EXPECT_EQ(sys_brk(PG), cur);
	EXPECT_EQ(sys_brk(0x10000), cur);
	EXPECT_EQ(sys_brk(0), cur);
}

CASE(kernel_addr, "a break in kernel space or past TASK_SIZE is refused: brk returns the old break")
{
	uintptr_t cur = sys_brk(0);

	EXPECT_EQ(sys_brk(KERNEL_ADDR), cur);
	EXPECT_EQ(sys_brk(0x800000000000ul), cur);
	EXPECT_EQ(sys_brk(0), cur);
}

CASE(into_mapping, "the break cannot grow into (or up to the guard page of) another mapping: brk returns the old break")
{
	uintptr_t cur = sys_brk(0), base = page_up(cur);

	EXPECT_EQ(sys_mmap(base + 4 * PG, PG, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			   -1, 0),
		  base + 4 * PG);
	EXPECT_EQ(sys_brk(base + 8 * PG), cur);
	EXPECT_EQ(sys_brk(base + 4 * PG), cur);
	EXPECT_EQ(sys_brk(base + 2 * PG), base + 2 * PG);
	EXPECT_OK(sys_munmap(base + 4 * PG, PG));
	EXPECT_EQ(sys_brk(cur), cur);
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
