/*
 * test_frame_debug.c - the debug checks on frames (mm/page_alloc.c with
 * MM_DEBUG=1): each bug is caught by a panic that names the frame, the
 * order and the caller, and correct use passes silently. Empty unless the
 * build has MM_DEBUG=1.
 */
#include "debug.h"

#if MM_DEBUG

#include <stdio.h>

#include <mm/gfp.h>

#include "frame.h"
#include "mm_fixture.h"
#include "page.h"
#include "test.h"

#define MIB (1ull << 20)

static bool all_poison(const struct page *page, unsigned order)
{
	return mm_poison_find(page_address(page), 4096ul << order, MM_POISON_FREE_PAGE) == NULL;
}

TEST(frame_debug_correct_use_is_silent)
{
	struct page *pages[10];

	mm_fixture_setup(MM_FIXTURE_RAM);
	for (unsigned round = 0; round < 3; round++) {
		for (unsigned o = 0; o < 10; o++) {
			pages[o] = alloc_pages(o % 2 ? __GFP_ZERO : GFP_KERNEL, o);
			REQUIRE(pages[o] != NULL);
			memset(page_address(pages[o]), (int)o, 4096ul << o);
		}
		for (unsigned o = 0; o < 10; o++) {
			__free_pages(pages[o], o);
			CHECK(all_poison(pages[o], o));
		}
	}
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(frame_debug_double_free)
{
	struct page *page, *block;

	mm_fixture_setup(MM_FIXTURE_RAM);
	page = alloc_page(GFP_KERNEL);
	block = alloc_pages(GFP_KERNEL, 5);
	REQUIRE(page != NULL && block != NULL);
	__free_page(page);
	__free_pages(block, 5);
	EXPECT_PANIC(__free_page(page), "double free");
	EXPECT_PANIC(__free_pages(block, 5), "double free");
	EXPECT_PANIC(free_pages((unsigned long)page_address(block), 5), "double free");
	/* Also once the block has merged back into a larger free one. */
	page = alloc_pages(GFP_KERNEL, 6);
	REQUIRE(page != NULL);
	__free_pages(page, 6);
	frame_drain_all();
	EXPECT_PANIC(__free_pages(page, 6), "double free");
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(frame_debug_free_of_a_frame_never_allocated)
{
	struct page *block, *never = NULL;

	mm_fixture_setup(MM_FIXTURE_RAM);
	/* The frame map's own frames came from the boot allocator. */
	EXPECT_PANIC(__free_page(virt_to_page(mem_map)), "never allocated");
	/* The kernel image is a reserved range. */
	EXPECT_PANIC(__free_page(pfn_to_page(PFN_OF(HOSTED_PHYS_START + MIB))), "never allocated");
	/* A free frame nobody has had yet: in the buddy, or in a variant
	 * that holds free frames itself. */
	for (uint64_t i = mem_npages; i-- > 0 && never == NULL;) {
		if (mem_map[i].buddy || frame_holds_free(mem_base_pfn + i))
			never = &mem_map[i];
	}
	REQUIRE(never != NULL);
	EXPECT_PANIC(__free_page(never), "never allocated");
	/* A tail page of an allocated block. */
	block = alloc_pages(GFP_KERNEL, 2);
	REQUIRE(block != NULL);
	EXPECT_PANIC(__free_page(block + 1), "never allocated");
	__free_pages(block, 2);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(frame_debug_free_with_the_wrong_order)
{
	struct page *block;

	mm_fixture_setup(MM_FIXTURE_RAM);
	block = alloc_pages(GFP_KERNEL, 2);
	REQUIRE(block != NULL);
	EXPECT_PANIC(__free_pages(block, 1), "wrong order");
	EXPECT_PANIC(__free_pages(block, 3), "wrong order");
	EXPECT_PANIC(free_pages((unsigned long)page_address(block), 0), "allocated as order 2");
	EXPECT_PANIC(__free_pages(block, MAX_PAGE_ORDER + 1), "above MAX_PAGE_ORDER");
	__free_pages(block, 2);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(frame_debug_free_of_something_else)
{
	unsigned long addr;
	int local;

	mm_fixture_setup(MM_FIXTURE_RAM);
	addr = __get_free_page(GFP_KERNEL);
	REQUIRE(addr != 0);
	EXPECT_PANIC(__free_page((struct page *)((char *)virt_to_page((void *)addr) + 8)),
		     "not a frame");
	EXPECT_PANIC(__free_page((struct page *)&local), "not a frame");
	EXPECT_PANIC(free_pages(addr + 8, 0), "not page aligned");
	EXPECT_PANIC(free_pages((unsigned long)&local & ~4095ul, 0), "not in the frame map");
	EXPECT_PANIC(pfn_to_page(mem_base_pfn + mem_npages), "not in the frame map");
	free_page(addr);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(frame_debug_use_after_free)
{
	struct page *page, *block;

	mm_fixture_setup(MM_FIXTURE_RAM);
	page = alloc_page(GFP_KERNEL);
	REQUIRE(page != NULL);
	__free_page(page);
	((char *)page_address(page))[100] = 1;
	/* Caught when the frame is handed out again, whichever allocation
	 * that is: the checks run on every frame of a block. */
	EXPECT_PANIC(while (alloc_page(GFP_KERNEL) != NULL) continue, "use after free");

	mm_fixture_setup(MM_FIXTURE_RAM);
	block = alloc_pages(GFP_KERNEL, 3);
	REQUIRE(block != NULL);
	__free_pages(block, 3);
	((char *)page_address(block + 5))[4095] = 0;
	EXPECT_PANIC(while (alloc_pages(GFP_KERNEL, 3) != NULL) continue, "use after free");
	EXPECT_PANIC(while (alloc_page(GFP_KERNEL) != NULL) continue, "written after the free");
}

/* The message names the frame by pfn and address, the order and a caller. */
TEST(frame_debug_report_names_frame_order_and_caller)
{
	struct page *page;
	char expect[128];

	mm_fixture_setup(MM_FIXTURE_RAM);
	page = alloc_pages(GFP_KERNEL, 1);
	REQUIRE(page != NULL);
	__free_pages(page, 1);
	snprintf(expect, sizeof(expect), "double free: frame pfn %#llx (%p), order 1, caller 0x",
		 (unsigned long long)page_to_pfn(page), page_address(page));
	EXPECT_PANIC(__free_pages(page, 1), expect);
}

#endif
