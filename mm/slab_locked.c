/*
 * mm/slab_locked.c - SLAB=locked, the baseline: no layer above the slabs.
 *
 * Every kmem_cache_alloc and kmem_cache_free (and so every kmalloc and
 * kfree) takes the cache's lock and works on the slab lists directly
 * (slab_alloc_bulk and slab_free_bulk with one object), as a single-lock
 * slab allocator does. All CPUs allocating from one cache therefore
 * serialize on its lock and share its cache lines: this is what the
 * magazine layer (SLAB=magazine) is measured against.
 *
 * The variant keeps nothing per cache or per CPU, so it has nothing to
 * shrink or reclaim; every function may be called in any context.
 */
#include <stddef.h>

#include <mm/gfp.h>

#include "slab_internal.h"

const char slab_variant[] = "locked";
const size_t slab_variant_cache_size = sizeof(struct kmem_cache);

void slab_variant_cache_init(struct kmem_cache *cache)
{
	(void)cache;
}

void *slab_cache_alloc(struct kmem_cache *cache, gfp_t gfp, const void *caller)
{
	void *obj;

	if (slab_alloc_bulk(cache, &obj, 1) == 0)
		return NULL;
	return slab_post_alloc(cache, obj, gfp, caller);
}

void slab_cache_free(struct kmem_cache *cache, void *obj, const void *caller)
{
	slab_pre_free(cache, obj, caller);
	slab_free_bulk(cache, &obj, 1);
}

void slab_variant_cpu_drain(struct kmem_cache *cache)
{
	(void)cache;
}

void slab_variant_reclaim(struct kmem_cache *cache)
{
	(void)cache;
}
