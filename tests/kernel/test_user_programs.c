/*
 * Every embedded user program whose name starts with "test_" (user/, built
 * by the Makefile) runs on the first USER_TEST_CPUS online CPUs (all of
 * them in boots of 2, 4 and 8: the multi-threaded programs run a thread
 * per CPU; more would only multiply the shootdown waits of vCPUs that
 * outnumber the host's cores) and must do what it says: exit
 * with status 0, or, if it announced a fatal fault with tb_expect_fault,
 * be killed by exactly that fault (proc_result_ok). After each run every
 * frame is back (user_frames_in_use: the page allocator's used frames,
 * after the slab caches have given back every empty slab), so the run
 * leaked neither pages nor enough objects to hold a slab. Each program's
 * result is printed; the test fails if any program went wrong and names
 * the first.
 */
#include <stdbool.h>
#include <string.h>

#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <lib/format.h>

#include "user_image.h"
#include "user_run.h"

#define USER_TEST_CPUS 8

/* Runs prog; false, with why filled, if it did not do what it says. */
static bool run_one(const struct user_program *prog, char *why, size_t len)
{
	struct proc_result res = {0};
	uint64_t before = user_frames_in_use(), after;
	cpumask_t cpus;

	cpumask_first_n(&cpus, smp_cpus_online < USER_TEST_CPUS ? smp_cpus_online : USER_TEST_CPUS);
	int rc = proc_run_program(prog, NULL, &cpus, &res);

	after = user_frames_in_use();
	if (!user_run_judge(rc, &res, why, len))
		return false;
	if (after != before) {
		ksnprintf(why, len, "%ld frames not given back", (long)(after - before));
		return false;
	}
	return true;
}

/* Every program runs, so that one going wrong hides no other; the first
 * one's reason is the test's. */
SELFTEST(user_programs)
{
	unsigned ran = 0;
	char why[120];

	for (uint64_t i = 0; i < user_programs_count; i++) {
		const struct user_program *prog = &user_programs[i];
		if (strncmp(prog->name, "test_", 5) != 0)
			continue;
		ran++;
		if (run_one(prog, why, sizeof(why))) {
			kprintf("user: %s did what it says\n", prog->name);
		} else {
			kprintf("user: %s went wrong: %s\n", prog->name, why);
			selftest_fail("%s: %s", prog->name, why);
		}
	}
	ST_CHECK(ran > 0); /* the tree has test programs: none found is a build problem */
}
