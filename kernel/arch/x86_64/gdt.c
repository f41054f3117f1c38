/*
 * Per-CPU GDT and TSS. Each CPU gets its own table because the TSS
 * descriptor cannot be shared (the CPU marks it busy on ltr). The TSS
 * carries the interrupt stack table: double fault, NMI and machine check
 * run on their own stacks, so they still get a good stack when the kernel
 * stack is exhausted or corrupt. Its rsp0 is the running user thread's
 * kernel stack (set by user_enter). The user segments sit in the order
 * that syscall/sysret derive from STAR (usermode_init_cpu, called here so
 * that every CPU sets its syscall MSRs with its GDT).
 */
#include <stddef.h>

#include <arch/cpu.h>
#include <arch/layout.h>
#include <arch/usermode.h>
#include <kernel/percpu.h>

/* Accessed bits preset, so loading a selector never writes the table. */
#define SEG_KCODE64 0x00af9b000000ffffull
#define SEG_KDATA   0x00cf93000000ffffull
#define SEG_UDATA   0x00cff3000000ffffull
#define SEG_UCODE64 0x00affb000000ffffull
#define TSS_AVAILABLE 0x89ull

struct __attribute__((packed)) table_ptr {
	uint16_t limit;
	uint64_t base;
};

static void load_gdt(const uint64_t *gdt)
{
	struct table_ptr p = {GDT_ENTRIES * 8 - 1, (uint64_t)(uintptr_t)gdt};
	__asm__ volatile("lgdt %0" : : "m"(p));
	/* Reload CS with a far return, then the data segments. FS and GS are
	 * left alone: loading them would clear the GS base. */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %1, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss"
			 : : "i"(GDT_KCODE), "i"(GDT_KDATA) : "rax", "memory");
}

void gdt_init_cpu(struct percpu *pc, uint8_t *ist_stacks[IST_COUNT])
{
	struct arch_percpu *a = &pc->arch;
	uint64_t base = (uint64_t)(uintptr_t)&a->tss;
	uint64_t limit = sizeof(a->tss) - 1;

	for (unsigned i = 0; i < IST_COUNT; i++)
		a->tss.ist[i] = (uint64_t)(uintptr_t)(ist_stacks[i] + IST_STACK_SIZE);
	a->tss.iomap_base = sizeof(a->tss); /* no I/O bitmap */

	a->gdt[0] = 0;
	a->gdt[GDT_KCODE / 8] = SEG_KCODE64;
	a->gdt[GDT_KDATA / 8] = SEG_KDATA;
	a->gdt[GDT_UDATA / 8] = SEG_UDATA;
	a->gdt[GDT_UCODE / 8] = SEG_UCODE64;
	a->gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			      (TSS_AVAILABLE << 40) | (((limit >> 16) & 0xf) << 48) |
			      (((base >> 24) & 0xff) << 56);
	a->gdt[GDT_TSS / 8 + 1] = base >> 32;

	load_gdt(a->gdt);
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)GDT_TSS));
	usermode_init_cpu();
}
