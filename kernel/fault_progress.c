/*
 * Page faults that make no progress (kernel/fault_progress.h).
 *
 * A fault that aspace_fault resolves by changing nothing is right to retry
 * once: the #PF itself drops the faulting CPU's translation of the
 * address, so the retry walks the current page tables. If the retry faults
 * the same way again, either another thread made the entry refuse the
 * access and then allow it again in between (an mprotect that lowers and
 * raises the rights, a munmap and a fault that maps the page back), or the
 * CPU faults for a reason the address space does not model at all: QEMU's
 * TCG performs the stack accesses of a ring-3 iretq, lretq or far call as
 * supervisor accesses and SMAP refuses them, on a page whose entry allows
 * every user access. The second kind never ends by itself, and the CPU
 * spins in the fault forever without a word.
 *
 * The bound: a thread is pinned to its CPU, so a stale TLB entry explains
 * at most one such result in a row for the same fault. Each further one
 * needs another thread to finish a change of the entry and its undoing
 * between this thread's retry and its fault handler's look at the entry,
 * round after round; a few such rounds can happen by chance when threads
 * mprotect the pages that others are writing, sixteen in a row cannot
 * without a program that aims for them. Sixteen round trips through the
 * fault handler cost microseconds, so a fault that cannot make progress
 * ends at once; a program built to starve one of its own threads by
 * flipping protections is killed where Linux would let it spin, which is
 * no loss.
 *
 * The same fault is the same instruction, address and error code: a
 * different one, or any result that changed the tables (or refused the
 * access), starts the count again. (So an instruction whose retries fault
 * spuriously on two addresses in turn would escape the bound; nothing
 * known does.)
 */
#include <kernel/fault_progress.h>
#include <mm/aspace.h>

bool fault_progress_check(struct fault_progress *fp, uint64_t rip, uint64_t addr, uint64_t error,
			  int rc)
{
	if (rc != ASPACE_FAULT_SPURIOUS) {
		fp->spurious = 0;
		return true;
	}
	if (fp->spurious == 0 || fp->rip != rip || fp->addr != addr || fp->error != error)
		*fp = (struct fault_progress){rip, addr, error, 0};
	if (++fp->spurious < FAULT_SPURIOUS_MAX)
		return true;
	fp->spurious = 0;
	return false;
}
