/*
 * hostile_many_vmas.c - 65,000 VMAs in one address space, then one munmap
 * of them all. A mapping of 65,000 pages becomes 65,000 VMAs by making
 * every other page read-only (alternating protections never merge); a
 * page in every 64 is touched, so that page tables and frames come and go
 * with them. The kernel must hold them all, find every page (tb_vmas
 * counts them, mincore sees them), check its own invariants (tb_check),
 * and take them down in one call; the launcher checks that every frame
 * came back. Linux allows this many: its default vm.max_map_count is
 * 65,530, and the program has only a few VMAs of its own. The mapping is
 * MAP_NORESERVE: 254 MiB may be more than the machine's RAM, which
 * overcommit mode 0 refuses to commit in one piece (as Linux does).
 */
#include "utest.h"

#define PAGES 65000ul
#define TOUCH_EVERY 64

/* The mapping has a free page on either side, so that no neighbour merges
 * with its ends and every count below is exact. */
int main(void)
{
	uintptr_t p = free_range((PAGES + 2) * PG) + PG;
	long before = tb_vmas(0, 0), during;
	long r = sys_mmap(p, PAGES * PG, RW,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);

	if (SYS_IS_ERR(r)) {
		printf("FAIL mmap of %lu pages = %ld (%s)\n", PAGES, r, errno_name(-r));
		return 1;
	}
	for (uintptr_t i = 0; i < PAGES; i += TOUCH_EVERY)
		*(volatile char *)(p + i * PG) = 1;
	for (uintptr_t i = 1; i < PAGES; i += 2) {
		r = sys_mprotect(p + i * PG, PG, PROT_READ);
		if (r) {
			printf("FAIL mprotect of page %lu = %ld (%s)\n", (unsigned long)i, r,
			       errno_name(-r));
			return 1;
		}
	}
	during = tb_vmas(0, 0);
	if (before != -ENOSYS && during != before + (long)PAGES) {
		printf("FAIL %ld VMAs, expected %ld\n", during, before + (long)PAGES);
		return 1;
	}
	if (pages_mapped(p + (PAGES - 64) * PG, 64 * PG) != 64) {
		printf("FAIL the last pages are not all mapped\n");
		return 1;
	}
	r = tb_check();
	if (r != 0 && r != -ENOSYS) {
		printf("FAIL tb_check = %ld with %ld VMAs\n", r, during);
		return 1;
	}
	r = sys_munmap(p, PAGES * PG);
	if (r || pages_mapped(p, 64 * PG) != 0 || (before != -ENOSYS && tb_vmas(0, 0) != before)) {
		printf("FAIL munmap of all = %ld, or something is left\n", r);
		return 1;
	}
	printf("%lu VMAs made and unmapped\n", PAGES);
	return 0;
}
