/*
 * test_page_alloc.c - the gfp interface (mm/page_alloc.c) over the frame
 * variant of this build: every order, zeroing, the conversions, NULL and 0
 * frees, exhaustion with frames sitting in other CPUs' caches, and frees
 * on another CPU than the allocating one.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <mm/env.h>
#include <mm/gfp.h>
#include <mm/init.h>

#include "buddy.h"
#include "frame.h"
#include "mm_fixture.h"
#include "mm_internal.h"
#include "page.h"
#include "test.h"

static bool is_pcp(void)
{
	return strcmp(frame_variant, "pcp") == 0;
}

static bool is_llfree(void)
{
	return strcmp(frame_variant, "llfree") == 0;
}

static bool all_bytes(const void *p, size_t len, unsigned char c)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < len; i++) {
		if (b[i] != c)
			return false;
	}
	return true;
}

TEST(page_alloc_variant_names)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	CHECK_STR_EQ(mm_variant_frame(), frame_variant);
	CHECK(is_pcp() || is_llfree() || strcmp(frame_variant, "buddy") == 0);
	CHECK_STR_EQ(mm_variant_slab(), slab_variant);
}

TEST(page_alloc_every_order)
{
	struct buddy_stats s;
	unsigned largest = 0;

	mm_fixture_setup(MM_FIXTURE_RAM);
	/* The largest block that can exist: the buddy's, with all of them. */
	mm_fixture_frames_to_buddy();
	buddy_stats(&s);
	for (unsigned o = 0; o < BUDDY_NR_ORDERS; o++) {
		if (s.order[o].free_blocks != 0)
			largest = o;
	}
	for (unsigned order = 0; order <= MAX_PAGE_ORDER; order++) {
		struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
		unsigned long addr;

		if (order > largest) {
			CHECK(page == NULL);
			CHECK_EQ_U64(__get_free_pages(GFP_KERNEL, order), 0);
			continue;
		}
		REQUIRE(page != NULL);
		CHECK_EQ_U64(page_to_pfn(page) & ((1ull << order) - 1), 0);
		CHECK(all_bytes(page_address(page), 4096ul << order, 0));
		__free_pages(page, order);
		addr = __get_free_pages(GFP_KERNEL, order);
		REQUIRE(addr != 0);
		CHECK_EQ_U64(hal_virt_to_phys((void *)addr) & ((4096ull << order) - 1), 0);
		free_pages(addr, order);
	}
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(page_alloc_orders_beyond_the_limit)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	CHECK(alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER + 1) == NULL);
	CHECK(alloc_pages(GFP_KERNEL, 64) == NULL);
	CHECK(alloc_pages(GFP_KERNEL, ~0u) == NULL);
	CHECK_EQ_U64(__get_free_pages(GFP_KERNEL, MAX_PAGE_ORDER + 1), 0);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(page_alloc_zeroing)
{
	unsigned long addr;
	struct page *page;

	mm_fixture_setup(MM_FIXTURE_RAM);
	/* Dirty a block and free it: the next allocation of that order most
	 * likely gets the same frames back, dirty, and must zero them. */
	for (unsigned order = 0; order <= 4; order++) {
		page = alloc_pages(GFP_KERNEL, order);
		REQUIRE(page != NULL);
		memset(page_address(page), 0x5a, 4096ul << order);
		__free_pages(page, order);
		page = alloc_pages(GFP_ATOMIC | __GFP_ZERO, order);
		REQUIRE(page != NULL);
		CHECK(all_bytes(page_address(page), 4096ul << order, 0));
		__free_pages(page, order);
	}
	addr = __get_free_page(GFP_KERNEL);
	REQUIRE(addr != 0);
	memset((void *)addr, 0xff, 4096);
	free_page(addr);
	addr = get_zeroed_page(GFP_KERNEL);
	REQUIRE(addr != 0);
	CHECK(all_bytes((void *)addr, 4096, 0));
	free_page(addr);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(page_alloc_conversions)
{
	struct page *page;
	unsigned long addr;
	char *va;

	mm_fixture_setup(MM_FIXTURE_RAM);
	page = alloc_pages(GFP_KERNEL, 2);
	REQUIRE(page != NULL);
	va = page_address(page);
	CHECK_EQ_U64((uintptr_t)va & 4095, 0);
	CHECK(virt_to_page(va) == page);
	CHECK(virt_to_page(va + 4095) == page);
	CHECK(virt_to_page(va + 4096) == page + 1);
	CHECK(pfn_to_page(page_to_pfn(page)) == page);
	CHECK_EQ_U64(page_to_pfn(page) << 12, hal_virt_to_phys(va));
	__free_pages(page, 2);
	addr = __get_free_page(GFP_KERNEL);
	REQUIRE(addr != 0);
	CHECK(page_address(virt_to_page((void *)addr)) == (void *)addr);
	free_page(addr);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

TEST(page_alloc_free_null_is_a_no_op)
{
	struct mm_frame_accounting a;

	mm_fixture_setup(MM_FIXTURE_RAM);
	__free_pages(NULL, 0);
	__free_pages(NULL, 5);
	__free_page(NULL);
	free_pages(0, 0);
	free_pages(0, 9);
	free_page(0);
	mm_frame_accounting(&a);
	CHECK(memcmp(&a, &mm_fixture_start, sizeof(a)) == 0);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* Each CPU allocates a few pages and frees them, leaving them cached. */
static void fill_cache(unsigned cpu, void *arg)
{
	struct page *pages[100];

	(void)cpu;
	(void)arg;
	for (unsigned i = 0; i < 100; i++)
		pages[i] = alloc_page(GFP_KERNEL);
	for (unsigned i = 0; i < 100; i++)
		__free_page(pages[i]);
}

TEST(page_alloc_exhaustion_drains_every_cache)
{
	struct mm_frame_accounting a;
	struct page *chain = NULL, *page;
	uint64_t n = 0, available;

	mm_fixture_setup(MM_FIXTURE_RAM);
	hosted_run_cpus(4, fill_cache, NULL);
	mm_frame_accounting(&a);
	/* LLFree holds every free frame; the others, the buddy. */
	if (is_llfree())
		CHECK(a.free == 0 && a.cached > 0);
	else
		CHECK(is_pcp() ? a.cached >= 4 * 100 : a.cached == 0);
	available = a.free + a.cached;
	/* Every frame, wherever it is cached, is handed out before a failure. */
	while ((page = alloc_page(GFP_KERNEL)) != NULL) {
		*(struct page **)page_address(page) = chain;
		chain = page;
		n++;
	}
	CHECK_EQ_U64(n, available);
	mm_frame_accounting(&a);
	CHECK_EQ_U64(a.free, 0);
	CHECK_EQ_U64(a.cached, 0);
	CHECK(alloc_pages(GFP_KERNEL, 3) == NULL);
	/* And it all comes back. */
	while (chain != NULL) {
		page = chain;
		chain = *(struct page **)page_address(page);
		__free_page(page);
	}
	page = alloc_pages(GFP_KERNEL, 9);
	CHECK(page != NULL);
	__free_pages(page, 9);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* CPU 0 allocates, CPU 1 frees and then allocates the same number again. */
struct cross {
	struct page *pages[40];
	uint64_t freed_pfns[40], again_pfns[40];
	atomic_bool handed;
};

static void cross_cpu(unsigned cpu, void *arg)
{
	struct cross *x = arg;

	if (cpu == 0) {
		for (unsigned i = 0; i < 40; i++)
			x->pages[i] = alloc_page(GFP_KERNEL);
		atomic_store_explicit(&x->handed, true, memory_order_release);
		return;
	}
	while (!atomic_load_explicit(&x->handed, memory_order_acquire))
		env_cpu_relax();
	for (unsigned i = 0; i < 40; i++) {
		x->freed_pfns[i] = page_to_pfn(x->pages[i]);
		__free_page(x->pages[i]);
	}
	for (unsigned i = 0; i < 40; i++)
		x->pages[i] = alloc_page(GFP_KERNEL);
	for (unsigned i = 0; i < 40; i++)
		x->again_pfns[i] = page_to_pfn(x->pages[i]);
}

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

TEST(page_alloc_free_on_another_cpu)
{
	struct cross *x = calloc(1, sizeof(*x));

	REQUIRE(x != NULL);
	mm_fixture_setup(MM_FIXTURE_RAM);
	hosted_run_cpus(2, cross_cpu, x);
	for (unsigned i = 0; i < 40; i++)
		REQUIRE(x->pages[i] != NULL);
	/* With per-CPU caches the frames CPU 1 freed are in its cache, and
	 * its next allocations get exactly those back. */
	if (is_pcp()) {
		qsort(x->freed_pfns, 40, sizeof(uint64_t), by_value);
		qsort(x->again_pfns, 40, sizeof(uint64_t), by_value);
		CHECK(memcmp(x->freed_pfns, x->again_pfns, sizeof(x->freed_pfns)) == 0);
	}
	for (unsigned i = 0; i < 40; i++)
		__free_page(x->pages[i]);
	free(x);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

enum { MANY = 4000 };

/* A fresh fixture, in which the MANY frames of pages[] are allocated and
 * then freed in the same order: more than a page cache holds. */
static void free_many(struct page **pages)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	for (unsigned i = 0; i < MANY; i++)
		REQUIRE((pages[i] = alloc_page(GFP_KERNEL)) != NULL);
	for (unsigned i = 0; i < MANY; i++)
		__free_page(pages[i]);
}

TEST(page_alloc_cache_stays_bounded)
{
	enum { N = MANY };
	struct page **pages = calloc(N, sizeof(*pages));
	struct mm_frame_accounting a;

	REQUIRE(pages != NULL);
	free_many(pages);
	/* The high watermark drained most of them back to the buddy; LLFree
	 * holds them all. */
	mm_frame_accounting(&a);
	if (is_llfree())
		CHECK(a.free == 0 && a.cached >= N);
	else
		CHECK(is_pcp() ? a.cached > 0 && a.cached < N / 4 : a.cached == 0);
	free(pages);
	MM_FIXTURE_CHECK_ACCOUNTING();
}

/* Many drains in a row, with the cache's window moving up its backing
 * array and back: what stays cached is exactly the last k frames freed,
 * and they come back hottest first. */
TEST(page_alloc_cache_keeps_the_last_freed)
{
	enum { N = MANY };
	struct page **pages = calloc(N, sizeof(*pages));
	unsigned k = 0;

	REQUIRE(pages != NULL);
	free_many(pages);
	while (k < N && (pages[N - 1 - k]->flags & PG_pcp))
		k++;
	for (unsigned i = 0; i < N - k; i++)
		CHECK(!(pages[i]->flags & PG_pcp));
	CHECK(is_pcp() ? k >= 64 && k < N / 4 : k == 0);
	for (unsigned i = 0; i < k; i++)
		CHECK(alloc_page(GFP_KERNEL) == pages[N - 1 - i]);
	for (unsigned i = 0; i < k; i++)
		__free_page(pages[N - k + i]);
	free(pages);
	MM_FIXTURE_CHECK_ACCOUNTING();
}
