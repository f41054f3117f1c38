/*
 * Per-CPU architectural state: this CPU's GDT, TSS and interrupt stacks.
 * Each CPU loads its own GDT because the TSS descriptor (busy bit, stack
 * pointers) cannot be shared.
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UDATA 0x1b /* user data, then user code: the order sysret needs */
#define GDT_UCODE 0x23
#define GDT_TSS   0x28
#define GDT_ENTRIES 7 /* null, kcode, kdata, udata, ucode, tss (2 slots) */

/* Interrupt stack table slots (1-based, as in the IDT gate). */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3
#define IST_COUNT        3

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct arch_percpu {
	uint64_t gdt[GDT_ENTRIES];
	struct tss tss; /* tss.rsp[0]: the running user thread's kernel stack top */
	uint32_t apic_id;
	uint64_t last_nmi_frame; /* where the last NMI's frame was (self-test) */
	/* User mode (arch/usermode.h); entry code reaches these through %gs. */
	uint64_t user_rsp_scratch; /* the user's rsp between syscall and the frame */
	_Atomic uint32_t user_work; /* nonzero: stop the thread before ring 3; any CPU sets it */
};

struct percpu;

/* Feature bits found once on the boot CPU. */
struct cpu_features {
	bool nx, x2apic, invariant_tsc, pdpe1gb, smep, smap, umip, fsgsbase;
	bool hypervisor;
	char hypervisor_id[13];
	char vendor[13];
	uint32_t max_leaf;
};

extern struct cpu_features cpu_features;

void cpu_features_init(void);
/* This CPU's protections, once it runs on the kernel's tables: global
 * pages (CR4.PGE), and where the CPU has them SMEP (no kernel execution
 * of user pages), SMAP (no kernel access to user pages outside
 * stac/clac) and UMIP (sgdt, sidt, sldt, smsw and str raise #GP in ring
 * 3, so they cannot reveal kernel addresses). Every CPU, after
 * cpu_features_init on the BSP. */
void cpu_protections_init(void);
/*
 * SMAP's window for deliberate user accesses: EFLAGS.AC set. Written with
 * pushf/popf rather than the stac/clac instructions, which a software
 * hypervisor (kvm_pvm, on this project's machines) fails to emulate with
 * a "KVM internal error"; popf may change AC at CPL 0 everywhere.
 */
#define RFLAGS_AC (1ul << 18)

static inline void stac(void)
{
	__asm__ volatile("pushfq; orq %0, (%%rsp); popfq" : : "i"(RFLAGS_AC) : "memory", "cc");
}

static inline void clac(void)
{
	__asm__ volatile("pushfq; andq %0, (%%rsp); popfq" : : "i"(~RFLAGS_AC) : "memory", "cc");
}
const char *cpu_accel_name(void);
void gdt_init_cpu(struct percpu *pc, uint8_t *ist_stacks[IST_COUNT]);
void idt_init(void);
void idt_load(void);

#endif
