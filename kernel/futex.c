/*
 * Futex wait queues.
 *
 * A thread in FUTEX_WAIT puts a waiter record (struct futex_waiter, on its
 * own kernel stack) on one global queue, reads the user word, and, if it
 * still holds the expected value, sleeps on its CPU until a wake marks the
 * record woken. A wake takes matching records off the queue, oldest first,
 * marks them and sends each waiter's CPU the process IPI
 * (VECTOR_IPI_PROC), which ends its hlt.
 *
 * Why one queue and no hash table: a CPU runs at most one user thread and
 * only one process runs at a time (kernel/proc.c), so the queue never
 * holds more than one waiter per CPU. A futex is named by (address space,
 * user address); Linux's private and shared keys name the same futex here,
 * as no other process could map the page meanwhile.
 *
 * No lost wake-ups: the waiter queues itself before it reads the word (a
 * full barrier between), and a waker changes the word before it takes the
 * queue's lock. So either the waiter reads the new value (and returns
 * -EAGAIN), or the waker finds it queued. Reading the word with the lock
 * held, as Linux does, would mean a user copy that may fault with
 * interrupts off; queueing first avoids that. The price: a waiter that
 * then finds the value changed may already have been picked by a wake;
 * it returns 0 then, so that the wake is not lost to whoever it was meant
 * for (a return of 0 promises no more than "look again" to its caller).
 *
 * Sleeping: with interrupts off the waiter checks woken and its CPU's
 * user_work, then sti;hlt, so an IPI after the check still ends the hlt.
 * A wait with a timeout cannot hlt (the kernel has no timer tick): it
 * polls the TSC with pause. A waiter whose process ends (exit_group, a
 * kill: user_work and the IPI) leaves with -EINTR.
 *
 * Locking: futex_queue.lock (a spinlock, interrupts off) guards the list,
 * every queued record and its woken flag. A waiter leaves only under the
 * lock, and once woken it is no longer on the list, so a waker never
 * touches a record after dropping the lock (the waiter's CPU number is
 * copied out before). Leaf lock: nothing else is taken under it.
 */
#include <errno.h>
#include <stdbool.h>

#include <arch/irqflags.h>
#include <arch/tsc.h>
#include <arch/usermode.h>
#include <arch/x86.h>
#include <kernel/cpumask.h>
#include <kernel/futex.h>
#include <kernel/irq.h>
#include <kernel/percpu.h>
#include <kernel/spinlock.h>
#include <kernel/uaccess.h>
#include <mm/list.h>

struct futex_waiter {
	struct list_head link;	/* on futex_queue.waiters until woken or gone */
	struct aspace *as;	/* the futex: as and uaddr (requeue changes it) */
	uintptr_t uaddr;
	unsigned cpu;		/* where the waiter sleeps */
	bool woken;
};

static struct {
	spinlock_t lock;
	struct list_head waiters; /* oldest first */
} futex_queue = {SPINLOCK_INIT, LIST_HEAD_INIT(futex_queue.waiters)};

/* 0 once woken; -EINTR if the thread must stop; -ETIMEDOUT at deadline. */
static long futex_sleep(struct futex_waiter *w, uint64_t deadline)
{
	for (;;) {
		cli();
		if (__atomic_load_n(&w->woken, __ATOMIC_ACQUIRE)) {
			sti();
			return 0;
		}
		if (user_work_pending()) {
			sti();
			return -EINTR;
		}
		if (deadline == FUTEX_FOREVER) {
			sti_hlt();
			continue;
		}
		sti();
		if (tsc_read() >= deadline)
			return -ETIMEDOUT;
		cpu_relax();
	}
}

long futex_wait(struct aspace *as, uintptr_t uaddr, uint32_t val, uint64_t deadline)
{
	struct futex_waiter w = {.as = as, .uaddr = uaddr, .cpu = this_cpu_id()};
	uint32_t now;
	irqflags_t f;
	long rc;

	f = spin_lock_irqsave(&futex_queue.lock);
	list_add_tail(&w.link, &futex_queue.waiters);
	spin_unlock_irqrestore(&futex_queue.lock, f);
	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* queued, then read: see the top */
	if (copy_from_user(&now, uaddr, sizeof(now)))
		rc = -EFAULT;
	else if (now != val)
		rc = -EAGAIN;
	else
		rc = futex_sleep(&w, deadline);

	f = spin_lock_irqsave(&futex_queue.lock);
	if (w.woken)
		rc = 0;
	else
		list_del(&w.link);
	spin_unlock_irqrestore(&futex_queue.lock, f);
	return rc;
}

/* Linux's futex_requeue loop: the first nr_wake matches are woken, the
 * next nr_requeue moved. */
long futex_wake_requeue(struct aspace *as, uintptr_t uaddr, long nr_wake, uintptr_t uaddr2,
			long nr_requeue)
{
	struct list_head *pos, *next;
	cpumask_t kick;
	long count = 0;
	irqflags_t f;

	cpumask_clear(&kick);
	f = spin_lock_irqsave(&futex_queue.lock);
	for (pos = futex_queue.waiters.next; pos != &futex_queue.waiters; pos = next) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);

		next = pos->next;
		if (count - nr_wake >= nr_requeue)
			break;
		if (w->as != as || w->uaddr != uaddr)
			continue;
		if (++count <= nr_wake) {
			list_del(&w->link);
			cpumask_set(&kick, w->cpu);
			__atomic_store_n(&w->woken, true, __ATOMIC_RELEASE);
		} else {
			w->uaddr = uaddr2;
		}
	}
	spin_unlock_irqrestore(&futex_queue.lock, f);
	for_each_cpu_in(cpu, &kick)
		ipi_send(cpu, VECTOR_IPI_PROC);
	return count;
}
