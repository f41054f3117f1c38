/*
 * copy_from_user / copy_to_user / strncpy_from_user on x86_64
 * (kernel/uaccess.h), and the kernel-mode page fault that lets them fault
 * user pages in.
 *
 * A copy is one `rep movsb` between stac and clac, with an exception-table
 * entry. rep movsb keeps its progress in rcx/rsi/rdi, so after a page fault
 * that the address space resolves the CPU restarts it where it stopped:
 * a copy into memory that was never touched demand-pages it, exactly as
 * the program's own access would have. A fault the address space cannot
 * resolve (no VMA, no permission, out of memory) takes the fix-up, which
 * makes the copy return -EFAULT. So does one that the address space keeps
 * resolving without a change (the thread's fault_progress,
 * kernel/fault_progress.c): retried forever, it would hang the syscall.
 *
 * uaccess_fault runs from trap_dispatch with interrupts off (an interrupt
 * gate) and turns them back on for aspace_fault, which may wait for the
 * address space's lock: that needs the copy itself to have run with
 * interrupts on, as every syscall does. It acts only for a user address
 * at an exception-table instruction on a CPU that runs a user thread, so
 * the kernel probes (arch/extable.h) keep their plain fix-up.
 */
#include <errno.h>

#include <arch/cpu.h>
#include <arch/extable.h>
#include <arch/layout.h>
#include <arch/trapframe.h>
#include <arch/usermode.h>
#include <arch/x86.h>
#include <kernel/fault_progress.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/uaccess.h>
#include <mm/aspace.h>

#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)

static int copy_user(void *dst, const void *src, size_t n)
{
	int err = 0;

	stac();
	__asm__ volatile("1: rep movsb\n\t"
			 "2:\n\t"
			 ".pushsection .text.fixup, \"ax\"\n\t"
			 "3: movl %[efault], %[err]\n\t"
			 "jmp 2b\n\t"
			 ".popsection\n\t"
			 EXTABLE_ENTRY("1b", "3b")
			 : [err] "+r"(err), "+D"(dst), "+S"(src), "+c"(n)
			 : [efault] "i"(-EFAULT)
			 : "memory");
	clac();
	return err;
}

int copy_from_user(void *dst, uintptr_t src, size_t n)
{
	if (!user_range_ok(src, n))
		return -EFAULT;
	return copy_user(dst, (const void *)src, n);
}

int copy_to_user(uintptr_t dst, const void *src, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return copy_user((void *)dst, src, n);
}

/* A page at a time: a page that holds the NUL is the last one read. */
long strncpy_from_user(char *dst, uintptr_t src, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t chunk = PAGE_SIZE_4K - ((src + done) & (PAGE_SIZE_4K - 1));

		if (chunk > n - done)
			chunk = n - done;
		if (copy_from_user(dst + done, src + done, chunk))
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++)
			if (dst[done + i] == '\0')
				return (long)(done + i);
		done += chunk;
	}
	return (long)n;
}

bool uaccess_fault(struct trapframe *tf, uint64_t cr2)
{
	struct aspace *as = proc_current_aspace();
	unsigned access = 0;
	int rc;

	if (cr2 >= USER_HI || !as || !(tf->rflags & RFLAGS_IF) || !extable_has(tf->rip))
		return false;
	if (tf->error & PF_WRITE)
		access |= ASPACE_FAULT_WRITE;
	if (tf->error & PF_PRESENT)
		access |= ASPACE_FAULT_PRESENT;
	sti();
	rc = aspace_fault(as, cr2, access);
	cli();
	if (!fault_progress_check(proc_fault_progress(), tf->rip, cr2, tf->error, rc)) {
		kprintf("uaccess: the fault at %#lx from ip %#lx was resolved %u times without a "
			"change: the copy fails\n",
			(unsigned long)cr2, (unsigned long)tf->rip, FAULT_SPURIOUS_MAX);
		return false;
	}
	return rc == 0 || rc == ASPACE_FAULT_SPURIOUS;
}
