/*
 * PVH entry: from 32-bit protected mode to the higher-half kernel.
 *
 * QEMU's -kernel loads an ELF64 image that carries a Xen PVH entry note
 * (XEN_ELFNOTE_PHYS32_ENTRY). It enters pvh_start in 32-bit protected mode,
 * paging off, interrupts off, with %ebx = physical address of the
 * hvm_start_info (memory map, command line, RSDP). No stack is given.
 *
 * Steps: own GDT and stack, clear .bss, check for long mode, build the boot
 * page tables (identity + direct map of the low 4 GiB, and the image at
 * KERNEL_VMA), enable PAE/LME/NXE/paging, far jump to 64-bit code, then jump
 * to the higher half and call kmain(start_info_phys).
 *
 * Everything before the jump to the higher half runs at physical addresses,
 * so symbols are used as PA(sym).
 */
#include <arch/layout.h>

#define PA(x) ((x) - KERNEL_VMA)

#define PTE_P   0x001
#define PTE_W   0x002
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_PS  0x080

/* The top 32 MiB below 4 GiB hold the IOAPIC, HPET and local APIC. */
#define UC_FIRST_2M (0xfe000000 >> 21)

	.section .note.pvh, "a", @note
	.balign 4
	.long 4			/* name size: "Xen\0" */
	.long 8			/* descriptor size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.balign 4
	.quad PA(pvh_start)

	.section .boot.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	lgdt	PA(boot_gdtr)
	ljmp	$0x18, $PA(1f)
1:	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	movl	$PA(boot_stack_top), %esp
	movl	%ebx, %ebp		/* start_info, kept across the .bss clear */

	movl	$PA(__bss_start), %edi
	movl	$PA(__bss_end), %ecx
	subl	%edi, %ecx
	xorl	%eax, %eax
	rep stosb

	/* Long mode present? */
	movl	$0x80000000, %eax
	cpuid
	cmpl	$0x80000001, %eax
	jb	no_long_mode
	movl	$0x80000001, %eax
	cpuid
	btl	$29, %edx
	jnc	no_long_mode
	movl	%edx, %esi		/* bit 20: NX */

	/* PD entries: 2048 x 2 MiB = 4 GiB, uncached near the top. */
	movl	$PA(boot_pd), %edi
	xorl	%ecx, %ecx
2:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$(PTE_P | PTE_W | PTE_PS), %eax
	cmpl	$UC_FIRST_2M, %ecx
	jb	3f
	orl	$(PTE_PCD | PTE_PWT), %eax
3:	movl	%eax, (%edi,%ecx,8)
	movl	$0, 4(%edi,%ecx,8)
	incl	%ecx
	cmpl	$2048, %ecx
	jb	2b

	/* Low PDPT: four PDs. */
	movl	$PA(boot_pdpt_low), %edi
	movl	$PA(boot_pd), %eax
	orl	$(PTE_P | PTE_W), %eax
	xorl	%ecx, %ecx
4:	movl	%eax, (%edi,%ecx,8)
	addl	$4096, %eax
	incl	%ecx
	cmpl	$4, %ecx
	jb	4b

	/* High PDPT: entry 510 (-2 GiB) is the first GiB. */
	movl	$PA(boot_pd), %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, PA(boot_pdpt_high) + 510 * 8

	/* PML4: 0 (identity) and 256 (direct map) share the low PDPT. */
	movl	$PA(boot_pdpt_low), %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, PA(boot_pml4)
	movl	%eax, PA(boot_pml4) + 256 * 8
	movl	$PA(boot_pdpt_high), %eax
	orl	$(PTE_P | PTE_W), %eax
	movl	%eax, PA(boot_pml4) + 511 * 8

	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$PA(boot_pml4), %eax
	movl	%eax, %cr3

	movl	$0xc0000080, %ecx	/* EFER */
	rdmsr
	orl	$0x100, %eax		/* LME */
	btl	$20, %esi
	jnc	5f
	orl	$0x800, %eax		/* NXE */
5:	wrmsr

	movl	%cr0, %eax
	orl	$0x80010001, %eax	/* PG | WP | PE */
	movl	%eax, %cr0
	ljmp	$0x08, $PA(long_mode)

no_long_mode:
	movl	$PA(msg_no_lm), %esi
6:	lodsb
	testb	%al, %al
	jz	7f
	movw	$0x3f8, %dx
	outb	%al, %dx
	jmp	6b
7:	movw	$0xf4, %dx		/* isa-debug-exit: failure */
	movl	$0x11, %eax
	outl	%eax, %dx
8:	hlt
	jmp	8b

	.code64
long_mode:
	movabsq	$higher_half, %rax
	jmp	*%rax

	.text
higher_half:
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movabsq	$boot_stack_top, %rsp
	movl	%ebp, %edi		/* start_info; a 32-bit move zero-extends */
	xorl	%ebp, %ebp		/* ends the backtrace */
	call	kmain
9:	cli
	hlt
	jmp	9b

	.section .boot.data, "aw"
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00cf9a000000ffff	/* 0x18: 32-bit code */
boot_gdt_end:
boot_gdtr:
	.word boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)
msg_no_lm:
	.asciz "PANIC: this CPU has no long mode (x86_64 required)\n"

	.bss
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt_low:
	.skip 4096
boot_pdpt_high:
	.skip 4096
boot_pd:
	.skip 4 * 4096
	.globl boot_stack_guard
boot_stack_guard:			/* unmapped by paging_init */
	.skip 4096
	.globl boot_stack_bottom
boot_stack_bottom:
	.skip KSTACK_SIZE
	.globl boot_stack_top
boot_stack_top:
