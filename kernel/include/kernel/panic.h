/*
 * Fatal errors. panic() stops every other CPU with an NMI, prints a report
 * with a backtrace and exits QEMU with the failure status. It never returns
 * and never relies on a triple fault.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

struct trapframe;

__noreturn __printf(1, 2) void panic(const char *fmt, ...);
/* Report an unhandled exception described by tf. */
__noreturn void panic_trap(const struct trapframe *tf, const char *what);

/* True once some CPU has started panicking (NMI handlers check it). */
bool panic_in_progress(void);
/* Called by a CPU that got the panic NMI: stop for good. */
__noreturn void panic_halt_self(void);

#define BUG_ON(cond)                                                          \
	do {                                                                  \
		if (unlikely(cond))                                           \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__); \
	} while (0)

/* Building blocks of a report, for the architecture's trap reporter:
 * panic_begin() makes this CPU the only one printing (others are stopped)
 * and returns; panic_end() finishes and exits the run. */
void panic_begin(void);
void panic_backtrace(uint64_t rip, uint64_t rbp);
__noreturn void panic_end(void);

#endif
