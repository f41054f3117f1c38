/*
 * mm/slab_slub.c - SLAB=slub, the rival: Linux's SLUB (Christoph Lameter,
 * 2007; mm/slub.c), written here from its design, over the same slabs,
 * cache lock and retention policy as the other variants (mm/slab.c).
 *
 * No layer of cached objects above the slabs: each CPU allocates from a
 * slab of its own, the CPU slab, whose free objects it has taken onto a
 * private list, the CPU freelist, linked through the objects themselves.
 *
 *   CPU freelist  per cache and CPU (struct slub_cpu): c_list, whose head
 *                 is the first free object and whose owner is the CPU
 *                 slab's head page. Allocation pops the head; a free of
 *                 an object of the CPU slab pushes it. Each is one
 *                 env_cpu_list_pop or _push: a restartable sequence, no
 *                 lock, no atomic instruction, interrupts left on.
 *   slab word     per slab, in its head page (page->slab.state): the
 *                 slab's own free list (objects freed by CPUs that do not
 *                 hold it), how many objects are in use (not on that
 *                 list) and the frozen bit: a frozen slab is held by one
 *                 CPU, as its CPU slab or on its partial list. Changed
 *                 only by compare-and-swap.
 *   CPU partial   per cache and CPU, c_partial: frozen slabs this CPU
 *                 took when a free found them full, or filled in from
 *                 the cache's list, to become its CPU slab later, at most
 *                 s_cpu_partial of them (Linux's set_cpu_partial sizes:
 *                 2 x 6, 24, 52 or 120 objects by object size, in slabs).
 *   cache lists   cache->slabs_partial and slabs_empty (mm/slab.c's,
 *                 under cache->lock): slabs no CPU holds that have free
 *                 objects. A slab no CPU holds with none free is on no
 *                 list, as in Linux.
 *
 * The fast paths. Linux's pop and push change the CPU freelist and a
 * transaction id together with one cmpxchg16b, so that a task moved to
 * another CPU, or an interrupt, between reading and committing is
 * caught; where the CPU has no double-word compare-and-swap, Linux turns
 * interrupts off. Here there is no preemption, so only interrupts can
 * tear an operation, and the environment's restartable sequences already
 * make one safe against them at the cost of a few plain instructions
 * (the kernel's arch/cpu_seq.h): a torn pop or push starts over. That
 * avoids cmpxchg16b, which QEMU's TCG may run with every vCPU stopped
 * (DESIGN.md), and the cost of pushf/cli/popf, and it is the same
 * mechanism the magazines' fast paths use, so the two designs are raced
 * with equal tools.
 *
 * The slab word. Linux changes a slab's free-list pointer and its
 * counters (inuse, objects, frozen) together with cmpxchg16b too. Here
 * both fit in 64 bits, so one ordinary compare-and-swap does: the head
 * of the free list as an 8-byte index into the slab plus one (0: empty;
 * a slab is at most 128 KiB, 16,384 indexes), inuse in the next 16 bits,
 * then the frozen bit. Every change is either a push of one object or
 * chain, or taking the whole list, so an ABA cannot misplace an object.
 *
 * Who changes what:
 *   - the CPU freelist and c_partial: their CPU only, the lists'
 *     fast paths with interrupts on, everything else with them off;
 *   - a frozen slab's word: its CPU takes the whole list (inuse becomes
 *     objects), or gives its remaining objects back and unfreezes it,
 *     under the cache lock; any CPU pushes a freed object;
 *   - an unfrozen slab's word: any CPU pushes a freed object. A free
 *     into a full slab also freezes it, and that CPU puts it on its own
 *     partial list, taking no lock, as Linux does. A free that would
 *     empty it takes the cache lock first, so the slab cannot be taken
 *     from the partial list meanwhile, and moves it to slabs_empty. An
 *     allocating CPU freezes and empties it under the lock;
 *   - the cache lists and counts: under cache->lock, interrupts off.
 * Invariants, for an unfrozen slab, under the cache lock: inuse == 0 iff
 * on slabs_empty; otherwise on slabs_partial iff its list is not empty.
 * Empty slabs beyond KMEM_EMPTY_SLABS_RETAINED go back to the buddy, as
 * with the other variants; frozen ones wait until their CPU lets go.
 *
 * Context: alloc and free run in any context on any CPU; their slow paths
 * run with interrupts off and may call the page allocator (slab_create)
 * with no lock held. slab_variant_cpu_drain runs on the CPU concerned and
 * unfreezes everything it holds. slab_variant_reclaim has nothing to do:
 * whatever any CPU may take back is on the cache's lists already.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/env.h>
#include <mm/gfp.h>
#include <mm/hal.h>
#include <mm/list.h>

#include "slab_internal.h"

#define SLUB_HEAD 0xffffull
#define SLUB_INUSE_SHIFT 16
#define SLUB_FROZEN (1ull << 32)

_Static_assert((((size_t)HAL_PAGE_SIZE << KMEM_SLAB_MAX_ORDER) >> 3) < SLUB_HEAD,
	       "a slab's 8-byte indexes fit the slab word's head field");

struct slub_cpu {
	_Alignas(ENV_CPU_STACK_STRIDE) struct env_cpu_list c_list;
	struct list_head c_partial;     /* frozen slabs, through page->list */
	uint32_t c_nr_partial;
};

_Static_assert(sizeof(struct slub_cpu) == ENV_CPU_STACK_STRIDE,
	       "s_cpu[] is the per-CPU list array of env_cpu_list_*");

struct slub_cache {
	struct kmem_cache s_cache;      /* first: what slab.c knows */
	uint32_t s_cpu_partial;         /* slabs on a CPU's partial list, at most */
	struct slub_cpu s_cpu[ENV_MAX_CPUS];
};

_Static_assert(_Alignof(struct slub_cache) <= HAL_CACHELINE,
	       "slab.c aligns caches to a cache line");

const char slab_variant[] = "slub";
const size_t slab_variant_cache_size = sizeof(struct slub_cache);

static inline struct slub_cache *to_sc(struct kmem_cache *cache)
{
	return (struct slub_cache *)cache;
}

/* This CPU's list, for env_cpu_list_*: each CPU finds its own. */
static inline struct env_cpu_list *sc_lists(struct slub_cache *sc)
{
	return &sc->s_cpu[0].c_list;
}

void slab_variant_cache_init(struct kmem_cache *cache)
{
	struct slub_cache *sc = to_sc(cache);
	uint32_t objects = cache->buf_size >= HAL_PAGE_SIZE ? 6
			   : cache->buf_size >= 1024        ? 24
			   : cache->buf_size >= 256         ? 52
							    : 120;

	sc->s_cpu_partial = (2 * objects + cache->objects - 1) / cache->objects;
	for (unsigned cpu = 0; cpu < ENV_MAX_CPUS; cpu++) {
		struct slub_cpu *c = &sc->s_cpu[cpu];

		c->c_list = (struct env_cpu_list){ NULL, NULL, cache->free_offset };
		list_init(&c->c_partial);
		c->c_nr_partial = 0;
	}
}

/* ---- The slab word ---- */

static inline void **slub_link(const struct kmem_cache *cache, void *obj)
{
	return (void **)((char *)obj + cache->free_offset);
}

static inline uint64_t slub_index(const struct page *slab, const void *obj)
{
	return (((uintptr_t)obj - (uintptr_t)page_to_virt(slab)) >> 3) + 1;
}

/* The head of the slab's free list in state, or NULL. */
static inline void *slub_head(const struct page *slab, uint64_t state)
{
	uint64_t i = state & SLUB_HEAD;

	return i == 0 ? NULL : (char *)page_to_virt(slab) + ((i - 1) << 3);
}

static inline uint32_t slub_inuse(uint64_t state)
{
	return (uint32_t)(state >> SLUB_INUSE_SHIFT) & SLUB_HEAD;
}

static inline uint64_t slub_word(uint64_t head, uint32_t inuse, uint64_t frozen)
{
	return head | (uint64_t)inuse << SLUB_INUSE_SHIFT | frozen;
}

static inline bool slub_cas(struct page *slab, uint64_t *old, uint64_t new)
{
	return __atomic_compare_exchange_n(&slab->slab.state, old, new, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* Takes the slab's whole free list, leaving it frozen with every object
 * in use; the list's first object, or NULL (and nothing changed) if it
 * was empty. Its CPU, or a CPU freezing it under the cache lock. */
static void *slub_take_all(struct kmem_cache *cache, struct page *slab)
{
	uint64_t old = __atomic_load_n(&slab->slab.state, __ATOMIC_ACQUIRE);

	do {
		if ((old & SLUB_HEAD) == 0)
			return NULL;
	} while (!slub_cas(slab, &old, slub_word(0, cache->objects, SLUB_FROZEN)));
	return slub_head(slab, old);
}

/*
 * This CPU lets go of a frozen slab: the n objects first..last (a chain
 * through their links; none if n is 0) go back onto the slab's list, and
 * the slab goes on the cache list its state calls for. Cache lock held,
 * interrupts off.
 */
static void slub_unfreeze(struct kmem_cache *cache, struct page *slab, void *first, void *last,
			  uint32_t n)
{
	uint64_t old = __atomic_load_n(&slab->slab.state, __ATOMIC_ACQUIRE), new;

	MM_ASSERT_SPIN_HELD(&cache->lock);
	do {
		uint64_t head = old & SLUB_HEAD;

		if (MM_DEBUG && (!(old & SLUB_FROZEN) || slub_inuse(old) < n))
			env_panic("slub: cache %s: slab %p unfrozen in state %#llx with %u objects",
				  cache->name, (void *)slab, (unsigned long long)old, n);
		if (n > 0) {
			*slub_link(cache, last) = slub_head(slab, old);
			head = slub_index(slab, first);
		}
		new = slub_word(head, slub_inuse(old) - n, 0);
	} while (!slub_cas(slab, &old, new));
	if (slub_inuse(new) == 0) {
		list_add(&slab->list, &cache->slabs_empty);
		cache->nr_empty++;
	} else if (new & SLUB_HEAD) {
		list_add_tail(&slab->list, &cache->slabs_partial);
	}
}

/* Unlocks cache, first trimming its empty slabs to the retention limit;
 * the rest go back to the buddy after the unlock. Interrupts off. */
static void slub_unlock(struct kmem_cache *cache)
{
	struct list_head doomed = LIST_HEAD_INIT(doomed);

	slab_take_empty(cache, KMEM_EMPTY_SLABS_RETAINED, &doomed);
	env_spin_unlock(&cache->lock);
	slab_destroy_list(cache, &doomed);
}

/* ---- This CPU's slabs (interrupts off) ---- */

/* The CPU slab goes, with the objects left on the CPU freelist. */
static void slub_deactivate(struct slub_cache *sc, struct slub_cpu *c)
{
	struct kmem_cache *cache = &sc->s_cache;
	struct page *slab = (struct page *)c->c_list.owner;
	void *first = c->c_list.head, *last = NULL;
	uint32_t n = 0;

	for (void *obj = first; obj != NULL; obj = *slub_link(cache, obj)) {
		last = obj;
		n++;
	}
	c->c_list.head = NULL;
	c->c_list.owner = NULL;
	env_spin_lock(&cache->lock);
	slub_unfreeze(cache, slab, first, last, n);
	slub_unlock(cache);
}

/* Every slab on this CPU's partial list goes to the cache's lists. */
static void slub_unfreeze_partials(struct slub_cache *sc, struct slub_cpu *c)
{
	struct kmem_cache *cache = &sc->s_cache;

	env_spin_lock(&cache->lock);
	while (!list_empty(&c->c_partial)) {
		struct page *slab = list_first_entry(&c->c_partial, struct page, list);

		list_del(&slab->list);
		slub_unfreeze(cache, slab, NULL, NULL, 0);
	}
	c->c_nr_partial = 0;
	slub_unlock(cache);
}

/* A free froze slab (it was full): it joins this CPU's partial list,
 * which goes to the cache's lists first if it is at its limit. */
static void slub_put_cpu_partial(struct slub_cache *sc, struct page *slab)
{
	struct slub_cpu *c = &sc->s_cpu[env_cpu_id()];

	if (c->c_nr_partial >= sc->s_cpu_partial)
		slub_unfreeze_partials(sc, c);
	list_add_tail(&slab->list, &c->c_partial);
	c->c_nr_partial++;
}

/* A CPU slab from the cache's lists (partial slabs before empty ones), and
 * this CPU's partial list filled halfway from them, as Linux's
 * get_partial_node does, so the next refills take no lock. False if the
 * lists are empty. */
static bool slub_get_partial(struct slub_cache *sc, struct slub_cpu *c)
{
	struct kmem_cache *cache = &sc->s_cache;
	struct page *slab;

	env_spin_lock(&cache->lock);
	if (!list_empty(&cache->slabs_partial)) {
		slab = list_first_entry(&cache->slabs_partial, struct page, list);
	} else if (!list_empty(&cache->slabs_empty)) {
		slab = list_first_entry(&cache->slabs_empty, struct page, list);
		cache->nr_empty--;
	} else {
		env_spin_unlock(&cache->lock);
		return false;
	}
	list_del(&slab->list);
	c->c_list.head = slub_take_all(cache, slab);
	c->c_list.owner = slab;
	while (c->c_nr_partial < sc->s_cpu_partial / 2 && !list_empty(&cache->slabs_partial)) {
		slab = list_first_entry(&cache->slabs_partial, struct page, list);
		list_del(&slab->list);
		__atomic_fetch_or(&slab->slab.state, SLUB_FROZEN, __ATOMIC_ACQ_REL);
		list_add_tail(&slab->list, &c->c_partial);
		c->c_nr_partial++;
	}
	env_spin_unlock(&cache->lock);
	return true;
}

/* ---- Allocation and free ---- */

/* The CPU freelist is empty: refill it, then hand out as slab_cache_alloc. */
static __attribute__((noinline)) void *slub_alloc_slow(struct slub_cache *sc, gfp_t gfp,
						      const void *caller)
{
	struct kmem_cache *cache = &sc->s_cache;
	env_irqflags_t flags = env_irq_save();
	struct slub_cpu *c = &sc->s_cpu[env_cpu_id()];
	void *obj;

	for (;;) {
		struct page *slab;

		obj = c->c_list.head;
		if (obj != NULL) {
			c->c_list.head = *slub_link(cache, obj);
			break;
		}
		if (c->c_list.owner != NULL) {
			/* What other CPUs freed into the CPU slab, or it goes. */
			c->c_list.head = slub_take_all(cache, (struct page *)c->c_list.owner);
			if (c->c_list.head == NULL)
				slub_deactivate(sc, c);
			continue;
		}
		if (!list_empty(&c->c_partial)) {
			slab = list_first_entry(&c->c_partial, struct page, list);
			list_del(&slab->list);
			c->c_nr_partial--;
			c->c_list.owner = slab;
			continue;
		}
		if (slub_get_partial(sc, c))
			continue;
		slab = slab_create(cache);
		if (slab == NULL)
			break;
		env_spin_lock(&cache->lock);
		cache->nr_slabs++;
		env_spin_unlock(&cache->lock);
		obj = slab->slab.freelist;
		__atomic_store_n(&slab->slab.state, slub_word(0, cache->objects, SLUB_FROZEN),
				 __ATOMIC_RELEASE);
		c->c_list.head = *slub_link(cache, obj);
		c->c_list.owner = slab;
		break;
	}
	env_irq_restore(flags);
	return slab_post_alloc(cache, obj, gfp, caller);
}

/* The object is not of this CPU's slab: onto its slab's own list. */
static __attribute__((noinline)) void slub_free_slow(struct slub_cache *sc, struct page *slab,
						    void *obj)
{
	struct kmem_cache *cache = &sc->s_cache;
	env_irqflags_t flags = env_irq_save();
	uint64_t old = __atomic_load_n(&slab->slab.state, __ATOMIC_ACQUIRE), new;
	bool locked = false;

	for (;;) {
		void *prior = slub_head(slab, old);
		uint32_t inuse = slub_inuse(old) - 1;

		new = slub_word(slub_index(slab, obj), inuse, old & SLUB_FROZEN);
		if (!(old & SLUB_FROZEN)) {
			if (prior == NULL) {
				new |= SLUB_FROZEN; /* it was full: this CPU takes it */
			} else if (inuse == 0 && !locked) {
				/* It leaves the partial list: lock first, so
				 * that no CPU takes it from there meanwhile. */
				env_spin_lock(&cache->lock);
				locked = true;
				old = __atomic_load_n(&slab->slab.state, __ATOMIC_ACQUIRE);
				continue;
			}
		}
		*slub_link(cache, obj) = prior;
		if (slub_cas(slab, &old, new))
			break;
	}
	if (!(old & SLUB_FROZEN) && (new & SLUB_FROZEN)) {
		slub_put_cpu_partial(sc, slab);
	} else if (locked) {
		/* Empty, unless a CPU froze it before the lock was had. */
		if ((new & ~SLUB_HEAD) == 0) {
			list_del(&slab->list);
			list_add(&slab->list, &cache->slabs_empty);
			cache->nr_empty++;
		}
		slub_unlock(cache);
	}
	env_irq_restore(flags);
}

/* The fast path pops the head of this CPU's freelist. */
void *slab_cache_alloc(struct kmem_cache *cache, gfp_t gfp, const void *caller)
{
	struct slub_cache *sc = to_sc(cache);
	void *obj = env_cpu_list_pop(sc_lists(sc));

	if (__builtin_expect(obj == NULL, 0))
		return slub_alloc_slow(sc, gfp, caller);
	if (__builtin_expect(MM_DEBUG || (gfp & __GFP_ZERO), 0))
		return slab_post_alloc_out_of_line(cache, obj, gfp, caller);
	return obj;
}

/* The fast path pushes onto this CPU's freelist if the object is of its
 * slab. */
void slab_cache_free(struct kmem_cache *cache, void *obj, const void *caller)
{
	struct slub_cache *sc = to_sc(cache);
	struct page *slab;

	slab_pre_free(cache, obj, caller);
	slab = slab_head_page(obj);
	if (__builtin_expect(!env_cpu_list_push(sc_lists(sc), slab, obj), 0))
		slub_free_slow(sc, slab, obj);
}

/* ---- Draining ---- */

void slab_variant_cpu_drain(struct kmem_cache *cache)
{
	struct slub_cache *sc = to_sc(cache);
	env_irqflags_t flags = env_irq_save();
	struct slub_cpu *c = &sc->s_cpu[env_cpu_id()];

	if (c->c_list.owner != NULL)
		slub_deactivate(sc, c);
	if (c->c_nr_partial > 0)
		slub_unfreeze_partials(sc, c);
	env_irq_restore(flags);
}

void slab_variant_reclaim(struct kmem_cache *cache)
{
	(void)cache;
}
