/*
 * The interrupt descriptor table: one interrupt gate per vector, all
 * pointing at the stubs in entry.S. Interrupt gates clear IF, so every
 * handler starts with interrupts off. Double fault, NMI and machine check
 * switch to their IST stacks. The breakpoint gate alone may be entered from
 * ring 3 (DPL 3), as on Linux: a user's int3 is a #BP, reported as SIGTRAP,
 * where every other `int $n` from ring 3 is a #GP. The table is shared by all CPUs and written
 * once, on the boot CPU, before any AP starts.
 */
#include <stdint.h>

#include <arch/cpu.h>

struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

struct __attribute__((packed)) idt_ptr {
	uint16_t limit;
	uint64_t base;
};

#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define GATE_DPL3 0x60       /* the gate's DPL field at 3 */
#define VECTOR_BREAKPOINT 3

extern const uint64_t trap_vectors[256];

static struct idt_gate idt[256] __attribute__((aligned(16)));

static uint8_t ist_for(unsigned vector)
{
	switch (vector) {
	case 2:
		return IST_NMI;
	case 8:
		return IST_DOUBLE_FAULT;
	case 18:
		return IST_MACHINE_CHECK;
	default:
		return 0;
	}
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = trap_vectors[v];
		idt[v] = (struct idt_gate){
			.offset_lo = (uint16_t)a,
			.selector = GDT_KCODE,
			.ist = ist_for(v),
			.type_attr = GATE_INTERRUPT | (v == VECTOR_BREAKPOINT ? GATE_DPL3 : 0),
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi = (uint32_t)(a >> 32),
		};
	}
}

void idt_load(void)
{
	struct idt_ptr p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};
	__asm__ volatile("lidt %0" : : "m"(p));
}
