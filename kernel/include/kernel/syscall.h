/*
 * The system-call layer (kernel/syscall.c, with the console calls in
 * syscall_io.c, the threading calls in syscall_thread.c and the memory
 * files' in syscall_file.c): Linux's
 * x86_64 numbers, arguments and return convention (a value, or -errno),
 * plus the testbed's own calls from 1000 (uapi/testbed.h).
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

struct trapframe;

/* Called by the syscall entry with interrupts on: runs the call numbered
 * tf->rax with the arguments in tf (rdi rsi rdx r10 r8 r9) and leaves its
 * result in tf->rax; unknown numbers give -ENOSYS. */
void syscall_dispatch(struct trapframe *tf);

/* The handlers kept in files of their own, for syscall.c's table: each
 * takes the caller's frame and returns a value or -errno. */
long sys_read(struct trapframe *tf);		/* syscall_io.c: read, readv */
long sys_write(struct trapframe *tf);
long sys_writev(struct trapframe *tf);
long sys_ioctl(struct trapframe *tf);
long sys_arch_prctl(struct trapframe *tf);	/* syscall_thread.c */
long sys_set_tid_address(struct trapframe *tf);
long sys_rt_sigprocmask(struct trapframe *tf);
long sys_futex(struct trapframe *tf);
long sys_memfd_create(struct trapframe *tf);	/* syscall_file.c */
long sys_ftruncate(struct trapframe *tf);
long sys_close(struct trapframe *tf);
long sys_mmap(struct trapframe *tf);

#endif
