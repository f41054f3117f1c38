/*
 * mm/slab_magazine.c - SLAB=magazine, the default: per-CPU magazines and a
 * lock-free depot in front of the slab layer (Bonwick and Adams,
 * "Magazines and Vmem", USENIX 2001; the names follow the paper and
 * illumos kmem.c).
 *
 * Layers, from the caller down:
 *
 *   CPU layer    per cache and CPU (struct kmem_cpu_cache): the loaded
 *                magazine cc_loaded, whose rounds are the per-CPU stack
 *                cc_stack (slots: its mag_round, count: its rounds, cap:
 *                the magazine size), and the previously loaded one,
 *                cc_ploaded, holding cc_prounds. Allocation pops a round
 *                from the loaded magazine, free pushes one: one
 *                env_cpu_stack_pop or _push, atomic with respect to
 *                interrupts without masking them, no lock, no atomic
 *                instruction (the fast path).
 *   depot        per cache: a list of full magazines and a list of empty
 *                ones (mm/depot.c), lock-free. A CPU whose two magazines
 *                are both empty (allocating) or both full (freeing)
 *                exchanges one with the depot.
 *   slab layer   mm/slab.c, under the cache lock: where objects come from
 *                when the depot has no full magazine, and where they go
 *                when there is no magazine to put them in.
 *
 * Invariants of the CPU layer (this CPU only; the fast paths change
 * cc_stack's count, everything else changes with interrupts off):
 *   - cc_stack is {NULL, 0, 0} iff cc_loaded is NULL, else {its
 *     mag_round, its rounds, cc_magsize}; cc_prounds is -1 iff cc_ploaded
 *     is NULL; a CPU starts with both NULL;
 *   - cc_ploaded is NULL, empty or full (cc_magsize rounds), never partly
 *     full; cc_loaded may be anything. So an allocation that finds the
 *     loaded magazine empty either swaps in a non-empty previous one, or
 *     trades an empty magazine for a full one at the depot; a free that
 *     finds it full either swaps in an empty previous one, or trades a
 *     full one for an empty one;
 *   - every magazine on a depot's full list holds exactly cc_magsize
 *     rounds, every one on its empty list none.
 *
 * Where the depot has no full magazine, the allocation slow path fills
 * the loaded (empty) magazine from the slab layer with one lock hold
 * (slab_alloc_bulk), rather than taking one object at a time as the paper
 * does: a cold cache then pays one lock per magazine, not per object.
 * Symmetrically, when the depot already holds KMEM_DEPOT_MAX_FULL full
 * magazines, or no empty magazine can be had (the pool is exhausted), a
 * free with both magazines full returns the previous one's rounds to the
 * slabs in one lock hold and reuses it. That cap is also what bounds the
 * magazine pool, which never shrinks. With no magazine at all, objects go
 * to and come from the slab layer one at a time.
 *
 * Magazine size: cc_magsize = min(KMEM_MAGAZINE_ROUNDS,
 * KMEM_MAGAZINE_MAX_BYTES / buffer size), at least 1, as the paper sizes
 * magazines by object size: it bounds what one CPU strands in one cache.
 *
 * Objects freed on another CPU than the one that allocated them simply go
 * into the freeing CPU's magazine: an object belongs to its cache, not to
 * a CPU.
 *
 * Reclaim: slab_variant_reclaim (any CPU, any context, from
 * slab_reclaim) empties the depot: the rounds of its full magazines go
 * back to the slabs, its magazines to the pool. A CPU's own magazines are
 * only ever touched by that CPU: slab_variant_cpu_drain empties them, run
 * on each CPU by kmem_cache_shrink through env_call_on_each_cpu.
 *
 * Context: alloc and free run in any context, on any CPU. The CPU layer is
 * consistent at every instruction boundary of a fast path (env_cpu_stack_*
 * restarts an interrupted one), so a drain call, or an interrupt handler
 * allocating, may arrive at any point where interrupts are on. The slow
 * paths keep
 * interrupts off while they call the depot and the slab layer; the slab
 * layer may call alloc_pages, and growing the magazine pool does: with no
 * lock held.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mm/env.h>
#include <mm/gfp.h>
#include <mm/hal.h>

#include "depot.h"
#include "slab_internal.h"

/*
 * Bytes of objects one magazine of a cache may hold: small objects get
 * KMEM_MAGAZINE_ROUNDS rounds, an 8 KiB object 2. With two magazines per
 * CPU, a CPU strands at most 32 KiB per cache of big objects, whatever the
 * number of rounds.
 */
#define KMEM_MAGAZINE_MAX_BYTES (16u << 10)

/*
 * Full magazines a depot keeps at most. The depot passes objects from
 * CPUs that free to CPUs that allocate and absorbs bursts; 64 magazines
 * (960 small objects) cover a burst of that many frees per cache. Beyond
 * it, a CPU with two full magazines returns the previous one's rounds to
 * the slab layer in one lock hold and reuses it, instead of taking a new
 * magazine from the pool, whose chunks are never freed. So a cache never
 * owns more than 2 magazines per CPU + KMEM_DEPOT_MAX_FULL + a few (one per
 * CPU racing past the limit), however many objects are freed at once.
 */
#define KMEM_DEPOT_MAX_FULL 64
_Static_assert(KMEM_DEPOT_MAX_FULL >= 1 && KMEM_DEPOT_MAX_FULL <= 65536,
	       "KMEM_DEPOT_MAX_FULL out of range");

struct kmem_cpu_cache {
	_Alignas(ENV_CPU_STACK_STRIDE) struct env_cpu_stack cc_stack; /* cc_loaded's rounds */
	struct kmem_magazine *cc_loaded;
	struct kmem_magazine *cc_ploaded;
	int cc_prounds;         /* rounds in cc_ploaded; -1 if it is NULL */
	int cc_magsize;         /* rounds of a full magazine of this cache */
};

_Static_assert(sizeof(struct kmem_cpu_cache) == ENV_CPU_STACK_STRIDE,
	       "mc_cpu[] is the per-CPU stack array of env_cpu_stack_*");

struct kmem_depot {
	struct kmem_maglist depot_full;
	struct kmem_maglist depot_empty;
	/* Magazines on depot_full, give or take those being pushed or
	 * popped right now: only compared with KMEM_DEPOT_MAX_FULL. */
	_Atomic int depot_nfull;
};

struct magazine_cache {
	struct kmem_cache mc_cache;     /* first: what slab.c knows */
	_Alignas(HAL_CACHELINE) struct kmem_depot mc_depot;
	int mc_magsize;                 /* rounds of this cache's full magazines */
	struct kmem_cpu_cache mc_cpu[ENV_MAX_CPUS];
};

_Static_assert(_Alignof(struct magazine_cache) <= HAL_CACHELINE,
	       "slab.c aligns caches to a cache line");

const char slab_variant[] = "magazine";
const size_t slab_variant_cache_size = sizeof(struct magazine_cache);

static inline struct magazine_cache *to_mc(struct kmem_cache *cache)
{
	return (struct magazine_cache *)cache;
}

void slab_variant_cache_init(struct kmem_cache *cache)
{
	struct magazine_cache *mc = to_mc(cache);
	uint32_t magsize = KMEM_MAGAZINE_MAX_BYTES / cache->buf_size;

	if (magsize < 1)
		magsize = 1;
	if (magsize > KMEM_MAGAZINE_ROUNDS)
		magsize = KMEM_MAGAZINE_ROUNDS;
	mc->mc_magsize = (int)magsize;
	kmem_maglist_init(&mc->mc_depot.depot_full);
	kmem_maglist_init(&mc->mc_depot.depot_empty);
	atomic_init(&mc->mc_depot.depot_nfull, 0);
	for (unsigned cpu = 0; cpu < ENV_MAX_CPUS; cpu++) {
		struct kmem_cpu_cache *cc = &mc->mc_cpu[cpu];

		cc->cc_stack = (struct env_cpu_stack){ NULL, 0, 0 };
		cc->cc_loaded = cc->cc_ploaded = NULL;
		cc->cc_prounds = -1;
		cc->cc_magsize = mc->mc_magsize;
	}
}

/* ---- The depot ---- */

static struct kmem_magazine *depot_get_full(struct kmem_depot *dp)
{
	struct kmem_magazine *mag = kmem_depot_alloc(&dp->depot_full);

	if (mag != NULL)
		atomic_fetch_sub_explicit(&dp->depot_nfull, 1, memory_order_relaxed);
	return mag;
}

static void depot_put_full(struct kmem_depot *dp, struct kmem_magazine *mag)
{
	kmem_depot_free(&dp->depot_full, mag);
	atomic_fetch_add_explicit(&dp->depot_nfull, 1, memory_order_relaxed);
}

static bool depot_full_at_limit(struct kmem_depot *dp)
{
	return atomic_load_explicit(&dp->depot_nfull, memory_order_relaxed) >=
	       KMEM_DEPOT_MAX_FULL;
}

/* An empty magazine from the depot, else from the pool; NULL if none. */
static struct kmem_magazine *depot_get_empty(struct kmem_depot *dp)
{
	struct kmem_magazine *mag = kmem_depot_alloc(&dp->depot_empty);

	return mag != NULL ? mag : kmem_magazine_alloc();
}

/* ---- The CPU layer ---- */

/* This CPU's stacks, for env_cpu_stack_*: each CPU finds its own. */
static inline struct env_cpu_stack *mc_stacks(struct magazine_cache *mc)
{
	return &mc->mc_cpu[0].cc_stack;
}

/* Makes mag (holding rounds; NULL with -1) the loaded magazine; the loaded
 * one becomes the previous one. The caller has dealt with the previous
 * one. Interrupts off. */
static inline void cc_load(struct kmem_cpu_cache *cc, struct kmem_magazine *mag, int rounds)
{
	cc->cc_ploaded = cc->cc_loaded;
	cc->cc_prounds = cc->cc_loaded != NULL ? (int)cc->cc_stack.count : -1;
	cc->cc_loaded = mag;
	if (mag != NULL)
		cc->cc_stack = (struct env_cpu_stack){ mag->mag_round, (uint32_t)rounds,
						       (uint32_t)cc->cc_magsize };
	else
		cc->cc_stack = (struct env_cpu_stack){ NULL, 0, 0 };
}

static inline void cc_swap(struct kmem_cpu_cache *cc)
{
	cc_load(cc, cc->cc_ploaded, cc->cc_prounds);
}

/* The fast path missed: refill, then hand out as slab_cache_alloc does. */
static __attribute__((noinline)) void *magazine_alloc_slow(struct magazine_cache *mc, gfp_t gfp,
							  const void *caller)
{
	struct kmem_cache *cache = &mc->mc_cache;
	env_irqflags_t flags = env_irq_save();
	struct kmem_cpu_cache *cc = &mc->mc_cpu[env_cpu_id()];
	struct kmem_magazine *mag;
	void *obj = NULL;
	unsigned got;

	for (;;) {
		if (cc->cc_stack.count > 0) {
			obj = cc->cc_stack.slots[--cc->cc_stack.count];
			break;
		}
		if (cc->cc_prounds > 0) {
			cc_swap(cc);
			continue;
		}
		/* Both empty (or NULL): trade the previous one for a full one. */
		mag = depot_get_full(&mc->mc_depot);
		if (mag != NULL) {
			if (cc->cc_ploaded != NULL)
				kmem_depot_free(&mc->mc_depot.depot_empty, cc->cc_ploaded);
			cc_load(cc, mag, cc->cc_magsize);
			continue;
		}
		/* No full magazine anywhere: fill the loaded one from the slabs. */
		if (cc->cc_loaded == NULL) {
			mag = depot_get_empty(&mc->mc_depot);
			if (mag == NULL) {
				if (slab_alloc_bulk(cache, &obj, 1) == 0)
					obj = NULL;
				break;
			}
			cc_load(cc, mag, 0);
		}
		got = slab_alloc_bulk(cache, cc->cc_stack.slots, cc->cc_stack.cap);
		if (got == 0)
			break;
		cc->cc_stack.count = got;
	}
	env_irq_restore(flags);
	return slab_post_alloc(cache, obj, gfp, caller);
}

static __attribute__((noinline)) void magazine_free_slow(struct magazine_cache *mc, void *obj)
{
	env_irqflags_t flags = env_irq_save();
	struct kmem_cpu_cache *cc = &mc->mc_cpu[env_cpu_id()];
	struct kmem_magazine *mag;

	for (;;) {
		if (cc->cc_stack.count < cc->cc_stack.cap) {
			cc->cc_stack.slots[cc->cc_stack.count++] = obj;
			break;
		}
		if (cc->cc_prounds == 0) {
			cc_swap(cc);
			continue;
		}
		/* Both full (or NULL): trade the previous one for an empty one,
		 * unless the depot holds enough full ones already. */
		mag = NULL;
		if (cc->cc_ploaded == NULL || !depot_full_at_limit(&mc->mc_depot))
			mag = depot_get_empty(&mc->mc_depot);
		if (mag != NULL) {
			if (cc->cc_ploaded != NULL)
				depot_put_full(&mc->mc_depot, cc->cc_ploaded);
			cc_load(cc, mag, 0);
			continue;
		}
		/* Depot full, or no magazine to be had: the previous one's
		 * rounds go back to the slabs, and it becomes the empty one. */
		if (cc->cc_ploaded != NULL) {
			slab_free_bulk(&mc->mc_cache, cc->cc_ploaded->mag_round,
				       (unsigned)cc->cc_prounds);
			cc->cc_prounds = 0;
			continue;
		}
		/* No magazine at all: the object goes back to its slab. */
		slab_free_bulk(&mc->mc_cache, &obj, 1);
		break;
	}
	env_irq_restore(flags);
}

/* The fast path pops a round of this CPU's loaded magazine. */
void *slab_cache_alloc(struct kmem_cache *cache, gfp_t gfp, const void *caller)
{
	struct magazine_cache *mc = to_mc(cache);
	void *obj = env_cpu_stack_pop(mc_stacks(mc));

	if (__builtin_expect(obj == NULL, 0))
		return magazine_alloc_slow(mc, gfp, caller);
	if (__builtin_expect(MM_DEBUG || (gfp & __GFP_ZERO), 0))
		return slab_post_alloc_out_of_line(cache, obj, gfp, caller);
	return obj;
}

void slab_cache_free(struct kmem_cache *cache, void *obj, const void *caller)
{
	struct magazine_cache *mc = to_mc(cache);

	slab_pre_free(cache, obj, caller);
	if (__builtin_expect(!env_cpu_stack_push(mc_stacks(mc), obj), 0))
		magazine_free_slow(mc, obj);
}

/* ---- Draining ---- */

/* The rounds of a magazine back to the slabs, the magazine to the pool. */
static void magazine_empty_into_slabs(struct kmem_cache *cache, struct kmem_magazine *mag,
				      int rounds)
{
	if (rounds > 0)
		slab_free_bulk(cache, mag->mag_round, (unsigned)rounds);
	kmem_magazine_free(mag);
}

void slab_variant_cpu_drain(struct kmem_cache *cache)
{
	env_irqflags_t flags = env_irq_save();
	struct kmem_cpu_cache *cc = &to_mc(cache)->mc_cpu[env_cpu_id()];

	if (cc->cc_loaded != NULL)
		magazine_empty_into_slabs(cache, cc->cc_loaded, (int)cc->cc_stack.count);
	if (cc->cc_ploaded != NULL)
		magazine_empty_into_slabs(cache, cc->cc_ploaded, cc->cc_prounds);
	cc->cc_stack = (struct env_cpu_stack){ NULL, 0, 0 };
	cc->cc_loaded = cc->cc_ploaded = NULL;
	cc->cc_prounds = -1;
	env_irq_restore(flags);
}

void slab_variant_reclaim(struct kmem_cache *cache)
{
	struct magazine_cache *mc = to_mc(cache);
	int magsize = mc->mc_magsize;
	struct kmem_magazine *mag;

	while ((mag = depot_get_full(&mc->mc_depot)) != NULL)
		magazine_empty_into_slabs(cache, mag, magsize);
	while ((mag = kmem_depot_alloc(&mc->mc_depot.depot_empty)) != NULL)
		kmem_magazine_free(mag);
}
