/*
 * Reusable spinning barrier for a fixed number of CPUs. Generation-counted:
 * the last CPU to arrive resets the count and bumps the generation, which
 * releases the others; a CPU that races ahead into the next round waits on
 * the new generation, so the barrier can be reused back to back.
 */
#ifndef KERNEL_BARRIER_H
#define KERNEL_BARRIER_H

#include <stdatomic.h>

struct barrier {
	unsigned n;
	_Atomic unsigned arrived;
	_Atomic unsigned generation;
};

void barrier_init(struct barrier *b, unsigned n);
void barrier_wait(struct barrier *b);

/* One pause of a waiter, defined by the environment (kernel/smp.c; the
 * hosted benchmark's target.c), so that the barrier itself is portable. */
void barrier_relax(void);

#endif
