/*
 * Running functions on several CPUs at once.
 *
 * on_cpus() publishes a struct smp_call (on the caller's stack) in each
 * target's per-CPU `call` slot and wakes the targets with VECTOR_IPI_CALL.
 * Idle CPUs wait in smp_ap_idle() with interrupts on (sti; hlt, so a wake-up
 * cannot be lost between the check and the halt); they take the call from
 * their slot and run it in thread context, not in the IPI handler, so the
 * function may take as long as it likes and may itself receive IPIs.
 * A CPU that is busy (not idle) when the IPI arrives runs the call from the
 * IPI handler instead, with interrupts off, as Linux's smp_call_function
 * does: so a drain requested by mm/ completes while other CPUs run tests or
 * benchmarks. A CPU waiting for call_lock serves calls posted to it, so two
 * CPUs calling at once cannot deadlock.
 *
 * Every participant waits at the call's start barrier, then runs fn, then
 * decrements `remaining`. The caller spins until `remaining` is zero and
 * only then lets the struct go out of scope. call_lock serializes callers.
 */
#include <stdatomic.h>

#include <arch/x86.h>
#include <kernel/barrier.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>

struct smp_call {
	smp_fn_t fn;
	void *arg;
	struct barrier start;
	atomic_uint remaining;
};

unsigned smp_cpus_online = 1;
cpumask_t cpu_online_mask;

static spinlock_t call_lock = SPINLOCK_INIT;

static void run_call(struct smp_call *c)
{
	struct percpu *pc = this_cpu();
	bool was_in_call = pc->in_call;

	barrier_wait(&c->start);
	pc->in_call = true;
	c->fn(c->arg);
	pc->in_call = was_in_call;
	atomic_fetch_sub_explicit(&c->remaining, 1, memory_order_release);
}

static void serve_pending(struct percpu *pc)
{
	struct smp_call *c = atomic_exchange(&pc->call, NULL);
	if (c)
		run_call(c);
}

void on_cpus(const cpumask_t *mask, smp_fn_t fn, void *arg)
{
	unsigned me = this_cpu_id();
	cpumask_t others = *mask;
	struct smp_call c = {.fn = fn, .arg = arg};
	unsigned n = cpumask_weight(mask);

	if (n == 0)
		return;
	for_each_cpu_in(cpu, mask)
		BUG_ON(!cpumask_test(&cpu_online_mask, cpu));
	barrier_init(&c.start, n);
	atomic_init(&c.remaining, n);
	cpumask_unset(&others, me);

	while (!spin_trylock(&call_lock)) {
		serve_pending(this_cpu());
		cpu_relax();
	}
	for_each_cpu_in(cpu, &others) {
		struct smp_call *expect = NULL;
		if (!atomic_compare_exchange_strong(&cpu_area(cpu)->call, &expect, &c))
			panic("on_cpus: cpu %u already has a call pending", cpu);
	}
	ipi_send_mask(&others, VECTOR_IPI_CALL);
	if (cpumask_test(mask, me))
		run_call(&c);
	while (atomic_load_explicit(&c.remaining, memory_order_acquire))
		cpu_relax();
	spin_unlock(&call_lock);
}

void barrier_relax(void)
{
	cpu_relax();
}

void on_each_cpu(smp_fn_t fn, void *arg)
{
	on_cpus(&cpu_online_mask, fn, arg);
}

static void ipi_call(struct trapframe *tf)
{
	struct percpu *pc = this_cpu();

	(void)tf;
	if (!pc->idle) /* idle CPUs run it from smp_ap_idle(), in thread context */
		serve_pending(pc);
}

void smp_init_ipis(void)
{
	BUG_ON(irq_register(VECTOR_IPI_CALL, ipi_call) != 0);
}

void smp_ap_idle(void)
{
	struct percpu *pc = this_cpu();

	for (;;) {
		cli();
		struct smp_call *c = atomic_exchange(&pc->call, NULL);
		if (c) {
			pc->idle = false;
			sti();
			run_call(c);
			continue;
		}
		pc->idle = true;
		sti_hlt();
	}
}
