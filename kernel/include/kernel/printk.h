/*
 * Kernel console output. kprintf() builds the current line in a per-CPU
 * buffer and writes it out whole, under the console lock, when it sees a
 * newline: lines from different CPUs never interleave mid-line.
 */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>

#include <kernel/compiler.h>

__printf(1, 2) void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);

/* Console write for the panic path: no lock, no buffering. */
void console_write_raw(const char *s, unsigned long len);
/* Let the panicking CPU print without waiting for a lock another CPU may
 * hold forever. */
void console_bust_lock(void);

#endif
