/*
 * Restartable per-CPU sequences: the kernel's env_cpu_stack_pop and
 * env_cpu_stack_push (<mm/env.h>), the slab magazines' and page caches'
 * fast paths, atomic with respect to interrupts without masking them.
 *
 * Each operation is one block of inline assembly that reads this CPU's
 * stack offset from the per-CPU area (%gs), reads the stack, and ends with
 * the one instruction that commits it: the count's decrement (pop) or
 * increment (push), a single read-modify-write that an interrupt cannot
 * split. Before it, the block only reads, and a push writes its pointer
 * into the slot above the top, which no one reads until a count says it
 * is there. The block's range, from its first instruction up to and
 * including the commit, is recorded in the .cpu_seq section. An interrupt
 * that arrives from ring 0 with its return address inside a range
 * returns to the range's start instead (cpu_seq_fixup, on the trap path):
 * the operation runs again from scratch on whatever the handler left, as
 * if the interrupt had come first. The idea is Linux's rseq, for the
 * kernel's own per-CPU data; there is no preemption here, so interrupts
 * are the only thing to restart for.
 *
 * Costs: a pop is 8 instructions and a push 9, with no atomic
 * instruction, no pushf/cli/popf; an interrupt from ring 0 pays one
 * pass over the table (a few entries per inlined call site).
 */
#ifndef ARCH_CPU_SEQ_H
#define ARCH_CPU_SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/cpu_stack.h>

struct trapframe;

struct cpu_seq_range {
	uint64_t start, end; /* [start, end): end is just past the commit */
};

extern const struct cpu_seq_range __cpu_seq_start[], __cpu_seq_end[];

/* If tf was interrupted inside a sequence, moves it back to its start. */
bool cpu_seq_fixup(struct trapframe *tf);

#define CPU_SEQ_RANGE(start, end)            \
	".pushsection .cpu_seq, \"a\"\n\t"    \
	".balign 8\n\t"                       \
	".quad " start ", " end "\n\t"        \
	".popsection\n\t"

/* off: the offset in the per-CPU area of this CPU's index times
 * ENV_CPU_STACK_STRIDE (a constant, so it is the load's displacement). */
static inline __attribute__((always_inline)) void *arch_cpu_stack_pop(struct env_cpu_stack *stacks,
								     unsigned long off)
{
	void *p;
	uintptr_t s, t;

	__asm__ volatile("1:\tmovq %%gs:%c[off], %[s]\n\t"
			 "addq %[base], %[s]\n\t"
			 "movl %c[count](%[s]), %k[p]\n\t"
			 "testl %k[p], %k[p]\n\t"
			 "jz 2f\n\t"
			 "movq %c[slots](%[s]), %[t]\n\t"
			 "movq -8(%[t],%[p],8), %[p]\n\t"
			 "decl %c[count](%[s])\n"
			 "2:\n\t"
			 CPU_SEQ_RANGE("1b", "2b")
			 : [p] "=&r"(p), [s] "=&r"(s), [t] "=&r"(t)
			 : [base] "r"(stacks), [off] "i"(off),
			   [count] "i"(offsetof(struct env_cpu_stack, count)),
			   [slots] "i"(offsetof(struct env_cpu_stack, slots))
			 : "memory", "cc");
	return p;
}

static inline __attribute__((always_inline)) bool arch_cpu_stack_push(struct env_cpu_stack *stacks,
								     void *p, unsigned long off)
{
	__asm__ goto("1:\tmovq %%gs:%c[off], %%rax\n\t"
		     "addq %[base], %%rax\n\t"
		     "movl %c[count](%%rax), %%edx\n\t"
		     "cmpl %c[cap](%%rax), %%edx\n\t"
		     "jae %l[full]\n\t"
		     "movq %c[slots](%%rax), %%rcx\n\t"
		     "movq %[p], (%%rcx,%%rdx,8)\n\t"
		     "incl %c[count](%%rax)\n"
		     "2:\n\t"
		     CPU_SEQ_RANGE("1b", "2b")
		     :
		     : [base] "r"(stacks), [p] "r"(p), [off] "i"(off),
		       [count] "i"(offsetof(struct env_cpu_stack, count)),
		       [cap] "i"(offsetof(struct env_cpu_stack, cap)),
		       [slots] "i"(offsetof(struct env_cpu_stack, slots))
		     : "rax", "rcx", "rdx", "memory", "cc"
		     : full);
	return true;
full:
	return false;
}

#endif
