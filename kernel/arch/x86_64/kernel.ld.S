/*
 * Kernel image layout. Linked at KERNEL_VMA + KERNEL_PHYS, loaded at
 * KERNEL_PHYS (AT()). The PVH note has its own PT_NOTE header so that the
 * loader finds the 32-bit entry point.
 *
 * .ksyms (the symbol table used by backtraces) sits after .data so that
 * filling it in on the second link moves no text or rodata symbol.
 */
#include <arch/layout.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
ENTRY(pvh_start)

PHDRS
{
	text   PT_LOAD FLAGS(5);
	rodata PT_LOAD FLAGS(4);
	data   PT_LOAD FLAGS(6);
	note   PT_NOTE FLAGS(4);
}

SECTIONS
{
	. = KERNEL_VMA + KERNEL_PHYS;
	__kernel_start = .;

	.text : AT(ADDR(.text) - KERNEL_VMA) {
		__text_start = .;
		*(.boot.text)
		*(.text .text.*)
		__text_end = .;
	} :text

	. = ALIGN(4096);
	.rodata : AT(ADDR(.rodata) - KERNEL_VMA) {
		__rodata_start = .;
		*(.rodata .rodata.*)
		. = ALIGN(8);
		__selftests_start = .;
		KEEP(*(.selftests))
		__selftests_end = .;
		. = ALIGN(8);
		__extable_start = .;
		KEEP(*(__ex_table))
		__extable_end = .;
		. = ALIGN(8);
		__cpu_seq_start = .;
		KEEP(*(.cpu_seq))
		__cpu_seq_end = .;
		. = ALIGN(16);
		__trampoline_start = .;
		KEEP(*(.trampoline))
		__trampoline_end = .;
	} :rodata

	.note.pvh : AT(ADDR(.note.pvh) - KERNEL_VMA) {
		KEEP(*(.note.pvh))
	} :rodata :note

	. = ALIGN(4096);
	.data : AT(ADDR(.data) - KERNEL_VMA) {
		__data_start = .;
		*(.boot.data)
		*(.data .data.*)
	} :data

	.ksyms : AT(ADDR(.ksyms) - KERNEL_VMA) {
		KEEP(*(.ksyms))
	} :data

	. = ALIGN(4096);
	.bss : AT(ADDR(.bss) - KERNEL_VMA) {
		__bss_start = .;
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(4096);
		__bss_end = .;
	} :data

	__kernel_end = .;

	/DISCARD/ : {
		*(.comment)
		*(.eh_frame)
		*(.note.GNU-stack)
		*(.note.gnu.property)
	}
}
