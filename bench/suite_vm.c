/*
 * The system-call suites (vm.*): a user program, bench/user/vm_bench.c,
 * runs one thread per CPU of the step in one address space and times
 * mmap/munmap, page faults, madvise, mprotect and mremap from user space,
 * every call, in the style of will-it-scale. The kernel side only picks
 * the operation and its counts; bench/user_suite.c launches the program
 * and turns its reports into records.
 */
#include <string.h>

#include <lib/format.h>

#include "bench_kernel.h"
#include "user_suite.h"

struct vm_suite {
	const char *suite, *op;		/* vm_bench's operation */
	const char *kinds[VM_KINDS];
	const char *params;
	unsigned ops, warm;		/* per thread, before scaling */
};

static const struct vm_suite vm_suites[] = {
	{ "vm.mmap", "mmap", { "mmap", "munmap" }, "size=128M", 400, 20 },
	{ "vm.fault", "fault", { "fault", "munmap" }, "pages=256", 256 * 16, 256 },
	{ "vm.madvise", "madvise", { "madvise", "retouch" }, "pages=64", 200, 10 },
	{ "vm.mprotect", "mprotect", { "to_ro", "to_rw" }, "pages=64", 400, 20 },
	{ "vm.mremap", "mremap", { "grow", "munmap" }, "pages=16", 400, 20 },
};

static int run_one(const struct bench_step *step, const struct vm_suite *s)
{
	char arg[48];
	struct user_suite_run r = { .suite = s->suite, .prog = "vm_bench", .arg = arg,
				    .kinds = { s->kinds[0], s->kinds[1] }, .params = s->params };

	ksnprintf(arg, sizeof(arg), "%s:%u:%u", s->op, bench_ops(step, s->ops),
		  bench_ops(step, s->warm));
	return user_suite_run(step, &r);
}

static int run_suite(const struct bench_step *step, const char *name)
{
	for (unsigned i = 0; i < sizeof(vm_suites) / sizeof(vm_suites[0]); i++)
		if (strcmp(vm_suites[i].suite, name) == 0)
			return run_one(step, &vm_suites[i]);
	bench_fail("%s: not a vm suite", name);
	return -1;
}

int bench_vm_mmap(const struct bench_step *step) { return run_suite(step, "vm.mmap"); }
int bench_vm_fault(const struct bench_step *step) { return run_suite(step, "vm.fault"); }
int bench_vm_madvise(const struct bench_step *step) { return run_suite(step, "vm.madvise"); }
int bench_vm_mprotect(const struct bench_step *step) { return run_suite(step, "vm.mprotect"); }
int bench_vm_mremap(const struct bench_step *step) { return run_suite(step, "vm.mremap"); }
