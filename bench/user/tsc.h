/*
 * bench/user/tsc.h - the timer of the benchmark programs that time
 * themselves in user space (vm_bench.c, and wis.h for wis.c and
 * musl/wis_malloc.c): a TSC read fenced on both sides, so the timed
 * operation neither starts before the first read nor ends after the
 * second, as the kernel's harness reads it (tsc_read_fenced). Plain C
 * with no C library, for either libc.
 */
#ifndef BENCH_USER_TSC_H
#define BENCH_USER_TSC_H

#include <stdint.h>

static inline uint64_t user_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

#endif
