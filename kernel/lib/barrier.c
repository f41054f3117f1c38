/*
 * Generation-counting barrier; see kernel/barrier.h. The arrival that
 * completes a round resets `arrived` before publishing the new generation
 * with a release store, so a waiter that sees the new generation also sees
 * the reset count and can arrive at the next round at once.
 *
 * Portable (the hosted benchmark builds it too): a waiter spins with
 * barrier_relax(), which its environment defines.
 */
#include "kernel/barrier.h"

void barrier_init(struct barrier *b, unsigned n)
{
	b->n = n;
	atomic_init(&b->arrived, 0);
	atomic_init(&b->generation, 0);
}

void barrier_wait(struct barrier *b)
{
	unsigned gen = atomic_load_explicit(&b->generation, memory_order_acquire);

	if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) == b->n - 1) {
		atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
		atomic_store_explicit(&b->generation, gen + 1, memory_order_release);
		return;
	}
	while (atomic_load_explicit(&b->generation, memory_order_acquire) == gen)
		barrier_relax();
}
