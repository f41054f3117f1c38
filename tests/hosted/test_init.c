/*
 * test_init.c - mm/init.c's fragmentation measure (free_huge of
 * mm_frame_accounting): a known pattern of free frames gives the exact
 * count of wholly free, aligned huge frames in every frame variant,
 * whether the frames sit in the buddy, in per-CPU caches or in LLFree.
 */
#include <mm/gfp.h>
#include <mm/hal.h>
#include <mm/init.h>

#include "mm_fixture.h"
#include "test.h"

#define MIB (1ull << 20)
#define HUGE_FRAMES (1ull << MM_HUGE_ORDER)

static bool in_range(uint64_t pfn, uint64_t from, uint64_t to)
{
	return pfn >= PFN_OF(from) && pfn < PFN_OF(to);
}

/* The frames the test frees, by physical address in the fixture's 64 MiB
 * (low RAM [1 MiB, 33 MiB), then firmware tables, high RAM [35 MiB,
 * 65 MiB - 2 KiB), whose top the boot allocator uses). */
static bool in_pattern(uint64_t pfn)
{
	return in_range(pfn, 8 * MIB, 12 * MIB) ||		/* two whole, adjacent */
	       in_range(pfn, 40 * MIB, 42 * MIB) ||		/* a third */
	       in_range(pfn, 44 * MIB, 46 * MIB - 4096) ||	/* all but one frame */
	       in_range(pfn, 49 * MIB, 51 * MIB) ||		/* 2 MiB, straddling two */
	       (in_range(pfn, 52 * MIB, 60 * MIB) && pfn % 8 == 0) ||
	       in_range(pfn, 32 * MIB, 33 * MIB);		/* low RAM's end */
}

#define PATTERN_FRAMES (3 * HUGE_FRAMES + 511 + 512 + 256 + 256)
#define PATTERN_HUGE 3

/* Links the page into a chain through its own contents. */
static void push(struct page **chain, struct page *page)
{
	*(struct page **)page_address(page) = *chain;
	*chain = page;
}

static struct page *pop(struct page **chain)
{
	struct page *page = *chain;

	*chain = *(struct page **)page_address(page);
	return page;
}

TEST(init_free_huge_counts_whole_aligned_huge_frames)
{
	struct page *held = NULL, *kept = NULL, *page;
	struct mm_frame_accounting a;
	uint64_t pattern_held = 0;

	mm_fixture_setup(MM_FIXTURE_RAM);
	while ((page = alloc_page(GFP_KERNEL)) != NULL) {
		pattern_held += in_pattern(page_to_pfn(page));
		push(&held, page);
	}
	mm_frame_accounting(&a);
	CHECK_EQ_U64(a.free + a.cached, 0);
	CHECK_EQ_U64(a.free_huge, 0);
	/* No frame of the pattern was in use before the test took them all. */
	REQUIRE(pattern_held == PATTERN_FRAMES);

	/* Freed one by one: FRAME=pcp keeps the last of them in its cache,
	 * FRAME=buddy merges 8-12 MiB into one 4 MiB block. */
	while (held != NULL) {
		page = pop(&held);
		if (in_pattern(page_to_pfn(page)))
			__free_page(page);
		else
			push(&kept, page);
	}
	mm_frame_accounting(&a);
	CHECK_EQ_U64(a.free + a.cached, PATTERN_FRAMES);
	CHECK_EQ_U64(a.free_huge, PATTERN_HUGE);

	while (kept != NULL)
		__free_page(pop(&kept));
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(init_free_huge_drops_by_one_per_huge_allocation)
{
	struct mm_frame_accounting before, a;
	struct page *huge[4];

	mm_fixture_setup(MM_FIXTURE_RAM);
	mm_frame_accounting(&before);
	REQUIRE(before.free_huge >= 4);
	CHECK(before.free_huge * HUGE_FRAMES <= before.free + before.cached);
	for (unsigned i = 0; i < 4; i++) {
		huge[i] = alloc_pages(GFP_KERNEL, MM_HUGE_ORDER);
		REQUIRE(huge[i] != NULL);
	}
	mm_frame_accounting(&a);
	CHECK_EQ_U64(a.free_huge, before.free_huge - 4);
	CHECK_EQ_U64(a.free + a.cached, before.free + before.cached - 4 * HUGE_FRAMES);
	for (unsigned i = 0; i < 4; i++)
		__free_pages(huge[i], MM_HUGE_ORDER);
	mm_fixture_settle(&a);
	CHECK_EQ_U64(a.free_huge, before.free_huge);
	MM_FIXTURE_CHECK_ACCOUNTING();
}
