/*
 * Futex wait queues for user threads (kernel/futex.c has the design): the
 * mechanism behind Linux's futex(2) FUTEX_WAIT, FUTEX_WAKE and
 * FUTEX_REQUEUE, and CLONE_CHILD_CLEARTID's wake at thread exit. A futex
 * is named by its address space and its user address, 4-byte aligned and
 * inside the user window (the caller checks both).
 */
#ifndef KERNEL_FUTEX_H
#define KERNEL_FUTEX_H

#include <stdint.h>

struct aspace;

/* A deadline that never comes: wait until woken. */
#define FUTEX_FOREVER UINT64_MAX

/*
 * If the u32 at uaddr of as holds val, waits until a wake picks this
 * thread (0), the TSC passes deadline (-ETIMEDOUT), or the thread is asked
 * to stop (-EINTR; the syscall's return then ends it). -EAGAIN if the
 * value differs, -EFAULT if it cannot be read. A wake that picked the
 * thread always counts: then the result is 0 whatever else happened.
 * Syscall context, interrupts on.
 */
long futex_wait(struct aspace *as, uintptr_t uaddr, uint32_t val, uint64_t deadline);

/*
 * Wakes up to nr_wake threads waiting on uaddr, oldest first, then moves
 * up to nr_requeue more of its waiters to wait on uaddr2 instead; returns
 * how many were woken or moved. Both counts >= 0. Any context that may
 * take a spinlock with interrupts off.
 */
long futex_wake_requeue(struct aspace *as, uintptr_t uaddr, long nr_wake, uintptr_t uaddr2,
			long nr_requeue);

static inline long futex_wake(struct aspace *as, uintptr_t uaddr, long nr)
{
	return futex_wake_requeue(as, uaddr, nr, 0, 0);
}

#endif
