/*
 * test.h - the hosted unit-test framework.
 *
 * TEST(name) { ... } defines a test and registers it from a constructor, so
 * a test file needs no list to maintain. Checks record a failure (file:line
 * and the values) and let the test go on, so one run shows every mismatch;
 * REQUIRE returns from the test instead, for preconditions that later checks
 * depend on. Checks may run on any thread (hosted CPUs included).
 *
 * EXPECT_PANIC(code, "substring") is a death test: it forks, runs code in
 * the child with stdout and stderr going into a pipe, and passes iff the
 * child ended through env_panic with a message containing substring. In
 * the child env_panic ends with hosted_exit_now(HOSTED_DEATH_PANICKED)
 * instead of abort(): no core dump, no sanitizer report, no LeakSanitizer
 * pass over the child's deliberately abandoned state, and no TSan wait at
 * exit. The "env_panic: " prefix on stderr and that status identify a
 * panic together. A sanitizer report in the child fails the test with
 * its first line. The child has HOSTED_DEATH_TIMEOUT seconds. Rules:
 *   - only from the main test thread, with no hosted_run_cpus run under
 *     way (TSan and glibc support fork from a single-threaded process
 *     only); the code itself may start runs;
 *   - a comma outside parentheses splits the macro's arguments: declare
 *     one variable per statement inside code;
 *   - checks that fail inside code are lost with the child, and a REQUIRE
 *     that returns ends it as "did not panic".
 */
#ifndef HOSTED_TEST_H
#define HOSTED_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct hosted_test {
	const char *name;
	void (*fn)(void);
	const char *file;	/* file and line order the run */
	int line;
	struct hosted_test *next;
};

void hosted_test_register(struct hosted_test *t);
void hosted_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Shows a string in a failure message: quoted, or (null). */
const char *hosted_quote(const char *s, char *buf, size_t len);

/* Exit statuses of a death-test child; see EXPECT_PANIC. */
#define HOSTED_DEATH_PANICKED 97
#define HOSTED_DEATH_SURVIVED 98
#define HOSTED_DEATH_TIMEOUT 60

struct hosted_death {
	int pid;		/* the child, or -1 if none was started */
	int out_fd;		/* read end of the child's stdout and stderr */
	char error[160];	/* why no child was started */
};

/* Starts a death test: true in the child, which runs the code and then
 * calls hosted_death_survived(); false in the parent. */
bool hosted_death_fork(struct hosted_death *d);
_Noreturn void hosted_death_survived(void);
/* Waits for the child. True iff it panicked with substring in its
 * message; otherwise `why` says what happened instead. */
bool hosted_death_verdict(struct hosted_death *d, const char *substring, char *why,
			  size_t len);
/* hosted_death_verdict, recording a failure of the running test. */
void hosted_death_expect(struct hosted_death *d, const char *substring, const char *file,
			 int line, const char *code);

#define TEST(name)							\
	static void test_##name(void);					\
	static struct hosted_test hosted_test_##name = {		\
		#name, test_##name, __FILE__, __LINE__, 0		\
	};								\
	__attribute__((constructor)) static void hosted_register_##name(void) \
	{								\
		hosted_test_register(&hosted_test_##name);		\
	}								\
	static void test_##name(void)

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			hosted_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define REQUIRE(cond)							\
	do {								\
		if (!(cond)) {						\
			hosted_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond); \
			return;						\
		}							\
	} while (0)

#define EXPECT_PANIC(code, substring)					\
	do {								\
		struct hosted_death hosted_d_;				\
		if (hosted_death_fork(&hosted_d_)) {			\
			code;						\
			hosted_death_survived();			\
		}							\
		hosted_death_expect(&hosted_d_, (substring), __FILE__, __LINE__, #code); \
	} while (0)

#define CHECK_EQ_U64(a, b)						\
	do {								\
		uint64_t hosted_a_ = (uint64_t)(a);			\
		uint64_t hosted_b_ = (uint64_t)(b);			\
		if (hosted_a_ != hosted_b_)				\
			hosted_fail(__FILE__, __LINE__,			\
				    "%s == %s: %" PRIu64 " (%#" PRIx64 ") != %" PRIu64 " (%#" PRIx64 ")", \
				    #a, #b, hosted_a_, hosted_a_, hosted_b_, hosted_b_); \
	} while (0)

#define CHECK_STR_EQ(a, b)						\
	do {								\
		const char *hosted_a_ = (a), *hosted_b_ = (b);		\
		char hosted_qa_[256], hosted_qb_[256];			\
		if (hosted_a_ == 0 || hosted_b_ == 0 ?			\
		    hosted_a_ != hosted_b_ : strcmp(hosted_a_, hosted_b_) != 0) \
			hosted_fail(__FILE__, __LINE__, "%s == %s: %s != %s", #a, #b, \
				    hosted_quote(hosted_a_, hosted_qa_, sizeof(hosted_qa_)), \
				    hosted_quote(hosted_b_, hosted_qb_, sizeof(hosted_qb_))); \
	} while (0)

#endif
