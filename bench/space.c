/*
 * bench/space.c - a private address space for the virtual-memory suites:
 * a user mapper (lower half, kernel half shared) that exactly the CPUs of
 * a phase switch to, so that its CPU set, and thus every shootdown's
 * targets, are the phase's CPUs and no others. The pages mapped in it are
 * supervisor pages: only the kernel touches them.
 *
 * bench_space_enter/leave run on each participating CPU (any interrupt
 * state); init and destroy on the coordinator, when no CPU is inside.
 */
#include <arch/irqflags.h>
#include <arch/paging.h>

#include "bench_kernel.h"

int bench_space_init(struct bench_space *s)
{
	return mapper_init_user(&s->m, kernel_mapper());
}

void bench_space_enter(struct bench_space *s)
{
	irqflags_t irq = irq_save();
	mapper_switch(kernel_mapper(), &s->m);
	irq_restore(irq);
}

void bench_space_leave(struct bench_space *s)
{
	irqflags_t irq = irq_save();
	mapper_switch(&s->m, kernel_mapper());
	irq_restore(irq);
}

void bench_space_destroy(struct bench_space *s)
{
	mapper_destroy(&s->m);
}

uintptr_t bench_space_region(unsigned cpu)
{
	return BENCH_SPACE_BASE + (uintptr_t)cpu * BENCH_SPACE_REGION;
}

void bench_unmap_range(struct bench_cpu *bc, struct bench_space *s, uintptr_t va, uint64_t size)
{
	unsigned rounds;

	if (tlb_unmap(&s->m, va, size, &rounds) < 0)
		bench_fail("unmap of [%#lx, +%#lx) refused", (unsigned long)va, (unsigned long)size);
	if (!bc->warming)
		bc->rounds += rounds;
}
