/*
 * A set of CPU ids, one bit each. Plain (non-atomic) operations: a mask is
 * built by one CPU and then handed over, never updated concurrently.
 */
#ifndef KERNEL_CPUMASK_H
#define KERNEL_CPUMASK_H

#include <stdbool.h>
#include <stdint.h>

#include <kernel/config.h>

#define CPUMASK_WORDS (MAX_CPUS / 64)

typedef struct {
	uint64_t bits[CPUMASK_WORDS];
} cpumask_t;

static inline void cpumask_clear(cpumask_t *m)
{
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		m->bits[i] = 0;
}

static inline void cpumask_set(cpumask_t *m, unsigned cpu)
{
	m->bits[cpu / 64] |= 1ull << (cpu % 64);
}

static inline void cpumask_unset(cpumask_t *m, unsigned cpu)
{
	m->bits[cpu / 64] &= ~(1ull << (cpu % 64));
}

static inline bool cpumask_test(const cpumask_t *m, unsigned cpu)
{
	return (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/* SWAR popcount: the kernel targets baseline x86_64 (no POPCNT) and does
 * not link libgcc, which __builtin_popcountll would call. */
static inline unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

static inline unsigned cpumask_weight(const cpumask_t *m)
{
	unsigned n = 0;
	for (unsigned i = 0; i < CPUMASK_WORDS; i++)
		n += popcount64(m->bits[i]);
	return n;
}

/* The first n CPUs: 0 .. n-1. */
static inline void cpumask_first_n(cpumask_t *m, unsigned n)
{
	cpumask_clear(m);
	for (unsigned c = 0; c < n; c++)
		cpumask_set(m, c);
}

#define for_each_cpu_in(cpu, mask)                    \
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++) \
		if (cpumask_test((mask), cpu))

#endif
