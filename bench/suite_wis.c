/*
 * bench/suite_wis.c - will-it-scale's memory tests (wis.*), in its threads
 * mode: bench/user/wis.c (mmap1, mmap2, page_fault1-4, tlb_flush1-3) and
 * bench/user/musl/wis_malloc.c (malloc1, malloc2, over musl's malloc) run
 * one thread per CPU of the step; bench/user_suite.c launches them and
 * writes their records. Kind 0 is the test's iteration as will-it-scale
 * counts it (op = the test's name), timed 1 in bench_sample= (mode
 * sample); kind 1 ("munmap") is the end of every round of the tests that
 * walk a region page by page. Throughput is will-it-scale's figure: the
 * iterations of all threads over the timed phase's wall time.
 *
 * Size: will-it-scale's region (128 MiB, 1 MiB for tlb_flush2) is kept
 * unless the iterations asked for hold less than one round of it
 * (bench_scale=), or unless one per CPU online would not fit in three
 * quarters of free memory (counting what a thread keeps at once: a
 * private copy of each file page for page_fault2); then it is halved
 * until both hold, and the record says so: size=16M scaled_from=128M.
 * The budget counts every CPU of the boot and is measured at the first
 * wis step, so all CPU counts of a boot measure the same size and their
 * series line up. The file tests name their file, a memory file
 * (memfd_create): file=memfd.
 *
 * Boot CPU only (the harness's coordinator); `budget` is its alone.
 */
#include <string.h>

#include <lib/format.h>
#include <mm/init.h>

#include "bench_kernel.h"
#include "sample.h"
#include "user_suite.h"

#define PAGE 4096ull
#define MIB (1ull << 20)

enum {
	MMAP1, MMAP2, PAGE_FAULT1, PAGE_FAULT2, PAGE_FAULT3, PAGE_FAULT4,
	TLB_FLUSH1, TLB_FLUSH2, TLB_FLUSH3, MALLOC1, MALLOC2,
};

struct wis_suite {
	const char *suite, *test, *prog;
	uint64_t size;		/* will-it-scale's, bytes */
	bool paged;		/* an iteration is one page of a round's region */
	bool file;
	unsigned resident;	/* paged: regions' worth of memory a thread keeps */
	unsigned ops, warm;	/* iterations per thread, before scaling */
};

/* Page-fault tests: one round of 128 MiB counted, after a warm-up that
 * rounds up to a whole round too; bench_quick= (12%) makes them two
 * rounds of 8 MiB after one. The tlb_flush tests' iterations each wait
 * for a shootdown IPI at 2 CPUs or more (their MADV_DONTNEED): under TCG
 * on a loaded host its tail reaches tens of ms, so they count a quarter
 * of that (32 MiB regions, named; bench_scale=400 gives 128 MiB) and a
 * quick run (2 MiB regions) stays within seconds. */
#define FAULT_OPS (128 * MIB / PAGE), 4096
#define FLUSH_OPS (32 * MIB / PAGE), 1024

static const struct wis_suite suites[] = {
	[MMAP1] = { "wis.mmap1", "mmap1", "wis", 128 * MIB, false, false, 0, 400, 20 },
	[MMAP2] = { "wis.mmap2", "mmap2", "wis", 128 * MIB, false, true, 0, 400, 20 },
	[PAGE_FAULT1] = { "wis.page_fault1", "page_fault1", "wis", 128 * MIB, true, false, 1,
			  FAULT_OPS },
	[PAGE_FAULT2] = { "wis.page_fault2", "page_fault2", "wis", 128 * MIB, true, true, 2,
			  FAULT_OPS },
	[PAGE_FAULT3] = { "wis.page_fault3", "page_fault3", "wis", 128 * MIB, true, true, 1,
			  FAULT_OPS },
	[PAGE_FAULT4] = { "wis.page_fault4", "page_fault4", "wis", 128 * MIB, true, true, 1,
			  FAULT_OPS },
	[TLB_FLUSH1] = { "wis.tlb_flush1", "tlb_flush1", "wis", 128 * MIB, true, true, 1,
			 FLUSH_OPS },
	[TLB_FLUSH2] = { "wis.tlb_flush2", "tlb_flush2", "wis", 1 * MIB, true, false, 1,
			 FLUSH_OPS },
	[TLB_FLUSH3] = { "wis.tlb_flush3", "tlb_flush3", "wis", 128 * MIB, true, true, 1,
			 FLUSH_OPS },
	[MALLOC1] = { "wis.malloc1", "malloc1", "musl_wis_malloc", 128 * MIB, false, false, 0,
		      400, 20 },
	[MALLOC2] = { "wis.malloc2", "malloc2", "musl_wis_malloc", 1024, false, false, 0,
		      400000, 20000 },
};

static uint64_t budget;	/* bytes the tests' threads may keep at once */

static void format_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= MIB)
		ksnprintf(buf, len, "%lluM", (unsigned long long)(bytes / MIB));
	else
		ksnprintf(buf, len, "%lluK", (unsigned long long)(bytes / 1024));
}

static uint64_t region_size(const struct wis_suite *s, uint64_t ops)
{
	uint64_t size = s->size, threads = bench_cpus_online();

	if (!s->paged)
		return size;
	if (budget == 0) {
		struct mm_frame_accounting a;

		mm_frame_accounting(&a);
		budget = (a.free + a.cached) * PAGE / 4 * 3;
	}
	while (size > PAGE && (size / PAGE > ops || threads * s->resident * size > budget))
		size /= 2;
	return size;
}

static uint64_t whole_rounds(uint64_t n, uint64_t per_round)
{
	return (n + per_round - 1) / per_round * per_round;
}

static int run_wis(const struct bench_step *step, const struct wis_suite *s)
{
	uint64_t size = region_size(s, bench_ops(step, s->ops));
	uint64_t per_round = s->paged ? size / PAGE : 1;
	uint64_t ops = whole_rounds(bench_ops(step, s->ops), per_round);
	uint64_t warm = whole_rounds(bench_ops(step, s->warm), per_round);
	char arg[96], params[96], have[16], published[16];
	struct user_suite_run r = { .suite = s->suite, .prog = s->prog, .arg = arg,
				    .kinds = { s->test, s->paged ? "munmap" : NULL },
				    .params = params };

	format_size(have, sizeof(have), size);
	format_size(published, sizeof(published), s->size);
	ksnprintf(params, sizeof(params), "size=%s%s%s%s%s", have,
		  size != s->size ? " scaled_from=" : "", size != s->size ? published : "",
		  s->file ? " file=memfd" : "",
		  strncmp(s->prog, "musl_", 5) == 0 ? " libc=musl" : ""); /* the Makefile's name */
	ksnprintf(arg, sizeof(arg), "%s:%llu:%llu:%u:%llu", s->test, (unsigned long long)ops,
		  (unsigned long long)warm, bench_sample_period(step->sample_period, ops),
		  (unsigned long long)size);
	return user_suite_run(step, &r);
}

int bench_wis_mmap1(const struct bench_step *s) { return run_wis(s, &suites[MMAP1]); }
int bench_wis_mmap2(const struct bench_step *s) { return run_wis(s, &suites[MMAP2]); }
int bench_wis_page_fault1(const struct bench_step *s) { return run_wis(s, &suites[PAGE_FAULT1]); }
int bench_wis_page_fault2(const struct bench_step *s) { return run_wis(s, &suites[PAGE_FAULT2]); }
int bench_wis_page_fault3(const struct bench_step *s) { return run_wis(s, &suites[PAGE_FAULT3]); }
int bench_wis_page_fault4(const struct bench_step *s) { return run_wis(s, &suites[PAGE_FAULT4]); }
int bench_wis_tlb_flush1(const struct bench_step *s) { return run_wis(s, &suites[TLB_FLUSH1]); }
int bench_wis_tlb_flush2(const struct bench_step *s) { return run_wis(s, &suites[TLB_FLUSH2]); }
int bench_wis_tlb_flush3(const struct bench_step *s) { return run_wis(s, &suites[TLB_FLUSH3]); }
int bench_wis_malloc1(const struct bench_step *s) { return run_wis(s, &suites[MALLOC1]); }
int bench_wis_malloc2(const struct bench_step *s) { return run_wis(s, &suites[MALLOC2]); }
