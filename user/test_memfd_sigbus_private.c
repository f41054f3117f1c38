/*
 * test_memfd_sigbus_private.c - a MAP_PRIVATE mapping may reach past the
 * end of its memfd, but a write to a page wholly past it is SIGBUS, as on
 * Linux: there is no page of the file to copy.
 */
#include "hostile.h"

int main(void)
{
	uintptr_t p;
	long fd = memfd_mapped(100, 2 * PAGE_SIZE, MAP_PRIVATE, &p);

	if (fd < 0) {
		printf("FAIL a mapped memfd: %s\n", errno_name(-fd));
		return 1;
	}
	*(volatile char *)(p + PAGE_SIZE - 1) = 1;
	expect_signal(SIGBUS);
	*(volatile char *)(p + PAGE_SIZE) = 1;
	printf("FAIL the write to a page past the end did not fault\n");
	return 1;
}
