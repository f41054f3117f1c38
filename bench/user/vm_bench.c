/*
 * vm_bench - the system-call benchmarks, in the style of will-it-scale:
 * one thread per CPU of the process, all in one address space, each
 * repeating one memory-management operation on a region of its own, timed
 * with the TSC around each call (user-space latency: the syscall entry and
 * exit are part of it). Run by the harness's vm.* suites (bench/suite_vm.c)
 * with one argument, "<op>:<ops>:<warm>":
 *
 *   mmap      mmap 128 MiB anonymous read-write (kind 0), munmap it (kind 1);
 *             nothing touched, the kernel picks the address
 *   fault     map 256 pages, touch each (kind 0: one demand-zero fault),
 *             munmap them (kind 1: 256 pages every thread's CPU may cache);
 *             <ops> and <warm> count touches, rounded up to whole regions
 *   madvise   64 touched pages: madvise(MADV_DONTNEED) (kind 0: frees them,
 *             one shootdown), then touch all 64 again (kind 1)
 *   mprotect  64 written pages: to read-only (kind 0: a shootdown), back to
 *             read-write (kind 1), then a write to each page
 *   mremap    16 touched pages grown in place to 32 (kind 0), then the 32
 *             unmapped (kind 1)
 *
 * Each thread's region lies in its own 4 GiB window (MAP_FIXED_NOREPLACE)
 * so the in-place growth always has room; only mmap lets the kernel search
 * for a gap. Protocol with the harness: bench/vm_report.h. Any failing call
 * ends the program with status 1 and a message: a benchmark never reports
 * numbers from operations that did not happen.
 */
#include <thread.h>
#include <ulib.h>

#include "../vm_report.h"
#include "tsc.h"

#define WINDOW_BASE 0x100000000000ul
#define WINDOW_SIZE (4ul << 30)
#define MMAP_SIZE (128ul << 20)
#define FAULT_PAGES 256
#define REGION_PAGES 64
#define GROW_PAGES 16

enum vm_op { OP_MMAP, OP_FAULT, OP_MADVISE, OP_MPROTECT, OP_MREMAP };

static const char *const op_names[] = { "mmap", "fault", "madvise", "mprotect", "mremap" };

static struct {
	enum vm_op op;
	uint64_t ops, warm;
	int threads;
	struct barrier start, end;
} cfg;

static __attribute__((noreturn)) void fail(const char *what, long r)
{
	printf("vm_bench: %s: %s = %ld (%s)\n", op_names[cfg.op], what, r, errno_name(-r));
	exit(1);
}

static void check(const char *what, long r)
{
	if (SYS_IS_ERR(r))
		fail(what, r);
}

struct worker {
	uintptr_t base;		/* this thread's window */
	struct vm_hist *hist[VM_KINDS];
	bool record;
};

static void record(struct worker *w, unsigned kind, uint64_t t0, uint64_t t1)
{
	if (w->record)
		hist_record(&w->hist[kind]->h, t1 - t0);
}

static void map_fixed(struct worker *w, uint64_t pages)
{
	long r = sys_mmap(w->base, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	check("mmap", r);
	if ((uintptr_t)r != w->base)
		fail("mmap (address moved)", r);
}

static void touch(uintptr_t va, uint64_t pages)
{
	for (uint64_t p = 0; p < pages; p++)
		*(volatile uint64_t *)(va + p * PAGE_SIZE) = p;
}

static void timed_munmap(struct worker *w, uint64_t pages)
{
	uint64_t t0 = user_tsc();
	long r = sys_munmap(w->base, pages * PAGE_SIZE);
	uint64_t t1 = user_tsc();

	check("munmap", r);
	record(w, 1, t0, t1);
}

/* One unit of <ops>; the regions of fault, madvise and mprotect persist
 * between units (set up by prepare). */
static void op_once(struct worker *w, uint64_t i)
{
	uint64_t t0, t1;
	long r;

	switch (cfg.op) {
	case OP_MMAP:
		t0 = user_tsc();
		r = sys_mmap(0, MMAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		t1 = user_tsc();
		check("mmap", r);
		record(w, 0, t0, t1);
		t0 = user_tsc();
		r = sys_munmap((uintptr_t)r, MMAP_SIZE);
		t1 = user_tsc();
		check("munmap", r);
		record(w, 1, t0, t1);
		break;
	case OP_FAULT: {
		uint64_t page = i % FAULT_PAGES;

		if (page == 0)
			map_fixed(w, FAULT_PAGES);
		t0 = user_tsc();
		*(volatile uint64_t *)(w->base + page * PAGE_SIZE) = i;
		t1 = user_tsc();
		record(w, 0, t0, t1);
		if (page == FAULT_PAGES - 1)
			timed_munmap(w, FAULT_PAGES);
		break;
	}
	case OP_MADVISE:
		t0 = user_tsc();
		r = sys_madvise(w->base, REGION_PAGES * PAGE_SIZE, MADV_DONTNEED);
		t1 = user_tsc();
		check("madvise", r);
		record(w, 0, t0, t1);
		t0 = user_tsc();
		touch(w->base, REGION_PAGES);
		t1 = user_tsc();
		record(w, 1, t0, t1);
		break;
	case OP_MPROTECT:
		t0 = user_tsc();
		r = sys_mprotect(w->base, REGION_PAGES * PAGE_SIZE, PROT_READ);
		t1 = user_tsc();
		check("mprotect", r);
		record(w, 0, t0, t1);
		t0 = user_tsc();
		r = sys_mprotect(w->base, REGION_PAGES * PAGE_SIZE, PROT_READ | PROT_WRITE);
		t1 = user_tsc();
		check("mprotect", r);
		record(w, 1, t0, t1);
		touch(w->base, REGION_PAGES);
		break;
	case OP_MREMAP:
		map_fixed(w, GROW_PAGES);
		touch(w->base, GROW_PAGES);
		t0 = user_tsc();
		r = sys_mremap(w->base, GROW_PAGES * PAGE_SIZE, 2 * GROW_PAGES * PAGE_SIZE, 0, 0);
		t1 = user_tsc();
		check("mremap", r);
		if ((uintptr_t)r != w->base)
			fail("mremap (moved)", r);
		record(w, 0, t0, t1);
		timed_munmap(w, 2 * GROW_PAGES);
		break;
	}
}

static void prepare(struct worker *w)
{
	if (cfg.op == OP_MADVISE || cfg.op == OP_MPROTECT) {
		map_fixed(w, REGION_PAGES);
		touch(w->base, REGION_PAGES);
	}
}

static void finish(struct worker *w)
{
	if (cfg.op == OP_MADVISE || cfg.op == OP_MPROTECT)
		check("munmap", sys_munmap(w->base, REGION_PAGES * PAGE_SIZE));
}

static void send_mark(uint32_t type)
{
	struct vm_mark m = { VM_REPORT_MAGIC, type };

	check("tb_report", tb_report(&m, sizeof(m), TB_REPORT_HISTOGRAM));
}

static void worker_main(int id, int n, void *arg)
{
	struct worker w = { .base = WINDOW_BASE + (uintptr_t)id * WINDOW_SIZE };

	(void)arg;
	if (n != cfg.threads) /* the barriers count on every CPU having one */
		fail("clone (fewer threads than CPUs)", n);
	for (unsigned k = 0; k < VM_KINDS; k++) {
		long r = sys_mmap(0, sizeof(struct vm_hist), PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		check("mmap (histogram)", r);
		w.hist[k] = (struct vm_hist *)r;
		*w.hist[k] = (struct vm_hist){ VM_REPORT_MAGIC, VM_HIST, k, (uint32_t)id, 0, { 0 } };
		hist_init(&w.hist[k]->h);
	}
	prepare(&w);
	for (uint64_t i = 0; i < cfg.warm; i++)
		op_once(&w, i);
	w.record = true;
	barrier_wait(&cfg.start);
	if (id == 0)
		send_mark(VM_MARK_BEGIN);
	for (uint64_t i = 0; i < cfg.ops; i++)
		op_once(&w, i);
	barrier_wait(&cfg.end);
	if (id == 0)
		send_mark(VM_MARK_END);
	finish(&w);
	for (unsigned k = 0; k < VM_KINDS; k++) {
		w.hist[k]->ops = w.hist[k]->h.count; /* every operation is timed */
		check("tb_report", tb_report(w.hist[k], sizeof(struct vm_hist), TB_REPORT_HISTOGRAM));
	}
}

/* "<op>:<ops>:<warm>" */
static bool parse_arg(char *s)
{
	char *f[3];
	unsigned n = 0;

	f[n++] = s;
	for (char *p = s; *p; p++) {
		if (*p == ':') {
			if (n == 3)
				return false;
			*p = 0;
			f[n++] = p + 1;
		}
	}
	if (n != 3 || !parse_u64(f[1], &cfg.ops) || !parse_u64(f[2], &cfg.warm) || cfg.ops == 0 ||
	    cfg.ops > (1ull << 32) || cfg.warm > (1ull << 32))
		return false;
	for (unsigned i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (strcmp(f[0], op_names[i]) == 0) {
			cfg.op = (enum vm_op)i;
			if (cfg.op == OP_FAULT) {
				cfg.ops = (cfg.ops + FAULT_PAGES - 1) / FAULT_PAGES * FAULT_PAGES;
				cfg.warm = (cfg.warm + FAULT_PAGES - 1) / FAULT_PAGES * FAULT_PAGES;
			}
			return true;
		}
	}
	return false;
}

int main(int argc, char **argv)
{
	long cpus = tb_ncpus();

	if (argc != 2 || !parse_arg(argv[1])) {
		printf("usage: vm_bench <mmap|fault|madvise|mprotect|mremap>:<ops>:<warm>\n");
		return 2;
	}
	check("tb_ncpus", cpus);
	cfg.threads = (int)cpus;
	barrier_init(&cfg.start, (unsigned)cpus);
	barrier_init(&cfg.end, (unsigned)cpus);
	run_threads(cfg.threads, worker_main, NULL);
	return 0;
}
