/*
 * test_format.c - kvsnprintf/ksnprintf against glibc's vsnprintf.
 *
 * glibc is the oracle: every conversion is run through both and the bytes
 * and return values must agree. The format strings are generated as the
 * cross product of flag sets, widths, precisions and length modifiers, so
 * the flag interactions C99 defines are all covered without writing the
 * expected strings by hand. Truncation is compared buffer-wide, including
 * the bytes after the terminator that neither may touch.
 */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/format.h"
#include "test.h"

#define OUT_LEN  1024
#define CANARY   0x5a

/* Runs fmt through both into size bytes of a canary-filled buffer. */
static void compare_sized(size_t size, const char *fmt, va_list ap)
{
	char want[OUT_LEN], got[OUT_LEN], qw[128], qg[128];
	va_list ap2;
	int rw, rg;

	memset(want, CANARY, sizeof(want));
	memset(got, CANARY, sizeof(got));
	va_copy(ap2, ap);
	rw = vsnprintf(size > 0 ? want : NULL, size, fmt, ap);
	rg = kvsnprintf(size > 0 ? got : NULL, size, fmt, ap2);
	va_end(ap2);
	if (rw != rg || memcmp(want, got, sizeof(want)) != 0) {
		want[OUT_LEN - 1] = got[OUT_LEN - 1] = '\0';	/* for quoting */
		hosted_fail(__FILE__, __LINE__, "format \"%s\" size %zu: got %s (%d), glibc %s (%d)",
			    fmt, size, hosted_quote(got, qg, sizeof(qg)), rg,
			    hosted_quote(want, qw, sizeof(qw)), rw);
	}
}

static void compare(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compare_sized(OUT_LEN, fmt, ap);
	va_end(ap);
}

static void compare_truncated(size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	compare_sized(size, fmt, ap);
	va_end(ap);
}

/*
 * Fills fmts with "%" + every subset of flagset + each width + each
 * precision + len + conv; returns how many.
 */
#define MAX_FORMATS 1024
typedef char format_t[32];

static size_t build_formats(format_t *fmts, const char *flagset, const char *len, char conv)
{
	static const char *const widths[] = { "", "1", "6", "25" };
	static const char *const precs[] = { "", ".0", ".1", ".5", ".20" };
	size_t nflags = strlen(flagset), n = 0;

	for (unsigned mask = 0; mask < 1u << nflags; mask++) {
		char flags[8];
		size_t f = 0;

		for (size_t i = 0; i < nflags; i++) {
			if (mask & 1u << i)
				flags[f++] = flagset[i];
		}
		flags[f] = '\0';
		for (size_t w = 0; w < sizeof(widths) / sizeof(widths[0]); w++) {
			for (size_t p = 0; p < sizeof(precs) / sizeof(precs[0]); p++) {
				snprintf(fmts[n++], sizeof(fmts[0]), "%%%s%s%s%s%c",
					 flags, widths[w], precs[p], len, conv);
			}
		}
	}
	return n;
}

TEST(format_int)
{
	static const int values[] = { 0, 1, -1, 42, -42, 123456, INT_MAX, INT_MIN };
	static format_t fmts[MAX_FORMATS];

	for (const char *c = "di"; *c != '\0'; c++) {
		size_t n = build_formats(fmts, "-0+ ", "", *c);

		for (size_t i = 0; i < n; i++) {
			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
				compare(fmts[i], values[v]);
		}
	}
}

TEST(format_unsigned)
{
	static const unsigned values[] = { 0, 1, 7, 8, 255, 0xdeadbeef, UINT_MAX };
	static format_t fmts[MAX_FORMATS];

	for (const char *c = "uxXo"; *c != '\0'; c++) {
		/* '#' is undefined for %u; '+' and ' ' are ignored by unsigned. */
		size_t n = build_formats(fmts, *c == 'u' ? "-0+ " : "-0#+ ", "", *c);

		for (size_t i = 0; i < n; i++) {
			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
				compare(fmts[i], values[v]);
		}
	}
}

/* hh and h: the int argument is converted to the narrow type first. */
TEST(format_short_lengths)
{
	static const int values[] = { 0, 127, 128, 255, 256, 300, -1, -129, 32767, 32768,
				      65535, 70000, -70000, INT_MIN };
	static format_t fmts[MAX_FORMATS];

	for (const char *len = "hh"; len != NULL; len = len[1] != '\0' ? "h" : NULL) {
		for (const char *c = "diuxXo"; *c != '\0'; c++) {
			size_t n = build_formats(fmts, "-0+", len, *c);

			for (size_t i = 0; i < n; i++) {
				for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
					compare(fmts[i], values[v]);
			}
		}
	}
}

#define COMPARE_TYPED(len, convs, type, ...)					\
	do {									\
		static const type vals_[] = { __VA_ARGS__ };			\
		static format_t fmts_[MAX_FORMATS];				\
		for (const char *c_ = (convs); *c_ != '\0'; c_++) {		\
			size_t n_ = build_formats(fmts_, "-0#+", (len), *c_); \
			for (size_t i_ = 0; i_ < n_; i_++) {			\
				if (strchr("du", *c_) && strchr(fmts_[i_], '#')) \
					continue; /* undefined */		\
				for (size_t v_ = 0; v_ < sizeof(vals_) / sizeof(vals_[0]); v_++) \
					compare(fmts_[i_], vals_[v_]);		\
			}							\
		}								\
	} while (0)

TEST(format_wide_lengths)
{
	COMPARE_TYPED("l", "d", long, 0, 1, -1, LONG_MAX, LONG_MIN, 1234567890123L);
	COMPARE_TYPED("l", "uxo", unsigned long, 0, 1, ULONG_MAX, 0xfee00000UL);
	COMPARE_TYPED("ll", "d", long long, 0, -1, LLONG_MAX, LLONG_MIN);
	COMPARE_TYPED("ll", "uxXo", unsigned long long, 0, ULLONG_MAX, 0x8000000000000000ULL);
	COMPARE_TYPED("z", "uxo", size_t, 0, 4096, SIZE_MAX);
	COMPARE_TYPED("z", "d", ptrdiff_t, 0, -4096, PTRDIFF_MAX, PTRDIFF_MIN);
	COMPARE_TYPED("t", "d", ptrdiff_t, 0, -1, PTRDIFF_MAX, PTRDIFF_MIN);
	COMPARE_TYPED("t", "ux", size_t, 0, 1, SIZE_MAX);
	COMPARE_TYPED("j", "d", intmax_t, 0, -1, INTMAX_MAX, INTMAX_MIN);
	COMPARE_TYPED("j", "uxXo", uintmax_t, 0, UINTMAX_MAX);
}

TEST(format_char_and_string)
{
	static const char *const strs[] = { "", "a", "hello", "hello, world", NULL };
	static const char chars[] = { 'a', ' ', '~', '%' };
	static format_t fmts[MAX_FORMATS];
	size_t n = build_formats(fmts, "-", "", 's');

	for (size_t i = 0; i < n; i++) {
		for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
			compare(fmts[i], strs[s]);	/* NULL: "(null)" or cut */
	}
	n = build_formats(fmts, "-", "", 'c');
	for (size_t i = 0; i < n; i++) {
		if (strchr(fmts[i], '.') != NULL)
			continue;	/* precision is undefined for %c */
		for (size_t c = 0; c < sizeof(chars); c++)
			compare(fmts[i], chars[c]);
	}
	compare("[%c]", 0);	/* a NUL character still counts */
	compare("%s and %s", "this", "that");
}

TEST(format_pointer)
{
	int local;
	const void *ptrs[] = { NULL, (void *)1, (void *)0x1234, &local, (void *)UINTPTR_MAX };
	static format_t fmts[MAX_FORMATS];
	size_t n = build_formats(fmts, "-0+ ", "", 'p');

	for (size_t i = 0; i < n; i++) {
		for (size_t p = 0; p < sizeof(ptrs) / sizeof(ptrs[0]); p++)
			compare(fmts[i], ptrs[p]);
	}
}

TEST(format_star_width_and_precision)
{
	compare("%*d|%-*d|%*d", 5, 42, 5, 42, -5, 42);
	compare("%.*d|%.*d|%.*d", 3, 7, 0, 0, -1, 7);
	compare("%*.*x|%-*.*X", 8, 4, 0xab, 8, 4, 0xab);
	compare("%.*s|%*s|%-*s|", 3, "abcdef", -6, "ab", 4, "ab");
	compare("%0*d|%0*d", 6, -3, -6, -3);
	compare("%*c|%*c", 3, 'x', -3, 'y');
}

TEST(format_literals)
{
	compare("no conversions at all");
	compare("");
	compare("%d%%%d|100%% sure", 1, 2);
	compare("%d %s %c %x %p %u", -1, "mixed", 'Z', 0xc0ffee, (void *)0xb8000, 7u);
}

/*
 * Undefined in C, so checked directly rather than against glibc (whose
 * sanitizer interceptors warn). Unknown conversions print verbatim as in
 * glibc; a spec cut off by the end of the format also prints verbatim
 * (glibc returns -1), so a bad log format still shows what it was.
 */
TEST(format_undefined_specs)
{
	static const struct {
		const char *fmt, *want;
	} cases[] = {
		{ "%y", "%y" }, { "%5.3y|", "%5.3y|" }, { "end %", "end %" },
		{ "end %-0", "end %-0" }, { "%5%", "%" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_EQ_U64(ksnprintf(buf, sizeof(buf), cases[i].fmt, 0), strlen(cases[i].want));
		CHECK_STR_EQ(buf, cases[i].want);
	}
}

TEST(format_long_output)
{
	compare("%300d|%-300s|", 12345, "left");
	compare("%2000d", 1);	/* longer than the buffer: truncated, full count */
}

TEST(format_truncation)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 5, 8, 13, 21, 22, 23, 64 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		compare_truncated(sizes[i], "%d|%s|%08.3x", -123, "truncate me", 0xbeef);
		compare_truncated(sizes[i], "%-10s%5c", "ab", 'q');
		compare_truncated(sizes[i], "plain text of twenty-one");
	}
	CHECK_EQ_U64(ksnprintf(NULL, 0, "%d-%s", 1234, "xyz"), 8);
}

TEST(format_return_value)
{
	char buf[4];

	CHECK_EQ_U64(ksnprintf(buf, sizeof(buf), "%s", "abcdef"), 6);
	CHECK_STR_EQ(buf, "abc");
	CHECK_EQ_U64(ksnprintf(buf, 1, "%d", 99), 2);
	CHECK_STR_EQ(buf, "");
	CHECK_EQ_U64(ksnprintf(buf, sizeof(buf), "%s", ""), 0);
	CHECK_STR_EQ(buf, "");
}
