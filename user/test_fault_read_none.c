/*
 * test_fault_read_none.c - a read of a PROT_NONE mapping kills the program
 * with SIGSEGV, as on Linux.
 */
#include "ulib.h"

int main(void)
{
	long p = sys_mmap(0, 2 * PAGE_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (SYS_IS_ERR(p)) {
		printf("FAIL mmap = %ld (%s)\n", p, errno_name(-p));
		return 1;
	}
	expect_fault((uintptr_t)p, (uintptr_t)p + 2 * PAGE_SIZE, 0);
	printf("FAIL read %d from PROT_NONE memory\n", *(volatile char *)(p + PAGE_SIZE));
	return 1;
}
