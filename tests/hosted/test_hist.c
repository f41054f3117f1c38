/*
 * test_hist.c - the log-linear latency histogram (bench/hist.c).
 *
 * The bucket functions are checked exhaustively over the 3776 buckets and at
 * every power of two; the percentile estimate against exact percentiles of
 * the raw samples, sorted, for several distributions from a fixed-seed
 * PRNG. The exact percentile p of n samples is the sample of rank
 * ceil(p * n) (bench/FORMAT.md); the estimate must equal it below 128 and be
 * within 1/128 (0.79%) of it above, and it must be exactly what FORMAT.md
 * says it is: the midpoint of the bucket holding the rank, clamped to
 * [min, max], with ranks 1 and n the exact min and max.
 *
 * A struct hist is 30 KiB, so the tests allocate them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "hist.h"
#include "mm_env.h"
#include "test.h"

static struct hist *hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));

	if (h != NULL) {
		memset(h, 0xa5, sizeof(*h));	/* hist_init must clear it all */
		hist_init(h);
	}
	return h;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define LAST_BUCKET (HIST_BUCKETS - 1)

/* Whether v is in bucket b by its bounds (the last bucket includes its high). */
static bool in_bounds(uint64_t v, unsigned b)
{
	return v >= hist_bucket_low(b) &&
		(v < hist_bucket_high(b) || (b == LAST_BUCKET && v == UINT64_MAX));
}

TEST(hist_bucket_boundaries)
{
	CHECK_EQ_U64(HIST_BUCKETS, 3776);
	CHECK_EQ_U64(hist_bucket_of(0), 0);
	CHECK_EQ_U64(hist_bucket_of(1), 1);
	CHECK_EQ_U64(hist_bucket_of(63), 63);
	CHECK_EQ_U64(hist_bucket_of(64), 64);
	CHECK_EQ_U64(hist_bucket_of(127), 127);
	CHECK_EQ_U64(hist_bucket_of(128), 128);	/* shift 1, sub 64 */
	CHECK_EQ_U64(hist_bucket_of(129), 128);
	CHECK_EQ_U64(hist_bucket_of(130), 129);
	CHECK_EQ_U64(hist_bucket_of(255), 191);	/* shift 1, sub 127 */
	CHECK_EQ_U64(hist_bucket_of(256), 192);	/* shift 2, sub 64 */
	CHECK_EQ_U64(hist_bucket_of(259), 192);
	CHECK_EQ_U64(hist_bucket_of(260), 193);
	CHECK_EQ_U64(hist_bucket_of(1ull << 32), 64 * 26 + 64);
	CHECK_EQ_U64(hist_bucket_of((1ull << 32) - 1), 64 * 25 + 127);
	CHECK_EQ_U64(hist_bucket_of(1ull << 63), 64 * 57 + 64);
	CHECK_EQ_U64(hist_bucket_of(UINT64_MAX), 3775);

	CHECK_EQ_U64(hist_bucket_low(0), 0);
	CHECK_EQ_U64(hist_bucket_high(0), 1);
	CHECK_EQ_U64(hist_bucket_low(127), 127);
	CHECK_EQ_U64(hist_bucket_high(127), 128);
	CHECK_EQ_U64(hist_bucket_low(128), 128);
	CHECK_EQ_U64(hist_bucket_high(128), 130);
	CHECK_EQ_U64(hist_bucket_mid(128), 129);
	CHECK_EQ_U64(hist_bucket_low(191), 254);
	CHECK_EQ_U64(hist_bucket_high(191), 256);
	CHECK_EQ_U64(hist_bucket_low(192), 256);
	CHECK_EQ_U64(hist_bucket_high(192), 260);
	CHECK_EQ_U64(hist_bucket_mid(192), 258);
	CHECK_EQ_U64(hist_bucket_low(LAST_BUCKET), 127ull << 57);
	CHECK_EQ_U64(hist_bucket_high(LAST_BUCKET), UINT64_MAX);
	CHECK_EQ_U64(hist_bucket_mid(LAST_BUCKET), (127ull << 57) + (1ull << 56));
	for (uint64_t v = 0; v < 128; v++) {
		CHECK_EQ_U64(hist_bucket_of(v), v);
		CHECK_EQ_U64(hist_bucket_mid(v), v);
	}
}

/* low(b) and high(b) - 1 map back to b, and the buckets tile uint64_t. */
TEST(hist_bucket_round_trip_every_bucket)
{
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t low = hist_bucket_low(b), high = hist_bucket_high(b);
		uint64_t mid = hist_bucket_mid(b);

		REQUIRE(low < high);
		CHECK_EQ_U64(hist_bucket_of(low), b);
		CHECK_EQ_U64(hist_bucket_of(high - 1), b);
		CHECK(mid >= low && mid < high);
		CHECK_EQ_U64(hist_bucket_of(mid), b);
		if (b == 0)
			CHECK_EQ_U64(low, 0);
		else
			CHECK_EQ_U64(low, hist_bucket_high(b - 1));
		if (b + 1 < HIST_BUCKETS)
			CHECK_EQ_U64(hist_bucket_of(high), b + 1);
	}
	CHECK_EQ_U64(hist_bucket_of(hist_bucket_high(LAST_BUCKET)), LAST_BUCKET);
}

/* Width at most 1/64 of the lower bound, midpoint within 1/128 of every
 * value in the bucket: the error bound percentiles rely on. */
TEST(hist_bucket_relative_width)
{
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t low = hist_bucket_low(b), high = hist_bucket_high(b);
		uint64_t mid = hist_bucket_mid(b);
		uint64_t width = high - low + (b == LAST_BUCKET);	/* 2^64 - low */
		uint64_t last = b == LAST_BUCKET ? UINT64_MAX : high - 1;

		if (b < 128) {
			CHECK_EQ_U64(width, 1);
			continue;
		}
		CHECK_EQ_U64(width & (width - 1), 0);	/* a power of two */
		CHECK(width <= low / 64);
		/* |mid - v| <= v / 128 at both ends, so for every v. */
		CHECK(mid - low <= low / 128);
		CHECK(last - mid <= last / 128);
	}
}

TEST(hist_bucket_powers_of_two_and_random_values)
{
	uint64_t seed = 1;

	for (unsigned k = 0; k < 64; k++) {
		uint64_t p = 1ull << k;
		uint64_t vs[] = { p - 1, p, p + 1, p + p / 2, p | (p - 1) };

		for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
			unsigned b = hist_bucket_of(vs[i]);

			REQUIRE(b < HIST_BUCKETS);
			CHECK(in_bounds(vs[i], b));
		}
		/* Bucket index is monotonic across the power of two. */
		if (k > 0)
			CHECK(hist_bucket_of(p - 1) + 1 == hist_bucket_of(p));
	}
	for (int i = 0; i < 200000; i++) {
		uint64_t r = splitmix64(&seed);
		uint64_t v = r >> (r % 64);	/* all magnitudes */
		unsigned b = hist_bucket_of(v);

		REQUIRE(b < HIST_BUCKETS);
		CHECK(in_bounds(v, b));
	}
}

TEST(hist_empty)
{
	struct hist *h = hist_new();

	REQUIRE(h != NULL);
	CHECK_EQ_U64(h->count, 0);
	CHECK_EQ_U64(h->sum, 0);
	CHECK_EQ_U64(h->min, UINT64_MAX);
	CHECK_EQ_U64(h->max, 0);
	CHECK_EQ_U64(hist_min(h), 0);
	CHECK_EQ_U64(hist_max(h), 0);
	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		CHECK_EQ_U64(h->buckets[b], 0);
	CHECK_EQ_U64(hist_value_at_ppm(h, 1), 0);
	CHECK_EQ_U64(hist_value_at_ppm(h, 500000), 0);
	CHECK_EQ_U64(hist_value_at_ppm(h, HIST_PPM), 0);
	CHECK_EQ_U64(hist_value_at_ppm(h, 0), 0);
	CHECK_EQ_U64(hist_next_bucket(h, 0), HIST_BUCKETS);
	CHECK_EQ_U64(hist_nonempty_buckets(h), 0);
	free(h);
}

TEST(hist_count_min_max_sum_exact)
{
	static const uint64_t vs[] = { 1000, 3, 77777777, 128, 0, 127, 5, 1ull << 40, 129 };
	struct hist *h = hist_new();
	uint64_t sum = 0;

	REQUIRE(h != NULL);
	for (size_t i = 0; i < sizeof(vs) / sizeof(vs[0]); i++) {
		hist_record(h, vs[i]);
		sum += vs[i];
	}
	CHECK_EQ_U64(h->count, sizeof(vs) / sizeof(vs[0]));
	CHECK_EQ_U64(h->min, 0);
	CHECK_EQ_U64(hist_min(h), 0);
	CHECK_EQ_U64(h->max, 1ull << 40);
	CHECK_EQ_U64(h->sum, sum);
	CHECK_EQ_U64(h->buckets[0], 1);
	CHECK_EQ_U64(h->buckets[127], 1);
	CHECK_EQ_U64(h->buckets[128], 2);	/* 128 and 129 */

	/* A single sample is every percentile. */
	hist_init(h);
	hist_record(h, 123456789);
	CHECK_EQ_U64(h->min, 123456789);
	CHECK_EQ_U64(h->max, 123456789);
	CHECK_EQ_U64(hist_value_at_ppm(h, 0), 123456789);
	CHECK_EQ_U64(hist_value_at_ppm(h, 1), 123456789);
	CHECK_EQ_U64(hist_value_at_ppm(h, 500000), 123456789);
	CHECK_EQ_U64(hist_value_at_ppm(h, HIST_PPM), 123456789);
	free(h);
}

TEST(hist_sum_saturates)
{
	struct hist *h = hist_new(), *g = hist_new();

	REQUIRE(h != NULL && g != NULL);
	hist_record(h, UINT64_MAX - 10);
	CHECK_EQ_U64(h->sum, UINT64_MAX - 10);
	hist_record(h, 10);
	CHECK_EQ_U64(h->sum, UINT64_MAX);
	hist_record(h, 1);
	CHECK_EQ_U64(h->sum, UINT64_MAX);
	hist_record(h, UINT64_MAX);
	CHECK_EQ_U64(h->sum, UINT64_MAX);
	CHECK_EQ_U64(h->count, 4);
	CHECK_EQ_U64(h->max, UINT64_MAX);
	CHECK_EQ_U64(h->min, 1);
	CHECK_EQ_U64(h->buckets[LAST_BUCKET], 2);

	hist_record(g, 1ull << 63);
	hist_record(g, (1ull << 63) - 1);
	CHECK_EQ_U64(g->sum, UINT64_MAX);
	hist_init(g);
	hist_record(g, 1ull << 63);
	hist_init(h);
	hist_record(h, 1ull << 63);
	hist_merge(h, g);
	CHECK_EQ_U64(h->sum, UINT64_MAX);
	CHECK_EQ_U64(h->count, 2);
	free(h);
	free(g);
}

static bool hist_equal(const struct hist *a, const struct hist *b)
{
	return a->count == b->count && a->min == b->min && a->max == b->max &&
		a->sum == b->sum && memcmp(a->buckets, b->buckets, sizeof(a->buckets)) == 0;
}

TEST(hist_merge_equals_recording_all)
{
	enum { PARTS = 4, N = 50000 };
	struct hist *all = hist_new(), *total = hist_new(), *empty = hist_new();
	struct hist *parts[PARTS];
	uint64_t seed = 42;

	REQUIRE(all != NULL && total != NULL && empty != NULL);
	for (int p = 0; p < PARTS; p++) {
		parts[p] = hist_new();
		REQUIRE(parts[p] != NULL);
	}
	for (int i = 0; i < N; i++) {
		uint64_t r = splitmix64(&seed);
		uint64_t v = r >> (r % 64);
		/* Part 3 gets nothing: merging an empty part is the identity. */
		int p = (int)(splitmix64(&seed) % (PARTS - 1));

		hist_record(all, v);
		hist_record(parts[p], v);
	}
	for (int p = 0; p < PARTS; p++)
		hist_merge(total, parts[p]);
	CHECK(hist_equal(total, all));
	CHECK_EQ_U64(total->count, N);

	/* Merging an empty histogram changes nothing; into an empty one copies. */
	hist_merge(total, empty);
	CHECK(hist_equal(total, all));
	hist_merge(empty, all);
	CHECK(hist_equal(empty, all));

	for (int p = 0; p < PARTS; p++)
		free(parts[p]);
	free(all);
	free(total);
	free(empty);
}

/* The intended use: one histogram per CPU, merged after the run. */
#define MT_CPUS 4
#define MT_PER_CPU 20000

struct mt_run {
	struct hist *per_cpu[MT_CPUS];
};

static uint64_t mt_value(unsigned cpu, int i)
{
	uint64_t seed = (uint64_t)cpu << 32 | (uint64_t)i;
	uint64_t r = splitmix64(&seed);

	return r >> (r % 50);
}

static void mt_record(unsigned cpu, void *arg)
{
	struct mt_run *run = arg;

	for (int i = 0; i < MT_PER_CPU; i++)
		hist_record(run->per_cpu[cpu], mt_value(cpu, i));
}

TEST(hist_per_cpu_then_merge)
{
	struct mt_run run;
	struct hist *total = hist_new(), *serial = hist_new();

	REQUIRE(total != NULL && serial != NULL);
	for (unsigned c = 0; c < MT_CPUS; c++) {
		run.per_cpu[c] = hist_new();
		REQUIRE(run.per_cpu[c] != NULL);
	}
	hosted_run_cpus(MT_CPUS, mt_record, &run);
	for (unsigned c = 0; c < MT_CPUS; c++) {
		hist_merge(total, run.per_cpu[c]);
		for (int i = 0; i < MT_PER_CPU; i++)
			hist_record(serial, mt_value(c, i));
	}
	CHECK(hist_equal(total, serial));
	for (unsigned c = 0; c < MT_CPUS; c++)
		free(run.per_cpu[c]);
	free(total);
	free(serial);
}

TEST(hist_walk_nonempty_buckets)
{
	struct hist *h = hist_new();
	uint64_t seed = 7, total = 0;
	unsigned n = 0, prev = 0;
	bool first = true;

	REQUIRE(h != NULL);
	for (int i = 0; i < 10000; i++) {
		uint64_t r = splitmix64(&seed);

		hist_record(h, r >> (r % 64));
	}
	hist_record(h, 0);
	hist_record(h, UINT64_MAX);
	for (unsigned b = hist_next_bucket(h, 0); b < HIST_BUCKETS; b = hist_next_bucket(h, b + 1)) {
		CHECK(h->buckets[b] != 0);
		CHECK(first || b > prev);
		/* Nothing skipped between the previous bucket and this one. */
		for (unsigned e = first ? 0 : prev + 1; e < b; e++)
			CHECK_EQ_U64(h->buckets[e], 0);
		total += h->buckets[b];
		prev = b;
		first = false;
		n++;
	}
	CHECK_EQ_U64(total, h->count);
	CHECK_EQ_U64(n, hist_nonempty_buckets(h));
	CHECK_EQ_U64(hist_next_bucket(h, 0), 0);
	CHECK_EQ_U64(prev, LAST_BUCKET);
	CHECK_EQ_U64(hist_next_bucket(h, HIST_BUCKETS), HIST_BUCKETS);
	CHECK_EQ_U64(hist_next_bucket(h, HIST_BUCKETS + 100), HIST_BUCKETS);
	free(h);
}

/* ---- percentiles against the exact ones ---- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The FORMAT.md rank, ceil(ppm / 10^6 * n) (at least 1), for n <= 10^6. */
static uint64_t exact_rank(uint64_t n, uint32_t ppm)
{
	uint64_t rank = ((uint64_t)ppm * n + HIST_PPM - 1) / HIST_PPM;

	return rank < 1 ? 1 : rank;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * Records samples[0..n) (n <= 10^6), sorts them and checks every percentile
 * in ppms, plus a sweep for monotonicity. what names the distribution.
 */
static void check_percentiles(const char *what, uint64_t *samples, size_t n)
{
	static const uint32_t ppms[] = {
		1, 10000, 250000, 500000, 900000, 990000, 999000, 999900, 999999, HIST_PPM,
	};
	struct hist *h = hist_new();
	uint64_t prev = 0;

	if (h == NULL) {
		hosted_fail(__FILE__, __LINE__, "%s: out of memory", what);
		return;
	}
	for (size_t i = 0; i < n; i++)
		hist_record(h, samples[i]);
	qsort(samples, n, sizeof(samples[0]), cmp_u64);
	CHECK_EQ_U64(h->count, n);
	CHECK_EQ_U64(h->min, samples[0]);
	CHECK_EQ_U64(h->max, samples[n - 1]);

	for (size_t i = 0; i < sizeof(ppms) / sizeof(ppms[0]); i++) {
		uint64_t rank = exact_rank(n, ppms[i]);
		uint64_t exact = samples[rank - 1];
		uint64_t est = hist_value_at_ppm(h, ppms[i]);
		uint64_t err = est > exact ? est - exact : exact - est;
		uint64_t rule = rank == 1 ? h->min : rank == n ? h->max :
			clamp(hist_bucket_mid(hist_bucket_of(exact)), h->min, h->max);
		bool ok = exact < 128 ? est == exact : err <= exact / 128;

		if (!ok || est != rule)
			hosted_fail(__FILE__, __LINE__,
				    "%s: n %zu ppm %u rank %" PRIu64 ": estimate %" PRIu64
				    ", exact %" PRIu64 ", FORMAT.md rule %" PRIu64,
				    what, n, (unsigned)ppms[i], rank, est, exact, rule);
	}
	CHECK_EQ_U64(hist_value_at_ppm(h, HIST_PPM), samples[n - 1]);
	CHECK_EQ_U64(hist_value_at_ppm(h, HIST_PPM + 1), samples[n - 1]);
	CHECK_EQ_U64(hist_value_at_ppm(h, UINT32_MAX), samples[n - 1]);
	CHECK_EQ_U64(hist_value_at_ppm(h, 0), samples[0]);
	for (uint32_t ppm = 0; ppm <= HIST_PPM; ppm += 997) {
		uint64_t v = hist_value_at_ppm(h, ppm);

		if (v < prev)
			hosted_fail(__FILE__, __LINE__, "%s: ppm %u gives %" PRIu64 " < %" PRIu64,
				    what, (unsigned)ppm, v, prev);
		prev = v;
	}
	free(h);
}

#define PCT_N 100000

enum dist { UNIFORM, SMALL, LOG_UNIFORM, CONSTANT, CONSTANT_SMALL, BIMODAL, HEAVY_TAIL, TOP };

static uint64_t draw(enum dist d, uint64_t *seed)
{
	uint64_t r = splitmix64(seed);
	unsigned k;

	switch (d) {
	case UNIFORM:
		return r % 1000000;
	case SMALL:
		return r % 128;
	case LOG_UNIFORM:	/* a random k-bit number, k uniform in 0..40 */
		k = (unsigned)(r % 41);
		return k == 0 ? 0 : splitmix64(seed) >> (64 - k);
	case CONSTANT:
		return 5000;
	case CONSTANT_SMALL:
		return 42;
	case BIMODAL:		/* 90% fast path under 128, 10% slow path */
		return r % 10 != 0 ? 60 + splitmix64(seed) % 40 : 900000 + splitmix64(seed) % 200000;
	case HEAVY_TAIL:	/* Pareto, alpha 1: P(v > 100 + t) ~ 1 / t, up to 2^40 */
		return 100 + (1ull << 40) / (1 + r % (1ull << 40));
	case TOP:		/* the top of the range, the last bucket included */
		return r | 1ull << 63;
	}
	return 0;
}

static const char *const dist_names[] = {
	"uniform", "small", "log-uniform", "constant", "constant-small", "bimodal",
	"heavy-tail", "huge",
};

TEST(hist_percentiles_match_exact)
{
	uint64_t *samples = malloc(PCT_N * sizeof(*samples));

	REQUIRE(samples != NULL);
	for (enum dist d = UNIFORM; d <= TOP; d++) {
		uint64_t seed = 1000 + d;

		for (size_t i = 0; i < PCT_N; i++)
			samples[i] = draw(d, &seed);
		if (d == HEAVY_TAIL)
			samples[PCT_N / 2] = 1ull << 40;
		check_percentiles(dist_names[d], samples, PCT_N);
	}
	free(samples);
}

/* Small n: the rank rounding and the min/max ranks matter most. */
TEST(hist_percentiles_small_counts)
{
	uint64_t samples[64];
	char what[32];

	for (size_t n = 1; n <= 64; n++) {
		uint64_t seed = n;

		for (size_t i = 0; i < n; i++)
			samples[i] = draw(LOG_UNIFORM, &seed);
		snprintf(what, sizeof(what), "log-uniform n=%zu", n);
		check_percentiles(what, samples, n);
	}
}

/* Counts near 2^63: ppm * count would overflow 64 bits. */
TEST(hist_percentiles_huge_counts)
{
	struct hist *h = hist_new();

	REQUIRE(h != NULL);
	h->buckets[hist_bucket_of(1000)] = 1ull << 62;
	h->buckets[hist_bucket_of(5000)] = 1ull << 62;
	h->count = 1ull << 63;
	h->min = 1000;
	h->max = 5000;
	/* 1000 is in [1000, 1008), midpoint 1004; 5000 in [4992, 5056),
	 * midpoint 5024, clamped to the max. */
	CHECK_EQ_U64(hist_value_at_ppm(h, 500000), 1004);	/* rank 2^62 exactly */
	CHECK_EQ_U64(hist_value_at_ppm(h, 500001), 5000);
	CHECK_EQ_U64(hist_value_at_ppm(h, 999999), 5000);
	CHECK_EQ_U64(hist_value_at_ppm(h, HIST_PPM), 5000);
	CHECK_EQ_U64(hist_value_at_ppm(h, 1), 1004);
	free(h);
}

/* hist_check accepts what hist_record and hist_merge make, and rejects
 * each kind of inconsistency a foreign histogram might carry. */
TEST(hist_check_accepts_recorded_rejects_tampered)
{
	struct hist *h = hist_new(), *g = hist_new();

	REQUIRE(h != NULL && g != NULL);
	hist_init(h);
	CHECK_EQ_U64(hist_check(h), 0);
	for (uint64_t v = 1; v < 100000; v = v * 3 + 1)
		hist_record(h, v);
	CHECK_EQ_U64(hist_check(h), 0);
	hist_init(g);
	hist_merge(g, h);
	hist_merge(g, h);
	CHECK_EQ_U64(hist_check(g), 0);

	*g = *h;
	g->count++;					/* buckets no longer add up */
	CHECK(hist_check(g) != 0);
	*g = *h;
	g->min = 2;					/* min not in the lowest bucket */
	CHECK(hist_check(g) != 0);
	*g = *h;
	g->max = 1u << 20;				/* max not in the highest bucket */
	CHECK(hist_check(g) != 0);
	*g = *h;
	g->sum = h->count * h->min - 1;		/* below count * min */
	CHECK(hist_check(g) != 0);
	*g = *h;
	g->buckets[HIST_BUCKETS - 1] = UINT64_MAX;	/* the total overflows */
	CHECK(hist_check(g) != 0);
	hist_init(g);
	g->sum = 1;					/* empty, yet a sum */
	CHECK(hist_check(g) != 0);
	free(h);
	free(g);
}
