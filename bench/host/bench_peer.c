/*
 * bench_peer.c - the user-space allocators the kmalloc pair is measured
 * against (make bench-host-callgrind): the same pair, malloc(64) or
 * malloc(256) then free, on the same loop as bench_alloc.c's.
 *
 * Built once per peer (bench.mk): linked alone it measures glibc's
 * malloc, linked with -ljemalloc, -lmimalloc or -ltcmalloc_minimal it
 * measures that library, whose malloc and free the dynamic linker then
 * finds first. The binary says which library its malloc came from
 * (dladdr), so a link that silently fell back to glibc shows.
 *
 *   bench-peer-<name> --which              the file that provides malloc
 *   bench-peer-<name> --callgrind OP N     N pairs in bench_callgrind_loop
 *   bench-peer-<name> --rows               ns per pair at 1 and 2 threads, in
 *                                          rows named <name>, as bench_alloc's
 *
 * OP is kmalloc64 or kmalloc256: the op names of bench_alloc.c, so that
 * rows line up; here they are malloc and free of that size. As there, no
 * other object is live during the loop, so a pair may empty a page each
 * time: an allocator whose cost depends on what else is live may do
 * better inside a real program. Timing, with bench_alloc.c's constants
 * (bench_common.h): each thread pinned to a core of its own when the host
 * has them, CHUNK pairs between two clock reads, runs of RUN_NS; the
 * median and minimum of REPS runs after a warm-up, per thread, averaged
 * over the threads.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "bench-peer: %s\n", what);
	exit(1);
}

/* The size is an argument, as a constant would let the compiler pair and
 * drop the calls (malloc and free are builtins). */
static __attribute__((noinline)) void run_pairs(size_t size, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++) {
		void *p = malloc(size);

		if (p == NULL)
			die("out of memory");
		/* Keeps the compiler from pairing malloc with free away. */
		__asm__ volatile("" : : "r"(p) : "memory");
		free(p);
	}
}

void bench_callgrind_loop(size_t size, uint64_t n);

__attribute__((noinline)) void bench_callgrind_loop(size_t size, uint64_t n)
{
	run_pairs(size, n);
}

static int op_size(const char *op, size_t *size)
{
	if (strcmp(op, "kmalloc64") == 0)
		*size = 64;
	else if (strcmp(op, "kmalloc256") == 0)
		*size = 256;
	else
		return -1;
	return 0;
}

struct trial {
	size_t size;
	unsigned nthreads;
	bool pinned;
	atomic_uint ready;
	double ns_per_pair[MAX_THREADS];
};

struct worker {
	struct trial *t;
	unsigned id;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct trial *t = w->t;
	uint64_t start, end, n = 0;

	if (t->pinned)
		pin_self(w->id);
	atomic_fetch_add(&t->ready, 1);
	while (atomic_load(&t->ready) != t->nthreads)
		sched_yield();
	start = now_ns();
	do {
		run_pairs(t->size, CHUNK);
		n += CHUNK;
	} while ((end = now_ns()) < start + RUN_NS);
	t->ns_per_pair[w->id] = (double)(end - start) / (double)n;
	return NULL;
}

/* ns per pair of one run, averaged over the threads. */
static double measure(struct trial *t)
{
	pthread_t th[MAX_THREADS];
	struct worker w[MAX_THREADS];
	double sum = 0;

	atomic_store(&t->ready, 0);
	for (unsigned i = 0; i < t->nthreads; i++) {
		w[i] = (struct worker){ t, i };
		if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0)
			die("pthread_create failed");
	}
	for (unsigned i = 0; i < t->nthreads; i++) {
		pthread_join(th[i], NULL);
		sum += t->ns_per_pair[i];
	}
	return sum / t->nthreads;
}

static void rows(const char *name)
{
	static const char *const ops[] = { "kmalloc64", "kmalloc256" };
	bool pinned = cores_for_threads();

	for (unsigned nthreads = 1; nthreads <= MAX_THREADS; nthreads++) {
		for (unsigned k = 0; k < 2; k++) {
			struct trial t = { .nthreads = nthreads, .pinned = pinned };
			double ns[REPS];

			op_size(ops[k], &t.size);
			measure(&t);
			for (int r = 0; r < REPS; r++)
				ns[r] = measure(&t);
			print_row(name, nthreads, ops[k], ns);
		}
	}
}

static int which(void)
{
	Dl_info info;

	if (dladdr((void *)malloc, &info) == 0 || info.dli_fname == NULL)
		die("dladdr cannot say where malloc comes from");
	printf("%s\n", info.dli_fname);
	return 0;
}

int main(int argc, char **argv)
{
	size_t size;
	char *end;

	if (argc == 2 && strcmp(argv[1], "--which") == 0)
		return which();
	if (argc == 2 && strcmp(argv[1], "--rows") == 0) {
		const char *base = strrchr(argv[0], '/');

		base = base != NULL ? base + 1 : argv[0];
		rows(strncmp(base, "bench-peer-", 11) == 0 ? base + 11 : base);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "--callgrind") == 0) {
		unsigned long long n = strtoull(argv[3], &end, 10);

		if (op_size(argv[2], &size) != 0 || *end != '\0' || n == 0) {
			fprintf(stderr, "bench-peer: --callgrind wants kmalloc64|kmalloc256 and a "
					"count, got %s %s\n", argv[2], argv[3]);
			return 2;
		}
		run_pairs(size, WARMUP_OPS);
		bench_callgrind_loop(size, n);
		return 0;
	}
	fprintf(stderr, "usage: %s --which | --callgrind OP N | --rows\n", argv[0]);
	return 2;
}
