/*
 * <mm/env.h> - the environment that the portable memory-management stack runs in.
 *
 * mm/ is portable C11. It never includes anything from kernel/ or from a test
 * harness. Everything it needs from the machine comes through two headers:
 * <mm/hal.h> (the hardware abstraction) and this one (CPUs, interrupts, locks,
 * logging, panic).
 *
 * Each environment supplies <mm_env.h> on its include path:
 *   - the kernel:  kernel/include/mm_env.h (per-CPU id from GS, real IRQ
 *                  masking, the kernel's ticket lock, the serial console);
 *   - hosted:      tests/hosted/env/mm_env.h (pthreads as CPUs, a per-thread
 *                  "interrupts off" flag, a C11-atomics ticket lock, stderr).
 *
 * Fast-path operations (CPU id, IRQ save/restore, lock/unlock) are static
 * inline in <mm_env.h> so that mm/'s fast paths cost no calls.
 *
 * Contract that <mm_env.h> must fulfil:
 *   ENV_MAX_CPUS                           upper bound on CPU ids (may differ
 *                                          between environments)
 *   unsigned env_cpu_id(void)              current CPU, 0 .. env_cpu_count()-1;
 *                                          stable while interrupts are off
 *   unsigned env_cpu_count(void)           CPUs online
 *   env_irqflags_t env_irq_save(void)      disable interrupts, return the old
 *                                          state as an opaque value
 *   void env_irq_restore(env_irqflags_t)   restore the state env_irq_save saw
 *   bool env_irqs_disabled(void)           for assertions
 *   env_spinlock_t, ENV_SPINLOCK_INIT      a fair (FIFO) spinning lock
 *   void env_spin_lock(env_spinlock_t *) / env_spin_unlock / bool env_spin_trylock
 *   bool env_spin_is_locked(env_spinlock_t *)  taken by someone (for assertions)
 *   void env_cpu_relax(void)               body of every spin-wait loop
 *   void env_call_on_each_cpu(void (*fn)(void *), void *arg)
 *                                          run fn on every online CPU and wait;
 *                                          thread context with interrupts on,
 *                                          never from inside such a call
 *   void env_flush_ipi(const env_cpumask_t *cpus, void (*fn)(void *), void *arg)
 *                                          run fn on every CPU in cpus, the
 *                                          others from an IPI, the caller (if in
 *                                          cpus) meanwhile; return when all
 *                                          have; fn must take no lock. The caller
 *                                          runs such calls sent to it while it
 *                                          waits, so concurrent callers cannot
 *                                          deadlock. Interrupts on or off.
 *   bool env_cross_call_allowed(void)      whether env_call_on_each_cpu may
 *                                          be called here (interrupts on, not
 *                                          inside such a call)
 *   void *env_cpu_stack_pop(struct env_cpu_stack *stacks)
 *   bool env_cpu_stack_push(struct env_cpu_stack *stacks, void *p)
 *                                          this CPU's stack of stacks[] (see
 *                                          <mm/cpu_stack.h>): pop returns the
 *                                          top and removes it, or NULL if the
 *                                          stack is empty; push adds p on top,
 *                                          or returns false if it is full.
 *                                          Each is atomic with respect to
 *                                          interrupts on this CPU, with
 *                                          interrupts on and without masking
 *                                          them (below)
 *   void *env_cpu_list_pop(struct env_cpu_list *lists)
 *   bool env_cpu_list_push(struct env_cpu_list *lists, const void *owner,
 *                          void *p)
 *                                          the same for this CPU's list of
 *                                          lists[] (<mm/cpu_stack.h>): pop
 *                                          unlinks the head, or returns NULL;
 *                                          push links p in as the head if the
 *                                          list's owner is owner, or returns
 *                                          false
 *   void env_log(const char *fmt, ...)     one line to the console (the
 *                                          environment adds the newline)
 *   _Noreturn void env_panic(const char *fmt, ...)
 *
 * Per-CPU stacks and lists are mm's fast paths (the slab magazines, the
 * page caches, SLUB's CPU freelists). An operation may be interrupted
 * anywhere, and the handler may use the same stack or list, or reload it
 * (new slots, count and cap, or a new head and owner, with interrupts
 * off): the operation then acts on the state it finds afterwards, as if
 * the interrupt had come before it began. A push may write p's link word
 * before that: p is the caller's until the push returns true. Only the
 * owning CPU touches a stack or list; another CPU that wants one emptied asks the
 * owner (env_call_on_each_cpu). The kernel restarts an interrupted
 * operation from its first instruction (a restartable sequence whose last
 * instruction commits it); the hosted environment delivers its simulated
 * interrupts only at polls, which these operations do not make.
 *
 * Memory ordering: env_spin_lock and a successful env_spin_trylock are
 * acquire operations, env_spin_unlock is a release; env_irq_save and
 * env_irq_restore are at least compiler barriers.
 */
#ifndef MM_ENV_H
#define MM_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/cpu_stack.h>
#include <mm_env.h>

#ifndef ENV_MAX_CPUS
#error "<mm_env.h> must define ENV_MAX_CPUS"
#endif

/* A set of CPU ids (declared here for <mm_env.h>'s env_flush_ipi). */
static inline void env_cpumask_clear(env_cpumask_t *m)
{
	for (unsigned i = 0; i < ENV_CPUMASK_WORDS; i++)
		m->bits[i] = 0;
}

static inline void env_cpumask_set(env_cpumask_t *m, unsigned cpu)
{
	m->bits[cpu / 64] |= 1ull << (cpu % 64);
}

static inline bool env_cpumask_test(const env_cpumask_t *m, unsigned cpu)
{
	return (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

static inline bool env_cpumask_empty(const env_cpumask_t *m)
{
	for (unsigned i = 0; i < ENV_CPUMASK_WORDS; i++)
		if (m->bits[i])
			return false;
	return true;
}

/*
 * For a mask that CPUs update concurrently (a mapper's CPU set): each
 * update is one sequentially consistent read-modify-write of its word, and
 * a snapshot reads every word after a full fence. So a CPU that sets its
 * bit before it walks some tables, and an initiator that changes those
 * tables before it takes a snapshot, cannot miss each other: either the
 * walk sees the change or the snapshot sees the bit.
 */
static inline void env_cpumask_set_atomic(env_cpumask_t *m, unsigned cpu)
{
	__atomic_fetch_or(&m->bits[cpu / 64], 1ull << (cpu % 64), __ATOMIC_SEQ_CST);
}

static inline void env_cpumask_clear_atomic(env_cpumask_t *m, unsigned cpu)
{
	__atomic_fetch_and(&m->bits[cpu / 64], ~(1ull << (cpu % 64)), __ATOMIC_SEQ_CST);
}

/* The full fence is a read-modify-write that changes nothing (ThreadSanitizer
 * does not model fences): neither earlier stores nor later loads pass it. */
static inline void env_cpumask_snapshot(env_cpumask_t *dst, env_cpumask_t *src)
{
	dst->bits[0] = __atomic_fetch_or(&src->bits[0], 0, __ATOMIC_SEQ_CST);
	for (unsigned i = 1; i < ENV_CPUMASK_WORDS; i++)
		dst->bits[i] = __atomic_load_n(&src->bits[i], __ATOMIC_ACQUIRE);
}

#endif
