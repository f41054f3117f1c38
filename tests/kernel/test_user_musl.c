/*
 * Unmodified static Linux programs run: the programs of user/musl/, built
 * by the Makefile with Debian's `musl-gcc -static` and embedded as
 * musl_<name>, each on the first USER_MUSL_CPUS online CPUs (the CPU
 * counts of the other user-program tests). Each must exit with status 0,
 * print exactly what it prints on Linux (its output is captured through
 * proc_result.out), and give back every frame. musl_threads makes one
 * thread per CPU (pthread_create fails with EAGAIN after that), so its
 * line names the CPU count.
 */
#include <stdbool.h>
#include <string.h>

#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <kernel/smp.h>
#include <lib/format.h>

#include "user_image.h"
#include "user_run.h"

#define USER_MUSL_CPUS 8
#define MUSL_THREADS 8	 /* user/musl/threads.c: THREADS */
#define MUSL_ROUNDS 2000 /* and ROUNDS */

static char out[512];

/* Runs the embedded program name on cpus CPUs and checks its status, its
 * output against want, and the frame count; false, with why, if wrong. */
static bool run_musl(const char *name, unsigned cpus, const char *want, char *why, size_t len)
{
	const struct user_program *prog = user_program_find(name);
	struct proc_result res = {.out = out, .out_size = sizeof(out) - 1};
	uint64_t before = user_frames_in_use();
	cpumask_t mask;
	int rc;

	if (!prog) {
		ksnprintf(why, len, "not embedded (is musl-gcc installed?)");
		return false;
	}
	cpumask_first_n(&mask, cpus);
	rc = proc_run_program(prog, NULL, &mask, &res);
	if (!user_run_judge(rc, &res, why, len))
		return false;
	out[res.out_len] = 0;
	if (strcmp(out, want) != 0) {
		ksnprintf(why, len, "printed '%s', expected '%s'", out, want);
		return false;
	}
	if (user_frames_in_use() != before) {
		ksnprintf(why, len, "%ld frames not given back",
			  (long)(user_frames_in_use() - before));
		return false;
	}
	return true;
}

static unsigned musl_cpus(void)
{
	return smp_cpus_online < USER_MUSL_CPUS ? smp_cpus_online : USER_MUSL_CPUS;
}

SELFTEST(user_musl_hello_mallocs_and_prints)
{
	char why[600];

	if (!run_musl("musl_hello", musl_cpus(),
		      "hello from musl: 1000 blocks and 1 MiB allocated, checked and freed\n", why,
		      sizeof(why)))
		selftest_fail("musl_hello: %s", why);
}

SELFTEST(user_musl_threads_count_under_a_mutex)
{
	unsigned n = musl_cpus() < MUSL_THREADS ? musl_cpus() : MUSL_THREADS;
	char want[120], why[600];

	ksnprintf(want, sizeof(want), "musl threads: %u threads, %u of %u increments counted\n", n,
		  n * MUSL_ROUNDS, n * MUSL_ROUNDS);
	if (!run_musl("musl_threads", musl_cpus(), want, why, sizeof(why)))
		selftest_fail("musl_threads: %s", why);
}
