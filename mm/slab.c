/*
 * mm/slab.c - the slab layer of the small-object allocator: object caches
 * built from slabs of buddy pages (Bonwick, "The Slab Allocator", 1994),
 * below the per-CPU layer that the SLAB variant adds (Bonwick and Adams,
 * "Magazines and Vmem", 2001).
 *
 * Layers, from the caller down:
 *
 *   kmalloc/kfree (kmalloc.c)   size classes over the caches below
 *   kmem_cache_alloc/free       public entry: debug hooks, then the variant
 *   variant (slab_<name>.c)     locked: straight here; magazine: per-CPU
 *                               magazines and a lock-free depot
 *   slab layer (this file)      slabs carved from alloc_pages()
 *
 * Data structures. A cache (struct kmem_cache) describes one kind of
 * object: its size, alignment and constructor, and how a buffer is laid
 * out. A slab is a block of 2^order pages cut into `objects` buffers of
 * buf_size bytes. Its metadata lives in the struct page of its first frame
 * (page->slab: cache, freelist, inuse), and every other frame is marked
 * PG_tail with a pointer to that head, so kfree finds the slab and cache of
 * any address in O(1) through the frame map (slab_head_page). Free buffers
 * of a slab are chained through a link word: inside the object when nothing
 * must survive there, after the object when a constructor's work must
 * (constructed-object caching: the constructor runs once per buffer, when
 * its slab is created, and a freed object keeps its constructed state) or
 * when debugging poisons the object.
 *
 * Invariants, under the cache lock: every slab is on exactly one of
 * slabs_full, slabs_partial and slabs_empty, by its inuse count; inuse
 * counts the buffers not on the slab's freelist (handed out, or sitting in
 * the variant's caches); nr_empty counts slabs_empty and never exceeds
 * KMEM_EMPTY_SLABS_RETAINED after a free. Allocation takes from a partial
 * slab before an empty one, so empty slabs stay empty and can be returned.
 *
 * Memory pressure: empty slabs beyond the retention limit go back to the
 * buddy as soon as they become empty; slab_reclaim() (called by the page
 * allocator before it fails) first has the variant give back what any CPU
 * may take (the depot's magazines), then frees every empty slab of every
 * cache. kmem_cache_shrink() and slab_shrink_all() (thread context) also
 * have each CPU give back what it holds privately, through
 * env_call_on_each_cpu, as only that CPU may touch it.
 *
 * Caches themselves are objects of kmem_cache_cache, a cache that this
 * file uses through the slab layer alone (no variant above it), so it needs
 * nothing but itself to exist; it is static and never destroyed. The
 * magazine pool (mm/depot.c) is global state of the allocator too, built
 * whatever the variant: slab_init resets it with the rest.
 *
 * Locking order (the global one: mm/README.md): slab_caches_lock (the list of
 * caches), then a cache's lock. Both are always taken with interrupts off,
 * because kmalloc may be called from interrupt context and slab_reclaim from
 * inside any allocation. No slab lock is held across a call to alloc_pages
 * (which may call slab_reclaim) or to a constructor; pages are freed under
 * slab_caches_lock at most, never under a cache lock.
 *
 * Context: kmem_cache_create, _alloc and _free, and slab_reclaim, run in
 * any context. kmem_cache_shrink, kmem_cache_destroy and slab_shrink_all
 * run in thread context with interrupts on, as they call a function on
 * every CPU (in Linux, they may sleep). Destroying a cache that is still
 * in use is the caller's bug; one with objects still allocated is kept
 * (and reported), as Linux does.
 *
 * Debug mode (MM_DEBUG, see the end of this file) is the same code with
 * a bigger buffer: [left red zone][object][right red zone][buftag], where
 * the buftag holds the buffer's state (allocated or free) and the freelist
 * link. Objects of caches without a constructor are poisoned while free.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mm/gfp.h>
#include <mm/slab.h>

#include "debug.h"
#include "depot.h"
#include <mm/env.h>
#include <mm/hal.h>
#include <mm/list.h>
#include "mm_internal.h"
#include "page.h"
#include "slab_internal.h"

/* Every buffer (and so every freelist link) is at least word aligned. */
#define SLAB_MIN_ALIGN sizeof(void *)

static struct kmem_cache kmem_cache_cache;
static struct list_head slab_caches = LIST_HEAD_INIT(slab_caches);
static env_spinlock_t slab_caches_lock = ENV_SPINLOCK_INIT;

/* ---- Buffer layout ---- */

/* Debug mode: red zone bytes checked on each side of an object, the
 * patterns, and the buftag after the right red zone. */
#define SLAB_REDZONE 8u
#define SLAB_REDZONE_BYTE 0xbbu
#define SLAB_POISON_BYTE 0x6bu
#define SLAB_BUFTAG_ALLOC 0xa110c8eda110c8edull
#define SLAB_BUFTAG_FREE 0xf4eef4eef4eef4eeull

struct slab_buftag {
	uint64_t bt_state;      /* SLAB_BUFTAG_ALLOC or SLAB_BUFTAG_FREE */
	void *bt_link;          /* the freelist link, outside the poisoned object */
};

static inline size_t align_up(size_t n, size_t align)
{
	return (n + align - 1) & ~(align - 1);
}

static inline bool is_power_of_2(size_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static inline void **slab_link(const struct kmem_cache *cache, void *obj)
{
	return (void **)((char *)obj + cache->free_offset);
}

static inline struct slab_buftag *slab_buftag(const struct kmem_cache *cache, const void *obj)
{
	return (struct slab_buftag *)((char *)obj + align_up(cache->object_size, 8) +
				      SLAB_REDZONE);
}

/* Whether freed objects of this cache are poisoned (debug mode): not when a
 * constructor's work must survive in them. */
static inline bool slab_poisons(const struct kmem_cache *cache)
{
	return MM_DEBUG && cache->ctor == NULL;
}

/* Fills in the layout fields of cache; false if no slab can hold one. */
static bool slab_layout(struct kmem_cache *cache, size_t size, size_t align)
{
	const size_t slab_max = (size_t)HAL_PAGE_SIZE << KMEM_SLAB_MAX_ORDER;
	size_t obj_offset = 0, free_offset = 0, end = size;
	unsigned order;

	if (size > slab_max || align > slab_max)
		return false;	/* and no sum below can overflow */
	if (MM_DEBUG) {
		obj_offset = align_up(SLAB_REDZONE, align);
		free_offset = align_up(size, 8) + SLAB_REDZONE + offsetof(struct slab_buftag, bt_link);
		end = align_up(size, 8) + SLAB_REDZONE + sizeof(struct slab_buftag);
	} else if (cache->ctor != NULL) {
		free_offset = align_up(size, 8);
		end = free_offset + sizeof(void *);
	}
	size_t buf_size = align_up(obj_offset + (end > sizeof(void *) ? end : sizeof(void *)), align);

	if (buf_size > slab_max)
		return false;
	for (order = 0; ((size_t)HAL_PAGE_SIZE << order) < buf_size; order++)
		;
	for (; order < KMEM_SLAB_MAX_ORDER; order++) {
		size_t bytes = (size_t)HAL_PAGE_SIZE << order;
		size_t n = bytes / buf_size;

		if (n >= KMEM_SLAB_MIN_OBJECTS && (bytes - n * buf_size) * 8 <= bytes)
			break;
	}
	cache->object_size = (uint32_t)size;
	cache->align = (uint32_t)align;
	cache->buf_size = (uint32_t)buf_size;
	cache->obj_offset = (uint32_t)obj_offset;
	cache->free_offset = (uint32_t)free_offset;
	cache->order = order;
	cache->objects = (uint32_t)(((size_t)HAL_PAGE_SIZE << order) / buf_size);
	return true;
}

/* Sets up everything but the variant's part; the memory is zero-filled. */
static void cache_setup(struct kmem_cache *cache, const char *name, void (*ctor)(void *))
{
	size_t len;

	for (len = 0; len < KMEM_CACHE_NAME_MAX - 1 && name[len] != '\0'; len++)
		cache->name[len] = name[len];
	cache->name[len] = '\0';
	cache->ctor = ctor;
	cache->lock = (env_spinlock_t)ENV_SPINLOCK_INIT;
	list_init(&cache->slabs_full);
	list_init(&cache->slabs_partial);
	list_init(&cache->slabs_empty);
	list_init(&cache->cache_list);
}

/* ---- Slabs ---- */

static void slab_debug_init_buf(struct kmem_cache *cache, void *obj);

struct page *slab_create(struct kmem_cache *cache)
{
	struct page *head = alloc_pages(GFP_KERNEL, cache->order);
	char *base;
	void *first = NULL;

	if (head == NULL)
		return NULL;
	base = page_to_virt(head);
	head->flags |= PG_slab;
	head->slab.cache = cache;
	head->slab.head = NULL;
	head->slab.inuse = 0;
	for (unsigned i = 1; i < (1u << cache->order); i++) {
		head[i].flags |= PG_tail;
		head[i].slab.head = head;
	}
	/* Linked from the last buffer back, so the freelist runs upwards. */
	for (uint32_t i = cache->objects; i-- > 0;) {
		void *obj = base + (size_t)i * cache->buf_size + cache->obj_offset;

		if (MM_DEBUG)
			slab_debug_init_buf(cache, obj);
		if (cache->ctor != NULL)
			cache->ctor(obj);
		*slab_link(cache, obj) = first;
		first = obj;
	}
	head->slab.freelist = first;
	return head;
}

/* Gives an empty slab, already off the cache's lists, back to the buddy. */
static void slab_destroy(const struct kmem_cache *cache, struct page *head)
{
	for (unsigned i = 0; i < (1u << cache->order); i++) {
		head[i].flags &= ~(uint32_t)(PG_slab | PG_tail);
		head[i].slab.cache = NULL;
		head[i].slab.head = NULL;
		head[i].slab.freelist = NULL;
		head[i].slab.inuse = 0;
	}
	__free_pages(head, cache->order);
}

uint64_t slab_destroy_list(const struct kmem_cache *cache, struct list_head *doomed)
{
	uint64_t frames = 0;

	while (!list_empty(doomed)) {
		struct page *head = list_first_entry(doomed, struct page, list);

		list_del(&head->list);
		slab_destroy(cache, head);
		frames += 1u << cache->order;
	}
	return frames;
}

void slab_take_empty(struct kmem_cache *cache, uint64_t keep, struct list_head *doomed)
{
	MM_ASSERT_SPIN_HELD(&cache->lock);
	while (cache->nr_empty > keep) {
		struct page *head = list_entry(cache->slabs_empty.prev, struct page, list);

		list_del(&head->list);
		list_add(&head->list, doomed);
		cache->nr_empty--;
		cache->nr_slabs--;
	}
}

/* Every empty slab of cache back to the buddy; the frames freed. */
static uint64_t slab_release_empty(struct kmem_cache *cache)
{
	struct list_head doomed = LIST_HEAD_INIT(doomed);
	env_irqflags_t flags = env_irq_save();

	env_spin_lock(&cache->lock);
	slab_take_empty(cache, 0, &doomed);
	env_spin_unlock(&cache->lock);
	env_irq_restore(flags);
	return slab_destroy_list(cache, &doomed);
}

/* Takes up to n buffers from the freelist of a slab that was on the
 * partial list or (was_empty) the empty one, and moves the slab to the
 * list it now belongs on. Cache lock held. */
static unsigned slab_take(struct kmem_cache *cache, struct page *head, bool was_empty,
			  void **objs, unsigned n)
{
	void *obj = head->slab.freelist;
	unsigned got = 0;

	MM_ASSERT_SPIN_HELD(&cache->lock);
	while (got < n && obj != NULL) {
		objs[got++] = obj;
		obj = *slab_link(cache, obj);
	}
	head->slab.freelist = obj;
	head->slab.inuse += got;
	if (obj == NULL || was_empty) {
		list_del(&head->list);
		list_add(&head->list, obj == NULL ? &cache->slabs_full : &cache->slabs_partial);
	}
	return got;
}

unsigned slab_alloc_bulk(struct kmem_cache *cache, void **objs, unsigned n)
{
	env_irqflags_t flags = env_irq_save();
	unsigned got = 0;

	env_spin_lock(&cache->lock);
	while (got < n) {
		struct page *head;
		bool was_empty = false;

		if (!list_empty(&cache->slabs_partial)) {
			head = list_first_entry(&cache->slabs_partial, struct page, list);
		} else if (!list_empty(&cache->slabs_empty)) {
			head = list_first_entry(&cache->slabs_empty, struct page, list);
			cache->nr_empty--;
			was_empty = true;
		} else if (got > 0) {
			break;
		} else {
			/* Grow, without the lock: alloc_pages may reclaim. */
			env_spin_unlock(&cache->lock);
			env_irq_restore(flags);
			head = slab_create(cache);
			if (head == NULL)
				return 0;
			flags = env_irq_save();
			env_spin_lock(&cache->lock);
			list_add(&head->list, &cache->slabs_empty);
			cache->nr_slabs++;
			cache->nr_empty++;
			continue;
		}
		got += slab_take(cache, head, was_empty, objs + got, n - got);
	}
	env_spin_unlock(&cache->lock);
	env_irq_restore(flags);
	return got;
}

void slab_free_bulk(struct kmem_cache *cache, void *const *objs, unsigned n)
{
	struct list_head doomed = LIST_HEAD_INIT(doomed);
	env_irqflags_t flags = env_irq_save();

	env_spin_lock(&cache->lock);
	for (unsigned i = 0; i < n; i++) {
		struct page *head = slab_head_page(objs[i]);
		bool was_full = head->slab.freelist == NULL;

		*slab_link(cache, objs[i]) = head->slab.freelist;
		head->slab.freelist = objs[i];
		if (--head->slab.inuse == 0) {
			list_del(&head->list);
			list_add(&head->list, &cache->slabs_empty);
			cache->nr_empty++;
		} else if (was_full) {
			list_del(&head->list);
			list_add(&head->list, &cache->slabs_partial);
		}
	}
	slab_take_empty(cache, KMEM_EMPTY_SLABS_RETAINED, &doomed);
	env_spin_unlock(&cache->lock);
	env_irq_restore(flags);
	slab_destroy_list(cache, &doomed);
}

void *slab_post_alloc_out_of_line(struct kmem_cache *cache, void *obj, gfp_t gfp,
				  const void *caller)
{
	return slab_post_alloc(cache, obj, gfp, caller);
}

/* ---- Caches ---- */

struct kmem_cache *kmem_cache_create(const char *name, size_t size, size_t align,
				     unsigned int flags, void (*ctor)(void *))
{
	struct kmem_cache *cache;
	void *buf;
	env_irqflags_t irq;

	if (name == NULL || size == 0 || (flags & ~SLAB_HWCACHE_ALIGN) != 0 ||
	    (align != 0 && !is_power_of_2(align))) {
		env_log("kmem_cache_create %s: bad size %zu, align %zu or flags %#x",
			name != NULL ? name : "(null)", size, align, flags);
		return NULL;
	}
	/* Linux's rule: a cache line, or the smallest power-of-two share of
	 * one that still holds the object. */
	if (flags & SLAB_HWCACHE_ALIGN) {
		size_t line = HAL_CACHELINE;

		while (size <= line / 2 && line > SLAB_MIN_ALIGN)
			line /= 2;
		if (line > align)
			align = line;
	}
	if (align < SLAB_MIN_ALIGN)
		align = SLAB_MIN_ALIGN;

	if (slab_alloc_bulk(&kmem_cache_cache, &buf, 1) == 0)
		return NULL;
	cache = slab_post_alloc(&kmem_cache_cache, buf, __GFP_ZERO, SLAB_CALLER);
	cache_setup(cache, name, ctor);
	if (!slab_layout(cache, size, align)) {
		env_log("kmem_cache_create %s: objects of %zu bytes (align %zu) do not fit a slab",
			name, size, align);
		slab_pre_free(&kmem_cache_cache, buf, SLAB_CALLER);
		slab_free_bulk(&kmem_cache_cache, &buf, 1);
		return NULL;
	}
	slab_variant_cache_init(cache);

	irq = env_irq_save();
	env_spin_lock(&slab_caches_lock);
	list_add_tail(&cache->cache_list, &slab_caches);
	env_spin_unlock(&slab_caches_lock);
	env_irq_restore(irq);
	return cache;
}

static void slab_cpu_drain(void *cache)
{
	slab_variant_cpu_drain(cache);
}

int kmem_cache_shrink(struct kmem_cache *cache)
{
	env_call_on_each_cpu(slab_cpu_drain, cache);
	slab_variant_reclaim(cache);
	slab_release_empty(cache);
	return 0;
}

static void slab_cpu_drain_all(void *unused)
{
	env_irqflags_t flags = env_irq_save();

	(void)unused;
	env_spin_lock(&slab_caches_lock);
	list_for_each_entry(cache, &slab_caches, struct kmem_cache, cache_list)
		slab_variant_cpu_drain(cache);
	env_spin_unlock(&slab_caches_lock);
	env_irq_restore(flags);
}

uint64_t slab_shrink_all(void)
{
	env_call_on_each_cpu(slab_cpu_drain_all, NULL);
	return slab_reclaim();
}

void kmem_cache_destroy(struct kmem_cache *cache)
{
	void *buf = cache;
	env_irqflags_t flags;
	bool in_use;

	if (cache == NULL)
		return;
	/* Before anything reads it: a destroyed cache is a freed object. */
	if (MM_DEBUG)
		slab_debug_check_live(&kmem_cache_cache, cache, SLAB_CALLER);
	kmem_cache_shrink(cache);

	flags = env_irq_save();
	env_spin_lock(&slab_caches_lock);
	env_spin_lock(&cache->lock);
	in_use = cache->nr_slabs != cache->nr_empty;
	if (!in_use)
		list_del(&cache->cache_list);
	env_spin_unlock(&cache->lock);
	env_spin_unlock(&slab_caches_lock);
	env_irq_restore(flags);

	if (in_use) {
		/* As Linux does: a cache with live objects stays, leaked. */
		env_log("kmem_cache_destroy %s: objects still allocated; cache not destroyed",
			cache->name);
		return;
	}
	slab_release_empty(cache);
	slab_pre_free(&kmem_cache_cache, buf, SLAB_CALLER);
	slab_free_bulk(&kmem_cache_cache, &buf, 1);
}

void *kmem_cache_alloc(struct kmem_cache *cache, gfp_t gfp)
{
	return slab_cache_alloc(cache, gfp, SLAB_CALLER);
}

void kmem_cache_free(struct kmem_cache *cache, void *obj)
{
	if (obj != NULL)
		slab_cache_free(cache, obj, SLAB_CALLER);
}

void slab_init(void)
{
	/* From scratch: the hosted tests start the whole stack over. */
	memset(&kmem_cache_cache, 0, sizeof(kmem_cache_cache));
	cache_setup(&kmem_cache_cache, "kmem_cache", NULL);
	if (!slab_layout(&kmem_cache_cache, slab_variant_cache_size, HAL_CACHELINE))
		env_panic("slab_init: a cache (%zu bytes) does not fit a slab",
			  slab_variant_cache_size);
	list_init(&slab_caches);
	slab_caches_lock = (env_spinlock_t)ENV_SPINLOCK_INIT;
	kmem_magazine_pool_init();
	kmalloc_init();
}

/* Each CPU's share of every cache starts empty, set up when the cache is
 * created; a CPU has nothing of its own to prepare. */
void slab_cpu_init(void)
{
}

uint64_t slab_reclaim(void)
{
	env_irqflags_t flags = env_irq_save();
	uint64_t frames = 0;

	env_spin_lock(&slab_caches_lock);
	list_for_each_entry(cache, &slab_caches, struct kmem_cache, cache_list) {
		slab_variant_reclaim(cache);
		frames += slab_release_empty(cache);
	}
	env_spin_unlock(&slab_caches_lock);
	env_irq_restore(flags);
	/* Last: the caches above may just have freed some of its objects. */
	return frames + slab_release_empty(&kmem_cache_cache);
}

/* ---- Debug mode ---- */

static void slab_debug_init_buf(struct kmem_cache *cache, void *obj)
{
	struct slab_buftag *tag = slab_buftag(cache, obj);
	char *rz_right = (char *)obj + cache->object_size;

	memset((char *)obj - SLAB_REDZONE, SLAB_REDZONE_BYTE, SLAB_REDZONE);
	memset(rz_right, SLAB_REDZONE_BYTE, (size_t)((char *)tag - rz_right));
	tag->bt_state = SLAB_BUFTAG_FREE;
	if (slab_poisons(cache))
		memset(obj, SLAB_POISON_BYTE, cache->object_size);
}

static void slab_check_redzones(struct kmem_cache *cache, const void *obj, const void *caller)
{
	const char *rz_right = (const char *)obj + cache->object_size;
	const char *tag = (const char *)slab_buftag(cache, obj);
	const void *bad;

	bad = mm_poison_find((const char *)obj - SLAB_REDZONE, SLAB_REDZONE, SLAB_REDZONE_BYTE);
	if (bad != NULL)
		env_panic("slab: red zone before object %p in cache %s overwritten at %p (caller %p)",
			  obj, cache->name, bad, caller);
	bad = mm_poison_find(rz_right, (size_t)(tag - rz_right), SLAB_REDZONE_BYTE);
	if (bad != NULL)
		env_panic("slab: red zone after object %p in cache %s overwritten at %p (caller %p)",
			  obj, cache->name, bad, caller);
}

void slab_debug_alloc(struct kmem_cache *cache, void *obj, const void *caller)
{
	struct slab_buftag *tag = slab_buftag(cache, obj);
	uint64_t state = __atomic_exchange_n(&tag->bt_state, SLAB_BUFTAG_ALLOC, __ATOMIC_RELAXED);
	const void *bad;

	if (state != SLAB_BUFTAG_FREE)
		env_panic("slab: object %p in cache %s handed out while %s (caller %p)", obj,
			  cache->name, state == SLAB_BUFTAG_ALLOC ? "allocated" : "corrupt", caller);
	slab_check_redzones(cache, obj, caller);
	if (slab_poisons(cache)) {
		bad = mm_poison_find(obj, cache->object_size, SLAB_POISON_BYTE);
		if (bad != NULL)
			env_panic("slab: use after free: object %p in cache %s written at %p while free "
				  "(found allocating for %p)",
				  obj, cache->name, bad, caller);
	}
}

/* Panics unless obj is the start of an object of cache. */
static void slab_debug_check_object(struct kmem_cache *cache, const void *obj,
				    const void *caller)
{
	uint64_t pfn = PFN_OF(hal_virt_to_phys(obj));
	struct page *head;
	size_t offset;

	if (!pfn_valid(pfn))
		env_panic("slab: free of %p, which is not in RAM, to cache %s (caller %p)", obj,
			  cache->name, caller);
	head = slab_head_page(obj);
	if (!(head->flags & PG_slab))
		env_panic("slab: free of %p, which is not a slab object, to cache %s (caller %p)",
			  obj, cache->name, caller);
	if (head->slab.cache != cache)
		env_panic("slab: free of object %p of cache %s into the wrong cache %s (caller %p)",
			  obj, head->slab.cache->name, cache->name, caller);
	offset = (size_t)((const char *)obj - (const char *)page_to_virt(head));
	if (offset < cache->obj_offset || (offset - cache->obj_offset) % cache->buf_size != 0 ||
	    (offset - cache->obj_offset) / cache->buf_size >= cache->objects)
		env_panic("slab: free of %p in cache %s: not an object start (caller %p)", obj,
			  cache->name, caller);
}

/* Panics unless state (of obj's buftag) says allocated. */
static void slab_debug_check_state(struct kmem_cache *cache, const void *obj, uint64_t state,
				   const void *caller)
{
	if (state == SLAB_BUFTAG_FREE)
		env_panic("slab: double free of object %p in cache %s (caller %p)", obj, cache->name,
			  caller);
	if (state != SLAB_BUFTAG_ALLOC)
		env_panic("slab: free of object %p in cache %s: buffer state corrupt (caller %p)", obj,
			  cache->name, caller);
}

void slab_debug_check_live(struct kmem_cache *cache, const void *obj, const void *caller)
{
	slab_debug_check_object(cache, obj, caller);
	slab_debug_check_state(cache, obj,
			       __atomic_load_n(&slab_buftag(cache, obj)->bt_state, __ATOMIC_RELAXED),
			       caller);
}

void slab_debug_free(struct kmem_cache *cache, const void *obj, const void *caller)
{
	slab_debug_check_object(cache, obj, caller);
	/* One exchange: of two CPUs freeing the object at once, one sees FREE. */
	slab_debug_check_state(cache, obj,
			       __atomic_exchange_n(&slab_buftag(cache, obj)->bt_state,
						   SLAB_BUFTAG_FREE, __ATOMIC_RELAXED),
			       caller);
	slab_check_redzones(cache, obj, caller);
	if (slab_poisons(cache))
		memset((void *)obj, SLAB_POISON_BYTE, cache->object_size);
}
