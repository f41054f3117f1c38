/*
 * runner.c - runs the registered hosted tests and reports one line each.
 *
 * Usage: runner [--list | name...]. With names, only those run; an unknown
 * name counts as a failed test. Output, on stdout:
 *   hosted: <name> ... ok
 *   hosted: <name> ... FAIL (<first failure>)
 *   hosted: N passed, M failed
 * The exit status is 0 only if M is 0. Tests run one at a time on the main
 * thread, in file and line order; failures may be recorded from any thread.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "test.h"

static struct hosted_test *registered;
static unsigned nregistered;

/* Failures of the running test, guarded by fail_lock. */
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned nfailures;
static char first_failure[512];

void hosted_test_register(struct hosted_test *t)
{
	t->next = registered;
	registered = t;
	nregistered++;
}

void hosted_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	if (nfailures++ == 0) {
		int n = snprintf(first_failure, sizeof(first_failure), "%s:%d: ", file, line);

		if (n > 0 && (size_t)n < sizeof(first_failure)) {
			va_start(ap, fmt);
			vsnprintf(first_failure + n, sizeof(first_failure) - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	pthread_mutex_unlock(&fail_lock);
}

const char *hosted_quote(const char *s, char *buf, size_t len)
{
	size_t pos = 0;

	if (s == NULL)
		return "(null)";
	buf[pos++] = '"';
	for (; *s != '\0' && pos + 8 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[pos++] = (char)c;
		else
			pos += (size_t)snprintf(buf + pos, len - pos, "\\x%02x", c);
	}
	if (*s != '\0')
		pos += (size_t)snprintf(buf + pos, len - pos, "...");
	snprintf(buf + pos, len - pos, "\"");
	return buf;
}

static int by_position(const void *a, const void *b)
{
	const struct hosted_test *x = *(struct hosted_test *const *)a;
	const struct hosted_test *y = *(struct hosted_test *const *)b;
	int c = strcmp(x->file, y->file);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

static struct hosted_test **sorted_tests(void)
{
	struct hosted_test **v = calloc(nregistered + 1, sizeof(*v));
	unsigned i = 0;

	if (v == NULL) {
		perror("hosted: calloc");
		exit(2);
	}
	for (struct hosted_test *t = registered; t != NULL; t = t->next)
		v[i++] = t;
	qsort(v, nregistered, sizeof(*v), by_position);
	for (i = 0; i < nregistered; i++) {
		for (unsigned j = i + 1; j < nregistered; j++) {
			if (strcmp(v[i]->name, v[j]->name) == 0) {
				fprintf(stderr, "hosted: test %s defined twice (%s, %s)\n",
					v[i]->name, v[i]->file, v[j]->file);
				exit(2);
			}
		}
	}
	return v;
}

/* Runs one test and prints its line; true if it passed. */
static bool run_test(const struct hosted_test *t)
{
	printf("hosted: %s ... ", t->name);
	fflush(stdout);	/* so a crash shows which test was running */
	nfailures = 0;
	t->fn();
	if (nfailures == 0) {
		printf("ok\n");
		return true;
	}
	printf("FAIL (%s)\n", first_failure);
	return false;
}

static bool was_named(const struct hosted_test *t, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], t->name) == 0)
			return true;
	}
	return false;
}

static bool exists(struct hosted_test **tests, const char *name)
{
	for (unsigned i = 0; i < nregistered; i++) {
		if (strcmp(tests[i]->name, name) == 0)
			return true;
	}
	return false;
}

int main(int argc, char **argv)
{
	struct hosted_test **tests = sorted_tests();
	unsigned passed = 0, failed = 0;

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (unsigned i = 0; i < nregistered; i++)
			printf("%s\n", tests[i]->name);
		free(tests);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!exists(tests, argv[i])) {
			printf("hosted: %s ... FAIL (no such test)\n", argv[i]);
			failed++;
		}
	}
	for (unsigned i = 0; i < nregistered; i++) {
		if (argc > 1 && !was_named(tests[i], argc, argv))
			continue;
		if (run_test(tests[i]))
			passed++;
		else
			failed++;
	}
	printf("hosted: %u passed, %u failed\n", passed, failed);
	free(tests);
	return failed == 0 ? 0 : 1;
}
