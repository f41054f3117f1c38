/*
 * test_kmalloc.c - kmalloc, kzalloc, kcalloc, krealloc, kfree and ksize
 * (mm/kmalloc.c): every size class, alignment, zero-size and huge
 * requests, large blocks from whole pages, kcalloc's overflow check, and
 * krealloc keeping contents. Every test ends with the frame accounting
 * back where it started (slab_test.h).
 */
#include <stdint.h>
#include <string.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include "page.h"
#include "slab_internal.h"
#include "slab_test.h"
#include "test.h"

static const size_t classes[] = { 8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192 };

static size_t expected_class(size_t size)
{
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (size <= classes[i])
			return classes[i];
	}
	return 0;
}

static bool is_aligned(const void *p, size_t align)
{
	return ((uintptr_t)p & (align - 1)) == 0;
}

static void fill(void *p, size_t n, unsigned seed)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed + i * 7);
}

static bool filled(const void *p, size_t n, unsigned seed)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != (unsigned char)(seed + i * 7))
			return false;
	}
	return true;
}

TEST(kmalloc_zero_size_and_null)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	CHECK(kmalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(kzalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(kcalloc(0, 8, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(kcalloc(8, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK_EQ_U64(ksize(ZERO_SIZE_PTR), 0);
	CHECK_EQ_U64(ksize(NULL), 0);
	kfree(NULL);
	kfree(ZERO_SIZE_PTR);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* Every request size up to 8 KiB lands in the smallest class that holds
 * it; the whole usable size is writable; powers of two are naturally
 * aligned, the others to their class's largest power-of-two divisor. */
TEST(kmalloc_every_size_lands_in_its_class)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	for (size_t size = 1; size <= KMALLOC_MAX_CACHE_SIZE; size++) {
		size_t class = expected_class(size);
		void *p = kmalloc(size, GFP_KERNEL);

		REQUIRE(p != NULL);
		CHECK_EQ_U64(ksize(p), class);
		CHECK(is_aligned(p, class & -class));
		if ((size & (size - 1)) == 0)
			CHECK(is_aligned(p, size));
		CHECK(slab_head_page(p)->flags & PG_slab);
		memset(p, 0xa5, ksize(p));
		kfree(p);
	}
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(kmalloc_classes_hold_many_disjoint_objects)
{
	enum { N = 300 };
	static void *objs[N];

	mm_fixture_setup(MM_FIXTURE_RAM);
	for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++) {
		for (unsigned i = 0; i < N; i++) {
			objs[i] = kmalloc(classes[c], GFP_KERNEL);
			REQUIRE(objs[i] != NULL);
			fill(objs[i], classes[c], i);
		}
		for (unsigned i = 0; i < N; i++) {
			CHECK(filled(objs[i], classes[c], i));
			kfree(objs[i]);
		}
	}
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(kmalloc_large_uses_whole_pages)
{
	static const size_t sizes[] = { 8193, 12288, 16384, 16385, 100000, 1u << 20, (1u << 22) + 1 };

	mm_fixture_setup(MM_FIXTURE_RAM);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = kmalloc(sizes[i], GFP_KERNEL);
		struct page *head;
		size_t usable = HAL_PAGE_SIZE;

		REQUIRE(p != NULL);
		while (usable < sizes[i])
			usable *= 2;
		CHECK(is_aligned(p, HAL_PAGE_SIZE));
		head = virt_to_page_fast(p);
		CHECK(head->flags & PG_large_kmalloc);
		CHECK_EQ_U64(head->large.size, sizes[i]);
		CHECK(slab_head_page(p + sizes[i] - 1) == head);
		CHECK_EQ_U64(ksize(p), usable);
		fill(p, sizes[i], (unsigned)i);
		CHECK(filled(p, sizes[i], (unsigned)i));
		kfree(p);
	}
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(kmalloc_huge_requests_fail_cleanly)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	CHECK(kmalloc(SIZE_MAX, GFP_KERNEL) == NULL);
	CHECK(kmalloc(SIZE_MAX / 2, GFP_KERNEL) == NULL);
	CHECK(kmalloc(((size_t)HAL_PAGE_SIZE << MAX_PAGE_ORDER) + 1, GFP_KERNEL) == NULL);
	/* More than the simulated RAM: every order exists, no block does. */
	CHECK(kmalloc(MM_FIXTURE_RAM, GFP_KERNEL) == NULL);
	CHECK(kzalloc(SIZE_MAX, GFP_KERNEL) == NULL);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(kzalloc_and_kcalloc_zero)
{
	static const size_t sizes[] = { 8, 100, 1000, 8000, 20000 };

	mm_fixture_setup(MM_FIXTURE_RAM);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = kmalloc(sizes[i], GFP_KERNEL);
		bool zero = true;

		REQUIRE(p != NULL);
		memset(p, 0xff, sizes[i]);	/* the next allocation may reuse it */
		kfree(p);
		p = kzalloc(sizes[i], GFP_KERNEL);
		REQUIRE(p != NULL);
		for (size_t j = 0; j < sizes[i]; j++)
			zero = zero && p[j] == 0;
		CHECK(zero);
		memset(p, 0xff, sizes[i]);
		kfree(p);
		p = kcalloc(sizes[i] / 4, 4, GFP_KERNEL);
		REQUIRE(p != NULL);
		for (size_t j = 0; j < sizes[i] / 4 * 4; j++)
			zero = zero && p[j] == 0;
		CHECK(zero);
		kfree(p);
	}
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(kcalloc_checks_overflow)
{
	mm_fixture_setup(MM_FIXTURE_RAM);
	CHECK(kcalloc(SIZE_MAX, 2, GFP_KERNEL) == NULL);
	CHECK(kcalloc(2, SIZE_MAX, GFP_KERNEL) == NULL);
	CHECK(kcalloc((SIZE_MAX >> 1) + 1, 2, GFP_KERNEL) == NULL);
	CHECK(kcalloc((size_t)1 << 32, (size_t)1 << 32, GFP_KERNEL) == NULL);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(krealloc_follows_linux)
{
	unsigned char *p, *q;

	mm_fixture_setup(MM_FIXTURE_RAM);
	/* NULL and ZERO_SIZE_PTR behave as kmalloc. */
	p = krealloc(NULL, 40, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ_U64(ksize(p), 64);
	kfree(p);
	p = krealloc(ZERO_SIZE_PTR, 40, GFP_KERNEL);
	REQUIRE(p != NULL);
	kfree(p);
	/* Size 0 frees. */
	p = kmalloc(40, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK(krealloc(p, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	CHECK(krealloc(NULL, 0, GFP_KERNEL) == ZERO_SIZE_PTR);

	/* Growth within the usable size and shrinking stay in place. */
	p = kmalloc(40, GFP_KERNEL);
	REQUIRE(p != NULL);
	fill(p, 40, 1);
	CHECK(krealloc(p, 64, GFP_KERNEL) == p);
	CHECK(krealloc(p, 10, GFP_KERNEL) == p);
	CHECK(filled(p, 40, 1));

	/* Growth through every class into whole pages and back down keeps
	 * the contents. */
	size_t size = 40;
	for (size_t next = 100; next <= 70000; next = next * 3 / 2) {
		q = krealloc(p, next, GFP_KERNEL);
		REQUIRE(q != NULL);
		CHECK(ksize(q) >= next);
		CHECK(filled(q, size, 1));
		fill(q, next, 1);
		p = q;
		size = next;
	}
	q = krealloc(p, 50, GFP_KERNEL);
	CHECK(q == p);
	CHECK(filled(q, 50, 1));
	/* A failed move leaves the block alone. */
	CHECK(krealloc(q, SIZE_MAX, GFP_KERNEL) == NULL);
	CHECK(filled(q, 50, 1));
	kfree(q);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* kfree takes objects of any cache, not only kmalloc's (as Linux does). */
TEST(kfree_takes_kmem_cache_objects)
{
	struct kmem_cache *c;
	void *p;

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = kmem_cache_create("test-kfree", 72, 0, 0, NULL);
	REQUIRE(c != NULL);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	REQUIRE(p != NULL);
	CHECK_EQ_U64(ksize(p), 72);
	kfree(p);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}
