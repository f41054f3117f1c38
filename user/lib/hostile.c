/*
 * hostile.c - listing and running the cases of a hostile program (see
 * hostile.h).
 */
#include "hostile.h"

#define NAMES_MAX 8192 /* bytes of case names, one per line */

static const char *signal_name(int sig)
{
	switch (sig) {
	case 0: return "none";
	case SIGILL: return "SIGILL";
	case SIGTRAP: return "SIGTRAP";
	case SIGBUS: return "SIGBUS";
	case SIGFPE: return "SIGFPE";
	case SIGSEGV: return "SIGSEGV";
	default: return "?";
	}
}

void expect_signal(int sig)
{
	printf("expect signal: %s\n", signal_name(sig));
	tb_expect_signal(sig);
}

static int list_cases(const struct hostile_case *cases, size_t n)
{
	static char names[NAMES_MAX];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s\n", cases[i].name);
		if (len >= sizeof(names)) {
			printf("error: the names of %zu cases take more than %d bytes\n", n,
			       NAMES_MAX);
			return 2;
		}
	}
	if (tb_report(names, len, TB_REPORT_CASES) == 0) {
		printf("%zu cases handed to the launcher\n", n);
		return 0;
	}
	printf("%zu cases; run one with its name as the argument:\n", n);
	for (size_t i = 0; i < n; i++)
		printf("  %s\n", cases[i].name);
	return 0;
}

int hostile_main(int argc, char **argv, const struct hostile_case *cases, size_t n)
{
	if (argc < 2)
		return list_cases(cases, n);
	for (size_t i = 0; i < n; i++) {
		const struct hostile_case *c = &cases[i];

		if (strcmp(c->name, argv[1]) != 0)
			continue;
		expect_signal(c->signal);
		c->run(c);
		if (c->signal == 0)
			return 0;
		if (c->may_return) {
			printf("%s came back: this CPU performs it\n", c->name);
			expect_signal(0);
			return 0;
		}
		printf("FAIL %s came back; it should have ended by %s\n", c->name,
		       signal_name(c->signal));
		return 1;
	}
	printf("error: no case '%s' (run without an argument for the list)\n", argv[1]);
	return 2;
}
