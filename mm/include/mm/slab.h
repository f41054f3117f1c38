/*
 * mm/slab.h - the small-object allocator's C interface, with Linux's names
 * and semantics.
 *
 *   kmem_cache_create(name, size, align, flags, ctor) / _alloc / _free /
 *   _destroy; kmalloc, kzalloc, kcalloc, krealloc, kfree, ksize.
 *
 * kmalloc serves 1 B .. KMALLOC_MAX_CACHE_SIZE from size classes and
 * larger requests from whole pages. kmalloc(0) returns ZERO_SIZE_PTR,
 * kfree(NULL) and kfree(ZERO_SIZE_PTR) do nothing, kcalloc checks n*size
 * for overflow. Objects freed on another CPU than the one that allocated
 * them are fine. Callable from any context with interrupts on or off,
 * except kmem_cache_shrink and kmem_cache_destroy: they run a drain on
 * every CPU, so they need thread context with interrupts on.
 *
 * kmem_cache_create takes Linux's five arguments; flags is accepted for
 * source compatibility and must be 0 (SLAB_HWCACHE_ALIGN is the one flag
 * honoured).
 */
#ifndef MM_SLAB_H
#define MM_SLAB_H

#include <stddef.h>

#include <mm/gfp.h>

struct kmem_cache;

#define SLAB_HWCACHE_ALIGN 0x2000u

#define ZERO_SIZE_PTR ((void *)16)
#define ZERO_OR_NULL_PTR(p) ((unsigned long)(p) <= (unsigned long)ZERO_SIZE_PTR)

#define KMALLOC_MIN_SIZE 8
#define KMALLOC_MAX_CACHE_SIZE 8192

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     unsigned int flags, void (*ctor)(void *));
void *kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *cache, void *obj);
void kmem_cache_destroy(struct kmem_cache *cache);
/* Returns every free object this cache holds (CPU magazines, depot, empty
 * slabs) to the page allocator; 0 as in Linux. */
int kmem_cache_shrink(struct kmem_cache *cache);

/*
 * The size classes, as Linux's (8 16 32 64 96 128 192 256 512 1K 2K 4K
 * 8K): one cache each, created at boot and never changed, so a request of
 * a size known at compile time goes straight to its cache, as in Linux;
 * others take __kmalloc, which computes the class.
 */
#define KMALLOC_NR_CLASSES 13
extern struct kmem_cache *kmalloc_caches[KMALLOC_NR_CLASSES];

/* The class of a request of 1 .. KMALLOC_MAX_CACHE_SIZE bytes: a table in
 * 8-byte steps up to 192 (where 96 and 192 break the powers of two), the
 * bit length above. */
static inline unsigned kmalloc_index(size_t size)
{
	static const unsigned char small[24] = {
		0, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6,
	};

	if (size <= 192)
		return small[(size - 1) / 8];
	return (unsigned)(63 - __builtin_clzll((unsigned long long)size - 1));
}

void *__kmalloc(size_t size, gfp_t gfp);

static inline __attribute__((always_inline)) void *kmalloc(size_t size, gfp_t gfp)
{
	if (__builtin_constant_p(size) && size >= 1 && size <= KMALLOC_MAX_CACHE_SIZE)
		return kmem_cache_alloc(kmalloc_caches[kmalloc_index(size)], gfp);
	return __kmalloc(size, gfp);
}

void *kzalloc(size_t size, gfp_t gfp);
void *kcalloc(size_t n, size_t size, gfp_t gfp);
void *krealloc(const void *p, size_t new_size, gfp_t gfp);
void kfree(const void *p);
size_t ksize(const void *p);

#endif
