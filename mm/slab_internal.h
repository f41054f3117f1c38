/*
 * mm/slab_internal.h - the slab layer (mm/slab.c), the interface between it
 * and the SLAB variant chosen at build time, and the debug hooks both use.
 *
 *   SLAB=locked    mm/slab_locked.c    every operation goes to the slab
 *                                      layer under the cache's lock
 *   SLAB=magazine  mm/slab_magazine.c  per-CPU magazines and a lock-free
 *                                      depot in front of the slab layer
 *   SLAB=slub      mm/slab_slub.c      Linux's SLUB: per-CPU slabs and
 *                                      partial lists, lock-free remote
 *                                      frees into the slab's own list
 *
 * The slab layer owns struct kmem_cache: the object layout, the slabs and
 * the cache lock. A variant adds what it keeps above the slabs by making
 * struct kmem_cache the first member of a bigger structure of
 * slab_variant_cache_size bytes, which slab.c allocates for every cache.
 * A variant is one file defining the functions and constants below;
 * adding one is one file.
 *
 * Hot path: kmalloc and kfree (kmalloc.c) find the cache and reach the
 * variant's entry point, slab_cache_alloc or slab_cache_free, by one tail
 * call; there the variant's fast path is static inline and its slow path
 * a separate out-of-line function. Inlining the fast path into kmalloc
 * itself would take a header per variant (two files) or link-time
 * optimization; the call costs a jump.
 */
#ifndef MM_SLAB_INTERNAL_H
#define MM_SLAB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mm/env.h>
#include <mm/gfp.h>
#include <mm/list.h>
#include <mm/slab.h>

#include "debug.h"
#include "page.h"

#define KMEM_CACHE_NAME_MAX 32

/*
 * Empty slabs a cache keeps for reuse instead of returning them to the
 * buddy at once. One absorbs an allocate/free oscillation across a slab
 * boundary; a second covers a batch refill that straddles two slabs. Any
 * more would only hide frames from the page allocator, which then has to
 * get them back through slab_reclaim().
 */
#define KMEM_EMPTY_SLABS_RETAINED 2
_Static_assert(KMEM_EMPTY_SLABS_RETAINED >= 0 && KMEM_EMPTY_SLABS_RETAINED <= 64,
	       "KMEM_EMPTY_SLABS_RETAINED out of range");

/*
 * Slab size: the smallest order that holds KMEM_SLAB_MIN_OBJECTS buffers
 * and wastes at most an eighth of the slab, up to KMEM_SLAB_MAX_ORDER
 * (128 KiB, which also bounds the object size). Few buffers per slab means
 * a trip to the page allocator every few allocations; high orders are the
 * first to become scarce when memory fragments.
 */
#define KMEM_SLAB_MIN_OBJECTS 4
#define KMEM_SLAB_MAX_ORDER 5

struct kmem_cache {
	/* Set by kmem_cache_create, read-only afterwards. */
	char name[KMEM_CACHE_NAME_MAX];
	uint32_t object_size;   /* what the creator asked for (kmalloc: the class) */
	uint32_t buf_size;      /* stride of the buffers in a slab; a multiple of align */
	uint32_t align;
	uint32_t obj_offset;    /* object start inside its buffer (debug: the left red zone) */
	uint32_t free_offset;   /* freelist link, from the object start */
	uint32_t objects;       /* buffers per slab */
	uint32_t order;         /* a slab is 2^order pages */
	void (*ctor)(void *);
	struct list_head cache_list; /* slab_caches, under slab_caches_lock */

	/* The slab layer, under lock. A slab (its head page, linked through
	 * page->list) is on exactly one list: full (inuse == objects),
	 * partial, or empty (inuse == 0). SLAB=slub keeps its slabs itself,
	 * under the same lock and counts but its own rules (slab_slub.c). */
	env_spinlock_t lock;
	struct list_head slabs_full, slabs_partial, slabs_empty;
	uint64_t nr_slabs;      /* on all three lists (slub: all of the cache's) */
	uint64_t nr_empty;      /* on slabs_empty */
};

/* ---- The slab layer (mm/slab.c) ----
 * Each takes the cache lock itself, with interrupts off, and is callable in
 * any context with interrupts on or off. They call the page allocator only
 * with no slab lock held. */

/* Moves up to n (>= 1) constructed objects out of the slabs into objs,
 * growing the cache by new slabs as needed. Returns how many: at least 1,
 * or 0 when no memory is left. */
unsigned slab_alloc_bulk(struct kmem_cache *cache, void **objs, unsigned n);
/* Returns n objects of cache to their slabs; frees empty slabs beyond
 * KMEM_EMPTY_SLABS_RETAINED to the page allocator. */
void slab_free_bulk(struct kmem_cache *cache, void *const *objs, unsigned n);

/* For a variant that keeps slabs itself (SLAB=slub), under the same
 * lists and counts. A new slab of free, constructed buffers, chained from
 * head->slab.freelist and on no list, or NULL: no lock held, as it calls
 * alloc_pages. */
struct page *slab_create(struct kmem_cache *cache);
/* Moves all but `keep` slabs of slabs_empty onto doomed, off the counts.
 * Cache lock held. */
void slab_take_empty(struct kmem_cache *cache, uint64_t keep, struct list_head *doomed);
/* Gives every slab on doomed back to the buddy; the frames freed. No
 * cache lock held. */
uint64_t slab_destroy_list(const struct kmem_cache *cache, struct list_head *doomed);

/* The head page of the slab or large kmalloc block that addr lies in. */
static inline struct page *slab_head_page(const void *addr)
{
	struct page *page = virt_to_page_fast(addr);

	return (page->flags & PG_tail) ? page->slab.head : page;
}

/* ---- Debug mode (MM_DEBUG): red zones, poison, buffer state ---- */

/* Who called the public entry point, for reports; nothing when not debugging. */
#define SLAB_CALLER (MM_DEBUG ? __builtin_return_address(0) : NULL)

void slab_debug_alloc(struct kmem_cache *cache, void *obj, const void *caller);
void slab_debug_free(struct kmem_cache *cache, const void *obj, const void *caller);
/* Panics unless obj is an allocated object of cache; changes nothing. */
void slab_debug_check_live(struct kmem_cache *cache, const void *obj, const void *caller);

/* Every object a variant hands out passes through here... */
static inline void *slab_post_alloc(struct kmem_cache *cache, void *obj, gfp_t gfp,
				    const void *caller)
{
	if (obj == NULL)
		return NULL;
	if (MM_DEBUG)
		slab_debug_alloc(cache, obj, caller);
	if (__builtin_expect(gfp & __GFP_ZERO, 0))
		memset(obj, 0, cache->object_size);
	return obj;
}

/* slab_post_alloc out of line, for a variant's fast path to call when it
 * must zero or check: kept in the fast path, the memset call would make it
 * save and restore registers on every call. */
void *slab_post_alloc_out_of_line(struct kmem_cache *cache, void *obj, gfp_t gfp,
				  const void *caller);

/* ...and every object given back, before the variant keeps it anywhere. */
static inline void slab_pre_free(struct kmem_cache *cache, const void *obj, const void *caller)
{
	if (MM_DEBUG)
		slab_debug_free(cache, obj, caller);
}

/* ---- Implemented by each SLAB variant (mm/slab_<variant>.c) ---- */

extern const char slab_variant[];
/* Bytes of a cache; struct kmem_cache first, alignment <= HAL_CACHELINE. */
extern const size_t slab_variant_cache_size;

/* A new cache, zero-filled apart from its struct kmem_cache. */
void slab_variant_cache_init(struct kmem_cache *cache);

/* kmem_cache_alloc and kmalloc land here: an object or NULL. Any context. */
void *slab_cache_alloc(struct kmem_cache *cache, gfp_t gfp, const void *caller);
/* kmem_cache_free and kfree land here; obj is not NULL. Any context. */
void slab_cache_free(struct kmem_cache *cache, void *obj, const void *caller);

/* What this CPU privately holds for cache goes back to the slabs. Runs on
 * the CPU concerned (env_call_on_each_cpu), in any context. */
void slab_variant_cpu_drain(struct kmem_cache *cache);
/* What the variant holds for cache that any CPU may take back (not what a
 * CPU holds privately) goes back to the slabs. Any CPU, any context. */
void slab_variant_reclaim(struct kmem_cache *cache);

/* kmalloc.c: creates the kmalloc caches (slab_init). */
void kmalloc_init(void);

/* ---- Beyond <mm/slab.h> ---- */

/* kmem_cache_shrink of every cache, with one call round on the CPUs; then
 * slab_reclaim(). Returns the frames freed. Same context. */
uint64_t slab_shrink_all(void);

#endif
