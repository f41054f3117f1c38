/*
 * CPUs online and running work on them.
 *
 * on_cpus(mask, fn, arg) runs fn(arg) on every CPU in mask at once: the
 * CPUs meet at a barrier first, so they start together, and the caller
 * returns only after every one of them has finished. The caller may itself
 * be in mask. Only one on_cpus() runs at a time (callers are serialized);
 * fn must not call on_cpus() itself.
 *
 * fn runs in thread context with interrupts enabled on idle CPUs, from the
 * IPI handler (interrupts off) on CPUs that were busy, and with the
 * caller's interrupt state on the caller. A busy CPU with interrupts off
 * runs it when it turns them back on.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdbool.h>

#include <kernel/cpumask.h>

extern unsigned smp_cpus_online;
extern cpumask_t cpu_online_mask;

typedef void (*smp_fn_t)(void *arg);

void on_cpus(const cpumask_t *mask, smp_fn_t fn, void *arg);
void on_each_cpu(smp_fn_t fn, void *arg);

/* Called on each AP once it is initialised: never returns. */
__attribute__((noreturn)) void smp_ap_idle(void);

void smp_init_ipis(void);
void tlb_ipi_init(void);

#endif
