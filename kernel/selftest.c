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

bool selftest_run(const char *selection)
{
	unsigned passed = 0, failed = 0;
	bool all = strcmp(selection, "all") == 0;

	if (strcmp(selection, "none") == 0)
		return true;
	for (const struct selftest *t = __selftests_start; t < __selftests_end; t++) {
		if (!all && strcmp(selection, t->name) != 0)
			continue;
		if (run_one(t))
			passed++;
		else
			failed++;
	}
	if (passed + failed == 0) {
		kprintf("selftest: no test named '%s'\n", selection);
		return false;
	}
	kprintf("selftest: %u passed, %u failed\n", passed, failed);
	return failed == 0;
}
