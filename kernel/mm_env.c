/*
 * Out-of-line parts of the kernel's mm environment (kernel/include/mm_env.h):
 * logging and panic for mm/ code.
 */
#include <stdarg.h>

#include <mm/env.h>
#include <kernel/panic.h>
#include <kernel/printk.h>
#include <lib/format.h>

void env_log(const char *fmt, ...)
{
	char line[CONSOLE_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kprintf("%s\n", line);
}

void env_panic(const char *fmt, ...)
{
	char msg[CONSOLE_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	panic("mm: %s", msg);
}
