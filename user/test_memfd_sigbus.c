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
	long fd = sys_memfd_create("sigbus", 0);
	long p;

	if (fd < 0 || sys_ftruncate(fd, 2 * PAGE_SIZE) != 0) {
		printf("FAIL memfd_create or ftruncate: %ld\n", fd);
		return 1;
	}
	p = sys_mmap(0, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (SYS_IS_ERR(p)) {
		printf("FAIL mmap = %ld (%s)\n", p, errno_name(-p));
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
