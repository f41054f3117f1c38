/*
 * hist.c - log-linear latency histograms: the parts off the hot path.
 *
 * The design (bucket math, error bound, percentile rule, concurrency) is
 * described in hist.h; hist_record and hist_bucket_of are inline there.
 * Everything here is integer-only and calls nothing, not even memset, so
 * the file builds unchanged for the freestanding kernel and hosted.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

void hist_init(struct hist *h)
{
	h->count = 0;
	h->min = UINT64_MAX;
	h->max = 0;
	h->sum = 0;
	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		h->buckets[b] = 0;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	dst->count += src->count;
	if (__builtin_add_overflow(dst->sum, src->sum, &dst->sum))
		dst->sum = UINT64_MAX;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		dst->buckets[b] += src->buckets[b];
}

/* Bucket b >= 128 has width 2^shift with shift = b / 64 - 1. */
static unsigned bucket_shift(unsigned b)
{
	return (b >> (HIST_SUB_BITS - 1)) - 1;
}

uint64_t hist_bucket_low(unsigned b)
{
	if (b < (1u << HIST_SUB_BITS))
		return b;
	return (uint64_t)(b % HIST_SUB_HALF + HIST_SUB_HALF) << bucket_shift(b);
}

uint64_t hist_bucket_high(unsigned b)
{
	if (b < (1u << HIST_SUB_BITS))
		return (uint64_t)b + 1;
	if (b == HIST_BUCKETS - 1)
		return UINT64_MAX;	/* 2^64 does not fit */
	return hist_bucket_low(b) + ((uint64_t)1 << bucket_shift(b));
}

uint64_t hist_bucket_mid(unsigned b)
{
	if (b < (1u << HIST_SUB_BITS))
		return b;
	/* shift >= 1 here, and low + 2^(shift-1) fits even in the last bucket. */
	return hist_bucket_low(b) + ((uint64_t)1 << (bucket_shift(b) - 1));
}

/*
 * ceil(ppm * n / 10^6) without overflow: with n = q * 10^6 + r,
 * ppm * n / 10^6 = ppm * q + ppm * r / 10^6, where ppm * q <= n and
 * ppm * r < 10^12.
 */
static uint64_t rank_of(uint64_t n, uint32_t ppm)
{
	uint64_t q = n / HIST_PPM, r = n % HIST_PPM;

	return ppm * q + ((uint64_t)ppm * r + HIST_PPM - 1) / HIST_PPM;
}

uint64_t hist_value_at_ppm(const struct hist *h, uint32_t ppm)
{
	uint64_t n = h->count, rank, seen = 0;

	if (n == 0)
		return 0;
	if (ppm > HIST_PPM)
		ppm = HIST_PPM;
	rank = rank_of(n, ppm);
	if (rank >= n)
		return h->max;
	if (rank <= 1)
		return h->min;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			uint64_t v = hist_bucket_mid(b);

			if (v < h->min)
				return h->min;
			if (v > h->max)
				return h->max;
			return v;
		}
	}
	return h->max;	/* only if the buckets add up to less than count */
}

unsigned hist_next_bucket(const struct hist *h, unsigned from)
{
	for (unsigned b = from; b < HIST_BUCKETS; b++) {
		if (h->buckets[b] != 0)
			return b;
	}
	return HIST_BUCKETS;
}

unsigned hist_nonempty_buckets(const struct hist *h)
{
	unsigned n = 0;

	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		n += h->buckets[b] != 0;
	return n;
}

int hist_check(const struct hist *h)
{
	uint64_t total = 0;
	unsigned lowest = HIST_BUCKETS, highest = 0;

	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		if (h->buckets[b] == 0)
			continue;
		if (__builtin_add_overflow(total, h->buckets[b], &total))
			return -1;
		if (lowest == HIST_BUCKETS)
			lowest = b;
		highest = b;
	}
	if (total != h->count)
		return -1;
	if (total == 0)
		return h->min == UINT64_MAX && h->max == 0 && h->sum == 0 ? 0 : -1;
	if (h->min > h->max || hist_bucket_of(h->min) != lowest || hist_bucket_of(h->max) != highest)
		return -1;
	/* count samples of at least min each: the sum cannot be smaller
	 * (unless it saturated, which it then says) */
	uint64_t floor_sum;
	if (!__builtin_mul_overflow(h->min, total, &floor_sum) && h->sum < floor_sum)
		return -1;
	return 0;
}
