/*
 * uapi/linux_abi.h - the parts of Linux's x86_64 system-call ABI that the
 * kernel implements, shared by the kernel (kernel/syscall.c, kernel/proc.c)
 * and the user programs (user/include/sys.h): the system-call numbers
 * (arch/x86/entry/syscalls/syscall_64.tbl), the clone flags
 * (include/uapi/linux/sched.h), and the constants of the calls a C library
 * makes (arch_prctl, futex, rt_sigprocmask, ioctl). Plain macros, no
 * includes. The mmap family's constants are in <mm/mman.h>, errno values
 * in kernel/include/errno.h.
 */
#ifndef UAPI_LINUX_ABI_H
#define UAPI_LINUX_ABI_H

#define SYS_read              0
#define SYS_write             1
#define SYS_close             3
#define SYS_mmap              9
#define SYS_mprotect         10
#define SYS_munmap           11
#define SYS_brk              12
#define SYS_rt_sigprocmask   14
#define SYS_ioctl            16
#define SYS_readv            19
#define SYS_writev           20
#define SYS_sched_yield      24
#define SYS_mremap           25
#define SYS_mincore          27
#define SYS_madvise          28
#define SYS_getpid           39
#define SYS_clone            56
#define SYS_exit             60
#define SYS_ftruncate        77
#define SYS_arch_prctl      158
#define SYS_gettid          186
#define SYS_futex           202
#define SYS_set_tid_address 218
#define SYS_exit_group      231
#define SYS_memfd_create    319

/* memfd_create flags (linux/memfd.h) */
#define MFD_CLOEXEC          0x0001
#define MFD_ALLOW_SEALING    0x0002
#define MFD_HUGETLB          0x0004
#define MFD_NOEXEC_SEAL      0x0008
#define MFD_EXEC             0x0010
#define MFD_HUGE_SHIFT       26     /* with MFD_HUGETLB: log2 of the page size */
#define MFD_HUGE_MASK        0x3f
#define MFD_NAME_MAX_LEN     249    /* NAME_MAX less the "memfd:" prefix */

#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_THREAD         0x00010000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED       0x00400000 /* ignored by clone(), as Linux does */
#define CLONE_CHILD_SETTID   0x01000000

/* arch_prctl codes (asm/prctl.h) */
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

/* futex operations and flags (linux/futex.h) */
#define FUTEX_WAIT           0
#define FUTEX_WAKE           1
#define FUTEX_REQUEUE        3
#define FUTEX_CMP_REQUEUE    4
#define FUTEX_PRIVATE_FLAG   128
#define FUTEX_CLOCK_REALTIME 256

/* rt_sigprocmask's how (asm-generic/signal-defs.h) */
#define SIG_BLOCK   0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

/* The ioctl C libraries make on stdout to see whether it is a terminal. */
#define TIOCGWINSZ 0x5413

#define UIO_MAXIOV 1024 /* most iovec entries readv and writev take */

#endif
