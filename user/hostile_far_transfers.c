/*
 * hostile_far_transfers.c - far transfers executed in ring 3 end the
 * program within a bounded number of faults, and never hang its CPU.
 *
 * To the program's own segments (iretq, lretq, lcall) a CPU performs them
 * and the case comes back; QEMU's TCG performs their stack accesses as
 * supervisor accesses, which SMAP refuses on the user stack, and the
 * kernel used to retry that fault forever (issue 12, item 1): it must kill
 * the program with SIGSEGV. To a kernel segment (selector 0x08: a DPL-0
 * code segment on the testbed and on Linux) they raise #GP: SIGSEGV
 * everywhere. Every case keeps the red zone below rsp and gives rsp back
 * through rbx, whatever the transfer pushed.
 */
#include "hostile.h"

#define KERNEL_CS 0x08

static void iretq_to(const struct hostile_case *c)
{
	__asm__ volatile("movq %%rsp, %%rbx\n\t"
			 "subq $128, %%rsp\n\t"
			 "movq %%rsp, %%rax\n\t"
			 "mov %%ss, %%ecx\n\t"
			 "pushq %%rcx\n\t"		/* ss */
			 "pushq %%rax\n\t"		/* rsp */
			 "pushfq\n\t"
			 "pushq %0\n\t"			/* cs */
			 "leaq 1f(%%rip), %%rcx\n\t"
			 "pushq %%rcx\n\t"		/* rip */
			 "iretq\n"
			 "1: movq %%rbx, %%rsp"
			 :
			 : "r"(c->arg)
			 : "rax", "rbx", "rcx", "memory", "cc");
}

static void lretq_to(const struct hostile_case *c)
{
	__asm__ volatile("movq %%rsp, %%rbx\n\t"
			 "subq $128, %%rsp\n\t"
			 "pushq %0\n\t"			/* cs */
			 "leaq 1f(%%rip), %%rcx\n\t"
			 "pushq %%rcx\n\t"		/* rip */
			 "lretq\n"
			 "1: movq %%rbx, %%rsp"
			 :
			 : "r"(c->arg)
			 : "rbx", "rcx", "memory", "cc");
}

/* A far call through a 6-byte pointer (offset:32, selector:16) on the
 * stack: the text lies below 4 GiB. */
static void lcall_to(const struct hostile_case *c)
{
	__asm__ volatile("movq %%rsp, %%rbx\n\t"
			 "subq $144, %%rsp\n\t"
			 "leaq 1f(%%rip), %%rcx\n\t"
			 "movl %%ecx, (%%rsp)\n\t"
			 "movw %w0, 4(%%rsp)\n\t"
			 "lcall *(%%rsp)\n"
			 "1: movq %%rbx, %%rsp"
			 :
			 : "r"(c->arg)
			 : "rbx", "rcx", "memory", "cc");
}

static void ljmp_to(const struct hostile_case *c)
{
	__asm__ volatile("movq %%rsp, %%rbx\n\t"
			 "subq $144, %%rsp\n\t"
			 "leaq 1f(%%rip), %%rcx\n\t"
			 "movl %%ecx, (%%rsp)\n\t"
			 "movw %w0, 4(%%rsp)\n\t"
			 "ljmp *(%%rsp)\n"
			 "1: movq %%rbx, %%rsp"
			 :
			 : "r"(c->arg)
			 : "rbx", "rcx", "memory", "cc");
}

static uint64_t user_cs(void)
{
	uint64_t cs;

	__asm__("mov %%cs, %0" : "=r"(cs));
	return cs;
}

int main(int argc, char **argv)
{
	uint64_t cs = user_cs();
	const struct hostile_case cases[] = {
		{"iretq", SIGSEGV, true, iretq_to, cs},
		{"lretq", SIGSEGV, true, lretq_to, cs},
		{"lcall", SIGSEGV, true, lcall_to, cs},
		{"ljmp", SIGSEGV, true, ljmp_to, cs},
		{"iretq_kernel_cs", SIGSEGV, false, iretq_to, KERNEL_CS},
		{"lretq_kernel_cs", SIGSEGV, false, lretq_to, KERNEL_CS},
		{"lcall_kernel_cs", SIGSEGV, false, lcall_to, KERNEL_CS},
		{"ljmp_kernel_cs", SIGSEGV, false, ljmp_to, KERNEL_CS},
	};

	return hostile_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
