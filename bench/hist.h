/*
 * hist.h - log-linear (HdrHistogram-style) latency histograms.
 *
 * Buckets (bench/FORMAT.md, "Histogram buckets", with HIST_SUB_BITS = 7):
 * a value v < 128 has its own bucket, v. A larger value, with
 * m = floor(log2 v) and shift = m - 6, is kept to its top 7 bits,
 * sub = v >> shift (64 <= sub < 128), in bucket 64 * shift + sub. So each
 * power-of-two range [2^m, 2^(m+1)) is cut into 64 equal buckets of width
 * 2^shift, at most 1/64 of their lower bound, and the largest value,
 * UINT64_MAX, lands in bucket 3775: 3776 buckets cover every uint64_t.
 *
 * Why log-linear: a fixed relative error (a bucket's midpoint is within
 * 1/128 = 0.79% of any value in it) over the whole 64-bit range in a flat
 * array of counters, with no sorting, no allocation and no configured range.
 * A 40-cycle fast path and a million-cycle IPI storm both land in the same
 * histogram without either being flattened. Recording is a count-leading-
 * zeros, a shift and an add: cheap enough to sit between two TSC reads.
 * The bucket index is computed branch-free: v | 127 makes every v < 128
 * look like a 7-bit value (shift 0), where 64 * 0 + v is v itself.
 *
 * Percentiles (FORMAT.md): the p-th percentile of n samples is the sample
 * of rank ceil(p / 100 * n). The estimate is the midpoint of the bucket
 * holding that rank (the value itself below 128), clamped to [min, max].
 * The midpoint of [low, low + 2^shift) is low + 2^(shift - 1), an integer.
 * One refinement of FORMAT.md's rule: ranks 1 and n are the recorded min
 * and max themselves, which are exact (so p100 is the max). The percentile
 * is given as an integer in parts per million (p99 = 990000, p99.9 =
 * 999000), because the kernel is built without floating point (-mno-sse
 * -mno-80387 -mgeneral-regs-only); the rank is integer math, which also
 * keeps ceil() exact where 0.999 * n in binary floating point is not.
 *
 * Concurrency: none inside. A struct hist is written by one CPU only (one
 * per CPU per measured series) and merged into a total with hist_merge
 * after the timed phase, once a barrier orders the writers' stores before
 * the merger's loads. No function here takes a lock, allocates, touches
 * global state or calls anything, so every one may run in any context
 * (interrupts on or off, on any CPU) on a histogram that nobody else is
 * using at the same time; that includes not recording into a histogram from
 * an interrupt handler that may interrupt a hist_record on the same one.
 *
 * A struct hist is 30 KiB: make it static or allocate it, never put it on
 * a kernel stack.
 *
 * Portable C11 with GNU builtins (__builtin_clzll, __builtin_add_overflow),
 * built into both the freestanding kernel and the hosted tests.
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_SUB_BITS 7
/* Buckets per power of two above the exact range: 64. */
#define HIST_SUB_HALF (1u << (HIST_SUB_BITS - 1))
/* shift runs 0..64 - HIST_SUB_BITS, each with HIST_SUB_HALF buckets above the
 * first HIST_SUB_HALF exact ones. */
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 2) * HIST_SUB_HALF)
_Static_assert(HIST_BUCKETS == 3776, "bench/FORMAT.md fixes 3776 buckets");

/* Parts per million: the percentile argument of hist_value_at_ppm. */
#define HIST_PPM 1000000u

/*
 * count: samples recorded. min, max: the smallest and largest; while count
 * is 0 they are UINT64_MAX and 0, the identities of min and max, so merging
 * an empty histogram changes nothing (hist_min and hist_max read 0 then).
 * sum: the sum of the samples, saturating at UINT64_MAX instead of wrapping
 * (FORMAT.md's `sum` may be up to 2^64 - 1; a saturated sum means "at least").
 * buckets[b]: samples in bucket b; they add up to count.
 */
struct hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t sum;
	uint64_t buckets[HIST_BUCKETS];
};

/* Empties h. */
void hist_init(struct hist *h);

/* hist_bucket_of in 64 bits, which saves the hot path a zero extension. */
static inline uint64_t hist_bucket_of64(uint64_t v)
{
	/* 63 - clz is floor(log2); v | 127 floors it at 6, giving shift 0. */
	unsigned shift = (unsigned)(63 - (HIST_SUB_BITS - 1)) -
		(unsigned)__builtin_clzll(v | ((1u << HIST_SUB_BITS) - 1));

	return ((uint64_t)shift << (HIST_SUB_BITS - 1)) + (v >> shift);
}

/* The bucket of v, 0..HIST_BUCKETS - 1. */
static inline unsigned hist_bucket_of(uint64_t v)
{
	return (unsigned)hist_bucket_of64(v);
}

/* Adds one sample. The hot path: about 20 instructions, and no branch
 * taken but for a new min or max (or a sum that saturates). */
static inline void hist_record(struct hist *h, uint64_t v)
{
	h->buckets[hist_bucket_of64(v)]++;
	h->count++;
	if (__builtin_add_overflow(h->sum, v, &h->sum))
		h->sum = UINT64_MAX;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* The smallest and largest sample, 0 for an empty histogram. */
static inline uint64_t hist_min(const struct hist *h)
{
	return h->count != 0 ? h->min : 0;
}

static inline uint64_t hist_max(const struct hist *h)
{
	return h->max;
}

/* Adds every sample of src to dst (sum saturating). src is not changed and
 * may not be dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/*
 * The values of bucket b (b < HIST_BUCKETS): [hist_bucket_low(b),
 * hist_bucket_high(b)). high is exclusive, except for the last bucket, whose
 * end 2^64 does not fit: there high is UINT64_MAX, which the bucket also
 * holds. hist_bucket_mid is the estimate reported for the bucket: the value
 * itself below 128, else low + width / 2.
 */
uint64_t hist_bucket_low(unsigned b);
uint64_t hist_bucket_high(unsigned b);
uint64_t hist_bucket_mid(unsigned b);

/*
 * The estimated percentile ppm / 10^4 (ppm in parts per million: 500000 is
 * the median, 990000 p99, 1000000 the maximum), as FORMAT.md defines it:
 * the sample of rank ceil(ppm * count / 10^6), estimated by its bucket's
 * midpoint clamped to [min, max]; ranks 1 and count give min and max
 * exactly. ppm 0 counts as rank 1, ppm above 10^6 as 10^6. 0 for an empty
 * histogram. Integer only; O(HIST_BUCKETS).
 */
uint64_t hist_value_at_ppm(const struct hist *h, uint32_t ppm);

/*
 * Walking the non-empty buckets in increasing order, as the dump writes
 * them (`bucket:count`):
 *
 *	for (unsigned b = hist_next_bucket(h, 0); b < HIST_BUCKETS;
 *	     b = hist_next_bucket(h, b + 1))
 *		emit(b, h->buckets[b]);
 *
 * hist_next_bucket returns the first non-empty bucket >= from, or
 * HIST_BUCKETS if there is none (from may be HIST_BUCKETS or more).
 * hist_nonempty_buckets counts them (the dump's `nbk`).
 */
unsigned hist_next_bucket(const struct hist *h, unsigned from);
unsigned hist_nonempty_buckets(const struct hist *h);

/*
 * Whether h is consistent, for a histogram that came from elsewhere (a
 * user program's report): the buckets add up to count, min and max lie
 * in the lowest and highest non-empty buckets, and the sum is at least
 * count * min. 0, or -1 for the first inconsistency.
 */
int hist_check(const struct hist *h);

#endif
