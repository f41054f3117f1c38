/*
 * test_fault_after_mremap.c - after mremap moved a mapping away
 * (MREMAP_MAYMOVE|MREMAP_FIXED), the data is at the new address and a
 * write to the old one kills the program with SIGSEGV, as on Linux.
 */
#include "ulib.h"

#define LEN (2 * PAGE_SIZE)

int main(void)
{
	long p = sys_mmap(0, 2 * LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t old = (uintptr_t)p, dst = (uintptr_t)p + LEN;

	if (SYS_IS_ERR(p)) {
		printf("FAIL mmap = %ld (%s)\n", p, errno_name(-p));
		return 1;
	}
	*(volatile long *)old = 42;
	if (sys_mremap(old, LEN, LEN, MREMAP_MAYMOVE | MREMAP_FIXED, dst) != (long)dst ||
	    *(volatile long *)dst != 42) {
		printf("FAIL mremap did not move the page\n");
		return 1;
	}
	expect_fault(old, old + LEN, TB_ACCESS_WRITE);
	*(volatile long *)old = 1;
	printf("FAIL the write to the old range of a moved mapping did not fault\n");
	return 1;
}
