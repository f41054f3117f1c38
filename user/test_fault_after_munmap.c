/*
 * test_fault_after_munmap.c - a read of memory that was written and then
 * unmapped kills the program with SIGSEGV, as on Linux: munmap removed the
 * page-table entry and flushed the TLB entry the write had loaded.
 */
#include "ulib.h"

int main(void)
{
	long p = sys_mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	if (SYS_IS_ERR(p)) {
		printf("FAIL mmap = %ld (%s)\n", p, errno_name(-p));
		return 1;
	}
	for (int i = 0; i < 4; i++)
		*(volatile char *)(p + i * PAGE_SIZE) = 1;
	if (sys_munmap((uintptr_t)p + PAGE_SIZE, 2 * PAGE_SIZE)) {
		printf("FAIL munmap\n");
		return 1;
	}
	expect_fault((uintptr_t)p + PAGE_SIZE, (uintptr_t)p + 3 * PAGE_SIZE, 0);
	printf("FAIL read %d after munmap\n", *(volatile char *)(p + 2 * PAGE_SIZE));
	return 1;
}
