/*
 * test_fault_kernel_addr.c - a user read of a kernel address (canonical,
 * in the upper half) kills the program with SIGSEGV, as on Linux: the
 * kernel's pages are supervisor-only.
 */
#include "ulib.h"

int main(void)
{
	expect_fault(KERNEL_ADDR, KERNEL_ADDR + PAGE_SIZE, 0);
	printf("FAIL read %d from a kernel address\n", *(volatile char *)KERNEL_ADDR);
	return 1;
}
