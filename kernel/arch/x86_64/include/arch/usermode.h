/*
 * Ring 3 on x86_64: the user address-space layout, entering user mode, the
 * per-thread kernel stack and the saved kernel context that ends a thread.
 * Design and the entry paths: kernel/arch/x86_64/usermode.c and
 * syscall_entry.S.
 */
#ifndef ARCH_USERMODE_H
#define ARCH_USERMODE_H

/*
 * The end of the user window: Linux's TASK_SIZE_MAX on x86_64, one page
 * below the end of the lower half, so that a syscall in the last user
 * page returns to a canonical rip. The same as <mm/aspace.h>'s
 * ASPACE_USER_HI (checked in usermode.c); here for the entry code.
 */
#define USER_HI 0x7ffffffff000

#ifndef __ASSEMBLER__
#include <stdbool.h>
#include <stdint.h>

#include <kernel/compiler.h>

struct trapframe;

/* Callee-saved registers and where to resume: a setjmp buffer. */
struct kctx {
	uint64_t rip, rsp, rbx, rbp, r12, r13, r14, r15;
};

/* Saves the current kernel context in c and returns 0; returns again,
 * with 1, when kctx_restore(c) resumes it. The caller's frame must still
 * be live then (kctx_restore abandons everything below it). */
__attribute__((returns_twice)) int kctx_save(struct kctx *c);
__noreturn void kctx_restore(const struct kctx *c);

/*
 * Enters ring 3 with the registers in *tf (rip, rsp, rflags and every
 * general register; cs and ss are set to the user segments). Interrupts
 * go off; the kernel stack from the caller's frame down becomes the
 * thread's trap stack: tss.rsp0 points just below the caller, and every
 * entry from user mode starts there, so the user's frame always sits at
 * the top (user_frame()). fs_base and gs_base are the thread's segment
 * bases (its TLS pointer, and what arch_prctl(ARCH_SET_GS) gave).
 */
__noreturn void user_enter(const struct trapframe *tf, uint64_t fs_base, uint64_t gs_base);

/* The frame of the current thread's last entry from ring 3 (syscall,
 * interrupt or exception): valid in a syscall or a trap from user mode. */
struct trapframe *user_frame(void);

/* Asks the thread running on cpu (if any) to stop before it next enters
 * ring 3; the caller sends the IPI that gets it out of ring 3. Cleared by
 * the CPU itself once its thread has ended, or before any thread runs. */
void user_work_set(unsigned cpu);
void user_work_clear(unsigned cpu);
/* Whether this CPU's thread has been asked to stop: a syscall that waits
 * (futex) gives up its wait when it is. */
bool user_work_pending(void);

/* Set the FS or GS base of the thread running on this CPU (arch_prctl),
 * in a syscall; it lasts until the thread ends (kernel/proc.c keeps the
 * values too, for ARCH_GET_* and for the threads it clones). */
void user_set_fs_base(uint64_t base);
void user_set_gs_base(uint64_t base);

/* Syscall MSRs (EFER.SCE, STAR, LSTAR, SFMASK) and SSE for user code on
 * this CPU. Every CPU, from gdt_init_cpu. */
void usermode_init_cpu(void);

/* Exceptions from ring 3 (trap_dispatch): a page fault goes to the
 * process's address space; everything else, and a fault it cannot
 * resolve, kills the process. Returns only if the thread may go on. */
void user_exception(struct trapframe *tf);
/* The reports (proc_fault.what) of a ring-3 page fault that was not a
 * user-mode access, and of one resolved FAULT_SPURIOUS_MAX times in a row
 * without a change (see usermode.c). */
extern const char user_supervisor_fault[];
extern const char user_fault_no_progress[];

/* A kernel-mode page fault: if it hit a user address in a user copy
 * (an extable instruction) while a thread runs here, tries to fault the
 * page in; true if resolved (retry), false to take the fix-up, also when
 * the same fault was resolved FAULT_SPURIOUS_MAX times in a row without a
 * change. */
bool uaccess_fault(struct trapframe *tf, uint64_t cr2);

static inline bool user_range_ok(uint64_t addr, uint64_t len)
{
	return addr <= USER_HI && len <= USER_HI - addr;
}
#endif

#endif
