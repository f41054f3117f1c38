/*
 * test_fault_exec_nx.c - jumping to code in a PROT_READ|PROT_WRITE page
 * kills the program with SIGSEGV, as on Linux with NX: a mapping without
 * PROT_EXEC is not executable even though it is readable.
 */
#include "utest.h"

int main(void)
{
	long p = sys_mmap(0, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (SYS_IS_ERR(p)) {
		printf("FAIL mmap = %ld (%s)\n", p, errno_name(-p));
		return 1;
	}
	memcpy((void *)p, code_ret42, sizeof(code_ret42));
	expect_fault((uintptr_t)p, (uintptr_t)p + PAGE_SIZE, TB_ACCESS_EXEC);
	printf("FAIL code in a non-executable page ran and returned %d\n", ((int (*)(void))p)());
	return 1;
}
