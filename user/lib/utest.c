/*
 * utest.c - running the cases of a program (see utest.h): they are found
 * between the linker-made symbols __start_ucases and __stop_ucases, put in
 * source order, run one by one, and reported.
 */
#include "utest.h"

#define CASES_MAX 256

/* Weak: a program without cases (every program links this file) has no
 * such section, and both are then 0. */
extern const struct ucase __start_ucases[] __attribute__((weak));
extern const struct ucase __stop_ucases[] __attribute__((weak));

static struct {
	bool failed;
	char detail[256];
	const char *skipped;
} cur;

void case_fail(int line, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (cur.failed)
		return;
	cur.failed = true;
	va_start(ap, fmt);
	len = (size_t)vsnprintf(cur.detail, sizeof(cur.detail), fmt, ap);
	va_end(ap);
	if (len < sizeof(cur.detail))
		snprintf(cur.detail + len, sizeof(cur.detail) - len, " (line %d)", line);
}

/* Small numbers and errors in decimal (with the errno name), addresses
 * in hex. */
static const char *show(char *buf, size_t n, long long v)
{
	if (v < 0 && v >= -4095)
		snprintf(buf, n, "%lld (%s)", v, errno_name(-v));
	else if (v >= -4095 && v < 65536)
		snprintf(buf, n, "%lld", v);
	else
		snprintf(buf, n, "0x%llx", (unsigned long long)v);
	return buf;
}

void case_fail_eq(int line, const char *expr, long long got, long long want)
{
	char g[40], w[40];

	case_fail(line, "%s = %s, expected %s", expr, show(g, sizeof(g), got),
		  show(w, sizeof(w), want));
}

void case_skipped(const char *what)
{
	cur.skipped = what;
}

int run_cases(int argc, char **argv)
{
	static const struct ucase *order[CASES_MAX];
	size_t n = (size_t)(__stop_ucases - __start_ucases);
	int ran = 0, failed = 0;

	if (n > CASES_MAX) {
		printf("error: %zu cases, more than %d\n", n, CASES_MAX);
		return 2;
	}

	/* Insertion sort by line: the compiler may emit them in any order. */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		for (; j > 0 && order[j - 1]->line > __start_ucases[i].line; j--)
			order[j] = order[j - 1];
		order[j] = &__start_ucases[i];
	}
	for (size_t i = 0; i < n; i++) {
		const struct ucase *c = order[i];

		if (argc > 1 && strcmp(argv[1], c->name) != 0)
			continue;
		cur.failed = false;
		cur.skipped = 0;
		c->fn();
		ran++;
		if (cur.failed) {
			failed++;
			printf("case %s: FAIL %s; Linux: %s\n", c->name, cur.detail, c->expect);
		} else if (cur.skipped) {
			printf("case %s: ok (skipped on Linux: %s)\n", c->name, cur.skipped);
		} else {
			printf("case %s: ok\n", c->name);
		}
	}
	if (!ran) {
		printf("error: no case named '%s'\n", argv[1]);
		return 2;
	}
	printf("%d cases, %d failed\n", ran, failed);
	return failed != 0;
}
