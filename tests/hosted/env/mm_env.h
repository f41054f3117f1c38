/*
 * mm_env.h - the hosted environment behind mm/env.h: pthreads act as CPUs.
 *
 * hosted_run_cpus(n, fn, arg) starts n threads, gives each a thread-local CPU
 * id 0..n-1, releases them together from a barrier and joins them. Outside
 * a run there is one CPU, id 0. "Interrupts off" is a per-thread flag; there
 * are no interrupts, so it only lets mm/ assert its context rules.
 *
 * env_spinlock_t is a ticket lock on C11 atomics: FIFO, like the kernel's.
 * Lock acquire and trylock are acquire operations, unlock is a release.
 * env_cpu_relax() yields the thread, because the host may run more "CPUs"
 * than it has cores and a spinning waiter must let the holder run.
 */
#ifndef HOSTED_MM_ENV_H
#define HOSTED_MM_ENV_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* As in the kernel, so multi-word CPU masks are exercised here too. */
#define ENV_MAX_CPUS 256

extern _Thread_local unsigned hosted_cpu_id;
extern _Thread_local bool hosted_irqs_off;
extern _Atomic unsigned hosted_ncpus;

/* Runs fn on ncpus (1..ENV_MAX_CPUS) threads at once; not reentrant. */
void hosted_run_cpus(unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg);

static inline unsigned env_cpu_id(void)
{
	return hosted_cpu_id;
}

static inline unsigned env_cpu_count(void)
{
	return atomic_load_explicit(&hosted_ncpus, memory_order_relaxed);
}

typedef bool env_irqflags_t;

/* Compiler barriers, as real IRQ masking is to the kernel's compiler. */
static inline env_irqflags_t env_irq_save(void)
{
	env_irqflags_t was_off = hosted_irqs_off;

	hosted_irqs_off = true;
	atomic_signal_fence(memory_order_seq_cst);
	return was_off;
}

static inline void env_irq_restore(env_irqflags_t was_off)
{
	atomic_signal_fence(memory_order_seq_cst);
	hosted_irqs_off = was_off;
}

static inline bool env_irqs_disabled(void)
{
	return hosted_irqs_off;
}

static inline void env_cpu_relax(void)
{
	sched_yield();
}

/* next: the next ticket to hand out; owner: the ticket now served. */
typedef struct {
	_Atomic uint32_t next;
	_Atomic uint32_t owner;
} env_spinlock_t;

#define ENV_SPINLOCK_INIT { 0, 0 }

static inline void env_spin_lock(env_spinlock_t *l)
{
	uint32_t ticket = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);

	while (atomic_load_explicit(&l->owner, memory_order_acquire) != ticket)
		env_cpu_relax();
}

static inline bool env_spin_trylock(env_spinlock_t *l)
{
	/* Acquire pairs with the unlock that made owner this value. */
	uint32_t owner = atomic_load_explicit(&l->owner, memory_order_acquire);
	uint32_t expected = owner;

	return atomic_compare_exchange_strong_explicit(&l->next, &expected, owner + 1,
						       memory_order_relaxed,
						       memory_order_relaxed);
}

static inline void env_spin_unlock(env_spinlock_t *l)
{
	/* Only the holder writes owner, so a plain increment is safe. */
	uint32_t owner = atomic_load_explicit(&l->owner, memory_order_relaxed);

	atomic_store_explicit(&l->owner, owner + 1, memory_order_release);
}

/* One line to stderr; the newline is added. */
void env_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void env_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
