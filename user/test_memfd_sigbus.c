/*
 * test_memfd_sigbus.c - ftruncate that shrinks a memfd takes its pages
 * out of every mapping at once: a page of a shared mapping that was
 * mapped and written before the shrink, now wholly past the end, must
 * fault, and the fault is SIGBUS, as on Linux (a stale entry would let the
 * read through, to a freed frame).
 */
#include "hostile.h"

int main(void)
{
	uintptr_t p;
	long fd = memfd_mapped(2 * PAGE_SIZE, 4 * PAGE_SIZE, MAP_SHARED, &p);

	if (fd < 0) {
		printf("FAIL a mapped memfd: %s\n", errno_name(-fd));
		return 1;
	}
	*(volatile char *)p = 1;
	*(volatile char *)(p + PAGE_SIZE) = 2;
	if (sys_ftruncate(fd, PAGE_SIZE) != 0 || *(volatile char *)p != 1) {
		printf("FAIL the shrink to one page\n");
		return 1;
	}
	expect_signal(SIGBUS);
	printf("read past the end: %d\n", *(volatile char *)(p + PAGE_SIZE));
	printf("FAIL the read of a page past the end did not fault\n");
	return 1;
}
