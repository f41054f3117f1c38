/*
 * printf.c - formatted output to fd 1.
 *
 * vsnprintf does the formatting (the subset in ulib.h). printf formats
 * into its own stack buffer first, then takes out_lock, appends to the
 * shared line buffer and writes every completed line with one write(1):
 * a line of one thread is never split by another's. out_lock is a spinlock
 * (the only lock of the library); its holder never waits for anything but
 * write(), and waiters yield so that an oversubscribed Linux run still
 * makes progress.
 */
#include "ulib.h"

#define LINE_MAX 1024

static struct {
	int lock;
	size_t used;
	char buf[LINE_MAX];
} out;

struct sink {
	char *buf;
	size_t n, len; /* capacity, length of the whole output */
};

static void put(struct sink *s, char c)
{
	if (s->len + 1 < s->n)
		s->buf[s->len] = c;
	s->len++;
}

static void put_padded(struct sink *s, const char *str, size_t len, int width, bool left,
		       char pad)
{
	int fill = width > (int)len ? width - (int)len : 0;

	if (!left) {
		/* Zero padding goes after the sign. */
		if (pad == '0' && len && *str == '-') {
			put(s, *str++);
			len--;
		}
		while (fill-- > 0)
			put(s, pad);
	}
	while (len--)
		put(s, *str++);
	while (left && fill-- > 0)
		put(s, ' ');
}

static size_t utoa(char *end, unsigned long long v, unsigned base)
{
	char *p = end;

	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	return (size_t)(end - p);
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct sink s = { buf, n, 0 };

	for (; *fmt; fmt++) {
		char tmp[24], *end = tmp + sizeof(tmp), pad = ' ';
		bool left = false, neg = false;
		int width = 0, lng = 0;
		unsigned long long v;
		size_t len;

		if (*fmt != '%') {
			put(&s, *fmt);
			continue;
		}
		for (fmt++; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = true;
			else
				pad = '0';
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long x = lng ? va_arg(ap, long long) : va_arg(ap, int);

			neg = x < 0;
			v = neg ? -(unsigned long long)x : (unsigned long long)x;
			len = utoa(end, v, 10);
			if (neg)
				tmp[sizeof(tmp) - ++len] = '-';
			put_padded(&s, end - len, len, width, left, pad);
			break;
		}
		case 'u':
		case 'x':
			v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
			len = utoa(end, v, *fmt == 'u' ? 10 : 16);
			put_padded(&s, end - len, len, width, left, pad);
			break;
		case 'p':
			len = utoa(end, (uintptr_t)va_arg(ap, void *), 16);
			tmp[sizeof(tmp) - ++len] = 'x';
			tmp[sizeof(tmp) - ++len] = '0';
			put_padded(&s, end - len, len, width, left, pad);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			str = str ? str : "(null)";
			put_padded(&s, str, strlen(str), width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&s, tmp, 1, width, left, ' ');
			break;
		case '%':
			put(&s, '%');
			break;
		default: /* unknown conversion: shown as it is */
			put(&s, '%');
			if (!*fmt)
				return (int)s.len;
			put(&s, *fmt);
			break;
		}
	}
	if (n)
		buf[s.len < n ? s.len : n - 1] = '\0';
	return (int)s.len;
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

const char *errno_name(long err)
{
	static const struct {
		int nr;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },   { ENOENT, "ENOENT" },	{ EINTR, "EINTR" },
		{ EBADF, "EBADF" },   { EAGAIN, "EAGAIN" },	{ ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" },	{ EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },	{ EINVAL, "EINVAL" },
		{ ENOSYS, "ENOSYS" }, { EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].nr == err)
			return names[i].name;
	}
	return "?";
}
