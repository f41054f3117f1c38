/*
 * wis - will-it-scale's memory tests (github.com/antonblanchard/will-it-scale,
 * tests/<name>.c) in its threads mode: one thread per CPU of the process,
 * all in one address space, each running the test's loop on a region (and
 * a file) of its own. Run by the harness's wis.* suites (bench/suite_wis.c)
 * with one argument, "<test>:<ops>:<warm>:<period>:<size>" (bench/user/wis.h,
 * which also runs the threads' timed loops and reports).
 *
 *   mmap1        mmap <size> anonymous private read-write, munmap it
 *   mmap2        the same over the thread's file, MAP_PRIVATE
 *   page_fault1  per round mmap <size> anonymous private; an iteration
 *                writes one byte of the next page (a demand-zero fault);
 *                munmap at the end of the round (kind 1)
 *   page_fault2  the same over the file, MAP_PRIVATE (copy-on-write faults)
 *   page_fault3  the same over the file, MAP_SHARED (write faults)
 *   page_fault4  the file, MAP_PRIVATE, one byte read per page (read faults)
 *   tlb_flush1   the file, MAP_PRIVATE: per page write 1,
 *                madvise(MADV_DONTNEED) the page, read back 0
 *   tlb_flush2   the same over anonymous private memory (reads back 0)
 *   tlb_flush3   the file, MAP_SHARED: write 1, DONTNEED, read back 1
 *
 * The file is a memory file (memfd_create + ftruncate to <size>), made
 * once per thread before its warm-up, where will-it-scale makes a /tmp
 * file (mkstemp + ftruncate + unlink): there is no file system here. Any
 * failing call ends the program with status 1 and "wis: <test>: <call> =
 * <result> (<errno>)".
 *
 * Threads: each one touches only its own struct wis_thread, region and
 * file; the argument block is written before they start.
 */
#include <thread.h>
#include <ulib.h>

#include "wis.h"

static struct {
	struct wis_args args;
	struct barrier barrier;
	int threads;
} cfg;

static __attribute__((noreturn)) void fail(const char *what, long r)
{
	printf("wis: %s: %s = %ld (%s)\n", cfg.args.test->name, what, r, errno_name(-r));
	exit(1);
}

static long check(const char *what, long r)
{
	if (SYS_IS_ERR(r))
		fail(what, r);
	return r;
}

static void wis_barrier(void)
{
	barrier_wait(&cfg.barrier);
}

static void wis_report(const void *buf, size_t len)
{
	check("tb_report", tb_report(buf, len, TB_REPORT_HISTOGRAM));
}

static uintptr_t map(long flags, int fd)
{
	return (uintptr_t)check("mmap", sys_mmap(0, cfg.args.size, PROT_READ | PROT_WRITE, flags,
						 fd, 0));
}

static void unmap(uintptr_t va)
{
	check("munmap", sys_munmap(va, cfg.args.size));
}

static volatile char *page_at(struct wis_thread *t, uint64_t page)
{
	return (volatile char *)(t->region + page * WIS_PAGE);
}

static void file_open(struct wis_thread *t)
{
	t->fd = (int)check("memfd_create", sys_memfd_create("will-it-scale", 0));
	check("ftruncate", sys_ftruncate(t->fd, (long)cfg.args.size));
}

static void file_close(struct wis_thread *t)
{
	check("close", sys_close(t->fd));
}

static void mmap_anon(struct wis_thread *t, uint64_t i)
{
	(void)t, (void)i;
	unmap(map(MAP_PRIVATE | MAP_ANONYMOUS, -1));
}

static void mmap_file(struct wis_thread *t, uint64_t i)
{
	(void)i;
	unmap(map(MAP_PRIVATE, t->fd));
}

static void round_anon(struct wis_thread *t)
{
	t->region = map(MAP_PRIVATE | MAP_ANONYMOUS, -1);
}

static void round_private(struct wis_thread *t)
{
	t->region = map(MAP_PRIVATE, t->fd);
}

static void round_shared(struct wis_thread *t)
{
	t->region = map(MAP_SHARED, t->fd);
}

static void unround(struct wis_thread *t)
{
	unmap(t->region);
}

static void write_page(struct wis_thread *t, uint64_t page)
{
	*page_at(t, page) = 0;
}

static void read_page(struct wis_thread *t, uint64_t page)
{
	(void)*page_at(t, page);
}

/* Write 1, drop the page, read back what the mapping holds under it. */
static void flush_page(struct wis_thread *t, uint64_t page, char want)
{
	volatile char *p = page_at(t, page);
	char got;

	*p = 1;
	check("madvise(MADV_DONTNEED)", sys_madvise((uintptr_t)p, WIS_PAGE, MADV_DONTNEED));
	got = *p;
	if (got != want) {
		printf("wis: %s: read %d back after madvise(MADV_DONTNEED), expected %d\n",
		       cfg.args.test->name, got, want);
		exit(1);
	}
}

static void flush_to_zero(struct wis_thread *t, uint64_t page)
{
	flush_page(t, page, 0);
}

static void flush_to_file(struct wis_thread *t, uint64_t page)
{
	flush_page(t, page, 1);
}

static const struct wis_test tests[] = {
	{ "mmap1", false, NULL, NULL, mmap_anon, NULL, NULL },
	{ "mmap2", false, file_open, NULL, mmap_file, NULL, file_close },
	{ "page_fault1", true, NULL, round_anon, write_page, unround, NULL },
	{ "page_fault2", true, file_open, round_private, write_page, unround, file_close },
	{ "page_fault3", true, file_open, round_shared, write_page, unround, file_close },
	{ "page_fault4", true, file_open, round_private, read_page, unround, file_close },
	{ "tlb_flush1", true, file_open, round_private, flush_to_zero, unround, file_close },
	{ "tlb_flush2", true, NULL, round_anon, flush_to_zero, unround, NULL },
	{ "tlb_flush3", true, file_open, round_shared, flush_to_file, unround, file_close },
};

static void worker(int id, int n, void *arg)
{
	struct wis_thread t = { .id = (unsigned)id, .args = &cfg.args, .fd = -1 };
	uintptr_t hists;

	(void)arg;
	if (n != cfg.threads) /* the barrier counts on every CPU having one */
		fail("clone (fewer threads than CPUs)", n);
	hists = (uintptr_t)check("mmap (histograms)",
				 sys_mmap(0, VM_KINDS * sizeof(struct vm_hist),
					  PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0));
	for (unsigned k = 0; k < VM_KINDS; k++)
		t.hist[k] = (struct vm_hist *)(hists + k * sizeof(struct vm_hist));
	wis_thread_run(&t);
}

int main(int argc, char **argv)
{
	long cpus = tb_ncpus();

	if (argc != 2 || !wis_parse(argv[1], tests, sizeof(tests) / sizeof(tests[0]), &cfg.args)) {
		printf("usage: wis <test>:<ops>:<warm>:<period>:<size> (test: mmap1, mmap2, "
		       "page_fault1-4, tlb_flush1-3; paged tests: ops, warm in whole rounds)\n");
		return 2;
	}
	if (SYS_IS_ERR(cpus)) {
		printf("wis: tb_ncpus = %ld (%s)\n", cpus, errno_name(-cpus));
		return 1;
	}
	cfg.threads = (int)cpus;
	barrier_init(&cfg.barrier, (unsigned)cpus);
	run_threads(cfg.threads, worker, NULL);
	return 0;
}
