/*
 * wis_malloc - will-it-scale's malloc1 (malloc and free 128 MiB) and
 * malloc2 (malloc and free 1 KiB), in its threads mode, over musl's
 * malloc: an unmodified static musl program (musl-gcc -static), so the
 * allocator measured is the one Linux programs linked with musl get. The
 * main thread and one pthread per other CPU of the process (tb_ncpus: the
 * testbed runs one thread per CPU) run bench/user/wis.h's loops, the
 * block's size given as <size> in "<test>:<ops>:<warm>:<period>:<size>";
 * the harness's wis.malloc* suites (bench/suite_wis.c) start it.
 *
 * A failing call (malloc returning NULL, pthread_create, tb_report) ends
 * the program with status 1 and "wis_malloc: <test>: <call> failed:
 * errno <n> (<text>)".
 *
 * Threads: each one touches only its own struct wis_thread and blocks;
 * the argument block is written before they start.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../kernel/include/uapi/testbed.h"
#include "../wis.h"

#define THREADS_MAX 64

static struct {
	struct wis_args args;
	pthread_barrier_t barrier;
} cfg;

static __attribute__((noreturn)) void fail(const char *what, int err)
{
	printf("wis_malloc: %s: %s failed: errno %d (%s)\n",
	       cfg.args.test ? cfg.args.test->name : "-", what, err, strerror(err));
	exit(1);
}

static void wis_barrier(void)
{
	pthread_barrier_wait(&cfg.barrier);
}

static void wis_report(const void *buf, size_t len)
{
	if (syscall(TB_SYS_REPORT, buf, len, TB_REPORT_HISTOGRAM) != 0)
		fail("tb_report", errno);
}

static void malloc_free(struct wis_thread *t, uint64_t i)
{
	void *p = malloc(t->args->size);

	(void)i;
	if (!p)
		fail("malloc", errno);
	/* The block escapes: the compiler may not drop the pair. */
	__asm__ volatile("" : : "r"(p) : "memory");
	free(p);
}

static const struct wis_test tests[] = {
	{ "malloc1", false, NULL, NULL, malloc_free, NULL, NULL },
	{ "malloc2", false, NULL, NULL, malloc_free, NULL, NULL },
};

static void *worker(void *arg)
{
	struct wis_thread *t = arg;

	for (unsigned k = 0; k < VM_KINDS; k++)
		if (!(t->hist[k] = malloc(sizeof(struct vm_hist))))
			fail("malloc (histogram)", errno);
	wis_thread_run(t);
	return NULL;
}

int main(int argc, char **argv)
{
	static struct wis_thread threads[THREADS_MAX];
	pthread_t tid[THREADS_MAX];
	long n = syscall(TB_SYS_NCPUS);
	int rc;

	if (argc != 2 || !wis_parse(argv[1], tests, sizeof(tests) / sizeof(tests[0]), &cfg.args)) {
		printf("usage: wis_malloc <malloc1|malloc2>:<ops>:<warm>:<period>:<size>\n");
		return 2;
	}
	if (n < 1 || n > THREADS_MAX)
		fail("tb_ncpus", n < 0 ? errno : ERANGE);
	if ((rc = pthread_barrier_init(&cfg.barrier, NULL, (unsigned)n)))
		fail("pthread_barrier_init", rc);
	for (long i = 0; i < n; i++)
		threads[i] = (struct wis_thread){ .id = (unsigned)i, .args = &cfg.args, .fd = -1 };
	for (long i = 1; i < n; i++)
		if ((rc = pthread_create(&tid[i], NULL, worker, &threads[i])))
			fail("pthread_create", rc);
	worker(&threads[0]);
	for (long i = 1; i < n; i++)
		if ((rc = pthread_join(tid[i], NULL)))
			fail("pthread_join", rc);
	return 0;
}
