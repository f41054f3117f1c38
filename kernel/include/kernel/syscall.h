/*
 * The system-call layer (kernel/syscall.c): Linux's x86_64 numbers,
 * arguments and return convention (a value, or -errno), plus the
 * testbed's own calls from 1000 (uapi/testbed.h).
 */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

struct trapframe;

/* Called by the syscall entry with interrupts on: runs the call numbered
 * tf->rax with the arguments in tf (rdi rsi rdx r10 r8 r9) and leaves its
 * result in tf->rax; unknown numbers give -ENOSYS. */
void syscall_dispatch(struct trapframe *tf);

#endif
