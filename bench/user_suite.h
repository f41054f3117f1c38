/*
 * bench/user_suite.h - suites whose operations a user program times
 * itself (vm.* with bench/user/vm_bench.c, wis.* with will-it-scale's
 * tests): the kernel side launches the program on the step's CPUs and
 * turns what it reports (bench/vm_report.h) into the suite's records.
 */
#ifndef BENCH_USER_SUITE_H
#define BENCH_USER_SUITE_H

#include "bench.h"
#include "vm_report.h"

struct user_suite_run {
	const char *suite;
	const char *prog;		/* the embedded program */
	const char *arg;		/* its argv[1] */
	const char *kinds[VM_KINDS];	/* op name of each kind; NULL: unused */
	const char *params;		/* "key=value ..." or "" */
};

/* Runs r->prog with one thread per CPU of the step and writes a record per
 * kind it did operations of, in the step's mode (how the suite table says
 * the program times itself: own_sampled or not). 0, or -1 (after bench_fail) if the program
 * failed, was killed, or broke the protocol. Boot CPU. */
int user_suite_run(const struct bench_step *step, const struct user_suite_run *r);

#endif
