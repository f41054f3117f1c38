/*
 * How a CPU finds its per-CPU area on x86_64: GS base points at it, and its
 * first field points at itself, so one %gs-relative load yields the area.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stdint.h>

#include <arch/x86.h>

static inline void *arch_percpu_self(void)
{
	void *p;
	__asm__("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* offset is a constant (an offsetof): one load with it as displacement,
 * not an immediate moved to a register first (two instructions more on
 * every per-CPU fast path). */
static inline __attribute__((always_inline)) unsigned arch_percpu_u32(unsigned long offset)
{
	unsigned v;
	__asm__("movl %%gs:%c1, %0" : "=r"(v) : "i"(offset));
	return v;
}

static inline void arch_percpu_install(void *area)
{
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)area);
}

#endif
