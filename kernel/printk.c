/*
 * Console output, line at a time.
 *
 * Each CPU assembles its current line in its per-CPU buffer with interrupts
 * off (so an interrupt handler printing on the same CPU cannot split it),
 * and writes the finished line to the serial port under console_lock. Two
 * CPUs therefore never interleave within a line. A line longer than the
 * buffer is written in buffer-sized pieces.
 *
 * Once a panic starts, the panicking CPU busts the lock: the CPU that held
 * it has been stopped by NMI and will never release it.
 */
#include <stdatomic.h>
#include <stdbool.h>

#include <arch/platform.h>
#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <lib/format.h>

static spinlock_t console_lock = SPINLOCK_INIT;
static atomic_bool console_busted;

void console_write_raw(const char *s, unsigned long len)
{
	serial_write(s, len);
}

void console_bust_lock(void)
{
	atomic_store(&console_busted, true);
}

static void flush_line(struct percpu *pc)
{
	if (atomic_load_explicit(&console_busted, memory_order_relaxed)) {
		serial_write(pc->line, pc->line_len);
	} else {
		spin_lock(&console_lock);
		serial_write(pc->line, pc->line_len);
		spin_unlock(&console_lock);
	}
	pc->line_len = 0;
}

void kvprintf(const char *fmt, va_list ap)
{
	char tmp[CONSOLE_LINE_MAX];
	irqflags_t f = irq_save();
	struct percpu *pc = this_cpu();
	int n = kvsnprintf(tmp, sizeof(tmp), fmt, ap);

	if (n > (int)sizeof(tmp) - 1)
		n = sizeof(tmp) - 1;
	for (int i = 0; i < n; i++) {
		pc->line[pc->line_len++] = tmp[i];
		if (tmp[i] == '\n' || pc->line_len == sizeof(pc->line))
			flush_line(pc);
	}
	irq_restore(f);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}
