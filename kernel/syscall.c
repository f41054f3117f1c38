/*
 * The system calls: Linux's x86_64 numbers and semantics for what a
 * multi-threaded program of this testbed, or a static program of a C
 * library (musl), needs, and the testbed's own calls from 1000
 * (uapi/testbed.h). Anything else is -ENOSYS. The console calls are in
 * syscall_io.c, the threading ones (arch_prctl, set_tid_address,
 * rt_sigprocmask, futex) in syscall_thread.c, the calls on memory files'
 * descriptors (memfd_create, ftruncate, close, mmap) in syscall_file.c;
 * this file has the other memory-management calls, the process calls and
 * the table.
 *
 * Each handler takes the caller's trap frame (arguments in rdi rsi rdx
 * r10 r8 r9, as Linux's pt_regs-based syscalls do) and returns what the
 * syscall returns: a value or -errno. Where Linux takes an int (fd,
 * advice, exit status), the upper half of the register is ignored, as
 * Linux's prototypes do. The mmap family goes straight to the address
 * space (<mm/aspace.h>), which does the argument checking and returns
 * Linux's errno; this layer only moves data across the user boundary
 * (kernel/uaccess.h).
 *
 * Context: the calling thread, on its own CPU, interrupts on; handlers
 * may wait for locks. None may call on_cpus (see kernel/proc.c).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include <arch/trapframe.h>
#include <arch/tsc.h>
#include <arch/usermode.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/syscall.h>
#include <kernel/uaccess.h>
#include <mm/commit.h>
#include <mm/init.h>
#include <mm/slab.h>
#include <uapi/linux_abi.h>
#include <uapi/testbed.h>
#include <mm/aspace.h>

#define PAGE 4096ull
#define CHUNK 512 /* bytes moved per copy in mincore */

typedef long (*syscall_fn)(struct trapframe *tf);

static struct aspace *as(void)
{
	return proc_current_aspace();
}

static long sys_mprotect(struct trapframe *tf)
{
	return aspace_mprotect(as(), tf->rdi, tf->rsi, tf->rdx);
}

static long sys_munmap(struct trapframe *tf)
{
	return aspace_munmap(as(), tf->rdi, tf->rsi);
}

static long sys_brk(struct trapframe *tf)
{
	return aspace_brk(as(), tf->rdi);
}

static long sys_sched_yield(struct trapframe *tf)
{
	(void)tf;
	return 0; /* one thread per CPU: nothing to yield to */
}

static long sys_mremap(struct trapframe *tf)
{
	return aspace_mremap(as(), tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8);
}

/* Linux's checks in its order (unaligned start, range beyond the user
 * window, then the vector), then the pages in chunks, each copied out
 * before the next is looked at, as Linux does. */
static long sys_mincore(struct trapframe *tf)
{
	uintptr_t start = tf->rdi, vec = tf->rdx;
	uint64_t len = tf->rsi, pages;
	unsigned char chunk[CHUNK];

	if (start & (PAGE - 1))
		return -EINVAL;
	if (!user_range_ok(start, len))
		return -ENOMEM;
	pages = (len + PAGE - 1) / PAGE;
	if (!user_range_ok(vec, pages))
		return -EFAULT;
	while (pages) {
		uint64_t n = pages < CHUNK ? pages : CHUNK;
		long rc = aspace_mincore(as(), start, n * PAGE, chunk);
		if (rc < 0)
			return rc;
		if (copy_to_user(vec, chunk, n))
			return -EFAULT;
		pages -= n;
		start += n * PAGE;
		vec += n;
	}
	return 0;
}

static long sys_madvise(struct trapframe *tf)
{
	return aspace_madvise(as(), tf->rdi, tf->rsi, (int)tf->rdx);
}

static long sys_getpid(struct trapframe *tf)
{
	(void)tf;
	return proc_getpid();
}

static long sys_clone(struct trapframe *tf)
{
	return proc_clone(tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8);
}

static long sys_exit(struct trapframe *tf)
{
	proc_exit((int)tf->rdi);
}

static long sys_gettid(struct trapframe *tf)
{
	(void)tf;
	return proc_gettid();
}

static long sys_exit_group(struct trapframe *tf)
{
	proc_exit_group((int)tf->rdi);
}

/* ---- Testbed calls ---- */

_Static_assert(sizeof(struct tb_vma) == sizeof(struct aspace_vma_info),
	       "tb_vma is aspace_vma_info as user code sees it");

/* Counts first, then fills a buffer of that size (or max, if smaller); a
 * VMA created in between is counted by the second call, not copied. */
static long sys_tb_vmas(struct trapframe *tf)
{
	uintptr_t ubuf = tf->rdi;
	uint64_t max = tf->rsi, n;
	struct aspace_vma_info none, *buf;
	long count = aspace_vmas(as(), &none, 0);

	n = (uint64_t)count < max ? (uint64_t)count : max;
	if (n == 0)
		return count;
	if (!user_range_ok(ubuf, n * sizeof(*buf)))
		return -EFAULT;
	buf = kmalloc(n * sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	count = aspace_vmas(as(), buf, n);
	if ((uint64_t)count < n)
		n = (uint64_t)count;
	if (copy_to_user(ubuf, buf, n * sizeof(*buf)))
		count = -EFAULT;
	kfree(buf);
	return count;
}

static long sys_tb_check(struct trapframe *tf)
{
	char err[200];
	int rc = aspace_check(as(), err, sizeof(err));

	(void)tf;
	if (rc)
		kprintf("user: tb_check (pid %d): %s\n", proc_getpid(), err);
	return rc;
}

static long sys_tb_expect_fault(struct trapframe *tf)
{
	return proc_expect_fault(tf->rdi, tf->rsi, tf->rdx);
}

static long sys_tb_report(struct trapframe *tf)
{
	return proc_report(tf->rdx, tf->rdi, tf->rsi);
}

static long sys_tb_cpu(struct trapframe *tf)
{
	(void)tf;
	return this_cpu_id();
}

static long sys_tb_rdtsc_hz(struct trapframe *tf)
{
	(void)tf;
	return (long)tsc_hz;
}

static long sys_tb_ncpus(struct trapframe *tf)
{
	(void)tf;
	return proc_ncpus();
}

static long sys_tb_expect_signal(struct trapframe *tf)
{
	return proc_expect_signal(tf->rdi);
}

static long sys_tb_meminfo(struct trapframe *tf)
{
	struct mm_commit_info ci;
	struct tb_meminfo mi;

	mm_commit_info(&ci);
	mi = (struct tb_meminfo){
		.ram = ci.ram,
		.free = mm_free_frames(),
		.committed = ci.committed,
		.commit_limit = ci.limit,
		.overcommit_mode = ci.mode,
		.overcommit_ratio = ci.ratio,
	};
	return copy_to_user(tf->rdi, &mi, sizeof(mi)) ? -EFAULT : 0;
}

static const syscall_fn linux_calls[] = {
	[SYS_read] = sys_read,
	[SYS_write] = sys_write,
	[SYS_close] = sys_close,
	[SYS_mmap] = sys_mmap,
	[SYS_mprotect] = sys_mprotect,
	[SYS_munmap] = sys_munmap,
	[SYS_brk] = sys_brk,
	[SYS_rt_sigprocmask] = sys_rt_sigprocmask,
	[SYS_ioctl] = sys_ioctl,
	[SYS_readv] = sys_read,
	[SYS_writev] = sys_writev,
	[SYS_sched_yield] = sys_sched_yield,
	[SYS_mremap] = sys_mremap,
	[SYS_mincore] = sys_mincore,
	[SYS_madvise] = sys_madvise,
	[SYS_getpid] = sys_getpid,
	[SYS_clone] = sys_clone,
	[SYS_exit] = sys_exit,
	[SYS_ftruncate] = sys_ftruncate,
	[SYS_arch_prctl] = sys_arch_prctl,
	[SYS_gettid] = sys_gettid,
	[SYS_futex] = sys_futex,
	[SYS_set_tid_address] = sys_set_tid_address,
	[SYS_exit_group] = sys_exit_group,
	[SYS_memfd_create] = sys_memfd_create,
};

#define TB(nr) [(nr) - TB_SYS_VMAS]
static const syscall_fn testbed_calls[] = {
	TB(TB_SYS_VMAS) = sys_tb_vmas,
	TB(TB_SYS_CHECK) = sys_tb_check,
	TB(TB_SYS_EXPECT_FAULT) = sys_tb_expect_fault,
	TB(TB_SYS_REPORT) = sys_tb_report,
	TB(TB_SYS_CPU) = sys_tb_cpu,
	TB(TB_SYS_RDTSC_HZ) = sys_tb_rdtsc_hz,
	TB(TB_SYS_NCPUS) = sys_tb_ncpus,
	TB(TB_SYS_EXPECT_SIGNAL) = sys_tb_expect_signal,
	TB(TB_SYS_MEMINFO) = sys_tb_meminfo,
};

/* The number is eax alone: Linux's entry code sign-extends eax to an int,
 * so a number with bits in rax's upper half is not unknown there. */
void syscall_dispatch(struct trapframe *tf)
{
	uint32_t nr = (uint32_t)tf->rax;
	syscall_fn fn = NULL;

	if (nr < sizeof(linux_calls) / sizeof(linux_calls[0]))
		fn = linux_calls[nr];
	else if (nr - TB_SYS_VMAS < sizeof(testbed_calls) / sizeof(testbed_calls[0]))
		fn = testbed_calls[nr - TB_SYS_VMAS];
	tf->rax = fn ? (uint64_t)fn(tf) : (uint64_t)-ENOSYS;
}
