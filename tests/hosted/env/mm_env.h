/*
 * mm_env.h - the hosted environment behind <mm/env.h>: pthreads act as CPUs.
 *
 * hosted_run_cpus(n, fn, arg) starts n threads, gives each a thread-local CPU
 * id 0..n-1, releases them together from a barrier and joins them. Outside
 * a run there is one CPU, id 0. "Interrupts off" is a per-thread flag; there
 * are no interrupts, so it only lets mm/ assert its context rules.
 *
 * env_call_on_each_cpu simulates IPIs (env.c): a call posted to a CPU runs
 * when that CPU next polls with interrupts on, in env_irq_restore (when it
 * re-enables), in env_cpu_relax, or once its run function has returned.
 * While no call is in flight a poll is one relaxed load of a global
 * counter, so the irq and lock fast paths stay cheap. The per-CPU stack
 * operations make no poll at all.
 *
 * env_spinlock_t is a ticket lock on C11 atomics: FIFO, like the kernel's.
 * Lock acquire and trylock are acquire operations, unlock is a release.
 * env_cpu_relax() yields the thread, because the host may run more "CPUs"
 * than it has cores and a spinning waiter must let the holder run. A
 * program that gives every CPU thread a host core of its own (the hosted
 * benchmark, bench/hosted) sets hosted_cpus_pinned before its first run:
 * then waiters spin with a pause, as the kernel's do, and a contended lock
 * costs what it costs on real CPUs instead of a trip through the host
 * scheduler.
 */
#ifndef HOSTED_MM_ENV_H
#define HOSTED_MM_ENV_H

#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/cpu_stack.h>

/* As in the kernel, so multi-word CPU masks are exercised here too. */
#define ENV_MAX_CPUS 256

#define ENV_CPUMASK_WORDS ((ENV_MAX_CPUS + 63) / 64)
typedef struct {
	uint64_t bits[ENV_CPUMASK_WORDS];
} env_cpumask_t;

extern _Thread_local unsigned hosted_cpu_id;
/* hosted_cpu_id * ENV_CPU_STACK_STRIDE, set with it: the per-CPU stacks'
 * offset, one load on their fast paths (the kernel's cpu_stack_off). */
extern _Thread_local size_t hosted_cpu_stack_off;
extern _Thread_local bool hosted_irqs_off;
extern _Atomic unsigned hosted_ncpus;
extern _Atomic unsigned hosted_calls_in_flight;
/* Every CPU thread has a host core to itself: spin, never yield. Set once,
 * before the first hosted_run_cpus; unit tests leave it false. */
extern bool hosted_cpus_pinned;

/* When nonzero, env_panic ends the process with hosted_exit_now(this)
 * instead of abort(), for death tests (test.h: EXPECT_PANIC). */
extern int hosted_panic_exit_status;

/* Ends the process at once with the exit_group system call: no atexit
 * handlers, no stdio flush, none of the sanitizers' exit work (LeakSanitizer,
 * and TSan's _exit, which sleeps a second while other threads live). */
_Noreturn void hosted_exit_now(int status);

/* Runs fn on ncpus (1..ENV_MAX_CPUS) threads at once; not reentrant. */
void hosted_run_cpus(unsigned ncpus, void (*fn)(unsigned cpu, void *arg), void *arg);
/* Whether a hosted_run_cpus run is under way (its threads exist). */
bool hosted_cpus_running(void);

/* Runs the calls posted to this CPU, if it is a CPU thread of a run. */
void hosted_poll_calls(void);

static inline void hosted_poll_calls_if_pending(void)
{
	if (atomic_load_explicit(&hosted_calls_in_flight, memory_order_relaxed) != 0)
		hosted_poll_calls();
}

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
	if (!was_off)
		hosted_poll_calls_if_pending();	/* an IPI lands as interrupts come on */
}

static inline bool env_irqs_disabled(void)
{
	return hosted_irqs_off;
}

/* One round of a spinning wait, without the poll for calls. */
static inline void hosted_spin_pause(void)
{
	if (hosted_cpus_pinned)
		__builtin_ia32_pause();
	else
		sched_yield();
}

static inline void env_cpu_relax(void)
{
	if (!hosted_irqs_off)
		hosted_poll_calls_if_pending();
	hosted_spin_pause();
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

/* Taken by someone: a ticket drawn and not yet served through. */
static inline bool env_spin_is_locked(env_spinlock_t *l)
{
	return atomic_load_explicit(&l->next, memory_order_relaxed) !=
	       atomic_load_explicit(&l->owner, memory_order_relaxed);
}

/* Runs fn on every CPU (see the top of this file) and waits for all. */
void env_call_on_each_cpu(void (*fn)(void *), void *arg);
/* Interrupts on and not inside a call: where env_call_on_each_cpu works. */
bool env_cross_call_allowed(void);

/*
 * Per-CPU stacks and lists. A simulated interrupt lands only at a poll,
 * and these make none, so plain code is atomic with respect to them. A
 * stack's count is read and written with relaxed atomics because other
 * threads may read it (a census of cached frames); only the owner writes
 * it. Nothing but the owner reads a list.
 */
static inline struct env_cpu_stack *hosted_cpu_stack(struct env_cpu_stack *stacks)
{
	return (struct env_cpu_stack *)((char *)stacks + hosted_cpu_stack_off);
}

static inline void *env_cpu_stack_pop(struct env_cpu_stack *stacks)
{
	struct env_cpu_stack *s = hosted_cpu_stack(stacks);
	uint32_t n = __atomic_load_n(&s->count, __ATOMIC_RELAXED);

	if (n == 0)
		return NULL;
	__atomic_store_n(&s->count, n - 1, __ATOMIC_RELAXED);
	return s->slots[n - 1];
}

static inline bool env_cpu_stack_push(struct env_cpu_stack *stacks, void *p)
{
	struct env_cpu_stack *s = hosted_cpu_stack(stacks);
	uint32_t n = __atomic_load_n(&s->count, __ATOMIC_RELAXED);

	if (n >= s->cap)
		return false;
	s->slots[n] = p;
	__atomic_store_n(&s->count, n + 1, __ATOMIC_RELAXED);
	return true;
}
static inline struct env_cpu_list *hosted_cpu_list(struct env_cpu_list *lists)
{
	return (struct env_cpu_list *)((char *)lists + hosted_cpu_stack_off);
}

static inline void *env_cpu_list_pop(struct env_cpu_list *lists)
{
	struct env_cpu_list *l = hosted_cpu_list(lists);
	void *p = l->head;

	if (p != NULL)
		l->head = *(void **)((char *)p + l->link);
	return p;
}

static inline bool env_cpu_list_push(struct env_cpu_list *lists, const void *owner, void *p)
{
	struct env_cpu_list *l = hosted_cpu_list(lists);

	if (l->owner != owner)
		return false;
	*(void **)((char *)p + l->link) = l->head;
	l->head = p;
	return true;
}

/* Simulated flush IPIs: an env_call_on_each_cpu round in which only the
 * CPUs of the set run fn (so interrupts must be on, as there). */
void env_flush_ipi(const env_cpumask_t *cpus, void (*fn)(void *), void *arg);

/* One line to stderr; the newline is added. */
void env_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "env_panic: <message>" to stderr, then abort() (but see above). */
_Noreturn void env_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
