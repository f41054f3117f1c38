/*
 * Kernel self-tests. A test registers itself with SELFTEST() (runs once, on
 * the boot CPU) or SELFTEST_ALL_CPUS() (runs on every online CPU at once,
 * started together by on_each_cpu). A test fails by calling selftest_fail()
 * or through ST_CHECK(); the runner prints one line per test and exits QEMU
 * with a status that says whether all passed.
 *
 * Selected with the command line: selftest=all (default), selftest=none,
 * selftest=<name>, or a comma-separated list of those and of -<name>,
 * which leaves a test out (selftest=all,-user_programs); every name must
 * exist.
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

#include <stdbool.h>

#include <kernel/compiler.h>

enum selftest_where { SELFTEST_ONE_CPU, SELFTEST_EVERY_CPU };

struct selftest {
	const char *name;
	void (*fn)(void);
	enum selftest_where where;
};

#define SELFTEST_DEFINE(tname, where_)                                         \
	static void selftest_fn_##tname(void);                                 \
	static const struct selftest selftest_##tname __used                   \
		__section(".selftests") __aligned(8) = {#tname, selftest_fn_##tname, where_}; \
	static void selftest_fn_##tname(void)

#define SELFTEST(tname)          SELFTEST_DEFINE(tname, SELFTEST_ONE_CPU)
#define SELFTEST_ALL_CPUS(tname) SELFTEST_DEFINE(tname, SELFTEST_EVERY_CPU)

/* Record a failure for the test running on this CPU (first one wins). */
__printf(1, 2) void selftest_fail(const char *fmt, ...);
bool selftest_failed_here(void);

#define ST_CHECK(cond)                                                      \
	do {                                                                \
		if (!(cond)) {                                              \
			selftest_fail("%s:%d: %s", __FILE__, __LINE__, #cond); \
			return;                                             \
		}                                                           \
	} while (0)

#define ST_CHECK_EQ(a, b)                                                        \
	do {                                                                     \
		unsigned long long a_ = (unsigned long long)(a);                 \
		unsigned long long b_ = (unsigned long long)(b);                 \
		if (a_ != b_) {                                                  \
			selftest_fail("%s:%d: %s == %s (%llu != %llu)", __FILE__, \
				      __LINE__, #a, #b, a_, b_);                 \
			return;                                                  \
		}                                                                \
	} while (0)

/* Runs the selected tests; returns true if every one passed. */
bool selftest_run(const char *selection);

#endif
