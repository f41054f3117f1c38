/*
 * bench/user_suite.c - launching a benchmark program and collecting what
 * it reports (bench/user_suite.h). The program runs one thread per CPU of
 * the step in one address space (proc_run on CPUs 0 .. cpus-1), times its
 * own operations in user space and hands over (bench/vm_report.h):
 *   - the marks of thread 0 at the start and the end of the timed loops:
 *     the phase's wall time, and the IPI and flush counters of every CPU
 *     and the address space's shootdown rounds in between;
 *   - one histogram per thread and operation kind, with the operations
 *     done, merged here.
 * Each suite then writes one record per kind, like the in-kernel suites,
 * so IPIs and rounds per operation come out of the same processing.
 *
 * Locking: the report callback runs on the reporting thread's CPU inside
 * its tb_report syscall, interrupts on; several threads report at once, so
 * the collection is guarded by us.lock (no flush handler takes it). The
 * rest is written by the boot CPU before proc_run and read after it.
 */
#include <arch/tsc.h>
#include <kernel/proc.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <lib/errno_name.h>
#include <mm/aspace.h>
#include <mm/slab.h>
#include <uapi/testbed.h>

#include "bench_kernel.h"	/* kernel only: the hosted build leaves this file out */
#include "user_suite.h"

static struct {
	spinlock_t lock;
	struct hist *merged[VM_KINDS];
	uint64_t ops[VM_KINDS];
	uint64_t tsc[2], counters[2][4];
	unsigned marks[2], hists[VM_KINDS];
	bool bad;		/* a report the protocol does not allow */
} us;

static void mark(unsigned i)
{
	struct aspace_stats st;

	aspace_stats(proc_current_aspace(), &st);
	bench_counters_now(us.counters[i]);
	us.counters[i][3] = st.shootdown_rounds;
	us.tsc[i] = tsc_read_fenced();
	us.marks[i]++;
}

static void collect(void *ctx, unsigned cpu, uint64_t kind, const void *buf, size_t len)
{
	const struct vm_hist *vh = buf;
	const struct vm_mark *m = buf;

	(void)ctx;
	spin_lock(&us.lock);
	if (kind != TB_REPORT_HISTOGRAM || len < sizeof(*m) || m->magic != VM_REPORT_MAGIC) {
		us.bad = true;
	} else if (len == sizeof(*m) && (m->type == VM_MARK_BEGIN || m->type == VM_MARK_END)) {
		mark(m->type == VM_MARK_BEGIN ? 0 : 1);
	} else if (len == sizeof(*vh) && vh->type == VM_HIST && vh->kind < VM_KINDS &&
		   hist_check(&vh->h) == 0 && vh->ops >= vh->h.count) {
		hist_merge(us.merged[vh->kind], &vh->h);
		us.ops[vh->kind] += vh->ops;
		us.hists[vh->kind]++;
	} else {
		kprintf("bench: cpu %u: malformed benchmark report (%zu bytes)\n", cpu, len);
		us.bad = true;
	}
	spin_unlock(&us.lock);
}

static bool reports_complete(const struct bench_step *step, const struct user_suite_run *r)
{
	if (us.bad || us.marks[0] != 1 || us.marks[1] != 1)
		return false;
	for (unsigned k = 0; k < VM_KINDS; k++)
		if (us.hists[k] != step->cpus || (!r->kinds[k] && us.ops[k]))
			return false;
	return true;
}

int user_suite_run(const struct bench_step *step, const struct user_suite_run *r)
{
	struct proc_result res = { .report = collect };
	cpumask_t cpus;
	int rc;

	for (unsigned k = 0; k < VM_KINDS; k++) {
		if (!us.merged[k] && !(us.merged[k] = kmalloc(sizeof(struct hist), GFP_KERNEL))) {
			bench_fail("no memory for the histograms");
			return -1;
		}
		hist_init(us.merged[k]);
		us.ops[k] = 0;
		us.hists[k] = 0;
	}
	us.marks[0] = us.marks[1] = 0;
	us.bad = false;
	cpumask_first_n(&cpus, step->cpus);
	rc = proc_run(r->prog, r->arg, &cpus, &res);
	if (rc != 0) {
		bench_fail("%s: proc_run(%s) = %d (%s)", r->suite, r->prog, rc, errno_name(-rc));
		return -1;
	}
	if (res.killed || res.status != 0) {
		bench_fail("%s: %s %s (status %d)", r->suite, r->prog,
			   res.killed ? "was killed" : "failed", res.status);
		return -1;
	}
	if (!reports_complete(step, r)) {
		bench_fail("%s: %s reported %u/%u marks and %u/%u histograms for %u threads",
			   r->suite, r->prog, us.marks[0], us.marks[1], us.hists[0], us.hists[1],
			   step->cpus);
		return -1;
	}
	uint64_t counters[4];
	for (unsigned i = 0; i < 4; i++)
		counters[i] = us.counters[1][i] - us.counters[0][i];
	for (unsigned k = 0; k < VM_KINDS; k++)
		if (r->kinds[k] && us.merged[k]->count)
			bench_record_hist(r->suite, r->kinds[k], step->cpus, r->params, step->mode,
					  us.merged[k], us.ops[k], us.tsc[1] - us.tsc[0], counters);
	return 0;
}
