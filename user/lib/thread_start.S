/*
 * thread_start.S - the clone() call of thread_create (user/lib/thread.c).
 *
 * long thread_clone(unsigned long flags, void *stack_top, int *ptid,
 *                   int *ctid, void (*fn)(void *), void *arg)
 *
 * fn and arg go onto the child's stack before the call, because after
 * clone returns 0 in the child, rsp is stack_top and nothing of the
 * parent's stack (the caller's frame, its saved registers) may be touched:
 * the parent is running on it. The child pops them, calls fn(arg) with the
 * ABI's stack alignment (stack_top is 16-byte aligned) and ends with
 * exit(0), which ends this thread only. The parent returns clone's result.
 */
	.text
	.globl	thread_clone
	.type	thread_clone, @function
thread_clone:
	subq	$16, %rsi
	movq	%r8, 0(%rsi)		/* fn */
	movq	%r9, 8(%rsi)		/* arg */
	movq	%rcx, %r10		/* ctid: clone's 4th argument is in r10 */
	xorl	%r8d, %r8d		/* tls: none */
	movl	$56, %eax		/* SYS_clone */
	syscall
	testq	%rax, %rax
	jnz	1f
	/* Child, on its own stack. */
	xorl	%ebp, %ebp
	popq	%rax
	popq	%rdi
	call	*%rax
	xorl	%edi, %edi
	movl	$60, %eax		/* SYS_exit */
	syscall
	ud2
1:	ret
	.size	thread_clone, . - thread_clone

	.section .note.GNU-stack, "", @progbits
