/*
 * Ring 3 on x86_64: per-CPU set-up of the syscall instruction, the
 * thread's kernel stack, exceptions from user mode, and the per-CPU
 * "stop the thread" request.
 *
 * Entry and exit paths are in syscall_entry.S (syscall, return to user,
 * user_enter) and entry.S (interrupts and exceptions). A CPU runs at most
 * one user thread (kernel/proc.c), on the CPU's own kernel stack: the
 * part below the frame that entered ring 3 (user_enter sets tss.rsp0
 * there). Every entry from ring 3 -- syscall or trap -- starts at rsp0,
 * so the user's registers are always the topmost frame (user_frame).
 *
 * user_work (in the per-CPU area, so the return path tests it with one
 * %gs-relative compare) asks the CPU's thread to end before it runs user
 * code again: set by any CPU (exit_group, a kill), cleared by its own CPU
 * when the thread has ended (see proc.c for the ordering).
 *
 * Exceptions from ring 3 arrive with interrupts off; a page fault turns
 * them on for aspace_fault (it may wait for the address-space lock while
 * the holder waits for this CPU's flush IPI). A fault that the address
 * space cannot resolve, and every other exception, kills the process with
 * a report (proc_kill_current): SIGSEGV, SIGBUS for a page past the end
 * of a file (as Linux), SIGKILL when out of memory. So does a page fault from ring 3 that is
 * not a user-mode access: QEMU's TCG performs the stack accesses of a ring-3
 * iretq, lretq or far call as supervisor accesses, which SMAP refuses on a
 * user page that is present and readable. The address space has nothing
 * to resolve there, and returning would run the instruction into the same
 * fault forever. For any other fault that the address space resolves
 * without a change (ASPACE_FAULT_SPURIOUS) the thread's fault_progress
 * bounds the retries: the same fault resolved FAULT_SPURIOUS_MAX times in
 * a row kills the process too, with a report that says so
 * (kernel/fault_progress.c).
 */
#include <stddef.h>
#include <errno.h>

#include <arch/cpu.h>
#include <arch/trapframe.h>
#include <arch/usermode.h>
#include <arch/x86.h>
#include <kernel/fault_progress.h>
#include <kernel/percpu.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/trap.h>
#include <uapi/testbed.h>
#include <mm/aspace.h>

#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_FETCH   (1u << 4)

#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXMMEXCPT (1ul << 10)

/* Cleared on syscall entry: TF, IF, DF, IOPL, NT, AC (as Linux). */
#define SYSCALL_RFLAGS_MASK 0x47700ul

_Static_assert(USER_HI == ASPACE_USER_HI, "the entry code's user window is the address space's");

extern char syscall_entry[];

__noreturn void user_return_work(struct trapframe *tf);

/*
 * The per-CPU offsets that the entry code uses as %gs:PC_X, defined as
 * absolute symbols from offsetof (the job of Linux's asm-offsets). The
 * asm emits no instruction; it sits in a function every CPU runs.
 */
static void define_asm_offsets(void)
{
	__asm__(".globl PC_USER_RSP\n\t.set PC_USER_RSP, %c0\n\t"
		".globl PC_KSTACK\n\t.set PC_KSTACK, %c1\n\t"
		".globl PC_USER_WORK\n\t.set PC_USER_WORK, %c2"
		:
		: "i"(offsetof(struct percpu, arch.user_rsp_scratch)),
		  "i"(offsetof(struct percpu, arch.tss.rsp[0])),
		  "i"(offsetof(struct percpu, arch.user_work)));
}

void usermode_init_cpu(void)
{
	define_asm_offsets();
	wrmsr(MSR_STAR, ((uint64_t)(GDT_UDATA - 8) << 48) | ((uint64_t)GDT_KCODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)(uintptr_t)syscall_entry);
	wrmsr(MSR_FMASK, SYSCALL_RFLAGS_MASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* SSE for user code (the kernel itself never touches it). */
	write_cr0((read_cr0() & ~CR0_EM) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

struct trapframe *user_frame(void)
{
	return (struct trapframe *)(uintptr_t)this_cpu()->arch.tss.rsp[0] - 1;
}

void user_work_set(unsigned cpu)
{
	atomic_store(&cpu_area(cpu)->arch.user_work, 1);
}

void user_work_clear(unsigned cpu)
{
	atomic_store(&cpu_area(cpu)->arch.user_work, 0);
}

bool user_work_pending(void)
{
	return atomic_load(&this_cpu()->arch.user_work) != 0;
}

/* The MSRs, not wrfsbase/wrgsbase: FSGSBASE may be missing (or off in
 * CR4). The kernel never loads %fs, so the FS base stays until the next
 * thread's user_enter sets its own. The kernel's %gs is the per-CPU area:
 * from syscall entry to exit swapgs keeps the user's GS base in
 * KERNEL_GS_BASE, which is where it is set. */
void user_set_fs_base(uint64_t base)
{
	wrmsr(MSR_FS_BASE, base);
}

void user_set_gs_base(uint64_t base)
{
	wrmsr(MSR_KERNEL_GS_BASE, base);
}

void user_return_work(struct trapframe *tf)
{
	(void)tf;
	proc_thread_stop();
}

static int signal_of(unsigned vector)
{
	switch (vector) {
	case 0:  /* #DE */
	case 16: /* #MF */
	case 19: /* #XM */
		return SIGFPE;
	case 1:  /* #DB */
	case 3:  /* #BP */
		return SIGTRAP;
	case 6:  /* #UD */
		return SIGILL;
	case 11: /* #NP */
	case 12: /* #SS */
	case 17: /* #AC */
		return SIGBUS;
	default:
		return SIGSEGV;
	}
}

static unsigned access_of(uint64_t error)
{
	return ((error & PF_WRITE) ? TB_ACCESS_WRITE : 0) | ((error & PF_FETCH) ? TB_ACCESS_EXEC : 0);
}

/*
 * kvm_pvm, the software KVM of this project's machines, performs a user's
 * syscall only halfway: it sets rcx, r11, the masked rflags and rip =
 * LSTAR, but stays in ring 3, so fetching syscall_entry page-faults there.
 * The frame then holds all the syscall needs: finish it like the entry
 * would (the frame is the thread's top one, as user_frame() expects) and
 * return through iretq. Hardware never gets here: a real syscall cannot
 * fault on its target.
 */
static bool half_done_syscall(struct trapframe *tf)
{
	if (tf->vector != 14 || tf->rip != (uint64_t)(uintptr_t)syscall_entry)
		return false;
	tf->rip = tf->rcx;
	tf->rflags = tf->r11;
	sti();
	syscall_dispatch(tf);
	cli();
	return true;
}

const char user_supervisor_fault[] = "page fault by a supervisor-mode access for user code";
const char user_fault_no_progress[] = "page fault resolved again and again without a change";

void user_exception(struct trapframe *tf)
{
	struct proc_fault f = {.ip = tf->rip, .error = tf->error};

	if (half_done_syscall(tf))
		return;
	if (tf->vector == 14 && !(tf->error & PF_USER)) {
		f.signal = SIGSEGV;
		f.what = user_supervisor_fault;
		f.addr = read_cr2();
	} else if (tf->vector == 14) {
		uint64_t addr = read_cr2();
		unsigned access = ASPACE_FAULT_USER;
		int rc;

		if (tf->error & PF_WRITE)
			access |= ASPACE_FAULT_WRITE;
		if (tf->error & PF_FETCH)
			access |= ASPACE_FAULT_EXEC;
		if (tf->error & PF_PRESENT)
			access |= ASPACE_FAULT_PRESENT;
		sti();
		rc = aspace_fault(proc_current_aspace(), addr, access);
		cli();
		f.addr = addr;
		f.access = access_of(tf->error);
		if (!fault_progress_check(proc_fault_progress(), tf->rip, addr, tf->error, rc)) {
			f.signal = SIGSEGV;
			f.what = user_fault_no_progress;
			f.resolved = FAULT_SPURIOUS_MAX;
		} else if (rc == 0 || rc == ASPACE_FAULT_SPURIOUS) {
			return;
		} else {
			f.signal = rc == -ENOMEM ? SIGKILL : rc == -ENXIO ? SIGBUS : SIGSEGV;
			f.cause = rc;
		}
	} else {
		f.signal = signal_of((unsigned)tf->vector);
		f.what = exception_name((unsigned)tf->vector);
	}
	proc_kill_current(&f);
}
