/*
 * crt0.S - process entry point of every user program.
 *
 * The kernel (testbed or Linux) starts the main thread at _start with
 * Linux's initial stack: rsp -> argc, argv[0..argc-1], NULL, envp..., NULL,
 * auxv pairs up to AT_NULL; rsp is 16-byte aligned and every other register
 * means nothing. _start hands argc, argv and envp to ulib_start
 * (user/lib/start.c), which calls main and exit, so it never returns.
 */
	.text
	.globl	_start
	.type	_start, @function
_start:
	xorl	%ebp, %ebp			/* outermost frame for debuggers */
	movq	(%rsp), %rdi			/* argc */
	leaq	8(%rsp), %rsi			/* argv */
	leaq	8(%rsi,%rdi,8), %rdx		/* envp: past argv's NULL */
	andq	$-16, %rsp			/* the ABI's alignment at a call */
	call	ulib_start
	ud2
	.size	_start, . - _start

	.section .note.GNU-stack, "", @progbits
