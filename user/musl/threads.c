/*
 * A musl pthreads program, built with `musl-gcc -static` and run
 * unmodified: up to THREADS threads (pthread_create: clone with
 * CLONE_SETTLS and CLONE_CHILD_CLEARTID, rt_sigprocmask, mmap and
 * mprotect for the stack) wait at a start gate (a condition variable:
 * futex wait, wake and requeue), then each allocate and free in a loop
 * and count under a mutex (futex wait and wake when contended); the main
 * thread joins them (futex) and checks the total. The testbed runs one
 * thread per CPU, so pthread_create fails with EAGAIN once every CPU has
 * one (the gate keeps them all alive until then); the program goes on
 * with the threads it has, as it would on Linux under a thread limit. It
 * prints how many threads counted (tests/kernel/test_user_musl.c expects
 * one per CPU, up to THREADS).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate = PTHREAD_COND_INITIALIZER;
static int open_gate; /* under lock */
static long counter;  /* under lock */

static void *work(void *arg)
{
	long bad = 0;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!open_gate)
		pthread_cond_wait(&gate, &lock);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < ROUNDS; i++) {
		size_t size = (size_t)(i % 300) + 16;
		unsigned char *p = malloc(size);

		if (!p)
			return (void *)1;
		memset(p, i & 0xff, size);
		bad += p[size - 1] != (unsigned char)(i & 0xff);
		free(p);
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return (void *)bad;
}

int main(void)
{
	pthread_t thread[THREADS];
	int n = 1, rc;
	long bad = 0;

	for (; n < THREADS; n++) {
		rc = pthread_create(&thread[n], NULL, work, NULL);
		if (rc == EAGAIN)
			break;
		if (rc) {
			printf("pthread_create: %s\n", strerror(rc));
			return 1;
		}
	}
	pthread_mutex_lock(&lock);
	open_gate = 1;
	pthread_cond_broadcast(&gate);
	pthread_mutex_unlock(&lock);
	bad += (long)work(NULL);
	for (int i = 1; i < n; i++) {
		void *ret;
		if ((rc = pthread_join(thread[i], &ret))) {
			printf("pthread_join: %s\n", strerror(rc));
			return 1;
		}
		bad += (long)ret;
	}
	printf("musl threads: %d threads, %ld of %ld increments counted\n", n, counter,
	       (long)n * ROUNDS);
	return bad != 0 || counter != (long)n * ROUNDS;
}
