/*
 * Local interrupt state. irq_save() returns the old RFLAGS so that nested
 * save/restore pairs compose: only the outermost restore re-enables.
 */
#ifndef ARCH_IRQFLAGS_H
#define ARCH_IRQFLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include <arch/x86.h>

typedef uint64_t irqflags_t;

static inline irqflags_t irq_save(void)
{
	irqflags_t f = read_rflags();
	cli();
	return f;
}

static inline void irq_restore(irqflags_t f)
{
	if (f & RFLAGS_IF)
		sti();
}

static inline void irq_enable(void)
{
	sti();
}

static inline bool irqs_disabled(void)
{
	return !(read_rflags() & RFLAGS_IF);
}

static inline void cpu_relax(void)
{
	cpu_pause();
}

#endif
