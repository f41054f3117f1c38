/*
 * test_mincore.c - mincore(2) as Linux x86_64 does it: the residency of
 * mapped pages, ENOMEM at the first unmapped page, and the errno of bad
 * arguments. The other tests rely on it to see mappings without touching
 * them.
 */
#include "utest.h"

CASE(residency, "mincore sets bit 0 for the pages that were touched and clears it for the others")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);
	unsigned char vec[4] = { 0xff, 0xff, 0xff, 0xff };

	EXPECT_TRUE(p);
	*(volatile char *)(p + PG) = 1;
	*(volatile char *)(p + 3 * PG) = 1;
	EXPECT_EQ(sys_mincore(p, 4 * PG, vec), 0);
	EXPECT_EQ(vec[0] & 1, 0);
	EXPECT_EQ(vec[1] & 1, 1);
	EXPECT_EQ(vec[2] & 1, 0);
	EXPECT_EQ(vec[3] & 1, 1);
	EXPECT_OK(sys_munmap(p, 4 * PG));
}

CASE(len_rounds_up, "an unaligned length covers the partial last page: one vector byte per page")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE | MAP_POPULATE);
	unsigned char vec[3] = { 0, 0, 0x55 };

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_mincore(p, PG + 1, vec), 0);
	EXPECT_EQ(vec[0] & 1, 1);
	EXPECT_EQ(vec[1] & 1, 1);
	EXPECT_EQ(vec[2], 0x55);
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(unmapped, "mincore of an unmapped page fails with ENOMEM")
{
	uintptr_t h = free_range(PG);
	unsigned char v;

	EXPECT_ERRNO(sys_mincore(h, PG, &v), -ENOMEM);
}

CASE(hole_after, "mincore of a range running from a mapping into a hole fails with ENOMEM")
{
	uintptr_t h = free_range(2 * PG);
	unsigned char vec[2];

	EXPECT_TRUE(MMAP_ANON(h, PG, RW, MAP_PRIVATE | MAP_FIXED));
	EXPECT_ERRNO(sys_mincore(h, 2 * PG, vec), -ENOMEM);
	EXPECT_OK(sys_munmap(h, PG));
}

CASE(unaligned, "mincore at an unaligned address fails with EINVAL")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);
	unsigned char v;

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mincore(p + 1, PG, &v), -EINVAL);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(len_zero, "mincore with length 0 succeeds and writes nothing")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);
	unsigned char v = 0x55;

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_mincore(p, 0, &v), 0);
	EXPECT_EQ(v, 0x55);
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(kernel_range, "mincore of a kernel range fails with ENOMEM (not a user range)")
{
	unsigned char v;

	EXPECT_ERRNO(sys_mincore(KERNEL_ADDR, PG, &v), -ENOMEM);
	EXPECT_ERRNO(sys_mincore(-PG, PG, &v), -ENOMEM);
}

CASE(bad_vec, "a vector in kernel space, unmapped, or read-only fails with EFAULT")
{
	uintptr_t p = MMAP_ANON(0, PG, PROT_READ, MAP_PRIVATE), h = free_range(PG);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mincore(p, PG, (unsigned char *)KERNEL_ADDR), -EFAULT);
	EXPECT_ERRNO(sys_mincore(p, PG, (unsigned char *)h), -EFAULT);
	EXPECT_ERRNO(sys_mincore(p, PG, (unsigned char *)p), -EFAULT);
	EXPECT_OK(sys_munmap(p, PG));
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
