/*
 * A bound on page faults that the kernel "resolves" without changing
 * anything (kernel/fault_progress.c has the design and the choice of the
 * bound).
 *
 * aspace_fault returns ASPACE_FAULT_SPURIOUS when the page-table entry
 * already allowed the access; the faulting instruction is then retried.
 * Each user thread keeps a struct fault_progress, and every fault it takes
 * -- its own in ring 3, and the kernel's copies to and from its memory --
 * goes through fault_progress_check with aspace_fault's result. Once the
 * same fault has been resolved FAULT_SPURIOUS_MAX times in a row without a
 * change, the caller stops retrying: a ring-3 fault kills the process, a
 * copy fails with -EFAULT.
 *
 * Locking: none. The state belongs to one thread, and a thread runs on one
 * CPU only (kernel/proc.c).
 */
#ifndef KERNEL_FAULT_PROGRESS_H
#define KERNEL_FAULT_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define FAULT_SPURIOUS_MAX 16

struct fault_progress {
	uint64_t rip, addr, error;	/* the fault last resolved without a change */
	unsigned spurious;		/* how often in a row; 0 after any other result */
};

/* Records aspace_fault's result rc for the fault of the instruction at rip
 * on addr with this error code. false if that made FAULT_SPURIOUS_MAX
 * results in a row that changed nothing for the same fault: do not retry
 * it (the count starts again from 0). true otherwise; the caller acts on
 * rc as before. */
bool fault_progress_check(struct fault_progress *fp, uint64_t rip, uint64_t addr, uint64_t error,
			  int rc);

#endif
