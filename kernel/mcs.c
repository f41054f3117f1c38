/*
 * MCS lock; see kernel/mcs.h. The exchange on `tail` orders waiters. A
 * releaser that finds no successor yet but loses the CAS on `tail` knows
 * one is linking itself in, and waits for the link before handing over.
 */
#include <stddef.h>

#include <kernel/mcs.h>

void mcs_lock(struct mcs_lock *l, struct mcs_node *me)
{
	atomic_store_explicit(&me->next, NULL, memory_order_relaxed);
	atomic_store_explicit(&me->locked, true, memory_order_relaxed);
	struct mcs_node *prev = atomic_exchange_explicit(&l->tail, me, memory_order_acq_rel);
	if (!prev)
		return;
	atomic_store_explicit(&prev->next, me, memory_order_release);
	while (atomic_load_explicit(&me->locked, memory_order_acquire))
		cpu_relax();
}

void mcs_unlock(struct mcs_lock *l, struct mcs_node *me)
{
	struct mcs_node *next = atomic_load_explicit(&me->next, memory_order_acquire);
	if (!next) {
		struct mcs_node *expect = me;
		if (atomic_compare_exchange_strong_explicit(&l->tail, &expect, NULL,
							    memory_order_release,
							    memory_order_relaxed))
			return;
		while (!(next = atomic_load_explicit(&me->next, memory_order_acquire)))
			cpu_relax();
	}
	atomic_store_explicit(&next->locked, false, memory_order_release);
}
