/*
 * bench_alloc.c - host-native micro-benchmark of the allocators' fast
 * paths (make bench-host; built once per variant, see bench.mk).
 *
 *   bench-<frame>-<slab>                 header, then this variant's rows
 *   bench-<frame>-<slab> --header        the header only
 *   bench-<frame>-<slab> --rows          the rows only
 *   bench-<frame>-<slab> --ratios FILE FRAME_BASE SLAB_BASE
 *        from the rows in FILE: this variant's median over the baseline's,
 *        per op and thread count (frame ops against FRAME_BASE with this
 *        slab variant, kmalloc ops against SLAB_BASE with this frame one)
 *   bench-<frame>-<slab> --callgrind OP N
 *        N pairs of OP on one CPU inside bench_callgrind_loop, for
 *        valgrind --tool=callgrind --toggle-collect=bench_callgrind_loop
 *
 * An op is one allocation plus its free: page0 and page9 (alloc_pages and
 * __free_pages of order 0 and 9), kmalloc64 and kmalloc256, each freed
 * at once; page0-bulk takes BULK order-0 frames, more than a per-CPU
 * cache holds, then frees them in the same order (the shape of the
 * kernel's frame.bulk), so that refills and drains are paid. Each runs on
 * 1 and on 2 hosted CPUs at once, each CPU freeing what it allocated; the
 * -remote ops run on 2 CPUs where CPU 0 allocates and CPU 1 frees, the
 * objects passing through a single-producer ring.
 *
 * Timing: CLOCK_MONOTONIC around each CPU's loop, started together by a
 * spin barrier, each CPU thread pinned to a host core of its own when
 * there are enough. A run lasts RUN_NS, not a number of ops: contention can
 * make an op a hundred times slower at 2 CPUs, which would blow up any
 * loop count sized on 1. The clock is read every CHUNK ops (well under
 * 1 ns an op). One warm-up run, then REPS timed runs give the median and
 * the minimum. ns/op is each CPU's time over its op count, averaged over
 * the CPUs; for -remote ops, the slower CPU's time over the objects that
 * went through. The loops call the allocator directly (one switch on the
 * op outside each loop of CHUNK), so that the figure is the allocator's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mm/gfp.h>
#include <mm/init.h>
#include <mm/slab.h>

#include <mm/env.h>
#include <mm/hal.h>

#include "bench_common.h"

#define RAM_BYTES (256ull << 20)
#define RING_SIZE 1024		/* objects in flight, remote ops */
#define RING_PUBLISH 32		/* ring index updates are batched by this */
#define SPINS_BEFORE_YIELD 1024

#define BULK 8192		/* frames per page0-bulk round, over FRAME=pcp's 734 */

enum op { OP_PAGE0, OP_PAGE9, OP_KMALLOC64, OP_KMALLOC256, OP_PAGE0_BULK, NR_OPS };

static const char *const op_names[NR_OPS] = { "page0", "page9", "kmalloc64", "kmalloc256",
					      "page0-bulk" };

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bench-alloc: %s\n", what);
	exit(1);
}

static inline __attribute__((always_inline)) void *op_alloc(enum op op)
{
	void *p = NULL;

	switch (op) {
	case OP_PAGE0:
	case OP_PAGE0_BULK:
		p = alloc_pages(GFP_KERNEL, 0);
		break;
	case OP_PAGE9:
		p = alloc_pages(GFP_KERNEL, 9);
		break;
	case OP_KMALLOC64:
		p = kmalloc(64, GFP_KERNEL);
		break;
	case OP_KMALLOC256:
		p = kmalloc(256, GFP_KERNEL);
		break;
	case NR_OPS:
		break;
	}
	if (p == NULL)
		die("out of memory");
	return p;
}

static inline __attribute__((always_inline)) void op_free(enum op op, void *p)
{
	switch (op) {
	case OP_PAGE0:
	case OP_PAGE0_BULK:
		__free_pages(p, 0);
		break;
	case OP_PAGE9:
		__free_pages(p, 9);
		break;
	case OP_KMALLOC64:
	case OP_KMALLOC256:
		kfree(p);
		break;
	case NR_OPS:
		break;
	}
}

static inline __attribute__((always_inline)) void pairs(enum op op, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		op_free(op, op_alloc(op));
}

/* n ops of page0-bulk: rounds of BULK allocations, then their frees. */
static inline __attribute__((always_inline)) void bulk_pairs(uint64_t n)
{
	static __thread void *held[BULK];

	while (n > 0) {
		unsigned m = n < BULK ? (unsigned)n : BULK;

		for (unsigned i = 0; i < m; i++)
			held[i] = op_alloc(OP_PAGE0_BULK);
		for (unsigned i = 0; i < m; i++)
			op_free(OP_PAGE0_BULK, held[i]);
		n -= m;
	}
}

/* The switch is outside the loops: each loop has its op built in. */
static __attribute__((noinline)) void run_pairs(enum op op, uint64_t n)
{
	switch (op) {
	case OP_PAGE0:
		pairs(OP_PAGE0, n);
		break;
	case OP_PAGE9:
		pairs(OP_PAGE9, n);
		break;
	case OP_KMALLOC64:
		pairs(OP_KMALLOC64, n);
		break;
	case OP_KMALLOC256:
		pairs(OP_KMALLOC256, n);
		break;
	case OP_PAGE0_BULK:
		bulk_pairs(n);
		break;
	case NR_OPS:
		break;
	}
}

/* Extern and called with values from argv, so the compiler keeps it as
 * one function of this name for callgrind to toggle on. */
void bench_callgrind_loop(enum op op, uint64_t n);

__attribute__((noinline)) void bench_callgrind_loop(enum op op, uint64_t n)
{
	run_pairs(op, n);
}

static void spin_wait(unsigned *spins)
{
	if (++*spins % SPINS_BEFORE_YIELD == 0)
		sched_yield();	/* the other side may share our core */
	else
		__builtin_ia32_pause();
}

/* One timed run of an op on nthreads CPUs. */
struct trial {
	enum op op;
	bool remote;
	unsigned nthreads;
	atomic_uint ready;
	uint64_t ops[MAX_THREADS];	/* pairs done, or objects through the ring */
	uint64_t elapsed_ns[MAX_THREADS];
	/* The ring: the producer owns head and done, the consumer tail. */
	_Alignas(64) atomic_uint_fast64_t head;
	atomic_bool done;
	_Alignas(64) atomic_uint_fast64_t tail;
	_Alignas(64) void *slot[RING_SIZE];
};

/* Ops between two clock reads: a whole round for page0-bulk. */
static unsigned chunk_of(enum op op)
{
	return op == OP_PAGE0_BULK ? BULK : CHUNK;
}

/* Pairs in chunks until the deadline; the clock is read once a chunk. */
static uint64_t pairs_until(enum op op, uint64_t deadline)
{
	unsigned chunk = chunk_of(op);
	uint64_t n = 0;

	do {
		run_pairs(op, chunk);
		n += chunk;
	} while (now_ns() < deadline);
	return n;
}

static uint64_t produce(struct trial *t, uint64_t deadline)
{
	uint64_t head = 0, tail = 0;
	unsigned spins = 0;

	do {
		for (unsigned i = 0; i < CHUNK; i++, head++) {
			while (head - tail == RING_SIZE) {
				tail = atomic_load_explicit(&t->tail, memory_order_acquire);
				if (head - tail == RING_SIZE)
					spin_wait(&spins);
			}
			t->slot[head % RING_SIZE] = op_alloc(t->op);
			if ((head + 1) % RING_PUBLISH == 0)
				atomic_store_explicit(&t->head, head + 1, memory_order_release);
		}
	} while (now_ns() < deadline);
	atomic_store_explicit(&t->head, head, memory_order_release);
	atomic_store_explicit(&t->done, true, memory_order_release);
	return head;
}

static uint64_t consume(struct trial *t)
{
	uint64_t head = 0, tail = 0;
	unsigned spins = 0;

	for (;;) {
		if (tail == head) {
			/* Acquire on done: the head read after it is the final one. */
			bool done = atomic_load_explicit(&t->done, memory_order_acquire);

			head = atomic_load_explicit(&t->head, memory_order_acquire);
			if (tail == head && done)
				return tail;
			if (tail == head) {
				spin_wait(&spins);
				continue;
			}
		}
		op_free(t->op, t->slot[tail % RING_SIZE]);
		tail++;
		if (tail % RING_PUBLISH == 0)
			atomic_store_explicit(&t->tail, tail, memory_order_release);
	}
}

static void trial_cpu(unsigned cpu, void *arg)
{
	struct trial *t = arg;
	unsigned spins = 0;
	uint64_t start;

	if (hosted_cpus_pinned)
		pin_self(cpu);

	atomic_fetch_add(&t->ready, 1);
	while (atomic_load(&t->ready) != t->nthreads)
		spin_wait(&spins);
	start = now_ns();
	if (!t->remote)
		t->ops[cpu] = pairs_until(t->op, start + RUN_NS);
	else if (cpu == 0)
		t->ops[cpu] = produce(t, start + RUN_NS);
	else
		t->ops[cpu] = consume(t);
	t->elapsed_ns[cpu] = now_ns() - start;
}

/* ns/op of one run: per CPU, averaged; remote: the slower CPU's time per
 * object. */
static double measure(struct trial *t)
{
	double sum = 0, max = 0;

	atomic_store(&t->ready, 0);
	atomic_store(&t->head, 0);
	atomic_store(&t->tail, 0);
	atomic_store(&t->done, false);
	hosted_run_cpus(t->nthreads, trial_cpu, t);
	for (unsigned i = 0; i < t->nthreads; i++) {
		double ns = (double)t->elapsed_ns[i];

		sum += ns / (double)t->ops[i];
		max = ns > max ? ns : max;
	}
	return t->remote ? max / (double)t->ops[0] : sum / t->nthreads;
}

static void bench_row(enum op op, bool remote, unsigned nthreads, const char *variant)
{
	static struct trial t;
	double ns[REPS];
	char name[32];

	memset(&t, 0, sizeof(t));
	t.op = op;
	t.remote = remote;
	t.nthreads = nthreads;
	measure(&t);	/* warm-up */
	for (int r = 0; r < REPS; r++)
		ns[r] = measure(&t);
	snprintf(name, sizeof(name), "%s%s", op_names[op], remote ? "-remote" : "");
	print_row(variant, nthreads, name, ns);
}

static void cpu_init(unsigned cpu, void *arg)
{
	(void)cpu;
	(void)arg;
	mm_cpu_init();
}

/* Simulated RAM and the mm/ stack; each CPU is set up once, in a run of
 * nthreads CPUs (0: the calling thread is the only CPU). */
static void mm_setup(unsigned nthreads)
{
	struct mm_region ram = { .base = HOSTED_PHYS_START, .size = RAM_BYTES, .usable = true };

	if (hosted_phys_init(RAM_BYTES) != 0)
		die("cannot map the simulated RAM");
	if (mm_init(&ram, 1, NULL, 0) != 0)
		die("mm_init failed");
	if (nthreads == 0)
		mm_cpu_init();
	else
		hosted_run_cpus(nthreads, cpu_init, NULL);
}

struct name {
	char s[64];
};

/* "<frame>-<slab>", the name results carry. */
static struct name variant_name(const char *frame, const char *slab)
{
	struct name n;

	snprintf(n.s, sizeof(n.s), "%s-%s", frame, slab);
	return n;
}

static void bench_rows(void)
{
	struct name variant = variant_name(mm_variant_frame(), mm_variant_slab());

	/* A core per CPU thread: lock waiters spin with pause, as the
	 * kernel's, instead of yielding to the host scheduler on every
	 * round (which made a contended lock cost microseconds). */
	hosted_cpus_pinned = cores_for_threads();
	mm_setup(MAX_THREADS);
	for (unsigned nthreads = 1; nthreads <= MAX_THREADS; nthreads++) {
		for (enum op op = 0; op < NR_OPS; op++)
			bench_row(op, false, nthreads, variant.s);
	}
	bench_row(OP_PAGE0, true, 2, variant.s);
	bench_row(OP_KMALLOC64, true, 2, variant.s);
}

struct row {
	char variant[64], op[32];
	unsigned threads;
	double median;
};

static const struct row *find_row(const struct row *rows, size_t n, const char *variant,
				  const char *op, unsigned threads)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(rows[i].variant, variant) == 0 && strcmp(rows[i].op, op) == 0 &&
		    rows[i].threads == threads)
			return &rows[i];
	}
	return NULL;
}

static int ratios(const char *path, const char *frame_base, const char *slab_base)
{
	static struct row rows[512];
	struct name self = variant_name(mm_variant_frame(), mm_variant_slab());
	struct name base[2] = { variant_name(frame_base, mm_variant_slab()),
				variant_name(mm_variant_frame(), slab_base) };
	char line[256];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "bench-alloc: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (n < sizeof(rows) / sizeof(rows[0]) && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, " %63s %u %31s %lf", rows[n].variant, &rows[n].threads, rows[n].op,
			   &rows[n].median) == 4 && line[0] != '#')
			n++;
	}
	fclose(f);
	printf("# default over baseline, median ns/op (below 1: the default is faster)\n"
	       "# op                 threads  default              baseline              ratio\n");
	for (size_t i = 0; i < n; i++) {
		const char *b = base[strncmp(rows[i].op, "kmalloc", 7) == 0].s;
		const struct row *r;

		if (strcmp(rows[i].variant, self.s) != 0)
			continue;
		r = find_row(rows, n, b, rows[i].op, rows[i].threads);
		if (r == NULL) {
			fprintf(stderr, "bench-alloc: no %s row for %s at %u threads in %s\n", b,
				rows[i].op, rows[i].threads, path);
			return 1;
		}
		printf("  %-18s %7u  %-20s %-20s %6.2f\n", rows[i].op, rows[i].threads, self.s, b,
		       rows[i].median / r->median);
	}
	return 0;
}

static int callgrind(const char *name, const char *count)
{
	char *end;
	unsigned long long n = strtoull(count, &end, 10);
	enum op op = 0;

	while (op < NR_OPS && strcmp(op_names[op], name) != 0)
		op++;
	if (op == NR_OPS || *end != '\0' || n == 0) {
		fprintf(stderr, "bench-alloc: --callgrind wants page0|page9|kmalloc64|kmalloc256|"
				"page0-bulk and a count, got %s %s\n", name, count);
		return 2;
	}
	mm_setup(0);
	run_pairs(op, WARMUP_OPS > chunk_of(op) ? WARMUP_OPS : chunk_of(op)); /* not counted */
	bench_callgrind_loop(op, n);
	return 0;
}

static void print_header(void)
{
	printf("# bench-host: host-native timings of the hosted mm/ build (-O2, no sanitizers)\n"
	       "# on a noisy shared machine: compare variants within one run, not across runs.\n"
	       "# An op is one allocation plus its free. ns/op: per CPU, averaged over the CPUs;\n"
	       "# -remote: CPU 0 allocates, CPU 1 frees, wall time per object. Median and\n"
	       "# minimum of %d runs of %u ms each, after a warm-up run.\n"
	       "# variant             threads  op                 ns/op (median)  ns/op (min)\n",
	       REPS, RUN_NS / 1000000u);
}

int main(int argc, char **argv)
{
	if (argc == 1) {
		print_header();
		bench_rows();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--header") == 0) {
		print_header();
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--rows") == 0) {
		bench_rows();
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "--ratios") == 0)
		return ratios(argv[2], argv[3], argv[4]);
	if (argc == 4 && strcmp(argv[1], "--callgrind") == 0)
		return callgrind(argv[2], argv[3]);
	fprintf(stderr, "usage: %s [--header | --rows | --ratios FILE FRAME_BASE SLAB_BASE |"
			" --callgrind OP N]\n", argv[0]);
	return 2;
}
