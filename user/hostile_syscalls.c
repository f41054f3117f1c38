/*
 * hostile_syscalls.c - every system call the testbed implements, given
 * hostile arguments: buffers and output vectors at NULL, in the kernel,
 * non-canonical, at the unmapped top of user space, read-only or PROT_NONE;
 * ranges in kernel space or running past it; unaligned addresses; lengths
 * that wrap; garbage in the upper half of int arguments; unknown system
 * call numbers. Each returns Linux's errno and changes nothing; then the
 * process must still work. Run user/check_on_linux.sh to see Linux agree.
 * Left out: what Linux versions disagree on (madvise and mremap with a
 * length beyond the user address space are EINVAL in Linux 6.18, a hole's
 * ENOMEM before; numbers in the gaps of the table get new system calls).
 */
#include "utest.h"

#define NONCANONICAL 0x8000000000000000ul
#define KERNEL_TEXT  0xffffffff80100000ul
#define ANON_PRIVATE (MAP_PRIVATE | MAP_ANONYMOUS)
#define THREAD_FLAGS (CLONE_VM | CLONE_SIGHAND | CLONE_THREAD)

/* Addresses no system call may read or write for the caller. */
static const uintptr_t bad_ptrs[] = {0, 8, TASK_SIZE, KERNEL_ADDR, KERNEL_TEXT, NONCANONICAL,
				     -PG};
#define N_BAD (sizeof(bad_ptrs) / sizeof(bad_ptrs[0]))

/* Starts of ranges that are not user memory (and do not wrap with one
 * page added). */
static const uintptr_t kernel_ranges[] = {KERNEL_ADDR, KERNEL_TEXT, NONCANONICAL};
#define N_KERNEL (sizeof(kernel_ranges) / sizeof(kernel_ranges[0]))

static unsigned char vec[16];

CASE(write_bad_buffers, "write from a buffer the caller cannot read fails with EFAULT")
{
	uintptr_t none = MMAP_ANON(0, PG, PROT_NONE, MAP_PRIVATE);
	uintptr_t gone = free_range(PG);

	EXPECT_TRUE(none);
	for (size_t i = 0; i < N_BAD; i++)
		EXPECT_ERRNO(sys_write(1, (void *)bad_ptrs[i], 8), -EFAULT);
	EXPECT_ERRNO(sys_write(1, (void *)none, 8), -EFAULT);
	EXPECT_ERRNO(sys_write(1, (void *)gone, 8), -EFAULT);
	EXPECT_ERRNO(sys_write(1, (void *)KERNEL_ADDR, 0), -EFAULT); /* even for no bytes */
	EXPECT_ERRNO(sys_write(1, vec, -1ul), -EFAULT);		   /* the end wraps */
	EXPECT_ERRNO(sys_write(1, vec, 1ul << 63), -EFAULT);	   /* ends in the kernel */
	EXPECT_OK(sys_munmap(none, PG));
}

CASE(write_bad_fds, "write to a descriptor that is not open fails with EBADF; the fd is an int")
{
	EXPECT_ERRNO(sys_write(3, vec, 1), -EBADF);
	EXPECT_ERRNO(sys_write(1000000, vec, 1), -EBADF);
	EXPECT_ERRNO(sys_write(-1, vec, 1), -EBADF);
	EXPECT_EQ(syscall3(SYS_write, (1ul << 32) | 1, vec, 0), 0); /* fd 1 */
}

CASE(output_to_bad_buffers, "a result the kernel cannot store at the given buffer fails with EFAULT")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);
	uintptr_t none = MMAP_ANON(0, PG, PROT_NONE, MAP_PRIVATE);
	struct tb_vma v;

	EXPECT_TRUE(p && none);
	for (size_t i = 0; i < N_BAD; i++)
		EXPECT_ERRNO(sys_mincore(p, PG, (unsigned char *)bad_ptrs[i]), -EFAULT);
	EXPECT_ERRNO(sys_mincore(p, PG, (unsigned char *)code_ret42), -EFAULT); /* read-only */
	EXPECT_ERRNO(sys_mincore(p, PG, (unsigned char *)none), -EFAULT);
	if (tb_vmas(&v, 1) == -ENOSYS) {
		case_skipped("tb_vmas");
	} else {
		for (size_t i = 0; i < N_BAD; i++)
			EXPECT_ERRNO(tb_vmas((struct tb_vma *)bad_ptrs[i], 4), -EFAULT);
		EXPECT_ERRNO(tb_vmas((struct tb_vma *)code_ret42, 4), -EFAULT);
		EXPECT_ERRNO(tb_vmas((struct tb_vma *)none, 4), -EFAULT);
	}
	EXPECT_OK(sys_munmap(p, PG));
	EXPECT_OK(sys_munmap(none, PG));
}

CASE(ranges_in_kernel_space, "a range in kernel space or outside the canonical halves is not user memory: each call's errno for that")
{
	for (size_t i = 0; i < N_KERNEL; i++) {
		uintptr_t a = kernel_ranges[i];

		EXPECT_ERRNO(sys_mmap(a, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -ENOMEM);
		EXPECT_ERRNO(sys_munmap(a, PG), -EINVAL);
		EXPECT_ERRNO(sys_mprotect(a, PG, PROT_READ), -ENOMEM);
		EXPECT_ERRNO(sys_madvise(a, PG, MADV_DONTNEED), -ENOMEM);
		EXPECT_ERRNO(sys_mincore(a, PG, vec), -ENOMEM);
		EXPECT_ERRNO(sys_mremap(a, PG, PG, 0, 0), -EFAULT);
	}
}

CASE(ranges_past_task_size, "a range that starts in user space and runs past its end: each call's errno for that")
{
	uintptr_t a = TASK_SIZE - PG;

	EXPECT_ERRNO(sys_mmap(a, 2 * PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -ENOMEM);
	EXPECT_ERRNO(sys_munmap(a, 2 * PG), -EINVAL);
	EXPECT_ERRNO(sys_mprotect(a, 2 * PG, PROT_READ), -ENOMEM);
	EXPECT_ERRNO(sys_madvise(a, 2 * PG, MADV_DONTNEED), -ENOMEM);
	EXPECT_ERRNO(sys_mincore(a, 2 * PG, vec), -ENOMEM);
}

CASE(wrapping_ranges, "a range whose end wraps past the top of the address space: each call's errno for that")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mmap(-PG, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -ENOMEM);
	EXPECT_ERRNO(sys_munmap(p, -p), -EINVAL);
	EXPECT_ERRNO(sys_mprotect(p, -p, PROT_READ), -ENOMEM);
	EXPECT_ERRNO(sys_madvise(p, -p, MADV_DONTNEED), -EINVAL);
	EXPECT_ERRNO(sys_mincore(p, -p, vec), -ENOMEM);
	*(volatile char *)p = 1; /* still there, still writable */
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(huge_lengths, "a length far beyond the mapping: each call's errno for that, and the mapping stays")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mmap(0, 1ul << 62, RW, ANON_PRIVATE, -1, 0), -ENOMEM);
	EXPECT_ERRNO(sys_munmap(p, 1ul << 62), -EINVAL);
	EXPECT_ERRNO(sys_mprotect(p, 1ul << 62, PROT_READ), -ENOMEM);
	EXPECT_ERRNO(sys_mincore(p, 1ul << 62, vec), -ENOMEM);
	EXPECT_MAPPED(p, PG); /* (read-only now: mprotect changed it before the hole) */
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(unaligned_addresses, "an address that is not page-aligned fails with EINVAL in every call that takes one")
{
	uintptr_t p = MMAP_ANON(0, 2 * PG, RW, MAP_PRIVATE);
	uintptr_t q = free_range(2 * PG);

	EXPECT_TRUE(p);
	EXPECT_ERRNO(sys_mmap(q + 1, PG, RW, ANON_PRIVATE | MAP_FIXED, -1, 0), -EINVAL);
	EXPECT_ERRNO(sys_munmap(p + 1, PG), -EINVAL);
	EXPECT_ERRNO(sys_mprotect(p + 8, PG, PROT_READ), -EINVAL);
	EXPECT_ERRNO(sys_madvise(p + PG / 2, PG, MADV_DONTNEED), -EINVAL);
	EXPECT_ERRNO(sys_mincore(p + PG - 1, PG, vec), -EINVAL);
	EXPECT_ERRNO(sys_mremap(p + 1, PG, PG, 0, 0), -EINVAL);
	EXPECT_ERRNO(sys_mremap(p, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, q + 1), -EINVAL);
	EXPECT_ERRNO(sys_mmap(0, PG, RW, ANON_PRIVATE, -1, 1), -EINVAL); /* the offset */
	EXPECT_MAPPED(p, 2 * PG);
	EXPECT_OK(sys_munmap(p, 2 * PG));
}

CASE(int_arguments_upper_half, "int arguments (advice, fd) ignore the upper half of their register, as Linux's prototypes do")
{
	uintptr_t p = MMAP_ANON(0, PG, RW, MAP_PRIVATE);
	long r;

	EXPECT_TRUE(p);
	EXPECT_EQ(sys_madvise(p, PG, (1l << 32) | MADV_NORMAL), 0);
	EXPECT_ERRNO(sys_madvise(p, PG, (1l << 32) | 999), -EINVAL);
	r = sys_mmap(0, PG, RW, ANON_PRIVATE, 0xffffffffl, 0); /* fd -1 */
	EXPECT_OK(r);
	EXPECT_OK(sys_munmap((uintptr_t)r, PG));
	EXPECT_OK(sys_munmap(p, PG));
}

CASE(clone_refused, "clone with inconsistent flags fails with EINVAL, a kernel TLS base with EPERM; no thread starts")
{
	EXPECT_ERRNO(syscall6(SYS_clone, CLONE_THREAD, 0, 0, 0, 0, 0), -EINVAL);
	EXPECT_ERRNO(syscall6(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0, 0), -EINVAL);
	EXPECT_ERRNO(syscall6(SYS_clone, THREAD_FLAGS | CLONE_SETTLS, 0, 0, 0, KERNEL_ADDR, 0),
		     -EPERM);
	EXPECT_ERRNO(syscall6(SYS_clone, THREAD_FLAGS | CLONE_SETTLS, 0, 0, 0, NONCANONICAL, 0),
		     -EPERM);
}

CASE(testbed_calls_refuse, "the testbed's own calls refuse bad arguments (testbed only)")
{
	if (tb_ncpus() == -ENOSYS) {
		case_skipped("the testbed's calls");
		return;
	}
	for (size_t i = 0; i < N_BAD; i++) {
		long r = tb_report((void *)bad_ptrs[i], 8, TB_REPORT_TEXT);

		EXPECT_TRUE(r == -EFAULT || r == -ENOSYS); /* -ENOSYS: no launcher takes reports */
	}
	EXPECT_TRUE(tb_report(vec, TB_REPORT_MAX + 1ul, TB_REPORT_TEXT) == -EINVAL ||
		    tb_report(vec, 1, TB_REPORT_TEXT) == -ENOSYS);
	EXPECT_ERRNO(tb_expect_fault(PG, PG, 0), -EINVAL);
	EXPECT_ERRNO(tb_expect_fault(2 * PG, PG, 0), -EINVAL);
	EXPECT_ERRNO(tb_expect_fault(PG, 2 * PG, 1u << 2), -EINVAL);
	EXPECT_ERRNO(tb_expect_signal(-1), -EINVAL);
	EXPECT_ERRNO(tb_expect_signal(64), -EINVAL);
	EXPECT_ERRNO(syscall1(TB_SYS_EXPECT_SIGNAL, (1ul << 32) | 11), -EINVAL);
}

CASE(unknown_numbers, "an unknown system call number fails with ENOSYS; only eax counts")
{
	EXPECT_ERRNO(syscall0(999), -ENOSYS);
	EXPECT_ERRNO(syscall0(0x7fffffff), -ENOSYS);
	EXPECT_ERRNO(syscall0(-1), -ENOSYS);
	EXPECT_ERRNO(syscall0(-1000), -ENOSYS);
	EXPECT_EQ(syscall0((1l << 32) | SYS_getpid), syscall0(SYS_getpid));
	EXPECT_EQ(syscall0((1ul << 63) | SYS_gettid), syscall0(SYS_gettid));
}

CASE(still_works, "after all that the process maps, writes, protects and unmaps memory as before")
{
	uintptr_t p = MMAP_ANON(0, 4 * PG, RW, MAP_PRIVATE);

	EXPECT_TRUE(p);
	fill_pattern(p, 4 * PG, 7);
	EXPECT_OK(sys_mprotect(p, 2 * PG, PROT_READ));
	EXPECT_TRUE(has_pattern(p, 4 * PG, 7));
	EXPECT_TRUE(!kernel_can_write(p));
	EXPECT_OK(sys_munmap(p, 4 * PG));
	EXPECT_UNMAPPED(p, 4 * PG);
	EXPECT_EQ(syscall0(SYS_getpid), syscall0(SYS_gettid));
	if (tb_check() == -ENOSYS)
		case_skipped("tb_check");
	else
		EXPECT_OK(tb_check());
}

int main(int argc, char **argv)
{
	return run_cases(argc, argv);
}
