/*
 * race.h - the race shared by test_mt_munmap and test_mt_mprotect: every
 * thread of the process writes into one region in a loop while thread 0
 * revokes write access to it (munmap or mprotect(PROT_READ)). Once the
 * revoking call has returned, no thread may write there any more:
 *
 *   1. each thread checks, without dying, that the kernel can no longer
 *      write the region from its CPU (a stale TLB entry would let it) and
 *      what it can still see of it (race_ops.check_after);
 *   2. then each thread writes for real: the program must die by SIGSEGV,
 *      which thread 0 announced (expect_fault) before revoking. A thread
 *      whose write goes through prints FAIL and exits 1.
 *
 * Writes that fault while the call runs are fine: they are in the
 * announced range.
 */
#ifndef USER_RACE_H
#define USER_RACE_H

#include "thread.h"

#define RACE_PAGES 16

struct race_ops {
	const char *what; /* "munmap" ... */
	long (*revoke)(uintptr_t addr, size_t len);
	/* Runs in every thread after revoke returned: true if what the thread
	 * sees is right. last: the value this thread last wrote at slot. */
	bool (*check_after)(uintptr_t region, uintptr_t slot, uint64_t last);
};

/* Runs the race on the threads team_size(argc, argv) gives. The process
 * dies by the announced fault, or exits 1 on a failed check; race_run
 * itself returns (1) only if it cannot map the region. */
int race_run(int argc, char **argv, const struct race_ops *ops);

#endif
