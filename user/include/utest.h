/*
 * utest.h - the test framework of the user programs, and the probes the
 * cases use to look at memory without faulting.
 *
 * A case is a function declared with CASE(name, "the Linux behaviour it
 * expects"); the description is the documentation of Linux's semantics.
 * CASE puts a descriptor in the "ucases" section, so a program's main is
 * just `return run_cases(argc, argv);`: every case runs in the order of
 * the source and prints one line, `case <name>: ok` or `case <name>: FAIL
 * <detail> (line N)`, then the summary `N cases, M failed`; the exit status
 * is 0 only if none failed. argv[1], if given, runs only the case of that
 * name. The first failed EXPECT ends its case (it returns from the case
 * function), so use EXPECTs in the case function itself, not in helpers.
 *
 * Checks that need a testbed system call (tb_vmas) are skipped on Linux,
 * where the line says so: `case <name>: ok (skipped on Linux: ...)`.
 */
#ifndef USER_UTEST_H
#define USER_UTEST_H

#include "ulib.h"

struct ucase {
	const char *name, *expect;
	void (*fn)(void);
	int line;
};

#define CASE(name, expect)                                                        \
	static void case_##name(void);                                            \
	static const struct ucase ucase_##name                                    \
		__attribute__((used, section("ucases"), aligned(8))) = {          \
			#name, expect, case_##name, __LINE__                      \
		};                                                                \
	static void case_##name(void)

int run_cases(int argc, char **argv);

/* The cases' shorthand. */
#define PG PAGE_SIZE
#define RW (PROT_READ | PROT_WRITE)

/* Records the failure of the running case (the first one counts). */
void case_fail(int line, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void case_fail_eq(int line, const char *expr, long long got, long long want);
/* Records that a check of the running case was skipped, and why. */
void case_skipped(const char *what);

#define EXPECT_EQ(a, b)                                              \
	do {                                                         \
		long long got_ = (long long)(a), want_ = (long long)(b); \
		if (got_ != want_) {                                 \
			case_fail_eq(__LINE__, #a, got_, want_);     \
			return;                                      \
		}                                                    \
	} while (0)

/* A system call's raw result is -err; same as EXPECT_EQ, named for intent. */
#define EXPECT_ERRNO(call, err) EXPECT_EQ(call, err)

#define EXPECT_OK(call)                                                               \
	do {                                                                          \
		long long r_ = (long long)(call);                                     \
		if (SYS_IS_ERR(r_)) {                                                 \
			case_fail(__LINE__, "%s = %lld (%s), expected success", #call, \
				  r_, errno_name(-r_));                               \
			return;                                                       \
		}                                                                     \
	} while (0)

#define EXPECT_TRUE(cond)                                           \
	do {                                                        \
		if (!(cond)) {                                      \
			case_fail(__LINE__, "%s is false", #cond);  \
			return;                                     \
		}                                                   \
	} while (0)

/* Every page of [addr, addr + len) mapped / none of them (mincore). */
#define EXPECT_MAPPED(addr, len) EXPECT_EQ(pages_mapped(addr, len), (len) / PAGE_SIZE)
#define EXPECT_UNMAPPED(addr, len) EXPECT_EQ(pages_mapped(addr, len), 0)

/* The VMAs intersecting [lo, hi), clipped to it, are exactly the list
 * (start, end, prot and the MAP_SHARED/MAP_PRIVATE/MAP_GROWSDOWN flags). */
#define EXPECT_VMAS(lo, hi, ...)                                                   \
	do {                                                                       \
		const struct tb_vma want_[] = { __VA_ARGS__ };              \
		if (!check_vmas(__LINE__, lo, hi, want_,                           \
				sizeof(want_) / sizeof(want_[0])))                 \
			return;                                                    \
	} while (0)

/* false (and the case failed) if the layout differs; true if it matches
 * or tb_vmas does not exist (the case notes the skip). */
bool check_vmas(int line, uintptr_t lo, uintptr_t hi, const struct tb_vma *want, size_t n);

/* The VMAs intersecting [lo, hi), clipped to it: how many (at most max
 * copied), or -ENOSYS on Linux. Exits if the process has more than
 * VMAS_MAX VMAs. */
#define VMAS_MAX 4096
long vmas_in(uintptr_t lo, uintptr_t hi, struct tb_vma *out, size_t max);

/* Pages of [addr, addr + len) that mincore finds mapped (it fails with
 * ENOMEM on an unmapped page and never faults anything in). */
size_t pages_mapped(uintptr_t addr, size_t len);

/* mincore's residency bit of the page at addr (1 resident, 0 not), or
 * -errno. */
long page_resident(uintptr_t addr);

/* Whether the kernel may write the byte at addr: mincore stores its
 * result there with copy_to_user, which fails with EFAULT on a page that
 * is not writable. It writes 1 at addr when it succeeds. A write that
 * would fault in user mode fails here without killing the program. */
bool kernel_can_write(uintptr_t addr);

/* A free, page-aligned range of len bytes (mapped PROT_NONE, unmapped
 * again): room for MAP_FIXED in one case. Exits if mmap fails. */
uintptr_t free_range(size_t len);

/* mmap(addr, len, prot, flags | MAP_ANONYMOUS, -1, 0): the address, or 0
 * with the case failed (follow it with EXPECT_TRUE on the result). */
#define MMAP_ANON(addr, len, prot, flags) map_anon(__LINE__, addr, len, prot, flags)
uintptr_t map_anon(int line, uintptr_t addr, size_t len, long prot, long flags);

/* Fills [p, p + len) with the pattern of seed; whether it holds it. */
void fill_pattern(uintptr_t p, size_t len, uint64_t seed);
bool has_pattern(uintptr_t p, size_t len, uint64_t seed);
bool is_zero(uintptr_t p, size_t len);

/* Machine code of `mov $42, %eax; ret`, to run from a mapping. */
extern const unsigned char code_ret42[6];

#endif
