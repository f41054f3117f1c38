/*
 * format.c - kvsnprintf/ksnprintf: printf formatting into a bounded buffer.
 *
 * One pass over the format. Each conversion is parsed into a struct spec,
 * then rendered through struct out, which stores what fits and counts
 * everything, so the return value is the untruncated length (C99).
 *
 * Numbers are rendered as [padding][sign or 0x][zeros][digits][padding]; all
 * C99 flag interactions reduce to choosing those four lengths. Where C leaves
 * behaviour undefined the choices follow glibc (an unknown conversion is
 * printed verbatim; %p honours flags like %#lx), so that the hosted tests can
 * compare against glibc byte for byte. One exception: a spec cut off by the
 * end of the format is printed verbatim too, where glibc fails with -1.
 *
 * No state outside the call: safe on any CPU, with interrupts on or off.
 * INT_MAX is spelled __INT_MAX__: gcc's <limits.h> needs a libc under -nostdinc.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "lib/format.h"

/* %zd reads a ptrdiff_t and %tu a size_t: the signed/unsigned pair. */
_Static_assert(sizeof(size_t) == sizeof(ptrdiff_t), "size_t and ptrdiff_t differ in width");

enum {
	F_LEFT = 1 << 0,	/* '-' */
	F_ZERO = 1 << 1,	/* '0' */
	F_PLUS = 1 << 2,	/* '+' */
	F_SPACE = 1 << 3,	/* ' ' */
	F_ALT = 1 << 4,		/* '#' */
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct spec {
	unsigned flags;
	size_t width;
	int prec;		/* -1: none given */
	enum length len;
	char conv;		/* '\0' if the format ended inside the spec */
};

struct out {
	char *buf;
	size_t size;
	size_t len;		/* characters produced, stored or not */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)	/* keep the last byte for the NUL */
		o->buf[o->len] = c;
	o->len++;
}

static void put_repeat(struct out *o, char c, size_t n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_chars(struct out *o, const char *s, size_t n)
{
	while (n-- > 0)
		put(o, *s++);
}

/* Decimal digits at *pp, saturating at INT_MAX rather than overflowing. */
static int parse_int(const char **pp)
{
	const char *p = *pp;
	int v = 0;

	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';

		v = v > (__INT_MAX__ - d) / 10 ? __INT_MAX__ : v * 10 + d;
	}
	*pp = p;
	return v;
}

static const char *parse_flags(const char *p, unsigned *flags)
{
	for (;; p++) {
		switch (*p) {
		case '-': *flags |= F_LEFT; break;
		case '0': *flags |= F_ZERO; break;
		case '+': *flags |= F_PLUS; break;
		case ' ': *flags |= F_SPACE; break;
		case '#': *flags |= F_ALT; break;
		default: return p;
		}
	}
}

static const char *parse_length(const char *p, enum length *len)
{
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			*len = LEN_HH;
			return p + 2;
		}
		*len = LEN_H;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			*len = LEN_LL;
			return p + 2;
		}
		*len = LEN_L;
		return p + 1;
	case 'z': *len = LEN_Z; return p + 1;
	case 't': *len = LEN_T; return p + 1;
	case 'j': *len = LEN_J; return p + 1;
	default: *len = LEN_NONE; return p;
	}
}

/* Parses the spec after '%'; returns where the format continues. */
static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	p = parse_flags(p, &sp->flags);

	if (*p == '*') {
		int w = va_arg(*ap, int);

		p++;
		if (w < 0) {	/* a negative '*' width means '-' */
			sp->flags |= F_LEFT;
			sp->width = (size_t)-(intmax_t)w;
		} else {
			sp->width = (size_t)w;
		}
	} else {
		sp->width = (size_t)parse_int(&p);
	}

	sp->prec = -1;
	if (*p == '.') {
		p++;
		if (*p == '*') {
			int pr = va_arg(*ap, int);

			p++;
			sp->prec = pr < 0 ? -1 : pr;	/* negative: as if omitted */
		} else {
			sp->prec = parse_int(&p);
		}
	}

	p = parse_length(p, &sp->len);
	sp->conv = *p;
	return *p != '\0' ? p + 1 : p;
}

static uintmax_t arg_unsigned(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z: return va_arg(*ap, size_t);
	case LEN_T: return va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static intmax_t arg_signed(va_list *ap, enum length len)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H: return (short)va_arg(*ap, int);
	case LEN_L: return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z: return va_arg(*ap, ptrdiff_t);
	case LEN_T: return va_arg(*ap, ptrdiff_t);
	case LEN_J: return va_arg(*ap, intmax_t);
	default: return va_arg(*ap, int);
	}
}

/* Width padding around n characters that need none of their own. */
static void put_padded(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	size_t pad = sp->width > n ? sp->width - n : 0;

	if (!(sp->flags & F_LEFT))
		put_repeat(o, ' ', pad);
	put_chars(o, s, n);
	if (sp->flags & F_LEFT)
		put_repeat(o, ' ', pad);
}

/*
 * mag is the magnitude; sign is '-', '+', ' ' or 0. The ALT prefix "0x" is
 * only for a non-zero value; ALT octal forces a leading zero digit.
 */
static void put_number(struct out *o, const struct spec *sp, uintmax_t mag,
		       char sign, unsigned base)
{
	const char *set = sp->conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	char digits[3 * sizeof(uintmax_t)];	/* 22 octal digits for 64 bits */
	char prefix[3];				/* sign, then "0x" */
	size_t nd = 0, npre = 0, zeros = 0, body, pad;

	for (uintmax_t v = mag; v != 0; v /= base)
		digits[nd++] = set[v % base];
	if (nd == 0 && sp->prec != 0)	/* an explicit zero precision prints no 0 */
		digits[nd++] = '0';

	if (sp->prec >= 0 && (size_t)sp->prec > nd)
		zeros = (size_t)sp->prec - nd;
	if (base == 8 && (sp->flags & F_ALT) && zeros == 0 &&
	    (nd == 0 || digits[nd - 1] != '0'))
		zeros = 1;

	if (sign != 0)
		prefix[npre++] = sign;
	if (base == 16 && (sp->flags & F_ALT) && mag != 0) {
		prefix[npre++] = '0';
		prefix[npre++] = sp->conv == 'X' ? 'X' : 'x';
	}

	body = npre + zeros + nd;
	pad = sp->width > body ? sp->width - body : 0;
	if ((sp->flags & (F_LEFT | F_ZERO)) == F_ZERO && sp->prec < 0) {
		zeros += pad;	/* '0' pads between the prefix and the digits */
		pad = 0;
	}

	if (!(sp->flags & F_LEFT))
		put_repeat(o, ' ', pad);
	put_chars(o, prefix, npre);
	put_repeat(o, '0', zeros);
	while (nd > 0)
		put(o, digits[--nd]);
	if (sp->flags & F_LEFT)
		put_repeat(o, ' ', pad);
}

static char sign_of(const struct spec *sp, bool negative)
{
	if (negative)
		return '-';
	if (sp->flags & F_PLUS)
		return '+';
	return (sp->flags & F_SPACE) ? ' ' : 0;
}

static void put_string(struct out *o, const struct spec *sp, const char *s)
{
	if (s == NULL)	/* glibc: "(null)" unless the precision cuts it */
		s = (sp->prec < 0 || sp->prec >= 6) ? "(null)" : "";
	put_padded(o, sp, s, sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec));
}

static void put_pointer(struct out *o, struct spec *sp, const void *ptr)
{
	if (ptr == NULL) {
		put_padded(o, sp, "(nil)", 5);
		return;
	}
	sp->flags |= F_ALT;
	put_number(o, sp, (uintptr_t)ptr, sign_of(sp, false), 16);
}

/* Renders one conversion; false if the conversion is not one we know. */
static bool convert(struct out *o, struct spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 'd':
	case 'i': {
		intmax_t v = arg_signed(ap, sp->len);
		uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;

		put_number(o, sp, mag, sign_of(sp, v < 0), 10);
		return true;
	}
	case 'u':
		put_number(o, sp, arg_unsigned(ap, sp->len), 0, 10);
		return true;
	case 'x':
	case 'X':
		put_number(o, sp, arg_unsigned(ap, sp->len), 0, 16);
		return true;
	case 'o':
		put_number(o, sp, arg_unsigned(ap, sp->len), 0, 8);
		return true;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		put_padded(o, sp, &c, 1);
		return true;
	}
	case 's':
		put_string(o, sp, va_arg(*ap, const char *));
		return true;
	case 'p':
		put_pointer(o, sp, va_arg(*ap, const void *));
		return true;
	case '%':
		put(o, '%');
		return true;
	default:
		return false;
	}
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	/* A copy, so that helpers can take its address on every ABI. */
	va_copy(args, ap);
	while (*fmt != '\0') {
		const char *start = fmt;
		struct spec sp;

		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!convert(&o, &sp, &args))
			put_chars(&o, start, (size_t)(fmt - start));
	}
	va_end(args);

	if (size > 0)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > __INT_MAX__ ? -1 : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
