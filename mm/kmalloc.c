/*
 * mm/kmalloc.c - kmalloc, kzalloc, kcalloc, krealloc, kfree and ksize, with
 * Linux's semantics, over a fixed set of slab caches.
 *
 * Requests of 1 .. KMALLOC_MAX_CACHE_SIZE bytes are served by the smallest
 * of Linux's size classes that holds them (8 16 32 64 96 128 192 256 512
 * 1K 2K 4K 8K), one cache each, created by slab_init. Every class is
 * aligned to its largest power-of-two divisor, so a power-of-two request
 * comes back naturally aligned. Larger requests get a block of whole pages
 * from alloc_pages: its head page is marked PG_large_kmalloc and records
 * the size, its other pages PG_tail with a pointer to the head.
 *
 * kfree and ksize find what they hold from the address alone: the frame
 * map gives the head page of the slab or block (slab_head_page), which
 * says whether it is a slab (and of which cache) or a large block. kfree
 * first tries the page itself, which for most objects is the head.
 *
 * kmalloc and kfree are the hot callers of the slab variant: each is a
 * class lookup (or a frame-map lookup) in front of one tail call to
 * slab_cache_alloc or slab_cache_free. A kmalloc of a constant size
 * finds its class at compile time (<mm/slab.h>) and calls
 * kmem_cache_alloc directly; the rest come to __kmalloc here. The class
 * table is written once by slab_init, on the boot CPU before any other CPU
 * allocates, and only read afterwards: no lock. Any context may call these.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mm/env.h>
#include <mm/gfp.h>
#include <mm/hal.h>
#include <mm/slab.h>

#include "debug.h"
#include "page.h"
#include "slab_internal.h"

static const struct {
	const char *name;
	uint32_t size;
} kmalloc_classes[KMALLOC_NR_CLASSES] = {
	{ "kmalloc-8", 8 },	{ "kmalloc-16", 16 },	{ "kmalloc-32", 32 },
	{ "kmalloc-64", 64 },	{ "kmalloc-96", 96 },	{ "kmalloc-128", 128 },
	{ "kmalloc-192", 192 }, { "kmalloc-256", 256 }, { "kmalloc-512", 512 },
	{ "kmalloc-1k", 1024 }, { "kmalloc-2k", 2048 }, { "kmalloc-4k", 4096 },
	{ "kmalloc-8k", 8192 },
};

_Static_assert(KMALLOC_MAX_CACHE_SIZE == 8192, "the class table ends at 8 KiB");

struct kmem_cache *kmalloc_caches[KMALLOC_NR_CLASSES];

void kmalloc_init(void)
{
	for (unsigned i = 0; i < KMALLOC_NR_CLASSES; i++) {
		uint32_t size = kmalloc_classes[i].size;

		kmalloc_caches[i] = kmem_cache_create(kmalloc_classes[i].name, size, size & -size,
						      0, NULL);
		if (kmalloc_caches[i] == NULL)
			env_panic("slab_init: cannot create %s", kmalloc_classes[i].name);
	}
}

/* ---- Large blocks: whole pages ---- */

static unsigned large_order(size_t size)
{
	unsigned order = 0;

	while (((size_t)HAL_PAGE_SIZE << order) < size)
		order++;
	return order;
}

/* Out of line, so that kmalloc's class path needs no stack frame. */
static __attribute__((noinline)) void *kmalloc_large(size_t size, gfp_t gfp)
{
	struct page *head;
	unsigned order;

	if (size > (size_t)HAL_PAGE_SIZE << MAX_PAGE_ORDER)
		return NULL;
	order = large_order(size);
	head = alloc_pages(gfp, order);
	if (head == NULL)
		return NULL;
	head->flags |= PG_large_kmalloc;
	head->large.size = size;
	for (unsigned i = 1; i < (1u << order); i++) {
		head[i].flags |= PG_tail;
		head[i].slab.head = head;
	}
	return page_to_virt(head);
}

static __attribute__((noinline)) void kfree_large(struct page *head, const void *p,
						   const void *caller)
{
	unsigned order = large_order(head->large.size);

	if (MM_DEBUG && p != page_to_virt(head))
		env_panic("kfree: %p is inside the large block at %p, not its start (caller %p)", p,
			  page_to_virt(head), caller);
	head->flags &= ~(uint32_t)PG_large_kmalloc;
	head->large.size = 0;
	for (unsigned i = 1; i < (1u << order); i++) {
		head[i].flags &= ~(uint32_t)PG_tail;
		head[i].slab.head = NULL;
	}
	__free_pages(head, order);
}

/* ---- The interface ---- */

static inline void *kmalloc_from(size_t size, gfp_t gfp, const void *caller)
{
	/* 1 .. KMALLOC_MAX_CACHE_SIZE in one comparison: 0 wraps around. */
	if (__builtin_expect(size - 1 < KMALLOC_MAX_CACHE_SIZE, 1))
		return slab_cache_alloc(kmalloc_caches[kmalloc_index(size)], gfp, caller);
	if (size == 0)
		return ZERO_SIZE_PTR;
	return kmalloc_large(size, gfp);
}

/* Anything but an object in a slab's first page: in a later page of a
 * slab, a large block, or not kmalloc's. */
static __attribute__((noinline)) void kfree_other(struct page *page, const void *p,
						  const void *caller)
{
	struct page *head = (page->flags & PG_tail) ? page->slab.head : page;

	if (head->flags & PG_slab)
		slab_cache_free(head->slab.cache, (void *)p, caller);
	else if (head->flags & PG_large_kmalloc)
		kfree_large(head, p, caller);
	else
		env_panic("kfree: %p is not a kmalloc object (caller %p)", p,
			  MM_DEBUG ? caller : __builtin_return_address(0));
}

static inline void kfree_from(const void *p, const void *caller)
{
	struct page *page;

	if (ZERO_OR_NULL_PTR(p))
		return;
	if (MM_DEBUG && !pfn_valid(PFN_OF(hal_virt_to_phys(p))))
		env_panic("kfree: %p is not in RAM (caller %p)", p, caller);
	/* Most objects live in a slab's first page (every slab of one page
	 * is all first page): one flag test finds their cache. */
	page = virt_to_page_fast(p);
	if (__builtin_expect(page->flags & PG_slab, 1))
		slab_cache_free(page->slab.cache, (void *)p, caller);
	else
		kfree_other(page, p, caller);
}

void *__kmalloc(size_t size, gfp_t gfp)
{
	return kmalloc_from(size, gfp, SLAB_CALLER);
}

void *kzalloc(size_t size, gfp_t gfp)
{
	return kmalloc_from(size, gfp | __GFP_ZERO, SLAB_CALLER);
}

void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, size, &bytes))
		return NULL;
	return kmalloc_from(bytes, gfp | __GFP_ZERO, SLAB_CALLER);
}

void kfree(const void *p)
{
	kfree_from(p, SLAB_CALLER);
}

size_t ksize(const void *p)
{
	struct page *head;

	if (ZERO_OR_NULL_PTR(p))
		return 0;
	head = slab_head_page(p);
	if (head->flags & PG_slab)
		return head->slab.cache->object_size;
	return (size_t)HAL_PAGE_SIZE << large_order(head->large.size);
}

/* As Linux's: grows in place when the usable size already suffices (so
 * shrinking never moves), and leaves p untouched if a move fails. */
void *krealloc(const void *p, size_t new_size, gfp_t gfp)
{
	const void *caller = SLAB_CALLER;
	size_t old_size;
	void *q;

	if (new_size == 0) {
		kfree_from(p, caller);
		return ZERO_SIZE_PTR;
	}
	old_size = ksize(p);
	if (old_size >= new_size)
		return (void *)p;
	q = kmalloc_from(new_size, gfp, caller);
	if (q != NULL && old_size != 0) {
		memcpy(q, p, old_size);
		kfree_from(p, caller);
	}
	return q;
}
