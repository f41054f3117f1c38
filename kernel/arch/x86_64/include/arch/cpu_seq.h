/*
 * Restartable per-CPU sequences: the kernel's env_cpu_stack_pop and
 * env_cpu_stack_push (<mm/env.h>), the slab magazines' and page caches'
 * fast paths, and env_cpu_list_pop and _push, SLUB's, atomic with respect
 * to interrupts without masking them.
 *
 * Each operation is one block of inline assembly that reads this CPU's
 * stack offset from the per-CPU area (%gs), reads the stack, and ends with
 * the one instruction that commits it: the count's decrement (pop) or
 * increment (push), a single read-modify-write that an interrupt cannot
 * split; for a list, the store of its new head. Before it, the block only
 * reads, and a push writes its pointer into the slot above the top (or
 * the list's head into the new object's link), which no one reads until
 * the commit says it is there. The block's range, from its first instruction up to and
 * including the commit, is recorded in the .cpu_seq section. An interrupt
 * that arrives from ring 0 with its return address inside a range
 * returns to the range's start instead (cpu_seq_fixup, on the trap path):
 * the operation runs again from scratch on whatever the handler left, as
 * if the interrupt had come first. The idea is Linux's rseq, for the
 * kernel's own per-CPU data; there is no preemption here, so interrupts
 * are the only thing to restart for.
 *
 * Costs: a pop is 8 instructions and a push 9 (a list's: 8 and 8), with
 * no atomic
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

/* SLUB's CPU freelist pop: the commit is the store of the new head. */
static inline __attribute__((always_inline)) void *arch_cpu_list_pop(struct env_cpu_list *lists,
								    unsigned long off)
{
	void *p;
	uintptr_t s, t;

	__asm__ volatile("1:\tmovq %%gs:%c[off], %[s]\n\t"
			 "addq %[base], %[s]\n\t"
			 "movq %c[head](%[s]), %[p]\n\t"
			 "testq %[p], %[p]\n\t"
			 "jz 2f\n\t"
			 "movq %c[link](%[s]), %[t]\n\t"
			 "movq (%[p],%[t]), %[t]\n\t"
			 "movq %[t], %c[head](%[s])\n"
			 "2:\n\t"
			 CPU_SEQ_RANGE("1b", "2b")
			 : [p] "=&r"(p), [s] "=&r"(s), [t] "=&r"(t)
			 : [base] "r"(lists), [off] "i"(off),
			   [head] "i"(offsetof(struct env_cpu_list, head)),
			   [link] "i"(offsetof(struct env_cpu_list, link))
			 : "memory", "cc");
	return p;
}

/* The push writes p's link, then commits by storing p as the head; the
 * owner test before it makes "this CPU's slab?" part of the sequence. */
static inline __attribute__((always_inline)) bool arch_cpu_list_push(struct env_cpu_list *lists,
								    const void *owner, void *p,
								    unsigned long off)
{
	__asm__ goto("1:\tmovq %%gs:%c[off], %%rax\n\t"
		     "addq %[base], %%rax\n\t"
		     "cmpq %[owner], %c[own](%%rax)\n\t"
		     "jne %l[other]\n\t"
		     "movq %c[link](%%rax), %%rcx\n\t"
		     "movq %c[head](%%rax), %%rdx\n\t"
		     "movq %%rdx, (%[p],%%rcx)\n\t"
		     "movq %[p], %c[head](%%rax)\n"
		     "2:\n\t"
		     CPU_SEQ_RANGE("1b", "2b")
		     :
		     : [base] "r"(lists), [owner] "r"(owner), [p] "r"(p), [off] "i"(off),
		       [head] "i"(offsetof(struct env_cpu_list, head)),
		       [own] "i"(offsetof(struct env_cpu_list, owner)),
		       [link] "i"(offsetof(struct env_cpu_list, link))
		     : "rax", "rcx", "rdx", "memory", "cc"
		     : other);
	return true;
other:
	return false;
}

#endif
