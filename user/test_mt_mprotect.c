/*
 * test_mt_mprotect.c - one thread per CPU writes into a region while
 * thread 0 makes it read-only (lib/race.c). Linux's rule: once
 * mprotect(PROT_READ) has returned, every thread still reads what it last
 * wrote, the kernel cannot write the region, and the next user write of
 * any thread faults, so the program dies by SIGSEGV. Optional argv[1]: the
 * number of threads.
 */
#include "race.h"
#include "utest.h"

static long make_read_only(uintptr_t addr, size_t len)
{
	return sys_mprotect(addr, len, PROT_READ);
}

static bool still_readable(uintptr_t region, uintptr_t slot, uint64_t last)
{
	return pages_mapped(region, RACE_PAGES * PAGE_SIZE) == RACE_PAGES &&
	       *(volatile uint64_t *)slot == last;
}

int main(int argc, char **argv)
{
	static const struct race_ops ops = { "mprotect(PROT_READ)", make_read_only, still_readable };

	return race_run(argc, argv, &ops);
}
