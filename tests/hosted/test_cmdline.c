/*
 * test_cmdline.c - kernel command-line parsing (kernel/lib/cmdline.c).
 *
 * Covers token matching (whole keys only, last occurrence wins, tabs and
 * runs of separators), the output-buffer contract of cmdline_get, every
 * result code of the number and list parsers, and the key check (unknown
 * and repeated keys).
 */
#include <errno.h>

#include "lib/cmdline.h"
#include "test.h"

static const char *const line = "selftest=all fault=pagefault apic=xapic quiet "
				"mem=512M smp=1,2,4 selftests=1";

TEST(cmdline_get_value)
{
	char out[32];

	CHECK(cmdline_get(line, "selftest", out, sizeof(out)));
	CHECK_STR_EQ(out, "all");
	CHECK(cmdline_get(line, "fault", out, sizeof(out)));
	CHECK_STR_EQ(out, "pagefault");
	CHECK(cmdline_get(line, "selftests", out, sizeof(out)));
	CHECK_STR_EQ(out, "1");
	CHECK(cmdline_get(line, "quiet", out, sizeof(out)));	/* bare key */
	CHECK_STR_EQ(out, "");
}

TEST(cmdline_whole_tokens_only)
{
	char out[32] = "untouched";

	CHECK(!cmdline_get(line, "self", out, sizeof(out)));
	CHECK_STR_EQ(out, "");
	CHECK(!cmdline_has(line, "selftes"));
	CHECK(!cmdline_has(line, "all"));	/* a value is not a key */
	CHECK(!cmdline_has(line, "qui"));
	CHECK(!cmdline_has(line, "quiet2"));
	CHECK(!cmdline_has("xselftest=1", "selftest"));
	CHECK(!cmdline_has(line, ""));
	CHECK(cmdline_has(line, "apic"));
	CHECK(cmdline_has(line, "quiet"));
}

TEST(cmdline_last_occurrence_wins)
{
	char out[16];

	CHECK(cmdline_get("apic=xapic apic=x2apic", "apic", out, sizeof(out)));
	CHECK_STR_EQ(out, "x2apic");
	CHECK(cmdline_get("apic=x2apic apic", "apic", out, sizeof(out)));
	CHECK_STR_EQ(out, "");
	CHECK(cmdline_get("a=1 b=2 a=3 b=4", "a", out, sizeof(out)));
	CHECK_STR_EQ(out, "3");
}

TEST(cmdline_separators)
{
	char out[16];

	CHECK(cmdline_get("  \t a=1\t\tb=2   ", "b", out, sizeof(out)));
	CHECK_STR_EQ(out, "2");
	CHECK(cmdline_get("a=x=y", "a", out, sizeof(out)));	/* only the first '=' splits */
	CHECK_STR_EQ(out, "x=y");
	CHECK(cmdline_get("a=", "a", out, sizeof(out)));
	CHECK_STR_EQ(out, "");
	CHECK(!cmdline_has("", "a"));
	CHECK(!cmdline_has("   ", "a"));
	CHECK(!cmdline_has(NULL, "a"));
}

TEST(cmdline_get_output_size)
{
	char out[8];

	CHECK(cmdline_get("k=1234567", "k", out, 8));	/* 7 chars + NUL fit */
	CHECK_STR_EQ(out, "1234567");
	CHECK(!cmdline_get("k=12345678", "k", out, 8));
	CHECK_STR_EQ(out, "");
	CHECK(!cmdline_get("k=1", "k", out, 0));	/* nothing may be written */
	CHECK(cmdline_get("k", "k", out, 1));
	CHECK_STR_EQ(out, "");
}

TEST(cmdline_u64)
{
	uint64_t v = 0;

	CHECK_EQ_U64(cmdline_get_u64("n=42", "n", &v), 0);
	CHECK_EQ_U64(v, 42);
	CHECK_EQ_U64(cmdline_get_u64("n=0x1F", "n", &v), 0);
	CHECK_EQ_U64(v, 0x1f);
	CHECK_EQ_U64(cmdline_get_u64("n=0XfeE00000", "n", &v), 0);
	CHECK_EQ_U64(v, 0xfee00000);
	CHECK_EQ_U64(cmdline_get_u64("n=007", "n", &v), 0);	/* decimal, not octal */
	CHECK_EQ_U64(v, 7);
	CHECK_EQ_U64(cmdline_get_u64(line, "mem", &v), 0);
	CHECK_EQ_U64(v, 512ull << 20);
	CHECK_EQ_U64(cmdline_get_u64("n=4k", "n", &v), 0);
	CHECK_EQ_U64(v, 4096);
	CHECK_EQ_U64(cmdline_get_u64("n=2G", "n", &v), 0);
	CHECK_EQ_U64(v, 2ull << 30);
	CHECK_EQ_U64(cmdline_get_u64("n=0x10M", "n", &v), 0);
	CHECK_EQ_U64(v, 16ull << 20);
	CHECK_EQ_U64(cmdline_get_u64("n=18446744073709551615", "n", &v), 0);
	CHECK_EQ_U64(v, UINT64_MAX);
}

TEST(cmdline_u64_errors)
{
	static const char *const malformed[] = {
		"n", "n=", "n=abc", "n=12x", "n=0x", "n=0xg", "n=-1", "n=+1",
		"n=1KB", "n=K", "n=1.5", "n=1,2", "n=0x1T",
	};
	uint64_t v = 99;

	CHECK_EQ_U64(cmdline_get_u64(line, "absent", &v), (uint64_t)-ENOENT);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		if (cmdline_get_u64(malformed[i], "n", &v) != -EINVAL)
			hosted_fail(__FILE__, __LINE__, "\"%s\" not rejected with -EINVAL",
				    malformed[i]);
	}
	CHECK_EQ_U64(cmdline_get_u64("n=18446744073709551616", "n", &v), (uint64_t)-ERANGE);
	CHECK_EQ_U64(cmdline_get_u64("n=0x10000000000000000", "n", &v), (uint64_t)-ERANGE);
	CHECK_EQ_U64(cmdline_get_u64("n=17179869184G", "n", &v), (uint64_t)-ERANGE);
	CHECK_EQ_U64(cmdline_get_u64("n=17179869183G", "n", &v), 0);
	CHECK_EQ_U64(v, 17179869183ull << 30);
}

TEST(cmdline_list)
{
	uint64_t v[4] = { 0 };

	CHECK_EQ_U64(cmdline_get_list(line, "smp", v, 4), 3);
	CHECK_EQ_U64(v[0], 1);
	CHECK_EQ_U64(v[1], 2);
	CHECK_EQ_U64(v[2], 4);
	CHECK_EQ_U64(cmdline_get_list("s=7", "s", v, 4), 1);
	CHECK_EQ_U64(v[0], 7);
	CHECK_EQ_U64(cmdline_get_list("s=1,0x10,4K,8", "s", v, 4), 4);	/* exactly max */
	CHECK_EQ_U64(v[1], 16);
	CHECK_EQ_U64(v[2], 4096);
	CHECK_EQ_U64(v[3], 8);
}

TEST(cmdline_list_errors)
{
	static const char *const malformed[] = {
		"s", "s=", "s=,", "s=1,", "s=,1", "s=1,,2", "s=1,x", "s=1;2", "s=1, 2",
	};
	uint64_t v[4];

	CHECK_EQ_U64(cmdline_get_list(line, "absent", v, 4), (uint64_t)-ENOENT);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		if (cmdline_get_list(malformed[i], "s", v, 4) != -EINVAL)
			hosted_fail(__FILE__, __LINE__, "\"%s\" not rejected with -EINVAL",
				    malformed[i]);
	}
	CHECK_EQ_U64(cmdline_get_list("s=1,2,3,4,5", "s", v, 4), (uint64_t)-E2BIG);
	CHECK_EQ_U64(cmdline_get_list("s=1", "s", v, 0), (uint64_t)-E2BIG);
	CHECK_EQ_U64(cmdline_get_list("s=1,99999999999999999999", "s", v, 4), (uint64_t)-ERANGE);
}

TEST(cmdline_check_keys)
{
	static const char *const known[] = {"selftest", "fault", "apic", NULL};
	char bad[8];

	CHECK(cmdline_check_keys(NULL, known, bad, sizeof(bad)) == 0);
	CHECK(cmdline_check_keys("", known, bad, sizeof(bad)) == 0);
	CHECK(cmdline_check_keys("  selftest=all\tfault=gp apic  ", known, bad, sizeof(bad)) == 0);
	CHECK(cmdline_check_keys("selftest", known, bad, sizeof(bad)) == 0);

	CHECK(cmdline_check_keys("selftest=all selftst=all", known, bad, sizeof(bad)) == -EINVAL);
	CHECK_STR_EQ(bad, "selftst");
	CHECK(cmdline_check_keys("selftests=1", known, bad, sizeof(bad)) == -EINVAL);
	CHECK_STR_EQ(bad, "selftes"); /* truncated to fit */
	CHECK(cmdline_check_keys("apic =x", known, bad, sizeof(bad)) == -EINVAL);
	CHECK_STR_EQ(bad, "");
	CHECK(cmdline_check_keys("fault==gp", known, bad, sizeof(bad)) == 0);

	/* A repeat, bare or with a value, is named whatever comes between. */
	CHECK(cmdline_check_keys("apic=xapic selftest apic=x2apic", known, bad, sizeof(bad)) ==
	      -EEXIST);
	CHECK_STR_EQ(bad, "apic");
	CHECK(cmdline_check_keys("selftest=none fault=gp selftest", known, bad, sizeof(bad)) ==
	      -EEXIST);
	CHECK_STR_EQ(bad, "selftes");
	CHECK(cmdline_check_keys("fault=gp fault=gp", known, bad, sizeof(bad)) == -EEXIST);
	CHECK_STR_EQ(bad, "fault");
	/* The first problem is reported, whichever kind it is. */
	CHECK(cmdline_check_keys("apic apic bogus", known, bad, sizeof(bad)) == -EEXIST);
	CHECK(cmdline_check_keys("bogus apic apic", known, bad, sizeof(bad)) == -EINVAL);
	CHECK_STR_EQ(bad, "bogus");
}
