/*
 * Exception entry and return: a breakpoint claimed by a registered handler
 * returns to the next instruction with every callee-visible register
 * intact; an unclaimed exception is not tested here (it panics: the
 * fault= boots in make test cover that path).
 */
#include <arch/trapframe.h>
#include <kernel/selftest.h>
#include <kernel/trap.h>

static volatile unsigned bp_hits;
static volatile uint64_t bp_rip;

static bool on_breakpoint(struct trapframe *tf)
{
	bp_hits++;
	bp_rip = tf->rip;
	return true;
}

SELFTEST(trap_breakpoint_resumes)
{
	uint64_t marker = 0x1234567887654321ull, after = 0;
	uint64_t resume;

	ST_CHECK(exception_register(3, on_breakpoint) == 0);
	__asm__ volatile("int3\n\t"
			 "1: leaq 1b(%%rip), %0\n\t"
			 "movq %2, %1"
			 : "=&r"(resume), "=&r"(after)
			 : "r"(marker)
			 : "memory");
	exception_unregister(3);
	ST_CHECK_EQ(bp_hits, 1);
	ST_CHECK_EQ(bp_rip, resume);
	ST_CHECK_EQ(after, marker);
	ST_CHECK(exception_register(3, on_breakpoint) == 0);
	ST_CHECK(exception_register(3, on_breakpoint) != 0);
	exception_unregister(3);
	ST_CHECK(exception_register(2, on_breakpoint) != 0);
}
