/*
 * Kernel access to user memory: the only way the kernel reads or writes
 * a user address (x86_64: kernel/arch/x86_64/uaccess.c).
 *
 * A user address is a uintptr_t, never a pointer the kernel could
 * dereference by mistake. Each copy checks that the range lies inside the
 * user window (below USER_HI, without wrapping), opens SMAP's window for
 * one instruction that may fault, and closes it. A fault there on a page
 * of the running process's address space that is merely not present yet
 * is resolved like a user fault (demand paging through a copy); anything
 * else resumes at the instruction's fix-up and the copy fails.
 *
 * Context: a syscall or a trap from user mode on a CPU that runs a thread
 * of the process (the address space is that thread's), interrupts on, so
 * that the fault can take the address space's lock. With interrupts off a
 * missing page is not faulted in and the copy fails.
 */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stddef.h>
#include <stdint.h>

/* 0, or -EFAULT if any byte was outside the user window or not accessible
 * (then a prefix of the range may have been copied). */
int copy_from_user(void *dst, uintptr_t src, size_t n);
int copy_to_user(uintptr_t dst, const void *src, size_t n);
/* Linux's strncpy_from_user: copies the string at src into dst, at most
 * n bytes, reading nothing past its terminating NUL (so a string that
 * ends just before an unmapped page is fine). Its length without the
 * NUL, n if the first n bytes hold none (dst is not terminated then), or
 * -EFAULT if a byte it had to read was not readable. */
long strncpy_from_user(char *dst, uintptr_t src, size_t n);

#endif
