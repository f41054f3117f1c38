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
 * GS base. In ring 0 it holds this CPU's per-CPU area; in ring 3 the
 * user's, with ours parked in KERNEL_GS_BASE. trap_common knows which from
 * the interrupted CS: from ring 3 it swaps on entry and leaves through
 * return_to_user (syscall_entry.S), which swaps back. NMI, double fault and
 * machine check (paranoid_common) can also hit ring 0 between a syscall
 * and its swapgs, or between the exit's swapgs and sysret, where CS says
 * kernel but GS is the user's: they read the GS base MSR instead (a kernel
 * address is negative) and swap only if needed, back on the way out. They
 * never end a thread: the next ordinary return to ring 3 does that.
 *
 * RFLAGS.AC survives interrupt delivery: a trap in a user copy (stac), or
 * from ring 3 where a program may set AC, would run the kernel with SMAP
 * off. Both entries clear it (pushf/popf: see stac/clac in arch/cpu.h);
 * iretq restores the interrupted value.
 */
#include <arch/frame_macros.h>

	.text
	.altmacro
.macro VECTOR v
	.balign 16
vector_\v:
	.if !(((\v) == 8) || (((\v) >= 10) && ((\v) <= 14)) || ((\v) == 17) || ((\v) == 21) || ((\v) == 29) || ((\v) == 30))
	pushq	$0
	.endif
	pushq	$\v
	.if ((\v) == 2) || ((\v) == 8) || ((\v) == 18)
	jmp	paranoid_common
	.else
	jmp	trap_common
	.endif
.endm

.macro VECTOR_ADDR v
	.quad vector_\v
.endm

	.set i, 0
	.rept 256
	VECTOR %i
	.set i, i + 1
	.endr

.macro PUSH_REGS
	PUSH_GPRS
	cld
	pushfq
	andq	$~(1 << 18), (%rsp)	/* AC: SMAP back on */
	popfq
.endm

.macro POP_REGS_IRET
	POP_GPRS
	addq	$16, %rsp		/* vector and error code */
	iretq
.endm

#define TF_CS (18 * 8)

trap_common:
	testb	$3, 24(%rsp)		/* CS, above vector, error code and rip */
	jz	1f
	swapgs
1:	PUSH_REGS
	movq	%rsp, %rdi
	call	trap_dispatch
	testb	$3, TF_CS(%rsp)
	jz	2f
	cli				/* a handler may have turned interrupts on */
	jmp	return_to_user
2:	POP_REGS_IRET

paranoid_common:
	PUSH_REGS
	movl	$0xc0000101, %ecx	/* MSR_GS_BASE */
	rdmsr
	xorl	%ebx, %ebx		/* callee-saved: whether to swap back */
	testl	%edx, %edx
	js	1f
	swapgs
	movl	$1, %ebx
1:	movq	%rsp, %rdi
	call	trap_dispatch
	testl	%ebx, %ebx
	jz	2f
	swapgs
2:	POP_REGS_IRET

	.section .rodata
	.balign 8
	.globl trap_vectors
trap_vectors:
	.set i, 0
	.rept 256
	VECTOR_ADDR %i
	.set i, i + 1
	.endr
