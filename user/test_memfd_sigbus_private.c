/*
 * test_memfd_sigbus_private.c - a MAP_PRIVATE mapping may reach past the
 * end of its memfd, but a write to a page wholly past it is SIGBUS, as on
 * Linux: there is no page of the file to copy.
 */
#include "hostile.h"

int main(void)
{
	long fd = sys_memfd_create("sigbus", 0);
	long p;

	if (fd < 0 || sys_ftruncate(fd, 100) != 0) {
		printf("FAIL memfd_create or ftruncate: %ld\n", fd);
		return 1;
	}
	p = sys_mmap(0, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (SYS_IS_ERR(p)) {
		printf("FAIL mmap = %ld (%s)\n", p, errno_name(-p));
		return 1;
	}
	*(volatile char *)(p + PAGE_SIZE - 1) = 1;
	expect_signal(SIGBUS);
	*(volatile char *)(p + PAGE_SIZE) = 1;
	printf("FAIL the write to a page past the end did not fault\n");
	return 1;
}
