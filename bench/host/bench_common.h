/*
 * bench_common.h - what the two drivers of make bench-host and make
 * bench-host-callgrind share, so that their rows mean the same: the mm/
 * variants (bench_alloc.c) and the user-space peers (bench_peer.c) run for
 * the same time, read the clock as often, repeat as often and print rows
 * in the one format that --ratios and bench.mk read back.
 */
#ifndef BENCH_HOST_COMMON_H
#define BENCH_HOST_COMMON_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 2
#define RUN_NS 20000000u	/* one timed run */
#define CHUNK 256		/* ops between two clock reads */
#define WARMUP_OPS 2000		/* callgrind mode */
#define REPS 7

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Whether every thread of a run can have a host core of its own. */
static inline bool cores_for_threads(void)
{
	return sysconf(_SC_NPROCESSORS_ONLN) >= MAX_THREADS;
}

static inline void pin_self(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static inline int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One row: the median and minimum of REPS runs' ns per op. */
static inline void print_row(const char *variant, unsigned nthreads, const char *op,
			     double ns[REPS])
{
	qsort(ns, REPS, sizeof(ns[0]), by_value);
	printf("  %-20s %7u  %-18s %14.1f %12.1f\n", variant, nthreads, op, ns[REPS / 2], ns[0]);
	fflush(stdout);
}

#endif
