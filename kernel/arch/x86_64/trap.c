/*
 * Trap dispatch: every vector lands in trap_dispatch() with interrupts off.
 *
 *   - NMI: if a panic is in progress, this CPU was told to stop; otherwise
 *     it is counted (self-tests send NMIs on purpose).
 *   - Exceptions from ring 3 (but double fault and machine check, which
 *     panic wherever they come from) go to user_exception (usermode.c):
 *     the process's page fault, or the end of the process.
 *   - A kernel #PF on a user address in a user copy first tries to fault
 *     the page in (uaccess_fault); then a #GP or #PF at an instruction
 *     listed in the exception table resumes at its fix-up (arch/extable.h).
 *   - Other exceptions: a registered exception handler may claim the trap
 *     (and fix up the frame); anything unclaimed is a kernel bug and ends in
 *     panic_trap() with a full report.
 *   - Device and IPI vectors: the registered handler runs, then EOI. An
 *     interrupt that came from ring 0 inside a restartable per-CPU
 *     sequence first moves the return address to the sequence's start
 *     (arch/cpu_seq.h). NMIs touch no per-CPU stack and need not; nor do
 *     exceptions, so a fault inside a sequence is reported where it was.
 *
 * The handler tables are written at init or by self-tests on the boot CPU
 * before the vector can fire; readers need no lock.
 */
#include <stdatomic.h>
#include <errno.h>

#include <arch/apic.h>
#include <arch/cpu_seq.h>
#include <arch/extable.h>
#include <arch/trapframe.h>
#include <arch/usermode.h>
#include <arch/x86.h>
#include <kernel/irq.h>
#include <kernel/panic.h>
#include <kernel/percpu.h>
#include <kernel/trap.h>

static irq_handler_t irq_handlers[256];
static exception_handler_t exception_handlers[32];

static const char *const exception_names[32] = {
	"divide error (#DE)", "debug (#DB)", "non-maskable interrupt (NMI)",
	"breakpoint (#BP)", "overflow (#OF)", "bound range exceeded (#BR)",
	"invalid opcode (#UD)", "device not available (#NM)", "double fault (#DF)",
	"coprocessor segment overrun", "invalid TSS (#TS)", "segment not present (#NP)",
	"stack-segment fault (#SS)", "general protection fault (#GP)", "page fault (#PF)",
	"reserved (15)", "x87 floating-point error (#MF)", "alignment check (#AC)",
	"machine check (#MC)", "SIMD floating-point error (#XM)", "virtualization exception (#VE)",
	"control protection exception (#CP)", "reserved (22)", "reserved (23)",
	"reserved (24)", "reserved (25)", "reserved (26)", "reserved (27)",
	"hypervisor injection exception (#HV)", "VMM communication exception (#VC)",
	"security exception (#SX)", "reserved (31)",
};

const char *exception_name(unsigned vector)
{
	return vector < 32 ? exception_names[vector] : "interrupt";
}

int irq_register(unsigned vector, irq_handler_t h)
{
	if (vector < 32 || vector >= VECTOR_SPURIOUS || !h)
		return -EINVAL;
	if (irq_handlers[vector])
		return -EBUSY;
	irq_handlers[vector] = h;
	return 0;
}

void irq_unregister(unsigned vector)
{
	if (vector < 256)
		irq_handlers[vector] = 0;
}

int exception_register(unsigned vector, exception_handler_t h)
{
	if (vector >= 32 || vector == 2 || !h)
		return -EINVAL;
	if (exception_handlers[vector])
		return -EBUSY;
	exception_handlers[vector] = h;
	return 0;
}

void exception_unregister(unsigned vector)
{
	if (vector < 32)
		exception_handlers[vector] = 0;
}

static bool is_pic_spurious(unsigned vector)
{
	return vector == VECTOR_PIC_BASE + 7 || vector == VECTOR_PIC_BASE + 15;
}

void trap_dispatch(struct trapframe *tf);

void trap_dispatch(struct trapframe *tf)
{
	unsigned v = (unsigned)tf->vector;

	if (v == 2) {
		if (panic_in_progress())
			panic_halt_self();
		this_cpu()->arch.last_nmi_frame = (uint64_t)(uintptr_t)tf;
		atomic_fetch_add_explicit(&this_cpu()->nmis_received, 1, memory_order_release);
		return;
	}
	if (v < 32) {
		if ((tf->cs & 3) && v != 8 && v != 18) {
			user_exception(tf);
			return;
		}
		if (v == 14 && uaccess_fault(tf, read_cr2()))
			return;
		if ((v == 13 || v == 14) && extable_fixup(tf))
			return;
		if (exception_handlers[v] && exception_handlers[v](tf))
			return;
		panic_trap(tf, exception_names[v]);
	}
	if (!(tf->cs & 3))
		cpu_seq_fixup(tf);
	if (v == VECTOR_SPURIOUS || is_pic_spurious(v))
		return; /* no EOI for spurious vectors */
	if (!irq_handlers[v])
		panic_trap(tf, "unexpected interrupt (no handler registered)");
	if (v >= VECTOR_IPI_TEST)
		atomic_fetch_add_explicit(&this_cpu()->ipis_received, 1, memory_order_relaxed);
	irq_handlers[v](tf);
	lapic_eoi();
}
