/*
 * The self-test runner. Tests live in the .selftests section (see
 * kernel/selftest.h). Each test's failure message is kept in the per-CPU
 * area of the CPU that ran it; for an every-CPU test the runner reports
 * the lowest failing CPU. Runs on the boot CPU; every-CPU tests go through
 * on_each_cpu(), so they start together.
 */
#include <stdarg.h>
#include <string.h>

#include <kernel/percpu.h>
#include <kernel/printk.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <lib/format.h>

extern const struct selftest __selftests_start[], __selftests_end[];

void selftest_fail(const char *fmt, ...)
{
	struct percpu *pc = this_cpu();
	va_list ap;

	if (pc->test_failure[0])
		return;
	va_start(ap, fmt);
	kvsnprintf(pc->test_failure, sizeof(pc->test_failure), fmt, ap);
	va_end(ap);
}

bool selftest_failed_here(void)
{
	return this_cpu()->test_failure[0] != 0;
}

static void run_on_this_cpu(void *arg)
{
	const struct selftest *t = arg;
	t->fn();
}

/* Returns true if the test passed; prints its line. */
static bool run_one(const struct selftest *t)
{
	for_each_cpu_in(cpu, &cpu_online_mask)
		cpu_area(cpu)->test_failure[0] = 0;

	if (t->where == SELFTEST_EVERY_CPU)
		on_each_cpu(run_on_this_cpu, (void *)t);
	else
		t->fn();

	for_each_cpu_in(cpu, &cpu_online_mask) {
		const char *why = cpu_area(cpu)->test_failure;
		if (why[0]) {
			kprintf("selftest: %s ... FAIL: cpu %u: %s\n", t->name, cpu, why);
			return false;
		}
	}
	kprintf("selftest: %s ... ok\n", t->name);
	return true;
}

static size_t item_len(const char *item)
{
	size_t n = 0;

	while (item[n] && item[n] != ',')
		n++;
	return n;
}

static const struct selftest *find_test(const char *name, size_t len)
{
	for (const struct selftest *t = __selftests_start; t < __selftests_end; t++)
		if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
			return t;
	return NULL;
}

/* Whether the comma-separated selection picks t: "all", a test's name, or
 * "-name", which leaves that test out (later items win). */
static bool selected(const char *selection, const struct selftest *t)
{
	bool in = false;

	for (const char *item = selection; *item;) {
		size_t len = item_len(item);
		bool out = item[0] == '-';

		if (len == 3 && memcmp(item, "all", 3) == 0)
			in = true;
		else if (find_test(item + out, len - out) == t)
			in = !out;
		item += len + (item[len] == ',');
	}
	return in;
}

/* Every item names a test (or is "all"); else it says which is not. */
static bool selection_valid(const char *selection)
{
	for (const char *item = selection; *item;) {
		size_t len = item_len(item);
		bool out = item[0] == '-';

		if (!(len == 3 && memcmp(item, "all", 3) == 0) && !find_test(item + out, len - out)) {
			kprintf("selftest: no test named '%.*s'\n", (int)(len - out), item + out);
			return false;
		}
		item += len + (item[len] == ',');
	}
	return true;
}

bool selftest_run(const char *selection)
{
	unsigned passed = 0, failed = 0;

	if (strcmp(selection, "none") == 0)
		return true;
	if (!selection_valid(selection))
		return false;
	for (const struct selftest *t = __selftests_start; t < __selftests_end; t++) {
		if (!selected(selection, t))
			continue;
		if (run_one(t))
			passed++;
		else
			failed++;
	}
	if (passed + failed == 0) {
		kprintf("selftest: '%s' selects no test\n", selection);
		return false;
	}
	kprintf("selftest: %u passed, %u failed\n", passed, failed);
	return failed == 0;
}
