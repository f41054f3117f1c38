/*
 * test_mt_munmap.c - one thread per CPU writes into a region while thread
 * 0 unmaps it (lib/race.c). Linux's rule: once munmap has returned, the
 * range is gone for every thread: mincore finds nothing there, the kernel
 * cannot write it, and the next user write of any thread faults, so the
 * program dies by SIGSEGV. Optional argv[1]: the number of threads.
 */
#include "race.h"
#include "utest.h"

static long do_munmap(uintptr_t addr, size_t len)
{
	return sys_munmap(addr, len);
}

static bool gone(uintptr_t region, uintptr_t slot, uint64_t last)
{
	(void)slot;
	(void)last;
	return pages_mapped(region, RACE_PAGES * PAGE_SIZE) == 0;
}

int main(int argc, char **argv)
{
	static const struct race_ops ops = { "munmap", do_munmap, gone };

	return race_run(argc, argv, &ops);
}
