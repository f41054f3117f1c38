/*
 * mm/depot.h - magazines, and the lock-free lists that a cache's depot
 * keeps them on (Bonwick and Adams, "Magazines and Vmem", 2001). See
 * mm/depot.c for the design; mm/slab_magazine.c uses it.
 *
 * A magazine holds up to KMEM_MAGAZINE_ROUNDS object pointers (its rounds).
 * Magazines come from a global pool that grows in chunks of pages and
 * never gives a chunk back, so a magazine is addressed by a 32-bit index
 * and its memory is a magazine forever: that is what makes the lists'
 * pop safe without a lock and without a double-width compare-and-swap.
 *
 * Every function is lock-free and callable in any context, with
 * interrupts on or off.
 */
#ifndef MM_DEPOT_H
#define MM_DEPOT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Rounds per magazine, the most a cache uses (mm/slab_magazine.c uses
 * fewer for big objects). 15 is the paper's starting size for small
 * objects: with the link and index it makes a magazine 128 bytes, two
 * cache lines. A CPU's loaded and previous magazines then absorb any run of
 * up to 15 allocations or frees, and a longer run costs one depot exchange
 * (two compare-and-swaps) per 15 objects. Bigger magazines make depot
 * trips rarer but strand more objects per CPU and cache. Fixed at build
 * time (-DKMEM_MAGAZINE_ROUNDS=n), so a result is reproducible from its
 * build flags.
 */
#ifndef KMEM_MAGAZINE_ROUNDS
#define KMEM_MAGAZINE_ROUNDS 15
#endif
_Static_assert(KMEM_MAGAZINE_ROUNDS >= 1 && KMEM_MAGAZINE_ROUNDS <= 1023,
	       "KMEM_MAGAZINE_ROUNDS out of range");

/*
 * The pool: chunks of 2^KMEM_MAGAZINE_CHUNK_ORDER pages (16 KiB: 128
 * magazines of 15 rounds), at most KMEM_MAGAZINE_MAX_CHUNKS of them (128
 * MiB of magazines, a 64 KiB chunk table). When the pool can grow no more,
 * CPUs free objects straight to the slab layer instead.
 */
#define KMEM_MAGAZINE_CHUNK_ORDER 2
#define KMEM_MAGAZINE_MAX_CHUNKS 8192

struct kmem_magazine {
	_Atomic uint32_t mag_next;  /* index of the next magazine on its list; 0 ends it */
	uint32_t mag_index;         /* this magazine's index, never 0 */
	void *mag_round[KMEM_MAGAZINE_ROUNDS];
};

/* A LIFO list of magazines: ml_top holds the index of the first one (0:
 * empty) in its low 32 bits and a generation, bumped by every push and
 * pop, in its high 32 bits. */
struct kmem_maglist {
	_Atomic uint64_t ml_top;
};

static inline uint32_t kmem_maglist_index(uint64_t top)
{
	return (uint32_t)top;
}

void kmem_maglist_init(struct kmem_maglist *ml);

/* The list head as a pop would begin with it. */
uint64_t kmem_maglist_top(struct kmem_maglist *ml);
/* One pop attempt from head *top (whose index is not 0): true with the
 * first magazine in *magp, or false with *top reloaded, when the list
 * changed since *top was read. */
bool kmem_maglist_trypop(struct kmem_maglist *ml, uint64_t *top, struct kmem_magazine **magp);

/* Bonwick's depot operations: take a magazine off a list (NULL if the
 * list is empty), put one on. */
struct kmem_magazine *kmem_depot_alloc(struct kmem_maglist *ml);
void kmem_depot_free(struct kmem_maglist *ml, struct kmem_magazine *mag);

/* The pool. init forgets every chunk (slab_init, nothing else running). */
void kmem_magazine_pool_init(void);
/* An empty magazine, or NULL if the pool is exhausted and cannot grow. */
struct kmem_magazine *kmem_magazine_alloc(void);
void kmem_magazine_free(struct kmem_magazine *mag);
/* Frames the pool holds (they never return to the page allocator). */
uint64_t kmem_magazine_pool_frames(void);

#endif
