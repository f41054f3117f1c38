/*
 * mm/rwlock.h - a portable, fair reader-writer spinlock (the address
 * space's lock, mm/aspace.c; Linux's mmap_lock).
 *
 * A ticket lock for readers and writers alike (the "rwticket" of
 * Mellor-Crummey and Scott's fair reader-writer lock): each locker draws
 * a ticket from next, and tickets are served in order.
 *   read    how many tickets may have started: a reader enters when all
 *           earlier tickets have entered, and at once lets the next one
 *           in, so a run of readers shares the lock;
 *   write   how many tickets have finished: a writer enters when all
 *           earlier tickets have left.
 * A reader leaves by adding one to write; a writer to both (it never let
 * anyone in when it entered). So a waiting writer holds back every
 * reader that came after it (faults cannot starve an munmap), and the
 * readers that came after a writer go before the next writer (a stream
 * of munmaps cannot starve the faults either), which a plain
 * writer-preferring lock would let happen. Counters are 32 bits and
 * compared for equality only, so they may wrap.
 *
 * Waiting. Waiters spin with env_cpu_relax and interrupts ON, and taking
 * the lock with interrupts off panics: a holder may be waiting for this
 * CPU to answer a TLB-flush IPI (a shootdown under the write lock), which
 * a CPU spinning with interrupts off would never do. No sleeping, so the
 * lock suits any context where interrupts are on. Not recursive.
 *
 * Ordering: the load that sees a lock granted is an acquire, every
 * counter a holder advances on leaving is a release, so what a holder
 * wrote is seen by the next.
 */
#ifndef MM_RWLOCK_H
#define MM_RWLOCK_H

#include <stdint.h>

#include <mm/env.h>

#include "debug.h"

struct rwlock {
	uint32_t next;		/* the next ticket to draw */
	uint32_t read;		/* tickets that may have entered */
	uint32_t write;		/* tickets that have left */
};

#define RWLOCK_INIT { 0, 0, 0 }

static inline void rwlock_init(struct rwlock *l)
{
	__atomic_store_n(&l->next, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->read, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&l->write, 0, __ATOMIC_RELAXED);
}

static inline uint32_t rwlock_ticket(struct rwlock *l)
{
	if (env_irqs_disabled())
		env_panic("rwlock: waiting with interrupts off would block flush IPIs");
	return __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
}

static inline void rwlock_read_lock(struct rwlock *l)
{
	uint32_t me = rwlock_ticket(l);

	while (__atomic_load_n(&l->read, __ATOMIC_ACQUIRE) != me)
		env_cpu_relax();
	__atomic_store_n(&l->read, me + 1, __ATOMIC_RELEASE);	/* the next reader may enter */
}

static inline void rwlock_read_unlock(struct rwlock *l)
{
	__atomic_fetch_add(&l->write, 1, __ATOMIC_RELEASE);
}

static inline void rwlock_write_lock(struct rwlock *l)
{
	uint32_t me = rwlock_ticket(l);

	while (__atomic_load_n(&l->write, __ATOMIC_ACQUIRE) != me)
		env_cpu_relax();
}

static inline void rwlock_write_unlock(struct rwlock *l)
{
	/* Only the holder advances read now (no reader is inside). */
	__atomic_store_n(&l->read, __atomic_load_n(&l->read, __ATOMIC_RELAXED) + 1,
			 __ATOMIC_RELEASE);
	__atomic_fetch_add(&l->write, 1, __ATOMIC_RELEASE);
}

/*
 * For assertions: taken (read or write) or waited for by someone; taken
 * for writing (a writer has entered and not left: it let nobody in).
 *
 * write is read before next, and ordered before it. The other way round,
 * a holder could read next, then see a reader that came after it enter
 * and leave, and read a write equal to the next it had read: it would
 * find its own lock free. While the caller holds the lock, write stays
 * below every next drawn since, so this order cannot see them equal.
 */
static inline bool rwlock_is_locked(struct rwlock *l)
{
	uint32_t write = __atomic_load_n(&l->write, __ATOMIC_ACQUIRE);

	return __atomic_load_n(&l->next, __ATOMIC_RELAXED) != write;
}

static inline bool rwlock_is_write_locked(struct rwlock *l)
{
	uint32_t write = __atomic_load_n(&l->write, __ATOMIC_RELAXED);

	return __atomic_load_n(&l->read, __ATOMIC_RELAXED) == write &&
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED) != write;
}

#define MM_ASSERT_READ_HELD(l)                                                          \
	do {                                                                            \
		if (MM_DEBUG && !rwlock_is_locked(l))                                   \
			env_panic("mm: %s without %s held", __func__, #l);              \
	} while (0)
#define MM_ASSERT_WRITE_HELD(l)                                                         \
	do {                                                                            \
		if (MM_DEBUG && !rwlock_is_write_locked(l))                             \
			env_panic("mm: %s without %s held for writing", __func__, #l);  \
	} while (0)

#endif
