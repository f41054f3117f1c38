/*
 * printf.c - formatted output to fd 1.
 *
 * vsnprintf is the kernel's formatter (kernel/lib/format.c, portable C
 * linked into every program). printf formats
 * into its own stack buffer first, then takes out_lock, appends to the
 * shared line buffer and writes every completed line with one write(1):
 * a line of one thread is never split by another's. out_lock is a spinlock
 * (the only lock of the library); its holder never waits for anything but
 * write(), and waiters yield so that an oversubscribed Linux run still
 * makes progress.
 */
#include "lib/format.h"
#include "ulib.h"

#define LINE_MAX 1024

static struct {
	int lock;
	size_t used;
	char buf[LINE_MAX];
} out;

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	return kvsnprintf(buf, n, fmt, ap);
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

static void lock_out(void)
{
	while (__atomic_exchange_n(&out.lock, 1, __ATOMIC_ACQUIRE))
		sys_sched_yield();
}

static void unlock_out(void)
{
	__atomic_store_n(&out.lock, 0, __ATOMIC_RELEASE);
}

/* With out.lock held. */
static void write_out(void)
{
	for (size_t done = 0; done < out.used;) {
		long r = sys_write(1, out.buf + done, out.used - done);

		if (r <= 0)
			break;
		done += (size_t)r;
	}
	out.used = 0;
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lock_out();
	for (const char *p = buf; *p; p++) {
		out.buf[out.used++] = *p;
		if (*p == '\n' || out.used == sizeof(out.buf))
			write_out();
	}
	unlock_out();
	return len;
}

void exit(int status)
{
	lock_out();
	write_out();
	sys_exit_group(status);
}
