/*
 * Exception entry and return: an invalid opcode claimed by a registered
 * handler, which moves the saved rip past the 2-byte ud2, must resume at
 * the next instruction with registers intact (the same mechanism a
 * fault fix-up will use). Registration rejects a second handler and the
 * NMI vector. Unclaimed exceptions panic: the fault= boots of make test
 * cover that path.
 */
#include <arch/trapframe.h>
#include <kernel/selftest.h>
#include <kernel/trap.h>

#define VECTOR_UD 6
#define UD2_LEN 2

static volatile unsigned ud_hits;
static volatile uint64_t ud_rip;

static bool skip_ud2(struct trapframe *tf)
{
	ud_hits++;
	ud_rip = tf->rip;
	tf->rip += UD2_LEN;
	return true;
}

SELFTEST(trap_exception_handler_resumes)
{
	uint64_t marker = 0x1234567887654321ull, after = 0;
	uint64_t fault_at;

	ST_CHECK(exception_register(VECTOR_UD, skip_ud2) == 0);
	__asm__ volatile("1: ud2\n\t"
			 "leaq 1b(%%rip), %0\n\t"
			 "movq %2, %1"
			 : "=&r"(fault_at), "=&r"(after)
			 : "r"(marker)
			 : "memory");
	exception_unregister(VECTOR_UD);
	ST_CHECK_EQ(ud_hits, 1);
	ST_CHECK_EQ(ud_rip, fault_at);
	ST_CHECK_EQ(after, marker);
	ST_CHECK(exception_register(VECTOR_UD, skip_ud2) == 0);
	ST_CHECK(exception_register(VECTOR_UD, skip_ud2) != 0);
	exception_unregister(VECTOR_UD);
	ST_CHECK(exception_register(2, skip_ud2) != 0);
}
