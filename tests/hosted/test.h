/*
 * test.h - the hosted unit-test framework.
 *
 * TEST(name) { ... } defines a test and registers it from a constructor, so
 * a test file needs no list to maintain. Checks record a failure (file:line
 * and the values) and let the test go on, so one run shows every mismatch;
 * REQUIRE returns from the test instead, for preconditions that later checks
 * depend on. Checks may run on any thread (hosted CPUs included).
 */
#ifndef HOSTED_TEST_H
#define HOSTED_TEST_H

#include <inttypes.h>
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
