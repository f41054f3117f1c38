/*
 * The panic report for an unhandled exception: what happened, where, the
 * decoded error code (and CR2 for page faults), all registers and a
 * backtrace. Runs on the faulting CPU after panic_begin() has stopped the
 * others, so it may print freely.
 */
#include <arch/layout.h>
#include <arch/trapframe.h>
#include <arch/x86.h>
#include <kernel/ksyms.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>

#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)
#define PF_FETCH   (1u << 4)

static void report_page_fault(uint64_t err)
{
	uint64_t cr2 = read_cr2();
	kprintf("cr2=%#018lx (%s %s %s%s%s)\n", (unsigned long)cr2,
		(err & PF_PRESENT) ? "protection-violation" : "not-present",
		(err & PF_WRITE) ? "write" : "read", (err & PF_USER) ? "user" : "kernel",
		(err & PF_FETCH) ? " instruction-fetch" : "",
		(err & PF_RSVD) ? " reserved-bit-set" : "");
}

/* Error codes of #TS/#NP/#SS/#GP name a segment selector or IDT slot. */
static void report_selector_error(uint64_t err)
{
	if (err == 0) {
		kprintf("error code: 0 (no selector involved)\n");
		return;
	}
	kprintf("error code: %#lx (%s index %lu%s)\n", (unsigned long)err,
		(err & 2) ? "IDT" : ((err & 4) ? "LDT" : "GDT"), (unsigned long)(err >> 3),
		(err & 1) ? ", external" : "");
}

void panic_trap(const struct trapframe *tf, const char *what)
{
	uint64_t off = 0;
	const char *fn;

	panic_begin();
	fn = ksym_lookup(tf->rip, &off);
	kprintf("PANIC: cpu %u: %s at rip %#lx (%s+%#lx)\n", this_cpu_id(), what,
		(unsigned long)tf->rip, fn ? fn : "?", (unsigned long)off);
	switch (tf->vector) {
	case 14:
		kprintf("error code: %#lx\n", (unsigned long)tf->error);
		report_page_fault(tf->error);
		break;
	case 10:
	case 11:
	case 12:
	case 13:
		report_selector_error(tf->error);
		break;
	default:
		kprintf("error code: %#lx\n", (unsigned long)tf->error);
	}
	kprintf("rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->rsp);
	kprintf("r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
	kprintf("r12=%016lx r13=%016lx r14=%016lx r15=%016lx\n", tf->r12, tf->r13, tf->r14, tf->r15);
	kprintf("rip=%016lx rflags=%016lx cs=%04lx ss=%04lx vector=%lu\n", tf->rip, tf->rflags,
		tf->cs, tf->ss, tf->vector);
	kprintf("cr0=%016lx cr3=%016lx cr4=%016lx\n", (unsigned long)read_cr0(),
		(unsigned long)read_cr3(), (unsigned long)read_cr4());
	const struct percpu *pc = this_cpu();
	if (tf->rsp < pc->stack_bottom && tf->rsp >= pc->stack_bottom - PAGE_SIZE_4K)
		kprintf("note: kernel stack overflow: rsp is in the guard page below this CPU's stack [%#lx, %#lx)\n",
			(unsigned long)pc->stack_bottom, (unsigned long)pc->stack_top);
	else if (tf->rsp < pc->stack_bottom || tf->rsp > pc->stack_top)
		kprintf("note: rsp is outside this CPU's kernel stack [%#lx, %#lx): stack overflow or corruption?\n",
			(unsigned long)pc->stack_bottom, (unsigned long)pc->stack_top);
	panic_backtrace(tf->rip, tf->rbp);
	panic_end();
}
