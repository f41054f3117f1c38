/*
 * test_fault_write_ro.c - a write to a PROT_READ mapping that was never
 * touched (no page behind it yet) kills the program with SIGSEGV, as on
 * Linux: the fault is not resolved by mapping a writable page.
 */
#include "ulib.h"

int main(void)
{
	long p = sys_mmap(0, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (SYS_IS_ERR(p)) {
		printf("FAIL mmap = %ld (%s)\n", p, errno_name(-p));
		return 1;
	}
	expect_fault((uintptr_t)p, (uintptr_t)p + PAGE_SIZE, TB_ACCESS_WRITE);
	*(volatile char *)(p + 8) = 1;
	printf("FAIL the write to read-only memory did not fault\n");
	return 1;
}
