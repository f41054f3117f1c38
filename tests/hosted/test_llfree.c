/*
 * test_llfree.c - the LLFree core (mm/llfree.c) on its own, on pfns with
 * metadata from aligned_alloc and no mm_init: natural alignment and
 * accounting at every order, exhaustion and recovery, the orders whose
 * blocks span words or children failing exactly when fragmentation
 * leaves no room, reservations and drains, the reservation policy (first
 * fit from the CPU's base, partly used trees before almost free ones),
 * the last-resort scan past
 * reserved trees, bad frees, and random gets and puts on several CPUs
 * against a bitmap oracle.
 *
 * Ranges start and end unaligned where it matters, and are freed with
 * llfree_init_free in maximal naturally aligned blocks (split around
 * holes that stay allocated). The oracle is a bitmap over [base, end),
 * base aligned as llfree.c aligns it, so a block is a run of aligned bits.
 */
#include <stdlib.h>

#include <mm/env.h>
#include <mm/gfp.h>

#include "llfree.h"
#include "test.h"

#define TREE_FRAMES ((1u << LLFREE_CHILD_ORDER) * LLFREE_TREE_CHILDREN)
#define ORACLE_BITS (1u << 20)
#define ODD_FIRST 0x12345ull	/* an unaligned first pfn */
#define ALIGNED_FIRST 0x40000ull	/* aligned to 2^MAX_PAGE_ORDER */

static struct llfree ll;
static void *meta;
static uint64_t base;
static uint64_t oracle[ORACLE_BITS / 64];	/* bit set: held by the test */

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A fresh allocator over [first, end), every frame allocated. */
static void setup(uint64_t first, uint64_t end)
{
	size_t bytes = (llfree_meta_bytes(first, end) + 63) & ~(size_t)63;

	free(meta);
	meta = aligned_alloc(64, bytes);
	llfree_init(&ll, meta, first, end);
	base = first & ~((1ull << MAX_PAGE_ORDER) - 1);
	memset(oracle, 0, sizeof(oracle));
}

/* Sets (set) or clears a block's oracle bits with relaxed atomics, which
 * order nothing between CPUs; false if one of them was so already. */
static bool oracle_mark(uint64_t pfn, unsigned order, bool set)
{
	uint64_t bit = pfn - base;
	unsigned nwords = order > 6 ? 1u << (order - 6) : 1;
	uint64_t mask = order >= 6 ? ~0ull : ((1ull << (1u << order)) - 1) << (bit % 64);
	bool ok = true;

	for (unsigned i = 0; i < nwords; i++) {
		uint64_t *w = &oracle[bit / 64 + i];
		uint64_t old = set ? __atomic_fetch_or(w, mask, __ATOMIC_RELAXED)
				   : __atomic_fetch_and(w, ~mask, __ATOMIC_RELAXED);

		ok &= set ? (old & mask) == 0 : (old & mask) == mask;
	}
	return ok;
}

static bool oracle_held(uint64_t pfn)
{
	return (__atomic_load_n(&oracle[(pfn - base) / 64], __ATOMIC_RELAXED) >>
		((pfn - base) % 64)) & 1;
}

static bool is_hole(uint64_t pfn, unsigned order, const uint64_t *holes, unsigned nholes)
{
	for (unsigned i = 0; i < nholes; i++) {
		if (holes[i] >= pfn && holes[i] < pfn + (1ull << order))
			return true;
	}
	return false;
}

/* Frees the block, or its halves around the holes. Holes are held. */
static void free_block(uint64_t pfn, unsigned order, const uint64_t *holes, unsigned nholes)
{
	if (!is_hole(pfn, order, holes, nholes)) {
		llfree_init_free(&ll, pfn, order);
		return;
	}
	if (order == 0) {
		oracle_mark(pfn, 0, true);
		return;
	}
	free_block(pfn, order - 1, holes, nholes);
	free_block(pfn + (1ull << (order - 1)), order - 1, holes, nholes);
}

/* A fresh allocator with [first, end) free but for the holes. */
static void setup_free(uint64_t first, uint64_t end, const uint64_t *holes, unsigned nholes)
{
	setup(first, end);
	for (uint64_t p = first; p < end;) {
		unsigned order = 0;

		while (order < MAX_PAGE_ORDER && (p & ((2ull << order) - 1)) == 0 &&
		       p + (2ull << order) <= end)
			order++;
		free_block(p, order, holes, nholes);
		p += 1ull << order;
	}
}

static uint32_t tree_index(uint64_t pfn)
{
	return (uint32_t)((pfn - base) / TREE_FRAMES);
}

/* Quiescent and drained: each tree's counter is its free frames exactly. */
static void check_trees_exact(void)
{
	uint64_t sum = 0;

	for (uint32_t t = 0; t < ll.ntrees; t++) {
		uint64_t start = base + (uint64_t)t * TREE_FRAMES, frames = 0;
		bool reserved;
		int32_t counter = llfree_tree_free(&ll, start, &reserved);

		for (uint64_t p = start; p < start + TREE_FRAMES; p++)
			frames += llfree_is_free(&ll, p);
		CHECK(!reserved);
		CHECK_EQ_U64(counter, frames);
		sum += frames;
	}
	CHECK_EQ_U64(sum, llfree_free_frames(&ll));
}

/* What the oracle says agrees with llfree_is_free on every frame of [first, end). */
static void check_free_matches_oracle(uint64_t first, uint64_t end)
{
	uint64_t mismatches = 0;

	for (uint64_t p = first; p < end; p++)
		mismatches += llfree_is_free(&ll, p) == oracle_held(p);
	CHECK_EQ_U64(mismatches, 0);
}

static void drain_all(unsigned ncpus)
{
	for (unsigned cpu = 0; cpu < ncpus; cpu++)
		llfree_drain(&ll, cpu);
}

/* Children of [first, end) with all 512 frames inside. */
static uint64_t whole_children(uint64_t first, uint64_t end)
{
	uint64_t lo = (first + 511) / 512, hi = end / 512;

	return hi > lo ? hi - lo : 0;
}

TEST(llfree_every_order_is_aligned_free_and_counted)
{
	static const uint64_t holes[] = { 0x20000, 0x3ffff, 0x80001, 0x8a000 };
	uint64_t first = ODD_FIRST, end = 0x8a5a7;
	uint64_t initial;

	setup_free(first, end, holes, 4);
	initial = llfree_free_frames(&ll);
	CHECK_EQ_U64(initial, end - first - 4);
	check_free_matches_oracle(first, end);
	for (unsigned order = 0; order <= MAX_PAGE_ORDER; order++) {
		uint64_t n = 1ull << order, pfn = llfree_get(&ll, order % 3, order);
		uint64_t bad = 0;

		REQUIRE(pfn != LLFREE_NONE);
		CHECK_EQ_U64(pfn & (n - 1), 0);
		CHECK(pfn >= first && pfn + n <= end);
		REQUIRE(oracle_mark(pfn, order, true));	/* it was free: no hole in it */
		for (uint64_t p = pfn; p < pfn + n; p++)
			bad += llfree_is_free(&ll, p);
		CHECK_EQ_U64(bad, 0);
		CHECK_EQ_U64(llfree_free_frames(&ll), initial - n);
		llfree_put(&ll, order % 3, pfn, order);
		oracle_mark(pfn, order, false);
		for (uint64_t p = pfn; p < pfn + n; p++)
			bad += !llfree_is_free(&ll, p);
		CHECK_EQ_U64(bad, 0);
		CHECK_EQ_U64(llfree_free_frames(&ll), initial);
	}
	check_free_matches_oracle(first, end);
	drain_all(3);
	check_trees_exact();
}

TEST(llfree_exhaustion_at_order_0_and_recovery)
{
	static uint64_t pfns[3 * TREE_FRAMES + 777];
	uint64_t first = ODD_FIRST, end = first + 3 * TREE_FRAMES + 777;
	uint64_t seed = 0x2545f4914f6cdd1dull, initial, huge, count = 0, pfn;

	setup_free(first, end, NULL, 0);
	initial = llfree_free_frames(&ll);
	huge = llfree_free_huge(&ll);
	CHECK_EQ_U64(initial, end - first);
	CHECK_EQ_U64(huge, whole_children(first, end));
	while ((pfn = llfree_get(&ll, 0, 0)) != LLFREE_NONE) {
		REQUIRE(count < initial);
		REQUIRE(pfn >= first && pfn < end);
		CHECK(oracle_mark(pfn, 0, true));
		pfns[count++] = pfn;
	}
	CHECK_EQ_U64(count, initial);
	CHECK_EQ_U64(llfree_free_frames(&ll), 0);
	CHECK_EQ_U64(llfree_free_huge(&ll), 0);
	for (unsigned order = 0; order <= MAX_PAGE_ORDER; order++) {
		CHECK_EQ_U64(llfree_get(&ll, 0, order), LLFREE_NONE);
		CHECK_EQ_U64(llfree_get(&ll, 1, order), LLFREE_NONE);
	}
	for (uint64_t i = count; i > 1; i--) {
		uint64_t j = rng(&seed) % i, t = pfns[i - 1];

		pfns[i - 1] = pfns[j];
		pfns[j] = t;
	}
	for (uint64_t i = 0; i < count; i++) {
		llfree_put(&ll, (unsigned)i % 3, pfns[i], 0);
		oracle_mark(pfns[i], 0, false);
	}
	CHECK_EQ_U64(llfree_free_frames(&ll), initial);
	CHECK_EQ_U64(llfree_free_huge(&ll), huge);
	check_free_matches_oracle(first, end);
	drain_all(3);
	check_trees_exact();
}

/* Takes every free frame at order 0 into pfns; returns how many. */
static uint64_t take_all(unsigned cpu, uint64_t *pfns)
{
	uint64_t n = 0, pfn;

	while ((pfn = llfree_get(&ll, cpu, 0)) != LLFREE_NONE)
		pfns[n++] = pfn;
	return n;
}

TEST(llfree_order_9_needs_a_whole_child)
{
	static uint64_t pfns[2 * TREE_FRAMES];
	uint64_t first = ALIGNED_FIRST, end = first + 2 * TREE_FRAMES;
	uint64_t n, pfn, kept = first + 7 * 512 + 5;

	setup_free(first, end, NULL, 0);
	n = take_all(0, pfns);
	REQUIRE(n == 2 * TREE_FRAMES);
	for (uint64_t i = 0; i < n; i++) {
		if (pfns[i] % 512 != 5)
			llfree_put(&ll, 0, pfns[i], 0);
	}
	CHECK_EQ_U64(llfree_free_frames(&ll), n - 64);
	CHECK_EQ_U64(llfree_free_huge(&ll), 0);
	CHECK_EQ_U64(llfree_get(&ll, 0, 9), LLFREE_NONE);
	CHECK_EQ_U64(llfree_get(&ll, 1, 9), LLFREE_NONE);
	pfn = llfree_get(&ll, 1, 8);	/* an upper half still fits */
	CHECK_EQ_U64(pfn % 512, 256);
	llfree_put(&ll, 1, pfn, 8);
	llfree_put(&ll, 0, kept, 0);
	CHECK_EQ_U64(llfree_free_huge(&ll), 1);
	CHECK_EQ_U64(llfree_get(&ll, 1, 10), LLFREE_NONE);
	CHECK_EQ_U64(llfree_get(&ll, 1, 9), first + 7 * 512);
	CHECK_EQ_U64(llfree_free_huge(&ll), 0);
	llfree_put(&ll, 1, first + 7 * 512, 9);
	for (uint64_t i = 0; i < n; i++) {
		if (pfns[i] % 512 == 5 && pfns[i] != kept)
			llfree_put(&ll, 0, pfns[i], 0);
	}
	CHECK_EQ_U64(llfree_free_huge(&ll), 64);
	drain_all(2);
	check_trees_exact();
}

TEST(llfree_orders_7_and_8_need_whole_aligned_words)
{
	static const uint64_t one_hole[] = { ALIGNED_FIRST + 3 };
	static const uint64_t four_holes[] = {
		ALIGNED_FIRST + 64 + 7, ALIGNED_FIRST + 192 + 7, ALIGNED_FIRST + 320 + 7,
		ALIGNED_FIRST + 448 + 7,
	};
	uint64_t first = ALIGNED_FIRST, end = first + 512;

	/* One child; a hole in word 0 leaves words 2-3 and 4-7. */
	setup_free(first, end, one_hole, 1);
	CHECK_EQ_U64(llfree_get(&ll, 0, 8), first + 256);
	CHECK_EQ_U64(llfree_get(&ll, 0, 7), first + 128);
	CHECK_EQ_U64(llfree_get(&ll, 0, 7), LLFREE_NONE);
	CHECK_EQ_U64(llfree_get(&ll, 0, 8), LLFREE_NONE);
	CHECK_EQ_U64(llfree_free_frames(&ll), 127);	/* failures gave capacity back */
	CHECK_EQ_U64(llfree_get(&ll, 0, 6), first + 64);
	llfree_put(&ll, 0, first + 256, 8);
	llfree_put(&ll, 0, first + 128, 7);
	llfree_put(&ll, 0, first + 64, 6);
	CHECK_EQ_U64(llfree_free_frames(&ll), 511);
	drain_all(1);
	check_trees_exact();

	/* A hole in words 1, 3, 5 and 7: 508 frames free, no aligned pair of
	 * whole words. */
	setup_free(first, end, four_holes, 4);
	CHECK_EQ_U64(llfree_get(&ll, 0, 7), LLFREE_NONE);
	CHECK_EQ_U64(llfree_get(&ll, 0, 8), LLFREE_NONE);
	CHECK_EQ_U64(llfree_free_frames(&ll), 508);
	CHECK_EQ_U64(llfree_get(&ll, 0, 6), first);
	llfree_put(&ll, 0, first, 6);
	check_free_matches_oracle(first, end);
	drain_all(1);
	check_trees_exact();
}

TEST(llfree_reservations_keep_a_cpu_in_one_tree_until_drained)
{
	enum { N = 100 };
	static uint64_t got[3][N];
	uint64_t first = ALIGNED_FIRST, end = first + 4 * TREE_FRAMES;
	uint32_t tree[3];
	bool reserved;

	setup_free(first, end, NULL, 0);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		for (int i = 0; i < N; i++) {
			got[cpu][i] = llfree_get(&ll, cpu, 0);
			REQUIRE(got[cpu][i] != LLFREE_NONE);
			CHECK_EQ_U64(tree_index(got[cpu][i]), tree_index(got[cpu][0]));
		}
		tree[cpu] = tree_index(got[cpu][0]);
		/* The whole tree moved to the CPU's local counter. */
		CHECK_EQ_U64(llfree_tree_free(&ll, got[cpu][0], &reserved), 0);
		CHECK(reserved);
	}
	CHECK(tree[0] != tree[1]);

	llfree_drain(&ll, 0);
	CHECK_EQ_U64(llfree_tree_free(&ll, got[0][0], &reserved), TREE_FRAMES - N);
	CHECK(!reserved);
	llfree_drain(&ll, 0);	/* nothing left to give back */
	CHECK_EQ_U64(llfree_tree_free(&ll, got[0][0], &reserved), TREE_FRAMES - N);

	/* CPU 2 prefers the partly used tree that CPU 0 let go. */
	for (int i = 0; i < N; i++) {
		got[2][i] = llfree_get(&ll, 2, 0);
		CHECK_EQ_U64(tree_index(got[2][i]), tree[0]);
	}
	CHECK_EQ_U64(llfree_tree_free(&ll, got[0][0], &reserved), 0);
	CHECK(reserved);

	/* Puts by the holder go to its local counter, others' to the tree. */
	llfree_put(&ll, 1, got[2][0], 0);
	CHECK_EQ_U64(llfree_tree_free(&ll, got[0][0], &reserved), 1);
	llfree_put(&ll, 2, got[2][1], 0);
	CHECK_EQ_U64(llfree_tree_free(&ll, got[0][0], &reserved), 1);
	for (unsigned cpu = 0; cpu < 3; cpu++) {
		for (int i = cpu == 2 ? 2 : 0; i < N; i++)
			llfree_put(&ll, cpu, got[cpu][i], 0);
	}
	CHECK_EQ_U64(llfree_free_frames(&ll), 4 * TREE_FRAMES);
	drain_all(3);
	check_trees_exact();
	CHECK_EQ_U64(llfree_free_huge(&ll), 4 * LLFREE_TREE_CHILDREN);
}

/* Whole children among the 32 of tree t. */
static uint64_t tree_whole_children(uint32_t t)
{
	uint64_t n = 0;

	for (uint64_t c = 0; c < LLFREE_TREE_CHILDREN; c++) {
		uint64_t start = base + (uint64_t)t * TREE_FRAMES + c * 512, free = 0;

		for (uint64_t p = start; p < start + 512; p++)
			free += llfree_is_free(&ll, p);
		n += free == 512;
	}
	return n;
}

/*
 * The paper's reservation policy: a CPU that has used up its tree searches
 * again from the same base (first fit), so it goes back to a partly used
 * tree near the base that others freed into, and it takes a partially
 * used tree before one that is almost free, so that tree stays in whole
 * huge frames. Searching on from the tree just used up (next fit), or
 * counting an almost free tree as partially used, fails this.
 */
TEST(llfree_reservations_fill_first_trees_and_keep_free_ones_whole)
{
	enum { QUARTER = TREE_FRAMES / 4, HELD = 8 };
	static uint64_t got[2 * QUARTER];
	uint64_t first = ALIGNED_FIRST, end = first + 4 * TREE_FRAMES, probe;
	uint32_t second;
	bool reserved;

	/* Trees 0, 1 and 3 have every fourth frame free, no child whole;
	 * tree 2 is all free but HELD frames at its end: 31 whole children. */
	setup(first, end);
	for (uint64_t p = first; p < end; p++) {
		uint32_t t = tree_index(p);

		if (t == 2 ? p < first + 3 * TREE_FRAMES - HELD : p % 4 == 0)
			llfree_init_free(&ll, p, 0);
	}
	REQUIRE(tree_whole_children(2) == LLFREE_TREE_CHILDREN - 1);

	/* CPU 3 has not allocated yet: its first tree is tree 0, all of it. */
	for (int i = 0; i < QUARTER; i++) {
		got[i] = llfree_get(&ll, 3, 0);
		REQUIRE(got[i] != LLFREE_NONE);
		CHECK_EQ_U64(tree_index(got[i]), 0);
	}
	/* Tree 0 used up: another partly used tree, not the almost free one. */
	for (int i = QUARTER; i < 2 * QUARTER; i++) {
		got[i] = llfree_get(&ll, 3, 0);
		REQUIRE(got[i] != LLFREE_NONE);
		CHECK_EQ_U64(tree_index(got[i]), tree_index(got[QUARTER]));
	}
	second = tree_index(got[QUARTER]);
	CHECK(second == 1 || second == 3);

	/* Another CPU frees half of what CPU 3 took from tree 0... */
	for (int i = 0; i < QUARTER; i += 2)
		llfree_put(&ll, 1, got[i], 0);
	CHECK_EQ_U64(llfree_tree_free(&ll, got[0], &reserved), QUARTER / 2);
	CHECK(!reserved);
	/* ...and with its second tree used up, CPU 3 goes back to tree 0. */
	probe = llfree_get(&ll, 3, 0);
	REQUIRE(probe != LLFREE_NONE);
	CHECK_EQ_U64(tree_index(probe), 0);
	CHECK_EQ_U64(tree_whole_children(2), LLFREE_TREE_CHILDREN - 1);
	CHECK_EQ_U64(llfree_tree_free(&ll, first + 2 * TREE_FRAMES, &reserved),
		     TREE_FRAMES - HELD);
	CHECK(!reserved);

	/* Everything back: the counters balance. */
	llfree_put(&ll, 3, probe, 0);
	for (int i = 0; i < 2 * QUARTER; i++) {
		if (i >= QUARTER || i % 2 != 0)
			llfree_put(&ll, 3, got[i], 0);
	}
	drain_all(4);
	check_trees_exact();
}

TEST(llfree_get_scans_past_reserved_trees)
{
	static uint64_t pfns[2 * TREE_FRAMES];
	uint64_t first = ALIGNED_FIRST, end = first + 2 * TREE_FRAMES;
	uint64_t a, b, huge, n;
	bool reserved;

	setup_free(first, end, NULL, 0);
	a = llfree_get(&ll, 0, 0);
	b = llfree_get(&ll, 1, 0);
	REQUIRE(a != LLFREE_NONE && b != LLFREE_NONE);
	REQUIRE(tree_index(a) != tree_index(b));

	/* Every tree is reserved and CPU 2 reserves none, yet gets it all. */
	huge = llfree_get(&ll, 2, 9);
	REQUIRE(huge != LLFREE_NONE);
	n = take_all(2, pfns);
	CHECK_EQ_U64(n, 2 * TREE_FRAMES - 2 - 512);
	CHECK_EQ_U64(llfree_free_frames(&ll), 0);
	llfree_tree_free(&ll, a, &reserved);
	CHECK(reserved);
	llfree_tree_free(&ll, b, &reserved);
	CHECK(reserved);
	for (uint64_t i = 0; i < n; i++) {
		CHECK(pfns[i] != a && pfns[i] != b && (pfns[i] < huge || pfns[i] >= huge + 512));
		CHECK(oracle_mark(pfns[i], 0, true));
	}

	/* The counters balance again once the reservations end. */
	for (uint64_t i = 0; i < n; i++)
		llfree_put(&ll, 2, pfns[i], 0);
	llfree_put(&ll, 2, huge, 9);
	llfree_put(&ll, 0, a, 0);
	llfree_put(&ll, 1, b, 0);
	drain_all(3);
	check_trees_exact();
	CHECK_EQ_U64(llfree_free_frames(&ll), 2 * TREE_FRAMES);
}

TEST(llfree_bad_frees_panic)
{
	uint64_t first = ODD_FIRST, end = first + 3 * TREE_FRAMES;
	uint64_t small, huge, large;

	setup_free(first, end, NULL, 0);
	small = llfree_get(&ll, 0, 0);
	huge = llfree_get(&ll, 0, 9);
	large = llfree_get(&ll, 0, 10);
	REQUIRE(small != LLFREE_NONE && huge != LLFREE_NONE && large != LLFREE_NONE);
	llfree_put(&ll, 0, small, 0);
	EXPECT_PANIC(llfree_put(&ll, 0, small, 0), "double free");
	EXPECT_PANIC(llfree_put(&ll, 0, huge, 0), "wrong order");
	EXPECT_PANIC(llfree_put(&ll, 0, huge + 64, 6), "wrong order");
	EXPECT_PANIC(llfree_put(&ll, 0, large, 9), "wrong order");
	EXPECT_PANIC(llfree_put(&ll, 0, large + 512, 9), "wrong order");
	EXPECT_PANIC(llfree_put(&ll, 0, huge | 512, 10), "not a naturally aligned block");
	EXPECT_PANIC(llfree_put(&ll, 0, first - 1, 0), "not a naturally aligned block");
	llfree_put(&ll, 0, huge, 9);
	EXPECT_PANIC(llfree_put(&ll, 0, huge, 9), "double free");
	llfree_put(&ll, 0, large, 10);
	EXPECT_PANIC(llfree_put(&ll, 0, large, 10), "double free");
	CHECK_EQ_U64(llfree_free_frames(&ll), end - first);
}

/* ---- Several CPUs at once ---- */

#define STRESS_CPUS 4
#define STRESS_HELD 384	/* enough that gets sometimes find nothing */
#define STRESS_ROUNDS 50000

struct held {
	uint64_t pfn;
	unsigned order;
};

static struct {
	/* The owner's mark in a block's first frame, written and read plainly
	 * as a frame's contents are: TSan reports a race if a put does not
	 * order it before the next get of that frame. */
	uint64_t tag[ORACLE_BITS];
	uint64_t gets[STRESS_CPUS], fails[STRESS_CPUS];
} stress;

/* Orders 0 (7 in 8), else 1..9. */
static unsigned stress_order(uint64_t r)
{
	return (r & 7) != 0 ? 0 : 1 + (unsigned)(r >> 3) % 9;
}

/* A block into *h; false if none was free. */
static bool stress_get(unsigned cpu, struct held *h, unsigned order)
{
	uint64_t pfn = llfree_get(&ll, cpu, order);

	if (pfn == LLFREE_NONE) {
		stress.fails[cpu]++;
		return false;
	}
	if ((pfn & ((1ull << order) - 1)) != 0 || pfn < ll.first_pfn ||
	    pfn + (1ull << order) > ll.end_pfn || !oracle_mark(pfn, order, true)) {
		hosted_fail(__FILE__, __LINE__, "cpu %u got pfn %#" PRIx64 " order %u: held, "
			    "misaligned or outside", cpu, pfn, order);
		return false;
	}
	stress.tag[pfn - base] = pfn << 4 | order;
	h->pfn = pfn;
	h->order = order;
	stress.gets[cpu]++;
	return true;
}

static void stress_put(unsigned cpu, const struct held *h, unsigned as_cpu)
{
	if (stress.tag[h->pfn - base] != (h->pfn << 4 | h->order))
		hosted_fail(__FILE__, __LINE__, "pfn %#" PRIx64 ": tag overwritten", h->pfn);
	if (!oracle_mark(h->pfn, h->order, false))
		hosted_fail(__FILE__, __LINE__, "cpu %u: pfn %#" PRIx64 " not held", cpu, h->pfn);
	llfree_put(&ll, as_cpu, h->pfn, h->order);
}

static void stress_run(unsigned cpu, void *arg)
{
	struct held held[STRESS_HELD];
	uint64_t seed = 0x9e3779b97f4a7c15ull * (cpu + 1);
	unsigned n = 0;

	(void)arg;
	for (int i = 0; i < STRESS_ROUNDS; i++) {
		uint64_t r = rng(&seed);

		if (r % 61 == 0)
			llfree_drain(&ll, (cpu + 1 + (unsigned)(r >> 8) % (STRESS_CPUS - 1)) %
					  STRESS_CPUS);
		if (n == STRESS_HELD || (n > 0 && (r >> 16) % 3 == 0)) {
			unsigned k = (unsigned)(r >> 20) % n;

			/* Now and then as another CPU: its reservation, concurrently. */
			stress_put(cpu, &held[k], (r >> 28) % 8 == 0 ? (cpu + 1) % STRESS_CPUS : cpu);
			held[k] = held[--n];
		} else if (stress_get(cpu, &held[n], stress_order(r >> 32))) {
			n++;
		}
	}
	while (n > 0)
		stress_put(cpu, &held[--n], cpu);
}

TEST(llfree_random_gets_and_puts_on_4_cpus)
{
	uint64_t first = ODD_FIRST, end = first + 2 * TREE_FRAMES + 1000;	/* 3 trees, 4 CPUs */
	uint64_t initial, huge, gets = 0, fails = 0;

	setup_free(first, end, NULL, 0);
	memset(&stress, 0, sizeof(stress));
	initial = llfree_free_frames(&ll);
	huge = llfree_free_huge(&ll);
	hosted_run_cpus(STRESS_CPUS, stress_run, NULL);
	for (unsigned cpu = 0; cpu < STRESS_CPUS; cpu++) {
		gets += stress.gets[cpu];
		fails += stress.fails[cpu];
	}
	CHECK(gets > STRESS_CPUS * STRESS_ROUNDS / 3);
	CHECK(fails < gets);
	CHECK_EQ_U64(llfree_free_frames(&ll), initial);
	CHECK_EQ_U64(llfree_free_huge(&ll), huge);
	check_free_matches_oracle(first, end);
	drain_all(STRESS_CPUS);
	check_trees_exact();
}
