/*
 * Ticket spinlock: FIFO-fair, two 32-bit counters. A CPU takes a ticket
 * with one fetch-add on `next` and spins reading `owner` until it is its
 * turn; unlock is a plain release store. Under contention every waiter
 * spins on the same line, which is fine at the CPU counts we run and keeps
 * the uncontended path to one atomic.
 *
 * The _irqsave variants must be used for any lock that is also taken in
 * interrupt context; holding a plain lock while an interrupt handler on the
 * same CPU spins for it deadlocks.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <arch/irqflags.h>

typedef struct {
	_Atomic uint32_t next;
	_Atomic uint32_t owner;
} spinlock_t;

#define SPINLOCK_INIT {0, 0}

static inline void spin_lock_init(spinlock_t *l)
{
	atomic_init(&l->next, 0);
	atomic_init(&l->owner, 0);
}

/* Returns the ticket it was served with (the self-tests check FIFO order). */
static inline uint32_t spin_lock_ticket(spinlock_t *l)
{
	uint32_t t = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
	while (atomic_load_explicit(&l->owner, memory_order_acquire) != t)
		cpu_relax();
	return t;
}

static inline void spin_lock(spinlock_t *l)
{
	(void)spin_lock_ticket(l);
}

static inline bool spin_trylock(spinlock_t *l)
{
	/* Acquire pairs with the release in the unlock that set owner. */
	uint32_t o = atomic_load_explicit(&l->owner, memory_order_acquire);
	uint32_t expect = o;
	return atomic_compare_exchange_strong_explicit(&l->next, &expect, o + 1,
						       memory_order_acquire,
						       memory_order_relaxed);
}

static inline void spin_unlock(spinlock_t *l)
{
	uint32_t o = atomic_load_explicit(&l->owner, memory_order_relaxed);
	atomic_store_explicit(&l->owner, o + 1, memory_order_release);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return atomic_load_explicit(&l->next, memory_order_relaxed) !=
	       atomic_load_explicit(&l->owner, memory_order_relaxed);
}

static inline irqflags_t spin_lock_irqsave(spinlock_t *l)
{
	irqflags_t f = irq_save();
	spin_lock(l);
	return f;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, irqflags_t f)
{
	spin_unlock(l);
	irq_restore(f);
}

#endif
