/*
 * test_slab_debug.c - the slab debug mode (MM_DEBUG=1): each kind of
 * misuse is caught by a panic that names the object, the cache and the
 * caller, never by silent corruption. Death tests (EXPECT_PANIC): the bug
 * happens in a child process. Compiled to nothing without MM_DEBUG.
 */
#include "debug.h"

#if MM_DEBUG

#include <stdint.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include "slab_internal.h"
#include "slab_test.h"
#include "test.h"

static struct kmem_cache *debug_cache(const char *name, size_t size)
{
	struct kmem_cache *c = kmem_cache_create(name, size, 0, 0, NULL);

	if (c == NULL)
		env_panic("test: cannot create %s", name);
	return c;
}

TEST(slab_debug_catches_double_free)
{
	struct kmem_cache *c;
	void *p;

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = debug_cache("dbg-double", 100);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	REQUIRE(p != NULL);
	kmem_cache_free(c, p);
	EXPECT_PANIC(kmem_cache_free(c, p), "double free of object");
	EXPECT_PANIC(kmem_cache_free(c, p), "in cache dbg-double (caller 0x");
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* The first free put it in this CPU's magazine (SLAB=magazine): the state
 * word catches the second all the same. */
TEST(slab_debug_catches_double_kfree_into_a_magazine)
{
	void *p;

	mm_fixture_setup(MM_FIXTURE_RAM);
	p = kmalloc(64, GFP_KERNEL);
	REQUIRE(p != NULL);
	kfree(p);
	EXPECT_PANIC(kfree(p), "double free of object");
	EXPECT_PANIC(kfree(p), "in cache kmalloc-64");
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* And once it is back in its slab (a neighbour keeps the slab alive). */
TEST(slab_debug_catches_double_free_after_shrink)
{
	struct kmem_cache *c;
	void *p, *neighbour;

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = debug_cache("dbg-shrunk", 200);
	neighbour = kmem_cache_alloc(c, GFP_KERNEL);
	p = kmem_cache_alloc(c, GFP_KERNEL);
	REQUIRE(p != NULL && neighbour != NULL);
	kmem_cache_free(c, p);
	kmem_cache_shrink(c);
	EXPECT_PANIC(kmem_cache_free(c, p), "double free of object");
	kmem_cache_free(c, neighbour);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_debug_catches_free_into_the_wrong_cache)
{
	struct kmem_cache *a, *b;
	void *p;

	mm_fixture_setup(MM_FIXTURE_RAM);
	a = debug_cache("dbg-a", 64);
	b = debug_cache("dbg-b", 64);
	p = kmem_cache_alloc(a, GFP_KERNEL);
	REQUIRE(p != NULL);
	EXPECT_PANIC(kmem_cache_free(b, p), "of cache dbg-a into the wrong cache dbg-b");
	kmem_cache_free(a, p);
	kmem_cache_destroy(a);
	kmem_cache_destroy(b);
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_debug_catches_red_zone_overwrites)
{
	struct kmem_cache *c;
	unsigned char *p, *q;

	mm_fixture_setup(MM_FIXTURE_RAM);
	p = kmalloc(64, GFP_KERNEL);
	REQUIRE(p != NULL);
	EXPECT_PANIC(p[64] = 0; kfree(p), "red zone after object");
	EXPECT_PANIC(p[-1] = 0; kfree(p), "red zone before object");
	EXPECT_PANIC(p[64 + 7] = 0; kfree(p), "in cache kmalloc-64");
	kfree(p);
	/* An odd size: the padding up to the word is red zone too. */
	c = debug_cache("dbg-odd", 13);
	q = kmem_cache_alloc(c, GFP_KERNEL);
	REQUIRE(q != NULL);
	EXPECT_PANIC(q[13] = 0; kmem_cache_free(c, q), "red zone after object");
	kmem_cache_free(c, q);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* A write through a dangling pointer is found when the object is next
 * handed out (this CPU's most recently freed object comes back first). */
TEST(slab_debug_catches_use_after_free)
{
	unsigned char *p;

	mm_fixture_setup(MM_FIXTURE_RAM);
	p = kmalloc(128, GFP_KERNEL);
	REQUIRE(p != NULL);
	kfree(p);
	EXPECT_PANIC(p[5] = 1; for (int i = 0; i < 1000; i++) kmalloc(128, GFP_KERNEL),
		     "use after free: object");
	EXPECT_PANIC(p[127] = 1; for (int i = 0; i < 1000; i++) kmalloc(128, GFP_KERNEL),
		     "in cache kmalloc-128 written at");
	SLAB_TEST_CHECK_ACCOUNTING();
}

TEST(slab_debug_catches_frees_of_non_objects)
{
	static char not_ram[64];
	struct kmem_cache *c;
	unsigned char *p, *big;
	unsigned long page;

	mm_fixture_setup(MM_FIXTURE_RAM);
	p = kmalloc(64, GFP_KERNEL);
	big = kmalloc(20000, GFP_KERNEL);
	page = __get_free_page(GFP_KERNEL);
	c = debug_cache("dbg-inner", 48);
	REQUIRE(p != NULL && big != NULL && page != 0);
	EXPECT_PANIC(kfree(p + 8), "not an object start");
	EXPECT_PANIC(kfree(p + 8), "in cache kmalloc-64");
	EXPECT_PANIC(kmem_cache_free(c, p), "into the wrong cache dbg-inner");
	EXPECT_PANIC(kfree(big + HAL_PAGE_SIZE), "not its start");
	EXPECT_PANIC(kfree((void *)page), "not a kmalloc object");
	EXPECT_PANIC(kmem_cache_free(c, (void *)page), "not a slab object");
	EXPECT_PANIC(kfree(not_ram), "not in RAM");
	kfree(p);
	kfree(big);
	free_page(page);
	kmem_cache_destroy(c);
	SLAB_TEST_CHECK_ACCOUNTING();
}

/* A cache is an object of the cache of caches: destroying it twice is a
 * double free there. */
TEST(slab_debug_catches_double_destroy)
{
	struct kmem_cache *c;

	mm_fixture_setup(MM_FIXTURE_RAM);
	c = debug_cache("dbg-destroy", 32);
	kmem_cache_destroy(c);
	EXPECT_PANIC(kmem_cache_destroy(c), "in cache kmem_cache");
	SLAB_TEST_CHECK_ACCOUNTING();
}

#endif
