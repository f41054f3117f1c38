/*
 * The hostile suite: every embedded user program whose name starts with
 * "hostile_" (user/hostile_*.c) does what a careless or malicious program
 * would -- privileged instructions, software interrupts, far transfers,
 * bad system-call arguments, masses of VMAs, address-space changes racing
 * with faults -- and the kernel must survive it: no panic, no hung CPU (the
 * boot's timeout catches one), every run ending as the program announced,
 * and every frame given back.
 *
 * Each program first runs without an argument on the first HOSTILE_CPUS
 * online CPUs (threads for the racing ones). A program made of fatal
 * cases hands their names over then (tb_report, TB_REPORT_CASES; see
 * user/include/hostile.h) and runs once more per case, with its name as
 * the argument, on the first CPU alone: a case is one thread, and a second
 * CPU would only add hand-offs between vCPUs, which cost milliseconds each
 * under TCG on a loaded host (hostile_int's 259 runs: 0.2 s on one CPU,
 * 2.2 s on two); stopping the other CPUs of a killed process is the test
 * programs' part. Every run must end as announced: exit 0, or
 * the announced signal (tb_expect_signal) or fault (tb_expect_fault).
 * user_frames_in_use is taken before a program's first run and after its
 * last and printed: a leak of a few objects per run, too small to hold a
 * slab in one run, adds up over a program's hundreds of runs.
 *
 * The report callback runs in the program's tb_report, on the reporting
 * CPU (kernel/proc.h); only the listing run has one, and its names come
 * from its main thread before it exits, so the list needs no lock: the
 * callback has returned before proc_run does.
 */
#include <stdbool.h>
#include <string.h>

#include <arch/tsc.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <lib/format.h>
#include <uapi/testbed.h>

#include "user_image.h"
#include "user_run.h"

#define HOSTILE_CPUS 8 /* as the test programs: see test_user_programs.c */
#define CASE_CPUS 1
#define NAMES_MAX 8192 /* bytes of case names, one per line */
#define CASE_NAME_MAX 64

struct case_list {
	char names[NAMES_MAX];
	size_t len;
	bool overflow;
};

struct tally {
	unsigned runs, ok; /* ok: ended as announced */
};

static struct case_list cases;

static void take_cases(void *ctx, unsigned cpu, uint64_t kind, const void *buf, size_t len)
{
	struct case_list *l = ctx;

	(void)cpu;
	if (kind != TB_REPORT_CASES)
		return;
	if (len > sizeof(l->names) - l->len) {
		l->overflow = true;
		return;
	}
	memcpy(l->names + l->len, buf, len);
	l->len += len;
}

static unsigned min_online(unsigned n)
{
	return smp_cpus_online < n ? smp_cpus_online : n;
}

/* One run, counted; a failure to end as the program announced is
 * printed and recorded. */
static void run(const struct user_program *prog, const char *arg, unsigned ncpus,
		struct proc_result *res, struct tally *t)
{
	char why[160];
	cpumask_t cpus;

	cpumask_first_n(&cpus, min_online(ncpus));
	t->runs++;
	if (user_run_judge(proc_run_program(prog, arg, &cpus, res), res, why, sizeof(why))) {
		t->ok++;
		return;
	}
	kprintf("user: %s%s%s went wrong: %s\n", prog->name, arg ? " " : "", arg ? arg : "", why);
	selftest_fail("%s%s%s: %s", prog->name, arg ? " " : "", arg ? arg : "", why);
}

/* Runs the cases named in the list, one per line. */
static void run_cases(const struct user_program *prog, const struct case_list *l,
		      struct tally *t)
{
	for (size_t at = 0; at < l->len;) {
		const char *line = l->names + at, *nl = memchr(line, '\n', l->len - at);
		size_t n = nl ? (size_t)(nl - line) : l->len - at;
		struct proc_result res = {0};
		char name[CASE_NAME_MAX];

		at += n + 1;
		if (n == 0 || n >= sizeof(name)) {
			selftest_fail("%s: case name of %zu bytes", prog->name, n);
			continue;
		}
		memcpy(name, line, n);
		name[n] = 0;
		run(prog, name, CASE_CPUS, &res, t);
	}
}

/* Every program runs, so that one going wrong hides no other; the first
 * failure is the test's. */
SELFTEST(user_hostile)
{
	unsigned programs = 0;

	for (uint64_t i = 0; i < user_programs_count; i++) {
		const struct user_program *prog = &user_programs[i];
		struct proc_result res = {.report = take_cases, .report_ctx = &cases};
		uint64_t before, after, t0 = tsc_read();
		struct tally t = {0};

		if (strncmp(prog->name, "hostile_", 8) != 0)
			continue;
		programs++;
		cases.len = 0;
		cases.overflow = false;
		before = user_frames_in_use();
		run(prog, NULL, HOSTILE_CPUS, &res, &t);
		if (cases.overflow)
			selftest_fail("%s: more than %d bytes of case names", prog->name, NAMES_MAX);
		run_cases(prog, &cases, &t);
		after = user_frames_in_use();
		kprintf("user: %s: %u of %u runs as announced in %lu ms; user frames in use %lu "
			"before, %lu after\n",
			prog->name, t.ok, t.runs,
			(unsigned long)((tsc_read() - t0) / (tsc_hz / 1000)), (unsigned long)before,
			(unsigned long)after);
		if (after != before)
			selftest_fail("%s: %ld frames not given back", prog->name,
				      (long)(after - before));
	}
	ST_CHECK(programs > 0); /* the tree has hostile programs: none is a build problem */
}
