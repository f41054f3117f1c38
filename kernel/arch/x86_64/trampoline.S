/*
 * Real-mode trampoline for application processors.
 *
 * smpboot.c copies [trampoline_start, trampoline_end) to TRAMPOLINE_PHYS and
 * sends each AP a SIPI with vector TRAMPOLINE_PHYS >> 12. The AP starts here
 * in real mode with CS = TRAMPOLINE_PHYS >> 4, IP = 0, and climbs to long
 * mode through protected mode, using the BSP's boot page tables (which map
 * the low 4 GiB identity, so this code keeps running after paging is on).
 *
 * The BSP fills the parameter block (tr_cr3, tr_efer, tr_stack, tr_entry,
 * tr_arg) before each SIPI. APs are started one at a time, and an AP
 * reports itself online only once it runs on its own stack, so one block is
 * enough.
 */
#include <arch/layout.h>

#define TR(x) (TRAMPOLINE_PHYS + (x) - trampoline_start)

	.section .trampoline, "a"
	.code16
	.globl trampoline_start
trampoline_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	lgdtl	tr_gdtr - trampoline_start
	movl	%cr0, %eax
	orl	$1, %eax
	movl	%eax, %cr0
	ljmpl	$0x18, $TR(tr_prot)

	.code32
tr_prot:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax			/* PAE */
	movl	%eax, %cr4
	movl	TR(tr_cr3), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx		/* EFER */
	rdmsr
	orl	TR(tr_efer), %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax		/* PG | WP | PE */
	movl	%eax, %cr0
	ljmpl	$0x08, $TR(tr_long)

	.code64
tr_long:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movq	tr_stack(%rip), %rsp
	movq	tr_arg(%rip), %rdi
	movq	tr_entry(%rip), %rax
	xorl	%ebp, %ebp
	pushq	$0				/* fake return address ends backtraces */
	jmp	*%rax

	/* Accessed bits preset: the page is mapped read-only once paging is
	 * on, and a CPU loading a descriptor without it would write it. */
	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00af9b000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf93000000ffff		/* 0x10: data */
	.quad 0x00cf9b000000ffff		/* 0x18: 32-bit code */
tr_gdt_end:
tr_gdtr:
	.word tr_gdt_end - tr_gdt - 1
	.long TR(tr_gdt)

	.balign 8
	.globl tr_params
tr_params:
tr_cr3:		.quad 0
tr_efer:	.quad 0
tr_stack:	.quad 0
tr_entry:	.quad 0
tr_arg:		.quad 0
	.globl trampoline_end
trampoline_end:
