/*
 * sys.h - raw Linux x86_64 system calls for the user programs.
 *
 * The numbers and the register convention are Linux's (rax = number;
 * arguments in rdi, rsi, rdx, r10, r8, r9; the kernel clobbers rcx and
 * r11), so one binary runs on the testbed kernel and on Linux. Every
 * wrapper returns what the kernel returned: a value, or -errno (errno
 * values in errno.h, Linux's). There is no errno variable and no libc.
 */
#ifndef USER_SYS_H
#define USER_SYS_H

#include <stddef.h>
#include <stdint.h>

#include "../../kernel/include/errno.h"
#include "../../kernel/include/uapi/linux_abi.h"

/* A raw result in [-4095, -1] is an error. */
#define SYS_IS_ERR(r) ((unsigned long)(r) >= (unsigned long)-4095)

static inline long syscall6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define syscall0(nr) syscall6(nr, 0, 0, 0, 0, 0, 0)
#define syscall1(nr, a) syscall6(nr, (long)(a), 0, 0, 0, 0, 0)
#define syscall2(nr, a, b) syscall6(nr, (long)(a), (long)(b), 0, 0, 0, 0)
#define syscall3(nr, a, b, c) syscall6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

static inline long sys_write(int fd, const void *buf, size_t len)
{
	return syscall3(SYS_write, fd, buf, len);
}

static inline long sys_mmap(uintptr_t addr, size_t len, long prot, long flags, long fd,
			    long off)
{
	return syscall6(SYS_mmap, (long)addr, (long)len, prot, flags, fd, off);
}

static inline long sys_munmap(uintptr_t addr, size_t len)
{
	return syscall2(SYS_munmap, addr, len);
}

static inline long sys_mprotect(uintptr_t addr, size_t len, long prot)
{
	return syscall3(SYS_mprotect, addr, len, prot);
}

static inline long sys_mremap(uintptr_t old, size_t old_len, size_t new_len, long flags,
			      uintptr_t new_addr)
{
	return syscall6(SYS_mremap, (long)old, (long)old_len, (long)new_len, flags,
			(long)new_addr, 0);
}

static inline long sys_madvise(uintptr_t addr, size_t len, long advice)
{
	return syscall3(SYS_madvise, addr, len, advice);
}

static inline long sys_mincore(uintptr_t addr, size_t len, unsigned char *vec)
{
	return syscall3(SYS_mincore, addr, len, vec);
}

/* Linux's brk returns the new break, or the old one when it refuses. */
static inline uintptr_t sys_brk(uintptr_t brk)
{
	return (uintptr_t)syscall1(SYS_brk, brk);
}

/* A memory file (Linux's memfd), the stand-in here for a file in /tmp:
 * there is no file system. */
static inline long sys_memfd_create(const char *name, unsigned flags)
{
	return syscall2(SYS_memfd_create, (long)name, flags);
}

static inline long sys_ftruncate(int fd, long length)
{
	return syscall2(SYS_ftruncate, fd, length);
}

static inline long sys_close(int fd)
{
	return syscall1(SYS_close, fd);
}

static inline long sys_sched_yield(void)
{
	return syscall0(SYS_sched_yield);
}

static inline __attribute__((noreturn)) void sys_exit_group(int status)
{
	syscall1(SYS_exit_group, status);
	__builtin_unreachable();
}

#endif
