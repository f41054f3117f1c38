/*
 * Assembler macros that save and restore the general registers as the
 * first 15 fields of struct trapframe (arch/trapframe.h): pushed rax first,
 * so r15 ends up lowest. Shared by the interrupt entry (entry.S) and the
 * system-call entry (syscall_entry.S), which build the same frame.
 * Assembly only.
 */
#ifndef ARCH_FRAME_MACROS_H
#define ARCH_FRAME_MACROS_H

#ifndef __ASSEMBLER__
#error "arch/frame_macros.h is for assembly files"
#endif

.macro PUSH_GPRS
	pushq	%rax
	pushq	%rbx
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	pushq	%rbp
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm

.macro POP_GPRS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%rbx
	popq	%rax
.endm

#endif
