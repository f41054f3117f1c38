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
 *
 * Death tests (EXPECT_PANIC, see test.h) fork the runner; the child runs
 * the code, and if it leaves the test function instead of panicking (a
 * REQUIRE in the code), run_test ends it rather than let it run the rest
 * of the suite.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mm/env.h>

#include "test.h"

static struct hosted_test *registered;
static unsigned nregistered;

/* Failures of the running test, guarded by fail_lock. */
static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned nfailures;
static char first_failure[512];

static pthread_t main_thread;
static bool in_death_child;

/* The child's output kept for the verdict; the rest is read and dropped. */
#define DEATH_OUTPUT_MAX (1u << 20)

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

bool hosted_death_fork(struct hosted_death *d)
{
	int fds[2];

	d->pid = -1;
	d->out_fd = -1;
	if (!pthread_equal(pthread_self(), main_thread) || hosted_cpus_running()) {
		snprintf(d->error, sizeof(d->error),
			 "not started: only the main test thread may fork, with no hosted CPUs running");
		return false;
	}
	if (pipe(fds) != 0) {
		snprintf(d->error, sizeof(d->error), "not started: pipe: %s", strerror(errno));
		return false;
	}
	fflush(stdout);	/* or the child's copy of the buffer could appear too */
	fflush(stderr);
	d->pid = fork();
	if (d->pid < 0) {
		snprintf(d->error, sizeof(d->error), "not started: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (d->pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		close(fds[1]);
		setvbuf(stdout, NULL, _IONBF, 0);	/* the child never flushes at exit */
		in_death_child = true;
		hosted_panic_exit_status = HOSTED_DEATH_PANICKED;
		alarm(HOSTED_DEATH_TIMEOUT);
		return true;
	}
	close(fds[1]);
	d->out_fd = fds[0];
	return false;
}

void hosted_death_survived(void)
{
	hosted_exit_now(HOSTED_DEATH_SURVIVED);
}

/* All the child wrote, NUL-terminated (at most DEATH_OUTPUT_MAX bytes). */
static char *read_output(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1), drop[4096];
	ssize_t n;

	if (buf == NULL) {
		perror("hosted: malloc");
		exit(2);
	}
	for (;;) {
		if (len == cap && cap < DEATH_OUTPUT_MAX) {
			char *bigger = realloc(buf, 2 * cap + 1);

			if (bigger == NULL) {
				perror("hosted: realloc");
				exit(2);
			}
			buf = bigger;
			cap *= 2;
		}
		n = len < cap ? read(fd, buf + len, cap - len) : read(fd, drop, sizeof(drop));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (len < cap)
			len += (size_t)n;
	}
	buf[len] = '\0';
	return buf;
}

/* The message after the first "env_panic: ", cut at its newline. Not
 * only at a line start: the code may have left a line unfinished. */
static char *panic_message(char *out)
{
	static const char prefix[] = "env_panic: ";
	char *p = strstr(out, prefix);

	if (p == NULL)
		return NULL;
	p += sizeof(prefix) - 1;
	p[strcspn(p, "\n")] = '\0';
	return p;
}

static bool has_letter(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (isalpha((unsigned char)s[i]))
			return true;
	}
	return false;
}

/* The first line with a letter in it (sanitizer reports open with ====). */
static const char *first_words(const char *out, char *buf, size_t len)
{
	char line[120];
	size_t n;

	for (;; out += n + 1) {
		n = strcspn(out, "\n");
		if (out[n] == '\0' || has_letter(out, n))
			break;
	}
	snprintf(line, sizeof(line), "%.*s", (int)n, out);
	return hosted_quote(line, buf, len);
}

bool hosted_death_verdict(struct hosted_death *d, const char *substring, char *why, size_t len)
{
	char qa[160], qb[160];
	char *out, *msg;
	int status;
	bool passed = false;

	if (d->pid < 0) {
		snprintf(why, len, "%s", d->error);
		return false;
	}
	out = read_output(d->out_fd);
	close(d->out_fd);
	while (waitpid(d->pid, &status, 0) < 0) {
		if (errno != EINTR) {
			snprintf(why, len, "waitpid: %s", strerror(errno));
			free(out);
			return false;
		}
	}
	msg = panic_message(out);
	if (WIFEXITED(status) && WEXITSTATUS(status) == HOSTED_DEATH_PANICKED && msg != NULL) {
		passed = strstr(msg, substring) != NULL;
		if (!passed)
			snprintf(why, len, "panicked with %s, which does not contain %s",
				 hosted_quote(msg, qa, sizeof(qa)), hosted_quote(substring, qb, sizeof(qb)));
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == HOSTED_DEATH_SURVIVED) {
		snprintf(why, len, "did not panic: the code ran to its end");
	} else if (WIFEXITED(status)) {
		snprintf(why, len, "exited with status %d instead of panicking; output: %s",
			 WEXITSTATUS(status), first_words(out, qa, sizeof(qa)));
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		snprintf(why, len, "timed out after %d s", HOSTED_DEATH_TIMEOUT);
	} else {
		snprintf(why, len, "killed by signal %d (%s) instead of panicking; output: %s",
			 WTERMSIG(status), strsignal(WTERMSIG(status)), first_words(out, qa, sizeof(qa)));
	}
	free(out);
	return passed;
}

void hosted_death_expect(struct hosted_death *d, const char *substring, const char *file,
			 int line, const char *code)
{
	char why[400];

	if (!hosted_death_verdict(d, substring, why, sizeof(why)))
		hosted_fail(file, line, "EXPECT_PANIC(%.60s%s): %s", code,
			    strlen(code) > 60 ? "..." : "", why);
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

/* Runs one test and prints its result line whole, after the test, so that
 * what the code under test logs (stderr) cannot land inside it; the start
 * line before shows which test was running if the runner crashes. */
static bool run_test(const struct hosted_test *t)
{
	printf("hosted: start %s\n", t->name);
	fflush(stdout);
	nfailures = 0;
	t->fn();
	if (in_death_child)
		hosted_death_survived();
	fflush(stderr);
	if (nfailures == 0) {
		printf("hosted: %s ... ok\n", t->name);
		fflush(stdout);
		return true;
	}
	printf("hosted: %s ... FAIL (%s)\n", t->name, first_failure);
	fflush(stdout);
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

	main_thread = pthread_self();
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
