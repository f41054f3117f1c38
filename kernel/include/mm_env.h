/*
 * The kernel's side of <mm/env.h>: what the portable memory-management code
 * gets from this kernel. Everything on a fast path maps straight onto the
 * kernel's inline primitives (GS-relative CPU id, cli/sti, ticket lock,
 * restartable per-CPU sequences), so going through the environment costs
 * nothing.
 */
#ifndef KERNEL_MM_ENV_H
#define KERNEL_MM_ENV_H

#include <stdbool.h>

#include <arch/cpu_seq.h>
#include <arch/irqflags.h>
#include <kernel/compiler.h>
#include <kernel/config.h>
#include <kernel/cpumask.h>
#include <kernel/percpu.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <mm/cpu_stack.h>

#define ENV_MAX_CPUS MAX_CPUS

typedef cpumask_t env_cpumask_t;
#define ENV_CPUMASK_WORDS CPUMASK_WORDS

static inline unsigned env_cpu_id(void)
{
	return this_cpu_id();
}

static inline unsigned env_cpu_count(void)
{
	return smp_cpus_online;
}

typedef irqflags_t env_irqflags_t;

static inline env_irqflags_t env_irq_save(void)
{
	return irq_save();
}

static inline void env_irq_restore(env_irqflags_t f)
{
	irq_restore(f);
}

static inline bool env_irqs_disabled(void)
{
	return irqs_disabled();
}

static inline void env_cpu_relax(void)
{
	cpu_relax();
}

typedef spinlock_t env_spinlock_t;
#define ENV_SPINLOCK_INIT SPINLOCK_INIT

static inline void env_spin_lock(env_spinlock_t *l)
{
	spin_lock(l);
}

static inline bool env_spin_trylock(env_spinlock_t *l)
{
	return spin_trylock(l);
}

static inline void env_spin_unlock(env_spinlock_t *l)
{
	spin_unlock(l);
}

static inline bool env_spin_is_locked(env_spinlock_t *l)
{
	return spin_is_locked(l);
}

static inline void env_call_on_each_cpu(void (*fn)(void *), void *arg)
{
	on_each_cpu(fn, arg);
}

static inline bool env_cross_call_allowed(void)
{
	return !irqs_disabled() && !this_cpu()->in_call;
}

static inline __attribute__((always_inline)) void *env_cpu_stack_pop(struct env_cpu_stack *stacks)
{
	return arch_cpu_stack_pop(stacks, offsetof(struct percpu, cpu_stack_off));
}

static inline __attribute__((always_inline)) bool env_cpu_stack_push(struct env_cpu_stack *stacks,
								    void *p)
{
	return arch_cpu_stack_push(stacks, p, offsetof(struct percpu, cpu_stack_off));
}

static inline __attribute__((always_inline)) void *env_cpu_list_pop(struct env_cpu_list *lists)
{
	return arch_cpu_list_pop(lists, offsetof(struct percpu, cpu_stack_off));
}

static inline __attribute__((always_inline)) bool env_cpu_list_push(struct env_cpu_list *lists,
								   const void *owner, void *p)
{
	return arch_cpu_list_push(lists, owner, p, offsetof(struct percpu, cpu_stack_off));
}

/* kernel/tlb_ipi.c */
void env_flush_ipi(const env_cpumask_t *cpus, void (*fn)(void *), void *arg);

/* One line on the console; the newline is added. */
__printf(1, 2) void env_log(const char *fmt, ...);
__noreturn __printf(1, 2) void env_panic(const char *fmt, ...);

#endif
