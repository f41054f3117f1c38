/*
 * Interrupt and exception entry stubs.
 *
 * Each of the 256 vectors has a stub that makes the stack uniform (a zero
 * error code where the CPU pushes none, then the vector number) and jumps
 * to trap_common, which saves the general registers as a struct trapframe
 * (arch/trapframe.h) and calls trap_dispatch(tf). The CPU has aligned %rsp to
 * 16 bytes before pushing its frame; 7 + 15 quadwords keep it aligned for
 * the call.
 *
 * Everything runs in ring 0 for now, so no swapgs is needed: GS base always
 * holds this CPU's per-CPU area.
 */


	.text
	.altmacro
.macro VECTOR v
	.balign 16
vector_\v:
	.if !(((\v) == 8) || (((\v) >= 10) && ((\v) <= 14)) || ((\v) == 17) || ((\v) == 21) || ((\v) == 29) || ((\v) == 30))
	pushq	$0
	.endif
	pushq	$\v
	jmp	trap_common
.endm

.macro VECTOR_ADDR v
	.quad vector_\v
.endm

	.set i, 0
	.rept 256
	VECTOR %i
	.set i, i + 1
	.endr

trap_common:
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
	cld
	movq	%rsp, %rdi
	call	trap_dispatch
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
	addq	$16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.balign 8
	.globl trap_vectors
trap_vectors:
	.set i, 0
	.rept 256
	VECTOR_ADDR %i
	.set i, i + 1
	.endr
