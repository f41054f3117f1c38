/*
 * calib.ipi, op roundtrip: each CPU of the phase sends an IPI to the next
 * one in a ring (to itself when alone) and waits, interrupts on, until
 * that CPU's handler acknowledges it: the platform's cost of a cross-CPU
 * interrupt, which every TLB shootdown pays. The CPUs ping each other at
 * the same time, so a CPU also takes its predecessor's IPI while it waits.
 *
 * Each CPU owns one line: `req` (written by the sender, read by its
 * successor's handler) and `ack` (written by that handler, read by the
 * sender). The handler runs on the receiver with interrupts off.
 */
#include <stdatomic.h>

#include <kernel/irq.h>

#include "bench_kernel.h"

#define IPI_OPS 2000		/* per CPU, before scaling */

static struct {
	_Alignas(64) _Atomic uint64_t req;
	_Atomic uint64_t ack;
	uint64_t seq;		/* the sender's own */
} ring[BENCH_MAX_CPUS];

static unsigned ring_cpus;

static void pong(struct trapframe *tf)
{
	unsigned pred = (bench_cpu_id() + ring_cpus - 1) % ring_cpus;

	(void)tf;
	atomic_store_explicit(&ring[pred].ack, atomic_load_explicit(&ring[pred].req,
								   memory_order_acquire),
			      memory_order_release);
}

static void ping(unsigned cpu)
{
	uint64_t seq = ++ring[cpu].seq;

	atomic_store_explicit(&ring[cpu].req, seq, memory_order_release);
	ipi_send((cpu + 1) % ring_cpus, VECTOR_IPI_BENCH);
	while (atomic_load_explicit(&ring[cpu].ack, memory_order_acquire) != seq)
		bench_relax();
}

static void roundtrip_one(struct bench_cpu *bc, unsigned i)
{
	(void)i;
	BENCH_TIME(bc, 0, ping(bc->cpu));
}

int bench_calib_ipi(const struct bench_step *step)
{
	struct bench_phase ph = { .suite = "calib.ipi", .ops = { "roundtrip" }, .params = "",
				  .ops_per_cpu = bench_ops(step, IPI_OPS), .warm_ops = 16,
				  .irqs_on = true, .irqs_in_op = true, .run = roundtrip_one };
	int rc;

	if (irq_register(VECTOR_IPI_BENCH, pong) != 0) {
		bench_printf("bench: calib.ipi: vector %#x is taken\n", VECTOR_IPI_BENCH);
		return -1;
	}
	ring_cpus = step->cpus;
	rc = bench_phase_run(step, &ph);
	irq_unregister(VECTOR_IPI_BENCH);
	return rc;
}
