/*
 * test_fault_write_mprotect.c - after mprotect(PROT_READ) of a page that
 * was written (its entry present and writable until then), the next write
 * kills the program with SIGSEGV, as on Linux: mprotect took the write
 * permission out of the page table and the TLB.
 */
#include "ulib.h"

int main(void)
{
	long p = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			  0);

	if (SYS_IS_ERR(p)) {
		printf("FAIL mmap = %ld (%s)\n", p, errno_name(-p));
		return 1;
	}
	*(volatile char *)p = 1;
	if (sys_mprotect((uintptr_t)p, PAGE_SIZE, PROT_READ)) {
		printf("FAIL mprotect\n");
		return 1;
	}
	expect_fault((uintptr_t)p, (uintptr_t)p + PAGE_SIZE, TB_ACCESS_WRITE);
	*(volatile char *)p = 2;
	printf("FAIL the write after mprotect(PROT_READ) did not fault\n");
	return 1;
}
