/*
 * Delivery of TLB-flush requests to other CPUs (env_flush_ipi, for mm/'s
 * shootdown layer).
 *
 * Each CPU has one request slot (fn, arg, pending count) that it fills as
 * an initiator; it may have only one outstanding, since it waits for it.
 * To ask CPU t, the initiator sets its own bit in t's `flush_from` mask and
 * sends t VECTOR_IPI_FLUSH; t's handler takes its whole mask with one
 * exchange per word, runs each initiator's fn and decrements that
 * initiator's pending count. The initiator runs its own part meanwhile,
 * then spins until pending is zero, running the requests sent to it while
 * it spins: two CPUs shooting down at each other therefore both finish,
 * even with interrupts off. No lock anywhere.
 */
#include <stdatomic.h>

#include <mm/env.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/smp.h>

static void flush_serve(struct percpu *pc)
{
	for (unsigned w = 0; w < CPUMASK_WORDS; w++) {
		uint64_t from = atomic_exchange_explicit(&pc->flush_from[w], 0, memory_order_acquire);
		while (from) {
			unsigned cpu = w * 64 + (unsigned)__builtin_ctzll(from);
			struct flush_request *r = &cpu_area(cpu)->flush_req;
			from &= from - 1;
			r->fn(r->arg);
			atomic_fetch_add_explicit(&pc->flushes_done, 1, memory_order_relaxed);
			atomic_fetch_sub_explicit(&r->pending, 1, memory_order_release);
		}
	}
}

static void ipi_flush(struct trapframe *tf)
{
	(void)tf;
	flush_serve(this_cpu());
}

void tlb_ipi_init(void)
{
	BUG_ON(irq_register(VECTOR_IPI_FLUSH, ipi_flush) != 0);
}

void env_flush_ipi(const env_cpumask_t *cpus, void (*fn)(void *), void *arg)
{
	struct percpu *pc = this_cpu();
	unsigned me = pc->cpu_id;
	struct flush_request *r = &pc->flush_req;
	cpumask_t others = *cpus;

	cpumask_unset(&others, me);
	r->fn = fn;
	r->arg = arg;
	atomic_store_explicit(&r->pending, cpumask_weight(&others), memory_order_relaxed);
	for_each_cpu_in(cpu, &others)
		atomic_fetch_or_explicit(&cpu_area(cpu)->flush_from[me / 64], 1ull << (me % 64),
					 memory_order_release);
	ipi_send_mask(&others, VECTOR_IPI_FLUSH);
	if (cpumask_test(cpus, me)) {
		fn(arg);
		atomic_fetch_add_explicit(&pc->flushes_done, 1, memory_order_relaxed);
	}
	while (atomic_load_explicit(&r->pending, memory_order_acquire)) {
		flush_serve(pc);
		cpu_relax();
	}
}
