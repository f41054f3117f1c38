/*
 * MCS queue lock (Mellor-Crummey and Scott, 1991). Each waiter spins on a
 * flag in its own queue node, so a contended handover touches one remote
 * cache line instead of all of them. The node lives on the caller's stack
 * for the duration of the critical section; lock and unlock must be given
 * the same node. FIFO like the ticket lock.
 */
#ifndef KERNEL_MCS_H
#define KERNEL_MCS_H

#include <stdatomic.h>
#include <stdbool.h>

#include <arch/irqflags.h>

struct mcs_node {
	_Atomic(struct mcs_node *) next;
	_Atomic bool locked;
};

struct mcs_lock {
	_Atomic(struct mcs_node *) tail;
};

#define MCS_LOCK_INIT {NULL}

void mcs_lock(struct mcs_lock *l, struct mcs_node *me);
void mcs_unlock(struct mcs_lock *l, struct mcs_node *me);

static inline irqflags_t mcs_lock_irqsave(struct mcs_lock *l, struct mcs_node *me)
{
	irqflags_t f = irq_save();
	mcs_lock(l, me);
	return f;
}

static inline void mcs_unlock_irqrestore(struct mcs_lock *l, struct mcs_node *me, irqflags_t f)
{
	mcs_unlock(l, me);
	irq_restore(f);
}

#endif
