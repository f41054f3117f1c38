/*
 * The system-call suites (vm.*): a user program, bench/user/vm_bench.c,
 * runs one thread per CPU of the step in one address space and times
 * mmap/munmap, page faults, madvise, mprotect and mremap from user space,
 * in the style of will-it-scale. The kernel side only launches it
 * (proc_run on CPUs 0 .. cpus-1) and collects what it reports
 * (bench/vm_report.h):
 *   - the marks of thread 0 at the start and the end of the timed loops:
 *     the phase's wall time, and the IPI and flush counters of every CPU
 *     and the address space's shootdown rounds in between;
 *   - one histogram per thread and operation kind, merged here.
 * Each suite then writes one record per kind, like the in-kernel suites,
 * so IPIs and rounds per operation come out of the same processing.
 *
 * Locking: the report callback runs on the reporting thread's CPU inside
 * its tb_report syscall, interrupts on; several threads report at once, so
 * the collection is guarded by vm.lock (no flush handler takes it). The
 * rest is written by the boot CPU before proc_run and read after it.
 */
#include <stdatomic.h>
#include <string.h>

#include <arch/tsc.h>
#include <mm/aspace.h>
#include <kernel/proc.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <lib/errno_name.h>
#include <lib/format.h>
#include <mm/slab.h>
#include <uapi/testbed.h>

#include "bench_kernel.h"
#include "vm_report.h"

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

static struct {
	spinlock_t lock;
	struct hist *merged[VM_KINDS];
	uint64_t tsc[2], counters[2][4];
	unsigned marks[2], hists[VM_KINDS];
	bool bad;		/* a report the protocol does not allow */
} vm;

static void mark(unsigned i)
{
	struct aspace *as = proc_current_aspace();
	struct aspace_stats st;

	aspace_stats(as, &st);
	bench_counters_now(vm.counters[i]);
	vm.counters[i][3] = st.shootdown_rounds;
	vm.tsc[i] = tsc_read_fenced();
	vm.marks[i]++;
}

static void vm_report(void *ctx, unsigned cpu, uint64_t kind, const void *buf, size_t len)
{
	const struct vm_hist *vh = buf;
	const struct vm_mark *m = buf;

	(void)ctx;
	spin_lock(&vm.lock);
	if (kind != TB_REPORT_HISTOGRAM || len < sizeof(*m) || m->magic != VM_REPORT_MAGIC) {
		vm.bad = true;
	} else if (len == sizeof(*m) && (m->type == VM_MARK_BEGIN || m->type == VM_MARK_END)) {
		mark(m->type == VM_MARK_BEGIN ? 0 : 1);
	} else if (len == sizeof(*vh) && vh->type == VM_HIST && vh->kind < VM_KINDS &&
		   hist_check(&vh->h) == 0) {
		hist_merge(vm.merged[vh->kind], &vh->h);
		vm.hists[vh->kind]++;
	} else {
		kprintf("bench: cpu %u: malformed vm_bench report (%zu bytes)\n", cpu, len);
		vm.bad = true;
	}
	spin_unlock(&vm.lock);
}

static int run_one(const struct bench_step *step, const struct vm_suite *s)
{
	struct proc_result res = { .report = vm_report };
	char arg[48];
	cpumask_t cpus;
	int rc;

	for (unsigned k = 0; k < VM_KINDS; k++) {
		hist_init(vm.merged[k]);
		vm.hists[k] = 0;
	}
	vm.marks[0] = vm.marks[1] = 0;
	vm.bad = false;
	ksnprintf(arg, sizeof(arg), "%s:%u:%u", s->op, bench_ops(step, s->ops),
		  bench_ops(step, s->warm));
	cpumask_first_n(&cpus, step->cpus);
	rc = proc_run("vm_bench", arg, &cpus, &res);
	if (rc != 0) {
		bench_fail("%s: proc_run(vm_bench) = %d (%s)", s->suite, rc, errno_name(-rc));
		return -1;
	}
	if (res.killed || res.status != 0) {
		bench_fail("%s: vm_bench %s (status %d)", s->suite,
			   res.killed ? "was killed" : "failed", res.status);
		return -1;
	}
	if (vm.bad || vm.marks[0] != 1 || vm.marks[1] != 1 || vm.hists[0] != step->cpus ||
	    vm.hists[1] != step->cpus) {
		bench_fail("%s: vm_bench reported %u/%u marks and %u/%u histograms for %u threads",
			   s->suite, vm.marks[0], vm.marks[1], vm.hists[0], vm.hists[1], step->cpus);
		return -1;
	}
	uint64_t counters[4];
	for (unsigned i = 0; i < 4; i++)
		counters[i] = vm.counters[1][i] - vm.counters[0][i];
	for (unsigned k = 0; k < VM_KINDS; k++)
		if (vm.merged[k]->count)
			bench_record_hist(s->suite, s->kinds[k], step->cpus, s->params, BENCH_EACH,
					  vm.merged[k], vm.merged[k]->count, vm.tsc[1] - vm.tsc[0],
					  counters);
	return 0;
}

static int run_suite(const struct bench_step *step, const char *name)
{
	for (unsigned k = 0; k < VM_KINDS; k++) {
		if (!vm.merged[k] && !(vm.merged[k] = kmalloc(sizeof(struct hist), GFP_KERNEL))) {
			bench_fail("no memory for the histograms");
			return -1;
		}
	}
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
