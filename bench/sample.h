/*
 * bench/sample.h - sample mode's choice of timed calls (bench/bench.h),
 * plain C shared by the kernel's phases (bench/phase.c) and the benchmark
 * programs that time themselves in user space (bench/user/wis.h), so both
 * pick their samples the same way.
 *
 * The choice is a per-thread xorshift64 generator seeded from the CPU or
 * thread id: random rather than every n-th call, so it cannot beat in step
 * with a periodic cost (a magazine or page cache refilling every n
 * operations), and seeded with constants, so icount runs stay identical.
 * A run of few calls shortens the period so that each thread still times
 * about BENCH_MIN_SAMPLES of them, down to every call: such operations are
 * long, so the timer costs them little, and a histogram of a handful of
 * samples would say nothing.
 *
 * No state of its own: each generator belongs to one thread.
 */
#ifndef BENCH_SAMPLE_H
#define BENCH_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

#define BENCH_MIN_SAMPLES 256	/* per thread and phase */

/* The period (a power of two) to use for `calls` calls per thread. */
static inline unsigned bench_sample_period(unsigned period, uint64_t calls)
{
	while (period > 1 && calls / period < BENCH_MIN_SAMPLES)
		period /= 2;
	return period;
}

static inline uint64_t bench_sample_seed(unsigned id)
{
	return 0x9e3779b97f4a7c15ull * (id + 1);
}

/* Whether to time the next call: true once in `period` calls on average. */
static inline bool bench_sample_next(uint64_t *rng, unsigned period)
{
	uint64_t x = *rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*rng = x;
	return (x & (period - 1)) == 0;
}

#endif
