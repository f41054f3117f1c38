/*
 * test_buddy.c - the buddy allocator (mm/buddy.c) on its own: natural
 * alignment at every order, splits and merges counted and undone, the
 * buddy found from the pfn, exhaustion and recovery, bulk moves, and
 * lazy coalescing: its bound, and the free lists it leaves once
 * coalesced, which must be those of eager merging. States are compared
 * coalesced (canonical_stats), the one decomposition of the free frames
 * into maximal aligned blocks.
 */
#include <stdlib.h>

#include "buddy.h"
#include "mm_fixture.h"
#include "page.h"
#include "test.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The counters with every deferred pair merged. */
static void canonical_stats(struct buddy_stats *s)
{
	buddy_coalesce();
	buddy_stats(s);
}

/* Whether the buddy's free blocks, once coalesced, are order by order as
 * in `before`. */
static void check_free_blocks(const struct buddy_stats *before, int line)
{
	struct buddy_stats now;

	canonical_stats(&now);
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++) {
		if (now.order[o].free_blocks != before->order[o].free_blocks)
			hosted_fail(__FILE__, line, "order %u: %" PRIu64 " free blocks, %" PRIu64
				    " before", o, now.order[o].free_blocks,
				    before->order[o].free_blocks);
	}
	if (now.free_pages != before->free_pages)
		hosted_fail(__FILE__, line, "%" PRIu64 " free pages, %" PRIu64 " before",
			    now.free_pages, before->free_pages);
}

static unsigned largest_free_order(const struct buddy_stats *s)
{
	unsigned largest = 0;

	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++) {
		if (s->order[o].free_blocks != 0)
			largest = o;
	}
	return largest;
}

static void check_block(const struct page *page, unsigned order)
{
	uint64_t pfn = page_to_pfn_fast(page);

	CHECK_EQ_U64(pfn & ((1ull << order) - 1), 0);
	CHECK_EQ_U64(hal_virt_to_phys(page_to_virt(page)) & ((4096ull << order) - 1), 0);
	CHECK(pfn_valid(pfn) && pfn_valid(pfn + (1ull << order) - 1));
	CHECK_EQ_U64(page->order, order);
	for (uint64_t i = 0; i < 1ull << order; i++)
		CHECK(!page[i].buddy && !(page[i].flags & (PG_pcp | PG_reserved)));
}

TEST(buddy_every_order)
{
	struct buddy_stats before;
	unsigned largest;

	mm_fixture_setup_buddy(MM_FIXTURE_RAM);
	canonical_stats(&before);
	largest = largest_free_order(&before);
	CHECK(largest >= 9 && largest < MAX_PAGE_ORDER); /* 2 MiB fits, 1 GiB cannot */
	for (unsigned order = 0; order <= MAX_PAGE_ORDER + 1; order++) {
		struct page *page = buddy_alloc(order);

		if (order > largest) {
			CHECK(page == NULL);
			continue;
		}
		REQUIRE(page != NULL);
		check_block(page, order);
		buddy_free(page, order);
		check_free_blocks(&before, __LINE__);
	}
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(buddy_split_and_merge_counts)
{
	struct buddy_stats before, after;
	struct page *page, *held[4][64];
	unsigned nheld[4] = { 0 };

	mm_fixture_setup_buddy(MM_FIXTURE_RAM);
	canonical_stats(&before);
	/* Take every free block of orders 0..3, so that an order-0
	 * allocation must split a block of order 4, four times. */
	for (unsigned o = 0; o < 4; o++) {
		REQUIRE(before.order[o].free_blocks <= 64);
		while (before.order[o].free_blocks > nheld[o])
			held[o][nheld[o]++] = buddy_alloc(o);
	}
	buddy_stats(&before);
	REQUIRE(before.order[4].free_blocks > 0);
	page = buddy_alloc(0);
	REQUIRE(page != NULL);
	buddy_stats(&after);
	for (unsigned o = 1; o <= 4; o++)
		CHECK_EQ_U64(after.order[o].splits, before.order[o].splits + 1);
	for (unsigned o = 0; o < 4; o++)
		CHECK_EQ_U64(after.order[o].free_blocks, before.order[o].free_blocks + 1);
	CHECK_EQ_U64(after.order[4].free_blocks, before.order[4].free_blocks - 1);
	CHECK_EQ_U64(after.order[0].allocs, before.order[0].allocs + 1);
	/* The lists below order 4 hold one block each, fewer than
	 * BUDDY_LAZY_KEEP: the free leaves the page beside its buddy. */
	buddy_free(page, 0);
	buddy_stats(&after);
	for (unsigned o = 0; o < 4; o++)
		CHECK_EQ_U64(after.order[o].merges, before.order[o].merges);
	CHECK_EQ_U64(after.order[0].deferred, before.order[0].deferred + 1);
	CHECK_EQ_U64(after.order[0].frees, before.order[0].frees + 1);
	CHECK_EQ_U64(after.order[0].free_blocks, before.order[0].free_blocks + 2);
	/* Coalesced, it merges all the way up, as an eager free would. */
	buddy_coalesce();
	buddy_stats(&after);
	for (unsigned o = 0; o < 4; o++)
		CHECK_EQ_U64(after.order[o].merges, before.order[o].merges + 1);
	CHECK_EQ_U64(after.order[0].deferred, before.order[0].deferred + 1);
	check_free_blocks(&before, __LINE__);
	for (unsigned o = 0; o < 4; o++) {
		for (unsigned i = 0; i < nheld[o]; i++)
			buddy_free(held[o][i], o);
	}
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(buddy_merges_only_with_its_buddy)
{
	struct buddy_stats before, after;
	struct page *block;

	mm_fixture_setup_buddy(MM_FIXTURE_RAM);
	canonical_stats(&before);
	/* Free the two halves of an order-1 block one at a time. */
	block = buddy_alloc(1);
	REQUIRE(block != NULL);
	buddy_free(block + 1, 0);
	CHECK(block[1].buddy);
	CHECK_EQ_U64(block[1].order, 0);
	buddy_stats(&after);
	CHECK_EQ_U64(after.order[0].merges, before.order[0].merges);
	CHECK_EQ_U64(after.order[0].deferred, before.order[0].deferred);
	/* Its buddy is free now: merged, or left beside it if the list is
	 * short, and then merged by the coalescing. */
	buddy_free(block, 0);
	buddy_stats(&after);
	CHECK_EQ_U64(after.order[0].merges + after.order[0].deferred,
		     before.order[0].merges + before.order[0].deferred + 1);
	buddy_coalesce();
	CHECK(!block[1].buddy); /* absorbed by the merge */
	buddy_stats(&after);
	CHECK_EQ_U64(after.order[0].merges, before.order[0].merges + 1);
	check_free_blocks(&before, __LINE__);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

struct held_block {
	struct page *page;
	unsigned order;
};

/* Free pairs of buddies of this order left unmerged, found from the
 * struct pages, not the allocator's counters. */
static unsigned unmerged_pairs(unsigned order)
{
	uint64_t step = 2ull << order, pfn = (mem_base_pfn + step - 1) & ~(step - 1);
	unsigned n = 0;

	for (; pfn_valid(pfn + step - 1); pfn += step) {
		const struct page *a = pfn_to_page_fast(pfn), *b = a + (1ull << order);

		n += a->buddy && a->order == order && b->buddy && b->order == order;
	}
	return n;
}

/* Takes every free block of `order` into held[] (at most 64), and sets
 * *n to how many. */
static void empty_list(unsigned order, struct page **held, unsigned *n)
{
	struct buddy_stats s;

	canonical_stats(&s);
	REQUIRE(s.order[order].free_blocks <= 64 && largest_free_order(&s) > order);
	for (*n = 0; *n < s.order[order].free_blocks; ++*n)
		held[*n] = buddy_alloc(order);
}

/* n allocations of `order`, each freed at once. */
static void pairs(unsigned order, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct page *page = buddy_alloc(order);

		REQUIRE(page != NULL);
		buddy_free(page, order);
	}
}

TEST(buddy_pairs_at_steady_state_neither_split_nor_merge)
{
	static const unsigned orders[] = { 0, 1, 2, 3, 9, 11 };

	for (unsigned c = 0; c < sizeof(orders) / sizeof(orders[0]); c++) {
		const unsigned order = orders[c];
		struct buddy_stats then, now;
		struct page *held[64];
		unsigned nheld = 0;

		mm_fixture_setup_buddy(MM_FIXTURE_RAM);
		/* With this order's list empty, the first pair splits. */
		empty_list(order, held, &nheld);
		pairs(order, 1);
		buddy_stats(&then);
		pairs(order, 1000);
		buddy_stats(&now);
		CHECK_EQ_U64(now.order[order].allocs, then.order[order].allocs + 1000);
		CHECK_EQ_U64(now.order[order].frees, then.order[order].frees + 1000);
		for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++) {
			CHECK_EQ_U64(now.order[o].splits, then.order[o].splits);
			CHECK_EQ_U64(now.order[o].merges, then.order[o].merges);
		}
		while (nheld > 0)
			buddy_free(held[--nheld], order);
		MM_FIXTURE_CHECK_ACCOUNTING();
	}
}

/* Lazy only while the list is short: with BUDDY_LAZY_KEEP (4) or more
 * blocks on it, a free merges at once. */
TEST(buddy_merges_when_its_list_is_long)
{
	struct buddy_stats then, now;
	struct page *halves[5], *block;

	mm_fixture_setup_buddy(MM_FIXTURE_RAM);
	buddy_coalesce();
	/* Five lone order-0 blocks: the upper halves of order-1 blocks. */
	for (unsigned i = 0; i < 5; i++) {
		halves[i] = buddy_alloc(1);
		REQUIRE(halves[i] != NULL);
		buddy_free(halves[i] + 1, 0);
	}
	block = buddy_alloc(1);
	REQUIRE(block != NULL);
	buddy_free(block + 1, 0);
	buddy_stats(&then);
	REQUIRE(then.order[0].free_blocks >= 4);
	buddy_free(block, 0);
	buddy_stats(&now);
	CHECK_EQ_U64(now.order[0].merges, then.order[0].merges + 1);
	CHECK_EQ_U64(now.order[0].deferred, then.order[0].deferred);
	CHECK(!block[1].buddy);
	for (unsigned i = 0; i < 5; i++)
		buddy_free(halves[i], 0);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(buddy_exhaustion_and_recovery)
{
	struct buddy_stats before;
	struct held_block *held;
	uint64_t n = 0, pages = 0;
	unsigned largest;

	mm_fixture_setup_buddy(MM_FIXTURE_RAM);
	canonical_stats(&before);
	largest = largest_free_order(&before);
	held = calloc(before.free_pages, sizeof(*held));
	REQUIRE(held != NULL);
	/* Random orders 0..6 until even order 0 fails. */
	for (;;) {
		unsigned order = (unsigned)(rng() % 7);
		struct page *page = buddy_alloc(order);

		if (page == NULL) {
			if (order == 0)
				break;
			continue;
		}
		check_block(page, order);
		held[n++] = (struct held_block){ page, order };
		pages += 1ull << order;
	}
	CHECK_EQ_U64(pages, before.free_pages);
	CHECK_EQ_U64(buddy_free_pages(), 0);
	for (unsigned o = 0; o <= MAX_PAGE_ORDER; o++)
		CHECK(buddy_alloc(o) == NULL);
	/* Free in random order: everything merges back as it was. */
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rng() % i;
		struct held_block t = held[i - 1];

		held[i - 1] = held[j];
		held[j] = t;
	}
	for (uint64_t i = 0; i < n; i++)
		buddy_free(held[i].page, held[i].order);
	/* Lazy coalescing leaves at most (BUDDY_LAZY_KEEP + 1) / 2 pairs
	 * per order (default 4: 2). */
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++)
		CHECK(unmerged_pairs(o) <= 2);
	/* Every block of the largest order can be had again: an allocation
	 * that finds none coalesces first. */
	for (n = 0; n < before.order[largest].free_blocks; n++) {
		held[n].page = buddy_alloc(largest);
		REQUIRE(held[n].page != NULL);
	}
	CHECK(buddy_alloc(largest) == NULL);
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++)
		CHECK_EQ_U64(unmerged_pairs(o), 0);
	while (n > 0)
		buddy_free(held[--n].page, largest);
	check_free_blocks(&before, __LINE__);
	free(held);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(buddy_bulk_moves)
{
	static struct page *blocks[1000];
	struct buddy_stats before, after;
	uint64_t fit = 0;
	unsigned got;

	mm_fixture_setup_buddy(MM_FIXTURE_RAM);
	canonical_stats(&before);
	CHECK_EQ_U64(buddy_alloc_bulk(3, 10, blocks), 10);
	for (unsigned i = 0; i < 10; i++) {
		CHECK(blocks[i]->flags & PG_pcp);
		CHECK_EQ_U64(blocks[i]->order, 3);
		CHECK_EQ_U64(page_to_pfn_fast(blocks[i]) & 7, 0);
		for (unsigned j = 0; j < i; j++)
			CHECK(blocks[j] != blocks[i]);
	}
	buddy_stats(&after);
	CHECK_EQ_U64(after.order[3].allocs, before.order[3].allocs + 10);
	buddy_free_bulk(3, 4, blocks);
	for (unsigned i = 0; i < 4; i++)
		CHECK(!(blocks[i]->flags & PG_pcp));
	CHECK(blocks[4]->flags & PG_pcp);
	buddy_free_bulk(3, 6, blocks + 4);
	check_free_blocks(&before, __LINE__);

	/* Asking for more than there is takes exactly what there is. */
	for (unsigned o = 12; o < BUDDY_NR_ORDERS; o++)
		fit += before.order[o].free_blocks << (o - 12);
	REQUIRE(fit < 1000);
	got = buddy_alloc_bulk(12, 1000, blocks);
	CHECK_EQ_U64(got, fit);
	CHECK(buddy_alloc(12) == NULL);
	buddy_free_bulk(12, got, blocks);
	check_free_blocks(&before, __LINE__);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* Leaves free singletons and pairs scattered below the large blocks, the
 * same ones every time: takes `n` single frames, then gives back a
 * pseudo-random half of them; held[] gets the other half (returned). */
static unsigned fragment(struct page **held, unsigned n)
{
	unsigned kept = 0;

	rng_state = 0x2545f4914f6cdd1dull;
	for (unsigned i = 0; i < n; i++)
		held[i] = buddy_alloc(0);
	for (unsigned i = 0; i < n; i++) {
		if (held[i] != NULL && rng() % 2 == 0)
			buddy_free(held[i], 0);
		else
			held[kept++] = held[i];
	}
	return kept;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The free blocks now, and the allocations and splits since `then`. */
static void stats_since(const struct buddy_stats *then, struct buddy_stats *d)
{
	buddy_stats(d);
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++) {
		d->order[o].allocs -= then->order[o].allocs;
		d->order[o].splits -= then->order[o].splits;
	}
}

/* buddy_alloc_bulk cuts whole blocks locally; it must still hand out the
 * blocks that n buddy_alloc calls would, and leave the same free lists and
 * counters. */
TEST(buddy_bulk_alloc_matches_single_allocations)
{
	static const struct { unsigned order, n; } cases[] = {
		{ 0, 63 }, { 0, 1000 }, { 1, 31 }, { 3, 7 }, { 3, 200 },
	};
	enum { FRAGMENT = 2048, MAX_N = 1000 };
	static struct page *held[FRAGMENT];
	static uint64_t pfns[2][MAX_N];
	static struct page *blocks[MAX_N];
	struct buddy_stats start, then, d[2];

	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned order = cases[c].order, n = cases[c].n;

		for (unsigned bulk = 0; bulk < 2; bulk++) {
			unsigned kept;

			mm_fixture_setup_buddy(MM_FIXTURE_RAM);
			canonical_stats(&start);
			kept = fragment(held, FRAGMENT);
			buddy_stats(&then);
			if (bulk) {
				REQUIRE(buddy_alloc_bulk(order, n, blocks) == n);
			} else {
				for (unsigned k = 0; k < n; k++) {
					blocks[k] = buddy_alloc(order);
					REQUIRE(blocks[k] != NULL);
					blocks[k]->flags |= PG_pcp;
				}
			}
			stats_since(&then, &d[bulk]);
			for (unsigned k = 0; k < n; k++) {
				CHECK(blocks[k]->flags & PG_pcp);
				CHECK_EQ_U64(blocks[k]->order, order);
				for (unsigned j = 0; j < 1u << order; j++)
					CHECK(!blocks[k][j].buddy);
				pfns[bulk][k] = page_to_pfn_fast(blocks[k]);
			}
			qsort(pfns[bulk], n, sizeof(pfns[bulk][0]), cmp_u64);
			buddy_free_bulk(order, n, blocks);
			for (unsigned k = 0; k < kept; k++)
				buddy_free(held[k], 0);
			check_free_blocks(&start, __LINE__);
		}
		for (unsigned i = 0; i < n; i++)
			CHECK_EQ_U64(pfns[1][i], pfns[0][i]);
		for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++) {
			CHECK_EQ_U64(d[1].order[o].free_blocks, d[0].order[o].free_blocks);
			CHECK_EQ_U64(d[1].order[o].allocs, d[0].order[o].allocs);
			CHECK_EQ_U64(d[1].order[o].splits, d[0].order[o].splits);
		}
		MM_FIXTURE_CHECK_ACCOUNTING();
	}
}
