/*
 * uapi/linux_abi.h - the parts of Linux's x86_64 system-call ABI that the
 * kernel implements, shared by the kernel (kernel/syscall.c, kernel/proc.c)
 * and the user programs (user/include/sys.h): the system-call numbers
 * (arch/x86/entry/syscalls/syscall_64.tbl) and the clone flags
 * (include/uapi/linux/sched.h). Plain macros, no includes. The mmap family's
 * constants are in <mm/mman.h>, errno values in kernel/include/errno.h.
 */
#ifndef UAPI_LINUX_ABI_H
#define UAPI_LINUX_ABI_H

#define SYS_write        1
#define SYS_mmap         9
#define SYS_mprotect    10
#define SYS_munmap      11
#define SYS_brk         12
#define SYS_sched_yield 24
#define SYS_mremap      25
#define SYS_mincore     27
#define SYS_madvise     28
#define SYS_getpid      39
#define SYS_clone       56
#define SYS_exit        60
#define SYS_gettid     186
#define SYS_exit_group 231

#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_THREAD         0x00010000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID   0x01000000

#endif
