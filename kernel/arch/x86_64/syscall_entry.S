/*
 * The way into ring 3 and back: the syscall entry (LSTAR), the return to
 * user mode shared with interrupts and exceptions, user_enter (a thread's
 * first entry) and the saved kernel context (kctx_save/kctx_restore)
 * that ends a thread.
 *
 * syscall (Linux's convention: rax number, rdi rsi rdx r10 r8 r9
 * arguments, rcx and r11 clobbered with the user's rip and rflags) lands
 * here with interrupts off (SFMASK clears IF, DF, TF, AC ...), still on
 * the user's stack and the user's GS base. swapgs first; then the per-CPU
 * area gives the thread's kernel stack top (tss.rsp0) and a slot for the
 * user's rsp. The entry builds the same struct trapframe as an interrupt
 * from ring 3 would (arch/trapframe.h), at the top of the kernel stack,
 * turns interrupts on (a syscall waits for locks, and must answer flush
 * IPIs meanwhile) and calls syscall_dispatch(tf), which leaves the result
 * in tf->rax.
 *
 * Return to user, for syscalls and traps alike, with interrupts off from
 * the check to the iretq/sysretq: if user_work is set (the process is
 * ending), user_return_work ends the thread instead; an IPI that sets it
 * later stays pending until ring 3 and brings the thread straight back.
 * Syscalls return with sysretq when the rip is below USER_HI (sysret to a
 * non-canonical rip would fault in ring 0 on the user's stack), otherwise,
 * like traps, with iretq.
 *
 * The PC_* offsets into the per-CPU area are absolute symbols that
 * usermode.c defines from offsetof; %gs:PC_X reads the field of this CPU.
 */
#include <arch/frame_macros.h>
#include <arch/usermode.h>

#define GDT_UDATA 0x1b
#define GDT_UCODE 0x23
#define TF_SIZE   (22 * 8)
#define TF_RAX    (14 * 8)
#define TF_RIP    (17 * 8)


	.text
	.globl syscall_entry
	.balign 16
syscall_entry:
	swapgs
	movq	%rsp, %gs:PC_USER_RSP
	movq	%gs:PC_KSTACK, %rsp
	pushq	$GDT_UDATA		/* ss */
	pushq	%gs:PC_USER_RSP		/* rsp */
	pushq	%r11			/* rflags */
	pushq	$GDT_UCODE		/* cs */
	pushq	%rcx			/* rip */
	pushq	$0			/* error code */
	pushq	$-1			/* vector: none, a syscall */
	PUSH_GPRS
	sti
	movq	%rsp, %rdi
	call	syscall_dispatch
	cli
	cmpl	$0, %gs:PC_USER_WORK
	jne	user_return_slow
	movq	TF_RIP(%rsp), %rcx
	movabsq	$USER_HI, %r11
	cmpq	%r11, %rcx
	jae	return_to_user_iret
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	addq	$8, %rsp		/* r11: the rflags below */
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rbp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	addq	$8, %rsp		/* rcx: the rip, loaded above */
	popq	%rbx
	popq	%rax
	movq	32(%rsp), %r11		/* rflags (after vector, error, rip, cs) */
	movq	40(%rsp), %rsp		/* the user's rsp */
	swapgs
	sysretq

/*
 * Return to ring 3 through iretq, from the frame at %rsp, interrupts off
 * (trap_common jumps here for traps from user mode, user_enter for a
 * thread's start).
 */
	.globl return_to_user
return_to_user:
	cmpl	$0, %gs:PC_USER_WORK
	jne	user_return_slow
return_to_user_iret:
	POP_GPRS
	addq	$16, %rsp		/* vector and error code */
	swapgs
	iretq

user_return_slow:
	movq	%rsp, %rdi
	call	user_return_work	/* ends the thread: does not return */
	ud2

/*
 * void user_enter(const struct trapframe *tf, uint64_t fs_base, uint64_t gs_base)
 * The caller's stack below its return address becomes the trap stack.
 */
	.globl user_enter
user_enter:
	cli
	andq	$-16, %rsp
	movq	%rsp, %gs:PC_KSTACK
	movq	%rdx, %r8		/* wrmsr takes edx */
	movq	%rsi, %rax		/* FS base: the thread's TLS pointer */
	shrq	$32, %rsi
	movq	%rsi, %rdx
	movl	$0xc0000100, %ecx	/* MSR_FS_BASE */
	wrmsr
	movq	%r8, %rax		/* the user's GS base, live after swapgs */
	movq	%r8, %rdx
	shrq	$32, %rdx
	movl	$0xc0000102, %ecx	/* MSR_KERNEL_GS_BASE */
	wrmsr
	fxrstor	fpu_init_state(%rip)	/* no FPU/SSE state from an earlier thread */
	subq	$TF_SIZE, %rsp
	movq	%rdi, %rsi
	movq	%rsp, %rdi
	movl	$TF_SIZE / 8, %ecx
	rep movsq
	movq	$GDT_UCODE, TF_RIP + 8(%rsp)
	movq	$GDT_UDATA, TF_RIP + 32(%rsp)
	jmp	return_to_user

/* int kctx_save(struct kctx *c) / void kctx_restore(const struct kctx *c) */
	.globl kctx_save
kctx_save:
	movq	(%rsp), %rax
	movq	%rax, 0(%rdi)
	leaq	8(%rsp), %rax
	movq	%rax, 8(%rdi)
	movq	%rbx, 16(%rdi)
	movq	%rbp, 24(%rdi)
	movq	%r12, 32(%rdi)
	movq	%r13, 40(%rdi)
	movq	%r14, 48(%rdi)
	movq	%r15, 56(%rdi)
	xorl	%eax, %eax
	ret

	.globl kctx_restore
kctx_restore:
	movl	$0x10, %eax		/* a trap from ring 3 left a null %ss */
	movl	%eax, %ss
	movq	8(%rdi), %rsp
	movq	16(%rdi), %rbx
	movq	24(%rdi), %rbp
	movq	32(%rdi), %r12
	movq	40(%rdi), %r13
	movq	48(%rdi), %r14
	movq	56(%rdi), %r15
	movl	$1, %eax
	jmp	*0(%rdi)

/* The FXSAVE image of a freshly reset FPU: x87 control word 0x37f, MXCSR
 * 0x1f80 (all exceptions masked), every register zero. */
	.section .rodata
	.balign 16
fpu_init_state:
	.word	0x37f
	.skip	22
	.long	0x1f80
	.skip	512 - 28
