/*
 * The legacy 8259 PICs are not used: the local APIC delivers everything.
 * They are remapped away from the exception vectors first (a spurious IRQ
 * 7 would otherwise look like a #DF-range exception) and then fully masked.
 */
#include <arch/x86.h>
#include <kernel/irq.h>

#include "pic.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1

void pic_disable(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: init, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, VECTOR_PIC_BASE);
	outb(PIC2_DATA, VECTOR_PIC_BASE + 8);
	outb(PIC1_DATA, 0x04); /* slave on IRQ2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}
